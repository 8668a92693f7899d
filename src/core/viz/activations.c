/* Per-layer outputs of one image, per-channel statistics and the first conv's filters. */
#include "viz/activations.h"

#include <math.h>
#include <string.h>

#include "data/image.h"
#include "nn/ops.h"

static const char *short_kind(PatinaLayerType type)
{
  switch (type) {
  case PATINA_LAYER_CONV2D:
    return "conv";
  case PATINA_LAYER_MAXPOOL2D:
    return "pool";
  case PATINA_LAYER_BATCHNORM2D:
    return "bn";
  case PATINA_LAYER_LEAKY_RELU:
    return "lrelu";
  default:
    return patina_layer_type_name(type);
  }
}

PatinaLayerInfo *patina_layer_infos(const PatinaModel *model)
{
  PatinaLayerInfo *infos = g_new0(PatinaLayerInfo, model->n_layers);
  int count[PATINA_LAYER_SOFTMAX + 1] = {0};
  for (int i = 0; i < model->n_layers; i++) {
    const PatinaLayer *l = &model->layers[i];
    PatinaLayerInfo *info = &infos[i];
    info->index = l->index;
    info->type = l->type;
    info->c = l->out_c, info->h = l->out_h, info->w = l->out_w;
    g_snprintf(info->name, sizeof info->name, "%s%d", short_kind(l->type), ++count[l->type]);
  }
  return infos;
}

char *patina_layer_list_string(const PatinaModel *model, const char *separator)
{
  g_autofree PatinaLayerInfo *infos = patina_layer_infos(model);
  GString *s = g_string_new(NULL);
  for (int i = 0; i < model->n_layers; i++) {
    if (i)
      g_string_append(s, separator);
    if (infos[i].h == 1 && infos[i].w == 1)
      g_string_append_printf(s, "%s %d", infos[i].name, infos[i].c);
    else
      g_string_append_printf(s, "%s %d×%d×%d", infos[i].name, infos[i].c, infos[i].h,
                             infos[i].w);
  }
  return g_string_free(s, FALSE);
}

/* "3", "features.3", "model.layers.3" → 3; -1 when text does not end in a plain index. */
static int index_of(const char *text)
{
  const char *digits = strrchr(text, '.');
  digits = digits ? digits + 1 : text;
  if (!*digits || strspn(digits, "0123456789") != strlen(digits) || strlen(digits) > 6)
    return -1;
  return atoi(digits);
}

int patina_layer_find(const PatinaModel *model, const char *name, GError **error)
{
  g_autofree PatinaLayerInfo *infos = patina_layer_infos(model);
  int index = name ? index_of(name) : -1;
  for (int i = 0; name && i < model->n_layers; i++)
    if (g_ascii_strcasecmp(name, infos[i].name) == 0 || index == infos[i].index)
      return i;
  g_autofree char *valid = patina_layer_list_string(model, ", ");
  g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
              "model %s has no layer \"%s\"; its layers (name, output shape) are: %s "
              "(or their index 0–%d)",
              model->name, name ? name : "", valid, model->n_layers - 1);
  return -1;
}

int patina_layer_first_conv(const PatinaModel *model, GError **error)
{
  for (int i = 0; i < model->n_layers; i++)
    if (model->layers[i].type == PATINA_LAYER_CONV2D)
      return i;
  g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
              "model %s has no convolution layers: there are no feature maps or filters to show",
              model->name);
  return -1;
}

void patina_activations_free(PatinaActivations *acts)
{
  if (!acts)
    return;
  for (int i = 0; acts->outputs && i < acts->n_layers; i++)
    g_free(acts->outputs[i]);
  g_free(acts->outputs);
  g_free(acts->layers);
  g_free(acts->probabilities);
  g_free(acts);
}

