/* The .safetensors reader and writer: bitwise round trips, a file written by PyTorch, and
 * every kind of damaged or hostile file, each refused with a message that says what is
 * wrong and where. */
#include <glib/gstdio.h>
#include <string.h>

#include "nn/model.h"
#include "nn/safetensors.h"

static char *
fixture_path(const char *name)
{
  const char *src = g_getenv("PATINA_SOURCE_DIR");
  return g_build_filename(src ? src : ".", "tests", "fixtures", "checkpoint", name, NULL);
}

/* A safetensors image from a header text and a data section. */
static GBytes *
make_file(const char *header, gsize header_len, const void *data, gsize data_len)
{
  GByteArray *b = g_byte_array_new();
  guint8 len[8];
  for (int i = 0; i < 8; i++)
    len[i] = (guint8) ((guint64) header_len >> (8 * i));
  g_byte_array_append(b, len, 8);
  g_byte_array_append(b, (const guint8 *) header, (guint) header_len);
  if (data_len)
    g_byte_array_append(b, data, (guint) data_len);
  return g_byte_array_free_to_bytes(b);
}

/* Parses header + data_len zero bytes and expects failure with `needle` in the message. */
static void
expect_refused(const char *header, gsize data_len, const char *needle)
{
  g_autofree guint8 *zeros = g_malloc0(data_len + 1);
  g_autoptr(GBytes) file = make_file(header, strlen(header), zeros, data_len);
  g_autoptr(GError) error = NULL;
  gsize len;
  const guint8 *p = g_bytes_get_data(file, &len);
  g_autoptr(PatinaSafetensors) st = patina_safetensors_parse(p, len, "bad.safetensors", &error);
  if (st || !error || !strstr(error->message, needle) ||
      !g_str_has_prefix(error->message, "bad.safetensors: "))
    g_error("header %s: expected an error containing \"%s\", got %s", header, needle,
            error ? error->message : "success");
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
}

static void
expect_accepted(const char *header, gsize data_len)
{
  g_autofree guint8 *zeros = g_malloc0(data_len + 1);
  g_autoptr(GBytes) file = make_file(header, strlen(header), zeros, data_len);
  g_autoptr(GError) error = NULL;
  gsize len;
  const guint8 *p = g_bytes_get_data(file, &len);
  g_autoptr(PatinaSafetensors) st = patina_safetensors_parse(p, len, "ok.safetensors", &error);
  g_assert_no_error(error);
  g_assert_nonnull(st);
}

