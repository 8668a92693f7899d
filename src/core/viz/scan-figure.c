/* The scan as a figure: one panel per class (the micrograph with that class's probability
 * overlaid), each headed by its area fraction, over a shared colorbar and a caption. */
#include "scan-figure.h"

#include <math.h>

#include "viz/gradcam.h"

#define MARGIN 14
#define GAP 16
#define FONT 13.0
#define LINE 18
#define BAR_H 12

static void set_font(cairo_t *cr, gboolean bold, double size)
{
  cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

static void text_at(cairo_t *cr, double x, double y, const char *text, double align)
{
  cairo_text_extents_t ext;
  cairo_text_extents(cr, text, &ext);
  cairo_move_to(cr, x - align * ext.x_advance, y);
  cairo_show_text(cr, text);
}

cairo_surface_t *patina_scan_figure(const PatinaScan *scan, const PatinaGray *img,
                                    char **class_names, int only_class,
                                    const PatinaColormap *cmap, double opacity, int panel_side,
                                    const char *caption, GError **error)
{
  int first = only_class >= 0 ? only_class : 0;
  int last = only_class >= 0 ? only_class : scan->classes - 1;
  int panels = last - first + 1;
  double f = panel_side > 0 ? MIN(1.0, (double) panel_side / MAX(img->width, img->height)) : 1.0;
  int pw = MAX(1, (int) lround(img->width * f)), ph = MAX(1, (int) lround(img->height * f));
  g_autofree float *gray = g_new(float, (gsize) pw * ph);
  patina_resize_for_display(img->pixels, img->width, img->height, gray, pw, ph);

  int width = 2 * MARGIN + panels * pw + (panels - 1) * GAP;
  width = MAX(width, 2 * MARGIN + 360); /* room for the colorbar's labels */
  int height = MARGIN + LINE + 6 + ph + 14 + BAR_H + LINE + 4 + LINE + MARGIN;
  cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(surface);
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
                "not enough memory for a %d×%d figure", width, height);
    return NULL;
  }
  cairo_t *cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);

  for (int k = first; k <= last; k++) {
    double x0 = MARGIN + (k - first) * (pw + GAP), y0 = MARGIN + LINE + 6;
    g_autofree float *map = patina_scan_class_map(scan, k, pw, ph);
    cairo_surface_t *panel = map ? patina_overlay_render(gray, map, pw, ph, 0.0f, 1.0f, cmap,
                                                         opacity)
                                 : NULL;
    if (panel) {
      cairo_set_source_surface(cr, panel, x0, y0);
      cairo_paint(cr);
      cairo_surface_destroy(panel);
    }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    set_font(cr, TRUE, FONT);
    g_autofree char *head = g_strdup_printf("%s", class_names[k]);
    text_at(cr, x0, MARGIN + LINE - 4, head, 0.0);
    cairo_text_extents_t ext;
    cairo_text_extents(cr, head, &ext);
    set_font(cr, FALSE, FONT);
    g_autofree char *share = g_strdup_printf("   %.1f %% of the area, mean p %.2f",
                                             100.0 * scan->area_fraction[k],
                                             scan->mean_probability[k]);
    text_at(cr, x0 + ext.x_advance, MARGIN + LINE - 4, share, 0.0);
  }

  /* colorbar: the overlay's colours at this opacity over mid gray would mislead; show the
   * colormap itself, 0 … 1 */
  double bx = MARGIN, by = MARGIN + LINE + 6 + ph + 14, bw = MIN(width - 2 * MARGIN, 360);
  const guint8 *table = patina_colormap_get_table(cmap);
  for (int i = 0; i < (int) bw; i++) {
    int e = (int) lround(i * (PATINA_COLORMAP_SIZE - 1) / (bw - 1));
    cairo_set_source_rgb(cr, table[3 * e] / 255.0, table[3 * e + 1] / 255.0,
                         table[3 * e + 2] / 255.0);
    cairo_rectangle(cr, bx + i, by, 1, BAR_H);
    cairo_fill(cr);
  }
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, bx + 0.5, by + 0.5, bw - 1, BAR_H - 1);
  cairo_stroke(cr);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  set_font(cr, FALSE, FONT - 1);
  for (int t = 0; t <= 4; t++) {
    g_autofree char *lab = g_strdup_printf("%g", t / 4.0);
    double x = bx + t * (bw - 1) / 4.0;
    cairo_move_to(cr, round(x) + 0.5, by + BAR_H);
    cairo_line_to(cr, round(x) + 0.5, by + BAR_H + 3);
    cairo_stroke(cr);
    text_at(cr, x, by + BAR_H + LINE - 2, lab, t == 0 ? 0.0 : t == 4 ? 1.0 : 0.5);
  }
  text_at(cr, bx + bw + 10, by + BAR_H - 1, "probability of the class", 0.0);
  if (caption) {
    cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
    text_at(cr, MARGIN, height - MARGIN - 2, caption, 0.0);
  }
  cairo_destroy(cr);
  cairo_surface_flush(surface);
  return surface;
}
