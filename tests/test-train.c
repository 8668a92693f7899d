/* The training loop: bitwise determinism per seed and thread count, progress reports, the
 * history CSV and the best/last checkpoints, cancelling keeps the model so far, a non-finite
 * loss stops the run without touching the best checkpoint, bad configurations are refused,
 * and the paper's CNN actually learns an easy two-class task.
 *
 * Everything runs at 46×46, the smallest input the paper's four conv3 + pool2 stages fit
 * (46 → 44 → 22 → 20 → 10 → 8 → 4 → 2 → 1), on a dozen or a few dozen images. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "data/dataset.h"
#include "data/demo.h"
#include "rng.h"
#include "train/train.h"
#include "testutil.h"

#define SIZE 46

static char *tmp_root;   /* removed at exit */
static char *demo_dir;   /* demo data, 6 per class */
static char *easy_dir;   /* horizontal vs vertical stripes, training images */
static char *easy_test;  /* the same task, other images, never trained on */

/* A fresh empty folder under tmp_root for one test's outputs. */
static char *out_dir(const char *name)
{
  char *dir = g_build_filename(tmp_root, name, NULL);
  test_remove_tree(dir);
  g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
  return dir;
}

static void write_gray_png(const char *path, const float *pix, int size)
{
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, size, size);
  guchar *px = gdk_pixbuf_get_pixels(pb);
  int stride = gdk_pixbuf_get_rowstride(pb);
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++) {
      float v = CLAMP(pix[y * size + x], 0.0f, 1.0f);
      guchar g = (guchar) lrintf(v * 255.0f);
      guchar *p = px + y * stride + x * 3;
      p[0] = p[1] = p[2] = g;
    }
  g_autoptr(GError) error = NULL;
  g_assert_true(gdk_pixbuf_save(pb, path, "png", &error, NULL));
  g_assert_no_error(error);
}

/* Stripes of a random period, phase, brightness and contrast under noise: the two classes
 * differ only in orientation, so mean brightness tells nothing and the model must learn an
 * oriented filter, which a small CNN does in a few epochs. */
static void make_stripes(const char *dir, int per_class, guint64 seed)
{
  static const char *names[] = {"horizontal", "vertical"};
  PatinaRng rng;
  patina_rng_init(&rng, seed);
  float pix[SIZE * SIZE];
  for (int k = 0; k < 2; k++) {
    g_autofree char *cdir = g_build_filename(dir, names[k], NULL);
    g_assert_cmpint(g_mkdir_with_parents(cdir, 0755), ==, 0);
    for (int i = 0; i < per_class; i++) {
      float period = patina_rng_range(&rng, 5.0f, 10.0f);
      float phase = patina_rng_range(&rng, 0.0f, 2.0f * (float) G_PI);
      float base = patina_rng_range(&rng, 0.35f, 0.65f);
      float amp = patina_rng_range(&rng, 0.2f, 0.3f);
      for (int y = 0; y < SIZE; y++)
        for (int x = 0; x < SIZE; x++) {
          int t = k == 0 ? y : x;
          float v = base + amp * sinf(2.0f * (float) G_PI * t / period + phase);
          pix[y * SIZE + x] = v + patina_rng_range(&rng, -0.08f, 0.08f);
        }
      g_autofree char *name = g_strdup_printf("%s_%03d.png", names[k], i);
      g_autofree char *path = g_build_filename(cdir, name, NULL);
      write_gray_png(path, pix, SIZE);
    }
  }
}

static void base_config(PatinaTrainConfig *cfg, const char *output)
{
  patina_train_config_default(cfg);
  cfg->size = SIZE;
  cfg->epochs = 2;
  cfg->batch = 4;
  cfg->seed = 3;
  cfg->threads = 2;
  cfg->output = output;
}

static PatinaDataset *open_data(const char *dir)
{
  g_autoptr(GError) error = NULL;
  PatinaDataset *ds = patina_dataset_open(dir, &error);
  g_assert_no_error(error);
  g_assert_nonnull(ds);
  return ds;
}

static PatinaModel *load_model(const char *path, PatinaCheckpointMeta *meta)
{
  g_autoptr(GError) error = NULL;
  PatinaModel *m = patina_checkpoint_load(path, meta, &error);
  g_assert_no_error(error);
  g_assert_nonnull(m);
  return m;
}

static void train_ok(const PatinaTrainConfig *cfg, PatinaDataset *ds, PatinaTrainResult *r)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = patina_train(cfg, ds, NULL, NULL, NULL, r, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
}

/* ---- determinism ---- */

