/* Activations: every layer's output of one image equals what the forward pass computes (the
 * paper CNN against its PyTorch fixture and the model's own forward, a conv's pre-activation
 * against a direct sum, BatchNorm against its formula), layer names, statistics, filters, and
 * bad input (unknown layer, a model without conv layers, images of another size, broken files). */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "gradcheck.h"
#include "nn/model.h"
#include "testutil.h"
#include "viz/activations.h"

#define FIXTURE_SIZE 46 /* make_golden.py's paper_cnn */

/* The paper CNN with the fixture's weights, and the fixture's first image. */
static PatinaModel *paper_from_fixture(float **x0, float **logits)
{
  g_autoptr(PatinaSafetensors) st = pt_fixture_load("paper_cnn");
  g_assert_nonnull(st);
  g_autofree char *spec = patina_spec_paper(2, FIXTURE_SIZE, 3);
  PatinaModel *m = patina_model_new(spec, NULL);
  g_assert_nonnull(m);
  for (int i = 0; i < m->n_layers; i++) {
    PatinaLayer *l = &m->layers[i];
    if (!l->weight)
      continue;
    g_autofree char *wn = g_strdup_printf("%d.weight", l->index);
    g_autofree char *bn = g_strdup_printf("%d.bias", l->index);
    g_autofree float *w = pt_tensor(st, wn, l->weight_len);
    g_autofree float *b = pt_tensor(st, bn, l->bias_len);
    memcpy(l->weight, w, l->weight_len * sizeof(float));
    memcpy(l->bias, b, l->bias_len * sizeof(float));
  }
  gsize in = 3 * FIXTURE_SIZE * FIXTURE_SIZE;
  g_autofree float *x = pt_tensor(st, "x", 2 * in);
  g_autofree float *lg = pt_tensor(st, "logits", 2);
  *x0 = g_memdup2(x, in * sizeof(float));
  *logits = g_memdup2(lg, 2 * sizeof(float));
  return m;
}

static gsize out_len(const PatinaLayerInfo *info)
{
  return (gsize) info->c * info->h * info->w;
}

/* Output of a conv at (o, y, x), summed directly from its definition in double. */
static double conv_at(const PatinaLayer *l, const float *in, int o, int y, int x)
{
  const PatinaConvShape *s = &l->conv;
  double sum = l->bias[o];
  for (int c = 0; c < s->in_c; c++)
    for (int i = 0; i < s->kh; i++)
      for (int j = 0; j < s->kw; j++) {
        int iy = y * s->stride - s->pad + i, ix = x * s->stride - s->pad + j;
        if (iy < 0 || ix < 0 || iy >= s->in_h || ix >= s->in_w)
          continue;
        sum += (double) l->weight[((o * s->in_c + c) * s->kh + i) * s->kw + j] *
               in[((gsize) c * s->in_h + iy) * s->in_w + ix];
      }
  return sum;
}

static void test_paper_cnn(void)
{
  g_autofree float *x = NULL, *want_logits = NULL;
  PatinaModel *m = paper_from_fixture(&x, &want_logits);
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaActivations) acts = patina_activations_compute(m, x, &error);
  g_assert_no_error(error);
  g_assert_cmpint(acts->n_layers, ==, m->n_layers);

  /* The last layer is PyTorch's logit. */
  pt_close("logit vs PyTorch", acts->outputs[m->n_layers - 1], want_logits, 1, 1e-4);
  g_assert_cmpfloat_with_epsilon(acts->probabilities[0] + acts->probabilities[1], 1.0, 1e-6);

  /* The model's forward: its conv buffers hold the output after the fused ReLU, its pools the
   * pooled maps, its last layer the logits; each must equal the matching layer here. */
  const float *logits = patina_model_forward(m, x, 1, FALSE, NULL, &error);
  g_assert_no_error(error);
  pt_close("logits vs model forward", acts->outputs[m->n_layers - 1], logits, 1, 1e-6);
  int convs = 0, negatives = 0;
  for (int i = 0; i < m->n_layers; i++) {
    const PatinaLayerInfo *info = &acts->layers[i];
    const float *got = acts->outputs[i];
    if (info->type == PATINA_LAYER_MAXPOOL2D || info->type == PATINA_LAYER_RELU) {
      g_autofree char *what = g_strdup_printf("%s vs model forward", info->name);
      pt_close(what, got, m->layers[i].out, out_len(info), 1e-6);
    }
    if (info->type != PATINA_LAYER_CONV2D)
      continue;
    convs++;
    /* Pre-activation: negative values survive, and the next layer is exactly their ReLU. */
    const float *relu = acts->outputs[i + 1];
    for (gsize k = 0; k < out_len(info); k++) {
      negatives += got[k] < 0.0f;
      g_assert_cmpfloat(relu[k], ==, MAX(got[k], 0.0f));
    }
    const float *in = i == 0 ? x : acts->outputs[i - 1];
    double scale = 0;
    for (gsize k = 0; k < out_len(info); k++)
      scale = MAX(scale, fabs(got[k]));
    for (int probe = 0; probe < 50; probe++) {
      int o = (probe * 7) % info->c, y = (probe * 13) % info->h, xx = (probe * 5) % info->w;
      double want = conv_at(&m->layers[i], in, o, y, xx);
      double have = got[((gsize) o * info->h + y) * info->w + xx];
      g_assert_cmpfloat(fabs(have - want), <=, 1e-5 * scale);
    }
  }
  g_assert_cmpint(convs, ==, 4);
  g_assert_cmpint(negatives, >, 0);
  patina_model_free(m);
}

