#pragma once
#include <glib.h>

enum { CLI_OK = 0, CLI_FAILURE = 1, CLI_USAGE = 2 };

int cli_demo_data(int argc, char **argv);
int cli_train(int argc, char **argv);
int cli_evaluate(int argc, char **argv);
int cli_predict(int argc, char **argv);
int cli_info(int argc, char **argv);

/* Parses argv with entries; on a usage error prints it with the command's help hint and
 * returns FALSE. `params` names the positional arguments for --help. */
gboolean cli_parse(int *argc, char ***argv, const char *params, const char *summary,
                   const GOptionEntry *entries);
/* Prints "patina-cli: message" to stderr and returns CLI_FAILURE. */
int cli_fail(const GError *error);
int cli_usage_error(const char *command, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
