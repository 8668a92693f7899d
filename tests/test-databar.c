/* The data bar: found on micrographs with a drawn instrument bar (black or white band, text,
 * scale bar, at several heights and value ranges), never on micrographs without one (the demo
 * generator's images, dark micrographs, dark or saturated bottom edges), from metadata when
 * the file says, and cropped on the gray path unless turned off or overridden. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <tiffio.h>

#include "data/databar.h"
#include "data/demo.h"
#include "data/image.h"
#include "rng.h"
#include "tiff-fixture.h"
#include "testutil.h"

static char *tmp_dir;

static char *tmp_path(const char *name)
{
  return g_build_filename(tmp_dir, name, NULL);
}

/* A w×h micrograph: the demo generator's scene (its size is the larger side) cut to size. */
static float *micrograph(int klass, guint64 seed, int w, int h)
{
  int size = MAX(w, h);
  g_autofree float *sq = g_new(float, (gsize) size * size);
  patina_demo_draw(klass, seed, size, sq);
  float *img = g_new(float, (gsize) w * h);
  for (int y = 0; y < h; y++)
    memcpy(img + (gsize) y * w, sq + (gsize) y * size, w * sizeof(float));
  return img;
}

/* A 5×7 pseudo-glyph: a few strokes, as letters and digits have. */
static void draw_glyph(float *img, int w, int x0, int y0, int s, guint32 bits, float fg)
{
  for (int gy = 0; gy < 7; gy++)
    for (int gx = 0; gx < 5; gx++) {
      /* Vertical stems on the left and right, bars on rows 0, 3 and 6, chosen by bits. */
      gboolean on = ((bits & 1) && gx == 0) || ((bits & 2) && gx == 4) ||
                    ((bits & 4) && gy == 0) || ((bits & 8) && gy == 3) ||
                    ((bits & 16) && gy == 6) || ((bits & 32) && gx == 2);
      if (!on)
        continue;
      for (int yy = 0; yy < s; yy++)
        for (int xx = 0; xx < s; xx++)
          img[(gsize) (y0 + gy * s + yy) * w + x0 + gx * s + xx] = fg;
    }
}

/* Paints an instrument bar over the bottom bar_h rows: a flat band, lines of text and a scale
 * bar with end ticks, optionally a separator line across its top. */
static void draw_bar(float *img, int w, int h, int bar_h, float bg, float fg, gboolean line,
                     guint64 seed)
{
  int top = h - bar_h;
  for (gsize i = (gsize) top * w; i < (gsize) h * w; i++)
    img[i] = bg;
  if (line)
    for (int x = 0; x < w; x++)
      img[(gsize) top * w + x] = fg;
  PatinaRng rng_state, *rng = &rng_state;
  patina_rng_init(rng, seed);
  int s = MAX(1, bar_h / 20);
  int lines = bar_h >= 40 ? 2 : 1;
  int line_h = 7 * s;
  int gap = (bar_h - lines * line_h) / (lines + 1);
  for (int l = 0; l < lines; l++) {
    int y0 = top + gap + l * (line_h + gap);
    if (line && y0 == top)
      y0++;
    int x = 4 * s;
    while (x + 6 * s < w * 2 / 3) {
      if (patina_rng_uniform(rng) < 0.15f) { /* space */
        x += 6 * s;
        continue;
      }
      guint32 bits = (guint32) (patina_rng_uniform(rng) * 63) + 1;
      draw_glyph(img, w, x, y0, s, bits, fg);
      x += 6 * s;
    }
  }
  /* Scale bar: a line with ticks, in the right third. */
  int y = top + bar_h / 2;
  int x0 = w * 3 / 4, x1 = MIN(w - 4, x0 + w / 6);
  int t = MAX(2, s);
  for (int yy = y; yy < y + t; yy++)
    for (int xx = x0; xx < x1; xx++)
      img[(gsize) yy * w + xx] = fg;
  for (int yy = y - 2 * t; yy < y + 3 * t && yy < h; yy++)
    for (int xx = 0; xx < t; xx++) {
      img[(gsize) yy * w + x0 + xx] = fg;
      img[(gsize) yy * w + x1 - 1 - xx] = fg;
    }
}

