#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>

#include "data/image.h"
#include "testutil.h"

static char *tmp_dir;

static char *tmp_path(const char *name)
{
  return g_build_filename(tmp_dir, name, NULL);
}

static void assert_close(const float *got, const float *want, int n, float tol)
{
  for (int i = 0; i < n; i++)
    if (!G_APPROX_VALUE(got[i], want[i], tol))
      g_error("element %d: got %.7g, want %.7g", i, got[i], want[i]);
}

/* Hand-computed from PyTorch's formula and checked against
 * F.interpolate(x, size=(4, 4), mode="bilinear", align_corners=False). */
static void test_resize_upsample(void)
{
  const float src[] = {0, 1, 2, 3};
  const float want[] = {0.0f, 0.25f, 0.75f, 1.0f, 0.5f, 0.75f, 1.25f, 1.5f,
                        1.5f, 1.75f, 2.25f, 2.5f, 2.0f, 2.25f, 2.75f, 3.0f};
  float dst[16];
  patina_resize_bilinear(src, 2, 2, dst, 4, 4);
  assert_close(dst, want, 16, 1e-6f);
}

static void test_resize_identity(void)
{
  float src[15], dst[15];
  for (int i = 0; i < 15; i++)
    src[i] = (float) (i * 7 % 11) / 10.0f;
  patina_resize_bilinear(src, 5, 3, dst, 5, 3);
  g_assert_cmpmem(src, sizeof src, dst, sizeof dst);
}

static void test_resize_downscale(void)
{
  /* Halving samples exactly between two source pixels: each output is its 2×2 block's mean. */
  float src[16], dst[4];
  for (int i = 0; i < 16; i++)
    src[i] = (float) i;
  patina_resize_bilinear(src, 4, 4, dst, 2, 2);
  const float want[] = {2.5f, 4.5f, 10.5f, 12.5f};
  assert_close(dst, want, 4, 1e-6f);

  /* 3 → 2: centres map to 0.25 and 1.75. */
  const float row[] = {0, 1, 2};
  float out[2];
  patina_resize_bilinear(row, 3, 1, out, 2, 1);
  const float want_row[] = {0.25f, 1.75f};
  assert_close(out, want_row, 2, 1e-6f);

  /* 5 → 2: scale 2.5, centres at 0.75 and 3.25. */
  const float row5[] = {0, 10, 20, 30, 40};
  patina_resize_bilinear(row5, 5, 1, out, 2, 1);
  const float want5[] = {7.5f, 32.5f};
  assert_close(out, want5, 2, 1e-5f);
}

static void test_resize_edges(void)
{
  /* 1×3 → 1×7 (scale 3/7): the first output clamps to 0, the last to the last pixel. */
  const float src[] = {0, 3, 6};
  float dst[7];
  patina_resize_bilinear(src, 3, 1, dst, 7, 1);
  float want[7];
  for (int x = 0; x < 7; x++) {
    float s = MAX((3.0f / 7.0f) * (x + 0.5f) - 0.5f, 0.0f);
    want[x] = MIN(s, 2.0f) * 3.0f;
  }
  assert_close(dst, want, 7, 1e-5f);

  const float one = 0.625f;
  float nine[9];
  patina_resize_bilinear(&one, 1, 1, nine, 3, 3);
  for (int i = 0; i < 9; i++)
    g_assert_cmpfloat(nine[i], ==, one);
}

static void save_png(const char *path, int w, int h, gboolean alpha, const guint8 *rgba)
{
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, alpha, 8, w, h);
  int nch = alpha ? 4 : 3;
  guint8 *px = gdk_pixbuf_get_pixels(pb);
  int stride = gdk_pixbuf_get_rowstride(pb);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      memcpy(px + y * stride + x * nch, rgba + (y * w + x) * 4, nch);
  g_autoptr(GError) error = NULL;
  g_assert_true(gdk_pixbuf_save(pb, path, "png", &error, NULL));
  g_assert_no_error(error);
}

static void test_gray_png(void)
{
  /* Alpha must be ignored, not blended: the transparent pixel keeps its colour's luma. */
  const guint8 rgba[] = {255, 0, 0, 255, 0, 255, 0, 0, 0, 0, 255, 128, 10, 20, 30, 255,
                         255, 255, 255, 255, 0, 0, 0, 255};
  g_autofree char *path = tmp_path("gray.png");
  save_png(path, 3, 2, TRUE, rgba);

  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaGray) img = patina_gray_load(path, &error);
  g_assert_no_error(error);
  g_assert_nonnull(img);
  g_assert_cmpint(img->width, ==, 3);
  g_assert_cmpint(img->height, ==, 2);
  const float want[] = {0.299f, 0.587f, 0.114f, (0.299f * 10 + 0.587f * 20 + 0.114f * 30) / 255,
                        1.0f, 0.0f};
  assert_close(img->pixels, want, 6, 1e-5f);
}