/* Every layer's output against PyTorch's forward hooks (make_golden.py's layer_outputs: 64
 * elements at fixed indices, and the mean, min and max of each layer). */
static void test_paper_cnn_pytorch_layers(void)
{
  g_autoptr(PatinaSafetensors) st = pt_fixture_load("layer_outputs");
  g_assert_nonnull(st);
  g_autofree float *x = NULL, *want_logits = NULL;
  PatinaModel *m = paper_from_fixture(&x, &want_logits);
  g_autoptr(PatinaActivations) acts = patina_activations_compute(m, x, NULL);
  g_assert_nonnull(acts);
  for (int k = 0; k < m->n_layers; k++) {
    const PatinaLayerInfo *info = &acts->layers[k];
    gsize n = out_len(info), samples = MIN(n, 64);
    const float *got = acts->outputs[k];
    g_autofree char *sample_name = g_strdup_printf("%d.sample", k);
    g_autofree char *stats_name = g_strdup_printf("%d.stats", k);
    g_autofree float *want = pt_tensor(st, sample_name, samples);
    g_autofree float *want_stats = pt_tensor(st, stats_name, 3);
    g_autofree float *picked = g_new(float, samples);
    for (gsize j = 0; j < samples; j++)
      picked[j] = got[(j * 7919 + 31 * (gsize) k) % n];
    PatinaChannelStats whole;
    patina_channel_stats(got, 1, (int) n, &whole);
    float stats[3] = {whole.mean, whole.min, whole.max};
    float scale[3] = {MAX(fabsf(want_stats[1]), fabsf(want_stats[2])),
                      MAX(fabsf(want_stats[1]), fabsf(want_stats[2])),
                      MAX(fabsf(want_stats[1]), fabsf(want_stats[2]))};
    g_autofree char *what = g_strdup_printf("%s (layer %d) vs PyTorch", info->name, k);
    pt_close(what, picked, want, samples, 1e-4);
    for (int i = 0; i < 3; i++)
      if (fabsf(stats[i] - want_stats[i]) > 1e-4f * scale[i])
        pt_fail("%s: statistic %d is %g, PyTorch %g", what, i, stats[i], want_stats[i]);
  }
  patina_model_free(m);
}

static const char *bn_spec =
  "{\"name\": \"bn-test\", \"input\": [3, 20, 20], \"layers\": ["
  "{\"type\": \"conv2d\", \"out_channels\": 4, \"kernel\": 3},"
  "{\"type\": \"batchnorm2d\"}, {\"type\": \"relu\"}, {\"type\": \"maxpool2d\", \"kernel\": 2},"
  "{\"type\": \"flatten\"}, {\"type\": \"dense\", \"out_features\": 6}, {\"type\": \"relu\"},"
  "{\"type\": \"dropout\", \"p\": 0.5}, {\"type\": \"dense\", \"out_features\": 3}]}";

