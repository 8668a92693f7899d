/* Training and evaluating a classifier on a class-folder data set.
 *
 * Runs on the caller's thread (a worker in the app) and reports through a plain callback on
 * that thread; a GCancellable stops it between batches, keeping what was trained so far. */
#pragma once
#include <gio/gio.h>

#include "data/augment.h"
#include "data/dataset.h"
#include "nn/model.h"
#include "train/checkpoint.h"

G_BEGIN_DECLS

typedef enum { PATINA_OPTIMIZER_ADAM, PATINA_OPTIMIZER_SGD } PatinaOptimizer;

typedef struct {
  const char *model;      /* "paper" or "paper5" */
  int size;               /* input height = width */
  int epochs;
  int batch;
  float lr;
  PatinaOptimizer optimizer;
  float momentum;         /* SGD only */
  guint64 seed;
  double val_fraction;    /* 0 trains on everything and keeps the last model as the best */
  int threads;
  const char *output;     /* best checkpoint; the last one goes to <stem>.last.safetensors and
                             the history to <stem>.csv */
  gboolean class_weighting; /* weight each class's loss by n / (classes · count), so a rare
                               class counts as much as a common one */
  double dropout;         /* p of every dropout layer of the model (both specs: 0.5) */
  int folds;              /* 0: one run; k >= 2: patina_train_folds trains k (patina_train
                             ignores it) */
  /* An explicit split (sample indices into the data set), e.g. a manifest's or a fold's; when
   * train_indices is NULL the data set is split by val_fraction and seed. */
  const int *train_indices, *val_indices;
  int n_train_indices, n_val_indices;
  /* On-the-fly augmentation of the training images, new each epoch (NULL or all off: none).
   * Image i of epoch e draws from patina_augment_rng_for(seed, e, i), so batches are the same
   * for a seed whatever the thread timing. A loader thread prepares batch k + 1 (augmentation
   * and channel expansion) while the model trains on batch k, with or without augmentation. */
  const PatinaAugment *augment;
} PatinaTrainConfig;

void patina_train_config_default(PatinaTrainConfig *cfg);

typedef struct {
  int epoch, epochs;      /* 1-based */
  int batch, batches;     /* 1-based within the epoch */
  double train_loss, train_acc;   /* running means over this epoch so far */
  double val_loss, val_acc;       /* of this epoch when epoch_done and a holdout exists,
                                     else NaN */
  double images_per_second;
  double eta_seconds;
  gboolean epoch_done;
  gint64 images_done;     /* training images of this run so far, epochs before included */
} PatinaProgress;

typedef void (*PatinaProgressFunc)(const PatinaProgress *progress, gpointer user_data);

typedef struct {
  int epoch;
  double train_loss, train_acc, val_loss, val_acc, lr, seconds;
  int fold; /* 1-based in cross-validation (whose epochs restart at 1 each fold), else 0 */
} PatinaEpochRecord;

typedef struct {
  GArray *history;        /* PatinaEpochRecord */
  int best_epoch;         /* by validation accuracy; the last epoch without a holdout */
  double best_val_acc;
  char *last_path, *history_path;
  int n_train, n_val;
  /* Time the training waited for the loader thread's batches (augmentation and copying); near
   * zero when prefetching hides them. */
  double loader_wait_seconds;
} PatinaTrainResult;

void patina_train_result_clear(PatinaTrainResult *r);

/* The history CSV (header plus one row per epoch), with a fold column first when the records
 * come from cross-validation. */
char *patina_history_to_csv(GArray *history);

gboolean patina_train(const PatinaTrainConfig *cfg, PatinaDataset *ds, PatinaProgressFunc progress,
                      gpointer user_data, GCancellable *cancellable, PatinaTrainResult *result,
                      GError **error);

/* Loads samples (indices into ds) as size×size gray planes, decoding on `threads` workers.
 * The first unreadable image stops it with an error naming the file. */
float *patina_load_planes(const PatinaDataset *ds, const int *indices, int n, int size,
                          int threads, GCancellable *cancellable, GError **error);

typedef struct {
  int n_classes;
  int n;
  double loss, accuracy;
  int *confusion;         /* [true class][predicted class] */
  int *predicted;         /* [n]: the predicted class of each image, in input order */
  float *probability;     /* [n]: the model's probability of that predicted class */
} PatinaEvaluation;

void patina_evaluation_clear(PatinaEvaluation *e);
/* precision, recall and F1 of class k (0 where undefined). */
void patina_evaluation_class_metrics(const PatinaEvaluation *e, int k, double *precision,
                                     double *recall, double *f1);

/* Runs model (eval mode) over planes with labels and fills e. */
gboolean patina_evaluate_planes(PatinaModel *model, const float *planes, const int *labels, int n,
                                int batch, PatinaEvaluation *e, GError **error);

/* Expands n gray planes into the model's channels (the paper feeds gray images as RGB). */
void patina_planes_to_input(const float *planes, int n, int size, int channels, float *x);

/* ---- k-fold cross-validation ---- */

/* <stem>.fold<fold>.safetensors beside output (fold is 1-based). */
char *patina_fold_path(const char *output, int fold);

/* What a fold callback is told: before a fold trains (done FALSE), and after (done TRUE, with
 * its result). A fold cut short (cancelled or failed) is told too, done TRUE with error set and
 * result holding the epochs it finished; no fold follows it. */
typedef struct {
  int fold, folds;        /* 1-based */
  int n_train, n_val;
  const char *output;     /* this fold's best checkpoint */
  gboolean done;
  const PatinaTrainResult *result; /* when done */
  const int *val_indices; /* this fold's validation samples (indices into the data set) */
  const GError *error;    /* when done: NULL, or why the fold ended early */
} PatinaFoldEvent;

typedef void (*PatinaFoldFunc)(const PatinaFoldEvent *event, gpointer user_data);

typedef struct {
  int folds;
  double *best_val_acc;   /* [folds] */
  int *best_epoch;        /* [folds] */
  double mean, sd;        /* of best_val_acc; sd with k - 1 */
  int failed_fold;        /* 1-based fold that failed or was cancelled; 0 when all ran */
  char *failed_last_path; /* its last checkpoint (the model trained so far) */
} PatinaFoldsResult;

void patina_folds_result_clear(PatinaFoldsResult *r);

/* Trains cfg->folds models on stratified, group-aware folds of the samples in pool (all of
 * them when pool is NULL), one after the other, each saved as patina_fold_path(cfg->output,
 * f). progress reports each fold's own epochs; fold_func (may be NULL) brackets each fold. */
gboolean patina_train_folds(const PatinaTrainConfig *cfg, PatinaDataset *ds, const int *pool,
                            int n_pool, PatinaFoldFunc fold_func, PatinaProgressFunc progress,
                            gpointer user_data, GCancellable *cancellable,
                            PatinaFoldsResult *result, GError **error);

G_END_DECLS
