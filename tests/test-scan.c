/* Whole-surface scan: against a per-pixel brute force with a model whose answer is known in
 * closed form (logit = 10 · mean of the tile − 5), coverage at every stride, batch size
 * independence, progress, cancellation and the refusals. */
#include <math.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "cli-run.h"
#include "data/demo.h"
#include "testutil.h"
#include "viz/scan-figure.h"

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

/* Seven classes (X-SDD's) go into rows of three panels: the figure grows by two rows. */
static void test_figure_rows(void)
{
  g_autoptr(GError) error = NULL;
  PatinaModel *two = mean_model();
  PatinaModel *seven = patina_model_new("{\"input\": [3, 8, 8], \"layers\": [{\"type\": "
                                        "\"flatten\"}, {\"type\": \"dense\", "
                                        "\"out_features\": 7}]}", &error);
  g_assert_no_error(error);
  g_autoptr(PatinaGray) g = test_image(40, 40);
  PatinaScan s2, s7;
  g_assert_true(patina_scan(two, g, "g", NULL, NULL, NULL, NULL, &s2, NULL));
  g_assert_true(patina_scan(seven, g, "g", NULL, NULL, NULL, NULL, &s7, NULL));
  g_assert_cmpint(s7.classes, ==, 7);
  for (int k = 0; k < 7; k++) /* zero weights: every class equally probable */
    g_assert_cmpfloat(fabs(s7.mean_probability[k] - 1.0 / 7), <, 1e-6);
  PatinaScanFigureOptions o;
  patina_scan_figure_options_init(&o);
  cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
  cairo_t *cr = cairo_create(rec);
  double h2 = patina_scan_figure_draw(cr, &s2, g, &o);
  double h7 = patina_scan_figure_draw(cr, &s7, g, &o);
  /* three columns of (504 − 28 − 58 − 16) / 3 = 134 pt, square panels */
  g_assert_cmpfloat(h7 - h2, >, 2 * 134.0 - (209.0 - 134.0));
  cairo_destroy(cr);
  cairo_surface_destroy(rec);
  patina_scan_clear(&s2);
  patina_scan_clear(&s7);
  patina_model_free(two);
  patina_model_free(seven);
}

/* The most probable class per pixel agrees with the class maps and, counted at full size,
 * gives the area fractions; its figure is drawn and saved. */
static void test_best_class(void)
{
  PatinaModel *m = mean_model();
  g_autoptr(PatinaGray) g = test_image(40, 30);
  PatinaScanOptions o = { .stride = 3 };
  PatinaScan s;
  g_assert_true(patina_scan(m, g, "g", &o, NULL, NULL, NULL, &s, NULL));
  g_autofree guint8 *best = patina_scan_best_class_map(&s, 40, 30);
  g_autofree float *p0 = patina_scan_class_map(&s, 0, 40, 30);
  g_autofree float *p1 = patina_scan_class_map(&s, 1, 40, 30);
  int count[2] = {0, 0};
  for (int i = 0; i < 40 * 30; i++) {
    g_assert_cmpint(best[i], ==, p1[i] > p0[i] ? 1 : 0);
    count[best[i]]++;
  }
  g_assert_cmpint(count[0], >, 0); /* the dark left third */
  g_assert_cmpint(count[1], >, 0);
  for (int k = 0; k < 2; k++)
    g_assert_cmpfloat(fabs(count[k] / 1200.0 - s.area_fraction[k]), <, 1e-12);

  guint8 rgb[3], again[3];
  patina_scan_class_colour(0, rgb);
  g_assert_cmpint(rgb[0] << 16 | rgb[1] << 8 | rgb[2], ==, 0xE69F00);
  patina_scan_class_colour(8, again); /* the palette repeats after eight */
  g_assert_cmpmem(rgb, 3, again, 3);

  PatinaScanFigureOptions fo;
  patina_scan_figure_options_init(&fo);
  fo.most_probable = TRUE;
  fo.dpi = 100;
  g_autofree char *dir = g_dir_make_tmp("patina-scan-XXXXXX", NULL);
  g_autofree char *png = g_build_filename(dir, "best.png", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_scan_figure_save(&s, g, &fo, png, &error));
  g_assert_no_error(error);
  int w = 0, h = 0;
  g_assert_nonnull(gdk_pixbuf_get_file_info(png, &w, &h));
  g_assert_cmpint(w, ==, 700);
  g_assert_cmpint(h, >, 0);
  test_remove_tree(dir);
  patina_scan_clear(&s);
  patina_model_free(m);
}

/* ------------------------------------------------------------------ patina-cli scan */
static char *tmp;

