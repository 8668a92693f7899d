/* TIFF decoding: every layout Patina reads, at native precision, and the bad files a data
 * folder holds (truncated, lying, empty, huge-declared, unreadable, not an image). Fixtures
 * are written by libtiff (or by hand where libtiff will not write the lie) into a temporary
 * folder. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <tiffio.h>
#include <unistd.h>

#include "data/image.h"
#include "data/tiff.h"
#include "tiff-fixture.h"
#include "testutil.h"

static char *tmp_dir;

static char *tmp_path(const char *name)
{
  return g_build_filename(tmp_dir, name, NULL);
}

static PatinaImage *load_ok(const char *path)
{
  g_autoptr(GError) error = NULL;
  PatinaImage *img = patina_image_load(path, NULL, &error);
  g_assert_no_error(error);
  g_assert_nonnull(img);
  return img;
}

/* Loads path expecting an error that names the file and contains needle. */
static void assert_fails(const char *path, const PatinaLoadLimits *limits, GQuark domain,
                         int code, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaImage) img = patina_image_load(path, limits, &error);
  g_assert_null(img);
  g_assert_nonnull(error);
  g_test_message("%s", error->message);
  if (domain != 0)
    g_assert_error(error, domain, code);
  g_autofree char *shown = g_filename_display_name(path);
  g_assert_nonnull(strstr(error->message, shown));
  if (needle != NULL)
    g_assert_nonnull(strstr(error->message, needle));
  /* The gray path and the network input refuse it the same way, without crashing. */
  g_autoptr(GError) e2 = NULL;
  float out[3 * 8 * 8];
  if (limits == NULL)
    g_assert_false(patina_image_load_input(path, 8, 3, out, &e2));
}

/* ---- layouts ------------------------------------------------------------------------------ */

static void test_gray8_strips(void)
{
  enum { W = 37, H = 23 };
  guint8 px[W * H];
  for (int i = 0; i < W * H; i++)
    px[i] = (guint8) (i * 7 + i / W * 13);
  g_autofree char *path = tmp_path("gray8.tif");
  fixture_write_tiff(path, &(FixtureTiff){.width = W, .height = H, .spp = 1, .bps = 8,
                                          .rows_per_strip = 5},
                     px);
  g_autoptr(PatinaImage) img = load_ok(path);
  g_assert_cmpint(img->width, ==, W);
  g_assert_cmpint(img->height, ==, H);
  g_assert_cmpint(img->channels, ==, 1);
  g_assert_cmpint(img->bits_per_sample, ==, 8);
  g_assert_false(img->is_float);
  for (int i = 0; i < W * H; i++)
    g_assert_cmpfloat(img->data[i], ==, px[i] / 255.0f);
}

static void test_gray16_native(void)
{
  enum { W = 64, H = 40 };
  guint16 px[W * H];
  for (int i = 0; i < W * H; i++)
    px[i] = (guint16) (i * 977 + 3);
  /* Neighbouring 16-bit levels that one 8-bit level would merge. */
  px[0] = 257;
  px[1] = 258;
  g_autofree char *path = tmp_path("gray16.tif");
  fixture_write_tiff(path, &(FixtureTiff){.width = W, .height = H, .spp = 1, .bps = 16}, px);
  g_autoptr(PatinaImage) img = load_ok(path);
  g_assert_cmpint(img->bits_per_sample, ==, 16);
  for (int i = 0; i < W * H; i++)
    g_assert_cmpfloat(img->data[i], ==, px[i] / 65535.0f);
  g_assert_cmpfloat(img->data[0], !=, img->data[1]);

  /* The gray path and the network input keep it too. */
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaGray) gray =
      patina_gray_load_full(path, &(PatinaLoadOptions){.crop = PATINA_CROP_OFF}, &error);
  g_assert_no_error(error);
  g_assert_cmpint(gray->bits_per_sample, ==, 16);
  g_assert_cmpmem(gray->pixels, sizeof(float) * W * H, img->data, sizeof(float) * W * H);
  float in[W * W];
  g_assert_true(patina_image_load_input_full(
      path, W, 1, &(PatinaLoadOptions){.crop = PATINA_CROP_OFF}, in, NULL, &error));
  g_assert_cmpfloat(in[0], ==, 257 / 65535.0f);
  g_assert_cmpfloat(in[1], ==, 258 / 65535.0f);
}

