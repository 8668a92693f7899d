/* Checkpoints: save → load gives bitwise the same model, a checkpoint of another architecture
 * or input size is refused with a message naming the tensor and both shapes, hostile files
 * are refused without touching the model, and a state_dict written by PyTorch gives PyTorch's
 * logits. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "nn/model.h"
#include "nn/safetensors.h"
#include "rng.h"
#include "train/checkpoint.h"

/* conv → batchnorm → relu → pool → flatten → dense → relu → dropout → dense, 3 classes:
 * every kind of tensor a checkpoint holds, in a model small enough to compare whole. */
static const char *bn_spec =
    "{\"name\":\"tiny-bn\",\"input\":[3,12,12],\"layers\":["
    "{\"type\":\"conv2d\",\"out_channels\":4,\"kernel\":3},{\"type\":\"batchnorm2d\"},"
    "{\"type\":\"relu\"},{\"type\":\"maxpool2d\",\"kernel\":2},{\"type\":\"flatten\"},"
    "{\"type\":\"dense\",\"out_features\":8},{\"type\":\"relu\"},{\"type\":\"dropout\",\"p\":0.5},"
    "{\"type\":\"dense\",\"out_features\":3}]}";

typedef struct {
  char *dir;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  (void) data;
  f->dir = g_dir_make_tmp("patina-ckpt-XXXXXX", NULL);
  g_assert_nonnull(f->dir);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(f->dir, name, NULL);
    g_unlink(p);
  }
  g_rmdir(f->dir);
  g_free(f->dir);
}

static PatinaModel *
make_model(const char *spec, guint64 seed)
{
  g_autoptr(GError) error = NULL;
  PatinaModel *m = patina_model_new(spec, &error);
  g_assert_no_error(error);
  PatinaRng rng;
  patina_rng_init(&rng, seed);
  patina_model_init(m, &rng);
  /* Non-trivial buffers, so that loading them is visible. */
  for (gsize i = 0; i < m->n_buffers; i++)
    m->buffers[i] = patina_rng_range(&rng, 0.1f, 2.0f);
  for (int i = 0; i < m->n_layers; i++)
    if (m->layers[i].type == PATINA_LAYER_BATCHNORM2D)
      m->layers[i].num_batches_tracked = 12345 + i;
  return m;
}

static PatinaModel *
make_paper(int classes, int size, guint64 seed)
{
  g_autofree char *spec = patina_spec_paper(classes, size, 3);
  return make_model(spec, seed);
}

static void
assert_same_model(const PatinaModel *a, const PatinaModel *b)
{
  g_assert_cmpstr(a->spec_json, ==, b->spec_json);
  g_assert_cmpuint(a->n_params, ==, b->n_params);
  g_assert_cmpuint(a->n_buffers, ==, b->n_buffers);
  g_assert_cmpmem(a->params, a->n_params * sizeof(float), b->params, b->n_params * sizeof(float));
  g_assert_cmpmem(a->buffers, a->n_buffers * sizeof(float), b->buffers,
                  b->n_buffers * sizeof(float));
  for (int i = 0; i < a->n_layers; i++)
    g_assert_cmpint(a->layers[i].num_batches_tracked, ==, b->layers[i].num_batches_tracked);
}

static char *
path_in(Fixture *f, const char *name)
{
  return g_build_filename(f->dir, name, NULL);
}

