#include "demo.h"

#include <errno.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <math.h>
#include <string.h>

#include "rng.h"

/* Everything is drawn as an offset around mid-gray in "relative" units, then mapped through a
 * per-image brightness and contrast like an SEM operator's knobs. Lengths are in pixels of a
 * 256-pixel image and scaled by `u` for other sizes, so every size shows the same scene. */

static inline float smoothstep(float e0, float e1, float x)
{
  float t = CLAMP((x - e0) / (e1 - e0), 0.0f, 1.0f);
  return t * t * (3.0f - 2.0f * t);
}

/* One octave of value noise: random values on a lattice of the given period, blended with a
 * smoothstep so no lattice lines show. */
static void add_value_noise(PatinaRng *rng, float *img, int size, float period, float amp)
{
  int n = (int) ceilf(size / period) + 2;
  g_autofree float *lat = g_new(float, n * n);
  for (int i = 0; i < n * n; i++)
    lat[i] = patina_rng_range(rng, -1.0f, 1.0f);
  float ox = patina_rng_uniform(rng), oy = patina_rng_uniform(rng);
  g_autofree int *ix = g_new(int, size);
  g_autofree float *wx = g_new(float, size);
  for (int x = 0; x < size; x++) {
    float f = x / period + ox;
    ix[x] = (int) f;
    float t = f - ix[x];
    wx[x] = t * t * (3.0f - 2.0f * t);
  }
  for (int y = 0; y < size; y++) {
    float f = y / period + oy;
    int iy = (int) f;
    float t = f - iy, wy = t * t * (3.0f - 2.0f * t);
    const float *r0 = lat + iy * n, *r1 = r0 + n;
    float *row = img + y * size;
    for (int x = 0; x < size; x++) {
      int i = ix[x];
      float a = r0[i] + (r0[i + 1] - r0[i]) * wx[x];
      float b = r1[i] + (r1[i + 1] - r1[i]) * wx[x];
      row[x] += amp * (a + (b - a) * wy);
    }
  }
}

static void add_fbm(PatinaRng *rng, float *img, int size, float period, float amp, int octaves)
{
  for (int o = 0; o < octaves && period >= 1.0f; o++, period *= 0.5f, amp *= 0.5f)
    add_value_noise(rng, img, size, period, amp);
}

/* Voronoi cells from a jittered grid of sites: even-sized cells, as recrystallised grains and
 * drying-crack plates are, rather than the wild sizes of a Poisson process. */
typedef struct {
  int gw;     /* sites per row and column, margin included */
  int margin; /* cells of margin around the image, room for warped coordinates */
  float cell;
  float *sx, *sy;
} Sites;

static void sites_init(Sites *s, PatinaRng *rng, int size, float cell, float jitter)
{
  s->cell = cell;
  s->margin = 3;
  s->gw = (int) ceilf(size / cell) + 2 * s->margin;
  s->sx = g_new(float, s->gw * s->gw);
  s->sy = g_new(float, s->gw * s->gw);
  for (int j = 0; j < s->gw; j++)
    for (int i = 0; i < s->gw; i++) {
      int k = j * s->gw + i;
      s->sx[k] = (i - s->margin + 0.5f + jitter * (patina_rng_uniform(rng) - 0.5f)) * cell;
      s->sy[k] = (j - s->margin + 0.5f + jitter * (patina_rng_uniform(rng) - 0.5f)) * cell;
    }
}

static void sites_clear(Sites *s)
{
  g_free(s->sx);
  g_free(s->sy);
}

/* For every pixel (optionally displaced by warp_x/warp_y): the index of its cell's site and
 * its distance to the nearest cell border, exact via the bisectors of neighbouring sites:
 * (|p - b|² - |p - a|²) / 2|b - a|, with the 1 / 2|b - a| of each site pair tabulated once. */
