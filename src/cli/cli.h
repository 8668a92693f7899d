#pragma once
#include <glib.h>

#include "data/image.h"

#include "data/augment.h"

enum { CLI_OK = 0, CLI_FAILURE = 1, CLI_USAGE = 2 };

int cli_demo_data(int argc, char **argv);
int cli_train(int argc, char **argv);
int cli_evaluate(int argc, char **argv);
int cli_predict(int argc, char **argv);
int cli_info(int argc, char **argv);
int cli_augment(int argc, char **argv);
int cli_layers(int argc, char **argv);
int cli_gradcam(int argc, char **argv);
int cli_scan(int argc, char **argv);
/* --class by index or name (case-insensitive) among names; -1 after printing a usage message
 * that lists the classes. cmd-gradcam.c. */
int cli_parse_class(const char *command, const char *arg, char **names, int classes);

/* Parses argv with entries; on a usage error prints it with the command's help hint and
 * returns FALSE. `params` names the positional arguments for --help. */
gboolean cli_parse(int *argc, char ***argv, const char *params, const char *summary,
                   const GOptionEntry *entries);
/* Prints "patina-cli: message" to stderr and returns CLI_FAILURE. */
int cli_fail(const GError *error);
/* Refuses, before any work, an output path that is a folder, lies in a missing folder or in
 * one we cannot write to (tried, not asked: access() says yes to root everywhere). */
gboolean cli_check_output(const char *path, GError **error);
/* --crop auto|off|ROWS: the data bar crop for images a manifest does not set one for. */
#define CLI_CROP_HELP \
  "Data bar at the bottom of SEM images: auto (found from metadata or its look, the default), " \
  "off, or a number of rows to cut from every image; a manifest's crop_rows still wins"
gboolean cli_parse_crop(const char *arg, PatinaLoadOptions *options, GError **error);
int cli_usage_error(const char *command, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* The augmentation options (Keras ImageDataGenerator's names, dashed) that train and augment
 * share; cmd-augment.c. */
#define CLI_AUGMENT_MAX_OPTIONS 24
typedef struct {
  char *preset, *config;
  char *values[CLI_AUGMENT_MAX_OPTIONS];
  gboolean horizontal_flip, vertical_flip;
} CliAugmentOptions;
/* Appends the options' entries (pointing into o) to entries, a GArray of GOptionEntry. */
void cli_augment_options_add(CliAugmentOptions *o, GArray *entries);
gboolean cli_augment_options_given(const CliAugmentOptions *o);
/* The preset or JSON file first, then each option over it. Prints any error and returns its
 * exit code (CLI_USAGE for a bad option, CLI_FAILURE for an unreadable or bad file). */
int cli_augment_options_resolve(const CliAugmentOptions *o, const char *command,
                                PatinaAugment *a);
void cli_augment_options_clear(CliAugmentOptions *o);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CliAugmentOptions, cli_augment_options_clear)

/* patina-cli dataset, and the data set side of train and evaluate; cmd-dataset.c. */
#include "data/datasource.h"
#include "data/manifest.h"
#include "train/train.h"

int cli_dataset(int argc, char **argv);

/* Opens DATA through patina_data_source_open, naming on stderr the images it skipped. */
gboolean cli_data_open(const char *dir, PatinaManifestUse use, PatinaDataSource *d,
                       GError **error);
/* "data: DIR, N images in C classes (...)" and, with a manifest, its split sizes. */
void cli_data_print(const PatinaDataSource *d, const char *dir);
/* Trains k models on stratified, group-aware folds (of the manifest's train + val images, or
 * of all), saving <stem>.fold1.safetensors ...; prints each fold's best validation accuracy
 * and their mean ± sd. Returns an exit code. */
int cli_train_folds(const PatinaTrainConfig *base, const PatinaDataSource *d, int k,
                    PatinaProgressFunc progress, gpointer user_data, GCancellable *cancellable);
