/* Saliency: Grad-CAM (Selvaraju et al. 2017) and Grad-CAM++ (Chattopadhay et al. 2018) of
 * any conv layer of a model for any class.
 *
 * Which tensor: the activation A of a conv layer is the conv block's rectified output, before
 * pooling: the output of the ReLU (or leaky ReLU) that follows the conv, through a BatchNorm
 * in between when there is one; the conv's own output when no activation follows. That is the
 * "rectified conv feature maps" of the Grad-CAM paper and what a PyTorch forward hook on the
 * nn.ReLU module after the Conv2d sees (tests/make_golden.py computes the fixture that way).
 *
 * Which score: for a softmax head, the logit of the class (before the softmax). For the binary
 * sigmoid head (one output, the logit of class 1): class 1's score is that logit and class 0's
 * is its negation, log(p0 / p1), so each class's map shows the evidence for that class.
 *
 * The weights, per channel k, from the gradient g = dScore/dA:
 *   Grad-CAM    α_k = mean over positions of g_k
 *   Grad-CAM++  α_k = Σ_ij relu(g_kij) · g²/(2g² + Σ_ab A_kab · g³ + 1e-6), 0 where g = 0
 *               (the closed form for an exponential score, as pytorch-grad-cam computes it)
 * and the map is relu(Σ_k α_k A_k) at the layer's resolution. */
#pragma once
#include <cairo.h>
#include <glib.h>

#include "data/image.h"
#include "nn/model.h"
#include "viz/colormap.h"

G_BEGIN_DECLS

typedef enum {
  PATINA_CAM_GRADCAM,
  PATINA_CAM_GRADCAM_PLUS_PLUS,
} PatinaCamMethod;

/* The layers Grad-CAM takes: each conv, named "conv1", "conv2", ... in order. */
typedef struct {
  char *name;        /* "conv2" */
  int conv_index;    /* Sequential index of the conv */
  int act_index;     /* Sequential index of the tensor taken (the ReLU after it) */
  int channels, height, width;
} PatinaCamLayer;

/* The conv layers of model (n_out of them, possibly 0). Free with patina_cam_layers_free. */
PatinaCamLayer *patina_cam_layers(const PatinaModel *model, int *n_out);
void patina_cam_layers_free(PatinaCamLayer *layers, int n);
/* Finds a conv layer by name ("conv2") or Sequential index ("3"); NULL (the last conv) picks
 * the default. Errors name the valid layers; a model without conv layers is an error.
 * Returns the position in patina_cam_layers(), or -1. */
int patina_cam_find_layer(const PatinaModel *model, const char *name, GError **error);

typedef struct {
  PatinaCamLayer layer;
  int klass;
  PatinaCamMethod method;
  float *map;        /* layer.height × layer.width, ≥ 0, not normalised */
  float *weights;    /* α_k, layer.channels of them */
  float score;       /* the class score the gradient is taken of (see above) */
  float probability; /* of klass, from the model's head */
} PatinaCam;

/* The CAM of x (one input of in_c × in_h × in_w floats) for class klass at the conv layer
 * `layer` (a position in patina_cam_layers()). Runs an eval-mode forward of model (its
 * per-batch state is overwritten) and a backward through a copy of the layers after the
 * activation; model's gradients are not touched. */
gboolean patina_cam_compute(PatinaModel *model, const float *x, int layer, int klass,
                            PatinaCamMethod method, PatinaCam *cam, GError **error);
void patina_cam_clear(PatinaCam *cam);

/* The map upsampled bilinearly (half-pixel centres, as PyTorch's align_corners=False) to
 * width × height and divided by its maximum: values in [0, 1]; an all-zero map stays zero. */
float *patina_cam_upsample(const PatinaCam *cam, int width, int height);

/* A width × height RGB24 surface: the grayscale image (floats in [0, 1]) blended with the
 * colormap's colour of values (mapped from [lo, hi]) at opacity in [0, 1]. NULL if cairo
 * cannot allocate it. */
cairo_surface_t *patina_overlay_render(const float *gray, const float *values, int width,
                                       int height, float lo, float hi,
                                       const PatinaColormap *cmap, double opacity);

/* The network input of a grayscale image: resized to the input, repeated to its channels. */
float *patina_cam_input(const PatinaModel *model, const PatinaGray *img);
/* The image's size scaled down so its longer side is at most max_side (0: no limit). */
void patina_cam_display_size(const PatinaGray *img, int max_side, int *width, int *height);
/* The CAM upsampled over img (shrunk as patina_cam_display_size says) at opacity; NULL if
 * cairo cannot allocate it. */
cairo_surface_t *patina_cam_overlay(const PatinaGray *img, const PatinaCam *cam,
                                    const PatinaColormap *cmap, double opacity, int max_side);

/* Resizes a plane for display: each output pixel is the mean of the source area it covers
 * (what a viewer shows when it shrinks an image; bilinear sampling alone aliases fine texture
 * at large reductions). Upscaling falls back to bilinear. */
void patina_resize_for_display(const float *src, int src_w, int src_h, float *dst, int dst_w,
                               int dst_h);

/* Writes surface as a PNG to path atomically (a temporary file renamed over it). */
gboolean patina_surface_save_png(cairo_surface_t *surface, const char *path, GError **error);

G_END_DECLS