static void test_float32(void)
{
  enum { W = 20, H = 10 };
  float px[W * H];
  for (int i = 0; i < W * H; i++)
    px[i] = (i - 50) * 0.37f; /* negative and above 1: kept as they are */
  g_autofree char *path = tmp_path("float.tif");
  fixture_write_tiff(path, &(FixtureTiff){.width = W, .height = H, .spp = 1, .bps = 32,
                                          .format = SAMPLEFORMAT_IEEEFP},
                     px);
  g_autoptr(PatinaImage) img = load_ok(path);
  g_assert_true(img->is_float);
  g_assert_cmpint(img->bits_per_sample, ==, 32);
  g_assert_cmpmem(img->data, sizeof px, px, sizeof px);

  double d[W * H];
  for (int i = 0; i < W * H; i++)
    d[i] = px[i];
  g_autofree char *path64 = tmp_path("float64.tif");
  fixture_write_tiff(path64, &(FixtureTiff){.width = W, .height = H, .spp = 1, .bps = 64,
                                            .format = SAMPLEFORMAT_IEEEFP},
                     d);
  g_autoptr(PatinaImage) img64 = load_ok(path64);
  g_assert_cmpmem(img64->data, sizeof px, px, sizeof px);

  /* Big-endian files (Motorola order, as some Macs and older instruments write), and the
   * floating-point predictor. (Not both at once: libtiff 4.5.0 writes that combination
   * byte-swapped, while it reads a hand-made one correctly.) */
  g_autofree char *path_be = tmp_path("float-be.tif");
  fixture_write_tiff(path_be, &(FixtureTiff){.width = W, .height = H, .spp = 1, .bps = 32,
                                             .format = SAMPLEFORMAT_IEEEFP, .big_endian = TRUE,
                                             .compression = COMPRESSION_ADOBE_DEFLATE},
                     px);
  g_autoptr(PatinaImage) img_be = load_ok(path_be);
  g_assert_cmpmem(img_be->data, sizeof px, px, sizeof px);
  g_autofree char *path_p3 = tmp_path("float-predictor.tif");
  fixture_write_tiff(path_p3, &(FixtureTiff){.width = W, .height = H, .spp = 1, .bps = 32,
                                             .format = SAMPLEFORMAT_IEEEFP, .predictor = 3,
                                             .compression = COMPRESSION_ADOBE_DEFLATE},
                     px);
  g_autoptr(PatinaImage) img_p3 = load_ok(path_p3);
  g_assert_cmpmem(img_p3->data, sizeof px, px, sizeof px);
}

static void test_float_nonfinite(void)
{
  enum { W = 8, H = 6 };
  float px[W * H] = {0};
  g_autofree char *path = tmp_path("nan.tif");
  px[3 * W + 5] = NAN;
  fixture_write_tiff(path, &(FixtureTiff){.width = W, .height = H, .spp = 1, .bps = 32,
                                          .format = SAMPLEFORMAT_IEEEFP},
                     px);
  assert_fails(path, NULL, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_BAD_VALUE, "(x 5, y 3)");
  px[3 * W + 5] = 0;
  px[W * H - 1] = INFINITY;
  fixture_write_tiff(path, &(FixtureTiff){.width = W, .height = H, .spp = 1, .bps = 32,
                                          .format = SAMPLEFORMAT_IEEEFP, .tile = 16},
                     px);
  assert_fails(path, NULL, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_BAD_VALUE, "infinite");
}

static void test_min_is_white(void)
{
  guint8 px8[] = {0, 51, 255, 128};
  g_autofree char *path = tmp_path("white8.tif");
  fixture_write_tiff(path, &(FixtureTiff){.width = 2, .height = 2, .spp = 1, .bps = 8,
                                          .min_is_white = TRUE},
                     px8);
  g_autoptr(PatinaImage) img = load_ok(path);
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon(img->data[i], 1.0f - px8[i] / 255.0f, 1e-7);

  guint16 px16[] = {0, 1000, 65535, 30000};
  g_autofree char *path16 = tmp_path("white16.tif");
  fixture_write_tiff(path16, &(FixtureTiff){.width = 2, .height = 2, .spp = 1, .bps = 16,
                                            .min_is_white = TRUE},
                     px16);
  g_autoptr(PatinaImage) img16 = load_ok(path16);
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon(img16->data[i], 1.0f - px16[i] / 65535.0f, 1e-7);
}

