#include "patina-channel-grid.h"

#include <math.h>

#define GAP 6
#define LABEL_H 14
#define BAR_STRIP_H 150

struct _PatinaChannelGrid {
  GtkWidget parent_instance;
  int tile_size;
  int c, h, w;
  float *planes;
  GArray *order;              /* int channels, as shown */
  float *lo, *hi;
  const PatinaColormap *cmap;
  gboolean reversed;
  cairo_surface_t **surfaces; /* per shown tile, built when the maps are set */
  int selected;
};

G_DEFINE_FINAL_TYPE(PatinaChannelGrid, patina_channel_grid, GTK_TYPE_WIDGET)

enum { CHANNEL_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

static gboolean is_bars(PatinaChannelGrid *self) { return self->h == 1 && self->w == 1; }
static int n_tiles(PatinaChannelGrid *self) { return self->order ? (int) self->order->len : 0; }

static void free_surfaces(PatinaChannelGrid *self)
{
  for (int i = 0; self->surfaces && i < n_tiles(self); i++)
    if (self->surfaces[i])
      cairo_surface_destroy(self->surfaces[i]);
  g_clear_pointer(&self->surfaces, g_free);
}

/* Columns and the tile's width for a widget width. */
static void layout(PatinaChannelGrid *self, int width, int *cols, int *tile_w, int *tile_h)
{
  int n = MAX(n_tiles(self), 1);
  int c = MAX(1, (width + GAP) / (self->tile_size + GAP));
  c = MIN(c, n);
  int t = (width - (c - 1) * GAP) / c;
  /* a lone enlarged map keeps the asked size; grid tiles may grow to fill the row */
  t = MIN(t, n == 1 ? self->tile_size : self->tile_size * 3 / 2);
  *cols = c;
  *tile_w = MAX(t, 8);
  *tile_h = self->w > 0 ? MAX(1, *tile_w * self->h / self->w) : *tile_w;
}

static GtkSizeRequestMode get_request_mode(GtkWidget *widget)
{
  (void) widget;
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void measure(GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                    int *natural, int *min_baseline, int *nat_baseline)
{
  PatinaChannelGrid *self = PATINA_CHANNEL_GRID(widget);
  *min_baseline = *nat_baseline = -1;
  int n = n_tiles(self);
  if (orientation == GTK_ORIENTATION_HORIZONTAL) {
    *minimum = MIN(self->tile_size, 64);
    *natural = n <= 1 ? self->tile_size : MIN(n, 8) * (self->tile_size + GAP);
    return;
  }
  if (n == 0) {
    *minimum = *natural = 0;
    return;
  }
  if (is_bars(self)) {
    *minimum = *natural = BAR_STRIP_H;
    return;
  }
  int cols, tw, th;
  layout(self, for_size > 0 ? for_size : self->tile_size, &cols, &tw, &th);
  int rows = (n + cols - 1) / cols;
  *minimum = *natural = rows * (th + LABEL_H) + (rows - 1) * GAP;
}

static void label(cairo_t *cr, const char *text, double cx, double y, double size)
{
  cairo_text_extents_t ext;
  cairo_set_font_size(cr, size);
  cairo_text_extents(cr, text, &ext);
  cairo_move_to(cr, cx - ext.width / 2 - ext.x_bearing, y);
  cairo_show_text(cr, text);
}

static void draw_bars(PatinaChannelGrid *self, cairo_t *cr, int width)
{
  int n = n_tiles(self);
  double bw = (double) width / n, base = BAR_STRIP_H - LABEL_H;
  float lo = self->lo[0], hi = self->hi[0];
  /* a faint plate behind the bars: the light end of most maps is near the page's white */
  cairo_save(cr);
  cairo_set_source_rgba(cr, 0.5, 0.5, 0.5, 0.15);
  cairo_rectangle(cr, 0, 0, width, base);
  cairo_fill(cr);
  cairo_restore(cr);
  for (int i = 0; i < n; i++) {
    int ch = g_array_index(self->order, int, i);
    float t = hi > lo ? (self->planes[ch] - lo) / (hi - lo) : 0;
    guint32 px = patina_colormap_pixel(self->cmap, t, self->reversed);
    cairo_set_source_rgb(cr, ((px >> 16) & 255) / 255.0, ((px >> 8) & 255) / 255.0,
                         (px & 255) / 255.0);
    double bh = MAX(1.0, CLAMP(t, 0, 1) * (base - 4));
    cairo_rectangle(cr, i * bw, base - bh, MAX(bw - (bw > 4 ? 1 : 0), 0.5), bh);
    cairo_fill(cr);
    if (ch == self->selected) {
      cairo_set_source_rgb(cr, 0.21, 0.52, 0.89);
      cairo_rectangle(cr, i * bw, 0, bw, base);
      cairo_set_line_width(cr, 2);
      cairo_stroke(cr);
    }
  }
  cairo_set_source_rgba(cr, 0.5, 0.5, 0.5, 1);
  cairo_rectangle(cr, 0, base, width, 1);
  cairo_fill(cr);
  int every = MAX(1, (int) ceil(40.0 / bw));
  for (int i = 0; i < n; i += every) {
    g_autofree char *text = g_strdup_printf("%d", g_array_index(self->order, int, i));
    label(cr, text, i * bw + bw / 2, BAR_STRIP_H - 2, 10);
  }
}

static void snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
  PatinaChannelGrid *self = PATINA_CHANNEL_GRID(widget);
  int width = gtk_widget_get_width(widget), height = gtk_widget_get_height(widget);
  int n = n_tiles(self);
  if (n == 0 || width <= 0)
    return;
  cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, width, height));
  GdkRGBA fg;
  gtk_style_context_get_color(gtk_widget_get_style_context(widget), &fg);
  cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  gdk_cairo_set_source_rgba(cr, &fg);
  if (is_bars(self)) {
    draw_bars(self, cr, width);
    cairo_destroy(cr);
    return;
  }
  int cols, tw, th;
  layout(self, width, &cols, &tw, &th);
  for (int i = 0; i < n; i++) {
    double x = (i % cols) * (tw + GAP), y = (i / cols) * (th + LABEL_H + GAP);
    int ch = g_array_index(self->order, int, i);
    if (self->surfaces[i]) {
      cairo_save(cr);
      cairo_rectangle(cr, x, y, tw, th);
      cairo_clip(cr);
      cairo_translate(cr, x, y);
      cairo_scale(cr, (double) tw / self->w, (double) th / self->h);
      cairo_set_source_surface(cr, self->surfaces[i], 0, 0);
      /* every activation is one pixel of the layer: show them as blocks, not blurred */
      cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
      cairo_paint(cr);
      cairo_restore(cr);
    }
    if (ch == self->selected && n > 1) {
      cairo_set_source_rgb(cr, 0.21, 0.52, 0.89);
      cairo_set_line_width(cr, 3);
      cairo_rectangle(cr, x - 1.5, y - 1.5, tw + 3, th + 3);
      cairo_stroke(cr);
    }
    gdk_cairo_set_source_rgba(cr, &fg);
    g_autofree char *text = g_strdup_printf("%d", ch);
    label(cr, text, x + tw / 2.0, y + th + LABEL_H - 3, 10);
  }
  cairo_destroy(cr);
}