static void
test_round_trip(Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr(GError) error = NULL;
  PatinaModel *m = make_model(bn_spec, 7);
  g_autofree char *path = path_in(f, "model.safetensors");
  const char *names[] = { "316L", "AZ31B", "caf\xc3\xa9 \"x\"", NULL };
  PatinaCheckpointMeta meta = {
    .class_names = (GStrv) names,
    .hyperparameters_json = (char *) "{\"epochs\": 3, \"lr\": 0.0007, \"seed\": 0}",
    .history_csv = (char *) "epoch,train_loss\n1,0.69\n2,0.5\n",
  };
  g_assert_true(patina_checkpoint_save(m, &meta, path, &error));
  g_assert_no_error(error);

  PatinaCheckpointMeta got = { 0 };
  PatinaModel *m2 = patina_checkpoint_load(path, &got, &error);
  g_assert_no_error(error);
  g_assert_nonnull(m2);
  assert_same_model(m, m2);
  g_assert_cmpint(m2->in_c, ==, 3);
  g_assert_cmpint(m2->in_h, ==, 12);
  g_assert_cmpstrv(got.class_names, names);
  g_assert_cmpstr(got.hyperparameters_json, ==, meta.hyperparameters_json);
  g_assert_cmpstr(got.history_csv, ==, meta.history_csv);
  patina_checkpoint_meta_clear(&got);
  g_assert_null(got.class_names);

  /* Eval-mode outputs agree bitwise (batchnorm uses the loaded running statistics). */
  float x[2 * 3 * 12 * 12];
  PatinaRng rng;
  patina_rng_init(&rng, 3);
  for (gsize i = 0; i < G_N_ELEMENTS(x); i++)
    x[i] = patina_rng_uniform(&rng);
  const float *y1 = patina_model_forward(m, x, 2, FALSE, NULL, &error);
  g_assert_no_error(error);
  float out1[6];
  memcpy(out1, y1, sizeof out1);
  const float *y2 = patina_model_forward(m2, x, 2, FALSE, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpmem(out1, sizeof out1, y2, sizeof out1);

  /* The file is a PyTorch state_dict: names, shapes, dtypes, and the metadata keys. */
  g_autoptr(PatinaSafetensors) st = patina_safetensors_load(path, &error);
  g_assert_no_error(error);
  const struct { const char *name; PatinaDtype dtype; int ndim; gint64 shape[4]; } want[] = {
    { "0.weight", PATINA_DTYPE_F32, 4, { 4, 3, 3, 3 } },
    { "0.bias", PATINA_DTYPE_F32, 1, { 4 } },
    { "1.weight", PATINA_DTYPE_F32, 1, { 4 } },
    { "1.bias", PATINA_DTYPE_F32, 1, { 4 } },
    { "1.running_mean", PATINA_DTYPE_F32, 1, { 4 } },
    { "1.running_var", PATINA_DTYPE_F32, 1, { 4 } },
    { "1.num_batches_tracked", PATINA_DTYPE_I64, 0, { 0 } },
    { "5.weight", PATINA_DTYPE_F32, 2, { 8, 100 } },
    { "5.bias", PATINA_DTYPE_F32, 1, { 8 } },
    { "8.weight", PATINA_DTYPE_F32, 2, { 3, 8 } },
    { "8.bias", PATINA_DTYPE_F32, 1, { 3 } },
  };
  g_assert_cmpint(patina_safetensors_n_tensors(st), ==, G_N_ELEMENTS(want));
  for (gsize i = 0; i < G_N_ELEMENTS(want); i++) {
    const PatinaTensorView *v = patina_safetensors_nth(st, (int) i);
    g_assert_cmpstr(v->name, ==, want[i].name);
    g_assert_cmpint(v->dtype, ==, want[i].dtype);
    g_assert_cmpint(v->ndim, ==, want[i].ndim);
    for (int d = 0; d < v->ndim; d++)
      g_assert_cmpint(v->shape[d], ==, want[i].shape[d]);
  }
  g_assert_cmpint(*(const gint64 *) patina_safetensors_get(st, "1.num_batches_tracked")->data, ==,
                  12346);
  g_assert_cmpstr(patina_safetensors_metadata(st, "format"), ==, "pt");
  g_assert_cmpstr(patina_safetensors_metadata(st, "patina.spec"), ==, m->spec_json);
  g_assert_cmpstr(patina_safetensors_metadata(st, "patina.input"), ==, "[3, 12, 12]");
  g_assert_nonnull(patina_safetensors_metadata(st, "patina.normalization"));

  /* load_state into a fresh model of the same spec gives the same. */
  g_autofree char *spec = g_strdup(m->spec_json);
  PatinaModel *m3 = patina_model_new(spec, &error);
  g_assert_no_error(error);
  g_assert_true(patina_checkpoint_load_state(m3, path, &error));
  g_assert_no_error(error);
  assert_same_model(m, m3);

  /* Loading without meta, and saving without meta. */
  PatinaModel *m4 = patina_checkpoint_load(path, NULL, &error);
  g_assert_no_error(error);
  patina_model_free(m4);
  g_autofree char *bare = path_in(f, "bare.safetensors");
  g_assert_true(patina_checkpoint_save(m, NULL, bare, &error));
  g_assert_no_error(error);
  m4 = patina_checkpoint_load(bare, &got, &error);
  g_assert_no_error(error);
  g_assert_null(got.class_names);
  g_assert_null(got.hyperparameters_json);
  g_assert_null(got.history_csv);
  assert_same_model(m, m4);

  patina_model_free(m);
  patina_model_free(m2);
  patina_model_free(m3);
  patina_model_free(m4);
}

static void
test_paper_round_trip(Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr(GError) error = NULL;
  PatinaModel *m = make_paper(2, 46, 1);
  g_autofree char *path = path_in(f, "paper.safetensors");
  const char *names[] = { "316L", "AZ31B", NULL };
  PatinaCheckpointMeta meta = { .class_names = (GStrv) names };
  g_assert_true(patina_checkpoint_save(m, &meta, path, &error));
  g_assert_no_error(error);
  PatinaModel *m2 = patina_checkpoint_load(path, NULL, &error);
  g_assert_no_error(error);
  assert_same_model(m, m2);
  g_assert_cmpstr(m2->name, ==, "paper");
  patina_model_free(m);
  patina_model_free(m2);
}

/* A model whose parameters are a known pattern, to check a failed load left them alone. */
static void
assert_untouched_after(PatinaModel *m, const char *path, GQuark domain, int code,
                       const char *needle)
{
  g_autofree float *before = g_memdup2(m->params, m->n_params * sizeof(float));
  g_autofree float *bbefore = g_memdup2(m->buffers, MAX(1, m->n_buffers) * sizeof(float));
  g_autoptr(GError) error = NULL;
  g_assert_false(patina_checkpoint_load_state(m, path, &error));
  g_assert_error(error, domain, code);
  if (!strstr(error->message, needle))
    g_error("expected \"%s\" in: %s", needle, error->message);
  g_assert_cmpmem(before, m->n_params * sizeof(float), m->params, m->n_params * sizeof(float));
  g_assert_cmpmem(bbefore, m->n_buffers * sizeof(float), m->buffers,
                  m->n_buffers * sizeof(float));
}

static void
test_mismatch(Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr(GError) error = NULL;
  PatinaModel *m46 = make_paper(2, 46, 1);
  g_autofree char *path = path_in(f, "model.safetensors");
  g_assert_true(patina_checkpoint_save(m46, NULL, path, &error));
  g_assert_no_error(error);

  /* Another input size: 62×62 flattens to 128·2·2 = 512 features, 46×46 to 128. */
  PatinaModel *m62 = make_paper(2, 62, 2);
  g_autofree char *expect = g_strdup_printf("%s: tensor \"13.weight\" has shape [512, 128] but the "
                                            "model expects [512, 512]", path);
  assert_untouched_after(m62, path, PATINA_ERROR, PATINA_ERROR_MISMATCH, expect);

  /* Another number of classes: the head differs. */
  PatinaModel *m3 = make_paper(3, 46, 3);
  assert_untouched_after(m3, path, PATINA_ERROR, PATINA_ERROR_MISMATCH,
                         "tensor \"16.weight\" has shape [1, 512] but the model expects [3, 512]");

  /* Another architecture: the first tensor already differs, in both directions. */
  PatinaModel *bn = make_model(bn_spec, 4);
  assert_untouched_after(bn, path, PATINA_ERROR, PATINA_ERROR_MISMATCH,
                         "tensor \"0.weight\" has shape [32, 3, 3, 3] but the model expects "
                         "[4, 3, 3, 3]");
  g_autofree char *bn_path = path_in(f, "bn.safetensors");
  g_assert_true(patina_checkpoint_save(bn, NULL, bn_path, &error));
  assert_untouched_after(m46, bn_path, PATINA_ERROR, PATINA_ERROR_MISMATCH,
                         "tensor \"0.weight\" has shape [4, 3, 3, 3] but the model expects "
                         "[32, 3, 3, 3]");

  /* Saving with the wrong number of class names is refused and writes nothing. */
  const char *names[] = { "a", "b", "c", NULL };
  PatinaCheckpointMeta meta = { .class_names = (GStrv) names };
  g_autofree char *other = path_in(f, "other.safetensors");
  g_assert_false(patina_checkpoint_save(m46, &meta, other, &error));
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_MISMATCH);
  g_assert_nonnull(strstr(error->message, "3 class names for a model of 2 classes"));
  g_clear_error(&error);
  g_assert_false(g_file_test(other, G_FILE_TEST_EXISTS));

  patina_model_free(m46);
  patina_model_free(m62);
  patina_model_free(m3);
  patina_model_free(bn);
}

