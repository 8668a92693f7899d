/* Augmentation: geometry against exact expectations (identity, flips, right-angle turns, shifts
 * of a dot, Keras's zoom direction, the fill modes at the border), the intensity maths,
 * noise and blur statistics, determinism per seed and epoch, and the JSON form (round trip,
 * Keras configurations, bad values refused with the field named); and in training: the same
 * seed gives bitwise the same model whatever the loader thread's timing, augmentation changes
 * what the model sees, and the checkpoint records the parameters. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "data/augment.h"
#include "data/demo.h"
#include "data/image.h"
#include "nn/model.h"
#include "train/train.h"
#include "testutil.h"
#include "viz/augment-grid.h"

static char *tmp_root; /* removed at exit */
static char *demo_dir; /* demo data, 6 per class */

/* A plane with structure everywhere, no symmetry: value of (x, y). */
static float *ramp(int w, int h)
{
  float *p = g_new(float, (gsize) w * h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      p[y * w + x] = (float) ((x * 7 + y * 13) % 31) / 31.0f + 0.01f * x;
  return p;
}

static void draw_identity(PatinaAugmentDraw *d)
{
  memset(d, 0, sizeof(*d));
  d->zoom_x = d->zoom_y = 1.0;
  d->brightness = d->contrast = d->gamma = 1.0;
}

static PatinaAugment off(void)
{
  PatinaAugment a;
  patina_augment_init(&a);
  return a;
}

static void test_identity(void)
{
  PatinaAugment a = off();
  g_assert_true(patina_augment_is_identity(&a));
  g_assert_true(patina_augment_validate(&a, NULL));
  int n = 37;
  g_autofree float *src = ramp(n, n);
  g_autofree float *dst = g_new(float, n * n);
  PatinaRng rng;
  patina_rng_init(&rng, 5);
  patina_augment_plane(&a, &rng, src, n, n, dst, n);
  g_assert_cmpmem(src, n * n * sizeof(float), dst, n * n * sizeof(float));

  /* The warp itself (a zoom of exactly 1 forced through it) is exact at whole pixels. */
  PatinaAugmentDraw d;
  draw_identity(&d);
  d.zoom_x = 1.0;
  d.shift_x = 0.0;
  d.theta = 360.0; /* a full turn: sin and cos snap to 0 and 1 */
  patina_augment_apply(&a, &d, src, n, n, dst, n);
  g_assert_cmpmem(src, n * n * sizeof(float), dst, n * n * sizeof(float));

  /* Resizing without augmentation is the loader's bilinear resize. */
  int w = 53, h = 41, s = 29;
  g_autofree float *big = ramp(w, h);
  g_autofree float *ref = g_new(float, s * s);
  g_autofree float *got = g_new(float, s * s);
  patina_resize_bilinear(big, w, h, ref, s, s);
  patina_augment_plane(&a, &rng, big, w, h, got, s);
  for (int i = 0; i < s * s; i++)
    g_assert_cmpfloat_with_epsilon(got[i], ref[i], 2e-6);
  /* and upsampling */
  g_autofree float *up_ref = g_new(float, 64 * 64);
  g_autofree float *up = g_new(float, 64 * 64);
  patina_resize_bilinear(big, w, h, up_ref, 64, 64);
  patina_augment_plane(&a, &rng, big, w, h, up, 64);
  for (int i = 0; i < 64 * 64; i++)
    g_assert_cmpfloat_with_epsilon(up[i], up_ref[i], 2e-6);
}

static void test_flips(void)
{
  PatinaAugment a = off();
  int w = 23;
  g_autofree float *src = ramp(w, w);
  g_autofree float *dst = g_new(float, w * w);
  PatinaAugmentDraw d;
  draw_identity(&d);
  d.flip_h = TRUE;
  patina_augment_apply(&a, &d, src, w, w, dst, w);
  for (int y = 0; y < w; y++)
    for (int x = 0; x < w; x++)
      g_assert_cmpfloat(dst[y * w + x], ==, src[y * w + (w - 1 - x)]);
  d.flip_h = FALSE, d.flip_v = TRUE;
  patina_augment_apply(&a, &d, src, w, w, dst, w);
  for (int y = 0; y < w; y++)
    for (int x = 0; x < w; x++)
      g_assert_cmpfloat(dst[y * w + x], ==, src[(w - 1 - y) * w + x]);

  /* With p = 0.5 each, about half the draws flip, independently. */
  a.horizontal_flip = a.vertical_flip = TRUE;
  PatinaRng rng;
  patina_rng_init(&rng, 1);
  int h = 0, v = 0, both = 0, n = 4000;
  for (int i = 0; i < n; i++) {
    patina_augment_draw(&a, 32, &rng, &d);
    h += d.flip_h, v += d.flip_v, both += d.flip_h && d.flip_v;
  }
  g_assert_cmpint(abs(h - n / 2), <, 150);
  g_assert_cmpint(abs(v - n / 2), <, 150);
  g_assert_cmpint(abs(both - n / 4), <, 120);
}

static void test_rotation(void)
{
  PatinaAugment a = off();
  int w = 24; /* even: the centre falls between pixels, still exact */
  g_autofree float *src = ramp(w, w);
  g_autofree float *dst = g_new(float, w * w);
  PatinaAugmentDraw d;
  draw_identity(&d);
  d.theta = 90.0;
  patina_augment_apply(&a, &d, src, w, w, dst, w);
  /* Counter-clockwise on screen: the right edge's content goes to the top; out(x, y) =
   * in(w-1-y, x). Every pixel maps onto a pixel, so the whole image is exact. */
  for (int y = 0; y < w; y++)
    for (int x = 0; x < w; x++)
      g_assert_cmpfloat(dst[y * w + x], ==, src[x * w + (w - 1 - y)]);
  d.theta = -90.0;
  patina_augment_apply(&a, &d, src, w, w, dst, w);
  for (int y = 0; y < w; y++)
    for (int x = 0; x < w; x++)
      g_assert_cmpfloat(dst[y * w + x], ==, src[(w - 1 - x) * w + y]);
  d.theta = 180.0;
  patina_augment_apply(&a, &d, src, w, w, dst, w);
  for (int y = 0; y < w; y++)
    for (int x = 0; x < w; x++)
      g_assert_cmpfloat(dst[y * w + x], ==, src[(w - 1 - y) * w + (w - 1 - x)]);

  /* 45°: the centre pixel of an odd image stays; a dot at radius r moves on the circle. */
  int n = 41, c = 20;
  g_autofree float *dot = g_new0(float, n * n);
  g_autofree float *out = g_new(float, n * n);
  dot[c * n + c + 10] = 1.0f; /* right of the centre */
  d.theta = 90.0;
  patina_augment_apply(&a, &d, dot, n, n, out, n);
  g_assert_cmpfloat(out[(c - 10) * n + c], ==, 1.0f); /* now above it */

  /* Draws stay within ±range and spread over it. */
  a.rotation_range = 30.0;
  PatinaRng rng;
  patina_rng_init(&rng, 2);
  double lo = 1e9, hi = -1e9;
  for (int i = 0; i < 2000; i++) {
    patina_augment_draw(&a, 32, &rng, &d);
    lo = MIN(lo, d.theta), hi = MAX(hi, d.theta);
  }
  g_assert_cmpfloat(lo, >=, -30.0);
  g_assert_cmpfloat(hi, <=, 30.0);
  g_assert_cmpfloat(lo, <, -29.0);
  g_assert_cmpfloat(hi, >, 29.0);
}

/* Centre of mass of a plane. */
static void centroid(const float *p, int n, double *cx, double *cy)
{
  double s = 0, sx = 0, sy = 0;
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++) {
      s += p[y * n + x];
      sx += p[y * n + x] * x;
      sy += p[y * n + x] * y;
    }
  *cx = sx / s, *cy = sy / s;
}

