#include "patina-job-private.h"

#include "patina-job-eval.h"

#include <glib/gi18n.h>
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
    double fraction = patina_job_fraction(self, &p, fold);
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
    patina_job_train_outcome_free(outcome);
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
  g_task_run_in_thread(task, patina_job_train_worker);
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
const PatinaAugment *patina_job_get_augment(PatinaJob *self) { return self->cfg.augment; }
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
