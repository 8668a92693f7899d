#include "manifest-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK(patina-manifest-error-quark, patina_manifest_error)

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

void patina_manifest_add_issue(GArray *issues, PatinaIssueKind kind, const char *path,
                               const char *fmt, ...)
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

char *patina_manifest_resolve_in(const char *root, const char *root_real, const char *rel,
                                 GError **error)
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
  return patina_manifest_resolve_in(root, root_real, rel, error);
}

char *patina_manifest_path_in(const char *dir)
{
  return g_build_filename(dir, PATINA_MANIFEST_NAME, NULL);
}

const char *patina_manifest_relative_to(const char *root, const char *path)
{
  size_t n = strlen(root);
  while (n > 0 && root[n - 1] == '/')
    n--;
  if (strncmp(path, root, n) != 0 || path[n] != '/')
    return NULL;
  return path + n + 1;
}

/* ---- writing ---- */

void patina_manifest_append_double(GString *out, double v)
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


void patina_manifest_append_string(GString *out, const char *s)
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

char *patina_manifest_to_data(const PatinaManifest *m, gsize *len)
{
  GString *out = g_string_new("{\n");
  g_string_append_printf(out, "  \"version\": %d,\n  \"classes\": [", PATINA_MANIFEST_VERSION);
  for (guint c = 0; c < m->classes->len; c++) {
    if (c > 0)
      g_string_append(out, ", ");
    patina_manifest_append_string(out, m->classes->pdata[c]);
  }
  g_string_append(out, "],\n");
  if (m->has_split_info) {
    g_string_append_printf(out, "  \"split\": {\"seed\": %" G_GUINT64_FORMAT ", \"val\": ",
                           m->seed <= G_MAXINT64 ? m->seed : (guint64) G_MAXINT64);
    patina_manifest_append_double(out, m->val_fraction);
    g_string_append(out, ", \"test\": ");
    patina_manifest_append_double(out, m->test_fraction);
    g_string_append(out, "},\n");
  }
  g_string_append(out, "  \"images\": [");
  /* One image per line: readable, and a change to one image is a one-line diff. */
  for (guint i = 0; i < m->images->len; i++) {
    const PatinaManifestImage *im = &g_array_index(m->images, PatinaManifestImage, i);
    g_string_append(out, i ? ",\n    {\"path\": " : "\n    {\"path\": ");
    patina_manifest_append_string(out, im->path);
    g_string_append(out, ", \"class\": ");
    patina_manifest_append_string(out, im->label >= 0 && im->label < (int) m->classes->len
                           ? m->classes->pdata[im->label]
                           : "");
    g_string_append_printf(out, ", \"split\": \"%s\", \"excluded\": %s",
                           patina_split_name(im->split), im->excluded ? "true" : "false");
    if (im->exclude_reason) {
      g_string_append(out, ", \"exclude_reason\": ");
      patina_manifest_append_string(out, im->exclude_reason);
    }
    if (im->crop_rows >= 0)
      g_string_append_printf(out, ", \"crop_rows\": %d", im->crop_rows);
    else
      g_string_append(out, ", \"crop_rows\": null");
    g_string_append(out, ", \"pixel_size\": ");
    if (im->pixel_size > 0)
      patina_manifest_append_double(out, im->pixel_size);
    else
      g_string_append(out, "null");
    g_string_append_printf(out, ", \"synthetic\": %s", im->synthetic ? "true" : "false");
    if (im->synthetic_source) {
      g_string_append(out, ", \"synthetic_source\": ");
      patina_manifest_append_string(out, im->synthetic_source);
    }
    g_string_append(out, ", \"sha256\": ");
    patina_manifest_append_string(out, im->sha256);
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
