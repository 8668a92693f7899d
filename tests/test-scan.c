/* Whole-surface scan: against a per-pixel brute force with a model whose answer is known in
 * closed form (logit = 10 · mean of the tile − 5), coverage at every stride, batch size
 * independence, progress, cancellation and the refusals. */
#include <math.h>
#include <string.h>

#include "viz/scan.h"

#define IN 8

/* flatten → dense(1) over 3 channels; only the last channel has weights, so the test also
 * sees that the gray plane is repeated to every channel. */
static PatinaModel *mean_model(void)
{
  g_autoptr(GError) error = NULL;
  const char *spec = "{\"input\": [3, 8, 8], \"layers\": [{\"type\": \"flatten\"}, "
                     "{\"type\": \"dense\", \"out_features\": 1}]}";
  PatinaModel *m = patina_model_new(spec, &error);
  g_assert_no_error(error);
  PatinaLayer *d = &m->layers[1];
  for (gsize i = 0; i < d->weight_len; i++)
    d->weight[i] = i >= 2 * IN * IN ? 10.0f / (IN * IN) : 0.0f;
  d->bias[0] = -5.0f;
  return m;
}

/* left third dark, a bright diagonal band, noise-free so tile means are exact */
static PatinaGray *test_image(int w, int h)
{
  PatinaGray *g = g_new0(PatinaGray, 1);
  g->width = w, g->height = h;
  g->pixels = g_new(float, (gsize) w * h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      g->pixels[(gsize) y * w + x] = x < w / 3 ? 0.1f : ((x + y) % 17 < 6 ? 0.9f : 0.4f);
  return g;
}

static double tile_p1(const PatinaGray *g, int tx, int ty, int tile)
{
  double sum = 0;
  for (int y = ty; y < ty + tile; y++)
    for (int x = tx; x < tx + tile; x++)
      sum += g->pixels[(gsize) y * g->width + x];
  double logit = 10.0 * sum / ((double) tile * tile) - 5.0;
  return 1.0 / (1.0 + exp(-logit));
}

static void starts(int length, int tile, int stride, GArray *out)
{
  for (int p = 0; p + tile <= length; p += stride)
    g_array_append_val(out, p);
  int last = length - tile;
  if (g_array_index(out, int, out->len - 1) != last)
    g_array_append_val(out, last);
}

/* The scan's map against the mean, per pixel, of every covering tile's probability. */
static void check_scan(int w, int h, int tile, int stride, int batch)
{
  PatinaModel *m = mean_model();
  g_autoptr(PatinaGray) g = test_image(w, h);
  PatinaScanOptions o = { .tile = tile, .stride = stride, .batch = batch };
  PatinaScan s;
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_scan(m, g, "test.png", &o, NULL, NULL, NULL, &s, &error));
  g_assert_no_error(error);
  int t = tile ? tile : IN, st = stride ? stride : MAX(1, t / 2);
  g_autoptr(GArray) xs = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) ys = g_array_new(FALSE, FALSE, sizeof(int));
  starts(w, t, st, xs);
  starts(h, t, st, ys);
  g_assert_cmpint(s.n_tiles, ==, (int) (xs->len * ys->len));
  g_assert_cmpint(s.tile, ==, t);
  g_assert_cmpint(s.stride, ==, st);
  g_autofree double *sum = g_new0(double, (gsize) w * h);
  g_autofree int *count = g_new0(int, (gsize) w * h);
  for (guint j = 0; j < ys->len; j++)
    for (guint i = 0; i < xs->len; i++) {
      int tx = g_array_index(xs, int, i), ty = g_array_index(ys, int, j);
      double p = tile_p1(g, tx, ty, t);
      int k = (int) (j * xs->len + i);
      g_assert_cmpint(s.tile_x[k], ==, tx);
      g_assert_cmpint(s.tile_y[k], ==, ty);
      g_assert_cmpfloat(fabs(s.tile_probs[2 * k + 1] - p), <, 1e-5);
      g_assert_cmpfloat(fabs(s.tile_probs[2 * k] - (1 - p)), <, 1e-5);
      for (int y = ty; y < ty + t; y++)
        for (int x = tx; x < tx + t; x++) {
          sum[(gsize) y * w + x] += p;
          count[(gsize) y * w + x]++;
        }
    }
  g_autofree float *map = patina_scan_class_map(&s, 1, w, h);
  double area1 = 0, mean1 = 0;
  for (gsize i = 0; i < (gsize) w * h; i++) {
    g_assert_cmpint(count[i], >, 0); /* every pixel is covered */
    double want = sum[i] / count[i];
    g_assert_cmpfloat(fabs(map[i] - want), <, 1e-5);
    area1 += want > 1 - want;
    mean1 += want;
  }
  area1 /= (double) w * h;
  mean1 /= (double) w * h;
  g_assert_cmpfloat(fabs(s.area_fraction[1] - area1), <, 1e-9 + 1.0 / (w * h));
  g_assert_cmpfloat(fabs(s.area_fraction[0] + s.area_fraction[1] - 1), <, 1e-9);
  g_assert_cmpfloat(fabs(s.mean_probability[1] - mean1), <, 1e-5);
  g_assert_cmpfloat(area1, >, 0.05); /* the image has both classes: the test can fail */
  g_assert_cmpfloat(area1, <, 0.95);

  /* a preview at a quarter of the size takes the cell under each pixel's centre */
  g_autofree float *small = patina_scan_class_map(&s, 1, w / 4, h / 4);
  for (int y = 0; y < h / 4; y++)
    for (int x = 0; x < w / 4; x++) {
      int sx = (int) ((x + 0.5) * w / (w / 4)), sy = (int) ((y + 0.5) * h / (h / 4));
      g_assert_cmpfloat(small[y * (w / 4) + x], ==, map[(gsize) sy * w + sx]);
    }
  patina_scan_clear(&s);
  patina_model_free(m);
}

