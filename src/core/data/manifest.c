#include "manifest.h"

#include "image.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK(patina-manifest-error-quark, patina_manifest_error)

/* Deeper JSON is refused before json-glib sees it: its parser recurses per level, and a
 * manifest needs four levels. */
#define MAX_DEPTH 32
/* Bounds of the numeric fields, generous but finite. */
#define MAX_CROP_ROWS (1 << 20)
#define MIN_PIXEL_SIZE 1e-13 /* 0.1 pm: below any SEM */
#define MAX_PIXEL_SIZE 1e-3  /* 1 mm per pixel: a value in nm or µm written as metres is caught */

static const char *const split_names[PATINA_N_SPLITS] = {"train", "val", "test"};

const char *patina_split_name(PatinaSplit split)
{
  return split >= 0 && split < PATINA_N_SPLITS ? split_names[split] : "?";
}

static void clear_image(gpointer p)
{
  PatinaManifestImage *im = p;
  g_free(im->path);
  g_free(im->exclude_reason);
  g_free(im->synthetic_source);
  g_free(im->sha256);
}

PatinaManifest *patina_manifest_new(void)
{
  PatinaManifest *m = g_new0(PatinaManifest, 1);
  m->classes = g_ptr_array_new_with_free_func(g_free);
  m->images = g_array_new(FALSE, TRUE, sizeof(PatinaManifestImage));
  g_array_set_clear_func(m->images, clear_image);
  return m;
}

void patina_manifest_free(PatinaManifest *m)
{
  if (m == NULL)
    return;
  g_ptr_array_unref(m->classes);
  g_array_unref(m->images);
  g_free(m);
}

int patina_manifest_find(const PatinaManifest *m, const char *path)
{
  for (guint i = 0; i < m->images->len; i++)
    if (strcmp(g_array_index(m->images, PatinaManifestImage, i).path, path) == 0)
      return (int) i;
  return -1;
}

int patina_manifest_class(const PatinaManifest *m, const char *name)
{
  for (guint c = 0; c < m->classes->len; c++)
    if (strcmp(m->classes->pdata[c], name) == 0)
      return (int) c;
  return -1;
}

static void clear_issue(gpointer p)
{
  PatinaManifestIssue *issue = p;
  g_free(issue->path);
  g_free(issue->detail);
}

GArray *patina_manifest_issues_new(void)
{
  GArray *a = g_array_new(FALSE, TRUE, sizeof(PatinaManifestIssue));
  g_array_set_clear_func(a, clear_issue);
  return a;
}

const char *patina_issue_kind_name(PatinaIssueKind kind)
{
  static const char *const names[] = {"missing", "outside", "new", "changed", "unreadable",
                                      "straddle"};
  return kind >= 0 && kind < (int) G_N_ELEMENTS(names) ? names[kind] : "?";
}

static void add_issue(GArray *issues, PatinaIssueKind kind, const char *path, const char *fmt,
                      ...) G_GNUC_PRINTF(4, 5);

static void add_issue(GArray *issues, PatinaIssueKind kind, const char *path, const char *fmt, ...)
{
  if (issues == NULL)
    return;
  va_list ap;
  va_start(ap, fmt);
  PatinaManifestIssue issue = {.kind = kind, .path = g_strdup(path),
                               .detail = g_strdup_vprintf(fmt, ap)};
  va_end(ap);
  g_array_append_val(issues, issue);
}

/* ---- paths ---- */

gboolean patina_manifest_check_path(const char *rel, const char **why)
{
  const char *dummy;
  if (why == NULL)
    why = &dummy;
  if (rel == NULL || *rel == '\0') {
    *why = "expected a relative path such as \"class/image.png\"";
    return FALSE;
  }
  if (!g_utf8_validate(rel, -1, NULL)) {
    *why = "not valid UTF-8";
    return FALSE;
  }
  if (rel[0] == '/' || rel[0] == '\\' || (g_ascii_isalpha(rel[0]) && rel[1] == ':')) {
    *why = "expected a path relative to the data folder, got an absolute path";
    return FALSE;
  }
  for (const char *p = rel; *p != '\0';) {
    const char *end = strchr(p, '/');
    size_t n = end ? (size_t) (end - p) : strlen(p);
    if (n == 0) {
      *why = "expected a path without empty components (\"//\" or a trailing \"/\")";
      return FALSE;
    }
    if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
      *why = "expected a path inside the data folder, without \".\" or \"..\" components";
      return FALSE;
    }
    if (end == NULL)
      break;
    p = end + 1;
    if (*p == '\0') {
      *why = "expected a path without empty components (\"//\" or a trailing \"/\")";
      return FALSE;
    }
  }
  return TRUE;
}

