#include "databar.h"

#include <math.h>
#include <string.h>

/* All levels are fractions of the image's value range (min..max), so 8-bit, 16-bit and float
 * images are judged alike. */
#define BG_TOL 0.03f       /* a background pixel lies this close to its row's level */
#define TEXT_DELTA 0.35f   /* a text pixel lies at least this far from the background */
#define ROW_BG_MIN 0.50f   /* a bar row is mostly background ... */
#define ROW_MID_MAX 0.20f  /* ... with few pixels neither background nor text */
#define BAND_MID_MAX 0.10f /* and the whole band fewer still */
#define HIST_BINS 64
#define COLUMN_STRIPS 8

const char *patina_databar_reason_to_string(PatinaDatabarReason reason)
{
  switch (reason) {
  case PATINA_DATABAR_METADATA:
    return "metadata";
  case PATINA_DATABAR_DETECTED:
    return "detected";
  case PATINA_DATABAR_USER:
    return "user";
  case PATINA_DATABAR_NONE:
  default:
    return "none";
  }
}

typedef struct {
  float bg;                /* the row's own background level: its most common value */
  float bg_frac, mid_frac; /* shares of the row at that level, and between it and text */
} RowStat;

static inline float norm(float v, float lo, float scale)
{
  return (v - lo) * scale;
}

static void row_stat(const float *row, int w, float lo, float scale, RowStat *st)
{
  int hist[HIST_BINS] = {0};
  for (int x = 0; x < w; x++) {
    int b = (int) (norm(row[x], lo, scale) * HIST_BINS);
    hist[CLAMP(b, 0, HIST_BINS - 1)]++;
  }
  int best = 0;
  for (int b = 1; b < HIST_BINS; b++)
    if (hist[b] > hist[best])
      best = b;
  /* The level is the mean of the most common bin, so a flat background is found exactly. */
  double sum = 0.0;
  int n = 0;
  for (int x = 0; x < w; x++) {
    float v = norm(row[x], lo, scale);
    int b = CLAMP((int) (v * HIST_BINS), 0, HIST_BINS - 1);
    if (b == best) {
      sum += v;
      n++;
    }
  }
  st->bg = n > 0 ? (float) (sum / n) : 0.0f;
  int bgc = 0, mid = 0;
  for (int x = 0; x < w; x++) {
    float d = fabsf(norm(row[x], lo, scale) - st->bg);
    if (d <= BG_TOL)
      bgc++;
    else if (d < TEXT_DELTA)
      mid++;
  }
  st->bg_frac = (float) bgc / w;
  st->mid_frac = (float) mid / w;
}

