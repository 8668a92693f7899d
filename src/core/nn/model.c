/* The sequential model at run time: shape propagation from a spec, flat arenas, and forward /
 * backward over a batch split into one contiguous chunk per worker thread. */
#include "model.h"

#include <cblas.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "pool.h"

G_DEFINE_QUARK(patina-error-quark, patina_error)

static const char *const layer_names[] = {
  [PATINA_LAYER_CONV2D] = "conv2d",       [PATINA_LAYER_DENSE] = "dense",
  [PATINA_LAYER_RELU] = "relu",           [PATINA_LAYER_LEAKY_RELU] = "leaky_relu",
  [PATINA_LAYER_SIGMOID] = "sigmoid",     [PATINA_LAYER_TANH] = "tanh",
  [PATINA_LAYER_MAXPOOL2D] = "maxpool2d", [PATINA_LAYER_BATCHNORM2D] = "batchnorm2d",
  [PATINA_LAYER_DROPOUT] = "dropout",     [PATINA_LAYER_FLATTEN] = "flatten",
  [PATINA_LAYER_SOFTMAX] = "softmax",
};

const char *patina_layer_type_name(PatinaLayerType type)
{
  return layer_names[type];
}

static gsize in_len(const PatinaLayer *l)
{
  return (gsize) l->in_c * l->in_h * l->in_w;
}

static gsize out_len(const PatinaLayer *l)
{
  return (gsize) l->out_c * l->out_h * l->out_w;
}

/* ReLU may overwrite its input when the layer before does not need its own output for
 * backward (conv, dense and batchnorm need their inputs only). */
static gboolean relu_in_place(const PatinaModel *m, int i)
{
  if (m->layers[i].type != PATINA_LAYER_RELU || i == 0)
    return FALSE;
  PatinaLayerType prev = m->layers[i - 1].type;
  return prev == PATINA_LAYER_CONV2D || prev == PATINA_LAYER_DENSE ||
         prev == PATINA_LAYER_BATCHNORM2D;
}

/* A ReLU straight after a conv is applied per image inside the conv's chunk, while that
 * image's output is still in cache, instead of in a separate pass over the whole batch. */
static gboolean relu_fused_into_conv(const PatinaModel *m, int i)
{
  return relu_in_place(m, i) && m->layers[i - 1].type == PATINA_LAYER_CONV2D;
}

/* A max-pool after an in-place ReLU can apply the ReLU's backward mask itself: the pool passes
 * gradient only to its argmax, where the ReLU's output is the pool's output, so masking the
 * pool's (4× smaller) output gradient by "pooled value > 0" is the ReLU's backward. */
static gboolean pool_masks_relu(const PatinaModel *m, int i)
{
  return m->layers[i].type == PATINA_LAYER_MAXPOOL2D && i > 0 && relu_in_place(m, i - 1);
}

/* conv → ReLU → max-pool: the pool runs on each image right after its conv and ReLU, while
 * the image's activations are still in cache, instead of in a pass over the whole batch
 * (it was 10 % of inference as a pass of its own). */
static gboolean pool_fused_into_conv(const PatinaModel *m, int i)
{
  return m->layers[i].type == PATINA_LAYER_MAXPOOL2D && i >= 2 && relu_fused_into_conv(m, i - 1);
}

static gboolean is_view(const PatinaModel *m, int i)
{
  return m->layers[i].type == PATINA_LAYER_FLATTEN || relu_in_place(m, i);
}

/* ---- spec parsing ---- */

/* Per-sample activations and per-layer weights above 2^28 floats (1 GiB) are refused. */
#define MAX_ELEMENTS ((gint64) 1 << 28)

static gboolean get_int(JsonObject *o, const char *key, int def, int lo, int hi, int index,
                        int *out, GError **error)
{
  if (!json_object_has_member(o, key)) {
    *out = def;
    return TRUE;
  }
  JsonNode *n = json_object_get_member(o, key);
  if (JSON_NODE_TYPE(n) != JSON_NODE_VALUE || json_node_get_value_type(n) != G_TYPE_INT64) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "layer %d: \"%s\" must be an integer", index, key);
    return FALSE;
  }
  gint64 v = json_node_get_int(n);
  if (v < lo || v > hi) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "layer %d: \"%s\" is %" G_GINT64_FORMAT ", expected %d to %d", index, key, v, lo,
                hi);
    return FALSE;
  }
  *out = (int) v;
  return TRUE;
}

