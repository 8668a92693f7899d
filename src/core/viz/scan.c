/* Whole-surface scan (see scan.h). */
#include "scan.h"

#include <string.h>

/* Tile starts along one axis: every stride, the last one flush with the far edge. */
static GArray *tile_starts(int length, int tile, int stride)
{
  GArray *a = g_array_new(FALSE, FALSE, sizeof(int));
  int last = length - tile;
  for (gint64 p = 0; p <= last; p += stride) {
    int v = (int) p;
    g_array_append_val(a, v);
  }
  if (g_array_index(a, int, a->len - 1) != last)
    g_array_append_val(a, last);
  return a;
}

static int cmp_int(gconstpointer a, gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

/* Sorted unique tile starts and ends: the cells' edges. */
static int *cell_edges(GArray *starts, int tile, int *n_cells)
{
  int n = (int) starts->len;
  int *e = g_new(int, 2 * n);
  for (int i = 0; i < n; i++) {
    e[2 * i] = g_array_index(starts, int, i);
    e[2 * i + 1] = g_array_index(starts, int, i) + tile;
  }
  qsort(e, 2 * n, sizeof(int), cmp_int);
  int u = 0;
  for (int i = 0; i < 2 * n; i++)
    if (u == 0 || e[i] != e[u - 1])
      e[u++] = e[i];
  *n_cells = u - 1;
  return e;
}

/* First cell whose left edge is at pos (pos is always an edge). */
static int edge_index(const int *edges, int n_edges, int pos)
{
  int lo = 0, hi = n_edges - 1;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (edges[mid] < pos)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Tile (x, y) of the image as the model's input: resized to in_w × in_h when it is another
 * size, the plane repeated to the model's channels. */
static void tile_input(const PatinaModel *m, const PatinaGray *img, int tile, int x, int y,
                       float *crop, float *out)
{
  for (int r = 0; r < tile; r++)
    memcpy(crop + (gsize) r * tile, img->pixels + (gsize) (y + r) * img->width + x,
           sizeof(float) * tile);
  gsize plane = (gsize) m->in_h * m->in_w;
  if (tile == m->in_h && tile == m->in_w)
    memcpy(out, crop, sizeof(float) * plane);
  else
    patina_resize_bilinear(crop, tile, tile, out, m->in_w, m->in_h);
  for (int c = 1; c < m->in_c; c++)
    memcpy(out + c * plane, out, sizeof(float) * plane);
}

static gboolean check_options(const PatinaModel *m, const PatinaGray *img, const char *name,
                              const PatinaScanOptions *o, int *tile, int *stride, int *batch,
                              GError **error)
{
  *tile = o && o->tile > 0 ? o->tile : m->in_h;
  *stride = o && o->stride > 0 ? o->stride : MAX(1, *tile / 2);
  *batch = o && o->batch > 0 ? MIN(o->batch, 64) : 16;
  if (o && (o->tile < 0 || o->stride < 0)) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "scan: tile and stride must be positive");
    return FALSE;
  }
  if (m->in_h != m->in_w) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "scan: the model's input is %d×%d; scanning needs a square input", m->in_h,
                m->in_w);
    return FALSE;
  }
  if (img->width < *tile || img->height < *tile) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: the image is %d×%d pixels, smaller than one %d×%d tile%s; classify it "
                "whole (predict) or use a smaller tile",
                name, img->width, img->height, *tile, *tile,
                *tile == m->in_h ? " (the model's input size)" : "");
    return FALSE;
  }
  if (*stride > *tile) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "scan: a stride of %d is larger than the %d-pixel tile and would leave parts of "
                "the image unseen",
                *stride, *tile);
    return FALSE;
  }
  gint64 nx = (img->width - *tile) / *stride + 2, ny = (img->height - *tile) / *stride + 2;
  if (nx * ny > PATINA_SCAN_MAX_TILES) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: a stride of %d over %d×%d pixels gives about %" G_GINT64_FORMAT
                " tiles, more than %d; use a larger stride",
                name, *stride, img->width, img->height, nx * ny, PATINA_SCAN_MAX_TILES);
    return FALSE;
  }
  return TRUE;
}

