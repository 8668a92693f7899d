/* Numerical gradient checks (kann's way): for every op, the analytic backward against central
 * differences of a random linear loss L = Σ r·y accumulated in double around the float32
 * forward; for the losses, of the loss itself. Inputs stay clear of kinks (ReLU at 0, ties in a
 * max-pool window, L1 at pred = target) by more than the step. Also checked: every backward ADDS
 * into its outputs (two calls give twice the gradient), losses WRITE theirs, and whole models
 * (miniatures of the paper's two CNNs and a spec with every layer type, at 1 and 2 threads;
 * the full-size paper models are checked against PyTorch in test-golden.c). In a model kinks
 * cannot be steered clear of, so elements whose one-sided slopes disagree are skipped (see
 * pt_gradcheck) and the numeric tolerance has a floor for float32 rounding through the layers. */
#include <math.h>
#include <string.h>

#include "gradcheck.h"
#include "nn/model.h"
#include "nn/ops.h"

/* A wrong gradient (sign, factor, index) is off by O(1); float32 noise is well under 1e-2. */
#define RTOL 1e-2
/* kernel checks: inputs are kept off kinks, so every element counts */
#define OPTS(e, n) (&(PtGradcheckOpts){ .eps = (e), .rtol = RTOL, .max_checks = (n) })

static PatinaRng pick_rng; /* chooses which elements of large tensors get checked */

static float *normal_array(PatinaRng *rng, gsize len, float scale)
{
  float *v = g_new(float, MAX(len, 1));
  pt_fill_normal(rng, v, len, scale);
  return v;
}

/* Values in ±range, pairwise at least range/len apart (a shuffled ramp): no ties, and nothing
 * within that gap of zero when len is even. */
static float *ramp_array(PatinaRng *rng, gsize len, float range)
{
  g_autofree int *perm = g_new(int, len);
  for (gsize i = 0; i < len; i++)
    perm[i] = (int) i;
  patina_rng_shuffle(rng, perm, (int) len);
  float *v = g_new(float, len);
  for (gsize i = 0; i < len; i++)
    v[i] = range * (2.0f * ((float) perm[i] + 0.5f) / (float) len - 1.0f);
  return v;
}

/* Pushes every |v| below margin out to ±margin (keeps the sign). */
static void away_from_zero(float *v, gsize len, float margin)
{
  for (gsize i = 0; i < len; i++)
    if (fabsf(v[i]) < margin)
      v[i] = v[i] < 0 ? v[i] - margin : v[i] + margin;
}

/* ================================================================== conv2d */
typedef struct {
  PatinaConvShape s;
  int n;
  float *x, *w, *b, *y, *r, *col;
  gsize xlen, wlen, ylen;
} ConvCtx;

static double conv_loss(gpointer data)
{
  ConvCtx *c = data;
  patina_conv2d_forward(&c->s, c->n, c->x, c->w, c->b, c->y, c->col);
  return pt_dot(c->r, c->y, c->ylen);
}

typedef struct {
  const char *name;
  int n, in_c, h, w, out_c, kh, kw, stride, pad;
} ConvCase;

static const ConvCase conv_cases[] = {
  { "k3-s1-p0", 2, 3, 7, 9, 4, 3, 3, 1, 0 },
  { "k3-s2-p1", 2, 3, 7, 9, 4, 3, 3, 2, 1 },
  { "k3-s1-p2", 1, 2, 5, 6, 3, 3, 3, 1, 2 },
  { "k2x4-s3-p1", 2, 3, 7, 9, 2, 2, 4, 3, 1 },
  { "k1-s1-p0", 2, 5, 4, 3, 3, 1, 1, 1, 0 },
  { "k5-s2-p0", 1, 2, 9, 8, 3, 5, 5, 2, 0 },
};