static gboolean get_float(JsonObject *o, const char *key, double def, double lo, double hi,
                          int index, float *out, GError **error)
{
  if (!json_object_has_member(o, key)) {
    *out = (float) def;
    return TRUE;
  }
  JsonNode *n = json_object_get_member(o, key);
  GType t = JSON_NODE_TYPE(n) == JSON_NODE_VALUE ? json_node_get_value_type(n) : G_TYPE_INVALID;
  if (t != G_TYPE_DOUBLE && t != G_TYPE_INT64) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID, "layer %d: \"%s\" must be a number",
                index, key);
    return FALSE;
  }
  double v = json_node_get_double(n);
  if (!(v >= lo && v <= hi)) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "layer %d: \"%s\" is %g, expected %g to %g", index, key, v, lo, hi);
    return FALSE;
  }
  *out = (float) v;
  return TRUE;
}

/* flat: the tensor is [N, features] (after flatten or dense) rather than [N, C, H, W]. */
static gboolean parse_layer(JsonObject *o, int index, int c, int h, int w, gboolean *flat,
                            PatinaLayer *l, GError **error)
{
  const char *type = json_object_get_string_member_with_default(o, "type", "");
  int found = -1;
  for (guint t = 0; t < G_N_ELEMENTS(layer_names); t++)
    if (g_strcmp0(type, layer_names[t]) == 0)
      found = (int) t;
  if (found < 0) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID, "layer %d: unknown type \"%s\"",
                index, type);
    return FALSE;
  }
  l->type = found;
  l->index = index;
  l->in_c = c, l->in_h = h, l->in_w = w;
  l->out_c = c, l->out_h = h, l->out_w = w;
  switch (l->type) {
  case PATINA_LAYER_CONV2D: {
    if (*flat) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                  "layer %d: conv2d needs a C×H×W input, not a flat one", index);
      return FALSE;
    }
    PatinaConvShape *s = &l->conv;
    s->in_c = c, s->in_h = h, s->in_w = w;
    int k;
    if (!get_int(o, "out_channels", 0, 1, 65536, index, &s->out_c, error) ||
        !get_int(o, "kernel", 3, 1, 64, index, &k, error) ||
        !get_int(o, "stride", 1, 1, 64, index, &s->stride, error) ||
        !get_int(o, "padding", 0, 0, 64, index, &s->pad, error))
      return FALSE;
    s->kh = s->kw = k;
    if (!patina_conv_shape_init(s)) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                  "layer %d: a %d×%d convolution does not fit its %d×%d input; use a larger "
                  "input size",
                  index, k, k, h, w);
      return FALSE;
    }
    l->out_c = s->out_c, l->out_h = s->out_h, l->out_w = s->out_w;
    l->weight_len = (gsize) s->out_c * c * k * k;
    l->bias_len = s->out_c;
    break;
  }
  case PATINA_LAYER_DENSE: {
    int out;
    if (!get_int(o, "out_features", 0, 1, 1 << 20, index, &out, error))
      return FALSE;
    if (!*flat) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                  "layer %d: dense needs a flat input; add a flatten layer before it", index);
      return FALSE;
    }
    l->out_c = out;
    l->weight_len = (gsize) out * c;
    l->bias_len = out;
    break;
  }
  case PATINA_LAYER_MAXPOOL2D:
    if (*flat) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                  "layer %d: maxpool2d needs a C×H×W input, not a flat one", index);
      return FALSE;
    }
    if (!get_int(o, "kernel", 2, 1, 64, index, &l->kernel, error) ||
        !get_int(o, "stride", l->kernel, 1, 64, index, &l->stride, error))
      return FALSE;
    patina_maxpool2d_out_size(h, w, l->kernel, l->stride, &l->out_h, &l->out_w);
    if (l->out_h == 0 || l->out_w == 0) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                  "layer %d: a %d×%d pool does not fit its %d×%d input; use a larger input size",
                  index, l->kernel, l->kernel, h, w);
      return FALSE;
    }
    break;
  case PATINA_LAYER_BATCHNORM2D:
    if (!get_float(o, "eps", 1e-5, 0, 1, index, &l->eps, error) ||
        !get_float(o, "momentum", 0.1, 0, 1, index, &l->momentum, error))
      return FALSE;
    if (*flat) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                  "layer %d: batchnorm2d needs a C×H×W input", index);
      return FALSE;
    }
    l->weight_len = l->bias_len = c;
    break;
  case PATINA_LAYER_LEAKY_RELU:
    if (!get_float(o, "negative_slope", 0.01, -1e6, 1e6, index, &l->slope, error))
      return FALSE;
    break;
  case PATINA_LAYER_DROPOUT:
    if (!get_float(o, "p", 0.5, 0, 0.999, index, &l->p, error))
      return FALSE;
    break;
  case PATINA_LAYER_FLATTEN:
    l->out_c = c * h * w, l->out_h = l->out_w = 1; /* c·h·w ≤ MAX_ELEMENTS: checked below */
    *flat = TRUE;
    break;
  case PATINA_LAYER_SOFTMAX:
    if (!*flat) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                  "layer %d: softmax needs a flat input", index);
      return FALSE;
    }
    break;
  default:
    break;
  }
  /* Sizes come from files (a checkpoint's spec); keep every count far from int overflow. */
  if ((gint64) l->out_c * l->out_h * l->out_w > MAX_ELEMENTS || l->weight_len > MAX_ELEMENTS) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "layer %d: %s is too large (%d×%d×%d output, %" G_GSIZE_FORMAT " weights)",
                index, type, l->out_c, l->out_h, l->out_w, l->weight_len);
    return FALSE;
  }
  return TRUE;
}

