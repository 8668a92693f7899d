/* Grad-CAM and Grad-CAM++ (see gradcam.h for which tensor and which score).
 *
 * The gradient at the activation, dScore/dA, comes from patina_model_backward_to_layer: only
 * the layers after A run backward, and no parameter gradient is made. (It used to come from a
 * copy of those layers as a model of their own: copying the 3.4 M parameters and running their
 * forward a second time was half of a Grad-CAM.) */
#include "gradcam.h"

#include <math.h>
#include <string.h>

#include "data/image.h"

static gboolean is_activation_after_conv(PatinaLayerType t)
{
  return t == PATINA_LAYER_RELU || t == PATINA_LAYER_LEAKY_RELU;
}

PatinaCamLayer *patina_cam_layers(const PatinaModel *m, int *n_out)
{
  GArray *a = g_array_new(FALSE, TRUE, sizeof(PatinaCamLayer));
  for (int i = 0; i < m->n_layers; i++) {
    if (m->layers[i].type != PATINA_LAYER_CONV2D)
      continue;
    int act = i;
    if (act + 1 < m->n_layers && m->layers[act + 1].type == PATINA_LAYER_BATCHNORM2D &&
        act + 2 < m->n_layers && is_activation_after_conv(m->layers[act + 2].type))
      act += 2;
    else if (act + 1 < m->n_layers && is_activation_after_conv(m->layers[act + 1].type))
      act += 1;
    const PatinaLayer *l = &m->layers[act];
    PatinaCamLayer c = {
      .name = g_strdup_printf("conv%u", a->len + 1), .conv_index = i, .act_index = act,
      .channels = l->out_c, .height = l->out_h, .width = l->out_w,
    };
    g_array_append_val(a, c);
  }
  *n_out = (int) a->len;
  return (PatinaCamLayer *) g_array_free(a, FALSE);
}

void patina_cam_layers_free(PatinaCamLayer *layers, int n)
{
  for (int i = 0; layers && i < n; i++)
    g_free(layers[i].name);
  g_free(layers);
}

static char *describe_layers(const PatinaCamLayer *layers, int n)
{
  GString *s = g_string_new(NULL);
  for (int i = 0; i < n; i++)
    g_string_append_printf(s, "%s%s (layer %d, %d×%d×%d)", i ? ", " : "", layers[i].name,
                           layers[i].conv_index, layers[i].channels, layers[i].height,
                           layers[i].width);
  return g_string_free(s, FALSE);
}

int patina_cam_find_layer(const PatinaModel *m, const char *name, GError **error)
{
  int n;
  PatinaCamLayer *layers = patina_cam_layers(m, &n);
  int found = -1;
  if (n == 0) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "model \"%s\" has no conv layers: Grad-CAM needs one", m->name);
    goto out;
  }
  if (!name) {
    found = n - 1;
    goto out;
  }
  for (int i = 0; i < n; i++)
    if (!g_ascii_strcasecmp(name, layers[i].name))
      found = i;
  guint64 index;
  if (found < 0 && g_ascii_string_to_unsigned(name, 10, 0, G_MAXINT, &index, NULL)) {
    for (int i = 0; i < n; i++)
      if (layers[i].conv_index == (int) index)
        found = i;
    if (found < 0) {
      g_autofree char *valid = describe_layers(layers, n);
      if ((int) index < m->n_layers)
        g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                    "layer %d is %s, not a convolution; Grad-CAM takes %s", (int) index,
                    patina_layer_type_name(m->layers[index].type), valid);
      else
        g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                    "model \"%s\" has no layer %d (it has %d); Grad-CAM takes %s", m->name,
                    (int) index, m->n_layers, valid);
      goto out;
    }
  }
  if (found < 0) {
    g_autofree char *valid = describe_layers(layers, n);
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "no layer \"%s\" in model \"%s\"; Grad-CAM takes %s", name, m->name, valid);
  }
out:
  patina_cam_layers_free(layers, n);
  return found;
}

