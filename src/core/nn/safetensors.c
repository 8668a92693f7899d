/* Reader and writer of the .safetensors format.
 *
 * The reader takes a private copy of the whole file and checks everything before it hands a
 * tensor out: header length against the file, the header's JSON shape, dtypes, shapes (with
 * overflow-checked element counts), data offsets against the data section, and overlaps.
 * Views point into that copy. A tensor whose bytes are not aligned for its dtype (the format
 * does not promise alignment: the header length need not be a multiple of 8, and a writer may
 * pack an F16 before an F32) is copied into its own aligned buffer rather than refused, so
 * every file the reference implementation accepts is accepted here too. */
#include "safetensors.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

#include "model.h"

/* A header above this is not a model checkpoint but an attack or a corrupt length. */
#define MAX_HEADER_LEN ((guint64) 100 * 1024 * 1024)
/* Valid headers nest 3 deep ({ name: { shape: [ ] } }); json-glib's parser recurses once per
 * level, so a header of a million '[' would exhaust the stack before any check of ours ran. */
#define MAX_JSON_DEPTH 32

typedef struct {
  PatinaTensorView view;
  guint64 begin, end; /* within the data section */
} Entry;

struct _PatinaSafetensors {
  char *what;
  guint8 *bytes; /* the whole file */
  gsize len;
  GArray *entries;         /* Entry, in header order */
  GHashTable *by_name;     /* name → index + 1 into entries */
  GHashTable *metadata;    /* key → value */
  GPtrArray *owned;        /* names and realigned tensor copies */
};

static gsize
dtype_size(PatinaDtype dtype)
{
  switch (dtype) {
  case PATINA_DTYPE_F32: return 4;
  case PATINA_DTYPE_F64: return 8;
  case PATINA_DTYPE_I64: return 8;
  case PATINA_DTYPE_F16: return 2;
  }
  return 1;
}

static const char *
dtype_name(PatinaDtype dtype)
{
  switch (dtype) {
  case PATINA_DTYPE_F32: return "F32";
  case PATINA_DTYPE_F64: return "F64";
  case PATINA_DTYPE_I64: return "I64";
  case PATINA_DTYPE_F16: return "F16";
  }
  return "?";
}

static gboolean
dtype_from_name(const char *s, PatinaDtype *out)
{
  static const struct { const char *name; PatinaDtype dtype; } map[] = {
    { "F32", PATINA_DTYPE_F32 }, { "F64", PATINA_DTYPE_F64 },
    { "I64", PATINA_DTYPE_I64 }, { "F16", PATINA_DTYPE_F16 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(map); i++)
    if (strcmp(s, map[i].name) == 0) {
      *out = map[i].dtype;
      return TRUE;
    }
  return FALSE;
}

/* "[2, 3]" for error messages. */
static char *
shape_string(int ndim, const gint64 *shape)
{
  GString *s = g_string_new("[");
  for (int i = 0; i < ndim; i++)
    g_string_append_printf(s, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
  g_string_append_c(s, ']');
  return g_string_free(s, FALSE);
}

void
patina_safetensors_free(PatinaSafetensors *st)
{
  if (!st)
    return;
  g_free(st->what);
  g_free(st->bytes);
  if (st->entries)
    g_array_unref(st->entries);
  g_clear_pointer(&st->by_name, g_hash_table_unref);
  g_clear_pointer(&st->metadata, g_hash_table_unref);
  g_clear_pointer(&st->owned, g_ptr_array_unref);
  g_free(st);
}

typedef enum { SCAN_OK, SCAN_TOO_DEEP, SCAN_TRAILING } ScanResult;

/* Depth of JSON nesting, ignoring brackets inside strings, and whether anything but
 * whitespace follows the top-level value (json-glib ignores such trailing text; the reference
 * implementation refuses it). Malformed text is left for json-glib to report; this only
 * guards its recursion. */
static ScanResult
json_scan(const char *text, gsize len)
{
  int depth = 0;
  gboolean in_string = FALSE, closed = FALSE;
  for (gsize i = 0; i < len; i++) {
    char c = text[i];
    if (closed) {
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        return SCAN_TRAILING;
    } else if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = FALSE;
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '[' || c == '{') {
      if (++depth > MAX_JSON_DEPTH)
        return SCAN_TOO_DEEP;
    } else if (c == ']' || c == '}') {
      if (--depth == 0)
        closed = TRUE;
    }
  }
  return SCAN_OK;
}

/* A non-negative JSON integer; json-glib stores integers as gint64 and anything with a
 * fraction or exponent as a double, which is refused. */
static gboolean
node_get_uint(JsonNode *node, guint64 *out)
{
  if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
    return FALSE;
  gint64 v = json_node_get_int(node);
  if (v < 0)
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

static gboolean
parse_metadata(PatinaSafetensors *st, JsonNode *node, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT(node)) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: \"__metadata__\" is not a JSON object of strings", st->what);
    return FALSE;
  }
  JsonObject *obj = json_node_get_object(node);
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;
  json_object_iter_init_ordered(&iter, obj);
  while (json_object_iter_next_ordered(&iter, &key, &value)) {
    if (!JSON_NODE_HOLDS_VALUE(value) || json_node_get_value_type(value) != G_TYPE_STRING) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                  "%s: \"__metadata__\" member \"%s\" is not a string", st->what, key);
      return FALSE;
    }
    g_hash_table_replace(st->metadata, g_strdup(key), g_strdup(json_node_get_string(value)));
  }
  return TRUE;
}

