/* How the Layers page shows a result: every channel map of the chosen layer through the
 * colormap (the core's ranges, statistics and order), the enlarged channel with its
 * statistics, Grad-CAM over the micrograph, titles and the caption. Nothing here computes
 * activations: that ran on the worker (patina-layers-compute.c). The getters tests read what is
 * shown through are here too. */
#include <glib/gi18n.h>
#include <math.h>

#include "patina-layers-private.h"
#include "viz/gradcam-figure.h"

#define CAM_FIGURE_PT 504   /* the export's width, 7 in */
#define CAM_FIGURE_SCALE 2.0 /* pixels per point: sharp on a wide page */
#define ENLARGED_PX 200

static const PatinaChannelOrder orders[] = {
  PATINA_CHANNEL_ORDER_INDEX, PATINA_CHANNEL_ORDER_MEAN, PATINA_CHANNEL_ORDER_MAX,
  PATINA_CHANNEL_ORDER_ACTIVE,
};

int patina_layers_view_layer(PatinaLayersPage *self)
{
  guint i = adw_combo_row_get_selected(self->layer_row);
  if (!self->infos || i == GTK_INVALID_LIST_POSITION)
    return 0;
  if ((int) i == self->filters_row)
    return -1;
  return MIN((int) i, self->n_layers - 1);
}

const PatinaColormap *patina_layers_view_colormap(PatinaLayersPage *self)
{
  const char *const *names = patina_colormap_names();
  guint i = adw_combo_row_get_selected(self->colormap_row);
  guint n = g_strv_length((char **) names);
  return patina_colormap_lookup(names[i < n ? i : 0], NULL);
}

int patina_layers_view_cam_layer(PatinaLayersPage *self)
{
  if (!self->model)
    return 0;
  PatinaModel *model = patina_loaded_model_get_model(self->model);
  int n = 0, chosen = 0;
  PatinaCamLayer *layers = patina_cam_layers(model, &n);
  int layer = patina_layers_view_layer(self);
  int seq = layer >= 0 ? self->infos[layer].index : 0;
  for (int i = 0; i < n; i++)
    if (layers[i].conv_index <= seq)
      chosen = i;
  patina_cam_layers_free(layers, n);
  return chosen;
}

static GdkTexture *texture_from_surface(cairo_surface_t *s)
{
  int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
  /* an RGB24 surface's padding byte is undefined; painting it onto ARGB32 makes it opaque */
  cairo_surface_t *argb = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
  cairo_t *cr = cairo_create(argb);
  cairo_set_source_surface(cr, s, 0, 0);
  cairo_paint(cr);
  cairo_destroy(cr);
  cairo_surface_flush(argb);
  int stride = cairo_image_surface_get_stride(argb);
  g_autoptr(GBytes) bytes = g_bytes_new(cairo_image_surface_get_data(argb), (gsize) stride * h);
  cairo_surface_destroy(argb);
  return gdk_memory_texture_new(w, h, GDK_MEMORY_DEFAULT, bytes, stride);
}

/* A layer's planes of one image: the activations, or the first conv's filters (owned). */
typedef struct {
  const float *planes;
  float *owned;
  int c, h, w;
} Planes;

static gboolean planes_of(PatinaLayersPage *self, PatinaLayersImage *im, int layer, Planes *p)
{
  *p = (Planes) {0};
  if (layer < 0) {
    int n = 0, k = 0;
    p->owned = patina_first_conv_filters(patina_loaded_model_get_model(self->model), &n, &k,
                                         NULL);
    p->planes = p->owned;
    p->c = n;
    p->h = p->w = k;
    return p->owned != NULL;
  }
  if (!im->acts)
    return FALSE;
  const PatinaLayerInfo *info = &im->acts->layers[layer];
  p->planes = im->acts->outputs[layer];
  p->c = info->c;
  p->h = info->h;
  p->w = info->w;
  return TRUE;
}

static char *probabilities_text(PatinaLayersPage *self, const PatinaActivations *acts)
{
  const PatinaCheckpointMeta *meta = patina_loaded_model_get_meta(self->model);
  GString *s = g_string_new(NULL);
  for (int k = 0; k < acts->n_classes; k++)
    g_string_append_printf(s, "%s%s %.1f %%", k ? " · " : "", meta->class_names[k],
                           100.0 * acts->probabilities[k]);
  return g_string_free(s, FALSE);
}

