#include "patina-job.h"

#include "patina-job-eval.h"
#include "patina-run.h"
#include "patina-util.h"
#include "train/checkpoint.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <math.h>

/* How often the main loop looks at what the worker reported. */
#define POLL_INTERVAL_MS 100

G_DEFINE_ENUM_TYPE(PatinaJobState, patina_job_state,
  G_DEFINE_ENUM_VALUE(PATINA_JOB_IDLE, "idle"),
  G_DEFINE_ENUM_VALUE(PATINA_JOB_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE(PATINA_JOB_PAUSING, "pausing"),
  G_DEFINE_ENUM_VALUE(PATINA_JOB_PAUSED, "paused"),
  G_DEFINE_ENUM_VALUE(PATINA_JOB_STOPPING, "stopping"),
  G_DEFINE_ENUM_VALUE(PATINA_JOB_DONE, "done"),
  G_DEFINE_ENUM_VALUE(PATINA_JOB_CANCELLED, "cancelled"),
  G_DEFINE_ENUM_VALUE(PATINA_JOB_FAILED, "failed"))

/* What the worker reports; read by the main loop under the lock. */
typedef struct {
  GMutex lock;
  GCond cond;              /* wakes a paused worker */
  gboolean pause_requested;
  gboolean worker_paused;  /* the worker is waiting */
  gboolean have_progress;
  PatinaProgress progress;
  GArray *new_epochs; /* PatinaEpochRecord not yet seen by the main loop */
  GArray *new_batches; /* PatinaBatchPoint not yet seen */
  gint64 paused_us;    /* how long the worker has waited paused, in all */
  PatinaRate rate;     /* over working time; reset at each fold's start */
  double images_per_second, eta_seconds; /* from rate; 0 and NaN until known */
  int fold;            /* the fold being trained (1-based), 0 for a single run */
} Shared;

struct _PatinaJob {
  GObject parent_instance;

  /* fixed once created; read by the worker */
  char *dataset_root;
  char *model, *output;
  PatinaTrainConfig cfg;
  PatinaAugment augment; /* cfg.augment points here when the run augments */

  GCancellable *cancellable;
  Shared shared;

  /* main loop only */
  PatinaJobState state;
  double fraction, images_per_second, eta_seconds;
  char *status, *error_message;
  GArray *history;
  GArray *batches;
  guint poll_id;
  PatinaEvaluation *evaluation; /* of the best model on the validation images, once done */
  GStrv class_names;
  char *evaluation_error;
  GArray *misclassified; /* PatinaMisclassified */
  int fold;              /* as the main loop last saw it */
  double *fold_accuracies, fold_mean, fold_sd;
  double paused_seconds;

  /* worker only, while it runs */
  PatinaDataset *worker_ds;
  PatinaEvaluation *worker_evaluation; /* merged over folds */
  GArray *worker_misclassified;
  GError *worker_evaluation_error;
  gint64 started_unix;
};

G_DEFINE_FINAL_TYPE(PatinaJob, patina_job, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_FRACTION,
  PROP_IMAGES_PER_SECOND,
  PROP_ETA_SECONDS,
  PROP_STATUS,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

enum { SIGNAL_EPOCH, SIGNAL_BATCHES, SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void patina_job_dispose(GObject *object)
{
  PatinaJob *self = PATINA_JOB(object);
  g_clear_handle_id(&self->poll_id, g_source_remove);
  G_OBJECT_CLASS(patina_job_parent_class)->dispose(object);
}

static void patina_job_finalize(GObject *object)
{
  PatinaJob *self = PATINA_JOB(object);
  g_free(self->dataset_root);
  g_free(self->model);
  g_free(self->output);
  g_clear_object(&self->cancellable);
  g_mutex_clear(&self->shared.lock);
  g_cond_clear(&self->shared.cond);
  g_array_unref(self->shared.new_epochs);
  g_array_unref(self->shared.new_batches);
  g_array_unref(self->batches);
  g_free(self->status);
  g_free(self->error_message);
  g_array_unref(self->history);
  if (self->evaluation) {
    patina_evaluation_clear(self->evaluation);
    g_free(self->evaluation);
  }
  g_strfreev(self->class_names);
  g_free(self->evaluation_error);
  g_array_unref(self->misclassified);
  g_free(self->fold_accuracies);
  G_OBJECT_CLASS(patina_job_parent_class)->finalize(object);
}

static void patina_job_get_property(GObject *object, guint prop_id, GValue *value,
                                    GParamSpec *pspec)
{
  PatinaJob *self = PATINA_JOB(object);
  switch (prop_id) {
  case PROP_STATE: g_value_set_enum(value, self->state); break;
  case PROP_FRACTION: g_value_set_double(value, self->fraction); break;
  case PROP_IMAGES_PER_SECOND: g_value_set_double(value, self->images_per_second); break;
  case PROP_ETA_SECONDS: g_value_set_double(value, self->eta_seconds); break;
  case PROP_STATUS: g_value_set_string(value, self->status); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void patina_job_class_init(PatinaJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  object_class->dispose = patina_job_dispose;
  object_class->finalize = patina_job_finalize;
  object_class->get_property = patina_job_get_property;

  props[PROP_STATE] = g_param_spec_enum("state", NULL, NULL, PATINA_TYPE_JOB_STATE,
                                        PATINA_JOB_IDLE,
                                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                          G_PARAM_STATIC_STRINGS);
  props[PROP_FRACTION] = g_param_spec_double("fraction", NULL, NULL, 0, 1, 0,
                                             G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                               G_PARAM_STATIC_STRINGS);
  props[PROP_IMAGES_PER_SECOND] = g_param_spec_double("images-per-second", NULL, NULL, 0,
                                                      G_MAXDOUBLE, 0,
                                                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                        G_PARAM_STATIC_STRINGS);
  props[PROP_ETA_SECONDS] = g_param_spec_double("eta-seconds", NULL, NULL, -G_MAXDOUBLE,
                                                G_MAXDOUBLE, 0,
                                                G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                  G_PARAM_STATIC_STRINGS);
  props[PROP_STATUS] = g_param_spec_string("status", NULL, NULL, NULL,
                                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                             G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, props);

  /* An epoch finished; the argument is its index in patina_job_get_history(). */
  signals[SIGNAL_EPOCH] = g_signal_new("epoch", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /* Batch points were appended; the argument is the index of the first new one. */
  signals[SIGNAL_BATCHES] = g_signal_new("batches", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /* The worker returned; the state is DONE, CANCELLED or FAILED. */
  signals[SIGNAL_FINISHED] = g_signal_new("finished", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void patina_job_init(PatinaJob *self)
{
  self->cancellable = g_cancellable_new();
  g_mutex_init(&self->shared.lock);
  g_cond_init(&self->shared.cond);
  self->shared.new_epochs = g_array_new(FALSE, FALSE, sizeof(PatinaEpochRecord));
  self->shared.new_batches = g_array_new(FALSE, FALSE, sizeof(PatinaBatchPoint));
  self->batches = g_array_new(FALSE, FALSE, sizeof(PatinaBatchPoint));
  self->history = g_array_new(FALSE, FALSE, sizeof(PatinaEpochRecord));
  self->eta_seconds = NAN;
  self->shared.eta_seconds = NAN;
  self->status = g_strdup("");
  self->misclassified = patina_misclassified_array_new();
  self->fold_mean = self->fold_sd = NAN;
}

PatinaJob *patina_job_new_train(const char *dataset_root, const PatinaTrainConfig *cfg)
{
  g_return_val_if_fail(dataset_root != NULL && cfg != NULL, NULL);
  PatinaJob *self = g_object_new(PATINA_TYPE_JOB, NULL);
  self->dataset_root = g_strdup(dataset_root);
  self->cfg = *cfg;
  self->model = g_strdup(cfg->model);
  self->output = g_strdup(cfg->output);
  self->cfg.model = self->model;
  self->cfg.output = self->output;
  /* Pointers the job does not own are not carried over. */
  self->cfg.train_indices = self->cfg.val_indices = NULL;
  self->cfg.n_train_indices = self->cfg.n_val_indices = 0;
  self->cfg.augment = NULL;
  if (cfg->augment) {
    self->augment = *cfg->augment;
    self->cfg.augment = &self->augment;
  }
  return self;
}

static void set_state(PatinaJob *self, PatinaJobState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_STATE]);
}

static void set_status(PatinaJob *self, const char *status)
{
  if (g_strcmp0(self->status, status) == 0)
    return;
  g_free(self->status);
  self->status = g_strdup(status);
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_STATUS]);
}

gboolean patina_rate_update(PatinaRate *rate, gint64 now, gint64 paused_total, gint64 images,
                            double fraction, double *images_per_second, double *eta_seconds)
{
  if (!rate->started) {
    *rate = (PatinaRate){TRUE, now, images, paused_total, fraction};
    return FALSE;
  }
  double working = (now - rate->t0 - (paused_total - rate->paused0)) / 1e6;
  if (!(working > 0) || images <= rate->images0 || !(fraction > rate->fraction0))
    return FALSE;
  *images_per_second = (images - rate->images0) / working;
  *eta_seconds = working / (fraction - rate->fraction0) * (1.0 - fraction);
  return TRUE;
}

/* The share of the whole job done after p, folds included. */
static double job_fraction(const PatinaJob *self, const PatinaProgress *p, int fold)
{
  int folds = MAX(self->cfg.folds, 1);
  double per_fold = (double) p->epochs * MAX(p->batches, 1);
  double done = (MAX(fold, 1) - 1) * per_fold + (double) (p->epoch - 1) * MAX(p->batches, 1) +
                p->batch;
  return per_fold > 0 ? CLAMP(done / (folds * per_fold), 0.0, 1.0) : 0.0;
}

/* Worker thread: store, never call into GTK or emit signals. */
static void on_progress(const PatinaProgress *p, gpointer user_data)
{
  PatinaJob *self = user_data;
  gint64 now = g_get_monotonic_time();
  g_mutex_lock(&self->shared.lock);
  self->shared.progress = *p;
  self->shared.have_progress = TRUE;
  if (!p->epoch_done)
    patina_rate_update(&self->shared.rate, now, self->shared.paused_us, p->images_done,
                       job_fraction(self, p, self->shared.fold),
                       &self->shared.images_per_second, &self->shared.eta_seconds);
  if (!p->epoch_done && p->batches > 0) {
    /* folds follow each other along the x axis */
    int before = (MAX(self->shared.fold, 1) - 1) * p->epochs;
    PatinaBatchPoint b = {before + p->epoch - 1 + (double) p->batch / p->batches, p->train_loss,
                          p->train_acc};
    g_array_append_val(self->shared.new_batches, b);
  }
  if (p->epoch_done) {
    PatinaEpochRecord rec = {.epoch = p->epoch,
                             .train_loss = p->train_loss,
                             .train_acc = p->train_acc,
                             .val_loss = p->val_loss,
                             .val_acc = p->val_acc,
                             .lr = self->cfg.lr,
                             .seconds = NAN};
    g_array_append_val(self->shared.new_epochs, rec);
  }
  /* Pausing: wait here, between batches, until resumed or cancelled. */
  gint64 pause_start = g_get_monotonic_time();
  gboolean waited = FALSE;
  while (self->shared.pause_requested && !g_cancellable_is_cancelled(self->cancellable)) {
    self->shared.worker_paused = TRUE;
    waited = TRUE;
    g_cond_wait(&self->shared.cond, &self->shared.lock);
  }
  if (waited)
    self->shared.paused_us += g_get_monotonic_time() - pause_start;
  self->shared.worker_paused = FALSE;
  g_mutex_unlock(&self->shared.lock);
}

/* Main loop: take everything reported since the last look, in one go. */
static void drain(PatinaJob *self)
{
  PatinaProgress p;
  gboolean have, worker_paused;
  double images_per_second, eta_seconds;
  int fold;
  g_autoptr(GArray) epochs = g_array_new(FALSE, FALSE, sizeof(PatinaEpochRecord));
  g_mutex_lock(&self->shared.lock);
  have = self->shared.have_progress;
  p = self->shared.progress;
  self->shared.have_progress = FALSE;
  worker_paused = self->shared.worker_paused;
  images_per_second = self->shared.images_per_second;
  eta_seconds = self->shared.eta_seconds;
  fold = self->shared.fold;
  self->paused_seconds = self->shared.paused_us / 1e6;
  if (self->shared.new_epochs->len)
    g_array_append_vals(epochs, self->shared.new_epochs->data, self->shared.new_epochs->len);
  g_array_set_size(self->shared.new_epochs, 0);
  guint first_batch = self->batches->len;
  g_array_append_vals(self->batches, self->shared.new_batches->data,
                      self->shared.new_batches->len);
  g_array_set_size(self->shared.new_batches, 0);
  g_mutex_unlock(&self->shared.lock);

  g_object_freeze_notify(G_OBJECT(self));
  if (have) {
    self->fold = fold;
    double fraction = job_fraction(self, &p, fold);
    if (fraction != self->fraction) {
      self->fraction = fraction;
      g_object_notify_by_pspec(G_OBJECT(self), props[PROP_FRACTION]);
    }
    if (images_per_second != self->images_per_second) {
      self->images_per_second = images_per_second;
      g_object_notify_by_pspec(G_OBJECT(self), props[PROP_IMAGES_PER_SECOND]);
    }
    if (!(eta_seconds == self->eta_seconds)) {
      self->eta_seconds = eta_seconds;
      g_object_notify_by_pspec(G_OBJECT(self), props[PROP_ETA_SECONDS]);
    }
    if (self->state == PATINA_JOB_RUNNING) {
      g_autofree char *s =
        fold ? g_strdup_printf(_("Fold %d of %d · epoch %d of %d, batch %d of %d"), fold,
                               self->cfg.folds, p.epoch, p.epochs, p.batch, p.batches)
             : g_strdup_printf(_("Epoch %d of %d, batch %d of %d"), p.epoch, p.epochs, p.batch,
                               p.batches);
      set_status(self, s);
    }
  }
  /* The worker took the last progress and stopped, in one locked step: nothing more comes. */
  if (self->state == PATINA_JOB_PAUSING && worker_paused) {
    set_status(self, _("Paused"));
    set_state(self, PATINA_JOB_PAUSED);
  }
  g_object_thaw_notify(G_OBJECT(self));
  if (self->batches->len > first_batch)
    g_signal_emit(self, signals[SIGNAL_BATCHES], 0, first_batch);
  for (guint i = 0; i < epochs->len; i++) {
    g_array_append_val(self->history, g_array_index(epochs, PatinaEpochRecord, i));
    g_signal_emit(self, signals[SIGNAL_EPOCH], 0, self->history->len - 1);
  }
}

static gboolean poll_cb(gpointer user_data)
{
  drain(PATINA_JOB(user_data));
  return G_SOURCE_CONTINUE;
}

/* What the worker hands back on success. */
typedef struct {
  PatinaEvaluation *evaluation; /* NULL when it could not be made */
  char *evaluation_error;
  GStrv class_names;
  GArray *misclassified;
  PatinaFoldsResult folds;
} TrainOutcome;

static void train_outcome_free(gpointer p)
{
  TrainOutcome *o = p;
  if (o->evaluation) {
    patina_evaluation_clear(o->evaluation);
    g_free(o->evaluation);
  }
  g_free(o->evaluation_error);
  g_strfreev(o->class_names);
  if (o->misclassified)
    g_array_unref(o->misclassified);
  patina_folds_result_clear(&o->folds);
  g_free(o);
}

/* Worker: a checkpoint on validation images, merged into what earlier folds gave. The first
 * failure is kept to be shown; training goes on regardless. */
static void evaluate_into(PatinaJob *self, const char *path, const int *indices, int n)
{
  if (self->worker_evaluation_error)
    return;
  if (n == 0) {
    g_set_error_literal(&self->worker_evaluation_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                        _("No validation images to evaluate on"));
    return;
  }
  patina_job_evaluate_append(path, self->worker_ds, indices, n, self->cfg.threads,
                             self->cfg.batch, self->cancellable, &self->worker_evaluation,
                             self->worker_misclassified, &self->worker_evaluation_error);
}

/* Worker: brackets each fold; a finished fold's best model is evaluated on its own
 * validation images and recorded as a run. */
static void on_fold(const PatinaFoldEvent *ev, gpointer user_data)
{
  PatinaJob *self = user_data;
  if (!ev->done) {
    g_mutex_lock(&self->shared.lock);
    self->shared.fold = ev->fold;
    self->shared.rate.started = FALSE; /* each fold loads its images first */
    g_mutex_unlock(&self->shared.lock);
    return;
  }
  PatinaTrainConfig c = self->cfg;
  c.output = ev->output;
  g_autoptr(GError) record_error = NULL;
  if (!patina_run_record_save(&c, self->dataset_root, self->started_unix, ev->result, NULL,
                              &record_error))
    g_warning("Cannot record the run: %s", record_error->message);
  evaluate_into(self, ev->output, ev->val_indices, ev->n_val);
}

static gboolean train_single(PatinaJob *self, GCancellable *cancellable, GError **error)
{
  PatinaTrainResult result = {0};
  gboolean ok = patina_train(&self->cfg, self->worker_ds, on_progress, self, cancellable,
                             &result, error);
  /* The Runs page lists the run from this record; a run that cannot be listed still trained,
   * so a failure here is only reported. */
  g_autoptr(GError) record_error = NULL;
  if (!patina_run_record_save(&self->cfg, self->dataset_root, self->started_unix, &result,
                              ok ? NULL : *error, &record_error))
    g_warning("Cannot record the run: %s", record_error->message);
  patina_train_result_clear(&result);
  if (ok) {
    /* the best checkpoint on the validation images of the run's own split */
    g_autoptr(GArray) train = g_array_new(FALSE, FALSE, sizeof(int));
    g_autoptr(GArray) val = g_array_new(FALSE, FALSE, sizeof(int));
    if (self->cfg.val_fraction > 0)
      patina_dataset_split(self->worker_ds, self->cfg.val_fraction, self->cfg.seed, train, val);
    evaluate_into(self, self->output, (const int *) val->data, (int) val->len);
  }
  return ok;
}

static void train_worker(GTask *task, gpointer source, gpointer task_data,
                         GCancellable *cancellable)
{
  PatinaJob *self = source;
  (void) task_data;
  GError *error = NULL;
  g_autoptr(PatinaDataset) ds = patina_dataset_open(self->dataset_root, &error);
  if (!ds) {
    g_task_return_error(task, error);
    return;
  }
  g_autofree char *dir = g_path_get_dirname(self->output);
  if (g_mkdir_with_parents(dir, 0755) != 0) {
    int errsv = errno;
    g_task_return_new_error(task, G_IO_ERROR, g_io_error_from_errno(errsv),
                            _("Cannot create the folder %s: %s"), dir, g_strerror(errsv));
    return;
  }
  int priority = patina_thread_lower_priority(); /* its pool threads inherit it */
  self->started_unix = g_get_real_time() / G_USEC_PER_SEC;
  self->worker_ds = ds;
  self->worker_misclassified = patina_misclassified_array_new();
  TrainOutcome *o = g_new0(TrainOutcome, 1);
  gboolean ok = self->cfg.folds >= 2
                  ? patina_train_folds(&self->cfg, ds, NULL, 0, on_fold, on_progress, self,
                                       cancellable, &o->folds, &error)
                  : train_single(self, cancellable, &error);
  o->evaluation = g_steal_pointer(&self->worker_evaluation);
  o->misclassified = g_steal_pointer(&self->worker_misclassified);
  if (self->worker_evaluation_error)
    o->evaluation_error = g_strdup(self->worker_evaluation_error->message);
  g_clear_error(&self->worker_evaluation_error);
  self->worker_ds = NULL;
  patina_thread_restore_priority(priority);
  if (!ok) {
    train_outcome_free(o);
    g_task_return_error(task, error);
    return;
  }
  o->class_names = g_new0(char *, ds->class_names->len + 1);
  for (guint k = 0; k < ds->class_names->len; k++)
    o->class_names[k] = g_strdup(g_ptr_array_index(ds->class_names, k));
  g_task_return_pointer(task, o, train_outcome_free);
}

static void train_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
  PatinaJob *self = PATINA_JOB(source);
  (void) user_data;
  g_autoptr(GError) error = NULL;
  TrainOutcome *outcome = g_task_propagate_pointer(G_TASK(res), &error);
  gboolean ok = outcome != NULL;
  if (outcome) {
    self->evaluation = g_steal_pointer(&outcome->evaluation);
    self->evaluation_error = g_steal_pointer(&outcome->evaluation_error);
    self->class_names = g_steal_pointer(&outcome->class_names);
    g_array_unref(self->misclassified);
    self->misclassified = g_steal_pointer(&outcome->misclassified);
    if (outcome->folds.folds) {
      self->fold_accuracies = g_steal_pointer(&outcome->folds.best_val_acc);
      self->fold_mean = outcome->folds.mean;
      self->fold_sd = outcome->folds.sd;
    }
    train_outcome_free(outcome);
  }
  g_clear_handle_id(&self->poll_id, g_source_remove);
  drain(self); /* what the worker reported after the last poll */

  if (ok) {
    self->fraction = 1.0;
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_FRACTION]);
    set_status(self, _("Finished"));
    set_state(self, PATINA_JOB_DONE);
  } else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_autofree char *s = g_strdup_printf(
      ngettext("Stopped after %u epoch", "Stopped after %u epochs", self->history->len),
      self->history->len);
    set_status(self, s);
    set_state(self, PATINA_JOB_CANCELLED);
  } else {
    self->error_message = g_strdup(error->message);
    set_status(self, _("Failed"));
    set_state(self, PATINA_JOB_FAILED);
  }
  g_signal_emit(self, signals[SIGNAL_FINISHED], 0);
}

void patina_job_start(PatinaJob *self)
{
  g_return_if_fail(PATINA_IS_JOB(self));
  g_return_if_fail(self->state == PATINA_JOB_IDLE);
  set_status(self, _("Loading images…"));
  set_state(self, PATINA_JOB_RUNNING);
  self->poll_id = g_timeout_add(POLL_INTERVAL_MS, poll_cb, self);
  g_autoptr(GTask) task = g_task_new(self, self->cancellable, train_done, NULL);
  g_task_set_source_tag(task, patina_job_start);
  g_task_run_in_thread(task, train_worker);
}

static void wake_worker(PatinaJob *self, gboolean pause)
{
  g_mutex_lock(&self->shared.lock);
  self->shared.pause_requested = pause;
  g_cond_broadcast(&self->shared.cond);
  g_mutex_unlock(&self->shared.lock);
}

void patina_job_pause(PatinaJob *self)
{
  g_return_if_fail(PATINA_IS_JOB(self));
  if (self->state != PATINA_JOB_RUNNING)
    return;
  wake_worker(self, TRUE);
  set_status(self, _("Pausing after this batch…"));
  set_state(self, PATINA_JOB_PAUSING);
}

void patina_job_resume(PatinaJob *self)
{
  g_return_if_fail(PATINA_IS_JOB(self));
  if (self->state != PATINA_JOB_PAUSING && self->state != PATINA_JOB_PAUSED)
    return;
  wake_worker(self, FALSE);
  set_status(self, _("Resuming…"));
  set_state(self, PATINA_JOB_RUNNING);
}

void patina_job_cancel(PatinaJob *self)
{
  g_return_if_fail(PATINA_IS_JOB(self));
  if (self->state != PATINA_JOB_RUNNING && self->state != PATINA_JOB_PAUSING &&
      self->state != PATINA_JOB_PAUSED)
    return;
  g_cancellable_cancel(self->cancellable);
  wake_worker(self, FALSE);
  set_status(self, _("Stopping…"));
  set_state(self, PATINA_JOB_STOPPING);
}

PatinaJobState patina_job_get_state(PatinaJob *self) { return self->state; }
gboolean patina_job_is_active(PatinaJob *self)
{
  return self->state == PATINA_JOB_RUNNING || self->state == PATINA_JOB_PAUSING ||
         self->state == PATINA_JOB_PAUSED || self->state == PATINA_JOB_STOPPING;
}
double patina_job_get_fraction(PatinaJob *self) { return self->fraction; }
double patina_job_get_images_per_second(PatinaJob *self) { return self->images_per_second; }
double patina_job_get_eta_seconds(PatinaJob *self) { return self->eta_seconds; }
const char *patina_job_get_status(PatinaJob *self) { return self->status; }
const char *patina_job_get_error_message(PatinaJob *self) { return self->error_message; }
GArray *patina_job_get_history(PatinaJob *self) { return self->history; }
int patina_job_get_epochs(PatinaJob *self) { return self->cfg.epochs; }
GArray *patina_job_get_batches(PatinaJob *self) { return self->batches; }
const char *patina_job_get_output(PatinaJob *self) { return self->output; }
const char *patina_job_get_dataset_root(PatinaJob *self) { return self->dataset_root; }
const PatinaEvaluation *patina_job_get_evaluation(PatinaJob *self) { return self->evaluation; }
const char *const *patina_job_get_class_names(PatinaJob *self)
{
  return (const char *const *) self->class_names;
}
const char *patina_job_get_evaluation_error(PatinaJob *self) { return self->evaluation_error; }
GArray *patina_job_get_misclassified(PatinaJob *self) { return self->misclassified; }
int patina_job_get_folds(PatinaJob *self) { return self->cfg.folds >= 2 ? self->cfg.folds : 0; }
int patina_job_get_fold(PatinaJob *self) { return self->fold; }
const double *patina_job_get_fold_accuracies(PatinaJob *self) { return self->fold_accuracies; }
double patina_job_get_fold_mean(PatinaJob *self) { return self->fold_mean; }
double patina_job_get_fold_sd(PatinaJob *self) { return self->fold_sd; }
double patina_job_get_paused_seconds(PatinaJob *self) { return self->paused_seconds; }