static void
test_round_trip(void)
{
  g_autofree char *dir = g_dir_make_tmp("patina-st-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "rt.safetensors", NULL);

  const float f32[6] = { 1.0f, -0.0f, 3.25f, 1e-38f, -7.5e30f, 0.1f };
  float nan = g_strtod("nan", NULL);
  const float f32b[2] = { nan, -1.0f / 0.0f };
  const double f64[3] = { 1.0 / 3, -2.5e300, 4.9e-324 };
  const gint64 i64[2] = { G_MININT64, G_MAXINT64 };
  const guint16 f16[3] = { 0x3e00, 0xb400, 0x7bff };
  const gint64 scalar = 42;
  const gint64 s23[] = { 2, 3 }, s2[] = { 2 }, s3[] = { 3 }, s05[] = { 0, 5 };

  g_autoptr(PatinaSafetensorsWriter) w = patina_safetensors_writer_new();
  patina_safetensors_writer_add(w, "z.first", PATINA_DTYPE_F32, 2, s23, f32);
  /* An F16 of 6 bytes puts the next tensors off their natural alignment. */
  patina_safetensors_writer_add(w, "half", PATINA_DTYPE_F16, 1, s3, f16);
  patina_safetensors_writer_add(w, "nonfinite", PATINA_DTYPE_F32, 1, s2, f32b);
  patina_safetensors_writer_add(w, "doubles", PATINA_DTYPE_F64, 1, s3, f64);
  patina_safetensors_writer_add(w, "ints", PATINA_DTYPE_I64, 1, s2, i64);
  patina_safetensors_writer_add(w, "7.num_batches_tracked", PATINA_DTYPE_I64, 0, NULL, &scalar);
  patina_safetensors_writer_add(w, "empty", PATINA_DTYPE_F32, 2, s05, NULL);
  patina_safetensors_writer_add(w, "a \"quoted\" \\ name\n", PATINA_DTYPE_F32, 1, s2, f32);
  patina_safetensors_writer_set_metadata(w, "format", "pt");
  patina_safetensors_writer_set_metadata(w, "text", "caf\xc3\xa9 \"q\"\n\ttab\x01");
  patina_safetensors_writer_set_metadata(w, "format", "pt2"); /* replaces, keeps order */

  g_autoptr(GError) error = NULL;
  g_assert_true(patina_safetensors_writer_save(w, path, &error));
  g_assert_no_error(error);

  /* The header is padded to 8 bytes so the data section starts aligned. */
  g_autofree char *raw = NULL;
  gsize raw_len;
  g_assert_true(g_file_get_contents(path, &raw, &raw_len, NULL));
  guint64 hl = 0;
  for (int i = 7; i >= 0; i--)
    hl = (hl << 8) | (guint8) raw[i];
  g_assert_cmpuint(hl % 8, ==, 0);
  g_assert_cmpint(raw[8], ==, '{');
  g_assert_cmpuint(raw_len, ==, 8 + hl + 24 + 6 + 8 + 24 + 16 + 8 + 0 + 8);

  g_autoptr(PatinaSafetensors) st = patina_safetensors_load(path, &error);
  g_assert_no_error(error);
  g_assert_cmpint(patina_safetensors_n_tensors(st), ==, 8);
  const char *order[] = { "z.first", "half", "nonfinite", "doubles", "ints",
                          "7.num_batches_tracked", "empty", "a \"quoted\" \\ name\n" };
  for (int i = 0; i < 8; i++)
    g_assert_cmpstr(patina_safetensors_nth(st, i)->name, ==, order[i]);
  g_assert_null(patina_safetensors_nth(st, 8));
  g_assert_null(patina_safetensors_nth(st, -1));
  g_assert_null(patina_safetensors_get(st, "missing"));

  const PatinaTensorView *v = patina_safetensors_get(st, "z.first");
  g_assert_cmpint(v->dtype, ==, PATINA_DTYPE_F32);
  g_assert_cmpint(v->ndim, ==, 2);
  g_assert_cmpint(v->shape[0], ==, 2);
  g_assert_cmpint(v->shape[1], ==, 3);
  g_assert_cmpint(v->n_elements, ==, 6);
  g_assert_cmpmem(v->data, sizeof f32, f32, sizeof f32);

  struct { const char *name; const void *data; gsize size; gsize align; } cmp[] = {
    { "half", f16, sizeof f16, 2 },       { "nonfinite", f32b, sizeof f32b, 4 },
    { "doubles", f64, sizeof f64, 8 },    { "ints", i64, sizeof i64, 8 },
    { "7.num_batches_tracked", &scalar, 8, 8 },
    { "a \"quoted\" \\ name\n", f32, 8, 4 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cmp); i++) {
    v = patina_safetensors_get(st, cmp[i].name);
    g_assert_nonnull(v);
    g_assert_cmpmem(v->data, cmp[i].size, cmp[i].data, cmp[i].size);
    g_assert_cmpuint((guintptr) v->data % cmp[i].align, ==, 0);
  }
  v = patina_safetensors_get(st, "7.num_batches_tracked");
  g_assert_cmpint(v->ndim, ==, 0);
  g_assert_cmpint(v->n_elements, ==, 1);
  v = patina_safetensors_get(st, "empty");
  g_assert_cmpint(v->n_elements, ==, 0);
  g_assert_nonnull(v->data);

  g_assert_cmpstr(patina_safetensors_metadata(st, "format"), ==, "pt2");
  g_assert_cmpstr(patina_safetensors_metadata(st, "text"), ==, "caf\xc3\xa9 \"q\"\n\ttab\x01");
  g_assert_null(patina_safetensors_metadata(st, "absent"));

  /* get_f32: exact dtype and shape, or an error naming both. */
  g_autofree float *got = patina_safetensors_get_f32(st, "z.first", 2, s23, &error);
  g_assert_no_error(error);
  g_assert_cmpmem(got, sizeof f32, f32, sizeof f32);
  const gint64 s32[] = { 3, 2 };
  g_assert_null(patina_safetensors_get_f32(st, "z.first", 2, s32, &error));
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_MISMATCH);
  g_assert_nonnull(strstr(error->message, "rt.safetensors: tensor \"z.first\" has shape [2, 3] "
                                          "but [3, 2] was expected"));
  g_clear_error(&error);
  g_assert_null(patina_safetensors_get_f32(st, "z.first", 1, s2, &error));
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_MISMATCH);
  g_clear_error(&error);
  g_assert_null(patina_safetensors_get_f32(st, "doubles", 1, s3, &error));
  g_assert_nonnull(strstr(error->message, "\"doubles\" has dtype F64 but F32 was expected"));
  g_clear_error(&error);
  g_assert_null(patina_safetensors_get_f32(st, "nope", 1, s3, &error));
  g_assert_nonnull(strstr(error->message, "no tensor \"nope\""));
  g_clear_error(&error);
  g_autofree float *empty = patina_safetensors_get_f32(st, "empty", 2, s05, &error);
  g_assert_no_error(error);
  g_assert_nonnull(empty);

  /* parse() of the same bytes gives the same, and does not keep the caller's buffer. */
  g_autoptr(PatinaSafetensors) st2 =
      patina_safetensors_parse((const guint8 *) raw, raw_len, "mem", &error);
  g_assert_no_error(error);
  memset(raw, 0, raw_len);
  g_assert_cmpmem(patina_safetensors_get(st2, "doubles")->data, sizeof f64, f64, sizeof f64);
  g_assert_cmpstr(patina_safetensors_what(st2), ==, "mem");

  g_assert_cmpint(g_unlink(path), ==, 0);
  g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void