/* One RGB picture written in several layouts must decode to the same floats. */
static void test_rgb_layouts(void)
{
  enum { W = 45, H = 33 };
  guint16 px[W * H * 3];
  guint8 px8[W * H * 3];
  for (int i = 0; i < W * H * 3; i++) {
    px[i] = (guint16) (i * 4099 + 17);
    px8[i] = (guint8) (i * 31 + i / 3);
  }
  const struct {
    const char *name;
    FixtureTiff spec;
  } cases[] = {
    {"rgb16-contig.tif", {.width = W, .height = H, .spp = 3, .bps = 16}},
    {"rgb16-separate.tif", {.width = W, .height = H, .spp = 3, .bps = 16, .separate = TRUE,
                            .rows_per_strip = 7}},
    {"rgb16-tiles.tif", {.width = W, .height = H, .spp = 3, .bps = 16, .tile = 16}},
    {"rgb16-tiles-separate.tif",
     {.width = W, .height = H, .spp = 3, .bps = 16, .tile = 32, .separate = TRUE}},
    {"rgb16-deflate.tif", {.width = W, .height = H, .spp = 3, .bps = 16,
                           .compression = COMPRESSION_ADOBE_DEFLATE, .predictor = 2}},
    {"rgb16-lzw-tiles.tif", {.width = W, .height = H, .spp = 3, .bps = 16, .tile = 16,
                             .compression = COMPRESSION_LZW}},
    {"rgb16-big-endian.tif", {.width = W, .height = H, .spp = 3, .bps = 16, .big_endian = TRUE}},
    {"rgb16-big-endian-tiles.tif",
     {.width = W, .height = H, .spp = 3, .bps = 16, .tile = 16, .separate = TRUE,
      .big_endian = TRUE, .compression = COMPRESSION_ADOBE_DEFLATE, .predictor = 2}},
  };
  for (guint k = 0; k < G_N_ELEMENTS(cases); k++) {
    g_autofree char *path = tmp_path(cases[k].name);
    fixture_write_tiff(path, &cases[k].spec, px);
    g_autoptr(PatinaImage) img = load_ok(path);
    g_test_message("%s", cases[k].name);
    g_assert_cmpint(img->channels, ==, 3);
    g_assert_cmpint(img->bits_per_sample, ==, 16);
    for (int i = 0; i < W * H * 3; i++)
      g_assert_cmpfloat(img->data[i], ==, px[i] / 65535.0f);
  }

  g_autofree char *path8 = tmp_path("rgb8-separate.tif");
  fixture_write_tiff(path8, &(FixtureTiff){.width = W, .height = H, .spp = 3, .bps = 8,
                                           .separate = TRUE},
                     px8);
  g_autoptr(PatinaImage) img8 = load_ok(path8);
  for (int i = 0; i < W * H * 3; i++)
    g_assert_cmpfloat(img8->data[i], ==, px8[i] / 255.0f);

  /* To gray: BT.601 luma in float. */
  g_autoptr(PatinaGray) gray = patina_gray_from_image(img8);
  for (int i = 0; i < W * H; i++) {
    const float *p = img8->data + 3 * i;
    float want = p[0] == p[1] && p[1] == p[2] ? p[0]
                                              : 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
    g_assert_cmpfloat(gray->pixels[i], ==, want);
  }
}

static void test_rgb_float_tiled_alpha(void)
{
  enum { W = 19, H = 21 };
  float px[W * H * 4];
  for (int i = 0; i < W * H * 4; i++)
    px[i] = (float) i / 100.0f;
  g_autofree char *path = tmp_path("rgba-float.tif");
  fixture_write_tiff(path, &(FixtureTiff){.width = W, .height = H, .spp = 4, .bps = 32,
                                          .format = SAMPLEFORMAT_IEEEFP, .tile = 16},
                     px);
  g_autoptr(PatinaImage) img = load_ok(path);
  g_assert_cmpint(img->channels, ==, 3);
  for (int i = 0; i < W * H; i++)
    for (int c = 0; c < 3; c++)
      g_assert_cmpfloat(img->data[3 * i + c], ==, px[4 * i + c]);

  /* Gray with alpha: the alpha sample is dropped. */
  guint8 ga[W * H * 2];
  for (int i = 0; i < W * H * 2; i++)
    ga[i] = (guint8) (i % 2 ? 7 : i);
  g_autofree char *path2 = tmp_path("gray-alpha.tif");
  fixture_write_tiff(path2, &(FixtureTiff){.width = W, .height = H, .spp = 2, .bps = 8}, ga);
  g_autoptr(PatinaImage) img2 = load_ok(path2);
  g_assert_cmpint(img2->channels, ==, 1);
  for (int i = 0; i < W * H; i++)
    g_assert_cmpfloat(img2->data[i], ==, ga[2 * i] / 255.0f);
}