static void test_conv2d(gconstpointer data)
{
  const ConvCase *cc = data;
  PatinaRng rng;
  patina_rng_init(&rng, 100);
  ConvCtx c = { .n = cc->n };
  c.s = (PatinaConvShape){ .in_c = cc->in_c, .in_h = cc->h, .in_w = cc->w, .out_c = cc->out_c,
                           .kh = cc->kh, .kw = cc->kw, .stride = cc->stride, .pad = cc->pad };
  g_assert_true(patina_conv_shape_init(&c.s));
  g_assert_cmpint(c.s.out_h, ==, (cc->h + 2 * cc->pad - cc->kh) / cc->stride + 1);
  g_assert_cmpint(c.s.out_w, ==, (cc->w + 2 * cc->pad - cc->kw) / cc->stride + 1);
  c.xlen = (gsize) c.n * cc->in_c * cc->h * cc->w;
  c.wlen = (gsize) cc->out_c * cc->in_c * cc->kh * cc->kw;
  c.ylen = (gsize) c.n * cc->out_c * c.s.out_h * c.s.out_w;
  c.x = normal_array(&rng, c.xlen, 1.0f);
  c.w = normal_array(&rng, c.wlen, 0.5f);
  c.b = normal_array(&rng, cc->out_c, 1.0f);
  c.r = normal_array(&rng, c.ylen, 1.0f);
  c.y = g_new(float, c.ylen);
  c.col = g_new(float, patina_conv_col_len(&c.s));

  float *dx = g_new0(float, c.xlen), *dw = g_new0(float, c.wlen), *db = g_new0(float, cc->out_c);
  conv_loss(&c);
  patina_conv2d_backward(&c.s, c.n, c.x, c.w, c.r, dw, db, dx, c.col);
  pt_gradcheck("conv2d dx", conv_loss, &c, c.x, c.xlen, dx, OPTS(1e-2f, 400), &pick_rng);
  pt_gradcheck("conv2d dweight", conv_loss, &c, c.w, c.wlen, dw, OPTS(1e-2f, 400), &pick_rng);
  pt_gradcheck("conv2d dbias", conv_loss, &c, c.b, cc->out_c, db, OPTS(1e-2f, 400), &pick_rng);

  float *dx2 = g_new0(float, c.xlen), *dw2 = g_new0(float, c.wlen);
  float *db2 = g_new0(float, cc->out_c);
  for (int k = 0; k < 2; k++)
    patina_conv2d_backward(&c.s, c.n, c.x, c.w, c.r, dw2, db2, dx2, c.col);
  pt_doubled("conv2d dx", dx, dx2, c.xlen);
  pt_doubled("conv2d dweight", dw, dw2, c.wlen);
  pt_doubled("conv2d dbias", db, db2, cc->out_c);

  /* a kernel larger than the padded input does not fit */
  PatinaConvShape bad = { .in_c = 1, .in_h = 2, .in_w = 5, .out_c = 1, .kh = 3, .kw = 3,
                          .stride = 1, .pad = 0 };
  g_assert_false(patina_conv_shape_init(&bad));

  g_free(dx), g_free(dw), g_free(db), g_free(dx2), g_free(dw2), g_free(db2);
  g_free(c.x), g_free(c.w), g_free(c.b), g_free(c.r), g_free(c.y), g_free(c.col);
}

/* ================================================================== dense */
typedef struct {
  int n, in, out;
  float *x, *w, *b, *y, *r;
} DenseCtx;

static double dense_loss(gpointer data)
{
  DenseCtx *c = data;
  patina_dense_forward(c->n, c->in, c->out, c->x, c->w, c->b, c->y);
  return pt_dot(c->r, c->y, (gsize) c->n * c->out);
}

static void test_dense(void)
{
  PatinaRng rng;
  patina_rng_init(&rng, 200);
  DenseCtx c = { .n = 3, .in = 7, .out = 5 };
  gsize xl = c.n * c.in, wl = c.out * c.in, yl = c.n * c.out;
  c.x = normal_array(&rng, xl, 1.0f);
  c.w = normal_array(&rng, wl, 0.5f);
  c.b = normal_array(&rng, c.out, 1.0f);
  c.r = normal_array(&rng, yl, 1.0f);
  c.y = g_new(float, yl);
  g_autofree float *dx = g_new0(float, xl), *dw = g_new0(float, wl), *db = g_new0(float, c.out);
  patina_dense_backward(c.n, c.in, c.out, c.x, c.w, c.r, dw, db, dx);
  pt_gradcheck("dense dx", dense_loss, &c, c.x, xl, dx, OPTS(1e-2f, 400), &pick_rng);
  pt_gradcheck("dense dweight", dense_loss, &c, c.w, wl, dw, OPTS(1e-2f, 400), &pick_rng);
  pt_gradcheck("dense dbias", dense_loss, &c, c.b, c.out, db, OPTS(1e-2f, 400), &pick_rng);
  g_autofree float *dx2 = g_new0(float, xl), *dw2 = g_new0(float, wl);
  g_autofree float *db2 = g_new0(float, c.out);
  for (int k = 0; k < 2; k++)
    patina_dense_backward(c.n, c.in, c.out, c.x, c.w, c.r, dw2, db2, dx2);
  pt_doubled("dense dx", dx, dx2, xl);
  pt_doubled("dense dweight", dw, dw2, wl);
  pt_doubled("dense dbias", db, db2, c.out);
  g_free(c.x), g_free(c.w), g_free(c.b), g_free(c.r), g_free(c.y);
}

