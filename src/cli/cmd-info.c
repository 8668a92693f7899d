#include <gdk-pixbuf/gdk-pixbuf.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "data/dataset.h"
#include "train/checkpoint.h"

static int info_model(const char *path)
{
  g_autoptr(GError) error = NULL;
  PatinaCheckpointMeta meta = {0};
  PatinaModel *m = patina_checkpoint_load(path, &meta, &error);
  if (!m)
    return cli_fail(error);
  printf("model: %s\nfile: %s\ninput: %d×%d×%d (channels × height × width)\nparameters: %"
         G_GSIZE_FORMAT "\n",
         m->name, path, m->in_c, m->in_h, m->in_w, m->n_params);
  if (meta.class_names) {
    g_autofree char *classes = g_strjoinv(", ", meta.class_names);
    printf("classes: %s\n", classes);
  }
  printf("head: %s\n", m->n_outputs == 1 ? "1 logit + sigmoid" : "softmax");
  printf("layers:\n");
  for (int i = 0; i < m->n_layers; i++) {
    PatinaLayer *l = &m->layers[i];
    printf("  %2d %-12s -> %d×%d×%d", i, patina_layer_type_name(l->type), l->out_c, l->out_h,
           l->out_w);
    if (l->weight_len)
      printf("  (%" G_GSIZE_FORMAT " parameters)", l->weight_len + l->bias_len);
    printf("\n");
  }
  if (meta.hyperparameters_json)
    printf("hyperparameters: %s\n", meta.hyperparameters_json);
  if (meta.history_csv && *meta.history_csv)
    printf("history:\n%s", meta.history_csv);
  patina_checkpoint_meta_clear(&meta);
  patina_model_free(m);
  return CLI_OK;
}

static int info_data(const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds = patina_dataset_open(path, &error);
  if (!ds)
    return cli_fail(error);
  printf("data set: %s\nimages: %u\nclasses: %u\n", path, ds->samples->len, ds->class_names->len);
  int most = 0, least = G_MAXINT;
  for (guint i = 0; i < ds->class_names->len; i++) {
    int n = patina_dataset_count_class(ds, (int) i);
    most = MAX(most, n), least = MIN(least, n);
    printf("  %-36s %5d\n", (char *) g_ptr_array_index(ds->class_names, i), n);
  }
  printf("imbalance: largest class / smallest = %.2f\n", (double) most / MAX(least, 1));
  printf("byte-identical duplicate groups: %d\n", ds->n_duplicate_groups);
  return CLI_OK;
}

static int info_image(const char *path)
{
  int w, h;
  GdkPixbufFormat *format = gdk_pixbuf_get_file_info(path, &w, &h);
  if (!format) {
    fprintf(stderr, "patina-cli: %s: not an image Patina can read\n", path);
    return CLI_FAILURE;
  }
  g_autofree char *name = gdk_pixbuf_format_get_name(format);
  printf("image: %s\nformat: %s\nsize: %d×%d\n", path, name, w, h);
  return CLI_OK;
}

int cli_info(int argc, char **argv)
{
  if (!cli_parse(&argc, &argv, "MODEL|IMAGE|DATA",
                 "Describes a model checkpoint (.safetensors), an image or a data set folder.",
                 NULL))
    return CLI_USAGE;
  if (argc != 2)
    return cli_usage_error("info", "expected one path, got %d arguments", argc - 1);
  const char *path = argv[1];
  if (g_file_test(path, G_FILE_TEST_IS_DIR))
    return info_data(path);
  if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
    fprintf(stderr, "patina-cli: %s: no such file or folder\n", path);
    return CLI_FAILURE;
  }
  if (g_str_has_suffix(path, ".safetensors"))
    return info_model(path);
  return info_image(path);
}
