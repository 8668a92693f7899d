#include "dataset.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

static const char *const image_extensions[] = {"png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff"};

static gboolean has_image_extension(const char *name)
{
  const char *dot = strrchr(name, '.');
  if (dot == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS(image_extensions); i++)
    if (g_ascii_strcasecmp(dot + 1, image_extensions[i]) == 0)
      return TRUE;
  return FALSE;
}

static int compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* Whether path, with every symlink resolved, lies strictly inside root_real (itself resolved). */
static gboolean resolves_inside(const char *root_real, const char *path)
{
  g_autofree char *real = realpath(path, NULL);
  if (real == NULL)
    return FALSE;
  size_t n = strlen(root_real);
  if (n > 0 && root_real[n - 1] == '/')
    n--;
  return strncmp(real, root_real, n) == 0 && real[n] == '/' && real[n + 1] != '\0';
}

/* What path is when it cannot be resolved (stat failed with saved_errno): the words a user
 * needs to fix a loop or a link whose target was moved, which strerror alone does not give. */
static char *describe_unresolvable(const char *path, int saved_errno)
{
  if (saved_errno == ELOOP)
    return g_strdup("a symbolic link loop");
  g_autofree char *target = g_file_read_link(path, NULL);
  if (saved_errno == ENOENT && target != NULL) {
    g_autofree char *shown = g_filename_display_name(target);
    return g_strdup_printf("a broken symbolic link (its target “%s” does not exist)", shown);
  }
  return g_strdup(g_strerror(saved_errno));
}

/* Why an entry that looks like a class folder (want_dir) or an image cannot be one, or NULL
 * when it is simply something else (a plain file beside the class folders, a text file).
 * Such entries are left out, as a scan must not stop on litter, but when leaving them out
 * leaves a data set too small to open, the error says what they were: as root, loops, broken
 * links and pipes are what make a folder "unreadable". */
static char *describe_unusable(const char *path, gboolean want_dir)
{
  GStatBuf st;
  if (g_stat(path, &st) != 0)
    return describe_unresolvable(path, errno);
  if (want_dir)
    return NULL;
  if (S_ISDIR(st.st_mode))
    return g_strdup("a folder, not an image file");
  if (S_ISFIFO(st.st_mode))
    return g_strdup("a named pipe, not an image file");
  if (!S_ISREG(st.st_mode))
    return g_strdup("a device or socket, not an image file");
  return NULL;
}

/* Names of the visible sub-folders (want_dirs) or image files of dir, sorted bytewise as
 * torchvision's ImageFolder sorts them. Hidden entries are skipped: they are editor, VCS or
 * macOS resource-fork litter, never samples. Folders are not followed further, so a symlink
 * loop below the class level cannot make this recurse. Entries left out for a reason a user
 * should hear about are appended to unusable as "“path” is <reason>". */
static GPtrArray *list_entries(const char *dir, gboolean want_dirs, const char *contain_in,
                               GPtrArray *skipped, GPtrArray *unusable, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GDir) d = g_dir_open(dir, 0, &local);
  if (d == NULL) {
    g_autofree char *shown = g_filename_display_name(dir);
    int code = local->domain == G_FILE_ERROR ? local->code : G_FILE_ERROR_FAILED;
    g_set_error(error, G_FILE_ERROR, code, "%s: cannot read the folder (%s)", shown,
                local->message);
    return NULL;
  }
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while ((name = g_dir_read_name(d)) != NULL) {
    if (name[0] == '.')
      continue;
    if (!want_dirs && !has_image_extension(name))
      continue;
    g_autofree char *full = g_build_filename(dir, name, NULL);
    if (!g_file_test(full, want_dirs ? G_FILE_TEST_IS_DIR : G_FILE_TEST_IS_REGULAR)) {
      g_autofree char *why = describe_unusable(full, want_dirs);
      if (why != NULL) {
        g_autofree char *shown = g_filename_display_name(full);
        g_ptr_array_add(unusable, g_strdup_printf("“%s” is %s", shown, why));
      }
      continue;
    }
    if (contain_in != NULL && !resolves_inside(contain_in, full)) {
      if (skipped != NULL)
        g_ptr_array_add(skipped, g_strdup(full));
      continue;
    }
    g_ptr_array_add(names, g_strdup(name));
  }
  g_ptr_array_sort(names, compare_names);
  return g_steal_pointer(&names);
}

