/* PatinaModel: a sequential network built from a JSON model spec, with its parameters,
 * gradients and buffers in flat arenas and a batch split across worker threads.
 *
 * Layer i of the spec is index i of the equivalent PyTorch nn.Sequential, so its tensors are
 * named "i.weight", "i.bias", "i.running_mean", ... exactly like that Sequential's state_dict.
 * The output head (sigmoid for one output, softmax for more) is not a layer: the model returns
 * logits, the losses take logits, and patina_model_probabilities applies the head. */
#pragma once
#include <glib.h>
#include <stdint.h>

#include "ops.h"

G_BEGIN_DECLS

#define PATINA_ERROR (patina_error_quark())
GQuark patina_error_quark(void);

typedef enum {
  PATINA_ERROR_FAILED,
  PATINA_ERROR_INVALID,   /* a spec, file or argument that does not make sense */
  PATINA_ERROR_MISMATCH,  /* e.g. a checkpoint of another architecture or input size */
  PATINA_ERROR_NUMERIC,   /* NaN or Inf */
  PATINA_ERROR_CANCELLED,
} PatinaError;

typedef enum {
  PATINA_LAYER_CONV2D,
  PATINA_LAYER_DENSE,
  PATINA_LAYER_RELU,
  PATINA_LAYER_LEAKY_RELU,
  PATINA_LAYER_SIGMOID,
  PATINA_LAYER_TANH,
  PATINA_LAYER_MAXPOOL2D,
  PATINA_LAYER_BATCHNORM2D,
  PATINA_LAYER_DROPOUT,
  PATINA_LAYER_FLATTEN,
  PATINA_LAYER_SOFTMAX,
} PatinaLayerType;

typedef struct {
  PatinaLayerType type;
  int index;                 /* position in the Sequential: the state_dict prefix */
  int in_c, in_h, in_w;      /* per-sample input shape (dense: in_c = features, h = w = 1) */
  int out_c, out_h, out_w;   /* per-sample output shape */
  /* hyperparameters */
  PatinaConvShape conv;      /* conv2d */
  int kernel, stride;        /* maxpool2d */
  float slope;               /* leaky_relu */
  float p;                   /* dropout */
  float eps, momentum;       /* batchnorm2d */
  /* parameters and their gradients: views into the model's arenas (NULL if none) */
  float *weight, *bias, *dweight, *dbias;
  gsize weight_len, bias_len;
  /* batchnorm buffers (in the model's buffer arena) */
  float *running_mean, *running_var;
  gint64 num_batches_tracked;
  /* per-batch state, sized for the model's batch capacity */
  float *out, *dout;
  int32_t *argmax;
  float *mask;
  float *save_mean, *save_invstd;
} PatinaLayer;

typedef struct _PatinaPool PatinaPool;

typedef struct {
  char *spec_json;           /* the spec it was built from, normalised */
  char *name;                /* "paper", "paper5", or the spec's own */
  int in_c, in_h, in_w;
  int n_outputs;             /* 1: sigmoid head (binary); N > 2: softmax head */
  int n_layers;
  PatinaLayer *layers;
  float *params, *grads;     /* arenas of n_params floats */
  gsize n_params;
  float *buffers;            /* batchnorm running statistics */
  gsize n_buffers;
  int capacity;              /* batch size the per-batch state is sized for */
  int threads;
  PatinaPool *pool;
  /* per-thread scratch: im2col columns and private parameter gradients */
  float **thread_col;
  float **thread_grads;
  gsize col_len;
  float *dinput;             /* gradient w.r.t. the input, when asked for */
  float *backward_a, *backward_b; /* ping-pong gradient buffers for backward */
  gboolean last_train;       /* the mode of the last forward, which backward follows */
  /* Saliency wants only the input gradient: backward then leaves the parameter gradients
   * alone (the dense weights' share alone was half of a Grad-CAM's time). */
  gboolean input_grad_only;
} PatinaModel;

/* The paper's Table 6 CNN for `classes` classes at size×size×channels input. */
char *patina_spec_paper(int classes, int size, int channels);
/* The text's variant: 5 conv + BatchNorm, 4 max-pool, 4 dense with dropout (450×450×3). */
char *patina_spec_paper5(int classes, int size, int channels);
/* "paper" or "paper5" → spec; NULL and an error for anything else. */
char *patina_spec_by_name(const char *name, int classes, int size, int channels, GError **error);
/* The spec with p of every dropout layer set to p (a spec without dropout comes back as is). */
char *patina_spec_set_dropout(const char *spec_json, double p, GError **error);

/* Parses and checks a spec; shapes are propagated, so changing the input size recomputes the
 * flatten size. Parameters are zero until patina_model_init or a checkpoint fills them. */
PatinaModel *patina_model_new(const char *spec_json, GError **error);
void patina_model_free(PatinaModel *model);
/* PyTorch's default initialisation from rng, layer by layer in order. */
void patina_model_init(PatinaModel *model, PatinaRng *rng);
/* Threads used for a batch (>= 1); BLAS is held to one thread inside the model's parallel
 * regions when threads > 1. */
void patina_model_set_threads(PatinaModel *model, int threads);
/* Sizes the per-batch state; called by forward when a batch exceeds it. FALSE on OOM. */
gboolean patina_model_reserve(PatinaModel *model, int batch, GError **error);

/* Forward pass of n samples of in_c*in_h*in_w floats each. train: dropout on, batchnorm
 * uses and updates batch statistics. rng is only used when train is set. Returns the logits
 * [n, n_outputs], owned by the model until the next forward. */
const float *patina_model_forward(PatinaModel *model, const float *x, int n, gboolean train,
                                  PatinaRng *rng, GError **error);
/* Backward from dlogits [n, n_outputs] of the last forward with the same x; adds into
 * model->grads. If want_dinput, model->dinput receives the input gradient (overwritten).
 * After an eval-mode forward (e.g. for saliency) dropout is the identity and batchnorm uses
 * its running statistics, and only the input gradient is meaningful. */
void patina_model_backward(PatinaModel *model, const float *x, const float *dlogits, int n,
                           gboolean want_dinput);
/* The gradient of dlogits w.r.t. the output of `layer` after the last forward, into dout
 * [n, that layer's output size]; only the layers after it run backward and the parameter
 * gradients are left alone. Saliency's backward, without a copy of the model's tail. */
void patina_model_backward_to_layer(PatinaModel *model, const float *dlogits, int n, int layer,
                                    float *dout);
void patina_model_zero_grad(PatinaModel *model);
/* Sigmoid or softmax of logits into probs: [n, classes] where classes = max(2, n_outputs);
 * for the binary head column 1 is sigmoid(logit) and column 0 its complement. */
void patina_model_probabilities(const PatinaModel *model, const float *logits, int n,
                                float *probs);
int patina_model_n_classes(const PatinaModel *model);
const char *patina_layer_type_name(PatinaLayerType type);

G_END_DECLS
