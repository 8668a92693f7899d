#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "train/train.h"

/* Ctrl-C cancels between batches so the model trained so far is saved; a second one kills. */
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
  (void) sig;
  interrupted = 1;
  signal(SIGINT, SIG_DFL);
}

static char *format_duration(double s)
{
  if (!isfinite(s) || s < 0)
    return g_strdup("?");
  int t = (int) (s + 0.5);
  if (t >= 3600)
    return g_strdup_printf("%dh%02dm", t / 3600, t / 60 % 60);
  if (t >= 60)
    return g_strdup_printf("%dm%02ds", t / 60, t % 60);
  return g_strdup_printf("%ds", t);
}

typedef struct {
  GCancellable *cancellable;
  gboolean tty;
} TrainUi;

static void on_progress(const PatinaProgress *p, gpointer user_data)
{
  TrainUi *ui = user_data;
  if (interrupted)
    g_cancellable_cancel(ui->cancellable);
  g_autofree char *eta = format_duration(p->eta_seconds);
  if (!p->epoch_done) {
    if (ui->tty)
      fprintf(stderr, "\r  epoch %d/%d  batch %d/%d  loss %.4f  acc %.3f  %.1f img/s  ETA %s \033[K",
              p->epoch, p->epochs, p->batch, p->batches, p->train_loss, p->train_acc,
              p->images_per_second, eta);
    return;
  }
  if (ui->tty)
    fprintf(stderr, "\r\033[K");
  if (isnan(p->val_acc))
    printf("epoch %d/%d  loss %.4f  acc %.4f  %.1f img/s  ETA %s\n", p->epoch, p->epochs,
           p->train_loss, p->train_acc, p->images_per_second, eta);
  else
    printf("epoch %d/%d  loss %.4f  acc %.4f  val_loss %.4f  val_acc %.4f  %.1f img/s  ETA %s\n",
           p->epoch, p->epochs, p->train_loss, p->train_acc, p->val_loss, p->val_acc,
           p->images_per_second, eta);
  fflush(stdout);
}


