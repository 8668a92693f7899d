/* One training run as the Runs page lists it.
 *
 * Every run the app starts lives in its own folder ($XDG_DATA_HOME/patina/runs/<time>/) with
 * its checkpoints and history CSV. When the job ends (finished, stopped or failed) its worker
 * writes run.json there: hyperparameters, data set, state, best and final validation figures,
 * start time and the history, so the Runs page can list and plot runs without opening their
 * checkpoints. A folder whose record is missing or broken loads as a damaged run that says
 * why, never as an error that stops the scan. */
#pragma once
#include <gio/gio.h>

#include "train/train.h"

G_BEGIN_DECLS

#define PATINA_TYPE_RUN (patina_run_get_type())
G_DECLARE_FINAL_TYPE(PatinaRun, patina_run, PATINA, RUN, GObject)

/* Where the app keeps its runs. */
char *patina_runs_dir(void);

/* Worker: writes run.json beside cfg->output (run.fold2.json beside model.fold2.safetensors). train_error is the error patina_train returned
 * (NULL when it succeeded); cancelled runs are recorded as "cancelled". */
gboolean patina_run_record_save(const PatinaTrainConfig *cfg, const char *dataset_root,
                                gint64 started_unix, const PatinaTrainResult *result,
                                const GError *train_error, GError **error);

/* Worker: the run in folder dir; a damaged run (patina_run_get_damage) when its record or
 * checkpoint is broken. */
PatinaRun *patina_run_load(const char *dir);
/* Worker: every run folder under runs_dir, newest first (a missing runs_dir has none). */
GPtrArray *patina_runs_scan(const char *runs_dir, GCancellable *cancellable, GError **error);
/* Worker: removes the run: its folder, or only its own files when the folder holds other
 * folds of the same cross-validation. */
gboolean patina_run_delete(PatinaRun *self, GCancellable *cancellable, GError **error);

const char *patina_run_get_id(PatinaRun *self);   /* the folder's name (+ ".fold2") */
const char *patina_run_get_dir(PatinaRun *self);
/* Why the run cannot be used (names the file and the problem), or NULL. */
const char *patina_run_get_damage(PatinaRun *self);
const char *patina_run_get_model(PatinaRun *self);
const char *patina_run_get_dataset(PatinaRun *self);
const char *patina_run_get_optimizer(PatinaRun *self); /* "adam" or "sgd" */
const char *patina_run_get_augmentation(PatinaRun *self);
/* The Keras-named augmentation JSON the run trained with, or NULL for none. */
const char *patina_run_get_augmentation_json(PatinaRun *self);
const char *patina_run_get_state(PatinaRun *self);     /* "done", "cancelled" or "failed" */
int patina_run_get_size(PatinaRun *self);
int patina_run_get_epochs(PatinaRun *self);
int patina_run_get_batch(PatinaRun *self);
double patina_run_get_lr(PatinaRun *self);
double patina_run_get_momentum(PatinaRun *self);
double patina_run_get_val_fraction(PatinaRun *self);
double patina_run_get_dropout(PatinaRun *self);        /* NaN when not recorded */
gboolean patina_run_get_class_weighting(PatinaRun *self);
gint64 patina_run_get_seed(PatinaRun *self);
gint64 patina_run_get_started(PatinaRun *self);       /* Unix time, seconds */
/* Validation accuracy (0..1) of the best and the last epoch; -1 when there is none. */
double patina_run_get_best_val_acc(PatinaRun *self);
double patina_run_get_final_val_acc(PatinaRun *self);
/* PatinaEpochRecord, one per finished epoch. */
GArray *patina_run_get_history(PatinaRun *self);
/* A short name for legends: "20261125-204312 · paper, lr 0.0007". */
char *patina_run_get_label(PatinaRun *self);

/* Writes the run's hyperparameters into the Train page's keys of s (train-*, augment) in one
 * change; keys this schema lacks or values it refuses are left as they are. */
void patina_run_restore_settings(PatinaRun *self, GSettings *settings);

gboolean patina_run_get_ticked(PatinaRun *self);
void patina_run_set_ticked(PatinaRun *self, gboolean ticked);

G_END_DECLS