static gboolean parse_spec(PatinaModel *m, const char *json, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) local = NULL;
  if (!json_parser_load_from_data(parser, json, -1, &local)) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID, "model spec is not JSON: %s",
                local->message);
    return FALSE;
  }
  JsonNode *root = json_parser_get_root(parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID, "model spec must be a JSON object");
    return FALSE;
  }
  JsonObject *o = json_node_get_object(root);
  JsonNode *input = json_object_get_member(o, "input");
  JsonNode *layers = json_object_get_member(o, "layers");
  if (!input || !JSON_NODE_HOLDS_ARRAY(input) ||
      json_array_get_length(json_node_get_array(input)) != 3 || !layers ||
      !JSON_NODE_HOLDS_ARRAY(layers)) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "model spec needs \"input\": [channels, height, width] and \"layers\": [...]");
    return FALSE;
  }
  int dims[3];
  for (int i = 0; i < 3; i++) {
    JsonNode *d = json_array_get_element(json_node_get_array(input), i);
    gint64 v = JSON_NODE_HOLDS_VALUE(d) ? json_node_get_int(d) : 0;
    if (v < 1 || v > 16384) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                  "model spec: input dimension %d must be 1 to 16384", i);
      return FALSE;
    }
    dims[i] = (int) v;
  }
  if ((gint64) dims[0] * dims[1] * dims[2] > MAX_ELEMENTS) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "model spec: an input of %d×%d×%d is too large", dims[0], dims[1], dims[2]);
    return FALSE;
  }
  m->name = g_strdup(json_object_get_string_member_with_default(o, "name", "custom"));
  m->in_c = dims[0], m->in_h = dims[1], m->in_w = dims[2];
  JsonArray *arr = json_node_get_array(layers);
  m->n_layers = (int) json_array_get_length(arr);
  if (m->n_layers == 0 || m->n_layers > 1000) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID, "model spec has %d layers",
                m->n_layers);
    return FALSE;
  }
  m->layers = g_new0(PatinaLayer, m->n_layers);
  int c = m->in_c, h = m->in_h, w = m->in_w;
  gboolean flat = FALSE;
  for (int i = 0; i < m->n_layers; i++) {
    JsonNode *ln = json_array_get_element(arr, i);
    if (!JSON_NODE_HOLDS_OBJECT(ln)) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID, "layer %d is not an object", i);
      return FALSE;
    }
    PatinaLayer *l = &m->layers[i];
    if (!parse_layer(json_node_get_object(ln), i, c, h, w, &flat, l, error))
      return FALSE;
    c = l->out_c, h = l->out_h, w = l->out_w;
  }
  if (!flat) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "model spec must end in a flat output (dense), not %d×%d×%d", c, h, w);
    return FALSE;
  }
  m->n_outputs = c;
  m->spec_json = json_to_string(root, FALSE);
  return TRUE;
}