static gboolean
parse_tensor(PatinaSafetensors *st, const char *name, JsonNode *node, gsize data_len,
             Entry *e, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT(node)) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: tensor \"%s\" is not a JSON object with dtype, shape and data_offsets",
                st->what, name);
    return FALSE;
  }
  JsonObject *obj = json_node_get_object(node);
  memset(e, 0, sizeof *e);

  JsonNode *dtype = json_object_get_member(obj, "dtype");
  if (!dtype || !JSON_NODE_HOLDS_VALUE(dtype) || json_node_get_value_type(dtype) != G_TYPE_STRING) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: tensor \"%s\": \"dtype\" is missing or not a string", st->what, name);
    return FALSE;
  }
  if (!dtype_from_name(json_node_get_string(dtype), &e->view.dtype)) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: tensor \"%s\": dtype \"%s\" is not supported (expected F32, F64, I64 or F16)",
                st->what, name, json_node_get_string(dtype));
    return FALSE;
  }

  JsonNode *shape = json_object_get_member(obj, "shape");
  if (!shape || !JSON_NODE_HOLDS_ARRAY(shape)) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: tensor \"%s\": \"shape\" is missing or not an array", st->what, name);
    return FALSE;
  }
  JsonArray *shape_a = json_node_get_array(shape);
  guint ndim = json_array_get_length(shape_a);
  if (ndim > PATINA_SAFETENSORS_MAX_DIMS) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: tensor \"%s\": shape has %u dimensions, at most %d are supported",
                st->what, name, ndim, PATINA_SAFETENSORS_MAX_DIMS);
    return FALSE;
  }
  e->view.ndim = (int) ndim;
  guint64 count = 1;
  gboolean overflow = FALSE;
  for (guint i = 0; i < ndim; i++) {
    guint64 d;
    if (!node_get_uint(json_array_get_element(shape_a, i), &d)) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                  "%s: tensor \"%s\": shape[%u] is not a non-negative integer", st->what, name, i);
      return FALSE;
    }
    e->view.shape[i] = (gint64) d;
    if (!g_uint64_checked_mul(&count, count, d))
      overflow = TRUE;
  }
  guint64 nbytes = 0;
  if (overflow || !g_uint64_checked_mul(&nbytes, count, dtype_size(e->view.dtype)) ||
      count > G_MAXINT64) {
    g_autofree char *s = shape_string(e->view.ndim, e->view.shape);
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: tensor \"%s\": shape %s of %s is too large", st->what, name, s,
                dtype_name(e->view.dtype));
    return FALSE;
  }
  e->view.n_elements = (gint64) count;

  JsonNode *offsets = json_object_get_member(obj, "data_offsets");
  guint64 begin, end;
  if (!offsets || !JSON_NODE_HOLDS_ARRAY(offsets) ||
      json_array_get_length(json_node_get_array(offsets)) != 2 ||
      !node_get_uint(json_array_get_element(json_node_get_array(offsets), 0), &begin) ||
      !node_get_uint(json_array_get_element(json_node_get_array(offsets), 1), &end)) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: tensor \"%s\": \"data_offsets\" is missing or not [begin, end] of "
                "non-negative integers", st->what, name);
    return FALSE;
  }
  if (begin > end || end > data_len) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: tensor \"%s\": data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                "] are outside the data section of %" G_GSIZE_FORMAT " bytes",
                st->what, name, begin, end, data_len);
    return FALSE;
  }
  if (end - begin != nbytes) {
    g_autofree char *s = shape_string(e->view.ndim, e->view.shape);
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: tensor \"%s\": data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                "] hold %" G_GUINT64_FORMAT " bytes but shape %s of %s needs %" G_GUINT64_FORMAT,
                st->what, name, begin, end, end - begin, s, dtype_name(e->view.dtype), nbytes);
    return FALSE;
  }
  e->begin = begin;
  e->end = end;
  return TRUE;
}