static void compute_weights(PatinaCamMethod method, const float *act, const float *grad, int c,
                            int hw, float *weights)
{
  for (int k = 0; k < c; k++) {
    const float *ak = act + (gsize) k * hw, *gk = grad + (gsize) k * hw;
    double w = 0.0;
    if (method == PATINA_CAM_GRADCAM) {
      for (int j = 0; j < hw; j++)
        w += gk[j];
      w /= hw;
    } else {
      double sum_a = 0.0;
      for (int j = 0; j < hw; j++)
        sum_a += ak[j];
      for (int j = 0; j < hw; j++) {
        double g = gk[j];
        if (g <= 0.0) /* relu(g) = 0, and g = 0 is defined as 0 */
          continue;
        double g2 = g * g;
        w += g * g2 / (2.0 * g2 + sum_a * g2 * g + 1e-6);
      }
    }
    weights[k] = (float) w;
  }
}

gboolean patina_cam_compute(PatinaModel *m, const float *x, int layer, int klass,
                            PatinaCamMethod method, PatinaCam *cam, GError **error)
{
  memset(cam, 0, sizeof *cam);
  int n_layers;
  PatinaCamLayer *layers = patina_cam_layers(m, &n_layers);
  if (layer < 0 || layer >= n_layers) {
    g_autofree char *valid = describe_layers(layers, n_layers);
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                n_layers ? "Grad-CAM layer %d out of range; the model has %s"
                         : "Grad-CAM layer %d: the model has no conv layers%s",
                layer, valid);
    patina_cam_layers_free(layers, n_layers);
    return FALSE;
  }
  PatinaCamLayer chosen = layers[layer];
  chosen.name = g_strdup(chosen.name);
  patina_cam_layers_free(layers, n_layers);
  int classes = patina_model_n_classes(m);
  if (klass < 0 || klass >= classes) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "class %d out of range: the model has %d classes (0 to %d)", klass, classes,
                classes - 1);
    g_free(chosen.name);
    return FALSE;
  }
  cam->layer = chosen;
  cam->klass = klass;
  cam->method = method;
  g_autofree float *probs = g_new(float, classes);
  g_autofree float *dlogits = g_new0(float, m->n_outputs);
  g_autofree float *act = NULL, *grad = NULL;

  const float *logits = patina_model_forward(m, x, 1, FALSE, NULL, error);
  if (!logits)
    goto fail;
  patina_model_probabilities(m, logits, 1, probs);
  cam->probability = probs[klass];
  if (m->n_outputs == 1) {
    dlogits[0] = klass == 1 ? 1.0f : -1.0f;
    cam->score = klass == 1 ? logits[0] : -logits[0];
  } else {
    dlogits[klass] = 1.0f;
    cam->score = logits[klass];
  }
  int c = chosen.channels, hw = chosen.height * chosen.width;
  act = g_memdup2(m->layers[chosen.act_index].out, sizeof(float) * c * hw);
  grad = g_new(float, (gsize) c * hw);
  patina_model_backward_to_layer(m, dlogits, 1, chosen.act_index, grad);
  cam->weights = g_new(float, c);
  compute_weights(method, act, grad, c, hw, cam->weights);

  cam->map = g_new(float, hw);
  for (int j = 0; j < hw; j++) {
    double s = 0.0;
    for (int k = 0; k < c; k++)
      s += (double) cam->weights[k] * act[(gsize) k * hw + j];
    cam->map[j] = s > 0.0 ? (float) s : 0.0f;
  }
  return TRUE;
fail:
  patina_cam_clear(cam);
  return FALSE;
}

void patina_cam_clear(PatinaCam *cam)
{
  g_clear_pointer(&cam->layer.name, g_free);
  g_clear_pointer(&cam->map, g_free);
  g_clear_pointer(&cam->weights, g_free);
}

float *patina_cam_upsample(const PatinaCam *cam, int width, int height)
{
  float *up = g_new(float, (gsize) width * height);
  patina_resize_bilinear(cam->map, cam->layer.width, cam->layer.height, up, width, height);
  float mx = 0.0f;
  for (gsize i = 0; i < (gsize) width * height; i++)
    mx = MAX(mx, up[i]);
  if (mx > 0.0f)
    for (gsize i = 0; i < (gsize) width * height; i++)
      up[i] /= mx;
  return up;
}