/* ---- construction ---- */

PatinaModel *patina_model_new(const char *spec_json, GError **error)
{
  PatinaModel *m = g_new0(PatinaModel, 1);
  if (!parse_spec(m, spec_json, error)) {
    patina_model_free(m);
    return NULL;
  }
  for (int i = 0; i < m->n_layers; i++) {
    PatinaLayer *l = &m->layers[i];
    m->n_params += l->weight_len + l->bias_len;
    if (l->type == PATINA_LAYER_BATCHNORM2D)
      m->n_buffers += 2 * (gsize) l->in_c;
    if (l->type == PATINA_LAYER_CONV2D)
      m->col_len = MAX(m->col_len, patina_conv_col_len(&l->conv));
  }
  m->params = g_try_new0(float, MAX(1, m->n_params));
  m->grads = g_try_new0(float, MAX(1, m->n_params));
  m->buffers = g_try_new0(float, MAX(1, m->n_buffers));
  if (!m->params || !m->grads || !m->buffers) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_FAILED,
                "not enough memory for a model of %" G_GSIZE_FORMAT " parameters", m->n_params);
    patina_model_free(m);
    return NULL;
  }
  gsize p = 0, b = 0;
  for (int i = 0; i < m->n_layers; i++) {
    PatinaLayer *l = &m->layers[i];
    if (l->weight_len) {
      l->weight = m->params + p, l->dweight = m->grads + p;
      p += l->weight_len;
      l->bias = m->params + p, l->dbias = m->grads + p;
      p += l->bias_len;
    }
    if (l->type == PATINA_LAYER_BATCHNORM2D) {
      l->running_mean = m->buffers + b;
      l->running_var = m->buffers + b + l->in_c;
      b += 2 * (gsize) l->in_c;
      for (int ch = 0; ch < l->in_c; ch++) {
        l->weight[ch] = 1.0f;
        l->running_var[ch] = 1.0f;
      }
    }
  }
  patina_model_set_threads(m, 1);
  return m;
}

static void free_batch_state(PatinaModel *m)
{
  for (int i = 0; i < m->n_layers; i++) {
    PatinaLayer *l = &m->layers[i];
    if (!is_view(m, i))
      g_free(l->out);
    g_clear_pointer(&l->argmax, g_free);
    g_clear_pointer(&l->mask, g_free);
    g_clear_pointer(&l->save_mean, g_free);
    g_clear_pointer(&l->save_invstd, g_free);
    l->out = NULL;
    l->dout = NULL;
  }
  /* the two backward ping-pong buffers hang off layer 0's dout and dinput */
  g_clear_pointer(&m->dinput, g_free);
  m->capacity = 0;
}

static void free_thread_state(PatinaModel *m)
{
  for (int t = 0; m->thread_col && t < m->threads; t++) {
    g_free(m->thread_col[t]);
    g_free(m->thread_grads[t]);
  }
  g_clear_pointer(&m->thread_col, g_free);
  g_clear_pointer(&m->thread_grads, g_free);
  g_clear_pointer(&m->pool, patina_pool_free);
}

void patina_model_free(PatinaModel *m)
{
  if (!m)
    return;
  if (m->layers) {
    free_batch_state(m);
    g_free(m->backward_a);
    g_free(m->backward_b);
  }
  free_thread_state(m);
  g_free(m->layers);
  g_free(m->params);
  g_free(m->grads);
  g_free(m->buffers);
  g_free(m->spec_json);
  g_free(m->name);
  g_free(m);
}

void patina_model_init(PatinaModel *m, PatinaRng *rng)
{
  for (int i = 0; i < m->n_layers; i++) {
    PatinaLayer *l = &m->layers[i];
    if (l->type == PATINA_LAYER_CONV2D || l->type == PATINA_LAYER_DENSE) {
      int fan_in = (int) (l->weight_len / l->out_c);
      patina_init_default(rng, fan_in, l->weight_len, l->weight, l->bias_len, l->bias);
    } else if (l->type == PATINA_LAYER_BATCHNORM2D) {
      for (int ch = 0; ch < l->in_c; ch++) {
        l->weight[ch] = 1.0f, l->bias[ch] = 0.0f;
        l->running_mean[ch] = 0.0f, l->running_var[ch] = 1.0f;
      }
      l->num_batches_tracked = 0;
    }
  }
}

