/* What a training job does on its worker thread: the progress callback (stores, never calls
 * into GTK), one run or k folds, the run records and the evaluation afterwards. */
#include "patina-job-private.h"

#include "patina-job-eval.h"
#include "patina-run.h"
#include "patina-util.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <math.h>

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

double patina_job_fraction(const PatinaJob *self, const PatinaProgress *p, int fold)
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
                       patina_job_fraction(self, p, self->shared.fold),
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
                             .fold = self->shared.fold,
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

void patina_job_train_outcome_free(gpointer p)
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

/* Worker: brackets each fold; a fold that ends is recorded as a run (stopped or failed as it
 * ended), and a finished one's best model is evaluated on its own validation images. */
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
  if (self->worker_data->manifest)
    c.val_fraction = NAN; /* the folds were made from the manifest's images, not a share */
  g_autoptr(GError) record_error = NULL;
  if (!patina_run_record_save(&c, self->dataset_root, self->started_unix, ev->result,
                              ev->error, &record_error))
    g_warning("Cannot record the run: %s", record_error->message);
  if (!ev->error)
    evaluate_into(self, ev->output, ev->val_indices, ev->n_val);
}

static gboolean train_single(PatinaJob *self, GCancellable *cancellable, GError **error)
{
  PatinaTrainConfig cfg = self->cfg, recorded = self->cfg;
  GArray *const *splits = self->worker_data->splits;
  if (self->worker_data->manifest) {
    /* the manifest's split, as patina-cli train takes it; the run has no share of its own */
    cfg.val_fraction = 0.0;
    cfg.train_indices = (const int *) splits[PATINA_SPLIT_TRAIN]->data;
    cfg.n_train_indices = (int) splits[PATINA_SPLIT_TRAIN]->len;
    cfg.val_indices = (const int *) splits[PATINA_SPLIT_VAL]->data;
    cfg.n_val_indices = (int) splits[PATINA_SPLIT_VAL]->len;
    recorded.val_fraction = NAN;
  }
  PatinaTrainResult result = {0};
  gboolean ok = patina_train(&cfg, self->worker_ds, on_progress, self, cancellable, &result,
                             error);
  /* The Runs page lists the run from this record; a run that cannot be listed still trained,
   * so a failure here is only reported. */
  g_autoptr(GError) record_error = NULL;
  if (!patina_run_record_save(&recorded, self->dataset_root, self->started_unix, &result,
                              ok ? NULL : *error, &record_error))
    g_warning("Cannot record the run: %s", record_error->message);
  patina_train_result_clear(&result);
  if (ok) {
    /* the best checkpoint on the validation images of the run's own split */
    g_autoptr(GArray) train = g_array_new(FALSE, FALSE, sizeof(int));
    g_autoptr(GArray) val = g_array_new(FALSE, FALSE, sizeof(int));
    if (self->worker_data->manifest)
      g_array_append_vals(val, splits[PATINA_SPLIT_VAL]->data, splits[PATINA_SPLIT_VAL]->len);
    else if (cfg.val_fraction > 0)
      patina_dataset_split(self->worker_ds, cfg.val_fraction, cfg.seed, train, val);
    evaluate_into(self, self->output, (const int *) val->data, (int) val->len);
  }
  return ok;
}

/* With a manifest, the folds cover its train and val images (patina_data_source_fold_pool). */
static gboolean train_folds(PatinaJob *self, GCancellable *cancellable, PatinaFoldsResult *out,
                            GError **error)
{
  g_autoptr(GArray) pool = patina_data_source_fold_pool(self->worker_data);
  return patina_train_folds(&self->cfg, self->worker_ds, pool ? (const int *) pool->data : NULL,
                            pool ? (int) pool->len : 0, on_fold, on_progress, self, cancellable,
                            out, error);
}

void patina_job_train_worker(GTask *task, gpointer source, gpointer task_data,
                             GCancellable *cancellable)
{
  PatinaJob *self = source;
  (void) task_data;
  GError *error = NULL;
  /* the folder as patina-cli train opens it: with a manifest, its exclusions, crops and split
   * (the Data page shows the images it skips and why) */
  g_auto(PatinaDataSource) data = {0};
  if (!patina_data_source_open(self->dataset_root, PATINA_MANIFEST_AUTO, &data, NULL, NULL,
                               &error)) {
    g_task_return_error(task, error);
    return;
  }
  if (!patina_data_source_check_training(&data, self->cfg.folds >= 2, &error)) {
    g_task_return_error(task, error);
    return;
  }
  PatinaDataset *ds = data.ds;
  g_autofree char *dir = g_path_get_dirname(self->output);
  if (g_mkdir_with_parents(dir, 0755) != 0) {
    int errsv = errno;
    g_task_return_new_error(task, G_IO_ERROR, g_io_error_from_errno(errsv),
                            _("Cannot create the folder %s: %s"), dir, g_strerror(errsv));
    return;
  }
  int priority = patina_thread_lower_priority(); /* its pool threads inherit it */
  self->started_unix = g_get_real_time() / G_USEC_PER_SEC;
  self->worker_data = &data;
  self->worker_ds = ds;
  self->worker_misclassified = patina_misclassified_array_new();
  TrainOutcome *o = g_new0(TrainOutcome, 1);
  gboolean ok = self->cfg.folds >= 2 ? train_folds(self, cancellable, &o->folds, &error)
                                      : train_single(self, cancellable, &error);
  o->evaluation = g_steal_pointer(&self->worker_evaluation);
  o->misclassified = g_steal_pointer(&self->worker_misclassified);
  if (self->worker_evaluation_error)
    o->evaluation_error = g_strdup(self->worker_evaluation_error->message);
  g_clear_error(&self->worker_evaluation_error);
  self->worker_ds = NULL;
  self->worker_data = NULL;
  patina_thread_restore_priority(priority);
  if (!ok) {
    patina_job_train_outcome_free(o);
    g_task_return_error(task, error);
    return;
  }
  o->class_names = g_new0(char *, ds->class_names->len + 1);
  for (guint k = 0; k < ds->class_names->len; k++)
    o->class_names[k] = g_strdup(g_ptr_array_index(ds->class_names, k));
  g_task_return_pointer(task, o, patina_job_train_outcome_free);
}
