#include <stdio.h>

#include "cli.h"
#include "data/demo.h"

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
  if (!patina_demo_generate(argv[1], per_class, (guint64) seed, &error))
    return cli_fail(error);
  printf("wrote %d images per class to %s\n", per_class, argv[1]);
  return CLI_OK;
}
