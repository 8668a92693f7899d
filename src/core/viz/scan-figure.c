/* The scan figure (see scan-figure.h). */
#include "viz/scan-figure.h"

#include <math.h>

#include "viz/gradcam.h"

#define MARGIN 14.0
#define GAP 8.0
#define TITLE_SIZE 8.5
#define CAPTION_SIZE 7.5
#define BAR_W 8.0
#define COLORBAR_RESERVE 58.0
#define MAX_COLUMNS 3
/* Pixels of each embedded panel: enough for 300 dpi at a third of a page */
#define RASTER_SIDE 768

void patina_scan_figure_options_init(PatinaScanFigureOptions *o)
{
  *o = (PatinaScanFigureOptions) { .only_class = -1, .opacity = 0.55 };
}

static void paint_surface(cairo_t *cr, cairo_surface_t *s, double x, double y, double w,
                          double h)
{
  cairo_save(cr);
  cairo_rectangle(cr, x, y, w, h);
  cairo_clip(cr);
  cairo_translate(cr, x, y);
  cairo_scale(cr, w / cairo_image_surface_get_width(s), h / cairo_image_surface_get_height(s));
  cairo_set_source_surface(cr, s, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
  cairo_paint(cr);
  cairo_restore(cr);
}

/* The micrograph with each place tinted in the colour of its most probable class. */
static cairo_surface_t *render_most_probable(const PatinaScan *scan, const float *gray, int w,
                                             int h, double opacity)
{
  g_autofree guint8 *best = patina_scan_best_class_map(scan, w, h);
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  if (!best || cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    return NULL;
  }
  opacity = CLAMP(opacity, 0.0, 1.0);
  guint8 *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < h; y++) {
    guint32 *row = (guint32 *) (data + (gsize) y * stride);
    for (int x = 0; x < w; x++) {
      gsize i = (gsize) y * w + x;
      guint8 rgb[3];
      patina_scan_class_colour(best[i], rgb);
      double g = CLAMP(gray[i], 0.0f, 1.0f) * 255.0;
      guint32 px = 0xFF000000u;
      for (int ch = 0; ch < 3; ch++)
        px |= (guint32) lround((1.0 - opacity) * g + opacity * rgb[ch]) << (16 - 8 * ch);
      row[x] = px;
    }
  }
  cairo_surface_mark_dirty(s);
  return s;
}