static void assert_bar(const float *img, int w, int h, int bar_h)
{
  PatinaDatabar bar;
  gboolean found = patina_databar_detect(img, w, h, &bar);
  if (!found || bar.bar_rows != bar_h)
    g_error("%d×%d with a %d-row bar: found %s, %d rows", w, h, bar_h,
            patina_databar_reason_to_string(bar.reason), bar.bar_rows);
  g_assert_cmpint(bar.reason, ==, PATINA_DATABAR_DETECTED);
  g_assert_cmpint(bar.keep_rows, ==, h - bar_h);
}

static void assert_no_bar(const float *img, int w, int h, const char *what)
{
  PatinaDatabar bar;
  if (patina_databar_detect(img, w, h, &bar))
    g_error("%s (%d×%d): false data bar of %d rows", what, w, h, bar.bar_rows);
  g_assert_cmpint(bar.reason, ==, PATINA_DATABAR_NONE);
  g_assert_cmpint(bar.keep_rows, ==, h);
  g_assert_cmpint(bar.bar_rows, ==, 0);
}

static void test_detect_heights(void)
{
  const int W = 512, H = 480;
  const int heights[] = {16, 24, 40, 64, 100, 150};
  for (guint i = 0; i < G_N_ELEMENTS(heights); i++) {
    g_autofree float *img = micrograph(i % 2, 100 + i, W, H);
    draw_bar(img, W, H, heights[i], 0.0f, 1.0f, FALSE, i);
    assert_bar(img, W, H, heights[i]);
  }
}

static void test_detect_variants(void)
{
  const int W = 400, H = 300;
  /* White band with black text. */
  g_autofree float *a = micrograph(0, 7, W, H);
  draw_bar(a, W, H, 30, 1.0f, 0.0f, FALSE, 1);
  assert_bar(a, W, H, 30);
  /* A separator line across the top of the bar. */
  g_autofree float *b = micrograph(1, 8, W, H);
  draw_bar(b, W, H, 36, 0.0f, 1.0f, TRUE, 2);
  assert_bar(b, W, H, 36);
  /* Dark-gray band, light-gray text, the micrograph brighter than both. */
  g_autofree float *c = micrograph(0, 9, W, H);
  draw_bar(c, W, H, 44, 0.05f, 0.9f, FALSE, 3);
  assert_bar(c, W, H, 44);
  /* A 16-bit or float value range: the levels are judged relative to the image's range. */
  g_autofree float *d = micrograph(1, 10, W, H);
  draw_bar(d, W, H, 28, 0.0f, 1.0f, FALSE, 4);
  for (int i = 0; i < W * H; i++)
    d[i] = d[i] * 52000.0f + 3000.0f;
  assert_bar(d, W, H, 28);
  /* A dark micrograph (a backscatter image of a dark phase) above a black bar. */
  g_autofree float *e = micrograph(0, 11, W, H);
  for (int i = 0; i < W * H; i++)
    e[i] = 0.05f + 0.3f * e[i];
  draw_bar(e, W, H, 32, 0.0f, 1.0f, FALSE, 5);
  assert_bar(e, W, H, 32);
}

static void test_no_bar_demo(void)
{
  /* The demo generator's images, at the size it writes and at other sizes. */
  for (int klass = 0; klass < 2; klass++)
    for (guint64 seed = 0; seed < 8; seed++) {
      int size = seed < 5 ? PATINA_DEMO_SIZE : 160 + 64 * (int) seed;
      g_autofree float *img = g_new(float, (gsize) size * size);
      patina_demo_draw(klass, seed * 7919 + klass, size, img);
      assert_no_bar(img, size, size, klass ? "demo AZ31B" : "demo 316L");
    }
}

static float noise(PatinaRng *rng, float sd)
{
  return patina_rng_normal(rng) * sd;
}

