#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "train/train.h"

/* The model's classes must be the data set's, in the same order, or every number is wrong. */
static gboolean check_classes(const PatinaCheckpointMeta *meta, const PatinaDataset *ds,
                              const char *model_path, GError **error)
{
  guint n = meta->class_names ? g_strv_length(meta->class_names) : 0;
  gboolean same = n == ds->class_names->len;
  for (guint i = 0; same && i < n; i++)
    same = !strcmp(meta->class_names[i], g_ptr_array_index(ds->class_names, i));
  if (!same) {
    g_autofree char *want = meta->class_names ? g_strjoinv(", ", meta->class_names) : g_strdup("");
    GString *have = g_string_new(NULL);
    for (guint i = 0; i < ds->class_names->len; i++)
      g_string_append_printf(have, "%s%s", i ? ", " : "",
                             (char *) g_ptr_array_index(ds->class_names, i));
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_MISMATCH,
                "%s was trained on the classes [%s] but %s has [%s]", model_path, want, ds->root,
                have->str);
    g_string_free(have, TRUE);
  }
  return same;
}

/* The seed and holdout share a model was trained with, to evaluate on exactly its holdout. */
static gboolean training_split(const PatinaCheckpointMeta *meta, guint64 *seed, double *fraction)
{
  if (!meta->hyperparameters_json)
    return FALSE;
  g_autoptr(JsonParser) p = json_parser_new();
  if (!json_parser_load_from_data(p, meta->hyperparameters_json, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
    return FALSE;
  JsonObject *o = json_node_get_object(json_parser_get_root(p));
  if (!json_object_has_member(o, "seed") || !json_object_has_member(o, "val_fraction"))
    return FALSE;
  *seed = (guint64) json_object_get_int_member(o, "seed");
  *fraction = json_object_get_double_member(o, "val_fraction");
  return *fraction > 0.0 && *fraction < 1.0;
}

static void print_json(const char *model_path, const PatinaDataset *ds, const PatinaEvaluation *e)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "model");
  json_builder_add_string_value(b, model_path);
  json_builder_set_member_name(b, "data");
  json_builder_add_string_value(b, ds->root);
  json_builder_set_member_name(b, "images");
  json_builder_add_int_value(b, e->n);
  json_builder_set_member_name(b, "accuracy");
  json_builder_add_double_value(b, e->accuracy);
  json_builder_set_member_name(b, "loss");
  json_builder_add_double_value(b, e->loss);
  json_builder_set_member_name(b, "classes");
  json_builder_begin_array(b);
  for (int k = 0; k < e->n_classes; k++) {
    double p, r, f1;
    int support = 0;
    for (int j = 0; j < e->n_classes; j++)
      support += e->confusion[k * e->n_classes + j];
    patina_evaluation_class_metrics(e, k, &p, &r, &f1);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, g_ptr_array_index(ds->class_names, k));
    json_builder_set_member_name(b, "precision");
    json_builder_add_double_value(b, p);
    json_builder_set_member_name(b, "recall");
    json_builder_add_double_value(b, r);
    json_builder_set_member_name(b, "f1");
    json_builder_add_double_value(b, f1);
    json_builder_set_member_name(b, "support");
    json_builder_add_int_value(b, support);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "confusion");
  json_builder_begin_array(b);
  for (int k = 0; k < e->n_classes; k++) {
    json_builder_begin_array(b);
    for (int j = 0; j < e->n_classes; j++)
      json_builder_add_int_value(b, e->confusion[k * e->n_classes + j]);
    json_builder_end_array(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autofree char *text = json_to_string(root, TRUE);
  printf("%s\n", text);
}

static void print_text(const PatinaDataset *ds, const PatinaEvaluation *e)
{
  printf("images: %d\naccuracy: %.4f\nloss: %.4f\n\n", e->n, e->accuracy, e->loss);
  int width = 8;
  for (int k = 0; k < e->n_classes; k++)
    width = MAX(width, (int) strlen(g_ptr_array_index(ds->class_names, k)));
  printf("%-*s  precision  recall     f1  support\n", width, "class");
  for (int k = 0; k < e->n_classes; k++) {
    double p, r, f1;
    int support = 0;
    for (int j = 0; j < e->n_classes; j++)
      support += e->confusion[k * e->n_classes + j];
    patina_evaluation_class_metrics(e, k, &p, &r, &f1);
    printf("%-*s  %9.3f  %6.3f  %5.3f  %7d\n", width,
           (char *) g_ptr_array_index(ds->class_names, k), p, r, f1, support);
  }
  printf("\nconfusion (rows: true class, columns: predicted)\n%-*s", width, "");
  for (int j = 0; j < e->n_classes; j++)
    printf(" %6d", j);
  printf("\n");
  for (int k = 0; k < e->n_classes; k++) {
    printf("%-*s", width, (char *) g_ptr_array_index(ds->class_names, k));
    for (int j = 0; j < e->n_classes; j++)
      printf(" %6d", e->confusion[k * e->n_classes + j]);
    printf("   (%d)\n", k);
  }
}

int cli_evaluate(int argc, char **argv)
{
  gboolean json = FALSE, holdout = FALSE, no_manifest = FALSE;
  g_autofree char *crop = NULL;
  int threads = 2, batch = 64;
  g_autofree char *split = NULL;
  const GOptionEntry entries[] = {
    {"json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL},
    {"holdout", 0, 0, G_OPTION_ARG_NONE, &holdout,
     "Only the images the model was validated on (its training seed and --val-fraction)", NULL},
    {"split", 0, 0, G_OPTION_ARG_STRING, &split,
     "Only the images of this split of DATA/patina-dataset.json: train, val or test", "NAME"},
    {"crop", 0, 0, G_OPTION_ARG_STRING, &crop, CLI_CROP_HELP, "auto|off|ROWS"},
    {"no-manifest", 0, 0, G_OPTION_ARG_NONE, &no_manifest,
     "Ignore DATA/patina-dataset.json: every image of the class folders", NULL},
    {"threads", 't', 0, G_OPTION_ARG_INT, &threads, "Worker threads (default 2)", "T"},
    {"batch", 'b', 0, G_OPTION_ARG_INT, &batch, "Images per forward pass (default 64)", "N"},
    {NULL},
  };
  if (!cli_parse(&argc, &argv, "MODEL DATA",
                 "Evaluates MODEL on the images of DATA (a class-folder data set with the "
                 "model's classes): accuracy, loss, per-class precision/recall/F1 and the "
                 "confusion matrix. When DATA has a manifest (patina-dataset.json), its excluded "
                 "images are left out and --split picks one of its splits.",
                 entries))
    return CLI_USAGE;
  if (argc != 3)
    return cli_usage_error("evaluate", "expected MODEL and DATA, got %d arguments", argc - 1);
  if (threads < 1 || threads > 256 || batch < 1 || batch > 4096)
    return cli_usage_error("evaluate", "--threads must be 1 to 256 and --batch 1 to 4096");
  int want_split = -1;
  for (int s = 0; split && s < PATINA_N_SPLITS; s++)
    if (!strcmp(split, patina_split_name((PatinaSplit) s)))
      want_split = s;
  if (split && want_split < 0)
    return cli_usage_error("evaluate", "--split must be train, val or test, not \"%s\"", split);
  if (split && (holdout || no_manifest))
    return cli_usage_error("evaluate", "--split takes the manifest's split; it excludes "
                                       "--holdout and --no-manifest");

  g_autoptr(GError) error = NULL;
  PatinaLoadOptions crop_opts;
  if (!cli_parse_crop(crop, &crop_opts, &error))
    return cli_usage_error("evaluate", "%s", error->message);
  PatinaCheckpointMeta meta = {0};
  PatinaModel *model = patina_checkpoint_load(argv[1], &meta, &error);
  if (!model)
    return cli_fail(error);
  patina_model_set_threads(model, threads);
  int rc = CLI_FAILURE;
  g_auto(PatinaDataSource) data = {0};
  PatinaDataset *ds = NULL;
  if (cli_data_open(argv[2], split ? PATINA_MANIFEST_REQUIRED
                             : no_manifest || holdout ? PATINA_MANIFEST_IGNORE : PATINA_MANIFEST_AUTO,
                    &data, &error))
    ds = data.ds;
  if (ds)
    ds->crop = crop_opts.crop, ds->crop_rows = crop_opts.crop_rows;
  g_autoptr(GArray) idx = g_array_new(FALSE, FALSE, sizeof(int));
  float *planes = NULL;
  int *labels = NULL;
  PatinaEvaluation e = {0};
  if (!ds || !check_classes(&meta, ds, argv[1], &error))
    goto out;
  if (holdout) {
    guint64 seed;
    double fraction;
    if (!training_split(&meta, &seed, &fraction)) {
      g_set_error(&error, PATINA_ERROR, PATINA_ERROR_INVALID,
                  "%s: --holdout needs a model trained with a --val-fraction split (for a "
                  "model trained on a manifest's split, use --split val or --split test)",
                  argv[1]);
      goto out;
    }
    g_autoptr(GArray) train = g_array_new(FALSE, FALSE, sizeof(int));
    patina_dataset_split(ds, fraction, seed, train, idx);
  } else if (want_split >= 0) {
    g_array_append_vals(idx, data.splits[want_split]->data, data.splits[want_split]->len);
    if (idx->len == 0) {
      g_set_error(&error, PATINA_ERROR, PATINA_ERROR_INVALID, "%s: the %s split has no images",
                  data.manifest_path, split);
      goto out;
    }
  } else {
    for (int i = 0; i < (int) ds->samples->len; i++)
      g_array_append_val(idx, i);
  }
  planes = patina_load_planes(ds, (int *) idx->data, (int) idx->len, model->in_h, threads, NULL,
                              &error);
  if (!planes)
    goto out;
  labels = g_new(int, MAX(1, idx->len));
  for (guint i = 0; i < idx->len; i++)
    labels[i] = g_array_index(ds->samples, PatinaSample, g_array_index(idx, int, i)).label;
  if (!patina_evaluate_planes(model, planes, labels, (int) idx->len, batch, &e, &error))
    goto out;
  if (json) {
    print_json(argv[1], ds, &e);
  } else {
    if (split)
      printf("split: %s of %s\n", split, data.manifest_path);
    print_text(ds, &e);
  }
  rc = CLI_OK;
out:
  if (rc != CLI_OK)
    cli_fail(error);
  patina_evaluation_clear(&e);
  g_free(planes);
  g_free(labels);
  patina_checkpoint_meta_clear(&meta);
  patina_model_free(model);
  return rc;
}
