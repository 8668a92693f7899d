/* The Layers page's actions (layers.*, listed in patina-layers-page.h): each sets the control
 * a user would, so the page reacts the same way to both; and the figure export. */
#include <glib/gi18n.h>

#include "patina-file-chooser.h"
#include "patina-layers-private.h"

#define PAGE(w) PATINA_LAYERS_PAGE(w)

static void layer_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  PatinaLayersPage *self = PAGE(widget);
  const char *layer = g_variant_get_string(param, NULL);
  if (!self->model)
    return;
  if (g_str_equal(layer, "filters")) {
    if (self->filters_row >= 0)
      adw_combo_row_set_selected(self->layer_row, (guint) self->filters_row);
    else
      patina_layers_page_toast(self, _("This model has no conv layer, so it has no filters"));
    return;
  }
  g_autoptr(GError) error = NULL;
  int i = patina_layer_find(patina_loaded_model_get_model(self->model), layer, &error);
  if (i < 0)
    patina_layers_page_toast(self, error->message);
  else
    adw_combo_row_set_selected(self->layer_row, (guint) i);
}

static void colormap_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  PatinaLayersPage *self = PAGE(widget);
  g_autoptr(GError) error = NULL;
  const PatinaColormap *cmap = patina_colormap_lookup(g_variant_get_string(param, NULL), &error);
  if (!cmap) {
    patina_layers_page_toast(self, error->message);
    return;
  }
  const char *const *names = patina_colormap_names();
  for (guint i = 0; names[i]; i++)
    if (g_str_equal(names[i], patina_colormap_get_name(cmap)))
      adw_combo_row_set_selected(self->colormap_row, i);
}

static void reversed_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  gtk_switch_set_active(PAGE(widget)->reversed_switch, g_variant_get_boolean(param));
}

static void normalise_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  PatinaLayersPage *self = PAGE(widget);
  PatinaNormalise n;
  g_autoptr(GError) error = NULL;
  if (!patina_normalise_parse(g_variant_get_string(param, NULL), &n, &error))
    patina_layers_page_toast(self, error->message);
  else
    adw_combo_row_set_selected(self->normalise_row, n == PATINA_NORMALISE_LAYER ? 1 : 0);
}

static void sort_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  PatinaLayersPage *self = PAGE(widget);
  PatinaChannelOrder order;
  g_autoptr(GError) error = NULL;
  if (!patina_channel_order_parse(g_variant_get_string(param, NULL), &order, &error))
    patina_layers_page_toast(self, error->message);
  else /* the row lists the orders in the enum's order */
    adw_combo_row_set_selected(self->sort_row, (guint) order);
}

static void select_channel_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  g_signal_emit_by_name(PAGE(widget)->grid_a, "channel-activated", g_variant_get_int32(param));
}

static void cam_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  PatinaLayersPage *self = PAGE(widget);
  if (g_variant_get_boolean(param) && !gtk_widget_get_sensitive(GTK_WIDGET(self->cam_row))) {
    patina_layers_page_toast(self, _("Grad-CAM needs a conv layer, and this model has none"));
    return;
  }
  adw_expander_row_set_enable_expansion(self->cam_row, g_variant_get_boolean(param));
}

static void cam_class_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  PatinaLayersPage *self = PAGE(widget);
  int k = g_variant_get_int32(param);
  if (k < 0 || k >= (int) g_list_model_get_n_items(G_LIST_MODEL(self->class_names)))
    patina_layers_page_toast(self, _("The model has no such class"));
  else
    adw_combo_row_set_selected(self->class_row, (guint) k);
}

static void cam_method_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  const char *method = g_variant_get_string(param, NULL);
  adw_combo_row_set_selected(PAGE(widget)->method_row,
                             g_ascii_strcasecmp(method, "gradcam++") == 0 ? 1 : 0);
}

static void cam_opacity_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  gtk_range_set_value(GTK_RANGE(PAGE(widget)->opacity_scale), g_variant_get_double(param));
}

static void six_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  gtk_switch_set_active(PAGE(widget)->six_switch, g_variant_get_boolean(param));
}

static void dpi_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  gtk_spin_button_set_value(PAGE(widget)->dpi_spin, g_variant_get_double(param));
}

static void compare_path_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  PatinaLayersPage *self = PAGE(widget);
  self->syncing = TRUE;
  const char *path = g_variant_get_string(param, NULL);
  adw_combo_row_set_selected(self->compare_row, *path ? GTK_INVALID_LIST_POSITION : 0);
  self->syncing = FALSE;
  g_autofree char *base = *path ? g_path_get_basename(path) : g_strdup("");
  adw_action_row_set_subtitle(ADW_ACTION_ROW(self->compare_row), base);
  patina_layers_page_set_compare(self, path);
}

static void open_image_path_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  g_autoptr(GFile) file = g_file_new_for_path(g_variant_get_string(param, NULL));
  patina_layers_page_show_file(PAGE(widget), file);
}

static void image_chosen(GtkWidget *owner, GListModel *files)
{
  g_autoptr(GFile) file = g_list_model_get_item(files, 0);
  patina_layers_page_show_file(PAGE(owner), file);
}

static void open_image_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  GtkFileChooserNative *chooser =
    patina_file_chooser_new(widget, &PAGE(widget)->chooser, _("Pick an Image"),
                            GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), image_chosen);
  if (!chooser)
    return;
  patina_file_chooser_add_image_filter(chooser);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

/* ---- export ---- */

static void export_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
  PatinaLayersPage *self = PAGE(source);
  g_autoptr(GFile) dest = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *where = g_file_get_parse_name(dest);
  g_autofree char *msg = NULL;
  if (patina_layers_export_finish(res, &error))
    msg = g_strdup_printf(_("Saved the figure to %s"), where);
  else
    msg = g_strdup_printf(_("Cannot save %s: %s"), where, error->message);
  patina_layers_page_toast(self, msg);
}

