/* Figure output (recording surface replayed onto PNG, SVG or PDF) and the drawing blocks the
 * figure kinds share: wrapped text, colorbar, scale bar. */
#include "viz/figure.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <math.h>
#include <string.h>

#define FONT_FACE "Sans"
#define INK 0.12

struct _PatinaFigure {
  double width;
  cairo_surface_t *recording;
  cairo_t *cr;
};

gboolean patina_figure_format_for_path(const char *path, PatinaFigureFormat *format,
                                       GError **error)
{
  const char *dot = path ? strrchr(path, '.') : NULL;
  if (dot && g_ascii_strcasecmp(dot, ".png") == 0)
    *format = PATINA_FIGURE_PNG;
  else if (dot && g_ascii_strcasecmp(dot, ".svg") == 0)
    *format = PATINA_FIGURE_SVG;
  else if (dot && g_ascii_strcasecmp(dot, ".pdf") == 0)
    *format = PATINA_FIGURE_PDF;
  else {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: the figure's format is told by its extension: .png, .svg or .pdf",
                path ? path : "(no path)");
    return FALSE;
  }
  return TRUE;
}

void patina_figure_options_init(PatinaFigureOptions *o)
{
  memset(o, 0, sizeof *o);
  o->normalise = PATINA_NORMALISE_CHANNEL;
  o->order = PATINA_CHANNEL_ORDER_INDEX;
  o->dpi = 300;
  o->width_pt = 504;
}

PatinaFigure *patina_figure_new(double width_pt)
{
  PatinaFigure *f = g_new0(PatinaFigure, 1);
  f->width = width_pt;
  f->recording = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
  f->cr = cairo_create(f->recording);
  cairo_select_font_face(f->cr, FONT_FACE, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  return f;
}

cairo_t *patina_figure_cr(PatinaFigure *f)
{
  return f->cr;
}

void patina_figure_free(PatinaFigure *f)
{
  if (!f)
    return;
  cairo_destroy(f->cr);
  cairo_surface_destroy(f->recording);
  g_free(f);
}

static cairo_status_t append_bytes(void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append(closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* PNG's CRC-32 (ISO 3309, as zlib's crc32), over a chunk's type and data. */
static guint32 png_crc(const guint8 *data, gsize len)
{
  static guint32 table[256];
  static gsize ready = 0;
  if (g_once_init_enter(&ready)) {
    for (guint32 n = 0; n < 256; n++) {
      guint32 c = n;
      for (int k = 0; k < 8; k++)
        c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
      table[n] = c;
    }
    g_once_init_leave(&ready, 1);
  }
  guint32 c = 0xffffffffu;
  for (gsize i = 0; i < len; i++)
    c = table[(c ^ data[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

/* cairo writes no resolution, so a 300 dpi figure would open at 72 dpi (4× too large) in a
 * word processor or a journal's checker: a pHYs chunk after IHDR says how many pixels make a
 * metre. */
static void png_set_dpi(GByteArray *png, double dpi)
{
  const gsize after_ihdr = 8 + 4 + 4 + 13 + 4;
  if (png->len < after_ihdr || memcmp(png->data + 12, "IHDR", 4) != 0)
    return;
  guint32 ppm = (guint32) lround(dpi / 0.0254);
  guint8 chunk[4 + 4 + 9 + 4];
  guint32 be;
  be = GUINT32_TO_BE(9);
  memcpy(chunk, &be, 4);
  memcpy(chunk + 4, "pHYs", 4);
  be = GUINT32_TO_BE(ppm);
  memcpy(chunk + 8, &be, 4);
  memcpy(chunk + 12, &be, 4);
  chunk[16] = 1; /* unit: metre */
  be = GUINT32_TO_BE(png_crc(chunk + 4, 4 + 9));
  memcpy(chunk + 17, &be, 4);
  gsize old_len = png->len;
  g_byte_array_set_size(png, old_len + sizeof chunk);
  memmove(png->data + after_ihdr + sizeof chunk, png->data + after_ihdr, old_len - after_ihdr);
  memcpy(png->data + after_ihdr, chunk, sizeof chunk);
}

/* Known leak: cairo 1.16 (Debian 12) keeps a snapshot of a recording surface painted onto a
 * PDF or SVG surface and never frees it (about 2 MB per scan figure; a cairo-only program shows
 * the same under ASan). Painting a cairo_surface_create_for_rectangle of the recording avoided
 * it for PDF there, but it changes what cairo writes, so it waits until the output is checked. */
static void replay(PatinaFigure *f, cairo_surface_t *target, double scale)
{
  cairo_t *cr = cairo_create(target);
  cairo_scale(cr, scale, scale);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_set_source_surface(cr, f->recording, 0, 0);
  cairo_paint(cr);
  cairo_destroy(cr);
}

gboolean patina_figure_save(PatinaFigure *f, double height, const char *path, double dpi,
                            GError **error)
{
  PatinaFigureFormat format;
  if (!patina_figure_format_for_path(path, &format, error))
    return FALSE;
  if (!(dpi > 0))
    dpi = 300;
  if (dpi < 30 || dpi > 2400) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: a resolution of %g dpi is outside 30–2400", path, dpi);
    return FALSE;
  }
  cairo_surface_flush(f->recording);
  g_autoptr(GByteArray) bytes = g_byte_array_new();
  cairo_status_t status;
  if (format == PATINA_FIGURE_PNG) {
    int w = (int) lround(f->width * dpi / 72.0), h = (int) lround(height * dpi / 72.0);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    status = cairo_surface_status(s);
    if (status == CAIRO_STATUS_SUCCESS) {
      replay(f, s, dpi / 72.0);
      status = cairo_surface_write_to_png_stream(s, append_bytes, bytes);
      if (status == CAIRO_STATUS_SUCCESS)
        png_set_dpi(bytes, dpi);
    }
    cairo_surface_destroy(s);
  } else {
    cairo_surface_t *s =
      format == PATINA_FIGURE_PDF
        ? cairo_pdf_surface_create_for_stream(append_bytes, bytes, f->width, height)
        : cairo_svg_surface_create_for_stream(append_bytes, bytes, f->width, height);
    if (format == PATINA_FIGURE_SVG)
      cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_PT);
    replay(f, s, 1.0);
    cairo_surface_finish(s);
    status = cairo_surface_status(s);
    cairo_surface_destroy(s);
  }
  if (status != CAIRO_STATUS_SUCCESS) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_FAILED, "cannot draw the figure %s: %s", path,
                cairo_status_to_string(status));
    return FALSE;
  }
  g_autoptr(GError) local = NULL;
  if (!g_file_set_contents(path, (const char *) bytes->data, bytes->len, &local)) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_FAILED, "cannot write the figure to %s: %s",
                path, local->message);
    return FALSE;
  }
  return TRUE;
}

