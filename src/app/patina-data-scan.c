#include "patina-data-scan.h"

#include <glib/gi18n.h>
#include <string.h>

#include "data/phash.h"
#include "patina-viewer-io.h"

/* The largest class may have this many times the images of the smallest before the notes
 * call the data set imbalanced. */
#define IMBALANCE_NOTE_RATIO 1.5
/* A note names at most this many twins, then "and N more". */
#define MAX_NAMED_TWINS 3

void patina_manifest_info_free(PatinaManifestInfo *info)
{
  if (!info)
    return;
  g_free(info->problem);
  g_free(info->split);
  g_free(info->excluded);
  g_free(info);
}

typedef struct {
  char *root;
  char **paths;
} InfoRequest;

static void info_request_free(gpointer p)
{
  InfoRequest *r = p;
  g_free(r->root);
  g_strfreev(r->paths);
  g_free(r);
}

static void info_worker(GTask *task, gpointer source, gpointer task_data,
                        GCancellable *cancellable)
{
  (void) source;
  (void) cancellable;
  InfoRequest *r = task_data;
  PatinaManifestInfo *info = g_new0(PatinaManifestInfo, 1);
  info->n = (int) g_strv_length(r->paths);
  info->split = g_new(int, MAX(info->n, 1));
  info->excluded = g_new0(gboolean, MAX(info->n, 1));
  for (int i = 0; i < info->n; i++)
    info->split[i] = -1;

  g_autofree char *mpath = patina_manifest_path_in(r->root);
  if (!g_file_test(mpath, G_FILE_TEST_EXISTS)) {
    g_task_return_pointer(task, info, (GDestroyNotify) patina_manifest_info_free);
    return;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaManifest) m = patina_manifest_load(mpath, &error);
  if (!m) {
    info->problem = g_strdup(error->message);
    g_task_return_pointer(task, info, (GDestroyNotify) patina_manifest_info_free);
    return;
  }
  info->has_manifest = TRUE;
  g_autoptr(GHashTable) by_path = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint k = 0; k < m->images->len; k++)
    g_hash_table_insert(by_path, g_array_index(m->images, PatinaManifestImage, k).path,
                        GUINT_TO_POINTER(k + 1));
  for (int i = 0; i < info->n; i++) {
    g_autofree char *rel = patina_viewer_relative_path(r->root, r->paths[i]);
    guint k = rel ? GPOINTER_TO_UINT(g_hash_table_lookup(by_path, rel)) : 0;
    if (k == 0) {
      info->n_unlisted++;
      continue;
    }
    const PatinaManifestImage *im = &g_array_index(m->images, PatinaManifestImage, k - 1);
    info->split[i] = im->split;
    info->excluded[i] = im->excluded;
    if (im->excluded)
      info->n_excluded++;
    else
      info->split_counts[im->split]++;
  }
  g_task_return_pointer(task, info, (GDestroyNotify) patina_manifest_info_free);
}

void patina_manifest_info_load_async(const PatinaDataset *ds, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  InfoRequest *r = g_new0(InfoRequest, 1);
  r->root = g_strdup(ds->root);
  r->paths = g_new0(char *, ds->samples->len + 1);
  for (guint i = 0; i < ds->samples->len; i++)
    r->paths[i] = g_strdup(g_array_index(ds->samples, PatinaSample, i).path);
  g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
  g_task_set_source_tag(task, patina_manifest_info_load_async);
  g_task_set_task_data(task, r, info_request_free);
  g_task_run_in_thread(task, info_worker);
}

PatinaManifestInfo *patina_manifest_info_load_finish(GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer(G_TASK(result), error);
}

static const char *sample_name(const PatinaDataset *ds, int i)
{
  const char *path = g_array_index(ds->samples, PatinaSample, i).path;
  const char *slash = strrchr(path, G_DIR_SEPARATOR);
  return slash ? slash + 1 : path;
}

static int sample_group(const PatinaDataset *ds, int i)
{
  return g_array_index(ds->samples, PatinaSample, i).group;
}

static void append_names(GString *s, const PatinaDataset *ds, GArray *others)
{
  for (guint k = 0; k < others->len && k < MAX_NAMED_TWINS; k++)
    g_string_append_printf(s, "%s%s", k ? ", " : "", sample_name(ds, g_array_index(others, int, k)));
  if (others->len > MAX_NAMED_TWINS)
    g_string_append_printf(s, ngettext(" and %u more", " and %u more",
                                       others->len - MAX_NAMED_TWINS),
                           others->len - MAX_NAMED_TWINS);
}