static int
compare_begin(gconstpointer a, gconstpointer b)
{
  const Entry *x = *(Entry *const *) a, *y = *(Entry *const *) b;
  return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : 0;
}

/* Takes ownership of bytes (g_malloc'd, len bytes). */
static PatinaSafetensors *
parse_owned(guint8 *bytes, gsize len, const char *what, GError **error)
{
  g_autoptr(PatinaSafetensors) st = g_new0(PatinaSafetensors, 1);
  st->what = g_strdup(what ? what : "safetensors data");
  st->bytes = bytes;
  st->len = len;
  st->entries = g_array_new(FALSE, FALSE, sizeof(Entry));
  st->by_name = g_hash_table_new(g_str_hash, g_str_equal);
  st->metadata = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  st->owned = g_ptr_array_new_with_free_func(g_free);

  if (len < 8) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: %" G_GSIZE_FORMAT " bytes is too short for a safetensors file "
                "(it starts with an 8-byte header length)", st->what, len);
    return NULL;
  }
  guint64 header_len = 0;
  for (int i = 7; i >= 0; i--)
    header_len = (header_len << 8) | bytes[i];
  if (header_len > MAX_HEADER_LEN) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: header length %" G_GUINT64_FORMAT " is above the limit of %" G_GUINT64_FORMAT
                " bytes; this is not a safetensors file", st->what, header_len, MAX_HEADER_LEN);
    return NULL;
  }
  if (header_len > len - 8) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: header length %" G_GUINT64_FORMAT " runs past the end of the file "
                "(%" G_GSIZE_FORMAT " bytes after the length); the file is truncated or corrupt",
                st->what, header_len, len - 8);
    return NULL;
  }
  const char *header = (const char *) bytes + 8;
  /* The reference implementation requires the header to open with '{'; checking it first
   * also gives a clear message for a file that is not safetensors at all. */
  if (header_len == 0 || header[0] != '{') {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: the header does not start with '{'; this is not a safetensors file",
                st->what);
    return NULL;
  }
  switch (json_scan(header, header_len)) {
  case SCAN_TOO_DEEP:
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: the header nests JSON deeper than %d levels", st->what, MAX_JSON_DEPTH);
    return NULL;
  case SCAN_TRAILING:
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: the header has text after its JSON object (only space padding may follow)",
                st->what);
    return NULL;
  case SCAN_OK:
    break;
  }
  /* json-glib wants UTF-8 and stops at an embedded NUL; refuse both up front so the error
   * says what is wrong. */
  if (memchr(header, '\0', header_len) || !g_utf8_validate(header, (gssize) header_len, NULL)) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: the header is not valid UTF-8 JSON text", st->what);
    return NULL;
  }

  g_autoptr(JsonParser) parser = json_parser_new_immutable();
  g_autoptr(GError) json_error = NULL;
  if (!json_parser_load_from_data(parser, header, (gssize) header_len, &json_error)) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID, "%s: the header is not valid JSON: %s",
                st->what, json_error->message);
    return NULL;
  }
  JsonNode *root = json_parser_get_root(parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "%s: the header is not a JSON object", st->what);
    return NULL;
  }

  gsize data_len = len - 8 - (gsize) header_len;
  const guint8 *data = bytes + 8 + header_len;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;
  json_object_iter_init_ordered(&iter, json_node_get_object(root));
  while (json_object_iter_next_ordered(&iter, &name, &node)) {
    if (strcmp(name, "__metadata__") == 0) {
      if (!parse_metadata(st, node, error))
        return NULL;
      continue;
    }
    Entry e;
    if (!parse_tensor(st, name, node, data_len, &e, error))
      return NULL;
    char *owned_name = g_strdup(name);
    g_ptr_array_add(st->owned, owned_name);
    e.view.name = owned_name;
    g_array_append_val(st->entries, e);
  }

  /* Overlap check on the tensors sorted by where they start; empty tensors occupy nothing. */
  guint n = st->entries->len;
  g_autoptr(GPtrArray) sorted = g_ptr_array_sized_new(n);
  for (guint i = 0; i < n; i++) {
    Entry *e = &g_array_index(st->entries, Entry, i);
    if (e->end > e->begin)
      g_ptr_array_add(sorted, e);
  }
  g_ptr_array_sort(sorted, compare_begin);
  for (guint i = 1; i < sorted->len; i++) {
    const Entry *a = sorted->pdata[i - 1], *b = sorted->pdata[i];
    if (b->begin < a->end) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                  "%s: tensors \"%s\" [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "] and \"%s\" [%"
                  G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "] overlap",
                  st->what, a->view.name, a->begin, a->end, b->view.name, b->begin, b->end);
      return NULL;
    }
  }

  for (guint i = 0; i < n; i++) {
    Entry *e = &g_array_index(st->entries, Entry, i);
    const guint8 *p = data + e->begin;
    gsize size = dtype_size(e->view.dtype);
    if (e->end == e->begin) {
      /* Nothing to read, but hand out a valid aligned pointer rather than one past the end. */
      e->view.data = st->bytes;
    } else if ((guintptr) p % size != 0) {
      void *copy = g_memdup2(p, e->end - e->begin); /* g_malloc aligns for any type */
      g_ptr_array_add(st->owned, copy);
      e->view.data = copy;
    } else {
      e->view.data = p;
    }
    /* Duplicate keys cannot reach here (json-glib keeps one), but stay safe if it changes. */
    if (!g_hash_table_insert(st->by_name, (gpointer) e->view.name, GUINT_TO_POINTER(i + 1))) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID, "%s: tensor \"%s\" appears twice",
                  st->what, e->view.name);
      return NULL;
    }
  }
  return g_steal_pointer(&st);
}

