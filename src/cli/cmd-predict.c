#include <json-glib/json-glib.h>
#include <stdio.h>

#include "cli.h"
#include "train/checkpoint.h"
#include "train/predict.h"

int cli_predict(int argc, char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    {"json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL},
    {NULL},
  };
  if (!cli_parse(&argc, &argv, "MODEL IMAGE...",
                 "Prints the predicted class and the class probabilities of each IMAGE. An "
                 "image that cannot be read is reported and skipped; the exit code is then 1.",
                 entries))
    return CLI_USAGE;
  if (argc < 3)
    return cli_usage_error("predict", "expected MODEL and at least one IMAGE");

  g_autoptr(GError) error = NULL;
  PatinaCheckpointMeta meta = {0};
  PatinaModel *model = patina_checkpoint_load(argv[1], &meta, &error);
  if (!model)
    return cli_fail(error);
  int classes = patina_model_n_classes(model);
  patina_checkpoint_meta_ensure_class_names(&meta, classes);
  g_autofree float *probs = g_new(float, classes);
  int rc = CLI_OK;
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_array(b);
  for (int i = 2; i < argc; i++) {
    g_autoptr(GError) image_error = NULL;
    int best = patina_predict_file(model, argv[i], probs, &image_error);
    if (best < 0) {
      fprintf(stderr, "patina-cli: %s\n", image_error->message);
      rc = CLI_FAILURE;
      continue;
    }
    if (json) {
      json_builder_begin_object(b);
      json_builder_set_member_name(b, "image");
      json_builder_add_string_value(b, argv[i]);
      json_builder_set_member_name(b, "class");
      json_builder_add_string_value(b, meta.class_names[best]);
      json_builder_set_member_name(b, "probabilities");
      json_builder_begin_object(b);
      for (int k = 0; k < classes; k++) {
        json_builder_set_member_name(b, meta.class_names[k]);
        json_builder_add_double_value(b, probs[k]);
      }
      json_builder_end_object(b);
      json_builder_end_object(b);
    } else {
      printf("%s: %s", argv[i], meta.class_names[best]);
      for (int k = 0; k < classes; k++)
        printf("%s%s %.4f", k ? ", " : "  (", meta.class_names[k], probs[k]);
      printf(")\n");
    }
  }
  json_builder_end_array(b);
  if (json) {
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autofree char *text = json_to_string(root, TRUE);
    printf("%s\n", text);
  }
  patina_checkpoint_meta_clear(&meta);
  patina_model_free(model);
  return rc;
}
