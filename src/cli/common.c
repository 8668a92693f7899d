#include <errno.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

gboolean cli_parse(int *argc, char ***argv, const char *params, const char *summary,
                   const GOptionEntry *entries)
{
  /* --help's "Usage:" line shows the program name: make it the whole command, not argv[0] */
  g_autofree char *prgname = g_strdup_printf("patina-cli %s", (*argv)[0]);
  g_set_prgname(prgname);
  g_autoptr(GOptionContext) ctx = g_option_context_new(params);
  g_option_context_set_summary(ctx, summary);
  if (entries)
    g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, argc, argv, &error)) {
    fprintf(stderr, "patina-cli %s: %s\nRun 'patina-cli %s --help' for its options.\n",
            (*argv)[0], error->message, (*argv)[0]);
    return FALSE;
  }
  return TRUE;
}

int cli_fail(const GError *error)
{
  fprintf(stderr, "patina-cli: %s\n", error->message);
  return CLI_FAILURE;
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fprintf(stderr, "patina-cli %s: %s\nRun 'patina-cli %s --help' for its options.\n", command,
          msg, command);
  return CLI_USAGE;
}

gboolean cli_check_output(const char *path, GError **error)
{
  if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_ISDIR,
                "%s: is a folder; -o takes a file name", path);
    return FALSE;
  }
  g_autofree char *dir = g_path_get_dirname(path);
  if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
    gboolean exists = g_file_test(dir, G_FILE_TEST_EXISTS);
    g_set_error(error, G_FILE_ERROR, exists ? G_FILE_ERROR_NOTDIR : G_FILE_ERROR_NOENT,
                "%s: %s %s", path, dir, exists ? "is not a folder" : "does not exist");
    return FALSE;
  }
  /* access(W_OK) says yes to root everywhere, even in /proc or on a read-only mount: try it */
  g_autofree char *probe = g_build_filename(dir, ".patina-write-test-XXXXXX", NULL);
  int fd = g_mkstemp(probe);
  if (fd < 0) {
    int saved = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
                "%s: cannot write in folder %s (%s)", path, dir, g_strerror(saved));
    return FALSE;
  }
  close(fd);
  g_unlink(probe);
  return TRUE;
}

gboolean cli_parse_crop(const char *arg, PatinaLoadOptions *options, GError **error)
{
  options->crop = PATINA_CROP_AUTO;
  options->crop_rows = 0;
  if (!arg || !strcmp(arg, "auto"))
    return TRUE;
  if (!strcmp(arg, "off")) {
    options->crop = PATINA_CROP_OFF;
    return TRUE;
  }
  guint64 rows;
  if (!g_ascii_string_to_unsigned(arg, 10, 0, 65535, &rows, NULL)) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--crop takes auto, off or a number of rows, not \"%s\"", arg);
    return FALSE;
  }
  options->crop = PATINA_CROP_ROWS;
  options->crop_rows = (int) rows;
  return TRUE;
}
