/* A layer's channel maps as a grid of tiles, each through a colormap with its channel index
 * under it; a flat layer (1×1 maps, e.g. a dense layer) as a strip of bars. A click on a tile
 * or bar, or an arrow key from the highlighted one, emits "channel-activated" with its
 * channel. With tile-size large and one channel it is the enlarged view of that channel. */
#pragma once
#include <gtk/gtk.h>

#include "viz/colormap.h"

G_BEGIN_DECLS

#define PATINA_TYPE_CHANNEL_GRID (patina_channel_grid_get_type())
G_DECLARE_FINAL_TYPE(PatinaChannelGrid, patina_channel_grid, PATINA, CHANNEL_GRID, GtkWidget)

GtkWidget *patina_channel_grid_new(void);
/* Shows the n_shown channels listed in order (indices into the c planes of h×w floats, which
 * are copied), channel k drawn from lo[k] to hi[k]. */
void patina_channel_grid_set_maps(PatinaChannelGrid *self, const float *planes, int c, int h,
                                  int w, const int *order, int n_shown, const float *lo,
                                  const float *hi, const PatinaColormap *cmap,
                                  gboolean reversed);
void patina_channel_grid_clear(PatinaChannelGrid *self);
/* The side tiles aim for, in pixels. */
void patina_channel_grid_set_tile_size(PatinaChannelGrid *self, int px);
/* Tiles (or bars) shown. */
int patina_channel_grid_get_n_tiles(PatinaChannelGrid *self);
/* The channel drawn with a highlight; -1 for none. */
void patina_channel_grid_set_selected(PatinaChannelGrid *self, int channel);
/* The channel under (x, y) in widget coordinates, or -1. */
int patina_channel_grid_channel_at(PatinaChannelGrid *self, double x, double y);
/* For tests: the colour of pixel (x, y) of the i-th tile as shown (0 when there is none), and
 * the value range channel is drawn with. */
guint32 patina_channel_grid_get_pixel(PatinaChannelGrid *self, int i, int x, int y);
gboolean patina_channel_grid_get_range(PatinaChannelGrid *self, int channel, float *lo,
                                       float *hi);

G_END_DECLS
