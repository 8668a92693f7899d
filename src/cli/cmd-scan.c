/* patina-cli scan: classify a large micrograph tile by tile; a probability map per class and
 * the share of the surface each class takes. */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "train/predict.h"
#include "viz/scan-figure.h"

static void print_progress(int done, int total, gpointer user_data)
{
  (void) user_data;
  fprintf(stderr, "\rtiles %d/%d", done, total);
  if (done == total)
    fputc('\n', stderr);
}

static gboolean write_csv(const char *path, const PatinaScan *s, char **names, GError **error)
{
  g_autofree char *csv = patina_scan_to_csv(s, names);
  return g_file_set_contents(path, csv, -1, error);
}

int cli_scan(int argc, char **argv)
{
  char *output = NULL, *csv_arg = NULL, *klass_arg = NULL, *colormap_arg = NULL,
       *crop_arg = NULL;
  int stride = 0, tile = 0, batch = 16, threads = 2;
  gboolean most_probable = FALSE;
  double opacity = 0.55, dpi = 300;
  const GOptionEntry entries[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
     "Figure of the probability maps (required): PNG, SVG or PDF by the extension", "FILE"},
    {"dpi", 0, 0, G_OPTION_ARG_DOUBLE, &dpi, "Resolution of a PNG figure (default 300)", "DPI"},
    {"csv", 0, 0, G_OPTION_ARG_FILENAME, &csv_arg,
     "Also write each tile's position and class probabilities as CSV", "FILE"},
    {"stride", 0, 0, G_OPTION_ARG_INT, &stride,
     "Pixels between tile starts (default: half a tile)", "N"},
    {"tile", 0, 0, G_OPTION_ARG_INT, &tile,
     "Side of a tile in image pixels, resized to the model's input (default: the input size; "
     "use the size of the training images to see each tile at their scale)", "N"},
    {"class", 'c', 0, G_OPTION_ARG_STRING, &klass_arg,
     "Draw this class's map alone, by index or name (default: one panel per class)", "C"},
    {"most-probable", 0, 0, G_OPTION_ARG_NONE, &most_probable,
     "Draw one panel of the most probable class in each place, with a legend of each class's "
     "share (colour-blind-safe colours), instead of a probability panel per class", NULL},
    {"colormap", 0, 0, G_OPTION_ARG_STRING, &colormap_arg, "Colormap (default viridis)", "NAME"},
    {"opacity", 0, 0, G_OPTION_ARG_DOUBLE, &opacity,
     "Opacity of the map over the micrograph, 0 to 1 (default 0.55)", "A"},
    {"batch", 0, 0, G_OPTION_ARG_INT, &batch, "Tiles per forward pass, 1 to 64 (default 16)", "N"},
    {"threads", 0, 0, G_OPTION_ARG_INT, &threads, "Worker threads (default 2)", "N"},
    {"crop", 0, 0, G_OPTION_ARG_STRING, &crop_arg, CLI_CROP_HELP, "auto|off|ROWS"},
    {NULL},
  };
  if (!cli_parse(&argc, &argv, "MODEL IMAGE",
                 "Slides the model over a micrograph larger than its input, tile by tile, "
                 "averages the overlapping tiles' class probabilities per pixel, prints the "
                 "share of the area where each class is the most probable and draws each "
                 "class's probability over the image.",
                 entries))
    return CLI_USAGE;
  g_autofree char *out = output, *csv = csv_arg, *klass_s = klass_arg, *cmap_s = colormap_arg,
                  *crop_s = crop_arg;
  if (argc != 3)
    return cli_usage_error("scan", "expected MODEL and IMAGE");
  if (!out)
    return cli_usage_error("scan", "-o FILE is required");
  if (stride < 0 || tile < 0 || batch < 1 || batch > 64 || threads < 1)
    return cli_usage_error("scan", "--stride and --tile must be positive, --batch 1 to 64, "
                                   "--threads at least 1");
  if (!(dpi >= 30 && dpi <= 2400))
    return cli_usage_error("scan", "--dpi must be 30 to 2400, not %g", dpi);
  if (!(opacity >= 0.0 && opacity <= 1.0))
    return cli_usage_error("scan", "--opacity must be 0 to 1, not %g", opacity);
  if (most_probable && klass_arg)
    return cli_usage_error("scan", "--most-probable draws every class; leave out --class");
  g_autoptr(GError) error = NULL;
  PatinaFigureFormat format;
  if (!patina_figure_format_for_path(out, &format, &error))
    return cli_usage_error("scan", "-o %s", error->message);
  PatinaLoadOptions load = {0};
  if (!cli_parse_crop(crop_s, &load, &error))
    return cli_usage_error("scan", "%s", error->message);
  const PatinaColormap *cmap = patina_colormap_lookup(cmap_s ? cmap_s : "viridis", &error);
  if (!cmap)
    return cli_usage_error("scan", "--colormap: %s", error->message);

  PatinaCheckpointMeta meta = {0};
  PatinaModel *model = patina_checkpoint_load(argv[1], &meta, &error);
  if (!model)
    return cli_fail(error);
  int rc = CLI_FAILURE;
  PatinaGray *img = NULL;
  PatinaScan scan = {0};
  g_autofree char *base = NULL, *model_base = NULL, *caption = NULL;
  int classes = patina_model_n_classes(model);
  patina_checkpoint_meta_ensure_class_names(&meta, classes);
  int klass = -1;
  if (klass_s && (klass = cli_parse_class("scan", klass_s, meta.class_names, classes)) < 0) {
    rc = CLI_USAGE;
    goto out;
  }
  if (!cli_check_output(out, &error) || (csv && !cli_check_output(csv, &error))) {
    rc = cli_fail(error);
    goto out;
  }
  img = patina_gray_load_full(argv[2], &load, &error);
  if (!img) {
    rc = cli_fail(error);
    goto out;
  }
  patina_model_set_threads(model, threads);
  PatinaScanOptions options = { .tile = tile, .stride = stride, .batch = batch };
  if (!patina_scan(model, img, argv[2], &options, isatty(2) ? print_progress : NULL, NULL, NULL,
                   &scan, &error)) {
    rc = cli_fail(error);
    goto out;
  }
  printf("%s: %d×%d pixels, %d tiles of %d×%d at stride %d\n", argv[2], img->width,
         img->height, scan.n_tiles, scan.tile, scan.tile, scan.stride);
  for (int k = 0; k < classes; k++)
    printf("  %-12s %5.1f %% of the area, mean probability %.3f\n", meta.class_names[k],
           100.0 * scan.area_fraction[k], scan.mean_probability[k]);
  base = g_path_get_basename(argv[2]);
  model_base = g_path_get_basename(argv[1]);
  caption = g_strdup_printf("Scan of %s (%d×%d pixels) with model %s (%s).", base, img->width,
                            img->height, model_base, model->name);
  PatinaScanFigureOptions fo;
  patina_scan_figure_options_init(&fo);
  fo.class_names = meta.class_names;
  fo.only_class = klass;
  fo.most_probable = most_probable;
  fo.colormap = cmap;
  fo.opacity = opacity;
  fo.caption = caption;
  fo.dpi = dpi;
  gboolean ok = patina_scan_figure_save(&scan, img, &fo, out, &error);
  if (ok && csv)
    ok = write_csv(csv, &scan, meta.class_names, &error);
  rc = ok ? CLI_OK : cli_fail(error);
out:
  patina_scan_clear(&scan);
  patina_gray_free(img);
  patina_checkpoint_meta_clear(&meta);
  patina_model_free(model);
  return rc;
}