static void test_load_input(void)
{
  const guint8 rgba[] = {0, 0, 0, 255, 51, 51, 51, 255, 102, 102, 102, 255, 153, 153, 153, 255};
  g_autofree char *path = tmp_path("input.png");
  save_png(path, 2, 2, FALSE, rgba);

  float out[3 * 16];
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_image_load_input(path, 4, 3, out, &error));
  g_assert_no_error(error);
  /* The gray plane is 0, .2, .4, .6: the 2×2 → 4×4 table above scaled by 0.2. */
  const float want[] = {0.0f, 0.05f, 0.15f, 0.2f, 0.1f, 0.15f, 0.25f, 0.3f,
                        0.3f, 0.35f, 0.45f, 0.5f, 0.4f, 0.45f, 0.55f, 0.6f};
  for (int c = 0; c < 3; c++)
    assert_close(out + 16 * c, want, 16, 1e-5f);
}

static void assert_load_fails(const char *path, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaGray) img = patina_gray_load(path, &error);
  g_assert_null(img);
  g_assert_nonnull(error);
  g_test_message("%s", error->message);
  g_autofree char *shown = g_filename_display_name(path);
  g_assert_nonnull(strstr(error->message, shown));
  if (needle != NULL)
    g_assert_nonnull(strstr(error->message, needle));

  float out[3 * 8 * 8];
  g_autoptr(GError) error2 = NULL;
  g_assert_false(patina_image_load_input(path, 8, 3, out, &error2));
  g_assert_nonnull(error2);
}

static void test_error_missing(void)
{
  g_autofree char *path = tmp_path("does-not-exist.png");
  assert_load_fails(path, "no such file");
}

static void test_error_text(void)
{
  g_autofree char *path = tmp_path("notes.png");
  g_assert_true(g_file_set_contents(path, "sample 12, 316L, 5 kV\n", -1, NULL));
  assert_load_fails(path, "not an image");

  g_autofree char *empty = tmp_path("empty.jpg");
  g_assert_true(g_file_set_contents(empty, "", 0, NULL));
  assert_load_fails(empty, "not an image");
}

static char *write_jpeg(const char *name, gsize *len)
{
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, 64, 64);
  guint8 *px = gdk_pixbuf_get_pixels(pb);
  int stride = gdk_pixbuf_get_rowstride(pb);
  for (int y = 0; y < 64; y++)
    for (int x = 0; x < 64 * 3; x++)
      px[y * stride + x] = (guint8) ((x * 37 + y * 11) ^ (x * y));
  g_autofree char *path = tmp_path(name);
  g_assert_true(gdk_pixbuf_save(pb, path, "jpeg", NULL, "quality", "90", NULL));
  char *data = NULL;
  g_assert_true(g_file_get_contents(path, &data, len, NULL));
  return data;
}

static void test_error_truncated_png(void)
{
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, 64, 64);
  guint8 *px = gdk_pixbuf_get_pixels(pb);
  int stride = gdk_pixbuf_get_rowstride(pb);
  for (int y = 0; y < 64; y++)
    for (int x = 0; x < 64 * 3; x++)
      px[y * stride + x] = (guint8) ((x * 37 + y * 11) ^ (x * y));
  g_autofree char *whole = tmp_path("whole.png");
  g_assert_true(gdk_pixbuf_save(pb, whole, "png", NULL, NULL));
  g_autofree char *data = NULL;
  gsize len;
  g_assert_true(g_file_get_contents(whole, &data, &len, NULL));

  g_autofree char *path = tmp_path("truncated.png");
  /* Cut inside the pixel data: libpng would leave the missing rows gray and succeed. */
  g_assert_true(g_file_set_contents(path, data, len / 2, NULL));
  assert_load_fails(path, "truncated");
  /* Only the IEND chunk missing. */
  g_assert_true(g_file_set_contents(path, data, len - 12, NULL));
  assert_load_fails(path, "truncated");

  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaGray) img = patina_gray_load(whole, &error);
  g_assert_no_error(error);
  g_assert_cmpint(img->width, ==, 64);
}