/* Shows one image's planes in grid and its chosen channel enlarged; appends the channel's
 * statistics to stats. */
static void show_maps(PatinaLayersPage *self, PatinaLayersImage *im, Planes *p,
                      PatinaChannelGrid *grid, PatinaChannelGrid *enlarged,
                      PatinaColorbar *colorbar, GString *stats)
{
  int hw = p->h * p->w;
  gboolean bars = hw == 1;
  g_autofree PatinaChannelStats *st = g_new(PatinaChannelStats, p->c);
  patina_channel_stats(p->planes, p->c, hw, st);
  guint sort = adw_combo_row_get_selected(self->sort_row);
  g_autofree int *order = patina_channel_sort(st, p->c, orders[MIN(sort, 3u)]);
  /* bars share one axis whatever the normalisation: one bar has no range of its own */
  PatinaNormalise normalise = bars || adw_combo_row_get_selected(self->normalise_row) == 1
                                ? PATINA_NORMALISE_LAYER
                                : PATINA_NORMALISE_CHANNEL;
  g_autofree float *lo = g_new(float, p->c), *hi = g_new(float, p->c);
  for (int k = 0; k < p->c; k++)
    patina_channel_range(p->planes, p->c, hw, k, normalise, &lo[k], &hi[k]);
  const PatinaColormap *cmap = patina_layers_view_colormap(self);
  gboolean reversed = gtk_switch_get_active(self->reversed_switch);
  patina_channel_grid_set_maps(grid, p->planes, p->c, p->h, p->w, order, p->c, lo, hi, cmap,
                               reversed);
  /* a shared range is the same for every channel: channel 0's is the layer's */
  patina_colorbar_set(colorbar, cmap, reversed, normalise == PATINA_NORMALISE_CHANNEL, lo[0],
                      hi[0]);
  gtk_widget_set_visible(GTK_WIDGET(colorbar), TRUE);
  int ch = self->selected_channel >= 0 && self->selected_channel < p->c ? self->selected_channel
                                                                        : order[0];
  patina_channel_grid_set_selected(grid, ch);
  gtk_widget_set_visible(GTK_WIDGET(enlarged), !bars);
  if (!bars)
    patina_channel_grid_set_maps(enlarged, p->planes, p->c, p->h, p->w, &ch, 1, lo, hi, cmap,
                                 reversed);
  g_autofree char *base = g_path_get_basename(im->path);
  g_autofree char *name = g_markup_escape_text(base, -1);
  if (stats->len)
    g_string_append_c(stats, '\n'); /* a blank line between the two images */
  const PatinaChannelStats *c = &st[ch];
  if (bars)
    g_string_append_printf(stats, _("<b>%s</b> · feature %d: %.4g\n"), name, ch, c->mean);
  else
    g_string_append_printf(stats,
                           _("<b>%s</b> · channel %d\nmean %.4g · min %.4g · max %.4g · "
                             "%.0f %% active\ncolours from %.4g to %.4g\n"),
                           name, ch, c->mean, c->min, c->max, 100.0 * c->active, lo[ch], hi[ch]);
}

/* Grad-CAM on screen is the report figure itself (viz/gradcam-figure.h): the micrograph and
 * the map over it side by side, a colorbar and a caption, as the export writes it. */
