#include "patina-predict-queue.h"

#include <glib/gi18n.h>

#include "patina-prediction.h"
#include "patina-util.h"

#define POLL_INTERVAL_MS 100

/* Results handed from the prediction workers to the main loop, which drains them in batches
 * from one timeout. Reference counted: a worker may outlive the page or the model it ran. */
typedef struct {
  PatinaPrediction *item; /* ref */
  int best;               /* -1: failed, error says why */
  float *probs;
  int n_classes;
  char *class_name;       /* of best */
  char *error;
} Result;

typedef struct {
  GMutex lock;
  GArray *ready; /* Result */
  int running;   /* workers still going */
} Shared;

static void result_clear(Result *r)
{
  g_clear_object(&r->item);
  g_clear_pointer(&r->probs, g_free);
  g_clear_pointer(&r->class_name, g_free);
  g_clear_pointer(&r->error, g_free);
}

static void shared_clear(gpointer p)
{
  Shared *s = p;
  for (guint i = 0; i < s->ready->len; i++)
    result_clear(&g_array_index(s->ready, Result, i));
  g_array_unref(s->ready);
  g_mutex_clear(&s->lock);
}

static Shared *shared_new(void)
{
  Shared *s = g_atomic_rc_box_new0(Shared);
  g_mutex_init(&s->lock);
  s->ready = g_array_new(FALSE, FALSE, sizeof(Result));
  return s;
}

static void shared_unref(gpointer p) { g_atomic_rc_box_release_full(p, shared_clear); }

typedef struct {
  PatinaLoadedModel *model;
  GPtrArray *items; /* PatinaPrediction refs; only their immutable paths are read */
  Shared *shared;
} PredictTask;

static void predict_task_free(gpointer p)
{
  PredictTask *t = p;
  g_object_unref(t->model);
  g_ptr_array_unref(t->items);
  shared_unref(t->shared);
  g_free(t);
}

struct _PatinaPredictQueue {
  PatinaPredictQueueFunc func;
  gpointer user_data;
  GCancellable *cancellable; /* of the workers since the last stop */
  Shared *shared;
  guint poll_id;
  guint total, done;
  GPtrArray *failures;
};

static void predict_worker(GTask *task, gpointer source, gpointer task_data,
                           GCancellable *cancellable)
{
  (void) source;
  PredictTask *t = task_data;
  int priority = patina_thread_lower_priority();
  int n_classes = patina_loaded_model_get_n_classes(t->model);
  for (guint i = 0; i < t->items->len && !g_cancellable_is_cancelled(cancellable); i++) {
    PatinaPrediction *item = g_ptr_array_index(t->items, i);
    const char *path = patina_prediction_get_path(item);
    Result r = {.item = g_object_ref(item), .n_classes = n_classes};
    g_autoptr(GError) error = NULL;
    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
      r.best = -1;
      r.error = g_strdup_printf(_("%s is a folder: add the image files in it, or open it as a "
                                  "data set"),
                                path);
    } else {
      r.probs = g_new(float, n_classes);
      r.best = patina_loaded_model_predict(t->model, path, r.probs, &error);
      if (r.best < 0)
        r.error = g_strdup(error->message);
      else
        r.class_name = g_strdup(patina_loaded_model_get_meta(t->model)->class_names[r.best]);
    }
    g_mutex_lock(&t->shared->lock);
    g_array_append_val(t->shared->ready, r);
    g_mutex_unlock(&t->shared->lock);
  }
  g_mutex_lock(&t->shared->lock);
  t->shared->running--;
  g_mutex_unlock(&t->shared->lock);
  patina_thread_restore_priority(priority);
  g_task_return_boolean(task, TRUE);
}

static gboolean poll_cb(gpointer user_data)
{
  PatinaPredictQueue *q = user_data;
  g_autoptr(GArray) batch = g_array_new(FALSE, FALSE, sizeof(Result));
  g_array_set_clear_func(batch, (GDestroyNotify) result_clear);
  gboolean finished;
  g_mutex_lock(&q->shared->lock);
  g_array_append_vals(batch, q->shared->ready->data, q->shared->ready->len);
  g_array_set_size(q->shared->ready, 0);
  finished = q->shared->running == 0;
  g_mutex_unlock(&q->shared->lock);

  for (guint i = 0; i < batch->len; i++) {
    Result *r = &g_array_index(batch, Result, i);
    if (r->best >= 0) {
      patina_prediction_set_result(r->item, r->best, r->class_name, r->probs, r->n_classes);
    } else {
      patina_prediction_set_error(r->item, r->error);
      g_ptr_array_add(q->failures, g_strdup(r->error));
    }
    q->done++;
  }
  if (finished) {
    q->poll_id = 0;
    q->total = q->done = 0;
  }
  q->func(q->user_data, finished, q->failures);
  if (finished)
    g_ptr_array_set_size(q->failures, 0);
  return finished ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

PatinaPredictQueue *patina_predict_queue_new(PatinaPredictQueueFunc func, gpointer user_data)
{
  PatinaPredictQueue *q = g_new0(PatinaPredictQueue, 1);
  q->func = func;
  q->user_data = user_data;
  q->cancellable = g_cancellable_new();
  q->shared = shared_new();
  q->failures = g_ptr_array_new_with_free_func(g_free);
  return q;
}

void patina_predict_queue_add(PatinaPredictQueue *q, PatinaLoadedModel *model, GPtrArray *items)
{
  g_return_if_fail(q != NULL && PATINA_IS_LOADED_MODEL(model) && items != NULL);
  if (items->len == 0)
    return;
  PredictTask *t = g_new0(PredictTask, 1);
  t->model = g_object_ref(model);
  t->items = g_ptr_array_ref(items);
  t->shared = g_atomic_rc_box_acquire(q->shared);
  g_mutex_lock(&q->shared->lock);
  q->shared->running++;
  g_mutex_unlock(&q->shared->lock);
  q->total += items->len;
  g_autoptr(GTask) task = g_task_new(NULL, q->cancellable, NULL, NULL);
  g_task_set_task_data(task, t, predict_task_free);
  g_task_run_in_thread(task, predict_worker);
  if (!q->poll_id)
    q->poll_id = g_timeout_add(POLL_INTERVAL_MS, poll_cb, q);
}

void patina_predict_queue_stop(PatinaPredictQueue *q)
{
  g_cancellable_cancel(q->cancellable);
  g_clear_object(&q->cancellable);
  q->cancellable = g_cancellable_new();
  g_clear_handle_id(&q->poll_id, g_source_remove);
  /* Running workers keep the old list, which nobody reads any more. */
  g_clear_pointer(&q->shared, shared_unref);
  q->shared = shared_new();
  q->total = q->done = 0;
  g_ptr_array_set_size(q->failures, 0);
}

void patina_predict_queue_free(PatinaPredictQueue *q)
{
  if (!q)
    return;
  g_cancellable_cancel(q->cancellable);
  g_clear_object(&q->cancellable);
  g_clear_handle_id(&q->poll_id, g_source_remove);
  g_clear_pointer(&q->shared, shared_unref);
  g_ptr_array_unref(q->failures);
  g_free(q);
}

guint patina_predict_queue_get_done(PatinaPredictQueue *q) { return q->done; }
guint patina_predict_queue_get_total(PatinaPredictQueue *q) { return q->total; }