test_empty_writer(void)
{
  g_autofree char *dir = g_dir_make_tmp("patina-st-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "empty.safetensors", NULL);
  g_autoptr(PatinaSafetensorsWriter) w = patina_safetensors_writer_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_safetensors_writer_save(w, path, &error));
  g_autoptr(PatinaSafetensors) st = patina_safetensors_load(path, &error);
  g_assert_no_error(error);
  g_assert_cmpint(patina_safetensors_n_tensors(st), ==, 0);
  g_unlink(path);
  g_rmdir(dir);
}

static void
test_save_failures(void)
{
  g_autofree char *dir = g_dir_make_tmp("patina-st-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "keep.safetensors", NULL);
  const float one = 1.0f;
  const gint64 s1[] = { 1 };
  g_autoptr(GError) error = NULL;

  g_autoptr(PatinaSafetensorsWriter) good = patina_safetensors_writer_new();
  patina_safetensors_writer_add(good, "w", PATINA_DTYPE_F32, 1, s1, &one);
  g_assert_true(patina_safetensors_writer_save(good, path, &error));
  g_autofree char *before = NULL;
  gsize before_len;
  g_assert_true(g_file_get_contents(path, &before, &before_len, NULL));

  /* A writer that cannot produce a valid file leaves the old one as it was. */
  g_autoptr(PatinaSafetensorsWriter) dup = patina_safetensors_writer_new();
  patina_safetensors_writer_add(dup, "w", PATINA_DTYPE_F32, 1, s1, &one);
  patina_safetensors_writer_add(dup, "w", PATINA_DTYPE_F32, 1, s1, &one);
  g_assert_false(patina_safetensors_writer_save(dup, path, &error));
  g_assert_nonnull(strstr(error->message, "keep.safetensors"));
  g_clear_error(&error);

  g_autoptr(PatinaSafetensorsWriter) bad_utf8 = patina_safetensors_writer_new();
  patina_safetensors_writer_set_metadata(bad_utf8, "history", "\xff\xfe");
  g_assert_false(patina_safetensors_writer_save(bad_utf8, path, &error));
  g_assert_nonnull(strstr(error->message, "history"));
  g_clear_error(&error);

  g_autofree char *after = NULL;
  gsize after_len;
  g_assert_true(g_file_get_contents(path, &after, &after_len, NULL));
  g_assert_cmpmem(before, before_len, after, after_len);

  /* A directory in the way: the rename fails and the directory is untouched. */
  g_autofree char *subdir = g_build_filename(dir, "adir", NULL);
  g_assert_cmpint(g_mkdir(subdir, 0755), ==, 0);
  g_assert_false(patina_safetensors_writer_save(good, subdir, &error));
  g_assert_nonnull(strstr(error->message, "Could not save"));
  g_assert_nonnull(strstr(error->message, "adir"));
  g_clear_error(&error);
  g_assert_true(g_file_test(subdir, G_FILE_TEST_IS_DIR));

  /* An unwritable place (a folder that does not exist). */
  g_autofree char *nowhere = g_build_filename(dir, "no-such-folder", "x.safetensors", NULL);
  g_assert_false(patina_safetensors_writer_save(good, nowhere, &error));
  g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull(strstr(error->message, "no-such-folder"));
  g_clear_error(&error);

  /* No temporary files left behind. */
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  int n = 0;
  while (g_dir_read_name(d))
    n++;
  g_assert_cmpint(n, ==, 2);

  g_rmdir(subdir);
  g_unlink(path);
  g_rmdir(dir);
}

static void
test_pytorch_fixture(void)
{
  g_autofree char *path = fixture_path("tiny.safetensors");
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaSafetensors) st = patina_safetensors_load(path, &error);
  g_assert_no_error(error);
  g_assert_cmpint(patina_safetensors_n_tensors(st), ==, 6);
  g_assert_cmpstr(patina_safetensors_metadata(st, "format"), ==, "pt");
  g_assert_cmpstr(patina_safetensors_metadata(st, "note"), ==, "caf\xc3\xa9 \"quoted\"\n");

  const gint64 s23[] = { 2, 3 };
  g_autofree float *a = patina_safetensors_get_f32(st, "a.f32", 2, s23, &error);
  g_assert_no_error(error);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat(a[i], ==, i * 0.5f - 1);

  const PatinaTensorView *v = patina_safetensors_get(st, "b.f64");
  g_assert_cmpint(v->dtype, ==, PATINA_DTYPE_F64);
  const double *d = v->data;
  g_assert_cmpfloat(d[0], ==, 1.0 / 3);
  g_assert_cmpfloat(d[1], ==, -2.5e300);

  v = patina_safetensors_get(st, "c.i64");
  g_assert_cmpint(v->ndim, ==, 2);
  const gint64 *iv = v->data;
  g_assert_cmpint(iv[0], ==, -(G_GINT64_CONSTANT(1) << 62));
  g_assert_cmpint(iv[1], ==, 7);

  v = patina_safetensors_get(st, "d.f16");
  const guint16 *h = v->data;
  g_assert_cmphex(h[0], ==, 0x3e00); /* 1.5 */
  g_assert_cmphex(h[1], ==, 0xb400); /* -0.25 */
  g_assert_cmphex(h[2], ==, 0x7bff); /* 65504 */

  v = patina_safetensors_get(st, "e.scalar");
  g_assert_cmpint(v->ndim, ==, 0);
  g_assert_cmpint(*(const gint64 *) v->data, ==, 42);

  v = patina_safetensors_get(st, "f.empty");
  g_assert_cmpint(v->ndim, ==, 2);
  g_assert_cmpint(v->shape[0], ==, 0);
  g_assert_cmpint(v->shape[1], ==, 4);
  g_assert_cmpint(v->n_elements, ==, 0);
}

