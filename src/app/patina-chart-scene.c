/* The chart's data (patina-chart-draw.h): series of epoch and batch points, copied whole for
 * an export on a worker, and the smoothing applied to them before drawing. */
#include "patina-chart-draw.h"

#include <math.h>

/* ---- the scene ---- */

static void series_free(gpointer p)
{
  PatinaChartSeries *s = p;
  g_free(s->name);
  g_array_unref(s->points);
  g_array_unref(s->batches);
  g_free(s);
}

PatinaChartScene *patina_chart_scene_new(void)
{
  PatinaChartScene *scene = g_new0(PatinaChartScene, 1);
  scene->series = g_ptr_array_new_with_free_func(series_free);
  scene->fg = (GdkRGBA){0, 0, 0, 1};
  return scene;
}

PatinaChartSeries *patina_chart_scene_add_series(PatinaChartScene *scene, const char *name)
{
  PatinaChartSeries *s = g_new0(PatinaChartSeries, 1);
  s->name = g_strdup(name);
  s->points = g_array_new(FALSE, FALSE, sizeof(PatinaChartPoint));
  s->batches = g_array_new(FALSE, FALSE, sizeof(PatinaChartBatchPoint));
  g_ptr_array_add(scene->series, s);
  return s;
}

PatinaChartScene *patina_chart_scene_copy(const PatinaChartScene *scene)
{
  PatinaChartScene *copy = patina_chart_scene_new();
  GPtrArray *series = copy->series;
  *copy = *scene;
  copy->series = series;
  copy->empty_text = g_strdup(scene->empty_text);
  for (guint i = 0; i < scene->series->len; i++) {
    const PatinaChartSeries *s = g_ptr_array_index(scene->series, i);
    PatinaChartSeries *c = patina_chart_scene_add_series(copy, s->name);
    g_array_append_vals(c->points, s->points->data, s->points->len);
    g_array_append_vals(c->batches, s->batches->data, s->batches->len);
  }
  return copy;
}

void patina_chart_scene_free(PatinaChartScene *scene)
{
  if (!scene)
    return;
  g_ptr_array_unref(scene->series);
  g_free(scene->empty_text);
  g_free(scene);
}

gboolean patina_chart_scene_has_batches(const PatinaChartScene *scene)
{
  for (guint i = 0; i < scene->series->len; i++)
    if (((PatinaChartSeries *) g_ptr_array_index(scene->series, i))->batches->len > 0)
      return TRUE;
  return FALSE;
}

guint patina_chart_scene_n_points(const PatinaChartScene *scene)
{
  guint n = 0;
  for (guint i = 0; i < scene->series->len; i++)
    n += ((PatinaChartSeries *) g_ptr_array_index(scene->series, i))->points->len;
  return n;
}

int patina_chart_scene_epochs(const PatinaChartScene *scene)
{
  int epochs = MAX(scene->epochs, 1);
  for (guint i = 0; i < scene->series->len; i++) {
    const PatinaChartSeries *s = g_ptr_array_index(scene->series, i);
    for (guint k = 0; k < s->points->len; k++)
      epochs = MAX(epochs, g_array_index(s->points, PatinaChartPoint, k).epoch);
  }
  return epochs;
}

/* ---- smoothing ---- */

void patina_chart_smooth(const double *in, double *out, guint n, double w)
{
  w = CLAMP(w, 0.0, 0.999);
  double last = 0;
  int count = 0;
  for (guint i = 0; i < n; i++) {
    if (!isfinite(in[i])) {
      out[i] = in[i];
      continue;
    }
    last = last * w + (1 - w) * in[i];
    count++;
    /* Debiasing (TensorBoard does the same) keeps the start from being pulled towards 0. */
    double debias = w > 0 ? 1 - pow(w, count) : 1;
    out[i] = last / debias;
  }
}