static void test_first_page_only(void)
{
  guint16 px[6] = {1, 2, 3, 4, 5, 60000};
  g_autofree char *path = tmp_path("pages.tif");
  fixture_write_tiff(path, &(FixtureTiff){.width = 3, .height = 2, .spp = 1, .bps = 16,
                                          .extra_pages = 2},
                     px);
  g_autoptr(PatinaImage) img = load_ok(path);
  g_assert_cmpint(img->width, ==, 3);
  g_assert_cmpint(img->height, ==, 2);
  g_assert_cmpfloat(img->data[5], ==, 60000 / 65535.0f);
}

static void test_palette_and_bilevel(void)
{
  /* 8-bit palette through libtiff's RGBA reader. */
  guint16 cmap[3 * 256] = {0};
  cmap[1] = 65535;           /* index 1: red */
  cmap[256 + 2] = 65535;     /* index 2: green */
  cmap[2 * 256 + 3] = 65535; /* index 3: blue */
  guint8 idx[] = {0, 1, 2, 3};
  g_autofree char *path = tmp_path("palette.tif");
  fixture_write_tiff(path, &(FixtureTiff){.width = 2, .height = 2, .spp = 1, .bps = 8,
                                          .photometric = PHOTOMETRIC_PALETTE, .colormap = cmap},
                     idx);
  g_autoptr(PatinaImage) img = load_ok(path);
  g_assert_cmpint(img->channels, ==, 3);
  const float want[] = {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
  g_assert_cmpmem(img->data, sizeof want, want, sizeof want);

  /* 1-bit bilevel, 10 pixels wide (two bytes a row). */
  guint8 bits[] = {0xA5, 0x80, 0xFF, 0x40};
  g_autofree char *path1 = tmp_path("bilevel.tif");
  fixture_write_tiff(path1, &(FixtureTiff){.width = 10, .height = 2, .spp = 1, .bps = 1}, bits);
  g_autoptr(PatinaImage) bl = load_ok(path1);
  g_assert_cmpint(bl->channels, ==, 1);
  g_assert_cmpint(bl->bits_per_sample, ==, 1);
  const float row0[] = {1, 0, 1, 0, 0, 1, 0, 1, 1, 0};
  const float row1[] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 1};
  g_assert_cmpmem(bl->data, sizeof row0, row0, sizeof row0);
  g_assert_cmpmem(bl->data + 10, sizeof row1, row1, sizeof row1);
}

static void test_thin_images(void)
{
  guint16 col[100], row[100];
  for (int i = 0; i < 100; i++)
    col[i] = row[i] = (guint16) (i * 600);
  g_autofree char *p1 = tmp_path("1xN.tif");
  g_autofree char *p2 = tmp_path("Nx1.tif");
  fixture_write_tiff(p1, &(FixtureTiff){.width = 1, .height = 100, .spp = 1, .bps = 16}, col);
  fixture_write_tiff(p2, &(FixtureTiff){.width = 100, .height = 1, .spp = 1, .bps = 16,
                                        .tile = 16},
                     row);
  const char *paths[] = {p1, p2};
  for (int k = 0; k < 2; k++) {
    g_autoptr(PatinaImage) img = load_ok(paths[k]);
    g_assert_cmpint(img->width * img->height, ==, 100);
    g_assert_cmpfloat(img->data[99], ==, 99 * 600 / 65535.0f);
    g_autoptr(GError) error = NULL;
    g_autoptr(PatinaGray) gray = patina_gray_load(paths[k], &error);
    g_assert_no_error(error);
    g_assert_cmpint(gray->databar.reason, ==, PATINA_DATABAR_NONE);
    float in[2 * 16 * 16];
    g_assert_true(patina_image_load_input(paths[k], 16, 2, in, &error));
    g_assert_no_error(error);
  }
}

