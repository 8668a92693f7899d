#include "patina-job-eval.h"

#include <string.h>

#include "train/checkpoint.h"

static void misclassified_clear(gpointer p)
{
  PatinaMisclassified *m = p;
  g_free(m->path);
  g_clear_pointer(&m->pixels, g_bytes_unref);
}

GArray *patina_misclassified_array_new(void)
{
  GArray *a = g_array_new(FALSE, TRUE, sizeof(PatinaMisclassified));
  g_array_set_clear_func(a, misclassified_clear);
  return a;
}

/* The gray plane in [0, 1] as 8-bit RGB, the way the model is fed it (gray repeated). */
static GBytes *plane_to_rgb(const float *plane, int size)
{
  gsize n = (gsize) size * size;
  guint8 *rgb = g_malloc(n * 3);
  for (gsize i = 0; i < n; i++) {
    float v = CLAMP(plane[i], 0.0f, 1.0f) * 255.0f + 0.5f;
    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = (guint8) v;
  }
  return g_bytes_new_take(rgb, n * 3);
}

/* Adds e into *merged: counts add up, loss and accuracy are weighted by images. */
static void merge(PatinaEvaluation **merged, PatinaEvaluation *e)
{
  PatinaEvaluation *m = *merged;
  if (!m) {
    *merged = m = g_new0(PatinaEvaluation, 1);
    *m = *e;
    memset(e, 0, sizeof(*e));
    return;
  }
  int n = m->n + e->n;
  if (n > 0) {
    m->loss = (m->loss * m->n + e->loss * e->n) / n;
    m->accuracy = (m->accuracy * m->n + e->accuracy * e->n) / n;
  }
  for (int i = 0; i < m->n_classes * m->n_classes && m->n_classes == e->n_classes; i++)
    m->confusion[i] += e->confusion[i];
  m->predicted = g_renew(int, m->predicted, MAX(n, 1));
  m->probability = g_renew(float, m->probability, MAX(n, 1));
  memcpy(m->predicted + m->n, e->predicted, sizeof(int) * e->n);
  memcpy(m->probability + m->n, e->probability, sizeof(float) * e->n);
  m->n = n;
  patina_evaluation_clear(e);
}

gboolean patina_job_evaluate_append(const char *path, PatinaDataset *ds, const int *indices,
                                    int n, int threads, int batch, GCancellable *cancellable,
                                    PatinaEvaluation **merged, GArray *misclassified,
                                    GError **error)
{
  PatinaModel *model = patina_checkpoint_load(path, NULL, error);
  if (!model)
    return FALSE;
  patina_model_set_threads(model, threads);
  int size = model->in_h;
  gboolean ok = FALSE;
  g_autofree int *labels = g_new(int, MAX(n, 1));
  float *planes = patina_load_planes(ds, indices, n, size, threads, cancellable, error);
  if (planes) {
    for (int i = 0; i < n; i++)
      labels[i] = g_array_index(ds->samples, PatinaSample, indices[i]).label;
    PatinaEvaluation e = {0};
    ok = patina_evaluate_planes(model, planes, labels, n, batch, &e, error);
    if (ok) {
      for (int i = 0; i < n; i++) {
        if (e.predicted[i] == labels[i])
          continue;
        PatinaMisclassified m = {
          .path = g_strdup(g_array_index(ds->samples, PatinaSample, indices[i]).path),
          .true_class = labels[i],
          .predicted = e.predicted[i],
          .probability = e.probability[i],
          .size = size,
          .pixels = plane_to_rgb(planes + (gsize) i * size * size, size),
        };
        g_array_append_val(misclassified, m);
      }
      merge(merged, &e);
    }
    patina_evaluation_clear(&e);
    g_free(planes);
  }
  patina_model_free(model);
  return ok;
}
