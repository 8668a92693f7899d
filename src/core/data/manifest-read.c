/* Reading a manifest: strict, every error names the JSON path of the field at fault, and
 * hostile input (deep nesting, huge files, odd numbers) is refused before it costs anything. */
#include "manifest-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

/* Deeper JSON is refused before json-glib sees it: its parser recurses per level, and a
 * manifest needs four levels. */
#define MAX_DEPTH 32
/* Bounds of the numeric fields, generous but finite. */
#define MAX_CROP_ROWS (1 << 20)
#define MIN_PIXEL_SIZE 1e-13 /* 0.1 pm: below any SEM */
#define MAX_PIXEL_SIZE 1e-3  /* 1 mm per pixel: a value in nm or µm written as metres is caught */

typedef struct {
  const char *name;
  GError **error;
} Ctx;

static gboolean invalid(Ctx *ctx, const char *jpath, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static gboolean invalid(Ctx *ctx, const char *jpath, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(ctx->error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_INVALID, "%s: %s%s%s",
              ctx->name, jpath ? jpath : "", jpath ? ": " : "", msg);
  return FALSE;
}

/* A short description of a JSON value for "got ..." (strings quoted and cut at 60 chars). */
static char *describe(JsonNode *node)
{
  switch (json_node_get_node_type(node)) {
  case JSON_NODE_OBJECT:
    return g_strdup("an object");
  case JSON_NODE_ARRAY:
    return g_strdup("an array");
  case JSON_NODE_NULL:
    return g_strdup("null");
  case JSON_NODE_VALUE:
    break;
  }
  GType t = json_node_get_value_type(node);
  if (t == G_TYPE_STRING) {
    g_autofree char *s = g_utf8_make_valid(json_node_get_string(node), -1);
    glong n = g_utf8_strlen(s, -1);
    g_autofree char *cut = n > 60 ? g_utf8_substring(s, 0, 60) : g_strdup(s);
    GString *out = g_string_new(NULL);
    patina_manifest_append_string(out, cut);
    if (n > 60)
      g_string_insert(out, out->len - 1, "…");
    return g_string_free(out, FALSE);
  }
  if (t == G_TYPE_BOOLEAN)
    return g_strdup(json_node_get_boolean(node) ? "true" : "false");
  if (t == G_TYPE_INT64)
    return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
  if (t == G_TYPE_DOUBLE) {
    GString *out = g_string_new(NULL);
    patina_manifest_append_double(out, json_node_get_double(node));
    return g_string_free(out, FALSE);
  }
  return g_strdup("a value of unknown type");
}

/* json-glib decodes a lone surrogate escape ("\ud800") to bytes that are not UTF-8. */
static gboolean valid_text(Ctx *ctx, const char *s, const char *jpath)
{
  if (g_utf8_validate(s, -1, NULL))
    return TRUE;
  return invalid(ctx, jpath, "expected a string of valid Unicode, got one with a lone surrogate "
                             "escape (\\uD800 to \\uDFFF)");
}

static gboolean want_string(Ctx *ctx, JsonNode *node, const char *jpath, const char **out)
{
  if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING) {
    *out = json_node_get_string(node);
    return valid_text(ctx, *out, jpath);
  }
  g_autofree char *got = describe(node);
  return invalid(ctx, jpath, "expected a string, got %s", got);
}

static gboolean want_optional_string(Ctx *ctx, JsonNode *node, const char *jpath, char **out)
{
  if (JSON_NODE_HOLDS_NULL(node)) {
    *out = NULL;
    return TRUE;
  }
  if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING) {
    if (!valid_text(ctx, json_node_get_string(node), jpath))
      return FALSE;
    *out = g_strdup(json_node_get_string(node));
    return TRUE;
  }
  g_autofree char *got = describe(node);
  return invalid(ctx, jpath, "expected a string or null, got %s", got);
}

static gboolean want_bool(Ctx *ctx, JsonNode *node, const char *jpath, gboolean *out)
{
  if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_BOOLEAN) {
    *out = json_node_get_boolean(node);
    return TRUE;
  }
  g_autofree char *got = describe(node);
  return invalid(ctx, jpath, "expected true or false, got %s", got);
}

static gboolean want_int(Ctx *ctx, JsonNode *node, const char *jpath, gint64 lo, gint64 hi,
                         gint64 *out)
{
  if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64) {
    gint64 v = json_node_get_int(node);
    if (v >= lo && v <= hi) {
      *out = v;
      return TRUE;
    }
  }
  g_autofree char *got = describe(node);
  return invalid(ctx, jpath, "expected an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                             ", got %s", lo, hi, got);
}

