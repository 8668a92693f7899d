#include "patina-viewer-io.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "data/manifest.h"
#include "patina-util.h"

/* The split a manifest made here gets: the same as 'patina-cli dataset init' without options,
 * so the app and the CLI agree on what a fresh manifest means. */
#define NEW_MANIFEST_VAL 0.15
#define NEW_MANIFEST_TEST 0.15
#define NEW_MANIFEST_SEED 0

void patina_viewer_image_free(PatinaViewerImage *image)
{
  if (!image)
    return;
  g_clear_object(&image->texture);
  g_free(image->manifest_problem);
  g_free(image);
}

char *patina_viewer_relative_path(const char *root, const char *path)
{
  if (!root || !path)
    return NULL;
  gsize n = strlen(root);
  while (n > 1 && root[n - 1] == '/')
    n--;
  if (strncmp(path, root, n) != 0 || path[n] != '/' || path[n + 1] == '\0')
    return NULL;
  return g_strdup(path + n + 1);
}

/* 8-bit and 16-bit samples are already in [0, 1]; float samples are stretched from their own
 * range so a micrograph stored in, say, counts is still visible. */
static GdkTexture *texture_from_image(const PatinaImage *img)
{
  gsize n = (gsize) img->width * img->height * img->channels;
  float lo = 0, hi = 1;
  if (img->is_float && n > 0) {
    lo = hi = img->data[0];
    for (gsize i = 1; i < n; i++) {
      lo = MIN(lo, img->data[i]);
      hi = MAX(hi, img->data[i]);
    }
    if (hi <= lo)
      hi = lo + 1;
  }
  gsize pixels = (gsize) img->width * img->height;
  guint8 *rgb = g_malloc(pixels * 3);
  for (gsize p = 0; p < pixels; p++)
    for (int c = 0; c < 3; c++) {
      float v = img->data[p * img->channels + (img->channels == 3 ? c : 0)];
      v = CLAMP((v - lo) / (hi - lo), 0.0f, 1.0f);
      rgb[p * 3 + c] = (guint8) (v * 255.0f + 0.5f);
    }
  g_autoptr(GBytes) bytes = g_bytes_new_take(rgb, pixels * 3);
  return gdk_memory_texture_new(img->width, img->height, GDK_MEMORY_R8G8B8, bytes,
                                (gsize) img->width * 3);
}

typedef struct {
  char *path, *root;
  PatinaViewerField field;
  int value;
} IoData;

static void io_data_free(gpointer p)
{
  IoData *d = p;
  g_free(d->path);
  g_free(d->root);
  g_free(d);
}

static void read_manifest_entry(const char *root, const char *path, PatinaViewerImage *out)
{
  out->manifest_crop = -1;
  g_autofree char *rel = patina_viewer_relative_path(root, path);
  g_autofree char *mpath = root ? patina_manifest_path_in(root) : NULL;
  if (!rel || !g_file_test(mpath, G_FILE_TEST_EXISTS))
    return;
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaManifest) m = patina_manifest_load(mpath, &error);
  if (!m) {
    out->manifest_problem = g_strdup(error->message);
    return;
  }
  int i = patina_manifest_find(m, rel);
  if (i >= 0) {
    const PatinaManifestImage *im = &g_array_index(m->images, PatinaManifestImage, i);
    out->manifest_crop = im->crop_rows;
    out->manifest_excluded = im->excluded;
  }
}