int patina_channel_grid_channel_at(PatinaChannelGrid *self, double x, double y)
{
  int n = n_tiles(self), width = gtk_widget_get_width(GTK_WIDGET(self));
  if (n == 0 || width <= 0 || x < 0 || y < 0)
    return -1;
  int i;
  if (is_bars(self)) {
    i = (int) (x / ((double) width / n));
  } else {
    int cols, tw, th;
    layout(self, width, &cols, &tw, &th);
    int col = (int) x / (tw + GAP), row = (int) y / (th + LABEL_H + GAP);
    if (col >= cols)
      return -1;
    i = row * cols + col;
  }
  return i >= 0 && i < n ? g_array_index(self->order, int, i) : -1;
}

static void on_released(GtkGestureClick *gesture, int n_press, double x, double y,
                        gpointer user_data)
{
  (void) gesture;
  (void) n_press;
  PatinaChannelGrid *self = user_data;
  int ch = patina_channel_grid_channel_at(self, x, y);
  gtk_widget_grab_focus(GTK_WIDGET(self)); /* the arrow keys go on from the tile clicked */
  if (ch >= 0)
    g_signal_emit(self, signals[CHANNEL_ACTIVATED], 0, ch);
}

/* Arrow keys walk the tiles in the order shown (up and down by a row), so a channel can be
 * enlarged without a pointer. */
static gboolean on_key(GtkEventControllerKey *controller, guint keyval, guint keycode,
                       GdkModifierType state, gpointer user_data)
{
  (void) controller;
  (void) keycode;
  (void) state;
  PatinaChannelGrid *self = user_data;
  int n = n_tiles(self);
  if (n < 2)
    return FALSE;
  int at = 0;
  for (int i = 0; i < n; i++)
    if (g_array_index(self->order, int, i) == self->selected)
      at = i;
  int cols = n, tw, th;
  if (!is_bars(self))
    layout(self, gtk_widget_get_width(GTK_WIDGET(self)), &cols, &tw, &th);
  int step = keyval == GDK_KEY_Left ? -1 : keyval == GDK_KEY_Right ? 1
           : keyval == GDK_KEY_Up   ? -cols : keyval == GDK_KEY_Down ? cols : 0;
  if (step == 0 || at + step < 0 || at + step >= n)
    return FALSE;
  g_signal_emit(self, signals[CHANNEL_ACTIVATED], 0, g_array_index(self->order, int, at + step));
  return TRUE;
}

