/* Activations: what every layer of a model makes of one image, for looking inside the network.
 *
 * The model's own forward fuses ReLU and max-pooling into the conv pass and lets a ReLU
 * overwrite the conv, dense or BatchNorm output before it, so its per-layer buffers do not
 * hold each layer's own output. patina_activations_compute therefore runs its own eval-mode
 * forward of one image, layer by layer with the same kernels (nn/ops.h) and parameters, and
 * keeps every layer's true output: a conv's before its ReLU, the ReLU's, the pool's, the
 * BatchNorm's (running statistics), the dense layers' (dropout is the identity).
 *
 * Layers have readable names numbered per kind in order ("conv1", "relu1", "pool1", "bn1",
 * "dense1", "dropout1", "flatten1", ...), as in patina-cli layers --list, and can also be named
 * by their index in the PyTorch nn.Sequential ("3") or a module path ending in it
 * ("features.3"). */
#pragma once
#include <glib.h>

#include "data/image.h"
#include "nn/model.h"

G_BEGIN_DECLS

typedef struct {
  int index;             /* position in the Sequential */
  PatinaLayerType type;
  char name[24];         /* "conv1" */
  int c, h, w;           /* output per image; flat layers: c features, h = w = 1 */
} PatinaLayerInfo;

/* The n_layers layers of model; g_free the array. */
PatinaLayerInfo *patina_layer_infos(const PatinaModel *model);
/* "conv1 32×148×148" lines, one per layer, for listings and error messages. */
char *patina_layer_list_string(const PatinaModel *model, const char *separator);
/* The layer called name (see above); -1 and an error listing the valid names if none. */
int patina_layer_find(const PatinaModel *model, const char *name, GError **error);
/* Sequential index of the first conv2d layer, or -1 and an error naming the model. */
int patina_layer_first_conv(const PatinaModel *model, GError **error);

typedef struct {
  int n_layers;
  PatinaLayerInfo *layers;
  float **outputs;       /* outputs[i]: layer i's output, c·h·w floats, NCHW without the N */
  int n_classes;
  float *probabilities;  /* n_classes, from the model's head */
} PatinaActivations;

/* input: model->in_c × in_h × in_w floats (patina_image_load_input's layout). Does not touch
 * the model's own buffers, so it may run on a worker while the model is not trained. */
PatinaActivations *patina_activations_compute(const PatinaModel *model, const float *input,
                                              GError **error);
/* Width in metres of the micrograph a loaded image shows, from its SEM metadata; 0 when the
 * pixel size is not known. */
double patina_field_width(const PatinaSemInfo *sem, int image_width);
/* Loads path as the model's input (gray, data bar cropped per options (NULL = auto), resized
 * bilinearly to the model's input size whatever the file's size, repeated to its channels) and
 * computes the activations. field_width_m (may be NULL) receives the width of the micrograph
 * in metres from its SEM metadata, 0 when unknown. Errors name the file. */
PatinaActivations *patina_activations_compute_file(const PatinaModel *model, const char *path,
                                                   const PatinaLoadOptions *options,
                                                   double *field_width_m, GError **error);
void patina_activations_free(PatinaActivations *acts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PatinaActivations, patina_activations_free)

/* ---- per-channel statistics and ordering ---- */

typedef struct {
  int channel;
  float mean, min, max;
  float active;          /* fraction of positions > 0 */
} PatinaChannelStats;

typedef enum {
  PATINA_CHANNEL_ORDER_INDEX, /* 0, 1, 2, ... */
  PATINA_CHANNEL_ORDER_MEAN,  /* largest first; ties by index */
  PATINA_CHANNEL_ORDER_MAX,
  PATINA_CHANNEL_ORDER_ACTIVE,
} PatinaChannelOrder;

/* "index", "mean", "max", "active"; FALSE and an error for anything else. */
gboolean patina_channel_order_parse(const char *text, PatinaChannelOrder *order, GError **error);
/* Statistics of each of the c planes of hw values in out (stats: c entries). */
void patina_channel_stats(const float *out, int c, int hw, PatinaChannelStats *stats);
/* The c channel indices in the given order; g_free. */
int *patina_channel_sort(const PatinaChannelStats *stats, int c, PatinaChannelOrder order);

typedef enum {
  PATINA_NORMALISE_CHANNEL, /* each map from its own min to its own max */
  PATINA_NORMALISE_LAYER,   /* one range for all maps of the layer, so they compare */
} PatinaNormalise;

gboolean patina_normalise_parse(const char *text, PatinaNormalise *normalise, GError **error);
/* The value range a channel's map is drawn with. */
void patina_channel_range(const float *out, int c, int hw, int channel, PatinaNormalise normalise,
                          float *lo, float *hi);

/* The first conv layer's filters as n = out_channels tiles of k×k, each the sum of its
 * weights over the input channels: the filter a gray micrograph, repeated to three channels
 * as the paper feeds it, actually meets. NULL and an error when the model has no conv. */
float *patina_first_conv_filters(const PatinaModel *model, int *n, int *k, GError **error);

G_END_DECLS