static void test_determinism(void)
{
  g_autofree char *dir = out_dir("determinism");
  g_autofree char *a = g_build_filename(dir, "a.safetensors", NULL);
  g_autofree char *b = g_build_filename(dir, "b.safetensors", NULL);
  g_autofree char *c = g_build_filename(dir, "c.safetensors", NULL);
  g_autoptr(PatinaDataset) ds = open_data(demo_dir);
  PatinaTrainConfig cfg;
  PatinaTrainResult ra, rb, rc;

  base_config(&cfg, a);
  train_ok(&cfg, ds, &ra);
  cfg.output = b;
  train_ok(&cfg, ds, &rb);
  cfg.output = c;
  cfg.seed = 4;
  train_ok(&cfg, ds, &rc);

  /* the same seed: the same history (losses are computed bit for bit the same) ... */
  g_assert_cmpuint(ra.history->len, ==, 2);
  g_assert_cmpuint(rb.history->len, ==, 2);
  for (guint i = 0; i < ra.history->len; i++) {
    PatinaEpochRecord *x = &g_array_index(ra.history, PatinaEpochRecord, i);
    PatinaEpochRecord *y = &g_array_index(rb.history, PatinaEpochRecord, i);
    g_assert_cmpint(x->epoch, ==, (int) i + 1);
    g_assert_true(isfinite(x->train_loss));
    g_assert_cmpmem(&x->train_loss, sizeof(double), &y->train_loss, sizeof(double));
    g_assert_cmpmem(&x->train_acc, sizeof(double), &y->train_acc, sizeof(double));
    g_assert_cmpmem(&x->val_loss, sizeof(double), &y->val_loss, sizeof(double));
    g_assert_cmpmem(&x->val_acc, sizeof(double), &y->val_acc, sizeof(double));
  }
  g_assert_cmpint(ra.best_epoch, ==, rb.best_epoch);

  /* ... and bitwise the same parameters, in the best and in the last checkpoint */
  const char *pairs[][2] = {{a, b}, {ra.last_path, rb.last_path}};
  for (guint p = 0; p < G_N_ELEMENTS(pairs); p++) {
    PatinaModel *ma = load_model(pairs[p][0], NULL);
    PatinaModel *mb = load_model(pairs[p][1], NULL);
    g_assert_cmpuint(ma->n_params, ==, mb->n_params);
    g_assert_cmpmem(ma->params, ma->n_params * sizeof(float), mb->params,
                    mb->n_params * sizeof(float));
    patina_model_free(ma);
    patina_model_free(mb);
  }

  /* another seed: another model */
  PatinaModel *ma = load_model(ra.last_path, NULL);
  PatinaModel *mc = load_model(rc.last_path, NULL);
  g_assert_cmpuint(ma->n_params, ==, mc->n_params);
  g_assert_true(memcmp(ma->params, mc->params, ma->n_params * sizeof(float)) != 0);
  PatinaEpochRecord *x = &g_array_index(ra.history, PatinaEpochRecord, 0);
  PatinaEpochRecord *z = &g_array_index(rc.history, PatinaEpochRecord, 0);
  g_assert_true(x->train_loss != z->train_loss);
  patina_model_free(ma);
  patina_model_free(mc);

  patina_train_result_clear(&ra);
  patina_train_result_clear(&rb);
  patina_train_result_clear(&rc);
}

/* ---- progress, history, checkpoints ---- */

typedef struct {
  int calls;
  int last_epoch, last_batch;
  int epoch_done_count[8];
  int batches;
  gboolean saw_val_nan_mid_epoch;
  /* cancelling */
  GCancellable *cancellable;
  int cancel_epoch, cancel_batch;
  int calls_after_cancel;
} ProgressLog;

static void on_progress(const PatinaProgress *p, gpointer user_data)
{
  ProgressLog *log = user_data;
  if (log->cancellable && g_cancellable_is_cancelled(log->cancellable))
    log->calls_after_cancel++;
  log->calls++;
  g_assert_cmpint(p->epochs, ==, 3);
  g_assert_cmpint(p->epoch, >=, 1);
  g_assert_cmpint(p->epoch, <=, p->epochs);
  g_assert_cmpint(p->batch, >=, 1);
  g_assert_cmpint(p->batch, <=, p->batches);
  g_assert_true(isfinite(p->train_loss));
  g_assert_cmpfloat(p->train_acc, >=, 0.0);
  g_assert_cmpfloat(p->train_acc, <=, 1.0);
  g_assert_true(p->images_per_second > 0.0);
  if (log->batches == 0)
    log->batches = p->batches;
  g_assert_cmpint(p->batches, ==, log->batches);
  if (p->epoch_done) {
    /* once per epoch, after its last batch, with the holdout's metrics */
    g_assert_cmpint(p->epoch, ==, log->last_epoch);
    g_assert_cmpint(log->last_batch, ==, p->batches);
    g_assert_cmpint(p->batch, ==, p->batches);
    log->epoch_done_count[p->epoch]++;
    g_assert_true(isfinite(p->val_loss));
    g_assert_true(isfinite(p->val_acc));
    g_assert_cmpfloat(p->val_acc, >=, 0.0);
    g_assert_cmpfloat(p->val_acc, <=, 1.0);
    g_assert_true(isfinite(p->eta_seconds));
  } else {
    /* batches count up within an epoch; a new epoch starts at 1 after the last one closed */
    if (p->epoch == log->last_epoch) {
      g_assert_cmpint(p->batch, ==, log->last_batch + 1);
    } else {
      g_assert_cmpint(p->epoch, ==, log->last_epoch + 1);
      g_assert_cmpint(p->batch, ==, 1);
      if (log->last_epoch > 0)
        g_assert_cmpint(log->epoch_done_count[log->last_epoch], ==, 1);
    }
    if (isnan(p->val_acc) && isnan(p->val_loss))
      log->saw_val_nan_mid_epoch = TRUE;
    log->last_epoch = p->epoch;
    log->last_batch = p->batch;
  }
  if (log->cancellable && p->epoch == log->cancel_epoch && p->batch == log->cancel_batch &&
      !p->epoch_done)
    g_cancellable_cancel(log->cancellable);
}

static int count_lines(const char *text)
{
  int n = 0;
  for (const char *s = text; *s; s++)
    n += *s == '\n';
  return n;
}

