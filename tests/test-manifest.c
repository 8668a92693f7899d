/* The data set manifest (patina-dataset.json), the three-way split, k-fold, imbalance, and
 * the bad input around them: strict field validation, paths outside the data folder, missing,
 * unreadable and symlinked files. The manifest layer does not decode images, so most "images"
 * here are a few distinct bytes each. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/dataset.h"
#include "data/datasource.h"
#include "data/demo.h"

#include "data/manifest.h"
#include "testutil.h"

static char *make_root(void)
{
  char *root = g_dir_make_tmp("patina-test-manifest-XXXXXX", NULL);
  g_assert_nonnull(root);
  return root;
}

static void put_file(const char *root, const char *rel, const char *content)
{
  g_autofree char *path = g_build_filename(root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname(path);
  g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
  g_assert_true(g_file_set_contents(path, content, -1, NULL));
}

static void put_class(const char *root, const char *klass, int n)
{
  for (int i = 0; i < n; i++) {
    g_autofree char *rel = g_strdup_printf("%s/img%03d.png", klass, i);
    g_autofree char *content = g_strdup_printf("%s image %d", klass, i);
    put_file(root, rel, content);
  }
}

static const PatinaSample *sample(const PatinaDataset *ds, int i)
{
  return &g_array_index(ds->samples, PatinaSample, i);
}

static PatinaManifestImage *image(const PatinaManifest *m, int i)
{
  return &g_array_index(m->images, PatinaManifestImage, i);
}

static int count_issues(GArray *issues, PatinaIssueKind kind, const char *path)
{
  int n = 0;
  for (guint i = 0; i < issues->len; i++) {
    const PatinaManifestIssue *issue = &g_array_index(issues, PatinaManifestIssue, i);
    g_test_message("issue: %s %s: %s", patina_issue_kind_name(issue->kind), issue->path,
                   issue->detail);
    if (issue->kind == kind && (path == NULL || strcmp(issue->path, path) == 0))
      n++;
  }
  return n;
}

/* ---- text ---- */

static PatinaManifest *sample_manifest(void)
{
  PatinaManifest *m = patina_manifest_new();
  g_ptr_array_add(m->classes, g_strdup("316L"));
  g_ptr_array_add(m->classes, g_strdup("AZ31B \"Mg\" µ"));
  m->has_split_info = TRUE;
  m->seed = 42;
  m->val_fraction = 0.15;
  m->test_fraction = 0.1;
  PatinaManifestImage a = {.path = g_strdup("316L/a.png"), .label = 0, .split = PATINA_SPLIT_TRAIN,
                           .crop_rows = -1, .sha256 = g_strnfill(64, 'a')};
  PatinaManifestImage b = {.path = g_strdup("AZ31B \"Mg\" µ/b\\c\t.tif"), .label = 1,
                           .split = PATINA_SPLIT_TEST, .excluded = TRUE,
                           .exclude_reason = g_strdup("charging artefact\nline 2 \x01"),
                           .crop_rows = 59, .pixel_size = 2.5e-9, .synthetic = TRUE,
                           .synthetic_source = g_strdup("gan.safetensors seed 7")};
  PatinaManifestImage c = {.path = g_strdup("316L/c.png"), .label = 0, .split = PATINA_SPLIT_VAL,
                           .crop_rows = 0, .pixel_size = 1.0 / 3.0 * 1e-6};
  g_array_append_val(m->images, a);
  g_array_append_val(m->images, b);
  g_array_append_val(m->images, c);
  return m;
}

static void assert_same_manifest(const PatinaManifest *x, const PatinaManifest *y)
{
  g_assert_cmpuint(x->classes->len, ==, y->classes->len);
  for (guint c = 0; c < x->classes->len; c++)
    g_assert_cmpstr(x->classes->pdata[c], ==, y->classes->pdata[c]);
  g_assert_cmpint(x->has_split_info, ==, y->has_split_info);
  g_assert_cmpuint(x->seed, ==, y->seed);
  g_assert_cmpfloat(x->val_fraction, ==, y->val_fraction);
  g_assert_cmpfloat(x->test_fraction, ==, y->test_fraction);
  g_assert_cmpuint(x->images->len, ==, y->images->len);
  for (guint i = 0; i < x->images->len; i++) {
    const PatinaManifestImage *a = image(x, i), *b = image(y, i);
    g_assert_cmpstr(a->path, ==, b->path);
    g_assert_cmpint(a->label, ==, b->label);
    g_assert_cmpint(a->split, ==, b->split);
    g_assert_cmpint(a->excluded, ==, b->excluded);
    g_assert_cmpstr(a->exclude_reason, ==, b->exclude_reason);
    g_assert_cmpint(a->crop_rows, ==, b->crop_rows);
    g_assert_cmpfloat(a->pixel_size, ==, b->pixel_size);
    g_assert_cmpint(a->synthetic, ==, b->synthetic);
    g_assert_cmpstr(a->synthetic_source, ==, b->synthetic_source);
    g_assert_cmpstr(a->sha256, ==, b->sha256);
  }
}

static void test_round_trip(void)
{
  g_autoptr(PatinaManifest) m = sample_manifest();
  gsize len;
  g_autofree char *text = patina_manifest_to_data(m, &len);
  g_test_message("%s", text);
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaManifest) back = patina_manifest_parse(text, len, "rt.json", &error);
  g_assert_no_error(error);
  assert_same_manifest(m, back);
  g_autofree char *again = patina_manifest_to_data(back, NULL);
  g_assert_cmpstr(text, ==, again);
  /* Readable numbers: the shortest that read back exactly. */
  g_assert_nonnull(strstr(text, "\"val\": 0.15,"));
  g_assert_nonnull(strstr(text, "\"pixel_size\": 2.5e-09"));

  /* Saved atomically: the file, nothing beside it, and loading gives it back. */
  g_autofree char *root = make_root();
  g_autofree char *path = patina_manifest_path_in(root);
  g_assert_true(patina_manifest_save(m, path, &error));
  g_assert_no_error(error);
  g_assert_true(patina_manifest_save(back, path, &error)); /* over an existing one */
  g_autoptr(GDir) d = g_dir_open(root, 0, NULL);
  g_assert_cmpstr(g_dir_read_name(d), ==, PATINA_MANIFEST_NAME);
  g_assert_null(g_dir_read_name(d));
  g_autoptr(PatinaManifest) loaded = patina_manifest_load(path, &error);
  g_assert_no_error(error);
  assert_same_manifest(m, loaded);

  /* Many images (the nesting check once miscounted and refused long manifests). */
  g_autoptr(PatinaManifest) many = sample_manifest();
  for (int i = 0; i < 2000; i++) {
    PatinaManifestImage im = {.path = g_strdup_printf("316L/many%04d.png", i), .label = i % 2,
                              .split = (PatinaSplit) (i % 3), .crop_rows = -1,
                              .sha256 = g_strnfill(64, 'f')};
    g_array_append_val(many->images, im);
  }
  g_autofree char *many_text = patina_manifest_to_data(many, &len);
  g_autoptr(PatinaManifest) many_back = patina_manifest_parse(many_text, len, "many", &error);
  g_assert_no_error(error);
  assert_same_manifest(many, many_back);

  /* Optional fields may be left out; a UTF-8 BOM is tolerated. */
  const char *minimal = "\xef\xbb\xbf{\"version\": 1, \"classes\": [\"a\", \"b\"], \"images\": "
                        "[{\"path\": \"a/x.png\", \"class\": \"b\", \"split\": \"val\"}]}";
  g_autoptr(PatinaManifest) min = patina_manifest_parse(minimal, strlen(minimal), "m", &error);
  g_assert_no_error(error);
  g_assert_cmpint(image(min, 0)->label, ==, 1);
  g_assert_cmpint(image(min, 0)->split, ==, PATINA_SPLIT_VAL);
  g_assert_cmpint(image(min, 0)->crop_rows, ==, -1);
  g_assert_cmpfloat(image(min, 0)->pixel_size, ==, 0.0);
  g_assert_false(image(min, 0)->excluded);
  g_assert_null(image(min, 0)->sha256);
  g_assert_false(min->has_split_info);
  test_remove_tree(root);
}