/* Whether real (resolved) lies strictly inside root_real (resolved). */
static gboolean is_inside(const char *root_real, const char *real)
{
  size_t n = strlen(root_real);
  while (n > 0 && root_real[n - 1] == '/')
    n--;
  return strncmp(real, root_real, n) == 0 && real[n] == '/' && real[n + 1] != '\0';
}

static char *resolve_in(const char *root, const char *root_real, const char *rel, GError **error)
{
  const char *why;
  if (!patina_manifest_check_path(rel, &why)) {
    g_set_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_OUTSIDE, "%s: %s", rel, why);
    return NULL;
  }
  g_autofree char *full = g_build_filename(root, rel, NULL);
  g_autofree char *real = realpath(full, NULL);
  if (real == NULL) {
    int saved = errno;
    int code = saved == ENOENT || saved == ENOTDIR ? PATINA_MANIFEST_ERROR_MISSING
               : saved == ELOOP                    ? PATINA_MANIFEST_ERROR_OUTSIDE
                                                   : PATINA_MANIFEST_ERROR_MISSING;
    g_set_error(error, PATINA_MANIFEST_ERROR, code, "%s: %s", full,
                saved == ENOENT ? "no such file in the data folder" : g_strerror(saved));
    return NULL;
  }
  if (!is_inside(root_real, real)) {
    g_set_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_OUTSIDE,
                "%s: resolves to %s, outside the data folder; not read", full, real);
    return NULL;
  }
  if (!g_file_test(real, G_FILE_TEST_IS_REGULAR)) {
    g_set_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_MISSING,
                "%s: not a regular file", full);
    return NULL;
  }
  return g_steal_pointer(&full);
}

char *patina_manifest_resolve(const char *root, const char *rel, GError **error)
{
  g_return_val_if_fail(root != NULL && rel != NULL, NULL);
  g_autofree char *root_real = realpath(root, NULL);
  if (root_real == NULL) {
    int saved = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "%s: %s", root,
                g_strerror(saved));
    return NULL;
  }
  return resolve_in(root, root_real, rel, error);
}

char *patina_manifest_path_in(const char *dir)
{
  return g_build_filename(dir, PATINA_MANIFEST_NAME, NULL);
}

/* The path of an absolute file under root, relative to it, or NULL when it is not below it. */
static const char *relative_to(const char *root, const char *path)
{
  size_t n = strlen(root);
  while (n > 0 && root[n - 1] == '/')
    n--;
  if (strncmp(path, root, n) != 0 || path[n] != '/')
    return NULL;
  return path + n + 1;
}

/* ---- reading ---- */

/* The shortest decimal that reads back as the same double. */
static void append_double(GString *out, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int digits = 6; digits <= 17; digits++) {
    char fmt[8];
    g_snprintf(fmt, sizeof fmt, "%%.%dg", digits);
    g_ascii_formatd(buf, sizeof buf, fmt, v);
    if (g_ascii_strtod(buf, NULL) == v)
      break;
  }
  /* "1" would read back as an integer; JSON does not care but json-glib's types do. */
  if (strpbrk(buf, ".eEn") == NULL)
    g_strlcat(buf, ".0", sizeof buf);
  g_string_append(out, buf);
}


