#include "patina-layers-compute.h"

#include <glib/gi18n.h>

#include "patina-util.h"
#include "viz/gradcam-figure.h"

static void image_clear(PatinaLayersImage *im)
{
  g_free(im->path);
  g_clear_pointer(&im->gray, patina_gray_free);
  g_clear_pointer(&im->acts, patina_activations_free);
  if (im->have_cam)
    patina_cam_clear(&im->cam);
  g_clear_error(&im->error);
}

static void result_clear(gpointer data)
{
  PatinaLayersResult *r = data;
  for (int i = 0; i < r->n_images; i++)
    image_clear(&r->images[i]);
  g_clear_object(&r->model);
}

PatinaLayersResult *patina_layers_result_ref(PatinaLayersResult *r)
{
  return g_atomic_rc_box_acquire(r);
}

void patina_layers_result_unref(PatinaLayersResult *r)
{
  g_atomic_rc_box_release_full(r, result_clear);
}

/* One decode serves both the network input and the grayscale image Grad-CAM is drawn over. */
static void compute_image(PatinaLayersResult *r, PatinaLayersImage *im)
{
  PatinaModel *model = patina_loaded_model_get_model(r->model);
  im->gray = patina_gray_load(im->path, &im->error);
  if (!im->gray)
    return;
  g_autofree float *input = patina_cam_input(model, im->gray);
  im->field_width_m = patina_field_width(&im->gray->sem, im->gray->width);
  im->acts = patina_activations_compute(model, input, &im->error);
  if (!im->acts || !r->cam)
    return;
  /* the CAM's forward writes the network's scratch buffers, which other workers share */
  patina_loaded_model_lock(r->model);
  im->have_cam = patina_cam_compute(model, input, r->cam_layer, r->cam_class, r->cam_method,
                                    &im->cam, &im->error);
  patina_loaded_model_unlock(r->model);
}

static void compute_thread(GTask *task, gpointer source, gpointer task_data,
                           GCancellable *cancellable)
{
  (void) source;
  PatinaLayersResult *r = task_data;
  int previous = patina_thread_lower_priority();
  for (int i = 0; i < r->n_images && !g_cancellable_is_cancelled(cancellable); i++)
    compute_image(r, &r->images[i]);
  patina_thread_restore_priority(previous);
  if (g_task_return_error_if_cancelled(task))
    return;
  g_task_return_pointer(task, patina_layers_result_ref(r),
                        (GDestroyNotify) patina_layers_result_unref);
}

void patina_layers_compute_async(PatinaLoadedModel *model, const char *path_a,
                                 const char *path_b, gboolean cam, int cam_layer, int cam_class,
                                 PatinaCamMethod cam_method, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  PatinaLayersResult *r = g_atomic_rc_box_new0(PatinaLayersResult);
  r->model = g_object_ref(model);
  r->cam = cam;
  r->cam_layer = cam_layer;
  r->cam_class = cam_class;
  r->cam_method = cam_method;
  r->n_images = path_b ? 2 : 1;
  r->images[0].path = g_strdup(path_a);
  if (path_b)
    r->images[1].path = g_strdup(path_b);
  g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
  g_task_set_task_data(task, r, (GDestroyNotify) patina_layers_result_unref);
  g_task_run_in_thread(task, compute_thread);
}

PatinaLayersResult *patina_layers_compute_finish(GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer(G_TASK(res), error);
}

/* ---- export ---- */

typedef struct {
  PatinaLayersResult *result;
  PatinaLayersExportKind kind;
  int layer;
  PatinaFigureOptions options;
  char *model_label, *image_label;
  double cam_opacity;
  char *path;
} ExportJob;

static void export_job_free(gpointer data)
{
  ExportJob *job = data;
  patina_layers_result_unref(job->result);
  g_free(job->model_label);
  g_free(job->image_label);
  g_free(job->path);
  g_free(job);
}

static gboolean export_cam(ExportJob *job, GError **error)
{
  PatinaLayersImage *im = &job->result->images[0];
  if (!im->have_cam) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, _("no Grad-CAM has been computed yet"));
    return FALSE;
  }
  PatinaCamFigureOptions co;
  patina_cam_figure_options_init(&co);
  co.model_label = job->model_label;
  co.image_label = job->image_label;
  co.class_names = job->options.class_names;
  co.probs = im->acts->probabilities;
  co.colormap = job->options.colormap;
  co.opacity = job->cam_opacity;
  co.dpi = job->options.dpi;
  return patina_cam_figure_save(patina_loaded_model_get_model(job->result->model), im->gray,
                                &im->cam, &co, job->path, error);
}

static void export_thread(GTask *task, gpointer source, gpointer task_data,
                          GCancellable *cancellable)
{
  (void) source;
  (void) cancellable;
  ExportJob *job = task_data;
  PatinaLayersImage *im = &job->result->images[0];
  const PatinaModel *model = patina_loaded_model_get_model(job->result->model);
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;
  int previous = patina_thread_lower_priority();
  if (job->kind == PATINA_LAYERS_EXPORT_FILTERS)
    ok = patina_figure_filters(model, &job->options, job->path, &error);
  else if (!im->acts)
    g_set_error(&error, G_IO_ERROR, G_IO_ERROR_FAILED, _("the image has no activations"));
  else if (job->kind == PATINA_LAYERS_EXPORT_SIX)
    ok = patina_figure_six_colormaps(model, im->acts, job->layer, &job->options, job->path,
                                     &error);
  else if (job->kind == PATINA_LAYERS_EXPORT_CAM)
    ok = export_cam(job, &error);
  else
    ok = patina_figure_layer(model, im->acts, job->layer, &job->options, job->path, &error);
  patina_thread_restore_priority(previous);
  if (ok)
    g_task_return_boolean(task, TRUE);
  else
    g_task_return_error(task, g_steal_pointer(&error));
}

void patina_layers_export_async(PatinaLayersResult *r, PatinaLayersExportKind kind, int layer,
                                const PatinaFigureOptions *options, double cam_opacity,
                                const char *path, gpointer source_object,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  ExportJob *job = g_new0(ExportJob, 1);
  job->result = patina_layers_result_ref(r);
  job->kind = kind;
  job->layer = layer;
  job->options = *options;
  job->model_label = g_strdup(options->model_label);
  job->image_label = g_strdup(options->image_label);
  job->options.model_label = job->model_label;
  job->options.image_label = job->image_label;
  /* the class names belong to the model's metadata, which the result keeps alive */
  job->cam_opacity = cam_opacity;
  job->path = g_strdup(path);
  g_autoptr(GTask) task = g_task_new(source_object, NULL, callback, user_data);
  g_task_set_task_data(task, job, export_job_free);
  g_task_run_in_thread(task, export_thread);
}

gboolean patina_layers_export_finish(GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean(G_TASK(res), error);
}
