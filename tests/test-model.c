/* The model graph: parameter counts of the paper's CNNs, shape propagation, spec errors,
 * thread-count independence and determinism of a training step. */
#include <math.h>
#include <string.h>

#include "nn/model.h"

static PatinaModel *model_or_fail(char *spec)
{
  g_autoptr(GError) error = NULL;
  PatinaModel *m = patina_model_new(spec, &error);
  g_assert_no_error(error);
  g_free(spec);
  return m;
}

static void test_paper_param_count(void)
{
  PatinaModel *m = model_or_fail(patina_spec_paper(2, 150, 3));
  g_assert_cmpuint(m->n_params, ==, 3453121);
  g_assert_cmpint(m->n_outputs, ==, 1);
  /* Table 6: conv2d_11 is 15×15×128 before its pool, so the flatten is 7·7·128 = 6272 */
  g_assert_cmpint(m->layers[13].in_c, ==, 6272);
  g_assert_cmpint(m->layers[13].type, ==, PATINA_LAYER_DENSE);
  g_assert_cmpint(m->layers[0].out_h, ==, 148);
  g_assert_cmpint(m->layers[3].out_h, ==, 72);
  g_assert_cmpint(m->layers[6].out_h, ==, 34);
  g_assert_cmpint(m->layers[9].out_h, ==, 15);
  patina_model_free(m);

  m = model_or_fail(patina_spec_paper(5, 150, 3));
  g_assert_cmpint(m->n_outputs, ==, 5);
  g_assert_cmpuint(m->n_params, ==, 3453121 - 513 + 5 * 513);
  patina_model_free(m);

  /* a different input size and channel count recompute the flatten */
  m = model_or_fail(patina_spec_paper(2, 200, 1));
  g_assert_cmpint(m->layers[13].in_c, ==, 128 * 10 * 10);
  g_assert_cmpuint(m->layers[0].weight_len, ==, 32 * 1 * 9);
  patina_model_free(m);
}

static void test_paper5_builds(void)
{
  PatinaModel *m = model_or_fail(patina_spec_paper5(2, 450, 3));
  int conv = 0, bn = 0, pool = 0, dense = 0, dropout = 0;
  for (int i = 0; i < m->n_layers; i++) {
    switch (m->layers[i].type) {
    case PATINA_LAYER_CONV2D: conv++; break;
    case PATINA_LAYER_BATCHNORM2D: bn++; break;
    case PATINA_LAYER_MAXPOOL2D: pool++; break;
    case PATINA_LAYER_DENSE: dense++; break;
    case PATINA_LAYER_DROPOUT: dropout++; break;
    default: break;
    }
  }
  g_assert_cmpint(conv, ==, 5);
  g_assert_cmpint(bn, ==, 5);
  g_assert_cmpint(pool, ==, 4);
  g_assert_cmpint(dense, ==, 4);
  g_assert_cmpint(dropout, ==, 3);
  patina_model_free(m);
}

static void test_spec_errors(void)
{
  const char *bad[] = {
    "not json",
    "[]",
    "{\"input\": [3, 32, 32]}",
    "{\"input\": [3, 32], \"layers\": []}",
    "{\"input\": [3, 32, 32], \"layers\": [{\"type\": \"warp\"}]}",
    "{\"input\": [3, 32, 32], \"layers\": [{\"type\": \"dense\", \"out_features\": 4}]}",
    "{\"input\": [3, 4, 4], \"layers\": [{\"type\": \"conv2d\", \"out_channels\": 2, \"kernel\": 5}]}",
    "{\"input\": [3, 8, 8], \"layers\": [{\"type\": \"conv2d\", \"out_channels\": -1}]}",
    "{\"input\": [3, 8, 8], \"layers\": [{\"type\": \"conv2d\", \"out_channels\": 2}]}",
    "{\"input\": [0, 8, 8], \"layers\": [{\"type\": \"flatten\"}]}",
    "{\"input\": [1, 1, 1], \"layers\": [{\"type\": \"flatten\"}, {\"type\": \"dropout\", \"p\": 1.5}]}",
    /* sizes that would overflow int counts: refused, not allocated */
    "{\"input\": [3, 16384, 16384], \"layers\": [{\"type\": \"flatten\"}]}",
    "{\"input\": [3, 8000, 8000], \"layers\": [{\"type\": \"conv2d\", \"out_channels\": 65536}]}",
    "{\"input\": [1, 1, 1], \"layers\": [{\"type\": \"flatten\"}, {\"type\": \"dense\", \"out_features\": 1048576}, {\"type\": \"dense\", \"out_features\": 1048576}]}",
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    PatinaModel *m = patina_model_new(bad[i], &error);
    g_assert_null(m);
    g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
    g_assert_cmpuint(strlen(error->message), >, 10);
  }
  g_autoptr(GError) error = NULL;
  g_assert_null(patina_spec_by_name("vgg", 2, 150, 3, &error));
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
}