int cli_train(int argc, char **argv)
{
  PatinaTrainConfig cfg;
  patina_train_config_default(&cfg);
  g_autofree char *output = NULL, *model = NULL, *optimizer = NULL;
  double lr = cfg.lr, momentum = cfg.momentum;
  gint64 seed = 0;
  int folds = 0;
  gboolean use_manifest = FALSE, no_manifest = FALSE;
  g_autofree char *crop = NULL;
  const GOptionEntry entries[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Where to save the best model (required)",
     "MODEL.safetensors"},
    {"model", 'm', 0, G_OPTION_ARG_STRING, &model,
     "paper (Table 6 CNN, default) or paper5 (5 conv + BatchNorm)", "NAME"},
    {"size", 0, 0, G_OPTION_ARG_INT, &cfg.size, "Input height and width (default 150)", "PX"},
    {"epochs", 'e', 0, G_OPTION_ARG_INT, &cfg.epochs, "Epochs (default 10)", "N"},
    {"batch", 'b', 0, G_OPTION_ARG_INT, &cfg.batch, "Batch size (default 32)", "N"},
    {"lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "Learning rate (default 0.0007, the paper's)", "RATE"},
    {"optimizer", 0, 0, G_OPTION_ARG_STRING, &optimizer, "adam (default) or sgd", "NAME"},
    {"momentum", 0, 0, G_OPTION_ARG_DOUBLE, &momentum, "SGD momentum (default 0.9)", "M"},
    {"seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Seed of initialisation, split and order (default 0)",
     "S"},
    {"val-fraction", 0, 0, G_OPTION_ARG_DOUBLE, &cfg.val_fraction,
     "Share of each class held out for validation (default 0.2)", "F"},
    {"threads", 't', 0, G_OPTION_ARG_INT, &cfg.threads, "Worker threads (default 2)", "T"},
    {"class-weighting", 0, 0, G_OPTION_ARG_NONE, &cfg.class_weighting,
     "Weight each class's loss inversely to its size (for imbalanced data)", NULL},
    {"dropout", 0, 0, G_OPTION_ARG_DOUBLE, &cfg.dropout,
     "Probability of every dropout layer (default 0.5, the paper's)", "P"},
    {"folds", 0, 0, G_OPTION_ARG_INT, &folds,
     "Cross-validate: train K models on stratified folds (saved as <stem>.fold1.safetensors ...) "
     "and print the mean ± sd of their best val_acc", "K"},
    {"manifest", 0, 0, G_OPTION_ARG_NONE, &use_manifest,
     "Train and validate on the splits of DATA/patina-dataset.json, without its excluded and "
     "test images (the default when it exists; with this option, an error when it does not)",
     NULL},
    {"crop", 0, 0, G_OPTION_ARG_STRING, &crop, CLI_CROP_HELP, "auto|off|ROWS"},
    {"no-manifest", 0, 0, G_OPTION_ARG_NONE, &no_manifest,
     "Ignore DATA/patina-dataset.json: every image of the class folders, split by --val-fraction",
     NULL},
    {NULL},
  };
  /* then the augmentation options, shared with `patina-cli augment` (cmd-augment.c) */
  g_auto(CliAugmentOptions) augment_options = {0};
  g_autoptr(GArray) all_entries = g_array_new(TRUE, TRUE, sizeof(GOptionEntry));
  g_array_append_vals(all_entries, entries, G_N_ELEMENTS(entries) - 1);
  cli_augment_options_add(&augment_options, all_entries);
  if (!cli_parse(&argc, &argv, "DATA",
                 "Trains a CNN on DATA, a folder with one sub-folder of images per class. Prints "
                 "a line per epoch; saves the model with the best validation accuracy to -o, "
                 "the last one beside it as .last.safetensors and the history as .csv. Ctrl-C "
                 "stops after the current batch and keeps the model so far. Augmentation (off "
                 "by default) takes Keras ImageDataGenerator's options, applied anew to each "
                 "training image in each epoch; see 'patina-cli augment' for a preview.",
                 (const GOptionEntry *) all_entries->data))
    return CLI_USAGE;
  if (argc != 2)
    return cli_usage_error("train", "expected one data folder, got %d arguments", argc - 1);
  if (!output)
    return cli_usage_error("train", "-o MODEL.safetensors is required");
  cfg.model = model ? model : "paper";
  cfg.lr = (float) lr;
  cfg.momentum = (float) momentum;
  cfg.seed = (guint64) seed;
  cfg.output = output;
  if (optimizer && strcmp(optimizer, "adam") && strcmp(optimizer, "sgd"))
    return cli_usage_error("train", "--optimizer must be adam or sgd, not \"%s\"", optimizer);
  cfg.optimizer = optimizer && !strcmp(optimizer, "sgd") ? PATINA_OPTIMIZER_SGD
                                                         : PATINA_OPTIMIZER_ADAM;
  if (strcmp(cfg.model, "paper") && strcmp(cfg.model, "paper5"))
    return cli_usage_error("train", "--model must be paper or paper5, not \"%s\"", cfg.model);
  if (cfg.epochs < 1)
    return cli_usage_error("train", "--epochs must be at least 1");
  /* the same ranges patina_train checks, refused as usage errors before any work */
  if (cfg.batch < 1 || cfg.batch > 4096)
    return cli_usage_error("train", "--batch must be 1 to 4096");
  if (!(cfg.lr > 0.0f) || !isfinite(cfg.lr))
    return cli_usage_error("train", "--lr must be a positive number");
  if (!(cfg.val_fraction >= 0.0 && cfg.val_fraction < 1.0))
    return cli_usage_error("train", "--val-fraction must be at least 0 and below 1");
  if (cfg.size < 16 || cfg.size > 2048)
    return cli_usage_error("train", "--size must be 16 to 2048");
  if (cfg.threads < 1 || cfg.threads > 256)
    return cli_usage_error("train", "--threads must be 1 to 256");
  if (!(cfg.dropout >= 0.0 && cfg.dropout < 1.0))
    return cli_usage_error("train", "--dropout must be at least 0 and below 1");
  if (folds < 0 || folds == 1 || folds > 100)
    return cli_usage_error("train", "--folds must be 2 to 100");
  if (use_manifest && no_manifest)
    return cli_usage_error("train", "--manifest and --no-manifest exclude each other");
  PatinaAugment augment;
  int augment_rc = cli_augment_options_resolve(&augment_options, "train", &augment);
  if (augment_rc != CLI_OK)
    return augment_rc;
  if (cli_augment_options_given(&augment_options))
    cfg.augment = &augment;

  g_autoptr(GError) error = NULL;
  if (!cli_check_output(output, &error))
    return cli_fail(error);
  PatinaLoadOptions crop_opts;
  if (!cli_parse_crop(crop, &crop_opts, &error))
    return cli_usage_error("train", "%s", error->message);
  g_auto(PatinaDataSource) data = {0};
  if (!cli_data_open(argv[1], use_manifest ? PATINA_MANIFEST_REQUIRED
                              : no_manifest ? PATINA_MANIFEST_IGNORE : PATINA_MANIFEST_AUTO,
                     &data, &error) ||
      !patina_data_source_check_training(&data, folds > 0, &error))
    return cli_fail(error);
  PatinaDataset *ds = data.ds;
  ds->crop = crop_opts.crop, ds->crop_rows = crop_opts.crop_rows;
  cli_data_print(&data, argv[1]);
  if (data.manifest) {
    /* the manifest's split, explicit; val_fraction 0 so that evaluate --holdout cannot
     * re-derive a different one from the checkpoint */
    cfg.val_fraction = 0.0;
    cfg.train_indices = (const int *) data.splits[PATINA_SPLIT_TRAIN]->data;
    cfg.n_train_indices = (int) data.splits[PATINA_SPLIT_TRAIN]->len;
    cfg.val_indices = (const int *) data.splits[PATINA_SPLIT_VAL]->data;
    cfg.n_val_indices = (int) data.splits[PATINA_SPLIT_VAL]->len;
  }
  if (ds->n_duplicate_groups)
    printf("data: %d groups of byte-identical images kept on one side of the split\n",
           ds->n_duplicate_groups);
  if (cfg.augment) {
    g_autofree char *what = patina_augment_describe(cfg.augment);
    printf("augment: %s\n", what);
  }

  g_autoptr(GCancellable) cancellable = g_cancellable_new();
  TrainUi ui = {.cancellable = cancellable, .tty = isatty(STDERR_FILENO)};
  signal(SIGINT, on_sigint);
  if (folds) {
    int rc = cli_train_folds(&cfg, &data, folds, on_progress, &ui, cancellable);
    signal(SIGINT, SIG_DFL);
    return rc;
  }
  PatinaTrainResult result;
  gboolean ok = patina_train(&cfg, ds, on_progress, &ui, cancellable, &result, &error);
  signal(SIGINT, SIG_DFL);
  if (!ok) {
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      fprintf(stderr, "patina-cli: interrupted; the model so far is in %s\n", result.last_path);
    else
      cli_fail(error);
    patina_train_result_clear(&result);
    return CLI_FAILURE;
  }
  printf("trained on %d images, validated on %d\n", result.n_train, result.n_val);
  if (result.n_val)
    printf("best: epoch %d, val_acc %.4f -> %s\n", result.best_epoch, result.best_val_acc,
           output);
  else
    printf("saved: %s\n", output);
  printf("last: %s\nhistory: %s\n", result.last_path, result.history_path);
  patina_train_result_clear(&result);
  return CLI_OK;
}
