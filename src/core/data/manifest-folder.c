/* A manifest against its folder: made from a scan, reconciled with what is on disk, opened as a
 * data set, and splits checked for duplicates that straddle them. */
#include "manifest-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

PatinaManifest *patina_manifest_create(const PatinaDataset *ds, double val_fraction,
                                       double test_fraction, guint64 seed, GError **error)
{
  g_return_val_if_fail(ds != NULL, NULL);
  if (!(val_fraction >= 0.0 && test_fraction >= 0.0 && val_fraction + test_fraction < 1.0)) {
    g_set_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_INVALID,
                "validation (%g) and test (%g) fractions must be at least 0 and add up to less "
                "than 1",
                val_fraction, test_fraction);
    return NULL;
  }
  g_autoptr(PatinaManifest) m = patina_manifest_new();
  for (guint c = 0; c < ds->class_names->len; c++)
    g_ptr_array_add(m->classes, g_strdup(ds->class_names->pdata[c]));
  m->has_split_info = TRUE;
  m->seed = seed <= G_MAXINT64 ? seed : seed & G_MAXINT64;
  m->val_fraction = val_fraction;
  m->test_fraction = test_fraction;

  GArray *parts[PATINA_N_SPLITS];
  for (int s = 0; s < PATINA_N_SPLITS; s++)
    parts[s] = g_array_new(FALSE, FALSE, sizeof(int));
  patina_dataset_split3(ds, val_fraction, test_fraction, m->seed, parts[0], parts[1], parts[2]);
  g_autofree PatinaSplit *split_of = g_new0(PatinaSplit, MAX(ds->samples->len, 1));
  for (int s = 0; s < PATINA_N_SPLITS; s++) {
    for (guint k = 0; k < parts[s]->len; k++)
      split_of[g_array_index(parts[s], int, k)] = (PatinaSplit) s;
    g_array_unref(parts[s]);
  }

  for (guint i = 0; i < ds->samples->len; i++) {
    const PatinaSample *s = &g_array_index(ds->samples, PatinaSample, i);
    const char *rel = patina_manifest_relative_to(ds->root, s->path);
    const char *why;
    if (rel == NULL || !patina_manifest_check_path(rel, &why)) {
      g_autofree char *shown = g_filename_display_name(s->path);
      g_set_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_INVALID,
                  "%s: cannot be recorded in a manifest (%s); rename it", shown,
                  rel ? why : "not inside the data folder");
      return NULL;
    }
    char *sum = patina_dataset_hash_file(s->path, error);
    if (sum == NULL)
      return NULL;
    PatinaManifestImage im = {.path = g_strdup(rel), .label = s->label,
                              .split = split_of[i], .crop_rows = -1, .sha256 = sum};
    /* Record the data bar crop found now and the pixel size, so the manifest says which rows
     * every later run uses; an image that does not decode stays automatic and is reported
     * when it is loaded. */
    g_autoptr(PatinaGray) gray = patina_gray_load(s->path, NULL);
    if (gray) {
      im.crop_rows = gray->databar.bar_rows;
      im.pixel_size = gray->sem.pixel_size;
    }
    g_array_append_val(m->images, im);
  }
  return g_steal_pointer(&m);
}

