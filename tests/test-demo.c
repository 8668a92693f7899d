#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "data/dataset.h"
#include "data/demo.h"
#include "data/image.h"
#include "testutil.h"

#define S PATINA_DEMO_SIZE

static void test_deterministic(void)
{
  g_autofree float *a = g_new(float, S * S);
  g_autofree float *b = g_new(float, S * S);
  for (int klass = 0; klass < 2; klass++) {
    patina_demo_draw(klass, 7, S, a);
    patina_demo_draw(klass, 7, S, b);
    g_assert_cmpmem(a, S * S * sizeof(float), b, S * S * sizeof(float));
    patina_demo_draw(klass, 8, S, b);
    g_assert_true(memcmp(a, b, S * S * sizeof(float)) != 0);
  }
  patina_demo_draw(0, 7, S, a);
  patina_demo_draw(1, 7, S, b);
  g_assert_true(memcmp(a, b, S * S * sizeof(float)) != 0);
}

static void test_range(void)
{
  /* Other sizes too: the model's 150×150 input can be drawn directly. */
  const int sizes[] = {S, 150, 17};
  for (guint z = 0; z < G_N_ELEMENTS(sizes); z++) {
    int n = sizes[z] * sizes[z];
    g_autofree float *img = g_new(float, n);
    for (int klass = 0; klass < 2; klass++)
      for (guint64 seed = 0; seed < 8; seed++) {
        patina_demo_draw(klass, seed, sizes[z], img);
        double sum = 0, sum2 = 0;
        for (int p = 0; p < n; p++) {
          g_assert_true(img[p] >= 0.0f && img[p] <= 1.0f);
          sum += img[p];
          sum2 += img[p] * img[p];
        }
        double mean = sum / n, sd = sqrt(MAX(sum2 / n - mean * mean, 0.0));
        g_assert_cmpfloat(mean, >, 0.1);
        g_assert_cmpfloat(mean, <, 0.9);
        g_assert_cmpfloat(sd, >, 0.02); /* a picture, not a flat field */
      }
  }
}

static void test_class_statistics(void)
{
  /* The classes must differ, but not so simply that mean brightness tells them apart: their
   * ranges of mean intensity overlap widely, so a model has to learn the structures. */
  const int n = 64;
  g_autofree float *img = g_new(float, S * S);
  double lo[2] = {1, 1}, hi[2] = {0, 0}, avg[2] = {0, 0};
  double means[2][64];
  for (int klass = 0; klass < 2; klass++)
    for (int i = 0; i < n; i++) {
      patina_demo_draw(klass, 1000 + i, S, img);
      double m = 0;
      for (int p = 0; p < S * S; p++)
        m += img[p];
      m /= S * S;
      means[klass][i] = m;
      lo[klass] = MIN(lo[klass], m);
      hi[klass] = MAX(hi[klass], m);
      avg[klass] += m / n;
    }
  g_test_message("mean intensity 316L %.3f [%.3f, %.3f], AZ31B %.3f [%.3f, %.3f]", avg[0], lo[0],
                 hi[0], avg[1], lo[1], hi[1]);
  g_assert_cmpfloat(fabs(avg[1] - avg[0]), >, 0.02);

  /* Overlap: a good share of each class lies inside the other's range. */
  int inside[2] = {0, 0};
  for (int klass = 0; klass < 2; klass++)
    for (int i = 0; i < n; i++) {
      double m = means[klass][i];
      inside[klass] += m >= lo[1 - klass] && m <= hi[1 - klass];
    }
  g_assert_cmpint(inside[0], >, n / 2);
  g_assert_cmpint(inside[1], >, n / 2);
}

static void test_generate(void)
{
  g_autofree char *tmp = g_dir_make_tmp("patina-test-demo-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename(tmp, "new", "demo", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_demo_generate(dir, 3, 42, &error));
  g_assert_no_error(error);

  const char *files[] = {"316L/316L_000.png", "316L/316L_002.png", "AZ31B/AZ31B_000.png",
                         "AZ31B/AZ31B_002.png"};
  for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
    g_autofree char *path = g_build_filename(dir, files[i], NULL);
    g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
  }
  g_autofree char *extra = g_build_filename(dir, "316L", "316L_003.png", NULL);
  g_assert_false(g_file_test(extra, G_FILE_TEST_EXISTS));

  g_autoptr(PatinaDataset) ds = patina_dataset_open(dir, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ds->class_names->len, ==, 2);
  g_assert_cmpstr(ds->class_names->pdata[0], ==, "316L");
  g_assert_cmpstr(ds->class_names->pdata[1], ==, "AZ31B");
  g_assert_cmpuint(ds->samples->len, ==, 6);
  g_assert_cmpint(patina_dataset_count_class(ds, 0), ==, 3);
  g_assert_cmpint(ds->n_duplicate_groups, ==, 0);

  /* The files load back at full size through the normal image path. */
  g_autoptr(PatinaGray) gray = patina_gray_load(g_array_index(ds->samples, PatinaSample, 0).path,
                                                &error);
  g_assert_no_error(error);
  g_assert_cmpint(gray->width, ==, S);
  g_assert_cmpint(gray->height, ==, S);

  /* Same seed, same files; the first image differs from the second. */
  g_autofree char *again = g_build_filename(tmp, "again", NULL);
  g_assert_true(patina_demo_generate(again, 2, 42, &error));
  g_assert_no_error(error);
  g_autofree char *first = g_build_filename(again, "316L", "316L_000.png", NULL);
  g_autoptr(PatinaGray) gray2 = patina_gray_load(first, &error);
  g_assert_no_error(error);
  g_assert_cmpmem(gray->pixels, S * S * sizeof(float), gray2->pixels, S * S * sizeof(float));
  g_autoptr(PatinaGray) gray3 = patina_gray_load(g_array_index(ds->samples, PatinaSample, 1).path,
                                                 &error);
  g_assert_no_error(error);
  g_assert_true(memcmp(gray->pixels, gray3->pixels, S * S * sizeof(float)) != 0);

  test_remove_tree(tmp);
}

