/* Keras-compatible augmentation of gray planes; semantics in augment.h. */
#include "augment.h"

#include <math.h>
#include <string.h>

#include "nn/model.h" /* PATINA_ERROR */

/* ---- parameters ---- */

void patina_augment_init(PatinaAugment *a)
{
  *a = (PatinaAugment){
    .zoom_range = {1.0, 1.0},
    .fill_mode = PATINA_FILL_NEAREST,
    .brightness_range = {1.0, 1.0},
    .brightness_probability = 1.0,
    .contrast_range = {1.0, 1.0},
    .contrast_probability = 1.0,
    .gamma_range = {1.0, 1.0},
    .gamma_probability = 1.0,
    .noise_probability = 1.0,
    .blur_probability = 1.0,
  };
}

gboolean patina_augment_preset(PatinaAugment *a, const char *name, GError **error)
{
  patina_augment_init(a);
  if (!g_strcmp0(name, "none"))
    return TRUE;
  if (!g_strcmp0(name, "paper")) {
    a->rotation_range = 180.0;
    a->width_shift_range = a->height_shift_range = 0.1;
    a->zoom_range[0] = 0.9, a->zoom_range[1] = 1.1;
    a->horizontal_flip = a->vertical_flip = TRUE;
    a->brightness_range[0] = 0.8, a->brightness_range[1] = 1.2;
    a->fill_mode = PATINA_FILL_REFLECT;
    return TRUE;
  }
  if (!g_strcmp0(name, "mild")) {
    a->width_shift_range = a->height_shift_range = 0.1;
    a->zoom_range[0] = 0.9, a->zoom_range[1] = 1.1;
    a->horizontal_flip = a->vertical_flip = TRUE;
    a->brightness_range[0] = 0.9, a->brightness_range[1] = 1.1;
    a->fill_mode = PATINA_FILL_REFLECT;
    return TRUE;
  }
  g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
              "unknown augmentation preset \"%s\" (known: paper, mild, none)", name ? name : "");
  return FALSE;
}

const char *patina_augment_preset_matching(const PatinaAugment *a)
{
  static const char *const names[] = {"none", "paper", "mild"};
  /* through JSON, the form every field is saved in: a struct compare would see padding */
  g_autofree char *mine = patina_augment_to_json(a);
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    PatinaAugment preset;
    patina_augment_preset(&preset, names[i], NULL);
    g_autofree char *json = patina_augment_to_json(&preset);
    if (g_str_equal(json, mine))
      return names[i];
  }
  return NULL;
}

static gboolean is_pair(const double *r, double v)
{
  return r[0] == v && r[1] == v;
}

gboolean patina_augment_is_identity(const PatinaAugment *a)
{
  return a->rotation_range == 0.0 && a->width_shift_range == 0.0 &&
         a->height_shift_range == 0.0 && is_pair(a->zoom_range, 1.0) && !a->horizontal_flip &&
         !a->vertical_flip && (is_pair(a->brightness_range, 1.0) || !a->brightness_probability) &&
         (is_pair(a->contrast_range, 1.0) || !a->contrast_probability) &&
         (is_pair(a->gamma_range, 1.0) || !a->gamma_probability) &&
         (is_pair(a->noise_sigma, 0.0) || !a->noise_probability) &&
         (is_pair(a->blur_sigma, 0.0) || !a->blur_probability);
}