void patina_channel_grid_set_maps(PatinaChannelGrid *self, const float *planes, int c, int h,
                                  int w, const int *order, int n_shown, const float *lo,
                                  const float *hi, const PatinaColormap *cmap,
                                  gboolean reversed)
{
  patina_channel_grid_clear(self);
  self->c = c;
  self->h = h;
  self->w = w;
  self->planes = g_memdup2(planes, sizeof(float) * c * h * w);
  self->lo = g_memdup2(lo, sizeof(float) * c);
  self->hi = g_memdup2(hi, sizeof(float) * c);
  self->order = g_array_sized_new(FALSE, FALSE, sizeof(int), n_shown);
  g_array_append_vals(self->order, order, n_shown);
  self->cmap = cmap;
  self->reversed = reversed;
  self->surfaces = g_new0(cairo_surface_t *, MAX(n_shown, 1));
  for (int i = 0; !(h == 1 && w == 1) && i < n_shown; i++) {
    int ch = order[i];
    self->surfaces[i] = patina_colormap_render(cmap, self->planes + (gsize) ch * h * w, w, h,
                                               lo[ch], hi[ch], reversed);
  }
  gtk_widget_queue_resize(GTK_WIDGET(self));
}

void patina_channel_grid_clear(PatinaChannelGrid *self)
{
  free_surfaces(self);
  g_clear_pointer(&self->order, g_array_unref);
  g_clear_pointer(&self->planes, g_free);
  g_clear_pointer(&self->lo, g_free);
  g_clear_pointer(&self->hi, g_free);
  self->c = self->h = self->w = 0;
  gtk_widget_queue_resize(GTK_WIDGET(self));
}

void patina_channel_grid_set_tile_size(PatinaChannelGrid *self, int px)
{
  self->tile_size = MAX(px, 16);
  gtk_widget_queue_resize(GTK_WIDGET(self));
}

int patina_channel_grid_get_n_tiles(PatinaChannelGrid *self) { return n_tiles(self); }

void patina_channel_grid_set_selected(PatinaChannelGrid *self, int channel)
{
  self->selected = channel;
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

guint32 patina_channel_grid_get_pixel(PatinaChannelGrid *self, int i, int x, int y)
{
  if (i < 0 || i >= n_tiles(self) || !self->surfaces[i] || x < 0 || y < 0 || x >= self->w ||
      y >= self->h)
    return 0;
  cairo_surface_flush(self->surfaces[i]);
  const guint8 *data = cairo_image_surface_get_data(self->surfaces[i]);
  int stride = cairo_image_surface_get_stride(self->surfaces[i]);
  return *(const guint32 *) (data + (gsize) y * stride + (gsize) x * 4) | 0xff000000u;
}

gboolean patina_channel_grid_get_range(PatinaChannelGrid *self, int channel, float *lo,
                                       float *hi)
{
  if (channel < 0 || channel >= self->c)
    return FALSE;
  *lo = self->lo[channel];
  *hi = self->hi[channel];
  return TRUE;
}

GtkWidget *patina_channel_grid_new(void)
{
  return g_object_new(PATINA_TYPE_CHANNEL_GRID, NULL);
}

static void patina_channel_grid_dispose(GObject *object)
{
  patina_channel_grid_clear(PATINA_CHANNEL_GRID(object));
  G_OBJECT_CLASS(patina_channel_grid_parent_class)->dispose(object);
}

static void patina_channel_grid_class_init(PatinaChannelGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  object_class->dispose = patina_channel_grid_dispose;
  widget_class->get_request_mode = get_request_mode;
  widget_class->measure = measure;
  widget_class->snapshot = snapshot;
  signals[CHANNEL_ACTIVATED] = g_signal_new("channel-activated", G_TYPE_FROM_CLASS(klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 1, G_TYPE_INT);
}

static void patina_channel_grid_init(PatinaChannelGrid *self)
{
  self->tile_size = 96;
  self->selected = -1;
  gtk_widget_set_focusable(GTK_WIDGET(self), TRUE);
  GtkEventController *keys = gtk_event_controller_key_new();
  g_signal_connect(keys, "key-pressed", G_CALLBACK(on_key), self);
  gtk_widget_add_controller(GTK_WIDGET(self), keys);
  GtkGesture *click = gtk_gesture_click_new();
  g_signal_connect(click, "released", G_CALLBACK(on_released), self);
  gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(click));
}