char *patina_dataset_hash_file(const char *path, GError **error)
{
  FILE *f = g_fopen(path, "rb");
  if (f == NULL) {
    int saved = errno;
    g_autofree char *shown = g_filename_display_name(path);
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "%s: cannot read (%s)",
                shown, g_strerror(saved));
    return NULL;
  }
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  const size_t chunk = 1 << 16;
  g_autofree guint8 *buf = g_malloc(chunk);
  size_t n;
  while ((n = fread(buf, 1, chunk, f)) > 0)
    g_checksum_update(sum, buf, n);
  gboolean failed = ferror(f) != 0;
  int saved = errno;
  fclose(f);
  if (failed) {
    g_autofree char *shown = g_filename_display_name(path);
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "%s: read error (%s)",
                shown, g_strerror(saved));
    return NULL;
  }
  return g_strdup(g_checksum_get_string(sum));
}

typedef struct {
  gint64 size;
  guint index;
} SizedSample;

static int compare_sized(gconstpointer a, gconstpointer b)
{
  const SizedSample *x = a, *y = b;
  if (x->size != y->size)
    return x->size < y->size ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* Gives byte-identical files one group id. Only files that share their size with another are
 * hashed, so a data set of distinct files costs one stat per file, not a full read. */
static gboolean assign_groups(PatinaDataset *ds, GError **error)
{
  guint n = ds->samples->len;
  g_autofree SizedSample *sized = g_new(SizedSample, n);
  for (guint i = 0; i < n; i++) {
    const char *path = g_array_index(ds->samples, PatinaSample, i).path;
    GStatBuf st;
    if (g_stat(path, &st) != 0) {
      int saved = errno;
      g_autofree char *shown = g_filename_display_name(path);
      g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "%s: cannot stat (%s)",
                  shown, g_strerror(saved));
      return FALSE;
    }
    sized[i] = (SizedSample){.size = st.st_size, .index = i};
  }
  qsort(sized, n, sizeof *sized, compare_sized);

  g_autofree char **digests = g_new0(char *, n);
  gboolean ok = TRUE;
  for (guint i = 0; i < n && ok; i++) {
    gboolean shares_size = (i > 0 && sized[i - 1].size == sized[i].size) ||
                           (i + 1 < n && sized[i + 1].size == sized[i].size);
    if (shares_size) {
      guint k = sized[i].index;
      digests[k] = patina_dataset_hash_file(g_array_index(ds->samples, PatinaSample, k).path, error);
      ok = digests[k] != NULL;
    }
  }

  /* Ids in sample order, so they do not depend on hashing order. */
  g_autoptr(GHashTable) by_digest = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GArray) members = g_array_new(FALSE, TRUE, sizeof(int));
  for (guint i = 0; i < n && ok; i++) {
    PatinaSample *s = &g_array_index(ds->samples, PatinaSample, i);
    gpointer found;
    if (digests[i] != NULL && g_hash_table_lookup_extended(by_digest, digests[i], NULL, &found)) {
      s->group = GPOINTER_TO_INT(found);
    } else {
      s->group = (int) members->len;
      g_array_set_size(members, members->len + 1);
      if (digests[i] != NULL)
        g_hash_table_insert(by_digest, digests[i], GINT_TO_POINTER(s->group));
    }
    if (++g_array_index(members, int, s->group) == 2)
      ds->n_duplicate_groups++;
  }
  for (guint i = 0; i < n; i++)
    g_free(digests[i]);
  return ok;
}

/* "; left out: “a” is …, “b” is …" for the entries that explain a failed open, or "". A few
 * are enough to point at the problem; the rest are counted. */
