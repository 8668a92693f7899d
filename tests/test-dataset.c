#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/dataset.h"
#include "testutil.h"

/* Image content does not matter to the data set layer (only names and bytes do), so the
 * "images" here are a few distinct bytes each. */
static char *make_root(void)
{
  char *root = g_dir_make_tmp("patina-test-dataset-XXXXXX", NULL);
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

static void put_class(const char *root, const char *klass, int n, const char *ext)
{
  for (int i = 0; i < n; i++) {
    g_autofree char *rel = g_strdup_printf("%s/img%03d.%s", klass, i, ext);
    g_autofree char *content = g_strdup_printf("%s image %d", klass, i);
    put_file(root, rel, content);
  }
}

static const PatinaSample *sample(const PatinaDataset *ds, int i)
{
  return &g_array_index(ds->samples, PatinaSample, i);
}

static void test_open_layout(void)
{
  g_autofree char *root = make_root();
  put_file(root, "steel/b.png", "b");
  put_file(root, "steel/a.JPG", "a");
  put_file(root, "steel/c.TiFf", "c");
  put_file(root, "steel/notes.txt", "not an image");
  put_file(root, "steel/.hidden.png", "editor litter");
  put_file(root, "steel/nested/deep.png", "not followed");
  put_file(root, "magnesium/z.bmp", "z");
  put_file(root, "magnesium/y.gif", "y");
  put_file(root, "magnesium/x.jpeg", "x");
  put_file(root, "magnesium/w.tif", "w");
  put_file(root, ".git/objects.png", "hidden folder");
  put_file(root, "README.png", "a file at the top is not a class");

  /* A path with "." and ".." in it must still come back as a clean absolute root. */
  g_autofree char *odd = g_build_filename(root, "steel", "..", ".", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds = patina_dataset_open(odd, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(ds->root, ==, root);
  g_assert_cmpuint(ds->class_names->len, ==, 2);
  g_assert_cmpstr(ds->class_names->pdata[0], ==, "magnesium");
  g_assert_cmpstr(ds->class_names->pdata[1], ==, "steel");

  const char *want[] = {"magnesium/w.tif", "magnesium/x.jpeg", "magnesium/y.gif",
                        "magnesium/z.bmp", "steel/a.JPG", "steel/b.png", "steel/c.TiFf"};
  g_assert_cmpuint(ds->samples->len, ==, G_N_ELEMENTS(want));
  for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
    g_autofree char *path = g_build_filename(root, want[i], NULL);
    g_assert_cmpstr(sample(ds, i)->path, ==, path);
    g_assert_true(g_path_is_absolute(sample(ds, i)->path));
    g_assert_cmpint(sample(ds, i)->label, ==, i < 4 ? 0 : 1);
    g_assert_cmpint(sample(ds, i)->group, ==, (int) i);
  }
  g_assert_cmpint(ds->n_duplicate_groups, ==, 0);
  g_assert_cmpint(patina_dataset_count_class(ds, 0), ==, 4);
  g_assert_cmpint(patina_dataset_count_class(ds, 1), ==, 3);
  g_assert_cmpint(patina_dataset_count_class(ds, 2), ==, 0);
  test_remove_tree(root);
}

static void test_open_duplicates(void)
{
  g_autofree char *root = make_root();
  put_file(root, "a/1.png", "same bytes");
  put_file(root, "a/2.png", "other data"); /* same size, different bytes */
  put_file(root, "a/3.png", "same bytes");
  put_file(root, "a/4.png", "unique and longer");
  put_file(root, "b/5.png", "pair");
  put_file(root, "b/6.png", "pair");
  put_file(root, "b/7.png", "same bytes"); /* a duplicate across classes */

  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds = patina_dataset_open(root, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ds->samples->len, ==, 7);
  int g[7];
  for (int i = 0; i < 7; i++)
    g[i] = sample(ds, i)->group;
  g_assert_cmpint(g[0], ==, g[2]);
  g_assert_cmpint(g[0], ==, g[6]);
  g_assert_cmpint(g[4], ==, g[5]);
  g_assert_cmpint(g[1], !=, g[0]);
  g_assert_cmpint(g[3], !=, g[0]);
  g_assert_cmpint(g[1], !=, g[3]);
  g_assert_cmpint(g[4], !=, g[0]);
  g_assert_cmpint(ds->n_duplicate_groups, ==, 2);
  test_remove_tree(root);
}

/* Opening dir fails with a message that names the folder at fault and says needle. */
static void assert_open_fails_naming(const char *dir, const char *named, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds = patina_dataset_open(dir, &error);
  g_assert_null(ds);
  g_assert_nonnull(error);
  g_test_message("%s", error->message);
  g_assert_nonnull(strstr(error->message, named));
  g_assert_nonnull(strstr(error->message, needle));
}

static void assert_open_fails(const char *dir, const char *needle)
{
  assert_open_fails_naming(dir, dir, needle);
}

static void test_error_missing(void)
{
  g_autofree char *root = make_root();
  g_autofree char *missing = g_build_filename(root, "nowhere", NULL);
  assert_open_fails(missing, "no such folder");
  put_file(root, "file.png", "x");
  g_autofree char *file = g_build_filename(root, "file.png", NULL);
  assert_open_fails(file, "not a folder");
  test_remove_tree(root);
}

static void test_error_empty(void)
{
  g_autofree char *root = make_root();
  assert_open_fails(root, "at least two class folders with images; found 0");
  /* Images straight in the folder, as people often try first, are not classes. */
  put_file(root, "a.png", "a");
  put_file(root, "b.png", "b");
  assert_open_fails(root, "found 0");
  test_remove_tree(root);
}

static void test_error_one_class(void)
{
  g_autofree char *root = make_root();
  put_class(root, "x", 3, "png");
  g_autofree char *empty = g_build_filename(root, "y", NULL);
  g_assert_cmpint(g_mkdir(empty, 0755), ==, 0);
  assert_open_fails(root, "a data set needs at least two class folders with images; "
                          "found 1 (\"x\")");
  test_remove_tree(root);
}

static void test_error_class_without_images(void)
{
  g_autofree char *root = make_root();
  put_class(root, "a", 2, "png");
  put_class(root, "b", 2, "jpg");
  put_file(root, "c/readme.txt", "no images here");
  g_autofree char *c = g_build_filename(root, "c", NULL);
  assert_open_fails_naming(root, c, "class folder has no images");
  test_remove_tree(root);
}

static void test_error_unreadable(void)
{
  g_autofree char *root = make_root();
  put_class(root, "a", 2, "png");
  put_class(root, "b", 2, "png");
  g_autofree char *b = g_build_filename(root, "b", NULL);
  g_assert_cmpint(g_chmod(b, 0), ==, 0);
  if (g_access(b, R_OK) == 0) {
    g_test_skip("permissions are not enforced for this user (root?)");
  } else {
    assert_open_fails_naming(root, b, "cannot read the folder");
  }
  g_chmod(b, 0755);
  test_remove_tree(root);
}

/* What makes a folder unreadable when the tests run as root (as CI does), where chmod 000
 * changes nothing: links that loop or point nowhere, and pipes or folders named like images.
 * Each open must fail with the path at fault and what it is, not "no such folder" or a bare
 * "no images". */
static void test_error_unreadable_as_root(void)
{
  g_autofree char *root = make_root();

  /* the data set folder itself is a link to itself, or to a folder that was moved */
  g_autofree char *loop = g_build_filename(root, "loop", NULL);
  g_assert_cmpint(symlink("loop", loop), ==, 0);
  assert_open_fails(loop, "symbolic link loop");
  g_autofree char *dangling = g_build_filename(root, "moved", NULL);
  g_assert_cmpint(symlink("/nonexistent/patina-data", dangling), ==, 0);
  assert_open_fails(dangling, "broken symbolic link");
  assert_open_fails(dangling, "/nonexistent/patina-data");

  /* one real class; the second "class folder" loops, the third points nowhere */
  g_autofree char *set = g_build_filename(root, "set", NULL);
  put_class(set, "a", 2, "png");
  g_autofree char *b = g_build_filename(set, "b", NULL);
  g_assert_cmpint(symlink("b", b), ==, 0);
  assert_open_fails_naming(set, b, "is a symbolic link loop");
  assert_open_fails_naming(set, b, "found 1");
  g_assert_cmpint(g_unlink(b), ==, 0);
  g_assert_cmpint(symlink("../gone", b), ==, 0);
  assert_open_fails_naming(set, b, "is a broken symbolic link");

  /* the class folder exists, but what is named like an image is a pipe or a folder (with a
   * third class, so that b's own problem is the one reported) */
  put_class(set, "c", 2, "png");
  g_assert_cmpint(g_unlink(b), ==, 0);
  g_assert_cmpint(g_mkdir(b, 0755), ==, 0);
  g_autofree char *fifo = g_build_filename(b, "pipe.png", NULL);
  g_assert_cmpint(mkfifo(fifo, 0644), ==, 0);
  assert_open_fails_naming(set, b, "class folder has no images");
  assert_open_fails_naming(set, fifo, "is a named pipe, not an image file");
  g_assert_cmpint(g_unlink(fifo), ==, 0);
  g_autofree char *folder = g_build_filename(b, "scan.tif", NULL);
  g_assert_cmpint(g_mkdir(folder, 0755), ==, 0);
  assert_open_fails_naming(set, folder, "is a folder, not an image file");

  /* and once b holds an image, the same folder opens: the checks above were about b alone */
  put_class(set, "b", 1, "png");
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds = patina_dataset_open(set, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ds->samples->len, ==, 5);
  test_remove_tree(root);
}

static void test_symlink_loop(void)
{
  g_autofree char *root = make_root();
  put_class(root, "a", 2, "png");
  put_class(root, "b", 2, "png");
  g_autofree char *loop = g_build_filename(root, "a", "loop", NULL);
  g_assert_cmpint(symlink("..", loop), ==, 0);
  g_autofree char *self = g_build_filename(root, "b", "self.png", NULL);
  g_assert_cmpint(symlink("self.png", self), ==, 0);

  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds = patina_dataset_open(root, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ds->samples->len, ==, 4);
  test_remove_tree(root);
}

static PatinaDataset *open_counts(char **root_out, const int *counts, int n_classes)
{
  char *root = make_root();
  for (int c = 0; c < n_classes; c++) {
    g_autofree char *name = g_strdup_printf("class%d", c);
    put_class(root, name, counts[c], "png");
  }
  g_autoptr(GError) error = NULL;
  PatinaDataset *ds = patina_dataset_open(root, &error);
  g_assert_no_error(error);
  *root_out = root;
  return ds;
}

/* Checks the split's invariants and returns the held-out count of each class. */
static void check_split(const PatinaDataset *ds, GArray *train, GArray *holdout, int *held)
{
  int n = (int) ds->samples->len;
  g_autofree int *side = g_new0(int, n);
  memset(held, 0, sizeof(int) * ds->class_names->len);
  GArray *parts[] = {train, holdout};
  for (int p = 0; p < 2; p++) {
    for (guint k = 0; k < parts[p]->len; k++) {
      int i = g_array_index(parts[p], int, k);
      g_assert_cmpint(i, >=, 0);
      g_assert_cmpint(i, <, n);
      if (k > 0)
        g_assert_cmpint(g_array_index(parts[p], int, k - 1), <, i);
      g_assert_cmpint(side[i], ==, 0);
      side[i] = p + 1;
      if (p == 1)
        held[sample(ds, i)->label]++;
    }
  }
  for (int i = 0; i < n; i++)
    g_assert_cmpint(side[i], !=, 0);
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      if (sample(ds, i)->group == sample(ds, j)->group)
        g_assert_cmpint(side[i], ==, side[j]);
}

static void test_split_stratified(void)
{
  const int counts[] = {10, 20, 7, 1, 2};
  g_autofree char *root = NULL;
  g_autoptr(PatinaDataset) ds = open_counts(&root, counts, 5);
  g_autoptr(GArray) train = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) holdout = g_array_new(FALSE, FALSE, sizeof(int));
  int held[5];

  /* round(0.2 × n), at least one where a class has two groups, none from a single image. */
  patina_dataset_split(ds, 0.2, 0, train, holdout);
  check_split(ds, train, holdout, held);
  const int want[] = {2, 4, 1, 0, 1};
  for (int c = 0; c < 5; c++)
    g_assert_cmpint(held[c], ==, want[c]);

  /* 0.9 of two images would take both: one stays for training. */
  patina_dataset_split(ds, 0.9, 3, train, holdout);
  check_split(ds, train, holdout, held);
  const int want09[] = {9, 18, 6, 1, 1};
  for (int c = 0; c < 5; c++)
    g_assert_cmpint(held[c], ==, want09[c]);

  patina_dataset_split(ds, 0.0, 3, train, holdout);
  check_split(ds, train, holdout, held);
  g_assert_cmpuint(holdout->len, ==, 0);
  patina_dataset_split(ds, 1.0, 3, train, holdout);
  check_split(ds, train, holdout, held);
  g_assert_cmpuint(train->len, ==, 0);
  test_remove_tree(root);
}

static void test_split_duplicates(void)
{
  /* Class a: 12 images in 4 pairs + 4 singles; class b: 10 singles. */
  g_autofree char *root = make_root();
  for (int i = 0; i < 12; i++) {
    g_autofree char *rel = g_strdup_printf("a/%02d.png", i);
    g_autofree char *content = g_strdup_printf("a%d", i < 8 ? i / 2 : i);
    put_file(root, rel, content);
  }
  put_class(root, "b", 10, "png");
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds = patina_dataset_open(root, &error);
  g_assert_no_error(error);
  g_assert_cmpint(ds->n_duplicate_groups, ==, 4);

  g_autoptr(GArray) train = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) holdout = g_array_new(FALSE, FALSE, sizeof(int));
  int held[2];
  for (guint64 seed = 0; seed < 64; seed++) {
    patina_dataset_split(ds, 0.25, seed, train, holdout);
    check_split(ds, train, holdout, held);
    g_assert_cmpint(held[0], ==, 3); /* round(0.25 × 12), filled by whole groups */
    g_assert_cmpint(held[1], ==, 3); /* round(2.5) rounds half away from zero */
  }
  test_remove_tree(root);
}