/* A JSON string literal of s (UTF-8 kept as is). */
static void append_string(GString *out, const char *s)
{
  if (s == NULL) {
    g_string_append(out, "null");
    return;
  }
  g_string_append_c(out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
    switch (*p) {
    case '"':
      g_string_append(out, "\\\"");
      break;
    case '\\':
      g_string_append(out, "\\\\");
      break;
    case '\n':
      g_string_append(out, "\\n");
      break;
    case '\t':
      g_string_append(out, "\\t");
      break;
    case '\r':
      g_string_append(out, "\\r");
      break;
    default:
      if (*p < 0x20 || *p == 0x7f)
        g_string_append_printf(out, "\\u%04x", *p);
      else
        g_string_append_c(out, (char) *p);
    }
  }
  g_string_append_c(out, '"');
}


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
    append_string(out, cut);
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
    append_double(out, json_node_get_double(node));
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
      append_string(esc, valid);
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
      if (strcmp(json_node_get_string(split), split_names[k]) == 0) {
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

/* ---- writing ---- */

char *patina_manifest_to_data(const PatinaManifest *m, gsize *len)
{
  GString *out = g_string_new("{\n");
  g_string_append_printf(out, "  \"version\": %d,\n  \"classes\": [", PATINA_MANIFEST_VERSION);
  for (guint c = 0; c < m->classes->len; c++) {
    if (c > 0)
      g_string_append(out, ", ");
    append_string(out, m->classes->pdata[c]);
  }
  g_string_append(out, "],\n");
  if (m->has_split_info) {
    g_string_append_printf(out, "  \"split\": {\"seed\": %" G_GUINT64_FORMAT ", \"val\": ",
                           m->seed <= G_MAXINT64 ? m->seed : (guint64) G_MAXINT64);
    append_double(out, m->val_fraction);
    g_string_append(out, ", \"test\": ");
    append_double(out, m->test_fraction);
    g_string_append(out, "},\n");
  }
  g_string_append(out, "  \"images\": [");
  /* One image per line: readable, and a change to one image is a one-line diff. */
  for (guint i = 0; i < m->images->len; i++) {
    const PatinaManifestImage *im = &g_array_index(m->images, PatinaManifestImage, i);
    g_string_append(out, i ? ",\n    {\"path\": " : "\n    {\"path\": ");
    append_string(out, im->path);
    g_string_append(out, ", \"class\": ");
    append_string(out, im->label >= 0 && im->label < (int) m->classes->len
                           ? m->classes->pdata[im->label]
                           : "");
    g_string_append_printf(out, ", \"split\": \"%s\", \"excluded\": %s",
                           patina_split_name(im->split), im->excluded ? "true" : "false");
    if (im->exclude_reason) {
      g_string_append(out, ", \"exclude_reason\": ");
      append_string(out, im->exclude_reason);
    }
    if (im->crop_rows >= 0)
      g_string_append_printf(out, ", \"crop_rows\": %d", im->crop_rows);
    else
      g_string_append(out, ", \"crop_rows\": null");
    g_string_append(out, ", \"pixel_size\": ");
    if (im->pixel_size > 0)
      append_double(out, im->pixel_size);
    else
      g_string_append(out, "null");
    g_string_append_printf(out, ", \"synthetic\": %s", im->synthetic ? "true" : "false");
    if (im->synthetic_source) {
      g_string_append(out, ", \"synthetic_source\": ");
      append_string(out, im->synthetic_source);
    }
    g_string_append(out, ", \"sha256\": ");
    append_string(out, im->sha256);
    g_string_append_c(out, '}');
  }
  g_string_append(out, m->images->len ? "\n  ]\n}\n" : "]\n}\n");
  if (len)
    *len = out->len;
  return g_string_free(out, FALSE);
}

gboolean patina_manifest_save(const PatinaManifest *m, const char *path, GError **error)
{
  g_return_val_if_fail(m != NULL && path != NULL, FALSE);
  gsize len;
  g_autofree char *data = patina_manifest_to_data(m, &len);
  /* g_file_set_contents writes a temporary file beside path, fsyncs and renames it. */
  g_autoptr(GError) local = NULL;
  if (!g_file_set_contents_full(path, data, (gssize) len,
                                G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                0644, &local)) {
    g_set_error(error, local->domain, local->code, "%s", local->message);
    return FALSE;
  }
  return TRUE;
}

/* ---- the folder ---- */

PatinaManifest *patina_manifest_create(const PatinaDataset *ds, double val_fraction,
                                       double test_fraction, guint64 seed, GError **error)
{
  g_return_val_if_fail(ds != NULL, NULL);
  if (!(val_fraction >= 0.0 && test_fraction >= 0.0 && val_fraction + test_fraction < 1.0)) {
    g_set_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_INVALID,
                "validation (%g) and test (%g) fractions must be at least 0 and add up to less "
                "than 1",
                val_fraction, test_fraction);
    return NULL;
  }
  g_autoptr(PatinaManifest) m = patina_manifest_new();
  for (guint c = 0; c < ds->class_names->len; c++)
    g_ptr_array_add(m->classes, g_strdup(ds->class_names->pdata[c]));
  m->has_split_info = TRUE;
  m->seed = seed <= G_MAXINT64 ? seed : seed & G_MAXINT64;
  m->val_fraction = val_fraction;
  m->test_fraction = test_fraction;

  GArray *parts[PATINA_N_SPLITS];
  for (int s = 0; s < PATINA_N_SPLITS; s++)
    parts[s] = g_array_new(FALSE, FALSE, sizeof(int));
  patina_dataset_split3(ds, val_fraction, test_fraction, m->seed, parts[0], parts[1], parts[2]);
  g_autofree PatinaSplit *split_of = g_new0(PatinaSplit, MAX(ds->samples->len, 1));
  for (int s = 0; s < PATINA_N_SPLITS; s++) {
    for (guint k = 0; k < parts[s]->len; k++)
      split_of[g_array_index(parts[s], int, k)] = (PatinaSplit) s;
    g_array_unref(parts[s]);
  }

  for (guint i = 0; i < ds->samples->len; i++) {
    const PatinaSample *s = &g_array_index(ds->samples, PatinaSample, i);
    const char *rel = relative_to(ds->root, s->path);
    const char *why;
    if (rel == NULL || !patina_manifest_check_path(rel, &why)) {
      g_autofree char *shown = g_filename_display_name(s->path);
      g_set_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_INVALID,
                  "%s: cannot be recorded in a manifest (%s); rename it", shown,
                  rel ? why : "not inside the data folder");
      return NULL;
    }
    char *sum = patina_dataset_hash_file(s->path, error);
    if (sum == NULL)
      return NULL;
    PatinaManifestImage im = {.path = g_strdup(rel), .label = s->label,
                              .split = split_of[i], .crop_rows = -1, .sha256 = sum};
    /* Record the data bar crop found now and the pixel size, so the manifest says which rows
     * every later run uses; an image that does not decode stays automatic and is reported
     * when it is loaded. */
    g_autoptr(PatinaGray) gray = patina_gray_load(s->path, NULL);
    if (gray) {
      im.crop_rows = gray->databar.bar_rows;
      im.pixel_size = gray->sem.pixel_size;
    }
    g_array_append_val(m->images, im);
  }
  return g_steal_pointer(&m);
}