typedef struct {
  const char *json;
  const char *message; /* expected substring after "bad.json: " */
} BadCase;

#define HEAD "{\"version\": 1, \"classes\": [\"a\", \"b\"], \"images\": ["
#define IMG(extra) "{\"path\": \"a/x.png\", \"class\": \"a\", \"split\": \"train\"" extra "}"

static const BadCase bad_cases[] = {
  {"", "empty; expected a JSON object"},
  {" \n ", "empty; expected a JSON object"},
  {"{\"version\": 1,", "not valid JSON (line 1, column "},
  {"[1, 2]", "expected a JSON object with \"version\", \"classes\" and \"images\", got an array"},
  {"\"x\"", "got \"x\""},
  {"{\"classes\": [], \"images\": []}", "missing field \"version\" (expected 1)"},
  {"{\"version\": \"1\"}", "version: expected 1, got \"1\""},
  {"{\"version\": 1.0}", "version: expected 1, got 1.0"},
  {"{\"version\": 0}", "version: expected 1, got 0"},
  {"{\"version\": 2, \"whatever\": true}", "version: 2 was written by a newer Patina"},
  {"{\"version\": 1, \"images\": []}", "missing field \"classes\""},
  {"{\"version\": 1, \"classes\": \"a\", \"images\": []}",
   "classes: expected an array of class names, got \"a\""},
  {"{\"version\": 1, \"classes\": [\"a\"], \"images\": []}",
   "classes: expected at least two class names, got 1"},
  {"{\"version\": 1, \"classes\": [\"a\", 3], \"images\": []}",
   "classes[1]: expected a string, got 3"},
  {"{\"version\": 1, \"classes\": [\"a\", \"a\"], \"images\": []}",
   "classes[1]: \"a\" is listed twice"},
  {"{\"version\": 1, \"classes\": [\"a\", \"x/y\"], \"images\": []}",
   "classes[1]: expected a class (folder) name without \"/\""},
  {"{\"version\": 1, \"classes\": [\"a\", \"..\"], \"images\": []}", "classes[1]: expected"},
  {"{\"version\": 1, \"classes\": [\"a\", \"\"], \"images\": []}", "classes[1]: expected"},
  {"{\"version\": 1, \"classes\": [\"a\", \"\\ud800b\"], \"images\": []}",
   "classes[1]: expected a string of valid Unicode, got one with a lone surrogate escape"},
  {HEAD IMG(", \"exclude_reason\": \"x\\ud800x\"") "]}",
   "images[0].exclude_reason: expected a string of valid Unicode"},
  {"{\"version\": 1, \"classes\": [\"a\", \"b\"]}", "missing field \"images\""},
  {"{\"version\": 1, \"classes\": [\"a\", \"b\"], \"images\": {}}",
   "images: expected an array of images, got an object"},
  {"{\"version\": 1, \"classes\": [\"a\", \"b\"], \"images\": [], \"imgaes\": []}",
   "unknown field \"imgaes\" (expected version, classes, split, images)"},
  {HEAD "null]}", "images[0]: expected an object with \"path\", \"class\" and \"split\", got null"},
  {HEAD IMG("") ", {\"class\": \"a\", \"split\": \"train\"}]}",
   "images[1]: missing field \"path\""},
  {HEAD "{\"path\": \"a/x.png\", \"split\": \"train\"}]}", "images[0]: missing field \"class\""},
  {HEAD "{\"path\": \"a/x.png\", \"class\": \"a\"}]}", "images[0]: missing field \"split\""},
  {HEAD IMG(", \"exluded\": true") "]}", "images[0]: unknown field \"exluded\""},
  {HEAD "{\"path\": 7, \"class\": \"a\", \"split\": \"train\"}]}",
   "images[0].path: expected a string, got 7"},
  {HEAD "{\"path\": \"\", \"class\": \"a\", \"split\": \"train\"}]}",
   "images[0].path: expected a relative path"},
  {HEAD "{\"path\": \"../x.png\", \"class\": \"a\", \"split\": \"train\"}]}",
   "images[0].path: expected a path inside the data folder, without \".\" or \"..\" components: "
   "\"../x.png\""},
  {HEAD "{\"path\": \"a/../../x.png\", \"class\": \"a\", \"split\": \"train\"}]}",
   "images[0].path: expected a path inside the data folder"},
  {HEAD "{\"path\": \"./a/x.png\", \"class\": \"a\", \"split\": \"train\"}]}",
   "images[0].path: expected a path inside the data folder"},
  {HEAD "{\"path\": \"/etc/passwd\", \"class\": \"a\", \"split\": \"train\"}]}",
   "images[0].path: expected a path relative to the data folder, got an absolute path: "
   "\"/etc/passwd\""},
  {HEAD "{\"path\": \"C:\\\\x.png\", \"class\": \"a\", \"split\": \"train\"}]}",
   "images[0].path: expected a path relative to the data folder, got an absolute path"},
  {HEAD "{\"path\": \"a//x.png\", \"class\": \"a\", \"split\": \"train\"}]}",
   "images[0].path: expected a path without empty components"},
  {HEAD "{\"path\": \"a/\", \"class\": \"a\", \"split\": \"train\"}]}",
   "images[0].path: expected a path without empty components"},
  {HEAD IMG("") ", " IMG("") "]}", "images[1].path: \"a/x.png\" is listed twice (also at images[0])"},
  {HEAD "{\"path\": \"a/x.png\", \"class\": \"c\", \"split\": \"train\"}]}",
   "images[0].class: expected one of the names in \"classes\", got \"c\""},
  {HEAD "{\"path\": \"a/x.png\", \"class\": null, \"split\": \"train\"}]}",
   "images[0].class: expected a string, got null"},
  {HEAD "{\"path\": \"a/x.png\", \"class\": \"a\", \"split\": \"tset\"}]}",
   "images[0].split: expected \"train\", \"val\" or \"test\", got \"tset\""},
  {HEAD "{\"path\": \"a/x.png\", \"class\": \"a\", \"split\": 1}]}",
   "images[0].split: expected \"train\", \"val\" or \"test\", got 1"},
  {HEAD IMG(", \"excluded\": \"yes\"") "]}",
   "images[0].excluded: expected true or false, got \"yes\""},
  {HEAD IMG(", \"exclude_reason\": 5") "]}",
   "images[0].exclude_reason: expected a string or null, got 5"},
  {HEAD IMG(", \"crop_rows\": -3") "]}",
   "images[0].crop_rows: expected null (automatic) or a number of rows from 0 to 1048576, got -3"},
  {HEAD IMG(", \"crop_rows\": 12.5") "]}", "images[0].crop_rows: expected null (automatic)"},
  {HEAD IMG(", \"crop_rows\": \"auto\"") "]}", "images[0].crop_rows: expected null"},
  {HEAD IMG(", \"pixel_size\": 2.5") "]}",
   "images[0].pixel_size: expected null or metres per pixel from 1e-13 to 1e-3 (2.5 nm is "
   "2.5e-9), got 2.5"},
  {HEAD IMG(", \"pixel_size\": -1e-9") "]}", "images[0].pixel_size: expected null or metres"},
  {HEAD IMG(", \"pixel_size\": 0") "]}", "images[0].pixel_size: expected null or metres"},
  {HEAD IMG(", \"synthetic\": 1") "]}", "images[0].synthetic: expected true or false, got 1"},
  {HEAD IMG(", \"synthetic_source\": []") "]}",
   "images[0].synthetic_source: expected a string or null, got an array"},
  {HEAD IMG(", \"sha256\": \"abc\"") "]}",
   "images[0].sha256: expected null or 64 hexadecimal digits (SHA-256), got \"abc\""},
  {HEAD IMG(", \"sha256\": \"zz00000000000000000000000000000000000000000000000000000000000000\"")
   "]}", "images[0].sha256: expected null or 64 hexadecimal digits"},
  {"{\"version\": 1, \"classes\": [\"a\", \"b\"], \"split\": 3, \"images\": []}",
   "split: expected null or an object with \"seed\", \"val\" and \"test\", got 3"},
  {"{\"version\": 1, \"classes\": [\"a\", \"b\"], \"split\": {\"seed\": 0, \"val\": 0.1}, "
   "\"images\": []}",
   "split: missing field \"test\""},
  {"{\"version\": 1, \"classes\": [\"a\", \"b\"], \"split\": {\"seed\": -1, \"val\": 0.1, "
   "\"test\": 0.1}, \"images\": []}",
   "split.seed: expected an integer from 0 to"},
  {"{\"version\": 1, \"classes\": [\"a\", \"b\"], \"split\": {\"seed\": 0, \"val\": 1.5, "
   "\"test\": 0.1}, \"images\": []}",
   "split.val: expected a fraction from 0 to 1, got 1.5"},
  {"{\"version\": 1, \"classes\": [\"a\", \"b\"], \"split\": {\"seed\": 0, \"val\": 0.6, "
   "\"test\": 0.4}, \"images\": []}",
   "split: val + test must be below 1"},
  {"{\"version\": 1, \"classes\": [\"a\", \"b\"], \"split\": {\"seed\": 0, \"val\": 0.1, "
   "\"test\": 0.1, \"k\": 5}, \"images\": []}",
   "split: unknown field \"k\""},
};

