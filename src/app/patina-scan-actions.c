/* The predict.scan* actions (listed in patina-scan-view.h): installed on the Predict page's
 * class, acting on its scan view; the figure and CSV export. */
#include <glib/gi18n.h>

#include "patina-file-chooser.h"
#include "patina-predict-page.h"
#include "patina-scan-private.h"
#include "viz/figure.h"

static PatinaScanView *view_of(GtkWidget *page)
{
  return patina_predict_page_get_scan_view(PATINA_PREDICT_PAGE(page));
}

static void scan_action(GtkWidget *page, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  patina_scan_view_start(view_of(page));
}

static void cancel_action(GtkWidget *page, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  patina_scan_view_cancel(view_of(page));
}

static void tile_action(GtkWidget *page, const char *name, GVariant *param)
{
  (void) name;
  gtk_spin_button_set_value(view_of(page)->tile_spin, g_variant_get_int32(param));
}

static void stride_action(GtkWidget *page, const char *name, GVariant *param)
{
  (void) name;
  gtk_spin_button_set_value(view_of(page)->stride_spin, g_variant_get_int32(param));
}

static void overlay_action(GtkWidget *page, const char *name, GVariant *param)
{
  (void) name;
  PatinaScanView *self = view_of(page);
  GListModel *items = adw_combo_row_get_model(self->overlay_row);
  int k = g_variant_get_int32(param);
  if (items && k >= -1 && k + 1 < (int) g_list_model_get_n_items(items))
    adw_combo_row_set_selected(self->overlay_row, (guint) (k + 1));
}

static void dpi_action(GtkWidget *page, const char *name, GVariant *param)
{
  (void) name;
  gtk_spin_button_set_value(view_of(page)->dpi_spin, g_variant_get_double(param));
}

static void opacity_action(GtkWidget *page, const char *name, GVariant *param)
{
  (void) name;
  gtk_range_set_value(GTK_RANGE(view_of(page)->opacity_scale), g_variant_get_double(param));
}

/* ---- export ---- */

typedef struct {
  PatinaScanView *view; /* ref */
  GFile *dest;
  gboolean csv;
} ExportData;

static void export_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
  (void) source;
  ExportData *d = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *where = g_file_get_parse_name(d->dest);
  g_autofree char *msg = NULL;
  if (patina_scan_export_finish(res, &error))
    msg = g_strdup_printf(d->csv ? _("Saved the tiles to %s") : _("Saved the scan figure to %s"),
                          where);
  else
    msg = g_strdup_printf(_("Cannot save %s: %s"), where, error->message);
  patina_scan_view_toast(d->view, msg);
  g_object_unref(d->view);
  g_object_unref(d->dest);
  g_free(d);
}

static void export_to(PatinaScanView *self, GFile *dest, gboolean csv)
{
  PatinaScanResult *r = self->result;
  if (!r) {
    patina_scan_view_toast(self, _("There is no scan to export yet"));
    return;
  }
  g_autofree char *path = g_file_get_path(dest);
  g_autoptr(GError) error = NULL;
  PatinaFigureFormat format;
  /* a wrong extension is said at once, before any work */
  if (!path || (!csv && !patina_figure_format_for_path(path, &format, &error))) {
    g_autofree char *where = g_file_get_parse_name(dest);
    g_autofree char *msg = g_strdup_printf(_("Cannot save %s: %s"), where,
                                           error ? error->message
                                                 : _("only local files can be written"));
    patina_scan_view_toast(self, msg);
    return;
  }
  ExportData *d = g_new0(ExportData, 1);
  d->view = g_object_ref(self);
  d->dest = g_object_ref(dest);
  d->csv = csv;
  if (csv) {
    patina_scan_export_csv_async(r, path, NULL, export_done, d);
    return;
  }
  g_autofree char *image = g_path_get_basename(r->path);
  const char *model_path = patina_loaded_model_get_path(r->model);
  g_autofree char *model_dir = g_path_get_dirname(model_path);
  g_autofree char *model_dir_base = g_path_get_basename(model_dir);
  g_autofree char *model_base = g_path_get_basename(model_path);
  /* every run writes model.safetensors into its own folder: the folder tells them apart */
  g_autofree char *model = g_strdup_printf("%s/%s", model_dir_base, model_base);
  /* English like the rest of the figure's text, which the core draws; the same as
   * patina-cli scan's caption */
  g_autofree char *caption = g_strdup_printf(
    "Scan of %s (%d×%d pixels) with model %s (%s).", image, r->gray->width, r->gray->height,
    model, patina_loaded_model_get_model(r->model)->name);
  PatinaScanFigureOptions fo;
  patina_scan_figure_options_init(&fo);
  fo.class_names = patina_loaded_model_get_meta(r->model)->class_names;
  /* the figure shows what the screen shows: the most probable class, or one class's panel */
  fo.most_probable = patina_scan_view_overlay(self) < 0;
  fo.only_class = MAX(patina_scan_view_overlay(self), -1);
  fo.colormap = patina_scan_view_colormap(self);
  fo.opacity = gtk_range_get_value(GTK_RANGE(self->opacity_scale));
  fo.caption = caption;
  fo.dpi = gtk_spin_button_get_value(self->dpi_spin);
  patina_scan_export_figure_async(r, &fo, path, NULL, export_done, d);
}