static void voronoi(const Sites *s, int size, const float *warp_x, const float *warp_y, int *id,
                    float *edge)
{
  int lo = 2, hi = s->gw - 3, gw = s->gw;
  g_autofree float *half_inv = g_new0(float, gw * gw * 25);
  for (int j = lo; j <= hi; j++)
    for (int i = lo; i <= hi; i++)
      for (int o = 0; o < 25; o++) {
        int a = j * gw + i, b = (j + o / 5 - 2) * gw + i + o % 5 - 2;
        float ex = s->sx[b] - s->sx[a], ey = s->sy[b] - s->sy[a];
        half_inv[a * 25 + o] = a == b ? 0.0f : 0.5f / sqrtf(ex * ex + ey * ey);
      }

  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++) {
      int p = y * size + x;
      float px = x + 0.5f + (warp_x ? warp_x[p] : 0.0f);
      float py = y + 0.5f + (warp_y ? warp_y[p] : 0.0f);
      int ci = CLAMP((int) floorf(px / s->cell) + s->margin, lo, hi);
      int cj = CLAMP((int) floorf(py / s->cell) + s->margin, lo, hi);
      int best = cj * gw + ci;
      float bd = G_MAXFLOAT;
      for (int dj = -1; dj <= 1; dj++)
        for (int di = -1; di <= 1; di++) {
          int k = (cj + dj) * gw + ci + di;
          float dx = s->sx[k] - px, dy = s->sy[k] - py, d = dx * dx + dy * dy;
          if (d < bd) {
            bd = d;
            best = k;
          }
        }
      /* The nearest site may sit in the margin's outer ring; measure from the clamped cell
       * then, which only matters for warps larger than they are here. */
      int a = CLAMP(best / gw, lo, hi) * gw + CLAMP(best % gw, lo, hi);
      float e = G_MAXFLOAT;
      const float *hinv = half_inv + a * 25;
      for (int o = 0; o < 25; o++) {
        int k = a + (o / 5 - 2) * gw + o % 5 - 2;
        float dx = s->sx[k] - px, dy = s->sy[k] - py;
        float d = (dx * dx + dy * dy - bd) * hinv[o];
        if (o != 12)
          e = MIN(e, d);
      }
      id[p] = best;
      edge[p] = MAX(e, 0.0f);
    }
}

/* Paints an anti-aliased round-capped line of half-width r into mask (keeping the maximum),
 * touching only the pixels near it, so long walks and scratches stay cheap. */
static void stamp_segment(float *mask, int size, float x0, float y0, float x1, float y1, float r,
                          float v)
{
  int xa = MAX((int) floorf(MIN(x0, x1) - r - 1.0f), 0);
  int xb = MIN((int) ceilf(MAX(x0, x1) + r + 1.0f), size - 1);
  int ya = MAX((int) floorf(MIN(y0, y1) - r - 1.0f), 0);
  int yb = MIN((int) ceilf(MAX(y0, y1) + r + 1.0f), size - 1);
  float dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
  for (int y = ya; y <= yb; y++)
    for (int x = xa; x <= xb; x++) {
      float qx = x + 0.5f - x0, qy = y + 0.5f - y0;
      float t = len2 > 0.0f ? CLAMP((qx * dx + qy * dy) / len2, 0.0f, 1.0f) : 0.0f;
      float ex = qx - t * dx, ey = qy - t * dy;
      float cover = CLAMP(r + 0.5f - sqrtf(ex * ex + ey * ey), 0.0f, 1.0f) * v;
      float *m = mask + y * size + x;
      *m = MAX(*m, cover);
    }
}

/* ---- 316L: polished, lightly etched austenitic stainless steel ---- */

typedef struct {
  float tone;          /* channelling contrast: each grain its own gray level */
  float nx, ny;        /* twin lamella normal */
  float offset, width; /* lamella position from the grain's site, and thickness */
  float shift;         /* lamella tone against its grain; 0 for a grain without a twin */
} Grain;

