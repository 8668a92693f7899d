#include "data/datasource.h"

#include <string.h>

void patina_data_source_clear(PatinaDataSource *d)
{
  g_clear_pointer(&d->ds, patina_dataset_free);
  g_clear_pointer(&d->manifest, patina_manifest_free);
  g_clear_pointer(&d->manifest_path, g_free);
  for (int s = 0; s < PATINA_N_SPLITS; s++)
    g_clear_pointer(&d->splits[s], g_array_unref);
}

gboolean patina_data_source_has_manifest(const char *dir)
{
  g_autofree char *path = patina_manifest_path_in(dir);
  return g_file_test(path, G_FILE_TEST_EXISTS);
}

GArray *patina_data_source_fold_pool(const PatinaDataSource *d)
{
  if (!d->manifest)
    return NULL;
  GArray *pool = g_array_new(FALSE, FALSE, sizeof(int));
  for (int s = PATINA_SPLIT_TRAIN; s <= PATINA_SPLIT_VAL; s++)
    g_array_append_vals(pool, d->splits[s]->data, d->splits[s]->len);
  return pool;
}

gboolean patina_data_source_check_training(const PatinaDataSource *d, gboolean folds,
                                           GError **error)
{
  if (!d->manifest)
    return TRUE;
  guint train = d->splits[PATINA_SPLIT_TRAIN]->len, val = d->splits[PATINA_SPLIT_VAL]->len;
  if (folds ? train + val > 0 : train > 0)
    return TRUE;
  g_set_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_MISSING,
              folds ? "%s: no image of the train or val split is left to cross-validate on "
                      "(the others are excluded, missing or unreadable)"
                    : "%s: no image of the train split is left to train on (the others are "
                      "excluded, missing or unreadable)",
              d->manifest_path);
  return FALSE;
}

gboolean patina_data_source_open(const char *dir, PatinaManifestUse use, PatinaDataSource *d,
                                 GArray *issues, GPtrArray *outside, GError **error)
{
  memset(d, 0, sizeof *d);
  g_autofree char *path = patina_manifest_path_in(dir);
  gboolean present = patina_data_source_has_manifest(dir);
  if (use == PATINA_MANIFEST_REQUIRED && !present) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                "%s: no manifest (%s); 'patina-cli dataset init %s' writes one", dir,
                PATINA_MANIFEST_NAME, dir);
    return FALSE;
  }
  if (use == PATINA_MANIFEST_IGNORE || !present) {
    d->ds = patina_dataset_open_full(dir, PATINA_DATASET_OPEN_CONTAINED, outside, error);
    return d->ds != NULL;
  }
  d->manifest = patina_manifest_load(path, error);
  if (d->manifest == NULL)
    return FALSE;
  d->manifest_path = g_steal_pointer(&path);
  for (int s = 0; s < PATINA_N_SPLITS; s++)
    d->splits[s] = g_array_new(FALSE, FALSE, sizeof(int));
  d->ds = patina_manifest_open_dataset(d->manifest, dir, d->splits, issues, error);
  if (d->ds == NULL) {
    patina_data_source_clear(d);
    return FALSE;
  }
  return TRUE;
}