static void export_path_action(GtkWidget *page, const char *name, GVariant *param)
{
  g_autoptr(GFile) file = g_file_new_for_path(g_variant_get_string(param, NULL));
  export_to(view_of(page), file, g_str_has_suffix(name, "-csv-path"));
}

static void figure_chosen(GtkWidget *owner, GListModel *files)
{
  g_autoptr(GFile) file = g_list_model_get_item(files, 0);
  export_to(PATINA_SCAN_VIEW(owner), file, FALSE);
}

static void tiles_chosen(GtkWidget *owner, GListModel *files)
{
  g_autoptr(GFile) file = g_list_model_get_item(files, 0);
  export_to(PATINA_SCAN_VIEW(owner), file, TRUE);
}

static void export_action(GtkWidget *page, const char *name, GVariant *param)
{
  (void) param;
  PatinaScanView *self = view_of(page);
  gboolean csv = g_str_has_suffix(name, "-csv");
  if (self->chooser)
    return;
  if (!self->result) {
    patina_scan_view_toast(self, _("There is no scan to export yet"));
    return;
  }
  GtkFileChooserNative *chooser = patina_file_chooser_new(
    GTK_WIDGET(self), &self->chooser, csv ? _("Export Tiles") : _("Export Scan Figure"),
    GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), csv ? tiles_chosen : figure_chosen);
  patina_file_chooser_suggest(chooser, self->result->path, csv ? "-tiles.csv" : "-scan.pdf");
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

static void enlarge_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  patina_scan_view_enlarge(view_of(widget));
}

void patina_scan_view_install_actions(GtkWidgetClass *klass)
{
  gtk_widget_class_install_action(klass, "predict.scan", NULL, scan_action);
  gtk_widget_class_install_action(klass, "predict.scan-cancel", NULL, cancel_action);
  gtk_widget_class_install_action(klass, "predict.scan-enlarge", NULL, enlarge_action);
  gtk_widget_class_install_action(klass, "predict.scan-tile", "i", tile_action);
  gtk_widget_class_install_action(klass, "predict.scan-stride", "i", stride_action);
  gtk_widget_class_install_action(klass, "predict.scan-overlay", "i", overlay_action);
  gtk_widget_class_install_action(klass, "predict.scan-opacity", "d", opacity_action);
  gtk_widget_class_install_action(klass, "predict.scan-dpi", "d", dpi_action);
  gtk_widget_class_install_action(klass, "predict.scan-export", NULL, export_action);
  gtk_widget_class_install_action(klass, "predict.scan-export-path", "s", export_path_action);
  gtk_widget_class_install_action(klass, "predict.scan-export-csv", NULL, export_action);
  gtk_widget_class_install_action(klass, "predict.scan-export-csv-path", "s",
                                  export_path_action);
  gtk_widget_class_add_binding_action(klass, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                      "predict.scan", NULL);
  gtk_widget_class_add_binding_action(klass, GDK_KEY_e, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                      "predict.scan-export", NULL);
}
