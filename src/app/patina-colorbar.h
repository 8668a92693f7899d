/* A slim horizontal colorbar: the colormap (reversed when the maps are) from its low end on
 * the left to its high end on the right, with the values those ends stand for under it, like
 * the colorbar of an exported figure. With per-channel normalisation every map has its own
 * range, so the ends are labelled in words instead of numbers. */
#pragma once
#include <gtk/gtk.h>

#include "viz/colormap.h"

G_BEGIN_DECLS

#define PATINA_TYPE_COLORBAR (patina_colorbar_get_type())
G_DECLARE_FINAL_TYPE(PatinaColorbar, patina_colorbar, PATINA, COLORBAR, GtkWidget)

GtkWidget *patina_colorbar_new(void);
/* per_channel: each map spans its own min → max (lo and hi are then ignored); otherwise every
 * map shares lo → hi. */
void patina_colorbar_set(PatinaColorbar *self, const PatinaColormap *cmap, gboolean reversed,
                         gboolean per_channel, float lo, float hi);

/* For tests: the texts under the low and high ends, and the colour (0xFFRRGGBB) of the bar's
 * first (high FALSE) or last (high TRUE) pixel column as drawn at the widget's width. */
const char *patina_colorbar_get_low_text(PatinaColorbar *self);
const char *patina_colorbar_get_high_text(PatinaColorbar *self);
guint32 patina_colorbar_get_end_pixel(PatinaColorbar *self, gboolean high);

G_END_DECLS