/* ---- bad input ------------------------------------------------------------------------------ */

static GBytes *read_bytes(const char *path)
{
  char *data;
  gsize len;
  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  return g_bytes_new_take(data, len);
}

static void test_truncated(void)
{
  enum { W = 96, H = 64 };
  guint8 px[W * H];
  for (int i = 0; i < W * H; i++)
    px[i] = (guint8) (i ^ (i >> 5));
  g_autofree char *whole = tmp_path("whole.tif");
  g_autofree char *path = tmp_path("truncated.tif");
  const FixtureTiff layouts[] = {
    {.width = W, .height = H, .spp = 1, .bps = 8, .rows_per_strip = 8},
    {.width = W, .height = H, .spp = 1, .bps = 8, .tile = 32},
    {.width = W, .height = H, .spp = 1, .bps = 8, .compression = COMPRESSION_ADOBE_DEFLATE},
    {.width = W, .height = H, .spp = 1, .bps = 8, .compression = COMPRESSION_LZW, .tile = 32},
  };
  for (guint k = 0; k < G_N_ELEMENTS(layouts); k++) {
    fixture_write_tiff(whole, &layouts[k], px);
    g_autoptr(GBytes) bytes = read_bytes(whole);
    gsize len;
    const char *data = g_bytes_get_data(bytes, &len);
    /* libtiff writes pixel data first and the directory last: cut into the directory, into
     * the pixels, and right after the header. */
    const gsize cuts[] = {len - 20, len / 2, 8 + 40, 16, 6, 0};
    for (guint c = 0; c < G_N_ELEMENTS(cuts); c++) {
      g_assert_true(g_file_set_contents(path, data, (gssize) cuts[c], NULL));
      assert_fails(path, NULL, 0, 0, NULL);
    }
  }

  /* Uncompressed strips cut short, directory intact: told from the sizes before decoding. */
  guint32 tail_off = fixture_raw_tail_offset(8);
  const FixtureEntry e[] = {
    {256, TIFF_LONG, 1, W},          {257, TIFF_LONG, 1, H},
    {258, TIFF_SHORT, 1, 8},         {259, TIFF_SHORT, 1, 1},
    {262, TIFF_SHORT, 1, 1},         {273, TIFF_LONG, 1, tail_off},
    {278, TIFF_LONG, 1, H},          {279, TIFF_LONG, 1, W * H},
  };
  g_autoptr(GBytes) cut = fixture_raw_tiff(e, 8, px, W * H / 3);
  fixture_write_bytes(path, cut);
  assert_fails(path, NULL, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT, "truncated");
  /* The same with all its bytes loads. */
  g_autoptr(GBytes) full = fixture_raw_tiff(e, 8, px, W * H);
  fixture_write_bytes(path, full);
  g_autoptr(PatinaImage) img = load_ok(path);
  g_assert_cmpfloat(img->data[W * H - 1], ==, px[W * H - 1] / 255.0f);
}

/* A directory claiming width×height 8-bit gray pixels in one strip of strip_bytes at the end
 * of a file that holds tail_len bytes. */
static GBytes *lying_tiff(guint32 width, guint32 height, guint16 bps, guint16 spp,
                          guint16 compression, gsize tail_len)
{
  guint32 tail_off = fixture_raw_tail_offset(9);
  const FixtureEntry e[] = {
    {256, TIFF_LONG, 1, width},       {257, TIFF_LONG, 1, height},
    {258, TIFF_SHORT, 1, bps},        {259, TIFF_SHORT, 1, compression},
    {262, TIFF_SHORT, 1, spp >= 3 ? 2 : 1}, {273, TIFF_LONG, 1, tail_off},
    {277, TIFF_SHORT, 1, spp},        {278, TIFF_LONG, 1, height},
    {279, TIFF_LONG, 1, (guint32) tail_len},
  };
  g_autofree guint8 *tail = g_malloc0(tail_len + 1);
  for (gsize i = 0; i < tail_len; i++)
    tail[i] = (guint8) (i * 13);
  return fixture_raw_tiff(e, 9, tail, tail_len);
}

