#include "patina-chart.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "patina-chart-draw.h"

struct _PatinaChart {
  GtkWidget parent_instance;
  PatinaChartScene *scene;
  double hover_x, hover_y; /* pointer in widget pixels; hover_x < 0: none */
};

G_DEFINE_FINAL_TYPE(PatinaChart, patina_chart, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_SMOOTHING, PROP_LOG_SCALE, N_PROPS };
static GParamSpec *props[N_PROPS];

static void patina_chart_finalize(GObject *object)
{
  patina_chart_scene_free(PATINA_CHART(object)->scene);
  G_OBJECT_CLASS(patina_chart_parent_class)->finalize(object);
}

static PatinaChartSeries *series_at(PatinaChart *self, guint i)
{
  return i < self->scene->series->len ? g_ptr_array_index(self->scene->series, i) : NULL;
}

/* The live run's series, made when its first point arrives. */
static PatinaChartSeries *live_series(PatinaChart *self)
{
  PatinaChartSeries *s = series_at(self, 0);
  return s ? s : patina_chart_scene_add_series(self->scene, NULL);
}

static const PatinaChartPoint *point_of_epoch(PatinaChartSeries *s, int epoch)
{
  for (guint i = 0; s && i < s->points->len; i++)
    if (g_array_index(s->points, PatinaChartPoint, i).epoch == epoch)
      return &g_array_index(s->points, PatinaChartPoint, i);
  return NULL;
}

static char *format_value(double v, gboolean percent)
{
  if (!isfinite(v))
    return g_strdup("—");
  return percent ? g_strdup_printf("%.1f %%", 100 * v) : g_strdup_printf("%.4f", v);
}

char *patina_chart_get_readout(PatinaChart *self)
{
  g_return_val_if_fail(PATINA_IS_CHART(self), NULL);
  int epoch = self->scene->hover_epoch;
  if (!epoch)
    return NULL;
  GString *text = g_string_new(NULL);
  g_string_printf(text, _("Epoch %d"), epoch);
  for (guint i = 0; i < self->scene->series->len; i++) {
    PatinaChartSeries *s = series_at(self, i);
    const PatinaChartPoint *p = point_of_epoch(s, epoch);
    if (!p)
      continue;
    g_autofree char *tl = format_value(p->v[PATINA_CHART_TRAIN_LOSS], FALSE);
    g_autofree char *ta = format_value(p->v[PATINA_CHART_TRAIN_ACC], TRUE);
    g_autofree char *vl = format_value(p->v[PATINA_CHART_VAL_LOSS], FALSE);
    g_autofree char *va = format_value(p->v[PATINA_CHART_VAL_ACC], TRUE);
    if (s->name)
      g_string_append_printf(text, _("\n%s: validation loss %s, accuracy %s"), s->name, vl, va);
    else
      g_string_append_printf(text, _("\nTraining: loss %s, accuracy %s\nValidation: loss %s, "
                                     "accuracy %s"),
                             tl, ta, vl, va);
  }
  return g_string_free(text, FALSE);
}

void patina_chart_set_hover(PatinaChart *self, double x, double y)
{
  g_return_if_fail(PATINA_IS_CHART(self));
  self->hover_x = x;
  self->hover_y = y;
  self->scene->hover_x = x;
  int w = gtk_widget_get_width(GTK_WIDGET(self));
  int epoch = x >= 0 ? patina_chart_scene_epoch_at(self->scene, w, x) : 0;
  if (epoch != self->scene->hover_epoch) {
    self->scene->hover_epoch = epoch;
    gtk_widget_queue_draw(GTK_WIDGET(self));
  }
}

static void on_motion(GtkEventControllerMotion *c, double x, double y, gpointer user_data)
{
  (void) c;
  patina_chart_set_hover(PATINA_CHART(user_data), x, y);
}

static void on_leave(GtkEventControllerMotion *c, gpointer user_data)
{
  (void) c;
  patina_chart_set_hover(PATINA_CHART(user_data), -1, -1);
}

static void patina_chart_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
  PatinaChart *self = PATINA_CHART(widget);
  int w = gtk_widget_get_width(widget), h = gtk_widget_get_height(widget);
  if (w <= 0 || h <= 0)
    return;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS /* gtk_widget_get_color() is GTK 4.10 */
  gtk_style_context_get_color(gtk_widget_get_style_context(widget), &self->scene->fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, w, h));
  PangoLayout *layout = gtk_widget_create_pango_layout(widget, NULL);
  g_autofree char *readout = patina_chart_get_readout(self);
  patina_chart_scene_draw(self->scene, cr, layout, w, h, readout);
  g_object_unref(layout);
  cairo_destroy(cr);
}

