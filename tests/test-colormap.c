/* Colormaps: lookup by name, the published endpoints and tables (bone, viridis), lightness that
 * never falls (every map is sequential), reversal, and mapping planes into cairo pixels. */
#include <math.h>
#include <string.h>

#include "nn/model.h"
#include "viz/colormap.h"

static const guint8 *entry(const PatinaColormap *cmap, int i)
{
  return patina_colormap_get_table(cmap) + 3 * i;
}

static void assert_rgb_near(const guint8 *got, int r, int g, int b, int tolerance)
{
  g_assert_cmpint(ABS((int) got[0] - r), <=, tolerance);
  g_assert_cmpint(ABS((int) got[1] - g), <=, tolerance);
  g_assert_cmpint(ABS((int) got[2] - b), <=, tolerance);
}

static void test_lookup(void)
{
  int n = 0;
  for (const char *const *name = patina_colormap_names(); *name; name++, n++) {
    g_autoptr(GError) error = NULL;
    const PatinaColormap *cmap = patina_colormap_lookup(*name, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(patina_colormap_get_name(cmap), ==, *name);
    g_assert_nonnull(patina_colormap_get_label(cmap));
  }
  g_assert_cmpint(n, ==, 8);
  g_assert_cmpuint(g_strv_length((char **) patina_colormap_paper_names()), ==, 6);

  /* The paper writes "red lava" and "Blue_RGB". */
  g_assert_true(patina_colormap_lookup("Red lava", NULL) ==
                patina_colormap_lookup("red_lava", NULL));
  g_assert_true(patina_colormap_lookup("blue-rgb", NULL) ==
                patina_colormap_lookup("blue_RGB", NULL));

  g_autoptr(GError) error = NULL;
  g_assert_null(patina_colormap_lookup("jet", &error));
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "\"jet\""));
  for (const char *const *name = patina_colormap_names(); *name; name++)
    g_assert_nonnull(strstr(error->message, *name));
  g_clear_error(&error);
  g_assert_null(patina_colormap_lookup(NULL, &error));
  g_assert_nonnull(error);
}

static void test_endpoints(void)
{
  for (const char *const *name = patina_colormap_names(); *name; name++) {
    const PatinaColormap *cmap = patina_colormap_lookup(*name, NULL);
    double first = patina_colormap_lightness(entry(cmap, 0));
    double last = patina_colormap_lightness(entry(cmap, 255));
    g_test_message("%s: L* %.1f .. %.1f", *name, first, last);
    /* Every map spans dark to light: a figure's maps must use the whole range. */
    g_assert_cmpfloat(first, <, 20.0);
    g_assert_cmpfloat(last, >, 85.0);
  }
  const PatinaColormap *gray = patina_colormap_lookup("gray", NULL);
  assert_rgb_near(entry(gray, 0), 0, 0, 0, 0);
  assert_rgb_near(entry(gray, 128), 128, 128, 128, 0);
  assert_rgb_near(entry(gray, 255), 255, 255, 255, 0);
  const PatinaColormap *bone = patina_colormap_lookup("bone", NULL);
  assert_rgb_near(entry(bone, 0), 0, 0, 0, 0);
  assert_rgb_near(entry(bone, 255), 255, 255, 255, 0);
}

/* matplotlib's bone, from its per-channel segment data evaluated here independently. Its red is
 * 7/8·x below 0.746, so many entries are exact half levels: either rounding is right there,
 * hence one level of tolerance. */
static double segments(const double (*points)[2], int n, double x)
{
  for (int i = 1; i < n; i++)
    if (x <= points[i][0])
      return points[i - 1][1] + (x - points[i - 1][0]) / (points[i][0] - points[i - 1][0]) *
                                    (points[i][1] - points[i - 1][1]);
  return points[n - 1][1];
}