static char *in_tmp(const char *name)
{
  return g_build_filename(tmp, name, NULL);
}

static void cli_setup(void)
{
  g_autoptr(GError) error = NULL;
  tmp = g_dir_make_tmp("patina-scan-XXXXXX", &error);
  g_assert_no_error(error);
  g_autofree char *spec = patina_spec_paper(2, 46, 3);
  g_autofree char *model = in_tmp("model.safetensors");
  cli_fixture_model(model, spec, 3);
  /* 150×100: a 316L half beside an AZ31B half */
  g_autofree float *a = g_new(float, 150 * 150), *b = g_new(float, 150 * 150);
  g_autofree float *px = g_new(float, 150 * 100);
  patina_demo_draw(0, 1, 150, a);
  patina_demo_draw(1, 1, 150, b);
  for (int y = 0; y < 100; y++)
    for (int x = 0; x < 150; x++)
      px[y * 150 + x] = x < 75 ? a[y * 150 + x] : b[y * 150 + x];
  g_autofree char *png = in_tmp("surface.png");
  cli_fixture_png(png, px, 150, 100);
  g_autofree char *tiny = in_tmp("tiny.png");
  cli_fixture_png(tiny, px, 40, 40);
  /* wider than the image loader takes (PATINA_IMAGE_MAX_SIDE): refused before decoding */
  g_autofree float *wide_px = g_new0(float, (gsize) (PATINA_IMAGE_MAX_SIDE + 16) * 8);
  g_autofree char *wide = in_tmp("wide.png");
  cli_fixture_png(wide, wide_px, PATINA_IMAGE_MAX_SIDE + 16, 8);
}

static GdkPixbuf *load_png(const char *name)
{
  g_autofree char *path = in_tmp(name);
  g_autoptr(GError) error = NULL;
  GdkPixbuf *pb = gdk_pixbuf_new_from_file(path, &error);
  g_assert_no_error(error);
  return pb;
}

static void test_cli_happy(void)
{
  g_autoptr(CliRun) r = cli_run(tmp, "scan", "model.safetensors", "surface.png", "--stride",
                                "20", "-o", "map.png", "--csv", "tiles.csv", NULL);
  g_assert_cmpint(r->status, ==, 0);
  /* tiles of 46 at stride 20: x 0, 20, ..., 100, 104 (7), y 0, 20, 40, 54 (4) */
  cli_run_assert_contains(r->out, "surface.png: 150×100 pixels, 28 tiles of 46×46 at stride 20");
  double total = 0;
  g_auto(GStrv) lines = g_strsplit(r->out, "\n", -1);
  for (int i = 0; lines[i]; i++) {
    char *pct = strstr(lines[i], " % of the area");
    if (pct) {
      char *start = pct;
      while (start > lines[i] && start[-1] != ' ')
        start--;
      total += g_ascii_strtod(start, NULL);
    }
  }
  g_assert_cmpfloat(fabs(total - 100.0), <=, 0.15);
  cli_run_assert_contains(r->out, "316L ");
  cli_run_assert_contains(r->out, "AZ31B ");

  g_autoptr(GdkPixbuf) both = load_png("map.png");
  g_assert_cmpint(gdk_pixbuf_get_width(both), >=, 2 * 150);
  g_assert_cmpint(gdk_pixbuf_get_height(both), >=, 100);

  g_autofree char *csv_path = in_tmp("tiles.csv");
  g_autofree char *csv = NULL;
  g_assert_true(g_file_get_contents(csv_path, &csv, NULL, NULL));
  g_auto(GStrv) rows = g_strsplit(g_strchomp(csv), "\n", -1);
  g_assert_cmpuint(g_strv_length(rows), ==, 1 + 28);
  g_assert_cmpstr(rows[0], ==, "x,y,size,p_316L,p_AZ31B");
  /* row 7 is the last tile of the first row, moved flush with the right edge */
  g_assert_true(g_str_has_prefix(rows[7], "104,0,46,"));
  for (int i = 1; rows[i]; i++) {
    g_auto(GStrv) f = g_strsplit(rows[i], ",", -1);
    g_assert_cmpuint(g_strv_length(f), ==, 5);
    double p0 = g_ascii_strtod(f[3], NULL), p1 = g_ascii_strtod(f[4], NULL);
    g_assert_cmpfloat(fabs(p0 + p1 - 1.0), <, 1e-5);
  }

  g_autoptr(CliRun) one = cli_run(tmp, "scan", "model.safetensors", "surface.png", "--class",
                                  "az31b", "--dpi", "72", "-o", "one.png", NULL);
  g_assert_cmpint(one->status, ==, 0);
  g_autoptr(GdkPixbuf) single = load_png("one.png");
  g_assert_cmpint(gdk_pixbuf_get_width(single), ==, 504); /* 7 in at 72 dpi */
  /* one panel of half the width (minus margins) at the image's aspect, so shorter than two
   * rows would be */
  g_assert_cmpint(gdk_pixbuf_get_height(single), >, 150);
  g_assert_cmpint(gdk_pixbuf_get_height(single), <, 400);

  /* the most probable class: one panel like --class, with a legend instead of a colorbar */
  g_autoptr(CliRun) best = cli_run(tmp, "scan", "model.safetensors", "surface.png",
                                   "--most-probable", "--dpi", "72", "-o", "best.png", NULL);
  g_assert_cmpint(best->status, ==, 0);
  g_autoptr(GdkPixbuf) best_png = load_png("best.png");
  g_assert_cmpint(gdk_pixbuf_get_width(best_png), ==, 504);
  g_assert_cmpint(gdk_pixbuf_get_height(best_png), >, 150);
  g_assert_cmpint(gdk_pixbuf_get_height(best_png), <, 400);

  g_autoptr(CliRun) pdf = cli_run(tmp, "scan", "model.safetensors", "surface.png", "-o",
                                  "map.pdf", NULL);
  g_assert_cmpint(pdf->status, ==, 0);
  g_autofree char *pdf_path = in_tmp("map.pdf");
  g_autofree char *bytes = NULL;
  g_assert_true(g_file_get_contents(pdf_path, &bytes, NULL, NULL));
  g_assert_cmpint(memcmp(bytes, "%PDF-", 5), ==, 0);
}