static void export_to(PatinaLayersPage *self, GFile *dest)
{
  PatinaLayersResult *r = self->result;
  g_autofree char *path = g_file_get_path(dest);
  g_autoptr(GError) error = NULL;
  PatinaFigureFormat format;
  if (!r) {
    patina_layers_page_toast(self, _("There is no figure to export yet"));
    return;
  }
  if (!path || !patina_figure_format_for_path(path, &format, &error)) {
    g_autofree char *where = g_file_get_parse_name(dest);
    g_autofree char *msg = g_strdup_printf(_("Cannot save %s: %s"), where,
                                           error ? error->message
                                                 : _("only local files can be written"));
    patina_layers_page_toast(self, msg);
    return;
  }
  int layer = patina_layers_view_layer(self);
  PatinaLayersImage *im = &r->images[0];
  gboolean flat = layer >= 0 && self->infos[layer].h == 1 && self->infos[layer].w == 1;
  PatinaLayersExportKind kind = layer < 0 ? PATINA_LAYERS_EXPORT_FILTERS
                                : im->have_cam && adw_expander_row_get_enable_expansion(
                                                    self->cam_row)
                                  ? PATINA_LAYERS_EXPORT_CAM
                                : gtk_switch_get_active(self->six_switch) && !flat
                                  ? PATINA_LAYERS_EXPORT_SIX
                                  : PATINA_LAYERS_EXPORT_LAYER;
  PatinaFigureOptions fo;
  patina_figure_options_init(&fo);
  const char *model_path = patina_loaded_model_get_path(r->model);
  g_autofree char *model_base = model_path ? g_path_get_basename(model_path) : NULL;
  g_autofree char *model_label = g_strdup_printf(
    "%s (%s)", patina_loaded_model_get_model(r->model)->name, model_base ? model_base : "");
  g_autofree char *image_label = g_path_get_basename(im->path);
  fo.model_label = model_label;
  fo.image_label = image_label;
  fo.class_names = patina_loaded_model_get_meta(r->model)->class_names;
  fo.field_width_m = im->field_width_m;
  fo.colormap = patina_layers_view_colormap(self);
  fo.reversed = gtk_switch_get_active(self->reversed_switch);
  fo.normalise = adw_combo_row_get_selected(self->normalise_row) == 1 ? PATINA_NORMALISE_LAYER
                                                                      : PATINA_NORMALISE_CHANNEL;
  fo.order = (PatinaChannelOrder) MIN(adw_combo_row_get_selected(self->sort_row), 3u);
  fo.dpi = gtk_spin_button_get_value(self->dpi_spin);
  patina_layers_export_async(r, kind, MAX(layer, 0), &fo,
                             gtk_range_get_value(GTK_RANGE(self->opacity_scale)), path, self,
                             export_done, g_object_ref(dest));
}

static void export_path_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  g_autoptr(GFile) file = g_file_new_for_path(g_variant_get_string(param, NULL));
  export_to(PAGE(widget), file);
}

static void export_chosen(GtkWidget *owner, GListModel *files)
{
  g_autoptr(GFile) file = g_list_model_get_item(files, 0);
  export_to(PAGE(owner), file);
}

static void export_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  PatinaLayersPage *self = PAGE(widget);
  if (!self->result)
    return;
  GtkFileChooserNative *chooser =
    patina_file_chooser_new(widget, &self->chooser, _("Export Figure"),
                            GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), export_chosen);
  if (!chooser)
    return;
  int layer = patina_layers_view_layer(self);
  g_autofree char *suffix =
    g_strdup_printf("-%s.pdf", layer < 0 ? "filters" : self->infos[layer].name);
  patina_file_chooser_suggest(chooser, self->result->images[0].path, suffix);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

void patina_layers_actions_install(GtkWidgetClass *klass)
{
  gtk_widget_class_install_action(klass, "layers.open-image", NULL, open_image_action);
  gtk_widget_class_install_action(klass, "layers.open-image-path", "s", open_image_path_action);
  gtk_widget_class_install_action(klass, "layers.compare-path", "s", compare_path_action);
  gtk_widget_class_install_action(klass, "layers.layer", "s", layer_action);
  gtk_widget_class_install_action(klass, "layers.colormap", "s", colormap_action);
  gtk_widget_class_install_action(klass, "layers.reversed", "b", reversed_action);
  gtk_widget_class_install_action(klass, "layers.normalise", "s", normalise_action);
  gtk_widget_class_install_action(klass, "layers.sort", "s", sort_action);
  gtk_widget_class_install_action(klass, "layers.select-channel", "i", select_channel_action);
  gtk_widget_class_install_action(klass, "layers.cam", "b", cam_action);
  gtk_widget_class_install_action(klass, "layers.cam-class", "i", cam_class_action);
  gtk_widget_class_install_action(klass, "layers.cam-method", "s", cam_method_action);
  gtk_widget_class_install_action(klass, "layers.cam-opacity", "d", cam_opacity_action);
  gtk_widget_class_install_action(klass, "layers.six-colormaps", "b", six_action);
  gtk_widget_class_install_action(klass, "layers.dpi", "d", dpi_action);
  gtk_widget_class_install_action(klass, "layers.export", NULL, export_action);
  gtk_widget_class_install_action(klass, "layers.export-path", "s", export_path_action);
  gtk_widget_class_add_binding_action(klass, GDK_KEY_e, GDK_CONTROL_MASK, "layers.export", NULL);
  gtk_widget_class_add_binding_action(klass, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                      "layers.open-image", NULL);
}