void patina_model_set_threads(PatinaModel *m, int threads)
{
  threads = CLAMP(threads, 1, 256);
  /* Each worker runs its own single-threaded GEMMs; BLAS threads on top would fight them. */
  openblas_set_num_threads(1);
  if (m->pool && m->threads == threads)
    return;
  free_thread_state(m);
  m->threads = threads;
  m->pool = patina_pool_new(threads);
  m->thread_col = g_new0(float *, threads);
  m->thread_grads = g_new0(float *, threads);
  for (int t = 0; t < threads; t++) {
    m->thread_col[t] = g_new(float, MAX(1, m->col_len));
    if (threads > 1)
      m->thread_grads[t] = g_new0(float, MAX(1, m->n_params));
  }
}

gboolean patina_model_reserve(PatinaModel *m, int batch, GError **error)
{
  if (batch <= m->capacity)
    return TRUE;
  free_batch_state(m);
  g_clear_pointer(&m->backward_a, g_free);
  g_clear_pointer(&m->backward_b, g_free);
  gsize widest = (gsize) m->in_c * m->in_h * m->in_w * batch;
  gboolean ok = TRUE;
  for (int i = 0; i < m->n_layers; i++) {
    PatinaLayer *l = &m->layers[i];
    gsize n_out = out_len(l) * batch;
    widest = MAX(widest, n_out);
    if (i > 0 && is_view(m, i))
      l->out = m->layers[i - 1].out;
    else if (l->type == PATINA_LAYER_FLATTEN)
      l->out = NULL; /* flatten of the input itself: forward points it at x */
    else
      ok &= (l->out = g_try_new(float, n_out)) != NULL;
    if (l->type == PATINA_LAYER_MAXPOOL2D)
      ok &= (l->argmax = g_try_new(int32_t, n_out)) != NULL;
    if (l->type == PATINA_LAYER_DROPOUT)
      ok &= (l->mask = g_try_new(float, n_out)) != NULL;
    if (l->type == PATINA_LAYER_BATCHNORM2D) {
      l->save_mean = g_new(float, l->in_c);
      l->save_invstd = g_new(float, l->in_c);
    }
  }
  m->backward_a = g_try_new(float, widest);
  m->backward_b = g_try_new(float, widest);
  m->dinput = g_try_new(float, (gsize) m->in_c * m->in_h * m->in_w * batch);
  ok &= m->backward_a && m->backward_b && m->dinput;
  m->capacity = batch;
  if (!ok) {
    free_batch_state(m);
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_FAILED,
                "not enough memory for a batch of %d at %d×%d×%d", batch, m->in_c, m->in_h,
                m->in_w);
    return FALSE;
  }
  return TRUE;
}

void patina_model_zero_grad(PatinaModel *m)
{
  memset(m->grads, 0, sizeof(float) * m->n_params);
}

int patina_model_n_classes(const PatinaModel *m)
{
  return MAX(2, m->n_outputs);
}

void patina_model_probabilities(const PatinaModel *m, const float *logits, int n, float *probs)
{
  if (m->n_outputs == 1) {
    for (int i = 0; i < n; i++) {
      float p;
      patina_sigmoid_forward(1, logits + i, &p);
      probs[2 * i] = 1.0f - p;
      probs[2 * i + 1] = p;
    }
  } else {
    patina_softmax_forward(n, m->n_outputs, logits, probs);
  }
}

/* ---- forward ---- */

typedef struct {
  PatinaModel *model;
  PatinaLayer *layer;
  const float *x;
  float *dx;     /* backward: gradient w.r.t. the layer's input (zeroed here), or NULL */
  const float *dy;
  int n;
  PatinaLayer *fused_pool; /* forward: conv also pools each image after its ReLU */
  gboolean fuse_relu; /* forward: conv applies the next layer's ReLU; backward: pool applies
                         the previous layer's ReLU mask */
} Job;

static void chunk(int n, int worker, int n_workers, int *lo, int *hi)
{
  *lo = (int) ((gint64) n * worker / n_workers);
  *hi = (int) ((gint64) n * (worker + 1) / n_workers);
}

