/* Elementwise, pooling, normalisation, dropout, softmax, loss, optimiser and initialisation
 * kernels. Convolution and dense live in conv.c (they are the GEMM-bound ones). Reductions
 * accumulate in double so results do not depend on summation order as much as float would. */
#include "ops.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* ---- activations ---- */

void patina_relu_forward(gsize len, const float *x, float *y)
{
  for (gsize i = 0; i < len; i++)
    y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void patina_relu_backward(gsize len, const float *y, const float *dy, float *dx)
{
  for (gsize i = 0; i < len; i++)
    dx[i] += y[i] > 0.0f ? dy[i] : 0.0f;
}

void patina_leaky_relu_forward(gsize len, float slope, const float *x, float *y)
{
  for (gsize i = 0; i < len; i++)
    y[i] = x[i] > 0.0f ? x[i] : x[i] * slope;
}

void patina_leaky_relu_backward(gsize len, float slope, const float *x, const float *dy,
                                float *dx)
{
  for (gsize i = 0; i < len; i++)
    dx[i] += x[i] > 0.0f ? dy[i] : dy[i] * slope;
}

void patina_sigmoid_forward(gsize len, const float *x, float *y)
{
  for (gsize i = 0; i < len; i++)
    y[i] = 1.0f / (1.0f + expf(-x[i]));
}

void patina_sigmoid_backward(gsize len, const float *y, const float *dy, float *dx)
{
  for (gsize i = 0; i < len; i++)
    dx[i] += dy[i] * y[i] * (1.0f - y[i]);
}

void patina_tanh_forward(gsize len, const float *x, float *y)
{
  for (gsize i = 0; i < len; i++)
    y[i] = tanhf(x[i]);
}

void patina_tanh_backward(gsize len, const float *y, const float *dy, float *dx)
{
  for (gsize i = 0; i < len; i++)
    dx[i] += dy[i] * (1.0f - y[i] * y[i]);
}

/* ---- max pooling ---- */

void patina_maxpool2d_out_size(int h, int w, int kernel, int stride, int *out_h, int *out_w)
{
  *out_h = h >= kernel ? (h - kernel) / stride + 1 : 0;
  *out_w = w >= kernel ? (w - kernel) / stride + 1 : 0;
}

/* The paper's pool, branch-free so it vectorises: it was 30 % of inference as a generic loop.
 * Ties keep the first maximum in row-major window order, as the generic loop and PyTorch do
 * (NaN is not propagated here; the training loop's NaN guard catches it at the loss). */
static void maxpool_2x2_plane(const float *xp, int w, int oh, int ow, float *yp, int32_t *ap)
{
  for (int oy = 0; oy < oh; oy++) {
    const float *r0 = xp + (gsize) (2 * oy) * w, *r1 = r0 + w;
    float *yr = yp + (gsize) oy * ow;
    int32_t *ar = ap + (gsize) oy * ow;
    int32_t base = 2 * oy * w;
    for (int ox = 0; ox < ow; ox++) {
      float a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1];
      int32_t i = base + 2 * ox;
      float m = a;
      int32_t k = i;
      k = b > m ? i + 1 : k;
      m = b > m ? b : m;
      k = c > m ? i + w : k;
      m = c > m ? c : m;
      k = d > m ? i + w + 1 : k;
      m = d > m ? d : m;
      yr[ox] = m;
      ar[ox] = k;
    }
  }
}

void patina_maxpool2d_forward(int n, int c, int h, int w, int kernel, int stride, const float *x,
                              float *y, int32_t *argmax)
{
  int oh, ow;
  patina_maxpool2d_out_size(h, w, kernel, stride, &oh, &ow);
  for (gsize plane = 0; plane < (gsize) n * c; plane++) {
    const float *xp = x + plane * h * w;
    float *yp = y + plane * oh * ow;
    int32_t *ap = argmax + plane * oh * ow;
    if (kernel == 2 && stride == 2) {
      maxpool_2x2_plane(xp, w, oh, ow, yp, ap);
      continue;
    }
    for (int oy = 0; oy < oh; oy++) {
      for (int ox = 0; ox < ow; ox++) {
        int best = (oy * stride) * w + ox * stride;
        float best_v = xp[best];
        for (int ky = 0; ky < kernel; ky++) {
          const float *row = xp + (oy * stride + ky) * w + ox * stride;
          for (int kx = 0; kx < kernel; kx++) {
            /* ">" keeps the first maximum, as PyTorch does; NaN propagates like PyTorch's */
            if (row[kx] > best_v || isnan(row[kx])) {
              best_v = row[kx];
              best = (oy * stride + ky) * w + ox * stride + kx;
            }
          }
        }
        yp[oy * ow + ox] = best_v;
        ap[oy * ow + ox] = best;
      }
    }
  }
}

