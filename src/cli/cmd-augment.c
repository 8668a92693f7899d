/* patina-cli augment: a labelled preview grid of what augmentation makes of one image, and the
 * augmentation options train shares with it (Keras ImageDataGenerator's names, dashed). */
#include <cairo.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "data/image.h"
#include "nn/model.h"
#include "train/checkpoint.h"
#include "viz/augment-grid.h"

/* ---- the shared options ---- */

typedef struct {
  const char *option, *field, *arg, *help;
} AugmentOption;

static const AugmentOption augment_options[] = {
  {"rotation-range", "rotation_range", "DEG",
   "Rotate by a uniform angle in ±DEG (0-360; 180 reaches every angle)"},
  {"width-shift-range", "width_shift_range", "F",
   "Shift sideways by up to ±F of the width (F < 1) or ±F pixels (F >= 1)"},
  {"height-shift-range", "height_shift_range", "F",
   "Shift up or down by up to ±F of the height (F < 1) or ±F pixels"},
  {"zoom-range", "zoom_range", "Z|LO,HI",
   "Zoom factors uniform in [1-Z, 1+Z] or [LO, HI], per axis; below 1 magnifies (Keras)"},
  {"fill-mode", "fill_mode", "MODE",
   "Outside the image: nearest (default), reflect, wrap or constant"},
  {"cval", "cval", "V", "The constant fill, 0 to 1 (Keras's 0-255 divided by 255)"},
  {"brightness-range", "brightness_range", "LO,HI", "Multiply by a factor uniform in [LO, HI]"},
  {"brightness-probability", "brightness_probability", "P",
   "Share of images whose brightness changes (default 1)"},
  {"contrast-range", "contrast_range", "LO,HI",
   "Stretch about the mean by a factor uniform in [LO, HI]"},
  {"contrast-probability", "contrast_probability", "P", "Share of images (default 1)"},
  {"gamma-range", "gamma_range", "LO,HI", "Raise to a power uniform in [LO, HI]"},
  {"gamma-probability", "gamma_probability", "P", "Share of images (default 1)"},
  {"noise-sigma", "noise_sigma", "S|LO,HI",
   "Add Gaussian noise of σ S (or uniform in [LO, HI]), in units of full scale"},
  {"noise-probability", "noise_probability", "P", "Share of images (default 1)"},
  {"blur-sigma", "blur_sigma", "S|LO,HI", "Gaussian blur of σ S pixels (or uniform in [LO, HI])"},
  {"blur-probability", "blur_probability", "P", "Share of images (default 1)"},
};

G_STATIC_ASSERT(G_N_ELEMENTS(augment_options) <= CLI_AUGMENT_MAX_OPTIONS);

void cli_augment_options_add(CliAugmentOptions *o, GArray *entries)
{
  const GOptionEntry head[] = {
    {"augment-preset", 0, 0, G_OPTION_ARG_STRING, &o->preset,
     "Start from a preset: paper (rotation ±180°, shifts ±0.1, zoom 0.9-1.1, both flips, "
     "brightness 0.8-1.2, fill reflect), mild (shifts ±0.1, zoom 0.9-1.1, both flips, "
     "brightness 0.9-1.1, fill reflect) or none; the options below change it",
     "NAME"},
    {"augment-config", 0, 0, G_OPTION_ARG_FILENAME, &o->config,
     "Start from a JSON file of ImageDataGenerator arguments (Keras names), or from a model "
     "checkpoint's (its training's augmentation)",
     "FILE"},
    {"horizontal-flip", 0, 0, G_OPTION_ARG_NONE, &o->horizontal_flip,
     "Mirror left-right with probability 0.5", NULL},
    {"vertical-flip", 0, 0, G_OPTION_ARG_NONE, &o->vertical_flip,
     "Mirror top-bottom with probability 0.5", NULL},
  };
  g_array_append_vals(entries, head, G_N_ELEMENTS(head));
  for (guint i = 0; i < G_N_ELEMENTS(augment_options); i++) {
    const AugmentOption *a = &augment_options[i];
    GOptionEntry e = {a->option, 0, 0, G_OPTION_ARG_STRING, &o->values[i], a->help, a->arg};
    g_array_append_val(entries, e);
  }
}

