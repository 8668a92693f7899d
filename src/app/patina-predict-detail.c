#include "patina-predict-detail.h"

#include <glib/gi18n.h>

#include "data/image.h"
#include "patina-util.h"

#define PREVIEW_SIZE 512

struct _PatinaPredictDetail {
  GtkWidget parent_instance;
  GtkPicture *picture;
  GtkLabel *name_label, *class_label, *info_label;
  GtkGrid *bars;
  PatinaScanView *scan_view;

  PatinaPrediction *shown; /* followed for its state */
  PatinaLoadedModel *model;
  GCancellable *preview_cancellable;
};

G_DEFINE_FINAL_TYPE(PatinaPredictDetail, patina_predict_detail, GTK_TYPE_WIDGET)

typedef struct {
  int width, height, cropped_rows;
  int tw, th;
  GBytes *rgb;
} Preview;

static void preview_free(gpointer p)
{
  Preview *v = p;
  g_clear_pointer(&v->rgb, g_bytes_unref);
  g_free(v);
}

static void preview_worker(GTask *task, gpointer source, gpointer task_data,
                           GCancellable *cancellable)
{
  (void) source;
  (void) cancellable;
  GError *error = NULL;
  int priority = patina_thread_lower_priority();
  /* What the network sees: gray, the data bar cropped. */
  g_autoptr(PatinaGray) g = patina_gray_load(task_data, &error);
  patina_thread_restore_priority(priority);
  if (!g) {
    g_task_return_error(task, error);
    return;
  }
  Preview *v = g_new0(Preview, 1);
  v->width = g->width;
  v->height = g->height;
  v->cropped_rows = g->databar.bar_rows;
  double scale = MIN(1.0, (double) PREVIEW_SIZE / MAX(g->width, g->height));
  v->tw = MAX(1, (int) (g->width * scale + 0.5));
  v->th = MAX(1, (int) (g->height * scale + 0.5));
  g_autofree float *small = g_new(float, (gsize) v->tw * v->th);
  patina_resize_bilinear(g->pixels, g->width, g->height, small, v->tw, v->th);
  guint8 *rgb = g_malloc((gsize) v->tw * v->th * 3);
  for (gsize i = 0; i < (gsize) v->tw * v->th; i++) {
    float x = CLAMP(small[i], 0.0f, 1.0f);
    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = (guint8) (x * 255.0f + 0.5f);
  }
  v->rgb = g_bytes_new_take(rgb, (gsize) v->tw * v->th * 3);
  g_task_return_pointer(task, v, preview_free);
}

static void preview_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
  (void) source;
  g_autoptr(GError) error = NULL;
  Preview *v = g_task_propagate_pointer(G_TASK(res), &error);
  if (!v) {
    /* cancelled (a newer selection) or unreadable: the row already says why */
    return;
  }
  PatinaPredictDetail *self = user_data; /* alive: disposing cancels the preview first */
  g_autoptr(GdkTexture) tex =
    gdk_memory_texture_new(v->tw, v->th, GDK_MEMORY_R8G8B8, v->rgb, (gsize) v->tw * 3);
  gtk_picture_set_paintable(self->picture, GDK_PAINTABLE(tex));
  if (self->model && self->shown &&
      patina_prediction_get_state(self->shown) != PATINA_PREDICTION_FAILED) {
    int size = patina_loaded_model_get_input_size(self->model);
    g_autofree char *info = NULL;
    if (v->cropped_rows > 0)
      info = g_strdup_printf(_("%d×%d px after cropping the %d-row data bar; resized to %d×%d "
                               "px, the input this model was trained for"),
                             v->width, v->height, v->cropped_rows, size, size);
    else if (v->width == size && v->height == size)
      info = g_strdup_printf(_("%d×%d px, the input size of this model"), v->width, v->height);
    else
      info = g_strdup_printf(_("%d×%d px; resized to %d×%d px, the input this model was "
                               "trained for"),
                             v->width, v->height, size, size);
    gtk_label_set_label(self->info_label, info);
  }
  preview_free(v);
}