static void draw_grains(PatinaRng *rng, int size, float u, float scale, float *img)
{
  int n = size * size;
  g_autofree int *id = g_new(int, n);
  g_autofree float *edge = g_new(float, n);
  Sites sites;
  sites_init(&sites, rng, size, patina_rng_range(rng, 28.0f, 58.0f) * u * scale, 0.85f);
  voronoi(&sites, size, NULL, NULL, id, edge);

  int ns = sites.gw * sites.gw;
  g_autofree Grain *grains = g_new(Grain, ns);
  float spread = patina_rng_range(rng, 0.02f, 0.10f);
  float twin_rate = patina_rng_range(rng, 0.2f, 0.6f);
  for (int k = 0; k < ns; k++) {
    Grain *g = &grains[k];
    g->tone = spread * CLAMP(patina_rng_normal(rng), -2.0f, 2.0f);
    float a = patina_rng_range(rng, 0.0f, (float) G_PI);
    g->nx = cosf(a);
    g->ny = sinf(a);
    g->offset = patina_rng_range(rng, -0.4f, 0.3f) * sites.cell;
    g->width = patina_rng_range(rng, 2.5f * u, 0.3f * sites.cell);
    float sign = patina_rng_uniform(rng) < 0.5f ? -1.0f : 1.0f;
    g->shift = patina_rng_uniform(rng) < twin_rate ? sign * patina_rng_range(rng, 0.05f, 0.16f)
                                                   : 0.0f;
  }

  float depth = patina_rng_range(rng, 0.12f, 0.35f);
  float width = patina_rng_range(rng, 0.6f, 1.4f) * u;
  float twin_line = patina_rng_range(rng, 0.1f, 0.4f) * depth;
  for (int p = 0; p < n; p++) {
    const Grain *g = &grains[id[p]];
    float v = g->tone;
    if (g->shift != 0.0f) {
      /* Annealing twin: a straight lamella with parallel sides, ending at the grain's border. */
      float t = (p % size + 0.5f - sites.sx[id[p]]) * g->nx +
                (p / size + 0.5f - sites.sy[id[p]]) * g->ny - g->offset;
      float inside = smoothstep(-0.7f, 0.7f, t) * smoothstep(-0.7f, 0.7f, g->width - t);
      float line = MAX(0.0f, 1.0f - fabsf(t) / (0.8f * u)) +
                   MAX(0.0f, 1.0f - fabsf(g->width - t) / (0.8f * u));
      v += g->shift * inside - twin_line * MIN(line, 1.0f);
    }
    /* Etched boundary groove: dark core, faintly bright flank where the SE yield rises. */
    float e = edge[p], f = e - 2.5f * width;
    v -= depth * expf(-(e * e) / (width * width));
    v += 0.25f * depth * expf(-(f * f) / (width * width));
    img[p] += v;
  }
  sites_clear(&sites);
}

/* Polishing scratches: long straight lines in a few directions, fading in and out. */
static void draw_scratches(PatinaRng *rng, int size, float u, float *img)
{
  int n = size * size;
  g_autofree float *mask = g_new0(float, n);
  int n_dirs = 1 + patina_rng_below(rng, 3);
  int n_scratches = patina_rng_below(rng, 16);
  float dirs[3];
  for (int d = 0; d < n_dirs; d++)
    dirs[d] = patina_rng_range(rng, 0.0f, (float) G_PI);
  for (int i = 0; i < n_scratches; i++) {
    float a = dirs[patina_rng_below(rng, n_dirs)] + 0.03f * patina_rng_normal(rng);
    float cx = patina_rng_range(rng, 0.0f, size), cy = patina_rng_range(rng, 0.0f, size);
    float half = patina_rng_range(rng, 0.3f, 1.0f) * size;
    float r = patina_rng_range(rng, 0.2f, 0.8f) * u;
    float strength = patina_rng_range(rng, 0.3f, 1.0f);
    int pieces = (int) (2.0f * half / (6.0f * u)) + 1;
    float dx = cosf(a) * 2.0f * half / pieces, dy = sinf(a) * 2.0f * half / pieces;
    float x = cx - cosf(a) * half, y = cy - sinf(a) * half;
    for (int s = 0; s < pieces; s++, x += dx, y += dy) {
      strength = CLAMP(strength + 0.15f * patina_rng_normal(rng), 0.1f, 1.0f);
      stamp_segment(mask, size, x, y, x + dx, y + dy, r, strength);
    }
  }
  float depth = patina_rng_range(rng, 0.05f, 0.2f);
  for (int p = 0; p < n; p++)
    img[p] -= depth * mask[p];
}