static void forward_chunk(int worker, int n_workers, gpointer data)
{
  Job *j = data;
  PatinaLayer *l = j->layer;
  int lo, hi;
  chunk(j->n, worker, n_workers, &lo, &hi);
  int cnt = hi - lo;
  if (cnt <= 0)
    return;
  const float *x = j->x + lo * in_len(l);
  float *y = l->out + lo * out_len(l);
  gsize len = (gsize) cnt * in_len(l);
  switch (l->type) {
  case PATINA_LAYER_CONV2D:
    for (int i = 0; i < cnt; i++) {
      float *yi = y + i * out_len(l);
      patina_conv2d_forward(&l->conv, 1, x + i * in_len(l), l->weight, l->bias, yi,
                            j->model->thread_col[worker]);
      if (j->fuse_relu)
        patina_relu_forward(out_len(l), yi, yi);
      if (j->fused_pool) {
        PatinaLayer *p = j->fused_pool;
        gsize at = (gsize) (lo + i) * out_len(p);
        patina_maxpool2d_forward(1, p->in_c, p->in_h, p->in_w, p->kernel, p->stride, yi,
                                 p->out + at, p->argmax + at);
      }
    }
    break;
  case PATINA_LAYER_DENSE:
    patina_dense_forward(cnt, l->in_c, l->out_c, x, l->weight, l->bias, y);
    break;
  case PATINA_LAYER_RELU:
    patina_relu_forward(len, x, y);
    break;
  case PATINA_LAYER_LEAKY_RELU:
    patina_leaky_relu_forward(len, l->slope, x, y);
    break;
  case PATINA_LAYER_SIGMOID:
    patina_sigmoid_forward(len, x, y);
    break;
  case PATINA_LAYER_TANH:
    patina_tanh_forward(len, x, y);
    break;
  case PATINA_LAYER_MAXPOOL2D:
    patina_maxpool2d_forward(cnt, l->in_c, l->in_h, l->in_w, l->kernel, l->stride, x, y,
                             l->argmax + lo * out_len(l));
    break;
  case PATINA_LAYER_SOFTMAX:
    patina_softmax_forward(cnt, l->in_c, x, y);
    break;
  default:
    g_assert_not_reached();
  }
}

const float *patina_model_forward(PatinaModel *m, const float *x, int n, gboolean train,
                                  PatinaRng *rng, GError **error)
{
  if (!patina_model_reserve(m, n, error))
    return NULL;
  m->last_train = train;
  const float *cur = x;
  for (int i = 0; i < m->n_layers; i++) {
    PatinaLayer *l = &m->layers[i];
    gsize len = (gsize) n * out_len(l);
    switch (l->type) {
    case PATINA_LAYER_FLATTEN:
      if (i == 0)
        l->out = (float *) x; /* a view of the caller's input, never written */
      break;
    case PATINA_LAYER_BATCHNORM2D:
      if (train) {
        patina_batchnorm2d_forward_train(n, l->in_c, l->in_h * l->in_w, l->eps, l->momentum, cur,
                                         l->weight, l->bias, l->running_mean, l->running_var,
                                         l->out, l->save_mean, l->save_invstd);
        l->num_batches_tracked++;
      } else {
        patina_batchnorm2d_forward_eval(n, l->in_c, l->in_h * l->in_w, l->eps, cur, l->weight,
                                        l->bias, l->running_mean, l->running_var, l->out);
      }
      break;
    case PATINA_LAYER_DROPOUT:
      /* one thread: the mask's draws must come from the run's stream in a fixed order */
      if (train && l->p > 0.0f)
        patina_dropout_forward(len, l->p, rng, cur, l->out, l->mask);
      else
        memmove(l->out, cur, sizeof(float) * len);
      break;
    default: {
      if (relu_fused_into_conv(m, i) || pool_fused_into_conv(m, i))
        break;
      Job job = {.model = m, .layer = l, .x = cur, .n = n,
                 .fuse_relu = i + 1 < m->n_layers && relu_fused_into_conv(m, i + 1),
                 .fused_pool = i + 2 < m->n_layers && pool_fused_into_conv(m, i + 2)
                                 ? &m->layers[i + 2] : NULL};
      patina_pool_run(m->pool, forward_chunk, &job);
    }
    }
    cur = l->out;
  }
  return cur;
}

/* ---- backward ---- */