static void
test_truncated(void)
{
  g_autofree char *path = fixture_path("tiny.safetensors");
  g_autofree char *raw = NULL;
  gsize len;
  g_assert_true(g_file_get_contents(path, &raw, &len, NULL));
  /* The last tensor ends at the end of the file, so every proper prefix is damaged. */
  gsize data_start = 8 + (guint8) raw[0] + ((gsize) (guint8) raw[1] << 8);
  for (gsize cut = 0; cut < len; cut++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(PatinaSafetensors) st =
        patina_safetensors_parse((const guint8 *) raw, cut, "cut.safetensors", &error);
    g_assert_null(st);
    g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
    g_assert_true(g_str_has_prefix(error->message, "cut.safetensors: "));
    if (cut < 8)
      g_assert_nonnull(strstr(error->message, "too short"));
    else if (cut < data_start)
      g_assert_nonnull(strstr(error->message, "runs past the end of the file"));
    else
      g_assert_nonnull(strstr(error->message, "outside the data section"));
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaSafetensors) st = patina_safetensors_parse(NULL, 0, "nothing", &error);
  g_assert_null(st);
  g_assert_nonnull(strstr(error->message, "nothing: 0 bytes is too short"));
}

static void
test_header_length(void)
{
  const char *hdr = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
  const float x = 1;
  guint64 lies[] = { strlen(hdr) + 1, strlen(hdr) + 5, strlen(hdr) + 100,
                     (guint64) 100 * 1024 * 1024 + 1, G_GUINT64_CONSTANT(1) << 40,
                     G_GUINT64_CONSTANT(1) << 63, G_MAXUINT64, G_MAXUINT64 - 7 };
  for (gsize i = 0; i < G_N_ELEMENTS(lies); i++) {
    g_autoptr(GBytes) f = make_file(hdr, strlen(hdr), &x, 4);
    gsize len;
    const void *src = g_bytes_get_data(f, &len);
    guint8 *p = g_memdup2(src, len);
    for (int b = 0; b < 8; b++)
      p[b] = (guint8) (lies[i] >> (8 * b));
    g_autoptr(GError) error = NULL;
    g_autoptr(PatinaSafetensors) st = patina_safetensors_parse(p, len, "lie", &error);
    g_assert_null(st);
    g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
    if (lies[i] > 100 * 1024 * 1024)
      g_assert_nonnull(strstr(error->message, "above the limit"));
    else if (lies[i] > len - 8)
      g_assert_nonnull(strstr(error->message, "runs past the end"));
    g_free(p);
  }
  /* A length that cuts the JSON short: the JSON is broken. */
  g_autoptr(GBytes) f = make_file(hdr, strlen(hdr), &x, 4);
  gsize len;
  const void *src = g_bytes_get_data(f, &len);
  guint8 *p = g_memdup2(src, len);
  p[0] = (guint8) (strlen(hdr) - 3);
  g_autoptr(GError) error = NULL;
  g_assert_null(patina_safetensors_parse(p, len, "short", &error));
  g_assert_nonnull(strstr(error->message, "not valid JSON"));
  g_free(p);
}