static void test_strict_validation(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
    g_autoptr(GError) error = NULL;
    const char *json = bad_cases[i].json;
    g_autoptr(PatinaManifest) m = patina_manifest_parse(json, strlen(json), "bad.json", &error);
    g_test_message("case %u: %s -> %s", i, json, error ? error->message : "(accepted)");
    g_assert_null(m);
    g_assert_nonnull(error);
    g_assert_true(g_str_has_prefix(error->message, "bad.json: "));
    if (strstr(error->message, bad_cases[i].message) == NULL)
      g_error("case %u: message \"%s\" does not say \"%s\"", i, error->message,
              bad_cases[i].message);
  }
}

static void test_bad_bytes(void)
{
  g_autoptr(GError) error = NULL;
  /* Invalid UTF-8, an embedded NUL, deep nesting: refused before json-glib sees them. */
  const char latin1[] = "{\"version\": 1, \"classes\": [\"caf\xe9\", \"b\"], \"images\": []}";
  g_assert_null(patina_manifest_parse(latin1, sizeof latin1 - 1, "m.json", &error));
  g_assert_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_PARSE);
  g_assert_nonnull(strstr(error->message, "m.json: not valid UTF-8 (byte 31)"));
  g_clear_error(&error);

  const char nul[] = "{\"version\": 1, \"classes\": [\"a\", \"b\"], \"images\": []}\0trailing";
  g_assert_null(patina_manifest_parse(nul, sizeof nul - 1, "m.json", &error));
  g_assert_nonnull(error);
  g_clear_error(&error);

  GString *deep = g_string_new("{\"version\": 1, \"x\": ");
  for (int i = 0; i < 100000; i++)
    g_string_append_c(deep, '[');
  g_assert_null(patina_manifest_parse(deep->str, deep->len, "m.json", &error));
  g_assert_nonnull(strstr(error->message, "nested more than"));
  g_clear_error(&error);
  g_string_free(deep, TRUE);

  /* Load: not a file, missing, too large by its size. */
  g_autofree char *root = make_root();
  g_assert_null(patina_manifest_load(root, &error));
  g_assert_nonnull(strstr(error->message, "not a regular file"));
  g_clear_error(&error);
  g_autofree char *nowhere = g_build_filename(root, "none.json", NULL);
  g_assert_null(patina_manifest_load(nowhere, &error));
  g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull(strstr(error->message, nowhere));
  g_clear_error(&error);
  g_autofree char *big = g_build_filename(root, "big.json", NULL);
  FILE *f = fopen(big, "wb");
  g_assert_nonnull(f);
  g_assert_cmpint(fseek(f, (long) PATINA_MANIFEST_MAX_BYTES + 1, SEEK_SET), ==, 0);
  fputc(' ', f);
  fclose(f);
  g_assert_null(patina_manifest_load(big, &error));
  g_assert_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_PARSE);
  g_assert_nonnull(strstr(error->message, "a manifest is at most 256 MiB"));
  test_remove_tree(root);
}

/* ---- the folder ---- */

static PatinaManifest *init_manifest(const char *root, double val, double test, guint64 seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds =
      patina_dataset_open_full(root, PATINA_DATASET_OPEN_CONTAINED, NULL, &error);
  g_assert_no_error(error);
  PatinaManifest *m = patina_manifest_create(ds, val, test, seed, &error);
  g_assert_no_error(error);
  return m;
}

static void test_create(void)
{
  g_autofree char *root = make_root();
  put_class(root, "a", 20);
  put_class(root, "b", 10);
  put_file(root, "b/dup1.png", "duplicate");
  put_file(root, "b/dup2.png", "duplicate");
  g_autoptr(PatinaManifest) m = init_manifest(root, 0.2, 0.2, 7);
  g_assert_cmpuint(m->images->len, ==, 32);
  g_assert_cmpstr(image(m, 0)->path, ==, "a/img000.png");
  g_autofree char *expect = g_compute_checksum_for_string(G_CHECKSUM_SHA256, "a image 0", -1);
  g_assert_cmpstr(image(m, 0)->sha256, ==, expect);
  int per[2][PATINA_N_SPLITS] = {{0}};
  for (guint i = 0; i < m->images->len; i++)
    per[image(m, i)->label][image(m, i)->split]++;
  g_assert_cmpint(per[0][PATINA_SPLIT_TEST], ==, 4);
  g_assert_cmpint(per[0][PATINA_SPLIT_VAL], ==, 4);
  g_assert_cmpint(per[0][PATINA_SPLIT_TRAIN], ==, 12);
  g_assert_cmpint(per[1][PATINA_SPLIT_TEST] + per[1][PATINA_SPLIT_VAL], >=, 4);
  g_assert_cmpint(per[1][PATINA_SPLIT_TEST] + per[1][PATINA_SPLIT_VAL], <=, 6);
  int d1 = patina_manifest_find(m, "b/dup1.png"), d2 = patina_manifest_find(m, "b/dup2.png");
  g_assert_cmpint(image(m, d1)->split, ==, image(m, d2)->split);

  /* Fractions must leave something to train on. */
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds = patina_dataset_open(root, &error);
  g_assert_null(patina_manifest_create(ds, 0.5, 0.5, 0, &error));
  g_assert_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_INVALID);

  /* The manifest's data set: its classes, its splits, no issues. */
  g_clear_error(&error);
  GArray *splits[PATINA_N_SPLITS];
  for (int s = 0; s < PATINA_N_SPLITS; s++)
    splits[s] = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) issues = patina_manifest_issues_new();
  image(m, 5)->excluded = TRUE;
  g_autoptr(PatinaDataset) mds = patina_manifest_open_dataset(m, root, splits, issues, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(issues->len, ==, 0);
  g_assert_cmpuint(mds->samples->len, ==, 31);
  g_assert_cmpuint(splits[0]->len + splits[1]->len + splits[2]->len, ==, 31);
  g_assert_cmpint(mds->n_duplicate_groups, ==, 1);
  for (int s = 0; s < PATINA_N_SPLITS; s++)
    for (guint k = 0; k < splits[s]->len; k++) {
      int i = g_array_index(splits[s], int, k);
      int mi = i < 5 ? i : i + 1; /* image 5 is excluded */
      g_assert_cmpint(image(m, mi)->split, ==, s);
      g_assert_cmpint(sample(mds, i)->label, ==, image(m, mi)->label);
      g_autofree char *full = g_build_filename(root, image(m, mi)->path, NULL);
      g_assert_cmpstr(sample(mds, i)->path, ==, full);
    }
  patina_manifest_find_straddles(mds, splits, issues);
  g_assert_cmpuint(issues->len, ==, 0);

  /* Moving one of the pair to another split is reported. */
  image(m, d2)->split = (image(m, d1)->split + 1) % PATINA_N_SPLITS;
  g_autoptr(PatinaDataset) mds2 = patina_manifest_open_dataset(m, root, splits, issues, &error);
  g_assert_no_error(error);
  patina_manifest_find_straddles(mds2, splits, issues);
  g_assert_cmpint(count_issues(issues, PATINA_ISSUE_STRADDLE, "b/dup2.png"), ==, 1);
  for (int s = 0; s < PATINA_N_SPLITS; s++)
    g_array_unref(splits[s]);
  test_remove_tree(root);
}

