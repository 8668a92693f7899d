#include "patina-scan-view.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "patina-colormap-combo.h"
#include "patina-file-chooser.h"
#include "patina-scan-private.h"
#include "patina-settings.h"
#include "patina-window.h"
#include "viz/gradcam.h"

G_DEFINE_FINAL_TYPE(PatinaScanView, patina_scan_view, GTK_TYPE_WIDGET)

void patina_scan_view_toast(PatinaScanView *self, const char *message)
{
  GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
  if (PATINA_IS_WINDOW(root))
    patina_window_toast(PATINA_WINDOW(root), message);
}

void patina_scan_view_show_message(PatinaScanView *self, const char *text, gboolean is_error)
{
  gtk_label_set_label(self->message_label, text ? text : "");
  gtk_widget_set_visible(GTK_WIDGET(self->message_label), text && *text);
  if (is_error) {
    gtk_widget_remove_css_class(GTK_WIDGET(self->message_label), "dim-label");
    gtk_widget_add_css_class(GTK_WIDGET(self->message_label), "error");
  } else {
    gtk_widget_remove_css_class(GTK_WIDGET(self->message_label), "error");
    gtk_widget_add_css_class(GTK_WIDGET(self->message_label), "dim-label");
  }
}

const PatinaColormap *patina_scan_view_colormap(PatinaScanView *self)
{
  const char *const *names = patina_colormap_names();
  guint i = adw_combo_row_get_selected(self->colormap_row);
  guint n = g_strv_length((char **) names);
  return patina_colormap_lookup(names[i < n ? i : 0], NULL);
}

/* -1: the most probable class; k: class k's probability. */
int patina_scan_view_overlay(PatinaScanView *self)
{
  guint i = adw_combo_row_get_selected(self->overlay_row);
  return i == GTK_INVALID_LIST_POSITION ? -1 : (int) i - 1;
}

/* ---- the map on screen ---- */

static GdkTexture *texture_from_surface(cairo_surface_t *s)
{
  cairo_surface_flush(s);
  int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
  gsize stride = (gsize) cairo_image_surface_get_stride(s);
  g_autoptr(GBytes) bytes = g_bytes_new(cairo_image_surface_get_data(s), stride * h);
  /* cairo's RGB24 is ARGB32 with the alpha byte 0xff: GDK's default format reads it as is */
  return gdk_memory_texture_new(w, h, GDK_MEMORY_DEFAULT, bytes, stride);
}

/* The colormap's 256 entries as a one-pixel-high strip, stretched under the map. */
static GdkTexture *colorbar_texture(const PatinaColormap *cmap)
{
  g_autoptr(GBytes) bytes = g_bytes_new(patina_colormap_get_table(cmap), 256 * 3);
  return gdk_memory_texture_new(256, 1, GDK_MEMORY_R8G8B8, bytes, 256 * 3);
}

static GdkTexture *render_best_class(PatinaScanResult *r, double opacity)
{
  gsize n = (gsize) r->display_w * r->display_h;
  guint8 *rgb = g_malloc(n * 3);
  for (gsize i = 0; i < n; i++) {
    guint8 c[3];
    patina_scan_class_colour(r->display_best[i], c);
    float g = CLAMP(r->display_gray[i], 0.0f, 1.0f) * 255.0f;
    for (int ch = 0; ch < 3; ch++)
      rgb[3 * i + ch] = (guint8) CLAMP((1.0 - opacity) * g + opacity * c[ch] + 0.5, 0, 255);
  }
  g_autoptr(GBytes) bytes = g_bytes_new_take(rgb, n * 3);
  return gdk_memory_texture_new(r->display_w, r->display_h, GDK_MEMORY_R8G8B8, bytes,
                                (gsize) r->display_w * 3);
}