static void test_progress_and_files(void)
{
  g_autofree char *dir = out_dir("progress");
  g_autofree char *out = g_build_filename(dir, "model.safetensors", NULL);
  g_autoptr(PatinaDataset) ds = open_data(demo_dir);
  PatinaTrainConfig cfg;
  base_config(&cfg, out);
  cfg.epochs = 3;
  ProgressLog log = {0};
  PatinaTrainResult r;
  g_autoptr(GError) error = NULL;
  gboolean ok = patina_train(&cfg, ds, on_progress, &log, NULL, &r, &error);
  g_assert_no_error(error);
  g_assert_true(ok);

  /* 12 images, a fifth of each class held out: 1 + 1 validate, 10 train in batches of 4 */
  g_assert_cmpint(r.n_train, ==, 10);
  g_assert_cmpint(r.n_val, ==, 2);
  g_assert_cmpint(log.batches, ==, 3);
  g_assert_cmpint(log.calls, ==, 3 * (3 + 1));
  for (int e = 1; e <= 3; e++)
    g_assert_cmpint(log.epoch_done_count[e], ==, 1);
  g_assert_true(log.saw_val_nan_mid_epoch);
  g_assert_cmpint(log.last_epoch, ==, 3);

  g_assert_cmpuint(r.history->len, ==, 3);
  g_assert_cmpint(r.best_epoch, >=, 1);
  g_assert_cmpint(r.best_epoch, <=, 3);
  PatinaEpochRecord *best = &g_array_index(r.history, PatinaEpochRecord, r.best_epoch - 1);
  g_assert_cmpfloat(r.best_val_acc, ==, best->val_acc);
  for (guint i = 0; i < r.history->len; i++) {
    PatinaEpochRecord *rec = &g_array_index(r.history, PatinaEpochRecord, i);
    g_assert_cmpfloat(rec->val_acc, <=, r.best_val_acc);
    /* two validation images tie often: the tie goes to the lower validation loss */
    if (rec->val_acc == r.best_val_acc)
      g_assert_cmpfloat(rec->val_loss, >=, best->val_loss);
    g_assert_true(isfinite(rec->val_loss));
    g_assert_cmpfloat(rec->lr, ==, cfg.lr);
  }

  /* the files are named after the output */
  g_autofree char *last = g_build_filename(dir, "model.last.safetensors", NULL);
  g_autofree char *csv_path = g_build_filename(dir, "model.csv", NULL);
  g_assert_cmpstr(r.last_path, ==, last);
  g_assert_cmpstr(r.history_path, ==, csv_path);

  /* history CSV: header plus one row per epoch, equal to patina_history_to_csv */
  g_autofree char *csv = NULL;
  g_assert_true(g_file_get_contents(csv_path, &csv, NULL, NULL));
  g_assert_true(g_str_has_prefix(csv, "epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds\n"));
  g_assert_cmpint(count_lines(csv), ==, 1 + 3);
  g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
  for (int e = 1; e <= 3; e++) {
    g_auto(GStrv) fields = g_strsplit(lines[e], ",", -1);
    g_assert_cmpuint(g_strv_length(fields), ==, 7);
    g_assert_cmpint(atoi(fields[0]), ==, e);
    for (int k = 1; k < 7; k++)
      g_assert_true(isfinite(g_ascii_strtod(fields[k], NULL)) && *fields[k]);
  }
  g_autofree char *again = patina_history_to_csv(r.history);
  g_assert_cmpstr(csv, ==, again);

  /* both checkpoints load; the last carries the whole history, the best its epoch's */
  PatinaCheckpointMeta meta = {0};
  PatinaModel *m = load_model(last, &meta);
  g_assert_cmpint(m->in_h, ==, SIZE);
  g_assert_cmpint(patina_model_n_classes(m), ==, 2);
  g_assert_cmpuint(g_strv_length(meta.class_names), ==, 2);
  g_assert_cmpstr(meta.class_names[0], ==, "316L");
  g_assert_cmpstr(meta.class_names[1], ==, "AZ31B");
  g_assert_cmpint(count_lines(meta.history_csv), ==, 1 + 3);
  g_assert_nonnull(strstr(meta.hyperparameters_json, "\"epoch\":3"));
  patina_checkpoint_meta_clear(&meta);
  patina_model_free(m);
  m = load_model(out, &meta);
  g_assert_cmpint(count_lines(meta.history_csv), ==, 1 + r.best_epoch);
  g_autofree char *epoch_field = g_strdup_printf("\"epoch\":%d", r.best_epoch);
  g_assert_nonnull(strstr(meta.hyperparameters_json, epoch_field));
  patina_checkpoint_meta_clear(&meta);
  patina_model_free(m);

  /* no temporary files are left behind */
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;
  int files = 0;
  while ((name = g_dir_read_name(d)) != NULL)
    files++;
  g_assert_cmpint(files, ==, 3);
  patina_train_result_clear(&r);
}

/* Without a holdout the last epoch is the best: output and .last hold the same model. */
static void test_no_holdout(void)
{
  g_autofree char *dir = out_dir("no-holdout");
  g_autofree char *out = g_build_filename(dir, "m.safetensors", NULL);
  g_autoptr(PatinaDataset) ds = open_data(demo_dir);
  PatinaTrainConfig cfg;
  base_config(&cfg, out);
  cfg.val_fraction = 0.0;
  PatinaTrainResult r;
  train_ok(&cfg, ds, &r);
  g_assert_cmpint(r.n_train, ==, 12);
  g_assert_cmpint(r.n_val, ==, 0);
  g_assert_cmpint(r.best_epoch, ==, 2);
  for (guint i = 0; i < r.history->len; i++)
    g_assert_true(isnan(g_array_index(r.history, PatinaEpochRecord, i).val_acc));
  PatinaModel *a = load_model(out, NULL);
  PatinaModel *b = load_model(r.last_path, NULL);
  g_assert_cmpmem(a->params, a->n_params * sizeof(float), b->params, b->n_params * sizeof(float));
  patina_model_free(a);
  patina_model_free(b);
  patina_train_result_clear(&r);
}

/* ---- cancelling ---- */