static void test_batchnorm_and_dense(void)
{
  g_autoptr(GError) error = NULL;
  PatinaModel *m = patina_model_new(bn_spec, &error);
  g_assert_no_error(error);
  PatinaRng rng;
  patina_rng_init(&rng, 5);
  patina_model_init(m, &rng);
  PatinaLayer *bn = &m->layers[1];
  for (int c = 0; c < 4; c++) {
    bn->running_mean[c] = 0.1f * c - 0.1f;
    bn->running_var[c] = 0.5f + 0.25f * c;
    bn->weight[c] = 1.0f + 0.2f * c;
    bn->bias[c] = 0.3f - 0.2f * c;
  }
  gsize in = 3 * 20 * 20;
  g_autofree float *x = g_new(float, in);
  pt_fill_normal(&rng, x, in, 1.0f);
  g_autoptr(PatinaActivations) acts = patina_activations_compute(m, x, &error);
  g_assert_no_error(error);

  /* BatchNorm (running statistics) of the conv's output, by its formula. */
  const float *conv = acts->outputs[0], *norm = acts->outputs[1], *relu = acts->outputs[2];
  int hw = 18 * 18, negatives = 0;
  for (int c = 0; c < 4; c++)
    for (int k = 0; k < hw; k++) {
      double want = (conv[c * hw + k] - bn->running_mean[c]) /
                      sqrt(bn->running_var[c] + bn->eps) * bn->weight[c] + bn->bias[c];
      g_assert_cmpfloat(fabs(norm[c * hw + k] - want), <=, 1e-5);
      g_assert_cmpfloat(relu[c * hw + k], ==, MAX(norm[c * hw + k], 0.0f));
      negatives += norm[c * hw + k] < 0;
    }
  g_assert_cmpint(negatives, >, 0); /* the BN output is kept before its ReLU */

  /* The dense layer before its ReLU, and dropout as the identity. */
  const PatinaLayer *dense = &m->layers[5];
  const float *flat = acts->outputs[4];
  for (int o = 0; o < 6; o++) {
    double want = dense->bias[o];
    for (int i = 0; i < dense->in_c; i++)
      want += (double) dense->weight[o * dense->in_c + i] * flat[i];
    g_assert_cmpfloat(fabs(acts->outputs[5][o] - want), <=, 1e-5);
    g_assert_cmpfloat(acts->outputs[6][o], ==, MAX(acts->outputs[5][o], 0.0f));
    g_assert_cmpfloat(acts->outputs[7][o], ==, acts->outputs[6][o]);
  }
  /* And the whole: the model's own eval forward gives the same logits. */
  const float *logits = patina_model_forward(m, x, 1, FALSE, NULL, &error);
  g_assert_no_error(error);
  pt_close("bn model logits", acts->outputs[8], logits, 3, 1e-6);
  patina_model_free(m);
}

static void test_layer_names(void)
{
  g_autofree char *spec = patina_spec_paper(2, FIXTURE_SIZE, 3);
  PatinaModel *m = patina_model_new(spec, NULL);
  g_autofree PatinaLayerInfo *infos = patina_layer_infos(m);
  static const char *const names[] = {"conv1", "relu1", "pool1", "conv2", "relu2", "pool2",
                                      "conv3", "relu3", "pool3", "conv4", "relu4", "pool4",
                                      "flatten1", "dense1", "relu5", "dropout1", "dense2"};
  g_assert_cmpint(m->n_layers, ==, G_N_ELEMENTS(names));
  for (int i = 0; i < m->n_layers; i++) {
    g_assert_cmpstr(infos[i].name, ==, names[i]);
    g_assert_cmpint(patina_layer_find(m, names[i], NULL), ==, i);
    g_autofree char *index = g_strdup_printf("%d", i);
    g_autofree char *dotted = g_strdup_printf("features.%d", i);
    g_assert_cmpint(patina_layer_find(m, index, NULL), ==, i);
    g_assert_cmpint(patina_layer_find(m, dotted, NULL), ==, i);
  }
  g_assert_cmpint(infos[0].c, ==, 32);
  g_assert_cmpint(infos[0].h, ==, 44);
  g_assert_cmpint(infos[2].h, ==, 22);
  g_assert_cmpint(patina_layer_find(m, "CONV2", NULL), ==, 3);

  g_autoptr(GError) error = NULL;
  g_assert_cmpint(patina_layer_find(m, "conv9", &error), ==, -1);
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "\"conv9\""));
  g_assert_nonnull(strstr(error->message, "conv1 32×44×44"));
  g_assert_nonnull(strstr(error->message, "dense2 1"));
  g_clear_error(&error);
  g_assert_cmpint(patina_layer_find(m, "17", &error), ==, -1);
  g_clear_error(&error);
  /* The BatchNorm variant: conv, bn, relu, pool per block. */
  g_autofree char *spec5 = patina_spec_paper5(2, 153, 3);
  PatinaModel *m5 = patina_model_new(spec5, NULL);
  g_assert_nonnull(m5);
  g_assert_cmpint(patina_layer_find(m5, "bn1", NULL), ==, 1);
  g_assert_cmpint(patina_layer_find(m5, "relu1", NULL), ==, 2);
  g_assert_cmpint(patina_layer_find(m5, "pool1", NULL), ==, 3);
  g_assert_cmpint(patina_layer_find(m5, "conv2", NULL), ==, 4);
  g_assert_cmpint(patina_layer_find(m5, "bn5", NULL), ==, 17);
  patina_model_free(m5);
  g_clear_error(&error);
  g_assert_cmpint(patina_layer_find(m, "", &error), ==, -1);
  g_assert_nonnull(error);
  patina_model_free(m);
}