static GtkWidget *swatch_new(const guint8 *rgb)
{
  guint8 px[12 * 12 * 3];
  for (int i = 0; i < 12 * 12; i++)
    memcpy(px + 3 * i, rgb, 3);
  g_autoptr(GBytes) bytes = g_bytes_new(px, sizeof px);
  g_autoptr(GdkTexture) tex = gdk_memory_texture_new(12, 12, GDK_MEMORY_R8G8B8, bytes, 36);
  GtkWidget *image = gtk_image_new_from_paintable(GDK_PAINTABLE(tex));
  gtk_image_set_pixel_size(GTK_IMAGE(image), 12);
  gtk_widget_set_valign(image, GTK_ALIGN_CENTER);
  return image;
}

static void rebuild_areas(PatinaScanView *self)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self->areas))))
    gtk_grid_remove(self->areas, child);
  if (!self->result)
    return;
  const PatinaScan *s = &self->result->scan;
  char *const *names = patina_loaded_model_get_meta(self->result->model)->class_names;
  for (int k = 0; k < s->classes; k++) {
    guint8 colour[3];
    patina_scan_class_colour(k, colour);
    GtkWidget *swatch = swatch_new(colour);
    GtkWidget *name = gtk_label_new(names[k]);
    gtk_label_set_xalign(GTK_LABEL(name), 0);
    gtk_label_set_ellipsize(GTK_LABEL(name), PANGO_ELLIPSIZE_END);
    gtk_label_set_max_width_chars(GTK_LABEL(name), 14);
    GtkWidget *bar = gtk_level_bar_new_for_interval(0, 1);
    /* a share of the surface is not a fill level that gets good or bad */
    gtk_level_bar_remove_offset_value(GTK_LEVEL_BAR(bar), GTK_LEVEL_BAR_OFFSET_LOW);
    gtk_level_bar_remove_offset_value(GTK_LEVEL_BAR(bar), GTK_LEVEL_BAR_OFFSET_HIGH);
    gtk_level_bar_remove_offset_value(GTK_LEVEL_BAR(bar), GTK_LEVEL_BAR_OFFSET_FULL);
    gtk_level_bar_set_value(GTK_LEVEL_BAR(bar), CLAMP(s->area_fraction[k], 0.0, 1.0));
    gtk_widget_set_hexpand(bar, TRUE);
    gtk_widget_set_valign(bar, GTK_ALIGN_CENTER);
    gtk_accessible_update_property(GTK_ACCESSIBLE(bar), GTK_ACCESSIBLE_PROPERTY_LABEL, names[k],
                                   -1);
    g_autofree char *pct = g_strdup_printf("%.1f %%", 100.0 * s->area_fraction[k]);
    GtkWidget *value = gtk_label_new(pct);
    gtk_label_set_xalign(GTK_LABEL(value), 1);
    gtk_label_set_width_chars(GTK_LABEL(value), 7);
    gtk_widget_add_css_class(value, "numeric");
    g_autofree char *tip = g_strdup_printf(_("Mean probability of %s over the image: %.3f"),
                                           names[k], s->mean_probability[k]);
    gtk_widget_set_tooltip_text(value, tip);
    gtk_grid_attach(self->areas, swatch, 0, k, 1, 1);
    gtk_grid_attach(self->areas, name, 1, k, 1, 1);
    gtk_grid_attach(self->areas, bar, 2, k, 1, 1);
    gtk_grid_attach(self->areas, value, 3, k, 1, 1);
  }
}

static void close_enlarged(PatinaScanView *self)
{
  if (!self->enlarged)
    return;
  GtkRoot *window = gtk_widget_get_root(GTK_WIDGET(self->enlarged));
  g_object_remove_weak_pointer(G_OBJECT(self->enlarged), (gpointer *) &self->enlarged);
  self->enlarged = NULL;
  gtk_window_destroy(GTK_WINDOW(window));
}

#define ZOOM_STEP 1.25

static void zoom_in(PatinaImageView *view)
{
  patina_image_view_set_zoom(view, patina_image_view_get_zoom(view) * ZOOM_STEP, -1, -1);
}

static void zoom_out(PatinaImageView *view)
{
  patina_image_view_set_zoom(view, patina_image_view_get_zoom(view) / ZOOM_STEP, -1, -1);
}

