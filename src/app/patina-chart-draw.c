#include "patina-chart-draw.h"

#include <glib/gi18n.h>
#include <math.h>

#define PANEL_LEFT PATINA_CHART_PANEL_LEFT
#define PANEL_RIGHT PATINA_CHART_PANEL_RIGHT
#define PANEL_TOP 26
#define PANEL_BOTTOM 38
#define LEGEND_ROW 22

/* Runs compared side by side get one colour each; a lone live run keeps the classic
 * blue training / orange validation pair. */
static gboolean per_run_colours(const PatinaChartScene *scene)
{
  return scene->series->len > 1 ||
         (scene->series->len == 1 &&
          ((PatinaChartSeries *) g_ptr_array_index(scene->series, 0))->name != NULL);
}

static const GdkRGBA run_palette[] = {
  {0.11, 0.44, 0.85, 1}, {0.90, 0.38, 0.00, 1}, {0.15, 0.63, 0.41, 1}, {0.57, 0.25, 0.67, 1},
  {0.88, 0.11, 0.14, 1}, {0.60, 0.40, 0.22, 1}, {0.80, 0.62, 0.00, 1}, {0.37, 0.39, 0.42, 1},
};
static const GdkRGBA train_colour = {0.11, 0.44, 0.85, 1.0}, val_colour = {0.90, 0.38, 0.00, 1.0};

/* ---- geometry ---- */

typedef struct {
  double x, y, w, h;      /* plot area in pixels */
  double x0, x1, y0, y1;  /* data range (y in log10 units on a log axis) */
  gboolean log;
} Frame;

static double fx(const Frame *f, double x) { return f->x + (x - f->x0) / (f->x1 - f->x0) * f->w; }
static double fy(const Frame *f, double v)
{
  double y = f->log ? log10(v) : v;
  y = CLAMP(y, f->y0, f->y1);
  return f->y + f->h - (y - f->y0) / (f->y1 - f->y0) * f->h;
}
static gboolean drawable(const Frame *f, double v) { return isfinite(v) && (!f->log || v > 0); }

void patina_chart_x_range(const PatinaChartScene *scene, double *x0, double *x1)
{
  int epochs = patina_chart_scene_epochs(scene);
  *x0 = 1;
  *x1 = MAX(epochs, 2);
  if (patina_chart_scene_has_batches(scene))
    *x0 = 0; /* batches of epoch 1 lie between 0 and 1 */
  else if (epochs == 1)
    *x0 = 0.5, *x1 = 1.5;
}

static void x_frame(const PatinaChartScene *scene, double px, double pw, Frame *f)
{
  f->x = px + PANEL_LEFT;
  f->w = pw - PANEL_LEFT - PANEL_RIGHT;
  patina_chart_x_range(scene, &f->x0, &f->x1);
}

