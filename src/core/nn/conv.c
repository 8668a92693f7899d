/* Convolution as im2col + sgemm, one image per call of the GEMM: the model splits a batch
 * across threads and holds BLAS to one thread, which DESIGN.md measured as the fastest use of
 * this machine (whole-batch GEMMs with threaded BLAS were 20-40 % slower). */
#include "ops.h"

#include <cblas.h>
#include <string.h>

#ifndef BLOCK_BYTES
#define BLOCK_BYTES (1 << 19)
#endif

gboolean patina_conv_shape_init(PatinaConvShape *s)
{
  if (s->in_c <= 0 || s->out_c <= 0 || s->kh <= 0 || s->kw <= 0 || s->stride <= 0 || s->pad < 0)
    return FALSE;
  int ph = s->in_h + 2 * s->pad, pw = s->in_w + 2 * s->pad;
  if (ph < s->kh || pw < s->kw)
    return FALSE;
  s->out_h = (ph - s->kh) / s->stride + 1;
  s->out_w = (pw - s->kw) / s->stride + 1;
  return TRUE;
}

gsize patina_conv_col_len(const PatinaConvShape *s)
{
  return (gsize) s->in_c * s->kh * s->kw * s->out_h * s->out_w;
}

/* For output rows [oy0, oy1), ld = (oy1 − oy0)·ow:
 * col[(c·kh + ky)·kw + kx][(oy − oy0)·ow + ox] = x[c][oy·stride − pad + ky][ox·stride − pad + kx] */
static void im2col(const PatinaConvShape *s, const float *x, int oy0, int oy1, float *col)
{
  int ow = s->out_w, h = s->in_h, w = s->in_w;
  gsize ld = (gsize) (oy1 - oy0) * ow;
  for (int c = 0; c < s->in_c; c++) {
    const float *xc = x + (gsize) c * h * w;
    for (int ky = 0; ky < s->kh; ky++) {
      for (int kx = 0; kx < s->kw; kx++) {
        float *row = col + ((gsize) (c * s->kh + ky) * s->kw + kx) * ld;
        for (int oy = oy0; oy < oy1; oy++) {
          int iy = oy * s->stride - s->pad + ky;
          float *dst = row + (gsize) (oy - oy0) * ow;
          if (iy < 0 || iy >= h) {
            memset(dst, 0, sizeof(float) * ow);
            continue;
          }
          const float *src = xc + (gsize) iy * w;
          if (s->stride == 1) {
            /* ix = ox − pad + kx: zero the out-of-range ends, copy the middle */
            int lo = MAX(0, s->pad - kx), hi = MIN(ow, w + s->pad - kx);
            for (int ox = 0; ox < lo; ox++)
              dst[ox] = 0.0f;
            if (hi > lo)
              memcpy(dst + lo, src + lo - s->pad + kx, sizeof(float) * (hi - lo));
            for (int ox = MAX(hi, lo); ox < ow; ox++)
              dst[ox] = 0.0f;
          } else {
            for (int ox = 0; ox < ow; ox++) {
              int ix = ox * s->stride - s->pad + kx;
              dst[ox] = ix >= 0 && ix < w ? src[ix] : 0.0f;
            }
          }
        }
      }
    }
  }
}

/* The adjoint of im2col over the same rows: adds every column entry back onto its pixel. */
static void col2im_add(const PatinaConvShape *s, const float *col, int oy0, int oy1, float *dx)
{
  int ow = s->out_w, h = s->in_h, w = s->in_w;
  gsize ld = (gsize) (oy1 - oy0) * ow;
  for (int c = 0; c < s->in_c; c++) {
    float *dxc = dx + (gsize) c * h * w;
    for (int ky = 0; ky < s->kh; ky++) {
      for (int kx = 0; kx < s->kw; kx++) {
        const float *row = col + ((gsize) (c * s->kh + ky) * s->kw + kx) * ld;
        for (int oy = oy0; oy < oy1; oy++) {
          int iy = oy * s->stride - s->pad + ky;
          if (iy < 0 || iy >= h)
            continue;
          const float *src = row + (gsize) (oy - oy0) * ow;
          float *dst = dxc + (gsize) iy * w;
          if (s->stride == 1) {
            int lo = MAX(0, s->pad - kx), hi = MIN(ow, w + s->pad - kx);
            float *d = dst - s->pad + kx;
            for (int ox = lo; ox < hi; ox++)
              d[ox] += src[ox];
          } else {
            for (int ox = 0; ox < ow; ox++) {
              int ix = ox * s->stride - s->pad + kx;
              if (ix >= 0 && ix < w)
                dst[ix] += src[ox];
            }
          }
        }
      }
    }
  }
}

