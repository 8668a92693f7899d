/* A scan drawn for people: one panel per class (the micrograph, scaled so its longer side is
 * panel_side pixels, with the class's probability overlaid through cmap at opacity), headed by
 * the class's area fraction and mean probability, over a 0…1 colorbar and an optional one-line
 * caption. */
#pragma once
#include <cairo.h>

#include "viz/colormap.h"
#include "viz/scan.h"

G_BEGIN_DECLS

/* only_class >= 0 draws that class alone; panel_side 0 keeps the image's size. */
cairo_surface_t *patina_scan_figure(const PatinaScan *scan, const PatinaGray *img,
                                    char **class_names, int only_class,
                                    const PatinaColormap *cmap, double opacity, int panel_side,
                                    const char *caption, GError **error);

G_END_DECLS