/* Pits: small round holes, dark inside, with a bright rim (SEM edge effect). */
static void draw_pits(PatinaRng *rng, int size, float u, float *img)
{
  int n_pits = 3 + patina_rng_below(rng, 18);
  for (int i = 0; i < n_pits; i++) {
    float cx = patina_rng_range(rng, 0.0f, size), cy = patina_rng_range(rng, 0.0f, size);
    float r = patina_rng_range(rng, 1.0f, 4.5f) * u;
    float depth = patina_rng_range(rng, 0.25f, 0.55f);
    float reach = r + 3.0f * u;
    int x0 = MAX(0, (int) (cx - reach)), x1 = MIN(size - 1, (int) (cx + reach));
    int y0 = MAX(0, (int) (cy - reach)), y1 = MIN(size - 1, (int) (cy + reach));
    for (int y = y0; y <= y1; y++)
      for (int x = x0; x <= x1; x++) {
        float d = hypotf(x + 0.5f - cx, y + 0.5f - cy), f = (d - r - 0.8f * u) / u;
        float hole = smoothstep(r + 0.5f, r - 0.8f, d);
        img[y * size + x] += -depth * hole + 0.5f * depth * expf(-f * f) * (1.0f - hole);
      }
  }
}

static void draw_316l(PatinaRng *rng, int size, float u, float scale, float *img)
{
  draw_grains(rng, size, u, scale, img);
  draw_scratches(rng, size, u, img);
  draw_pits(rng, size, u, img);
  /* Polished metal is smooth: weak, fine texture. */
  add_fbm(rng, img, size, 80.0f * u * scale, patina_rng_range(rng, 0.02f, 0.06f), 3);
  add_value_noise(rng, img, size, 3.0f * u, patina_rng_range(rng, 0.01f, 0.03f));
}

/* ---- AZ31B: corroded magnesium alloy ---- */

/* Cloudy corrosion product: soft, brighter blobs. */
static void draw_clouds(PatinaRng *rng, int size, float u, float scale, float *img)
{
  int n = size * size;
  g_autofree float *field = g_new0(float, n);
  add_fbm(rng, field, size, patina_rng_range(rng, 50.0f, 110.0f) * u * scale, 1.0f, 4);
  float amount = patina_rng_range(rng, 0.08f, 0.3f);
  float thresh = patina_rng_range(rng, -0.3f, 0.3f);
  for (int p = 0; p < n; p++)
    img[p] += amount * smoothstep(thresh - 0.25f, thresh + 0.35f, field[p]);
}

/* Mud-cracked oxide: plates whose Voronoi borders are warped into ragged cracks, wider and
 * darker than grain boundaries, their width and depth wandering along the network. */
static void draw_cracks(PatinaRng *rng, int size, float u, float scale, float *img)
{
  int n = size * size;
  g_autofree int *id = g_new(int, n);
  g_autofree float *edge = g_new(float, n);
  g_autofree float *wx = g_new0(float, n);
  g_autofree float *wy = g_new0(float, n);
  float warp = patina_rng_range(rng, 2.0f, 6.0f) * u * scale;
  add_fbm(rng, wx, size, 30.0f * u * scale, warp, 3);
  add_fbm(rng, wy, size, 30.0f * u * scale, warp, 3);
  Sites plates;
  sites_init(&plates, rng, size, patina_rng_range(rng, 24.0f, 52.0f) * u * scale, 0.9f);
  voronoi(&plates, size, wx, wy, id, edge);
  int ns = plates.gw * plates.gw;
  g_autofree float *tone = g_new(float, ns);
  for (int k = 0; k < ns; k++)
    tone[k] = 0.05f * patina_rng_normal(rng);
  sites_clear(&plates);

  /* Openness varies in broad regions, so mild samples have stretches of barely open cracks. */
  float *open_field = wx;
  memset(open_field, 0, n * sizeof(float));
  add_fbm(rng, open_field, size, 60.0f * u, 1.0f, 3);
  float crack_w = patina_rng_range(rng, 0.9f, 2.6f) * u;
  float depth = patina_rng_range(rng, 0.45f, 0.8f);
  float openness = patina_rng_range(rng, -0.1f, 0.5f);
  for (int p = 0; p < n; p++) {
    float open = CLAMP(0.6f + openness + open_field[p], 0.35f, 1.0f);
    float w = crack_w * (0.4f + open);
    float e = edge[p];
    float crack = smoothstep(w + 0.8f, w - 0.8f, e);
    /* Plate rims curl up and shine (SEM edge effect). */
    float rim = e > w ? expf(-(e - w) / (3.0f * u)) : 0.0f;
    img[p] += tone[id[p]] - depth * open * crack + 0.12f * open * rim;
  }
}