static void test_model_without_conv(void)
{
  const char *spec = "{\"input\": [3, 8, 8], \"layers\": [{\"type\": \"flatten\"},"
                     "{\"type\": \"dense\", \"out_features\": 2}]}";
  g_autoptr(GError) error = NULL;
  PatinaModel *m = patina_model_new(spec, &error);
  g_assert_no_error(error);
  g_assert_cmpint(patina_layer_first_conv(m, &error), ==, -1);
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "no convolution layers"));
  g_clear_error(&error);
  int n = -1, k = -1;
  g_assert_null(patina_first_conv_filters(m, &n, &k, &error));
  g_assert_nonnull(error);
  g_clear_error(&error);
  /* A non-finite input gives an error, not a figure of NaNs. */
  g_autofree float *nan_input = g_new0(float, 3 * 8 * 8);
  nan_input[5] = NAN;
  m->layers[1].weight[5] = 1.0f;
  g_assert_null(patina_activations_compute(m, nan_input, &error));
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_NUMERIC);
  g_clear_error(&error);
  /* Its activations still work: the dense layers are what there is to see. */
  g_autofree float *x = g_new0(float, 3 * 8 * 8);
  g_autoptr(PatinaActivations) acts = patina_activations_compute(m, x, &error);
  g_assert_no_error(error);
  g_assert_cmpint(acts->layers[1].c, ==, 2);
  patina_model_free(m);
}

static void test_stats_and_sort(void)
{
  /* Three 4-value channels: means 0.25 / 1.5 / -1, maxes 1 / 3 / 0, active 1/4 / 1/2 / 0. */
  const float out[] = {0, 0, 0, 1, 0, 3, 3, 0, -1, -1, -1, -1};
  PatinaChannelStats s[3];
  patina_channel_stats(out, 3, 4, s);
  g_assert_cmpfloat(s[0].mean, ==, 0.25f);
  g_assert_cmpfloat(s[1].max, ==, 3.0f);
  g_assert_cmpfloat(s[2].min, ==, -1.0f);
  g_assert_cmpfloat(s[1].active, ==, 0.5f);
  g_assert_cmpfloat(s[2].active, ==, 0.0f);
  static const struct {
    const char *name;
    int order[3];
  } cases[] = {
    {"index", {0, 1, 2}}, {"mean", {1, 0, 2}}, {"max", {1, 0, 2}}, {"active", {1, 0, 2}},
  };
  for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
    PatinaChannelOrder order;
    g_assert_true(patina_channel_order_parse(cases[c].name, &order, NULL));
    g_autofree int *got = patina_channel_sort(s, 3, order);
    g_assert_cmpmem(got, sizeof(int) * 3, cases[c].order, sizeof(int) * 3);
  }
  /* Ties keep the channel order. */
  const float tied[] = {1, 1, 2, 2, 1, 1};
  PatinaChannelStats t[3];
  patina_channel_stats(tied, 3, 2, t);
  g_autofree int *got = patina_channel_sort(t, 3, PATINA_CHANNEL_ORDER_MEAN);
  g_assert_cmpint(got[0], ==, 1);
  g_assert_cmpint(got[1], ==, 0);
  g_assert_cmpint(got[2], ==, 2);

  PatinaChannelOrder order;
  g_autoptr(GError) error = NULL;
  g_assert_false(patina_channel_order_parse("median", &order, &error));
  g_assert_nonnull(strstr(error->message, "median"));

  float lo, hi;
  patina_channel_range(out, 3, 4, 1, PATINA_NORMALISE_CHANNEL, &lo, &hi);
  g_assert_cmpfloat(lo, ==, 0.0f);
  g_assert_cmpfloat(hi, ==, 3.0f);
  patina_channel_range(out, 3, 4, 0, PATINA_NORMALISE_LAYER, &lo, &hi);
  g_assert_cmpfloat(lo, ==, -1.0f);
  g_assert_cmpfloat(hi, ==, 3.0f);
  PatinaNormalise normalise;
  g_assert_true(patina_normalise_parse("layer", &normalise, NULL));
  g_assert_cmpint(normalise, ==, PATINA_NORMALISE_LAYER);
  g_clear_error(&error);
  g_assert_false(patina_normalise_parse("global", &normalise, &error));
  g_assert_nonnull(error);
}

