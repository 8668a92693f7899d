/* Turning image files into network input. Issue 3's loader: 8-bit through gdk-pixbuf, made
 * grayscale (ITU-R BT.601 luma, as PIL's convert("L")) and repeated to the model's channels
 * as the paper feeds its SEM images, resized bilinearly, scaled to [0, 1]. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* A grayscale image as float in [0, 1], row-major. */
typedef struct {
  int width, height;
  float *pixels;
} PatinaGray;

PatinaGray *patina_gray_load(const char *path, GError **error);
void patina_gray_free(PatinaGray *img);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PatinaGray, patina_gray_free)

/* Bilinear resize with half-pixel centres (align_corners=False, no antialias), one plane. */
void patina_resize_bilinear(const float *src, int src_w, int src_h, float *dst, int dst_w,
                            int dst_h);

/* Loads path as a channels×size×size float input (the gray plane repeated per channel). */
gboolean patina_image_load_input(const char *path, int size, int channels, float *out,
                                 GError **error);

G_END_DECLS