static void test_shift(void)
{
  PatinaAugment a = off();
  a.fill_mode = PATINA_FILL_CONSTANT;
  int n = 40;
  g_autofree float *dot = g_new0(float, n * n);
  g_autofree float *out = g_new(float, n * n);
  dot[20 * n + 15] = 1.0f;
  PatinaAugmentDraw d;
  draw_identity(&d);
  d.shift_x = 4.0, d.shift_y = -3.0;
  patina_augment_apply(&a, &d, dot, n, n, out, n);
  g_assert_cmpfloat(out[17 * n + 19], ==, 1.0f);
  /* a fractional shift spreads it bilinearly and moves the centre of mass exactly */
  d.shift_x = 2.25, d.shift_y = 0.5;
  patina_augment_apply(&a, &d, dot, n, n, out, n);
  double cx, cy;
  centroid(out, n, &cx, &cy);
  g_assert_cmpfloat_with_epsilon(cx, 17.25, 1e-5);
  g_assert_cmpfloat_with_epsilon(cy, 20.5, 1e-5);

  /* The range: a fraction of the size below 1, pixels from 1 (Keras). */
  PatinaRng rng;
  patina_rng_init(&rng, 3);
  a.width_shift_range = 0.25;
  a.height_shift_range = 3.0;
  double mx = 0, my = 0;
  for (int i = 0; i < 2000; i++) {
    patina_augment_draw(&a, 40, &rng, &d);
    g_assert_cmpfloat(fabs(d.shift_x), <=, 10.0);
    g_assert_cmpfloat(fabs(d.shift_y), <=, 3.0);
    mx = MAX(mx, fabs(d.shift_x)), my = MAX(my, fabs(d.shift_y));
  }
  g_assert_cmpfloat(mx, >, 9.8);
  g_assert_cmpfloat(my, >, 2.9);

  /* Shifts apply to the output frame when the source has another size: a fraction of the
   * width moves content by that fraction whatever the source resolution. */
  int big = 160;
  g_autofree float *bar = g_new0(float, big * big);
  for (int y = 0; y < big; y++)
    for (int x = 60; x < 100; x++)
      bar[y * big + x] = 1.0f; /* a centred vertical band, 1/4 of the width */
  d.shift_x = 0.25 * n, d.shift_y = 0.0;
  patina_augment_apply(&a, &d, bar, big, big, out, n);
  centroid(out, n, &cx, &cy);
  g_assert_cmpfloat_with_epsilon(cx, 19.5 + 10.0, 1e-3);
}

static void test_zoom(void)
{
  /* Keras: zoom < 1 magnifies. A centred square of half the width, zoomed by 0.5, fills the
   * whole output; zoomed by 2 it covers a quarter of the width. */
  PatinaAugment a = off();
  a.fill_mode = PATINA_FILL_CONSTANT;
  int n = 64;
  g_autofree float *sq = g_new0(float, n * n);
  g_autofree float *out = g_new(float, n * n);
  for (int y = 16; y < 48; y++)
    for (int x = 16; x < 48; x++)
      sq[y * n + x] = 1.0f;
  PatinaAugmentDraw d;
  draw_identity(&d);
  d.zoom_x = d.zoom_y = 0.5;
  patina_augment_apply(&a, &d, sq, n, n, out, n);
  double s = 0;
  for (int i = 0; i < n * n; i++)
    s += out[i];
  g_assert_cmpfloat(s / (n * n), >, 0.97);
  d.zoom_x = d.zoom_y = 2.0;
  patina_augment_apply(&a, &d, sq, n, n, out, n);
  s = 0;
  for (int i = 0; i < n * n; i++)
    s += out[i];
  g_assert_cmpfloat_with_epsilon(s / (n * n), 1.0 / 16.0, 0.01);
  /* an anisotropic zoom stretches one axis only: zoom_x 0.5 doubles the square's width */
  d.zoom_x = 0.5, d.zoom_y = 1.0;
  patina_augment_apply(&a, &d, sq, n, n, out, n);
  g_assert_cmpfloat(out[32 * n + 2], >, 0.99);
  g_assert_cmpfloat(out[8 * n + 32], <, 0.01);

  /* The Keras ranges: z → [1 - z, 1 + z], drawn independently per axis. */
  a.zoom_range[0] = 0.8, a.zoom_range[1] = 1.2;
  PatinaRng rng;
  patina_rng_init(&rng, 4);
  int differ = 0;
  for (int i = 0; i < 500; i++) {
    patina_augment_draw(&a, n, &rng, &d);
    g_assert_cmpfloat(d.zoom_x, >=, 0.8);
    g_assert_cmpfloat(d.zoom_x, <=, 1.2);
    differ += fabs(d.zoom_x - d.zoom_y) > 0.01;
  }
  g_assert_cmpint(differ, >, 400);
}