/* Filiform corrosion: dark meandering threads, random walks with a persistent heading. */
static void draw_filiform(PatinaRng *rng, int size, float u, float *img)
{
  int n = size * size;
  g_autofree float *mask = g_new0(float, n);
  int n_threads = patina_rng_below(rng, 7);
  for (int i = 0; i < n_threads; i++) {
    float x = patina_rng_range(rng, 0.0f, size), y = patina_rng_range(rng, 0.0f, size);
    float a0 = patina_rng_range(rng, 0.0f, 2.0f * (float) G_PI), a = a0, turn = 0.0f;
    float r = patina_rng_range(rng, 1.0f, 2.5f) * u;
    int steps = 40 + patina_rng_below(rng, 160);
    for (int s = 0; s < steps; s++) {
      /* Filaments meander but keep a general heading, drawn back towards it. */
      turn = 0.85f * turn + 0.07f * patina_rng_normal(rng) + 0.02f * (a0 - a);
      a += turn;
      float nx = x + 2.0f * u * cosf(a), ny = y + 2.0f * u * sinf(a);
      stamp_segment(mask, size, x, y, nx, ny, r, 1.0f);
      x = nx;
      y = ny;
    }
  }
  float depth = patina_rng_range(rng, 0.15f, 0.35f);
  for (int p = 0; p < n; p++)
    img[p] -= depth * mask[p];
}

static void draw_az31b(PatinaRng *rng, int size, float u, float scale, float *img)
{
  draw_clouds(rng, size, u, scale, img);
  draw_cracks(rng, size, u, scale, img);
  draw_filiform(rng, size, u, img);
  /* Corrosion product is rough: stronger fine texture than polished steel. */
  add_fbm(rng, img, size, 16.0f * u * scale, patina_rng_range(rng, 0.04f, 0.09f), 3);
  add_value_noise(rng, img, size, 2.5f * u, patina_rng_range(rng, 0.04f, 0.08f));
}

/* Near-Gaussian noise from one 64-bit draw: four 16-bit uniforms summed (Irwin-Hall), scaled
 * to unit variance. A pixel's shot noise needs no exact tails, and this is several times
 * cheaper than Box-Muller's log, sqrt and cos. */
static inline float fast_normal(PatinaRng *rng)
{
  guint64 r = patina_rng_next(rng);
  float sum = (float) ((r & 0xFFFF) + ((r >> 16) & 0xFFFF) + ((r >> 32) & 0xFFFF) + (r >> 48));
  return (sum * (1.0f / 65536.0f) - 2.0f) * 1.7320508f;
}

/* Beam blur, scan-line jitter, shot noise and the operator's brightness and contrast. */
static void finish_sem(PatinaRng *rng, int size, float *img)
{
  int n = size * size;
  g_autofree float *tmp = g_new(float, n);
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++) {
      const float *r = img + y * size;
      tmp[y * size + x] = 0.25f * r[MAX(x - 1, 0)] + 0.5f * r[x] + 0.25f * r[MIN(x + 1, size - 1)];
    }
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      img[y * size + x] = 0.25f * tmp[MAX(y - 1, 0) * size + x] + 0.5f * tmp[y * size + x] +
                          0.25f * tmp[MIN(y + 1, size - 1) * size + x];

  float brightness = patina_rng_range(rng, 0.3f, 0.65f);
  float contrast = patina_rng_range(rng, 0.7f, 1.5f);
  float vignette = patina_rng_range(rng, -0.1f, 0.06f);
  float shot = patina_rng_range(rng, 0.02f, 0.07f);
  float scan = patina_rng_range(rng, 0.0f, 0.02f);
  for (int y = 0; y < size; y++) {
    float line = scan * patina_rng_normal(rng);
    float ry = (y + 0.5f) / size - 0.5f;
    for (int x = 0; x < size; x++) {
      float rx = (x + 0.5f) / size - 0.5f;
      float v = brightness + contrast * img[y * size + x] + line +
                4.0f * vignette * (rx * rx + ry * ry);
      v += shot * sqrtf(MAX(v, 0.01f)) * fast_normal(rng);
      img[y * size + x] = CLAMP(v, 0.0f, 1.0f);
    }
  }
}