gboolean patina_manifest_reconcile(PatinaManifest *m, const char *root, PatinaReconcileFlags flags,
                                   GArray *issues, GError **error)
{
  g_return_val_if_fail(m != NULL && root != NULL, FALSE);
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(PatinaDataset) ds =
      patina_dataset_open_full(root, PATINA_DATASET_OPEN_CONTAINED, skipped, error);
  if (ds == NULL)
    return FALSE;
  g_autofree char *root_real = realpath(ds->root, NULL);
  if (root_real == NULL) {
    int saved = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "%s: %s", ds->root,
                g_strerror(saved));
    return FALSE;
  }
  for (guint k = 0; k < skipped->len; k++) {
    const char *path = skipped->pdata[k];
    const char *rel = patina_manifest_relative_to(ds->root, path);
    g_autofree char *target = realpath(path, NULL);
    patina_manifest_add_issue(issues, PATINA_ISSUE_OUTSIDE, rel ? rel : path,
              "resolves to %s, outside the data folder; not read", target ? target : "?");
  }

  /* What the manifest names. */
  for (guint i = 0; i < m->images->len;) {
    PatinaManifestImage *im = &g_array_index(m->images, PatinaManifestImage, i);
    g_autoptr(GError) local = NULL;
    g_autofree char *full = patina_manifest_resolve_in(ds->root, root_real, im->path, &local);
    if (full == NULL) {
      gboolean missing = g_error_matches(local, PATINA_MANIFEST_ERROR,
                                         PATINA_MANIFEST_ERROR_MISSING);
      patina_manifest_add_issue(issues, missing ? PATINA_ISSUE_MISSING : PATINA_ISSUE_OUTSIDE, im->path, "%s%s",
                local->message,
                missing && (flags & PATINA_RECONCILE_DROP_MISSING) ? " (removed from the "
                                                                     "manifest)"
                                                                   : "");
      if (missing && (flags & PATINA_RECONCILE_DROP_MISSING)) {
        g_array_remove_index(m->images, i);
        continue;
      }
      i++;
      continue;
    }
    if ((flags & (PATINA_RECONCILE_VERIFY_HASHES | PATINA_RECONCILE_UPDATE_HASHES)) &&
        (im->sha256 != NULL || (flags & PATINA_RECONCILE_UPDATE_HASHES))) {
      g_autofree char *sum = patina_dataset_hash_file(full, &local);
      if (sum == NULL) {
        patina_manifest_add_issue(issues, PATINA_ISSUE_UNREADABLE, im->path, "%s", local->message);
      } else if (im->sha256 != NULL && strcmp(sum, im->sha256) != 0) {
        patina_manifest_add_issue(issues, PATINA_ISSUE_CHANGED, im->path,
                  "content differs from the recorded hash%s",
                  (flags & PATINA_RECONCILE_UPDATE_HASHES) ? " (hash updated)" : "");
        if (flags & PATINA_RECONCILE_UPDATE_HASHES) {
          g_free(im->sha256);
          im->sha256 = g_steal_pointer(&sum);
        }
      } else if (im->sha256 == NULL) {
        im->sha256 = g_steal_pointer(&sum);
      }
    }
    i++;
  }

  /* What the folder holds. */
  g_autoptr(GHashTable) listed = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < m->images->len; i++)
    g_hash_table_add(listed, g_array_index(m->images, PatinaManifestImage, i).path);
  for (guint i = 0; i < ds->samples->len; i++) {
    const PatinaSample *s = &g_array_index(ds->samples, PatinaSample, i);
    const char *rel = patina_manifest_relative_to(ds->root, s->path);
    if (rel == NULL || g_hash_table_contains(listed, rel))
      continue;
    const char *why;
    if (!patina_manifest_check_path(rel, &why)) {
      g_autofree char *shown = g_filename_display_name(rel);
      patina_manifest_add_issue(issues, PATINA_ISSUE_NEW, shown, "not in the manifest and cannot be (%s)", why);
      continue;
    }
    if (!(flags & PATINA_RECONCILE_ADD_NEW)) {
      patina_manifest_add_issue(issues, PATINA_ISSUE_NEW, rel, "not in the manifest");
      continue;
    }
    const char *klass = ds->class_names->pdata[s->label];
    int label = patina_manifest_class(m, klass);
    if (label < 0) {
      label = (int) m->classes->len;
      g_ptr_array_add(m->classes, g_strdup(klass));
    }
    g_autoptr(GError) local = NULL;
    char *sum = patina_dataset_hash_file(s->path, &local);
    if (sum == NULL)
      patina_manifest_add_issue(issues, PATINA_ISSUE_UNREADABLE, rel, "%s", local->message);
    PatinaManifestImage im = {.path = g_strdup(rel), .label = label, .split = PATINA_SPLIT_TRAIN,
                              .crop_rows = -1, .sha256 = sum};
    g_array_append_val(m->images, im);
    g_hash_table_add(listed, g_array_index(m->images, PatinaManifestImage,
                                           m->images->len - 1).path);
    patina_manifest_add_issue(issues, PATINA_ISSUE_NEW, rel, "added to the manifest (split train)");
  }
  return TRUE;
}