static void test_split_deterministic(void)
{
  g_autofree char *root = make_root();
  put_class(root, "a", 30);
  put_class(root, "b", 17);
  put_class(root, "c", 5);
  g_autoptr(PatinaManifest) m1 = init_manifest(root, 0.15, 0.15, 3);
  g_autoptr(PatinaManifest) m2 = init_manifest(root, 0.15, 0.15, 3);
  g_autoptr(PatinaManifest) m3 = init_manifest(root, 0.15, 0.15, 4);
  g_autofree char *t1 = patina_manifest_to_data(m1, NULL);
  g_autofree char *t2 = patina_manifest_to_data(m2, NULL);
  g_autofree char *t3 = patina_manifest_to_data(m3, NULL);
  g_assert_cmpstr(t1, ==, t2);
  g_assert_cmpstr(t1, !=, t3);

  /* Without a test part, the manifest's split is train's --val-fraction split. */
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds = patina_dataset_open(root, &error);
  g_assert_no_error(error);
  g_autoptr(GArray) tr = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) ho = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) tr3 = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) va3 = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) te3 = g_array_new(FALSE, FALSE, sizeof(int));
  for (guint64 seed = 0; seed < 5; seed++) {
    patina_dataset_split(ds, 0.2, seed, tr, ho);
    patina_dataset_split3(ds, 0.2, 0.0, seed, tr3, va3, te3);
    g_assert_cmpuint(te3->len, ==, 0);
    g_assert_cmpmem(tr->data, tr->len * sizeof(int), tr3->data, tr3->len * sizeof(int));
    g_assert_cmpmem(ho->data, ho->len * sizeof(int), va3->data, va3->len * sizeof(int));
  }
  test_remove_tree(root);
}

/* Three-way splits keep byte-identical files together, whatever the seed. */
static void test_split_groups(void)
{
  g_autofree char *root = make_root();
  for (int i = 0; i < 24; i++) {
    g_autofree char *rel = g_strdup_printf("%s/f%02d.png", i % 2 ? "x" : "y", i);
    g_autofree char *content = g_strdup_printf("content %d", i % 9); /* groups of 2-3 */
    put_file(root, rel, content);
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds = patina_dataset_open(root, &error);
  g_assert_no_error(error);
  g_assert_cmpint(ds->n_duplicate_groups, ==, 9);
  GArray *parts[3];
  for (int s = 0; s < 3; s++)
    parts[s] = g_array_new(FALSE, FALSE, sizeof(int));
  int n = (int) ds->samples->len;
  g_autofree int *side = g_new(int, n);
  for (guint64 seed = 0; seed < 20; seed++) {
    patina_dataset_split3(ds, 0.25, 0.25, seed, parts[0], parts[1], parts[2]);
    for (int i = 0; i < n; i++)
      side[i] = -1;
    for (int s = 0; s < 3; s++)
      for (guint k = 0; k < parts[s]->len; k++) {
        int i = g_array_index(parts[s], int, k);
        g_assert_cmpint(side[i], ==, -1);
        side[i] = s;
      }
    for (int i = 0; i < n; i++) {
      g_assert_cmpint(side[i], >=, 0);
      for (int j = i + 1; j < n; j++)
        if (sample(ds, i)->group == sample(ds, j)->group)
          g_assert_cmpint(side[i], ==, side[j]);
    }
    g_assert_cmpuint(parts[0]->len, >, 0);
  }
  for (int s = 0; s < 3; s++)
    g_array_unref(parts[s]);
  test_remove_tree(root);
}

static void test_kfold(void)
{
  g_autofree char *root = make_root();
  put_class(root, "a", 23);
  put_class(root, "b", 11);
  put_class(root, "c", 3);
  put_file(root, "a/dup1.png", "dup");
  put_file(root, "a/dup2.png", "dup");
  put_file(root, "b/dup3.png", "dup"); /* across classes */
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds = patina_dataset_open(root, &error);
  g_assert_no_error(error);
  int n = (int) ds->samples->len;
  const int k = 5;
  g_autofree int *fold = g_new(int, n), *again = g_new(int, n), *other = g_new(int, n);
  g_assert_true(patina_dataset_kfold(ds, NULL, 0, k, 11, fold, &error));
  g_assert_no_error(error);
  g_assert_true(patina_dataset_kfold(ds, NULL, 0, k, 11, again, &error));
  g_assert_cmpmem(fold, n * sizeof(int), again, n * sizeof(int));
  g_assert_true(patina_dataset_kfold(ds, NULL, 0, k, 12, other, &error));
  g_assert_true(memcmp(fold, other, n * sizeof(int)) != 0);

  /* Every sample in exactly one validation fold; groups never straddle; each class spread
   * as evenly as its distinct images allow (the duplicate triple counts as one unit). */
  int per[5][3] = {{0}};
  for (int i = 0; i < n; i++) {
    g_assert_cmpint(fold[i], >=, 0);
    g_assert_cmpint(fold[i], <, k);
    per[fold[i]][sample(ds, i)->label]++;
    for (int j = 0; j < n; j++)
      if (sample(ds, i)->group == sample(ds, j)->group)
        g_assert_cmpint(fold[i], ==, fold[j]);
  }
  int total[5] = {0};
  for (int c = 0; c < 3; c++) {
    int lo = G_MAXINT, hi = 0;
    for (int f = 0; f < k; f++) {
      lo = MIN(lo, per[f][c]);
      hi = MAX(hi, per[f][c]);
      total[f] += per[f][c];
    }
    g_test_message("class %d: folds hold %d to %d", c, lo, hi);
    g_assert_cmpint(hi - lo, <=, c == 0 ? 2 : 1);
  }
  for (int f = 0; f < k; f++)
    g_assert_cmpint(total[f], >, 0);

  /* Folds of a subset (a manifest's train + val): the others get -1. */
  g_autoptr(GArray) sub = g_array_new(FALSE, FALSE, sizeof(int));
  for (int i = 0; i < n; i += 2)
    g_array_append_val(sub, i);
  g_assert_true(patina_dataset_kfold(ds, (int *) sub->data, (int) sub->len, 3, 0, fold, &error));
  for (int i = 0; i < n; i++)
    g_assert_cmpint(fold[i] >= 0, ==, i % 2 == 0);

  g_assert_false(patina_dataset_kfold(ds, NULL, 0, 1, 0, fold, &error));
  g_assert_nonnull(strstr(error->message, "at least 2 folds"));
  g_clear_error(&error);
  g_assert_false(patina_dataset_kfold(ds, NULL, 0, 100, 0, fold, &error));
  g_assert_nonnull(strstr(error->message, "100 folds need at least 100 distinct images"));
  test_remove_tree(root);
}

static void test_imbalance(void)
{
  g_autofree char *root = make_root();
  put_class(root, "a", 12);
  put_class(root, "b", 3);
  put_class(root, "c", 6);
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds = patina_dataset_open(root, &error);
  g_assert_no_error(error);
  int counts[3], hi, lo;
  double r = patina_dataset_imbalance(ds, NULL, 0, counts, &hi, &lo);
  g_assert_cmpfloat(r, ==, 4.0);
  g_assert_cmpint(hi, ==, 0);
  g_assert_cmpint(lo, ==, 1);
  g_assert_cmpint(counts[2], ==, 6);
  int only_a[] = {0, 1, 2};
  g_assert_true(isinf(patina_dataset_imbalance(ds, only_a, 3, NULL, NULL, NULL)));
  test_remove_tree(root);
}

static char *run_cli(int *status, ...) G_GNUC_NULL_TERMINATED;

/* ---- bad input around the folder ---- */

static void test_missing_and_new(void)
{
  g_autofree char *root = make_root();
  put_class(root, "a", 4);
  put_class(root, "b", 4);
  g_autoptr(PatinaManifest) m = init_manifest(root, 0.25, 0.0, 0);
  g_autofree char *gone = g_build_filename(root, "a", "img001.png", NULL);
  g_assert_cmpint(g_remove(gone), ==, 0);
  put_file(root, "b/new.png", "new");
  put_file(root, "c/first.png", "a new class");
  put_file(root, "a/img002.png", "changed content");

  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) issues = patina_manifest_issues_new();
  g_assert_true(patina_manifest_reconcile(m, root, PATINA_RECONCILE_VERIFY_HASHES, issues,
                                          &error));
  g_assert_no_error(error);
  g_assert_cmpint(count_issues(issues, PATINA_ISSUE_MISSING, "a/img001.png"), ==, 1);
  g_assert_cmpint(count_issues(issues, PATINA_ISSUE_NEW, "b/new.png"), ==, 1);
  g_assert_cmpint(count_issues(issues, PATINA_ISSUE_NEW, "c/first.png"), ==, 1);
  g_assert_cmpint(count_issues(issues, PATINA_ISSUE_CHANGED, "a/img002.png"), ==, 1);
  g_assert_cmpuint(issues->len, ==, 4);
  g_assert_cmpuint(m->images->len, ==, 8); /* only reported */

  /* The manifest's data set skips the missing file and names it. */
  g_array_set_size(issues, 0);
  g_autoptr(PatinaDataset) ds = patina_manifest_open_dataset(m, root, NULL, issues, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ds->samples->len, ==, 7);
  g_assert_cmpint(count_issues(issues, PATINA_ISSUE_MISSING, "a/img001.png"), ==, 1);

  /* Updating adds the new files to train (and the new class), drops the missing one. */
  g_array_set_size(issues, 0);
  g_assert_true(patina_manifest_reconcile(m, root,
                                          PATINA_RECONCILE_ADD_NEW | PATINA_RECONCILE_DROP_MISSING |
                                              PATINA_RECONCILE_UPDATE_HASHES,
                                          issues, &error));
  g_assert_cmpuint(m->images->len, ==, 9);
  g_assert_cmpint(patina_manifest_find(m, "a/img001.png"), ==, -1);
  int k = patina_manifest_find(m, "c/first.png");
  g_assert_cmpint(k, >=, 0);
  g_assert_cmpint(image(m, k)->split, ==, PATINA_SPLIT_TRAIN);
  g_assert_cmpstr(m->classes->pdata[image(m, k)->label], ==, "c");
  g_assert_nonnull(image(m, k)->sha256);
  g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, "changed content", -1);
  g_assert_cmpstr(image(m, patina_manifest_find(m, "a/img002.png"))->sha256, ==, sum);
  g_array_set_size(issues, 0);
  g_assert_true(patina_manifest_reconcile(m, root, PATINA_RECONCILE_VERIFY_HASHES, issues,
                                          &error));
  g_assert_cmpuint(issues->len, ==, 0);

  /* A manifest whose every image is gone is an error naming the folder. */
  for (guint i = 0; i < m->images->len; i++)
    image(m, i)->excluded = TRUE;
  g_autoptr(PatinaDataset) none = patina_manifest_open_dataset(m, root, NULL, NULL, &error);
  g_assert_null(none);
  g_assert_nonnull(strstr(error->message, "names no image that can be used"));
  test_remove_tree(root);
}

