#include "patina-workspace.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "data/demo.h"

struct _PatinaWorkspace {
  GObject parent_instance;
  PatinaDataset *dataset;
  char *dataset_path;
  PatinaJob *job;
  int loading; /* open/generate requests in flight */
  guint open_serial; /* the latest open request wins */
  /* Demo generation progress: the worker writes drawn_by_worker under the lock after every
   * image; one timeout on the main loop copies it into demo_drawn, so a burst of images costs
   * one notify per tick rather than an idle per image. */
  GMutex demo_lock;
  int drawn_by_worker, total_by_worker;
  int demo_drawn, demo_total;
  guint demo_poll_id;
  /* Cancelled by patina_workspace_close: a demo being drawn stops. */
  GCancellable *closing;
  PatinaLoadedModel *model;
  int model_loading;       /* model loads in flight */
  guint model_serial;      /* the latest model request wins */
};

G_DEFINE_FINAL_TYPE(PatinaWorkspace, patina_workspace, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DATASET,
  PROP_DATASET_PATH,
  PROP_JOB,
  PROP_LOADING,
  PROP_MODEL,
  PROP_MODEL_LOADING,
  PROP_DEMO_DRAWN,
  PROP_DEMO_TOTAL,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

static void patina_workspace_dispose(GObject *object)
{
  PatinaWorkspace *self = PATINA_WORKSPACE(object);
  if (self->job)
    patina_job_cancel(self->job);
  g_clear_object(&self->job);
  g_clear_handle_id(&self->demo_poll_id, g_source_remove);
  g_clear_object(&self->closing);
  g_clear_object(&self->model);
  G_OBJECT_CLASS(patina_workspace_parent_class)->dispose(object);
}

static void patina_workspace_finalize(GObject *object)
{
  PatinaWorkspace *self = PATINA_WORKSPACE(object);
  g_clear_pointer(&self->dataset, patina_dataset_free);
  g_free(self->dataset_path);
  g_mutex_clear(&self->demo_lock);
  G_OBJECT_CLASS(patina_workspace_parent_class)->finalize(object);
}

static void patina_workspace_get_property(GObject *object, guint prop_id, GValue *value,
                                          GParamSpec *pspec)
{
  PatinaWorkspace *self = PATINA_WORKSPACE(object);
  switch (prop_id) {
  case PROP_DATASET: g_value_set_pointer(value, self->dataset); break;
  case PROP_DATASET_PATH: g_value_set_string(value, self->dataset_path); break;
  case PROP_JOB: g_value_set_object(value, self->job); break;
  case PROP_LOADING: g_value_set_boolean(value, self->loading > 0); break;
  case PROP_MODEL: g_value_set_object(value, self->model); break;
  case PROP_MODEL_LOADING: g_value_set_boolean(value, self->model_loading > 0); break;
  case PROP_DEMO_DRAWN: g_value_set_int(value, self->demo_drawn); break;
  case PROP_DEMO_TOTAL: g_value_set_int(value, self->demo_total); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void patina_workspace_class_init(PatinaWorkspaceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  object_class->dispose = patina_workspace_dispose;
  object_class->finalize = patina_workspace_finalize;
  object_class->get_property = patina_workspace_get_property;
  const GParamFlags f = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  props[PROP_DATASET] = g_param_spec_pointer("dataset", NULL, NULL, f);
  props[PROP_DATASET_PATH] = g_param_spec_string("dataset-path", NULL, NULL, NULL, f);
  props[PROP_JOB] = g_param_spec_object("job", NULL, NULL, PATINA_TYPE_JOB, f);
  props[PROP_LOADING] = g_param_spec_boolean("loading", NULL, NULL, FALSE, f);
  props[PROP_MODEL] = g_param_spec_object("model", NULL, NULL, PATINA_TYPE_LOADED_MODEL, f);
  props[PROP_MODEL_LOADING] = g_param_spec_boolean("model-loading", NULL, NULL, FALSE, f);
  props[PROP_DEMO_DRAWN] = g_param_spec_int("demo-drawn", NULL, NULL, 0, G_MAXINT, 0, f);
  props[PROP_DEMO_TOTAL] = g_param_spec_int("demo-total", NULL, NULL, 0, G_MAXINT, 0, f);
  g_object_class_install_properties(object_class, N_PROPS, props);
}

static void patina_workspace_init(PatinaWorkspace *self)
{
  g_mutex_init(&self->demo_lock);
  self->closing = g_cancellable_new();
}

PatinaWorkspace *patina_workspace_new(void)
{
  return g_object_new(PATINA_TYPE_WORKSPACE, NULL);
}

const PatinaDataset *patina_workspace_get_dataset(PatinaWorkspace *self) { return self->dataset; }
const char *patina_workspace_get_dataset_path(PatinaWorkspace *self)
{
  return self->dataset_path;
}
gboolean patina_workspace_get_loading(PatinaWorkspace *self) { return self->loading > 0; }
int patina_workspace_get_demo_drawn(PatinaWorkspace *self) { return self->demo_drawn; }
int patina_workspace_get_demo_total(PatinaWorkspace *self) { return self->demo_total; }
PatinaJob *patina_workspace_get_job(PatinaWorkspace *self) { return self->job; }

static void loading_changed(PatinaWorkspace *self, int delta)
{
  gboolean before = self->loading > 0;
  self->loading += delta;
  if (before != (self->loading > 0))
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_LOADING]);
}

static void set_dataset(PatinaWorkspace *self, PatinaDataset *ds)
{
  g_clear_pointer(&self->dataset, patina_dataset_free);
  g_free(self->dataset_path);
  self->dataset = ds;
  self->dataset_path = ds ? g_strdup(ds->root) : NULL;
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_DATASET]);
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_DATASET_PATH]);
}