static void test_first_conv_filters(void)
{
  g_autofree float *x = NULL, *logits = NULL;
  PatinaModel *m = paper_from_fixture(&x, &logits);
  int n = 0, k = 0;
  g_autofree float *filters = patina_first_conv_filters(m, &n, &k, NULL);
  g_assert_cmpint(n, ==, 32);
  g_assert_cmpint(k, ==, 3);
  /* On a gray input repeated to three channels, each conv1 output is its summed filter over
   * the gray patch plus the bias. */
  gsize plane = FIXTURE_SIZE * FIXTURE_SIZE;
  g_autofree float *gray3 = g_new(float, 3 * plane);
  for (int c = 0; c < 3; c++)
    memcpy(gray3 + c * plane, x, plane * sizeof(float));
  g_autoptr(PatinaActivations) acts = patina_activations_compute(m, gray3, NULL);
  for (int o = 0; o < n; o += 5) {
    double want = m->layers[0].bias[o];
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++)
        want += (double) filters[o * 9 + i * 3 + j] * x[(10 + i) * FIXTURE_SIZE + 7 + j];
    g_assert_cmpfloat(fabs(acts->outputs[0][(o * 44 + 10) * 44 + 7] - want), <=, 1e-5);
  }
  patina_model_free(m);
}

static void write_png(const char *path, int w, int h, gboolean alpha)
{
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, alpha, 8, w, h);
  gdk_pixbuf_fill(pb, 0x806040ff);
  g_assert_true(gdk_pixbuf_save(pb, path, "png", NULL, NULL));
}

static void test_files(void)
{
  g_autofree float *x = NULL, *logits = NULL;
  PatinaModel *m = paper_from_fixture(&x, &logits);
  g_autofree char *dir = g_dir_make_tmp("patina-acts-XXXXXX", NULL);
  g_autofree char *wide = g_build_filename(dir, "wide.png", NULL);
  g_autofree char *rgba = g_build_filename(dir, "rgba.png", NULL);
  g_autofree char *broken = g_build_filename(dir, "broken.png", NULL);
  write_png(wide, 300, 120, FALSE);
  write_png(rgba, 20, 20, TRUE);
  g_assert_true(g_file_set_contents(broken, "not a png", -1, NULL));

  /* Another size and another depth are resized and made gray as for training. */
  g_autoptr(GError) error = NULL;
  for (int i = 0; i < 2; i++) {
    double field = -1;
    g_autoptr(PatinaActivations) acts =
      patina_activations_compute_file(m, i ? rgba : wide, NULL, &field, &error);
    g_assert_no_error(error);
    g_assert_cmpint(acts->layers[0].h, ==, 44);
    g_assert_cmpfloat(field, ==, 0); /* a PNG has no pixel size */
  }
  g_assert_null(patina_activations_compute_file(m, broken, NULL, NULL, &error));
  g_assert_nonnull(error);
  g_assert_nonnull(strstr(error->message, "broken.png"));
  g_clear_error(&error);
  g_autofree char *missing = g_build_filename(dir, "missing.png", NULL);
  g_assert_null(patina_activations_compute_file(m, missing, NULL, NULL, &error));
  g_assert_nonnull(strstr(error->message, "missing.png"));
  test_remove_tree(dir);
  patina_model_free(m);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/activations/paper-cnn", test_paper_cnn);
  g_test_add_func("/activations/paper-cnn-pytorch-layers", test_paper_cnn_pytorch_layers);
  g_test_add_func("/activations/batchnorm-and-dense", test_batchnorm_and_dense);
  g_test_add_func("/activations/layer-names", test_layer_names);
  g_test_add_func("/activations/model-without-conv", test_model_without_conv);
  g_test_add_func("/activations/stats-and-sort", test_stats_and_sort);
  g_test_add_func("/activations/first-conv-filters", test_first_conv_filters);
  g_test_add_func("/activations/files", test_files);
  return g_test_run();
}