/* ================================================================== activations */
typedef enum { ACT_RELU, ACT_LEAKY, ACT_SIGMOID, ACT_TANH } Act;

typedef struct {
  Act act;
  float slope;
  gsize len;
  float *x, *y, *r;
} ActCtx;

static void act_forward(ActCtx *c)
{
  switch (c->act) {
  case ACT_RELU: patina_relu_forward(c->len, c->x, c->y); break;
  case ACT_LEAKY: patina_leaky_relu_forward(c->len, c->slope, c->x, c->y); break;
  case ACT_SIGMOID: patina_sigmoid_forward(c->len, c->x, c->y); break;
  case ACT_TANH: patina_tanh_forward(c->len, c->x, c->y); break;
  }
}

static void act_backward(ActCtx *c, float *dx)
{
  switch (c->act) {
  case ACT_RELU: patina_relu_backward(c->len, c->y, c->r, dx); break;
  case ACT_LEAKY: patina_leaky_relu_backward(c->len, c->slope, c->x, c->r, dx); break;
  case ACT_SIGMOID: patina_sigmoid_backward(c->len, c->y, c->r, dx); break;
  case ACT_TANH: patina_tanh_backward(c->len, c->y, c->r, dx); break;
  }
}

static double act_loss(gpointer data)
{
  ActCtx *c = data;
  act_forward(c);
  return pt_dot(c->r, c->y, c->len);
}

typedef struct {
  const char *name;
  Act act;
  float slope;
} ActCase;

static const ActCase act_cases[] = {
  { "relu", ACT_RELU, 0 },         { "leaky-relu-0.2", ACT_LEAKY, 0.2f },
  { "leaky-relu-neg", ACT_LEAKY, -0.5f }, { "sigmoid", ACT_SIGMOID, 0 },
  { "tanh", ACT_TANH, 0 },
};

static void test_activation(gconstpointer data)
{
  const ActCase *ac = data;
  PatinaRng rng;
  patina_rng_init(&rng, 300);
  ActCtx c = { .act = ac->act, .slope = ac->slope, .len = 60 };
  c.x = normal_array(&rng, c.len, 2.0f);
  away_from_zero(c.x, c.len, 0.1f); /* the kink of relu / leaky relu */
  c.r = normal_array(&rng, c.len, 1.0f);
  c.y = g_new(float, c.len);
  g_autofree float *dx = g_new0(float, c.len), *dx2 = g_new0(float, c.len);
  act_forward(&c);
  act_backward(&c, dx);
  g_autofree char *what = g_strdup_printf("%s dx", ac->name);
  pt_gradcheck(what, act_loss, &c, c.x, c.len, dx, OPTS(1e-3f, 400), &pick_rng);
  act_forward(&c);
  act_backward(&c, dx2);
  act_backward(&c, dx2);
  pt_doubled(what, dx, dx2, c.len);
  g_free(c.x), g_free(c.r), g_free(c.y);
}

/* ================================================================== maxpool2d */
typedef struct {
  int n, c, h, w, kernel, stride, oh, ow;
  float *x, *y, *r;
  int32_t *argmax;
} PoolCtx;

static double pool_loss(gpointer data)
{
  PoolCtx *c = data;
  patina_maxpool2d_forward(c->n, c->c, c->h, c->w, c->kernel, c->stride, c->x, c->y, c->argmax);
  return pt_dot(c->r, c->y, (gsize) c->n * c->c * c->oh * c->ow);
}

typedef struct {
  const char *name;
  int h, w, kernel, stride;
} PoolCase;

static const PoolCase pool_cases[] = {
  { "k2-s2-odd", 7, 9, 2, 2 },
  { "k3-s2-overlap", 7, 9, 3, 2 },
  { "k2-s1", 5, 6, 2, 1 },
  { "k3-s3", 8, 10, 3, 3 },
};