int patina_chart_scene_epoch_at(const PatinaChartScene *scene, double w, double x)
{
  double pw = w / 2.0;
  Frame f;
  x_frame(scene, x < pw ? 0 : pw, x < pw ? pw : w - pw, &f);
  if (x < f.x || x > f.x + f.w || f.w <= 0)
    return 0;
  double ex = f.x0 + (x - f.x) / f.w * (f.x1 - f.x0);
  int best = 0;
  double best_d = 0.5;
  for (guint i = 0; i < scene->series->len; i++) {
    const PatinaChartSeries *s = g_ptr_array_index(scene->series, i);
    for (guint k = 0; k < s->points->len; k++) {
      const PatinaChartPoint *p = &g_array_index(s->points, PatinaChartPoint, k);
      double d = fabs(p->epoch - ex);
      if (d <= best_d)
        best = p->epoch, best_d = d;
    }
  }
  return best;
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

/* ---- text ---- */

static void set_rgba(cairo_t *cr, const GdkRGBA *c, double alpha)
{
  cairo_set_source_rgba(cr, c->red, c->green, c->blue, c->alpha * alpha);
}

static void text_size(PangoLayout *layout, const char *text, int *w, int *h)
{
  pango_layout_set_text(layout, text, -1);
  pango_layout_get_pixel_size(layout, w, h);
}

static void draw_text(cairo_t *cr, PangoLayout *layout, const char *text, double x, double y,
                      double xalign, double yalign)
{
  int w, h;
  text_size(layout, text, &w, &h);
  cairo_move_to(cr, x - xalign * w, y - yalign * h);
  pango_cairo_show_layout(cr, layout);
}

/* ---- legend ---- */

typedef struct {
  char *text;
  const GdkRGBA *colour;
  gboolean dashed;
} LegendItem;

static GArray *legend_items(const PatinaChartScene *scene)
{
  GArray *items = g_array_new(FALSE, FALSE, sizeof(LegendItem));
  if (!per_run_colours(scene)) {
    LegendItem t = {g_strdup(_("Training")), &train_colour, FALSE};
    LegendItem v = {g_strdup(_("Validation")), &val_colour, FALSE};
    g_array_append_val(items, t);
    g_array_append_val(items, v);
    return items;
  }
  for (guint i = 0; i < scene->series->len; i++) {
    const PatinaChartSeries *s = g_ptr_array_index(scene->series, i);
    LegendItem it = {g_strdup(s->name ? s->name : _("This run")),
                     &run_palette[i % G_N_ELEMENTS(run_palette)], FALSE};
    g_array_append_val(items, it);
  }
  LegendItem key = {g_strdup(_("solid: validation, dashed: training")), NULL, FALSE};
  g_array_append_val(items, key);
  return items;
}

static void legend_items_free(GArray *items)
{
  for (guint i = 0; i < items->len; i++)
    g_free(g_array_index(items, LegendItem, i).text);
  g_array_unref(items);
}

#define SWATCH 16
#define ITEM_GAP 18

/* Lays the legend out in rows, each right-aligned, in reading order (one row fits the usual
 * case); draws it when cr is not NULL. Returns its height. */
static double layout_legend(const PatinaChartScene *scene, cairo_t *cr, PangoLayout *layout,
                            double w)
{
  GArray *items = legend_items(scene);
  double right = w - 12, row_y = 2;
  int rows = 0;
  guint start = 0;
  while (start < items->len) {
    double used = 0;
    guint end = start;
    for (; end < items->len; end++) {
      LegendItem *it = &g_array_index(items, LegendItem, end);
      int tw, th;
      text_size(layout, it->text, &tw, &th);
      double iw = tw + (it->colour ? SWATCH + 6 : 0) + (end > start ? ITEM_GAP : 0);
      if (end > start && used + iw > right - 12)
        break;
      used += iw;
    }
    double ix = right - used;
    for (guint i = start; cr && i < end; i++) {
      LegendItem *it = &g_array_index(items, LegendItem, i);
      int tw, th;
      text_size(layout, it->text, &tw, &th);
      if (i > start)
        ix += ITEM_GAP;
      if (it->colour) {
        set_rgba(cr, it->colour, 1.0);
        cairo_set_line_width(cr, 2.5);
        cairo_move_to(cr, ix, row_y + th / 2.0);
        cairo_line_to(cr, ix + SWATCH, row_y + th / 2.0);
        cairo_stroke(cr);
        ix += SWATCH + 6;
      }
      set_rgba(cr, &scene->fg, it->colour ? 0.8 : 0.55);
      cairo_move_to(cr, ix, row_y);
      pango_cairo_show_layout(cr, layout);
      ix += tw;
    }
    start = end;
    row_y += LEGEND_ROW;
    rows++;
  }
  legend_items_free(items);
  return MAX(rows, 1) * LEGEND_ROW + 2;
}

double patina_chart_legend_height(const PatinaChartScene *scene, PangoLayout *layout, double w)
{
  return layout_legend(scene, NULL, layout, w);
}

/* ---- panels ---- */

static void loss_range(const PatinaChartScene *scene, gboolean log_axis, double *lo, double *hi)
{
  *lo = INFINITY, *hi = -INFINITY;
  for (guint i = 0; i < scene->series->len; i++) {
    const PatinaChartSeries *s = g_ptr_array_index(scene->series, i);
    for (guint k = 0; k < s->points->len; k++) {
      const PatinaChartPoint *p = &g_array_index(s->points, PatinaChartPoint, k);
      double v[2] = {p->v[PATINA_CHART_TRAIN_LOSS], p->v[PATINA_CHART_VAL_LOSS]};
      for (int j = 0; j < 2; j++)
        if (isfinite(v[j]) && (!log_axis || v[j] > 0))
          *lo = MIN(*lo, v[j]), *hi = MAX(*hi, v[j]);
    }
    for (guint k = 0; k < s->batches->len; k++) {
      double v = g_array_index(s->batches, PatinaChartBatchPoint, k).loss;
      if (isfinite(v) && (!log_axis || v > 0))
        *lo = MIN(*lo, v), *hi = MAX(*hi, v);
    }
  }
}

static void y_frame(const PatinaChartScene *scene, int which, Frame *f)
{
  f->log = FALSE;
  f->y0 = 0, f->y1 = 1;
  if (which == 1)
    return;
  double lo, hi;
  if (scene->log_loss) {
    f->log = TRUE;
    loss_range(scene, TRUE, &lo, &hi);
    if (!(hi >= lo))
      lo = 0.1, hi = 1;
    /* whole decades, so every tick is a power of ten */
    f->y0 = floor(log10(lo));
    f->y1 = MAX(ceil(log10(hi)), f->y0 + 1);
    return;
  }
  /* Loss: fit the range of the values (with a margin) so small changes stay visible. */
  loss_range(scene, FALSE, &lo, &hi);
  if (!(hi >= lo))
    lo = 0, hi = 1;
  double pad = MAX((hi - lo) * 0.1, MAX(fabs(hi) * 0.02, 1e-3));
  lo = MAX(0, lo - pad);
  hi = hi + pad;
  double step = nice_step(hi - lo, 4);
  f->y0 = floor(lo / step) * step;
  f->y1 = ceil(hi / step) * step;
}

static void draw_axes(const PatinaChartScene *scene, cairo_t *cr, PangoLayout *layout,
                      const Frame *f, double py, double ph, const char *title, int which)
{
  const GdkRGBA *fg = &scene->fg;
  set_rgba(cr, fg, 1.0);
  draw_text(cr, layout, title, f->x, py + 4, 0, 0);
  cairo_set_line_width(cr, 1);
  double ystep = f->log ? 1 : nice_step(f->y1 - f->y0, 4);
  for (double y = f->y0; y <= f->y1 + 1e-9; y += ystep) {
    double value = f->log ? pow(10, y) : y;
    double yy = round(fy(f, value)) + 0.5;
    set_rgba(cr, fg, 0.12);
    cairo_move_to(cr, f->x, yy);
    cairo_line_to(cr, f->x + f->w, yy);
    cairo_stroke(cr);
    set_rgba(cr, fg, 0.7);
    int digits = CLAMP((int) -floor(log10(f->log ? value : ystep) + 1e-9), 0, 6);
    g_autofree char *t = which == 1 ? g_strdup_printf("%.0f%%", y * 100)
                                    : g_strdup_printf("%.*f", digits, value);
    draw_text(cr, layout, t, f->x - 6, yy, 1, 0.5);
  }
  int epochs = patina_chart_scene_epochs(scene);
  double xstep = MAX(1, nice_step(epochs, 6));
  for (double x = 1; x <= epochs + 1e-9; x += xstep) {
    double xx = round(fx(f, x)) + 0.5;
    set_rgba(cr, fg, 0.5);
    cairo_move_to(cr, xx, f->y + f->h);
    cairo_line_to(cr, xx, f->y + f->h + 4);
    cairo_stroke(cr);
    set_rgba(cr, fg, 0.7);
    g_autofree char *t = g_strdup_printf("%.0f", x);
    draw_text(cr, layout, t, xx, f->y + f->h + 6, 0.5, 0);
  }
  set_rgba(cr, fg, 0.7);
  draw_text(cr, layout, _("Epoch"), f->x + f->w / 2, py + ph, 0.5, 1);
  set_rgba(cr, fg, 0.5);
  cairo_move_to(cr, f->x + 0.5, f->y);
  cairo_line_to(cr, f->x + 0.5, f->y + f->h + 0.5);
  cairo_line_to(cr, f->x + f->w, f->y + f->h + 0.5);
  cairo_stroke(cr);
}

/* One polyline through (xs, vs); values the axis cannot show lift the pen. */
static void stroke_curve(cairo_t *cr, const Frame *f, const double *xs, const double *vs, guint n,
                         gboolean dots)
{
  gboolean pen = FALSE;
  for (guint i = 0; i < n; i++) {
    if (!drawable(f, vs[i])) {
      pen = FALSE;
      continue;
    }
    double x = fx(f, xs[i]), y = fy(f, vs[i]);
    if (pen)
      cairo_line_to(cr, x, y);
    else
      cairo_move_to(cr, x, y);
    pen = TRUE;
  }
  cairo_stroke(cr);
  if (!dots)
    return;
  cairo_set_dash(cr, NULL, 0, 0);
  for (guint i = 0; i < n; i++)
    if (drawable(f, vs[i])) {
      cairo_arc(cr, fx(f, xs[i]), fy(f, vs[i]), 3, 0, 2 * G_PI);
      cairo_fill(cr);
    }
}

static void draw_series(const PatinaChartScene *scene, cairo_t *cr, const Frame *f, guint index,
                        int which)
{
  const PatinaChartSeries *s = g_ptr_array_index(scene->series, index);
  gboolean per_run = per_run_colours(scene);
  const GdkRGBA *run_colour = &run_palette[index % G_N_ELEMENTS(run_palette)];
  static const double dash[] = {6, 4};

  guint nb = s->batches->len;
  if (nb > 1) {
    /* per-batch training curve, thin and light under the epoch curves */
    g_autofree double *xs = g_new(double, nb), *raw = g_new(double, nb), *sm = g_new(double, nb);
    for (guint i = 0; i < nb; i++) {
      const PatinaChartBatchPoint *b = &g_array_index(s->batches, PatinaChartBatchPoint, i);
      xs[i] = b->x;
      raw[i] = which == 0 ? b->loss : b->acc;
    }
    patina_chart_smooth(raw, sm, nb, scene->smoothing);
    set_rgba(cr, per_run ? run_colour : &train_colour, 0.35);
    cairo_set_line_width(cr, 1);
    stroke_curve(cr, f, xs, sm, nb, FALSE);
  }

  guint n = s->points->len;
  if (n == 0)
    return;
  g_autofree double *xs = g_new(double, n), *raw = g_new(double, n), *sm = g_new(double, n);
  for (guint i = 0; i < n; i++)
    xs[i] = g_array_index(s->points, PatinaChartPoint, i).epoch;
  int keys[2] = {which == 0 ? PATINA_CHART_TRAIN_LOSS : PATINA_CHART_TRAIN_ACC,
                 which == 0 ? PATINA_CHART_VAL_LOSS : PATINA_CHART_VAL_ACC};
  for (int k = 0; k < 2; k++) {
    gboolean training = k == 0;
    for (guint i = 0; i < n; i++)
      raw[i] = g_array_index(s->points, PatinaChartPoint, i).v[keys[k]];
    patina_chart_smooth(raw, sm, n, scene->smoothing);
    const GdkRGBA *c = per_run ? run_colour : training ? &train_colour : &val_colour;
    double width = per_run && training ? 1.5 : 2;
    if (per_run && training)
      cairo_set_dash(cr, dash, G_N_ELEMENTS(dash), 0);
    if (scene->smoothing > 0) {
      /* the raw values stay visible, faint, behind their smoothed curve */
      set_rgba(cr, c, 0.25);
      cairo_set_line_width(cr, 1);
      stroke_curve(cr, f, xs, raw, n, FALSE);
    }
    set_rgba(cr, c, 1.0);
    cairo_set_line_width(cr, width);
    stroke_curve(cr, f, xs, sm, n, !(per_run && training));
    cairo_set_dash(cr, NULL, 0, 0);
  }
}

static void draw_panel(const PatinaChartScene *scene, cairo_t *cr, PangoLayout *layout, double px,
                       double py, double pw, double ph, const char *title, int which)
{
  Frame f;
  x_frame(scene, px, pw, &f);
  f.y = py + PANEL_TOP;
  f.h = ph - PANEL_TOP - PANEL_BOTTOM;
  y_frame(scene, which, &f);
  if (f.w < 20 || f.h < 20)
    return;
  draw_axes(scene, cr, layout, &f, py, ph, title, which);
  cairo_save(cr);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < scene->series->len; i++)
    draw_series(scene, cr, &f, i, which);
  cairo_restore(cr);
  if (scene->hover_epoch > 0) {
    double xx = round(fx(&f, scene->hover_epoch)) + 0.5;
    set_rgba(cr, &scene->fg, 0.35);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, xx, f.y);
    cairo_line_to(cr, xx, f.y + f.h);
    cairo_stroke(cr);
  }
}