static void random_fill(PatinaRng *rng, float *x, gsize n)
{
  for (gsize i = 0; i < n; i++)
    x[i] = patina_rng_uniform(rng);
}

/* One forward + backward of spec on the same batch with 1 and 3 threads agree up to float
 * rounding: BLAS may block a 5-row GEMM differently from a 2-row one, so only the same thread
 * count promises bitwise equality (test_deterministic_step). */
static void assert_close(const float *a, const float *b, gsize n, double tol)
{
  double scale = 0.0, worst = 0.0;
  for (gsize i = 0; i < n; i++)
    scale = fmax(scale, fabs(a[i]));
  g_assert_cmpfloat(scale, >, 0.0);
  for (gsize i = 0; i < n; i++)
    worst = fmax(worst, fabs(a[i] - b[i]) / scale);
  g_assert_cmpfloat(worst, <, tol);
}

static void check_threads(char *spec, int n)
{
  PatinaModel *a = model_or_fail(g_strdup(spec));
  PatinaModel *b = model_or_fail(spec);
  PatinaRng rng;
  patina_rng_init(&rng, 3);
  patina_model_init(a, &rng);
  memcpy(b->params, a->params, sizeof(float) * a->n_params);
  memcpy(b->buffers, a->buffers, sizeof(float) * a->n_buffers);
  patina_model_set_threads(b, 3);
  gsize in = (gsize) a->in_c * a->in_h * a->in_w;
  float *x = g_new(float, in * n);
  random_fill(&rng, x, in * n);
  PatinaRng ra, rb;
  patina_rng_init(&ra, 9);
  patina_rng_init(&rb, 9);
  const float *la = patina_model_forward(a, x, n, TRUE, &ra, NULL);
  const float *lb = patina_model_forward(b, x, n, TRUE, &rb, NULL);
  assert_close(la, lb, (gsize) n * a->n_outputs, 1e-5);
  float *dl = g_new(float, n * a->n_outputs);
  random_fill(&rng, dl, n * a->n_outputs);
  patina_model_zero_grad(a);
  patina_model_zero_grad(b);
  patina_model_backward(a, x, dl, n, TRUE);
  patina_model_backward(b, x, dl, n, TRUE);
  assert_close(a->grads, b->grads, a->n_params, 1e-5);
  assert_close(a->dinput, b->dinput, in * n, 1e-5);
  g_free(x);
  g_free(dl);
  patina_model_free(a);
  patina_model_free(b);
}

static void test_thread_split(void)
{
  check_threads(patina_spec_paper(2, 46, 3), 5);
  check_threads(patina_spec_paper5(3, 160, 3), 3);
}

/* A training step with the same seed twice is bitwise the same. */
static void test_deterministic_step(void)
{
  float *results[2];
  gsize n_params = 0;
  for (int run = 0; run < 2; run++) {
    PatinaModel *m = model_or_fail(patina_spec_paper(2, 46, 3));
    patina_model_set_threads(m, 2);
    PatinaRng rng;
    patina_rng_init(&rng, 11);
    patina_model_init(m, &rng);
    float x[4 * 3 * 46 * 46], t[4] = {0, 1, 1, 0}, dl[4];
    random_fill(&rng, x, G_N_ELEMENTS(x));
    const float *logits = patina_model_forward(m, x, 4, TRUE, &rng, NULL);
    patina_bce_with_logits(4, logits, t, NULL, dl);
    patina_model_zero_grad(m);
    patina_model_backward(m, x, dl, 4, FALSE);
    n_params = m->n_params;
    results[run] = g_memdup2(m->grads, sizeof(float) * n_params);
    patina_model_free(m);
  }
  g_assert_cmpmem(results[0], sizeof(float) * n_params, results[1], sizeof(float) * n_params);
  g_free(results[0]);
  g_free(results[1]);
}

/* With input_grad_only the input gradient is the full backward's and no parameter gradient
 * is touched (saliency relies on both). */