static void test_maxpool2d(gconstpointer data)
{
  const PoolCase *pc = data;
  PatinaRng rng;
  patina_rng_init(&rng, 400);
  PoolCtx c = { .n = 2, .c = 3, .h = pc->h, .w = pc->w, .kernel = pc->kernel,
                .stride = pc->stride };
  patina_maxpool2d_out_size(c.h, c.w, c.kernel, c.stride, &c.oh, &c.ow);
  g_assert_cmpint(c.oh, ==, (c.h - c.kernel) / c.stride + 1);
  g_assert_cmpint(c.ow, ==, (c.w - c.kernel) / c.stride + 1);
  gsize xl = (gsize) c.n * c.c * c.h * c.w, yl = (gsize) c.n * c.c * c.oh * c.ow;
  c.x = ramp_array(&rng, xl, 3.0f); /* gaps of 6/xl >= 0.01 > 2 eps: no ties within a step */
  c.r = normal_array(&rng, yl, 1.0f);
  c.y = g_new(float, yl);
  c.argmax = g_new(int32_t, yl);
  g_autofree float *dx = g_new0(float, xl), *dx2 = g_new0(float, xl);
  pool_loss(&c);
  patina_maxpool2d_backward(c.n, c.c, c.h, c.w, c.kernel, c.stride, c.argmax, c.r, dx);
  pt_gradcheck("maxpool2d dx", pool_loss, &c, c.x, xl, dx, OPTS(2e-3f, 1000), &pick_rng);
  pool_loss(&c);
  for (int k = 0; k < 2; k++)
    patina_maxpool2d_backward(c.n, c.c, c.h, c.w, c.kernel, c.stride, c.argmax, c.r, dx2);
  pt_doubled("maxpool2d dx", dx, dx2, xl);
  g_free(c.x), g_free(c.r), g_free(c.y), g_free(c.argmax);
}

/* ================================================================== batchnorm2d (train) */
typedef struct {
  int n, c, hw;
  float *x, *gamma, *beta, *y, *r, *rm, *rv, *save_mean, *save_invstd;
} BnCtx;

static double bn_loss(gpointer data)
{
  BnCtx *c = data;
  patina_batchnorm2d_forward_train(c->n, c->c, c->hw, 1e-5f, 0.1f, c->x, c->gamma, c->beta,
                                   c->rm, c->rv, c->y, c->save_mean, c->save_invstd);
  return pt_dot(c->r, c->y, (gsize) c->n * c->c * c->hw);
}

static void test_batchnorm2d(gconstpointer data)
{
  int n = GPOINTER_TO_INT(data);
  PatinaRng rng;
  patina_rng_init(&rng, 500 + n);
  BnCtx c = { .n = n, .c = 3, .hw = 20 };
  gsize len = (gsize) c.n * c.c * c.hw;
  c.x = normal_array(&rng, len, 1.5f);
  for (gsize i = 0; i < len; i++)
    c.x[i] += (float) ((i / c.hw) % c.c) - 1.0f; /* per-channel offsets */
  c.gamma = normal_array(&rng, c.c, 0.5f);
  c.beta = normal_array(&rng, c.c, 1.0f);
  for (int i = 0; i < c.c; i++)
    c.gamma[i] += 1.0f;
  c.r = normal_array(&rng, len, 1.0f);
  c.y = g_new(float, len);
  c.rm = g_new0(float, c.c);
  c.rv = g_new0(float, c.c);
  c.save_mean = g_new(float, c.c);
  c.save_invstd = g_new(float, c.c);
  g_autofree float *dx = g_new0(float, len), *dg = g_new0(float, c.c), *db = g_new0(float, c.c);
  bn_loss(&c);
  patina_batchnorm2d_backward(c.n, c.c, c.hw, c.x, c.gamma, c.save_mean, c.save_invstd, c.r, dx,
                              dg, db);
  pt_gradcheck("batchnorm2d dx", bn_loss, &c, c.x, len, dx, OPTS(1e-2f, 400), &pick_rng);
  pt_gradcheck("batchnorm2d dweight", bn_loss, &c, c.gamma, c.c, dg, OPTS(1e-2f, 400), &pick_rng);
  pt_gradcheck("batchnorm2d dbias", bn_loss, &c, c.beta, c.c, db, OPTS(1e-2f, 400), &pick_rng);
  bn_loss(&c);
  g_autofree float *dx2 = g_new0(float, len), *dg2 = g_new0(float, c.c);
  g_autofree float *db2 = g_new0(float, c.c);
  for (int k = 0; k < 2; k++)
    patina_batchnorm2d_backward(c.n, c.c, c.hw, c.x, c.gamma, c.save_mean, c.save_invstd, c.r,
                                dx2, dg2, db2);
  pt_doubled("batchnorm2d dx", dx, dx2, len);
  pt_doubled("batchnorm2d dweight", dg, dg2, c.c);
  pt_doubled("batchnorm2d dbias", db, db2, c.c);
  g_free(c.x), g_free(c.gamma), g_free(c.beta), g_free(c.y), g_free(c.r), g_free(c.rm);
  g_free(c.rv), g_free(c.save_mean), g_free(c.save_invstd);
}

/* ================================================================== dropout (fixed mask) */
typedef struct {
  gsize len;
  float p;
  float *x, *y, *r, *mask;
} DropCtx;