static void show_cam(PatinaLayersPage *self, PatinaLayersImage *im, GtkPicture *picture)
{
  PatinaCamFigureOptions co;
  patina_cam_figure_options_init(&co);
  const PatinaCheckpointMeta *meta = patina_loaded_model_get_meta(self->model);
  PatinaModel *model = patina_loaded_model_get_model(self->model);
  g_autofree char *base = g_path_get_basename(im->path);
  co.model_label = model->name;
  co.image_label = base;
  co.class_names = meta->class_names;
  co.probs = im->acts->probabilities;
  co.colormap = patina_layers_view_colormap(self);
  co.opacity = gtk_range_get_value(GTK_RANGE(self->opacity_scale));
  cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
  cairo_t *cr = cairo_create(rec);
  double height = patina_cam_figure_draw(cr, model, im->gray, &im->cam, &co);
  cairo_destroy(cr);
  int w = (int) (CAM_FIGURE_PT * CAM_FIGURE_SCALE), h = (int) ceil(height * CAM_FIGURE_SCALE);
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, MAX(h, 1));
  cr = cairo_create(s);
  cairo_set_source_rgb(cr, 1, 1, 1); /* the figure's paper */
  cairo_paint(cr);
  cairo_scale(cr, CAM_FIGURE_SCALE, CAM_FIGURE_SCALE);
  cairo_set_source_surface(cr, rec, 0, 0);
  cairo_paint(cr);
  cairo_destroy(cr);
  cairo_surface_destroy(rec);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    gtk_picture_set_paintable(picture, NULL);
    return;
  }
  g_autoptr(GdkTexture) texture = texture_from_surface(s);
  cairo_surface_destroy(s);
  gtk_picture_set_paintable(picture, GDK_PAINTABLE(texture));
}

static void show_image(PatinaLayersPage *self, int i, GString *stats, GString *notes)
{
  PatinaLayersImage *im = &self->result->images[i];
  GtkLabel *title = i ? self->title_b : self->title_a;
  GtkStack *view = i ? self->view_b : self->view_a;
  PatinaChannelGrid *grid = i ? self->grid_b : self->grid_a;
  PatinaChannelGrid *enlarged = i ? self->enlarged_b : self->enlarged_a;
  PatinaColorbar *colorbar = i ? self->colorbar_b : self->colorbar_a;
  /* Grad-CAM's figure has its own colorbar, an error message has no colours */
  gtk_widget_set_visible(GTK_WIDGET(colorbar), FALSE);
  g_autofree char *base = g_path_get_basename(im->path);
  gtk_widget_set_tooltip_text(GTK_WIDGET(title), im->path);
  if (im->error || !im->acts) {
    gtk_label_set_text(title, base);
    gtk_label_set_label(i ? self->error_b : self->error_a,
                        im->error ? im->error->message : _("Nothing computed"));
    gtk_stack_set_visible_child_name(view, "error");
    patina_channel_grid_clear(grid);
    gtk_widget_set_visible(GTK_WIDGET(enlarged), FALSE);
    return;
  }
  g_autofree char *probs = probabilities_text(self, im->acts);
  g_autofree char *markup = g_markup_printf_escaped("<b>%s</b>\n%s", base, probs);
  gtk_label_set_markup(title, markup);
  PatinaModel *model = patina_loaded_model_get_model(self->model);
  if (im->gray->width != model->in_w || im->gray->height != model->in_h)
    g_string_append_printf(notes, "%s%s (%d×%d)", notes->len ? ", " : "", base,
                           im->gray->width, im->gray->height);
  int layer = patina_layers_view_layer(self);
  if (im->have_cam && layer >= 0 && adw_expander_row_get_enable_expansion(self->cam_row)) {
    show_cam(self, im, i ? self->cam_b : self->cam_a);
    gtk_stack_set_visible_child_name(view, "cam");
    gtk_widget_set_visible(GTK_WIDGET(enlarged), FALSE);
    return;
  }
  Planes p;
  if (!planes_of(self, im, layer, &p)) {
    gtk_stack_set_visible_child_name(view, "error");
    return;
  }
  show_maps(self, im, &p, grid, enlarged, colorbar, stats);
  g_free(p.owned);
  gtk_stack_set_visible_child_name(view, "maps");
}

static char *layer_caption(PatinaLayersPage *self, int layer, gboolean cam)
{
  if (layer < 0)
    return g_strdup(_("Filters of the first conv layer, each summed over its input channels"));
  const PatinaLayerInfo *info = &self->infos[layer];
  if (cam && self->result && self->result->images[0].have_cam) {
    const PatinaCam *c = &self->result->images[0].cam;
    const PatinaCheckpointMeta *meta = patina_loaded_model_get_meta(self->model);
    return g_strdup_printf(_("%s of %s for class %s over the micrograph"),
                           c->method == PATINA_CAM_GRADCAM ? "Grad-CAM" : "Grad-CAM++",
                           c->layer.name, meta->class_names[c->klass]);
  }
  if (info->h == 1 && info->w == 1)
    return g_strdup_printf(_("%s: %d features as bars"), info->name, info->c);
  return g_strdup_printf(_("%s: %d maps of %d×%d; click one to enlarge it"), info->name,
                         info->c, info->h, info->w);
}