static float *thread_grad(PatinaModel *m, int worker, float *grad)
{
  if (!grad || m->threads == 1)
    return grad;
  return m->thread_grads[worker] + (grad - m->grads);
}

static void backward_chunk(int worker, int n_workers, gpointer data)
{
  Job *j = data;
  PatinaModel *m = j->model;
  PatinaLayer *l = j->layer;
  int lo, hi;
  chunk(j->n, worker, n_workers, &lo, &hi);
  int cnt = hi - lo;
  if (cnt <= 0)
    return;
  const float *x = j->x + lo * in_len(l);
  const float *dy = j->dy + lo * out_len(l);
  float *dx = j->dx ? j->dx + lo * in_len(l) : NULL;
  if (dx)
    memset(dx, 0, sizeof(float) * cnt * in_len(l));
  float *dw = m->input_grad_only ? NULL : thread_grad(m, worker, l->dweight);
  float *db = m->input_grad_only ? NULL : thread_grad(m, worker, l->dbias);
  switch (l->type) {
  case PATINA_LAYER_CONV2D:
    patina_conv2d_backward(&l->conv, cnt, x, l->weight, dy, dw, db, dx, m->thread_col[worker]);
    break;
  case PATINA_LAYER_DENSE:
    patina_dense_backward(cnt, l->in_c, l->out_c, x, l->weight, dy, dw, db, dx);
    break;
  case PATINA_LAYER_MAXPOOL2D:
    if (j->fuse_relu) {
      float *g = (float *) dy; /* the model's own gradient buffer */
      const float *pooled = l->out + lo * out_len(l);
      for (gsize i = 0; i < cnt * out_len(l); i++)
        g[i] = pooled[i] > 0.0f ? g[i] : 0.0f;
    }
    patina_maxpool2d_backward(cnt, l->in_c, l->in_h, l->in_w, l->kernel, l->stride,
                              l->argmax + lo * out_len(l), dy, dx);
    break;
  default:
    g_assert_not_reached();
  }
}

/* Elementwise layers rewrite the gradient in place: dx and dy are the same buffer. */
static void inplace_chunk(int worker, int n_workers, gpointer data)
{
  Job *j = data;
  PatinaLayer *l = j->layer;
  int lo, hi;
  chunk(j->n, worker, n_workers, &lo, &hi);
  gsize off = lo * out_len(l), len = (gsize) (hi - lo) * out_len(l);
  float *g = j->dx + off;
  const float *y = l->out + off, *x = j->x + off;
  switch (l->type) {
  case PATINA_LAYER_RELU:
    for (gsize i = 0; i < len; i++)
      g[i] = y[i] > 0.0f ? g[i] : 0.0f;
    break;
  case PATINA_LAYER_LEAKY_RELU:
    for (gsize i = 0; i < len; i++)
      g[i] = x[i] > 0.0f ? g[i] : g[i] * l->slope;
    break;
  case PATINA_LAYER_SIGMOID:
    for (gsize i = 0; i < len; i++)
      g[i] *= y[i] * (1.0f - y[i]);
    break;
  case PATINA_LAYER_TANH:
    for (gsize i = 0; i < len; i++)
      g[i] *= 1.0f - y[i] * y[i];
    break;
  case PATINA_LAYER_DROPOUT:
    for (gsize i = 0; i < len; i++)
      g[i] *= l->mask[off + i];
    break;
  case PATINA_LAYER_SOFTMAX:
    for (int r = 0; r < hi - lo; r++) {
      float *gr = g + (gsize) r * l->out_c;
      const float *yr = y + (gsize) r * l->out_c;
      double dot = 0.0;
      for (int c = 0; c < l->out_c; c++)
        dot += gr[c] * yr[c];
      for (int c = 0; c < l->out_c; c++)
        gr[c] = yr[c] * (gr[c] - (float) dot);
    }
    break;
  default:
    g_assert_not_reached();
  }
}

/* Eval-mode batchnorm is an affine map per channel: dx = dy · γ / √(running_var + ε). */
static void batchnorm_eval_backward(const PatinaLayer *l, int n, const float *dy, float *dx)
{
  int hw = l->in_h * l->in_w;
  for (int i = 0; i < n; i++) {
    for (int ch = 0; ch < l->in_c; ch++) {
      float k = l->weight[ch] / sqrtf(l->running_var[ch] + l->eps);
      gsize off = ((gsize) i * l->in_c + ch) * hw;
      for (int j = 0; j < hw; j++)
        dx[off + j] += dy[off + j] * k;
    }
  }
}