static void test_bone_is_matplotlib(void)
{
  static const double red[][2] = {{0, 0}, {0.746032, 0.652778}, {1, 1}};
  static const double green[][2] = {{0, 0}, {0.365079, 0.319444}, {0.746032, 0.777778}, {1, 1}};
  static const double blue[][2] = {{0, 0}, {0.365079, 0.444444}, {1, 1}};
  const PatinaColormap *bone = patina_colormap_lookup("bone", NULL);
  for (int i = 0; i < 256; i++) {
    double x = i / 255.0;
    assert_rgb_near(entry(bone, i), (int) lround(segments(red, 3, x) * 255),
                    (int) lround(segments(green, 4, x) * 255),
                    (int) lround(segments(blue, 3, x) * 255), 1);
  }
  /* Bone's tint: blue leads in the dark half, green in the light one. */
  g_assert_cmpint(entry(bone, 64)[2], >, entry(bone, 64)[0]);
  g_assert_cmpint(entry(bone, 160)[1], >, entry(bone, 160)[0]);
}

static void test_viridis_is_matplotlib(void)
{
  /* Entries of matplotlib's published table (_viridis_data, ×255 rounded), including ones
   * between the control points. */
  static const struct {
    int i, r, g, b;
  } published[] = {
    {0, 68, 1, 84},     {1, 68, 2, 86},     {2, 69, 4, 87},     {3, 69, 5, 89},
    {63, 59, 81, 139},  {130, 32, 146, 140}, {201, 115, 208, 86}, {254, 251, 231, 35},
    {255, 253, 231, 37},
  };
  const PatinaColormap *viridis = patina_colormap_lookup("viridis", NULL);
  for (guint k = 0; k < G_N_ELEMENTS(published); k++)
    assert_rgb_near(entry(viridis, published[k].i), published[k].r, published[k].g,
                    published[k].b, 1);
}

static void test_lightness_monotonic(void)
{
  for (const char *const *name = patina_colormap_names(); *name; name++) {
    const PatinaColormap *cmap = patina_colormap_lookup(*name, NULL);
    double worst = G_MAXDOUBLE;
    for (int i = 0; i + 1 < 256; i++) {
      double step = patina_colormap_lightness(entry(cmap, i + 1)) -
                    patina_colormap_lightness(entry(cmap, i));
      worst = MIN(worst, step);
    }
    g_test_message("%s: smallest L* step %.3f", *name, worst);
    /* 8-bit rounding may leave two neighbours equal or, in matplotlib's own viridis table
     * (entries 94–95), 0.03 darker; a step of 1 L* is the smallest a reader can see. */
    g_assert_cmpfloat(worst, >=, -0.05);
  }
  /* The check itself can fail: a map that darkens (reversed gray) is caught. */
  const PatinaColormap *gray = patina_colormap_lookup("gray", NULL);
  guint8 a[3], b[3];
  patina_colormap_map(gray, 0.4f, TRUE, a);
  patina_colormap_map(gray, 0.6f, TRUE, b);
  g_assert_cmpfloat(patina_colormap_lightness(b), <, patina_colormap_lightness(a));
}

/* The paper's five own maps rise in L* in equal steps (they are built in L*a*b*); 8-bit rounding
 * and the clamp to the sRGB gamut leave a little off the line. */
static void test_lightness_linear(void)
{
  const char *uniform[] = {"blue_RGB", "aqua", "moonlight", "bronze", "red_lava"};
  for (guint m = 0; m < G_N_ELEMENTS(uniform); m++) {
    const PatinaColormap *cmap = patina_colormap_lookup(uniform[m], NULL);
    double first = patina_colormap_lightness(entry(cmap, 0));
    double last = patina_colormap_lightness(entry(cmap, 255));
    double worst = 0;
    for (int i = 0; i < 256; i++) {
      double line = first + (last - first) * i / 255.0;
      worst = MAX(worst, fabs(patina_colormap_lightness(entry(cmap, i)) - line));
    }
    g_test_message("%s: L* off its line by %.2f at most", uniform[m], worst);
    g_assert_cmpfloat(worst, <, 1.5);
  }
  /* viridis is uniform in CAM02-UCS, not in L*; gray (sRGB steps) is not uniform in L* at all,
   * which shows the check can fail. */
  const PatinaColormap *gray = patina_colormap_lookup("gray", NULL);
  double mid = patina_colormap_lightness(entry(gray, 128));
  g_assert_cmpfloat(fabs(mid - 50.0), >, 1.5);
}