PatinaSafetensors *
patina_safetensors_parse(const guint8 *bytes, gsize len, const char *what, GError **error)
{
  g_return_val_if_fail(bytes != NULL || len == 0, NULL);
  /* One spare byte so a zero-length input still gets a real buffer. */
  guint8 *copy = g_malloc(len + 1);
  if (len)
    memcpy(copy, bytes, len);
  return parse_owned(copy, len, what, error);
}

PatinaSafetensors *
patina_safetensors_load(const char *path, GError **error)
{
  g_return_val_if_fail(path != NULL, NULL);
  g_autofree char *what = g_filename_display_name(path);
  /* A FIFO or a device such as /dev/zero would be read until memory runs out. */
  GStatBuf sb;
  if (g_stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a regular file", what);
    return NULL;
  }
  char *contents = NULL;
  gsize len = 0;
  /* g_file_get_contents reads into a g_malloc buffer: aligned for any dtype. */
  if (!g_file_get_contents(path, &contents, &len, error))
    return NULL;
  return parse_owned((guint8 *) contents, len, what, error);
}

const PatinaTensorView *
patina_safetensors_get(const PatinaSafetensors *st, const char *name)
{
  g_return_val_if_fail(st != NULL && name != NULL, NULL);
  guint i = GPOINTER_TO_UINT(g_hash_table_lookup(st->by_name, name));
  return i ? &g_array_index(st->entries, Entry, i - 1).view : NULL;
}

int
patina_safetensors_n_tensors(const PatinaSafetensors *st)
{
  g_return_val_if_fail(st != NULL, 0);
  return (int) st->entries->len;
}

const PatinaTensorView *
patina_safetensors_nth(const PatinaSafetensors *st, int i)
{
  g_return_val_if_fail(st != NULL, NULL);
  if (i < 0 || (guint) i >= st->entries->len)
    return NULL;
  return &g_array_index(st->entries, Entry, i).view;
}

const char *
patina_safetensors_metadata(const PatinaSafetensors *st, const char *key)
{
  g_return_val_if_fail(st != NULL && key != NULL, NULL);
  return g_hash_table_lookup(st->metadata, key);
}

const char *
patina_safetensors_what(const PatinaSafetensors *st)
{
  g_return_val_if_fail(st != NULL, NULL);
  return st->what;
}

char *
patina_safetensors_shape_string(int ndim, const gint64 *shape)
{
  return shape_string(ndim, shape);
}

const char *
patina_safetensors_dtype_name(PatinaDtype dtype)
{
  return dtype_name(dtype);
}

