#include "patina-augment-render.h"

#include "data/image.h"
#include "patina-util.h"
#include "viz/augment-grid.h"

/* Render workers running right now, in the whole app; each render records the count it saw,
 * so the page (and its test) can check that renders never overlap. */
static gint workers_running;

PatinaAugmentRender *patina_augment_render_new(const char *path, int size,
                                               const PatinaAugment *params, guint64 seed,
                                               int n_variants, GBytes *source)
{
  PatinaAugmentRender *r = g_new0(PatinaAugmentRender, 1);
  r->path = g_strdup(path);
  r->size = size;
  r->params = *params;
  r->seed = seed;
  r->n_variants = n_variants;
  r->source = source ? g_bytes_ref(source) : NULL;
  return r;
}

void patina_augment_render_free(PatinaAugmentRender *r)
{
  g_free(r->path);
  g_clear_pointer(&r->source, g_bytes_unref);
  g_clear_pointer(&r->tiles, g_array_unref);
  g_clear_pointer(&r->rgb, g_ptr_array_unref);
  g_free(r);
}

static GBytes *plane_to_rgb(const float *plane, int size)
{
  gsize n = (gsize) size * size;
  guint8 *rgb = g_malloc(n * 3);
  for (gsize i = 0; i < n; i++) {
    float v = plane[i];
    guint8 g = (guint8) ((v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f) * 255.0f + 0.5f);
    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = g;
  }
  return g_bytes_new_take(rgb, n * 3);
}

static gboolean render(PatinaAugmentRender *r, GCancellable *cancellable, GError **error)
{
  gsize plane = (gsize) r->size * r->size;
  if (!r->source) {
    float *pixels = g_new(float, plane);
    if (!patina_image_load_input(r->path, r->size, 1, pixels, error)) {
      g_free(pixels);
      return FALSE;
    }
    r->source = g_bytes_new_take(pixels, plane * sizeof(float));
  }
  r->tiles = patina_augment_tiles(&r->params, g_bytes_get_data(r->source, NULL), r->size,
                                  r->seed, r->n_variants, cancellable, error);
  if (!r->tiles)
    return FALSE;
  r->rgb = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < r->tiles->len; i++)
    g_ptr_array_add(r->rgb, plane_to_rgb(g_array_index(r->tiles, PatinaAugmentTile, i).plane,
                                         r->size));
  return TRUE;
}

static void render_worker(GTask *task, gpointer source, gpointer task_data,
                          GCancellable *cancellable)
{
  (void) source;
  PatinaAugmentRender *r = task_data;
  r->concurrent = g_atomic_int_add(&workers_running, 1) + 1;
  int priority = patina_thread_lower_priority();
  GError *error = NULL;
  gboolean ok = render(r, cancellable, &error);
  patina_thread_restore_priority(priority);
  g_atomic_int_add(&workers_running, -1);
  if (ok)
    g_task_return_boolean(task, TRUE);
  else
    g_task_return_error(task, error);
}

void patina_augment_render_run(PatinaAugmentRender *r, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
  g_task_set_task_data(task, r, (GDestroyNotify) patina_augment_render_free);
  g_task_run_in_thread(task, render_worker);
}

gboolean patina_augment_render_finish(GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean(G_TASK(result), error);
}

PatinaAugmentRender *patina_augment_render_get(GAsyncResult *result)
{
  return g_task_get_task_data(G_TASK(result));
}

/* ---- export ---- */

typedef struct {
  GArray *tiles;
  int size, tile_px, columns;
  GStrv title;
  GFile *dest;
} Export;

static void export_free(gpointer p)
{
  Export *e = p;
  g_array_unref(e->tiles);
  g_strfreev(e->title);
  g_object_unref(e->dest);
  g_free(e);
}

static void export_worker(GTask *task, gpointer source, gpointer task_data,
                          GCancellable *cancellable)
{
  (void) source;
  Export *e = task_data;
  GError *error = NULL;
  g_autoptr(GBytes) png = patina_augment_grid_png(e->tiles, e->size, e->tile_px, e->columns,
                                                  e->title, &error);
  /* through a temporary file and a rename, so a failed write leaves an older grid intact */
  gsize len;
  const void *data = png ? g_bytes_get_data(png, &len) : NULL;
  if (png && g_file_replace_contents(e->dest, data, len, NULL, FALSE,
                                     G_FILE_CREATE_REPLACE_DESTINATION, NULL, cancellable,
                                     &error))
    g_task_return_boolean(task, TRUE);
  else
    g_task_return_error(task, error);
}

void patina_augment_export_async(GArray *tiles, int size, int tile_px, int columns,
                                 char **title, GFile *dest, gpointer source_object,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  Export *e = g_new0(Export, 1);
  e->tiles = g_array_ref(tiles);
  e->size = size;
  e->tile_px = tile_px;
  e->columns = columns;
  e->title = g_strdupv(title);
  e->dest = g_object_ref(dest);
  g_autoptr(GTask) task = g_task_new(source_object, NULL, callback, user_data);
  g_task_set_task_data(task, e, export_free);
  g_task_run_in_thread(task, export_worker);
}

gboolean patina_augment_export_finish(GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean(G_TASK(result), error);
}