void patina_maxpool2d_backward(int n, int c, int h, int w, int kernel, int stride,
                               const int32_t *argmax, const float *dy, float *dx)
{
  int oh, ow;
  patina_maxpool2d_out_size(h, w, kernel, stride, &oh, &ow);
  for (gsize plane = 0; plane < (gsize) n * c; plane++) {
    float *dxp = dx + plane * h * w;
    const float *dyp = dy + plane * oh * ow;
    const int32_t *ap = argmax + plane * oh * ow;
    if (kernel == stride) {
      /* Non-overlapping windows: a masked add per window position instead of a scatter, so
       * the inner loop is contiguous and vectorises. */
      for (int oy = 0; oy < oh; oy++) {
        for (int ky = 0; ky < kernel; ky++) {
          int iy = oy * stride + ky;
          float *dxrow = dxp + iy * w;
          for (int kx = 0; kx < kernel; kx++) {
            for (int ox = 0; ox < ow; ox++) {
              int32_t pos = iy * w + ox * stride + kx;
              dxrow[ox * stride + kx] += ap[oy * ow + ox] == pos ? dyp[oy * ow + ox] : 0.0f;
            }
          }
        }
      }
    } else {
      for (int i = 0; i < oh * ow; i++)
        dxp[ap[i]] += dyp[i];
    }
  }
}

/* ---- batch normalisation ---- */

void patina_batchnorm2d_forward_train(int n, int c, int hw, float eps, float momentum,
                                      const float *x, const float *gamma, const float *beta,
                                      float *running_mean, float *running_var, float *y,
                                      float *save_mean, float *save_invstd)
{
  gsize count = (gsize) n * hw;
  for (int ch = 0; ch < c; ch++) {
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
      const float *p = x + ((gsize) i * c + ch) * hw;
      for (int j = 0; j < hw; j++)
        sum += p[j];
    }
    double mean = sum / count;
    double ss = 0.0;
    for (int i = 0; i < n; i++) {
      const float *p = x + ((gsize) i * c + ch) * hw;
      for (int j = 0; j < hw; j++) {
        double d = p[j] - mean;
        ss += d * d;
      }
    }
    double var = ss / count;
    float invstd = (float) (1.0 / sqrt(var + eps));
    save_mean[ch] = (float) mean;
    save_invstd[ch] = invstd;
    if (running_mean && running_var) {
      double unbiased = count > 1 ? ss / (count - 1) : var;
      running_mean[ch] = (float) ((1.0 - momentum) * running_mean[ch] + momentum * mean);
      running_var[ch] = (float) ((1.0 - momentum) * running_var[ch] + momentum * unbiased);
    }
    float scale = gamma[ch] * invstd;
    float shift = beta[ch] - (float) mean * scale;
    for (int i = 0; i < n; i++) {
      const float *p = x + ((gsize) i * c + ch) * hw;
      float *q = y + ((gsize) i * c + ch) * hw;
      for (int j = 0; j < hw; j++)
        q[j] = p[j] * scale + shift;
    }
  }
}

void patina_batchnorm2d_forward_eval(int n, int c, int hw, float eps, const float *x,
                                     const float *gamma, const float *beta,
                                     const float *running_mean, const float *running_var,
                                     float *y)
{
  for (int ch = 0; ch < c; ch++) {
    float invstd = 1.0f / sqrtf(running_var[ch] + eps);
    float scale = gamma[ch] * invstd;
    float shift = beta[ch] - running_mean[ch] * scale;
    for (int i = 0; i < n; i++) {
      const float *p = x + ((gsize) i * c + ch) * hw;
      float *q = y + ((gsize) i * c + ch) * hw;
      for (int j = 0; j < hw; j++)
        q[j] = p[j] * scale + shift;
    }
  }
}

