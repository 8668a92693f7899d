/* Model checkpoints as .safetensors, laid out as the equivalent PyTorch nn.Sequential's
 * state_dict so a file moves between Patina and PyTorch unchanged.
 *
 * Loading is all-or-nothing: every tensor the model expects is found, checked (dtype, exact
 * shape, finite values, non-negative variances) and converted into staging buffers first;
 * only when all of them pass are they copied into the model, so a refused file leaves the
 * model as it was. Tensors the model does not expect (an optimizer state, a test's "input")
 * are ignored, as names are looked up, never enumerated. */
#include "checkpoint.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "nn/safetensors.h"

/* One tensor of the state_dict and where it lives in the model. */
typedef struct {
  char name[48];
  PatinaDtype dtype; /* F32, or I64 for num_batches_tracked */
  int ndim;
  gint64 shape[4];
  gsize len;         /* elements */
  float *f32;        /* destination in the model (F32) */
  gint64 *i64;       /* destination in the model (I64) */
  gboolean variance; /* running_var: must not be negative */
} Expected;

static void
expect_f32(GArray *out, int index, const char *suffix, float *dst, int ndim, const gint64 *shape,
           gboolean variance)
{
  Expected e = { .dtype = PATINA_DTYPE_F32, .ndim = ndim, .f32 = dst, .variance = variance };
  g_snprintf(e.name, sizeof e.name, "%d.%s", index, suffix);
  e.len = 1;
  for (int i = 0; i < ndim; i++) {
    e.shape[i] = shape[i];
    e.len *= (gsize) shape[i];
  }
  g_array_append_val(out, e);
}

/* The model's state_dict entries in PyTorch's order (weight, bias, running_mean, running_var,
 * num_batches_tracked per module). */
static GArray *
expected_tensors(PatinaModel *model, GError **error)
{
  g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(Expected));
  for (int i = 0; i < model->n_layers; i++) {
    PatinaLayer *l = &model->layers[i];
    if (!l->weight_len && !l->bias_len)
      continue;
    gint64 wshape[4], bshape[1] = { l->out_c };
    int wdim;
    switch (l->type) {
    case PATINA_LAYER_CONV2D:
      wdim = 4;
      wshape[0] = l->conv.out_c, wshape[1] = l->conv.in_c;
      wshape[2] = l->conv.kh, wshape[3] = l->conv.kw;
      break;
    case PATINA_LAYER_DENSE:
      wdim = 2;
      wshape[0] = l->out_c, wshape[1] = (gint64) l->in_c * l->in_h * l->in_w;
      break;
    case PATINA_LAYER_BATCHNORM2D:
      wdim = 1;
      wshape[0] = bshape[0] = l->in_c;
      break;
    default:
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_FAILED,
                  "layer %d (%s) has parameters that checkpoints do not know how to name",
                  l->index, patina_layer_type_name(l->type));
      return NULL;
    }
    /* The model and this table must agree; a disagreement is a bug, reported not crashed. */
    gsize wlen = 1;
    for (int d = 0; d < wdim; d++)
      wlen *= (gsize) wshape[d];
    if (wlen != l->weight_len || (l->bias_len && (gsize) bshape[0] != l->bias_len)) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_FAILED,
                  "layer %d (%s): %" G_GSIZE_FORMAT " weights do not match its shape",
                  l->index, patina_layer_type_name(l->type), l->weight_len);
      return NULL;
    }
    expect_f32(out, l->index, "weight", l->weight, wdim, wshape, FALSE);
    if (l->bias_len)
      expect_f32(out, l->index, "bias", l->bias, 1, bshape, FALSE);
    if (l->type == PATINA_LAYER_BATCHNORM2D) {
      expect_f32(out, l->index, "running_mean", l->running_mean, 1, bshape, FALSE);
      expect_f32(out, l->index, "running_var", l->running_var, 1, bshape, TRUE);
      Expected e = { .dtype = PATINA_DTYPE_I64, .ndim = 0, .len = 1,
                     .i64 = &l->num_batches_tracked };
      g_snprintf(e.name, sizeof e.name, "%d.num_batches_tracked", l->index);
      g_array_append_val(out, e);
    }
  }
  return g_steal_pointer(&out);
}

