/* k-fold cross-validation: k trainings on stratified, group-aware folds, one after the other,
 * shared by patina-cli train --folds and the app's Train page. */
#include "train.h"

#include <math.h>
#include <string.h>

char *patina_fold_path(const char *output, int fold)
{
  const char *ext = ".safetensors";
  g_autofree char *stem = g_str_has_suffix(output, ext)
                              ? g_strndup(output, strlen(output) - strlen(ext))
                              : g_strdup(output);
  return g_strdup_printf("%s.fold%d%s", stem, fold, ext);
}

void patina_folds_result_clear(PatinaFoldsResult *r)
{
  g_free(r->best_val_acc);
  g_free(r->best_epoch);
  g_free(r->failed_last_path);
  memset(r, 0, sizeof(*r));
}

gboolean patina_train_folds(const PatinaTrainConfig *cfg, PatinaDataset *ds, const int *pool,
                            int n_pool, PatinaFoldFunc fold_func, PatinaProgressFunc progress,
                            gpointer user_data, GCancellable *cancellable,
                            PatinaFoldsResult *result, GError **error)
{
  memset(result, 0, sizeof(*result));
  int k = cfg->folds;
  if (k < 2 || k > 100) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID, "--folds must be 2 to 100, not %d", k);
    return FALSE;
  }
  int n = (int) ds->samples->len;
  g_autoptr(GArray) all = g_array_new(FALSE, FALSE, sizeof(int));
  if (!pool) {
    for (int i = 0; i < n; i++)
      g_array_append_val(all, i);
    pool = (const int *) all->data;
    n_pool = n;
  }
  g_autofree int *fold = g_new(int, MAX(n, 1));
  if (!patina_dataset_kfold(ds, pool, n_pool, k, cfg->seed, fold, error))
    return FALSE;

  result->folds = k;
  result->best_val_acc = g_new(double, k);
  result->best_epoch = g_new(int, k);
  g_autoptr(GArray) train = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) val = g_array_new(FALSE, FALSE, sizeof(int));
  for (int f = 0; f < k; f++) {
    g_array_set_size(train, 0);
    g_array_set_size(val, 0);
    for (int j = 0; j < n_pool; j++) {
      int i = pool[j];
      g_array_append_val(fold[i] == f ? val : train, i);
    }
    g_autofree char *out = patina_fold_path(cfg->output, f + 1);
    PatinaTrainConfig c = *cfg;
    c.output = out;
    c.val_fraction = 0.0; /* the split is explicit; nothing may re-derive another from it */
    c.train_indices = (const int *) train->data;
    c.n_train_indices = (int) train->len;
    c.val_indices = (const int *) val->data;
    c.n_val_indices = (int) val->len;
    PatinaFoldEvent ev = {.fold = f + 1, .folds = k, .n_train = (int) train->len,
                          .n_val = (int) val->len, .output = out,
                          .val_indices = (const int *) val->data};
    if (fold_func)
      fold_func(&ev, user_data);
    PatinaTrainResult r;
    GError *fold_error = NULL;
    if (!patina_train(&c, ds, progress, user_data, cancellable, &r, &fold_error)) {
      /* told, so a record of the fold can say it stopped and keep the epochs it did */
      ev.done = TRUE;
      ev.result = &r;
      ev.error = fold_error;
      if (fold_func)
        fold_func(&ev, user_data);
      g_propagate_error(error, fold_error);
      result->failed_fold = f + 1;
      result->failed_last_path = g_steal_pointer(&r.last_path);
      patina_train_result_clear(&r);
      return FALSE;
    }
    result->best_val_acc[f] = r.best_val_acc;
    result->best_epoch[f] = r.best_epoch;
    ev.done = TRUE;
    ev.result = &r;
    if (fold_func)
      fold_func(&ev, user_data);
    patina_train_result_clear(&r);
  }
  double mean = 0.0, var = 0.0;
  for (int f = 0; f < k; f++)
    mean += result->best_val_acc[f] / k;
  for (int f = 0; f < k; f++)
    var += (result->best_val_acc[f] - mean) * (result->best_val_acc[f] - mean) / (k - 1);
  result->mean = mean;
  result->sd = sqrt(var);
  return TRUE;
}