gboolean cli_augment_options_given(const CliAugmentOptions *o)
{
  if (o->preset || o->config || o->horizontal_flip || o->vertical_flip)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS(augment_options); i++)
    if (o->values[i])
      return TRUE;
  return FALSE;
}

/* The "augment" member of a checkpoint's hyperparameters; all off when it has none (a model
 * trained before augmentation existed). */
static gboolean augment_from_checkpoint(const char *path, PatinaAugment *a, GError **error)
{
  PatinaCheckpointMeta meta = {0};
  PatinaModel *m = patina_checkpoint_load(path, &meta, error);
  if (!m)
    return FALSE;
  patina_model_free(m);
  gboolean ok = TRUE;
  patina_augment_init(a);
  if (meta.hyperparameters_json) {
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonNode *root = NULL;
    if (json_parser_load_from_data(parser, meta.hyperparameters_json, -1, NULL))
      root = json_parser_get_root(parser);
    if (root && JSON_NODE_HOLDS_OBJECT(root) &&
        json_object_has_member(json_node_get_object(root), "augment")) {
      ok = patina_augment_from_json_node(
          a, json_object_get_member(json_node_get_object(root), "augment"), error);
      if (!ok)
        g_prefix_error(error, "%s: hyperparameters: ", path);
    }
  }
  patina_checkpoint_meta_clear(&meta);
  return ok;
}

int cli_augment_options_resolve(const CliAugmentOptions *o, const char *command,
                                PatinaAugment *a)
{
  g_autoptr(GError) error = NULL;
  patina_augment_init(a);
  if (o->preset && o->config)
    return cli_usage_error(command, "--augment-preset and --augment-config exclude each other");
  if (o->preset && !patina_augment_preset(a, o->preset, &error))
    return cli_usage_error(command, "--augment-preset: %s", error->message);
  if (o->config && g_str_has_suffix(o->config, ".safetensors")) {
    if (!augment_from_checkpoint(o->config, a, &error))
      return cli_fail(error);
  } else if (o->config) {
    g_autofree char *text = NULL;
    gsize len;
    if (!g_file_get_contents(o->config, &text, &len, &error) ||
        !patina_augment_from_json(a, text, (gssize) len, &error)) {
      g_prefix_error(&error, "%s: ", o->config);
      return cli_fail(error);
    }
  }
  if (o->horizontal_flip)
    a->horizontal_flip = TRUE;
  if (o->vertical_flip)
    a->vertical_flip = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS(augment_options); i++)
    if (o->values[i] && !patina_augment_set(a, augment_options[i].field, o->values[i], &error))
      return cli_usage_error(command, "--%s %s: %s", augment_options[i].option, o->values[i],
                             error->message);
  return CLI_OK;
}

void cli_augment_options_clear(CliAugmentOptions *o)
{
  g_free(o->preset);
  g_free(o->config);
  for (guint i = 0; i < G_N_ELEMENTS(o->values); i++)
    g_free(o->values[i]);
  memset(o, 0, sizeof(*o));
}

/* ---- the preview grid (drawn by the core: viz/augment-grid.c) ---- */