static void test_split_deterministic(void)
{
  const int counts[] = {30, 25};
  g_autofree char *root = NULL;
  g_autoptr(PatinaDataset) ds = open_counts(&root, counts, 2);
  g_autoptr(GArray) t1 = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) h1 = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) t2 = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) h2 = g_array_new(FALSE, FALSE, sizeof(int));

  patina_dataset_split(ds, 0.3, 1234, t1, h1);
  patina_dataset_split(ds, 0.3, 1234, t2, h2);
  g_assert_cmpmem(t1->data, t1->len * sizeof(int), t2->data, t2->len * sizeof(int));
  g_assert_cmpmem(h1->data, h1->len * sizeof(int), h2->data, h2->len * sizeof(int));

  patina_dataset_split(ds, 0.3, 1235, t2, h2);
  g_assert_cmpuint(h1->len, ==, h2->len);
  g_assert_true(memcmp(h1->data, h2->data, h1->len * sizeof(int)) != 0);
  test_remove_tree(root);
}

static const char *xsdd_dir(void)
{
  static char path[4096];
  const char *src = g_getenv("PATINA_SOURCE_DIR");
  g_autofree char *beside = src ? g_build_filename(src, "..", "shared", "datasets", "x-sdd", NULL)
                                : NULL;
  const char *candidates[] = {g_getenv("PATINA_XSDD_DIR"), beside, "/work/shared/datasets/x-sdd"};
  for (guint i = 0; i < G_N_ELEMENTS(candidates); i++)
    if (candidates[i] != NULL && g_file_test(candidates[i], G_FILE_TEST_IS_DIR)) {
      g_strlcpy(path, candidates[i], sizeof path);
      return path;
    }
  return NULL;
}

