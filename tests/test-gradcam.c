/* Grad-CAM and Grad-CAM++: the paper CNN against PyTorch (tests/make_golden.py, gradcam
 * fixture: paper_cnn.safetensors's weights and x[0], conv layers 3 and 9, both classes of the
 * binary head), layer lookup and its errors, and the overlay. */
#include <math.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <json-glib/json-glib.h>

#include "cli-run.h"
#include "data/demo.h"
#include "gradcheck.h"
#include "nn/model.h"
#include "testutil.h"
#include "viz/gradcam-figure.h"

#define RTOL 1e-4
#define SIZE 46

static void load_params(PatinaModel *m, const PatinaSafetensors *st)
{
  for (int i = 0; i < m->n_layers; i++) {
    PatinaLayer *l = &m->layers[i];
    if (l->weight == NULL)
      continue;
    g_autofree char *wn = g_strdup_printf("%d.weight", l->index);
    g_autofree char *bn = g_strdup_printf("%d.bias", l->index);
    g_autofree float *w = pt_tensor(st, wn, l->weight_len);
    g_autofree float *b = pt_tensor(st, bn, l->bias_len);
    memcpy(l->weight, w, l->weight_len * sizeof(float));
    memcpy(l->bias, b, l->bias_len * sizeof(float));
  }
}

static PatinaModel *paper_model(int classes, int size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *spec = patina_spec_paper(classes, size, 3);
  PatinaModel *m = patina_model_new(spec, &error);
  g_assert_no_error(error);
  return m;
}

static void test_golden(void)
{
  g_autoptr(PatinaSafetensors) weights = pt_fixture_load("paper_cnn");
  g_autoptr(PatinaSafetensors) st = pt_fixture_load("gradcam");
  if (!weights || !st)
    return;
  PatinaModel *m = paper_model(2, SIZE);
  load_params(m, weights);
  const gsize xlen = (gsize) 3 * SIZE * SIZE;
  g_autofree float *x2 = pt_tensor(weights, "x", 2 * xlen);
  g_autofree float *logit_ref = pt_tensor(st, "logit", 1);

  static const struct { const char *name; int index; } layers[] = { { "conv2", 3 },
                                                                    { "conv4", 9 } };
  int checked = 0;
  for (guint li = 0; li < G_N_ELEMENTS(layers); li++) {
    g_autoptr(GError) error = NULL;
    int layer = patina_cam_find_layer(m, layers[li].name, &error);
    g_assert_no_error(error);
    for (int klass = 0; klass < 2; klass++) {
      for (int plus = 0; plus < 2; plus++) {
        PatinaCam cam;
        g_assert_true(patina_cam_compute(m, x2, layer, klass,
                                         plus ? PATINA_CAM_GRADCAM_PLUS_PLUS : PATINA_CAM_GRADCAM,
                                         &cam, &error));
        g_assert_no_error(error);
        g_assert_cmpint(cam.layer.conv_index, ==, layers[li].index);
        g_assert_cmpint(cam.layer.act_index, ==, layers[li].index + 1); /* the ReLU after it */
        float logit = klass == 1 ? cam.score : -cam.score;
        pt_close("logit", &logit, logit_ref, 1, RTOL);
        float p1 = 1.0f / (1.0f + expf(-logit_ref[0]));
        g_assert_cmpfloat_with_epsilon(cam.probability, klass ? p1 : 1.0f - p1, 1e-5);

        g_autofree char *key = g_strdup_printf("%d.class%d.%s", layers[li].index, klass,
                                               plus ? "gradcam++" : "gradcam");
        g_autofree char *up_key = g_strconcat(key, ".up", NULL);
        const PatinaTensorView *v = pt_view(st, key);
        g_assert_cmpint(v->shape[0], ==, cam.layer.height);
        g_assert_cmpint(v->shape[1], ==, cam.layer.width);
        gsize hw = (gsize) cam.layer.height * cam.layer.width;
        g_autofree float *want = pt_tensor(st, key, hw);
        g_autofree float *want_up = pt_tensor(st, up_key, SIZE * SIZE);
        pt_close(key, cam.map, want, hw, RTOL);
        g_autofree float *up = patina_cam_upsample(&cam, SIZE, SIZE);
        pt_close(up_key, up, want_up, SIZE * SIZE, RTOL);
        patina_cam_clear(&cam);
        checked++;
      }
    }
  }
  g_assert_cmpint(checked, ==, 8);
  patina_model_free(m);
}