static void load_preview(PatinaPredictDetail *self, const char *path)
{
  if (self->preview_cancellable)
    g_cancellable_cancel(self->preview_cancellable);
  g_clear_object(&self->preview_cancellable);
  gtk_picture_set_paintable(self->picture, NULL);
  if (!path)
    return;
  self->preview_cancellable = g_cancellable_new();
  g_autoptr(GTask) task = g_task_new(NULL, self->preview_cancellable, preview_done, self);
  g_task_set_return_on_cancel(task, TRUE);
  g_task_set_task_data(task, g_strdup(path), g_free);
  g_task_run_in_thread(task, preview_worker);
}

static void rebuild_bars(PatinaPredictDetail *self)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self->bars))))
    gtk_grid_remove(self->bars, child);
  PatinaPrediction *p = self->shown;
  if (!p || patina_prediction_get_state(p) != PATINA_PREDICTION_DONE || !self->model)
    return;
  const PatinaCheckpointMeta *meta = patina_loaded_model_get_meta(self->model);
  int n = patina_prediction_get_n_classes(p);
  for (int k = 0; k < n; k++) {
    double v = patina_prediction_get_probability(p, k);
    GtkWidget *name = gtk_label_new(meta->class_names[k]);
    gtk_label_set_xalign(GTK_LABEL(name), 0);
    gtk_label_set_ellipsize(GTK_LABEL(name), PANGO_ELLIPSIZE_END);
    gtk_label_set_max_width_chars(GTK_LABEL(name), 16);
    GtkWidget *bar = gtk_level_bar_new_for_interval(0, 1);
    /* No "low/high/full" colours: a probability is not a fill level that gets good or bad. */
    gtk_level_bar_remove_offset_value(GTK_LEVEL_BAR(bar), GTK_LEVEL_BAR_OFFSET_LOW);
    gtk_level_bar_remove_offset_value(GTK_LEVEL_BAR(bar), GTK_LEVEL_BAR_OFFSET_HIGH);
    gtk_level_bar_remove_offset_value(GTK_LEVEL_BAR(bar), GTK_LEVEL_BAR_OFFSET_FULL);
    gtk_level_bar_set_value(GTK_LEVEL_BAR(bar), CLAMP(v, 0.0, 1.0));
    gtk_widget_set_hexpand(bar, TRUE);
    gtk_widget_set_valign(bar, GTK_ALIGN_CENTER);
    gtk_accessible_update_property(GTK_ACCESSIBLE(bar), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   meta->class_names[k], -1);
    g_autofree char *pct = g_strdup_printf("%.1f %%", 100 * v);
    GtkWidget *value = gtk_label_new(pct);
    gtk_label_set_xalign(GTK_LABEL(value), 1);
    gtk_label_set_width_chars(GTK_LABEL(value), 7);
    gtk_widget_add_css_class(value, "numeric");
    if (k == patina_prediction_get_best(p))
      gtk_widget_add_css_class(name, "heading");
    gtk_grid_attach(self->bars, name, 0, k, 1, 1);
    gtk_grid_attach(self->bars, bar, 1, k, 1, 1);
    gtk_grid_attach(self->bars, value, 2, k, 1, 1);
  }
}

