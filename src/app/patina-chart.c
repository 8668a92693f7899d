#include "patina-chart.h"

#include <glib/gi18n.h>
#include <math.h>

typedef struct {
  int epoch;
  double v[4]; /* train loss, train acc, val loss, val acc */
} Point;

enum { TRAIN_LOSS, TRAIN_ACC, VAL_LOSS, VAL_ACC };

typedef struct {
  double x, loss, acc;
} BatchPoint;

struct _PatinaChart {
  GtkWidget parent_instance;
  GArray *points; /* Point */
  GArray *batch_points; /* BatchPoint */
  int epochs;
  double hover_x, hover_y; /* pointer in widget pixels; hover_x < 0: none */
  int hover_epoch;         /* the epoch under the pointer, 0: none */
};

G_DEFINE_FINAL_TYPE(PatinaChart, patina_chart, GTK_TYPE_WIDGET)

static void patina_chart_finalize(GObject *object)
{
  PatinaChart *self = PATINA_CHART(object);
  g_array_unref(self->points);
  g_array_unref(self->batch_points);
  G_OBJECT_CLASS(patina_chart_parent_class)->finalize(object);
}

/* A "nice" tick step (1, 2 or 5 × 10^k) giving about n ticks over span. */
static double nice_step(double span, int n)
{
  if (!(span > 0))
    return 1;
  double raw = span / n;
  double mag = pow(10, floor(log10(raw)));
  double f = raw / mag;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

typedef struct {
  double x, y, w, h;          /* plot area in widget pixels */
  double x0, x1, y0, y1;      /* data range */
} Frame;



static double fx(const Frame *f, double x) { return f->x + (x - f->x0) / (f->x1 - f->x0) * f->w; }
static double fy(const Frame *f, double y)
{
  return f->y + f->h - (y - f->y0) / (f->y1 - f->y0) * f->h;
}

static void set_rgba(cairo_t *cr, const GdkRGBA *c, double alpha)
{
  cairo_set_source_rgba(cr, c->red, c->green, c->blue, c->alpha * alpha);
}

static void draw_text(cairo_t *cr, PangoLayout *layout, const char *text, double x, double y,
                      double xalign, double yalign)
{
  int w, h;
  pango_layout_set_text(layout, text, -1);
  pango_layout_get_pixel_size(layout, &w, &h);
  cairo_move_to(cr, x - xalign * w, y - yalign * h);
  pango_cairo_show_layout(cr, layout);
}

static const GdkRGBA series_colors[2] = {
  {0.11, 0.44, 0.85, 1.0}, /* train: blue */
  {0.90, 0.38, 0.00, 1.0}, /* validation: orange */
};

#define PANEL_LEFT 46
#define PANEL_RIGHT 12
#define PANEL_TOP 26
#define PANEL_BOTTOM 38
#define LEGEND_H 24

static int chart_epochs(PatinaChart *self)
{
  int epochs = MAX(self->epochs, 1);
  for (guint i = 0; i < self->points->len; i++)
    epochs = MAX(epochs, g_array_index(self->points, Point, i).epoch);
  return epochs;
}

/* The horizontal part of a panel's frame (the same for both panels' data). */
static void x_frame(PatinaChart *self, double px, double pw, Frame *f)
{
  int epochs = chart_epochs(self);
  f->x = px + PANEL_LEFT;
  f->w = pw - PANEL_LEFT - PANEL_RIGHT;
  f->x0 = 1;
  f->x1 = MAX(epochs, 2);
  if (self->batch_points->len > 0)
    f->x0 = 0; /* batches of epoch 1 lie between 0 and 1 */
  else if (epochs == 1)
    f->x0 = 0.5, f->x1 = 1.5;
  if (f->x1 <= f->x0)
    f->x1 = f->x0 + 1;
}

/* The epoch whose point is nearest to widget x (within half an epoch), 0 if none. */
static int epoch_at(PatinaChart *self, double x)
{
  int w = gtk_widget_get_width(GTK_WIDGET(self));
  double pw = w / 2.0;
  Frame f;
  x_frame(self, x < pw ? 0 : pw, x < pw ? pw : w - pw, &f);
  if (x < f.x || x > f.x + f.w || f.w <= 0)
    return 0;
  double ex = f.x0 + (x - f.x) / f.w * (f.x1 - f.x0);
  int best = 0;
  double best_d = 0.5;
  for (guint i = 0; i < self->points->len; i++) {
    const Point *p = &g_array_index(self->points, Point, i);
    double d = fabs(p->epoch - ex);
    if (d <= best_d)
      best = p->epoch, best_d = d;
  }
  return best;
}

static const Point *point_of_epoch(PatinaChart *self, int epoch)
{
  for (guint i = 0; i < self->points->len; i++)
    if (g_array_index(self->points, Point, i).epoch == epoch)
      return &g_array_index(self->points, Point, i);
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
  const Point *p = self->hover_epoch ? point_of_epoch(self, self->hover_epoch) : NULL;
  if (!p)
    return NULL;
  g_autofree char *tl = format_value(p->v[TRAIN_LOSS], FALSE);
  g_autofree char *ta = format_value(p->v[TRAIN_ACC], TRUE);
  g_autofree char *vl = format_value(p->v[VAL_LOSS], FALSE);
  g_autofree char *va = format_value(p->v[VAL_ACC], TRUE);
  return g_strdup_printf(_("Epoch %d\nTraining: loss %s, accuracy %s\nValidation: loss %s, "
                           "accuracy %s"),
                         p->epoch, tl, ta, vl, va);
}

void patina_chart_set_hover(PatinaChart *self, double x, double y)
{
  g_return_if_fail(PATINA_IS_CHART(self));
  self->hover_x = x;
  self->hover_y = y;
  int epoch = x >= 0 ? epoch_at(self, x) : 0;
  if (epoch != self->hover_epoch) {
    self->hover_epoch = epoch;
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

static void draw_panel(PatinaChart *self, cairo_t *cr, PangoLayout *layout, const GdkRGBA *fg,
                       double px, double py, double pw, double ph, const char *title, int which)
{
  /* which: 0 loss, 1 accuracy */
  int k_train = which == 0 ? TRAIN_LOSS : TRAIN_ACC, k_val = which == 0 ? VAL_LOSS : VAL_ACC;
  double ymin = 0, ymax = 1;
  if (which == 0) {
    /* Loss: fit the range of the values (with a margin) so small changes stay visible. */
    double lo = INFINITY, hi = -INFINITY;
    for (guint i = 0; i < self->points->len; i++) {
      Point *p = &g_array_index(self->points, Point, i);
      for (int k = 0; k < 2; k++) {
        double v = p->v[k ? k_val : k_train];
        if (isfinite(v))
          lo = MIN(lo, v), hi = MAX(hi, v);
      }
    }
    for (guint i = 0; i < self->batch_points->len; i++) {
      double v = g_array_index(self->batch_points, BatchPoint, i).loss;
      if (isfinite(v))
        lo = MIN(lo, v), hi = MAX(hi, v);
    }
    if (!(hi >= lo))
      lo = 0, hi = 1;
    double pad = MAX((hi - lo) * 0.1, MAX(fabs(hi) * 0.02, 1e-3));
    lo = MAX(0, lo - pad);
    hi = hi + pad;
    double step = nice_step(hi - lo, 4);
    ymin = floor(lo / step) * step;
    ymax = ceil(hi / step) * step;
  }
  int epochs = chart_epochs(self);
  Frame f;
  x_frame(self, px, pw, &f);
  f.y = py + PANEL_TOP;
  f.h = ph - PANEL_TOP - PANEL_BOTTOM;
  f.y0 = ymin;
  f.y1 = ymax;
  if (f.w < 20 || f.h < 20)
    return;

  /* title */
  set_rgba(cr, fg, 1.0);
  draw_text(cr, layout, title, f.x, py + 4, 0, 0);

  /* grid and y ticks */
  double ystep = nice_step(f.y1 - f.y0, 4);
  cairo_set_line_width(cr, 1);
  for (double y = f.y0; y <= f.y1 + 1e-9; y += ystep) {
    double yy = round(fy(&f, y)) + 0.5;
    set_rgba(cr, fg, 0.12);
    cairo_move_to(cr, f.x, yy);
    cairo_line_to(cr, f.x + f.w, yy);
    cairo_stroke(cr);
    set_rgba(cr, fg, 0.7);
    int digits = CLAMP((int) -floor(log10(ystep) + 1e-9), 0, 6);
    g_autofree char *t = which == 1 ? g_strdup_printf("%.0f%%", y * 100)
                                    : g_strdup_printf("%.*f", digits, y);
    draw_text(cr, layout, t, f.x - 6, yy, 1, 0.5);
  }
  /* x ticks: whole epochs */
  double xstep = MAX(1, nice_step(epochs, 6));
  for (double x = 1; x <= epochs + 1e-9; x += xstep) {
    double xx = round(fx(&f, x)) + 0.5;
    set_rgba(cr, fg, 0.5);
    cairo_move_to(cr, xx, f.y + f.h);
    cairo_line_to(cr, xx, f.y + f.h + 4);
    cairo_stroke(cr);
    set_rgba(cr, fg, 0.7);
    g_autofree char *t = g_strdup_printf("%.0f", x);
    draw_text(cr, layout, t, xx, f.y + f.h + 6, 0.5, 0);
  }
  set_rgba(cr, fg, 0.7);
  draw_text(cr, layout, _("Epoch"), f.x + f.w / 2, py + ph, 0.5, 1);

  /* axes */
  set_rgba(cr, fg, 0.5);
  cairo_move_to(cr, f.x + 0.5, f.y);
  cairo_line_to(cr, f.x + 0.5, f.y + f.h + 0.5);
  cairo_line_to(cr, f.x + f.w, f.y + f.h + 0.5);
  cairo_stroke(cr);

  /* per-batch training curve, thin and light under the epoch curves */
  if (self->batch_points->len > 1) {
    set_rgba(cr, &series_colors[0], 0.35);
    cairo_set_line_width(cr, 1);
    gboolean pen = FALSE;
    for (guint i = 0; i < self->batch_points->len; i++) {
      BatchPoint *b = &g_array_index(self->batch_points, BatchPoint, i);
      double v = which == 0 ? b->loss : b->acc;
      if (!isfinite(v)) {
        pen = FALSE;
        continue;
      }
      double x = fx(&f, b->x), y = fy(&f, CLAMP(v, f.y0, f.y1));
      if (pen) cairo_line_to(cr, x, y);
      else cairo_move_to(cr, x, y);
      pen = TRUE;
    }
    cairo_stroke(cr);
  }

  /* series */
  int keys[2] = {k_train, k_val};
  for (int s = 0; s < 2; s++) {
    set_rgba(cr, &series_colors[s], 1.0);
    cairo_set_line_width(cr, 2);
    gboolean pen = FALSE;
    for (guint i = 0; i < self->points->len; i++) {
      Point *p = &g_array_index(self->points, Point, i);
      double v = p->v[keys[s]];
      if (!isfinite(v)) {
        pen = FALSE;
        continue;
      }
      double x = fx(&f, p->epoch), y = fy(&f, CLAMP(v, f.y0, f.y1));
      if (pen) cairo_line_to(cr, x, y);
      else cairo_move_to(cr, x, y);
      pen = TRUE;
    }
    cairo_stroke(cr);
    for (guint i = 0; i < self->points->len; i++) {
      Point *p = &g_array_index(self->points, Point, i);
      double v = p->v[keys[s]];
      if (!isfinite(v))
        continue;
      cairo_arc(cr, fx(&f, p->epoch), fy(&f, CLAMP(v, f.y0, f.y1)), 3, 0, 2 * G_PI);
      cairo_fill(cr);
    }
  }

  /* hover: a line at the epoch under the pointer */
  if (self->hover_epoch > 0) {
    double xx = round(fx(&f, self->hover_epoch)) + 0.5;
    set_rgba(cr, fg, 0.35);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, xx, f.y);
    cairo_line_to(cr, xx, f.y + f.h);
    cairo_stroke(cr);
  }
}

static void draw_legend(cairo_t *cr, PangoLayout *layout, const GdkRGBA *fg, double right,
                        double y)
{
  const char *names[2] = {_("Training"), _("Validation")};
  double x = right;
  for (int s = 1; s >= 0; s--) {
    int w, h;
    pango_layout_set_text(layout, names[s], -1);
    pango_layout_get_pixel_size(layout, &w, &h);
    x -= w;
    set_rgba(cr, fg, 0.8);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, layout);
    x -= 22;
    set_rgba(cr, &series_colors[s], 1.0);
    cairo_set_line_width(cr, 2);
    cairo_move_to(cr, x, y + h / 2.0);
    cairo_line_to(cr, x + 16, y + h / 2.0);
    cairo_stroke(cr);
    x -= 16;
  }
}

static void patina_chart_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
  PatinaChart *self = PATINA_CHART(widget);
  int w = gtk_widget_get_width(widget), h = gtk_widget_get_height(widget);
  if (w <= 0 || h <= 0)
    return;
  GdkRGBA fg;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS /* gtk_widget_get_color() is GTK 4.10 */
  gtk_style_context_get_color(gtk_widget_get_style_context(widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, w, h));
  PangoLayout *layout = gtk_widget_create_pango_layout(widget, NULL);

  const double legend_h = LEGEND_H;
  draw_legend(cr, layout, &fg, w - 12, 2);
  double pw = w / 2.0;
  draw_panel(self, cr, layout, &fg, 0, legend_h, pw, h - legend_h, _("Loss"), 0);
  draw_panel(self, cr, layout, &fg, pw, legend_h, w - pw, h - legend_h, _("Accuracy"), 1);
  g_autofree char *readout = patina_chart_get_readout(self);
  if (readout) {
    int tw, th;
    pango_layout_set_text(layout, readout, -1);
    pango_layout_get_pixel_size(layout, &tw, &th);
    double bx = CLAMP(self->hover_x + 12, 4, w - tw - 16), by = LEGEND_H + PANEL_TOP + 4;
    cairo_set_source_rgba(cr, 0.14, 0.14, 0.16, 0.88);
    cairo_rectangle(cr, bx, by, tw + 12, th + 8);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_move_to(cr, bx + 6, by + 4);
    pango_cairo_show_layout(cr, layout);
  }
  if (self->points->len == 0) {
    set_rgba(cr, &fg, 0.55);
    draw_text(cr, layout, _("Curves appear here after the first epoch"), w / 2.0, h / 2.0, 0.5,
              0.5);
  }
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

static void patina_chart_class_init(PatinaChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  object_class->finalize = patina_chart_finalize;
  widget_class->snapshot = patina_chart_snapshot;
  widget_class->measure = patina_chart_measure;
  gtk_widget_class_set_css_name(widget_class, "patina-chart");
  gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void patina_chart_init(PatinaChart *self)
{
  self->points = g_array_new(FALSE, FALSE, sizeof(Point));
  self->batch_points = g_array_new(FALSE, FALSE, sizeof(BatchPoint));
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
  g_array_set_size(self->points, 0);
  g_array_set_size(self->batch_points, 0);
  self->hover_epoch = 0;
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

void patina_chart_set_epochs(PatinaChart *self, int epochs)
{
  g_return_if_fail(PATINA_IS_CHART(self));
  self->epochs = epochs;
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

void patina_chart_add_epoch(PatinaChart *self, int epoch, double train_loss, double train_acc,
                            double val_loss, double val_acc)
{
  g_return_if_fail(PATINA_IS_CHART(self));
  Point p = {epoch, {train_loss, train_acc, val_loss, val_acc}};
  g_array_append_val(self->points, p);
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

void patina_chart_add_batch(PatinaChart *self, double x, double loss, double acc)
{
  g_return_if_fail(PATINA_IS_CHART(self));
  BatchPoint b = {x, loss, acc};
  g_array_append_val(self->batch_points, b);
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

guint patina_chart_get_n_batch_points(PatinaChart *self)
{
  g_return_val_if_fail(PATINA_IS_CHART(self), 0);
  return self->batch_points->len;
}

guint patina_chart_get_n_points(PatinaChart *self)
{
  g_return_val_if_fail(PATINA_IS_CHART(self), 0);
  return self->points->len;
}