/* A softmax head (paper_cnn_3class's layer 16 on paper_cnn's layers): each class's score is
 * its own logit. Raw conv3 maps against the fixture. */
static void test_golden_softmax(void)
{
  g_autoptr(PatinaSafetensors) weights = pt_fixture_load("paper_cnn");
  g_autoptr(PatinaSafetensors) head = pt_fixture_load("paper_cnn_3class");
  g_autoptr(PatinaSafetensors) st = pt_fixture_load("gradcam");
  if (!weights || !head || !st)
    return;
  PatinaModel *m = paper_model(3, SIZE);
  for (int i = 0; i < m->n_layers; i++) {
    PatinaLayer *l = &m->layers[i];
    if (l->weight == NULL)
      continue;
    const PatinaSafetensors *from = i == 16 ? head : weights;
    g_autofree char *wn = g_strdup_printf("%d.weight", i);
    g_autofree char *bn = g_strdup_printf("%d.bias", i);
    g_autofree float *w = pt_tensor(from, wn, l->weight_len);
    g_autofree float *b = pt_tensor(from, bn, l->bias_len);
    memcpy(l->weight, w, l->weight_len * sizeof(float));
    memcpy(l->bias, b, l->bias_len * sizeof(float));
  }
  g_autofree float *x2 = pt_tensor(weights, "x", 2 * 3 * SIZE * SIZE);
  g_autofree float *logits_ref = pt_tensor(st, "3class.logits", 3);
  g_autoptr(GError) error = NULL;
  int layer = patina_cam_find_layer(m, "conv3", &error);
  g_assert_no_error(error);
  int nonzero = 0;
  for (int klass = 0; klass < 3; klass++) {
    for (int plus = 0; plus < 2; plus++) {
      PatinaCam cam;
      g_assert_true(patina_cam_compute(m, x2, layer, klass,
                                       plus ? PATINA_CAM_GRADCAM_PLUS_PLUS : PATINA_CAM_GRADCAM,
                                       &cam, &error));
      pt_close("3-class score", &cam.score, logits_ref + klass, 1, RTOL);
      g_autofree char *key = g_strdup_printf("3class.6.class%d.%s", klass,
                                             plus ? "gradcam++" : "gradcam");
      g_autofree float *want = pt_tensor(st, key, 64);
      pt_close(key, cam.map, want, 64, RTOL);
      for (int j = 0; j < 64; j++)
        nonzero += want[j] > 0.0f;
      patina_cam_clear(&cam);
    }
  }
  g_assert_cmpint(nonzero, >, 64); /* the fixture's maps are not all zero */
  patina_model_free(m);
}

/* An independent way to the gradient at layer `after`'s output, as Grad-CAM took it before
 * patina_model_backward_to_layer: the layers after it as a model of their own (parameters and
 * batchnorm's running statistics copied), whose input gradient is dScore/dA. */
static PatinaModel *tail_model(const PatinaModel *m, int after, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, m->spec_json, -1, error))
    return NULL;
  JsonObject *spec = json_node_get_object(json_parser_get_root(parser));
  JsonArray *layers = json_object_get_array_member(spec, "layers");
  const PatinaLayer *a = &m->layers[after];
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "name");
  json_builder_add_string_value(b, "tail");
  json_builder_set_member_name(b, "input");
  json_builder_begin_array(b);
  json_builder_add_int_value(b, a->out_c);
  json_builder_add_int_value(b, a->out_h);
  json_builder_add_int_value(b, a->out_w);
  json_builder_end_array(b);
  json_builder_set_member_name(b, "layers");
  json_builder_begin_array(b);
  for (int i = after + 1; i < m->n_layers; i++)
    json_builder_add_value(b, json_node_copy(json_array_get_element(layers, i)));
  json_builder_end_array(b);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autofree char *json = json_to_string(root, FALSE);
  PatinaModel *t = patina_model_new(json, error);
  if (!t)
    return NULL;
  gsize param_off = 0, buffer_off = 0;
  for (int i = 0; i <= after; i++) {
    param_off += m->layers[i].weight_len + m->layers[i].bias_len;
    if (m->layers[i].type == PATINA_LAYER_BATCHNORM2D)
      buffer_off += 2 * (gsize) m->layers[i].in_c;
  }
  g_assert(param_off + t->n_params == m->n_params && buffer_off + t->n_buffers == m->n_buffers);
  memcpy(t->params, m->params + param_off, sizeof(float) * t->n_params);
  memcpy(t->buffers, m->buffers + buffer_off, sizeof(float) * t->n_buffers);
  return t;
}


