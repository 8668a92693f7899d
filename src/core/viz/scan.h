/* Whole-surface scan: a micrograph larger than the model's input, classified tile by tile.
 *
 * Tiles of `tile` × `tile` image pixels (default: the model's input size, so no resizing) start
 * every `stride` pixels (default tile / 2); the last row and column of tiles is moved flush
 * with the image's edge, so every pixel is covered. Each tile is resized (when the tile is not
 * the input size) and fed to the model as the gray plane repeated to its channels, tiles going
 * through in bounded batches, so memory does not grow with the image. A pixel's probability is
 * the mean over the tiles that cover it: that is constant on the cells between tile edges, so
 * the map is kept per cell (a few per tile), not per pixel. */
#pragma once
#include <gio/gio.h>

#include "data/image.h"
#include "nn/model.h"

G_BEGIN_DECLS

/* The most tiles a scan takes (a stride of 1 over a large image would give millions). */
#define PATINA_SCAN_MAX_TILES 1000000

typedef struct {
  int tile;   /* side of a tile in image pixels; 0: the model's input height */
  int stride; /* 0: tile / 2 (at least 1) */
  int batch;  /* tiles per forward pass; 0: 16, at most 64 (the paper CNN at 150 pixels keeps
               * about 10 MB of activations and buffers per tile) */
} PatinaScanOptions;

/* Called on the scanning thread after each batch. */
typedef void (*PatinaScanProgressFunc)(int tiles_done, int tiles_total, gpointer user_data);

typedef struct {
  int width, height, classes;
  int tile, stride;
  int n_tiles;
  int *tile_x, *tile_y;   /* top-left corner of each tile, row by row */
  float *tile_probs;      /* n_tiles × classes */
  int n_cols, n_rows;     /* cells between tile edges */
  int *col_edges;         /* n_cols + 1 pixel positions, 0 … width */
  int *row_edges;         /* n_rows + 1, 0 … height */
  float *cell_probs;      /* n_rows × n_cols × classes: mean over the covering tiles */
  double *area_fraction;  /* per class: share of pixels where it is the most probable */
  double *mean_probability; /* per class, over all pixels */
} PatinaScan;

/* Scans img (name is used in messages) with model in eval mode. Errors: an image smaller
 * than a tile, a stride larger than the tile (it would leave gaps), too many tiles, and
 * cancellation (G_IO_ERROR_CANCELLED, checked between batches). */
gboolean patina_scan(PatinaModel *model, const PatinaGray *img, const char *name,
                     const PatinaScanOptions *options, PatinaScanProgressFunc progress,
                     gpointer user_data, GCancellable *cancellable, PatinaScan *scan,
                     GError **error);
void patina_scan_clear(PatinaScan *scan);

/* Class klass's probability per pixel at out_w × out_h (the image's size, or smaller for a
 * preview: each output pixel takes the cell under its centre). */
float *patina_scan_class_map(const PatinaScan *scan, int klass, int out_w, int out_h);

/* The most probable class per pixel at out_w × out_h, sampled as patina_scan_class_map does;
 * ties go to the lower class, as in area_fraction. At most 256 classes. */
guint8 *patina_scan_best_class_map(const PatinaScan *scan, int out_w, int out_h);
/* A colour per class for a map of the most probable class: Okabe and Ito's palette, which
 * people with any common colour-vision deficiency tell apart (beyond eight classes it repeats). */
void patina_scan_class_colour(int klass, guint8 rgb[3]);

/* Each tile's position, size and class probabilities as CSV (header x,y,size,p_NAME...; one
 * row per tile, numbers in the C locale). class_names: one per class. */
char *patina_scan_to_csv(const PatinaScan *scan, char *const *class_names);

G_END_DECLS