/* A number (integer or not) in [lo, hi) or, with hi_closed, [lo, hi]. */
static gboolean want_number(Ctx *ctx, JsonNode *node, const char *jpath, double lo, double hi,
                            const char *expected, double *out)
{
  if (JSON_NODE_HOLDS_VALUE(node)) {
    GType t = json_node_get_value_type(node);
    if (t == G_TYPE_INT64 || t == G_TYPE_DOUBLE) {
      double v = t == G_TYPE_INT64 ? (double) json_node_get_int(node) : json_node_get_double(node);
      if (isfinite(v) && v >= lo && v <= hi) {
        *out = v;
        return TRUE;
      }
    }
  }
  g_autofree char *got = describe(node);
  return invalid(ctx, jpath, "expected %s, got %s", expected, got);
}

/* Refuses members not in `known`; names the first unknown one. */
static gboolean check_members(Ctx *ctx, JsonObject *o, const char *jpath,
                              const char *const *known)
{
  g_autoptr(GList) members = json_object_get_members(o);
  for (GList *l = members; l != NULL; l = l->next) {
    const char *name = l->data;
    gboolean ok = FALSE;
    for (int k = 0; known[k] != NULL && !ok; k++)
      ok = strcmp(name, known[k]) == 0;
    if (!ok) {
      g_autofree char *list = g_strjoinv(", ", (char **) known);
      GString *esc = g_string_new(NULL);
      g_autofree char *valid = g_utf8_make_valid(name, -1);
      patina_manifest_append_string(esc, valid);
      invalid(ctx, jpath, "unknown field %s (expected %s)", esc->str, list);
      g_string_free(esc, TRUE);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean is_hex64(const char *s)
{
  for (int i = 0; i < 64; i++)
    if (!g_ascii_isxdigit(s[i]))
      return FALSE;
  return s[64] == '\0';
}

static gboolean parse_image(Ctx *ctx, PatinaManifest *m, JsonNode *node, guint index,
                            GHashTable *seen)
{
  g_autofree char *at = g_strdup_printf("images[%u]", index);
  if (!JSON_NODE_HOLDS_OBJECT(node)) {
    g_autofree char *got = describe(node);
    return invalid(ctx, at, "expected an object with \"path\", \"class\" and \"split\", got %s",
                   got);
  }
  JsonObject *o = json_node_get_object(node);
  static const char *const known[] = {"path",      "class",           "split",
                                      "excluded",  "exclude_reason",  "crop_rows",
                                      "pixel_size", "synthetic",      "synthetic_source",
                                      "sha256",    NULL};
  if (!check_members(ctx, o, at, known))
    return FALSE;
  static const char *const required[] = {"path", "class", "split"};
  for (guint k = 0; k < G_N_ELEMENTS(required); k++)
    if (!json_object_has_member(o, required[k]))
      return invalid(ctx, at, "missing field \"%s\"", required[k]);

  PatinaManifestImage im = {.crop_rows = -1, .split = PATINA_SPLIT_TRAIN};
  g_array_append_val(m->images, im);
  PatinaManifestImage *out = &g_array_index(m->images, PatinaManifestImage, m->images->len - 1);

  g_autofree char *jp = g_strconcat(at, ".path", NULL);
  const char *s;
  if (!want_string(ctx, json_object_get_member(o, "path"), jp, &s))
    return FALSE;
  const char *why;
  if (!patina_manifest_check_path(s, &why)) {
    g_autofree char *got = describe(json_object_get_member(o, "path"));
    return invalid(ctx, jp, "%s: %s", why, got);
  }
  gpointer first;
  if (g_hash_table_lookup_extended(seen, s, NULL, &first)) {
    g_autofree char *got = describe(json_object_get_member(o, "path"));
    return invalid(ctx, jp, "%s is listed twice (also at images[%u])", got,
                   GPOINTER_TO_UINT(first));
  }
  out->path = g_strdup(s);
  g_hash_table_insert(seen, out->path, GUINT_TO_POINTER(index));

  g_free(jp);
  jp = g_strconcat(at, ".class", NULL);
  if (!want_string(ctx, json_object_get_member(o, "class"), jp, &s))
    return FALSE;
  out->label = patina_manifest_class(m, s);
  if (out->label < 0) {
    g_autofree char *got = describe(json_object_get_member(o, "class"));
    return invalid(ctx, jp, "expected one of the names in \"classes\", got %s", got);
  }

  g_free(jp);
  jp = g_strconcat(at, ".split", NULL);
  JsonNode *split = json_object_get_member(o, "split");
  gboolean found = FALSE;
  if (JSON_NODE_HOLDS_VALUE(split) && json_node_get_value_type(split) == G_TYPE_STRING)
    for (int k = 0; k < PATINA_N_SPLITS && !found; k++)
      if (strcmp(json_node_get_string(split), patina_split_name((PatinaSplit) k)) == 0) {
        out->split = (PatinaSplit) k;
        found = TRUE;
      }
  if (!found) {
    g_autofree char *got = describe(split);
    return invalid(ctx, jp, "expected \"train\", \"val\" or \"test\", got %s", got);
  }

#define MEMBER(field) (json_object_has_member(o, field) ? json_object_get_member(o, field) : NULL)
  JsonNode *n;
  if ((n = MEMBER("excluded")) != NULL) {
    g_free(jp);
    jp = g_strconcat(at, ".excluded", NULL);
    if (!want_bool(ctx, n, jp, &out->excluded))
      return FALSE;
  }
  if ((n = MEMBER("exclude_reason")) != NULL) {
    g_free(jp);
    jp = g_strconcat(at, ".exclude_reason", NULL);
    if (!want_optional_string(ctx, n, jp, &out->exclude_reason))
      return FALSE;
  }
  if ((n = MEMBER("crop_rows")) != NULL && !JSON_NODE_HOLDS_NULL(n)) {
    g_free(jp);
    jp = g_strconcat(at, ".crop_rows", NULL);
    gint64 v = 0;
    if (!want_int(ctx, n, jp, 0, MAX_CROP_ROWS, &v)) {
      g_clear_error(ctx->error);
      g_autofree char *got = describe(n);
      return invalid(ctx, jp, "expected null (automatic) or a number of rows from 0 to %d, got %s",
                     MAX_CROP_ROWS, got);
    }
    out->crop_rows = (int) v;
  }
  if ((n = MEMBER("pixel_size")) != NULL && !JSON_NODE_HOLDS_NULL(n)) {
    g_free(jp);
    jp = g_strconcat(at, ".pixel_size", NULL);
    if (!want_number(ctx, n, jp, MIN_PIXEL_SIZE, MAX_PIXEL_SIZE,
                     "null or metres per pixel from 1e-13 to 1e-3 (2.5 nm is 2.5e-9)",
                     &out->pixel_size))
      return FALSE;
  }
  if ((n = MEMBER("synthetic")) != NULL) {
    g_free(jp);
    jp = g_strconcat(at, ".synthetic", NULL);
    if (!want_bool(ctx, n, jp, &out->synthetic))
      return FALSE;
  }
  if ((n = MEMBER("synthetic_source")) != NULL) {
    g_free(jp);
    jp = g_strconcat(at, ".synthetic_source", NULL);
    if (!want_optional_string(ctx, n, jp, &out->synthetic_source))
      return FALSE;
  }
  if ((n = MEMBER("sha256")) != NULL && !JSON_NODE_HOLDS_NULL(n)) {
    g_free(jp);
    jp = g_strconcat(at, ".sha256", NULL);
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING ||
        !is_hex64(json_node_get_string(n))) {
      g_autofree char *got = describe(n);
      return invalid(ctx, jp, "expected null or 64 hexadecimal digits (SHA-256), got %s", got);
    }
    out->sha256 = g_ascii_strdown(json_node_get_string(n), -1);
  }
#undef MEMBER
  return TRUE;
}

static gboolean parse_split_info(Ctx *ctx, PatinaManifest *m, JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL(node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT(node)) {
    g_autofree char *got = describe(node);
    return invalid(ctx, "split", "expected null or an object with \"seed\", \"val\" and "
                                 "\"test\", got %s", got);
  }
  JsonObject *o = json_node_get_object(node);
  static const char *const known[] = {"seed", "val", "test", NULL};
  if (!check_members(ctx, o, "split", known))
    return FALSE;
  for (int k = 0; k < 3; k++)
    if (!json_object_has_member(o, known[k]))
      return invalid(ctx, "split", "missing field \"%s\"", known[k]);
  gint64 seed = 0;
  if (!want_int(ctx, json_object_get_member(o, "seed"), "split.seed", 0, G_MAXINT64, &seed) ||
      !want_number(ctx, json_object_get_member(o, "val"), "split.val", 0.0, 1.0,
                   "a fraction from 0 to 1", &m->val_fraction) ||
      !want_number(ctx, json_object_get_member(o, "test"), "split.test", 0.0, 1.0,
                   "a fraction from 0 to 1", &m->test_fraction))
    return FALSE;
  if (!(m->val_fraction + m->test_fraction < 1.0))
    return invalid(ctx, "split", "val + test must be below 1 (some images must train), got %g",
                   m->val_fraction + m->test_fraction);
  m->seed = (guint64) seed;
  m->has_split_info = TRUE;
  return TRUE;
}

/* Maximum nesting of arrays and objects, outside strings; stops counting past limit. */
static int json_depth(const char *data, gsize len, int limit)
{
  int depth = 0, max = 0;
  gboolean in_string = FALSE;
  for (gsize i = 0; i < len; i++) {
    char c = data[i];
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = FALSE;
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '[' || c == '{') {
      depth++;
      max = MAX(max, depth);
      if (max > limit)
        return max;
    } else if (c == ']' || c == '}') {
      depth--;
    }
  }
  return max;
}

PatinaManifest *patina_manifest_parse(const char *data, gsize len, const char *name,
                                      GError **error)
{
  g_return_val_if_fail(data != NULL || len == 0, NULL);
  if (name == NULL)
    name = PATINA_MANIFEST_NAME;
  Ctx ctx = {.name = name, .error = error};

  if (len > PATINA_MANIFEST_MAX_BYTES) {
    g_set_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_PARSE,
                "%s: %" G_GSIZE_FORMAT " bytes; a manifest is at most %u MiB", name, len,
                PATINA_MANIFEST_MAX_BYTES >> 20);
    return NULL;
  }
  /* A UTF-8 byte order mark, as some editors write, is not JSON but is harmless. */
  if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
    data += 3, len -= 3;
  const char *bad_utf8;
  if (!g_utf8_validate_len(data, len, &bad_utf8)) {
    g_set_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_PARSE,
                "%s: not valid UTF-8 (byte %" G_GSIZE_FORMAT ")", name,
                (gsize) (bad_utf8 - data));
    return NULL;
  }
  if (json_depth(data, len, MAX_DEPTH) > MAX_DEPTH) {
    g_set_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_PARSE,
                "%s: arrays and objects nested more than %d deep; not a manifest", name,
                MAX_DEPTH);
    return NULL;
  }

  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  g_autoptr(GError) local = NULL;
  /* json-glib wants the text NUL-terminated; g_utf8_validate_len refused embedded NULs. */
  g_autofree char *text = g_strndup(data, len);
  if (!json_parser_load_from_data(parser, text, (gssize) len, &local)) {
    /* json-glib says "<data>:LINE:COLUMN: Parse error: ..." */
    int line = 0, column = 0, used = 0;
    const char *msg = local->message;
    if (sscanf(msg, "<data>:%d:%d: %n", &line, &column, &used) == 2 && used > 0)
      g_set_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_PARSE,
                  "%s: not valid JSON (line %d, column %d: %s)", name, line, column, msg + used);
    else
      g_set_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_PARSE,
                  "%s: not valid JSON (%s)", name, msg);
    return NULL;
  }
  JsonNode *root = json_parser_get_root(parser);
  if (root == NULL) {
    invalid(&ctx, NULL, "empty; expected a JSON object with \"version\", \"classes\" and "
                        "\"images\"");
    return NULL;
  }
  if (!JSON_NODE_HOLDS_OBJECT(root)) {
    g_autofree char *got = describe(root);
    invalid(&ctx, NULL, "expected a JSON object with \"version\", \"classes\" and \"images\", "
                        "got %s", got);
    return NULL;
  }
  JsonObject *o = json_node_get_object(root);
  static const char *const known[] = {"version", "classes", "split", "images", NULL};

  /* The version first: a newer file is refused as such, not for fields this one lacks. */
  if (!json_object_has_member(o, "version")) {
    invalid(&ctx, NULL, "missing field \"version\" (expected %d)", PATINA_MANIFEST_VERSION);
    return NULL;
  }
  JsonNode *version = json_object_get_member(o, "version");
  if (JSON_NODE_HOLDS_VALUE(version) && json_node_get_value_type(version) == G_TYPE_INT64 &&
      json_node_get_int(version) > PATINA_MANIFEST_VERSION) {
    g_set_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_VERSION,
                "%s: version: %" G_GINT64_FORMAT " was written by a newer Patina; this one reads "
                "version %d",
                name, json_node_get_int(version), PATINA_MANIFEST_VERSION);
    return NULL;
  }
  if (!JSON_NODE_HOLDS_VALUE(version) || json_node_get_value_type(version) != G_TYPE_INT64 ||
      json_node_get_int(version) != PATINA_MANIFEST_VERSION) {
    g_autofree char *got = describe(version);
    invalid(&ctx, "version", "expected %d, got %s", PATINA_MANIFEST_VERSION, got);
    return NULL;
  }
  if (!check_members(&ctx, o, NULL, known))
    return NULL;

  g_autoptr(PatinaManifest) m = patina_manifest_new();
  if (!json_object_has_member(o, "classes")) {
    invalid(&ctx, NULL, "missing field \"classes\" (the class names, e.g. [\"316L\", "
                        "\"AZ31B\"])");
    return NULL;
  }
  JsonNode *classes = json_object_get_member(o, "classes");
  if (!JSON_NODE_HOLDS_ARRAY(classes)) {
    g_autofree char *got = describe(classes);
    invalid(&ctx, "classes", "expected an array of class names, got %s", got);
    return NULL;
  }
  JsonArray *ca = json_node_get_array(classes);
  guint nc = json_array_get_length(ca);
  for (guint c = 0; c < nc; c++) {
    g_autofree char *jp = g_strdup_printf("classes[%u]", c);
    JsonNode *cn = json_array_get_element(ca, c);
    const char *s;
    if (!want_string(&ctx, cn, jp, &s))
      return NULL;
    if (*s == '\0' || strchr(s, '/') != NULL || strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
      g_autofree char *got = describe(cn);
      invalid(&ctx, jp, "expected a class (folder) name without \"/\", not \".\" or \"..\", "
                        "got %s", got);
      return NULL;
    }
    if (patina_manifest_class(m, s) >= 0) {
      g_autofree char *got = describe(cn);
      invalid(&ctx, jp, "%s is listed twice", got);
      return NULL;
    }
    g_ptr_array_add(m->classes, g_strdup(s));
  }
  if (nc < 2) {
    invalid(&ctx, "classes", "expected at least two class names, got %u", nc);
    return NULL;
  }

  if (json_object_has_member(o, "split") &&
      !parse_split_info(&ctx, m, json_object_get_member(o, "split")))
    return NULL;

  if (!json_object_has_member(o, "images")) {
    invalid(&ctx, NULL, "missing field \"images\"");
    return NULL;
  }
  JsonNode *images = json_object_get_member(o, "images");
  if (!JSON_NODE_HOLDS_ARRAY(images)) {
    g_autofree char *got = describe(images);
    invalid(&ctx, "images", "expected an array of images, got %s", got);
    return NULL;
  }
  JsonArray *ia = json_node_get_array(images);
  guint ni = json_array_get_length(ia);
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < ni; i++)
    if (!parse_image(&ctx, m, json_array_get_element(ia, i), i, seen))
      return NULL;
  return g_steal_pointer(&m);
}

PatinaManifest *patina_manifest_load(const char *path, GError **error)
{
  g_return_val_if_fail(path != NULL, NULL);
  g_autofree char *shown = g_filename_display_name(path);
  GStatBuf st;
  if (g_stat(path, &st) != 0) {
    int saved = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "%s: %s", shown,
                g_strerror(saved));
    return NULL;
  }
  if (!S_ISREG(st.st_mode)) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a regular file", shown);
    return NULL;
  }
  if ((guint64) st.st_size > PATINA_MANIFEST_MAX_BYTES) {
    g_set_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_PARSE,
                "%s: %" G_GUINT64_FORMAT " bytes; a manifest is at most %u MiB", shown,
                (guint64) st.st_size, PATINA_MANIFEST_MAX_BYTES >> 20);
    return NULL;
  }
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents(path, &data, &len, &local)) {
    g_set_error(error, G_FILE_ERROR, local->domain == G_FILE_ERROR ? local->code
                                                                    : G_FILE_ERROR_FAILED,
                "%s", local->message);
    return NULL;
  }
  return patina_manifest_parse(data, len, shown, error);
}

