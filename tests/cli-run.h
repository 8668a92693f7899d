/* Running the built patina-cli from a test (test-gradcam.c, test-scan.c): exit code, stdout and
 * stderr, and the checks every failure must pass. */
#pragma once
#include <glib.h>

typedef struct {
  int status; /* exit code */
  char *out, *err;
} CliRun;

void cli_run_free(CliRun *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CliRun, cli_run_free)

/* Runs $PATINA_BUILD_DIR/src/cli/patina-cli in dir with the arguments (NULL-terminated); it
 * must exit, not crash. */
CliRun *cli_run(const char *dir, const char *arg, ...) G_GNUC_NULL_TERMINATED;
/* The run exited with code and says `what` on stderr in a line or two, without a GLib
 * critical. */
void cli_run_expect_fail(const CliRun *r, int code, const char *what);
void cli_run_assert_contains(const char *haystack, const char *needle);

/* Fixtures for the commands: a grayscale PNG of w × h floats in [0, 1], and a checkpoint of
 * spec initialised from seed, with the classes named "316L" and "AZ31B" when it has two. */
void cli_fixture_png(const char *path, const float *pixels, int w, int h);
void cli_fixture_model(const char *path, const char *spec, guint64 seed);
