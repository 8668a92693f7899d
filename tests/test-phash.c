/* Perceptual hashes: a resized, noisy, re-levelled or re-encoded copy of a micrograph stays
 * within the near-duplicate distance of the original; different micrographs do not. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "data/demo.h"
#include "data/phash.h"
#include "rng.h"

#define SIZE PATINA_DEMO_SIZE

static float *draw(int klass, guint64 seed)
{
  float *img = g_new(float, SIZE * SIZE);
  patina_demo_draw(klass, seed, SIZE, img);
  return img;
}

/* Writes a size×size float plane as an 8-bit gray PNG. */
static void write_png(const char *path, const float *img, int w, int h)
{
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, w, h);
  guchar *px = gdk_pixbuf_get_pixels(pb);
  int stride = gdk_pixbuf_get_rowstride(pb);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      guchar v = (guchar) lrintf(CLAMP(img[y * w + x], 0.0f, 1.0f) * 255.0f);
      memset(px + y * stride + 3 * x, v, 3);
    }
  g_autoptr(GError) error = NULL;
  g_assert_true(gdk_pixbuf_save(pb, path, "png", &error, NULL));
}

static void test_near_copies(void)
{
  int worst = 0;
  for (int klass = 0; klass < 2; klass++)
    for (guint64 seed = 1; seed <= 4; seed++) {
      g_autofree float *img = draw(klass, seed);
      guint64 h = patina_phash_plane(img, SIZE, SIZE);

      /* Resized up and down (the bilinear resize of the data loader). */
      int sizes[] = {150, 200, 384};
      for (guint k = 0; k < G_N_ELEMENTS(sizes); k++) {
        int s = sizes[k];
        g_autofree float *r = g_new(float, s * s);
        patina_resize_bilinear(img, SIZE, SIZE, r, s, s);
        int d = patina_phash_distance(h, patina_phash_plane(r, s, s));
        g_test_message("class %d seed %" G_GUINT64_FORMAT " resized to %d: %d", klass, seed, s, d);
        worst = MAX(worst, d);
      }
      /* Slight Gaussian noise (σ = 2 % of full scale), brightness and contrast changed. */
      PatinaRng rng;
      patina_rng_init(&rng, seed * 31 + klass);
      g_autofree float *noisy = g_new(float, SIZE * SIZE);
      g_autofree float *level = g_new(float, SIZE * SIZE);
      for (int i = 0; i < SIZE * SIZE; i++) {
        noisy[i] = CLAMP(img[i] + 0.02f * patina_rng_normal(&rng), 0.0f, 1.0f);
        level[i] = 0.85f * img[i] + 0.1f;
      }
      int dn = patina_phash_distance(h, patina_phash_plane(noisy, SIZE, SIZE));
      int dl = patina_phash_distance(h, patina_phash_plane(level, SIZE, SIZE));
      g_test_message("class %d seed %" G_GUINT64_FORMAT " noise: %d, levels: %d", klass, seed,
                     dn, dl);
      worst = MAX(worst, MAX(dn, dl));
    }
  g_test_message("worst near-copy distance: %d", worst);
  g_assert_cmpint(worst, <=, PATINA_PHASH_DEFAULT_DISTANCE);
}

static void test_different_images(void)
{
  enum { N = 24 };
  guint64 h[N];
  for (int i = 0; i < N; i++) {
    g_autofree float *img = draw(i % 2, 100 + i);
    h[i] = patina_phash_plane(img, SIZE, SIZE);
  }
  int closest = 64;
  for (int i = 0; i < N; i++)
    for (int j = i + 1; j < N; j++)
      closest = MIN(closest, patina_phash_distance(h[i], h[j]));
  g_test_message("closest pair of different demo images: %d", closest);
  g_assert_cmpint(closest, >, PATINA_PHASH_DEFAULT_DISTANCE);
  g_autoptr(GArray) pairs = patina_phash_pairs(h, NULL, N, PATINA_PHASH_DEFAULT_DISTANCE);
  g_assert_cmpuint(pairs->len, ==, 0);
}

/* Through files: an 8-bit PNG and its resized, noisy copy are found as a pair among others;
 * an undecodable file is reported, not hashed. */