static void test_cancel(void)
{
  g_autofree char *dir = out_dir("cancel");
  g_autofree char *out = g_build_filename(dir, "model.safetensors", NULL);
  g_autoptr(PatinaDataset) ds = open_data(demo_dir);
  g_autoptr(GCancellable) cancellable = g_cancellable_new();
  PatinaTrainConfig cfg;
  base_config(&cfg, out);
  cfg.epochs = 3;
  ProgressLog log = {.cancellable = cancellable, .cancel_epoch = 2, .cancel_batch = 1};
  PatinaTrainResult r;
  g_autoptr(GError) error = NULL;
  gboolean ok = patina_train(&cfg, ds, on_progress, &log, cancellable, &r, &error);
  g_assert_false(ok);
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* stopped before the next batch: no more reports */
  g_assert_cmpint(log.calls_after_cancel, ==, 0);
  g_assert_cmpint(log.epoch_done_count[1], ==, 1);
  g_assert_cmpint(log.epoch_done_count[2], ==, 0);
  g_assert_cmpuint(r.history->len, ==, 1);

  /* the model so far is kept in .last, which loads; the best of epoch 1 is there too */
  g_assert_nonnull(r.last_path);
  g_assert_true(g_file_test(r.last_path, G_FILE_TEST_IS_REGULAR));
  PatinaCheckpointMeta meta = {0};
  PatinaModel *m = load_model(r.last_path, &meta);
  g_assert_cmpint(m->in_h, ==, SIZE);
  g_assert_cmpint(count_lines(meta.history_csv), ==, 1 + 1);
  patina_checkpoint_meta_clear(&meta);
  /* it holds the batch trained in epoch 2, so it differs from the end of epoch 1 */
  PatinaModel *best = load_model(out, NULL);
  g_assert_true(memcmp(m->params, best->params, m->n_params * sizeof(float)) != 0);
  patina_model_free(best);
  patina_model_free(m);
  patina_train_result_clear(&r);

  /* cancelled before it starts: an error, and nothing written */
  g_autofree char *dir2 = out_dir("cancel-early");
  g_autofree char *out2 = g_build_filename(dir2, "model.safetensors", NULL);
  cfg.output = out2;
  g_clear_error(&error);
  ok = patina_train(&cfg, ds, NULL, NULL, cancellable, &r, &error);
  g_assert_false(ok);
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false(g_file_test(out2, G_FILE_TEST_EXISTS));
  patina_train_result_clear(&r);
}

/* ---- a non-finite loss ---- */

/* Runs cfg, which must stop with PATINA_ERROR_NUMERIC and leave cfg->output (the best model of
 * an earlier run) byte for byte as it was. FALSE if the output changed. */
static gboolean numeric_failure_keeps_best(const PatinaTrainConfig *cfg, PatinaDataset *ds,
                                           const char *precious, gsize precious_len)
{
  PatinaTrainResult r;
  g_autoptr(GError) error = NULL;
  gboolean ok = patina_train(cfg, ds, NULL, NULL, NULL, &r, &error);
  g_test_message("lr %g, batch %d: %s", cfg->lr, cfg->batch, error ? error->message : "no error");
  for (guint i = 0; r.history && i < r.history->len; i++) {
    PatinaEpochRecord *rec = &g_array_index(r.history, PatinaEpochRecord, i);
    g_test_message("  epoch %d: loss %g acc %g val_loss %g val_acc %g", rec->epoch,
                   rec->train_loss, rec->train_acc, rec->val_loss, rec->val_acc);
  }
  g_assert_false(ok);
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_NUMERIC);
  g_assert_nonnull(strstr(error->message, "learning rate"));
  g_assert_nonnull(strstr(error->message, cfg->output));
  /* whatever this run did save must load and be finite */
  if (g_file_test(r.last_path, G_FILE_TEST_EXISTS)) {
    PatinaModel *m = load_model(r.last_path, NULL);
    for (gsize i = 0; i < m->n_params; i++)
      g_assert_true(isfinite(m->params[i]));
    patina_model_free(m);
  }
  patina_train_result_clear(&r);
  g_autofree char *now = NULL;
  gsize now_len = 0;
  g_assert_true(g_file_get_contents(cfg->output, &now, &now_len, NULL));
  return now_len == precious_len && memcmp(now, precious, now_len) == 0;
}

/* A good model of an earlier run in cfg->output, and its bytes. */
static void train_precious(PatinaTrainConfig *cfg, PatinaDataset *ds, char **bytes, gsize *len)
{
  PatinaTrainResult r;
  train_ok(cfg, ds, &r);
  patina_train_result_clear(&r);
  g_assert_true(g_file_get_contents(cfg->output, bytes, len, NULL));
}

static void test_nan_guard(void)
{
  g_autofree char *dir = out_dir("nan");
  g_autofree char *out = g_build_filename(dir, "model.safetensors", NULL);
  g_autoptr(PatinaDataset) ds = open_data(demo_dir);
  PatinaTrainConfig cfg;
  base_config(&cfg, out);
  cfg.epochs = 1;
  g_autofree char *precious = NULL;
  gsize precious_len = 0;
  train_precious(&cfg, ds, &precious, &precious_len);

  /* Adam moves every weight by about lr in its first step: 1e30 makes the next forward
   * overflow, in batch 2 of epoch 1. */
  cfg.epochs = 3;
  cfg.lr = 1e30f;
  g_assert_true(numeric_failure_keeps_best(&cfg, ds, precious, precious_len));

  /* SGD diverges as well */
  cfg.optimizer = PATINA_OPTIMIZER_SGD;
  cfg.lr = 1e20f;
  g_assert_true(numeric_failure_keeps_best(&cfg, ds, precious, precious_len));
}

/* One batch per epoch: epoch 1 ends with an overflowed model whose holdout loss is not finite,
 * and epoch 2's first batch has a NaN loss. The overflowed model of epoch 1 must not replace
 * the best model as if it were a good one. */