static gboolean bad(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean bad(GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error_literal(error, PATINA_ERROR, PATINA_ERROR_INVALID, msg);
  return FALSE;
}

/* lo ≤ hi within [min, max] (min_open: lo must exceed min). */
static gboolean check_range(const char *name, const double *r, double min, gboolean min_open,
                            double max, GError **error)
{
  if (!isfinite(r[0]) || !isfinite(r[1]))
    return bad(error, "%s must be finite numbers", name);
  if (r[0] > r[1])
    return bad(error, "%s [%g, %g]: the low end is above the high end", name, r[0], r[1]);
  if (min_open ? !(r[0] > min) : !(r[0] >= min))
    return bad(error, "%s [%g, %g]: values must be %s %g", name, r[0], r[1],
               min_open ? "above" : "at least", min);
  if (r[1] > max)
    return bad(error, "%s [%g, %g]: values must be at most %g", name, r[0], r[1], max);
  return TRUE;
}

static gboolean check_probability(const char *name, double p, GError **error)
{
  if (!(p >= 0.0 && p <= 1.0))
    return bad(error, "%s must be 0 to 1, not %g", name, p);
  return TRUE;
}

gboolean patina_augment_validate(const PatinaAugment *a, GError **error)
{
  if (!(a->rotation_range >= 0.0 && a->rotation_range <= 360.0))
    return bad(error, "rotation_range must be 0 to 360 degrees, not %g", a->rotation_range);
  if (!(a->width_shift_range >= 0.0 && a->width_shift_range <= 4096.0))
    return bad(error, "width_shift_range must be 0 to 4096 (a fraction of the width below 1, "
               "pixels from 1), not %g", a->width_shift_range);
  if (!(a->height_shift_range >= 0.0 && a->height_shift_range <= 4096.0))
    return bad(error, "height_shift_range must be 0 to 4096 (a fraction of the height below 1, "
               "pixels from 1), not %g", a->height_shift_range);
  if (isfinite(a->zoom_range[0]) && a->zoom_range[0] <= 0.0)
    return bad(error, "zoom_range [%g, %g]: zoom factors must be above 0 (a single number z "
               "means [1 - z, 1 + z], so z must be below 1)", a->zoom_range[0], a->zoom_range[1]);
  if (!check_range("zoom_range", a->zoom_range, 0.0, TRUE, 100.0, error))
    return FALSE;
  if ((unsigned) a->fill_mode > PATINA_FILL_CONSTANT)
    return bad(error, "fill_mode %d is not a fill mode", (int) a->fill_mode);
  if (!(a->cval >= 0.0 && a->cval <= 1.0))
    return bad(error, "cval must be 0 to 1 (images are scaled to [0, 1]; divide a Keras cval "
               "of 0–255 by 255), not %g", a->cval);
  return check_range("brightness_range", a->brightness_range, 0.0, FALSE, 100.0, error) &&
         check_probability("brightness_probability", a->brightness_probability, error) &&
         check_range("contrast_range", a->contrast_range, 0.0, FALSE, 100.0, error) &&
         check_probability("contrast_probability", a->contrast_probability, error) &&
         check_range("gamma_range", a->gamma_range, 0.0, TRUE, 100.0, error) &&
         check_probability("gamma_probability", a->gamma_probability, error) &&
         check_range("noise_sigma", a->noise_sigma, 0.0, FALSE, 1.0, error) &&
         check_probability("noise_probability", a->noise_probability, error) &&
         check_range("blur_sigma", a->blur_sigma, 0.0, FALSE, 32.0, error) &&
         check_probability("blur_probability", a->blur_probability, error);
}

static const char *const fill_names[] = {"nearest", "reflect", "wrap", "constant"};

const char *patina_fill_mode_name(PatinaFillMode mode)
{
  return (unsigned) mode < G_N_ELEMENTS(fill_names) ? fill_names[mode] : "?";
}

gboolean patina_fill_mode_parse(const char *name, PatinaFillMode *mode, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS(fill_names); i++)
    if (!g_strcmp0(name, fill_names[i])) {
      *mode = (PatinaFillMode) i;
      return TRUE;
    }
  return bad(error, "fill_mode must be nearest, reflect, wrap or constant, not \"%s\"",
             name ? name : "");
}

/* ---- JSON ---- */

static void add_pair(JsonBuilder *b, const char *name, const double *r)
{
  json_builder_set_member_name(b, name);
  json_builder_begin_array(b);
  json_builder_add_double_value(b, r[0]);
  json_builder_add_double_value(b, r[1]);
  json_builder_end_array(b);
}

static void add_double(JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_double_value(b, v);
}

/* A sigma: one number when fixed. */
static void add_sigma(JsonBuilder *b, const char *name, const double *r)
{
  if (r[0] == r[1])
    add_double(b, name, r[0]);
  else
    add_pair(b, name, r);
}

JsonNode *patina_augment_to_json_node(const PatinaAugment *a)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  add_double(b, "rotation_range", a->rotation_range);
  add_double(b, "width_shift_range", a->width_shift_range);
  add_double(b, "height_shift_range", a->height_shift_range);
  add_pair(b, "zoom_range", a->zoom_range);
  json_builder_set_member_name(b, "horizontal_flip");
  json_builder_add_boolean_value(b, a->horizontal_flip);
  json_builder_set_member_name(b, "vertical_flip");
  json_builder_add_boolean_value(b, a->vertical_flip);
  json_builder_set_member_name(b, "fill_mode");
  json_builder_add_string_value(b, patina_fill_mode_name(a->fill_mode));
  add_double(b, "cval", a->cval);
  if (is_pair(a->brightness_range, 1.0)) {
    json_builder_set_member_name(b, "brightness_range");
    json_builder_add_null_value(b);
  } else {
    add_pair(b, "brightness_range", a->brightness_range);
  }
  add_double(b, "brightness_probability", a->brightness_probability);
  add_pair(b, "contrast_range", a->contrast_range);
  add_double(b, "contrast_probability", a->contrast_probability);
  add_pair(b, "gamma_range", a->gamma_range);
  add_double(b, "gamma_probability", a->gamma_probability);
  add_sigma(b, "noise_sigma", a->noise_sigma);
  add_double(b, "noise_probability", a->noise_probability);
  add_sigma(b, "blur_sigma", a->blur_sigma);
  add_double(b, "blur_probability", a->blur_probability);
  json_builder_end_object(b);
  return json_builder_get_root(b);
}