void patina_layers_view_update(PatinaLayersPage *self)
{
  if (!self->result || !self->model || self->result->model != self->model)
    return;
  int layer = patina_layers_view_layer(self);
  gboolean cam = adw_expander_row_get_enable_expansion(self->cam_row) && layer >= 0;
  g_autoptr(GString) stats = g_string_new(NULL);
  g_autoptr(GString) notes = g_string_new(NULL);
  for (int i = 0; i < self->result->n_images; i++)
    show_image(self, i, stats, notes);
  gtk_widget_set_visible(self->panel_b, self->result->n_images > 1);
  if (self->result->n_images < 2)
    gtk_widget_set_visible(GTK_WIDGET(self->enlarged_b), FALSE);
  g_autofree char *caption = layer_caption(self, layer, cam);
  PatinaModel *model = patina_loaded_model_get_model(self->model);
  g_autofree char *resized = notes->len ? g_strdup_printf(_(" Resized to the model's %d×%d "
                                                            "input: %s."),
                                                          model->in_w, model->in_h, notes->str)
                                        : g_strdup("");
  g_autofree char *full = g_strconcat(caption, ".", resized, NULL);
  gtk_label_set_label(self->caption_label, full);
  if (stats->len)
    g_string_truncate(stats, stats->len - 1);
  gtk_label_set_label(self->stats_label, stats->str);
  gtk_widget_set_visible(self->detail_box, stats->len > 0);
}

/* ---- what is shown, for tests ---- */

const char *patina_layers_page_get_state(PatinaLayersPage *self)
{
  return gtk_stack_get_visible_child_name(self->stack);
}

GListModel *patina_layers_page_get_layer_list(PatinaLayersPage *self)
{
  return G_LIST_MODEL(self->layer_names);
}

gboolean patina_layers_page_is_busy(PatinaLayersPage *self)
{
  return self->compute_cancellable != NULL || self->compute_idle != 0;
}

PatinaLayersResult *patina_layers_page_get_result(PatinaLayersPage *self)
{
  return self->result;
}

int patina_layers_page_get_layer(PatinaLayersPage *self) { return patina_layers_view_layer(self); }

PatinaChannelGrid *patina_layers_page_get_grid(PatinaLayersPage *self, int image)
{
  return image ? self->grid_b : self->grid_a;
}

PatinaChannelGrid *patina_layers_page_get_enlarged(PatinaLayersPage *self, int image)
{
  return image ? self->enlarged_b : self->enlarged_a;
}

PatinaColorbar *patina_layers_page_get_colorbar(PatinaLayersPage *self, int image)
{
  PatinaColorbar *colorbar = image ? self->colorbar_b : self->colorbar_a;
  return gtk_widget_get_visible(GTK_WIDGET(colorbar)) ? colorbar : NULL;
}

AdwComboRow *patina_layers_page_get_colormap_row(PatinaLayersPage *self)
{
  return self->colormap_row;
}

AdwComboRow *patina_layers_page_get_image_row(PatinaLayersPage *self) { return self->image_row; }
const char *patina_layers_page_get_image_path(PatinaLayersPage *self) { return self->path_a; }

const char *patina_layers_page_get_caption(PatinaLayersPage *self)
{
  return gtk_label_get_label(self->caption_label);
}

const char *patina_layers_page_get_stats_text(PatinaLayersPage *self)
{
  return gtk_label_get_label(self->stats_label);
}

const char *patina_layers_page_get_message(PatinaLayersPage *self)
{
  return gtk_widget_get_visible(GTK_WIDGET(self->message_label))
           ? gtk_label_get_label(self->message_label)
           : NULL;
}

GdkPaintable *patina_layers_page_get_cam_paintable(PatinaLayersPage *self, int image)
{
  GtkStack *view = image ? self->view_b : self->view_a;
  if (g_strcmp0(gtk_stack_get_visible_child_name(view), "cam") != 0)
    return NULL;
  return gtk_picture_get_paintable(image ? self->cam_b : self->cam_a);
}