static void test_lying_dimensions(void)
{
  g_autofree char *path = tmp_path("lying.tif");
  /* 100000×100000 with 64 bytes: refused from the header, named with the limit. */
  g_autoptr(GBytes) b1 = lying_tiff(100000, 100000, 8, 1, COMPRESSION_NONE, 64);
  fixture_write_bytes(path, b1);
  assert_fails(path, NULL, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_TOO_LARGE, "16384");

  /* Within the limits but far more pixels than bytes: refused before allocating. */
  g_autoptr(GBytes) b2 = lying_tiff(12000, 12000, 8, 1, COMPRESSION_NONE, 64);
  fixture_write_bytes(path, b2);
  assert_fails(path, NULL, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT, "truncated");

  /* Compressed, so the size cannot tell: the decoder finds out. */
  g_autoptr(GBytes) b3 = lying_tiff(3000, 2000, 8, 1, COMPRESSION_ADOBE_DEFLATE, 64);
  fixture_write_bytes(path, b3);
  assert_fails(path, NULL, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT, NULL);

  /* A caller's tighter limits. */
  g_autoptr(GBytes) b4 = lying_tiff(300, 200, 8, 1, COMPRESSION_NONE, 300 * 200);
  fixture_write_bytes(path, b4);
  assert_fails(path, &(PatinaLoadLimits){.max_width = 256}, PATINA_IMAGE_ERROR,
               PATINA_IMAGE_ERROR_TOO_LARGE, "256×16384");
  assert_fails(path, &(PatinaLoadLimits){.max_bytes = 100000}, PATINA_IMAGE_ERROR,
               PATINA_IMAGE_ERROR_TOO_LARGE, "MiB");
  g_autoptr(PatinaImage) ok = load_ok(path);
  g_assert_cmpint(ok->width, ==, 300);
}

static void test_huge_declared(void)
{
  g_autofree char *path = tmp_path("huge.tif");
  /* 16000×16000 RGB: inside the side limit, but 2.9 GiB as float. */
  g_autoptr(GBytes) b = lying_tiff(16000, 16000, 8, 3, COMPRESSION_NONE, 1024);
  fixture_write_bytes(path, b);
  assert_fails(path, NULL, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_TOO_LARGE, "1024.0 MiB");
  /* A 2 GB 16-bit gray claim past the side limit. */
  g_autoptr(GBytes) b2 = lying_tiff(40000, 25000, 16, 1, COMPRESSION_NONE, 1024);
  fixture_write_bytes(path, b2);
  assert_fails(path, NULL, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_TOO_LARGE, "40000×25000");
  /* Allowed by raised limits, the claim still meets the file size check, not malloc. */
  PatinaLoadLimits big = {.max_width = 40000, .max_height = 40000,
                          .max_bytes = G_GUINT64_CONSTANT(8) << 30};
  assert_fails(path, &big, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT, "truncated");
}

static void test_empty_dimensions(void)
{
  g_autofree char *path = tmp_path("zero.tif");
  const guint32 dims[][2] = {{0, 0}, {0, 10}, {10, 0}};
  for (guint k = 0; k < G_N_ELEMENTS(dims); k++) {
    g_autoptr(GBytes) b = lying_tiff(dims[k][0], dims[k][1], 8, 1, COMPRESSION_NONE, 16);
    fixture_write_bytes(path, b);
    assert_fails(path, NULL, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT, NULL);
  }
}