static void zoom_fit(PatinaImageView *view)
{
  patina_image_view_set_zoom(view, patina_image_view_get_fit_zoom(view), -1, -1);
}

static void add_zoom_button(AdwHeaderBar *header, const char *icon, const char *tooltip,
                            GCallback clicked, PatinaImageView *view)
{
  GtkWidget *button = gtk_button_new_from_icon_name(icon);
  gtk_widget_set_tooltip_text(button, tooltip);
  g_signal_connect_swapped(button, "clicked", clicked, view);
  adw_header_bar_pack_end(header, button);
}

void patina_scan_view_enlarge(PatinaScanView *self)
{
  GdkPaintable *map = gtk_picture_get_paintable(self->picture);
  if (!self->result || !GDK_IS_TEXTURE(map))
    return;
  if (!self->enlarged) {
    GtkWidget *window = adw_window_new();
    gtk_window_set_transient_for(GTK_WINDOW(window),
                                 GTK_WINDOW(gtk_widget_get_root(GTK_WIDGET(self))));
    gtk_window_set_default_size(GTK_WINDOW(window), 960, 760);
    g_autofree char *name = g_path_get_basename(self->result->path);
    GtkWidget *header = adw_header_bar_new();
    adw_header_bar_set_title_widget(ADW_HEADER_BAR(header),
                                    adw_window_title_new(_("Surface Scan"), name));
    GtkWidget *view = g_object_new(PATINA_TYPE_IMAGE_VIEW, "vexpand", TRUE, NULL);
    /* packed from the end: out, fit, in read left to right as in the Data viewer */
    add_zoom_button(ADW_HEADER_BAR(header), "zoom-in-symbolic", _("Zoom In (Ctrl+Scroll)"),
                    G_CALLBACK(zoom_in), PATINA_IMAGE_VIEW(view));
    add_zoom_button(ADW_HEADER_BAR(header), "zoom-fit-best-symbolic", _("Best Fit"),
                    G_CALLBACK(zoom_fit), PATINA_IMAGE_VIEW(view));
    add_zoom_button(ADW_HEADER_BAR(header), "zoom-out-symbolic", _("Zoom Out (Ctrl+Scroll)"),
                    G_CALLBACK(zoom_out), PATINA_IMAGE_VIEW(view));
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
    gtk_box_append(GTK_BOX(box), header);
    gtk_box_append(GTK_BOX(box), view);
    adw_window_set_content(ADW_WINDOW(window), box);
    self->enlarged = PATINA_IMAGE_VIEW(view);
    g_object_add_weak_pointer(G_OBJECT(view), (gpointer *) &self->enlarged);
    gtk_window_present(GTK_WINDOW(window));
  }
  patina_image_view_set_texture(self->enlarged, GDK_TEXTURE(map));
  gtk_window_present(GTK_WINDOW(gtk_widget_get_root(GTK_WIDGET(self->enlarged))));
}