/* ---- opening ---- */

static void set_demo_progress(PatinaWorkspace *self, int drawn, int total)
{
  g_object_freeze_notify(G_OBJECT(self));
  if (self->demo_total != total) {
    self->demo_total = total;
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_DEMO_TOTAL]);
  }
  if (self->demo_drawn != drawn) {
    self->demo_drawn = drawn;
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_DEMO_DRAWN]);
  }
  g_object_thaw_notify(G_OBJECT(self));
}

static void publish_demo_progress(PatinaWorkspace *self)
{
  g_mutex_lock(&self->demo_lock);
  int drawn = self->drawn_by_worker, total = self->total_by_worker;
  g_mutex_unlock(&self->demo_lock);
  set_demo_progress(self, drawn, total);
}

static gboolean demo_poll_tick(gpointer user_data)
{
  publish_demo_progress(user_data);
  return G_SOURCE_CONTINUE;
}

/* Runs on the worker. */
static void demo_image_written(int done, int total, gpointer user_data)
{
  PatinaWorkspace *self = user_data;
  g_mutex_lock(&self->demo_lock);
  self->drawn_by_worker = done;
  self->total_by_worker = total;
  g_mutex_unlock(&self->demo_lock);
}

typedef struct {
  char *path;
  int per_class; /* > 0: generate the demo data set first when path is missing */
  guint serial;
} OpenData;

static void open_data_free(gpointer p)
{
  OpenData *d = p;
  g_free(d->path);
  g_free(d);
}

/* One demo generation at a time, for every window: a second request for the missing demo folder
 * waits for the first to finish, then finds the folder and only opens it. */
static GMutex demo_generation_lock;

static gboolean ensure_demo(OpenData *d, PatinaWorkspace *self, GCancellable *cancellable,
                            GError **error)
{
  if (g_file_test(d->path, G_FILE_TEST_EXISTS))
    return TRUE;
  /* Generate beside the final folder and rename, so a half-written demo is never opened. */
  g_autofree char *tmp = g_strconcat(d->path, ".partial", NULL);
  g_autofree char *parent = g_path_get_dirname(d->path);
  g_mkdir_with_parents(parent, 0755);
  /* Leftovers of an interrupted generation are overwritten file by file. */
  if (!patina_demo_generate_full(tmp, d->per_class, 0, demo_image_written, self, cancellable,
                                 error))
    return FALSE;
  if (g_rename(tmp, d->path) != 0) {
    int errsv = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv),
                _("Cannot move the demo data set to %s: %s"), d->path, g_strerror(errsv));
    return FALSE;
  }
  return TRUE;
}

static void open_worker(GTask *task, gpointer source, gpointer task_data,
                        GCancellable *cancellable)
{
  OpenData *d = task_data;
  GError *error = NULL;
  if (d->per_class > 0) {
    g_mutex_lock(&demo_generation_lock);
    gboolean ready = ensure_demo(d, source, cancellable, &error);
    g_mutex_unlock(&demo_generation_lock);
    if (!ready) {
      g_task_return_error(task, error);
      return;
    }
  }
  PatinaDataset *ds = patina_dataset_open(d->path, &error);
  if (!ds)
    g_task_return_error(task, error);
  else
    g_task_return_pointer(task, ds, (GDestroyNotify) patina_dataset_free);
}