static void load_worker(GTask *task, gpointer source, gpointer task_data,
                        GCancellable *cancellable)
{
  (void) source;
  (void) cancellable;
  IoData *d = task_data;
  int priority = patina_thread_lower_priority();
  GError *error = NULL;
  g_autoptr(PatinaImage) img = patina_image_load(d->path, NULL, &error);
  if (!img) {
    patina_thread_restore_priority(priority);
    g_task_return_error(task, error);
    return;
  }
  PatinaViewerImage *out = g_new0(PatinaViewerImage, 1);
  out->width = img->width;
  out->height = img->height;
  out->channels = img->channels;
  out->bits_per_sample = img->bits_per_sample;
  out->is_float = img->is_float;
  out->sem = img->sem;
  g_autoptr(PatinaGray) gray = patina_gray_from_image(img);
  patina_databar_find(gray->pixels, gray->width, gray->height, &img->sem, &out->found);
  out->texture = texture_from_image(img);
  read_manifest_entry(d->root, d->path, out);
  patina_thread_restore_priority(priority);
  g_task_return_pointer(task, out, (GDestroyNotify) patina_viewer_image_free);
}

void patina_viewer_image_load_async(const char *path, const char *root, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  IoData *d = g_new0(IoData, 1);
  d->path = g_strdup(path);
  d->root = g_strdup(root);
  g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
  g_task_set_source_tag(task, patina_viewer_image_load_async);
  g_task_set_task_data(task, d, io_data_free);
  g_task_set_return_on_cancel(task, FALSE);
  g_task_run_in_thread(task, load_worker);
}

PatinaViewerImage *patina_viewer_image_load_finish(GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer(G_TASK(result), error);
}

static void save_worker(GTask *task, gpointer source, gpointer task_data,
                        GCancellable *cancellable)
{
  (void) source;
  (void) cancellable;
  IoData *d = task_data;
  GError *error = NULL;
  g_autofree char *rel = patina_viewer_relative_path(d->root, d->path);
  if (!rel) {
    g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            _("%s is not inside the open data set's folder"), d->path);
    return;
  }
  /* Each save rewrites the whole manifest: two at once (two windows) would lose one's change. */
  static GMutex manifest_lock;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&manifest_lock);
  g_autofree char *mpath = patina_manifest_path_in(d->root);
  gboolean created = !g_file_test(mpath, G_FILE_TEST_EXISTS);
  g_autoptr(PatinaManifest) m = NULL;
  if (created) {
    g_autoptr(PatinaDataset) ds =
      patina_dataset_open_full(d->root, PATINA_DATASET_OPEN_CONTAINED, NULL, &error);
    if (ds)
      m = patina_manifest_create(ds, NEW_MANIFEST_VAL, NEW_MANIFEST_TEST, NEW_MANIFEST_SEED,
                                 &error);
  } else {
    m = patina_manifest_load(mpath, &error);
  }
  if (!m) {
    g_task_return_error(task, error);
    return;
  }
  int i = patina_manifest_find(m, rel);
  if (i < 0) {
    g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                            _("%s is not listed in %s; “patina-cli dataset update” adds new "
                              "images to it"),
                            rel, PATINA_MANIFEST_NAME);
    return;
  }
  PatinaManifestImage *im = &g_array_index(m->images, PatinaManifestImage, i);
  if (d->field == PATINA_VIEWER_CROP_ROWS) {
    im->crop_rows = d->value;
  } else {
    im->excluded = d->value != 0;
    g_clear_pointer(&im->exclude_reason, g_free); /* a reason given in the CLI no longer holds */
  }
  if (!patina_manifest_save(m, mpath, &error)) {
    g_task_return_error(task, error);
    return;
  }
  g_task_return_int(task, created);
}

void patina_viewer_save_async(const char *root, const char *path, PatinaViewerField field,
                              int value, GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  IoData *d = g_new0(IoData, 1);
  d->path = g_strdup(path);
  d->root = g_strdup(root);
  d->field = field;
  d->value = value;
  g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
  g_task_set_source_tag(task, patina_viewer_save_async);
  g_task_set_task_data(task, d, io_data_free);
  g_task_run_in_thread(task, save_worker);
}

gboolean patina_viewer_save_finish(GAsyncResult *result, gboolean *created, GError **error)
{
  gssize r = g_task_propagate_int(G_TASK(result), error);
  if (r < 0)
    return FALSE;
  if (created)
    *created = r != 0;
  return TRUE;
}
