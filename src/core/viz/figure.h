/* Report figures of what a network sees, drawn with cairo as PNG (at a chosen DPI), SVG or PDF
 * (told by the file's extension), sized in points for a journal page (7 in wide by default,
 * a two-column figure): a layer's maps with channel indices, a colorbar with values, a scale
 * bar in µm when the micrograph's pixel size is known, and a caption naming the model, layer,
 * image, class probabilities and colormap.
 *
 * Kinds: one layer's channel maps (flat layers such as dense ones as a bar strip), the paper's
 * Fig. 9 (one layer's maps in each of its six colormaps), and the first conv's filters. */
#pragma once
#include <cairo.h>
#include <glib.h>

#include "nn/model.h"
#include "viz/activations.h"
#include "viz/colormap.h"

G_BEGIN_DECLS

typedef enum {
  PATINA_FIGURE_PNG,
  PATINA_FIGURE_SVG,
  PATINA_FIGURE_PDF,
} PatinaFigureFormat;

/* .png, .svg or .pdf (any case); FALSE and an error naming the path otherwise. */
gboolean patina_figure_format_for_path(const char *path, PatinaFigureFormat *format,
                                       GError **error);

typedef struct {
  const char *model_label;   /* caption: "paper, demo.safetensors"; NULL = the model's name */
  const char *image_label;   /* caption: "AZ31B_000.png"; NULL = none */
  char **class_names;        /* NULL-terminated, NULL = "class 0", "class 1", ... */
  double field_width_m;      /* width of the micrograph the input shows, in metres; 0 = unknown
                                (no scale bar) */
  const PatinaColormap *colormap; /* NULL = bronze */
  gboolean reversed;
  PatinaNormalise normalise;
  PatinaChannelOrder order;
  int max_maps;              /* maps drawn at most (the first in `order`); 0 = all */
  double dpi;                /* PNG resolution; 0 = 300 */
  double width_pt;           /* figure width in points, at least 200; 0 = 504 (7 in) */
} PatinaFigureOptions;

void patina_figure_options_init(PatinaFigureOptions *options);

/* One layer's output: a grid of its channel maps, or a bar strip for a flat layer. */
gboolean patina_figure_layer(const PatinaModel *model, const PatinaActivations *acts, int layer,
                             const PatinaFigureOptions *options, const char *path,
                             GError **error);
/* The paper's Fig. 9: the layer's maps in each of its six colormaps (options->colormap and
 * reversed are ignored), six panels of at most max_maps maps (0 = 16). */
gboolean patina_figure_six_colormaps(const PatinaModel *model, const PatinaActivations *acts,
                                     int layer, const PatinaFigureOptions *options,
                                     const char *path, GError **error);
/* The same figures drawn onto any cairo context (a widget's, a print job's) from (0, 0) at
 * options->width_pt points wide (0 = 504); they return the height used in points. The
 * six-colormap one draws nothing and returns 0 for a flat layer. */
double patina_figure_draw_layer(cairo_t *cr, const PatinaModel *model,
                                const PatinaActivations *acts, int layer,
                                const PatinaFigureOptions *options);
double patina_figure_draw_six_colormaps(cairo_t *cr, const PatinaModel *model,
                                        const PatinaActivations *acts, int layer,
                                        const PatinaFigureOptions *options);
/* Where the six-colormap figure put a panel's parts, in points from the figure's origin, for
 * tests that check the drawn pixels (and tools that annotate the figure). */
typedef struct {
  double x, y, width, height;
} PatinaFigureRect;

typedef struct {
  const PatinaColormap *colormap;
  PatinaFigureRect colorbar;  /* the strip: the colormap's first entry at its left */
  PatinaFigureRect first_map; /* map i is first_map moved by (i % columns) * map_pitch_x and
                                 (i / columns) * map_pitch_y */
  double map_pitch_x, map_pitch_y;
  int columns, n_maps;
  double label_height;        /* the channel number's box in each map's top left corner; 0 =
                                 the maps are too small to carry one */
} PatinaFigurePanel;

/* patina_figure_draw_six_colormaps that also fills panels[6] (NULL: not) with the layout. */
double patina_figure_draw_six_colormaps_layout(cairo_t *cr, const PatinaModel *model,
                                               const PatinaActivations *acts, int layer,
                                               const PatinaFigureOptions *options,
                                               PatinaFigurePanel *panels);
/* The caption patina_figure_layer (six: patina_figure_six_colormaps) writes under the figure,
 * for showing beside the maps on screen. */
char *patina_figure_caption(const PatinaModel *model, const PatinaActivations *acts, int layer,
                            const PatinaFigureOptions *options, gboolean six);
/* The first conv layer's filters (patina_first_conv_filters) on one symmetric value range. */
gboolean patina_figure_filters(const PatinaModel *model, const PatinaFigureOptions *options,
                               const char *path, GError **error);

/* ---- building blocks, shared with the Grad-CAM figures ---- */

typedef struct _PatinaFigure PatinaFigure;

/* A figure of width points drawn onto a recording surface: draw into patina_figure_cr(), then
 * patina_figure_save() with the height used. */
PatinaFigure *patina_figure_new(double width_pt);
cairo_t *patina_figure_cr(PatinaFigure *figure);
gboolean patina_figure_save(PatinaFigure *figure, double height_pt, const char *path, double dpi,
                            GError **error);
void patina_figure_free(PatinaFigure *figure);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PatinaFigure, patina_figure_free)

/* Draws text wrapped to width from (x, y_top) at size points; returns the height used. */
double patina_figure_text(cairo_t *cr, const char *text, double x, double y_top, double width,
                          double size, gboolean bold);
/* A vertical colorbar of cmap at (x, y) of w × h with about five labelled ticks from lo to hi
 * and a label along it; returns the width used including tick labels. */
double patina_figure_colorbar(cairo_t *cr, const PatinaColormap *cmap, gboolean reversed,
                              double lo, double hi, const char *label, double x, double y,
                              double w, double h);
/* A scale bar for a map drawn map_width_pt wide that shows field_width_m: a round length of
 * about a quarter of the map, labelled ("20 µm"), from (x, y_top); returns the height used
 * (0 when field_width_m is 0). */
double patina_figure_scale_bar(cairo_t *cr, double field_width_m, double map_width_pt, double x,
                               double y_top);
/* A round number close to range / 5: 1, 2 or 5 × 10^k. */
double patina_figure_nice_step(double range);

G_END_DECLS