gboolean patina_manifest_reconcile(PatinaManifest *m, const char *root, PatinaReconcileFlags flags,
                                   GArray *issues, GError **error)
{
  g_return_val_if_fail(m != NULL && root != NULL, FALSE);
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(PatinaDataset) ds =
      patina_dataset_open_full(root, PATINA_DATASET_OPEN_CONTAINED, skipped, error);
  if (ds == NULL)
    return FALSE;
  g_autofree char *root_real = realpath(ds->root, NULL);
  if (root_real == NULL) {
    int saved = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "%s: %s", ds->root,
                g_strerror(saved));
    return FALSE;
  }
  for (guint k = 0; k < skipped->len; k++) {
    const char *path = skipped->pdata[k];
    const char *rel = relative_to(ds->root, path);
    g_autofree char *target = realpath(path, NULL);
    add_issue(issues, PATINA_ISSUE_OUTSIDE, rel ? rel : path,
              "resolves to %s, outside the data folder; not read", target ? target : "?");
  }

  /* What the manifest names. */
  for (guint i = 0; i < m->images->len;) {
    PatinaManifestImage *im = &g_array_index(m->images, PatinaManifestImage, i);
    g_autoptr(GError) local = NULL;
    g_autofree char *full = resolve_in(ds->root, root_real, im->path, &local);
    if (full == NULL) {
      gboolean missing = g_error_matches(local, PATINA_MANIFEST_ERROR,
                                         PATINA_MANIFEST_ERROR_MISSING);
      add_issue(issues, missing ? PATINA_ISSUE_MISSING : PATINA_ISSUE_OUTSIDE, im->path, "%s%s",
                local->message,
                missing && (flags & PATINA_RECONCILE_DROP_MISSING) ? " (removed from the "
                                                                     "manifest)"
                                                                   : "");
      if (missing && (flags & PATINA_RECONCILE_DROP_MISSING)) {
        g_array_remove_index(m->images, i);
        continue;
      }
      i++;
      continue;
    }
    if ((flags & (PATINA_RECONCILE_VERIFY_HASHES | PATINA_RECONCILE_UPDATE_HASHES)) &&
        (im->sha256 != NULL || (flags & PATINA_RECONCILE_UPDATE_HASHES))) {
      g_autofree char *sum = patina_dataset_hash_file(full, &local);
      if (sum == NULL) {
        add_issue(issues, PATINA_ISSUE_UNREADABLE, im->path, "%s", local->message);
      } else if (im->sha256 != NULL && strcmp(sum, im->sha256) != 0) {
        add_issue(issues, PATINA_ISSUE_CHANGED, im->path,
                  "content differs from the recorded hash%s",
                  (flags & PATINA_RECONCILE_UPDATE_HASHES) ? " (hash updated)" : "");
        if (flags & PATINA_RECONCILE_UPDATE_HASHES) {
          g_free(im->sha256);
          im->sha256 = g_steal_pointer(&sum);
        }
      } else if (im->sha256 == NULL) {
        im->sha256 = g_steal_pointer(&sum);
      }
    }
    i++;
  }

  /* What the folder holds. */
  g_autoptr(GHashTable) listed = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < m->images->len; i++)
    g_hash_table_add(listed, g_array_index(m->images, PatinaManifestImage, i).path);
  for (guint i = 0; i < ds->samples->len; i++) {
    const PatinaSample *s = &g_array_index(ds->samples, PatinaSample, i);
    const char *rel = relative_to(ds->root, s->path);
    if (rel == NULL || g_hash_table_contains(listed, rel))
      continue;
    const char *why;
    if (!patina_manifest_check_path(rel, &why)) {
      g_autofree char *shown = g_filename_display_name(rel);
      add_issue(issues, PATINA_ISSUE_NEW, shown, "not in the manifest and cannot be (%s)", why);
      continue;
    }
    if (!(flags & PATINA_RECONCILE_ADD_NEW)) {
      add_issue(issues, PATINA_ISSUE_NEW, rel, "not in the manifest");
      continue;
    }
    const char *klass = ds->class_names->pdata[s->label];
    int label = patina_manifest_class(m, klass);
    if (label < 0) {
      label = (int) m->classes->len;
      g_ptr_array_add(m->classes, g_strdup(klass));
    }
    g_autoptr(GError) local = NULL;
    char *sum = patina_dataset_hash_file(s->path, &local);
    if (sum == NULL)
      add_issue(issues, PATINA_ISSUE_UNREADABLE, rel, "%s", local->message);
    PatinaManifestImage im = {.path = g_strdup(rel), .label = label, .split = PATINA_SPLIT_TRAIN,
                              .crop_rows = -1, .sha256 = sum};
    g_array_append_val(m->images, im);
    g_hash_table_add(listed, g_array_index(m->images, PatinaManifestImage,
                                           m->images->len - 1).path);
    add_issue(issues, PATINA_ISSUE_NEW, rel, "added to the manifest (split train)");
  }
  return TRUE;
}