gboolean patina_scan(PatinaModel *m, const PatinaGray *img, const char *name,
                     const PatinaScanOptions *options, PatinaScanProgressFunc progress,
                     gpointer user_data, GCancellable *cancellable, PatinaScan *s,
                     GError **error)
{
  memset(s, 0, sizeof *s);
  int tile, stride, batch;
  if (!check_options(m, img, name, options, &tile, &stride, &batch, error))
    return FALSE;
  int classes = patina_model_n_classes(m);
  g_autoptr(GArray) xs = tile_starts(img->width, tile, stride);
  g_autoptr(GArray) ys = tile_starts(img->height, tile, stride);
  s->width = img->width, s->height = img->height, s->classes = classes;
  s->tile = tile, s->stride = stride;
  s->n_tiles = (int) (xs->len * ys->len);
  s->tile_x = g_new(int, s->n_tiles);
  s->tile_y = g_new(int, s->n_tiles);
  for (guint j = 0, t = 0; j < ys->len; j++)
    for (guint i = 0; i < xs->len; i++, t++) {
      s->tile_x[t] = g_array_index(xs, int, i);
      s->tile_y[t] = g_array_index(ys, int, j);
    }
  s->col_edges = cell_edges(xs, tile, &s->n_cols);
  s->row_edges = cell_edges(ys, tile, &s->n_rows);
  gsize n_cells = (gsize) s->n_cols * s->n_rows;
  s->tile_probs = g_try_new(float, (gsize) s->n_tiles * classes);
  s->cell_probs = g_try_new0(float, n_cells * classes);
  g_autofree int *cover = g_try_new0(int, n_cells);
  gsize in_len = (gsize) m->in_c * m->in_h * m->in_w;
  g_autofree float *x = g_try_new(float, in_len * batch);
  g_autofree float *crop = g_try_new(float, (gsize) tile * tile);
  g_autofree float *probs = g_new(float, (gsize) batch * classes);
  if (!s->tile_probs || !s->cell_probs || !cover || !x || !crop) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_FAILED,
                "%s: not enough memory to scan %d tiles", name, s->n_tiles);
    goto fail;
  }

  for (int first = 0; first < s->n_tiles; first += batch) {
    if (g_cancellable_set_error_if_cancelled(cancellable, error))
      goto fail;
    int n = MIN(batch, s->n_tiles - first);
    for (int t = 0; t < n; t++)
      tile_input(m, img, tile, s->tile_x[first + t], s->tile_y[first + t], crop,
                 x + t * in_len);
    const float *logits = patina_model_forward(m, x, n, FALSE, NULL, error);
    if (!logits)
      goto fail;
    patina_model_probabilities(m, logits, n, probs);
    memcpy(s->tile_probs + (gsize) first * classes, probs, sizeof(float) * n * classes);
    for (int t = 0; t < n; t++) {
      int tx = s->tile_x[first + t], ty = s->tile_y[first + t];
      int c0 = edge_index(s->col_edges, s->n_cols + 1, tx);
      int r0 = edge_index(s->row_edges, s->n_rows + 1, ty);
      for (int r = r0; r < s->n_rows && s->row_edges[r] < ty + tile; r++)
        for (int c = c0; c < s->n_cols && s->col_edges[c] < tx + tile; c++) {
          gsize cell = (gsize) r * s->n_cols + c;
          cover[cell]++;
          for (int k = 0; k < classes; k++)
            s->cell_probs[cell * classes + k] += probs[t * classes + k];
        }
    }
    if (progress)
      progress(first + n, s->n_tiles, user_data);
  }

  s->area_fraction = g_new0(double, classes);
  s->mean_probability = g_new0(double, classes);
  double total = (double) s->width * s->height;
  for (int r = 0; r < s->n_rows; r++)
    for (int c = 0; c < s->n_cols; c++) {
      gsize cell = (gsize) r * s->n_cols + c;
      float *p = s->cell_probs + cell * classes;
      double area = (double) (s->row_edges[r + 1] - s->row_edges[r]) *
                    (s->col_edges[c + 1] - s->col_edges[c]);
      int best = 0;
      for (int k = 0; k < classes; k++) {
        p[k] /= MAX(1, cover[cell]); /* every cell is covered: tiles reach both edges */
        s->mean_probability[k] += area * p[k] / total;
        if (p[k] > p[best])
          best = k;
      }
      s->area_fraction[best] += area / total;
    }
  return TRUE;
fail:
  patina_scan_clear(s);
  return FALSE;
}