static void test_error_truncated_jpeg(void)
{
  gsize len;
  g_autofree char *data = write_jpeg("whole.jpg", &len);
  g_autofree char *path = tmp_path("truncated.jpg");
  /* Cut inside the header tables: the decoder cannot even learn how to start. */
  g_assert_true(g_file_set_contents(path, data, 120, NULL));
  assert_load_fails(path, "not an image");
  /* Cut inside the scan: libjpeg alone would pad it with gray and call it a success. */
  g_assert_true(g_file_set_contents(path, data, len / 2, NULL));
  assert_load_fails(path, "truncated");
  /* Only the final EOI marker missing. */
  g_assert_true(g_file_set_contents(path, data, len - 2, NULL));
  assert_load_fails(path, "truncated");

  /* The untouched file loads; bytes after EOI (some cameras append them) are harmless. */
  g_autofree char *whole = tmp_path("whole.jpg");
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaGray) img = patina_gray_load(whole, &error);
  g_assert_no_error(error);
  g_assert_cmpint(img->width, ==, 64);
  g_autofree char *padded = g_malloc(len + 16);
  memcpy(padded, data, len);
  memset(padded + len, 0, 16);
  g_autofree char *padded_path = tmp_path("padded.jpg");
  g_assert_true(g_file_set_contents(padded_path, padded, len + 16, NULL));
  g_autoptr(PatinaGray) img2 = patina_gray_load(padded_path, &error);
  g_assert_no_error(error);
  g_assert_cmpmem(img->pixels, 64 * 64 * sizeof(float), img2->pixels, 64 * 64 * sizeof(float));
}

static void test_error_corrupt_jpeg(void)
{
  gsize len;
  g_autofree char *data = write_jpeg("whole2.jpg", &len);
  /* Keep the SOI marker and the JFIF segment, then garbage where the tables should be. */
  for (gsize i = 20; i < len; i++)
    data[i] = (char) (i * 131 + 7);
  g_autofree char *path = tmp_path("corrupt.jpg");
  g_assert_true(g_file_set_contents(path, data, MIN(len, 400), NULL));
  assert_load_fails(path, "not an image");
}

static guint32 crc32_update(guint32 crc, const guint8 *p, gsize n)
{
  crc = ~crc;
  for (gsize i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

static void put32(guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static void test_error_huge_declared(void)
{
  /* A valid PNG signature and IHDR claiming 40000×40000 pixels, and nothing else: it must be
   * refused from the header, not by trying to allocate 4.8 GB. */
  guint8 png[8 + 25 + 12 + 12] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  guint8 *ihdr = png + 8;
  put32(ihdr, 13);
  memcpy(ihdr + 4, "IHDR", 4);
  put32(ihdr + 8, 40000);
  put32(ihdr + 12, 40000);
  ihdr[16] = 8; /* bit depth */
  ihdr[17] = 2; /* RGB */
  put32(ihdr + 21, crc32_update(0, ihdr + 4, 17));
  /* An empty IDAT and IEND, so a reader sees a complete header block. */
  guint8 *idat = ihdr + 25;
  memcpy(idat + 4, "IDAT", 4);
  put32(idat + 8, crc32_update(0, idat + 4, 4));
  guint8 *iend = idat + 12;
  memcpy(iend + 4, "IEND", 4);
  put32(iend + 8, crc32_update(0, iend + 4, 4));
  g_autofree char *path = tmp_path("huge.png");
  g_assert_true(g_file_set_contents(path, (const char *) png, sizeof png, NULL));
  assert_load_fails(path, "16384");
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp("patina-test-image-XXXXXX", NULL);
  g_assert_nonnull(tmp_dir);

  g_test_add_func("/image/resize/upsample", test_resize_upsample);
  g_test_add_func("/image/resize/identity", test_resize_identity);
  g_test_add_func("/image/resize/downscale", test_resize_downscale);
  g_test_add_func("/image/resize/edges", test_resize_edges);
  g_test_add_func("/image/gray/png", test_gray_png);
  g_test_add_func("/image/load-input", test_load_input);
  g_test_add_func("/image/error/missing", test_error_missing);
  g_test_add_func("/image/error/text", test_error_text);
  g_test_add_func("/image/error/truncated-jpeg", test_error_truncated_jpeg);
  g_test_add_func("/image/error/truncated-png", test_error_truncated_png);
  g_test_add_func("/image/error/corrupt-jpeg", test_error_corrupt_jpeg);
  g_test_add_func("/image/error/huge-declared", test_error_huge_declared);

  int rc = g_test_run();
  test_remove_tree(tmp_dir);
  g_free(tmp_dir);
  return rc;
}
