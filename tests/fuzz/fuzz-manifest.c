/* libFuzzer target for the data set manifest reader (patina-dataset.json): whatever the bytes,
 * patina_manifest_parse either refuses them with a message that starts with the file's name,
 * or returns a manifest that holds its own invariants (labels in range, safe relative paths,
 * no path twice) and survives a write and re-read unchanged. */
#include <stdint.h>
#include <string.h>

#include "data/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GError *error = NULL;
  PatinaManifest *m = patina_manifest_parse((const char *) data, size, "fuzz.json", &error);
  if (!m) {
    /* A refusal must say why, and say which file. */
    if (!error || !error->message || !g_str_has_prefix(error->message, "fuzz.json: "))
      __builtin_trap();
    g_error_free(error);
    return 0;
  }
  if (error || m->classes->len < 2)
    __builtin_trap();

  GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < m->images->len; i++) {
    const PatinaManifestImage *im = &g_array_index(m->images, PatinaManifestImage, i);
    if (im->label < 0 || im->label >= (int) m->classes->len || im->split < 0 ||
        im->split >= PATINA_N_SPLITS || im->crop_rows < -1 || !(im->pixel_size >= 0.0) ||
        !patina_manifest_check_path(im->path, NULL) || g_hash_table_contains(seen, im->path) ||
        (im->sha256 && strlen(im->sha256) != 64))
      __builtin_trap();
    g_hash_table_add(seen, im->path);
  }
  g_hash_table_destroy(seen);

  /* Write, read back, write again: the same text. */
  gsize len;
  char *text = patina_manifest_to_data(m, &len);
  PatinaManifest *back = patina_manifest_parse(text, len, "fuzz.json", &error);
  if (!back)
    __builtin_trap();
  char *again = patina_manifest_to_data(back, NULL);
  if (strcmp(text, again) != 0 || back->images->len != m->images->len)
    __builtin_trap();
  g_free(again);
  g_free(text);
  patina_manifest_free(back);
  patina_manifest_free(m);
  return 0;
}