static void test_input_grad_only(void)
{
  PatinaModel *m = model_or_fail(patina_spec_paper5(2, 160, 3));
  patina_model_set_threads(m, 2);
  PatinaRng rng;
  patina_rng_init(&rng, 5);
  patina_model_init(m, &rng);
  enum { N = 2, LEN = 3 * 160 * 160 };
  float *x = g_new(float, N * LEN), dl[N] = {1.0f, -0.5f};
  random_fill(&rng, x, N * LEN);
  for (int train = 0; train <= 1; train++) {
    patina_model_forward(m, x, N, train, &rng, NULL);
    patina_model_zero_grad(m);
    m->input_grad_only = FALSE;
    patina_model_backward(m, x, dl, N, TRUE);
    g_autofree float *full = g_memdup2(m->dinput, sizeof(float) * N * LEN);
    gboolean any = FALSE;
    for (gsize i = 0; i < m->n_params && !any; i++)
      any = m->grads[i] != 0.0f;
    g_assert_true(any); /* so the check below can fail */

    patina_model_zero_grad(m);
    m->input_grad_only = TRUE;
    patina_model_backward(m, x, dl, N, TRUE);
    g_assert_cmpmem(m->dinput, sizeof(float) * N * LEN, full, sizeof(float) * N * LEN);
    for (gsize i = 0; i < m->n_params; i++)
      g_assert_cmpfloat(m->grads[i], ==, 0.0f);
  }
  g_free(x);
  patina_model_free(m);
}

/* backward_to_layer at a ReLU's output and at its conv's output agree through the ReLU
 * (dz = da where z > 0, and 0 elsewhere), at every conv of the paper CNN (whose ReLUs are fused
 * into the conv and the pool after it); it leaves the parameter gradients alone. */
static void test_backward_to_layer(void)
{
  PatinaModel *m = model_or_fail(patina_spec_paper(3, 64, 1));
  PatinaRng rng;
  patina_rng_init(&rng, 9);
  patina_model_init(m, &rng);
  g_autofree float *x = g_new(float, 64 * 64);
  random_fill(&rng, x, 64 * 64);
  float dl[3] = {0.3f, 1.0f, -0.7f};
  g_assert_nonnull(patina_model_forward(m, x, 1, FALSE, NULL, NULL));
  patina_model_zero_grad(m);
  int convs = 0;
  for (int i = 0; i + 1 < m->n_layers; i++) {
    const PatinaLayer *conv = &m->layers[i], *relu = &m->layers[i + 1];
    if (conv->type != PATINA_LAYER_CONV2D || relu->type != PATINA_LAYER_RELU)
      continue;
    gsize len = (gsize) conv->out_c * conv->out_h * conv->out_w;
    g_autofree float *dz = g_new(float, len), *da = g_new(float, len);
    patina_model_backward_to_layer(m, dl, 1, i, dz);
    patina_model_backward_to_layer(m, dl, 1, i + 1, da);
    int passed = 0, closed_but_routed = 0;
    for (gsize j = 0; j < len; j++) {
      gboolean open = relu->out[j] > 0.0f;
      g_assert_cmpfloat(dz[j], ==, open ? da[j] : 0.0f);
      passed += open;
      closed_but_routed += !open && da[j] != 0.0f;
    }
    g_assert_cmpint(passed, >, 0); /* so the comparison can fail */
    /* A pool window of zeros still passes its gradient to one of them, as PyTorch's does: the
     * gradient at the ReLU's output is not the masked one. */
    if (i + 2 < m->n_layers && m->layers[i + 2].type == PATINA_LAYER_MAXPOOL2D)
      g_assert_cmpint(closed_but_routed, >, 0);
    g_test_message("conv %d: %d of %zu open, %d closed with a gradient", convs + 1, passed, len,
                   closed_but_routed);
    convs++;
  }
  g_assert_cmpint(convs, ==, 4);
  for (gsize i = 0; i < m->n_params; i++)
    g_assert_cmpfloat(m->grads[i], ==, 0.0f);
  patina_model_free(m);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/model/paper-param-count", test_paper_param_count);
  g_test_add_func("/model/backward-to-layer", test_backward_to_layer);
  g_test_add_func("/model/paper5", test_paper5_builds);
  g_test_add_func("/model/spec-errors", test_spec_errors);
  g_test_add_func("/model/thread-split", test_thread_split);
  g_test_add_func("/model/deterministic-step", test_deterministic_step);
  g_test_add_func("/model/input-grad-only", test_input_grad_only);
  return g_test_run();
}
