/* A scan as a report figure (PNG at a chosen DPI, SVG or PDF, told by the extension), drawn with
 * figure.h's blocks: one panel per class (the micrograph with that class's probability
 * overlaid) headed by the share of the area where the class is the most probable, in rows of
 * up to three, a 0…1 colorbar, a scale bar when the pixel size is known, and a caption; or one
 * panel of the most probable class with a legend. */
#pragma once
#include <cairo.h>

#include "viz/colormap.h"
#include "viz/figure.h"
#include "viz/scan.h"

G_BEGIN_DECLS

typedef struct {
  char **class_names;        /* NULL-terminated; NULL = "class 0", ... */
  int only_class;            /* >= 0: that class's panel alone; -1: every class */
  gboolean most_probable;    /* one panel of the most probable class in each place, in
                              * patina_scan_class_colour's colours, with a legend of each
                              * class's share instead of the colorbar (only_class is ignored) */
  const PatinaColormap *colormap; /* NULL = viridis */
  double opacity;            /* of the map over the micrograph */
  const char *caption;       /* the figure's caption (image, model, ...); NULL = none */
  double dpi;                /* PNG resolution; 0 = 300 */
  double width_pt;           /* 0 = 504 (7 in) */
} PatinaScanFigureOptions;

void patina_scan_figure_options_init(PatinaScanFigureOptions *options);

/* Draws onto cr from (0, 0); returns the height used in points. */
double patina_scan_figure_draw(cairo_t *cr, const PatinaScan *scan, const PatinaGray *img,
                               const PatinaScanFigureOptions *options);
gboolean patina_scan_figure_save(const PatinaScan *scan, const PatinaGray *img,
                                 const PatinaScanFigureOptions *options, const char *path,
                                 GError **error);

G_END_DECLS