/* The shortest decimal that reads back as the same double (json-glib writes 17 digits, so
 * 0.1 would come out as 0.10000000000000001). */
static void append_number(GString *s, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int digits = 15; digits <= 17; digits++) {
    char fmt[8];
    g_snprintf(fmt, sizeof(fmt), "%%.%dg", digits);
    g_ascii_formatd(buf, sizeof(buf), fmt, v);
    if (g_ascii_strtod(buf, NULL) == v)
      break;
  }
  g_string_append(s, buf);
}

static void append_value(GString *s, JsonNode *n)
{
  if (JSON_NODE_HOLDS_NULL(n)) {
    g_string_append(s, "null");
  } else if (JSON_NODE_HOLDS_ARRAY(n)) {
    JsonArray *arr = json_node_get_array(n);
    g_string_append_c(s, '[');
    for (guint i = 0; i < json_array_get_length(arr); i++) {
      if (i)
        g_string_append(s, ", ");
      append_value(s, json_array_get_element(arr, i));
    }
    g_string_append_c(s, ']');
  } else if (json_node_get_value_type(n) == G_TYPE_BOOLEAN) {
    g_string_append(s, json_node_get_boolean(n) ? "true" : "false");
  } else if (json_node_get_value_type(n) == G_TYPE_STRING) {
    g_string_append_printf(s, "\"%s\"", json_node_get_string(n)); /* fill mode names only */
  } else {
    append_number(s, json_node_get_double(n));
  }
}

char *patina_augment_to_json(const PatinaAugment *a)
{
  g_autoptr(JsonNode) node = patina_augment_to_json_node(a);
  JsonObject *obj = json_node_get_object(node);
  g_autoptr(GList) members = json_object_get_members(obj);
  GString *s = g_string_new("{\n");
  for (GList *l = members; l; l = l->next) {
    g_string_append_printf(s, "  \"%s\": ", (const char *) l->data);
    append_value(s, json_object_get_member(obj, l->data));
    g_string_append(s, l->next ? ",\n" : "\n");
  }
  g_string_append(s, "}");
  return g_string_free(s, FALSE);
}

static gboolean get_number(JsonNode *n, const char *name, double *v, GError **error)
{
  if (JSON_NODE_HOLDS_VALUE(n)) {
    GType t = json_node_get_value_type(n);
    if (t == G_TYPE_INT64 || t == G_TYPE_DOUBLE) {
      *v = json_node_get_double(n) + 0.0; /* -0 is 0 */
      return TRUE;
    }
  }
  return bad(error, "%s must be a number", name);
}

/* A number or [lo, hi]. single(v, r) turns a lone number into a range. */
static gboolean get_range(JsonNode *n, const char *name, double *r,
                          void (*single)(double v, double *r), GError **error)
{
  if (JSON_NODE_HOLDS_ARRAY(n)) {
    JsonArray *arr = json_node_get_array(n);
    if (json_array_get_length(arr) != 2)
      return bad(error, "%s must be a number or a list of two numbers [low, high]", name);
    for (int i = 0; i < 2; i++)
      if (!get_number(json_array_get_element(arr, i), name, &r[i], error))
        return FALSE;
    return TRUE;
  }
  double v = 0.0;
  if (!JSON_NODE_HOLDS_VALUE(n) || !get_number(n, name, &v, NULL))
    return bad(error, "%s must be a number or a list of two numbers [low, high]", name);
  single(v, r);
  return TRUE;
}

static void single_zoom(double z, double *r)
{
  r[0] = 1.0 - z, r[1] = 1.0 + z;
}

static void single_fixed(double v, double *r)
{
  r[0] = r[1] = v;
}

static void single_none(double v, double *r)
{
  r[0] = r[1] = NAN; /* refused below: brightness_range has no one-number form in Keras */
  (void) v;
}

static gboolean get_bool(JsonNode *n, const char *name, gboolean *v, GError **error)
{
  if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_BOOLEAN) {
    *v = json_node_get_boolean(n);
    return TRUE;
  }
  return bad(error, "%s must be true or false", name);
}

/* Keras ImageDataGenerator arguments with no counterpart here, accepted at their no-op value so
 * that a dumped Keras configuration loads. */