/* paper5 has conv → batchnorm → ReLU blocks, which the golden fixtures (paper CNN) lack: at
 * every one of its conv layers and classes Grad-CAM's channel weights equal the mean gradient
 * the tail model gives, and the model's own parameter gradients are not touched. */
static void test_batchnorm_model(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *spec = patina_spec_paper5(3, 153, 3);
  PatinaModel *m = patina_model_new(spec, &error);
  g_assert_no_error(error);
  PatinaRng rng;
  patina_rng_init(&rng, 5);
  patina_model_init(m, &rng);
  for (int i = 0; i < m->n_layers; i++) {
    PatinaLayer *l = &m->layers[i];
    for (int ch = 0; l->type == PATINA_LAYER_BATCHNORM2D && ch < l->in_c; ch++) {
      l->running_mean[ch] = 0.05f * (ch % 7);
      l->running_var[ch] = 0.5f + 0.1f * (ch % 5);
    }
  }
  gsize xlen = (gsize) 3 * 153 * 153;
  g_autofree float *x = g_new(float, xlen);
  for (gsize i = 0; i < xlen; i++)
    x[i] = patina_rng_uniform(&rng);
  memset(m->grads, 0, sizeof(float) * m->n_params);
  int n;
  PatinaCamLayer *layers = patina_cam_layers(m, &n);
  g_assert_cmpint(n, ==, 5);
  double worst = 0.0;
  for (int i = 0; i < n; i++) {
    g_assert_cmpint(m->layers[layers[i].act_index].type, ==, PATINA_LAYER_RELU);
    g_assert_cmpint(layers[i].act_index, ==, layers[i].conv_index + 2);
    int c = layers[i].channels, hw = layers[i].height * layers[i].width;
    for (int klass = 0; klass < 3; klass++) {
      PatinaCam cam;
      g_assert_true(patina_cam_compute(m, x, i, klass, PATINA_CAM_GRADCAM, &cam, &error));
      g_assert_no_error(error);
      g_autofree float *act = g_memdup2(m->layers[layers[i].act_index].out, sizeof(float) * c * hw);
      PatinaModel *tail = tail_model(m, layers[i].act_index, &error);
      g_assert_no_error(error);
      const float *tl = patina_model_forward(tail, act, 1, FALSE, NULL, &error);
      g_assert_no_error(error);
      g_assert_cmpfloat_with_epsilon(cam.score, tl[klass], 1e-4 * MAX(1.0, fabsf(tl[klass])));
      float dl[3] = {0};
      dl[klass] = 1.0f;
      patina_model_backward(tail, act, dl, 1, TRUE);
      double scale = 0.0;
      for (int k = 0; k < c; k++) {
        double mean = 0.0;
        for (int j = 0; j < hw; j++)
          mean += tail->dinput[(gsize) k * hw + j];
        mean /= hw;
        scale = MAX(scale, fabs(mean));
        worst = MAX(worst, fabs(mean - cam.weights[k]));
      }
      g_assert_cmpfloat(scale, >, 0.0); /* so the comparison can fail */
      for (int k = 0; k < c; k++) {
        double mean = 0.0;
        for (int j = 0; j < hw; j++)
          mean += tail->dinput[(gsize) k * hw + j];
        g_assert_cmpfloat(fabs(mean / hw - cam.weights[k]), <=, 1e-5 * scale);
      }
      patina_model_free(tail);
      patina_cam_clear(&cam);
    }
  }
  g_test_message("largest weight difference from the tail model: %.3g", worst);
  patina_cam_layers_free(layers, n);
  for (gsize i = 0; i < m->n_params; i++)
    g_assert_cmpfloat(m->grads[i], ==, 0.0f); /* the model's own gradients are not touched */
  patina_model_free(m);
}