/* Copies the tensors of `src` into a new file, changing what the test asks for. */
typedef struct {
  const char *drop;          /* tensor left out */
  const char *poison;        /* tensor whose element 1 becomes `value` */
  float value;
  const char *as_f64;        /* tensor written as F64 */
  const char *as_f16;        /* tensor written as F16 (values must be exact in half) */
  const char *as_i64;        /* tensor written as I64 zeros */
  gint64 batches;            /* num_batches_tracked, if nonzero */
  const char *meta_key[4];   /* metadata replaced (value NULL: removed) */
  const char *meta_value[4];
} Tamper;

static guint16
float_to_half_exact(float x)
{
  /* Only for values exactly representable in half (the test rounds them first). */
  if (x == 0)
    return signbit(x) ? 0x8000 : 0;
  guint16 sign = x < 0 ? 0x8000 : 0;
  x = fabsf(x);
  int e;
  float m = frexpf(x, &e); /* x = m · 2^e, m in [0.5, 1) */
  int he = e - 1 + 15;
  g_assert_cmpint(he, >, 0);
  g_assert_cmpint(he, <, 31);
  guint16 mant = (guint16) lrintf((m * 2 - 1) * 1024);
  return sign | (guint16) (he << 10) | mant;
}

static void
tamper(const char *src, const char *dst, const Tamper *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaSafetensors) st = patina_safetensors_load(src, &error);
  g_assert_no_error(error);
  g_autoptr(PatinaSafetensorsWriter) w = patina_safetensors_writer_new();
  const char *keys[] = { "format", "patina.spec", "patina.classes", "patina.input",
                         "patina.normalization", "patina.hyperparameters", "patina.history" };
  for (gsize k = 0; k < G_N_ELEMENTS(keys); k++) {
    const char *v = patina_safetensors_metadata(st, keys[k]);
    for (int j = 0; j < 4; j++)
      if (t->meta_key[j] && strcmp(t->meta_key[j], keys[k]) == 0)
        v = t->meta_value[j];
    if (v)
      patina_safetensors_writer_set_metadata(w, keys[k], v);
  }
  for (int j = 0; j < 4; j++)
    if (t->meta_key[j] && t->meta_value[j] && !patina_safetensors_metadata(st, t->meta_key[j]))
      patina_safetensors_writer_set_metadata(w, t->meta_key[j], t->meta_value[j]);
  for (int i = 0; i < patina_safetensors_n_tensors(st); i++) {
    const PatinaTensorView *v = patina_safetensors_nth(st, i);
    if (g_strcmp0(v->name, t->drop) == 0)
      continue;
    if (v->dtype == PATINA_DTYPE_I64) {
      gint64 n = t->batches ? t->batches : *(const gint64 *) v->data;
      patina_safetensors_writer_add(w, v->name, v->dtype, v->ndim, v->shape, &n);
      continue;
    }
    g_autofree float *x = g_memdup2(v->data, (gsize) v->n_elements * sizeof(float));
    if (g_strcmp0(v->name, t->poison) == 0)
      x[1] = t->value;
    if (g_strcmp0(v->name, t->as_f64) == 0) {
      g_autofree double *d = g_new(double, v->n_elements);
      for (gint64 j = 0; j < v->n_elements; j++)
        d[j] = x[j];
      patina_safetensors_writer_add(w, v->name, PATINA_DTYPE_F64, v->ndim, v->shape, d);
    } else if (g_strcmp0(v->name, t->as_f16) == 0) {
      g_autofree guint16 *h = g_new(guint16, v->n_elements);
      for (gint64 j = 0; j < v->n_elements; j++)
        h[j] = float_to_half_exact(x[j]);
      patina_safetensors_writer_add(w, v->name, PATINA_DTYPE_F16, v->ndim, v->shape, h);
    } else if (g_strcmp0(v->name, t->as_i64) == 0) {
      g_autofree gint64 *z = g_new0(gint64, v->n_elements);
      patina_safetensors_writer_add(w, v->name, PATINA_DTYPE_I64, v->ndim, v->shape, z);
    } else {
      patina_safetensors_writer_add(w, v->name, v->dtype, v->ndim, v->shape, x);
    }
  }
  g_assert_true(patina_safetensors_writer_save(w, dst, &error));
  g_assert_no_error(error);
}