static void
test_bad_headers(void)
{
  /* Not an object, or not JSON at all. */
  expect_refused("[]", 0, "does not start with '{'");
  expect_refused("\"x\"", 0, "does not start with '{'");
  expect_refused("123", 0, "does not start with '{'");
  expect_refused("null", 0, "does not start with '{'");
  expect_refused("", 0, "does not start with '{'");
  expect_refused("{", 0, "not valid JSON");
  expect_refused("{\"a\":}", 0, "not valid JSON");
  expect_refused("{} {}", 0, "text after its JSON object");
  expect_refused("{}\n x", 0, "text after its JSON object");
  expect_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}]", 4,
                 "text after its JSON object");
  expect_refused("{\"a\xff\":1}", 0, "UTF-8");
  {
    /* An embedded NUL (strlen would stop at it, so the length is given). */
    static const char nul[] = "{\"a\":\"x\0y\"}";
    g_autoptr(GBytes) f = make_file(nul, sizeof nul - 1, NULL, 0);
    gsize len;
    const guint8 *p = g_bytes_get_data(f, &len);
    g_autoptr(GError) error = NULL;
    g_assert_null(patina_safetensors_parse(p, len, "nul", &error));
    g_assert_nonnull(strstr(error->message, "nul: the header is not valid UTF-8 JSON"));
  }

  /* Deep nesting is refused before json-glib recurses into it. */
  GString *deep = g_string_new("{\"a\":");
  for (int i = 0; i < 100000; i++)
    g_string_append_c(deep, '[');
  expect_refused(deep->str, 0, "deeper than");
  g_string_free(deep, TRUE);
  /* Brackets inside strings do not count. */
  expect_accepted("{\"__metadata__\":{\"k\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[\"}}",
                  0);

  /* Tensor entries. */
  expect_refused("{\"t\":1}", 0, "tensor \"t\" is not a JSON object");
  expect_refused("{\"t\":[]}", 0, "tensor \"t\" is not a JSON object");
  expect_refused("{\"t\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "\"dtype\" is missing");
  expect_refused("{\"t\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                 "\"dtype\" is missing or not a string");
  expect_refused("{\"t\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]}}", 2,
                 "dtype \"BF16\" is not supported");
  expect_refused("{\"t\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                 "dtype \"f32\" is not supported");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "\"shape\" is missing");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,4]}}", 4,
                 "\"shape\" is missing or not an array");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "\"data_offsets\" is missing");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4,
                 "\"data_offsets\" is missing or not [begin, end]");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8,
                 "\"data_offsets\" is missing or not [begin, end]");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,\"4\"]}}", 4,
                 "data_offsets");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4,
                 "data_offsets");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0.0,4]}}", 4,
                 "data_offsets");

  /* Shapes. */
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4,
                 "shape[0] is not a non-negative integer");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[1,1.5],\"data_offsets\":[0,4]}}", 4,
                 "shape[1] is not a non-negative integer");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}", 4,
                 "shape[0]");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[null],\"data_offsets\":[0,4]}}", 4,
                 "shape[0]");
  /* Above INT64_MAX: json-glib wraps these to negative values, which are refused. */
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[9223372036854775808],"
                 "\"data_offsets\":[0,4]}}", 4, "shape[0]");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[18446744073709551617],"
                 "\"data_offsets\":[0,4]}}", 4, "shape[0]");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
                 "\"data_offsets\":[0,4]}}", 4, "too large");
  expect_refused("{\"t\":{\"dtype\":\"F64\",\"shape\":[2305843009213693952],"
                 "\"data_offsets\":[0,0]}}", 0, "too large");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],"
                 "\"data_offsets\":[0,4]}}", 4, "9 dimensions, at most 8");
  expect_accepted("{\"t\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1],"
                  "\"data_offsets\":[0,4]}}", 4);

  /* Sizes and offsets. */
  expect_refused("{\"3.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,12]}}", 12,
                 "tensor \"3.weight\": data_offsets [0, 12] hold 12 bytes but shape [2, 3] of F32 "
                 "needs 24");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8,
                 "hold 8 bytes but shape [1] of F32 needs 4");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 3,
                 "data_offsets [0, 4] are outside the data section of 3 bytes");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 16,
                 "outside the data section");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],"
                 "\"data_offsets\":[18446744073709551612,18446744073709551616]}}", 16,
                 "data_offsets");
  expect_refused("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],"
                 "\"data_offsets\":[9223372036854775800,9223372036854775804]}}", 16,
                 "outside the data section");
  expect_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                 "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12,
                 "tensors \"a\" [0, 8] and \"b\" [4, 12] overlap");
  expect_refused("{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                 "\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}", 16,
                 "overlap");
  expect_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                 "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "overlap");
  /* Empty tensors may share an offset with anything; gaps and trailing bytes are harmless. */
  expect_accepted("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                  "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                  "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}", 20);
  /* An offset that is not a multiple of the dtype size is copied to an aligned buffer. */
  {
    const char *hdr = "{\"odd\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[3,11]}}";
    guint8 data[11] = { 0 };
    double val = -6.25;
    memcpy(data + 3, &val, 8);
    g_autoptr(GBytes) f = make_file(hdr, strlen(hdr), data, sizeof data);
    gsize len;
    const guint8 *p = g_bytes_get_data(f, &len);
    g_autoptr(GError) error = NULL;
    g_autoptr(PatinaSafetensors) st = patina_safetensors_parse(p, len, "odd", &error);
    g_assert_no_error(error);
    const PatinaTensorView *v = patina_safetensors_get(st, "odd");
    g_assert_cmpuint((guintptr) v->data % 8, ==, 0);
    g_assert_cmpfloat(*(const double *) v->data, ==, -6.25);
  }

  /* Metadata. */
  expect_refused("{\"__metadata__\":{\"a\":1}}", 0, "\"__metadata__\" member \"a\" is not a string");
  expect_refused("{\"__metadata__\":{\"a\":null}}", 0, "member \"a\" is not a string");
  expect_refused("{\"__metadata__\":{\"a\":{}}}", 0, "member \"a\" is not a string");
  expect_refused("{\"__metadata__\":[\"a\"]}", 0, "\"__metadata__\" is not a JSON object");
  expect_refused("{\"__metadata__\":\"x\"}", 0, "\"__metadata__\" is not a JSON object");
  expect_accepted("{\"__metadata__\":{}}", 0);
  expect_accepted("{}", 0);
  expect_accepted("{}      ", 0);
}

