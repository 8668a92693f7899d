/* On-the-fly augmentation of gray planes, named and scaled as Keras's ImageDataGenerator so a
 * Keras recipe ports as is, plus contrast, gamma, Gaussian blur and Gaussian noise for SEM
 * noise, focus and charging.
 *
 * Semantics (per image; every parameter is drawn from the image's own PatinaRng):
 *
 * Geometry, one bilinear warp from the source plane (w×h) straight into the size×size output,
 * so resizing and augmenting sample the source once. As in Keras, rotation, shift and zoom are
 * composed into one affine matrix about the image centre that maps an output pixel to the
 * (resized) input: input = centre + R(θ)·(Z·(out − centre) − t), then the flips mirror the
 * result (Keras flips after the affine transform; here the flips are folded into the matrix).
 *   rotation_range      θ uniform in [−r, r] degrees, r ≤ 360 (180 already reaches every
 *                       angle; the paper's "any degree between 0 and 360" is 180). Positive θ
 *                       turns the content counter-clockwise on screen.
 *   width_shift_range   t_x uniform in [−r, r]: a fraction of the width if r < 1, else pixels
 *   height_shift_range  of the output (Keras: "fraction of total width if < 1, or pixels if
 *                       ≥ 1"). Content moves by t/zoom output pixels (Keras's order: the shift
 *                       is applied to zoomed coordinates).
 *   zoom_range          [lo, hi]; a single number z means [1 − z, 1 + z] (Keras). zx and zy
 *                       are drawn independently, as Keras does. Zoom < 1 magnifies (the output
 *                       shows a smaller part of the input), > 1 shrinks.
 *   horizontal_flip,    each mirrors with probability 0.5.
 *   vertical_flip
 *   fill_mode, cval     what lies outside the input: "nearest" (aaaa|abcd|dddd, Keras's
 *                       default), "reflect" (dcba|abcd|dcba), "wrap" (abcd|abcd|abcd) or
 *                       "constant" (cval, in [0, 1]: Keras's cval is in the image's units,
 *                       usually 0–255, so divide it by 255). The mode applies to each of the
 *                       four bilinear taps, so a constant fill meets the image along a one-pixel
 *                       blend rather than a jagged edge.
 *   The centre is the true pixel-grid centre ((size−1)/2); Keras uses size/2 + 0.5, a pixel
 *   off, so here a 90° turn of a square image is exactly its transpose mirrored. Sampling is
 *   bilinear in float (Keras: spline order 1 through scipy.ndimage, the same interpolation).
 *   Identity parameters reproduce a same-size input bit for bit, and a resize equals
 *   patina_resize_bilinear (align_corners=False) to float rounding.
 *
 * Intensity, on the warped plane, in this order (each op only with its probability):
 *   blur_sigma          Gaussian blur, σ in output pixels (defocus), reflected borders.
 *   brightness_range    v·b, b uniform in [lo, hi], clipped to [0, 1]. Keras converts to a
 *                       0–255 PIL image (min–max scaled) and applies ImageEnhance.Brightness,
 *                       which is the same multiplication and clip on the 8-bit image; here it
 *                       multiplies the [0, 1] plane at full precision. Off = null.
 *   contrast_range      m + c·(v − m), m the plane's mean, c uniform in [lo, hi], clipped (as
 *                       PIL's ImageEnhance.Contrast about the mean gray).
 *   gamma_range         v^g, g uniform in [lo, hi].
 *   noise_sigma         v + σ·N(0, 1) per pixel, σ in [0, 1] units, clipped to [0, 1].
 *   A sigma is one number (fixed) or [lo, hi] (uniform). *_probability (default 1) is the share
 *   of images that get the op.
 *
 * Defaults (patina_augment_init) are all off. */
#pragma once
#include <json-glib/json-glib.h>

#include "rng.h"

G_BEGIN_DECLS

typedef enum {
  PATINA_FILL_NEAREST,
  PATINA_FILL_REFLECT,
  PATINA_FILL_WRAP,
  PATINA_FILL_CONSTANT,
} PatinaFillMode;

typedef struct {
  double rotation_range;                        /* degrees, 0 to 360 */
  double width_shift_range, height_shift_range; /* < 1: fraction, ≥ 1: pixels */
  double zoom_range[2];                         /* [1, 1] = off */
  gboolean horizontal_flip, vertical_flip;
  PatinaFillMode fill_mode;
  double cval;                                  /* [0, 1] */
  double brightness_range[2];                   /* [1, 1] = off (Keras's None) */
  double brightness_probability;
  double contrast_range[2];                     /* [1, 1] = off */
  double contrast_probability;
  double gamma_range[2];                        /* [1, 1] = off */
  double gamma_probability;
  double noise_sigma[2];                        /* [0, 0] = off */
  double noise_probability;
  double blur_sigma[2];                         /* [0, 0] = off */
  double blur_probability;
} PatinaAugment;