static void test_fill_modes(void)
{
  /* A 1×… row 0 1 2 3 (as a 4×4 of columns) shifted right by 2: what comes in from the left
   * is the fill. */
  int n = 4;
  float src[16];
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++)
      src[y * n + x] = (float) x / 10.0f + 0.1f; /* 0.1 0.2 0.3 0.4 */
  float out[16];
  PatinaAugment a = off();
  PatinaAugmentDraw d;
  draw_identity(&d);
  d.shift_x = 2.0;
  struct {
    PatinaFillMode mode;
    float expect[4];
  } cases[] = {
    {PATINA_FILL_NEAREST, {0.1f, 0.1f, 0.1f, 0.2f}},
    {PATINA_FILL_REFLECT, {0.2f, 0.1f, 0.1f, 0.2f}},
    {PATINA_FILL_WRAP, {0.3f, 0.4f, 0.1f, 0.2f}},
    {PATINA_FILL_CONSTANT, {0.75f, 0.75f, 0.1f, 0.2f}},
  };
  a.cval = 0.75;
  for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
    a.fill_mode = cases[c].mode;
    patina_augment_apply(&a, &d, src, n, n, out, n);
    for (int y = 0; y < n; y++)
      for (int x = 0; x < n; x++)
        g_assert_cmpfloat_with_epsilon(out[y * n + x], cases[c].expect[x], 1e-7);
  }
  /* Far outside (a shift of many widths), reflect and wrap stay periodic, nearest clamps. */
  d.shift_x = 4.0 * 8; /* whole periods of wrap (4) and reflect (8) */
  a.fill_mode = PATINA_FILL_WRAP;
  patina_augment_apply(&a, &d, src, n, n, out, n);
  g_assert_cmpmem(out, sizeof(out), src, sizeof(src));
  a.fill_mode = PATINA_FILL_REFLECT;
  patina_augment_apply(&a, &d, src, n, n, out, n);
  g_assert_cmpmem(out, sizeof(out), src, sizeof(src));
  /* A huge (still finite) shift is just all fill. */
  d.shift_x = 1e30;
  a.fill_mode = PATINA_FILL_CONSTANT;
  patina_augment_apply(&a, &d, src, n, n, out, n);
  for (int i = 0; i < 16; i++)
    g_assert_cmpfloat(out[i], ==, 0.75f);
  /* Draws that skipped validation (NaN, huge) give fill or garbage values, never a crash. */
  d.shift_x = NAN, d.theta = INFINITY, d.blur_sigma = 1e9;
  patina_augment_apply(&a, &d, src, n, n, out, n);
  draw_identity(&d);
  d.zoom_x = NAN, d.blur_sigma = NAN;
  patina_augment_apply(&a, &d, src, n, n, out, n);
}

static double mean_of(const float *p, int n)
{
  double s = 0;
  for (int i = 0; i < n; i++)
    s += p[i];
  return s / n;
}

static double var_of(const float *p, int n)
{
  double m = mean_of(p, n), s = 0;
  for (int i = 0; i < n; i++)
    s += (p[i] - m) * (p[i] - m);
  return s / n;
}

static void test_intensity(void)
{
  PatinaAugment a = off();
  int n = 16;
  float src[256], out[256];
  for (int i = 0; i < 256; i++)
    src[i] = (float) i / 255.0f;
  PatinaAugmentDraw d;
  draw_identity(&d);
  d.brightness = 1.5;
  patina_augment_apply(&a, &d, src, n, n, out, n);
  for (int i = 0; i < 256; i++)
    g_assert_cmpfloat_with_epsilon(out[i], MIN(1.0f, src[i] * 1.5f), 1e-6);
  draw_identity(&d);
  d.gamma = 2.0;
  patina_augment_apply(&a, &d, src, n, n, out, n);
  for (int i = 0; i < 256; i++)
    g_assert_cmpfloat_with_epsilon(out[i], src[i] * src[i], 1e-6);
  draw_identity(&d);
  d.contrast = 0.5; /* about the mean 0.5 */
  patina_augment_apply(&a, &d, src, n, n, out, n);
  for (int i = 0; i < 256; i++)
    g_assert_cmpfloat_with_epsilon(out[i], 0.5f + 0.5f * (src[i] - 0.5f), 1e-6);
  d.contrast = 3.0; /* clipped */
  patina_augment_apply(&a, &d, src, n, n, out, n);
  g_assert_cmpfloat(out[0], ==, 0.0f);
  g_assert_cmpfloat(out[255], ==, 1.0f);
  g_assert_cmpfloat_with_epsilon(out[140], 0.5f + 3.0f * (src[140] - 0.5f), 1e-6);

  /* Probabilities: brightness with p = 0.3 touches about 30 % of the images. */
  a.brightness_range[0] = 0.5, a.brightness_range[1] = 0.9;
  a.brightness_probability = 0.3;
  PatinaRng rng;
  patina_rng_init(&rng, 9);
  int hit = 0;
  for (int i = 0; i < 4000; i++) {
    patina_augment_draw(&a, n, &rng, &d);
    if (d.brightness != 1.0) {
      hit++;
      g_assert_cmpfloat(d.brightness, >=, 0.5);
      g_assert_cmpfloat(d.brightness, <=, 0.9);
    }
  }
  g_assert_cmpint(abs(hit - 1200), <, 100);
}

static void test_noise(void)
{
  PatinaAugment a = off();
  int n = 200;
  g_autofree float *src = g_new(float, n * n);
  g_autofree float *out = g_new(float, n * n);
  for (int i = 0; i < n * n; i++)
    src[i] = 0.5f;
  PatinaAugmentDraw d;
  draw_identity(&d);
  d.noise_sigma = 0.05;
  d.noise_seed = 77;
  patina_augment_apply(&a, &d, src, n, n, out, n);
  g_assert_cmpfloat_with_epsilon(mean_of(out, n * n), 0.5, 0.002);
  g_assert_cmpfloat_with_epsilon(sqrt(var_of(out, n * n)), 0.05, 0.001);
  /* neighbours uncorrelated */
  double c = 0;
  for (int i = 0; i + 1 < n * n; i++)
    c += (out[i] - 0.5) * (out[i + 1] - 0.5);
  g_assert_cmpfloat(fabs(c / (n * n) / 0.0025), <, 0.02);
  /* clipped at the ends of the range */
  for (int i = 0; i < n * n; i++)
    src[i] = 1.0f;
  d.noise_sigma = 0.5;
  patina_augment_apply(&a, &d, src, n, n, out, n);
  for (int i = 0; i < n * n; i++)
    g_assert_cmpfloat(out[i], <=, 1.0f);
}

