#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "data/demo.h"

/* A terminal sees the count rise in place; a pipe or log gets only the final line. */
static void print_progress(int done, int total, gpointer user_data)
{
  (void) user_data;
  fprintf(stderr, "\rdrawing image %d of %d", done, total);
  if (done == total)
    fputc('\n', stderr);
  fflush(stderr);
}

int cli_demo_data(int argc, char **argv)
{
  int per_class = PATINA_DEMO_PER_CLASS;
  gint64 seed = 0;
  const GOptionEntry entries[] = {
    {"per-class", 'n', 0, G_OPTION_ARG_INT, &per_class, "Images per class (default 100)", "N"},
    {"seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Seed of the drawing (default 0)", "S"},
    {NULL},
  };
  if (!cli_parse(&argc, &argv, "DIR",
                 "Writes the built-in demo data set: 256×256 SEM-like micrographs of polished "
                 "316L steel and corroded AZ31B magnesium, one folder per class.",
                 entries))
    return CLI_USAGE;
  if (argc != 2)
    return cli_usage_error("demo-data", "expected one output folder, got %d arguments",
                           argc - 1);
  if (per_class < 1 || per_class > 100000)
    return cli_usage_error("demo-data", "--per-class must be 1 to 100000");
  g_autoptr(GError) error = NULL;
  PatinaDemoProgress progress = isatty(STDERR_FILENO) ? print_progress : NULL;
  if (!patina_demo_generate_full(argv[1], per_class, (guint64) seed, progress, NULL, NULL,
                                 &error))
    return cli_fail(error);
  printf("wrote %d images per class to %s\n", per_class, argv[1]);
  return CLI_OK;
}
