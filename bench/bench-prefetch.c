/* Training throughput with on-the-fly augmentation against without it: the paper's CNN on the
 * demo data set (generated into a temporary folder), through patina_train, so the loader thread
 * that augments batch k + 1 while the model trains on batch k is what is measured. Modes run
 * interleaved (off, paper, full, off, paper, full, ...) so a change in the machine's load hits
 * them alike; each figure is the median over repeats of the epochs after the first.
 *   off    no augmentation (the loader thread still expands channels)
 *   paper  --augment-preset paper (rotation, shifts, zoom, flips, brightness; fill reflect)
 *   full   paper + contrast, gamma, blur σ 0.5–1.5 and noise σ 0–0.03, all with p = 1
 * Besides wall-clock images/second (which other processes on the machine disturb), each mode
 * reports this process's CPU milliseconds per image (getrusage, user + system) over the same
 * epochs, and the share of time the trainer waited for the loader thread: on a quiet machine
 * with every core busy training, the CPU ratio is what the throughput ratio becomes, and a wait
 * near zero says prefetching hides the augmentation. Also the augmentation alone, one thread.
 * usage: bench-prefetch [--threads 2] [--size 150] [--batch 32] [--epochs 3] [--repeats 3]
 *                       [--per-class 64] */
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>

#include "data/augment.h"
#include "data/demo.h"
#include "train/train.h"

static int threads = 2, size = 150, batch = 32, epochs = 3, repeats = 3, per_class = 64;