static gboolean keras_noop(const char *name, JsonNode *n, gboolean *known, GError **error)
{
  static const char *const flags[] = {"featurewise_center", "samplewise_center",
                                      "featurewise_std_normalization",
                                      "samplewise_std_normalization", "zca_whitening"};
  static const char *const zeros[] = {"shear_range", "channel_shift_range", "validation_split"};
  static const char *const ignored[] = {"zca_epsilon", "data_format", "dtype"};
  *known = TRUE;
  gboolean is_null = JSON_NODE_HOLDS_NULL(n);
  for (guint i = 0; i < G_N_ELEMENTS(flags); i++)
    if (!strcmp(name, flags[i])) {
      gboolean v = FALSE;
      if (is_null || (get_bool(n, name, &v, NULL) && !v))
        return TRUE;
      return bad(error, "%s is not supported (only false)", name);
    }
  for (guint i = 0; i < G_N_ELEMENTS(zeros); i++)
    if (!strcmp(name, zeros[i])) {
      double v = 0.0;
      if (is_null || (get_number(n, name, &v, NULL) && v == 0.0))
        return TRUE;
      if (!strcmp(name, "validation_split"))
        return bad(error, "validation_split is not an augmentation; use the training's "
                   "validation fraction (--val-fraction) instead");
      return bad(error, "%s is not supported (only 0)", name);
    }
  for (guint i = 0; i < G_N_ELEMENTS(ignored); i++)
    if (!strcmp(name, ignored[i]))
      return TRUE;
  if (!strcmp(name, "rescale")) {
    double v = 0.0;
    if (is_null || (get_number(n, name, &v, NULL) && fabs(v * 255.0 - 1.0) < 1e-3))
      return TRUE;
    return bad(error, "rescale: images are always scaled to [0, 1] (Keras's rescale=1/255); "
               "other values are not supported");
  }
  if (!strcmp(name, "preprocessing_function")) {
    if (is_null)
      return TRUE;
    return bad(error, "preprocessing_function is not supported");
  }
  if (!strcmp(name, "interpolation_order")) {
    double v = 0.0;
    if (get_number(n, name, &v, NULL) && v == 1.0)
      return TRUE;
    return bad(error, "interpolation_order: only 1 (bilinear) is supported");
  }
  *known = FALSE;
  return TRUE;
}

static gboolean parse_member(PatinaAugment *a, const char *name, JsonNode *n, GError **error)
{
  struct {
    const char *name;
    double *v;
  } numbers[] = {
    {"rotation_range", &a->rotation_range},
    {"width_shift_range", &a->width_shift_range},
    {"height_shift_range", &a->height_shift_range},
    {"cval", &a->cval},
    {"brightness_probability", &a->brightness_probability},
    {"contrast_probability", &a->contrast_probability},
    {"gamma_probability", &a->gamma_probability},
    {"noise_probability", &a->noise_probability},
    {"blur_probability", &a->blur_probability},
  };
  for (guint i = 0; i < G_N_ELEMENTS(numbers); i++)
    if (!strcmp(name, numbers[i].name))
      return get_number(n, name, numbers[i].v, error);
  if (!strcmp(name, "horizontal_flip"))
    return get_bool(n, name, &a->horizontal_flip, error);
  if (!strcmp(name, "vertical_flip"))
    return get_bool(n, name, &a->vertical_flip, error);
  if (!strcmp(name, "fill_mode")) {
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
      return bad(error, "fill_mode must be a string (nearest, reflect, wrap or constant)");
    return patina_fill_mode_parse(json_node_get_string(n), &a->fill_mode, error);
  }
  if (!strcmp(name, "zoom_range"))
    return get_range(n, name, a->zoom_range, single_zoom, error);
  if (!strcmp(name, "brightness_range")) {
    if (JSON_NODE_HOLDS_NULL(n)) {
      a->brightness_range[0] = a->brightness_range[1] = 1.0;
      return TRUE;
    }
    if (!JSON_NODE_HOLDS_ARRAY(n))
      return bad(error, "brightness_range must be null or a list of two numbers [low, high]");
    return get_range(n, name, a->brightness_range, single_none, error);
  }
  if (!strcmp(name, "contrast_range"))
    return get_range(n, name, a->contrast_range, single_fixed, error);
  if (!strcmp(name, "gamma_range"))
    return get_range(n, name, a->gamma_range, single_fixed, error);
  if (!strcmp(name, "noise_sigma"))
    return get_range(n, name, a->noise_sigma, single_fixed, error);
  if (!strcmp(name, "blur_sigma"))
    return get_range(n, name, a->blur_sigma, single_fixed, error);
  gboolean known;
  if (!keras_noop(name, n, &known, error))
    return FALSE;
  if (!known)
    return bad(error, "unknown augmentation field \"%s\"", name);
  return TRUE;
}

