/* patina-cli gradcam: where the network looks, as a Grad-CAM or Grad-CAM++ overlay. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "train/predict.h"
#include "train/checkpoint.h"
#include "viz/gradcam-figure.h"

/* --class by index or by name (case-insensitive); -1 and a usage message when neither. */
int cli_parse_class(const char *command, const char *arg, char **names, int classes)
{
  guint64 k;
  if (g_ascii_string_to_unsigned(arg, 10, 0, G_MAXINT, &k, NULL)) {
    if ((int) k < classes)
      return (int) k;
  } else {
    for (int i = 0; i < classes; i++)
      if (!g_ascii_strcasecmp(arg, names[i]))
        return i;
  }
  GString *valid = g_string_new(NULL);
  for (int i = 0; i < classes; i++)
    g_string_append_printf(valid, "%s%d (%s)", i ? ", " : "", i, names[i]);
  cli_usage_error(command, "--class %s: the model's classes are %s", arg, valid->str);
  g_string_free(valid, TRUE);
  return -1;
}

int cli_gradcam(int argc, char **argv)
{
  char *klass_arg = NULL, *layer_arg = NULL, *colormap_arg = NULL, *output = NULL,
       *crop_arg = NULL;
  gboolean plus = FALSE, list = FALSE, figure = FALSE;
  double opacity = 0.5, dpi = 300;
  int max_side = 1024;
  const GOptionEntry entries[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
     "File to write (required): a PNG of the overlay, or with --figure (implied by .svg and "
     ".pdf) a report figure", "FILE"},
    {"figure", 0, 0, G_OPTION_ARG_NONE, &figure,
     "A report figure: micrograph and map side by side, colorbar, scale bar when the pixel size "
     "is known, caption; PNG, SVG or PDF by the extension", NULL},
    {"dpi", 0, 0, G_OPTION_ARG_DOUBLE, &dpi, "Resolution of a PNG figure (default 300)", "DPI"},
    {"class", 'c', 0, G_OPTION_ARG_STRING, &klass_arg,
     "Class whose evidence is shown, by index or name (default: the predicted class)", "C"},
    {"layer", 'l', 0, G_OPTION_ARG_STRING, &layer_arg,
     "Conv layer: conv1, conv2, ... or its index in the model (default: the last conv)", "NAME"},
    {"plus", 0, 0, G_OPTION_ARG_NONE, &plus, "Grad-CAM++ instead of Grad-CAM", NULL},
    {"opacity", 0, 0, G_OPTION_ARG_DOUBLE, &opacity,
     "Opacity of the map over the micrograph, 0 to 1 (default 0.5)", "A"},
    {"colormap", 0, 0, G_OPTION_ARG_STRING, &colormap_arg,
     "Colormap of the map (default viridis: its hue, not only its lightness, changes, so the map stays apart from the micrograph's own gray levels)", "NAME"},
    {"max-size", 0, 0, G_OPTION_ARG_INT, &max_side,
     "Longest side of the PNG in pixels; larger images are scaled down (default 1024, 0: "
     "the image's own size)", "PX"},
    {"crop", 0, 0, G_OPTION_ARG_STRING, &crop_arg, CLI_CROP_HELP, "auto|off|ROWS"},
    {"list-layers", 0, 0, G_OPTION_ARG_NONE, &list, "List the conv layers and exit", NULL},
    {NULL},
  };
  if (!cli_parse(&argc, &argv, "MODEL IMAGE",
                 "Writes the micrograph with the class-discriminative map of a conv layer "
                 "(Grad-CAM, Selvaraju et al. 2017; Grad-CAM++ with --plus) overlaid, and "
                 "prints the class's probability. The map is the layer's ReLU output weighted "
                 "by the gradient of the class's score; for a two-class model class 1's score "
                 "is the logit and class 0's its negation.",
                 entries))
    return CLI_USAGE;
  g_autofree char *klass_s = klass_arg, *layer_s = layer_arg, *cmap_s = colormap_arg,
                  *out = output, *crop_s = crop_arg;
  if (argc != (list ? 2 : 3))
    return cli_usage_error("gradcam", list ? "expected MODEL" : "expected MODEL and IMAGE");
  if (!list && !out)
    return cli_usage_error("gradcam", "-o FILE is required");
  if (!(opacity >= 0.0 && opacity <= 1.0))
    return cli_usage_error("gradcam", "--opacity must be 0 to 1, not %g", opacity);
  if (max_side < 0)
    return cli_usage_error("gradcam", "--max-size must be 0 or more");
  if (!(dpi >= 30 && dpi <= 2400))
    return cli_usage_error("gradcam", "--dpi must be 30 to 2400, not %g", dpi);
  g_autoptr(GError) error = NULL;
  PatinaFigureFormat format = PATINA_FIGURE_PNG;
  if (out && !patina_figure_format_for_path(out, &format, &error))
    return cli_usage_error("gradcam", "-o %s", error->message);
  figure |= format != PATINA_FIGURE_PNG; /* an overlay alone is always a PNG */
  PatinaLoadOptions load = {0};
  if (!cli_parse_crop(crop_s, &load, &error))
    return cli_usage_error("gradcam", "%s", error->message);
  const PatinaColormap *cmap = patina_colormap_lookup(cmap_s ? cmap_s : "viridis", &error);
  if (!cmap)
    return cli_usage_error("gradcam", "--colormap: %s", error->message);

  PatinaCheckpointMeta meta = {0};
  PatinaModel *model = patina_checkpoint_load(argv[1], &meta, &error);
  if (!model)
    return cli_fail(error);
  int rc = CLI_FAILURE;
  PatinaGray *img = NULL;
  PatinaCam cam = {0};
  g_autofree float *x = NULL, *probs = NULL;
  int classes = patina_model_n_classes(model);
  patina_checkpoint_meta_ensure_class_names(&meta, classes);
  if (list) {
    int n;
    PatinaCamLayer *layers = patina_cam_layers(model, &n);
    for (int i = 0; i < n; i++)
      printf("%-6s layer %-3d %d×%d×%d\n", layers[i].name, layers[i].conv_index,
             layers[i].channels, layers[i].height, layers[i].width);
    if (n == 0)
      printf("%s: no conv layers\n", argv[1]);
    patina_cam_layers_free(layers, n);
    rc = CLI_OK;
    goto out;
  }
  int layer = patina_cam_find_layer(model, layer_s, &error);
  if (layer < 0) {
    /* a model without conv layers is the file's fault; a wrong name is the caller's */
    if (layer_s && !strstr(error->message, "no conv layers")) {
      rc = cli_usage_error("gradcam", "--layer: %s", error->message);
    } else {
      g_prefix_error(&error, "%s: ", argv[1]);
      rc = cli_fail(error);
    }
    goto out;
  }
  int klass = -1;
  if (klass_s && (klass = cli_parse_class("gradcam", klass_s, meta.class_names, classes)) < 0) {
    rc = CLI_USAGE;
    goto out;
  }
  if (!cli_check_output(out, &error)) {
    rc = cli_fail(error);
    goto out;
  }
  img = patina_gray_load_full(argv[2], &load, &error);
  if (!img) {
    rc = cli_fail(error);
    goto out;
  }
  x = patina_cam_input(model, img);
  const float *logits = patina_model_forward(model, x, 1, FALSE, NULL, &error);
  if (!logits) {
    rc = cli_fail(error);
    goto out;
  }
  probs = g_new(float, classes);
  patina_model_probabilities(model, logits, 1, probs);
  if (klass < 0) {
    klass = 0;
    for (int k = 1; k < classes; k++)
      if (probs[k] > probs[klass])
        klass = k;
  }
  PatinaCamMethod method = plus ? PATINA_CAM_GRADCAM_PLUS_PLUS : PATINA_CAM_GRADCAM;
  if (!patina_cam_compute(model, x, layer, klass, method, &cam, &error)) {
    rc = cli_fail(error);
    goto out;
  }
  gboolean saved;
  if (figure) {
    g_autofree char *model_base = g_path_get_basename(argv[1]);
    g_autofree char *image_base = g_path_get_basename(argv[2]);
    PatinaCamFigureOptions fo;
    patina_cam_figure_options_init(&fo);
    fo.model_label = model_base;
    fo.image_label = image_base;
    fo.class_names = meta.class_names;
    fo.probs = probs;
    fo.colormap = cmap;
    fo.opacity = opacity;
    fo.dpi = dpi;
    saved = patina_cam_figure_save(model, img, &cam, &fo, out, &error);
  } else {
    cairo_surface_t *s = patina_cam_overlay(img, &cam, cmap, opacity, max_side);
    if (!s)
      g_set_error(&error, G_FILE_ERROR, G_FILE_ERROR_NOMEM, "%s: not enough memory for the "
                  "overlay", argv[2]);
    saved = s && patina_surface_save_png(s, out, &error);
    if (s)
      cairo_surface_destroy(s);
  }
  if (saved) {
    float mx = 0.0f;
    for (int i = 0; i < cam.layer.height * cam.layer.width; i++)
      mx = MAX(mx, cam.map[i]);
    printf("%s: %s of %s (layer %d, %d×%d) for class %s (probability %.4f)%s\n", out,
           plus ? "Grad-CAM++" : "Grad-CAM", cam.layer.name, cam.layer.conv_index,
           cam.layer.height, cam.layer.width, meta.class_names[klass], cam.probability,
           mx > 0.0f ? "" : "; the map is zero: nothing in this layer speaks for the class");
    rc = CLI_OK;
  } else {
    rc = cli_fail(error);
  }
out:
  patina_cam_clear(&cam);
  patina_gray_free(img);
  patina_checkpoint_meta_clear(&meta);
  patina_model_free(model);
  return rc;
}