static void test_generate_unwritable(void)
{
  g_autofree char *tmp = g_dir_make_tmp("patina-test-demo-XXXXXX", NULL);
  g_autofree char *file = g_build_filename(tmp, "a-file", NULL);
  g_assert_true(g_file_set_contents(file, "not a folder", -1, NULL));
  g_autofree char *dir = g_build_filename(file, "demo", NULL);

  g_autoptr(GError) error = NULL;
  g_assert_false(patina_demo_generate(dir, 2, 0, &error));
  g_assert_nonnull(error);
  g_test_message("%s", error->message);
  g_assert_nonnull(strstr(error->message, dir));

  /* A class folder name taken by a file: the image cannot be written inside it. */
  g_autofree char *dir2 = g_build_filename(tmp, "demo2", NULL);
  g_autofree char *blocker = g_build_filename(dir2, "AZ31B", NULL);
  g_assert_cmpint(g_mkdir(dir2, 0755), ==, 0);
  g_assert_true(g_file_set_contents(blocker, "", -1, NULL));
  g_clear_error(&error);
  g_assert_false(patina_demo_generate(dir2, 1, 0, &error));
  g_assert_nonnull(error);
  g_test_message("%s", error->message);
  g_assert_nonnull(strstr(error->message, blocker));
  test_remove_tree(tmp);
}

typedef struct {
  GArray *reports; /* the done counts in the order they came */
  int total;
  GCancellable *cancel_at_third; /* NULL: let it finish */
} ProgressLog;

static void log_progress(int done, int total, gpointer user_data)
{
  ProgressLog *log = user_data;
  g_array_append_val(log->reports, done);
  log->total = total;
  if (log->cancel_at_third && done == 3)
    g_cancellable_cancel(log->cancel_at_third);
}

static int count_pngs(const char *dir)
{
  int n = 0;
  const char *classes[] = {"316L", "AZ31B"};
  for (guint c = 0; c < G_N_ELEMENTS(classes); c++) {
    g_autofree char *sub = g_build_filename(dir, classes[c], NULL);
    g_autoptr(GDir) d = g_dir_open(sub, 0, NULL);
    for (const char *name; d && (name = g_dir_read_name(d));)
      n += g_str_has_suffix(name, ".png");
  }
  return n;
}

/* Every written image is reported once, counting up to 2 × per_class; a cancel stops between
 * images with G_IO_ERROR_CANCELLED and keeps what was written. */
static void test_generate_progress(void)
{
  g_autofree char *tmp = g_dir_make_tmp("patina-test-demo-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename(tmp, "demo", NULL);
  g_autoptr(GError) error = NULL;
  ProgressLog log = {g_array_new(FALSE, FALSE, sizeof(int)), 0, NULL};
  g_assert_true(patina_demo_generate_full(dir, 3, 7, log_progress, &log, NULL, &error));
  g_assert_no_error(error);
  g_assert_cmpint(log.total, ==, 6);
  g_assert_cmpuint(log.reports->len, ==, 6);
  for (guint i = 0; i < log.reports->len; i++)
    g_assert_cmpint(g_array_index(log.reports, int, i), ==, (int) i + 1);
  g_assert_cmpint(count_pngs(dir), ==, 6);

  g_autofree char *stopped = g_build_filename(tmp, "stopped", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new();
  g_array_set_size(log.reports, 0);
  log.cancel_at_third = cancellable;
  g_assert_false(
    patina_demo_generate_full(stopped, 4, 7, log_progress, &log, cancellable, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint(log.reports->len, ==, 3);
  g_assert_cmpint(count_pngs(stopped), ==, 3);
  g_array_unref(log.reports);
  test_remove_tree(tmp);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/demo/deterministic", test_deterministic);
  g_test_add_func("/demo/range", test_range);
  g_test_add_func("/demo/class-statistics", test_class_statistics);
  g_test_add_func("/demo/generate", test_generate);
  g_test_add_func("/demo/generate-unwritable", test_generate_unwritable);
  g_test_add_func("/demo/generate-progress", test_generate_progress);
  return g_test_run();
}