static char *left_out_note(GPtrArray *first, GPtrArray *second)
{
  GPtrArray *lists[] = {first, second};
  g_autoptr(GString) note = g_string_new(NULL);
  guint shown = 0, total = 0;
  for (gsize l = 0; l < G_N_ELEMENTS(lists); l++) {
    for (guint i = 0; lists[l] != NULL && i < lists[l]->len; i++, total++) {
      if (shown == 3)
        continue;
      g_string_append(note, shown++ == 0 ? "; left out: " : ", ");
      g_string_append(note, lists[l]->pdata[i]);
    }
  }
  if (total > shown)
    g_string_append_printf(note, " and %u more", total - shown);
  return g_string_free(g_steal_pointer(&note), FALSE);
}

static void clear_sample(gpointer p)
{
  g_free(((PatinaSample *) p)->path);
}

void patina_dataset_free(PatinaDataset *ds)
{
  if (ds == NULL)
    return;
  g_free(ds->root);
  if (ds->class_names != NULL)
    g_ptr_array_unref(ds->class_names);
  if (ds->samples != NULL)
    g_array_unref(ds->samples);
  g_free(ds);
}

PatinaDataset *patina_dataset_open(const char *dir, GError **error)
{
  return patina_dataset_open_full(dir, PATINA_DATASET_OPEN_CONTAINED, NULL, error);
}

PatinaDataset *patina_dataset_open_full(const char *dir, PatinaDatasetOpenFlags flags,
                                        GPtrArray *skipped, GError **error)
{
  g_return_val_if_fail(dir != NULL, NULL);
  g_autofree char *root = g_canonicalize_filename(dir, NULL);
  g_autofree char *shown = g_filename_display_name(root);

  GStatBuf root_stat;
  if (g_stat(root, &root_stat) != 0) {
    int saved = errno;
    if (saved == ENOENT && !g_file_test(root, G_FILE_TEST_IS_SYMLINK)) {
      g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: no such folder", shown);
    } else {
      g_autofree char *why = describe_unresolvable(root, saved);
      g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
                  "%s: cannot open the folder: it is %s", shown, why);
    }
    return NULL;
  }
  if (!S_ISDIR(root_stat.st_mode)) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR,
                "%s: not a folder (a data set is a folder with one sub-folder per class)", shown);
    return NULL;
  }
  g_autofree char *root_real = NULL;
  if (flags & PATINA_DATASET_OPEN_CONTAINED) {
    root_real = realpath(root, NULL);
    if (root_real == NULL) {
      int saved = errno;
      g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
                  "%s: cannot resolve the folder (%s)", shown, g_strerror(saved));
      return NULL;
    }
  }
  g_autoptr(GPtrArray) unusable = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) dirs = list_entries(root, TRUE, root_real, skipped, unusable, error);
  if (dirs == NULL)
    return NULL;

  g_autoptr(PatinaDataset) ds = g_new0(PatinaDataset, 1);
  ds->class_names = g_ptr_array_new_with_free_func(g_free);
  ds->samples = g_array_new(FALSE, TRUE, sizeof(PatinaSample));
  g_array_set_clear_func(ds->samples, clear_sample);

  /* Class folders without images are reported only once two good classes exist: with fewer,
   * "needs two classes" is the more useful message. */
  g_autoptr(GPtrArray) empty = g_ptr_array_new();
  g_autoptr(GPtrArray) empty_unusable = g_ptr_array_new_with_free_func(g_free);
  for (guint c = 0; c < dirs->len; c++) {
    const char *name = dirs->pdata[c];
    g_autofree char *class_dir = g_build_filename(root, name, NULL);
    g_autoptr(GPtrArray) class_unusable = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) files =
        list_entries(class_dir, FALSE, root_real, skipped, class_unusable, error);
    if (files == NULL)
      return NULL;
    if (files->len == 0) {
      /* only the first empty class is reported, so only its left-out entries are kept */
      if (empty->len == 0)
        g_ptr_array_extend_and_steal(empty_unusable, g_steal_pointer(&class_unusable));
      g_ptr_array_add(empty, (gpointer) name);
      continue;
    }
    int label = (int) ds->class_names->len;
    g_ptr_array_add(ds->class_names, g_filename_display_name(name));
    for (guint i = 0; i < files->len; i++) {
      PatinaSample s = {
          .path = g_build_filename(class_dir, files->pdata[i], NULL),
          .label = label,
          .group = -1,
      };
      g_array_append_val(ds->samples, s);
    }
  }

  if (ds->class_names->len < 2) {
    g_autoptr(GString) found = g_string_new(NULL);
    for (guint c = 0; c < ds->class_names->len; c++)
      g_string_append_printf(found, " (\"%s\")", (const char *) ds->class_names->pdata[c]);
    g_autofree char *left_out = left_out_note(unusable, empty_unusable);
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "%s: a data set needs at least two class folders with images; found %u%s%s",
                shown, ds->class_names->len, found->str, left_out);
    return NULL;
  }
  if (empty->len > 0) {
    g_autofree char *class_dir = g_build_filename(root, empty->pdata[0], NULL);
    g_autofree char *class_shown = g_filename_display_name(class_dir);
    g_autofree char *left_out = left_out_note(empty_unusable, NULL);
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "%s: class folder has no images (expected .png, .jpg, .jpeg, .bmp, .gif, .tif "
                "or .tiff files)%s",
                class_shown, left_out);
    return NULL;
  }

  if (!assign_groups(ds, error))
    return NULL;
  ds->root = g_steal_pointer(&root);
  return g_steal_pointer(&ds);
}

