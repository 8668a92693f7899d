/* The inside of PatinaJob, shared by patina-job.c (the object, on the main loop) and
 * patina-job-worker.c (what runs on its worker thread). */
#pragma once
#include "patina-job.h"

#include "data/datasource.h"

G_BEGIN_DECLS

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
  const PatinaDataSource *worker_data; /* the manifest's images and split, if it has one */
  PatinaDataset *worker_ds;            /* worker_data->ds */
  PatinaEvaluation *worker_evaluation; /* merged over folds */
  GArray *worker_misclassified;
  GError *worker_evaluation_error;
  gint64 started_unix;
};

/* What the worker hands back on success. */
typedef struct {
  PatinaEvaluation *evaluation; /* NULL when it could not be made */
  char *evaluation_error;
  GStrv class_names;
  GArray *misclassified;
  PatinaFoldsResult folds;
} TrainOutcome;

void patina_job_train_outcome_free(gpointer outcome);
/* The share of the whole job done after p, folds included. */
double patina_job_fraction(const PatinaJob *self, const PatinaProgress *p, int fold);
/* GTaskThreadFunc: trains (one run or k folds), evaluates, returns a TrainOutcome. */
void patina_job_train_worker(GTask *task, gpointer source, gpointer task_data,
                             GCancellable *cancellable);

G_END_DECLS