static void test_blur(void)
{
  PatinaAugment a = off();
  int n = 64;
  g_autofree float *src = g_new(float, n * n);
  g_autofree float *out = g_new(float, n * n);
  PatinaRng rng;
  patina_rng_init(&rng, 11);
  for (int i = 0; i < n * n; i++)
    src[i] = patina_rng_uniform(&rng);
  PatinaAugmentDraw d;
  draw_identity(&d);
  d.blur_sigma = 1.5;
  patina_augment_apply(&a, &d, src, n, n, out, n);
  g_assert_cmpfloat_with_epsilon(mean_of(out, n * n), mean_of(src, n * n), 2e-3);
  /* white noise of variance v through a 2-D Gaussian of σ: about v / (4πσ²) */
  double ratio = var_of(out, n * n) / var_of(src, n * n);
  g_assert_cmpfloat(ratio, <, 0.06);
  g_assert_cmpfloat(ratio, >, 0.02);
  /* a constant stays constant (the kernel sums to 1, borders reflect) */
  for (int i = 0; i < n * n; i++)
    src[i] = 0.3f;
  patina_augment_apply(&a, &d, src, n, n, out, n);
  for (int i = 0; i < n * n; i++)
    g_assert_cmpfloat_with_epsilon(out[i], 0.3f, 1e-6);
}

static void test_determinism(void)
{
  PatinaAugment a;
  g_assert_true(patina_augment_preset(&a, "paper", NULL));
  a.noise_sigma[0] = 0.0, a.noise_sigma[1] = 0.03;
  a.blur_sigma[0] = a.blur_sigma[1] = 0.8;
  a.blur_probability = 0.5;
  int n = 48;
  g_autofree float *src = ramp(n, n);
  g_autofree float *o1 = g_new(float, n * n);
  g_autofree float *o2 = g_new(float, n * n);
  PatinaRng r1, r2;
  patina_augment_rng_for(&r1, 42, 3, 17);
  patina_augment_rng_for(&r2, 42, 3, 17);
  patina_augment_plane(&a, &r1, src, n, n, o1, n);
  patina_augment_plane(&a, &r2, src, n, n, o2, n);
  g_assert_cmpmem(o1, n * n * sizeof(float), o2, n * n * sizeof(float));
  /* another epoch, image or seed: another draw */
  guint64 keys[][3] = {{42, 4, 17}, {42, 3, 18}, {43, 3, 17}};
  for (guint k = 0; k < G_N_ELEMENTS(keys); k++) {
    patina_augment_rng_for(&r2, keys[k][0], keys[k][1], keys[k][2]);
    patina_augment_plane(&a, &r2, src, n, n, o2, n);
    g_assert_true(memcmp(o1, o2, n * n * sizeof(float)) != 0);
  }
  /* Switching an op on leaves the other draws as they were. */
  PatinaAugmentDraw d1, d2;
  patina_augment_rng_for(&r1, 1, 1, 1);
  patina_augment_draw(&a, n, &r1, &d1);
  a.gamma_range[0] = 0.7, a.gamma_range[1] = 1.4;
  patina_augment_rng_for(&r2, 1, 1, 1);
  patina_augment_draw(&a, n, &r2, &d2);
  g_assert_cmpfloat(d1.theta, ==, d2.theta);
  g_assert_cmpfloat(d1.zoom_y, ==, d2.zoom_y);
  g_assert_cmpfloat(d1.noise_sigma, ==, d2.noise_sigma);
  g_assert_cmpint(d1.noise_seed, ==, d2.noise_seed);
  g_assert_cmpfloat(d2.gamma, !=, 1.0);
  /* The paper preset keeps values in [0, 1]. */
  for (int i = 0; i < 20; i++) {
    patina_augment_plane(&a, &r1, src, n, n, o1, n);
    for (int j = 0; j < n * n; j++)
      g_assert_true(o1[j] >= 0.0f && o1[j] <= 1.0f);
  }
}

static void test_describe(void)
{
  PatinaAugmentDraw d;
  draw_identity(&d);
  g_autofree char *id = patina_augment_draw_describe(&d);
  g_assert_cmpstr(id, ==, "identity");
  d.theta = 23.2, d.flip_h = TRUE, d.zoom_x = d.zoom_y = 0.912;
  g_autofree char *s = patina_augment_draw_describe(&d);
  g_assert_cmpstr(s, ==, "rot 23° flipH zoom 0.91");
}

