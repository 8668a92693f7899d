#include "patina-confusion.h"

#include <glib/gi18n.h>

struct _PatinaConfusion {
  GtkWidget parent_instance;
  int n;
  int *cells;
  GStrv names;
};

G_DEFINE_FINAL_TYPE(PatinaConfusion, patina_confusion, GTK_TYPE_WIDGET)

static void patina_confusion_finalize(GObject *object)
{
  PatinaConfusion *self = PATINA_CONFUSION(object);
  g_free(self->cells);
  g_strfreev(self->names);
  G_OBJECT_CLASS(patina_confusion_parent_class)->finalize(object);
}

static void text_at(cairo_t *cr, PangoLayout *layout, const char *text, double x, double y,
                    double xalign, double yalign)
{
  int w, h;
  pango_layout_set_text(layout, text, -1);
  pango_layout_get_pixel_size(layout, &w, &h);
  cairo_move_to(cr, x - xalign * w, y - yalign * h);
  pango_cairo_show_layout(cr, layout);
}

static void patina_confusion_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
  PatinaConfusion *self = PATINA_CONFUSION(widget);
  int w = gtk_widget_get_width(widget), h = gtk_widget_get_height(widget);
  if (self->n <= 0 || w <= 0 || h <= 0)
    return;
  GdkRGBA fg;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS /* gtk_widget_get_color() is GTK 4.10 */
  gtk_style_context_get_color(gtk_widget_get_style_context(widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, w, h));
  PangoLayout *layout = gtk_widget_create_pango_layout(widget, NULL);

  /* room for the row names on the left and the column names and titles on top */
  int name_w = 0, name_h = 0;
  for (int k = 0; k < self->n; k++) {
    int tw, th;
    pango_layout_set_text(layout, self->names && self->names[k] ? self->names[k] : "?", -1);
    pango_layout_get_pixel_size(layout, &tw, &th);
    name_w = MAX(name_w, tw);
    name_h = MAX(name_h, th);
  }
  double left = 28 + name_w + 8, top = 2 * name_h + 12;
  double side = MIN(w - left - 4, h - top - 4);
  if (side < 20) {
    g_object_unref(layout);
    cairo_destroy(cr);
    return;
  }
  double cell = side / self->n;

  cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, 0.75);
  text_at(cr, layout, _("Predicted"), left + side / 2, 0, 0.5, 0);
  cairo_save(cr);
  cairo_translate(cr, 0, top + side / 2);
  cairo_rotate(cr, -G_PI / 2);
  text_at(cr, layout, _("True"), 0, 0, 0.5, 0);
  cairo_restore(cr);

  for (int k = 0; k < self->n; k++) {
    const char *name = self->names && self->names[k] ? self->names[k] : "?";
    text_at(cr, layout, name, left + (k + 0.5) * cell, name_h + 6, 0.5, 0);
    text_at(cr, layout, name, left - 6, top + (k + 0.5) * cell, 1, 0.5);
  }
  for (int t = 0; t < self->n; t++) {
    int row = 0;
    for (int p = 0; p < self->n; p++)
      row += self->cells[t * self->n + p];
    for (int p = 0; p < self->n; p++) {
      int c = self->cells[t * self->n + p];
      double share = row > 0 ? (double) c / row : 0;
      double x = left + p * cell, y = top + t * cell;
      /* the diagonal in the accent blue, mistakes in orange */
      if (t == p)
        cairo_set_source_rgba(cr, 0.11, 0.44, 0.85, 0.12 + 0.78 * share);
      else
        cairo_set_source_rgba(cr, 0.90, 0.38, 0.00, 0.06 + 0.78 * share);
      cairo_rectangle(cr, x + 1, y + 1, cell - 2, cell - 2);
      cairo_fill(cr);
      if (share > 0.55)
        cairo_set_source_rgb(cr, 1, 1, 1);
      else
        cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, 0.9);
      g_autofree char *label = g_strdup_printf("%d", c);
      text_at(cr, layout, label, x + cell / 2, y + cell / 2, 0.5, 0.5);
    }
  }
  g_object_unref(layout);
  cairo_destroy(cr);
}

static void patina_confusion_measure(GtkWidget *widget, GtkOrientation orientation,
                                     int for_size, int *minimum, int *natural,
                                     int *minimum_baseline, int *natural_baseline)
{
  (void) widget;
  (void) orientation;
  (void) for_size;
  *minimum = 160;
  *natural = 240;
  *minimum_baseline = *natural_baseline = -1;
}

static void patina_confusion_class_init(PatinaConfusionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  object_class->finalize = patina_confusion_finalize;
  widget_class->snapshot = patina_confusion_snapshot;
  widget_class->measure = patina_confusion_measure;
  gtk_widget_class_set_css_name(widget_class, "patina-confusion");
  gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void patina_confusion_init(PatinaConfusion *self)
{
  gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                 _("Confusion matrix of the validation images"), -1);
}

GtkWidget *patina_confusion_new(void) { return g_object_new(PATINA_TYPE_CONFUSION, NULL); }

void patina_confusion_set(PatinaConfusion *self, int n_classes, const int *confusion,
                          const char *const *class_names)
{
  g_return_if_fail(PATINA_IS_CONFUSION(self));
  g_clear_pointer(&self->cells, g_free);
  g_clear_pointer(&self->names, g_strfreev);
  self->n = MAX(n_classes, 0);
  if (self->n > 0) {
    self->cells = g_memdup2(confusion, sizeof(int) * self->n * self->n);
    self->names = g_strdupv((char **) class_names);
  }
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

int patina_confusion_get_total(PatinaConfusion *self)
{
  int total = 0;
  for (int i = 0; i < self->n * self->n; i++)
    total += self->cells[i];
  return total;
}

int patina_confusion_get_n_classes(PatinaConfusion *self) { return self->n; }

int patina_confusion_get_cell(PatinaConfusion *self, int true_class, int predicted)
{
  if (true_class < 0 || predicted < 0 || true_class >= self->n || predicted >= self->n)
    return -1;
  return self->cells[true_class * self->n + predicted];
}