static void test_default_stride(void)
{
  check_scan(40, 24, 0, 0, 0); /* tile 8, stride 4 */
}

static void test_uneven_stride(void)
{
  check_scan(37, 29, 0, 5, 3); /* the last tile of each row and column moves to the edge */
}

static void test_stride_equal_tile(void)
{
  check_scan(30, 20, 0, 8, 1);
}

/* A 16-pixel tile resized to the 8-pixel input: half-pixel bilinear 2:1 averages 2×2 blocks,
 * so the tile's mean, and the model's answer, is unchanged. */
static void test_larger_tile(void)
{
  check_scan(48, 40, 16, 6, 4);
}

static void test_batch_independent(void)
{
  PatinaModel *m = mean_model();
  g_autoptr(PatinaGray) g = test_image(50, 30);
  PatinaScan a, b;
  PatinaScanOptions oa = { .batch = 1 }, ob = { .batch = 13 };
  g_assert_true(patina_scan(m, g, "x", &oa, NULL, NULL, NULL, &a, NULL));
  g_assert_true(patina_scan(m, g, "x", &ob, NULL, NULL, NULL, &b, NULL));
  g_assert_cmpint(a.n_tiles, ==, b.n_tiles);
  g_assert_cmpmem(a.tile_probs, sizeof(float) * a.n_tiles * 2, b.tile_probs,
                  sizeof(float) * b.n_tiles * 2);
  patina_scan_clear(&a);
  patina_scan_clear(&b);
  patina_model_free(m);
}

typedef struct {
  int calls, last_done, total;
  GCancellable *cancel_after_first;
} Progress;

static void on_progress(int done, int total, gpointer user_data)
{
  Progress *p = user_data;
  g_assert_cmpint(done, >, p->last_done);
  p->calls++;
  p->last_done = done;
  p->total = total;
  if (p->cancel_after_first)
    g_cancellable_cancel(p->cancel_after_first);
}

static void test_progress_and_cancel(void)
{
  PatinaModel *m = mean_model();
  g_autoptr(PatinaGray) g = test_image(64, 64);
  PatinaScanOptions o = { .batch = 10 };
  PatinaScan s;
  Progress p = { 0 };
  g_assert_true(patina_scan(m, g, "x", &o, on_progress, &p, NULL, &s, NULL));
  g_assert_cmpint(p.total, ==, s.n_tiles);
  g_assert_cmpint(p.last_done, ==, s.n_tiles);
  g_assert_cmpint(p.calls, ==, (s.n_tiles + 9) / 10);
  patina_scan_clear(&s);

  g_autoptr(GCancellable) c = g_cancellable_new();
  Progress q = { .cancel_after_first = c };
  g_autoptr(GError) error = NULL;
  g_assert_false(patina_scan(m, g, "x", &o, on_progress, &q, c, &s, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint(q.calls, ==, 1);
  g_assert_null(s.cell_probs);
  patina_model_free(m);
}

static void test_refusals(void)
{
  PatinaModel *m = mean_model();
  g_autoptr(GError) error = NULL;
  PatinaScan s;

  g_autoptr(PatinaGray) small = test_image(7, 20);
  g_assert_false(patina_scan(m, small, "small.png", NULL, NULL, NULL, NULL, &s, &error));
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "small.png: the image is 7×20 pixels, smaller than "
                                          "one 8×8 tile (the model's input size)"));
  g_clear_error(&error);

  g_autoptr(PatinaGray) g = test_image(40, 40);
  PatinaScanOptions gap = { .stride = 9 };
  g_assert_false(patina_scan(m, g, "g.png", &gap, NULL, NULL, NULL, &s, &error));
  g_assert_nonnull(strstr(error->message, "stride of 9 is larger than the 8-pixel tile"));
  g_clear_error(&error);

  PatinaScanOptions big_tile = { .tile = 41 };
  g_assert_false(patina_scan(m, g, "g.png", &big_tile, NULL, NULL, NULL, &s, &error));
  g_assert_nonnull(strstr(error->message, "smaller than one 41×41 tile;"));
  g_clear_error(&error);

  g_autoptr(PatinaGray) huge = test_image(1100, 1100);
  PatinaScanOptions dense = { .stride = 1 };
  g_assert_false(patina_scan(m, huge, "huge.tif", &dense, NULL, NULL, NULL, &s, &error));
  g_assert_nonnull(strstr(error->message, "huge.tif: a stride of 1"));
  g_assert_nonnull(strstr(error->message, "use a larger stride"));
  g_clear_error(&error);
  patina_model_free(m);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/scan/default-stride", test_default_stride);
  g_test_add_func("/scan/uneven-stride", test_uneven_stride);
  g_test_add_func("/scan/stride-equal-tile", test_stride_equal_tile);
  g_test_add_func("/scan/larger-tile", test_larger_tile);
  g_test_add_func("/scan/batch-independent", test_batch_independent);
  g_test_add_func("/scan/progress-and-cancel", test_progress_and_cancel);
  g_test_add_func("/scan/refusals", test_refusals);
  return g_test_run();
}