int cli_augment(int argc, char **argv)
{
  g_autofree char *output = NULL;
  int n = 16, size = 150, tile_px = 200, columns = 0;
  gint64 seed = 0;
  gboolean print_json = FALSE;
  CliAugmentOptions ao = {0};
  const GOptionEntry own[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Where to write the grid (PNG, required)",
     "GRID.png"},
    {"count", 'n', 0, G_OPTION_ARG_INT, &n, "Variants to draw (default 16)", "N"},
    {"seed", 's', 0, G_OPTION_ARG_INT64, &seed,
     "Seed (default 0); variant k is what training with this seed makes of its first image in "
     "epoch k",
     "S"},
    {"size", 0, 0, G_OPTION_ARG_INT, &size,
     "Size the image is resized to, as for training (default 150)", "PX"},
    {"tile", 0, 0, G_OPTION_ARG_INT, &tile_px, "Tile size in the grid (default 200)", "PX"},
    {"columns", 0, 0, G_OPTION_ARG_INT, &columns, "Tiles per row (default: about square)", "N"},
    {"print-json", 0, 0, G_OPTION_ARG_NONE, &print_json,
     "Also print the parameters as JSON (for --augment-config)", NULL},
  };
  g_autoptr(GArray) entries = g_array_new(TRUE, TRUE, sizeof(GOptionEntry));
  g_array_append_vals(entries, own, G_N_ELEMENTS(own));
  cli_augment_options_add(&ao, entries);
  int rc = CLI_OK;
  if (!cli_parse(&argc, &argv, "IMAGE",
                 "Writes a grid of N augmented variants of IMAGE, the original first, each "
                 "labelled with what was drawn (rot = degrees counter-clockwise, shift = pixels "
                 "right,down, zoom < 1 magnifies). The options are Keras ImageDataGenerator's, "
                 "as train takes them; semantics in src/core/data/augment.h.",
                 (GOptionEntry *) entries->data)) {
    rc = CLI_USAGE;
    goto out;
  }
  if (argc != 2) {
    rc = cli_usage_error("augment", "expected one image, got %d arguments", argc - 1);
    goto out;
  }
  if (!output) {
    rc = cli_usage_error("augment", "-o GRID.png is required");
    goto out;
  }
  if (n < 1 || n > 256) {
    rc = cli_usage_error("augment", "-n must be 1 to 256");
    goto out;
  }
  if (size < 8 || size > 2048) {
    rc = cli_usage_error("augment", "--size must be 8 to 2048");
    goto out;
  }
  if (tile_px < 32 || tile_px > 1024) {
    rc = cli_usage_error("augment", "--tile must be 32 to 1024");
    goto out;
  }
  if (columns < 0 || columns > 64) {
    rc = cli_usage_error("augment", "--columns must be 1 to 64");
    goto out;
  }
  PatinaAugment aug;
  rc = cli_augment_options_resolve(&ao, "augment", &aug);
  if (rc != CLI_OK)
    goto out;

  {
    g_autoptr(GError) error = NULL;
    if (!cli_check_output(output, &error)) {
      rc = cli_fail(error);
      goto out;
    }
    gsize plane = (gsize) size * size;
    g_autofree float *src = g_new(float, plane);
    if (!patina_image_load_input(argv[1], size, 1, src, &error)) {
      rc = cli_fail(error);
      goto out;
    }
    g_autoptr(GArray) tiles =
      patina_augment_tiles(&aug, src, size, (guint64) seed, n, NULL, &error);
    if (!columns)
      columns = patina_augment_grid_columns(n + 1);
    g_autofree char *base = g_path_get_basename(argv[1]);
    g_autofree char *what = patina_augment_describe(&aug);
    g_auto(GStrv) title = patina_augment_grid_title(base, size, (guint64) seed, &aug);
    g_autoptr(GBytes) png = patina_augment_grid_png(tiles, size, tile_px, columns, title, &error);
    gsize len;
    const char *data = png ? g_bytes_get_data(png, &len) : NULL;
    if (!png || !g_file_set_contents(output, data, (gssize) len, &error)) {
      g_prefix_error(&error, "%s: ", output);
      rc = cli_fail(error);
      goto out;
    }
    printf("%s: %d variant%s of %s (%s)\n", output, n, n == 1 ? "" : "s", argv[1], what);
    if (print_json) {
      g_autofree char *js = patina_augment_to_json(&aug);
      printf("%s\n", js);
    }
  }
out:
  cli_augment_options_clear(&ao);
  /* let go of cairo's font caches (fontconfig keeps its own) */
  cairo_debug_reset_static_data();
  return rc;
}