static double drop_loss(gpointer data)
{
  DropCtx *c = data;
  PatinaRng rng;
  patina_rng_init(&rng, 77); /* the same mask on every evaluation */
  patina_dropout_forward(c->len, c->p, &rng, c->x, c->y, c->mask);
  return pt_dot(c->r, c->y, c->len);
}

static void test_dropout(void)
{
  PatinaRng rng;
  patina_rng_init(&rng, 600);
  DropCtx c = { .len = 200, .p = 0.4f };
  c.x = normal_array(&rng, c.len, 1.0f);
  c.r = normal_array(&rng, c.len, 1.0f);
  c.y = g_new(float, c.len);
  c.mask = g_new(float, c.len);
  g_autofree float *dx = g_new0(float, c.len), *dx2 = g_new0(float, c.len);
  drop_loss(&c);
  int dropped = 0;
  for (gsize i = 0; i < c.len; i++)
    dropped += c.mask[i] == 0.0f;
  g_assert_cmpint(dropped, >, 0);
  g_assert_cmpint(dropped, <, (int) c.len);
  patina_dropout_backward(c.len, c.mask, c.r, dx);
  pt_gradcheck("dropout dx", drop_loss, &c, c.x, c.len, dx, OPTS(1e-2f, 400), &pick_rng);
  drop_loss(&c);
  patina_dropout_backward(c.len, c.mask, c.r, dx2);
  patina_dropout_backward(c.len, c.mask, c.r, dx2);
  pt_doubled("dropout dx", dx, dx2, c.len);
  g_free(c.x), g_free(c.r), g_free(c.y), g_free(c.mask);
}

/* ================================================================== softmax */
typedef struct {
  int rows, cols;
  float *x, *y, *r;
} SoftmaxCtx;

static double softmax_loss(gpointer data)
{
  SoftmaxCtx *c = data;
  patina_softmax_forward(c->rows, c->cols, c->x, c->y);
  return pt_dot(c->r, c->y, (gsize) c->rows * c->cols);
}

static void test_softmax(void)
{
  PatinaRng rng;
  patina_rng_init(&rng, 700);
  SoftmaxCtx c = { .rows = 4, .cols = 6 };
  gsize len = c.rows * c.cols;
  c.x = normal_array(&rng, len, 2.0f);
  c.r = normal_array(&rng, len, 1.0f);
  c.y = g_new(float, len);
  g_autofree float *dx = g_new0(float, len), *dx2 = g_new0(float, len);
  softmax_loss(&c);
  for (int i = 0; i < c.rows; i++) {
    double s = 0;
    for (int j = 0; j < c.cols; j++)
      s += c.y[i * c.cols + j];
    g_assert_cmpfloat_with_epsilon(s, 1.0, 1e-5);
  }
  patina_softmax_backward(c.rows, c.cols, c.y, c.r, dx);
  pt_gradcheck("softmax dx", softmax_loss, &c, c.x, len, dx, OPTS(1e-3f, 400), &pick_rng);
  softmax_loss(&c);
  patina_softmax_backward(c.rows, c.cols, c.y, c.r, dx2);
  patina_softmax_backward(c.rows, c.cols, c.y, c.r, dx2);
  pt_doubled("softmax dx", dx, dx2, len);
  g_free(c.x), g_free(c.r), g_free(c.y);
}

/* ================================================================== losses */
typedef enum { LOSS_BCE, LOSS_BCE_W, LOSS_CE, LOSS_CE_W, LOSS_MSE, LOSS_L1 } LossKind;

typedef struct {
  LossKind kind;
  int rows, cols; /* cross entropy: rows x classes; the others: len = rows * cols */
  float *pred, *target, *weights, *grad;
  int *labels;
} LossCtx;

static float loss_eval(LossCtx *c, float *grad)
{
  gsize len = (gsize) c->rows * c->cols;
  switch (c->kind) {
  case LOSS_BCE: return patina_bce_with_logits(len, c->pred, c->target, NULL, grad);
  case LOSS_BCE_W: return patina_bce_with_logits(len, c->pred, c->target, c->weights, grad);
  case LOSS_CE: return patina_cross_entropy(c->rows, c->cols, c->pred, c->labels, NULL, grad);
  case LOSS_CE_W:
    return patina_cross_entropy(c->rows, c->cols, c->pred, c->labels, c->weights, grad);
  case LOSS_MSE: return patina_mse_loss(len, c->pred, c->target, grad);
  case LOSS_L1: return patina_l1_loss(len, c->pred, c->target, grad);
  }
  g_assert_not_reached();
}

static double loss_loss(gpointer data)
{
  return loss_eval(data, NULL);
}

typedef struct {
  const char *name;
  LossKind kind;
} LossCase;