void patina_scan_clear(PatinaScan *s)
{
  g_clear_pointer(&s->tile_x, g_free);
  g_clear_pointer(&s->tile_y, g_free);
  g_clear_pointer(&s->tile_probs, g_free);
  g_clear_pointer(&s->col_edges, g_free);
  g_clear_pointer(&s->row_edges, g_free);
  g_clear_pointer(&s->cell_probs, g_free);
  g_clear_pointer(&s->area_fraction, g_free);
  g_clear_pointer(&s->mean_probability, g_free);
}

/* Cell index of each output position along an axis (by the position's centre). */
static int *cells_along(const int *edges, int n_cells, int length, int out)
{
  int *idx = g_new(int, out);
  for (int i = 0, c = 0; i < out; i++) {
    double centre = (i + 0.5) * length / out;
    while (c + 1 < n_cells && edges[c + 1] <= centre)
      c++;
    idx[i] = c;
  }
  return idx;
}

float *patina_scan_class_map(const PatinaScan *s, int klass, int out_w, int out_h)
{
  g_return_val_if_fail(klass >= 0 && klass < s->classes && out_w > 0 && out_h > 0, NULL);
  g_autofree int *cx = cells_along(s->col_edges, s->n_cols, s->width, out_w);
  g_autofree int *cy = cells_along(s->row_edges, s->n_rows, s->height, out_h);
  float *map = g_try_new(float, (gsize) out_w * out_h);
  if (!map)
    return NULL;
  for (int y = 0; y < out_h; y++)
    for (int x = 0; x < out_w; x++)
      map[(gsize) y * out_w + x] =
        s->cell_probs[((gsize) cy[y] * s->n_cols + cx[x]) * s->classes + klass];
  return map;
}

guint8 *patina_scan_best_class_map(const PatinaScan *s, int out_w, int out_h)
{
  g_return_val_if_fail(s->classes <= 256 && out_w > 0 && out_h > 0, NULL);
  g_autofree int *cx = cells_along(s->col_edges, s->n_cols, s->width, out_w);
  g_autofree int *cy = cells_along(s->row_edges, s->n_rows, s->height, out_h);
  guint8 *map = g_try_new(guint8, (gsize) out_w * out_h);
  if (!map)
    return NULL;
  for (int y = 0; y < out_h; y++)
    for (int x = 0; x < out_w; x++) {
      const float *p = s->cell_probs + ((gsize) cy[y] * s->n_cols + cx[x]) * s->classes;
      int best = 0;
      for (int k = 1; k < s->classes; k++)
        if (p[k] > p[best])
          best = k;
      map[(gsize) y * out_w + x] = (guint8) best;
    }
  return map;
}

void patina_scan_class_colour(int klass, guint8 rgb[3])
{
  /* Okabe & Ito (2008), "Color Universal Design": orange, sky blue, bluish green, yellow, blue,
   * vermillion, reddish purple; then a neutral gray */
  static const guint8 palette[][3] = {
    {0xE6, 0x9F, 0x00}, {0x56, 0xB4, 0xE9}, {0x00, 0x9E, 0x73}, {0xF0, 0xE4, 0x42},
    {0x00, 0x72, 0xB2}, {0xD5, 0x5E, 0x00}, {0xCC, 0x79, 0xA7}, {0x99, 0x99, 0x99},
  };
  memcpy(rgb, palette[(guint) klass % G_N_ELEMENTS(palette)], 3);
}

char *patina_scan_to_csv(const PatinaScan *s, char *const *names)
{
  GString *csv = g_string_new("x,y,size");
  for (int k = 0; k < s->classes; k++)
    g_string_append_printf(csv, ",p_%s", names[k]);
  g_string_append_c(csv, '\n');
  for (int t = 0; t < s->n_tiles; t++) {
    g_string_append_printf(csv, "%d,%d,%d", s->tile_x[t], s->tile_y[t], s->tile);
    for (int k = 0; k < s->classes; k++) {
      char num[G_ASCII_DTOSTR_BUF_SIZE];
      g_ascii_formatd(num, sizeof num, "%.6f", s->tile_probs[(gsize) t * s->classes + k]);
      g_string_append_printf(csv, ",%s", num);
    }
    g_string_append_c(csv, '\n');
  }
  return g_string_free(csv, FALSE);
}
