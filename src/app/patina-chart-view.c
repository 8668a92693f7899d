#include "patina-chart-view.h"

#include <glib/gi18n.h>

#include "patina-file-chooser.h"
#include "patina-settings.h"
#include "patina-window.h"

/* The size of an export when the chart is not on screen. */
#define DEFAULT_EXPORT_WIDTH 1200
#define DEFAULT_EXPORT_HEIGHT 600

struct _PatinaChartView {
  GtkWidget parent_instance;
  GtkWidget *header;
  GtkAdjustment *smoothing_adjustment;
  GtkCheckButton *log_check;
  PatinaChart *chart;
  GtkFileChooserNative *chooser;
  GSettings *settings;
};

G_DEFINE_FINAL_TYPE(PatinaChartView, patina_chart_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_CHART, N_PROPS };
static GParamSpec *props[N_PROPS];

static void toast(PatinaChartView *self, const char *message)
{
  GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
  if (PATINA_IS_WINDOW(root))
    patina_window_toast(PATINA_WINDOW(root), message);
  else
    g_message("%s", message);
}

/* ---- log scale ---- */

static void on_log_toggled(PatinaChartView *self)
{
  gboolean want = gtk_check_button_get_active(self->log_check);
  g_autoptr(GError) error = NULL;
  if (!patina_chart_set_log_scale(self->chart, want, &error)) {
    toast(self, error->message);
    gtk_check_button_set_active(self->log_check, FALSE);
  }
}

static void on_chart_log_scale(PatinaChartView *self)
{
  gboolean log_scale = patina_chart_get_log_scale(self->chart);
  if (gtk_check_button_get_active(self->log_check) != log_scale)
    gtk_check_button_set_active(self->log_check, log_scale);
}

/* ---- export ---- */

typedef struct {
  PatinaChartView *self; /* ref */
  char *path;
} ExportData;

static void exported(GObject *source, GAsyncResult *res, gpointer user_data)
{
  ExportData *d = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *msg = NULL;
  if (patina_chart_export_finish(PATINA_CHART(source), res, &error))
    msg = g_strdup_printf(_("Saved the chart to %s"), d->path);
  else
    msg = g_strdup_printf(_("Cannot export the chart: %s"), error->message);
  toast(d->self, msg);
  g_object_unref(d->self);
  g_free(d->path);
  g_free(d);
}

static void export_to(PatinaChartView *self, const char *path)
{
  int w = gtk_widget_get_width(GTK_WIDGET(self->chart));
  int h = gtk_widget_get_height(GTK_WIDGET(self->chart));
  if (w < 64 || h < 64)
    w = DEFAULT_EXPORT_WIDTH, h = DEFAULT_EXPORT_HEIGHT;
  ExportData *d = g_new0(ExportData, 1);
  d->self = g_object_ref(self);
  d->path = g_strdup(path);
  patina_chart_export_async(self->chart, path, w, h, NULL, exported, d);
}

static void export_path_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  export_to(PATINA_CHART_VIEW(widget), g_variant_get_string(param, NULL));
}

static void chart_file_chosen(GtkWidget *owner, GListModel *files)
{
  g_autoptr(GFile) file = g_list_model_get_item(files, 0);
  g_autofree char *path = g_file_get_path(file);
  if (path)
    export_to(PATINA_CHART_VIEW(owner), path);
  else
    toast(PATINA_CHART_VIEW(owner), _("The chart can only be exported to a local file"));
}

static void add_filter(GtkFileChooser *chooser, const char *name, const char *pattern)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new();
  gtk_file_filter_set_name(filter, name);
  gtk_file_filter_add_pattern(filter, pattern);
  gtk_file_chooser_add_filter(chooser, filter);
}

static void export_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  GtkFileChooserNative *native =
    patina_file_chooser_new(widget, &PATINA_CHART_VIEW(widget)->chooser, _("Export Chart"),
                            GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), chart_file_chosen);
  if (!native)
    return;
  GtkFileChooser *chooser = GTK_FILE_CHOOSER(native);
  gtk_file_chooser_set_current_name(chooser, "chart.png");
  add_filter(chooser, _("PNG, SVG or PDF"), "*.[pPsS][nNvVdD][gGfF]");
  add_filter(chooser, _("PNG image"), "*.png");
  add_filter(chooser, _("SVG drawing"), "*.svg");
  add_filter(chooser, _("PDF document"), "*.pdf");
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(native));
}

/* ---- the chart ---- */