PatinaDataset *patina_manifest_open_dataset(const PatinaManifest *m, const char *root,
                                            GArray *splits[PATINA_N_SPLITS], GArray *issues,
                                            GError **error)
{
  g_return_val_if_fail(m != NULL && root != NULL, NULL);
  g_autofree char *root_abs = g_canonicalize_filename(root, NULL);
  g_autofree char *root_real = realpath(root_abs, NULL);
  if (root_real == NULL) {
    int saved = errno;
    g_autofree char *shown = g_filename_display_name(root_abs);
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "%s: %s", shown,
                g_strerror(saved));
    return NULL;
  }
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GArray) labels = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) crops = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) split_of = g_array_new(FALSE, FALSE, sizeof(int));
  for (guint i = 0; i < m->images->len; i++) {
    const PatinaManifestImage *im = &g_array_index(m->images, PatinaManifestImage, i);
    if (im->excluded)
      continue;
    g_autoptr(GError) local = NULL;
    char *full = resolve_in(root_abs, root_real, im->path, &local);
    if (full == NULL) {
      gboolean missing = g_error_matches(local, PATINA_MANIFEST_ERROR,
                                         PATINA_MANIFEST_ERROR_MISSING);
      add_issue(issues, missing ? PATINA_ISSUE_MISSING : PATINA_ISSUE_OUTSIDE, im->path,
                "%s; skipped", local->message);
      continue;
    }
    /* Open it once here, so an unreadable file is a skipped, reported file rather than an
     * error halfway through training. */
    FILE *f = g_fopen(full, "rb");
    if (f == NULL) {
      int saved = errno;
      add_issue(issues, PATINA_ISSUE_UNREADABLE, im->path, "%s: %s; skipped", full,
                g_strerror(saved));
      g_free(full);
      continue;
    }
    fclose(f);
    g_ptr_array_add(paths, full);
    g_array_append_val(labels, im->label);
    g_array_append_val(crops, im->crop_rows);
    int s = (int) im->split;
    g_array_append_val(split_of, s);
  }
  if (paths->len == 0) {
    g_autofree char *shown = g_filename_display_name(root_abs);
    g_set_error(error, PATINA_MANIFEST_ERROR, PATINA_MANIFEST_ERROR_MISSING,
                "%s: the manifest names no image that can be used (%u listed, all excluded, "
                "missing or unreadable)",
                shown, m->images->len);
    return NULL;
  }
  PatinaDataset *ds = patina_dataset_new_from_files(
      root_abs, (const char *const *) m->classes->pdata, (int) m->classes->len,
      (const char *const *) paths->pdata, (const int *) labels->data, (int) paths->len, error);
  if (ds == NULL)
    return NULL;
  for (int s = 0; s < PATINA_N_SPLITS; s++)
    if (splits != NULL && splits[s] != NULL)
      g_array_set_size(splits[s], 0);
  for (guint i = 0; i < split_of->len; i++) {
    int s = g_array_index(split_of, int, i);
    int idx = (int) i;
    if (splits != NULL && splits[s] != NULL)
      g_array_append_val(splits[s], idx);
    /* a manifest's crop_rows overrides the data bar search for its image */
    PatinaSample *sample = &g_array_index(ds->samples, PatinaSample, i);
    sample->crop_rows = g_array_index(crops, int, i);
    sample->crop_set = sample->crop_rows >= 0;
  }
  return ds;
}

