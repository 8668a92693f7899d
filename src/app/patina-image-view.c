#include "patina-image-view.h"

#include <glib/gi18n.h>
#include <math.h>

#include "patina-image-canvas.h"

#define MIN_ZOOM 0.02
#define MAX_ZOOM 32.0
#define EDGE_GRAB_PX 6.0
#define SCALE_BAR_TARGET_PX 120.0

typedef enum { DRAG_NONE, DRAG_PAN, DRAG_CROP } DragMode;

struct _PatinaImageView {
  GtkWidget parent_instance;
  GtkScrolledWindow *scroller;
  PatinaImageCanvas *canvas;
  GtkDrawingArea *scale_bar;
  double pixel_size;
  char *scale_label;

  /* zooming keeps the image point under the pointer in place once the new size is allocated */
  gboolean pending_h, pending_v;
  double frac_x, frac_y, anchor_x, anchor_y;
  double pointer_x, pointer_y;
  double pinch_start_zoom;
  DragMode drag;
  double drag_h, drag_v, drag_canvas_y;
};

G_DEFINE_FINAL_TYPE(PatinaImageView, patina_image_view, GTK_TYPE_WIDGET)

enum { SIGNAL_ZOOM_CHANGED, SIGNAL_CROP_DRAGGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static GtkAdjustment *hadj(PatinaImageView *self)
{
  return gtk_scrolled_window_get_hadjustment(self->scroller);
}

static GtkAdjustment *vadj(PatinaImageView *self)
{
  return gtk_scrolled_window_get_vadjustment(self->scroller);
}

/* The longest 1, 2 or 5 × 10^n micrometres that fits in about SCALE_BAR_TARGET_PX. */
static double nice_length_um(double um_per_px)
{
  double target = SCALE_BAR_TARGET_PX * um_per_px;
  double decade = pow(10, floor(log10(target)));
  const double steps[] = {5, 2, 1};
  for (guint i = 0; i < G_N_ELEMENTS(steps); i++)
    if (steps[i] * decade <= target)
      return steps[i] * decade;
  return decade;
}

static void update_scale_bar(PatinaImageView *self)
{
  g_clear_pointer(&self->scale_label, g_free);
  gboolean known = self->pixel_size > 0 && patina_image_canvas_get_texture(self->canvas);
  if (known) {
    double um_per_px = self->pixel_size * 1e6 / patina_image_canvas_get_zoom(self->canvas);
    double um = nice_length_um(um_per_px);
    self->scale_label = um >= 1 ? g_strdup_printf(_("%g µm"), um)
                                : g_strdup_printf(_("%g nm"), um * 1000);
  }
  gtk_widget_set_visible(GTK_WIDGET(self->scale_bar), known);
  gtk_widget_queue_draw(GTK_WIDGET(self->scale_bar));
}

static void draw_scale_bar(GtkDrawingArea *area, cairo_t *cr, int width, int height,
                           gpointer user_data)
{
  (void) area;
  PatinaImageView *self = user_data;
  if (!self->scale_label)
    return;
  double um_per_px = self->pixel_size * 1e6 / patina_image_canvas_get_zoom(self->canvas);
  double um = nice_length_um(um_per_px);
  double bar = um / um_per_px;
  PangoLayout *layout = gtk_widget_create_pango_layout(GTK_WIDGET(area), self->scale_label);
  int tw, th;
  pango_layout_get_pixel_size(layout, &tw, &th);
  double box_w = MIN(width, MAX(bar, tw) + 16);
  cairo_set_source_rgba(cr, 0, 0, 0, 0.6);
  cairo_rectangle(cr, 0, 0, box_w, height);
  cairo_fill(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_rectangle(cr, 8, height - 12, bar, 4);
  cairo_fill(cr);
  cairo_move_to(cr, 8 + (bar - tw) / 2, MAX(2, height - 14 - th));
  pango_cairo_show_layout(cr, layout);
  g_object_unref(layout);
}

/* anchor: a point of the view (scroller coordinates) that keeps showing the same image point;
 * negative: the view's centre. */
void patina_image_view_set_zoom(PatinaImageView *self, double zoom, double ax, double ay)
{
  g_return_if_fail(PATINA_IS_IMAGE_VIEW(self));
  zoom = CLAMP(zoom, MIN_ZOOM, MAX_ZOOM);
  if (zoom == patina_image_canvas_get_zoom(self->canvas))
    return;
  GtkAdjustment *h = hadj(self), *v = vadj(self);
  if (ax < 0 || ay < 0) {
    ax = gtk_adjustment_get_page_size(h) / 2;
    ay = gtk_adjustment_get_page_size(v) / 2;
  }
  double uh = gtk_adjustment_get_upper(h), uv = gtk_adjustment_get_upper(v);
  self->frac_x = uh > 0 ? (gtk_adjustment_get_value(h) + ax) / uh : 0.5;
  self->frac_y = uv > 0 ? (gtk_adjustment_get_value(v) + ay) / uv : 0.5;
  self->anchor_x = ax;
  self->anchor_y = ay;
  self->pending_h = self->pending_v = TRUE;
  patina_image_canvas_set_zoom(self->canvas, zoom);
  update_scale_bar(self);
  g_signal_emit(self, signals[SIGNAL_ZOOM_CHANGED], 0);
}

static void on_hadj_changed(GtkAdjustment *adj, PatinaImageView *self)
{
  if (!self->pending_h)
    return;
  self->pending_h = FALSE;
  gtk_adjustment_set_value(adj, self->frac_x * gtk_adjustment_get_upper(adj) - self->anchor_x);
}

static void on_vadj_changed(GtkAdjustment *adj, PatinaImageView *self)
{
  if (!self->pending_v)
    return;
  self->pending_v = FALSE;
  gtk_adjustment_set_value(adj, self->frac_y * gtk_adjustment_get_upper(adj) - self->anchor_y);
}

GdkTexture *patina_image_view_get_texture(PatinaImageView *self)
{
  return patina_image_canvas_get_texture(self->canvas);
}

double patina_image_view_get_fit_zoom(PatinaImageView *self)
{
  GdkTexture *texture = patina_image_canvas_get_texture(self->canvas);
  int vw = gtk_widget_get_width(GTK_WIDGET(self->scroller));
  int vh = gtk_widget_get_height(GTK_WIDGET(self->scroller));
  if (!texture || vw <= 0 || vh <= 0)
    return 1.0;
  return MIN((double) vw / gdk_texture_get_width(texture),
             (double) vh / gdk_texture_get_height(texture));
}

void patina_image_view_pan_by(PatinaImageView *self, double dx, double dy)
{
  g_return_if_fail(PATINA_IS_IMAGE_VIEW(self));
  gtk_adjustment_set_value(hadj(self), gtk_adjustment_get_value(hadj(self)) + dx);
  gtk_adjustment_set_value(vadj(self), gtk_adjustment_get_value(vadj(self)) + dy);
}

static gboolean on_scroll(GtkEventControllerScroll *controller, double dx, double dy,
                          PatinaImageView *self)
{
  (void) dx;
  GdkModifierType state =
    gtk_event_controller_get_current_event_state(GTK_EVENT_CONTROLLER(controller));
  if (!(state & GDK_CONTROL_MASK) || !patina_image_canvas_get_texture(self->canvas))
    return FALSE; /* plain scrolling pans, as in any scrolled view */
  patina_image_view_set_zoom(self, patina_image_canvas_get_zoom(self->canvas) * pow(1.15, -dy), self->pointer_x,
           self->pointer_y);
  return TRUE;
}

static void on_pinch_begin(GtkGesture *gesture, GdkEventSequence *sequence,
                           PatinaImageView *self)
{
  (void) gesture;
  (void) sequence;
  self->pinch_start_zoom = patina_image_canvas_get_zoom(self->canvas);
}

static void on_pinch_scale(GtkGestureZoom *gesture, double scale, PatinaImageView *self)
{
  double cx, cy;
  if (!gtk_gesture_get_bounding_box_center(GTK_GESTURE(gesture), &cx, &cy))
    cx = cy = -1;
  patina_image_view_set_zoom(self, self->pinch_start_zoom * scale, cx, cy);
}

/* The point (x, y) of the scroller in the canvas's coordinates. */
static double canvas_y(PatinaImageView *self, double x, double y)
{
  double cx, cy;
  if (!gtk_widget_translate_coordinates(GTK_WIDGET(self->scroller), GTK_WIDGET(self->canvas), x,
                                        y, &cx, &cy))
    return -1e9;
  return cy;
}

static gboolean near_crop_edge(PatinaImageView *self, double x, double y)
{
  if (!patina_image_canvas_get_texture(self->canvas))
    return FALSE;
  double edge = patina_image_canvas_get_bar_edge_y(self->canvas);
  return fabs(canvas_y(self, x, y) - edge) <= EDGE_GRAB_PX;
}

static void on_motion(GtkEventControllerMotion *motion, double x, double y,
                      PatinaImageView *self)
{
  (void) motion;
  self->pointer_x = x;
  self->pointer_y = y;
  if (self->drag == DRAG_NONE)
    gtk_widget_set_cursor_from_name(GTK_WIDGET(self->scroller),
                                    near_crop_edge(self, x, y) ? "row-resize" : "grab");
}

static void on_drag_begin(GtkGestureDrag *gesture, double x, double y, PatinaImageView *self)
{
  (void) gesture;
  if (!patina_image_canvas_get_texture(self->canvas)) {
    self->drag = DRAG_NONE;
    return;
  }
  self->drag = near_crop_edge(self, x, y) ? DRAG_CROP : DRAG_PAN;
  self->drag_h = gtk_adjustment_get_value(hadj(self));
  self->drag_v = gtk_adjustment_get_value(vadj(self));
  self->drag_canvas_y = canvas_y(self, x, y);
  if (self->drag == DRAG_PAN)
    gtk_widget_set_cursor_from_name(GTK_WIDGET(self->scroller), "grabbing");
}

static void on_drag_update(GtkGestureDrag *gesture, double ox, double oy, PatinaImageView *self)
{
  (void) gesture;
  if (self->drag == DRAG_PAN) {
    gtk_adjustment_set_value(hadj(self), self->drag_h - ox);
    gtk_adjustment_set_value(vadj(self), self->drag_v - oy);
  } else if (self->drag == DRAG_CROP) {
    /* the band's edge follows the pointer; rows counted from the image's bottom */
    double zoom = patina_image_canvas_get_zoom(self->canvas);
    double bottom = patina_image_canvas_get_bar_edge_y(self->canvas) +
                    patina_image_canvas_get_bar_rows(self->canvas) * zoom;
    int rows = (int) lround((bottom - (self->drag_canvas_y + oy)) / zoom);
    int height = gdk_texture_get_height(patina_image_canvas_get_texture(self->canvas));
    g_signal_emit(self, signals[SIGNAL_CROP_DRAGGED], 0, CLAMP(rows, 0, height - 1));
  }
}

static void on_drag_end(GtkGestureDrag *gesture, double ox, double oy, PatinaImageView *self)
{
  (void) gesture;
  (void) ox;
  (void) oy;
  self->drag = DRAG_NONE;
  gtk_widget_set_cursor_from_name(GTK_WIDGET(self->scroller), "grab");
}

void patina_image_view_set_texture(PatinaImageView *self, GdkTexture *texture)
{
  g_return_if_fail(PATINA_IS_IMAGE_VIEW(self));
  patina_image_canvas_set_texture(self->canvas, texture);
  if (!texture)
    patina_image_canvas_set_bar_rows(self->canvas, 0);
  update_scale_bar(self);
}

void patina_image_view_set_pixel_size(PatinaImageView *self, double metres)
{
  g_return_if_fail(PATINA_IS_IMAGE_VIEW(self));
  self->pixel_size = metres > 0 ? metres : 0;
  update_scale_bar(self);
}

void patina_image_view_set_bar_rows(PatinaImageView *self, int rows)
{
  g_return_if_fail(PATINA_IS_IMAGE_VIEW(self));
  patina_image_canvas_set_bar_rows(self->canvas, rows);
}

double patina_image_view_get_zoom(PatinaImageView *self)
{
  return patina_image_canvas_get_zoom(self->canvas);
}

void patina_image_view_get_scroll(PatinaImageView *self, double *x, double *y)
{
  *x = gtk_adjustment_get_value(hadj(self));
  *y = gtk_adjustment_get_value(vadj(self));
}

const char *patina_image_view_get_scale_label(PatinaImageView *self) { return self->scale_label; }

static void patina_image_view_dispose(GObject *object)
{
  PatinaImageView *self = PATINA_IMAGE_VIEW(object);
  g_clear_pointer(&self->scale_label, g_free);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))))
    gtk_widget_unparent(child);
  G_OBJECT_CLASS(patina_image_view_parent_class)->dispose(object);
}