static void
test_load_errors(void)
{
  g_autoptr(GError) error = NULL;
  g_assert_null(patina_safetensors_load("/nonexistent/patina/x.safetensors", &error));
  g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull(strstr(error->message, "x.safetensors"));
  g_clear_error(&error);

  /* A device would never end. */
  g_assert_null(patina_safetensors_load("/dev/zero", &error));
  g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_assert_nonnull(strstr(error->message, "/dev/zero: not a regular file"));
  g_clear_error(&error);

  g_autofree char *dir = g_dir_make_tmp("patina-st-XXXXXX", NULL);
  g_assert_null(patina_safetensors_load(dir, &error));
  g_assert_nonnull(error);
  g_clear_error(&error);

  /* A PNG is not a checkpoint. */
  g_autofree char *png = g_build_filename(dir, "image.safetensors", NULL);
  const guint8 sig[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H' };
  g_assert_true(g_file_set_contents(png, (const char *) sig, sizeof sig, NULL));
  g_assert_null(patina_safetensors_load(png, &error));
  g_assert_error(error, PATINA_ERROR, PATINA_ERROR_INVALID);
  g_assert_true(g_str_has_prefix(error->message, png));
  g_clear_error(&error);
  g_unlink(png);
  g_rmdir(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/safetensors/round-trip", test_round_trip);
  g_test_add_func("/safetensors/empty-writer", test_empty_writer);
  g_test_add_func("/safetensors/save-failures", test_save_failures);
  g_test_add_func("/safetensors/pytorch-fixture", test_pytorch_fixture);
  g_test_add_func("/safetensors/truncated", test_truncated);
  g_test_add_func("/safetensors/header-length", test_header_length);
  g_test_add_func("/safetensors/bad-headers", test_bad_headers);
  g_test_add_func("/safetensors/load-errors", test_load_errors);
  return g_test_run();
}