int patina_dataset_count_class(const PatinaDataset *ds, int label)
{
  g_return_val_if_fail(ds != NULL, 0);
  int n = 0;
  for (guint i = 0; i < ds->samples->len; i++)
    n += g_array_index(ds->samples, PatinaSample, i).label == label;
  return n;
}

enum { UNDECIDED = -1, TRAIN = 0, HOLDOUT = 1 };

/* Members of each group, as a compact list: group g owns members[start[g] .. start[g + 1]). */
typedef struct {
  int n_groups;
  int *start;
  int *members;
} GroupIndex;

static void group_index_build(const PatinaDataset *ds, GroupIndex *gi)
{
  int n = (int) ds->samples->len;
  gi->n_groups = 0;
  for (int i = 0; i < n; i++)
    gi->n_groups = MAX(gi->n_groups, g_array_index(ds->samples, PatinaSample, i).group + 1);
  gi->start = g_new0(int, gi->n_groups + 1);
  gi->members = g_new(int, MAX(n, 1));
  for (int i = 0; i < n; i++) {
    int g = g_array_index(ds->samples, PatinaSample, i).group;
    if (g >= 0)
      gi->start[g + 1]++;
  }
  for (int g = 0; g < gi->n_groups; g++)
    gi->start[g + 1] += gi->start[g];
  g_autofree int *fill = g_memdup2(gi->start, sizeof(int) * (gi->n_groups + 1));
  for (int i = 0; i < n; i++) {
    int g = g_array_index(ds->samples, PatinaSample, i).group;
    if (g >= 0)
      gi->members[fill[g]++] = i;
  }
}

static void group_index_clear(GroupIndex *gi)
{
  g_free(gi->start);
  g_free(gi->members);
}

/* Holds out group g, counting its members against every class they belong to: a file copied
 * into two class folders is still one file. */
static void hold_out(const PatinaDataset *ds, const GroupIndex *gi, int g, signed char *side,
                     int *held, int n_classes)
{
  side[g] = HOLDOUT;
  for (int k = gi->start[g]; k < gi->start[g + 1]; k++) {
    int label = g_array_index(ds->samples, PatinaSample, gi->members[k]).label;
    if (label >= 0 && label < n_classes)
      held[label]++;
  }
}

/* One stratified pass over the groups whose side is UNDECIDED on entry (groups marked in `skip`
 * are left alone and not counted): holds out round(fraction × class count) of each class, at
 * least one if the class has two or more groups, shuffled by rng. Every group it considers
 * ends up TRAIN or HOLDOUT. */
