/* patina-cli: the headless front end. One function per command; each parses its own options
 * with GOptionContext so `patina-cli CMD --help` works. Exit codes: 0 ok, 1 failure, 2 usage. */
#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
  {"demo-data", cli_demo_data, "write the built-in demo data set (two classes of SEM-like images)"},
  {"train", cli_train, "train the paper's CNN on a class-folder data set"},
  {"evaluate", cli_evaluate, "accuracy, per-class metrics and confusion matrix of a model"},
  {"predict", cli_predict, "class and probabilities of images"},
  {"info", cli_info, "describe a model, an image or a data set"},
  {"dataset", cli_dataset, "data set manifest: init (split), check (duplicates, imbalance), update"},
  {"augment", cli_augment, "a labelled preview grid of augmented variants of an image"},
  {"layers", cli_layers, "a layer's activation maps of an image as a report figure (PNG, SVG, PDF)"},
  {"gradcam", cli_gradcam, "where the network looks: Grad-CAM or Grad-CAM++ over the image"},
  {"scan", cli_scan, "classify a large micrograph tile by tile: class maps and area fractions"},
};

static void usage(FILE *out)
{
  fprintf(out, "Usage: patina-cli COMMAND [OPTIONS...]\n\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS(commands); i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\nRun 'patina-cli COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  if (argc < 2) {
    usage(stderr);
    return CLI_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return CLI_OK;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("patina-cli " PATINA_VERSION "\n");
    return CLI_OK;
  }
  for (guint i = 0; i < G_N_ELEMENTS(commands); i++)
    if (!strcmp(argv[1], commands[i].name))
      return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "patina-cli: unknown command \"%s\"\n\n", argv[1]);
  usage(stderr);
  return CLI_USAGE;
}