static float
half_to_float(guint16 h)
{
  guint32 sign = (guint32) (h >> 15) << 31, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float f;
  if (exp == 0) {
    f = ldexpf((float) mant, -24); /* zero or subnormal */
  } else if (exp == 31) {
    f = mant ? NAN : INFINITY;
  } else {
    f = ldexpf((float) (mant | 0x400), (int) exp - 25);
  }
  return sign ? -f : f;
}

void
patina_checkpoint_meta_clear(PatinaCheckpointMeta *meta)
{
  if (!meta)
    return;
  g_clear_pointer(&meta->class_names, g_strfreev);
  g_clear_pointer(&meta->hyperparameters_json, g_free);
  g_clear_pointer(&meta->history_csv, g_free);
}

static char *
shape_str(int ndim, const gint64 *shape)
{
  return patina_safetensors_shape_string(ndim, shape);
}

/* Checks and converts every expected tensor of st, then copies them all into the model. */
static gboolean
load_state_from(PatinaModel *model, const PatinaSafetensors *st, GError **error)
{
  const char *what = patina_safetensors_what(st);
  g_autoptr(GArray) expected = expected_tensors(model, error);
  if (!expected)
    return FALSE;
  g_autoptr(GPtrArray) staged = g_ptr_array_new_with_free_func(g_free);

  for (guint t = 0; t < expected->len; t++) {
    const Expected *e = &g_array_index(expected, Expected, t);
    g_autofree char *want = shape_str(e->ndim, e->shape);
    const PatinaTensorView *v = patina_safetensors_get(st, e->name);
    if (!v) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_MISMATCH,
                  "%s: tensor \"%s\" is missing (the model expects %s %s); the file holds "
                  "another architecture", what, e->name,
                  patina_safetensors_dtype_name(e->dtype), want);
      return FALSE;
    }
    gboolean same = v->ndim == e->ndim;
    for (int d = 0; same && d < e->ndim; d++)
      same = v->shape[d] == e->shape[d];
    if (!same) {
      g_autofree char *have = shape_str(v->ndim, v->shape);
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_MISMATCH,
                  "%s: tensor \"%s\" has shape %s but the model expects %s", what, e->name, have,
                  want);
      return FALSE;
    }

    if (e->dtype == PATINA_DTYPE_I64) {
      if (v->dtype != PATINA_DTYPE_I64) {
        g_set_error(error, PATINA_ERROR, PATINA_ERROR_MISMATCH,
                    "%s: tensor \"%s\" has dtype %s but the model expects I64", what, e->name,
                    patina_safetensors_dtype_name(v->dtype));
        return FALSE;
      }
      gint64 *n = g_new(gint64, 1);
      memcpy(n, v->data, sizeof *n);
      g_ptr_array_add(staged, n);
      if (*n < 0) {
        g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                    "%s: tensor \"%s\" is negative (%" G_GINT64_FORMAT "); it counts batches",
                    what, e->name, *n);
        return FALSE;
      }
      continue;
    }

    /* Like PyTorch's load_state_dict, a half or double precision tensor is converted. */
    float *x = g_try_new(float, MAX(e->len, 1));
    if (!x) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_FAILED, "%s: out of memory for tensor \"%s\"",
                  what, e->name);
      return FALSE;
    }
    g_ptr_array_add(staged, x);
    switch (v->dtype) {
    case PATINA_DTYPE_F32:
      memcpy(x, v->data, e->len * sizeof(float));
      break;
    case PATINA_DTYPE_F64:
      for (gsize i = 0; i < e->len; i++)
        x[i] = (float) ((const double *) v->data)[i];
      break;
    case PATINA_DTYPE_F16:
      for (gsize i = 0; i < e->len; i++)
        x[i] = half_to_float(((const guint16 *) v->data)[i]);
      break;
    case PATINA_DTYPE_I64:
    default:
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_MISMATCH,
                  "%s: tensor \"%s\" has dtype %s but the model expects F32", what, e->name,
                  patina_safetensors_dtype_name(v->dtype));
      return FALSE;
    }
    for (gsize i = 0; i < e->len; i++) {
      if (!isfinite(x[i])) {
        g_set_error(error, PATINA_ERROR, PATINA_ERROR_NUMERIC,
                    "%s: tensor \"%s\" holds NaN or infinity (element %" G_GSIZE_FORMAT ")%s",
                    what, e->name, i,
                    v->dtype == PATINA_DTYPE_F64 ? ", or a double beyond float's range" : "");
        return FALSE;
      }
      if (e->variance && x[i] < 0) {
        g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                    "%s: tensor \"%s\" holds a negative variance (element %" G_GSIZE_FORMAT ")",
                    what, e->name, i);
        return FALSE;
      }
    }
  }

  for (guint t = 0; t < expected->len; t++) {
    const Expected *e = &g_array_index(expected, Expected, t);
    if (e->dtype == PATINA_DTYPE_I64)
      memcpy(e->i64, staged->pdata[t], sizeof(gint64));
    else
      memcpy(e->f32, staged->pdata[t], e->len * sizeof(float));
  }
  return TRUE;
}