PatinaDataset *patina_manifest_open_dataset(const PatinaManifest *m, const char *root,
                                            GArray *splits[PATINA_N_SPLITS], GArray *issues,
                                            GError **error)
{
  g_return_val_if_fail(m != NULL && root != NULL, NULL);
  g_autofree char *root_abs = g_canonicalize_filename(root, NULL);
  g_autofree char *root_real = realpath(root_abs, NULL);
  if (root_real == NULL) {
    int saved = errno;
    g_autofree char *shown = g_filename_display_name(root_abs);
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "%s: %s", shown,
                g_strerror(saved));
    return NULL;
  }
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GArray) labels = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) crops = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) split_of = g_array_new(FALSE, FALSE, sizeof(int));
  for (guint i = 0; i < m->images->len; i++) {
    const PatinaManifestImage *im = &g_array_index(m->images, PatinaManifestImage, i);
    if (im->excluded)
      continue;
    g_autoptr(GError) local = NULL;
    char *full = patina_manifest_resolve_in(root_abs, root_real, im->path, &local);
    if (full == NULL) {
      gboolean missing = g_error_matches(local, PATINA_MANIFEST_ERROR,
                                         PATINA_MANIFEST_ERROR_MISSING);
      patina_manifest_add_issue(issues, missing ? PATINA_ISSUE_MISSING : PATINA_ISSUE_OUTSIDE, im->path,
                "%s; skipped", local->message);
      continue;
    }
    /* Open it once here, so an unreadable file is a skipped, reported file rather than an
     * error halfway through training. */
    FILE *f = g_fopen(full, "rb");
    if (f == NULL) {
      int saved = errno;
      patina_manifest_add_issue(issues, PATINA_ISSUE_UNREADABLE, im->path, "%s: %s; skipped", full,
                g_strerror(saved));
      g_free(full);
      continue;
    }
    fclose(f);
    g_ptr_array_add(paths, full);
    g_array_append_val(labels, im->label);
    g_array_append_val(crops, im->crop_rows);
    int s = (int) im->split;
    g_array_append_val(split_of, s);
  }
  if (paths->len == 0) {
    g_autofree char *shown = g_filename_display_name(root_abs);
    g_set_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_MISSING,
                "%s: the manifest names no image that can be used (%u listed, all excluded, "
                "missing or unreadable)",
                shown, m->images->len);
    return NULL;
  }
  PatinaDataset *ds = patina_dataset_new_from_files(
      root_abs, (const char *const *) m->classes->pdata, (int) m->classes->len,
      (const char *const *) paths->pdata, (const int *) labels->data, (int) paths->len, error);
  if (ds == NULL)
    return NULL;
  for (int s = 0; s < PATINA_N_SPLITS; s++)
    if (splits != NULL && splits[s] != NULL)
      g_array_set_size(splits[s], 0);
  for (guint i = 0; i < split_of->len; i++) {
    int s = g_array_index(split_of, int, i);
    int idx = (int) i;
    if (splits != NULL && splits[s] != NULL)
      g_array_append_val(splits[s], idx);
    /* a manifest's crop_rows overrides the data bar search for its image */
    PatinaSample *sample = &g_array_index(ds->samples, PatinaSample, i);
    sample->crop_rows = g_array_index(crops, int, i);
    sample->crop_set = sample->crop_rows >= 0;
  }
  return ds;
}

void patina_manifest_find_straddles(const PatinaDataset *ds, GArray *splits[PATINA_N_SPLITS],
                                    GArray *issues)
{
  int n = (int) ds->samples->len;
  g_autofree int *split_of = g_new(int, MAX(n, 1));
  for (int i = 0; i < n; i++)
    split_of[i] = -1;
  for (int s = 0; s < PATINA_N_SPLITS; s++)
    for (guint k = 0; splits[s] != NULL && k < splits[s]->len; k++) {
      int i = g_array_index(splits[s], int, k);
      if (i >= 0 && i < n)
        split_of[i] = s;
    }
  /* For each group, its first member; report a group once, at the member that differs. */
  g_autoptr(GHashTable) first = g_hash_table_new(g_direct_hash, g_direct_equal);
  g_autoptr(GHashTable) reported = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (int i = 0; i < n; i++) {
    const PatinaSample *s = &g_array_index(ds->samples, PatinaSample, i);
    if (s->group < 0 || split_of[i] < 0)
      continue;
    gpointer key = GINT_TO_POINTER(s->group + 1), value;
    if (!g_hash_table_lookup_extended(first, key, NULL, &value)) {
      g_hash_table_insert(first, key, GINT_TO_POINTER(i));
      continue;
    }
    int j = GPOINTER_TO_INT(value);
    if (split_of[j] == split_of[i] || g_hash_table_contains(reported, key))
      continue;
    g_hash_table_add(reported, key);
    const char *pi = g_array_index(ds->samples, PatinaSample, i).path;
    const char *pj = g_array_index(ds->samples, PatinaSample, j).path;
    const char *ri = patina_manifest_relative_to(ds->root, pi), *rj = patina_manifest_relative_to(ds->root, pj);
    patina_manifest_add_issue(issues, PATINA_ISSUE_STRADDLE, ri ? ri : pi,
              "byte-identical to %s but in split %s, not %s", rj ? rj : pj,
              patina_split_name(split_of[i]), patina_split_name(split_of[j]));
  }
}