gboolean patina_augment_from_json_node(PatinaAugment *a, JsonNode *node, GError **error)
{
  PatinaAugment tmp;
  patina_augment_init(&tmp);
  if (!node || !JSON_NODE_HOLDS_OBJECT(node))
    return bad(error, "augmentation parameters must be a JSON object");
  JsonObject *obj = json_node_get_object(node);
  g_autoptr(GList) members = json_object_get_members(obj);
  for (GList *l = members; l; l = l->next) {
    const char *name = l->data;
    GError *err = NULL;
    if (!parse_member(&tmp, name, json_object_get_member(obj, name), &err)) {
      g_propagate_error(error, err);
      return FALSE;
    }
  }
  if (!patina_augment_validate(&tmp, error))
    return FALSE;
  *a = tmp;
  return TRUE;
}

gboolean patina_augment_from_json(PatinaAugment *a, const char *json, gssize length,
                                  GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  GError *err = NULL;
  if (!json || !json_parser_load_from_data(parser, json, length, &err)) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "augmentation parameters are not valid JSON: %s",
                err ? err->message : "no text");
    g_clear_error(&err);
    return FALSE;
  }
  return patina_augment_from_json_node(a, json_parser_get_root(parser), error);
}

gboolean patina_augment_set(PatinaAugment *a, const char *name, const char *value,
                            GError **error)
{
  g_return_val_if_fail(a && name, FALSE);
  g_autofree char *v = g_strstrip(g_strdup(value ? value : ""));
  g_autoptr(JsonNode) node = NULL;
  char *end;
  if (strchr(v, ',')) {
    g_auto(GStrv) parts = g_strsplit(v, ",", -1);
    JsonArray *arr = json_array_new();
    for (int i = 0; parts[i]; i++) {
      g_strstrip(parts[i]);
      double d = g_ascii_strtod(parts[i], &end);
      if (!*parts[i] || *end) {
        json_array_unref(arr);
        return bad(error, "%s: \"%s\" is not a list of numbers such as 0.8,1.2", name, v);
      }
      json_array_add_double_element(arr, d);
    }
    node = json_node_init_array(json_node_alloc(), arr);
    json_array_unref(arr);
  } else if (!strcmp(v, "true") || !strcmp(v, "false")) {
    node = json_node_init_boolean(json_node_alloc(), !strcmp(v, "true"));
  } else if (!strcmp(v, "null") || !strcmp(v, "none")) {
    node = json_node_init_null(json_node_alloc());
  } else {
    double d = g_ascii_strtod(v, &end);
    if (*v && !*end)
      node = json_node_init_double(json_node_alloc(), d);
    else
      node = json_node_init_string(json_node_alloc(), v);
  }
  PatinaAugment tmp = *a;
  if (!parse_member(&tmp, name, node, error) || !patina_augment_validate(&tmp, error))
    return FALSE;
  *a = tmp;
  return TRUE;
}

static void describe_range(GString *s, const char *what, const double *r, double off,
                           const char *unit, double p)
{
  if (is_pair(r, off) || p == 0.0)
    return;
  if (s->len)
    g_string_append(s, ", ");
  if (r[0] == r[1])
    g_string_append_printf(s, "%s %g%s", what, r[0], unit);
  else
    g_string_append_printf(s, "%s %g–%g%s", what, r[0], r[1], unit);
  if (p < 1.0)
    g_string_append_printf(s, " (p %g)", p);
}

char *patina_augment_describe(const PatinaAugment *a)
{
  GString *s = g_string_new(NULL);
  if (a->rotation_range)
    g_string_append_printf(s, "rotation ±%g°", a->rotation_range);
  if (a->width_shift_range || a->height_shift_range)
    g_string_append_printf(s, "%sshift ±%g×%g%s", s->len ? ", " : "", a->width_shift_range,
                           a->height_shift_range,
                           a->width_shift_range >= 1 || a->height_shift_range >= 1 ? " px" : "");
  describe_range(s, "zoom", a->zoom_range, 1.0, "", 1.0);
  if (a->horizontal_flip || a->vertical_flip)
    g_string_append_printf(s, "%sflips%s%s", s->len ? ", " : "", a->horizontal_flip ? " H" : "",
                           a->vertical_flip ? " V" : "");
  describe_range(s, "brightness", a->brightness_range, 1.0, "", a->brightness_probability);
  describe_range(s, "contrast", a->contrast_range, 1.0, "", a->contrast_probability);
  describe_range(s, "gamma", a->gamma_range, 1.0, "", a->gamma_probability);
  describe_range(s, "blur σ", a->blur_sigma, 0.0, " px", a->blur_probability);
  describe_range(s, "noise σ", a->noise_sigma, 0.0, "", a->noise_probability);
  if (!s->len)
    g_string_append(s, "none");
  else if (a->rotation_range || a->width_shift_range || a->height_shift_range ||
           !is_pair(a->zoom_range, 1.0)) {
    g_string_append_printf(s, "; fill %s", patina_fill_mode_name(a->fill_mode));
    if (a->fill_mode == PATINA_FILL_CONSTANT)
      g_string_append_printf(s, " %g", a->cval);
  }
  return g_string_free(s, FALSE);
}