/* A file that lies outside root, at the test's own temporary folder. */
static char *outside_file(void)
{
  g_autofree char *dir = make_root();
  char *path = g_build_filename(dir, "secret.png", NULL);
  g_assert_true(g_file_set_contents(path, "outside bytes", -1, NULL));
  return path;
}

static void test_outside(void)
{
  g_autofree char *root = make_root();
  put_class(root, "a", 3);
  put_class(root, "b", 3);
  g_autofree char *secret = outside_file();
  g_autofree char *secret_dir = g_path_get_dirname(secret);
  g_autofree char *link = g_build_filename(root, "a", "link.png", NULL);
  g_assert_cmpint(symlink(secret, link), ==, 0);
  g_autofree char *dir_link = g_build_filename(root, "elsewhere", NULL);
  g_assert_cmpint(symlink(secret_dir, dir_link), ==, 0); /* a class folder outside */
  /* Symlinks that stay inside are fine. */
  g_autofree char *inner = g_build_filename(root, "b", "inner.png", NULL);
  g_assert_cmpint(symlink("../a/img000.png", inner), ==, 0);

  g_autoptr(GError) error = NULL;
  g_autofree char *r = patina_manifest_resolve(root, "a/link.png", &error);
  g_assert_null(r);
  g_assert_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_OUTSIDE);
  g_assert_nonnull(strstr(error->message, "outside the data folder"));
  g_clear_error(&error);
  g_assert_null(patina_manifest_resolve(root, "elsewhere/secret.png", &error));
  g_assert_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_OUTSIDE);
  g_clear_error(&error);
  g_assert_null(patina_manifest_resolve(root, "../x.png", &error));
  g_assert_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_OUTSIDE);
  g_clear_error(&error);
  g_assert_null(patina_manifest_resolve(root, "/etc/passwd", &error));
  g_assert_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_OUTSIDE);
  g_clear_error(&error);
  g_assert_null(patina_manifest_resolve(root, "a", &error)); /* a folder */
  g_assert_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_MISSING);
  g_clear_error(&error);
  g_autofree char *ok = patina_manifest_resolve(root, "b/inner.png", &error);
  g_assert_no_error(error);
  g_assert_nonnull(ok);

  /* Init leaves them out and says so; the data set never reads them. */
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(PatinaDataset) ds =
      patina_dataset_open_full(root, PATINA_DATASET_OPEN_CONTAINED, skipped, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(skipped->len, ==, 2);
  g_assert_cmpuint(ds->class_names->len, ==, 2);
  g_assert_cmpuint(ds->samples->len, ==, 7);
  g_autoptr(PatinaManifest) m = patina_manifest_create(ds, 0.0, 0.0, 0, &error);
  g_assert_no_error(error);
  g_assert_cmpint(patina_manifest_find(m, "a/link.png"), ==, -1);
  g_assert_cmpint(patina_manifest_find(m, "b/inner.png"), >=, 0);

  g_autoptr(GArray) issues = patina_manifest_issues_new();
  g_assert_true(patina_manifest_reconcile(m, root, PATINA_RECONCILE_VERIFY_HASHES, issues,
                                          &error));
  g_assert_cmpint(count_issues(issues, PATINA_ISSUE_OUTSIDE, "a/link.png"), ==, 1);
  g_assert_cmpint(count_issues(issues, PATINA_ISSUE_OUTSIDE, "elsewhere"), ==, 1);
  g_assert_cmpuint(issues->len, ==, 2);

  /* A manifest edited to name it anyway: the file is skipped and reported, never read. */
  PatinaManifestImage im = {.path = g_strdup("a/link.png"), .label = 0, .crop_rows = -1};
  g_array_append_val(m->images, im);
  g_array_set_size(issues, 0);
  g_autoptr(PatinaDataset) mds = patina_manifest_open_dataset(m, root, NULL, issues, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(mds->samples->len, ==, 7);
  g_assert_cmpint(count_issues(issues, PATINA_ISSUE_OUTSIDE, "a/link.png"), ==, 1);
  for (guint i = 0; i < mds->samples->len; i++)
    g_assert_true(g_str_has_prefix(sample(mds, i)->path, root));

  /* And a manifest file whose text names "../x.png" or "/etc/passwd" does not load at all. */
  const char *texts[] = {
    HEAD "{\"path\": \"../secret.png\", \"class\": \"a\", \"split\": \"train\"}]}",
    HEAD "{\"path\": \"/etc/passwd\", \"class\": \"a\", \"split\": \"train\"}]}",
  };
  for (guint t = 0; t < G_N_ELEMENTS(texts); t++) {
    g_autofree char *path = patina_manifest_path_in(root);
    g_assert_true(g_file_set_contents(path, texts[t], -1, NULL));
    g_autoptr(PatinaManifest) bad = patina_manifest_load(path, &error);
    g_assert_null(bad);
    g_assert_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, path));
    g_assert_nonnull(strstr(error->message, "images[0].path"));
    g_clear_error(&error);
  }
  test_remove_tree(root);
  test_remove_tree(secret_dir);
}