void patina_batchnorm2d_backward(int n, int c, int hw, const float *x, const float *gamma,
                                 const float *save_mean, const float *save_invstd,
                                 const float *dy, float *dx, float *dgamma, float *dbeta)
{
  gsize count = (gsize) n * hw;
  for (int ch = 0; ch < c; ch++) {
    double sum_dy = 0.0, sum_dy_xhat = 0.0;
    float mean = save_mean[ch], invstd = save_invstd[ch];
    for (int i = 0; i < n; i++) {
      const float *p = x + ((gsize) i * c + ch) * hw;
      const float *g = dy + ((gsize) i * c + ch) * hw;
      for (int j = 0; j < hw; j++) {
        sum_dy += g[j];
        sum_dy_xhat += g[j] * (p[j] - mean) * invstd;
      }
    }
    if (dgamma)
      dgamma[ch] += (float) sum_dy_xhat;
    if (dbeta)
      dbeta[ch] += (float) sum_dy;
    if (!dx)
      continue;
    /* dx = γ·invstd/N · (N·dy − Σdy − x̂·Σ(dy·x̂)) */
    float k = gamma[ch] * invstd / (float) count;
    float mean_dy = (float) sum_dy;
    float mean_dy_xhat = (float) sum_dy_xhat;
    for (int i = 0; i < n; i++) {
      const float *p = x + ((gsize) i * c + ch) * hw;
      const float *g = dy + ((gsize) i * c + ch) * hw;
      float *d = dx + ((gsize) i * c + ch) * hw;
      for (int j = 0; j < hw; j++) {
        float xhat = (p[j] - mean) * invstd;
        d[j] += k * ((float) count * g[j] - mean_dy - xhat * mean_dy_xhat);
      }
    }
  }
}

/* ---- dropout ---- */

void patina_dropout_forward(gsize len, float p, PatinaRng *rng, const float *x, float *y,
                            float *mask)
{
  float keep_scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  for (gsize i = 0; i < len; i++) {
    mask[i] = patina_rng_uniform(rng) < p ? 0.0f : keep_scale;
    y[i] = x[i] * mask[i];
  }
}

void patina_dropout_backward(gsize len, const float *mask, const float *dy, float *dx)
{
  for (gsize i = 0; i < len; i++)
    dx[i] += dy[i] * mask[i];
}

/* ---- softmax ---- */

void patina_softmax_forward(int rows, int cols, const float *x, float *y)
{
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (gsize) r * cols;
    float *yr = y + (gsize) r * cols;
    float mx = -FLT_MAX;
    for (int j = 0; j < cols; j++)
      mx = fmaxf(mx, xr[j]);
    double sum = 0.0;
    for (int j = 0; j < cols; j++) {
      yr[j] = expf(xr[j] - mx);
      sum += yr[j];
    }
    for (int j = 0; j < cols; j++)
      yr[j] = (float) (yr[j] / sum);
  }
}

void patina_softmax_backward(int rows, int cols, const float *y, const float *dy, float *dx)
{
  for (int r = 0; r < rows; r++) {
    const float *yr = y + (gsize) r * cols, *gr = dy + (gsize) r * cols;
    float *dr = dx + (gsize) r * cols;
    double dot = 0.0;
    for (int j = 0; j < cols; j++)
      dot += yr[j] * gr[j];
    for (int j = 0; j < cols; j++)
      dr[j] += yr[j] * (gr[j] - (float) dot);
  }
}

/* ---- losses ---- */

float patina_bce_with_logits(gsize len, const float *logits, const float *targets,
                             const float *weights, float *dlogits)
{
  double sum = 0.0;
  for (gsize i = 0; i < len; i++) {
    double x = logits[i], t = targets[i];
    double w = weights ? weights[i] : 1.0;
    /* max(x,0) − x·t + log(1 + e^−|x|): stable for large |x| */
    sum += w * (fmax(x, 0.0) - x * t + log1p(exp(-fabs(x))));
    if (dlogits)
      dlogits[i] = (float) (w * (1.0 / (1.0 + exp(-x)) - t) / (double) len);
  }
  return (float) (sum / (double) len);
}

