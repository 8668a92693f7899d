/* Runs every file of a fuzz corpus through a fuzz target once, so `meson test` (built with
 * any compiler, no libFuzzer) catches a regression on an input the fuzzer once found. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
    return 2;
  }
  GError *error = NULL;
  GDir *dir = g_dir_open(argv[1], 0, &error);
  if (!dir) {
    fprintf(stderr, "%s\n", error->message);
    g_error_free(error);
    return 1;
  }
  int n = 0;
  const char *name;
  while ((name = g_dir_read_name(dir))) {
    char *path = g_build_filename(argv[1], name, NULL);
    char *contents;
    gsize len;
    if (!g_file_get_contents(path, &contents, &len, &error)) {
      fprintf(stderr, "%s\n", error->message);
      return 1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *) contents, len);
    g_free(contents);
    g_free(path);
    n++;
  }
  g_dir_close(dir);
  printf("%d inputs replayed from %s\n", n, argv[1]);
  /* An empty corpus means the path is wrong, not that all is well. */
  return n > 0 ? 0 : 1;
}