static void test_symlink_loop(void)
{
  g_autofree char *root = make_root();
  put_class(root, "a", 3);
  put_class(root, "b", 3);
  g_autofree char *loop = g_build_filename(root, "a", "loop", NULL);
  g_assert_cmpint(symlink("..", loop), ==, 0);
  g_autofree char *self = g_build_filename(root, "b", "self.png", NULL);
  g_assert_cmpint(symlink("self.png", self), ==, 0);
  g_autofree char *ping = g_build_filename(root, "ping", NULL), *pong = NULL;
  pong = g_build_filename(root, "pong", NULL);
  g_assert_cmpint(symlink("pong", ping), ==, 0);
  g_assert_cmpint(symlink("ping", pong), ==, 0);

  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds =
      patina_dataset_open_full(root, PATINA_DATASET_OPEN_CONTAINED, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ds->samples->len, ==, 6);
  g_autoptr(PatinaManifest) m = patina_manifest_create(ds, 0.0, 0.0, 0, &error);
  g_assert_no_error(error);

  /* Names that go through the loops resolve to a file inside, or fail, without hanging. */
  g_autofree char *via = patina_manifest_resolve(root, "a/loop/a/loop/b/img000.png", &error);
  g_assert_no_error(error);
  g_assert_null(patina_manifest_resolve(root, "b/self.png", &error));
  g_assert_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_OUTSIDE);
  g_clear_error(&error);
  g_assert_null(patina_manifest_resolve(root, "ping/x.png", &error));
  g_assert_nonnull(error);
  g_clear_error(&error);

  PatinaManifestImage im = {.path = g_strdup("b/self.png"), .label = 1, .crop_rows = -1};
  g_array_append_val(m->images, im);
  g_autoptr(GArray) issues = patina_manifest_issues_new();
  g_assert_true(patina_manifest_reconcile(m, root, PATINA_RECONCILE_VERIFY_HASHES, issues,
                                          &error));
  g_assert_cmpint(count_issues(issues, PATINA_ISSUE_OUTSIDE, "b/self.png"), ==, 1);
  test_remove_tree(root);
}

static void test_unreadable(void)
{
  g_autofree char *root = make_root();
  put_class(root, "a", 3);
  put_class(root, "b", 3);
  g_autoptr(PatinaManifest) m = init_manifest(root, 0.0, 0.0, 0);
  g_autofree char *locked = g_build_filename(root, "b", "img001.png", NULL);
  g_assert_cmpint(g_chmod(locked, 0), ==, 0);
  if (g_access(locked, R_OK) == 0) {
    g_test_skip("permissions are not enforced for this user (root?)");
    test_remove_tree(root);
    return;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) issues = patina_manifest_issues_new();
  g_autoptr(PatinaDataset) ds = patina_manifest_open_dataset(m, root, NULL, issues, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ds->samples->len, ==, 5);
  g_assert_cmpint(count_issues(issues, PATINA_ISSUE_UNREADABLE, "b/img001.png"), ==, 1);
  g_array_set_size(issues, 0);
  g_assert_true(patina_manifest_reconcile(m, root, PATINA_RECONCILE_VERIFY_HASHES, issues,
                                          &error));
  g_assert_cmpint(count_issues(issues, PATINA_ISSUE_UNREADABLE, "b/img001.png"), ==, 1);
  test_remove_tree(root);
}

static void test_xsdd(void)
{
  const char *src = g_getenv("PATINA_SOURCE_DIR");
  g_autofree char *dir = g_build_filename(src ? src : ".", "..", "shared", "datasets", "x-sdd",
                                          NULL);
  if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
    g_test_skip("X-SDD data set not present");
    return;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds =
      patina_dataset_open_full(dir, PATINA_DATASET_OPEN_CONTAINED, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpint(ds->n_duplicate_groups, ==, 9);
  g_autoptr(PatinaManifest) m = patina_manifest_create(ds, 0.15, 0.15, 0, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(m->images->len, ==, 1360);
  /* PROVENANCE.txt: 2078=2082, ..., 2209=2214, all red_iron. */
  const int pairs[9][2] = {{2078, 2082}, {2079, 2083}, {2080, 2084}, {2081, 2085}, {2205, 2210},
                           {2206, 2211}, {2207, 2212}, {2208, 2213}, {2209, 2214}};
  for (int p = 0; p < 9; p++) {
    g_autofree char *a = g_strdup_printf("red_iron/%d.jpg", pairs[p][0]);
    g_autofree char *b = g_strdup_printf("red_iron/%d.jpg", pairs[p][1]);
    int ia = patina_manifest_find(m, a), ib = patina_manifest_find(m, b);
    g_assert_cmpint(ia, >=, 0);
    g_assert_cmpint(ib, >=, 0);
    g_assert_cmpstr(image(m, ia)->sha256, ==, image(m, ib)->sha256);
    g_assert_cmpint(image(m, ia)->split, ==, image(m, ib)->split);
  }
  GArray *splits[PATINA_N_SPLITS];
  for (int s = 0; s < PATINA_N_SPLITS; s++)
    splits[s] = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) issues = patina_manifest_issues_new();
  g_autoptr(PatinaDataset) mds = patina_manifest_open_dataset(m, dir, splits, issues, &error);
  g_assert_no_error(error);
  g_assert_cmpint(mds->n_duplicate_groups, ==, 9);
  patina_manifest_find_straddles(mds, splits, issues);
  g_assert_cmpuint(issues->len, ==, 0);
  /* 15 % of each class in test and in val. */
  const int counts[] = {203, 122, 63, 203, 397, 238, 134};
  for (int c = 0; c < 7; c++) {
    int n_test = 0, n_val = 0;
    for (guint k = 0; k < splits[2]->len; k++)
      n_test += sample(mds, g_array_index(splits[2], int, k))->label == c;
    for (guint k = 0; k < splits[1]->len; k++)
      n_val += sample(mds, g_array_index(splits[1], int, k))->label == c;
    g_assert_cmpint(abs(n_test - (int) lround(0.15 * counts[c])), <=, 1);
    g_assert_cmpint(abs(n_val - (int) lround(0.15 * counts[c])), <=, 1);
  }
  int hi, lo;
  double ratio = patina_dataset_imbalance(mds, NULL, 0, NULL, &hi, &lo);
  g_assert_cmpfloat_with_epsilon(ratio, 397.0 / 63.0, 1e-9);
  g_assert_cmpstr(mds->class_names->pdata[hi], ==, "red_iron");
  g_assert_cmpstr(mds->class_names->pdata[lo], ==, "oxide_scale_of_plate_system");
  for (int s = 0; s < PATINA_N_SPLITS; s++)
    g_array_unref(splits[s]);

  /* patina-cli dataset check reports the nine pairs (without decoding, to stay quick). */
  const char *build = g_getenv("PATINA_BUILD_DIR");
  g_autofree char *exe = g_build_filename(build ? build : ".", "src", "cli", "patina-cli", NULL);
  if (g_file_test(exe, G_FILE_TEST_IS_EXECUTABLE)) {
    int rc;
    g_autofree char *out = run_cli(&rc, "dataset", "check", dir, "--no-near-duplicates", NULL);
    g_assert_cmpint(rc, ==, 0);
    g_assert_nonnull(strstr(out, "byte-identical: 9 groups"));
    g_assert_nonnull(strstr(out, "  red_iron/2209.jpg red_iron/2214.jpg\n"));
    g_assert_nonnull(strstr(out, "imbalance: 6.30 (largest red_iron 397 / smallest "
                                 "oxide_scale_of_plate_system 63)"));
  }
}

/* ---- patina-cli dataset, train --folds, evaluate --split ---- */

/* Runs patina-cli with the NULL-terminated arguments; returns its output (stdout then stderr)
 * and exit status. */
static char *run_cli(int *status, ...)
{
  const char *build = g_getenv("PATINA_BUILD_DIR");
  g_autofree char *exe = g_build_filename(build ? build : ".", "src", "cli", "patina-cli", NULL);
  g_autoptr(GPtrArray) args = g_ptr_array_new();
  g_ptr_array_add(args, exe);
  va_list ap;
  va_start(ap, status);
  const char *a;
  while ((a = va_arg(ap, const char *)) != NULL)
    g_ptr_array_add(args, (gpointer) a);
  va_end(ap);
  g_ptr_array_add(args, NULL);
  g_autofree char *out = NULL, *err = NULL;
  int wait_status;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_spawn_sync(NULL, (char **) args->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                             &err, &wait_status, &error));
  g_assert_no_error(error);
  g_assert_true(WIFEXITED(wait_status));
  *status = WEXITSTATUS(wait_status);
  char *all = g_strconcat(out, err, NULL);
  g_test_message("patina-cli %s -> %d\n%s", (char *) args->pdata[1], *status, all);
  return all;
}

