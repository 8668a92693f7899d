/* Turning image files into network input.
 *
 * Decoding: TIFF through libtiff (tiff.c: 8- and 16-bit unsigned, 32/64-bit float samples,
 * gray or RGB, strips or tiles, contiguous or separate planes, first page only; other TIFF
 * flavours such as palette or bilevel through libtiff's RGBA reader), everything else (PNG,
 * JPEG, BMP, GIF, ...) through gdk-pixbuf at 8 bits. Pixels become float32 at the file's native
 * precision: 8-bit / 255, 16-bit / 65535 (never squeezed to 8 bits first), float samples as
 * they are; a float TIFF with NaN or Inf samples is refused. Sizes are checked from the
 * header, before any pixel buffer is allocated.
 *
 * SEM metadata (sem.h) comes from TIFF tags and from a sidecar .txt; the data bar (databar.h)
 * is cropped by default on the gray path that feeds the network.
 *
 * The gray path makes images grayscale with ITU-R BT.601 luma (as PIL's convert("L")), in
 * float; the network input repeats the gray plane to the model's channels as the paper feeds
 * its SEM images, resized bilinearly. */
#pragma once
#include <glib.h>

#include "databar.h"
#include "sem.h"

G_BEGIN_DECLS

#define PATINA_IMAGE_ERROR (patina_image_error_quark())
GQuark patina_image_error_quark(void);

typedef enum {
  PATINA_IMAGE_ERROR_CORRUPT,     /* not an image, truncated, or inconsistent */
  PATINA_IMAGE_ERROR_UNSUPPORTED, /* a valid file of a kind Patina does not read */
  PATINA_IMAGE_ERROR_TOO_LARGE,   /* beyond the decoded-size limits */
  PATINA_IMAGE_ERROR_BAD_VALUE,   /* NaN or Inf float samples */
  PATINA_IMAGE_ERROR_CROP,        /* a requested crop leaves no rows */
} PatinaImageError;

/* Decoded-size limits. A zero field takes the default. */
#define PATINA_IMAGE_MAX_SIDE 16384
#define PATINA_IMAGE_MAX_BYTES (G_GUINT64_CONSTANT(1) << 30)
typedef struct {
  int max_width, max_height; /* default PATINA_IMAGE_MAX_SIDE */
  guint64 max_bytes;         /* of the decoded float pixels; default 1 GiB */
} PatinaLoadLimits;

/* A decoded image. data is interleaved (HWC), row-major:
 * data[((gsize) y * width + x) * channels + c]. */
typedef struct {
  int width, height;
  int channels;        /* 1 (gray) or 3 (RGB); alpha is dropped */
  int bits_per_sample; /* of the file: 8, 16, 32 or 64 (float); 1/2/4 for bilevel TIFF */
  gboolean is_float;   /* float samples in the file (kept as they are, not rescaled) */
  float *data;
  PatinaSemInfo sem;
} PatinaImage;

/* Loads path (metadata from TIFF tags and the sidecar .txt). limits NULL = defaults. */
PatinaImage *patina_image_load(const char *path, const PatinaLoadLimits *limits,
                               GError **error);
/* Decodes a file held in memory; name is used in messages. No sidecar is read. */
PatinaImage *patina_image_load_memory(const void *data, gsize len, const char *name,
                                      const PatinaLoadLimits *limits, GError **error);
void patina_image_free(PatinaImage *img);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PatinaImage, patina_image_free)

/* How the gray path treats the data bar. */
typedef enum {
  PATINA_CROP_AUTO = 0, /* metadata, else the heuristic (the default) */
  PATINA_CROP_OFF,      /* keep every row */
  PATINA_CROP_ROWS,     /* crop exactly crop_rows rows at the bottom (0 keeps every row) */
} PatinaCropMode;

typedef struct {
  const PatinaLoadLimits *limits; /* NULL = defaults */
  PatinaCropMode crop;
  int crop_rows; /* for PATINA_CROP_ROWS */
} PatinaLoadOptions;

/* A grayscale image as float, row-major; [0, 1] for 8- and 16-bit files. */
typedef struct {
  int width, height; /* after the data bar crop */
  float *pixels;
  PatinaDatabar databar; /* what was cropped: keep_rows == height */
  PatinaSemInfo sem;
  int bits_per_sample;
} PatinaGray;

/* Loads path as gray with the data bar cropped (PATINA_CROP_AUTO). */
PatinaGray *patina_gray_load(const char *path, GError **error);
/* As patina_gray_load with options (NULL = defaults). */
PatinaGray *patina_gray_load_full(const char *path, const PatinaLoadOptions *options,
                                  GError **error);
/* The BT.601 luma of an image, uncropped. */
PatinaGray *patina_gray_from_image(const PatinaImage *img);
void patina_gray_free(PatinaGray *img);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PatinaGray, patina_gray_free)

/* Bilinear resize with half-pixel centres (align_corners=False, no antialias), one plane. */
void patina_resize_bilinear(const float *src, int src_w, int src_h, float *dst, int dst_w,
                            int dst_h);

/* Loads path as a channels×size×size float input (the gray plane repeated per channel), data
 * bar cropped. */
gboolean patina_image_load_input(const char *path, int size, int channels, float *out,
                                 GError **error);
/* As patina_image_load_input with options (NULL = defaults); databar (may be NULL) receives
 * what was cropped. */
gboolean patina_image_load_input_full(const char *path, int size, int channels,
                                      const PatinaLoadOptions *options, float *out,
                                      PatinaDatabar *databar, GError **error);

G_END_DECLS