static void test_nan_guard_holdout(void)
{
  g_autofree char *dir = out_dir("nan-holdout");
  g_autofree char *out = g_build_filename(dir, "model.safetensors", NULL);
  g_autoptr(PatinaDataset) ds = open_data(demo_dir);
  PatinaTrainConfig cfg;
  base_config(&cfg, out);
  cfg.epochs = 1;
  g_autofree char *precious = NULL;
  gsize precious_len = 0;
  train_precious(&cfg, ds, &precious, &precious_len);

  cfg.epochs = 3;
  cfg.batch = 64;
  cfg.lr = 1e30f;
  g_assert_true(numeric_failure_keeps_best(&cfg, ds, precious, precious_len));
}

/* ---- configuration errors ---- */

static void test_config_errors(void)
{
  g_autofree char *dir = out_dir("config");
  g_autofree char *out = g_build_filename(dir, "m.safetensors", NULL);
  g_autoptr(PatinaDataset) ds = open_data(demo_dir);
  typedef struct {
    const char *what;
    int epochs, batch;
    float lr;
    double val_fraction;
    int size, threads;
    const char *model, *output;
  } Case;
  const Case cases[] = {
    {"epochs 0", .epochs = 0},
    {"epochs -1", .epochs = -1},
    {"batch 0", .batch = 0},
    {"batch -4", .batch = -4},
    {"lr 0", .lr = 0.0f},
    {"lr -1", .lr = -1.0f},
    {"lr NaN", .lr = NAN},
    {"lr inf", .lr = INFINITY},
    {"val_fraction 1", .val_fraction = 1.0},
    {"val_fraction -0.1", .val_fraction = -0.1},
    {"val_fraction NaN", .val_fraction = NAN},
    {"size 0", .size = 0},
    {"size 45 (too small for four conv+pool stages)", .size = 45},
    {"threads 0", .threads = 0},
    {"model unknown", .model = "resnet"},
    {"output empty", .output = ""},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    const Case *c = &cases[i];
    PatinaTrainConfig cfg;
    base_config(&cfg, out);
    if (strstr(c->what, "epochs"))
      cfg.epochs = c->epochs;
    if (strstr(c->what, "batch"))
      cfg.batch = c->batch;
    if (strstr(c->what, "lr"))
      cfg.lr = c->lr;
    if (strstr(c->what, "val_fraction"))
      cfg.val_fraction = c->val_fraction;
    if (strstr(c->what, "size"))
      cfg.size = c->size;
    if (strstr(c->what, "threads"))
      cfg.threads = c->threads;
    if (c->model)
      cfg.model = c->model;
    if (c->output)
      cfg.output = c->output;
    PatinaTrainResult r;
    g_autoptr(GError) error = NULL;
    g_test_message("%s", c->what);
    gboolean ok = patina_train(&cfg, ds, NULL, NULL, NULL, &r, &error);
    g_assert_false(ok);
    g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
    g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
    patina_train_result_clear(&r);
  }
  /* 46 is the smallest size that fits */
  PatinaTrainConfig cfg;
  base_config(&cfg, out);
  cfg.epochs = 1;
  cfg.val_fraction = 0.0;
  PatinaTrainResult r;
  train_ok(&cfg, ds, &r);
  patina_train_result_clear(&r);
}

/* A data set with an unreadable image stops before any training, naming the file. */
static void test_bad_image(void)
{
  g_autofree char *dir = out_dir("bad-image");
  g_autofree char *data = g_build_filename(dir, "data", NULL);
  make_stripes(data, 3, 11);
  g_autofree char *bad = g_build_filename(data, "vertical", "zz_broken.png", NULL);
  g_assert_true(g_file_set_contents(bad, "\x89PNG\r\n\x1a\n not really", -1, NULL));
  g_autofree char *out = g_build_filename(dir, "m.safetensors", NULL);
  g_autoptr(PatinaDataset) ds = open_data(data);
  PatinaTrainConfig cfg;
  base_config(&cfg, out);
  for (int val = 0; val < 2; val++) {
    /* without and with a holdout: whichever part the broken file falls in */
    cfg.val_fraction = val ? 0.5 : 0.0;
    PatinaTrainResult r;
    g_autoptr(GError) error = NULL;
    g_assert_false(patina_train(&cfg, ds, NULL, NULL, NULL, &r, &error));
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, "zz_broken.png"));
    g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
    patina_train_result_clear(&r);
  }
}

/* ---- it learns ---- */

static void test_learns(void)
{
  g_autofree char *dir = out_dir("learns");
  g_autofree char *out = g_build_filename(dir, "m.safetensors", NULL);
  g_autoptr(PatinaDataset) ds = open_data(easy_dir);
  PatinaTrainConfig cfg;
  base_config(&cfg, out);
  cfg.epochs = 6;
  cfg.batch = 8;
  cfg.lr = 1e-3f;
  cfg.seed = 0;
  cfg.val_fraction = 0.0;
  PatinaTrainResult r;
  train_ok(&cfg, ds, &r);
  PatinaEpochRecord *first = &g_array_index(r.history, PatinaEpochRecord, 0);
  PatinaEpochRecord *last = &g_array_index(r.history, PatinaEpochRecord, r.history->len - 1);
  g_test_message("train loss %.4f -> %.4f, acc %.3f -> %.3f", first->train_loss,
                 last->train_loss, first->train_acc, last->train_acc);
  g_assert_cmpfloat(last->train_loss, <, first->train_loss);

  /* images it never saw */
  g_autoptr(PatinaDataset) test = open_data(easy_test);
  int n = (int) test->samples->len;
  g_autofree int *idx = g_new(int, n);
  g_autofree int *labels = g_new(int, n);
  for (int i = 0; i < n; i++) {
    idx[i] = i;
    labels[i] = g_array_index(test->samples, PatinaSample, i).label;
  }
  g_autoptr(GError) error = NULL;
  g_autofree float *planes = patina_load_planes(test, idx, n, SIZE, 2, NULL, &error);
  g_assert_no_error(error);
  PatinaModel *m = load_model(out, NULL);
  PatinaEvaluation e = {0};
  g_assert_true(patina_evaluate_planes(m, planes, labels, n, 16, &e, &error));
  g_assert_no_error(error);
  g_test_message("held-out accuracy %.3f, loss %.4f", e.accuracy, e.loss);
  g_assert_cmpint(e.n, ==, n);
  int total = 0;
  for (int k = 0; k < 4; k++)
    total += e.confusion[k];
  g_assert_cmpint(total, ==, n);
  /* chance is 0.5 */
  g_assert_cmpfloat(e.accuracy, >=, 0.9);
  patina_evaluation_clear(&e);
  patina_model_free(m);
  patina_train_result_clear(&r);
}