static void test_no_bar_dark(void)
{
  const int W = 384, H = 320;
  PatinaRng rng_state, *rng = &rng_state;
  patina_rng_init(rng, 42);

  /* A dark micrograph with a few bright particles. */
  g_autofree float *a = micrograph(1, 3, W, H);
  for (int i = 0; i < W * H; i++)
    a[i] = CLAMP(0.02f + 0.1f * a[i] + noise(rng, 0.015f), 0.0f, 1.0f);
  for (int p = 0; p < 40; p++) {
    int cx = (int) (patina_rng_uniform(rng) * (W - 8)) + 4;
    int cy = (int) (patina_rng_uniform(rng) * (H - 8)) + 4;
    for (int y = cy - 3; y <= cy + 3; y++)
      for (int x = cx - 3; x <= cx + 3; x++) {
        float r2 = (float) ((x - cx) * (x - cx) + (y - cy) * (y - cy));
        a[(gsize) y * W + x] = MAX(a[(gsize) y * W + x], expf(-r2 / 4.0f));
      }
  }
  assert_no_bar(a, W, H, "dark micrograph with particles");

  /* A bottom edge fading to black (the specimen tilts away), noisy as SEM images are. */
  g_autofree float *b = micrograph(0, 4, W, H);
  for (int y = 0; y < H; y++) {
    float f = y < H * 0.85f ? 1.0f : 1.0f - (y - H * 0.85f) / (H * 0.15f);
    for (int x = 0; x < W; x++)
      b[(gsize) y * W + x] = CLAMP(b[(gsize) y * W + x] * f + noise(rng, 0.01f), 0.0f, 1.0f);
  }
  assert_no_bar(b, W, H, "bottom fading to black");

  /* The specimen ends: the bottom rows are the black chamber, clipped to exactly 0, with
   * single-pixel bright specks of noise. */
  g_autofree float *c = micrograph(1, 5, W, H);
  for (int y = H - 50; y < H; y++)
    for (int x = 0; x < W; x++)
      c[(gsize) y * W + x] = patina_rng_uniform(rng) < 0.003f ? 1.0f : 0.0f;
  assert_no_bar(c, W, H, "black chamber below the specimen, with specks");
  /* And with nothing at all in it. */
  for (int y = H - 50; y < H; y++)
    memset(c + (gsize) y * W, 0, W * sizeof(float));
  assert_no_bar(c, W, H, "black chamber below the specimen");

  /* A wavy edge into the chamber, with bright debris: not a straight band. */
  g_autofree float *d = micrograph(0, 6, W, H);
  for (int x = 0; x < W; x++) {
    int edge = (int) (H - 40 + 12 * sinf(x * 0.05f));
    for (int y = edge; y < H; y++)
      d[(gsize) y * W + x] = 0.0f;
  }
  for (int k = 0; k < 30; k++) {
    int x0 = (int) (patina_rng_uniform(rng) * (W - 10)), y0 = H - 20;
    for (int y = y0; y < y0 + 4; y++)
      for (int x = x0; x < x0 + 6; x++)
        d[(gsize) y * W + x] = 1.0f;
  }
  assert_no_bar(d, W, H, "wavy edge into the chamber with debris");

  /* Charging: a saturated white region at the bottom with dark pits. */
  g_autofree float *e = micrograph(1, 7, W, H);
  for (int x = 0; x < W; x++) {
    int edge = (int) (H - 60 + 20 * sinf(x * 0.03f) + 6 * sinf(x * 0.21f));
    for (int y = MAX(edge, 0); y < H; y++)
      e[(gsize) y * W + x] = 1.0f;
  }
  for (int k = 0; k < 25; k++) {
    int cx = (int) (patina_rng_uniform(rng) * (W - 10)) + 5, cy = H - 15;
    for (int y = cy - 3; y <= cy + 3; y++)
      for (int x = cx - 3; x <= cx + 3; x++)
        e[(gsize) y * W + x] = 0.2f;
  }
  assert_no_bar(e, W, H, "saturated charging at the bottom");

  /* Flat and tiny images. */
  g_autofree float *flat = g_new0(float, W * H);
  assert_no_bar(flat, W, H, "flat image");
  float tiny[8 * 8] = {0};
  tiny[5] = 1.0f;
  assert_no_bar(tiny, 8, 8, "8×8 image");
}