static void open_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
  PatinaWorkspace *self = PATINA_WORKSPACE(source);
  GTask *outer = user_data; /* owned */
  OpenData *d = g_task_get_task_data(G_TASK(res));
  GError *error = NULL;
  PatinaDataset *ds = g_task_propagate_pointer(G_TASK(res), &error);
  if (d->per_class > 0 && d->serial == self->open_serial) {
    /* The last images may have landed after the last tick. */
    g_clear_handle_id(&self->demo_poll_id, g_source_remove);
    publish_demo_progress(self);
  }
  loading_changed(self, -1);
  if (!ds) {
    g_task_return_error(outer, error);
  } else if (d->serial != self->open_serial) {
    patina_dataset_free(ds); /* a later request superseded this one */
    g_task_return_new_error(outer, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                            _("Superseded by a later request"));
  } else {
    set_dataset(self, ds);
    g_task_return_boolean(outer, TRUE);
  }
  g_object_unref(outer);
}

static void start_open(PatinaWorkspace *self, const char *path, int per_class,
                       GCancellable *cancellable, GAsyncReadyCallback callback,
                       gpointer user_data, gpointer tag)
{
  GTask *outer = g_task_new(self, cancellable, callback, user_data);
  g_task_set_source_tag(outer, tag);
  OpenData *d = g_new0(OpenData, 1);
  d->path = g_canonicalize_filename(path, NULL);
  d->per_class = per_class;
  d->serial = ++self->open_serial;
  /* A new request starts from nothing drawn; only a demo request polls the worker. */
  g_mutex_lock(&self->demo_lock);
  self->drawn_by_worker = self->total_by_worker = 0;
  g_mutex_unlock(&self->demo_lock);
  set_demo_progress(self, 0, 0);
  g_clear_handle_id(&self->demo_poll_id, g_source_remove);
  if (per_class > 0)
    self->demo_poll_id = g_timeout_add(100, demo_poll_tick, self);
  loading_changed(self, +1);
  /* Without a cancellable of the caller's, closing the window is what cancels. */
  g_autoptr(GTask) task =
    g_task_new(self, cancellable ? cancellable : self->closing, open_done, outer);
  g_task_set_task_data(task, d, open_data_free);
  g_task_run_in_thread(task, open_worker);
}

void patina_workspace_open_dataset_async(PatinaWorkspace *self, const char *path,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  g_return_if_fail(PATINA_IS_WORKSPACE(self) && path != NULL);
  start_open(self, path, 0, cancellable, callback, user_data,
             patina_workspace_open_dataset_async);
}

gboolean patina_workspace_open_dataset_finish(PatinaWorkspace *self, GAsyncResult *result,
                                              GError **error)
{
  g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
  return g_task_propagate_boolean(G_TASK(result), error);
}

char *patina_workspace_demo_dir(void)
{
  return g_build_filename(g_get_user_data_dir(), "patina", "demo", NULL);
}

void patina_workspace_open_demo_async(PatinaWorkspace *self, const char *dir, int per_class,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  g_return_if_fail(PATINA_IS_WORKSPACE(self) && dir != NULL && per_class > 0);
  start_open(self, dir, per_class, cancellable, callback, user_data,
             patina_workspace_open_demo_async);
}

gboolean patina_workspace_open_demo_finish(PatinaWorkspace *self, GAsyncResult *result,
                                           GError **error)
{
  g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
  return g_task_propagate_boolean(G_TASK(result), error);
}

/* ---- the current model ---- */

PatinaLoadedModel *patina_workspace_get_model(PatinaWorkspace *self) { return self->model; }
const char *patina_workspace_get_model_path(PatinaWorkspace *self)
{
  return self->model ? patina_loaded_model_get_path(self->model) : NULL;
}
const PatinaCheckpointMeta *patina_workspace_get_model_meta(PatinaWorkspace *self)
{
  return self->model ? patina_loaded_model_get_meta(self->model) : NULL;
}
gboolean patina_workspace_get_model_loading(PatinaWorkspace *self)
{
  return self->model_loading > 0;
}

static void model_loading_changed(PatinaWorkspace *self, int delta)
{
  gboolean before = self->model_loading > 0;
  self->model_loading += delta;
  if (before != (self->model_loading > 0))
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_MODEL_LOADING]);
}