static void test_json(void)
{
  PatinaAugment a, b;
  g_assert_true(patina_augment_preset(&a, "paper", NULL));
  a.contrast_range[0] = 0.7, a.contrast_range[1] = 1.3, a.contrast_probability = 0.5;
  a.noise_sigma[0] = 0.01, a.noise_sigma[1] = 0.02;
  a.blur_sigma[0] = a.blur_sigma[1] = 1.0;
  a.cval = 0.25;
  g_autofree char *js = patina_augment_to_json(&a);
  g_assert_nonnull(strstr(js, "\"rotation_range\": 180,"));
  g_assert_nonnull(strstr(js, "\"zoom_range\": [0.9, 1.1],"));
  g_assert_nonnull(strstr(js, "\"fill_mode\": \"reflect\""));
  g_assert_true(patina_augment_from_json(&b, js, -1, NULL));
  g_assert_cmpmem(&a, sizeof(a), &b, sizeof(b));
  /* off round-trips too, with brightness_range null as Keras's default */
  patina_augment_init(&a);
  g_autofree char *js0 = patina_augment_to_json(&a);
  g_assert_nonnull(strstr(js0, "\"brightness_range\": null"));
  g_assert_true(patina_augment_from_json(&b, js0, -1, NULL));
  g_assert_cmpmem(&a, sizeof(a), &b, sizeof(b));

  /* A Keras recipe, as written for ImageDataGenerator(**kwargs). */
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_augment_from_json(
      &b,
      "{\"rescale\": 0.00392156862745098, \"rotation_range\": 40, \"width_shift_range\": 0.2,"
      " \"height_shift_range\": 0.2, \"shear_range\": 0.0, \"zoom_range\": 0.2,"
      " \"horizontal_flip\": true, \"fill_mode\": \"nearest\", \"brightness_range\": [0.5, 1.5],"
      " \"featurewise_center\": false, \"data_format\": \"channels_last\"}",
      -1, &error));
  g_assert_no_error(error);
  g_assert_cmpfloat(b.rotation_range, ==, 40.0);
  g_assert_cmpfloat(b.zoom_range[0], ==, 0.8);
  g_assert_cmpfloat(b.zoom_range[1], ==, 1.2);
  g_assert_true(b.horizontal_flip);
  g_assert_false(b.vertical_flip);
  g_assert_cmpfloat(b.brightness_range[1], ==, 1.5);

  struct {
    const char *json, *expect;
  } bad[] = {
    {"[1, 2]", "must be a JSON object"},
    {"{\"rotation_range\": ", "not valid JSON"},
    {"{\"rotation_range\": 400}", "rotation_range must be 0 to 360"},
    {"{\"rotation_range\": -1}", "rotation_range"},
    {"{\"rotation_range\": \"20\"}", "rotation_range must be a number"},
    {"{\"zoom_range\": 1.5}", "zoom_range"},
    {"{\"zoom_range\": [1.2, 0.8]}", "low end is above the high end"},
    {"{\"zoom_range\": [0.8, 1.2, 1.3]}", "two numbers"},
    {"{\"brightness_range\": 0.5}", "brightness_range must be null or a list"},
    {"{\"brightness_range\": [-0.5, 1]}", "brightness_range"},
    {"{\"fill_mode\": \"mirror\"}", "fill_mode must be nearest, reflect, wrap or constant"},
    {"{\"cval\": 255}", "divide a Keras cval"},
    {"{\"horizontal_flip\": 1}", "horizontal_flip must be true or false"},
    {"{\"noise_sigma\": 2}", "noise_sigma"},
    {"{\"blur_probability\": 1.5}", "blur_probability must be 0 to 1"},
    {"{\"gamma_range\": [0, 2]}", "gamma_range"},
    {"{\"shear_range\": 10}", "shear_range is not supported"},
    {"{\"rescale\": 1}", "rescale"},
    {"{\"validation_split\": 0.2}", "--val-fraction"},
    {"{\"rotaton_range\": 10}", "unknown augmentation field \"rotaton_range\""},
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    patina_augment_init(&b);
    b.rotation_range = 7.0; /* untouched on failure */
    g_clear_error(&error);
    g_assert_false(patina_augment_from_json(&b, bad[i].json, -1, &error));
    g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
    if (!strstr(error->message, bad[i].expect))
      g_error("%s: message \"%s\" lacks \"%s\"", bad[i].json, error->message, bad[i].expect);
    g_assert_cmpfloat(b.rotation_range, ==, 7.0);
  }
  /* -0 reads as 0, so what is accepted survives a round trip bit for bit (found by fuzzing) */
  g_assert_true(patina_augment_from_json(&a, "{\"width_shift_range\": -0.0}", -1, NULL));
  g_autofree char *js1 = patina_augment_to_json(&a);
  g_assert_true(patina_augment_from_json(&b, js1, -1, NULL));
  g_assert_cmpmem(&a, sizeof(a), &b, sizeof(b));
  /* NaN set directly is refused too */
  patina_augment_init(&a);
  a.width_shift_range = NAN;
  g_assert_false(patina_augment_validate(&a, NULL));
  patina_augment_init(&a);
  a.zoom_range[1] = INFINITY;
  g_assert_false(patina_augment_validate(&a, NULL));
  g_clear_error(&error);
  g_assert_false(patina_augment_preset(&a, "kaggle", &error));
  g_assert_nonnull(strstr(error->message, "paper"));
}


/* The app's Mild preset is the one measured best on X-SDD; its parts are checked by the
 * describe text so the README's row and the preset cannot drift apart silently. */
static void test_preset_mild(void)
{
  PatinaAugment a;
  g_assert_true(patina_augment_preset(&a, "mild", NULL));
  g_assert_true(patina_augment_validate(&a, NULL));
  g_autofree char *what = patina_augment_describe(&a);
  g_assert_null(strstr(what, "rotation"));
  g_assert_nonnull(strstr(what, "zoom 0.9–1.1"));
  g_assert_nonnull(strstr(what, "brightness 0.9–1.1"));
  g_assert_true(a.horizontal_flip && a.vertical_flip);
  g_assert_cmpint(a.fill_mode, ==, PATINA_FILL_REFLECT);
  g_assert_cmpfloat(a.width_shift_range, ==, 0.1);
  g_assert_cmpfloat(a.height_shift_range, ==, 0.1);
}

/* Each preset is recognised by its parameters; one changed field makes them no preset. */
static void test_preset_matching(void)
{
  static const char *const names[] = {"none", "paper", "mild"};
  PatinaAugment a;
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    g_assert_true(patina_augment_preset(&a, names[i], NULL));
    g_assert_cmpstr(patina_augment_preset_matching(&a), ==, names[i]);
    a.rotation_range += 1;
    g_assert_null(patina_augment_preset_matching(&a));
  }
  patina_augment_init(&a);
  a.noise_sigma[0] = a.noise_sigma[1] = 0.01;
  g_assert_null(patina_augment_preset_matching(&a));
}

