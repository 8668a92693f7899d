/* patina-cli layers: a layer's activation maps of one image as a report figure (PNG, SVG or
 * PDF), the paper's six-colormap figure, the first conv's filters, or the list of layers. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "train/checkpoint.h"
#include "train/predict.h"
#include "viz/figure.h"

static void print_layers(const PatinaModel *model)
{
  g_autofree PatinaLayerInfo *infos = patina_layer_infos(model);
  printf("%-10s %-6s %-12s %s\n", "layer", "index", "type", "output (channels×height×width)");
  for (int i = 0; i < model->n_layers; i++) {
    const PatinaLayerInfo *l = &infos[i];
    g_autofree char *shape = l->h == 1 && l->w == 1
                               ? g_strdup_printf("%d", l->c)
                               : g_strdup_printf("%d×%d×%d", l->c, l->h, l->w);
    printf("%-10s %-6d %-12s %s\n", l->name, l->index, patina_layer_type_name(l->type), shape);
  }
}

/* One line per channel: the table a script reads to pick channels. */
static void print_stats(const PatinaActivations *acts, int layer, PatinaChannelOrder order,
                        const char *image)
{
  const PatinaLayerInfo *info = &acts->layers[layer];
  g_autofree PatinaChannelStats *st = g_new(PatinaChannelStats, info->c);
  patina_channel_stats(acts->outputs[layer], info->c, info->h * info->w, st);
  g_autofree int *channels = patina_channel_sort(st, info->c, order);
  printf("# %s of %s: %d channel%s of %d×%d\n", info->name, image, info->c,
         info->c == 1 ? "" : "s", info->h, info->w);
  printf("%-8s %12s %12s %12s %8s\n", "channel", "mean", "min", "max", "active");
  for (int i = 0; i < info->c; i++) {
    const PatinaChannelStats *c = &st[channels[i]];
    printf("%-8d %12.5g %12.5g %12.5g %8.4f\n", c->channel, c->mean, c->min, c->max, c->active);
  }
}