void patina_manifest_find_straddles(const PatinaDataset *ds, GArray *splits[PATINA_N_SPLITS],
                                    GArray *issues)
{
  int n = (int) ds->samples->len;
  g_autofree int *split_of = g_new(int, MAX(n, 1));
  for (int i = 0; i < n; i++)
    split_of[i] = -1;
  for (int s = 0; s < PATINA_N_SPLITS; s++)
    for (guint k = 0; splits[s] != NULL && k < splits[s]->len; k++) {
      int i = g_array_index(splits[s], int, k);
      if (i >= 0 && i < n)
        split_of[i] = s;
    }
  /* For each group, its first member; report a group once, at the member that differs. */
  g_autoptr(GHashTable) first = g_hash_table_new(g_direct_hash, g_direct_equal);
  g_autoptr(GHashTable) reported = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (int i = 0; i < n; i++) {
    const PatinaSample *s = &g_array_index(ds->samples, PatinaSample, i);
    if (s->group < 0 || split_of[i] < 0)
      continue;
    gpointer key = GINT_TO_POINTER(s->group + 1), value;
    if (!g_hash_table_lookup_extended(first, key, NULL, &value)) {
      g_hash_table_insert(first, key, GINT_TO_POINTER(i));
      continue;
    }
    int j = GPOINTER_TO_INT(value);
    if (split_of[j] == split_of[i] || g_hash_table_contains(reported, key))
      continue;
    g_hash_table_add(reported, key);
    const char *pi = g_array_index(ds->samples, PatinaSample, i).path;
    const char *pj = g_array_index(ds->samples, PatinaSample, j).path;
    const char *ri = relative_to(ds->root, pi), *rj = relative_to(ds->root, pj);
    add_issue(issues, PATINA_ISSUE_STRADDLE, ri ? ri : pi,
              "byte-identical to %s but in split %s, not %s", rj ? rj : pj,
              split_names[split_of[i]], split_names[split_of[j]]);
  }
}