/* ---- per-class metrics ---- */

/* A hand-made confusion matrix whose precision, recall and F1 were worked out on paper, so a
 * swapped row/column, an arithmetic mean instead of F1's harmonic one, or a 0/0 that leaks out
 * as NaN for a class the model never predicts all fail here rather than in a results table. */
static void test_class_metrics(void)
{
  /* rows: true class, columns: predicted class; class 2 is never predicted */
  int confusion[9] = {
    5, 1, 0,
    2, 3, 0,
    1, 2, 0,
  };
  PatinaEvaluation e = {.n_classes = 3, .n = 14, .confusion = confusion};
  /* class 0: tp 5, predicted 5+2+1 = 8, actual 5+1 = 6 -> F1 = 2*5 / (8+6) = 5/7
   * class 1: tp 3, predicted 1+3+2 = 6, actual 2+3 = 5 -> F1 = 2*3 / (6+5) = 6/11
   * class 2: tp 0, predicted 0 (0/0), actual 3 -> everything 0 */
  const double expected[3][3] = {
    {5.0 / 8, 5.0 / 6, 5.0 / 7},
    {3.0 / 6, 3.0 / 5, 6.0 / 11},
    {0.0, 0.0, 0.0},
  };
  for (int k = 0; k < 3; k++) {
    double precision = -1, recall = -1, f1 = -1;
    patina_evaluation_class_metrics(&e, k, &precision, &recall, &f1);
    g_test_message("class %d: precision %.4f recall %.4f F1 %.4f", k, precision, recall, f1);
    g_assert_false(isnan(precision) || isnan(recall) || isnan(f1));
    g_assert_cmpfloat_with_epsilon(precision, expected[k][0], 1e-12);
    g_assert_cmpfloat_with_epsilon(recall, expected[k][1], 1e-12);
    g_assert_cmpfloat_with_epsilon(f1, expected[k][2], 1e-12);
  }

  /* the other undefined case: a class that is predicted but never present has recall 0/0 */
  int never_present[4] = {
    2, 1,
    0, 0,
  };
  PatinaEvaluation absent = {.n_classes = 2, .n = 3, .confusion = never_present};
  double precision = -1, recall = -1, f1 = -1;
  patina_evaluation_class_metrics(&absent, 1, &precision, &recall, &f1);
  g_assert_cmpfloat_with_epsilon(precision, 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(recall, 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(f1, 0.0, 1e-12);
  patina_evaluation_class_metrics(&absent, 0, &precision, &recall, &f1);
  g_assert_cmpfloat_with_epsilon(precision, 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(recall, 2.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon(f1, 4.0 / 5, 1e-12);
}

/* ---- class weighting and explicit splits ---- */

static double first_loss(const PatinaTrainConfig *cfg, PatinaDataset *ds)
{
  PatinaTrainResult r;
  train_ok(cfg, ds, &r);
  double loss = g_array_index(r.history, PatinaEpochRecord, 0).train_loss;
  g_assert_cmpint(r.n_train, ==, cfg->train_indices ? cfg->n_train_indices : r.n_train);
  patina_train_result_clear(&r);
  return loss;
}

/* Weights come from the images trained on: a balanced split weighs every class 1 (the same
 * loss bit for bit), an imbalanced explicit split changes the loss. */
static void test_class_weighting(void)
{
  g_autofree char *dir = out_dir("weighting");
  g_autofree char *out = g_build_filename(dir, "m.safetensors", NULL);
  g_autoptr(PatinaDataset) ds = open_data(demo_dir);
  PatinaTrainConfig cfg;
  base_config(&cfg, out);
  cfg.epochs = 1;
  double plain = first_loss(&cfg, ds);
  cfg.class_weighting = TRUE;
  g_assert_cmpfloat(first_loss(&cfg, ds), ==, plain);

  int train[8], val[8], n_train = 0, n_val = 0, seen0 = 0;
  for (int i = 0; i < (int) ds->samples->len; i++) {
    int label = g_array_index(ds->samples, PatinaSample, i).label;
    if (label == 1 || seen0++ < 2) {
      if (n_train < 8)
        train[n_train++] = i;
    } else if (n_val < 8) {
      val[n_val++] = i;
    }
  }
  g_assert_cmpint(n_train, ==, 8);
  cfg.train_indices = train, cfg.n_train_indices = n_train;
  cfg.val_indices = val, cfg.n_val_indices = n_val;
  cfg.class_weighting = FALSE;
  double imbalanced = first_loss(&cfg, ds);
  cfg.class_weighting = TRUE;
  double weighted = first_loss(&cfg, ds);
  g_assert_cmpfloat(fabs(weighted - imbalanced), >, 1e-4);

  int outside = (int) ds->samples->len;
  cfg.val_indices = &outside, cfg.n_val_indices = 1;
  PatinaTrainResult r;
  g_autoptr(GError) error = NULL;
  g_assert_false(patina_train(&cfg, ds, NULL, NULL, NULL, &r, &error));
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
  patina_train_result_clear(&r);
}

/* ---- the data bar crop: per data set and per image (a manifest's crop_rows) ---- */

/* Mean of the bottom row of the one loaded plane. */
static double bottom_row_mean(PatinaDataset *ds, int index)
{
  g_autoptr(GError) error = NULL;
  g_autofree float *plane = patina_load_planes(ds, &index, 1, SIZE, 1, NULL, &error);
  g_assert_no_error(error);
  double sum = 0.0;
  for (int x = 0; x < SIZE; x++)
    sum += plane[(SIZE - 1) * SIZE + x];
  return sum / SIZE;
}

static void test_crop_choice(void)
{
  /* mid-gray images whose bottom 12 rows are white: the heuristic takes a flat white band
   * without text for part of the picture, so each choice shows in the bottom row */
  g_autofree char *dir = out_dir("crop");
  const int side = 64, band = 12;
  g_autofree float *pix = g_new(float, side * side);
  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      pix[y * side + x] = y >= side - band ? 1.0f : 0.3f + 0.2f * ((x / 4 + y / 4) % 2);
  for (int k = 0; k < 2; k++) {
    g_autofree char *cls = g_build_filename(dir, k ? "b" : "a", NULL);
    g_mkdir_with_parents(cls, 0755);
    g_autofree char *file = g_build_filename(cls, "img.png", NULL);
    write_gray_png(file, pix, side);
  }
  g_autoptr(PatinaDataset) ds = open_data(dir);
  ds->crop = PATINA_CROP_OFF;
  g_assert_cmpfloat(bottom_row_mean(ds, 0), >, 0.95);
  ds->crop = PATINA_CROP_ROWS, ds->crop_rows = band;
  g_assert_cmpfloat(bottom_row_mean(ds, 0), <, 0.6);
  /* an image's own choice wins over the data set's ... */
  PatinaSample *s = &g_array_index(ds->samples, PatinaSample, 0);
  s->crop_set = TRUE, s->crop_rows = 0;
  g_assert_cmpfloat(bottom_row_mean(ds, 0), >, 0.95);
  /* ... unless cropping is off for the whole data set */
  s->crop_rows = band;
  ds->crop = PATINA_CROP_OFF;
  g_assert_cmpfloat(bottom_row_mean(ds, 0), >, 0.95);
  ds->crop = PATINA_CROP_AUTO;
  g_assert_cmpfloat(bottom_row_mean(ds, 0), <, 0.6);
}

/* ---- dropout, folds, per-image predictions ---- */

static void test_dropout_in_spec(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *spec = patina_spec_paper5(2, 450, 3);
  g_autofree char *changed = patina_spec_set_dropout(spec, 0.2, &error);
  g_assert_no_error(error);
  PatinaModel *a = patina_model_new(spec, &error);
  PatinaModel *b = patina_model_new(changed, &error);
  g_assert_no_error(error);
  g_assert_cmpint(a->n_layers, ==, b->n_layers);
  int dropouts = 0;
  for (int i = 0; i < a->n_layers; i++) {
    g_assert_cmpint(a->layers[i].type, ==, b->layers[i].type);
    if (b->layers[i].type == PATINA_LAYER_DROPOUT) {
      g_assert_cmpfloat_with_epsilon(a->layers[i].p, 0.5, 1e-6);
      g_assert_cmpfloat_with_epsilon(b->layers[i].p, 0.2, 1e-6);
      dropouts++;
    }
  }
  g_assert_cmpint(dropouts, ==, 3);
  g_assert_cmpuint(a->n_params, ==, b->n_params);
  patina_model_free(a);
  patina_model_free(b);
  g_assert_null(patina_spec_set_dropout("[1, 2]", 0.2, &error));
  g_assert_nonnull(error);
}

typedef struct {
  int started, finished;
  int n_val_total;
} FoldCount;

static void count_fold(const PatinaFoldEvent *ev, gpointer user_data)
{
  FoldCount *c = user_data;
  if (ev->done) {
    g_assert_cmpint(ev->fold, ==, c->finished + 1);
    g_assert_nonnull(ev->result);
    c->finished++;
  } else {
    g_assert_cmpint(ev->fold, ==, c->started + 1);
    c->n_val_total += ev->n_val;
    c->started++;
  }
}

/* patina_train_folds trains k models, each validated on images the others train on, and the
 * evaluation keeps each image's prediction in step with the confusion matrix. */
static void test_folds_and_predictions(void)
{
  g_autoptr(PatinaDataset) ds = open_data(demo_dir);
  g_autofree char *out = g_build_filename(tmp_root, "folds", "cv.safetensors", NULL);
  g_autofree char *dir = g_path_get_dirname(out);
  g_mkdir_with_parents(dir, 0755);
  PatinaTrainConfig cfg;
  base_config(&cfg, out);
  cfg.epochs = 1;
  cfg.folds = 3;
  cfg.dropout = 0.25;
  FoldCount count = {0};
  PatinaFoldsResult r;
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_train_folds(&cfg, ds, NULL, 0, count_fold, NULL, &count, NULL, &r,
                                   &error));
  g_assert_no_error(error);
  g_assert_cmpint(count.started, ==, 3);
  g_assert_cmpint(count.finished, ==, 3);
  g_assert_cmpint(count.n_val_total, ==, (int) ds->samples->len);
  double mean = 0;
  for (int f = 0; f < 3; f++) {
    mean += r.best_val_acc[f] / 3;
    g_autofree char *path = patina_fold_path(out, f + 1);
    PatinaCheckpointMeta meta = {0};
    PatinaModel *m = load_model(path, &meta);
    g_assert_nonnull(strstr(meta.hyperparameters_json, "\"dropout\":0.25"));
    g_assert_nonnull(strstr(meta.hyperparameters_json, "\"folds\":3"));
    if (f == 0) {
      /* predictions agree with the confusion matrix and are probabilities */
      int n = (int) ds->samples->len;
      g_autofree int *idx = g_new(int, n);
      g_autofree int *labels = g_new(int, n);
      for (int i = 0; i < n; i++) {
        idx[i] = i;
        labels[i] = g_array_index(ds->samples, PatinaSample, i).label;
      }
      float *planes = patina_load_planes(ds, idx, n, m->in_h, 1, NULL, &error);
      g_assert_no_error(error);
      PatinaEvaluation e = {0};
      g_assert_true(patina_evaluate_planes(m, planes, labels, n, 4, &e, &error));
      int counted[4] = {0};
      for (int i = 0; i < n; i++) {
        g_assert_cmpfloat(e.probability[i], >=, 0.5f);
        g_assert_cmpfloat(e.probability[i], <=, 1.0f);
        counted[labels[i] * 2 + e.predicted[i]]++;
      }
      g_assert_cmpmem(counted, sizeof(counted), e.confusion, sizeof(counted));
      patina_evaluation_clear(&e);
      g_free(planes);
    }
    patina_model_free(m);
    patina_checkpoint_meta_clear(&meta);
  }
  g_assert_cmpfloat_with_epsilon(r.mean, mean, 1e-12);
  patina_folds_result_clear(&r);

  cfg.folds = 1;
  g_assert_false(patina_train_folds(&cfg, ds, NULL, 0, NULL, NULL, NULL, NULL, &r, &error));
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
  patina_folds_result_clear(&r);
}

typedef struct {
  GCancellable *cancellable;
  int fold; /* the one training */
  int ended;
  gboolean last_cancelled;
  guint last_epochs;
} StopInFold;

static void stop_in_fold_event(const PatinaFoldEvent *ev, gpointer user_data)
{
  StopInFold *s = user_data;
  if (!ev->done) {
    s->fold = ev->fold;
    return;
  }
  s->ended++;
  g_assert_nonnull(ev->result);
  if (ev->fold == 1)
    g_assert_no_error((GError *) ev->error);
  s->last_cancelled = g_error_matches(ev->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  s->last_epochs = ev->result->history ? ev->result->history->len : 0;
}

static void stop_in_fold_progress(const PatinaProgress *p, gpointer user_data)
{
  StopInFold *s = user_data;
  if (s->fold == 2 && p->epoch_done && p->epoch == 1)
    g_cancellable_cancel(s->cancellable);
}

/* A fold cut short is told as ended with its error and the epochs it finished, so a record of
 * it can say it stopped; no fold follows. */
static void test_folds_stopped(void)
{
  g_autoptr(PatinaDataset) ds = open_data(demo_dir);
  g_autofree char *out = g_build_filename(tmp_root, "folds-stopped", "cv.safetensors", NULL);
  g_autofree char *dir = g_path_get_dirname(out);
  g_mkdir_with_parents(dir, 0755);
  PatinaTrainConfig cfg;
  base_config(&cfg, out);
  cfg.epochs = 3;
  cfg.folds = 3;
  g_autoptr(GCancellable) cancellable = g_cancellable_new();
  StopInFold s = {.cancellable = cancellable};
  PatinaFoldsResult r;
  g_autoptr(GError) error = NULL;
  g_assert_false(patina_train_folds(&cfg, ds, NULL, 0, stop_in_fold_event,
                                    stop_in_fold_progress, &s, cancellable, &r, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint(s.ended, ==, 2);
  g_assert_true(s.last_cancelled);
  g_assert_cmpuint(s.last_epochs, ==, 1);
  g_assert_cmpint(r.failed_fold, ==, 2);
  patina_folds_result_clear(&r);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  tmp_root = g_dir_make_tmp("patina-train-XXXXXX", NULL);
  g_assert_nonnull(tmp_root);
  demo_dir = g_build_filename(tmp_root, "demo", NULL);
  easy_dir = g_build_filename(tmp_root, "stripes", NULL);
  easy_test = g_build_filename(tmp_root, "stripes-test", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_demo_generate(demo_dir, 6, 1, &error));
  g_assert_no_error(error);
  make_stripes(easy_dir, 24, 1);
  make_stripes(easy_test, 16, 2);

  g_test_add_func("/train/config-errors", test_config_errors);
  g_test_add_func("/train/determinism", test_determinism);
  g_test_add_func("/train/progress-and-files", test_progress_and_files);
  g_test_add_func("/train/no-holdout", test_no_holdout);
  g_test_add_func("/train/cancel", test_cancel);
  g_test_add_func("/train/nan-guard", test_nan_guard);
  g_test_add_func("/train/nan-guard-holdout", test_nan_guard_holdout);
  g_test_add_func("/train/bad-image", test_bad_image);
  g_test_add_func("/train/learns", test_learns);
  g_test_add_func("/train/class-metrics", test_class_metrics);
  g_test_add_func("/train/class-weighting", test_class_weighting);
  g_test_add_func("/train/crop-choice", test_crop_choice);
  g_test_add_func("/train/dropout-in-spec", test_dropout_in_spec);
  g_test_add_func("/train/folds-and-predictions", test_folds_and_predictions);
  g_test_add_func("/train/folds-stopped", test_folds_stopped);
  int rc = g_test_run();
  test_remove_tree(tmp_root);
  g_free(tmp_root);
  g_free(demo_dir);
  g_free(easy_dir);
  g_free(easy_test);
  return rc;
}