/* Tile k is training's image 0 in epoch k; a cancelled preview stops with an error. */
static void test_grid_tiles(void)
{
  PatinaAugment a;
  g_assert_true(patina_augment_preset(&a, "paper", NULL));
  int n = 32;
  g_autofree float *src = ramp(n, n);
  g_autoptr(GArray) tiles = patina_augment_tiles(&a, src, n, 7, 3, NULL, NULL);
  g_assert_cmpuint(tiles->len, ==, 4);
  PatinaAugmentTile *t0 = &g_array_index(tiles, PatinaAugmentTile, 0);
  g_assert_cmpmem(t0->plane, n * n * sizeof(float), src, n * n * sizeof(float));
  g_assert_cmpstr(t0->label[0], ==, "original");
  g_autofree float *want = g_new(float, n * n);
  PatinaRng r;
  patina_augment_rng_for(&r, 7, 2, 0);
  patina_augment_plane(&a, &r, src, n, n, want, n);
  PatinaAugmentTile *t2 = &g_array_index(tiles, PatinaAugmentTile, 2);
  g_assert_cmpmem(t2->plane, n * n * sizeof(float), want, n * n * sizeof(float));
  g_assert_cmpstr(t2->label[0], ==, "2:");

  g_autoptr(GCancellable) c = g_cancellable_new();
  g_cancellable_cancel(c);
  g_autoptr(GError) error = NULL;
  g_assert_null(patina_augment_tiles(&a, src, n, 7, 3, c, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_auto(GStrv) title = patina_augment_grid_title("x.png", n, 7, &a);
  g_autoptr(GBytes) png = patina_augment_grid_png(tiles, n, 40, 2, title, &error);
  g_assert_nonnull(png);
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_bytes(png);
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_stream(in, NULL, NULL);
  g_assert_nonnull(pb);
  g_assert_cmpint(gdk_pixbuf_get_width(pb), ==, 2 * 14 + 2 * 40 + 10);
  g_assert_cmpint(patina_augment_grid_columns(9), ==, 3);
  g_assert_cmpint(patina_augment_grid_columns(17), ==, 5);
}

static void test_set_and_describe(void)
{
  PatinaAugment a;
  patina_augment_init(&a);
  g_autofree char *none = patina_augment_describe(&a);
  g_assert_cmpstr(none, ==, "none");
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_augment_set(&a, "zoom_range", "0.2", &error));
  g_assert_cmpfloat(a.zoom_range[0], ==, 0.8);
  g_assert_true(patina_augment_set(&a, "zoom_range", " 0.9 , 1.3", &error));
  g_assert_cmpfloat(a.zoom_range[1], ==, 1.3);
  g_assert_true(patina_augment_set(&a, "brightness_range", "0.5,1.5", &error));
  g_assert_true(patina_augment_set(&a, "horizontal_flip", "true", &error));
  g_assert_true(patina_augment_set(&a, "fill_mode", "constant", &error));
  g_assert_true(patina_augment_set(&a, "noise_sigma", "0.01,0.03", &error));
  g_assert_true(patina_augment_set(&a, "noise_probability", "0.5", &error));
  g_assert_no_error(error);
  g_autofree char *d = patina_augment_describe(&a);
  g_assert_cmpstr(d, ==, "zoom 0.9–1.3, flips H, brightness 0.5–1.5, noise σ 0.01–0.03 (p 0.5); "
                         "fill constant 0");
  PatinaAugment before = a;
  const char *bad[][2] = {{"zoom_range", "abc"}, {"zoom_range", "0.5,x"}, {"rotation_range", "500"},
                          {"brightness_range", "1.2"}, {"fill_mode", "mirror"},
                          {"horizontal_flip", "yes"}, {"no_such", "1"}};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_clear_error(&error);
    g_assert_false(patina_augment_set(&a, bad[i][0], bad[i][1], &error));
    g_assert_nonnull(strstr(error->message, bad[i][0]));
    g_assert_cmpmem(&a, sizeof(a), &before, sizeof(before));
  }
  g_assert_true(patina_augment_preset(&a, "paper", NULL));
  g_autofree char *p = patina_augment_describe(&a);
  g_assert_cmpstr(p, ==, "rotation ±180°, shift ±0.1×0.1, zoom 0.9–1.1, flips H V, "
                         "brightness 0.8–1.2; fill reflect");
}

/* ---- in training ---- */

static PatinaAugment paper_plus(void)
{
  PatinaAugment a;
  g_assert_true(patina_augment_preset(&a, "paper", NULL));
  a.noise_sigma[0] = 0.0, a.noise_sigma[1] = 0.02;
  a.noise_probability = 0.5;
  a.contrast_range[0] = 0.8, a.contrast_range[1] = 1.2;
  return a;
}

/* Slows the trainer on some batches so the loader runs ahead by different amounts. */
static void jitter(const PatinaProgress *p, gpointer user_data)
{
  (void) user_data;
  if (p->batch % 2)
    g_usleep(3000);
}

typedef struct {
  PatinaTrainResult result;
  float *params;
  gsize n_params;
  char *hyperparameters;
} Run;

static void run_clear(Run *r)
{
  patina_train_result_clear(&r->result);
  g_free(r->params);
  g_free(r->hyperparameters);
}

static void train_run(const char *name, const PatinaAugment *aug, guint64 seed,
                      PatinaProgressFunc progress, Run *run)
{
  g_autofree char *out = g_build_filename(tmp_root, name, NULL);
  PatinaTrainConfig cfg;
  patina_train_config_default(&cfg);
  cfg.size = 46; /* the smallest input the paper's CNN fits */
  cfg.epochs = 2;
  cfg.batch = 4;
  cfg.seed = seed;
  cfg.threads = 2;
  cfg.val_fraction = 0.25;
  cfg.output = out;
  cfg.augment = aug;
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds = patina_dataset_open(demo_dir, &error);
  g_assert_no_error(error);
  g_assert_true(patina_train(&cfg, ds, progress, NULL, NULL, &run->result, &error));
  g_assert_no_error(error);
  PatinaCheckpointMeta meta = {0};
  PatinaModel *m = patina_checkpoint_load(run->result.last_path, &meta, &error);
  g_assert_no_error(error);
  run->n_params = m->n_params;
  run->params = g_memdup2(m->params, m->n_params * sizeof(float));
  run->hyperparameters = g_strdup(meta.hyperparameters_json);
  patina_checkpoint_meta_clear(&meta);
  patina_model_free(m);
}