static void remove_tree(const char *path)
{
  if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
    const char *name;
    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      remove_tree(child);
    }
    g_rmdir(path);
  } else {
    g_remove(path);
  }
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double cpu_seconds(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

typedef struct {
  double cpu_after_first, cpu_end; /* at the end of epoch 1 and of the last */
} Clock;

static void on_progress(const PatinaProgress *p, gpointer user_data)
{
  Clock *c = user_data;
  if (!p->epoch_done)
    return;
  if (p->epoch == 1)
    c->cpu_after_first = cpu_seconds();
  c->cpu_end = cpu_seconds();
}

/* Images/second of each epoch after the first (decoding and warm-up excluded), CPU ms per image
 * and the loader-wait share over those epochs. */
static gboolean run(PatinaDataset *ds, const PatinaAugment *aug, const char *out, GArray *ips,
                    GArray *cpu_ms, GArray *wait_share)
{
  PatinaTrainConfig cfg;
  patina_train_config_default(&cfg);
  cfg.size = size, cfg.batch = batch, cfg.epochs = epochs, cfg.threads = threads;
  cfg.val_fraction = 0.0;
  cfg.output = out;
  cfg.augment = aug;
  PatinaTrainResult r;
  g_autoptr(GError) error = NULL;
  Clock clock = {0};
  if (!patina_train(&cfg, ds, on_progress, &clock, NULL, &r, &error)) {
    fprintf(stderr, "bench-prefetch: %s\n", error->message);
    patina_train_result_clear(&r);
    return FALSE;
  }
  double seconds = 0.0;
  for (guint e = 1; e < r.history->len; e++) {
    double v = r.n_train / g_array_index(r.history, PatinaEpochRecord, e).seconds;
    g_array_append_val(ips, v);
    seconds += g_array_index(r.history, PatinaEpochRecord, e).seconds;
  }
  double ms = 1e3 * (clock.cpu_end - clock.cpu_after_first) / ((double) r.n_train * (epochs - 1));
  g_array_append_val(cpu_ms, ms);
  /* the wait includes epoch 1's, which the first batch of each epoch dominates; close enough */
  double share = r.loader_wait_seconds / (seconds + g_array_index(r.history, PatinaEpochRecord,
                                                                    0).seconds);
  g_array_append_val(wait_share, share);
  patina_train_result_clear(&r);
  return TRUE;
}

static double median(GArray *a)
{
  qsort(a->data, a->len, sizeof(double), cmp_double);
  double *v = (double *) a->data;
  return a->len % 2 ? v[a->len / 2] : 0.5 * (v[a->len / 2 - 1] + v[a->len / 2]);
}

/* The augmentation alone on one thread, images/second. */
static double augment_only(const PatinaAugment *aug)
{
  gsize plane = (gsize) size * size;
  float *src = g_new(float, plane), *dst = g_new(float, plane);
  PatinaRng rng;
  patina_rng_init(&rng, 1);
  for (gsize i = 0; i < plane; i++)
    src[i] = patina_rng_uniform(&rng);
  int n = 0;
  gint64 t0 = g_get_monotonic_time(), t;
  do {
    for (int k = 0; k < 32; k++, n++) {
      PatinaRng r;
      patina_augment_rng_for(&r, 0, 1, (guint64) n);
      patina_augment_plane(aug, &r, src, size, size, dst, size);
    }
    t = g_get_monotonic_time();
  } while (t - t0 < 500000);
  g_free(src);
  g_free(dst);
  return n / ((t - t0) / 1e6);
}

int main(int argc, char **argv)
{
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--size")) size = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--batch")) batch = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--epochs")) epochs = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--repeats")) repeats = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--per-class")) per_class = atoi(argv[i + 1]);
    else {
      fprintf(stderr, "bench-prefetch: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (epochs < 2 || repeats < 1) {
    fprintf(stderr, "bench-prefetch: --epochs must be at least 2 (the first is warm-up)\n");
    return 2;
  }
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp("patina-bench-prefetch-XXXXXX", &error);
  if (!tmp) {
    fprintf(stderr, "bench-prefetch: %s\n", error->message);
    return 1;
  }
  g_autofree char *data = g_build_filename(tmp, "demo", NULL);
  g_autofree char *out = g_build_filename(tmp, "model.safetensors", NULL);
  int rc = 0;
  PatinaDataset *ds = NULL;
  if (!patina_demo_generate(data, per_class, 1, &error) ||
      !(ds = patina_dataset_open(data, &error))) {
    fprintf(stderr, "bench-prefetch: %s\n", error->message);
    rc = 1;
    goto out;
  }

  PatinaAugment modes[3];
  const char *names[3] = {"off", "paper", "full"};
  patina_augment_init(&modes[0]);
  patina_augment_preset(&modes[1], "paper", NULL);
  patina_augment_preset(&modes[2], "paper", NULL);
  patina_augment_set(&modes[2], "contrast_range", "0.8,1.2", NULL);
  patina_augment_set(&modes[2], "gamma_range", "0.8,1.25", NULL);
  patina_augment_set(&modes[2], "blur_sigma", "0.5,1.5", NULL);
  patina_augment_set(&modes[2], "noise_sigma", "0,0.03", NULL);
  GArray *ips[3], *cpu[3], *wait[3];
  for (int m = 0; m < 3; m++) {
    ips[m] = g_array_new(FALSE, FALSE, sizeof(double));
    cpu[m] = g_array_new(FALSE, FALSE, sizeof(double));
    wait[m] = g_array_new(FALSE, FALSE, sizeof(double));
  }

  printf("threads: %d\nsize: %d\nbatch: %d\nimages: %u\nepochs: %d (first excluded)\n"
         "repeats: %d\n",
         threads, size, batch, ds->samples->len, epochs, repeats);
  for (int r = 0; r < repeats && !rc; r++)
    for (int m = 0; m < 3 && !rc; m++)
      if (!run(ds, m ? &modes[m] : NULL, out, ips[m], cpu[m], wait[m]))
        rc = 1;
  if (!rc) {
    double base = median(ips[0]), cpu_base = median(cpu[0]);
    for (int m = 0; m < 3; m++) {
      double c = median(cpu[m]);
      printf("cpu_ms_per_img_%s: %.1f", names[m], c);
      if (m)
        printf("  ratio %.3f (as throughput: %.3f)", c / cpu_base, cpu_base / c);
      printf("  loader_wait %.2f %%\n", 100.0 * median(wait[m]));
    }
    for (int m = 0; m < 3; m++) {
      double *v = (double *) ips[m]->data;
      double med = median(ips[m]);
      printf("train_img_per_s_%s: %.2f (min %.2f, max %.2f)", names[m], med, v[0],
             v[ips[m]->len - 1]);
      if (m)
        printf("  ratio %.3f", med / base);
      printf("\n");
    }
    for (int m = 1; m < 3; m++)
      printf("augment_only_img_per_s_%s: %.0f (one thread)\n", names[m], augment_only(&modes[m]));
  }
  for (int m = 0; m < 3; m++) {
    g_array_unref(ips[m]);
    g_array_unref(cpu[m]);
    g_array_unref(wait[m]);
  }
out:
  if (ds)
    patina_dataset_free(ds);
  remove_tree(tmp);
  return rc;
}