int cli_layers(int argc, char **argv)
{
  char *layer_arg = NULL, *colormap_arg = NULL, *normalise_arg = NULL, *sort_arg = NULL,
       *output = NULL, *crop_arg = NULL;
  gboolean list = FALSE, six = FALSE, filters = FALSE, reverse = FALSE, stats = FALSE;
  double dpi = 300, width_mm = 0;
  int max_maps = 0;
  const GOptionEntry entries[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
     "Figure to write: .png, .svg or .pdf (required)", "FILE"},
    {"layer", 'l', 0, G_OPTION_ARG_STRING, &layer_arg,
     "Layer: conv1, relu1, pool1, bn1, dense1, ... (see --list) or its index in the model "
     "(default: the first conv)", "NAME"},
    {"colormap", 0, 0, G_OPTION_ARG_STRING, &colormap_arg,
     "blue_RGB, aqua, moonlight, bronze, red_lava, bone, gray or viridis (default bronze)",
     "NAME"},
    {"reverse", 0, 0, G_OPTION_ARG_NONE, &reverse, "Reverse the colormap", NULL},
    {"normalise", 0, 0, G_OPTION_ARG_STRING, &normalise_arg,
     "channel: each map from its own min to max (default); layer: one range for the layer, so "
     "maps compare", "channel|layer"},
    {"normalize", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &normalise_arg, NULL, NULL},
    {"sort", 0, 0, G_OPTION_ARG_STRING, &sort_arg,
     "Order of the maps: index (default), mean, max or active (fraction > 0), largest first",
     "ORDER"},
    {"max-maps", 0, 0, G_OPTION_ARG_INT, &max_maps,
     "Draw at most N maps, the first in --sort order (default: all; 16 with --six-colormaps)",
     "N"},
    {"six-colormaps", 0, 0, G_OPTION_ARG_NONE, &six,
     "The paper's Fig. 9: the layer's maps in each of its six colormaps", NULL},
    {"filters", 0, 0, G_OPTION_ARG_NONE, &filters,
     "Draw the first conv layer's filters instead (IMAGE not needed)", NULL},
    {"dpi", 0, 0, G_OPTION_ARG_DOUBLE, &dpi, "Resolution of a PNG (default 300)", "N"},
    {"width-mm", 0, 0, G_OPTION_ARG_DOUBLE, &width_mm,
     "Width of the figure in millimetres (default 178, two journal columns)", "MM"},
    {"crop", 0, 0, G_OPTION_ARG_STRING, &crop_arg, CLI_CROP_HELP, "auto|off|ROWS"},
    {"stats", 0, 0, G_OPTION_ARG_NONE, &stats,
     "Print each channel's mean, minimum, maximum and fraction active (> 0), in --sort order; "
     "-o is then optional", NULL},
    {"list", 0, 0, G_OPTION_ARG_NONE, &list, "List the layers with their output shapes and exit",
     NULL},
    {NULL},
  };
  if (!cli_parse(&argc, &argv, "MODEL [IMAGE]",
                 "Draws what a layer of the model makes of IMAGE as a figure for a report: its "
                 "channel maps through a colormap (a dense layer as bars), with channel numbers, "
                 "a colorbar, a scale bar when the micrograph's pixel size is known and a "
                 "caption with the class probabilities. Every layer's own output is shown: a "
                 "conv's before its ReLU, then after ReLU, pooling or BatchNorm.",
                 entries))
    return CLI_USAGE;
  g_autofree char *layer_s = layer_arg, *cmap_s = colormap_arg, *norm_s = normalise_arg,
                  *sort_s = sort_arg, *out = output, *crop_s = crop_arg;
  if (six && filters)
    return cli_usage_error("layers", "--six-colormaps and --filters draw different figures; "
                                     "choose one");
  int wanted = list || filters ? 2 : 3;
  if (argc != wanted)
    return cli_usage_error("layers", wanted == 2 ? "expected MODEL" : "expected MODEL and IMAGE");
  if (!list && !out && !stats)
    return cli_usage_error("layers", "-o FILE is required (or --stats)");
  if (stats && filters)
    return cli_usage_error("layers", "--stats describes an image's activations, --filters the "
                                     "model's weights; choose one");
  if (max_maps < 0)
    return cli_usage_error("layers", "--max-maps must be 0 or more");
  if (!(dpi >= 30 && dpi <= 2400))
    return cli_usage_error("layers", "--dpi must be 30 to 2400, not %g", dpi);
  if (width_mm != 0 && !(width_mm >= 71 && width_mm <= 500))
    return cli_usage_error("layers", "--width-mm must be 71 to 500, not %g", width_mm);

  g_autoptr(GError) error = NULL;
  PatinaFigureOptions fo;
  patina_figure_options_init(&fo);
  fo.dpi = dpi;
  fo.reversed = reverse;
  fo.max_maps = max_maps;
  if (width_mm > 0)
    fo.width_pt = width_mm / 25.4 * 72;
  PatinaLoadOptions load = {0};
  PatinaFigureFormat format;
  if (!cli_parse_crop(crop_s, &load, &error) ||
      (out && !patina_figure_format_for_path(out, &format, &error)))
    return cli_usage_error("layers", "%s", error->message);
  if (!(fo.colormap = patina_colormap_lookup(cmap_s ? cmap_s : "bronze", &error)))
    return cli_usage_error("layers", "--colormap: %s", error->message);
  if (norm_s && !patina_normalise_parse(norm_s, &fo.normalise, &error))
    return cli_usage_error("layers", "--normalise: %s", error->message);
  if (sort_s && !patina_channel_order_parse(sort_s, &fo.order, &error))
    return cli_usage_error("layers", "--sort: %s", error->message);

  PatinaCheckpointMeta meta = {0};
  PatinaModel *model = patina_checkpoint_load(argv[1], &meta, &error);
  if (!model)
    return cli_fail(error);
  int rc = CLI_FAILURE;
  /* declared before the first goto, so the cleanups never see them uninitialised */
  g_autoptr(PatinaActivations) acts = NULL;
  g_autofree char *image_base = NULL;
  patina_checkpoint_meta_ensure_class_names(&meta, patina_model_n_classes(model));
  g_autofree char *model_base = g_path_get_basename(argv[1]);
  g_autofree char *model_label = g_strdup_printf("%s (%s)", model->name, model_base);
  fo.model_label = model_label;
  fo.class_names = meta.class_names;
  if (list) {
    print_layers(model);
    rc = CLI_OK;
    goto out;
  }
  /* A model without conv layers cannot give maps or filters: the file's fault, not usage. */
  int layer = layer_s ? patina_layer_find(model, layer_s, &error)
                      : patina_layer_first_conv(model, &error);
  if (layer < 0) {
    rc = layer_s ? cli_usage_error("layers", "--layer: %s", error->message) : cli_fail(error);
    goto out;
  }
  if (out && !cli_check_output(out, &error)) {
    rc = cli_fail(error);
    goto out;
  }
  if (filters) {
    if (!patina_figure_filters(model, &fo, out, &error)) {
      rc = cli_fail(error);
      goto out;
    }
    printf("%s: the filters of the first conv layer\n", out);
    rc = CLI_OK;
    goto out;
  }
  acts = patina_activations_compute_file(model, argv[2], &load, &fo.field_width_m, &error);
  if (!acts) {
    rc = cli_fail(error);
    goto out;
  }
  image_base = g_path_get_basename(argv[2]);
  fo.image_label = image_base;
  const PatinaLayerInfo *info = &acts->layers[layer];
  if (stats)
    print_stats(acts, layer, fo.order, image_base);
  if (out) {
    gboolean ok = six ? patina_figure_six_colormaps(model, acts, layer, &fo, out, &error)
                      : patina_figure_layer(model, acts, layer, &fo, out, &error);
    if (!ok) {
      rc = cli_fail(error);
      goto out;
    }
    int best = 0;
    for (int k = 1; k < acts->n_classes; k++)
      if (acts->probabilities[k] > acts->probabilities[best])
        best = k;
    printf("%s: %s (%d×%d×%d) of %s%s; predicted %s (probability %.4f)%s\n", out, info->name,
           info->c, info->h, info->w, image_base, six ? " in the paper's six colormaps" : "",
           meta.class_names[best], acts->probabilities[best],
           fo.field_width_m > 0 ? "" : "; no pixel size in the image, so no scale bar");
  }
  rc = CLI_OK;
out:
  patina_checkpoint_meta_clear(&meta);
  patina_model_free(model);
  return rc;
}