static void test_train_deterministic(void)
{
  PatinaAugment a = paper_plus();
  Run r1 = {0}, r2 = {0}, r3 = {0};
  train_run("a.safetensors", &a, 7, NULL, &r1);
  train_run("b.safetensors", &a, 7, jitter, &r2);
  g_assert_cmpuint(r1.n_params, ==, r2.n_params);
  g_assert_cmpmem(r1.params, r1.n_params * sizeof(float), r2.params, r2.n_params * sizeof(float));
  for (guint i = 0; i < r1.result.history->len; i++) {
    PatinaEpochRecord *x = &g_array_index(r1.result.history, PatinaEpochRecord, i);
    PatinaEpochRecord *y = &g_array_index(r2.result.history, PatinaEpochRecord, i);
    g_assert_cmpmem(&x->train_loss, sizeof(double), &y->train_loss, sizeof(double));
    g_assert_cmpmem(&x->val_loss, sizeof(double), &y->val_loss, sizeof(double));
  }
  /* another seed, another model */
  train_run("c.safetensors", &a, 8, NULL, &r3);
  g_assert_true(memcmp(r1.params, r3.params, r1.n_params * sizeof(float)) != 0);

  /* The checkpoint's hyperparameters carry the augmentation, and it parses back. */
  g_autoptr(JsonParser) parser = json_parser_new();
  g_assert_true(json_parser_load_from_data(parser, r1.hyperparameters, -1, NULL));
  JsonObject *hp = json_node_get_object(json_parser_get_root(parser));
  g_assert_true(json_object_has_member(hp, "augment"));
  PatinaAugment back;
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_augment_from_json_node(&back, json_object_get_member(hp, "augment"),
                                              &error));
  g_assert_no_error(error);
  g_assert_cmpmem(&back, sizeof(back), &a, sizeof(a));
  run_clear(&r1);
  run_clear(&r2);
  run_clear(&r3);
}

static void test_train_changes_batches(void)
{
  PatinaAugment a = paper_plus(), none;
  patina_augment_init(&none);
  Run plain = {0}, null_aug = {0}, aug = {0};
  train_run("plain.safetensors", &none, 7, NULL, &plain);
  train_run("null.safetensors", NULL, 7, NULL, &null_aug);
  train_run("aug.safetensors", &a, 7, NULL, &aug);
  /* all-off is no augmentation at all: the same model as NULL */
  g_assert_cmpmem(plain.params, plain.n_params * sizeof(float), null_aug.params,
                  null_aug.n_params * sizeof(float));
  /* Augmentation changes the images, so the first epoch's loss and the model differ; the
   * holdout (never augmented) is evaluated by a different model. */
  PatinaEpochRecord *p0 = &g_array_index(plain.result.history, PatinaEpochRecord, 0);
  PatinaEpochRecord *a0 = &g_array_index(aug.result.history, PatinaEpochRecord, 0);
  g_assert_cmpfloat(p0->train_loss, !=, a0->train_loss);
  g_assert_true(memcmp(plain.params, aug.params, plain.n_params * sizeof(float)) != 0);
  g_assert_true(isfinite(a0->train_loss) && isfinite(a0->val_loss));
  /* the un-augmented run records all-off parameters, brightness_range null */
  g_assert_nonnull(strstr(plain.hyperparameters, "\"brightness_range\":null"));
  run_clear(&plain);
  run_clear(&null_aug);
  run_clear(&aug);
}

static void test_train_refuses_bad(void)
{
  PatinaAugment a;
  patina_augment_init(&a);
  a.zoom_range[0] = -0.5;
  g_autofree char *out = g_build_filename(tmp_root, "bad.safetensors", NULL);
  PatinaTrainConfig cfg;
  patina_train_config_default(&cfg);
  cfg.size = 46;
  cfg.output = out;
  cfg.augment = &a;
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds = patina_dataset_open(demo_dir, &error);
  PatinaTrainResult r;
  g_assert_false(patina_train(&cfg, ds, NULL, NULL, NULL, &r, &error));
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "zoom_range"));
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  patina_train_result_clear(&r);
}

/* ---- patina-cli augment and train's options ---- */

typedef struct {
  int status;
  char *out, *err;
} CliRun;

static void cli_run_clear(CliRun *r)
{
  g_free(r->out);
  g_free(r->err);
}

/* Runs the built patina-cli with NULL-terminated arguments. */
static CliRun cli(const char *first, ...)
{
  const char *build = g_getenv("PATINA_BUILD_DIR");
  g_assert_nonnull(build);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(argv, g_build_filename(build, "src", "cli", "patina-cli", NULL));
  va_list ap;
  va_start(ap, first);
  for (const char *a = first; a; a = va_arg(ap, const char *))
    g_ptr_array_add(argv, g_strdup(a));
  va_end(ap);
  g_ptr_array_add(argv, NULL);
  CliRun r = {0};
  int wait_status;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_spawn_sync(tmp_root, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                             &r.out, &r.err, &wait_status, &error));
  g_assert_no_error(error);
  g_assert_true(WIFEXITED(wait_status));
  r.status = WEXITSTATUS(wait_status);
  return r;
}

static void test_cli_grid(void)
{
  g_autofree char *img = g_build_filename(demo_dir, "316L", "316L_000.png", NULL);
  g_autofree char *grid = g_build_filename(tmp_root, "grid.png", NULL);
  CliRun r = cli("augment", img, "-n", "5", "--seed", "3", "--tile", "64", "--size", "46",
                 "--augment-preset", "paper", "--noise-sigma", "0.02", "-o", grid, "--print-json",
                 NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "5 variants"));
  g_assert_nonnull(strstr(r.out, "\"noise_sigma\": 0.02"));
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_file(grid, &error);
  g_assert_no_error(error);
  /* 6 tiles in 3 columns (about square): 2·14 margin + 3·64 + 2·10 gaps */
  g_assert_cmpint(gdk_pixbuf_get_width(pb), ==, 28 + 3 * 64 + 2 * 10);
  cli_run_clear(&r);

  /* the same seed, the same picture */
  g_autofree char *grid2 = g_build_filename(tmp_root, "grid2.png", NULL);
  r = cli("augment", img, "-n", "5", "--seed", "3", "--tile", "64", "--size", "46",
          "--augment-preset", "paper", "--noise-sigma", "0.02", "-o", grid2, NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_autofree char *a = NULL, *b = NULL;
  gsize la, lb;
  g_assert_true(g_file_get_contents(grid, &a, &la, NULL));
  g_assert_true(g_file_get_contents(grid2, &b, &lb, NULL));
  g_assert_cmpmem(a, la, b, lb);
  cli_run_clear(&r);

  r = cli("augment", "--help", NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "--rotation-range"));
  g_assert_nonnull(strstr(r.out, "--augment-preset"));
  cli_run_clear(&r);
}