/* ---- drawing ---- */

static guint64 mix64(guint64 z)
{
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void patina_augment_rng_for(PatinaRng *rng, guint64 seed, guint64 epoch, guint64 index)
{
  /* A tag keeps these streams apart from the run's main stream patina_rng_init(seed). */
  guint64 h = mix64(seed ^ 0x6175676d656e7421ULL); /* "augment!" */
  h = mix64(h + 0x9e3779b97f4a7c15ULL * (epoch + 1));
  h = mix64(h + 0xd1b54a32d192ed03ULL * (index + 1));
  patina_rng_init(rng, h);
}

static double range_draw(const double *r, float u)
{
  return r[0] + (r[1] - r[0]) * (double) u;
}

static double shift_pixels(double range, int size)
{
  return range < 1.0 ? range * size : range;
}

void patina_augment_draw(const PatinaAugment *a, int size, PatinaRng *rng, PatinaAugmentDraw *d)
{
  float u[17];
  for (int i = 0; i < 17; i++)
    u[i] = patina_rng_uniform(rng);
  guint64 noise_seed = patina_rng_next(rng);
  memset(d, 0, sizeof(*d));
  d->theta = a->rotation_range ? a->rotation_range * (2.0 * u[0] - 1.0) : 0.0;
  double sx = shift_pixels(a->width_shift_range, size);
  double sy = shift_pixels(a->height_shift_range, size);
  d->shift_x = sx ? sx * (2.0 * u[1] - 1.0) : 0.0;
  d->shift_y = sy ? sy * (2.0 * u[2] - 1.0) : 0.0;
  d->zoom_x = range_draw(a->zoom_range, u[3]);
  d->zoom_y = range_draw(a->zoom_range, u[4]);
  d->flip_h = a->horizontal_flip && u[5] < 0.5f;
  d->flip_v = a->vertical_flip && u[6] < 0.5f;
  d->brightness = u[7] < a->brightness_probability ? range_draw(a->brightness_range, u[8]) : 1.0;
  d->contrast = u[9] < a->contrast_probability ? range_draw(a->contrast_range, u[10]) : 1.0;
  d->gamma = u[11] < a->gamma_probability ? range_draw(a->gamma_range, u[12]) : 1.0;
  d->blur_sigma = u[13] < a->blur_probability ? range_draw(a->blur_sigma, u[14]) : 0.0;
  d->noise_sigma = u[15] < a->noise_probability ? range_draw(a->noise_sigma, u[16]) : 0.0;
  d->noise_seed = noise_seed;
}

GStrv patina_augment_draw_items(const PatinaAugmentDraw *d)
{
  GPtrArray *b = g_ptr_array_new();
  if (d->theta != 0.0)
    g_ptr_array_add(b, g_strdup_printf("rot %.0f°", d->theta));
  if (d->flip_h)
    g_ptr_array_add(b, g_strdup("flipH"));
  if (d->flip_v)
    g_ptr_array_add(b, g_strdup("flipV"));
  if (d->shift_x != 0.0 || d->shift_y != 0.0)
    g_ptr_array_add(b, g_strdup_printf("shift %+.0f,%+.0f", d->shift_x, d->shift_y));
  if (d->zoom_x != 1.0 || d->zoom_y != 1.0) {
    if (fabs(d->zoom_x - d->zoom_y) < 0.005)
      g_ptr_array_add(b, g_strdup_printf("zoom %.2f", d->zoom_x));
    else
      g_ptr_array_add(b, g_strdup_printf("zoom %.2f×%.2f", d->zoom_x, d->zoom_y));
  }
  if (d->brightness != 1.0)
    g_ptr_array_add(b, g_strdup_printf("bright %.2f", d->brightness));
  if (d->contrast != 1.0)
    g_ptr_array_add(b, g_strdup_printf("contrast %.2f", d->contrast));
  if (d->gamma != 1.0)
    g_ptr_array_add(b, g_strdup_printf("gamma %.2f", d->gamma));
  if (d->blur_sigma > 0.0)
    g_ptr_array_add(b, g_strdup_printf("blur %.1f", d->blur_sigma));
  if (d->noise_sigma > 0.0)
    g_ptr_array_add(b, g_strdup_printf("noise %.3f", d->noise_sigma));
  g_ptr_array_add(b, NULL);
  return (GStrv) g_ptr_array_free(b, FALSE);
}

char *patina_augment_draw_describe(const PatinaAugmentDraw *d)
{
  g_auto(GStrv) items = patina_augment_draw_items(d);
  return items[0] ? g_strjoinv(" ", items) : g_strdup("identity");
}

/* ---- geometry ---- */

/* Maps a tap index into [0, n) by the fill mode; -1 for "constant" outside. */
static inline int fill_index(int i, int n, PatinaFillMode mode)
{
  if (i >= 0 && i < n)
    return i;
  switch (mode) {
  case PATINA_FILL_NEAREST:
    return i < 0 ? 0 : n - 1;
  case PATINA_FILL_WRAP:
    i %= n;
    return i < 0 ? i + n : i;
  case PATINA_FILL_REFLECT: {
    /* Half-sample symmetric: period 2n, dcba|abcd|dcba. */
    int p = 2 * n;
    i %= p;
    if (i < 0)
      i += p;
    return i < n ? i : p - 1 - i;
  }
  case PATINA_FILL_CONSTANT:
  default:
    return -1;
  }
}

static inline float tap(const float *src, int w, int h, int x, int y, PatinaFillMode mode,
                        float cval)
{
  int xi = fill_index(x, w, mode), yi = fill_index(y, h, mode);
  if (xi < 0 || yi < 0)
    return cval;
  return src[(gsize) yi * w + xi];
}

/* Snaps cos/sin of right angles to exact values so a 90° turn moves whole pixels. */
static double snap(double v)
{
  if (fabs(v) < 1e-12)
    return 0.0;
  if (fabs(v - 1.0) < 1e-12)
    return 1.0;
  if (fabs(v + 1.0) < 1e-12)
    return -1.0;
  return v;
}

static void warp(const PatinaAugment *a, const PatinaAugmentDraw *d, const float *src, int w,
                 int h, float *dst, int size)
{
  double th = d->theta * G_PI / 180.0;
  double c = snap(cos(th)), s = snap(sin(th));
  double zx = d->zoom_x, zy = d->zoom_y;
  double fx = d->flip_h ? -1.0 : 1.0, fy = d->flip_v ? -1.0 : 1.0;
  double ctr = (size - 1) * 0.5;
  /* Output (x, y) → position in the size×size frame of the un-augmented image:
   *   p = ctr + R·(Z·F·(o − ctr) − t): content moves by t/zoom as in Keras (see .h); Keras's
   * matrix takes t with the other sign, immaterial for a symmetric range. */
  double tx = d->shift_x, ty = d->shift_y;
  /* then to source pixels: src = (p + 0.5)·(w / size) − 0.5 (half-pixel centres) */
  double kx = (double) w / size, ky = (double) h / size;
  /* src_x = A·x + B·y + C, src_y = D·x + E·y + F */
  double A = kx * c * zx * fx, B = -kx * s * zy * fy;
  double D = ky * s * zx * fx, E = ky * c * zy * fy;
  double px0 = c * (zx * fx * -ctr - tx) - s * (zy * fy * -ctr - ty) + ctr;
  double py0 = s * (zx * fx * -ctr - tx) + c * (zy * fy * -ctr - ty) + ctr;
  double C = (px0 + 0.5) * kx - 0.5, F = (py0 + 0.5) * ky - 0.5;
  PatinaFillMode mode = a->fill_mode;
  float cval = (float) a->cval;
  for (int y = 0; y < size; y++) {
    float *out = dst + (gsize) y * size;
    for (int x = 0; x < size; x++) {
      double sxd = A * x + B * y + C, syd = D * x + E * y + F;
      /* Far outside: the fill's value; keeps the ints in range (and NaN from parameters that
       * skipped validation lands outside too). */
      sxd = sxd < 1e6 ? (sxd > -1e6 ? sxd : -1e6) : (sxd >= 1e6 ? 1e6 : -1e6);
      syd = syd < 1e6 ? (syd > -1e6 ? syd : -1e6) : (syd >= 1e6 ? 1e6 : -1e6);
      double x0d = floor(sxd), y0d = floor(syd);
      int x0 = (int) x0d, y0 = (int) y0d;
      float wx = (float) (sxd - x0d), wy = (float) (syd - y0d);
      float v00, v01, v10, v11;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
        const float *r0 = src + (gsize) y0 * w + x0;
        v00 = r0[0], v01 = r0[1], v10 = r0[w], v11 = r0[w + 1];
      } else {
        v00 = tap(src, w, h, x0, y0, mode, cval);
        v01 = tap(src, w, h, x0 + 1, y0, mode, cval);
        v10 = tap(src, w, h, x0, y0 + 1, mode, cval);
        v11 = tap(src, w, h, x0 + 1, y0 + 1, mode, cval);
      }
      /* Skip taps of zero weight so an exact sample is the source value bit for bit. */
      float top = wx == 0.0f ? v00 : (1.0f - wx) * v00 + wx * v01;
      float bot = wx == 0.0f ? v10 : (1.0f - wx) * v10 + wx * v11;
      out[x] = wy == 0.0f ? top : (1.0f - wy) * top + wy * bot;
    }
  }
}