float *
patina_safetensors_get_f32(const PatinaSafetensors *st, const char *name, int ndim,
                           const gint64 *shape, GError **error)
{
  g_return_val_if_fail(st != NULL && name != NULL, NULL);
  g_return_val_if_fail(ndim >= 0 && ndim <= PATINA_SAFETENSORS_MAX_DIMS, NULL);
  g_return_val_if_fail(ndim == 0 || shape != NULL, NULL);
  g_autofree char *want = shape_string(ndim, shape);
  const PatinaTensorView *v = patina_safetensors_get(st, name);
  if (!v) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_MISMATCH,
                "%s: no tensor \"%s\" (expected F32 %s)", st->what, name, want);
    return NULL;
  }
  if (v->dtype != PATINA_DTYPE_F32) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_MISMATCH,
                "%s: tensor \"%s\" has dtype %s but F32 was expected", st->what, name,
                dtype_name(v->dtype));
    return NULL;
  }
  gboolean same = v->ndim == ndim;
  for (int i = 0; same && i < ndim; i++)
    same = v->shape[i] == shape[i];
  if (!same) {
    g_autofree char *have = shape_string(v->ndim, v->shape);
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_MISMATCH,
                "%s: tensor \"%s\" has shape %s but %s was expected", st->what, name, have, want);
    return NULL;
  }
  /* n_elements * 4 was checked against the file's size, so it fits in memory terms. */
  float *out = g_new(float, MAX(v->n_elements, 1));
  memcpy(out, v->data, (gsize) v->n_elements * sizeof(float));
  return out;
}

/* ---- writer ---- */

typedef struct {
  char *name;
  PatinaDtype dtype;
  int ndim;
  gint64 shape[PATINA_SAFETENSORS_MAX_DIMS];
  gsize nbytes;
  void *data;
} WEntry;

struct _PatinaSafetensorsWriter {
  GArray *tensors;   /* WEntry */
  GPtrArray *keys;   /* metadata keys in the order first set */
  GHashTable *metadata;
};

static void
wentry_clear(gpointer p)
{
  WEntry *e = p;
  g_free(e->name);
  g_free(e->data);
}

PatinaSafetensorsWriter *
patina_safetensors_writer_new(void)
{
  PatinaSafetensorsWriter *w = g_new0(PatinaSafetensorsWriter, 1);
  w->tensors = g_array_new(FALSE, FALSE, sizeof(WEntry));
  g_array_set_clear_func(w->tensors, wentry_clear);
  w->keys = g_ptr_array_new_with_free_func(g_free);
  w->metadata = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  return w;
}

void
patina_safetensors_writer_free(PatinaSafetensorsWriter *w)
{
  if (!w)
    return;
  g_array_unref(w->tensors);
  g_hash_table_unref(w->metadata);
  g_ptr_array_unref(w->keys);
  g_free(w);
}

void
patina_safetensors_writer_add(PatinaSafetensorsWriter *w, const char *name, PatinaDtype dtype,
                              int ndim, const gint64 *shape, const void *data)
{
  g_return_if_fail(w != NULL && name != NULL);
  g_return_if_fail(ndim >= 0 && ndim <= PATINA_SAFETENSORS_MAX_DIMS);
  g_return_if_fail(ndim == 0 || shape != NULL);
  WEntry e = { .name = g_strdup(name), .dtype = dtype, .ndim = ndim };
  gsize count = 1;
  for (int i = 0; i < ndim; i++) {
    g_return_if_fail(shape[i] >= 0);
    e.shape[i] = shape[i];
    count *= (gsize) shape[i];
  }
  e.nbytes = count * dtype_size(dtype);
  g_return_if_fail(e.nbytes == 0 || data != NULL);
  e.data = e.nbytes ? g_memdup2(data, e.nbytes) : NULL;
  g_array_append_val(w->tensors, e);
}

void
patina_safetensors_writer_set_metadata(PatinaSafetensorsWriter *w, const char *key,
                                       const char *value)
{
  g_return_if_fail(w != NULL && key != NULL && value != NULL);
  if (!g_hash_table_contains(w->metadata, key)) {
    char *k = g_strdup(key);
    g_ptr_array_add(w->keys, k);
    g_hash_table_insert(w->metadata, k, g_strdup(value));
  } else {
    char *k = NULL;
    for (guint i = 0; i < w->keys->len; i++)
      if (strcmp(w->keys->pdata[i], key) == 0)
        k = w->keys->pdata[i];
    g_hash_table_insert(w->metadata, k, g_strdup(value));
  }
}

