#include <stdarg.h>
#include <stdio.h>

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