/* ---- intensity ---- */

static void blur(float *p, int size, double sigma)
{
  sigma = MIN(sigma, 32.0); /* the validated limit */
  int r = (int) ceil(3.0 * sigma);
  if (!(r >= 1))
    return;
  int kn = 2 * r + 1;
  g_autofree float *k = g_new(float, kn);
  double sum = 0.0;
  for (int i = -r; i <= r; i++)
    sum += exp(-0.5 * i * i / (sigma * sigma));
  for (int i = -r; i <= r; i++)
    k[i + r] = (float) (exp(-0.5 * i * i / (sigma * sigma)) / sum);
  g_autofree float *tmp = g_new(float, (gsize) size * size);
  int ext_n = size + 2 * r;
  g_autofree float *line = g_new(float, ext_n);
  /* rows into tmp, then columns back into p; borders reflected (dcba|abcd) */
  for (int pass = 0; pass < 2; pass++) {
    const float *in = pass ? tmp : p;
    float *out = pass ? p : tmp;
    for (int j = 0; j < size; j++) {
      gsize base = pass ? (gsize) j : (gsize) j * size, step = pass ? (gsize) size : 1;
      for (int i = 0; i < ext_n; i++)
        line[i] = in[base + step * fill_index(i - r, size, PATINA_FILL_REFLECT)];
      for (int i = 0; i < size; i++) {
        float acc = 0.0f;
        for (int t = 0; t < kn; t++)
          acc += k[t] * line[i + t];
        out[base + step * i] = acc;
      }
    }
  }
}