static void model_worker(GTask *task, gpointer source, gpointer task_data,
                         GCancellable *cancellable)
{
  (void) source;
  (void) cancellable;
  GError *error = NULL;
  PatinaLoadedModel *model = patina_loaded_model_load(task_data, &error);
  if (!model)
    g_task_return_error(task, error);
  else
    g_task_return_pointer(task, model, g_object_unref);
}

static void model_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
  PatinaWorkspace *self = PATINA_WORKSPACE(source);
  GTask *outer = user_data; /* owned */
  guint serial = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(res), "patina-serial"));
  GError *error = NULL;
  PatinaLoadedModel *model = g_task_propagate_pointer(G_TASK(res), &error);
  model_loading_changed(self, -1);
  if (!model) {
    g_task_return_error(outer, error);
  } else if (serial != self->model_serial) {
    g_object_unref(model); /* a later request superseded this one */
    g_task_return_new_error(outer, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                            _("Superseded by a later request"));
  } else {
    g_clear_object(&self->model);
    self->model = model;
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_MODEL]);
    g_task_return_boolean(outer, TRUE);
  }
  g_object_unref(outer);
}

void patina_workspace_open_model_async(PatinaWorkspace *self, const char *path,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  g_return_if_fail(PATINA_IS_WORKSPACE(self) && path != NULL);
  GTask *outer = g_task_new(self, cancellable, callback, user_data);
  g_task_set_source_tag(outer, patina_workspace_open_model_async);
  model_loading_changed(self, +1);
  g_autoptr(GTask) task = g_task_new(self, cancellable, model_done, outer);
  g_object_set_data(G_OBJECT(task), "patina-serial", GUINT_TO_POINTER(++self->model_serial));
  g_task_set_task_data(task, g_canonicalize_filename(path, NULL), g_free);
  g_task_run_in_thread(task, model_worker);
}

gboolean patina_workspace_open_model_finish(PatinaWorkspace *self, GAsyncResult *result,
                                            GError **error)
{
  g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
  return g_task_propagate_boolean(G_TASK(result), error);
}

/* ---- training ---- */

/* Predict right after training: the run's best checkpoint becomes the current model. A run
 * stopped before its first epoch ended wrote none, and a failed one keeps the model it had. */
static void on_job_finished(PatinaWorkspace *self, PatinaJob *job)
{
  PatinaJobState state = patina_job_get_state(job);
  const char *output = patina_job_get_output(job);
  if ((state == PATINA_JOB_DONE || state == PATINA_JOB_CANCELLED) && output &&
      g_file_test(output, G_FILE_TEST_IS_REGULAR))
    patina_workspace_open_model_async(self, output, NULL, NULL, NULL);
}

static char *new_run_output(void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
  g_autofree char *runs = g_build_filename(g_get_user_data_dir(), "patina", "runs", NULL);
  for (int i = 1;; i++) {
    g_autofree char *name = i == 1 ? g_strdup(stamp) : g_strdup_printf("%s-%d", stamp, i);
    g_autofree char *dir = g_build_filename(runs, name, NULL);
    if (!g_file_test(dir, G_FILE_TEST_EXISTS))
      return g_build_filename(dir, "model.safetensors", NULL);
  }
}

gboolean patina_workspace_start_training(PatinaWorkspace *self, const PatinaTrainConfig *cfg,
                                         GError **error)
{
  g_return_val_if_fail(PATINA_IS_WORKSPACE(self) && cfg != NULL, FALSE);
  if (self->job && patina_job_is_active(self->job)) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_BUSY,
                        _("A training run is already going; stop it before starting another"));
    return FALSE;
  }
  if (!self->dataset) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                        _("Open a data set before training"));
    return FALSE;
  }
  PatinaTrainConfig c = *cfg;
  g_autofree char *output = NULL;
  if (!c.output)
    c.output = output = new_run_output();
  g_clear_object(&self->job);
  self->job = patina_job_new_train(self->dataset->root, &c);
  g_signal_connect_object(self->job, "finished", G_CALLBACK(on_job_finished), self,
                          G_CONNECT_SWAPPED);
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_JOB]);
  patina_job_start(self->job);
  return TRUE;
}

void patina_workspace_stop(PatinaWorkspace *self)
{
  g_return_if_fail(PATINA_IS_WORKSPACE(self));
  if (self->job)
    patina_job_cancel(self->job);
}

void patina_workspace_close(PatinaWorkspace *self)
{
  g_return_if_fail(PATINA_IS_WORKSPACE(self));
  patina_workspace_stop(self);
  g_cancellable_cancel(self->closing);
}