static void test_layer_lookup(void)
{
  PatinaModel *m = paper_model(2, SIZE);
  g_autoptr(GError) error = NULL;
  int n;
  PatinaCamLayer *layers = patina_cam_layers(m, &n);
  g_assert_cmpint(n, ==, 4);
  g_assert_cmpstr(layers[0].name, ==, "conv1");
  g_assert_cmpint(layers[0].channels, ==, 32);
  g_assert_cmpint(layers[0].height, ==, 44);
  g_assert_cmpint(layers[3].conv_index, ==, 9);
  patina_cam_layers_free(layers, n);

  g_assert_cmpint(patina_cam_find_layer(m, NULL, &error), ==, 3); /* default: the last conv */
  g_assert_cmpint(patina_cam_find_layer(m, "CONV2", &error), ==, 1);
  g_assert_cmpint(patina_cam_find_layer(m, "6", &error), ==, 2);
  g_assert_no_error(error);

  g_assert_cmpint(patina_cam_find_layer(m, "conv9", &error), ==, -1);
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "conv9"));
  g_assert_nonnull(strstr(error->message, "conv1 (layer 0, 32×44×44)"));
  g_assert_nonnull(strstr(error->message, "conv4 (layer 9"));
  g_clear_error(&error);

  g_assert_cmpint(patina_cam_find_layer(m, "4", &error), ==, -1);
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "layer 4 is relu, not a convolution"));
  g_clear_error(&error);

  g_assert_cmpint(patina_cam_find_layer(m, "99", &error), ==, -1);
  g_assert_nonnull(strstr(error->message, "no layer 99"));
  g_clear_error(&error);

  gsize xlen = (gsize) 3 * SIZE * SIZE;
  g_autofree float *x = g_new0(float, xlen);
  PatinaCam cam;
  g_assert_false(patina_cam_compute(m, x, 0, 2, PATINA_CAM_GRADCAM, &cam, &error));
  g_assert_nonnull(strstr(error->message, "class 2 out of range"));
  g_clear_error(&error);
  g_assert_false(patina_cam_compute(m, x, 4, 0, PATINA_CAM_GRADCAM, &cam, &error));
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
  g_clear_error(&error);
  patina_model_free(m);

  /* a model without conv layers */
  const char *dense = "{\"input\": [1, 4, 4], \"layers\": [{\"type\": \"flatten\"}, "
                      "{\"type\": \"dense\", \"out_features\": 1}]}";
  m = patina_model_new(dense, &error);
  g_assert_no_error(error);
  g_assert_cmpint(patina_cam_find_layer(m, NULL, &error), ==, -1);
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
  g_assert_nonnull(strstr(error->message, "no conv layers"));
  g_clear_error(&error);
  g_assert_false(patina_cam_compute(m, x, 0, 0, PATINA_CAM_GRADCAM, &cam, &error));
  g_assert_nonnull(strstr(error->message, "no conv layers"));
  patina_model_free(m);
}

static void test_overlay(void)
{
  g_autoptr(GError) error = NULL;
  const PatinaColormap *cmap = patina_colormap_lookup("viridis", &error);
  g_assert_no_error(error);
  const int w = 5, h = 3;
  float gray[15], values[15];
  for (int i = 0; i < w * h; i++) {
    gray[i] = i / 14.0f;
    values[i] = (float) (i % 5) / 4.0f;
  }
  for (int k = 0; k <= 2; k++) {
    double opacity = k / 2.0;
    cairo_surface_t *s = patina_overlay_render(gray, values, w, h, 0.0f, 1.0f, cmap, opacity);
    g_assert_nonnull(s);
    g_assert_cmpint(cairo_image_surface_get_width(s), ==, w);
    g_assert_cmpint(cairo_image_surface_get_height(s), ==, h);
    const guint8 *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        guint32 px = ((const guint32 *) (data + y * stride))[x];
        guint8 rgb[3];
        patina_colormap_map(cmap, values[y * w + x], FALSE, rgb);
        for (int ch = 0; ch < 3; ch++) {
          double want = (1 - opacity) * gray[y * w + x] * 255.0 + opacity * rgb[ch];
          int got = (px >> (16 - 8 * ch)) & 0xFF;
          g_assert_cmpfloat(fabs(got - want), <=, 0.5 + 1e-9);
        }
      }
    }
    cairo_surface_destroy(s);
  }
}