static void set_chart(PatinaChartView *self, PatinaChart *chart)
{
  g_return_if_fail(self->chart == NULL);
  self->chart = chart;
  gtk_widget_set_parent(GTK_WIDGET(chart), GTK_WIDGET(self));
  gtk_widget_set_vexpand(GTK_WIDGET(chart), TRUE);
  g_object_bind_property(self->smoothing_adjustment, "value", chart, "smoothing",
                         G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect_object(chart, "notify::log-scale", G_CALLBACK(on_chart_log_scale), self,
                          G_CONNECT_SWAPPED);
  on_chart_log_scale(self);
  /* Every chart view shows the curves the same way, this session and the next. */
  g_settings_bind(self->settings, "chart-smoothing", self->smoothing_adjustment, "value",
                  G_SETTINGS_BIND_DEFAULT);
  g_settings_bind(self->settings, "chart-log-loss", self->log_check, "active",
                  G_SETTINGS_BIND_DEFAULT);
}

PatinaChart *patina_chart_view_get_chart(PatinaChartView *self)
{
  g_return_val_if_fail(PATINA_IS_CHART_VIEW(self), NULL);
  return self->chart;
}

static void patina_chart_view_set_property(GObject *object, guint prop_id, const GValue *value,
                                           GParamSpec *pspec)
{
  PatinaChartView *self = PATINA_CHART_VIEW(object);
  switch (prop_id) {
  case PROP_CHART: set_chart(self, g_value_get_object(value)); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void patina_chart_view_get_property(GObject *object, guint prop_id, GValue *value,
                                           GParamSpec *pspec)
{
  PatinaChartView *self = PATINA_CHART_VIEW(object);
  switch (prop_id) {
  case PROP_CHART: g_value_set_object(value, self->chart); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void patina_chart_view_constructed(GObject *object)
{
  PatinaChartView *self = PATINA_CHART_VIEW(object);
  G_OBJECT_CLASS(patina_chart_view_parent_class)->constructed(object);
  if (!self->chart)
    set_chart(self, PATINA_CHART(patina_chart_new()));
}

static void patina_chart_view_dispose(GObject *object)
{
  PatinaChartView *self = PATINA_CHART_VIEW(object);
  patina_file_chooser_close(&self->chooser);
  if (self->settings) {
    g_settings_unbind(self->smoothing_adjustment, "value");
    g_settings_unbind(self->log_check, "active");
  }
  g_clear_object(&self->settings);
  gtk_widget_dispose_template(GTK_WIDGET(self), PATINA_TYPE_CHART_VIEW);
  if (self->chart)
    gtk_widget_unparent(GTK_WIDGET(self->chart));
  self->chart = NULL;
  G_OBJECT_CLASS(patina_chart_view_parent_class)->dispose(object);
}

static void patina_chart_view_class_init(PatinaChartViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  object_class->set_property = patina_chart_view_set_property;
  object_class->get_property = patina_chart_view_get_property;
  object_class->constructed = patina_chart_view_constructed;
  object_class->dispose = patina_chart_view_dispose;
  props[PROP_CHART] = g_param_spec_object("chart", NULL, NULL, PATINA_TYPE_CHART,
                                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                            G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, props);

  g_type_ensure(PATINA_TYPE_CHART);
  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/org/patina/Patina/ui/patina-chart-view.ui");
  gtk_widget_class_bind_template_child(widget_class, PatinaChartView, header);
  gtk_widget_class_bind_template_child(widget_class, PatinaChartView, smoothing_adjustment);
  gtk_widget_class_bind_template_child(widget_class, PatinaChartView, log_check);
  gtk_widget_class_install_action(widget_class, "chart.export", NULL, export_action);
  gtk_widget_class_install_action(widget_class, "chart.export-path", "s", export_path_action);
  gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BOX_LAYOUT);
}

static GtkWidget *find_chart_view(GtkWidget *widget)
{
  if (PATINA_IS_CHART_VIEW(widget))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child(widget); c; c = gtk_widget_get_next_sibling(c)) {
    GtkWidget *found = find_chart_view(c);
    if (found)
      return found;
  }
  return NULL;
}

static void page_export_action(GtkWidget *page, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  GtkWidget *view = find_chart_view(page);
  if (view)
    gtk_widget_activate_action(view, "chart.export", NULL);
}

void patina_chart_view_install_page_export(GtkWidgetClass *page_class, const char *action)
{
  gtk_widget_class_install_action(page_class, action, NULL, page_export_action);
  gtk_widget_class_add_binding_action(page_class, GDK_KEY_e, GDK_CONTROL_MASK, action, NULL);
}

static void patina_chart_view_init(PatinaChartView *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  self->settings = patina_settings_new();
  GtkLayoutManager *layout = gtk_widget_get_layout_manager(GTK_WIDGET(self));
  gtk_orientable_set_orientation(GTK_ORIENTABLE(layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing(GTK_BOX_LAYOUT(layout), 6);
  g_signal_connect_swapped(self->log_check, "toggled", G_CALLBACK(on_log_toggled), self);
}