/* One layer of an eval-mode forward of a single image, from x into y. */
static void layer_forward(const PatinaLayer *l, const float *x, float *y, float *col,
                          int32_t *argmax)
{
  gsize len = (gsize) l->out_c * l->out_h * l->out_w;
  switch (l->type) {
  case PATINA_LAYER_CONV2D:
    patina_conv2d_forward(&l->conv, 1, x, l->weight, l->bias, y, col);
    break;
  case PATINA_LAYER_DENSE:
    patina_dense_forward(1, l->in_c, l->out_c, x, l->weight, l->bias, y);
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
    patina_maxpool2d_forward(1, l->in_c, l->in_h, l->in_w, l->kernel, l->stride, x, y, argmax);
    break;
  case PATINA_LAYER_BATCHNORM2D:
    patina_batchnorm2d_forward_eval(1, l->in_c, l->in_h * l->in_w, l->eps, x, l->weight, l->bias,
                                    l->running_mean, l->running_var, y);
    break;
  case PATINA_LAYER_SOFTMAX:
    patina_softmax_forward(1, l->in_c, x, y);
    break;
  case PATINA_LAYER_DROPOUT: /* the identity at evaluation */
  case PATINA_LAYER_FLATTEN: /* NCHW is already the flat order */
    memcpy(y, x, len * sizeof(float));
    break;
  }
}

PatinaActivations *patina_activations_compute(const PatinaModel *model, const float *input,
                                              GError **error)
{
  g_autoptr(PatinaActivations) acts = g_new0(PatinaActivations, 1);
  acts->n_layers = model->n_layers;
  acts->layers = patina_layer_infos(model);
  acts->outputs = g_new0(float *, model->n_layers);
  gsize widest = 1;
  for (int i = 0; i < model->n_layers; i++) {
    const PatinaLayer *l = &model->layers[i];
    gsize len = (gsize) l->out_c * l->out_h * l->out_w;
    widest = MAX(widest, len);
    acts->outputs[i] = g_try_new(float, MAX(1, len));
    if (!acts->outputs[i]) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_FAILED,
                  "not enough memory for the output of layer %s (%" G_GSIZE_FORMAT " values)",
                  acts->layers[i].name, len);
      return NULL;
    }
  }
  g_autofree float *col = g_try_new(float, MAX(1, model->col_len));
  g_autofree int32_t *argmax = g_try_new(int32_t, widest);
  if (!col || !argmax) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_FAILED,
                "not enough memory for the forward pass of model %s", model->name);
    return NULL;
  }
  const float *x = input;
  for (int i = 0; i < model->n_layers; i++) {
    layer_forward(&model->layers[i], x, acts->outputs[i], col, argmax);
    x = acts->outputs[i];
  }
  const float *logits = acts->outputs[model->n_layers - 1];
  for (int k = 0; k < model->n_outputs; k++)
    if (!isfinite(logits[k])) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_NUMERIC,
                  "model %s gives a non-finite output for this image", model->name);
      return NULL;
    }
  acts->n_classes = patina_model_n_classes(model);
  acts->probabilities = g_new(float, acts->n_classes);
  patina_model_probabilities(model, logits, 1, acts->probabilities);
  return g_steal_pointer(&acts);
}

double patina_field_width(const PatinaSemInfo *sem, int image_width)
{
  if (!sem || !(sem->pixel_size > 0) || image_width <= 0)
    return 0;
  /* pixel_size refers to full_width pixels when the instrument says so (a JEOL frame saved at
   * another size), else to the decoded image */
  return sem->pixel_size * (sem->full_width > 0 ? sem->full_width : image_width);
}

PatinaActivations *patina_activations_compute_file(const PatinaModel *model, const char *path,
                                                   const PatinaLoadOptions *options,
                                                   double *field_width_m, GError **error)
{
  g_autoptr(PatinaGray) gray = patina_gray_load_full(path, options, error);
  if (!gray)
    return NULL;
  gsize plane = (gsize) model->in_h * model->in_w;
  g_autofree float *input = g_try_new(float, plane * model->in_c);
  if (!input) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_FAILED, "not enough memory for %s", path);
    return NULL;
  }
  patina_resize_bilinear(gray->pixels, gray->width, gray->height, input, model->in_w,
                         model->in_h);
  for (int c = 1; c < model->in_c; c++)
    memcpy(input + c * plane, input, plane * sizeof(float));
  if (field_width_m)
    *field_width_m = patina_field_width(&gray->sem, gray->width);
  g_autoptr(GError) local = NULL;
  PatinaActivations *acts = patina_activations_compute(model, input, &local);
  if (!acts)
    g_set_error(error, local->domain, local->code, "%s: %s", path, local->message);
  return acts;
}

/* ---- statistics ---- */