static void test_metadata(void)
{
  const int W = 256, H = 240;
  g_autofree float *img = micrograph(0, 12, W, H);
  PatinaSemInfo sem = {.databar_height = 59};
  PatinaDatabar bar;
  patina_databar_find(img, W, H, &sem, &bar);
  g_assert_cmpint(bar.reason, ==, PATINA_DATABAR_METADATA);
  g_assert_cmpint(bar.bar_rows, ==, 59);
  g_assert_cmpint(bar.keep_rows, ==, H - 59);
  g_assert_cmpstr(patina_databar_reason_to_string(bar.reason), ==, "metadata");

  /* FEI's ResolutionY agrees: crop. Says the bar is not stored: no crop, even over a drawn
   * one. Fits neither (a resized export): the pixels decide. */
  sem.image_height = H - 59;
  patina_databar_find(img, W, H, &sem, &bar);
  g_assert_cmpint(bar.reason, ==, PATINA_DATABAR_METADATA);
  draw_bar(img, W, H, 20, 0.0f, 1.0f, FALSE, 9);
  sem.image_height = H;
  patina_databar_find(img, W, H, &sem, &bar);
  g_assert_cmpint(bar.reason, ==, PATINA_DATABAR_NONE);
  g_assert_cmpint(bar.keep_rows, ==, H);
  sem.image_height = 1000;
  patina_databar_find(img, W, H, &sem, &bar);
  g_assert_cmpint(bar.reason, ==, PATINA_DATABAR_DETECTED);
  g_assert_cmpint(bar.bar_rows, ==, 20);
  /* A bar as tall as half the image is no bar. */
  PatinaSemInfo tall = {.databar_height = H / 2};
  g_autofree float *plain = micrograph(1, 13, W, H);
  patina_databar_find(plain, W, H, &tall, &bar);
  g_assert_cmpint(bar.reason, ==, PATINA_DATABAR_NONE);
  patina_databar_find(plain, W, H, NULL, &bar);
  g_assert_cmpint(bar.reason, ==, PATINA_DATABAR_NONE);
}

static void write_tiff16(const char *path, const float *img, int w, int h, const char *fei)
{
  g_autofree guint16 *px = g_new(guint16, (gsize) w * h);
  for (int i = 0; i < w * h; i++)
    px[i] = (guint16) lrintf(CLAMP(img[i], 0.0f, 1.0f) * 65535.0f);
  fixture_write_tiff(path, &(FixtureTiff){.width = w, .height = h, .spp = 1, .bps = 16,
                                          .compression = COMPRESSION_ADOBE_DEFLATE, .fei = fei},
                     px);
}

