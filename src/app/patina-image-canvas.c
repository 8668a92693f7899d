#include "patina-image-canvas.h"

#include <math.h>

struct _PatinaImageCanvas {
  GtkWidget parent_instance;
  GdkTexture *texture;
  double zoom;
  int bar_rows;
};

G_DEFINE_FINAL_TYPE(PatinaImageCanvas, patina_image_canvas, GTK_TYPE_WIDGET)

static void image_size(PatinaImageCanvas *self, int *w, int *h)
{
  *w = self->texture ? gdk_texture_get_width(self->texture) : 0;
  *h = self->texture ? gdk_texture_get_height(self->texture) : 0;
}

static void patina_image_canvas_measure(GtkWidget *widget, GtkOrientation orientation,
                                        int for_size, int *minimum, int *natural,
                                        int *minimum_baseline, int *natural_baseline)
{
  (void) for_size;
  (void) minimum_baseline;
  (void) natural_baseline;
  PatinaImageCanvas *self = PATINA_IMAGE_CANVAS(widget);
  int w, h;
  image_size(self, &w, &h);
  int side = orientation == GTK_ORIENTATION_HORIZONTAL ? w : h;
  *minimum = *natural = (int) ceil(side * self->zoom);
}

/* The image's rectangle: centred when the widget is larger than the zoomed image. */
static graphene_rect_t image_rect(PatinaImageCanvas *self)
{
  int w, h;
  image_size(self, &w, &h);
  double zw = w * self->zoom, zh = h * self->zoom;
  double x = MAX(0, (gtk_widget_get_width(GTK_WIDGET(self)) - zw) / 2);
  double y = MAX(0, (gtk_widget_get_height(GTK_WIDGET(self)) - zh) / 2);
  return GRAPHENE_RECT_INIT(floor(x), floor(y), zw, zh);
}

double patina_image_canvas_get_bar_edge_y(PatinaImageCanvas *self)
{
  graphene_rect_t r = image_rect(self);
  return r.origin.y + r.size.height - self->bar_rows * self->zoom;
}

static void patina_image_canvas_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
  PatinaImageCanvas *self = PATINA_IMAGE_CANVAS(widget);
  if (!self->texture)
    return;
  graphene_rect_t r = image_rect(self);
  gtk_snapshot_append_texture(snapshot, self->texture, &r);
  if (self->bar_rows <= 0)
    return;
  /* The band says "not part of the specimen": tinted, with a solid edge to grab. */
  double edge = patina_image_canvas_get_bar_edge_y(self);
  graphene_rect_t band =
    GRAPHENE_RECT_INIT(r.origin.x, edge, r.size.width, r.origin.y + r.size.height - edge);
  gtk_snapshot_append_color(snapshot, &(GdkRGBA){0.90, 0.38, 0.0, 0.35}, &band);
  gtk_snapshot_append_color(snapshot, &(GdkRGBA){1.0, 0.47, 0.0, 1.0},
                            &GRAPHENE_RECT_INIT(r.origin.x, edge - 1, r.size.width, 2));
}

static void patina_image_canvas_dispose(GObject *object)
{
  g_clear_object(&PATINA_IMAGE_CANVAS(object)->texture);
  G_OBJECT_CLASS(patina_image_canvas_parent_class)->dispose(object);
}

static void patina_image_canvas_class_init(PatinaImageCanvasClass *klass)
{
  G_OBJECT_CLASS(klass)->dispose = patina_image_canvas_dispose;
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  widget_class->measure = patina_image_canvas_measure;
  widget_class->snapshot = patina_image_canvas_snapshot;
  gtk_widget_class_set_css_name(widget_class, "image-canvas");
}

static void patina_image_canvas_init(PatinaImageCanvas *self)
{
  self->zoom = 1.0;
  gtk_widget_set_overflow(GTK_WIDGET(self), GTK_OVERFLOW_HIDDEN);
}

GtkWidget *patina_image_canvas_new(void) { return g_object_new(PATINA_TYPE_IMAGE_CANVAS, NULL); }

void patina_image_canvas_set_texture(PatinaImageCanvas *self, GdkTexture *texture)
{
  g_return_if_fail(PATINA_IS_IMAGE_CANVAS(self));
  if (g_set_object(&self->texture, texture))
    gtk_widget_queue_resize(GTK_WIDGET(self));
}

GdkTexture *patina_image_canvas_get_texture(PatinaImageCanvas *self) { return self->texture; }

void patina_image_canvas_set_zoom(PatinaImageCanvas *self, double zoom)
{
  g_return_if_fail(PATINA_IS_IMAGE_CANVAS(self) && zoom > 0);
  if (zoom == self->zoom)
    return;
  self->zoom = zoom;
  gtk_widget_queue_resize(GTK_WIDGET(self));
}

double patina_image_canvas_get_zoom(PatinaImageCanvas *self) { return self->zoom; }

void patina_image_canvas_set_bar_rows(PatinaImageCanvas *self, int rows)
{
  g_return_if_fail(PATINA_IS_IMAGE_CANVAS(self));
  rows = MAX(rows, 0);
  if (rows == self->bar_rows)
    return;
  self->bar_rows = rows;
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

int patina_image_canvas_get_bar_rows(PatinaImageCanvas *self) { return self->bar_rows; }
