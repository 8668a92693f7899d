/* Neural-network kernels: plain functions over explicit sizes and raw float pointers
 * (llm.c's shape). Tensors are NCHW float32, weights laid out as PyTorch lays them
 * (conv: out, in, kh, kw; dense: out, in).
 *
 * Contract for every backward function: it ADDS into dx, dweight and dbias (PyTorch's .grad
 * semantics), so callers zero them once per step; any of them may be NULL when not wanted.
 * Loss functions return the mean loss and WRITE (not add) the gradient of that mean. */
#pragma once
#include <glib.h>
#include <stdint.h>

#include "rng.h"

G_BEGIN_DECLS

/* ---- convolution (im2col + sgemm, one image at a time) ---- */
typedef struct {
  int in_c, in_h, in_w;
  int out_c, kh, kw, stride, pad;
  int out_h, out_w; /* filled by patina_conv_shape_init */
} PatinaConvShape;

/* Computes out_h/out_w; FALSE if the kernel does not fit the (padded) input. */
gboolean patina_conv_shape_init(PatinaConvShape *s);
/* Floats of scratch an im2col of one image needs. */
gsize patina_conv_col_len(const PatinaConvShape *s);
void patina_conv2d_forward(const PatinaConvShape *s, int n, const float *x, const float *weight,
                           const float *bias, float *y, float *col);
void patina_conv2d_backward(const PatinaConvShape *s, int n, const float *x, const float *weight,
                            const float *dy, float *dweight, float *dbias, float *dx, float *col);

/* ---- dense: y[n,out] = x[n,in] · weightᵀ + bias ---- */
void patina_dense_forward(int n, int in, int out, const float *x, const float *weight,
                          const float *bias, float *y);
void patina_dense_backward(int n, int in, int out, const float *x, const float *weight,
                           const float *dy, float *dweight, float *dbias, float *dx);

/* ---- elementwise activations; backward takes the forward's output y ---- */
void patina_relu_forward(gsize len, const float *x, float *y);
void patina_relu_backward(gsize len, const float *y, const float *dy, float *dx);
void patina_leaky_relu_forward(gsize len, float slope, const float *x, float *y);
/* Uses x (not y) so a negative slope would still be right. */
void patina_leaky_relu_backward(gsize len, float slope, const float *x, const float *dy, float *dx);
void patina_sigmoid_forward(gsize len, const float *x, float *y);
void patina_sigmoid_backward(gsize len, const float *y, const float *dy, float *dx);
void patina_tanh_forward(gsize len, const float *x, float *y);
void patina_tanh_backward(gsize len, const float *y, const float *dy, float *dx);

/* ---- max pooling, no padding, floor mode; argmax holds the in-plane index of each max ---- */
void patina_maxpool2d_out_size(int h, int w, int kernel, int stride, int *out_h, int *out_w);
void patina_maxpool2d_forward(int n, int c, int h, int w, int kernel, int stride, const float *x,
                              float *y, int32_t *argmax);
void patina_maxpool2d_backward(int n, int c, int h, int w, int kernel, int stride,
                               const int32_t *argmax, const float *dy, float *dx);

/* ---- batch normalisation over N,H,W per channel (PyTorch BatchNorm2d) ----
 * Training uses the biased batch variance to normalise and updates the running variance with
 * the unbiased one: running = (1 - momentum) * running + momentum * batch.
 * save_mean / save_invstd (c floats each) are what backward needs. */
void patina_batchnorm2d_forward_train(int n, int c, int hw, float eps, float momentum,
                                      const float *x, const float *gamma, const float *beta,
                                      float *running_mean, float *running_var, float *y,
                                      float *save_mean, float *save_invstd);
void patina_batchnorm2d_forward_eval(int n, int c, int hw, float eps, const float *x,
                                     const float *gamma, const float *beta,
                                     const float *running_mean, const float *running_var,
                                     float *y);
void patina_batchnorm2d_backward(int n, int c, int hw, const float *x, const float *gamma,
                                 const float *save_mean, const float *save_invstd,
                                 const float *dy, float *dx, float *dgamma, float *dbeta);

/* ---- inverted dropout: mask holds 0 or 1/(1-p); y = x * mask ---- */
void patina_dropout_forward(gsize len, float p, PatinaRng *rng, const float *x, float *y,
                            float *mask);
void patina_dropout_backward(gsize len, const float *mask, const float *dy, float *dx);

/* ---- softmax over the last axis of [rows, cols] ---- */
void patina_softmax_forward(int rows, int cols, const float *x, float *y);
void patina_softmax_backward(int rows, int cols, const float *y, const float *dy, float *dx);

/* ---- losses (mean reduction); d* may be NULL ---- */
/* targets in [0,1]; weights (per element) may be NULL. */
float patina_bce_with_logits(gsize len, const float *logits, const float *targets,
                             const float *weights, float *dlogits);
/* labels in [0, classes); class_weights (per class, PyTorch's weight=) may be NULL, in which
 * case the mean is over rows, else PyTorch's weighted mean. */
float patina_cross_entropy(int rows, int classes, const float *logits, const int *labels,
                           const float *class_weights, float *dlogits);
float patina_mse_loss(gsize len, const float *pred, const float *target, float *dpred);
float patina_l1_loss(gsize len, const float *pred, const float *target, float *dpred);

/* ---- optimisers, PyTorch's update rules and defaults ---- */
typedef struct {
  float lr;           /* 1e-3 */
  float beta1, beta2; /* 0.9, 0.999 */
  float eps;          /* 1e-8 */
  float weight_decay; /* 0: L2 added to the gradient, as torch.optim.Adam does */
} PatinaAdamConfig;

void patina_adam_config_default(PatinaAdamConfig *c);
/* step is 1 for the first update. m and v start zeroed. */
void patina_adam_update(const PatinaAdamConfig *c, int step, gsize len, float *param,
                        const float *grad, float *m, float *v);

typedef struct {
  float lr;
  float momentum;     /* 0 */
  float dampening;    /* 0 */
  float weight_decay; /* 0 */
  gboolean nesterov;
} PatinaSgdConfig;

/* step is 1 for the first update (PyTorch sets the momentum buffer to the gradient then). */
void patina_sgd_update(const PatinaSgdConfig *c, int step, gsize len, float *param,
                       const float *grad, float *momentum_buf);

/* ---- initialisation: PyTorch's default for Conv2d and Linear (kaiming_uniform, a = √5):
 * weight and bias both uniform in ±1/√fan_in ---- */
void patina_init_uniform(PatinaRng *rng, gsize len, float bound, float *w);
void patina_init_default(PatinaRng *rng, int fan_in, gsize weight_len, float *weight,
                         gsize bias_len, float *bias);

G_END_DECLS