static void test_load_crop(void)
{
  const int W = 320, H = 256, BAR = 30;
  g_autofree float *img = micrograph(1, 21, W, H);
  draw_bar(img, W, H, BAR, 0.0f, 1.0f, FALSE, 21);
  g_autofree char *path = tmp_path("bar.tif");
  write_tiff16(path, img, W, H, NULL);
  g_autoptr(GError) error = NULL;

  /* Default: cropped, and the gray path says why. */
  g_autoptr(PatinaGray) g = patina_gray_load(path, &error);
  g_assert_no_error(error);
  g_assert_cmpint(g->height, ==, H - BAR);
  g_assert_cmpint(g->databar.reason, ==, PATINA_DATABAR_DETECTED);
  g_assert_cmpint(g->databar.bar_rows, ==, BAR);
  g_assert_cmpfloat(g->pixels[(gsize) (H - BAR - 1) * W + 5], ==,
                    (float) lrintf(img[(gsize) (H - BAR - 1) * W + 5] * 65535.0f) / 65535.0f);

  /* Turned off. */
  g_autoptr(PatinaGray) off =
      patina_gray_load_full(path, &(PatinaLoadOptions){.crop = PATINA_CROP_OFF}, &error);
  g_assert_no_error(error);
  g_assert_cmpint(off->height, ==, H);
  g_assert_cmpint(off->databar.reason, ==, PATINA_DATABAR_NONE);

  /* Overridden per call: 12 rows, or none. */
  g_autoptr(PatinaGray) rows = patina_gray_load_full(
      path, &(PatinaLoadOptions){.crop = PATINA_CROP_ROWS, .crop_rows = 12}, &error);
  g_assert_no_error(error);
  g_assert_cmpint(rows->height, ==, H - 12);
  g_assert_cmpint(rows->databar.reason, ==, PATINA_DATABAR_USER);
  g_assert_cmpint(rows->databar.bar_rows, ==, 12);
  g_autoptr(PatinaGray) zero = patina_gray_load_full(
      path, &(PatinaLoadOptions){.crop = PATINA_CROP_ROWS, .crop_rows = 0}, &error);
  g_assert_no_error(error);
  g_assert_cmpint(zero->height, ==, H);
  g_autoptr(PatinaGray) all = patina_gray_load_full(
      path, &(PatinaLoadOptions){.crop = PATINA_CROP_ROWS, .crop_rows = H}, &error);
  g_assert_null(all);
  g_assert_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CROP);
  g_assert_nonnull(strstr(error->message, "bar.tif"));
  g_clear_error(&error);

  /* The network input: resized from the cropped micrograph. */
  const int S = 64;
  g_autofree float *in = g_new(float, S * S);
  g_autofree float *want = g_new(float, S * S);
  PatinaDatabar bar;
  g_assert_true(patina_image_load_input_full(path, S, 1, NULL, in, &bar, &error));
  g_assert_no_error(error);
  g_assert_cmpint(bar.bar_rows, ==, BAR);
  patina_resize_bilinear(g->pixels, g->width, g->height, want, S, S);
  g_assert_cmpmem(in, S * S * sizeof(float), want, S * S * sizeof(float));
  float in3[3 * 16 * 16];
  g_assert_true(patina_image_load_input(path, 16, 3, in3, &error));

  /* FEI metadata: the bar's height from the tag, no heuristic needed. */
  g_autofree float *plain = micrograph(0, 22, W, H);
  g_autofree char *fpath = tmp_path("fei-bar.tif");
  write_tiff16(fpath, plain, W, H,
               "[Scan]\r\nPixelWidth=5e-09\r\n[PrivateFei]\r\nDatabarHeight=17\r\n");
  g_autoptr(PatinaGray) f = patina_gray_load(fpath, &error);
  g_assert_no_error(error);
  g_assert_cmpint(f->databar.reason, ==, PATINA_DATABAR_METADATA);
  g_assert_cmpint(f->height, ==, H - 17);
  g_assert_cmpfloat(f->sem.pixel_size, ==, 5e-9);

  /* 8-bit PNG through gdk-pixbuf, same bar. */
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, W, H);
  guint8 *px = gdk_pixbuf_get_pixels(pb);
  int stride = gdk_pixbuf_get_rowstride(pb);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      memset(px + (gsize) y * stride + 3 * x, (int) lrintf(img[(gsize) y * W + x] * 255.0f), 3);
  g_autofree char *ppath = tmp_path("bar.png");
  g_assert_true(gdk_pixbuf_save(pb, ppath, "png", &error, NULL));
  g_autoptr(PatinaGray) p = patina_gray_load(ppath, &error);
  g_assert_no_error(error);
  g_assert_cmpint(p->databar.bar_rows, ==, BAR);

  /* A demo data set image keeps all its rows through the loader. */
  g_autofree char *demo = tmp_path("demo");
  g_assert_true(patina_demo_generate(demo, 1, 5, &error));
  g_autofree char *first = g_build_filename(demo, "AZ31B", "AZ31B_000.png", NULL);
  g_autoptr(PatinaGray) d = patina_gray_load(first, &error);
  g_assert_no_error(error);
  g_assert_cmpint(d->height, ==, PATINA_DEMO_SIZE);
  g_assert_cmpint(d->databar.reason, ==, PATINA_DATABAR_NONE);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp("patina-test-databar-XXXXXX", NULL);
  g_assert_nonnull(tmp_dir);

  g_test_add_func("/databar/detect/heights", test_detect_heights);
  g_test_add_func("/databar/detect/variants", test_detect_variants);
  g_test_add_func("/databar/none/demo", test_no_bar_demo);
  g_test_add_func("/databar/none/dark-and-edges", test_no_bar_dark);
  g_test_add_func("/databar/metadata", test_metadata);
  g_test_add_func("/databar/load-crop", test_load_crop);

  int rc = g_test_run();
  test_remove_tree(tmp_dir);
  g_free(tmp_dir);
  return rc;
}
