/* The chart's scene (patina-chart-scene.c) and its drawing (patina-chart-draw.c), apart from
 * the widget: the same code paints the screen (through gtk_snapshot_append_cairo) and the
 * exported PNG, SVG and PDF (on a worker, from a copy of the scene), so an export looks like
 * what the user sees. */
#pragma once
#include <gtk/gtk.h>

G_BEGIN_DECLS

enum { PATINA_CHART_TRAIN_LOSS, PATINA_CHART_TRAIN_ACC, PATINA_CHART_VAL_LOSS,
       PATINA_CHART_VAL_ACC };

typedef struct {
  int epoch;
  double v[4]; /* indexed by PATINA_CHART_TRAIN_LOSS... */
} PatinaChartPoint;

typedef struct {
  double x, loss, acc;
} PatinaChartBatchPoint;

typedef struct {
  char *name;     /* legend label of a run; NULL for the live run */
  GArray *points;  /* PatinaChartPoint */
  GArray *batches; /* PatinaChartBatchPoint */
} PatinaChartSeries;

typedef struct {
  GPtrArray *series; /* PatinaChartSeries */
  int epochs;        /* the x range to show before points arrive */
  double smoothing;  /* 0..0.99, TensorBoard's exponential moving average weight */
  gboolean log_loss;
  int hover_epoch;   /* 0: none */
  double hover_x;
  GdkRGBA fg, bg;    /* bg.alpha 0: transparent */
  char *empty_text;  /* shown while there is no point */
} PatinaChartScene;

#define PATINA_CHART_PANEL_LEFT 46
#define PATINA_CHART_PANEL_RIGHT 12

PatinaChartScene *patina_chart_scene_new(void);
PatinaChartScene *patina_chart_scene_copy(const PatinaChartScene *scene);
void patina_chart_scene_free(PatinaChartScene *scene);
PatinaChartSeries *patina_chart_scene_add_series(PatinaChartScene *scene, const char *name);
int patina_chart_scene_epochs(const PatinaChartScene *scene);
guint patina_chart_scene_n_points(const PatinaChartScene *scene);
gboolean patina_chart_scene_has_batches(const PatinaChartScene *scene);

/* TensorBoard's smoothing: an exponential moving average with weight w, debiased so the
 * first value is kept; NaN values are passed through and skipped. w = 0 copies. */
void patina_chart_smooth(const double *in, double *out, guint n, double w);

/* The horizontal frame of a panel px..px+pw (both panels share it). */
void patina_chart_x_range(const PatinaChartScene *scene, double *x0, double *x1);
/* The epoch whose point is nearest to widget x (within half an epoch) in a w wide chart. */
int patina_chart_scene_epoch_at(const PatinaChartScene *scene, double w, double x);
/* Height of the legend for a chart w wide. */
double patina_chart_legend_height(const PatinaChartScene *scene, PangoLayout *layout, double w);

/* Paints the whole chart into cr (w × h); layout supplies the font. */
void patina_chart_scene_draw(const PatinaChartScene *scene, cairo_t *cr, PangoLayout *layout,
                             double w, double h, const char *readout);

/* Text for an SVG's <desc>: the axes and series, so the exported file says what it shows. */
char *patina_chart_scene_describe(const PatinaChartScene *scene);

G_END_DECLS