/* Display downscaling averages areas: 2:1 gives the 2×2 block means, and any factor keeps the
 * image's mean (each source pixel's area is shared out exactly once). */
static void test_resize_for_display(void)
{
  float src[10 * 6], dst[5 * 3], odd[3 * 4];
  double mean = 0;
  for (int i = 0; i < 60; i++) {
    src[i] = (float) ((i * 37) % 11) / 10.0f;
    mean += src[i] / 60.0;
  }
  patina_resize_for_display(src, 10, 6, dst, 5, 3);
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 5; x++) {
      double block = (src[(2 * y) * 10 + 2 * x] + src[(2 * y) * 10 + 2 * x + 1] +
                      src[(2 * y + 1) * 10 + 2 * x] + src[(2 * y + 1) * 10 + 2 * x + 1]) / 4.0;
      g_assert_cmpfloat(fabs(dst[y * 5 + x] - block), <, 1e-6);
    }
  patina_resize_for_display(src, 10, 6, odd, 3, 4);
  double m2 = 0;
  for (int i = 0; i < 12; i++)
    m2 += odd[i] / 12.0;
  g_assert_cmpfloat(fabs(m2 - mean), <, 1e-6);
}

/* ------------------------------------------------------------------ patina-cli gradcam */
static char *tmp;

static char *in_tmp(const char *name)
{
  return g_build_filename(tmp, name, NULL);
}

static void cli_setup(void)
{
  g_autoptr(GError) error = NULL;
  tmp = g_dir_make_tmp("patina-gradcam-XXXXXX", &error);
  g_assert_no_error(error);
  g_autofree char *spec = patina_spec_paper(2, SIZE, 3);
  g_autofree char *model = in_tmp("model.safetensors");
  cli_fixture_model(model, spec, 3);
  g_autofree char *dense = in_tmp("dense.safetensors");
  cli_fixture_model(dense, "{\"input\": [3, 46, 46], \"layers\": [{\"type\": \"flatten\"}, "
                           "{\"type\": \"dense\", \"out_features\": 1}]}", 3);
  float px[160 * 120];
  float full[160 * 160];
  patina_demo_draw(1, 4, 160, full);
  memcpy(px, full, sizeof px);
  g_autofree char *png = in_tmp("az.png");
  cli_fixture_png(png, px, 160, 120);
}

static void test_cli_happy(void)
{
  g_autoptr(CliRun) r = cli_run(tmp, "gradcam", "model.safetensors", "az.png", "-o", "cam.png",
                                NULL);
  g_assert_cmpint(r->status, ==, 0);
  cli_run_assert_contains(r->out, "cam.png: Grad-CAM of conv4 (layer 9, 2×2) for class ");
  g_autofree char *cam = in_tmp("cam.png");
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_file(cam, &error);
  g_assert_no_error(error);
  g_assert_cmpint(gdk_pixbuf_get_width(pb), ==, 160);
  g_assert_cmpint(gdk_pixbuf_get_height(pb), ==, 120);

  g_autoptr(CliRun) p = cli_run(tmp, "gradcam", "model.safetensors", "az.png", "--plus",
                                "--layer", "conv2", "--class", "azb31b", "-o", "x.png", NULL);
  cli_run_expect_fail(p, 2, "--class azb31b: the model's classes are 0 (316L), 1 (AZ31B)");
  g_autoptr(CliRun) q = cli_run(tmp, "gradcam", "model.safetensors", "az.png", "--plus",
                                "--layer", "conv2", "--class", "az31b", "--max-size", "80",
                                "--colormap", "bronze", "-o", "plus.png", NULL);
  g_assert_cmpint(q->status, ==, 0);
  cli_run_assert_contains(q->out, "Grad-CAM++ of conv2 (layer 3, 20×20) for class AZ31B");
  g_autofree char *plus = in_tmp("plus.png");
  g_autoptr(GdkPixbuf) pb2 = gdk_pixbuf_new_from_file(plus, &error);
  g_assert_no_error(error);
  g_assert_cmpint(gdk_pixbuf_get_width(pb2), ==, 80);
  g_assert_cmpint(gdk_pixbuf_get_height(pb2), ==, 60);

  g_autoptr(CliRun) l = cli_run(tmp, "gradcam", "model.safetensors", "--list-layers", NULL);
  g_assert_cmpint(l->status, ==, 0);
  cli_run_assert_contains(l->out, "conv3  layer 6   128×8×8");
}