float patina_cross_entropy(int rows, int classes, const float *logits, const int *labels,
                           const float *class_weights, float *dlogits)
{
  double sum = 0.0, weight_sum = 0.0;
  for (int r = 0; r < rows; r++)
    weight_sum += class_weights ? class_weights[labels[r]] : 1.0;
  for (int r = 0; r < rows; r++) {
    const float *xr = logits + (gsize) r * classes;
    double mx = -DBL_MAX;
    for (int j = 0; j < classes; j++)
      mx = fmax(mx, xr[j]);
    double z = 0.0;
    for (int j = 0; j < classes; j++)
      z += exp(xr[j] - mx);
    double log_z = mx + log(z);
    double w = class_weights ? class_weights[labels[r]] : 1.0;
    sum += w * (log_z - xr[labels[r]]);
    if (dlogits) {
      float *dr = dlogits + (gsize) r * classes;
      for (int j = 0; j < classes; j++) {
        double p = exp(xr[j] - log_z);
        dr[j] = (float) (w * (p - (j == labels[r] ? 1.0 : 0.0)) / weight_sum);
      }
    }
  }
  return (float) (sum / weight_sum);
}

float patina_mse_loss(gsize len, const float *pred, const float *target, float *dpred)
{
  double sum = 0.0;
  for (gsize i = 0; i < len; i++) {
    double d = (double) pred[i] - target[i];
    sum += d * d;
    if (dpred)
      dpred[i] = (float) (2.0 * d / (double) len);
  }
  return (float) (sum / (double) len);
}

float patina_l1_loss(gsize len, const float *pred, const float *target, float *dpred)
{
  double sum = 0.0;
  for (gsize i = 0; i < len; i++) {
    double d = (double) pred[i] - target[i];
    sum += fabs(d);
    if (dpred)
      dpred[i] = (float) ((d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0) / (double) len);
  }
  return (float) (sum / (double) len);
}

/* ---- optimisers ---- */

void patina_adam_config_default(PatinaAdamConfig *c)
{
  c->lr = 1e-3f;
  c->beta1 = 0.9f;
  c->beta2 = 0.999f;
  c->eps = 1e-8f;
  c->weight_decay = 0.0f;
}

void patina_adam_update(const PatinaAdamConfig *c, int step, gsize len, float *param,
                        const float *grad, float *m, float *v)
{
  /* torch.optim.Adam (single-tensor, amsgrad off): the bias corrections are computed in
   * double on the host and applied as float scalars. */
  double bc1 = 1.0 - pow(c->beta1, step);
  double bc2_sqrt = sqrt(1.0 - pow(c->beta2, step));
  float step_size = (float) (c->lr / bc1);
  float inv_bc2_sqrt = (float) (1.0 / bc2_sqrt);
  float b1 = c->beta1, b2 = c->beta2, one_b1 = 1.0f - c->beta1, one_b2 = 1.0f - c->beta2;
  for (gsize i = 0; i < len; i++) {
    float g = grad[i] + c->weight_decay * param[i];
    m[i] = m[i] * b1 + g * one_b1;
    v[i] = v[i] * b2 + g * g * one_b2;
    float denom = sqrtf(v[i]) * inv_bc2_sqrt + c->eps;
    param[i] -= step_size * (m[i] / denom);
  }
}

void patina_sgd_update(const PatinaSgdConfig *c, int step, gsize len, float *param,
                       const float *grad, float *momentum_buf)
{
  for (gsize i = 0; i < len; i++) {
    float d = grad[i] + c->weight_decay * param[i];
    if (c->momentum != 0.0f) {
      if (step <= 1)
        momentum_buf[i] = d;
      else
        momentum_buf[i] = momentum_buf[i] * c->momentum + d * (1.0f - c->dampening);
      d = c->nesterov ? d + c->momentum * momentum_buf[i] : momentum_buf[i];
    }
    param[i] -= c->lr * d;
  }
}

/* ---- initialisation ---- */

void patina_init_uniform(PatinaRng *rng, gsize len, float bound, float *w)
{
  for (gsize i = 0; i < len; i++)
    w[i] = patina_rng_range(rng, -bound, bound);
}

void patina_init_default(PatinaRng *rng, int fan_in, gsize weight_len, float *weight,
                         gsize bias_len, float *bias)
{
  /* kaiming_uniform(a=√5): gain √(2/(1+5)), bound gain·√(3/fan_in) = 1/√fan_in; PyTorch
   * draws the bias from the same bound. */
  float bound = fan_in > 0 ? 1.0f / sqrtf((float) fan_in) : 0.0f;
  patina_init_uniform(rng, weight_len, bound, weight);
  if (bias)
    patina_init_uniform(rng, bias_len, bound, bias);
}