static void reduce_chunk(int worker, int n_workers, gpointer data)
{
  PatinaModel *m = data;
  gsize lo = m->n_params * worker / n_workers, hi = m->n_params * (worker + 1) / n_workers;
  for (int t = 0; t < m->threads; t++) {
    float *src = m->thread_grads[t];
    for (gsize i = lo; i < hi; i++)
      m->grads[i] += src[i];
    memset(src + lo, 0, sizeof(float) * (hi - lo));
  }
}

/* Backward through the layers after `stop` (-1: all of them); when want_dx, returns the buffer
 * holding the gradient w.r.t. the input of layer stop + 1 (else what it returns is scratch). */
static float *backward_after(PatinaModel *m, const float *x, const float *dlogits, int n,
                             int stop, gboolean want_dx)
{
  PatinaLayer *last = &m->layers[m->n_layers - 1];
  float *cur = m->backward_a, *other = m->backward_b;
  memcpy(cur, dlogits, sizeof(float) * n * out_len(last));
  for (int i = m->n_layers - 1; i > stop; i--) {
    PatinaLayer *l = &m->layers[i];
    const float *input = i > 0 ? m->layers[i - 1].out : x;
    gboolean need_dx = i > stop + 1 || want_dx;
    Job job = {.model = m, .layer = l, .x = input, .n = n};
    switch (l->type) {
    case PATINA_LAYER_FLATTEN:
      break;
    case PATINA_LAYER_DROPOUT:
      if (m->last_train && l->p > 0.0f) {
        job.dx = cur;
        patina_pool_run(m->pool, inplace_chunk, &job);
      }
      break;
    case PATINA_LAYER_BATCHNORM2D:
      if (need_dx)
        memset(other, 0, sizeof(float) * n * in_len(l));
      if (m->last_train)
        patina_batchnorm2d_backward(n, l->in_c, l->in_h * l->in_w, input, l->weight,
                                    l->save_mean, l->save_invstd, cur, need_dx ? other : NULL,
                                    m->input_grad_only ? NULL : l->dweight,
                                    m->input_grad_only ? NULL : l->dbias);
      else if (need_dx)
        batchnorm_eval_backward(l, n, cur, other);
      if (need_dx) {
        float *t = cur;
        cur = other, other = t;
      }
      break;
    case PATINA_LAYER_CONV2D:
    case PATINA_LAYER_DENSE:
    case PATINA_LAYER_MAXPOOL2D: {
      job.dy = cur;
      job.dx = need_dx ? other : NULL;
      /* the ReLU's mask belongs to the ReLU's own backward, not run when it is the stop */
      job.fuse_relu = pool_masks_relu(m, i) && i - 1 > stop;
      patina_pool_run(m->pool, backward_chunk, &job);
      float *t = cur;
      cur = other, other = t;
      break;
    }
    default:
      if (i + 1 < m->n_layers && pool_masks_relu(m, i + 1))
        break;
      job.dx = cur;
      patina_pool_run(m->pool, inplace_chunk, &job);
    }
  }
  if (m->threads > 1 && !m->input_grad_only)
    patina_pool_run(m->pool, reduce_chunk, m);
  return cur;
}

void patina_model_backward(PatinaModel *m, const float *x, const float *dlogits, int n,
                           gboolean want_dinput)
{
  float *dx = backward_after(m, x, dlogits, n, -1, want_dinput);
  if (want_dinput)
    memcpy(m->dinput, dx, sizeof(float) * n * m->in_c * m->in_h * m->in_w);
}

void patina_model_backward_to_layer(PatinaModel *m, const float *dlogits, int n, int layer,
                                    float *dout)
{
  g_return_if_fail(layer >= 0 && layer < m->n_layers);
  gboolean input_grad_only = m->input_grad_only;
  m->input_grad_only = TRUE;
  float *d = backward_after(m, NULL, dlogits, n, layer, TRUE);
  m->input_grad_only = input_grad_only;
  memcpy(dout, d, sizeof(float) * n * out_len(&m->layers[layer]));
}