static void split_pass(const PatinaDataset *ds, const GroupIndex *gi, const gboolean *skip,
                       double holdout_fraction, PatinaRng *rng, signed char *side)
{
  double fraction = holdout_fraction > 0.0 ? MIN(holdout_fraction, 1.0) : 0.0;
  int n = (int) ds->samples->len;
  int n_classes = (int) ds->class_names->len;
  g_autofree int *held = g_new0(int, MAX(n_classes, 1));
  g_autofree int *in_class = g_new0(int, MAX(gi->n_groups, 1));
  g_autoptr(GArray) groups = g_array_new(FALSE, FALSE, sizeof(int));

  for (int c = 0; c < n_classes; c++) {
    int n_c = 0;
    g_array_set_size(groups, 0);
    for (int i = 0; i < n; i++) {
      const PatinaSample *s = &g_array_index(ds->samples, PatinaSample, i);
      if (s->label != c || s->group < 0 || (skip != NULL && skip[s->group]))
        continue;
      n_c++;
      if (in_class[s->group]++ == 0)
        g_array_append_val(groups, s->group);
    }
    int n_groups = (int) groups->len;
    int *gs = (int *) groups->data;
    int target = (int) round(fraction * n_c);
    /* A class with two or more groups keeps one on each side unless asked for all or none. */
    if (n_groups >= 2 && fraction < 1.0)
      target = MIN(target, n_c - 1);
    if (n_groups >= 2 && fraction > 0.0)
      target = MAX(target, 1);
    patina_rng_shuffle(rng, gs, n_groups);

    /* Take whole groups that still fit the target, so a duplicate pair cannot overshoot it
     * while a single image further down the list would have hit it exactly. */
    for (int k = 0; k < n_groups; k++)
      if (side[gs[k]] == UNDECIDED && held[c] + in_class[gs[k]] <= target)
        hold_out(ds, gi, gs[k], side, held, n_classes);
    if (held[c] == 0 && target > 0) {
      int best = -1;
      for (int k = 0; k < n_groups; k++)
        if (side[gs[k]] == UNDECIDED && (best < 0 || in_class[gs[k]] < in_class[best]))
          best = gs[k];
      if (best >= 0)
        hold_out(ds, gi, best, side, held, n_classes);
    }
    for (int k = 0; k < n_groups; k++) {
      if (side[gs[k]] == UNDECIDED)
        side[gs[k]] = TRAIN;
      in_class[gs[k]] = 0;
    }
  }
}

void patina_dataset_split(const PatinaDataset *ds, double holdout_fraction, guint64 seed,
                          GArray *train, GArray *holdout)
{
  g_return_if_fail(ds != NULL && train != NULL && holdout != NULL);
  g_array_set_size(train, 0);
  g_array_set_size(holdout, 0);

  int n = (int) ds->samples->len;
  GroupIndex gi;
  group_index_build(ds, &gi);
  g_autofree signed char *side = g_new(signed char, MAX(gi.n_groups, 1));
  memset(side, UNDECIDED, MAX(gi.n_groups, 1));
  PatinaRng rng;
  patina_rng_init(&rng, seed);
  split_pass(ds, &gi, NULL, holdout_fraction, &rng, side);

  /* Appended in sample order, so both lists come out ascending. */
  for (int i = 0; i < n; i++) {
    int g = g_array_index(ds->samples, PatinaSample, i).group;
    GArray *into = g >= 0 && side[g] == HOLDOUT ? holdout : train;
    g_array_append_val(into, i);
  }
  group_index_clear(&gi);
}

PatinaDataset *patina_dataset_new_from_files(const char *root, const char *const *class_names,
                                             int n_classes, const char *const *paths,
                                             const int *labels, int n, GError **error)
{
  g_return_val_if_fail(root != NULL && n_classes >= 0 && n >= 0, NULL);
  g_autoptr(PatinaDataset) ds = g_new0(PatinaDataset, 1);
  ds->class_names = g_ptr_array_new_with_free_func(g_free);
  ds->samples = g_array_new(FALSE, TRUE, sizeof(PatinaSample));
  g_array_set_clear_func(ds->samples, clear_sample);
  for (int c = 0; c < n_classes; c++)
    g_ptr_array_add(ds->class_names, g_strdup(class_names[c]));
  for (int i = 0; i < n; i++) {
    g_return_val_if_fail(labels[i] >= 0 && labels[i] < n_classes, NULL);
    PatinaSample s = {.path = g_strdup(paths[i]), .label = labels[i], .group = -1};
    g_array_append_val(ds->samples, s);
  }
  if (!assign_groups(ds, error))
    return NULL;
  ds->root = g_canonicalize_filename(root, NULL);
  return g_steal_pointer(&ds);
}