static void render(PatinaScanView *self)
{
  PatinaScanResult *r = self->result;
  gtk_widget_set_visible(self->result_box, r != NULL);
  if (!r) {
    gtk_picture_set_paintable(self->picture, NULL);
    close_enlarged(self);
    return;
  }
  double opacity = gtk_range_get_value(GTK_RANGE(self->opacity_scale));
  int overlay = patina_scan_view_overlay(self);
  const PatinaScan *s = &r->scan;
  char *const *names = patina_loaded_model_get_meta(r->model)->class_names;
  g_autoptr(GdkTexture) tex = NULL;
  g_autofree char *shows = NULL;
  if (overlay < 0 || overlay >= s->classes) {
    tex = render_best_class(r, opacity);
    shows = g_strdup(_("Colour: the most probable class (swatches below)."));
  } else {
    const PatinaColormap *cmap = patina_scan_view_colormap(self);
    gsize n = (gsize) r->display_w * r->display_h;
    cairo_surface_t *surface = patina_overlay_render(
      r->display_gray, r->display_maps + n * overlay, r->display_w, r->display_h, 0.0f, 1.0f,
      cmap, opacity);
    if (surface) {
      tex = texture_from_surface(surface);
      cairo_surface_destroy(surface);
    }
    shows = g_strdup_printf(_("Colour: probability of %s (scale above)."), names[overlay]);
    g_autoptr(GdkTexture) bar = colorbar_texture(cmap);
    gtk_picture_set_paintable(self->colorbar, GDK_PAINTABLE(bar));
  }
  gtk_widget_set_visible(self->colorbar_box, overlay >= 0 && overlay < s->classes);
  gtk_picture_set_paintable(self->picture, tex ? GDK_PAINTABLE(tex) : NULL);
  if (self->enlarged && tex)
    patina_image_view_set_texture(self->enlarged, tex);
  /* a picture in a scrolled box gets no more height than it asks for: ask for what the pane's
   * usual width shows at the image's aspect */
  gtk_widget_set_size_request(GTK_WIDGET(self->picture), -1,
                              CLAMP(360 * r->display_h / r->display_w, 120, 420));
  g_autofree char *legend = g_strdup_printf(
    ngettext("%s %d tile of %d×%d px at stride %d; each place shows the mean of the tiles "
             "covering it.",
             "%s %d tiles of %d×%d px at stride %d; each place shows the mean of the tiles "
             "covering it.",
             s->n_tiles),
    shows, s->n_tiles, s->tile, s->tile, s->stride);
  gtk_label_set_label(self->legend_label, legend);
  gtk_widget_set_visible(GTK_WIDGET(self->colormap_row), overlay >= 0);
  /* the swatches are the map's colours only when it shows the most probable class */
  for (int k = 0; k < s->classes; k++) {
    GtkWidget *swatch = gtk_grid_get_child_at(self->areas, 0, k);
    if (swatch)
      gtk_widget_set_visible(swatch, overlay < 0);
  }
}

/* ---- running a scan ---- */

static void stop_progress(PatinaScanView *self)
{
  g_clear_handle_id(&self->progress_source, g_source_remove);
  g_clear_pointer(&self->running, patina_scan_result_unref);
  gtk_widget_set_visible(self->progress_box, FALSE);
}

void patina_scan_view_cancel(PatinaScanView *self)
{
  if (self->cancellable)
    g_cancellable_cancel(self->cancellable);
  g_clear_object(&self->cancellable);
  stop_progress(self);
}

static gboolean progress_tick(gpointer user_data)
{
  PatinaScanView *self = user_data;
  int total = g_atomic_int_get(&self->running->tiles_total);
  int done = g_atomic_int_get(&self->running->tiles_done);
  if (total <= 0) {
    gtk_progress_bar_pulse(self->progress);
    gtk_progress_bar_set_text(self->progress, _("Reading the image…"));
  } else {
    gtk_progress_bar_set_fraction(self->progress, (double) done / total);
    g_autofree char *text = g_strdup_printf(_("Scanned %d of %d tiles"), done, total);
    gtk_progress_bar_set_text(self->progress, text);
  }
  return G_SOURCE_CONTINUE;
}

static void scan_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
  (void) source;
  g_autoptr(GError) error = NULL;
  PatinaScanResult *r = patina_scan_compute_finish(res, &error);
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* a newer request, another image or model, or the view is gone */
  PatinaScanView *self = user_data; /* alive: disposing cancels the scan first */
  stop_progress(self);
  g_clear_object(&self->cancellable);
  g_clear_pointer(&self->result, patina_scan_result_unref);
  if (!r) {
    /* the previous map would read as the answer to the request that failed */
    patina_scan_view_show_message(self, error->message, TRUE);
    rebuild_areas(self);
    render(self);
    return;
  }
  self->result = r;
  /* an image the size of a tile is scanned as one: say why the map is flat */
  patina_scan_view_show_message(
    self, r->scan.n_tiles == 1 ? _("The image is a single tile, so the map is its prediction.")
                               : NULL,
    FALSE);
  rebuild_areas(self);
  render(self);
}