static void test_cli_bad_input(void)
{
  struct {
    const char *args[8];
    int code;
    const char *what;
  } cases[] = {
    { { "model.safetensors", "surface.png", "--most-probable", "--class", "1", "-o", "o.png" },
      2, "--most-probable draws every class; leave out --class" },
    { { "model.safetensors", "tiny.png", "-o", "o.png" }, 1,
      "tiny.png: the image is 40×40 pixels, smaller than one 46×46 tile (the model's input "
      "size)" },
    { { "model.safetensors", "surface.png", "-o", "/proc/patina-scan.png" }, 1,
      "/proc/patina-scan.png: cannot write in folder /proc" },
    { { "model.safetensors", "surface.png", "-o", "o.png", "--csv", "/proc/t.csv" }, 1,
      "/proc/t.csv: cannot write in folder /proc" },
    { { "model.safetensors", "surface.png", "--class", "7", "-o", "o.png" }, 2,
      "--class 7: the model's classes are 0 (316L), 1 (AZ31B)" },
    { { "model.safetensors", "surface.png", "--stride", "50", "-o", "o.png" }, 1,
      "a stride of 50 is larger than the 46-pixel tile" },
    { { "model.safetensors", "surface.png", "--tile", "120", "-o", "o.png" }, 1,
      "smaller than one 120×120 tile" },
    { { "model.safetensors", "surface.png", "--batch", "0", "-o", "o.png" }, 2, "--batch 1 to 64" },
    { { "model.safetensors", "nothere.png", "-o", "o.png" }, 1, "nothere.png" },
    { { "model.safetensors", "wide.png", "-o", "o.png" }, 1,
      "wide.png: image declares 16400×8 pixels; the largest Patina accepts is 16384×16384" },
    { { "model.safetensors", "surface.png" }, 2, "-o FILE is required" },
    { { "model.safetensors", "surface.png", "-o", "map.jpg" }, 2,
      "-o map.jpg: the figure's format is told by its extension: .png, .svg or .pdf" },
    { { "model.safetensors", "surface.png", "--dpi", "9000", "-o", "o.png" }, 2,
      "--dpi must be 30 to 2400" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    const char **a = cases[i].args;
    g_autoptr(CliRun) r = cli_run(tmp, "scan", a[0], a[1], a[2], a[3], a[4], a[5], a[6], NULL);
    cli_run_expect_fail(r, cases[i].code, cases[i].what);
  }
  g_autofree char *o = in_tmp("o.png");
  g_assert_false(g_file_test(o, G_FILE_TEST_EXISTS));
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
  g_test_add_func("/scan/figure-rows", test_figure_rows);
  g_test_add_func("/scan/best-class", test_best_class);
  g_test_add_func("/scan/cli", test_cli_happy);
  g_test_add_func("/scan/cli-bad-input", test_cli_bad_input);
  cli_setup();
  int rc = g_test_run();
  test_remove_tree(tmp);
  g_free(tmp);
  return rc;
}
