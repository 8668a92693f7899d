/* The Grad-CAM report figure (see gradcam-figure.h). */
#include "viz/gradcam-figure.h"

#include <math.h>

#define MARGIN 14.0
#define GAP 10.0
#define TITLE_SIZE 9.0
#define CAPTION_SIZE 7.5
#define BAR_W 8.0
#define COLORBAR_RESERVE 58.0
/* Pixels of the embedded rasters: enough for 300 dpi at a half-page panel */
#define RASTER_SIDE 1024

void patina_cam_figure_options_init(PatinaCamFigureOptions *o)
{
  *o = (PatinaCamFigureOptions) { .opacity = 0.5 };
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

static char *caption(const PatinaModel *m, const PatinaCam *cam, const PatinaCamFigureOptions *o,
                     const PatinaColormap *cmap)
{
  GString *s = g_string_new(NULL);
  const char *method = cam->method == PATINA_CAM_GRADCAM_PLUS_PLUS ? "Grad-CAM++" : "Grad-CAM";
  g_autofree char *klass = o->class_names ? g_strdup(o->class_names[cam->klass])
                                          : g_strdup_printf("class %d", cam->klass);
  g_string_append_printf(s, "%s of %s (layer %d, %d×%d×%d, after its ReLU) for class %s. ",
                         method, cam->layer.name, cam->layer.conv_index, cam->layer.channels,
                         cam->layer.height, cam->layer.width, klass);
  g_string_append(s, "Probabilities: ");
  int classes = patina_model_n_classes(m);
  for (int k = 0; k < classes; k++) {
    g_autofree char *name = o->class_names ? g_strdup(o->class_names[k])
                                           : g_strdup_printf("class %d", k);
    float p = o->probs ? o->probs[k] : (k == cam->klass ? cam->probability : NAN);
    if (isnan(p))
      continue;
    g_string_append_printf(s, "%s%s %.3f", k ? ", " : "", name, p);
  }
  g_string_append_printf(s, ". Model %s", o->model_label ? o->model_label : m->name);
  if (o->image_label)
    g_string_append_printf(s, ", image %s", o->image_label);
  g_string_append_printf(s, ", colormap %s at opacity %.2g; the map is divided by its maximum.",
                         patina_colormap_get_name(cmap), o->opacity);
  return g_string_free(s, FALSE);
}

double patina_cam_figure_draw(cairo_t *cr, const PatinaModel *m, const PatinaGray *img,
                              const PatinaCam *cam, const PatinaCamFigureOptions *o)
{
  const PatinaColormap *cmap = o->colormap ? o->colormap : patina_colormap_lookup("viridis", NULL);
  double width = o->width_pt > 0 ? o->width_pt : 504.0;
  double pw = (width - 2 * MARGIN - GAP - COLORBAR_RESERVE) / 2.0;
  double ph = pw * img->height / img->width;
  double y = MARGIN;

  g_autofree char *klass = o->class_names ? g_strdup(o->class_names[cam->klass])
                                          : g_strdup_printf("class %d", cam->klass);
  g_autofree char *right = g_strdup_printf("%s of %s: %s",
                                           cam->method == PATINA_CAM_GRADCAM_PLUS_PLUS
                                             ? "Grad-CAM++" : "Grad-CAM",
                                           cam->layer.name, klass);
  double t1 = patina_figure_text(cr, "Micrograph", MARGIN, y, pw, TITLE_SIZE, TRUE);
  double t2 = patina_figure_text(cr, right, MARGIN + pw + GAP, y, pw, TITLE_SIZE, TRUE);
  y += MAX(t1, t2) + 4;

  int rw, rh;
  patina_cam_display_size(img, RASTER_SIDE, &rw, &rh);
  g_autofree float *zero = g_new0(float, (gsize) rw * rh);
  g_autofree float *gray = g_new(float, (gsize) rw * rh);
  patina_resize_for_display(img->pixels, img->width, img->height, gray, rw, rh);
  /* the plain micrograph is the overlay at opacity 0 */
  cairo_surface_t *plain = patina_overlay_render(gray, zero, rw, rh, 0, 1, cmap, 0.0);
  cairo_surface_t *over = patina_cam_overlay(img, cam, cmap, o->opacity, RASTER_SIDE);
  if (plain)
    paint_surface(cr, plain, MARGIN, y, pw, ph);
  if (over)
    paint_surface(cr, over, MARGIN + pw + GAP, y, pw, ph);
  g_clear_pointer(&plain, cairo_surface_destroy);
  g_clear_pointer(&over, cairo_surface_destroy);
  patina_figure_colorbar(cr, cmap, FALSE, 0.0, 1.0, "relevance (of its maximum)",
                         MARGIN + 2 * pw + GAP + 8, y, BAR_W, ph);
  y += ph + 6;
  double field = img->sem.pixel_size > 0 ? img->sem.pixel_size * img->width : 0.0;
  double sb = patina_figure_scale_bar(cr, field, pw, MARGIN, y);
  y += sb > 0 ? sb + 6 : 0;
  g_autofree char *text = caption(m, cam, o, cmap);
  y += patina_figure_text(cr, text, MARGIN, y, width - 2 * MARGIN, CAPTION_SIZE, FALSE);
  return y + MARGIN;
}

gboolean patina_cam_figure_save(const PatinaModel *m, const PatinaGray *img, const PatinaCam *cam,
                                const PatinaCamFigureOptions *o, const char *path,
                                GError **error)
{
  PatinaFigureFormat format;
  if (!patina_figure_format_for_path(path, &format, error))
    return FALSE;
  g_autoptr(PatinaFigure) fig = patina_figure_new(o->width_pt > 0 ? o->width_pt : 504.0);
  double height = patina_cam_figure_draw(patina_figure_cr(fig), m, img, cam, o);
  return patina_figure_save(fig, height, path, o->dpi, error);
}