void patina_scan_view_start(PatinaScanView *self)
{
  if (!self->path) {
    /* the shortcut works with nothing selected, when the scan's controls are hidden */
    patina_scan_view_toast(self, _("Select an image in the table to scan its surface"));
    return;
  }
  if (!self->model) {
    patina_scan_view_show_message(self, _("Open a model to scan the surface with it."), TRUE);
    return;
  }
  patina_scan_view_cancel(self); /* the latest request wins */
  self->cancellable = g_cancellable_new();
  self->running = patina_scan_compute_async(
    self->model, self->path, gtk_spin_button_get_value_as_int(self->tile_spin),
    gtk_spin_button_get_value_as_int(self->stride_spin), self->cancellable, scan_done, self);
  patina_scan_view_show_message(self, NULL, FALSE);
  gtk_progress_bar_set_fraction(self->progress, 0);
  gtk_progress_bar_set_text(self->progress, _("Reading the image…"));
  gtk_widget_set_visible(self->progress_box, TRUE);
  self->progress_source = g_timeout_add(100, progress_tick, self);
}

void patina_scan_view_set_image(PatinaScanView *self, const char *path, PatinaLoadedModel *model)
{
  g_return_if_fail(PATINA_IS_SCAN_VIEW(self));
  gboolean same_model = model == self->model;
  if (g_strcmp0(path, self->path) == 0 && same_model)
    return;
  patina_scan_view_cancel(self);
  g_clear_pointer(&self->result, patina_scan_result_unref);
  g_free(self->path);
  self->path = g_strdup(path);
  g_set_object(&self->model, model);
  patina_scan_view_show_message(self, model ? NULL : _("Open a model to scan the surface with it."),
                                FALSE);
  gtk_widget_set_visible(GTK_WIDGET(self), path != NULL);
  if (!same_model && model) {
    self->syncing = TRUE;
    int input = patina_loaded_model_get_input_size(model);
    gtk_spin_button_set_value(self->tile_spin, input);
    gtk_spin_button_set_range(self->stride_spin, 1, input);
    gtk_spin_button_set_value(self->stride_spin, MAX(1, input / 2));
    self->stride_follows_tile = TRUE;
    char *const *names = patina_loaded_model_get_meta(model)->class_names;
    g_autoptr(GtkStringList) list = gtk_string_list_new(NULL);
    gtk_string_list_append(list, _("Most Probable Class"));
    for (int k = 0; names[k]; k++) {
      g_autofree char *item = g_strdup_printf(_("Probability of %s"), names[k]);
      gtk_string_list_append(list, item);
    }
    adw_combo_row_set_model(self->overlay_row, G_LIST_MODEL(list));
    adw_combo_row_set_selected(self->overlay_row, 0);
    self->syncing = FALSE;
  }
  rebuild_areas(self);
  render(self);
}

static void on_tile_changed(PatinaScanView *self)
{
  int tile = gtk_spin_button_get_value_as_int(self->tile_spin);
  gboolean follows = self->stride_follows_tile, was_syncing = self->syncing;
  self->syncing = TRUE;
  /* a stride beyond the tile would leave parts of the image unseen */
  gtk_spin_button_set_range(self->stride_spin, 1, tile);
  if (follows)
    gtk_spin_button_set_value(self->stride_spin, MAX(1, tile / 2));
  self->syncing = was_syncing;
}

static void on_stride_changed(PatinaScanView *self)
{
  if (!self->syncing)
    self->stride_follows_tile = FALSE;
}

static void on_display_changed(PatinaScanView *self)
{
  if (!self->syncing)
    render(self);
}

/* A new default in Preferences is what the user wants to see from now on. */
static void on_default_colormap_changed(PatinaScanView *self)
{
  g_autofree char *name = g_settings_get_string(self->settings, "colormap");
  const char *const *names = patina_colormap_names();
  for (guint i = 0; names[i]; i++)
    if (g_str_equal(names[i], name))
      adw_combo_row_set_selected(self->colormap_row, i);
}