/* Each class's colour and share of the area, one line each, from (x, y); returns the height. */
static double draw_legend(cairo_t *cr, const PatinaScan *scan, char **names, double x, double y,
                          double width)
{
  double top = y;
  for (int k = 0; k < scan->classes; k++) {
    guint8 rgb[3];
    patina_scan_class_colour(k, rgb);
    cairo_rectangle(cr, x, y + 1, 8, 8);
    cairo_set_source_rgb(cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
    cairo_fill(cr);
    g_autofree char *name = names ? g_strdup(names[k]) : g_strdup_printf("class %d", k);
    g_autofree char *line = g_strdup_printf("%s: %.1f %% of the area", name,
                                            100.0 * scan->area_fraction[k]);
    y += patina_figure_text(cr, line, x + 12, y, width - 12, CAPTION_SIZE, FALSE) + 4;
  }
  return y - top;
}

double patina_scan_figure_draw(cairo_t *cr, const PatinaScan *scan, const PatinaGray *img,
                               const PatinaScanFigureOptions *o)
{
  const PatinaColormap *cmap = o->colormap ? o->colormap : patina_colormap_lookup("viridis", NULL);
  double width = o->width_pt > 0 ? o->width_pt : 504.0;
  int only = o->most_probable ? 0 : o->only_class;
  int first = only >= 0 ? only : 0;
  int last = only >= 0 ? only : scan->classes - 1;
  int panels = last - first + 1, columns = MIN(panels, MAX_COLUMNS);
  /* one panel alone would fill the page: keep it at half the width */
  double pw = (width - 2 * MARGIN - COLORBAR_RESERVE - (MAX(columns, 2) - 1) * GAP) /
              MAX(columns, 2);
  double ph = pw * img->height / img->width;

  double scale = MIN(1.0, (double) RASTER_SIDE / MAX(img->width, img->height));
  int rw = MAX(1, (int) lround(img->width * scale)), rh = MAX(1, (int) lround(img->height * scale));
  g_autofree float *gray = g_new(float, (gsize) rw * rh);
  patina_resize_for_display(img->pixels, img->width, img->height, gray, rw, rh);

  double y = MARGIN, row_top = y;
  if (o->most_probable) {
    double th = patina_figure_text(cr, "Most probable class", MARGIN, y, pw, TITLE_SIZE, TRUE);
    double top = y + th + 3;
    cairo_surface_t *panel = render_most_probable(scan, gray, rw, rh, o->opacity);
    if (panel) {
      paint_surface(cr, panel, MARGIN, top, pw, ph);
      cairo_surface_destroy(panel);
    }
    double lx = MARGIN + pw + GAP + 4;
    double legend = draw_legend(cr, scan, o->class_names, lx, top, width - MARGIN - lx);
    row_top = top + MAX(ph, legend) + GAP;
    first = last + 1; /* no probability panels */
  }
  for (int k = first; k <= last; k++) {
    int col = (k - first) % columns;
    if (col == 0 && k != first)
      y = row_top;
    double x0 = MARGIN + col * (pw + GAP);
    g_autofree char *name = o->class_names ? g_strdup(o->class_names[k])
                                           : g_strdup_printf("class %d", k);
    g_autofree char *head = g_strdup_printf("%s: %.1f %% of the area", name,
                                            100.0 * scan->area_fraction[k]);
    double th = patina_figure_text(cr, head, x0, y, pw, TITLE_SIZE, TRUE);
    double top = y + th + 3;
    g_autofree float *map = patina_scan_class_map(scan, k, rw, rh);
    cairo_surface_t *panel = map ? patina_overlay_render(gray, map, rw, rh, 0.0f, 1.0f, cmap,
                                                         o->opacity)
                                 : NULL;
    if (panel) {
      paint_surface(cr, panel, x0, top, pw, ph);
      cairo_surface_destroy(panel);
    }
    if (k == first)
      patina_figure_colorbar(cr, cmap, FALSE, 0.0, 1.0, "probability of the class",
                             MARGIN + columns * pw + (columns - 1) * GAP + 8, top, BAR_W, ph);
    if (col == columns - 1 || k == last)
      row_top = top + ph + GAP;
  }
  y = row_top - GAP + 6;
  double field = img->sem.pixel_size > 0 ? img->sem.pixel_size * img->width : 0.0;
  double sb = patina_figure_scale_bar(cr, field, pw, MARGIN, y);
  y += sb > 0 ? sb + 6 : 0;
  GString *cap = g_string_new(o->caption ? o->caption : "");
  if (cap->len)
    g_string_append_c(cap, ' ');
  if (o->most_probable)
    g_string_append_printf(cap, "%d tiles of %d×%d pixels at stride %d; each pixel is coloured "
                           "by the class with the highest mean probability over the tiles that "
                           "cover it, which is how a class's area is counted. Colours after "
                           "Okabe and Ito at opacity %.2g.",
                           scan->n_tiles, scan->tile, scan->tile, scan->stride, o->opacity);
  else
    g_string_append_printf(cap, "%d tiles of %d×%d pixels at stride %d; each pixel shows the "
                           "mean probability of the tiles that cover it, and a class's area is "
                           "where it is the most probable. Colormap %s at opacity %.2g.",
                           scan->n_tiles, scan->tile, scan->tile, scan->stride,
                           patina_colormap_get_name(cmap), o->opacity);
  y += patina_figure_text(cr, cap->str, MARGIN, y, width - 2 * MARGIN, CAPTION_SIZE, FALSE);
  g_string_free(cap, TRUE);
  return y + MARGIN;
}

gboolean patina_scan_figure_save(const PatinaScan *scan, const PatinaGray *img,
                                 const PatinaScanFigureOptions *o, const char *path,
                                 GError **error)
{
  PatinaFigureFormat format;
  if (!patina_figure_format_for_path(path, &format, error))
    return FALSE;
  g_autoptr(PatinaFigure) fig = patina_figure_new(o->width_pt > 0 ? o->width_pt : 504.0);
  double height = patina_scan_figure_draw(patina_figure_cr(fig), scan, img, o);
  return patina_figure_save(fig, height, path, o->dpi, error);
}