static void patina_image_view_class_init(PatinaImageViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  G_OBJECT_CLASS(klass)->dispose = patina_image_view_dispose;
  /* the zoom changed (by an action, Ctrl+scroll or a pinch) */
  signals[SIGNAL_ZOOM_CHANGED] = g_signal_new("zoom-changed", G_TYPE_FROM_CLASS(klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 0);
  /* the user dragged the data bar's edge: the rows it would now crop */
  signals[SIGNAL_CROP_DRAGGED] = g_signal_new("crop-dragged", G_TYPE_FROM_CLASS(klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 1, G_TYPE_INT);
  gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void patina_image_view_init(PatinaImageView *self)
{
  GtkWidget *overlay = gtk_overlay_new();
  gtk_widget_set_parent(overlay, GTK_WIDGET(self));
  self->scroller = GTK_SCROLLED_WINDOW(gtk_scrolled_window_new());
  gtk_widget_set_focusable(GTK_WIDGET(self->scroller), TRUE);
  gtk_widget_add_css_class(GTK_WIDGET(self->scroller), "image-viewer");
  self->canvas = PATINA_IMAGE_CANVAS(patina_image_canvas_new());
  gtk_scrolled_window_set_child(self->scroller, GTK_WIDGET(self->canvas));
  gtk_overlay_set_child(GTK_OVERLAY(overlay), GTK_WIDGET(self->scroller));

  self->scale_bar = GTK_DRAWING_AREA(gtk_drawing_area_new());
  GtkWidget *bar = GTK_WIDGET(self->scale_bar);
  gtk_widget_set_halign(bar, GTK_ALIGN_START);
  gtk_widget_set_valign(bar, GTK_ALIGN_END);
  gtk_widget_set_margin_start(bar, 12);
  gtk_widget_set_margin_bottom(bar, 12);
  gtk_drawing_area_set_content_width(self->scale_bar, 180);
  gtk_drawing_area_set_content_height(self->scale_bar, 40);
  gtk_widget_set_can_target(bar, FALSE);
  gtk_widget_set_visible(bar, FALSE);
  gtk_drawing_area_set_draw_func(self->scale_bar, draw_scale_bar, self, NULL);
  gtk_overlay_add_overlay(GTK_OVERLAY(overlay), bar);

  g_signal_connect(hadj(self), "changed", G_CALLBACK(on_hadj_changed), self);
  g_signal_connect(vadj(self), "changed", G_CALLBACK(on_vadj_changed), self);

  GtkWidget *view = GTK_WIDGET(self->scroller);
  GtkEventController *scroll =
    gtk_event_controller_scroll_new(GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  gtk_event_controller_set_propagation_phase(scroll, GTK_PHASE_CAPTURE);
  g_signal_connect(scroll, "scroll", G_CALLBACK(on_scroll), self);
  gtk_widget_add_controller(view, scroll);

  GtkEventController *motion = gtk_event_controller_motion_new();
  g_signal_connect(motion, "motion", G_CALLBACK(on_motion), self);
  gtk_widget_add_controller(view, motion);

  GtkGesture *drag = gtk_gesture_drag_new();
  g_signal_connect(drag, "drag-begin", G_CALLBACK(on_drag_begin), self);
  g_signal_connect(drag, "drag-update", G_CALLBACK(on_drag_update), self);
  g_signal_connect(drag, "drag-end", G_CALLBACK(on_drag_end), self);
  gtk_widget_add_controller(view, GTK_EVENT_CONTROLLER(drag));

  GtkGesture *pinch = gtk_gesture_zoom_new();
  g_signal_connect(pinch, "begin", G_CALLBACK(on_pinch_begin), self);
  g_signal_connect(pinch, "scale-changed", G_CALLBACK(on_pinch_scale), self);
  gtk_widget_add_controller(view, GTK_EVENT_CONTROLLER(pinch));
}