static void test_cli(void)
{
  const char *build = g_getenv("PATINA_BUILD_DIR");
  g_autofree char *exe = g_build_filename(build ? build : ".", "src", "cli", "patina-cli", NULL);
  if (!g_file_test(exe, G_FILE_TEST_IS_EXECUTABLE)) {
    g_test_skip("patina-cli not built (PATINA_BUILD_DIR)");
    return;
  }
  g_autofree char *root = make_root();
  g_autofree char *data = g_build_filename(root, "data", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_demo_generate(data, 6, 3, &error));
  int rc;
  g_autofree char *o1 = run_cli(&rc, "dataset", "check", data, NULL);
  g_assert_cmpint(rc, ==, 0);
  g_assert_nonnull(strstr(o1, "12 images in 2 classes (no manifest"));
  g_assert_nonnull(strstr(o1, "imbalance: 1.00"));
  g_assert_nonnull(strstr(o1, "near-duplicates (perceptual hash within 8 of 64 bits): 0 pairs"));

  g_autofree char *o2 = run_cli(&rc, "dataset", "init", data, "--val", "0.34", "--test", "0.34",
                                "--seed", "5", NULL);
  g_assert_cmpint(rc, ==, 0);
  g_assert_nonnull(strstr(o2, "12 images in 2 classes; train 4, val 4, test 4 (seed 5)"));
  g_autofree char *o3 = run_cli(&rc, "dataset", "init", data, NULL);
  g_assert_cmpint(rc, ==, 1);
  g_assert_nonnull(strstr(o3, "exists"));
  g_autofree char *o4 = run_cli(&rc, "dataset", "init", data, "--val", "0.5", "--test", "0.5",
                                NULL);
  g_assert_cmpint(rc, ==, 2);

  /* A copy of a test image added later lands in train: update adds it, check calls it a leak. */
  g_autofree char *mpath = patina_manifest_path_in(data);
  g_autoptr(PatinaManifest) m = patina_manifest_load(mpath, &error);
  g_assert_no_error(error);
  const char *test_image = NULL;
  for (guint i = 0; i < m->images->len && !test_image; i++)
    if (image(m, i)->split == PATINA_SPLIT_TEST)
      test_image = image(m, i)->path;
  g_assert_nonnull(test_image);
  g_autofree char *src = g_build_filename(data, test_image, NULL);
  g_autofree char *dir = g_path_get_dirname(src);
  g_autofree char *copy = g_build_filename(dir, "copy.png", NULL);
  g_autofree char *bytes = NULL;
  gsize len;
  g_assert_true(g_file_get_contents(src, &bytes, &len, NULL));
  g_assert_true(g_file_set_contents(copy, bytes, (gssize) len, NULL));
  g_autofree char *o5 = run_cli(&rc, "dataset", "check", data, NULL);
  g_assert_cmpint(rc, ==, 0);
  g_assert_nonnull(strstr(o5, "(and 1 new images not in the manifest"));
  g_autofree char *o6 = run_cli(&rc, "dataset", "update", data, NULL);
  g_assert_cmpint(rc, ==, 0);
  g_assert_nonnull(strstr(o6, "added to the manifest (split train)"));
  g_autofree char *o7 = run_cli(&rc, "dataset", "check", data, NULL);
  g_assert_cmpint(rc, ==, 1);
  g_assert_nonnull(strstr(o7, "byte-identical: 1 groups"));
  g_assert_nonnull(strstr(o7, "straddle"));

  /* Excluded images leave the data set; included ones come back. */
  g_autofree char *o7b = run_cli(&rc, "dataset", "exclude", data, copy, "--reason", "a copy",
                                 NULL);
  g_assert_cmpint(rc, ==, 0);
  g_autofree char *o7c = run_cli(&rc, "dataset", "check", data, NULL);
  g_assert_cmpint(rc, ==, 0);
  g_assert_nonnull(strstr(o7c, "(13 entries, 1 excluded)"));
  g_autofree char *o7d = run_cli(&rc, "dataset", "include", data, copy, NULL);
  g_assert_cmpint(rc, ==, 0);
  g_autofree char *o7e = run_cli(&rc, "dataset", "exclude", data, "nope.png", NULL);
  g_assert_cmpint(rc, ==, 1);
  g_autofree char *o7f = run_cli(&rc, "dataset", "exclude", data, copy, NULL);
  g_assert_cmpint(rc, ==, 0);

  /* Cross-validation over the manifest's train + val images; evaluate on its test split. */
  g_autofree char *model = g_build_filename(root, "m.safetensors", NULL);
  g_autofree char *o8 = run_cli(&rc, "train", data, "--size", "48", "--epochs", "1", "--folds",
                                "2", "--threads", "1", "-o", model, NULL);
  g_assert_cmpint(rc, ==, 0);
  g_assert_nonnull(strstr(o8, "train 4, val 4, test 4, 1 excluded"));
  g_assert_nonnull(strstr(o8, "cross-validation: 2 folds over 8 images"));
  g_assert_nonnull(strstr(o8, "(mean ± sd over 2 folds)"));
  g_autofree char *fold1 = g_build_filename(root, "m.fold1.safetensors", NULL);
  g_autofree char *fold2 = g_build_filename(root, "m.fold2.safetensors", NULL);
  g_assert_true(g_file_test(fold1, G_FILE_TEST_IS_REGULAR));
  g_assert_true(g_file_test(fold2, G_FILE_TEST_IS_REGULAR));
  g_autofree char *o9 = run_cli(&rc, "evaluate", fold1, data, "--split", "test", NULL);
  g_assert_cmpint(rc, ==, 0);
  g_assert_nonnull(strstr(o9, "images: 4\n"));
  g_autofree char *o10 = run_cli(&rc, "train", data, "--folds", "1", "-o", model, NULL);
  g_assert_cmpint(rc, ==, 2);

  /* A file gone and a bad manifest: named, exit 1. */
  g_assert_cmpint(g_remove(src), ==, 0);
  g_autofree char *o11 = run_cli(&rc, "dataset", "check", data, NULL);
  g_assert_cmpint(rc, ==, 1);
  g_assert_nonnull(strstr(o11, "missing"));
  g_assert_nonnull(strstr(o11, test_image));
  g_autofree char *o12 = run_cli(&rc, "evaluate", fold1, data, "--split", "test", NULL);
  g_assert_cmpint(rc, ==, 0);
  g_assert_nonnull(strstr(o12, "images: 3\n"));
  g_assert_nonnull(strstr(o12, "skipped"));
  const char *bad = "{\"version\": 1, \"classes\": [\"316L\", \"AZ31B\"], \"images\": "
                    "[{\"path\": \"316L/316L_000.png\", \"class\": \"316L\", \"split\": \"tset\"}]}";
  g_assert_true(g_file_set_contents(mpath, bad, -1, NULL));
  g_autofree char *o13 = run_cli(&rc, "dataset", "check", data, NULL);
  g_assert_cmpint(rc, ==, 1);
  g_assert_nonnull(strstr(o13, "patina-dataset.json: images[0].split: expected \"train\", "
                               "\"val\" or \"test\", got \"tset\""));
  g_autofree char *o14 = run_cli(&rc, "train", data, "--size", "48", "-o", model, NULL);
  g_assert_cmpint(rc, ==, 1);
  g_assert_nonnull(strstr(o14, "images[0].split"));
  test_remove_tree(root);
}