static int cmp_float(const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

static void set_none(PatinaDatabar *out, int height)
{
  out->keep_rows = height;
  out->bar_rows = 0;
  out->reason = PATINA_DATABAR_NONE;
}

gboolean patina_databar_detect(const float *gray, int width, int height, PatinaDatabar *out)
{
  g_return_val_if_fail(out != NULL, FALSE);
  set_none(out, MAX(height, 0));
  if (gray == NULL || width < 32 || height < 40)
    return FALSE;

  gsize n = (gsize) width * height;
  float lo = gray[0], hi = gray[0];
  for (gsize i = 1; i < n; i++) {
    float v = gray[i];
    if (v < lo)
      lo = v;
    if (v > hi)
      hi = v;
  }
  if (!isfinite(lo) || !isfinite(hi) || !(hi - lo > 1e-6f) || !isfinite(hi - lo))
    return FALSE;
  float scale = 1.0f / (hi - lo);

  int min_rows = MAX(6, (int) ceil(height * 0.02));
  int max_rows = (int) (height * 0.35);
  if (max_rows < min_rows)
    return FALSE;

  /* The bar's background level comes from its bottom rows, which must all look rendered:
   * mostly one flat level, few pixels between that level and text. */
  g_autofree RowStat *rows = g_new(RowStat, max_rows + 1);
  g_autofree float *levels = g_new(float, max_rows + 1);
  for (int i = 0; i < min_rows; i++) {
    RowStat *st = &rows[i];
    row_stat(gray + (gsize) (height - 1 - i) * width, width, lo, scale, st);
    if (!(st->bg_frac >= ROW_BG_MIN && st->mid_frac <= ROW_MID_MAX))
      return FALSE;
    levels[i] = st->bg;
  }
  qsort(levels, min_rows, sizeof(float), cmp_float);
  float bg = levels[min_rows / 2];
  if (!(bg <= 0.25f || bg >= 0.75f))
    return FALSE;

  /* Grow the band upwards while rows look rendered at that level (or are a solid separator
   * line of another level); running past the largest bar height means the bottom of the
   * image is simply flat (a dark micrograph), not a bar. */
  int top = height, line_rows = 0;
  while (height - top <= max_rows) {
    RowStat *st = &rows[height - top];
    if (height - top >= min_rows)
      row_stat(gray + (gsize) (top - 1) * width, width, lo, scale, st);
    if (!(st->bg_frac >= ROW_BG_MIN && st->mid_frac <= ROW_MID_MAX))
      break;
    if (fabsf(st->bg - bg) > BG_TOL) {
      if (st->bg_frac < 0.95f || ++line_rows > 4)
        break;
    }
    top--;
    if (top == 0)
      return FALSE;
  }
  int band = height - top;
  if (band < min_rows || band > max_rows)
    return FALSE;

  /* Text: far from the background, sparse, in strokes (a text pixel has a text neighbour, an
   * isolated bright speck of noise does not), on a good share of the rows. */
  gsize band_px = (gsize) band * width, text = 0, mid = 0, grouped = 0;
  int text_rows = 0;
  gsize strip_bg[COLUMN_STRIPS] = {0}, strip_px[COLUMN_STRIPS] = {0};
#define IS_TEXT(yy, xx) (fabsf(norm(gray[(gsize) (yy) * width + (xx)], lo, scale) - bg) >= TEXT_DELTA)
  for (int y = top; y < height; y++) {
    const float *row = gray + (gsize) y * width;
    gsize row_text = 0;
    for (int x = 0; x < width; x++) {
      float d = fabsf(norm(row[x], lo, scale) - bg);
      int s = (int) ((gint64) x * COLUMN_STRIPS / width);
      strip_px[s]++;
      if (d <= BG_TOL) {
        strip_bg[s]++;
      } else if (d < TEXT_DELTA) {
        mid++;
      } else {
        row_text++;
        if ((x > 0 && IS_TEXT(y, x - 1)) || (x + 1 < width && IS_TEXT(y, x + 1)) ||
            (y > top && IS_TEXT(y - 1, x)) || (y + 1 < height && IS_TEXT(y + 1, x)))
          grouped++;
      }
    }
    text += row_text;
    text_rows += row_text > 0;
  }
#undef IS_TEXT
  if ((double) mid > BAND_MID_MAX * band_px)
    return FALSE;
  if ((double) text < MAX(0.002 * band_px, 20.0) || (double) text > 0.45 * band_px)
    return FALSE;
  if ((double) grouped < 0.6 * text)
    return FALSE;
  if (text_rows < MAX(3, (int) (0.08 * band)))
    return FALSE;
  for (int s = 0; s < COLUMN_STRIPS; s++)
    if (strip_px[s] == 0 || (double) strip_bg[s] < 0.3 * strip_px[s])
      return FALSE;

  /* A sharp edge: the bar's first row is background or text across the width, the row above
   * it is mostly away from the bar's level. */
  const float *first = gray + (gsize) top * width;
  const float *above = gray + (gsize) (top - 1) * width;
  int first_clean = 0, above_bg = 0;
  for (int x = 0; x < width; x++) {
    float d0 = fabsf(norm(first[x], lo, scale) - bg);
    first_clean += d0 <= BG_TOL || d0 >= TEXT_DELTA;
    above_bg += fabsf(norm(above[x], lo, scale) - bg) <= BG_TOL;
  }
  if (first_clean < 0.85 * width || above_bg > 0.4 * width)
    return FALSE;

  out->keep_rows = top;
  out->bar_rows = band;
  out->reason = PATINA_DATABAR_DETECTED;
  return TRUE;
}

void patina_databar_find(const float *gray, int width, int height, const PatinaSemInfo *sem,
                         PatinaDatabar *out)
{
  g_return_if_fail(out != NULL);
  set_none(out, MAX(height, 0));
  if (height <= 0)
    return;
  if (sem != NULL && sem->databar_height > 0) {
    int bar = sem->databar_height;
    /* FEI's ResolutionY is the micrograph alone: it tells whether the stored image still has
     * the bar (a cropped export keeps the metadata but not the rows). */
    if (sem->image_height > 0) {
      if ((gint64) sem->image_height + bar == height) {
        out->keep_rows = height - bar;
        out->bar_rows = bar;
        out->reason = PATINA_DATABAR_METADATA;
        return;
      }
      if (sem->image_height == height)
        return; /* the bar was not stored */
    } else if (bar < height / 2) {
      out->keep_rows = height - bar;
      out->bar_rows = bar;
      out->reason = PATINA_DATABAR_METADATA;
      return;
    }
    /* Metadata that does not fit this image: judge the pixels instead. */
  }
  patina_databar_detect(gray, width, height, out);
}
