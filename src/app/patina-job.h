/* A running piece of work (a training run for now) as an object the pages observe.
 *
 * The work runs on a GTask worker thread. The core's progress callback runs on that worker and
 * only stores into a mutex-guarded struct; one timeout source on the main loop reads it in
 * batches and turns it into property notifications and "epoch" signals, so the main loop never
 * waits on the worker. */
#pragma once
#include <gio/gio.h>

#include "train/train.h"

G_BEGIN_DECLS

typedef enum {
  PATINA_JOB_IDLE,       /* created, not started */
  PATINA_JOB_RUNNING,
  PATINA_JOB_PAUSING,    /* pause requested, the worker finishes its batch */
  PATINA_JOB_PAUSED,     /* the worker waits between batches */
  PATINA_JOB_STOPPING,   /* cancel requested, waiting for the worker to return */
  PATINA_JOB_DONE,
  PATINA_JOB_CANCELLED,  /* stopped by the user; what was trained so far is kept */
  PATINA_JOB_FAILED,
} PatinaJobState;

GType patina_job_state_get_type(void);
#define PATINA_TYPE_JOB_STATE (patina_job_state_get_type())

#define PATINA_TYPE_JOB (patina_job_get_type())
G_DECLARE_FINAL_TYPE(PatinaJob, patina_job, PATINA, JOB, GObject)

/* A training job on the class-folder data set at dataset_root (opened again on the worker, so
 * the job does not depend on what the workspace has open). cfg is copied, strings included. */
PatinaJob *patina_job_new_train(const char *dataset_root, const PatinaTrainConfig *cfg);

void patina_job_start(PatinaJob *self);
/* Asks the worker to stop between batches; the state becomes STOPPING, then CANCELLED. */
void patina_job_cancel(PatinaJob *self);
/* Pauses between batches (the worker waits in the progress callback): PAUSING, then PAUSED once
 * the worker has stopped. Resume goes back to RUNNING. Cancel works while paused. */
void patina_job_pause(PatinaJob *self);
void patina_job_resume(PatinaJob *self);

PatinaJobState patina_job_get_state(PatinaJob *self);
gboolean patina_job_is_active(PatinaJob *self); /* not IDLE and not finished */
double patina_job_get_fraction(PatinaJob *self);
double patina_job_get_images_per_second(PatinaJob *self);
double patina_job_get_eta_seconds(PatinaJob *self); /* NaN when unknown */
/* A one-line description of where the job is ("Epoch 2 of 5, batch 3 of 10"). */
const char *patina_job_get_status(PatinaJob *self);
/* The error of a FAILED job. */
const char *patina_job_get_error_message(PatinaJob *self);
/* PatinaEpochRecord, one per finished epoch (updated on the main loop). */
GArray *patina_job_get_history(PatinaJob *self);
int patina_job_get_epochs(PatinaJob *self);
/* The augmentation the run trains with (its own copy), or NULL for none. */
const PatinaAugment *patina_job_get_augment(PatinaJob *self);

/* One point per training batch: the running means of the epoch so far. */
typedef struct {
  double x;          /* epoch - 1 + batch / batches, so epoch e's last batch is at x = e */
  double loss, acc;
} PatinaBatchPoint;
/* PatinaBatchPoint, appended on the main loop ("batch" signal with its index). */
GArray *patina_job_get_batches(PatinaJob *self);
const char *patina_job_get_output(PatinaJob *self);
const char *patina_job_get_dataset_root(PatinaJob *self);
/* Once DONE: the best model evaluated on the run's validation images (NULL when that was not
 * possible; patina_job_get_evaluation_error says why), and the class names. */
const PatinaEvaluation *patina_job_get_evaluation(PatinaJob *self);
const char *patina_job_get_evaluation_error(PatinaJob *self);
const char *const *patina_job_get_class_names(PatinaJob *self);

/* A validation image the evaluated model got wrong. */
typedef struct {
  char *path;
  int true_class, predicted;
  float probability;  /* of the predicted class */
  int size;           /* thumbnail: size × size RGB, 8 bits, as the model saw the image */
  GBytes *pixels;
} PatinaMisclassified;
/* Once DONE: PatinaMisclassified, in the order of the evaluation (empty when all were right). */
GArray *patina_job_get_misclassified(PatinaJob *self);

/* Cross-validation: the folds of the run (0 for a single run with a holdout), the fold being
 * trained (1-based; 0 before the first), and once DONE each fold's best validation accuracy
 * with their mean and sd. With folds the evaluation is out-of-fold: each fold's best model on
 * that fold's validation images, merged. */
int patina_job_get_folds(PatinaJob *self);
int patina_job_get_fold(PatinaJob *self);
const double *patina_job_get_fold_accuracies(PatinaJob *self); /* [folds], or NULL */
double patina_job_get_fold_mean(PatinaJob *self);
double patina_job_get_fold_sd(PatinaJob *self);
/* Time the worker has spent paused, in seconds. */
double patina_job_get_paused_seconds(PatinaJob *self);

/* Throughput over working time only: pauses are left out of images/s and the ETA. The first
 * observation (after a run's or a fold's first batch) is the reference; times in µs,
 * paused_total the pause time so far, fraction the share of the whole job done. */
typedef struct {
  gboolean started;
  gint64 t0, images0, paused0;
  double fraction0;
} PatinaRate;
/* FALSE for the reference observation (nothing to report yet). */
gboolean patina_rate_update(PatinaRate *rate, gint64 now, gint64 paused_total, gint64 images,
                            double fraction, double *images_per_second, double *eta_seconds);

G_END_DECLS