/* What was drawn for one image. Multiplicative factors are 1 and sigmas 0 when an op was not
 * applied. */
typedef struct {
  double theta;            /* degrees, counter-clockwise */
  double shift_x, shift_y; /* output pixels; content moves right / down by shift / zoom */
  double zoom_x, zoom_y;
  gboolean flip_h, flip_v;
  double brightness, contrast, gamma, noise_sigma, blur_sigma;
  guint64 noise_seed;
} PatinaAugmentDraw;

/* All off, fill "nearest", probabilities 1. */
void patina_augment_init(PatinaAugment *a);
/* The paper's list (shifting, rotating, flipping, brightness, zoom) with these values:
 * rotation_range 180 (any angle, as the paper), width/height_shift_range 0.1, zoom_range 0.1,
 * both flips, brightness_range [0.8, 1.2], fill_mode reflect (a micrograph's texture continues
 * plausibly into a mirrored border; "nearest" smears streaks into the corners a rotation
 * exposes). "mild": shifts 0.1, zoom_range 0.1, both flips, brightness_range [0.9, 1.1], no
 * rotation, fill reflect (the run that was best of the three on X-SDD's test split, see
 * README). Known names: "paper", "mild", "none". */
gboolean patina_augment_preset(PatinaAugment *a, const char *name, GError **error);
/* The name of the preset whose parameters a holds exactly ("none", "paper", "mild"), or NULL
 * when it matches none of them (hand-edited parameters). */
const char *patina_augment_preset_matching(const PatinaAugment *a);
/* TRUE when every op is off: patina_augment_plane is then a plain resize. */
gboolean patina_augment_is_identity(const PatinaAugment *a);
/* Ranges, probabilities and sigmas must make sense; the message names the Keras field. */
gboolean patina_augment_validate(const PatinaAugment *a, GError **error);

const char *patina_fill_mode_name(PatinaFillMode mode);
gboolean patina_fill_mode_parse(const char *name, PatinaFillMode *mode, GError **error);

/* JSON with the Keras names (one object, every field written). Parsing starts from the
 * defaults, so a partial object sets only what it names; unknown fields, wrong types and
 * out-of-range values are refused naming the field. Keras fields without a counterpart are
 * accepted only at their no-op value (shear_range 0, rescale 1/255, ...). */
JsonNode *patina_augment_to_json_node(const PatinaAugment *a);
char *patina_augment_to_json(const PatinaAugment *a);
gboolean patina_augment_from_json_node(PatinaAugment *a, JsonNode *node, GError **error);
gboolean patina_augment_from_json(PatinaAugment *a, const char *json, gssize length,
                                  GError **error);

/* Sets one field by its JSON name from text, as a command line gives it: "20", "0.8,1.2",
 * "true", "reflect", "null". Validated as the JSON form is; a on failure is unchanged. */
gboolean patina_augment_set(PatinaAugment *a, const char *name, const char *value,
                            GError **error);
/* A one-line summary of what is on, e.g. "rotation ±180°, shift ±0.1×0.1, zoom 0.9–1.1, flips
 * H V, brightness 0.8–1.2; fill reflect"; "none" when all is off. */
char *patina_augment_describe(const PatinaAugment *a);

/* The stream of one image in one epoch, independent of batch order and threads. */
void patina_augment_rng_for(PatinaRng *rng, guint64 seed, guint64 epoch, guint64 index);

/* Draws one image's parameters for an output of size×size. Always consumes the same number of
 * values from rng, whatever is on, so switching one op leaves the others' draws unchanged. */
void patina_augment_draw(const PatinaAugment *a, int size, PatinaRng *rng, PatinaAugmentDraw *d);
/* Warps src (w×h) into dst (size×size) with d, then the intensity ops. src and dst must not
 * overlap. */
void patina_augment_apply(const PatinaAugment *a, const PatinaAugmentDraw *d, const float *src,
                          int w, int h, float *dst, int size);
/* Draw and apply. */
void patina_augment_plane(const PatinaAugment *a, PatinaRng *rng, const float *src, int w, int h,
                          float *dst, int size);
/* A short label of what d does, e.g. "rot 23° flipH zoom 0.91"; "identity" when nothing. */
char *patina_augment_draw_describe(const PatinaAugmentDraw *d);
/* The same as separate items ("rot 23°", "flipH", "zoom 0.91"), for wrapping; empty when
 * nothing. */
GStrv patina_augment_draw_items(const PatinaAugmentDraw *d);

G_END_DECLS
