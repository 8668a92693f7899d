/* An AdwComboRow listing the colormaps (patina_colormap_names(), in that order) with a swatch
 * and a translated name each. */
#pragma once
#include <adwaita.h>

G_BEGIN_DECLS

/* Fills row and selects the map called selected (NULL or unknown: the first). */
void patina_colormap_combo_setup(AdwComboRow *row, const char *selected);

G_END_DECLS