/* Eight independent partial sums: a single running float sum cannot be vectorised (its
 * order is fixed by IEEE rules) and made this loop 6 % of a training step. */
static float sum_floats(const float *v, int n)
{
  float acc[8] = {0};
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++)
      acc[k] += v[i + k];
  float sum = 0.0f;
  for (; i < n; i++)
    sum += v[i];
  for (int k = 0; k < 8; k++)
    sum += acc[k];
  return sum;
}

/* Output rows per im2col block: the block's columns (about 512 KiB) stay in cache between the
 * im2col, the GEMM that reads them and, in backward, the col2im, instead of making three
 * trips to memory over the whole image's columns. */
static int block_rows(const PatinaConvShape *s)
{
  gsize per_row = (gsize) s->in_c * s->kh * s->kw * s->out_w * sizeof(float);
  return (int) CLAMP((gsize) BLOCK_BYTES / MAX(per_row, 1), 1, (gsize) s->out_h);
}

void patina_conv2d_forward(const PatinaConvShape *s, int n, const float *x, const float *weight,
                           const float *bias, float *y, float *col)
{
  int k = s->in_c * s->kh * s->kw;
  int p = s->out_h * s->out_w;
  int rows = block_rows(s);
  gsize in_len = (gsize) s->in_c * s->in_h * s->in_w, out_len = (gsize) s->out_c * p;
  for (int i = 0; i < n; i++) {
    const float *xi = x + i * in_len;
    float *yi = y + i * out_len;
    for (int oc = 0; oc < s->out_c; oc++) {
      float b = bias ? bias[oc] : 0.0f;
      float *row = yi + (gsize) oc * p;
      for (int j = 0; j < p; j++)
        row[j] = b;
    }
    for (int oy0 = 0; oy0 < s->out_h; oy0 += rows) {
      int oy1 = MIN(s->out_h, oy0 + rows), cols = (oy1 - oy0) * s->out_w;
      im2col(s, xi, oy0, oy1, col);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->out_c, cols, k, 1.0f, weight, k,
                  col, cols, 1.0f, yi + (gsize) oy0 * s->out_w, p);
    }
  }
}

void patina_conv2d_backward(const PatinaConvShape *s, int n, const float *x, const float *weight,
                            const float *dy, float *dweight, float *dbias, float *dx, float *col)
{
  int k = s->in_c * s->kh * s->kw;
  int p = s->out_h * s->out_w;
  int rows = block_rows(s);
  gsize in_len = (gsize) s->in_c * s->in_h * s->in_w, out_len = (gsize) s->out_c * p;
  for (int i = 0; i < n; i++) {
    const float *dyi = dy + i * out_len;
    if (dbias)
      for (int oc = 0; oc < s->out_c; oc++)
        dbias[oc] += sum_floats(dyi + (gsize) oc * p, p);
    for (int oy0 = 0; oy0 < s->out_h; oy0 += rows) {
      int oy1 = MIN(s->out_h, oy0 + rows), cols = (oy1 - oy0) * s->out_w;
      const float *dyb = dyi + (gsize) oy0 * s->out_w;
      if (dweight) {
        im2col(s, x + i * in_len, oy0, oy1, col);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s->out_c, k, cols, 1.0f, dyb, p,
                    col, cols, 1.0f, dweight, k);
      }
      if (dx) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, cols, s->out_c, 1.0f, weight, k,
                    dyb, p, 0.0f, col, cols);
        col2im_add(s, col, oy0, oy1, dx + i * in_len);
      }
    }
  }
}

void patina_dense_forward(int n, int in, int out, const float *x, const float *weight,
                          const float *bias, float *y)
{
  for (int i = 0; i < n; i++)
    for (int o = 0; o < out; o++)
      y[(gsize) i * out + o] = bias ? bias[o] : 0.0f;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1.0f, x, in, weight, in, 1.0f,
              y, out);
}

void patina_dense_backward(int n, int in, int out, const float *x, const float *weight,
                           const float *dy, float *dweight, float *dbias, float *dx)
{
  if (dbias)
    for (int i = 0; i < n; i++)
      for (int o = 0; o < out; o++)
        dbias[o] += dy[(gsize) i * out + o];
  if (dweight)
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, n, 1.0f, dy, out, x, in, 1.0f,
                dweight, in);
  if (dx)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, in, out, 1.0f, dy, out, weight, in,
                1.0f, dx, in);
}