gboolean
patina_checkpoint_load_state(PatinaModel *model, const char *path, GError **error)
{
  g_return_val_if_fail(model != NULL && path != NULL, FALSE);
  g_autoptr(PatinaSafetensors) st = patina_safetensors_load(path, error);
  if (!st)
    return FALSE;
  return load_state_from(model, st, error);
}

static char *
classes_to_json(const GStrv names)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_array(b);
  for (int i = 0; names[i]; i++)
    json_builder_add_string_value(b, names[i]);
  json_builder_end_array(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  return json_to_string(root, FALSE);
}

/* A JSON array of strings, or NULL and an error. */
static GStrv
classes_from_json(const char *what, const char *text, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  if (!json_parser_load_from_data(parser, text, -1, NULL) ||
      !JSON_NODE_HOLDS_ARRAY(json_parser_get_root(parser))) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: metadata \"patina.classes\" is not a JSON array of class names", what);
    return NULL;
  }
  JsonArray *a = json_node_get_array(json_parser_get_root(parser));
  g_autoptr(GStrvBuilder) sb = g_strv_builder_new();
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonNode *n = json_array_get_element(a, i);
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                  "%s: metadata \"patina.classes\": element %u is not a string", what, i);
      return NULL;
    }
    g_strv_builder_add(sb, json_node_get_string(n));
  }
  return g_strv_builder_end(sb);
}

static gboolean
is_json_object(const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  return json_parser_load_from_data(parser, text, -1, NULL) &&
         JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser));
}

gboolean
patina_checkpoint_save(const PatinaModel *model, const PatinaCheckpointMeta *meta,
                       const char *path, GError **error)
{
  g_return_val_if_fail(model != NULL && path != NULL, FALSE);
  g_autofree char *what = g_filename_display_name(path);
  /* expected_tensors hands out writable pointers for loading; saving only reads them. */
  g_autoptr(GArray) expected = expected_tensors((PatinaModel *) model, error);
  if (!expected)
    return FALSE;

  /* Writing NaN would replace the last good checkpoint with one no loader accepts. */
  for (guint t = 0; t < expected->len; t++) {
    const Expected *e = &g_array_index(expected, Expected, t);
    for (gsize i = 0; e->f32 && i < e->len; i++)
      if (!isfinite(e->f32[i])) {
        g_set_error(error, PATINA_ERROR, PATINA_ERROR_NUMERIC,
                    "Could not save %s: parameter \"%s\" holds NaN or infinity; the previous "
                    "file is kept", what, e->name);
        return FALSE;
      }
  }

  g_autoptr(PatinaSafetensorsWriter) w = patina_safetensors_writer_new();
  patina_safetensors_writer_set_metadata(w, "format", "pt");
  patina_safetensors_writer_set_metadata(w, "patina.spec", model->spec_json);
  if (meta && meta->class_names) {
    guint n = g_strv_length(meta->class_names);
    if ((int) n != patina_model_n_classes(model)) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_MISMATCH,
                  "Could not save %s: %u class names for a model of %d classes", what, n,
                  patina_model_n_classes(model));
      return FALSE;
    }
    g_autofree char *classes = classes_to_json(meta->class_names);
    patina_safetensors_writer_set_metadata(w, "patina.classes", classes);
  }
  g_autofree char *input = g_strdup_printf("[%d, %d, %d]", model->in_c, model->in_h, model->in_w);
  patina_safetensors_writer_set_metadata(w, "patina.input", input);
  /* What data/image.c does to a pixel: luma, repeated per channel, times 1/255. */
  patina_safetensors_writer_set_metadata(w, "patina.normalization",
                                         "{\"scale\": 0.00392156862745098, \"grayscale\": true}");
  if (meta && meta->hyperparameters_json) {
    if (!is_json_object(meta->hyperparameters_json)) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                  "Could not save %s: the hyperparameters are not a JSON object", what);
      return FALSE;
    }
    patina_safetensors_writer_set_metadata(w, "patina.hyperparameters",
                                           meta->hyperparameters_json);
  }
  if (meta && meta->history_csv)
    patina_safetensors_writer_set_metadata(w, "patina.history", meta->history_csv);

  for (guint t = 0; t < expected->len; t++) {
    const Expected *e = &g_array_index(expected, Expected, t);
    patina_safetensors_writer_add(w, e->name, e->dtype, e->ndim, e->shape,
                                  e->dtype == PATINA_DTYPE_I64 ? (const void *) e->i64
                                                               : (const void *) e->f32);
  }
  return patina_safetensors_writer_save(w, path, error);
}