static const LossCase loss_cases[] = {
  { "bce-with-logits", LOSS_BCE }, { "bce-with-logits-weighted", LOSS_BCE_W },
  { "cross-entropy", LOSS_CE },    { "cross-entropy-class-weights", LOSS_CE_W },
  { "mse", LOSS_MSE },             { "l1", LOSS_L1 },
};

static void test_loss(gconstpointer data)
{
  const LossCase *lc = data;
  PatinaRng rng;
  patina_rng_init(&rng, 800 + lc->kind);
  LossCtx c = { .kind = lc->kind, .rows = 5, .cols = 4 };
  gsize len = (gsize) c.rows * c.cols;
  c.pred = normal_array(&rng, len, 2.0f);
  c.target = g_new(float, len);
  c.weights = g_new(float, len);
  c.labels = g_new(int, c.rows);
  for (gsize i = 0; i < len; i++) {
    c.target[i] = patina_rng_uniform(&rng); /* soft targets in [0, 1) for BCE */
    c.weights[i] = 0.2f + 2.0f * patina_rng_uniform(&rng);
  }
  if (c.kind == LOSS_L1) /* keep |pred - target| > 0.1: L1's kink */
    for (gsize i = 0; i < len; i++)
      if (fabsf(c.pred[i] - c.target[i]) < 0.1f)
        c.pred[i] = c.target[i] + (c.pred[i] < c.target[i] ? -0.1f : 0.1f);
  for (int i = 0; i < c.rows; i++)
    c.labels[i] = (int) patina_rng_below(&rng, c.cols);
  g_autofree float *g = g_new(float, len), *g2 = g_new(float, len);
  float l1 = loss_eval(&c, g);
  g_assert_true(isfinite(l1));
  g_autofree char *what = g_strdup_printf("%s dpred", lc->name);
  pt_gradcheck(what, loss_loss, &c, c.pred, len, g, OPTS(1e-2f, 400), &pick_rng);
  /* losses WRITE their gradient: garbage in g2 is overwritten, a second call gives the same */
  for (gsize i = 0; i < len; i++)
    g2[i] = 1000.0f;
  float l2 = loss_eval(&c, g2);
  l2 = loss_eval(&c, g2);
  g_assert_cmpfloat(l1, ==, l2);
  g_autofree char *w2 = g_strdup_printf("%s gradient written, not added", lc->name);
  pt_close(w2, g2, g, len, 1e-6);
  g_free(c.pred), g_free(c.target), g_free(c.weights), g_free(c.labels);
}

/* ================================================================== whole models */
typedef struct {
  PatinaModel *m;
  int n;
  float *x, *r;
  guint64 seed;
  double abs_sum; /* Σ |r·logits| of the last evaluation: the scale of its rounding noise */
} ModelCtx;

static double model_loss(gpointer data)
{
  ModelCtx *c = data;
  PatinaRng rng;
  patina_rng_init(&rng, c->seed); /* the same dropout masks on every evaluation */
  g_autoptr(GError) error = NULL;
  const float *logits = patina_model_forward(c->m, c->x, c->n, TRUE, &rng, &error);
  g_assert_no_error(error);
  c->abs_sum = 0;
  for (int i = 0; i < c->n * c->m->n_outputs; i++)
    c->abs_sum += fabs((double) c->r[i] * logits[i]);
  return pt_dot(c->r, logits, (gsize) c->n * c->m->n_outputs);
}

typedef struct {
  const char *name;
  const char *spec;
  int n, threads, checks;
  float eps;
  double noise; /* relative float32 noise of Σ r·logits, for the numeric noise floor */
  double max_kinks; /* fraction of checked elements allowed to sit on a ReLU/max-pool kink */
} ModelCase;

/* Every layer type, with padding and stride; dropout's mask is fixed by reseeding. */
static const char custom_spec[] =
  "{\"name\": \"gradcheck\", \"input\": [2, 9, 9], \"layers\": ["
  "{\"type\": \"conv2d\", \"out_channels\": 4, \"kernel\": 3, \"stride\": 1, \"padding\": 1},"
  "{\"type\": \"batchnorm2d\"},"
  "{\"type\": \"leaky_relu\", \"negative_slope\": 0.2},"
  "{\"type\": \"maxpool2d\", \"kernel\": 2},"
  "{\"type\": \"conv2d\", \"out_channels\": 5, \"kernel\": 3, \"stride\": 2, \"padding\": 1},"
  "{\"type\": \"batchnorm2d\", \"momentum\": 0.2},"
  "{\"type\": \"tanh\"},"
  "{\"type\": \"flatten\"},"
  "{\"type\": \"dense\", \"out_features\": 6},"
  "{\"type\": \"sigmoid\"},"
  "{\"type\": \"dropout\", \"p\": 0.3},"
  "{\"type\": \"dense\", \"out_features\": 7},"
  "{\"type\": \"softmax\"},"
  "{\"type\": \"dense\", \"out_features\": 3},"
  "{\"type\": \"relu\"},"
  "{\"type\": \"dense\", \"out_features\": 3}]}";

