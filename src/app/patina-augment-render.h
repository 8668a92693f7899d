/* The Augment page's work off the main loop: decoding the image and drawing its variants
 * (viz/augment-grid.h) as textures' pixels, and writing an exported grid. */
#pragma once
#include <gio/gio.h>

#include "data/augment.h"

G_BEGIN_DECLS

typedef struct {
  char *path;
  int size; /* the planes are size×size */
  PatinaAugment params;
  guint64 seed;
  int n_variants;
  GBytes *source; /* in: the decoded plane when known (saves decoding again); out: the plane */
  /* results */
  GArray *tiles;  /* PatinaAugmentTile, the original first */
  GPtrArray *rgb; /* GBytes, R8G8B8, one per tile */
  int concurrent; /* render workers running when this one started, itself included */
} PatinaAugmentRender;

/* source may be NULL. */
PatinaAugmentRender *patina_augment_render_new(const char *path, int size,
                                               const PatinaAugment *params, guint64 seed,
                                               int n_variants, GBytes *source);
void patina_augment_render_free(PatinaAugmentRender *r);

/* Runs r (taken) on a worker at low priority; it stops between tiles when cancellable fires.
 * In callback, patina_augment_render_finish gives the outcome and patina_augment_render_get r,
 * whatever the outcome. */
void patina_augment_render_run(PatinaAugmentRender *r, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);
gboolean patina_augment_render_finish(GAsyncResult *result, GError **error);
PatinaAugmentRender *patina_augment_render_get(GAsyncResult *result);

/* Draws tiles as the PNG grid (patina_augment_grid_png) and writes it to dest through a
 * temporary file and a rename, on a worker. */
void patina_augment_export_async(GArray *tiles, int size, int tile_px, int columns,
                                 char **title, GFile *dest, gpointer source_object,
                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean patina_augment_export_finish(GAsyncResult *result, GError **error);

G_END_DECLS