PatinaModel *
patina_checkpoint_load(const char *path, PatinaCheckpointMeta *meta, GError **error)
{
  g_return_val_if_fail(path != NULL, NULL);
  g_autoptr(PatinaSafetensors) st = patina_safetensors_load(path, error);
  if (!st)
    return NULL;
  const char *what = patina_safetensors_what(st);
  const char *spec = patina_safetensors_metadata(st, "patina.spec");
  if (!spec) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: no \"patina.spec\" in the file's metadata, so it is not a Patina checkpoint "
                "(a PyTorch state_dict without it can be loaded into a model of a known spec)",
                what);
    return NULL;
  }
  g_autoptr(GError) local = NULL;
  PatinaModel *model = patina_model_new(spec, &local);
  if (!model) {
    g_set_error(error, local->domain, local->code, "%s: metadata \"patina.spec\": %s", what,
                local->message);
    return NULL;
  }

  PatinaCheckpointMeta m = { 0 };
  const char *input = patina_safetensors_metadata(st, "patina.input");
  if (input) {
    g_autofree char *mine = g_strdup_printf("[%d, %d, %d]", model->in_c, model->in_h, model->in_w);
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    JsonArray *a = NULL;
    if (json_parser_load_from_data(parser, input, -1, NULL) &&
        JSON_NODE_HOLDS_ARRAY(json_parser_get_root(parser)))
      a = json_node_get_array(json_parser_get_root(parser));
    gboolean ok = a && json_array_get_length(a) == 3;
    const int dims[3] = { model->in_c, model->in_h, model->in_w };
    for (guint i = 0; ok && i < 3; i++) {
      JsonNode *n = json_array_get_element(a, i);
      ok = JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64 &&
           json_node_get_int(n) == dims[i];
    }
    if (!ok) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_MISMATCH,
                  "%s: metadata \"patina.input\" is %s but the spec's input is %s", what, input,
                  mine);
      goto fail;
    }
  }
  const char *classes = patina_safetensors_metadata(st, "patina.classes");
  if (classes) {
    m.class_names = classes_from_json(what, classes, error);
    if (!m.class_names)
      goto fail;
    if ((int) g_strv_length(m.class_names) != patina_model_n_classes(model)) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_MISMATCH,
                  "%s: metadata \"patina.classes\" names %u classes but the model has %d", what,
                  g_strv_length(m.class_names), patina_model_n_classes(model));
      goto fail;
    }
  }
  const char *hyper = patina_safetensors_metadata(st, "patina.hyperparameters");
  if (hyper) {
    if (!is_json_object(hyper)) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                  "%s: metadata \"patina.hyperparameters\" is not a JSON object", what);
      goto fail;
    }
    m.hyperparameters_json = g_strdup(hyper);
  }
  m.history_csv = g_strdup(patina_safetensors_metadata(st, "patina.history"));

  if (!load_state_from(model, st, error))
    goto fail;
  /* Filled only on success, and overwritten: the caller clears what it held before. */
  if (meta)
    *meta = m;
  else
    patina_checkpoint_meta_clear(&m);
  return model;

fail:
  patina_checkpoint_meta_clear(&m);
  patina_model_free(model);
  return NULL;
}