static void update_detail(PatinaPredictDetail *self)
{
  PatinaPrediction *p = self->shown;
  gtk_widget_remove_css_class(GTK_WIDGET(self->info_label), "error");
  gtk_widget_add_css_class(GTK_WIDGET(self->info_label), "dim-label");
  if (!p) {
    gtk_label_set_label(self->name_label, "");
    gtk_label_set_label(self->class_label, "");
    gtk_label_set_label(self->info_label, "");
  } else {
    gtk_label_set_label(self->name_label, patina_prediction_get_name(p));
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->name_label), patina_prediction_get_path(p));
    switch (patina_prediction_get_state(p)) {
    case PATINA_PREDICTION_DONE: {
      double v = patina_prediction_get_probability(p, patina_prediction_get_best(p));
      g_autofree char *text =
        g_strdup_printf(_("%s  (%.1f %%)"), patina_prediction_get_class_name(p), 100 * v);
      gtk_label_set_label(self->class_label, text);
      break;
    }
    case PATINA_PREDICTION_FAILED:
      gtk_label_set_label(self->class_label, _("Cannot be predicted"));
      gtk_label_set_label(self->info_label, patina_prediction_get_error(p));
      gtk_widget_remove_css_class(GTK_WIDGET(self->info_label), "dim-label");
      gtk_widget_add_css_class(GTK_WIDGET(self->info_label), "error");
      break;
    default:
      gtk_label_set_label(self->class_label,
                          self->model ? _("Predicting…") : _("Open a model to predict"));
      break;
    }
  }
  rebuild_bars(self);
}

void patina_predict_detail_show(PatinaPredictDetail *self, PatinaPrediction *item,
                                PatinaLoadedModel *model)
{
  g_return_if_fail(PATINA_IS_PREDICT_DETAIL(self));
  gboolean same_image = item == self->shown, same_model = model == self->model;
  g_set_object(&self->model, model);
  if (!same_image) {
    if (self->shown)
      g_signal_handlers_disconnect_by_data(self->shown, self);
    g_set_object(&self->shown, item);
    if (item)
      g_signal_connect_swapped(item, "notify::state", G_CALLBACK(update_detail), self);
    gtk_label_set_label(self->info_label, "");
  }
  update_detail(self);
  /* Another model gets the preview again: the line about resizing names its input. */
  if (!same_image || !same_model)
    load_preview(self, item ? patina_prediction_get_path(item) : NULL);
  patina_scan_view_set_image(self->scan_view, item ? patina_prediction_get_path(item) : NULL,
                             model);
}

const char *patina_predict_detail_get_info(PatinaPredictDetail *self)
{
  return gtk_label_get_label(self->info_label);
}

PatinaScanView *patina_predict_detail_get_scan_view(PatinaPredictDetail *self)
{
  return self->scan_view;
}

static void patina_predict_detail_dispose(GObject *object)
{
  PatinaPredictDetail *self = PATINA_PREDICT_DETAIL(object);
  if (self->preview_cancellable)
    g_cancellable_cancel(self->preview_cancellable);
  g_clear_object(&self->preview_cancellable);
  if (self->shown)
    g_signal_handlers_disconnect_by_data(self->shown, self);
  g_clear_object(&self->shown);
  g_clear_object(&self->model);
  gtk_widget_dispose_template(GTK_WIDGET(self), PATINA_TYPE_PREDICT_DETAIL);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))))
    gtk_widget_unparent(child);
  G_OBJECT_CLASS(patina_predict_detail_parent_class)->dispose(object);
}

static void patina_predict_detail_class_init(PatinaPredictDetailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  object_class->dispose = patina_predict_detail_dispose;
  g_type_ensure(PATINA_TYPE_SCAN_VIEW);
  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/org/patina/Patina/ui/patina-predict-detail.ui");
  gtk_widget_class_bind_template_child(widget_class, PatinaPredictDetail, picture);
  gtk_widget_class_bind_template_child(widget_class, PatinaPredictDetail, name_label);
  gtk_widget_class_bind_template_child(widget_class, PatinaPredictDetail, class_label);
  gtk_widget_class_bind_template_child(widget_class, PatinaPredictDetail, info_label);
  gtk_widget_class_bind_template_child(widget_class, PatinaPredictDetail, bars);
  gtk_widget_class_bind_template_child(widget_class, PatinaPredictDetail, scan_view);
  gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void patina_predict_detail_init(PatinaPredictDetail *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
}