static inline float clip01(float v)
{
  return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

/* Marsaglia's polar method, two normals per accepted pair. */
static void add_noise(float *p, gsize n, float sigma, guint64 seed)
{
  PatinaRng rng;
  patina_rng_init(&rng, seed);
  for (gsize i = 0; i < n;) {
    float u, v, q;
    do {
      guint64 bits = patina_rng_next(&rng);
      u = (float) (bits >> 40) * (2.0f / 16777216.0f) - 1.0f;
      v = (float) ((bits >> 16) & 0xffffff) * (2.0f / 16777216.0f) - 1.0f;
      q = u * u + v * v;
    } while (q >= 1.0f || q == 0.0f);
    float f = sqrtf(-2.0f * logf(q) / q) * sigma;
    p[i] = clip01(p[i] + u * f);
    i++;
    if (i < n) {
      p[i] = clip01(p[i] + v * f);
      i++;
    }
  }
}

void patina_augment_apply(const PatinaAugment *a, const PatinaAugmentDraw *d, const float *src,
                          int w, int h, float *dst, int size)
{
  g_return_if_fail(a && d && src && dst && w > 0 && h > 0 && size > 0);
  gsize n = (gsize) size * size;
  gboolean geometric = d->theta != 0.0 || d->shift_x != 0.0 || d->shift_y != 0.0 ||
                       d->zoom_x != 1.0 || d->zoom_y != 1.0 || d->flip_h || d->flip_v;
  if (!geometric && w == size && h == size)
    memcpy(dst, src, n * sizeof(float));
  else
    warp(a, d, src, w, h, dst, size);
  if (d->blur_sigma > 0.0)
    blur(dst, size, d->blur_sigma);
  if (d->brightness != 1.0) {
    float b = (float) d->brightness;
    for (gsize i = 0; i < n; i++)
      dst[i] = clip01(dst[i] * b);
  }
  if (d->contrast != 1.0) {
    double sum = 0.0;
    for (gsize i = 0; i < n; i++)
      sum += dst[i];
    float m = (float) (sum / n), c = (float) d->contrast;
    for (gsize i = 0; i < n; i++)
      dst[i] = clip01(m + c * (dst[i] - m));
  }
  if (d->gamma != 1.0) {
    float g = (float) d->gamma;
    for (gsize i = 0; i < n; i++)
      dst[i] = powf(clip01(dst[i]), g);
  }
  if (d->noise_sigma > 0.0)
    add_noise(dst, n, (float) d->noise_sigma, d->noise_seed);
}

void patina_augment_plane(const PatinaAugment *a, PatinaRng *rng, const float *src, int w, int h,
                          float *dst, int size)
{
  PatinaAugmentDraw d;
  patina_augment_draw(a, size, rng, &d);
  patina_augment_apply(a, &d, src, w, h, dst, size);
}