static void test_cli_bad_input(void)
{
  struct {
    const char *args[8];
    int code;
    const char *what;
  } cases[] = {
    { { "model.safetensors", "az.png", "--layer", "conv7", "-o", "o.png" }, 2,
      "no layer \"conv7\" in model \"paper\"; Grad-CAM takes conv1 (layer 0, 32×44×44), " },
    { { "model.safetensors", "az.png", "--layer", "4", "-o", "o.png" }, 2,
      "layer 4 is relu, not a convolution; Grad-CAM takes conv1" },
    { { "model.safetensors", "az.png", "--class", "2", "-o", "o.png" }, 2,
      "--class 2: the model's classes are 0 (316L), 1 (AZ31B)" },
    { { "dense.safetensors", "az.png", "-o", "o.png" }, 1,
      "dense.safetensors: model \"custom\" has no conv layers" },
    { { "model.safetensors", "az.png", "-o", "/proc/patina-cam.png" }, 1,
      "/proc/patina-cam.png: cannot write in folder /proc" },
    { { "model.safetensors", "az.png", "-o", "missing/o.png" }, 1, "missing does not exist" },
    { { "model.safetensors", "nothere.png", "-o", "o.png" }, 1, "nothere.png" },
    { { "model.safetensors", "az.png", "--opacity", "1.5", "-o", "o.png" }, 2,
      "--opacity must be 0 to 1" },
    { { "model.safetensors", "az.png", "--colormap", "jet", "-o", "o.png" }, 2, "viridis" },
    { { "model.safetensors", "az.png" }, 2, "-o FILE is required" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    const char **a = cases[i].args;
    g_autoptr(CliRun) r = cli_run(tmp, "gradcam", a[0], a[1], a[2], a[3], a[4], a[5], a[6],
                                  NULL);
    cli_run_expect_fail(r, cases[i].code, cases[i].what);
  }
  g_autofree char *o = in_tmp("o.png");
  g_assert_false(g_file_test(o, G_FILE_TEST_EXISTS)); /* nothing half-written */
}

static void svg_root(G_GNUC_UNUSED GMarkupParseContext *ctx, const char *name,
                     G_GNUC_UNUSED const char **names, G_GNUC_UNUSED const char **values,
                     gpointer user_data, G_GNUC_UNUSED GError **error)
{
  char **root = user_data;
  if (!*root)
    *root = g_strdup(name);
}

/* The report figure as PNG (pixel size from the DPI), PDF (one page) and SVG (parses back). */
static void test_cli_figure(void)
{
  g_autoptr(CliRun) r = cli_run(tmp, "gradcam", "model.safetensors", "az.png", "--figure",
                                "--dpi", "150", "-o", "fig.png", NULL);
  g_assert_cmpint(r->status, ==, 0);
  g_autofree char *png = in_tmp("fig.png");
  int w = 0, h = 0;
  g_assert_nonnull(gdk_pixbuf_get_file_info(png, &w, &h));
  g_assert_cmpint(w, ==, 1050); /* 504 pt at 150 dpi */
  g_assert_cmpint(h, >, 400);

  g_autoptr(CliRun) p = cli_run(tmp, "gradcam", "model.safetensors", "az.png", "--plus", "-o",
                                "fig.pdf", NULL);
  g_assert_cmpint(p->status, ==, 0);
  g_autofree char *pdf = in_tmp("fig.pdf");
  g_assert_cmpint(test_pdf_pages(pdf), ==, 1);

  g_autoptr(CliRun) v = cli_run(tmp, "gradcam", "model.safetensors", "az.png", "-o", "fig.svg",
                                NULL);
  g_assert_cmpint(v->status, ==, 0);
  g_autofree char *svg = in_tmp("fig.svg");
  g_autofree char *text = NULL;
  gsize len;
  g_assert_true(g_file_get_contents(svg, &text, &len, NULL));
  g_autofree char *root = NULL;
  GMarkupParser parser = { .start_element = svg_root };
  g_autoptr(GMarkupParseContext) ctx = g_markup_parse_context_new(&parser, 0, &root, NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(g_markup_parse_context_parse(ctx, text, (gssize) len, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(root, ==, "svg");

  g_autoptr(CliRun) bad = cli_run(tmp, "gradcam", "model.safetensors", "az.png", "--figure",
                                  "-o", "fig.tiff", NULL);
  cli_run_expect_fail(bad, 2, "-o fig.tiff: the figure's format is told by its extension");
  g_autoptr(CliRun) jpg = cli_run(tmp, "gradcam", "model.safetensors", "az.png", "-o", "cam.jpg",
                                  NULL);
  cli_run_expect_fail(jpg, 2, "-o cam.jpg: the figure's format is told by its extension");
  g_autoptr(CliRun) dpi = cli_run(tmp, "gradcam", "model.safetensors", "az.png", "--figure",
                                  "--dpi", "5", "-o", "fig.png", NULL);
  cli_run_expect_fail(dpi, 2, "--dpi must be 30 to 2400");
}

/* A known pixel size adds a scale bar under the micrograph; the caption names the class and
 * every probability. */
static void test_figure_scale_bar(void)
{
  PatinaModel *m = paper_model(2, SIZE);
  PatinaRng rng;
  patina_rng_init(&rng, 2);
  patina_model_init(m, &rng);
  PatinaGray img = { .width = 92, .height = 60 };
  img.pixels = g_new(float, 92 * 60);
  for (int i = 0; i < 92 * 60; i++)
    img.pixels[i] = (float) ((i * 7) % 13) / 12.0f;
  g_autofree float *x = patina_cam_input(m, &img);
  PatinaCam cam;
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_cam_compute(m, x, 1, 1, PATINA_CAM_GRADCAM, &cam, &error));
  PatinaCamFigureOptions o;
  patina_cam_figure_options_init(&o);
  cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
  cairo_t *cr = cairo_create(rec);
  double plain = patina_cam_figure_draw(cr, m, &img, &cam, &o);
  img.sem.pixel_size = 50e-9;
  double with_bar = patina_cam_figure_draw(cr, m, &img, &cam, &o);
  g_assert_cmpfloat(with_bar, >, plain + 5);
  cairo_destroy(cr);
  cairo_surface_destroy(rec);
  patina_cam_clear(&cam);
  g_free(img.pixels);
  patina_model_free(m);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/gradcam/golden", test_golden);
  g_test_add_func("/gradcam/golden-softmax", test_golden_softmax);
  g_test_add_func("/gradcam/batchnorm-model", test_batchnorm_model);
  g_test_add_func("/gradcam/layer-lookup", test_layer_lookup);
  g_test_add_func("/gradcam/overlay", test_overlay);
  g_test_add_func("/gradcam/resize-for-display", test_resize_for_display);
  g_test_add_func("/gradcam/cli", test_cli_happy);
  g_test_add_func("/gradcam/cli-bad-input", test_cli_bad_input);
  g_test_add_func("/gradcam/cli-figure", test_cli_figure);
  g_test_add_func("/gradcam/figure-scale-bar", test_figure_scale_bar);
  cli_setup();
  int rc = g_test_run();
  test_remove_tree(tmp);
  g_free(tmp);
  return rc;
}