static void test_not_an_image(void)
{
  g_autofree char *path = tmp_path("notes.tif");
  g_assert_true(g_file_set_contents(path, "EHT = 20 kV\nMag = 500 X\n", -1, NULL));
  assert_fails(path, NULL, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT, "not an image");

  /* A TIFF signature and garbage. */
  guint8 junk[200];
  memcpy(junk, "II*\0", 4);
  for (int i = 4; i < 200; i++)
    junk[i] = (guint8) (i * 73 + 11);
  g_assert_true(g_file_set_contents(path, (const char *) junk, sizeof junk, NULL));
  assert_fails(path, NULL, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT, "TIFF");
  g_assert_true(g_file_set_contents(path, "MM\0*", 4, NULL));
  assert_fails(path, NULL, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT, "TIFF");

  g_autofree char *empty = tmp_path("empty.tif");
  g_assert_true(g_file_set_contents(empty, "", 0, NULL));
  assert_fails(empty, NULL, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT, "not an image");

  /* A folder and a FIFO named like images: refused, the FIFO without blocking. */
  g_autofree char *dir = tmp_path("folder.tif");
  g_assert_cmpint(g_mkdir(dir, 0755), ==, 0);
  assert_fails(dir, NULL, G_FILE_ERROR, G_FILE_ERROR_ISDIR, "not a regular file");
  g_autofree char *fifo = tmp_path("fifo.tif");
  if (mkfifo(fifo, 0644) == 0)
    assert_fails(fifo, NULL, G_FILE_ERROR, G_FILE_ERROR_INVAL, "not a regular file");

  g_autofree char *missing = tmp_path("missing.tif");
  assert_fails(missing, NULL, G_FILE_ERROR, G_FILE_ERROR_NOENT, "no such file");

  /* Valid but unsupported: signed 16-bit. */
  g_autofree char *signed16 = tmp_path("signed.tif");
  gint16 s16[4] = {-5, 3, 1000, -1000};
  fixture_write_tiff(signed16, &(FixtureTiff){.width = 2, .height = 2, .spp = 1, .bps = 16,
                                              .format = SAMPLEFORMAT_INT},
                     s16);
  assert_fails(signed16, NULL, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_UNSUPPORTED, "signed");
}

static void test_unreadable(void)
{
  guint8 px[16] = {0};
  g_autofree char *path = tmp_path("locked.tif");
  fixture_write_tiff(path, &(FixtureTiff){.width = 4, .height = 4, .spp = 1, .bps = 8}, px);
  g_assert_cmpint(g_chmod(path, 0), ==, 0);
  int fd = g_open(path, O_RDONLY, 0);
  if (fd >= 0) {
    /* Root reads it anyway: nothing to check. */
    close(fd);
    g_chmod(path, 0644);
    g_test_skip("running as a user that can read a mode-000 file");
    return;
  }
  assert_fails(path, NULL, G_FILE_ERROR, G_FILE_ERROR_ACCES, "cannot read");
  g_chmod(path, 0644);
}