char **patina_duplicate_notes_new(const PatinaDataset *ds, GArray *near)
{
  guint n = ds->samples->len;
  /* members of each byte-identical group */
  g_autoptr(GHashTable) groups =
    g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) g_array_unref);
  for (guint i = 0; i < n; i++) {
    gpointer key = GINT_TO_POINTER(sample_group(ds, (int) i));
    GArray *members = g_hash_table_lookup(groups, key);
    if (!members) {
      members = g_array_new(FALSE, FALSE, sizeof(int));
      g_hash_table_insert(groups, key, members);
    }
    g_array_append_val(members, i);
  }
  GArray **lookalikes = g_new0(GArray *, MAX(n, 1));
  for (guint p = 0; near && p < near->len; p++) {
    const PatinaPhashPair *pair = &g_array_index(near, PatinaPhashPair, p);
    if (sample_group(ds, pair->a) == sample_group(ds, pair->b))
      continue;
    int ends[2] = {pair->a, pair->b};
    for (int e = 0; e < 2; e++) {
      if (!lookalikes[ends[e]])
        lookalikes[ends[e]] = g_array_new(FALSE, FALSE, sizeof(int));
      g_array_append_val(lookalikes[ends[e]], ends[1 - e]);
    }
  }
  char **notes = g_new0(char *, n + 1);
  for (guint i = 0; i < n; i++) {
    GArray *members = g_hash_table_lookup(groups, GINT_TO_POINTER(sample_group(ds, (int) i)));
    g_autoptr(GArray) twins = g_array_new(FALSE, FALSE, sizeof(int));
    for (guint k = 0; k < members->len; k++)
      if (g_array_index(members, int, k) != (int) i)
        g_array_append_val(twins, g_array_index(members, int, k));
    if (twins->len == 0 && !lookalikes[i])
      continue;
    GString *s = g_string_new(NULL);
    if (twins->len > 0) {
      g_string_append(s, _("Byte-identical to "));
      append_names(s, ds, twins);
    }
    if (lookalikes[i]) {
      g_string_append(s, s->len ? "\n" : "");
      g_string_append(s, _("Nearly identical to "));
      append_names(s, ds, lookalikes[i]);
      g_array_unref(lookalikes[i]);
    }
    notes[i] = g_string_free(s, FALSE);
  }
  g_free(lookalikes);
  return notes;
}

void patina_duplicate_notes_free(char **notes, guint n)
{
  for (guint i = 0; notes && i < n; i++)
    g_free(notes[i]);
  g_free(notes);
}

guint patina_count_near_pairs(const PatinaDataset *ds, GArray *near)
{
  guint count = 0;
  for (guint p = 0; near && p < near->len; p++) {
    const PatinaPhashPair *pair = &g_array_index(near, PatinaPhashPair, p);
    count += sample_group(ds, pair->a) != sample_group(ds, pair->b);
  }
  return count;
}

char *patina_data_summary(const PatinaDataset *ds, const PatinaManifestInfo *m)
{
  GString *line = g_string_new(NULL);
  g_string_append_printf(line, ngettext("%u image: ", "%u images: ", ds->samples->len),
                         ds->samples->len);
  for (guint k = 0; k < ds->class_names->len; k++)
    g_string_append_printf(line, "%s%s %d", k ? " · " : "",
                           (char *) g_ptr_array_index(ds->class_names, k),
                           patina_dataset_count_class(ds, (int) k));
  if (m && m->has_manifest)
    g_string_append_printf(line, _(" — train %d / val %d / test %d"), m->split_counts[0],
                           m->split_counts[1], m->split_counts[2]);
  else if (m)
    g_string_append(line, _(" — no manifest, so no fixed split"));
  return g_string_free(line, FALSE);
}

char *patina_data_notes(const PatinaDataset *ds, const PatinaManifestInfo *m, guint n_near_pairs)
{
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
  int largest, smallest;
  double ratio = patina_dataset_imbalance(ds, NULL, 0, NULL, &largest, &smallest);
  if (ds->class_names->len > 1 && ratio >= IMBALANCE_NOTE_RATIO)
    g_ptr_array_add(notes,
                    g_strdup_printf(_("Imbalanced: %.1f× as many %s as %s images"), ratio,
                                    (char *) g_ptr_array_index(ds->class_names, largest),
                                    (char *) g_ptr_array_index(ds->class_names, smallest)));
  if (ds->n_duplicate_groups > 0)
    g_ptr_array_add(notes, g_strdup_printf(ngettext("%d group of byte-identical files",
                                                    "%d groups of byte-identical files",
                                                    ds->n_duplicate_groups),
                                           ds->n_duplicate_groups));
  if (n_near_pairs > 0)
    g_ptr_array_add(notes, g_strdup_printf(ngettext("%u near-duplicate pair",
                                                    "%u near-duplicate pairs",
                                                    n_near_pairs),
                                           n_near_pairs));
  if (m && m->n_excluded > 0)
    g_ptr_array_add(notes, g_strdup_printf(ngettext("%d image excluded by the manifest",
                                                    "%d images excluded by the manifest",
                                                    m->n_excluded),
                                           m->n_excluded));
  if (m && m->n_unlisted > 0)
    g_ptr_array_add(notes, g_strdup_printf(ngettext("%d image not in the manifest",
                                                    "%d images not in the manifest",
                                                    m->n_unlisted),
                                           m->n_unlisted));
  if (m && m->problem)
    g_ptr_array_add(notes, g_strdup(m->problem));
  g_ptr_array_add(notes, NULL);
  return g_strjoinv(" · ", (char **) notes->pdata);
}
