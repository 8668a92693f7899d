/* The Augment page's grid: the original and its variants as pictures, columns wide, each
 * captioned with what was drawn (two lines; the whole draw in its tooltip). */
#pragma once
#include <adwaita.h>

G_BEGIN_DECLS

#define PATINA_TYPE_AUGMENT_TILES_VIEW (patina_augment_tiles_view_get_type())
G_DECLARE_FINAL_TYPE(PatinaAugmentTilesView, patina_augment_tiles_view, PATINA,
                     AUGMENT_TILES_VIEW, GtkWidget)

/* Lays out n tiles (the original first) in columns; empty until shown. */
void patina_augment_tiles_view_set_layout(PatinaAugmentTilesView *self, int n, int columns);
/* Shows tiles (PatinaAugmentTile) with their pixels rgb (GBytes, R8G8B8, size×size each). */
void patina_augment_tiles_view_show(PatinaAugmentTilesView *self, GArray *tiles, GPtrArray *rgb,
                                    int size);

G_END_DECLS