/* libtiff's complaints about a broken file land in the GError, never on stderr. */
static void test_quiet(void)
{
  if (g_test_subprocess()) {
    g_autofree char *path = tmp_path("quiet.tif");
    g_autoptr(GBytes) b = lying_tiff(64, 64, 8, 1, COMPRESSION_ADOBE_DEFLATE, 100);
    fixture_write_bytes(path, b);
    g_autoptr(GError) error = NULL;
    g_autoptr(PatinaImage) img = patina_image_load(path, NULL, &error);
    g_assert_null(img);
    g_assert_nonnull(error);
    /* Unknown tags warn inside libtiff; those stay quiet too. */
    guint32 off = fixture_raw_tail_offset(9);
    const FixtureEntry e[] = {
      {256, TIFF_LONG, 1, 4},   {257, TIFF_LONG, 1, 4},   {258, TIFF_SHORT, 1, 8},
      {262, TIFF_SHORT, 1, 1},  {273, TIFF_LONG, 1, off}, {278, TIFF_LONG, 1, 4},
      {279, TIFF_LONG, 1, 16},  {40000, TIFF_SHORT, 1, 7}, {40001, TIFF_LONG, 1, 9},
    };
    guint8 px[16] = {0};
    g_autoptr(GBytes) b2 = fixture_raw_tiff(e, 9, px, 16);
    fixture_write_bytes(path, b2);
    g_autoptr(PatinaImage) ok = patina_image_load(path, NULL, NULL);
    g_assert_nonnull(ok);
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("");
}

typedef struct {
  const char *path;
  gboolean expect_ok;
} ThreadJob;

static gpointer load_many(gpointer data)
{
  const ThreadJob *job = data;
  g_autofree char *shown = g_filename_display_name(job->path);
  for (int i = 0; i < 30; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(PatinaImage) img = patina_image_load(job->path, NULL, &error);
    if (job->expect_ok != (img != NULL))
      return GINT_TO_POINTER(1);
    /* A message belongs to its own file, not to another thread's. */
    if (!job->expect_ok && strstr(error->message, shown) == NULL)
      return GINT_TO_POINTER(1);
  }
  return NULL;
}

static void test_threads(void)
{
  g_autofree char *good = tmp_path("thread-good.tif");
  g_autofree char *bad1 = tmp_path("thread-bad1.tif");
  g_autofree char *bad2 = tmp_path("thread-bad2.tif");
  guint16 px[64 * 64];
  for (int i = 0; i < 64 * 64; i++)
    px[i] = (guint16) (i * 11);
  fixture_write_tiff(good, &(FixtureTiff){.width = 64, .height = 64, .spp = 1, .bps = 16,
                                          .compression = COMPRESSION_LZW},
                     px);
  g_autoptr(GBytes) b1 = lying_tiff(640, 480, 8, 1, COMPRESSION_ADOBE_DEFLATE, 500);
  g_autoptr(GBytes) b2 = lying_tiff(480, 640, 16, 1, COMPRESSION_LZW, 700);
  fixture_write_bytes(bad1, b1);
  fixture_write_bytes(bad2, b2);
  ThreadJob jobs[] = {{good, TRUE}, {bad1, FALSE}, {bad2, FALSE}, {good, TRUE}};
  GThread *threads[G_N_ELEMENTS(jobs)];
  for (guint i = 0; i < G_N_ELEMENTS(jobs); i++)
    threads[i] = g_thread_new("load", load_many, &jobs[i]);
  for (guint i = 0; i < G_N_ELEMENTS(jobs); i++)
    g_assert_null(g_thread_join(threads[i]));
}

static void test_memory(void)
{
  guint16 px[12];
  for (int i = 0; i < 12; i++)
    px[i] = (guint16) (i * 5000);
  g_autofree char *path = tmp_path("mem.tif");
  fixture_write_tiff(path, &(FixtureTiff){.width = 4, .height = 3, .spp = 1, .bps = 16}, px);
  g_autoptr(GBytes) bytes = read_bytes(path);
  gsize len;
  const guint8 *data = g_bytes_get_data(bytes, &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaImage) img = patina_image_load_memory(data, len, "in-memory", NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpfloat(img->data[11], ==, 55000 / 65535.0f);
  g_autoptr(PatinaImage) none = patina_image_load_memory(data, len / 2, "half", NULL, &error);
  g_assert_null(none);
  g_assert_nonnull(strstr(error->message, "half"));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  /* Subprocesses re-run main: they share the parent's folder name through the environment. */
  const char *inherited = g_getenv("PATINA_TEST_TIFF_DIR");
  gboolean owner = inherited == NULL;
  tmp_dir = owner ? g_dir_make_tmp("patina-test-tiff-XXXXXX", NULL) : g_strdup(inherited);
  g_assert_nonnull(tmp_dir);
  if (owner)
    g_setenv("PATINA_TEST_TIFF_DIR", tmp_dir, TRUE);

  g_test_add_func("/tiff/gray8-strips", test_gray8_strips);
  g_test_add_func("/tiff/gray16-native", test_gray16_native);
  g_test_add_func("/tiff/float", test_float32);
  g_test_add_func("/tiff/float-nonfinite", test_float_nonfinite);
  g_test_add_func("/tiff/min-is-white", test_min_is_white);
  g_test_add_func("/tiff/rgb-layouts", test_rgb_layouts);
  g_test_add_func("/tiff/rgb-float-tiled-alpha", test_rgb_float_tiled_alpha);
  g_test_add_func("/tiff/first-page-only", test_first_page_only);
  g_test_add_func("/tiff/palette-bilevel", test_palette_and_bilevel);
  g_test_add_func("/tiff/thin", test_thin_images);
  g_test_add_func("/tiff/memory", test_memory);
  g_test_add_func("/tiff/bad/truncated", test_truncated);
  g_test_add_func("/tiff/bad/lying-dimensions", test_lying_dimensions);
  g_test_add_func("/tiff/bad/huge-declared", test_huge_declared);
  g_test_add_func("/tiff/bad/empty-dimensions", test_empty_dimensions);
  g_test_add_func("/tiff/bad/not-an-image", test_not_an_image);
  g_test_add_func("/tiff/bad/unreadable", test_unreadable);
  g_test_add_func("/tiff/bad/quiet", test_quiet);
  g_test_add_func("/tiff/threads", test_threads);

  int rc = g_test_run();
  if (owner)
    test_remove_tree(tmp_dir);
  g_free(tmp_dir);
  return rc;
}
