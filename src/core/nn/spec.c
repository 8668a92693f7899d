/* Model specs: JSON descriptions of sequential networks, and the paper's two CNNs.
 *
 * {"name": "paper", "input": [3, 150, 150], "layers": [
 *    {"type": "conv2d", "out_channels": 32, "kernel": 3, "stride": 1, "padding": 0},
 *    {"type": "relu"}, {"type": "maxpool2d", "kernel": 2}, ..., {"type": "flatten"},
 *    {"type": "dense", "out_features": 512}, {"type": "dropout", "p": 0.5}, ...]}
 *
 * Only output sizes are written down; input sizes follow from the layer before, so changing
 * the input size or channels recomputes the flatten size. */
#include "model.h"

#include <json-glib/json-glib.h>

static void add_conv(JsonBuilder *b, int out, int kernel, int stride, int padding)
{
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "type");
  json_builder_add_string_value(b, "conv2d");
  json_builder_set_member_name(b, "out_channels");
  json_builder_add_int_value(b, out);
  json_builder_set_member_name(b, "kernel");
  json_builder_add_int_value(b, kernel);
  json_builder_set_member_name(b, "stride");
  json_builder_add_int_value(b, stride);
  json_builder_set_member_name(b, "padding");
  json_builder_add_int_value(b, padding);
  json_builder_end_object(b);
}

static void add_simple(JsonBuilder *b, const char *type)
{
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "type");
  json_builder_add_string_value(b, type);
  json_builder_end_object(b);
}

static void add_pool(JsonBuilder *b, int kernel)
{
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "type");
  json_builder_add_string_value(b, "maxpool2d");
  json_builder_set_member_name(b, "kernel");
  json_builder_add_int_value(b, kernel);
  json_builder_set_member_name(b, "stride");
  json_builder_add_int_value(b, kernel);
  json_builder_end_object(b);
}

static void add_dense(JsonBuilder *b, int out)
{
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "type");
  json_builder_add_string_value(b, "dense");
  json_builder_set_member_name(b, "out_features");
  json_builder_add_int_value(b, out);
  json_builder_end_object(b);
}

static void add_dropout(JsonBuilder *b, double p)
{
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "type");
  json_builder_add_string_value(b, "dropout");
  json_builder_set_member_name(b, "p");
  json_builder_add_double_value(b, p);
  json_builder_end_object(b);
}

static JsonBuilder *begin_spec(const char *name, int size, int channels)
{
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "name");
  json_builder_add_string_value(b, name);
  json_builder_set_member_name(b, "input");
  json_builder_begin_array(b);
  json_builder_add_int_value(b, channels);
  json_builder_add_int_value(b, size);
  json_builder_add_int_value(b, size);
  json_builder_end_array(b);
  json_builder_set_member_name(b, "layers");
  json_builder_begin_array(b);
  return b;
}

static char *end_spec(JsonBuilder *b)
{
  json_builder_end_array(b);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_object_unref(b);
  return json_to_string(root, FALSE);
}

/* Binary problems get one logit and a sigmoid (the paper's Dense 1 + sigmoid); more classes
 * a softmax over one logit each. */
static int head_outputs(int classes)
{
  return classes <= 2 ? 1 : classes;
}

char *patina_spec_paper(int classes, int size, int channels)
{
  JsonBuilder *b = begin_spec("paper", size, channels);
  static const int widths[] = {32, 64, 128, 128};
  for (guint i = 0; i < G_N_ELEMENTS(widths); i++) {
    add_conv(b, widths[i], 3, 1, 0);
    add_simple(b, "relu");
    add_pool(b, 2);
  }
  add_simple(b, "flatten");
  add_dense(b, 512);
  add_simple(b, "relu");
  add_dropout(b, 0.5);
  add_dense(b, head_outputs(classes));
  return end_spec(b);
}

char *patina_spec_paper5(int classes, int size, int channels)
{
  /* The text (not Table 6) describes 5 conv layers each with BatchNorm, 4 max-pools between
   * them and 4 dense layers with dropout at 450×450×3. Its layer widths are not given; these
   * follow Table 6's doubling, and the first conv has stride 2 so that a 450-pixel input ends
   * in a 128×10×10 map rather than a flatten of 74k features. */
  JsonBuilder *b = begin_spec("paper5", size, channels);
  static const int widths[] = {32, 64, 128, 128, 128};
  for (guint i = 0; i < G_N_ELEMENTS(widths); i++) {
    add_conv(b, widths[i], 3, i == 0 ? 2 : 1, 0);
    add_simple(b, "batchnorm2d");
    add_simple(b, "relu");
    if (i < 4)
      add_pool(b, 2);
  }
  add_simple(b, "flatten");
  static const int dense[] = {256, 128, 64};
  for (guint i = 0; i < G_N_ELEMENTS(dense); i++) {
    add_dense(b, dense[i]);
    add_simple(b, "relu");
    add_dropout(b, 0.5);
  }
  add_dense(b, head_outputs(classes));
  return end_spec(b);
}

char *patina_spec_by_name(const char *name, int classes, int size, int channels, GError **error)
{
  if (g_strcmp0(name, "paper") == 0)
    return patina_spec_paper(classes, size, channels);
  if (g_strcmp0(name, "paper5") == 0)
    return patina_spec_paper5(classes, size, channels);
  g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
              "unknown model \"%s\" (expected \"paper\" or \"paper5\")", name);
  return NULL;
}

char *patina_spec_set_dropout(const char *spec_json, double p, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, spec_json, -1, error))
    return NULL;
  JsonNode *root = json_parser_get_root(parser);
  JsonObject *spec = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
  JsonArray *layers = spec && json_object_has_member(spec, "layers")
                        ? json_object_get_array_member(spec, "layers")
                        : NULL;
  if (!layers) {
    g_set_error_literal(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                        "model spec: no \"layers\" array");
    return NULL;
  }
  for (guint i = 0; i < json_array_get_length(layers); i++) {
    JsonObject *layer = json_array_get_object_element(layers, i);
    if (layer && g_strcmp0(json_object_get_string_member_with_default(layer, "type", ""),
                           "dropout") == 0)
      json_object_set_double_member(layer, "p", p);
  }
  return json_to_string(root, FALSE);
}
