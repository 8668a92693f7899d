#include "patina-thumbnail-decoder.h"

#include "data/image.h"
#include "data/phash.h"
#include "patina-util.h"

#define POLL_INTERVAL_MS 100

/* Decoded thumbnails handed from the worker to the main loop. Reference counted, because the
 * worker may outlive the page. */
typedef struct {
  guint index;
  int width, height;
  GBytes *rgb; /* NULL: the image could not be decoded */
} Decoded;

typedef struct {
  GMutex lock;
  GArray *ready; /* Decoded, not yet taken by the main loop */
  gboolean finished;
  GArray *near;  /* PatinaPhashPair, once finished */
} ThumbShared;

static void thumb_shared_clear(gpointer p)
{
  ThumbShared *s = p;
  for (guint i = 0; i < s->ready->len; i++)
    g_clear_pointer(&g_array_index(s->ready, Decoded, i).rgb, g_bytes_unref);
  g_array_unref(s->ready);
  g_clear_pointer(&s->near, g_array_unref);
  g_mutex_clear(&s->lock);
}

static ThumbShared *thumb_shared_new(void)
{
  ThumbShared *s = g_atomic_rc_box_new0(ThumbShared);
  g_mutex_init(&s->lock);
  s->ready = g_array_new(FALSE, FALSE, sizeof(Decoded));
  return s;
}

static void thumb_shared_unref(gpointer p) { g_atomic_rc_box_release_full(p, thumb_shared_clear); }

typedef struct {
  char **paths;
  ThumbShared *shared;
} ThumbTask;

static void thumb_task_free(gpointer p)
{
  ThumbTask *t = p;
  g_strfreev(t->paths);
  thumb_shared_unref(t->shared);
  g_free(t);
}

/* The image's pHash comes free with the decode the thumbnail needs anyway. */
static GBytes *make_thumbnail(const char *path, int *tw, int *th, guint64 *hash)
{
  g_autoptr(PatinaGray) g = patina_gray_load(path, NULL);
  if (!g || g->width < 1 || g->height < 1)
    return NULL;
  *hash = patina_phash_gray(g);
  double scale = (double) PATINA_THUMBNAIL_SIZE / MAX(g->width, g->height);
  *tw = MAX(1, (int) (g->width * scale + 0.5));
  *th = MAX(1, (int) (g->height * scale + 0.5));
  g_autofree float *small = g_new(float, (gsize) *tw * *th);
  patina_resize_bilinear(g->pixels, g->width, g->height, small, *tw, *th);
  guint8 *rgb = g_malloc((gsize) *tw * *th * 3);
  for (gsize i = 0; i < (gsize) *tw * *th; i++) {
    float v = CLAMP(small[i], 0.0f, 1.0f);
    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = (guint8) (v * 255.0f + 0.5f);
  }
  return g_bytes_new_take(rgb, (gsize) *tw * *th * 3);
}

static void decode_worker(GTask *task, gpointer source, gpointer task_data,
                          GCancellable *cancellable)
{
  (void) source;
  ThumbTask *t = task_data;
  int priority = patina_thread_lower_priority();
  guint n = g_strv_length(t->paths);
  g_autofree guint64 *hashes = g_new0(guint64, MAX(n, 1));
  g_autofree gboolean *valid = g_new0(gboolean, MAX(n, 1));
  for (guint i = 0; i < n; i++) {
    if (g_cancellable_is_cancelled(cancellable))
      break;
    Decoded d = {.index = i};
    d.rgb = make_thumbnail(t->paths[i], &d.width, &d.height, &hashes[i]);
    valid[i] = d.rgb != NULL;
    g_mutex_lock(&t->shared->lock);
    g_array_append_val(t->shared->ready, d);
    g_mutex_unlock(&t->shared->lock);
  }
  GArray *near = g_cancellable_is_cancelled(cancellable)
                   ? NULL
                   : patina_phash_pairs(hashes, valid, (int) n, PATINA_PHASH_DEFAULT_DISTANCE);
  g_mutex_lock(&t->shared->lock);
  t->shared->near = near;
  t->shared->finished = TRUE;
  g_mutex_unlock(&t->shared->lock);
  patina_thread_restore_priority(priority);
  g_task_return_boolean(task, TRUE);
}

struct _PatinaThumbnailDecoder {
  ThumbShared *shared;
  GCancellable *cancellable;
  guint poll_id;
  gboolean done;
  PatinaThumbnailReady ready;
  PatinaThumbnailsDone on_done;
  gpointer user_data;
};

static gboolean poll_cb(gpointer user_data)
{
  PatinaThumbnailDecoder *self = user_data;
  g_autoptr(GArray) batch = g_array_new(FALSE, FALSE, sizeof(Decoded));
  gboolean finished;
  g_autoptr(GArray) near = NULL;
  g_mutex_lock(&self->shared->lock);
  g_array_append_vals(batch, self->shared->ready->data, self->shared->ready->len);
  g_array_set_size(self->shared->ready, 0);
  finished = self->shared->finished;
  near = g_steal_pointer(&self->shared->near);
  g_mutex_unlock(&self->shared->lock);

  for (guint i = 0; i < batch->len; i++) {
    Decoded *d = &g_array_index(batch, Decoded, i);
    g_autoptr(GdkTexture) tex = NULL;
    if (d->rgb)
      tex = gdk_memory_texture_new(d->width, d->height, GDK_MEMORY_R8G8B8, d->rgb,
                                   (gsize) d->width * 3);
    g_clear_pointer(&d->rgb, g_bytes_unref);
    self->ready(d->index, tex, self->user_data);
  }
  if (!finished)
    return G_SOURCE_CONTINUE;
  self->poll_id = 0;
  self->done = TRUE;
  self->on_done(near, self->user_data);
  return G_SOURCE_REMOVE;
}

PatinaThumbnailDecoder *patina_thumbnail_decoder_start(const char *const *paths,
                                                       PatinaThumbnailReady ready,
                                                       PatinaThumbnailsDone done,
                                                       gpointer user_data)
{
  PatinaThumbnailDecoder *self = g_new0(PatinaThumbnailDecoder, 1);
  self->ready = ready;
  self->on_done = done;
  self->user_data = user_data;
  ThumbTask *t = g_new0(ThumbTask, 1);
  t->paths = g_strdupv((char **) paths);
  self->shared = thumb_shared_new();
  t->shared = g_atomic_rc_box_acquire(self->shared);
  self->cancellable = g_cancellable_new();
  g_autoptr(GTask) task = g_task_new(NULL, self->cancellable, NULL, NULL);
  g_task_set_task_data(task, t, thumb_task_free);
  g_task_run_in_thread(task, decode_worker);
  self->poll_id = g_timeout_add(POLL_INTERVAL_MS, poll_cb, self);
  return self;
}

void patina_thumbnail_decoder_stop(PatinaThumbnailDecoder *self)
{
  if (!self)
    return;
  g_cancellable_cancel(self->cancellable);
  g_clear_object(&self->cancellable);
  g_clear_handle_id(&self->poll_id, g_source_remove);
  g_clear_pointer(&self->shared, thumb_shared_unref);
  g_free(self);
}

gboolean patina_thumbnail_decoder_is_done(PatinaThumbnailDecoder *self)
{
  return self && self->done;
}
