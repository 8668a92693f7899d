/* Colormaps: 256-entry RGB tables that turn a scalar (an activation, a saliency value) into a
 * colour, for the screen and for report figures.
 *
 * Names, in display order: the paper's six (Bhat et al. 2023, Fig. 9: "blue_RGB", "aqua",
 * "moonlight", "bronze", "red_lava", "bone") then "gray" and "viridis". Every table is built
 * once from control points documented in colormap.c; all eight are sequential (CIE L* rises
 * from entry 0 to 255; only viridis's published 8-bit table dips once, by 0.03), so a brighter
 * colour always means a larger value.
 *
 * Pixels are written in cairo's native 32-bit layout (0xAARRGGBB in a guint32, alpha 255),
 * which is what CAIRO_FORMAT_RGB24 and CAIRO_FORMAT_ARGB32 surfaces hold. */
#pragma once
#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

#define PATINA_COLORMAP_SIZE 256

typedef struct _PatinaColormap PatinaColormap;

/* The names, NULL-terminated, in display order. */
const char *const *patina_colormap_names(void);
/* The paper's six, NULL-terminated, in the order of its Fig. 9 (a)–(f). */
const char *const *patina_colormap_paper_names(void);
/* By name (case-insensitive; "red lava" and "red-lava" also find red_lava). NULL and an
 * error listing the valid names when unknown. The result is static: never freed. */
const PatinaColormap *patina_colormap_lookup(const char *name, GError **error);

const char *patina_colormap_get_name(const PatinaColormap *cmap);  /* "red_lava" */
const char *patina_colormap_get_label(const PatinaColormap *cmap); /* "Red lava" (English) */
/* 256 × 3 bytes (R, G, B), entry 0 for the lowest value. */
const guint8 *patina_colormap_get_table(const PatinaColormap *cmap);

/* Colour of t in [0, 1] (clamped; NaN maps like 0). reversed: 1 - t. */
void patina_colormap_map(const PatinaColormap *cmap, float t, gboolean reversed,
                         guint8 rgb[3]);
/* The same as one cairo pixel, 0xFFRRGGBB. */
guint32 patina_colormap_pixel(const PatinaColormap *cmap, float t, gboolean reversed);

/* Maps values[0, n) linearly from [lo, hi] to [0, 1] and writes n cairo pixels. lo == hi (a
 * constant map) gives entry 0 everywhere; non-finite values map like lo. */
void patina_colormap_apply(const PatinaColormap *cmap, const float *values, gsize n, float lo,
                           float hi, gboolean reversed, guint32 *pixels);
/* A width × height RGB24 surface of the plane (row-major floats); NULL if cairo could not
 * allocate it. The caller destroys it. */
cairo_surface_t *patina_colormap_render(const PatinaColormap *cmap, const float *plane,
                                        int width, int height, float lo, float hi,
                                        gboolean reversed);

/* A width × height RGB24 swatch of the map, low values on the left: what a colormap chooser
 * shows beside each name. NULL if cairo could not allocate it. */
cairo_surface_t *patina_colormap_swatch(const PatinaColormap *cmap, int width, int height,
                                        gboolean reversed);

/* CIE L* (D65, sRGB) of an 8-bit sRGB colour: what "sequential" is checked against. */
double patina_colormap_lightness(const guint8 rgb[3]);

G_END_DECLS
