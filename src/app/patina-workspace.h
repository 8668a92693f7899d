/* What is open: the data set, the running (or last) job, the current model. Pages observe its
 * properties ("dataset", "dataset-path", "job", "loading", "demo-drawn", "demo-total",
 * "model", "model-loading") and never talk to each other. */
#pragma once
#include <gio/gio.h>

#include "data/dataset.h"
#include "patina-job.h"
#include "patina-loaded-model.h"

G_BEGIN_DECLS

#define PATINA_TYPE_WORKSPACE (patina_workspace_get_type())
G_DECLARE_FINAL_TYPE(PatinaWorkspace, patina_workspace, PATINA, WORKSPACE, GObject)

PatinaWorkspace *patina_workspace_new(void);

/* The open data set (owned by the workspace) or NULL. */
const PatinaDataset *patina_workspace_get_dataset(PatinaWorkspace *self);
const char *patina_workspace_get_dataset_path(PatinaWorkspace *self);
/* TRUE while a data set is being opened or generated. */
gboolean patina_workspace_get_loading(PatinaWorkspace *self);
/* While the demo data set is generated: images drawn so far of the total ("demo-drawn",
 * "demo-total", updated about ten times a second). Both 0 when nothing is being drawn; after
 * a generation they keep its final count until the next open request. */
int patina_workspace_get_demo_drawn(PatinaWorkspace *self);
int patina_workspace_get_demo_total(PatinaWorkspace *self);

/* Opens the class-folder data set at path on a worker; on success it replaces the open one.
 * Errors say what is wrong with the folder. */
void patina_workspace_open_dataset_async(PatinaWorkspace *self, const char *path,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
gboolean patina_workspace_open_dataset_finish(PatinaWorkspace *self, GAsyncResult *result,
                                              GError **error);

/* Where the built-in demo data set lives (the README's run command uses the same folder). */
char *patina_workspace_demo_dir(void);
/* Generates the demo data set into dir on a worker when dir does not exist yet (per_class
 * images per class), then opens it. */
void patina_workspace_open_demo_async(PatinaWorkspace *self, const char *dir, int per_class,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean patina_workspace_open_demo_finish(PatinaWorkspace *self, GAsyncResult *result,
                                           GError **error);

/* The running or the last job, or NULL. */
PatinaJob *patina_workspace_get_job(PatinaWorkspace *self);
/* Starts training on the open data set. Refused (G_IO_ERROR_BUSY) while a job runs, and
 * without a data set (G_IO_ERROR_NOT_INITIALIZED). cfg->output NULL: a new run folder in the
 * user's data directory. */
gboolean patina_workspace_start_training(PatinaWorkspace *self, const PatinaTrainConfig *cfg,
                                         GError **error);
/* Asks the running job to stop (keeping what was trained so far). */
void patina_workspace_stop(PatinaWorkspace *self);
/* The window closes: stops the job, and the demo data set if it is being drawn (an open request
 * made without a cancellable of its own then fails with G_IO_ERROR_CANCELLED). */
void patina_workspace_close(PatinaWorkspace *self);

/* The current model ("model" property; NULL until one is opened). A training run that ends
 * (done, or stopped after at least one epoch) makes its best checkpoint the current model.
 * Workers that run it keep a reference (see patina-loaded-model.h). */
PatinaLoadedModel *patina_workspace_get_model(PatinaWorkspace *self);
/* Shortcuts into the current model; NULL without one. */
const char *patina_workspace_get_model_path(PatinaWorkspace *self);
const PatinaCheckpointMeta *patina_workspace_get_model_meta(PatinaWorkspace *self);
/* TRUE while a model is being loaded ("model-loading"). */
gboolean patina_workspace_get_model_loading(PatinaWorkspace *self);
/* Loads the .safetensors checkpoint at path on a worker; on success it becomes the current
 * model, on failure (not a checkpoint, corrupt, unreadable: the error names the file) the
 * current one stays. The latest request wins: an earlier one still loading fails with
 * G_IO_ERROR_CANCELLED. */
void patina_workspace_open_model_async(PatinaWorkspace *self, const char *path,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean patina_workspace_open_model_finish(PatinaWorkspace *self, GAsyncResult *result,
                                            GError **error);

G_END_DECLS