/* ---- drawing blocks ---- */

static void set_font(cairo_t *cr, double size, gboolean bold)
{
  cairo_select_font_face(cr, FONT_FACE, CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

static double text_width(cairo_t *cr, const char *text)
{
  cairo_text_extents_t e;
  cairo_text_extents(cr, text, &e);
  return e.x_advance;
}

double patina_figure_text(cairo_t *cr, const char *text, double x, double y_top, double width,
                          double size, gboolean bold)
{
  set_font(cr, size, bold);
  cairo_set_source_rgb(cr, INK, INK, INK);
  double line = size * 1.3, y = y_top;
  g_auto(GStrv) paragraphs = g_strsplit(text, "\n", -1);
  for (char **p = paragraphs; *p; p++) {
    g_auto(GStrv) words = g_strsplit(*p, " ", -1);
    GString *current = g_string_new(NULL);
    for (char **w = words; ; w++) {
      gboolean flush = *w == NULL;
      if (!flush) {
        g_autofree char *candidate =
          current->len ? g_strconcat(current->str, " ", *w, NULL) : g_strdup(*w);
        if (current->len && text_width(cr, candidate) > width)
          flush = TRUE;
        else {
          g_string_assign(current, candidate);
          continue;
        }
      }
      cairo_move_to(cr, x, y + size);
      cairo_show_text(cr, current->str);
      y += line;
      if (*w == NULL)
        break;
      g_string_assign(current, *w);
    }
    g_string_free(current, TRUE);
  }
  return y - y_top;
}

double patina_figure_nice_step(double range)
{
  if (!(range > 0) || !isfinite(range))
    return 1;
  double raw = range / 5, magnitude = pow(10, floor(log10(raw)));
  double f = raw / magnitude;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * magnitude;
}

static void format_value(char *buf, gsize len, double v, double step)
{
  if (fabs(v) < step * 1e-6)
    v = 0; /* no "-0" or "1e-17" */
  int decimals = step >= 1 ? 0 : (int) ceil(-log10(step) - 1e-9);
  if (fabs(v) >= 1e5 || (v != 0 && fabs(v) < 1e-3 && decimals > 4))
    g_snprintf(buf, len, "%.2g", v);
  else
    g_snprintf(buf, len, "%.*f", MIN(decimals, 6), v);
}

double patina_figure_colorbar(cairo_t *cr, const PatinaColormap *cmap, gboolean reversed,
                              double lo, double hi, const char *label, double x, double y,
                              double w, double h)
{
  /* the bar: 256 entries as a 1-pixel-wide image, stretched without smoothing */
  cairo_surface_t *strip = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 256);
  guint8 *data = cairo_image_surface_get_data(strip);
  int stride = cairo_image_surface_get_stride(strip);
  for (int i = 0; i < 256; i++)
    *(guint32 *) (data + i * stride) = patina_colormap_pixel(cmap, (255 - i) / 255.0f, reversed);
  cairo_surface_mark_dirty(strip);
  cairo_save(cr);
  cairo_rectangle(cr, x, y, w, h);
  cairo_clip(cr);
  cairo_translate(cr, x, y);
  cairo_scale(cr, w, h / 256.0);
  cairo_set_source_surface(cr, strip, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_surface_destroy(strip);

  cairo_set_source_rgb(cr, INK, INK, INK);
  cairo_set_line_width(cr, 0.5);
  cairo_rectangle(cr, x, y, w, h);
  cairo_stroke(cr);

  double size = 6.5, widest = 0;
  set_font(cr, size, FALSE);
  if (!(hi > lo)) /* a constant map: one tick */
    hi = lo + 1;
  double step = patina_figure_nice_step(hi - lo);
  for (double v = ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    double ty = y + h - (v - lo) / (hi - lo) * h;
    cairo_move_to(cr, x + w, ty);
    cairo_line_to(cr, x + w + 2.5, ty);
    cairo_stroke(cr);
    char buf[32];
    format_value(buf, sizeof buf, v, step);
    cairo_move_to(cr, x + w + 4, ty + size * 0.35);
    cairo_show_text(cr, buf);
    widest = MAX(widest, text_width(cr, buf));
  }
  double used = w + 4 + widest;
  if (label && *label) {
    cairo_save(cr);
    cairo_move_to(cr, x + used + 4 + size, y + h / 2 + text_width(cr, label) / 2);
    cairo_rotate(cr, -G_PI / 2);
    cairo_show_text(cr, label);
    cairo_restore(cr);
    used += 6 + size;
  }
  return used;
}

double patina_figure_scale_bar(cairo_t *cr, double field_width_m, double map_width_pt, double x,
                               double y_top)
{
  if (!(field_width_m > 0) || !(map_width_pt > 0))
    return 0;
  double field_um = field_width_m * 1e6;
  /* the largest 1-2-5 length within 40 % of the map */
  double length = pow(10, floor(log10(field_um * 0.4)));
  if (length * 5 <= field_um * 0.4)
    length *= 5;
  else if (length * 2 <= field_um * 0.4)
    length *= 2;
  double bar = map_width_pt * length / field_um;
  cairo_set_source_rgb(cr, INK, INK, INK);
  cairo_rectangle(cr, x, y_top + 1, bar, 2.5);
  cairo_fill(cr);
  char label[48];
  if (length >= 1000)
    g_snprintf(label, sizeof label, "%g mm (on each map)", length / 1000);
  else if (length >= 1)
    g_snprintf(label, sizeof label, "%g µm (on each map)", length);
  else
    g_snprintf(label, sizeof label, "%g nm (on each map)", length * 1000);
  set_font(cr, 6.5, FALSE);
  cairo_move_to(cr, x + bar + 4, y_top + 4.5);
  cairo_show_text(cr, label);
  return 8;
}