cairo_surface_t *patina_overlay_render(const float *gray, const float *values, int width,
                                       int height, float lo, float hi,
                                       const PatinaColormap *cmap, double opacity)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    return NULL;
  }
  opacity = CLAMP(opacity, 0.0, 1.0);
  float span = hi > lo ? hi - lo : 1.0f;
  guint8 *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < height; y++) {
    guint32 *row = (guint32 *) (data + (gsize) y * stride);
    for (int x = 0; x < width; x++) {
      gsize i = (gsize) y * width + x;
      guint8 rgb[3];
      patina_colormap_map(cmap, (values[i] - lo) / span, FALSE, rgb);
      double g = CLAMP(gray[i], 0.0f, 1.0f) * 255.0;
      guint32 px = 0xFF000000u;
      for (int ch = 0; ch < 3; ch++) {
        double v = (1.0 - opacity) * g + opacity * rgb[ch];
        px |= (guint32) lround(CLAMP(v, 0.0, 255.0)) << (16 - 8 * ch);
      }
      row[x] = px;
    }
  }
  cairo_surface_mark_dirty(s);
  return s;
}

float *patina_cam_input(const PatinaModel *m, const PatinaGray *img)
{
  gsize plane = (gsize) m->in_h * m->in_w;
  float *x = g_new(float, plane * m->in_c);
  patina_resize_bilinear(img->pixels, img->width, img->height, x, m->in_w, m->in_h);
  for (int c = 1; c < m->in_c; c++)
    memcpy(x + c * plane, x, sizeof(float) * plane);
  return x;
}

void patina_cam_display_size(const PatinaGray *img, int max_side, int *w, int *h)
{
  *w = img->width, *h = img->height;
  if (max_side > 0 && MAX(*w, *h) > max_side) {
    double f = (double) max_side / MAX(*w, *h);
    *w = MAX(1, (int) lround(*w * f));
    *h = MAX(1, (int) lround(*h * f));
  }
}

cairo_surface_t *patina_cam_overlay(const PatinaGray *img, const PatinaCam *cam,
                                    const PatinaColormap *cmap, double opacity, int max_side)
{
  int w, h;
  patina_cam_display_size(img, max_side, &w, &h);
  const float *gray = img->pixels;
  g_autofree float *scaled = NULL;
  if (w != img->width || h != img->height) {
    scaled = g_new(float, (gsize) w * h);
    patina_resize_for_display(img->pixels, img->width, img->height, scaled, w, h);
    gray = scaled;
  }
  g_autofree float *up = patina_cam_upsample(cam, w, h);
  return patina_overlay_render(gray, up, w, h, 0.0f, 1.0f, cmap, opacity);
}

/* Weights of the source pixels [lo, hi) that output pixel i covers along one axis, as the
 * covered length of each. */
static void footprint(int i, double scale, int src_len, int *lo, int *hi)
{
  *lo = (int) floor(i * scale);
  *hi = MIN(src_len, (int) ceil((i + 1) * scale));
  *hi = MAX(*hi, *lo + 1);
}

static double overlap(int p, int i, double scale)
{
  double a = MAX((double) p, i * scale), b = MIN(p + 1.0, (i + 1) * scale);
  return MAX(0.0, b - a);
}

void patina_resize_for_display(const float *src, int sw, int sh, float *dst, int dw, int dh)
{
  if (dw >= sw || dh >= sh) {
    patina_resize_bilinear(src, sw, sh, dst, dw, dh);
    return;
  }
  double sx = (double) sw / dw, sy = (double) sh / dh;
  for (int y = 0; y < dh; y++) {
    int y0, y1;
    footprint(y, sy, sh, &y0, &y1);
    for (int x = 0; x < dw; x++) {
      int x0, x1;
      footprint(x, sx, sw, &x0, &x1);
      double sum = 0.0, wsum = 0.0;
      for (int py = y0; py < y1; py++) {
        double wy = overlap(py, y, sy);
        for (int px = x0; px < x1; px++) {
          double w = wy * overlap(px, x, sx);
          sum += w * src[(gsize) py * sw + px];
          wsum += w;
        }
      }
      dst[(gsize) y * dw + x] = (float) (wsum > 0.0 ? sum / wsum : 0.0);
    }
  }
}

static cairo_status_t append_png(void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append(closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

gboolean patina_surface_save_png(cairo_surface_t *surface, const char *path, GError **error)
{
  g_autoptr(GByteArray) png = g_byte_array_new();
  cairo_status_t st = cairo_surface_write_to_png_stream(surface, append_png, png);
  if (st != CAIRO_STATUS_SUCCESS) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_FAILED, "%s: cannot encode the PNG (%s)",
                path, cairo_status_to_string(st));
    return FALSE;
  }
  return g_file_set_contents(path, (const char *) png->data, png->len, error);
}
