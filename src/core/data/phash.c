#include "phash.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

#define HASH_SIZE 32
#define LOW 8

/* Area-averages src (w×h) to HASH_SIZE×HASH_SIZE: each output pixel is the mean of the source
 * area it covers, with fractional edge pixels weighted, so every source pixel counts (a plain
 * bilinear resize from a large image would sample a few pixels and let noise through). */
static void area_resize(const float *src, int w, int h, double *dst)
{
  double sx = (double) w / HASH_SIZE, sy = (double) h / HASH_SIZE;
  for (int oy = 0; oy < HASH_SIZE; oy++) {
    double y0 = oy * sy, y1 = (oy + 1) * sy;
    for (int ox = 0; ox < HASH_SIZE; ox++) {
      double x0 = ox * sx, x1 = (ox + 1) * sx;
      double sum = 0.0, area = 0.0;
      for (int y = (int) y0; y < h && y < y1; y++) {
        double wy = MIN(y + 1.0, y1) - MAX((double) y, y0);
        if (wy <= 0.0)
          continue;
        const float *row = src + (gsize) y * w;
        for (int x = (int) x0; x < w && x < x1; x++) {
          double wx = MIN(x + 1.0, x1) - MAX((double) x, x0);
          if (wx <= 0.0)
            continue;
          sum += wx * wy * row[x];
          area += wx * wy;
        }
      }
      dst[oy * HASH_SIZE + ox] = area > 0.0 ? sum / area : 0.0;
    }
  }
}

static int compare_double(const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

guint64 patina_phash_plane(const float *pixels, int width, int height)
{
  if (pixels == NULL || width < 1 || height < 1)
    return 0;
  double small[HASH_SIZE * HASH_SIZE];
  area_resize(pixels, width, height, small);

  /* DCT-II basis, cos(pi (2x + 1) u / 2N), for the LOW lowest frequencies only. */
  double basis[LOW][HASH_SIZE];
  for (int u = 0; u < LOW; u++)
    for (int x = 0; x < HASH_SIZE; x++)
      basis[u][x] = cos(G_PI * (2 * x + 1) * u / (2.0 * HASH_SIZE));
  double rows[HASH_SIZE][LOW]; /* the rows transformed along x */
  for (int y = 0; y < HASH_SIZE; y++)
    for (int u = 0; u < LOW; u++) {
      double s = 0.0;
      for (int x = 0; x < HASH_SIZE; x++)
        s += small[y * HASH_SIZE + x] * basis[u][x];
      rows[y][u] = s;
    }
  double coef[LOW * LOW], sorted[LOW * LOW];
  for (int v = 0; v < LOW; v++)
    for (int u = 0; u < LOW; u++) {
      double s = 0.0;
      for (int y = 0; y < HASH_SIZE; y++)
        s += rows[y][u] * basis[v][y];
      coef[v * LOW + u] = s;
    }
  memcpy(sorted, coef, sizeof coef);
  qsort(sorted, LOW * LOW, sizeof(double), compare_double);
  double median = 0.5 * (sorted[LOW * LOW / 2 - 1] + sorted[LOW * LOW / 2]);
  guint64 hash = 0;
  for (int k = 0; k < LOW * LOW; k++)
    if (coef[k] > median)
      hash |= G_GUINT64_CONSTANT(1) << k;
  return hash;
}

guint64 patina_phash_gray(const PatinaGray *img)
{
  g_return_val_if_fail(img != NULL, 0);
  return patina_phash_plane(img->pixels, img->width, img->height);
}

gboolean patina_phash_file(const char *path, guint64 *hash, GError **error)
{
  g_autoptr(PatinaGray) img = patina_gray_load(path, error);
  if (img == NULL)
    return FALSE;
  *hash = patina_phash_gray(img);
  return TRUE;
}

typedef struct {
  const char *const *paths;
  int n;
  guint64 *hashes;
  gboolean *ok;
  char **errors;
} HashJob;

static void hash_worker(int worker, int n_workers, gpointer data)
{
  HashJob *j = data;
  for (int i = worker; i < j->n; i += n_workers) {
    GError *err = NULL;
    j->ok[i] = patina_phash_file(j->paths[i], &j->hashes[i], &err);
    if (!j->ok[i]) {
      j->hashes[i] = 0;
      if (j->errors)
        j->errors[i] = g_strdup(err->message);
      g_error_free(err);
    } else if (j->errors) {
      j->errors[i] = NULL;
    }
  }
}

void patina_phash_files(const char *const *paths, int n, int threads, guint64 *hashes,
                        gboolean *ok, char **errors)
{
  g_return_if_fail(n == 0 || (paths != NULL && hashes != NULL && ok != NULL));
  HashJob j = {.paths = paths, .n = n, .hashes = hashes, .ok = ok, .errors = errors};
  PatinaPool *pool = patina_pool_new(CLAMP(threads, 1, 256));
  patina_pool_run(pool, hash_worker, &j);
  patina_pool_free(pool);
}

static int compare_pairs(gconstpointer a, gconstpointer b)
{
  const PatinaPhashPair *x = a, *y = b;
  if (x->distance != y->distance)
    return x->distance - y->distance;
  if (x->a != y->a)
    return x->a - y->a;
  return x->b - y->b;
}

GArray *patina_phash_pairs(const guint64 *hashes, const gboolean *valid, int n, int max_distance)
{
  GArray *pairs = g_array_new(FALSE, FALSE, sizeof(PatinaPhashPair));
  /* All pairs: a 64-bit XOR and a popcount each, about a second for 40 000 images. */
  for (int a = 0; a < n; a++) {
    if (valid != NULL && !valid[a])
      continue;
    for (int b = a + 1; b < n; b++) {
      if (valid != NULL && !valid[b])
        continue;
      int d = patina_phash_distance(hashes[a], hashes[b]);
      if (d <= max_distance) {
        PatinaPhashPair p = {.a = a, .b = b, .distance = d};
        g_array_append_val(pairs, p);
      }
    }
  }
  g_array_sort(pairs, compare_pairs);
  return pairs;
}