static void
expect_load_refused(const char *path, GQuark domain, int code, const char *needle)
{
  g_autoptr(GError) error = NULL;
  PatinaCheckpointMeta meta = { 0 };
  PatinaModel *m = patina_checkpoint_load(path, &meta, &error);
  if (m)
    g_error("%s: loaded, expected an error containing \"%s\"", path, needle);
  g_assert_error(error, domain, code);
  if (!strstr(error->message, needle))
    g_error("expected \"%s\" in: %s", needle, error->message);
  g_assert_null(meta.class_names);
}

static void
test_hostile(Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr(GError) error = NULL;
  PatinaModel *m = make_model(bn_spec, 11);
  g_autofree char *good = path_in(f, "good.safetensors");
  g_autofree char *bad = path_in(f, "bad.safetensors");
  const char *names[] = { "a", "b", "c", NULL };
  PatinaCheckpointMeta meta = { .class_names = (GStrv) names };
  g_assert_true(patina_checkpoint_save(m, &meta, good, &error));
  g_assert_no_error(error);

  tamper(good, bad, &(Tamper) { .drop = "1.num_batches_tracked" });
  expect_load_refused(bad, PATINA_ERROR, PATINA_ERROR_MISMATCH,
                      "tensor \"1.num_batches_tracked\" is missing (the model expects I64 [])");
  tamper(good, bad, &(Tamper) { .drop = "8.bias" });
  expect_load_refused(bad, PATINA_ERROR, PATINA_ERROR_MISMATCH, "\"8.bias\" is missing");
  tamper(good, bad, &(Tamper) { .poison = "5.weight", .value = NAN });
  expect_load_refused(bad, PATINA_ERROR, PATINA_ERROR_NUMERIC,
                      "tensor \"5.weight\" holds NaN or infinity (element 1)");
  tamper(good, bad, &(Tamper) { .poison = "1.running_mean", .value = -INFINITY });
  expect_load_refused(bad, PATINA_ERROR, PATINA_ERROR_NUMERIC, "\"1.running_mean\" holds NaN");
  tamper(good, bad, &(Tamper) { .poison = "1.running_var", .value = -0.5f });
  expect_load_refused(bad, PATINA_ERROR, PATINA_ERROR_INVALID,
                      "\"1.running_var\" holds a negative variance");
  tamper(good, bad, &(Tamper) { .batches = -3 });
  expect_load_refused(bad, PATINA_ERROR, PATINA_ERROR_INVALID,
                      "\"1.num_batches_tracked\" is negative");
  tamper(good, bad, &(Tamper) { .as_i64 = "0.bias" });
  expect_load_refused(bad, PATINA_ERROR, PATINA_ERROR_MISMATCH,
                      "\"0.bias\" has dtype I64 but the model expects F32");

  /* Metadata. */
  tamper(good, bad, &(Tamper) { .meta_key = { "patina.spec" }, .meta_value = { NULL } });
  expect_load_refused(bad, PATINA_ERROR, PATINA_ERROR_INVALID,
                      "no \"patina.spec\" in the file's metadata");
  tamper(good, bad, &(Tamper) { .meta_key = { "patina.spec" }, .meta_value = { "{\"layers\":" } });
  expect_load_refused(bad, PATINA_ERROR, PATINA_ERROR_INVALID, "metadata \"patina.spec\": ");
  tamper(good, bad, &(Tamper) { .meta_key = { "patina.classes" }, .meta_value = { "{}" } });
  expect_load_refused(bad, PATINA_ERROR, PATINA_ERROR_INVALID,
                      "\"patina.classes\" is not a JSON array");
  tamper(good, bad, &(Tamper) { .meta_key = { "patina.classes" }, .meta_value = { "[\"a\",1,\"c\"]" } });
  expect_load_refused(bad, PATINA_ERROR, PATINA_ERROR_INVALID, "element 1 is not a string");
  tamper(good, bad, &(Tamper) { .meta_key = { "patina.classes" }, .meta_value = { "[\"a\",\"b\"]" } });
  expect_load_refused(bad, PATINA_ERROR, PATINA_ERROR_MISMATCH,
                      "\"patina.classes\" names 2 classes but the model has 3");
  tamper(good, bad, &(Tamper) { .meta_key = { "patina.input" }, .meta_value = { "[3, 13, 12]" } });
  expect_load_refused(bad, PATINA_ERROR, PATINA_ERROR_MISMATCH,
                      "\"patina.input\" is [3, 13, 12] but the spec's input is [3, 12, 12]");
  tamper(good, bad, &(Tamper) { .meta_key = { "patina.hyperparameters" }, .meta_value = { "[1]" } });
  expect_load_refused(bad, PATINA_ERROR, PATINA_ERROR_INVALID,
                      "\"patina.hyperparameters\" is not a JSON object");

  /* Truncated files and files that are not checkpoints at all. */
  g_autofree char *raw = NULL;
  gsize len;
  g_assert_true(g_file_get_contents(good, &raw, &len, NULL));
  const gsize cuts[] = { 0, 5, 8, 40, len / 2, len - 1 };
  for (gsize i = 0; i < G_N_ELEMENTS(cuts); i++) {
    g_assert_true(g_file_set_contents(bad, raw, (gssize) cuts[i], NULL));
    expect_load_refused(bad, PATINA_ERROR, PATINA_ERROR_INVALID, "bad.safetensors: ");
  }
  g_assert_true(g_file_set_contents(bad, "epoch,loss\n1,0.5\n", -1, NULL));
  expect_load_refused(bad, PATINA_ERROR, PATINA_ERROR_INVALID, "bad.safetensors: ");
  g_autofree char *missing = path_in(f, "missing.safetensors");
  expect_load_refused(missing, G_FILE_ERROR, G_FILE_ERROR_NOENT, "missing.safetensors");

  /* A PyTorch state_dict has no spec: load refuses it, load_state takes it. */
  const char *src = g_getenv("PATINA_SOURCE_DIR");
  g_autofree char *torch = g_build_filename(src ? src : ".", "tests", "fixtures", "checkpoint",
                                            "paper46.safetensors", NULL);
  expect_load_refused(torch, PATINA_ERROR, PATINA_ERROR_INVALID, "no \"patina.spec\"");

  patina_model_free(m);
}