/* Splits into three by two passes of the same stratified, group-aware split: test first, then
 * validation out of what is left (its fraction rescaled to the remainder). A pass with
 * fraction 0 is skipped, so with no test part this is patina_dataset_split(val_fraction). */
void patina_dataset_split3(const PatinaDataset *ds, double val_fraction, double test_fraction,
                           guint64 seed, GArray *train, GArray *val, GArray *test)
{
  g_return_if_fail(ds != NULL && train != NULL && val != NULL && test != NULL);
  g_array_set_size(train, 0);
  g_array_set_size(val, 0);
  g_array_set_size(test, 0);
  double t = test_fraction > 0.0 ? MIN(test_fraction, 1.0) : 0.0;
  double v = val_fraction > 0.0 ? val_fraction : 0.0;
  double v_rest = t < 1.0 ? MIN(v / (1.0 - t), 1.0) : 0.0;

  int n = (int) ds->samples->len;
  GroupIndex gi;
  group_index_build(ds, &gi);
  int ng = MAX(gi.n_groups, 1);
  g_autofree signed char *is_test = g_new(signed char, ng);
  g_autofree signed char *is_val = g_new(signed char, ng);
  g_autofree gboolean *skip = g_new0(gboolean, ng);
  memset(is_test, TRAIN, ng);
  memset(is_val, TRAIN, ng);
  PatinaRng rng;
  patina_rng_init(&rng, seed);
  if (t > 0.0) {
    memset(is_test, UNDECIDED, ng);
    split_pass(ds, &gi, NULL, t, &rng, is_test);
  }
  for (int g = 0; g < gi.n_groups; g++)
    skip[g] = is_test[g] == HOLDOUT;
  if (v_rest > 0.0) {
    memset(is_val, UNDECIDED, ng);
    split_pass(ds, &gi, skip, v_rest, &rng, is_val);
  }
  for (int i = 0; i < n; i++) {
    int g = g_array_index(ds->samples, PatinaSample, i).group;
    GArray *into = g < 0                    ? train
                   : is_test[g] == HOLDOUT  ? test
                   : is_val[g] == HOLDOUT   ? val
                                            : train;
    g_array_append_val(into, i);
  }
  group_index_clear(&gi);
}

typedef struct {
  int group, size;
} SizedGroup;

static int compare_group_size(gconstpointer a, gconstpointer b)
{
  const SizedGroup *x = a, *y = b;
  return x->size != y->size ? (x->size > y->size ? -1 : 1) : 0;
}