static void patina_chart_measure(GtkWidget *widget, GtkOrientation orientation, int for_size,
                                 int *minimum, int *natural, int *minimum_baseline,
                                 int *natural_baseline)
{
  (void) widget;
  (void) for_size;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = 360, *natural = 640;
  else
    *minimum = 200, *natural = 300;
  *minimum_baseline = *natural_baseline = -1;
}

static void patina_chart_get_property(GObject *object, guint prop_id, GValue *value,
                                      GParamSpec *pspec)
{
  PatinaChart *self = PATINA_CHART(object);
  switch (prop_id) {
  case PROP_SMOOTHING: g_value_set_double(value, self->scene->smoothing); break;
  case PROP_LOG_SCALE: g_value_set_boolean(value, self->scene->log_loss); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void patina_chart_set_property(GObject *object, guint prop_id, const GValue *value,
                                      GParamSpec *pspec)
{
  PatinaChart *self = PATINA_CHART(object);
  switch (prop_id) {
  case PROP_SMOOTHING: patina_chart_set_smoothing(self, g_value_get_double(value)); break;
  case PROP_LOG_SCALE: patina_chart_set_log_scale(self, g_value_get_boolean(value), NULL); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void patina_chart_class_init(PatinaChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  object_class->finalize = patina_chart_finalize;
  object_class->get_property = patina_chart_get_property;
  object_class->set_property = patina_chart_set_property;
  widget_class->snapshot = patina_chart_snapshot;
  widget_class->measure = patina_chart_measure;
  props[PROP_SMOOTHING] = g_param_spec_double("smoothing", NULL, NULL, 0, 0.99, 0,
                                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                G_PARAM_STATIC_STRINGS);
  props[PROP_LOG_SCALE] = g_param_spec_boolean("log-scale", NULL, NULL, FALSE,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                 G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, props);
  gtk_widget_class_set_css_name(widget_class, "patina-chart");
  gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void patina_chart_init(PatinaChart *self)
{
  self->scene = patina_chart_scene_new();
  self->scene->empty_text = g_strdup(_("Curves appear here after the first epoch"));
  self->hover_x = self->hover_y = -1;
  GtkEventController *motion = gtk_event_controller_motion_new();
  g_signal_connect(motion, "motion", G_CALLBACK(on_motion), self);
  g_signal_connect(motion, "leave", G_CALLBACK(on_leave), self);
  gtk_widget_add_controller(GTK_WIDGET(self), motion);
  gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                 _("Loss and accuracy per epoch"), -1);
}

GtkWidget *patina_chart_new(void) { return g_object_new(PATINA_TYPE_CHART, NULL); }

void patina_chart_clear(PatinaChart *self)
{
  g_return_if_fail(PATINA_IS_CHART(self));
  g_ptr_array_set_size(self->scene->series, 0);
  self->scene->hover_epoch = 0;
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

void patina_chart_set_epochs(PatinaChart *self, int epochs)
{
  g_return_if_fail(PATINA_IS_CHART(self));
  self->scene->epochs = epochs;
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

void patina_chart_add_epoch(PatinaChart *self, int epoch, double train_loss, double train_acc,
                            double val_loss, double val_acc)
{
  g_return_if_fail(PATINA_IS_CHART(self));
  live_series(self);
  patina_chart_series_add_epoch(self, 0, epoch, train_loss, train_acc, val_loss, val_acc);
}

void patina_chart_add_batch(PatinaChart *self, double x, double loss, double acc)
{
  g_return_if_fail(PATINA_IS_CHART(self));
  PatinaChartBatchPoint b = {x, loss, acc};
  g_array_append_val(live_series(self)->batches, b);
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

guint patina_chart_get_n_batch_points(PatinaChart *self)
{
  g_return_val_if_fail(PATINA_IS_CHART(self), 0);
  guint n = 0;
  for (guint i = 0; i < self->scene->series->len; i++)
    n += series_at(self, i)->batches->len;
  return n;
}

guint patina_chart_get_n_points(PatinaChart *self)
{
  g_return_val_if_fail(PATINA_IS_CHART(self), 0);
  guint n = 0;
  for (guint i = 0; i < self->scene->series->len; i++)
    n += series_at(self, i)->points->len;
  return n;
}

guint patina_chart_add_series(PatinaChart *self, const char *name)
{
  g_return_val_if_fail(PATINA_IS_CHART(self), 0);
  patina_chart_scene_add_series(self->scene, name);
  gtk_widget_queue_draw(GTK_WIDGET(self));
  return self->scene->series->len - 1;
}

void patina_chart_series_add_epoch(PatinaChart *self, guint series, int epoch, double train_loss,
                                   double train_acc, double val_loss, double val_acc)
{
  g_return_if_fail(PATINA_IS_CHART(self));
  PatinaChartSeries *s = series_at(self, series);
  g_return_if_fail(s != NULL);
  PatinaChartPoint p = {epoch, {train_loss, train_acc, val_loss, val_acc}};
  g_array_append_val(s->points, p);
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

guint patina_chart_get_n_series(PatinaChart *self)
{
  g_return_val_if_fail(PATINA_IS_CHART(self), 0);
  return self->scene->series->len;
}

void patina_chart_set_empty_text(PatinaChart *self, const char *text)
{
  g_return_if_fail(PATINA_IS_CHART(self));
  g_free(self->scene->empty_text);
  self->scene->empty_text = g_strdup(text);
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

void patina_chart_set_smoothing(PatinaChart *self, double weight)
{
  g_return_if_fail(PATINA_IS_CHART(self));
  weight = isfinite(weight) ? CLAMP(weight, 0.0, 0.99) : 0.0;
  if (weight == self->scene->smoothing)
    return;
  self->scene->smoothing = weight;
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_SMOOTHING]);
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

double patina_chart_get_smoothing(PatinaChart *self) { return self->scene->smoothing; }

gboolean patina_chart_set_log_scale(PatinaChart *self, gboolean log_scale, GError **error)
{
  g_return_val_if_fail(PATINA_IS_CHART(self), FALSE);
  log_scale = !!log_scale;
  if (log_scale == self->scene->log_loss)
    return TRUE;
  for (guint i = 0; log_scale && i < self->scene->series->len; i++) {
    PatinaChartSeries *s = series_at(self, i);
    for (guint k = 0; k < s->points->len; k++) {
      const PatinaChartPoint *p = &g_array_index(s->points, PatinaChartPoint, k);
      double v[2] = {p->v[PATINA_CHART_TRAIN_LOSS], p->v[PATINA_CHART_VAL_LOSS]};
      for (int j = 0; j < 2; j++)
        if (v[j] <= 0) {
          g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                      _("A log scale cannot show the loss %g of epoch %d; it needs values "
                        "above zero"),
                      v[j], p->epoch);
          return FALSE;
        }
    }
  }
  self->scene->log_loss = log_scale;
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_LOG_SCALE]);
  gtk_widget_queue_draw(GTK_WIDGET(self));
  return TRUE;
}

gboolean patina_chart_get_log_scale(PatinaChart *self) { return self->scene->log_loss; }

GArray *patina_chart_get_curve(PatinaChart *self, guint series, int key)
{
  g_return_val_if_fail(PATINA_IS_CHART(self) && key >= 0 && key < 4, NULL);
  GArray *out = g_array_new(FALSE, FALSE, sizeof(double));
  PatinaChartSeries *s = series_at(self, series);
  if (!s)
    return out;
  g_autofree double *raw = g_new(double, MAX(s->points->len, 1));
  for (guint i = 0; i < s->points->len; i++)
    raw[i] = g_array_index(s->points, PatinaChartPoint, i).v[key];
  g_array_set_size(out, s->points->len);
  patina_chart_smooth(raw, (double *) out->data, s->points->len, self->scene->smoothing);
  return out;
}

/* ---- export ---- */

typedef enum { FORMAT_PNG, FORMAT_SVG, FORMAT_PDF } Format;

typedef struct {
  PatinaChartScene *scene;
  char *path, *font;
  int width, height;
  Format format;
} ExportJob;

static void export_job_free(gpointer p)
{
  ExportJob *j = p;
  patina_chart_scene_free(j->scene);
  g_free(j->path);
  g_free(j->font);
  g_free(j);
}

static cairo_status_t append_bytes(void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append(closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* An SVG from cairo holds its text as glyph outlines; a <title> and <desc> say in words what
 * the picture shows (screen readers and search read them). */
static void add_svg_description(GByteArray *svg, const PatinaChartScene *scene)
{
  g_byte_array_append(svg, (const guint8 *) "", 1); /* NUL for the string search */
  const char *text = (const char *) svg->data;
  const char *root = strstr(text, "<svg");
  const char *end = root ? strchr(root, '>') : NULL;
  g_byte_array_set_size(svg, svg->len - 1);
  if (!end)
    return;
  g_autofree char *desc = patina_chart_scene_describe(scene);
  g_autofree char *title = g_markup_escape_text(_("Loss and accuracy per epoch"), -1);
  g_autofree char *desc_xml = g_markup_escape_text(desc, -1);
  g_autofree char *insert = g_strdup_printf("\n<title>%s</title>\n<desc>%s</desc>", title,
                                            desc_xml);
  guint at = (guint) (end + 1 - text);
  GByteArray *tail = g_byte_array_new();
  g_byte_array_append(tail, svg->data + at, svg->len - at);
  g_byte_array_set_size(svg, at);
  g_byte_array_append(svg, (const guint8 *) insert, strlen(insert));
  g_byte_array_append(svg, tail->data, tail->len);
  g_byte_array_unref(tail);
}

static void export_worker(GTask *task, gpointer source, gpointer task_data,
                          GCancellable *cancellable)
{
  (void) source;
  (void) cancellable;
  ExportJob *j = task_data;
  g_autoptr(GByteArray) bytes = g_byte_array_new();
  cairo_surface_t *surface;
  if (j->format == FORMAT_PNG)
    surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, j->width, j->height);
  else if (j->format == FORMAT_SVG)
    surface = cairo_svg_surface_create_for_stream(append_bytes, bytes, j->width, j->height);
  else
    surface = cairo_pdf_surface_create_for_stream(append_bytes, bytes, j->width, j->height);
  if (j->format == FORMAT_PDF)
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE,
                                   _("Loss and accuracy per epoch"));
  cairo_t *cr = cairo_create(surface);
  PangoLayout *layout = pango_cairo_create_layout(cr);
  PangoFontDescription *font = pango_font_description_from_string(j->font);
  pango_layout_set_font_description(layout, font);
  pango_font_description_free(font);
  patina_chart_scene_draw(j->scene, cr, layout, j->width, j->height, NULL);
  g_object_unref(layout);
  cairo_status_t status = cairo_status(cr);
  cairo_destroy(cr);
  if (j->format == FORMAT_PNG && status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_write_to_png_stream(surface, append_bytes, bytes);
  cairo_surface_finish(surface); /* SVG and PDF are written out here */
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot draw %s: %s"),
                            j->path, cairo_status_to_string(status));
    return;
  }
  if (j->format == FORMAT_SVG)
    add_svg_description(bytes, j->scene);
  GError *error = NULL;
  if (!g_file_set_contents(j->path, (const char *) bytes->data, bytes->len, &error))
    g_task_return_error(task, error);
  else
    g_task_return_boolean(task, TRUE);
}

void patina_chart_export_async(PatinaChart *self, const char *path, int width, int height,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_return_if_fail(PATINA_IS_CHART(self) && path != NULL);
  g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);
  g_task_set_source_tag(task, patina_chart_export_async);
  g_autofree char *lower = g_ascii_strdown(path, -1);
  Format format;
  if (g_str_has_suffix(lower, ".png"))
    format = FORMAT_PNG;
  else if (g_str_has_suffix(lower, ".svg"))
    format = FORMAT_SVG;
  else if (g_str_has_suffix(lower, ".pdf"))
    format = FORMAT_PDF;
  else {
    g_autofree char *base = g_path_get_basename(path);
    g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            _("Cannot export the chart as “%s”: name it .png, .svg or .pdf"),
                            base);
    return;
  }
  if (width < 64 || height < 64 || width > 16384 || height > 16384) {
    g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            _("Cannot export the chart at %d × %d: each side must be 64 to "
                              "16384"),
                            width, height);
    return;
  }
  ExportJob *j = g_new0(ExportJob, 1);
  j->scene = patina_chart_scene_copy(self->scene);
  /* A figure for a report: dark on white whatever the desktop's style, no hover marker. */
  j->scene->fg = (GdkRGBA){0.12, 0.12, 0.14, 1};
  j->scene->bg = (GdkRGBA){1, 1, 1, 1};
  j->scene->hover_epoch = 0;
  PangoContext *context = gtk_widget_get_pango_context(GTK_WIDGET(self));
  j->font = pango_font_description_to_string(pango_context_get_font_description(context));
  j->path = g_strdup(path);
  j->width = width;
  j->height = height;
  j->format = format;
  g_task_set_task_data(task, j, export_job_free);
  g_task_run_in_thread(task, export_worker);
}

gboolean patina_chart_export_finish(PatinaChart *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
  return g_task_propagate_boolean(G_TASK(result), error);
}