static void test_cli_errors(void)
{
  g_autofree char *img = g_build_filename(demo_dir, "316L", "316L_000.png", NULL);
  g_autofree char *grid = g_build_filename(tmp_root, "e.png", NULL);
  g_autofree char *missing = g_build_filename(tmp_root, "missing.png", NULL);
  g_autofree char *nodir = g_build_filename(tmp_root, "no-such-folder", "g.png", NULL);
  g_autofree char *json = g_build_filename(tmp_root, "keras.json", NULL);
  g_assert_true(g_file_set_contents(json, "{\"rotation_range\": 20, \"shear_range\": 5}", -1,
                                    NULL));
  struct {
    int status;
    const char *expect;
    const char *args[8];
  } cases[] = {
    {1, "missing.png", {"augment", missing, "-o", grid}},
    {1, "does not exist", {"augment", img, "-o", nodir}},
    {1, "is a folder", {"augment", img, "-o", tmp_root}},
    {2, "-o GRID.png is required", {"augment", img}},
    {2, "--zoom-range 2: zoom_range", {"augment", img, "-o", grid, "--zoom-range", "2"}},
    {2, "--cval 255", {"augment", img, "-o", grid, "--cval", "255"}},
    {2, "unknown augmentation preset", {"augment", img, "-o", grid, "--augment-preset", "x"}},
    {1, "shear_range is not supported", {"augment", img, "-o", grid, "--augment-config", json}},
    {2, "-n must be 1 to 256", {"augment", img, "-o", grid, "-n", "0"}},
    {2, "--brightness-range 1.2", {"train", demo_dir, "-o", grid, "--brightness-range", "1.2"}},
    {2, "--fill-mode mirror", {"train", demo_dir, "-o", grid, "--fill-mode", "mirror"}},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    const char **a = cases[i].args;
    CliRun r = cli(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], NULL);
    if (r.status != cases[i].status || !strstr(r.err, cases[i].expect))
      g_error("case %u: exit %d, stderr \"%s\"; expected %d and \"%s\"", i, r.status, r.err,
              cases[i].status, cases[i].expect);
    cli_run_clear(&r);
  }
  g_assert_false(g_file_test(grid, G_FILE_TEST_EXISTS));
}

static void test_cli_train(void)
{
  g_autofree char *model = g_build_filename(tmp_root, "cli.safetensors", NULL);
  CliRun r = cli("train", demo_dir, "--size", "46", "-e", "1", "-b", "4", "-o", model,
                 "--augment-preset", "paper", "--rotation-range", "20", "--vertical-flip",
                 "--gamma-range", "0.8,1.25", "--gamma-probability", "0.5", NULL);
  if (r.status != 0)
    g_error("train failed: %s", r.err);
  g_assert_nonnull(strstr(r.out, "augment: rotation ±20°"));
  g_assert_nonnull(strstr(r.out, "gamma 0.8–1.25 (p 0.5)"));
  PatinaCheckpointMeta meta = {0};
  g_autoptr(GError) error = NULL;
  PatinaModel *m = patina_checkpoint_load(model, &meta, &error);
  g_assert_no_error(error);
  g_assert_nonnull(strstr(meta.hyperparameters_json, "\"rotation_range\":20"));
  g_assert_nonnull(strstr(meta.hyperparameters_json, "\"gamma_probability\":0.5"));
  patina_checkpoint_meta_clear(&meta);
  patina_model_free(m);
  cli_run_clear(&r);

  /* the preview can start from what a model was trained with */
  g_autofree char *img = g_build_filename(demo_dir, "316L", "316L_000.png", NULL);
  g_autofree char *grid = g_build_filename(tmp_root, "from-model.png", NULL);
  r = cli("augment", img, "-n", "2", "--size", "46", "--augment-config", model, "--print-json",
          "-o", grid, NULL);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_nonnull(strstr(r.out, "\"rotation_range\": 20,"));
  g_assert_nonnull(strstr(r.out, "\"gamma_range\": [0.8, 1.25],"));
  cli_run_clear(&r);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  tmp_root = g_dir_make_tmp("patina-augment-XXXXXX", NULL);
  g_assert_nonnull(tmp_root);
  demo_dir = g_build_filename(tmp_root, "demo", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_demo_generate(demo_dir, 6, 1, &error));
  g_assert_no_error(error);
  g_test_add_func("/augment/identity", test_identity);
  g_test_add_func("/augment/flips", test_flips);
  g_test_add_func("/augment/rotation", test_rotation);
  g_test_add_func("/augment/shift", test_shift);
  g_test_add_func("/augment/zoom", test_zoom);
  g_test_add_func("/augment/fill-modes", test_fill_modes);
  g_test_add_func("/augment/intensity", test_intensity);
  g_test_add_func("/augment/noise", test_noise);
  g_test_add_func("/augment/blur", test_blur);
  g_test_add_func("/augment/determinism", test_determinism);
  g_test_add_func("/augment/describe", test_describe);
  g_test_add_func("/augment/json", test_json);
  g_test_add_func("/augment/set-and-describe", test_set_and_describe);
  g_test_add_func("/augment/preset-mild", test_preset_mild);
  g_test_add_func("/augment/grid-tiles", test_grid_tiles);
  g_test_add_func("/augment/train-deterministic", test_train_deterministic);
  g_test_add_func("/augment/train-changes-batches", test_train_changes_batches);
  g_test_add_func("/augment/train-refuses-bad", test_train_refuses_bad);
  g_test_add_func("/augment/preset-matching", test_preset_matching);
  g_test_add_func("/augment/cli-grid", test_cli_grid);
  g_test_add_func("/augment/cli-errors", test_cli_errors);
  g_test_add_func("/augment/cli-train", test_cli_train);
  int rc = g_test_run();
  test_remove_tree(tmp_root);
  g_free(tmp_root);
  g_free(demo_dir);
  return rc;
}
