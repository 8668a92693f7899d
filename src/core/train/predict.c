#include "predict.h"

#include "data/image.h"

void patina_checkpoint_meta_ensure_class_names(PatinaCheckpointMeta *meta, int n_classes)
{
  g_return_if_fail(meta != NULL && n_classes > 0);
  if (meta->class_names)
    return;
  meta->class_names = g_new0(char *, n_classes + 1);
  for (int k = 0; k < n_classes; k++)
    meta->class_names[k] = g_strdup_printf("class %d", k);
}

int patina_predict_file(PatinaModel *model, const char *path, float *probs, GError **error)
{
  g_return_val_if_fail(model != NULL && path != NULL && probs != NULL, -1);
  gsize in = (gsize) model->in_c * model->in_h * model->in_w;
  g_autofree float *x = g_try_new(float, in);
  if (!x) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_FAILED, "%s: out of memory for the input",
                path);
    return -1;
  }
  if (!patina_image_load_input(path, model->in_h, model->in_c, x, error))
    return -1;
  GError *local = NULL;
  const float *logits = patina_model_forward(model, x, 1, FALSE, NULL, &local);
  if (!logits) {
    g_set_error(error, local->domain, local->code, "%s: %s", path, local->message);
    g_error_free(local);
    return -1;
  }
  patina_model_probabilities(model, logits, 1, probs);
  int classes = patina_model_n_classes(model);
  int best = 0;
  for (int k = 1; k < classes; k++)
    if (probs[k] > probs[best])
      best = k;
  return best;
}
