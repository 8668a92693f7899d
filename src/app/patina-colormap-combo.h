/* An AdwComboRow listing the colormaps (patina_colormap_names(), in that order) with a swatch
 * and a translated name each. */
#pragma once
#include <adwaita.h>

G_BEGIN_DECLS

/* Fills row and selects the map called selected (NULL or unknown: the first). */
void patina_colormap_combo_setup(AdwComboRow *row, const char *selected);
/* Draws the swatches reversed (high values on the left), as the maps they stand for. */
void patina_colormap_combo_set_reversed(AdwComboRow *row, gboolean reversed);
gboolean patina_colormap_combo_get_reversed(AdwComboRow *row);

G_END_DECLS