void patina_demo_draw(int klass, guint64 seed, int size, float *out)
{
  g_return_if_fail(out != NULL && size > 0);
  g_return_if_fail(klass == 0 || klass == 1);
  PatinaRng rng;
  patina_rng_init(&rng, seed ^ (klass ? 0x5eb1a2c3d4e5f607ULL : 0));
  memset(out, 0, (gsize) size * size * sizeof(float));
  float u = size / 256.0f;
  float scale = patina_rng_range(&rng, 0.7f, 1.4f);
  if (klass == 0)
    draw_316l(&rng, size, u, scale, out);
  else
    draw_az31b(&rng, size, u, scale, out);
  finish_sem(&rng, size, out);
}

static const char *const class_names[] = {"316L", "AZ31B"};

/* Image index of a class gets its own seed, so one image can be redrawn without the rest. */
static guint64 image_seed(guint64 seed, int klass, int index)
{
  PatinaRng r;
  patina_rng_init(&r, seed);
  for (int i = 0; i < 1 + klass; i++)
    patina_rng_next(&r);
  return patina_rng_next(&r) ^ ((guint64) index * 0x9e3779b97f4a7c15ULL);
}

static gboolean save_gray_png(const float *img, int size, const char *path, GError **error)
{
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, size, size);
  g_autofree char *shown = g_filename_display_name(path);
  if (pb == NULL) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOMEM, "%s: out of memory", shown);
    return FALSE;
  }
  guint8 *px = gdk_pixbuf_get_pixels(pb);
  int stride = gdk_pixbuf_get_rowstride(pb);
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++) {
      guint8 v = (guint8) lrintf(CLAMP(img[y * size + x], 0.0f, 1.0f) * 255.0f);
      guint8 *p = px + y * stride + x * 3;
      p[0] = p[1] = p[2] = v;
    }
  g_autoptr(GError) local = NULL;
  if (!gdk_pixbuf_save(pb, path, "png", &local, NULL)) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: cannot write the image (%s)",
                shown, local->message);
    return FALSE;
  }
  return TRUE;
}

gboolean patina_demo_generate(const char *dir, int per_class, guint64 seed, GError **error)
{
  return patina_demo_generate_full(dir, per_class, seed, NULL, NULL, NULL, error);
}

gboolean patina_demo_generate_full(const char *dir, int per_class, guint64 seed,
                                   PatinaDemoProgress progress, gpointer user_data,
                                   GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail(dir != NULL, FALSE);
  const int total = 2 * MAX(per_class, 0);
  g_autofree float *img = g_new(float, PATINA_DEMO_SIZE * PATINA_DEMO_SIZE);
  /* At least three digits, more when needed, so names sort in drawing order. */
  int digits = 3;
  for (gint64 m = 1000; m < per_class; m *= 10)
    digits++;
  for (int klass = 0; klass < 2; klass++) {
    g_autofree char *class_dir = g_build_filename(dir, class_names[klass], NULL);
    if (g_mkdir_with_parents(class_dir, 0755) != 0) {
      int saved = errno;
      g_autofree char *shown = g_filename_display_name(class_dir);
      g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
                  "%s: cannot create the folder (%s)", shown, g_strerror(saved));
      return FALSE;
    }
    for (int i = 0; i < per_class; i++) {
      if (g_cancellable_set_error_if_cancelled(cancellable, error))
        return FALSE;
      g_autofree char *name = g_strdup_printf("%s_%0*d.png", class_names[klass], digits, i);
      g_autofree char *path = g_build_filename(class_dir, name, NULL);
      patina_demo_draw(klass, image_seed(seed, klass, i), PATINA_DEMO_SIZE, img);
      if (!save_gray_png(img, PATINA_DEMO_SIZE, path, error))
        return FALSE;
      if (progress)
        progress(klass * per_class + i + 1, total, user_data);
    }
  }
  return TRUE;
}