gboolean patina_dataset_kfold(const PatinaDataset *ds, const int *indices, int n_indices, int k,
                              guint64 seed, int *fold, GError **error)
{
  g_return_val_if_fail(ds != NULL && fold != NULL, FALSE);
  int n = (int) ds->samples->len;
  int n_classes = (int) ds->class_names->len;
  if (k < 2) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "%s: cross-validation needs at least 2 folds, not %d", ds->root, k);
    return FALSE;
  }
  g_autofree gboolean *in = g_new0(gboolean, MAX(n, 1));
  if (indices == NULL) {
    for (int i = 0; i < n; i++)
      in[i] = TRUE;
  } else {
    for (int j = 0; j < n_indices; j++)
      if (indices[j] >= 0 && indices[j] < n)
        in[indices[j]] = TRUE;
  }

  GroupIndex gi;
  group_index_build(ds, &gi);
  int ng = MAX(gi.n_groups, 1);
  g_autofree int *fold_of = g_new(int, ng);
  g_autofree int *in_class = g_new0(int, ng);
  g_autofree int *count = g_new0(int, (gsize) k * MAX(n_classes, 1)); /* [fold][class] */
  g_autofree int *total = g_new0(int, k);
  for (int g = 0; g < gi.n_groups; g++)
    fold_of[g] = -1;
  g_autoptr(GArray) groups = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) sized = g_array_new(FALSE, FALSE, sizeof(SizedGroup));
  PatinaRng rng;
  patina_rng_init(&rng, seed);

  /* Class by class, the class's groups in a seeded order, largest first (a stable sort of the
   * shuffled list, so equal sizes stay shuffled), each to the fold with the fewest of this
   * class so far, then the fewest images overall, then the lowest number. */
  for (int c = 0; c < n_classes; c++) {
    g_array_set_size(groups, 0);
    for (int i = 0; i < n; i++) {
      const PatinaSample *s = &g_array_index(ds->samples, PatinaSample, i);
      if (!in[i] || s->label != c || s->group < 0)
        continue;
      if (in_class[s->group]++ == 0)
        g_array_append_val(groups, s->group);
    }
    patina_rng_shuffle(&rng, (int *) groups->data, (int) groups->len);
    g_array_set_size(sized, 0);
    for (guint j = 0; j < groups->len; j++) {
      int g = g_array_index(groups, int, j);
      SizedGroup sg = {.group = g, .size = in_class[g]};
      g_array_append_val(sized, sg);
      in_class[g] = 0;
    }
    g_array_sort(sized, compare_group_size); /* g_array_sort is a stable merge sort */
    for (guint j = 0; j < sized->len; j++) {
      int g = g_array_index(sized, SizedGroup, j).group;
      if (fold_of[g] >= 0)
        continue;
      int best = 0;
      for (int f = 1; f < k; f++) {
        int a = count[f * n_classes + c], b = count[best * n_classes + c];
        if (a < b || (a == b && total[f] < total[best]))
          best = f;
      }
      fold_of[g] = best;
      for (int m = gi.start[g]; m < gi.start[g + 1]; m++) {
        int i = gi.members[m];
        int label = g_array_index(ds->samples, PatinaSample, i).label;
        if (in[i] && label >= 0 && label < n_classes) {
          count[best * n_classes + label]++;
          total[best]++;
        }
      }
    }
  }
  group_index_clear(&gi);

  for (int i = 0; i < n; i++) {
    int g = g_array_index(ds->samples, PatinaSample, i).group;
    fold[i] = in[i] && g >= 0 ? fold_of[g] : -1;
  }
  for (int f = 0; f < k; f++)
    if (total[f] == 0) {
      int n_groups = 0;
      for (int g = 0; g < gi.n_groups; g++)
        n_groups += fold_of[g] >= 0;
      g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                  "%s: %d folds need at least %d distinct images; there are %d", ds->root, k, k,
                  n_groups);
      return FALSE;
    }
  return TRUE;
}

double patina_dataset_imbalance(const PatinaDataset *ds, const int *indices, int n_indices,
                                int *counts, int *largest, int *smallest)
{
  g_return_val_if_fail(ds != NULL, NAN);
  int n_classes = (int) ds->class_names->len;
  g_autofree int *own = g_new0(int, MAX(n_classes, 1));
  int n = indices ? n_indices : (int) ds->samples->len;
  for (int j = 0; j < n; j++) {
    int i = indices ? indices[j] : j;
    if (i < 0 || i >= (int) ds->samples->len)
      continue;
    int label = g_array_index(ds->samples, PatinaSample, i).label;
    if (label >= 0 && label < n_classes)
      own[label]++;
  }
  int lo = 0, hi = 0;
  for (int c = 1; c < n_classes; c++) {
    if (own[c] > own[hi])
      hi = c;
    if (own[c] < own[lo])
      lo = c;
  }
  if (counts)
    memcpy(counts, own, sizeof(int) * n_classes);
  if (largest)
    *largest = n_classes ? hi : -1;
  if (smallest)
    *smallest = n_classes ? lo : -1;
  if (n_classes == 0)
    return NAN;
  return own[lo] > 0 ? (double) own[hi] / own[lo] : INFINITY;
}