static void
append_json_string(GString *s, const char *str)
{
  g_string_append_c(s, '"');
  for (const unsigned char *p = (const unsigned char *) str; *p; p++) {
    switch (*p) {
    case '"': g_string_append(s, "\\\""); break;
    case '\\': g_string_append(s, "\\\\"); break;
    case '\n': g_string_append(s, "\\n"); break;
    case '\r': g_string_append(s, "\\r"); break;
    case '\t': g_string_append(s, "\\t"); break;
    default:
      if (*p < 0x20)
        g_string_append_printf(s, "\\u%04x", *p);
      else
        g_string_append_c(s, (char) *p);
    }
  }
  g_string_append_c(s, '"');
}

gboolean
patina_safetensors_writer_save(PatinaSafetensorsWriter *w, const char *path, GError **error)
{
  g_return_val_if_fail(w != NULL && path != NULL, FALSE);
  g_autofree char *what = g_filename_display_name(path);

  /* Names and metadata may carry text from user files (history, class names): check here so
   * a bad string is an error, not a file no reader accepts. */
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < w->tensors->len; i++) {
    const WEntry *e = &g_array_index(w->tensors, WEntry, i);
    if (!g_utf8_validate(e->name, -1, NULL) || strcmp(e->name, "__metadata__") == 0 ||
        !g_hash_table_add(seen, e->name)) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                  "Could not save %s: tensor name \"%s\" is invalid or used twice", what,
                  e->name);
      return FALSE;
    }
  }
  for (guint i = 0; i < w->keys->len; i++) {
    const char *k = w->keys->pdata[i];
    if (!g_utf8_validate(k, -1, NULL) ||
        !g_utf8_validate(g_hash_table_lookup(w->metadata, k), -1, NULL)) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                  "Could not save %s: metadata \"%s\" is not valid UTF-8", what, k);
      return FALSE;
    }
  }

  g_autoptr(GString) h = g_string_new("{");
  gboolean first = TRUE;
  if (w->keys->len) {
    g_string_append(h, "\"__metadata__\":{");
    for (guint i = 0; i < w->keys->len; i++) {
      const char *k = w->keys->pdata[i];
      if (i)
        g_string_append_c(h, ',');
      append_json_string(h, k);
      g_string_append_c(h, ':');
      append_json_string(h, g_hash_table_lookup(w->metadata, k));
    }
    g_string_append_c(h, '}');
    first = FALSE;
  }
  guint64 offset = 0;
  for (guint i = 0; i < w->tensors->len; i++) {
    const WEntry *e = &g_array_index(w->tensors, WEntry, i);
    if (!first)
      g_string_append_c(h, ',');
    first = FALSE;
    append_json_string(h, e->name);
    g_string_append_printf(h, ":{\"dtype\":\"%s\",\"shape\":[", dtype_name(e->dtype));
    for (int d = 0; d < e->ndim; d++)
      g_string_append_printf(h, "%s%" G_GINT64_FORMAT, d ? "," : "", e->shape[d]);
    g_string_append_printf(h, "],\"data_offsets\":[%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT "]}",
                           offset, offset + e->nbytes);
    offset += e->nbytes;
  }
  g_string_append_c(h, '}');
  /* Pad with spaces so the data section starts 8-byte aligned, as the reference writer does. */
  while (h->len % 8)
    g_string_append_c(h, ' ');

  gsize total = 8 + h->len + (gsize) offset;
  g_autofree guint8 *buf = g_try_malloc(total);
  if (!buf) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_FAILED,
                "Could not save %s: out of memory for %" G_GSIZE_FORMAT " bytes", what, total);
    return FALSE;
  }
  guint64 hl = h->len;
  for (int i = 0; i < 8; i++)
    buf[i] = (guint8) (hl >> (8 * i));
  memcpy(buf + 8, h->str, h->len);
  guint8 *p = buf + 8 + h->len;
  for (guint i = 0; i < w->tensors->len; i++) {
    const WEntry *e = &g_array_index(w->tensors, WEntry, i);
    if (e->nbytes)
      memcpy(p, e->data, e->nbytes);
    p += e->nbytes;
  }

  /* A temporary file beside path, fsynced and renamed over it: a crash or a full disk leaves
   * the previous checkpoint whole. */
  g_autoptr(GError) local = NULL;
  if (!g_file_set_contents_full(path, (const char *) buf, (gssize) total,
                                G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                0666, &local)) {
    g_set_error(error, local->domain, local->code, "Could not save %s: %s", what, local->message);
    return FALSE;
  }
  return TRUE;
}
