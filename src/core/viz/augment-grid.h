/* A labelled preview grid of what augmentation makes of one image: the variants themselves
 * (what training with a seed makes of an image, epoch by epoch) and their drawing as a PNG.
 * patina-cli augment writes it; the app shows the variants live and exports the same PNG. */
#pragma once
#include <gio/gio.h>

#include "data/augment.h"

G_BEGIN_DECLS

typedef struct {
  float *plane; /* size×size, [0, 1] */
  GStrv label;  /* units of the caption ("3:", "rot 23°", "flipH"), joined by spaces */
} PatinaAugmentTile;

/* Tile 0 is src itself (labelled "original"), tiles 1..n the variants: tile k is what
 * training with seed makes of its first image in epoch k, so a grid is reproducible and its
 * variants match what a run sees. src is size×size. Returns NULL when cancellable fires
 * between two tiles (error set to G_IO_ERROR_CANCELLED), so a superseded preview stops early.
 * The array frees its tiles. */
GArray *patina_augment_tiles(const PatinaAugment *a, const float *src, int size, guint64 seed,
                             int n, GCancellable *cancellable, GError **error);

/* The grid's heading as units: image name, size, seed, then what is on. */
GStrv patina_augment_grid_title(const char *image_name, int size, guint64 seed,
                                const PatinaAugment *a);

/* About-square column count for n tiles. */
int patina_augment_grid_columns(int n_tiles);

/* Lays out and draws tiles (from patina_augment_tiles, each size×size) at tile_px pixels each
 * in columns, under title, on white; returns the PNG. The width is
 * 2·14 + columns·tile_px + (columns − 1)·10 pixels. */
GBytes *patina_augment_grid_png(GArray *tiles, int size, int tile_px, int columns,
                                char **title, GError **error);

G_END_DECLS