/* ---- for tests ---- */

gboolean patina_scan_view_is_running(PatinaScanView *self)
{
  return self->running != NULL;
}

const PatinaScan *patina_scan_view_get_scan(PatinaScanView *self)
{
  return self->result ? &self->result->scan : NULL;
}

double patina_scan_view_get_shown_fraction(PatinaScanView *self, int klass)
{
  GtkWidget *bar = gtk_grid_get_child_at(self->areas, 2, klass);
  return GTK_IS_LEVEL_BAR(bar) ? gtk_level_bar_get_value(GTK_LEVEL_BAR(bar)) : -1.0;
}

const char *patina_scan_view_get_message(PatinaScanView *self)
{
  return gtk_widget_get_visible(GTK_WIDGET(self->message_label))
           ? gtk_label_get_label(self->message_label)
           : "";
}

PatinaImageView *patina_scan_view_get_enlarged(PatinaScanView *self) { return self->enlarged; }

GdkPaintable *patina_scan_view_get_map(PatinaScanView *self)
{
  return gtk_picture_get_paintable(self->picture);
}

const char *patina_scan_view_get_progress(PatinaScanView *self)
{
  return gtk_widget_get_visible(self->progress_box) ? gtk_progress_bar_get_text(self->progress)
                                                    : NULL;
}

/* ---- lifecycle ---- */

static void patina_scan_view_dispose(GObject *object)
{
  PatinaScanView *self = PATINA_SCAN_VIEW(object);
  close_enlarged(self);
  patina_scan_view_cancel(self);
  g_clear_pointer(&self->result, patina_scan_result_unref);
  patina_file_chooser_close(&self->chooser);
  g_clear_object(&self->model);
  if (self->settings)
    g_signal_handlers_disconnect_by_data(self->settings, self);
  g_clear_object(&self->settings);
  g_clear_pointer(&self->path, g_free);
  gtk_widget_dispose_template(GTK_WIDGET(self), PATINA_TYPE_SCAN_VIEW);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))))
    gtk_widget_unparent(child);
  G_OBJECT_CLASS(patina_scan_view_parent_class)->dispose(object);
}

static void patina_scan_view_class_init(PatinaScanViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  object_class->dispose = patina_scan_view_dispose;
  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/org/patina/Patina/ui/patina-scan-view.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, PatinaScanView, name)
  BIND(scan_button);
  BIND(progress_box);
  BIND(result_box);
  BIND(tile_spin);
  BIND(stride_spin);
  BIND(dpi_spin);
  BIND(progress);
  BIND(message_label);
  BIND(legend_label);
  BIND(picture);
  BIND(colorbar);
  BIND(colorbar_box);
  BIND(areas);
  BIND(overlay_row);
  BIND(colormap_row);
  BIND(opacity_scale);
#undef BIND
  gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void patina_scan_view_init(PatinaScanView *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  self->settings = patina_settings_new();
  g_autofree char *cmap = g_settings_get_string(self->settings, "colormap");
  patina_colormap_combo_setup(self->colormap_row, cmap);
  g_signal_connect_swapped(self->settings, "changed::colormap",
                           G_CALLBACK(on_default_colormap_changed), self);
  self->stride_follows_tile = TRUE;
  g_signal_connect_swapped(self->tile_spin, "value-changed", G_CALLBACK(on_tile_changed), self);
  g_signal_connect_swapped(self->stride_spin, "value-changed", G_CALLBACK(on_stride_changed),
                           self);
  g_signal_connect_swapped(self->overlay_row, "notify::selected", G_CALLBACK(on_display_changed),
                           self);
  g_signal_connect_swapped(self->colormap_row, "notify::selected",
                           G_CALLBACK(on_display_changed), self);
  g_signal_connect_swapped(self->opacity_scale, "value-changed", G_CALLBACK(on_display_changed),
                           self);
  gtk_widget_set_visible(GTK_WIDGET(self), FALSE);
}