static void test_files(void)
{
  g_autofree char *dir = g_dir_make_tmp("patina-test-phash-XXXXXX", NULL);
  g_autofree float *a = draw(0, 7), *b = draw(1, 8), *c = draw(0, 9);
  g_autofree float *copy = g_new(float, 200 * 200);
  patina_resize_bilinear(a, SIZE, SIZE, copy, 200, 200);
  PatinaRng rng;
  patina_rng_init(&rng, 5);
  for (int i = 0; i < 200 * 200; i++)
    copy[i] = CLAMP(copy[i] + 0.02f * patina_rng_normal(&rng), 0.0f, 1.0f);
  const char *names[] = {"a.png", "b.png", "c.png", "copy.png", "broken.png"};
  char *paths[G_N_ELEMENTS(names)];
  for (guint i = 0; i < G_N_ELEMENTS(names); i++)
    paths[i] = g_build_filename(dir, names[i], NULL);
  write_png(paths[0], a, SIZE, SIZE);
  write_png(paths[1], b, SIZE, SIZE);
  write_png(paths[2], c, SIZE, SIZE);
  write_png(paths[3], copy, 200, 200);
  g_assert_true(g_file_set_contents(paths[4], "\x89PNG\r\n\x1a\n truncated", -1, NULL));

  guint64 h[5];
  gboolean ok[5];
  char *errors[5];
  patina_phash_files((const char *const *) paths, 5, 2, h, ok, errors);
  for (int i = 0; i < 4; i++) {
    g_assert_true(ok[i]);
    g_assert_null(errors[i]);
  }
  g_assert_false(ok[4]);
  g_assert_nonnull(errors[4]);
  g_assert_nonnull(strstr(errors[4], "broken.png"));
  g_autoptr(GArray) pairs = patina_phash_pairs(h, ok, 5, PATINA_PHASH_DEFAULT_DISTANCE);
  g_assert_cmpuint(pairs->len, ==, 1);
  PatinaPhashPair p = g_array_index(pairs, PatinaPhashPair, 0);
  g_assert_cmpint(p.a, ==, 0);
  g_assert_cmpint(p.b, ==, 3);
  g_test_message("file copy distance %d", p.distance);

  guint64 one;
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_phash_file(paths[0], &one, &error));
  g_assert_cmphex(one, ==, h[0]);
  g_assert_false(patina_phash_file(paths[4], &one, &error));
  g_assert_nonnull(error);
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    g_remove(paths[i]);
    g_free(paths[i]);
    g_free(errors[i]);
  }
  g_rmdir(dir);
}

static void test_degenerate(void)
{
  float one = 0.5f;
  (void) patina_phash_plane(&one, 1, 1);
  float flat[7 * 3];
  for (int i = 0; i < 21; i++)
    flat[i] = 0.25f;
  g_assert_cmphex(patina_phash_plane(flat, 7, 3), ==, patina_phash_plane(flat, 7, 3));
  g_autofree float *wide = g_new0(float, 1000 * 2);
  (void) patina_phash_plane(wide, 1000, 2);
  g_assert_cmphex(patina_phash_plane(NULL, 0, 0), ==, 0);
  g_autoptr(GArray) none = patina_phash_pairs(NULL, NULL, 0, 8);
  g_assert_cmpuint(none->len, ==, 0);
}

/* X-SDD: the nine byte-identical pairs hash alike; what else comes out near is printed. */
static void test_xsdd(void)
{
  const char *src = g_getenv("PATINA_SOURCE_DIR");
  g_autofree char *dir = g_build_filename(src ? src : ".", "..", "shared", "datasets", "x-sdd",
                                          "red_iron", NULL);
  if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
    g_test_skip("X-SDD data set not present");
    return;
  }
  const int pairs[9][2] = {{2078, 2082}, {2079, 2083}, {2080, 2084}, {2081, 2085}, {2205, 2210},
                           {2206, 2211}, {2207, 2212}, {2208, 2213}, {2209, 2214}};
  for (int p = 0; p < 9; p++) {
    guint64 h[2];
    for (int k = 0; k < 2; k++) {
      g_autofree char *name = g_strdup_printf("%d.jpg", pairs[p][k]);
      g_autofree char *path = g_build_filename(dir, name, NULL);
      g_autoptr(GError) error = NULL;
      g_assert_true(patina_phash_file(path, &h[k], &error));
      g_assert_no_error(error);
    }
    g_assert_cmphex(h[0], ==, h[1]);
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/phash/near-copies", test_near_copies);
  g_test_add_func("/phash/different-images", test_different_images);
  g_test_add_func("/phash/files", test_files);
  g_test_add_func("/phash/degenerate", test_degenerate);
  g_test_add_func("/phash/x-sdd", test_xsdd);
  return g_test_run();
}