/* Table 6's shape in miniature (the real one is checked against PyTorch in test-golden.c: at
 * 46×46 its 10^5 ReLUs put a kink within any useful step of nearly every early weight). */
static const char mini_paper_spec[] =
  "{\"name\": \"mini-paper\", \"input\": [3, 12, 12], \"layers\": ["
  "{\"type\": \"conv2d\", \"out_channels\": 4, \"kernel\": 3},"
  "{\"type\": \"relu\"},"
  "{\"type\": \"maxpool2d\", \"kernel\": 2},"
  "{\"type\": \"conv2d\", \"out_channels\": 6, \"kernel\": 3, \"padding\": 1},"
  "{\"type\": \"relu\"},"
  "{\"type\": \"maxpool2d\", \"kernel\": 2},"
  "{\"type\": \"flatten\"},"
  "{\"type\": \"dense\", \"out_features\": 8},"
  "{\"type\": \"relu\"},"
  "{\"type\": \"dropout\", \"p\": 0.5},"
  "{\"type\": \"dense\", \"out_features\": 1}]}";

/* paper5's shape in miniature: strided conv, batchnorm, dropout, a 3-class head. */
static const char mini_paper5_spec[] =
  "{\"name\": \"mini-paper5\", \"input\": [3, 17, 17], \"layers\": ["
  "{\"type\": \"conv2d\", \"out_channels\": 4, \"kernel\": 3, \"stride\": 2},"
  "{\"type\": \"batchnorm2d\"},"
  "{\"type\": \"relu\"},"
  "{\"type\": \"maxpool2d\", \"kernel\": 2},"
  "{\"type\": \"conv2d\", \"out_channels\": 6, \"kernel\": 3},"
  "{\"type\": \"batchnorm2d\"},"
  "{\"type\": \"relu\"},"
  "{\"type\": \"flatten\"},"
  "{\"type\": \"dense\", \"out_features\": 8},"
  "{\"type\": \"relu\"},"
  "{\"type\": \"dropout\", \"p\": 0.5},"
  "{\"type\": \"dense\", \"out_features\": 3}]}";

static const ModelCase model_cases[] = {
  { "custom-every-layer", custom_spec, 3, 1, 400, 1e-3f, 1e-7, 0.3 },
  { "custom-every-layer-2-threads", custom_spec, 3, 2, 400, 1e-3f, 1e-7, 0.3 },
  { "mini-paper", mini_paper_spec, 2, 1, 400, 1e-3f, 1e-7, 0.3 },
  { "mini-paper-2-threads", mini_paper_spec, 4, 2, 400, 1e-3f, 1e-7, 0.3 },
  { "mini-paper5", mini_paper5_spec, 3, 1, 400, 1e-3f, 5e-7, 0.3 },
  { "mini-paper5-2-threads", mini_paper5_spec, 3, 2, 400, 1e-3f, 5e-7, 0.3 },
};