static void
test_converted_dtypes(Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr(GError) error = NULL;
  PatinaModel *m = make_model(bn_spec, 5);
  /* Round the head's weights to half precision so F16 can hold them exactly. */
  PatinaLayer *head = &m->layers[8];
  for (gsize i = 0; i < head->weight_len; i++)
    head->weight[i] = ldexpf(rintf(ldexpf(head->weight[i], 10)), -10);
  g_autofree char *good = path_in(f, "good.safetensors");
  g_autofree char *conv = path_in(f, "conv.safetensors");
  g_assert_true(patina_checkpoint_save(m, NULL, good, &error));
  tamper(good, conv, &(Tamper) { .as_f64 = "5.weight", .as_f16 = "8.weight" });
  PatinaModel *m2 = patina_checkpoint_load(conv, NULL, &error);
  g_assert_no_error(error);
  assert_same_model(m, m2);
  patina_model_free(m);
  patina_model_free(m2);
}

static void
test_save_keeps_old(Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr(GError) error = NULL;
  PatinaModel *m = make_paper(2, 46, 1);
  g_autofree char *path = path_in(f, "model.safetensors");
  g_assert_true(patina_checkpoint_save(m, NULL, path, &error));
  g_autofree char *before = NULL;
  gsize before_len;
  g_assert_true(g_file_get_contents(path, &before, &before_len, NULL));

  /* A diverged model must not replace the last good checkpoint. */
  m->layers[13].weight[5] = NAN;
  g_assert_false(patina_checkpoint_save(m, NULL, path, &error));
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_NUMERIC);
  g_assert_nonnull(strstr(error->message, "\"13.weight\" holds NaN"));
  g_clear_error(&error);
  m->layers[13].weight[5] = 0;

  /* Invalid hyperparameters, and an unwritable place. */
  PatinaCheckpointMeta meta = { .hyperparameters_json = (char *) "epochs=3" };
  g_assert_false(patina_checkpoint_save(m, &meta, path, &error));
  g_assert_nonnull(strstr(error->message, "hyperparameters are not a JSON object"));
  g_clear_error(&error);
  g_autofree char *nowhere = g_build_filename(f->dir, "no-such-folder", "m.safetensors", NULL);
  g_assert_false(patina_checkpoint_save(m, NULL, nowhere, &error));
  g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull(strstr(error->message, "no-such-folder"));
  g_clear_error(&error);

  g_autofree char *after = NULL;
  gsize after_len;
  g_assert_true(g_file_get_contents(path, &after, &after_len, NULL));
  g_assert_cmpmem(before, before_len, after, after_len);
  patina_model_free(m);
}