gboolean patina_channel_order_parse(const char *text, PatinaChannelOrder *order, GError **error)
{
  static const char *const names[] = {"index", "mean", "max", "active"};
  for (guint i = 0; text && i < G_N_ELEMENTS(names); i++)
    if (g_ascii_strcasecmp(text, names[i]) == 0) {
      *order = (PatinaChannelOrder) i;
      return TRUE;
    }
  g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
              "unknown channel order \"%s\"; choose index, mean, max or active", text ? text : "");
  return FALSE;
}

void patina_channel_stats(const float *out, int c, int hw, PatinaChannelStats *stats)
{
  for (int ch = 0; ch < c; ch++) {
    const float *p = out + (gsize) ch * hw;
    double sum = 0;
    float lo = p[0], hi = p[0];
    int active = 0;
    for (int i = 0; i < hw; i++) {
      sum += p[i];
      lo = MIN(lo, p[i]);
      hi = MAX(hi, p[i]);
      active += p[i] > 0.0f;
    }
    stats[ch] = (PatinaChannelStats){
      .channel = ch, .mean = (float) (sum / hw), .min = lo, .max = hi,
      .active = (float) active / hw,
    };
  }
}

static float sort_key(const PatinaChannelStats *s, PatinaChannelOrder order)
{
  switch (order) {
  case PATINA_CHANNEL_ORDER_MEAN:
    return s->mean;
  case PATINA_CHANNEL_ORDER_MAX:
    return s->max;
  case PATINA_CHANNEL_ORDER_ACTIVE:
    return s->active;
  default:
    return -(float) s->channel;
  }
}

static int compare_channels(gconstpointer a, gconstpointer b, gpointer data)
{
  const PatinaChannelStats *sa = a, *sb = b;
  PatinaChannelOrder order = GPOINTER_TO_INT(data);
  float ka = sort_key(sa, order), kb = sort_key(sb, order);
  if (ka != kb)
    return ka > kb ? -1 : 1;
  return sa->channel - sb->channel;
}

int *patina_channel_sort(const PatinaChannelStats *stats, int c, PatinaChannelOrder order)
{
  g_autofree PatinaChannelStats *copy = g_memdup2(stats, sizeof *stats * c);
  g_qsort_with_data(copy, c, sizeof *copy, compare_channels, GINT_TO_POINTER(order));
  int *channels = g_new(int, MAX(1, c));
  for (int i = 0; i < c; i++)
    channels[i] = copy[i].channel;
  return channels;
}

gboolean patina_normalise_parse(const char *text, PatinaNormalise *normalise, GError **error)
{
  if (text && g_ascii_strcasecmp(text, "channel") == 0)
    *normalise = PATINA_NORMALISE_CHANNEL;
  else if (text && g_ascii_strcasecmp(text, "layer") == 0)
    *normalise = PATINA_NORMALISE_LAYER;
  else {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "unknown normalisation \"%s\"; choose channel or layer", text ? text : "");
    return FALSE;
  }
  return TRUE;
}

void patina_channel_range(const float *out, int c, int hw, int channel, PatinaNormalise normalise,
                          float *lo, float *hi)
{
  gsize first = normalise == PATINA_NORMALISE_LAYER ? 0 : (gsize) channel * hw;
  gsize n = normalise == PATINA_NORMALISE_LAYER ? (gsize) c * hw : (gsize) hw;
  float a = INFINITY, b = -INFINITY;
  for (gsize i = first; i < first + n; i++)
    if (isfinite(out[i])) {
      a = MIN(a, out[i]);
      b = MAX(b, out[i]);
    }
  if (a > b) /* nothing finite */
    a = b = 0.0f;
  *lo = a, *hi = b;
}

float *patina_first_conv_filters(const PatinaModel *model, int *n, int *k, GError **error)
{
  int i = patina_layer_first_conv(model, error);
  if (i < 0)
    return NULL;
  const PatinaConvShape *s = &model->layers[i].conv;
  gsize tile = (gsize) s->kh * s->kw;
  float *filters = g_new0(float, s->out_c * tile);
  for (int o = 0; o < s->out_c; o++)
    for (int c = 0; c < s->in_c; c++)
      for (gsize t = 0; t < tile; t++)
        filters[o * tile + t] += model->layers[i].weight[((gsize) o * s->in_c + c) * tile + t];
  *n = s->out_c;
  *k = s->kh; /* the model's convolutions are square */
  return filters;
}