static void test_model(gconstpointer data)
{
  const ModelCase *mc = data;
  g_autoptr(GError) error = NULL;
  ModelCtx c = { .n = mc->n, .seed = 99 };
  c.m = patina_model_new(mc->spec, &error);
  g_assert_no_error(error);
  g_assert_nonnull(c.m);
  patina_model_set_threads(c.m, mc->threads);
  PatinaRng rng;
  patina_rng_init(&rng, 900);
  patina_model_init(c.m, &rng);
  /* batchnorm's gamma and beta start at 1 and 0: move them so their gradients mean something */
  for (int i = 0; i < c.m->n_layers; i++) {
    PatinaLayer *l = &c.m->layers[i];
    if (l->type == PATINA_LAYER_BATCHNORM2D)
      for (gsize k = 0; k < l->weight_len; k++) {
        l->weight[k] = 1.0f + 0.3f * patina_rng_normal(&rng);
        l->bias[k] = 0.3f * patina_rng_normal(&rng);
      }
  }
  gsize xlen = (gsize) c.n * c.m->in_c * c.m->in_h * c.m->in_w;
  gsize ylen = (gsize) c.n * c.m->n_outputs;
  c.x = normal_array(&rng, xlen, 1.0f);
  c.r = normal_array(&rng, ylen, 1.0f);

  patina_model_zero_grad(c.m);
  model_loss(&c);
  patina_model_backward(c.m, c.x, c.r, c.n, TRUE);
  /* float32 rounding through many layers (worst with batchnorm over few values) */
  PtGradcheckOpts o = { .eps = mc->eps, .rtol = RTOL,
                        .atol_floor = mc->noise * c.abs_sum / mc->eps,
                        .max_checks = MAX(mc->checks, 1), .max_kink_fraction = mc->max_kinks };
  g_test_message("%s: L scale %.3g, numeric noise floor %.3g", mc->name, c.abs_sum, o.atol_floor);
  g_autofree float *grads1 = g_memdup2(c.m->grads, c.m->n_params * sizeof(float));
  g_autofree float *dinput = g_memdup2(c.m->dinput, xlen * sizeof(float));

  /* the gradient of the model's own L = Σ r·logits, layer by layer */
  for (int i = 0; i < c.m->n_layers; i++) {
    PatinaLayer *l = &c.m->layers[i];
    if (l->weight == NULL)
      continue;
    const char *tn = patina_layer_type_name(l->type);
    g_autofree char *wn = g_strdup_printf("%s: layer %d (%s) weight", mc->name, l->index, tn);
    g_autofree char *bn = g_strdup_printf("%s: layer %d (%s) bias", mc->name, l->index, tn);
    pt_gradcheck(wn, model_loss, &c, l->weight, l->weight_len,
                 grads1 + (l->dweight - c.m->grads), &o, &pick_rng);
    pt_gradcheck(bn, model_loss, &c, l->bias, l->bias_len, grads1 + (l->dbias - c.m->grads), &o,
                 &pick_rng);
  }
  g_autofree char *xn = g_strdup_printf("%s: input", mc->name);
  pt_gradcheck(xn, model_loss, &c, c.x, xlen, dinput, &o, &pick_rng);

  /* backward adds into the parameter gradients; the input gradient is overwritten */
  patina_model_zero_grad(c.m);
  for (gsize k = 0; k < c.m->n_params; k++)
    g_assert_cmpfloat(c.m->grads[k], ==, 0.0f);
  model_loss(&c);
  patina_model_backward(c.m, c.x, c.r, c.n, TRUE);
  patina_model_backward(c.m, c.x, c.r, c.n, TRUE);
  g_autofree char *an = g_strdup_printf("%s: parameter gradients", mc->name);
  pt_doubled(an, grads1, c.m->grads, c.m->n_params);
  g_autofree char *dn = g_strdup_printf("%s: input gradient overwritten, not added", mc->name);
  pt_close(dn, c.m->dinput, dinput, xlen, 1e-5);

  patina_model_free(c.m);
  g_free(c.x), g_free(c.r);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  patina_rng_init(&pick_rng, 12345);
  for (guint i = 0; i < G_N_ELEMENTS(conv_cases); i++) {
    g_autofree char *p = g_strdup_printf("/gradcheck/conv2d/%s", conv_cases[i].name);
    g_test_add_data_func(p, &conv_cases[i], test_conv2d);
  }
  g_test_add_func("/gradcheck/dense", test_dense);
  for (guint i = 0; i < G_N_ELEMENTS(act_cases); i++) {
    g_autofree char *p = g_strdup_printf("/gradcheck/activation/%s", act_cases[i].name);
    g_test_add_data_func(p, &act_cases[i], test_activation);
  }
  for (guint i = 0; i < G_N_ELEMENTS(pool_cases); i++) {
    g_autofree char *p = g_strdup_printf("/gradcheck/maxpool2d/%s", pool_cases[i].name);
    g_test_add_data_func(p, &pool_cases[i], test_maxpool2d);
  }
  g_test_add_data_func("/gradcheck/batchnorm2d/n2", GINT_TO_POINTER(2), test_batchnorm2d);
  g_test_add_data_func("/gradcheck/batchnorm2d/n4", GINT_TO_POINTER(4), test_batchnorm2d);
  g_test_add_func("/gradcheck/dropout", test_dropout);
  g_test_add_func("/gradcheck/softmax", test_softmax);
  for (guint i = 0; i < G_N_ELEMENTS(loss_cases); i++) {
    g_autofree char *p = g_strdup_printf("/gradcheck/loss/%s", loss_cases[i].name);
    g_test_add_data_func(p, &loss_cases[i], test_loss);
  }
  for (guint i = 0; i < G_N_ELEMENTS(model_cases); i++) {
    g_autofree char *p = g_strdup_printf("/gradcheck/model/%s", model_cases[i].name);
    g_test_add_data_func(p, &model_cases[i], test_model);
  }
  return g_test_run();
}
