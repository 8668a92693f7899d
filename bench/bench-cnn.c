/* Throughput of the paper's Table 6 CNN: training steps (forward, BCE, backward, Adam) and
 * inference, images/second, plus OpenBLAS sgemm GFLOP/s on the same threads for reference.
 * usage: bench-cnn [--threads 2] [--size 150] [--batch 32] [--steps 20] [--infer-batch 64]
 *                  [--only train|infer|sgemm] */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/model.h"
#include "pool.h"

static int threads = 2, size = 150, batch = 32, steps = 20, infer_batch = 64;
static const char *only = NULL;

static double now(void)
{
  return g_get_monotonic_time() / 1e6;
}

typedef struct {
  int n;
  float *a, *b, *c;
} SgemmJob;

static void sgemm_worker(int worker, int n_workers, gpointer data)
{
  (void) n_workers;
  SgemmJob *j = data;
  gsize nn = (gsize) j->n * j->n;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, j->n, j->n, j->n, 1.0f, j->a + worker * nn,
              j->n, j->b + worker * nn, j->n, 0.0f, j->c + worker * nn, j->n);
}

/* sgemm the way the model uses it: one single-threaded GEMM per worker at a time. */
static double sgemm_gflops(void)
{
  openblas_set_num_threads(1);
  PatinaPool *pool = patina_pool_new(threads);
  SgemmJob j = {.n = 512};
  gsize nn = (gsize) j.n * j.n * threads;
  j.a = g_new(float, nn), j.b = g_new(float, nn), j.c = g_new(float, nn);
  for (gsize i = 0; i < nn; i++)
    j.a[i] = j.b[i] = (float) (i % 7) * 0.1f;
  patina_pool_run(pool, sgemm_worker, &j);
  int reps = 40;
  double t = now();
  for (int r = 0; r < reps; r++)
    patina_pool_run(pool, sgemm_worker, &j);
  double dt = now() - t;
  patina_pool_free(pool);
  g_free(j.a), g_free(j.b), g_free(j.c);
  return 2.0 * j.n * j.n * j.n * threads * reps / dt / 1e9;
}

int main(int argc, char **argv)
{
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--size")) size = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--batch")) batch = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--steps")) steps = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--infer-batch")) infer_batch = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--only")) only = argv[i + 1];
    else {
      fprintf(stderr, "bench-cnn: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  g_autofree char *spec = patina_spec_paper(2, size, 3);
  g_autoptr(GError) error = NULL;
  PatinaModel *m = patina_model_new(spec, &error);
  if (!m) {
    fprintf(stderr, "bench-cnn: %s\n", error->message);
    return 1;
  }
  patina_model_set_threads(m, threads);
  PatinaRng rng;
  patina_rng_init(&rng, 0);
  patina_model_init(m, &rng);
  int nmax = MAX(batch, infer_batch);
  gsize in = (gsize) 3 * size * size;
  float *x = g_new(float, in * nmax);
  for (gsize i = 0; i < in * nmax; i++)
    x[i] = patina_rng_uniform(&rng);
  float *t = g_new(float, batch), *dl = g_new(float, batch);
  for (int i = 0; i < batch; i++)
    t[i] = (float) (i % 2);
  float *am = g_new0(float, m->n_params), *av = g_new0(float, m->n_params);
  PatinaAdamConfig adam;
  patina_adam_config_default(&adam);
  adam.lr = 7e-4f;

  printf("params: %" G_GSIZE_FORMAT "\nthreads: %d\nsize: %d\nbatch: %d\n", m->n_params, threads,
         size, batch);
  if (!only || !strcmp(only, "train")) {
    int step = 0;
    double t0 = 0;
    for (int s = 0; s < steps + 3; s++) {
      if (s == 3)
        t0 = now();
      const float *logits = patina_model_forward(m, x, batch, TRUE, &rng, NULL);
      patina_bce_with_logits(batch, logits, t, NULL, dl);
      patina_model_zero_grad(m);
      patina_model_backward(m, x, dl, batch, FALSE);
      patina_adam_update(&adam, ++step, m->n_params, m->params, m->grads, am, av);
    }
    double ips = steps * batch / (now() - t0);
    printf("train_img_per_s: %.2f\ntrain_gflops: %.2f\n", ips, ips * 1.42);
  }
  if (!only || !strcmp(only, "infer")) {
    patina_model_forward(m, x, infer_batch, FALSE, NULL, NULL);
    double t0 = now();
    for (int s = 0; s < steps; s++)
      patina_model_forward(m, x, infer_batch, FALSE, NULL, NULL);
    double ips = steps * infer_batch / (now() - t0);
    printf("infer_img_per_s: %.2f\ninfer_gflops: %.2f\n", ips, ips * 0.47);
  }
  if (!only || !strcmp(only, "sgemm"))
    printf("sgemm_gflops: %.2f\n", sgemm_gflops());
  patina_model_free(m);
  g_free(x), g_free(t), g_free(dl), g_free(am), g_free(av);
  return 0;
}