static void
test_pytorch_fixture(void)
{
  const char *src = g_getenv("PATINA_SOURCE_DIR");
  g_autofree char *path = g_build_filename(src ? src : ".", "tests", "fixtures", "checkpoint",
                                           "paper46.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *spec = patina_spec_paper(2, 46, 3);
  PatinaModel *m = patina_model_new(spec, &error);
  g_assert_no_error(error);
  g_assert_true(patina_checkpoint_load_state(m, path, &error));
  g_assert_no_error(error);

  g_autoptr(PatinaSafetensors) st = patina_safetensors_load(path, &error);
  g_assert_no_error(error);
  const gint64 xs[] = { 2, 3, 46, 46 }, ys[] = { 2, 1 };
  g_autofree float *x = patina_safetensors_get_f32(st, "input", 4, xs, &error);
  g_assert_no_error(error);
  g_autofree float *want = patina_safetensors_get_f32(st, "logits", 2, ys, &error);
  g_assert_no_error(error);

  const float *y = patina_model_forward(m, x, 2, FALSE, NULL, &error);
  g_assert_no_error(error);
  for (int i = 0; i < 2; i++) {
    g_test_message("logit %d: patina %.9g, pytorch %.9g", i, y[i], want[i]);
    g_assert_cmpfloat(fabsf(y[i] - want[i]), <=, 1e-4f * fabsf(want[i]) + 1e-7f);
  }
  patina_model_free(m);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/checkpoint/round-trip", Fixture, NULL, fixture_setup, test_round_trip,
             fixture_teardown);
  g_test_add("/checkpoint/paper-round-trip", Fixture, NULL, fixture_setup, test_paper_round_trip,
             fixture_teardown);
  g_test_add("/checkpoint/mismatch", Fixture, NULL, fixture_setup, test_mismatch,
             fixture_teardown);
  g_test_add("/checkpoint/hostile", Fixture, NULL, fixture_setup, test_hostile, fixture_teardown);
  g_test_add("/checkpoint/converted-dtypes", Fixture, NULL, fixture_setup, test_converted_dtypes,
             fixture_teardown);
  g_test_add("/checkpoint/save-keeps-old", Fixture, NULL, fixture_setup, test_save_keeps_old,
             fixture_teardown);
  g_test_add_func("/checkpoint/pytorch-fixture", test_pytorch_fixture);
  return g_test_run();
}