/* init records what the loader finds: the data bar rows (0 when there is none) for images
 * that decode, automatic (-1) for ones that do not. */
static void test_create_records_crop(void)
{
  g_autofree char *root = make_root();
  const int side = 64, band = 12;
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, side, side);
  guchar *px = gdk_pixbuf_get_pixels(pb);
  int stride = gdk_pixbuf_get_rowstride(pb);
  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++) {
      /* a black bar with sparse white "text" strokes, under a checkered micrograph */
      int by = y - (side - band);
      gboolean text = by >= 4 && by < 9 && x % 8 < 3 && x > 4 && x < 44;
      guchar g = by >= 0 ? (text ? 255 : 0) : (guchar) (80 + 50 * ((x / 4 + y / 4) % 2));
      px[y * stride + 3 * x] = px[y * stride + 3 * x + 1] = px[y * stride + 3 * x + 2] = g;
    }
  g_autofree char *a = g_build_filename(root, "a", NULL), *b = g_build_filename(root, "b", NULL);
  g_mkdir_with_parents(a, 0755);
  g_mkdir_with_parents(b, 0755);
  g_autofree char *barred = g_build_filename(a, "bar.png", NULL);
  g_assert_true(gdk_pixbuf_save(pb, barred, "png", NULL, NULL));
  /* the same picture without its band */
  g_autoptr(GdkPixbuf) top = gdk_pixbuf_new_subpixbuf(pb, 0, 0, side, side - band);
  g_autofree char *plain = g_build_filename(b, "plain.png", NULL);
  g_assert_true(gdk_pixbuf_save(top, plain, "png", NULL, NULL));
  put_file(root, "b/broken.png", "not a png");
  g_autoptr(PatinaManifest) m = init_manifest(root, 0.0, 0.0, 0);
  g_assert_cmpint(image(m, patina_manifest_find(m, "a/bar.png"))->crop_rows, ==, band);
  g_assert_cmpint(image(m, patina_manifest_find(m, "b/plain.png"))->crop_rows, ==, 0);
  g_assert_cmpint(image(m, patina_manifest_find(m, "b/broken.png"))->crop_rows, ==, -1);
}

/* A manifest that leaves no train image refuses training (its NULL indices would mean "no split"
 * and train on every image, the test ones too); cross-validation still has its val images. */
static void test_data_source_training(void)
{
  g_autofree char *root = make_root();
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_demo_generate(root, 6, 0, &error));
  g_autoptr(PatinaManifest) m = init_manifest(root, 0.34, 0.17, 5);
  for (guint i = 0; i < m->images->len; i++)
    image(m, i)->excluded = image(m, i)->split == PATINA_SPLIT_TRAIN;
  g_autofree char *path = patina_manifest_path_in(root);
  g_assert_true(patina_manifest_save(m, path, &error));

  g_assert_true(patina_data_source_has_manifest(root));
  g_auto(PatinaDataSource) d = {0};
  g_assert_true(patina_data_source_open(root, PATINA_MANIFEST_AUTO, &d, NULL, NULL, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(d.splits[PATINA_SPLIT_TRAIN]->len, ==, 0);
  g_assert_cmpuint(d.splits[PATINA_SPLIT_VAL]->len, >, 0);
  g_assert_false(patina_data_source_check_training(&d, FALSE, &error));
  g_assert_nonnull(strstr(error->message, "no image of the train split"));
  g_assert_nonnull(strstr(error->message, path));
  g_clear_error(&error);
  g_assert_true(patina_data_source_check_training(&d, TRUE, &error));
  /* the folds' pool: the train and val images, in that order; never the test ones */
  g_autoptr(GArray) pool = patina_data_source_fold_pool(&d);
  g_assert_cmpuint(pool->len, ==, d.splits[PATINA_SPLIT_VAL]->len);
  for (guint i = 0; i < pool->len; i++)
    g_assert_cmpint(g_array_index(pool, int, i), ==,
                    g_array_index(d.splits[PATINA_SPLIT_VAL], int, i));

  /* the class folders alone (no manifest) always train */
  g_auto(PatinaDataSource) plain = {0};
  g_assert_true(patina_data_source_open(root, PATINA_MANIFEST_IGNORE, &plain, NULL, NULL, &error));
  g_assert_true(patina_data_source_check_training(&plain, FALSE, &error));
  g_assert_null(patina_data_source_fold_pool(&plain)); /* every image */
  test_remove_tree(root);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/manifest/create-records-crop", test_create_records_crop);
  g_test_add_func("/manifest/data-source-training", test_data_source_training);
  g_test_add_func("/manifest/round-trip", test_round_trip);
  g_test_add_func("/manifest/strict", test_strict_validation);
  g_test_add_func("/manifest/bad-bytes", test_bad_bytes);
  g_test_add_func("/manifest/create", test_create);
  g_test_add_func("/manifest/split/deterministic", test_split_deterministic);
  g_test_add_func("/manifest/split/groups", test_split_groups);
  g_test_add_func("/manifest/kfold", test_kfold);
  g_test_add_func("/manifest/imbalance", test_imbalance);
  g_test_add_func("/manifest/folder/missing-and-new", test_missing_and_new);
  g_test_add_func("/manifest/folder/outside", test_outside);
  g_test_add_func("/manifest/folder/symlink-loop", test_symlink_loop);
  g_test_add_func("/manifest/folder/unreadable", test_unreadable);
  g_test_add_func("/manifest/x-sdd", test_xsdd);
  g_test_add_func("/manifest/cli", test_cli);
  return g_test_run();
}