void patina_chart_scene_draw(const PatinaChartScene *scene, cairo_t *cr, PangoLayout *layout,
                             double w, double h, const char *readout)
{
  if (scene->bg.alpha > 0) {
    set_rgba(cr, &scene->bg, 1.0);
    cairo_paint(cr);
  }
  if (patina_chart_scene_n_points(scene) == 0 && !patina_chart_scene_has_batches(scene)) {
    /* empty axes and a legend of nothing would only frame the hint */
    if (scene->empty_text) {
      set_rgba(cr, &scene->fg, 0.55);
      draw_text(cr, layout, scene->empty_text, w / 2.0, h / 2.0, 0.5, 0.5);
    }
    return;
  }
  double legend_h = layout_legend(scene, cr, layout, w);
  double pw = w / 2.0;
  draw_panel(scene, cr, layout, 0, legend_h, pw, h - legend_h,
             scene->log_loss ? _("Loss (log scale)") : _("Loss"), 0);
  draw_panel(scene, cr, layout, pw, legend_h, w - pw, h - legend_h, _("Accuracy"), 1);
  if (readout) {
    int tw, th;
    text_size(layout, readout, &tw, &th);
    double bx = CLAMP(scene->hover_x + 12, 4, w - tw - 16), by = legend_h + PANEL_TOP + 4;
    cairo_set_source_rgba(cr, 0.14, 0.14, 0.16, 0.88);
    cairo_rectangle(cr, bx, by, tw + 12, th + 8);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_move_to(cr, bx + 6, by + 4);
    pango_cairo_show_layout(cr, layout);
  }
}

char *patina_chart_scene_describe(const PatinaChartScene *scene)
{
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, _("Left: %s against %s. Right: %s against %s."),
                         scene->log_loss ? _("Loss (log scale)") : _("Loss"), _("Epoch"),
                         _("Accuracy"), _("Epoch"));
  GArray *items = legend_items(scene);
  g_string_append(s, _(" Series:"));
  for (guint i = 0; i < items->len; i++)
    g_string_append_printf(s, "%s %s", i ? ";" : "", g_array_index(items, LegendItem, i).text);
  g_string_append_c(s, '.');
  if (scene->smoothing > 0)
    g_string_append_printf(s, _(" Smoothing %.2f."), scene->smoothing);
  legend_items_free(items);
  return g_string_free(s, FALSE);
}
