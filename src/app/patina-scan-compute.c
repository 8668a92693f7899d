#include "patina-scan-compute.h"

#include <glib/gi18n.h>
#include <string.h>

#include "patina-util.h"
#include "viz/gradcam.h"

/* Enough pixels for a sharp overlay in the detail pane on a HiDPI screen. */
#define DISPLAY_SIDE 768

static void result_clear(gpointer data)
{
  PatinaScanResult *r = data;
  g_clear_object(&r->model);
  g_free(r->path);
  g_clear_pointer(&r->gray, patina_gray_free);
  patina_scan_clear(&r->scan);
  g_free(r->display_gray);
  g_free(r->display_maps);
  g_free(r->display_best);
}

PatinaScanResult *patina_scan_result_ref(PatinaScanResult *r)
{
  return g_atomic_rc_box_acquire(r);
}

void patina_scan_result_unref(PatinaScanResult *r)
{
  g_atomic_rc_box_release_full(r, result_clear);
}

static void on_progress(int done, int total, gpointer user_data)
{
  PatinaScanResult *r = user_data;
  g_atomic_int_set(&r->tiles_total, total);
  g_atomic_int_set(&r->tiles_done, done);
  /* Between two batches the network's buffers are free (the core calls this after a batch's
   * probabilities are copied out): let the Predict page's workers classify a newly added image
   * now rather than after the whole scan. */
  patina_loaded_model_unlock(r->model);
  g_thread_yield();
  patina_loaded_model_lock(r->model);
}

/* The core says an image smaller than a tile is refused; say it in the user's language with
 * what to do instead. */
static gboolean check_size(PatinaScanResult *r, GError **error)
{
  int input = patina_loaded_model_get_input_size(r->model);
  int tile = r->tile > 0 ? r->tile : input;
  if (r->gray->width >= tile && r->gray->height >= tile)
    return TRUE;
  g_autofree char *base = g_path_get_basename(r->path);
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
              _("%s is %d×%d px, smaller than one %d×%d px tile: a scan needs an image at "
                "least as large as a tile (the model's input is %d×%d px). Its prediction "
                "above classifies it whole."),
              base, r->gray->width, r->gray->height, tile, tile, input, input);
  return FALSE;
}

static void prepare_display(PatinaScanResult *r)
{
  const PatinaGray *g = r->gray;
  double scale = MIN(1.0, (double) DISPLAY_SIDE / MAX(g->width, g->height));
  int w = MAX(1, (int) (g->width * scale + 0.5)), h = MAX(1, (int) (g->height * scale + 0.5));
  gsize n = (gsize) w * h;
  int classes = r->scan.classes;
  r->display_w = w;
  r->display_h = h;
  r->display_gray = g_new(float, n);
  patina_resize_for_display(g->pixels, g->width, g->height, r->display_gray, w, h);
  r->display_maps = g_new(float, n * classes);
  for (int k = 0; k < classes; k++) {
    g_autofree float *map = patina_scan_class_map(&r->scan, k, w, h);
    memcpy(r->display_maps + n * k, map, sizeof(float) * n);
  }
  r->display_best = patina_scan_best_class_map(&r->scan, w, h);
}

static void scan_thread(GTask *task, gpointer source, gpointer task_data,
                        GCancellable *cancellable)
{
  (void) source;
  PatinaScanResult *r = task_data;
  GError *error = NULL;
  int previous = patina_thread_lower_priority();
  r->gray = patina_gray_load(r->path, &error);
  gboolean ok = r->gray && check_size(r, &error);
  if (ok) {
    g_autofree char *base = g_path_get_basename(r->path);
    PatinaScanOptions options = {.tile = r->tile, .stride = r->stride};
    /* the forward passes write the network's scratch buffers, which other workers share */
    patina_loaded_model_lock(r->model);
    ok = patina_scan(patina_loaded_model_get_model(r->model), r->gray, base, &options,
                     on_progress, r, cancellable, &r->scan, &error);
    patina_loaded_model_unlock(r->model);
  }
  if (ok)
    prepare_display(r);
  patina_thread_restore_priority(previous);
  if (!ok)
    g_task_return_error(task, error);
  else if (!g_task_return_error_if_cancelled(task))
    g_task_return_pointer(task, patina_scan_result_ref(r),
                          (GDestroyNotify) patina_scan_result_unref);
}

PatinaScanResult *patina_scan_compute_async(PatinaLoadedModel *model, const char *path, int tile,
                                            int stride, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data)
{
  PatinaScanResult *r = g_atomic_rc_box_new0(PatinaScanResult);
  r->model = g_object_ref(model);
  r->path = g_strdup(path);
  r->tile = tile;
  r->stride = stride;
  g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
  g_task_set_task_data(task, patina_scan_result_ref(r), (GDestroyNotify) patina_scan_result_unref);
  g_task_run_in_thread(task, scan_thread);
  return r;
}

PatinaScanResult *patina_scan_compute_finish(GAsyncResult *res, GError **error)
{
  return g_task_propagate_pointer(G_TASK(res), error);
}

/* ---- export ---- */

typedef struct {
  PatinaScanResult *result;
  gboolean csv;
  PatinaScanFigureOptions options;
  char *path;
} ExportJob;

static void export_job_free(gpointer data)
{
  ExportJob *job = data;
  patina_scan_result_unref(job->result);
  g_free((char *) job->options.caption);
  g_free(job->path);
  g_free(job);
}

static void export_thread(GTask *task, gpointer source, gpointer task_data,
                          GCancellable *cancellable)
{
  (void) source;
  (void) cancellable;
  ExportJob *job = task_data;
  PatinaScanResult *r = job->result;
  GError *error = NULL;
  int previous = patina_thread_lower_priority();
  gboolean ok;
  if (job->csv) {
    char *const *names = patina_loaded_model_get_meta(r->model)->class_names;
    g_autofree char *csv = patina_scan_to_csv(&r->scan, names);
    ok = g_file_set_contents(job->path, csv, -1, &error); /* a temporary file, renamed */
  } else {
    ok = patina_scan_figure_save(&r->scan, r->gray, &job->options, job->path, &error);
  }
  patina_thread_restore_priority(previous);
  if (ok)
    g_task_return_boolean(task, TRUE);
  else
    g_task_return_error(task, error);
}

static void export_async(ExportJob *job, gpointer source_object, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new(source_object, NULL, callback, user_data);
  g_task_set_task_data(task, job, export_job_free);
  g_task_run_in_thread(task, export_thread);
}

void patina_scan_export_figure_async(PatinaScanResult *r, const PatinaScanFigureOptions *options,
                                     const char *path, gpointer source_object,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  ExportJob *job = g_new0(ExportJob, 1);
  job->result = patina_scan_result_ref(r);
  job->options = *options;
  job->options.caption = g_strdup(options->caption);
  /* the class names belong to the model's metadata, which the result keeps alive */
  job->path = g_strdup(path);
  export_async(job, source_object, callback, user_data);
}

void patina_scan_export_csv_async(PatinaScanResult *r, const char *path, gpointer source_object,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  ExportJob *job = g_new0(ExportJob, 1);
  job->result = patina_scan_result_ref(r);
  job->csv = TRUE;
  job->path = g_strdup(path);
  export_async(job, source_object, callback, user_data);
}

gboolean patina_scan_export_finish(GAsyncResult *res, GError **error)
{
  return g_task_propagate_boolean(G_TASK(res), error);
}