static void test_reversal(void)
{
  for (const char *const *name = patina_colormap_names(); *name; name++) {
    const PatinaColormap *cmap = patina_colormap_lookup(*name, NULL);
    for (int i = 0; i < 256; i++) {
      guint8 fwd[3], rev[3];
      patina_colormap_map(cmap, i / 255.0f, FALSE, fwd);
      patina_colormap_map(cmap, i / 255.0f, TRUE, rev);
      g_assert_cmpmem(fwd, 3, entry(cmap, i), 3);
      g_assert_cmpmem(rev, 3, entry(cmap, 255 - i), 3);
    }
  }
}

static void test_apply(void)
{
  const PatinaColormap *gray = patina_colormap_lookup("gray", NULL);
  const float values[] = {-1.0f, 1.0f, 3.0f, 5.0f, NAN, INFINITY, 2.0f};
  guint32 px[G_N_ELEMENTS(values)];
  patina_colormap_apply(gray, values, G_N_ELEMENTS(values), 1.0f, 3.0f, FALSE, px);
  g_assert_cmphex(px[0], ==, 0xff000000u); /* below lo: clamped */
  g_assert_cmphex(px[1], ==, 0xff000000u);
  g_assert_cmphex(px[2], ==, 0xffffffffu);
  g_assert_cmphex(px[3], ==, 0xffffffffu); /* above hi: clamped */
  g_assert_cmphex(px[4], ==, 0xff000000u); /* NaN like lo */
  g_assert_cmphex(px[5], ==, 0xff000000u);
  g_assert_cmphex(px[6], ==, 0xff808080u);
  patina_colormap_apply(gray, values, 3, 2.0f, 2.0f, FALSE, px); /* constant map */
  for (int i = 0; i < 3; i++)
    g_assert_cmphex(px[i], ==, 0xff000000u);

  const PatinaColormap *lava = patina_colormap_lookup("red_lava", NULL);
  float plane[6] = {0, 1, 2, 3, 4, 5};
  cairo_surface_t *s = patina_colormap_render(lava, plane, 3, 2, 0.0f, 5.0f, TRUE);
  g_assert_nonnull(s);
  g_assert_cmpint(cairo_image_surface_get_width(s), ==, 3);
  g_assert_cmpint(cairo_image_surface_get_height(s), ==, 2);
  const guint8 *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 3; x++) {
      guint32 got = *(const guint32 *) (data + y * stride + 4 * x);
      g_assert_cmphex(got & 0xffffff, ==,
                      patina_colormap_pixel(lava, plane[y * 3 + x] / 5.0f, TRUE) & 0xffffff);
    }
  cairo_surface_destroy(s);

  /* A swatch runs from the first entry on the left to the last on the right. */
  cairo_surface_t *sw = patina_colormap_swatch(lava, 64, 3, FALSE);
  g_assert_nonnull(sw);
  data = cairo_image_surface_get_data(sw);
  stride = cairo_image_surface_get_stride(sw);
  const guint32 *last_row = (const guint32 *) (data + 2 * stride);
  g_assert_cmphex(last_row[0] & 0xffffff, ==, patina_colormap_pixel(lava, 0, FALSE) & 0xffffff);
  g_assert_cmphex(last_row[63] & 0xffffff, ==, patina_colormap_pixel(lava, 1, FALSE) & 0xffffff);
  cairo_surface_destroy(sw);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/colormap/lookup", test_lookup);
  g_test_add_func("/colormap/endpoints", test_endpoints);
  g_test_add_func("/colormap/bone-is-matplotlib", test_bone_is_matplotlib);
  g_test_add_func("/colormap/viridis-is-matplotlib", test_viridis_is_matplotlib);
  g_test_add_func("/colormap/lightness-monotonic", test_lightness_monotonic);
  g_test_add_func("/colormap/lightness-linear", test_lightness_linear);
  g_test_add_func("/colormap/reversal", test_reversal);
  g_test_add_func("/colormap/apply", test_apply);
  return g_test_run();
}