static void test_xsdd(void)
{
  const char *dir = xsdd_dir();
  if (dir == NULL) {
    g_test_skip("X-SDD data set not present");
    return;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds = patina_dataset_open(dir, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ds->class_names->len, ==, 7);
  g_assert_cmpuint(ds->samples->len, ==, 1360);
  g_assert_cmpint(ds->n_duplicate_groups, ==, 9);
  const char *names[] = {"finishing_roll_printing", "iron_sheet_ash",
                         "oxide_scale_of_plate_system", "oxide_scale_of_temperature_system",
                         "red_iron", "slag_inclusion", "surface_scratch"};
  const int counts[] = {203, 122, 63, 203, 397, 238, 134};
  for (int c = 0; c < 7; c++) {
    g_assert_cmpstr(ds->class_names->pdata[c], ==, names[c]);
    g_assert_cmpint(patina_dataset_count_class(ds, c), ==, counts[c]);
  }

  /* PROVENANCE.txt: all nine pairs are in red_iron (2078=2082 ... 2209=2214). */
  g_autofree int *members = g_new0(int, ds->samples->len);
  for (guint i = 0; i < ds->samples->len; i++)
    members[sample(ds, i)->group]++;
  int in_pairs = 0;
  for (guint i = 0; i < ds->samples->len; i++)
    if (members[sample(ds, i)->group] > 1) {
      g_assert_cmpint(members[sample(ds, i)->group], ==, 2);
      g_assert_cmpint(sample(ds, i)->label, ==, 4);
      in_pairs++;
    }
  g_assert_cmpint(in_pairs, ==, 18);

  g_autoptr(GArray) train = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) holdout = g_array_new(FALSE, FALSE, sizeof(int));
  int held[7];
  patina_dataset_split(ds, 0.2, 0, train, holdout);
  check_split(ds, train, holdout, held);
  for (int c = 0; c < 7; c++)
    g_assert_cmpint(held[c], ==, (int) (0.2 * counts[c] + 0.5));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/dataset/open/layout", test_open_layout);
  g_test_add_func("/dataset/open/duplicates", test_open_duplicates);
  g_test_add_func("/dataset/open/symlink-loop", test_symlink_loop);
  g_test_add_func("/dataset/error/missing", test_error_missing);
  g_test_add_func("/dataset/error/empty", test_error_empty);
  g_test_add_func("/dataset/error/one-class", test_error_one_class);
  g_test_add_func("/dataset/error/class-without-images", test_error_class_without_images);
  g_test_add_func("/dataset/error/unreadable", test_error_unreadable);
  g_test_add_func("/dataset/error/unreadable-as-root", test_error_unreadable_as_root);
  g_test_add_func("/dataset/split/stratified", test_split_stratified);
  g_test_add_func("/dataset/split/duplicates", test_split_duplicates);
  g_test_add_func("/dataset/split/deterministic", test_split_deterministic);
  g_test_add_func("/dataset/x-sdd", test_xsdd);
  return g_test_run();
}
