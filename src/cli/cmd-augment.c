/* patina-cli augment: a labelled preview grid of what augmentation makes of one image, and the
 * augmentation options train shares with it (Keras ImageDataGenerator's names, dashed). */
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "data/image.h"
#include "nn/model.h"
#include "train/checkpoint.h"

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
     "brightness 0.8-1.2, fill reflect) or none; the options below change it",
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

/* ---- the preview grid ---- */

#define MARGIN 14
#define GAP 10
#define FONT 12.0
#define LINE 15

/* Greedy wrap of units (joined by sep) to width pixels, breaking only between units; a unit
 * wider than the line gets a line of its own. */
static GPtrArray *wrap(cairo_t *cr, char **units, const char *sep, double width)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
  GString *line = g_string_new(NULL);
  for (int i = 0; units[i]; i++) {
    if (!*units[i])
      continue;
    g_autofree char *trial = line->len ? g_strconcat(line->str, sep, units[i], NULL)
                                       : g_strdup(units[i]);
    cairo_text_extents_t ext;
    cairo_text_extents(cr, trial, &ext);
    if (line->len && ext.x_advance > width) {
      g_ptr_array_add(lines, g_strdup(line->str));
      g_string_assign(line, units[i]);
    } else {
      g_string_assign(line, trial);
    }
  }
  if (line->len || !lines->len)
    g_ptr_array_add(lines, g_strdup(line->str));
  g_string_free(line, TRUE);
  return lines;
}

static cairo_surface_t *plane_surface(const float *p, int size)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, size, size);
  unsigned char *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < size; y++) {
    guint32 *row = (guint32 *) (data + (gsize) y * stride);
    for (int x = 0; x < size; x++) {
      float v = p[(gsize) y * size + x];
      guint32 g = (guint32) lrintf((isfinite(v) ? CLAMP(v, 0.0f, 1.0f) : 0.0f) * 255.0f);
      row[x] = g << 16 | g << 8 | g;
    }
  }
  cairo_surface_mark_dirty(s);
  return s;
}

static cairo_status_t append_png(void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append(closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

typedef struct {
  float *plane;
  GStrv label; /* units, joined by spaces */
} Tile;

static void tile_clear(gpointer p)
{
  Tile *t = p;
  g_free(t->plane);
  g_strfreev(t->label);
}

static void set_font(cairo_t *cr, gboolean bold)
{
  cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, FONT);
}

/* Lays out and draws the grid; returns the PNG bytes. */
static GBytes *render_grid(GArray *tiles, int size, int tile_px, int columns, char **title,
                           GError **error)
{
  int n = (int) tiles->len;
  int rows = (n + columns - 1) / columns;
  /* measure on a scratch surface: label lines per tile, title lines */
  cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
  cairo_t *mc = cairo_create(scratch);
  set_font(mc, FALSE);
  int label_lines = 1;
  for (int i = 0; i < n; i++) {
    GPtrArray *l = wrap(mc, g_array_index(tiles, Tile, i).label, " ", tile_px);
    label_lines = MAX(label_lines, (int) l->len);
    g_ptr_array_unref(l);
  }
  int width = 2 * MARGIN + columns * tile_px + (columns - 1) * GAP;
  set_font(mc, TRUE);
  GPtrArray *title_lines = wrap(mc, title, " · ", width - 2 * MARGIN);
  cairo_destroy(mc);
  cairo_surface_destroy(scratch);
  int title_h = (int) title_lines->len * LINE + 8;
  int cell_h = tile_px + 6 + label_lines * LINE;
  int height = 2 * MARGIN + title_h + rows * cell_h + (rows - 1) * GAP;

  cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  cairo_t *cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  set_font(cr, TRUE);
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  for (guint i = 0; i < title_lines->len; i++) {
    cairo_move_to(cr, MARGIN, MARGIN + FONT + i * LINE);
    cairo_show_text(cr, g_ptr_array_index(title_lines, i));
  }
  g_ptr_array_unref(title_lines);

  for (int i = 0; i < n; i++) {
    Tile *t = &g_array_index(tiles, Tile, i);
    double x0 = MARGIN + (i % columns) * (tile_px + GAP);
    double y0 = MARGIN + title_h + (i / columns) * (cell_h + GAP);
    cairo_surface_t *img = plane_surface(t->plane, size);
    cairo_save(cr);
    cairo_translate(cr, x0, y0);
    cairo_scale(cr, (double) tile_px / size, (double) tile_px / size);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
    /* a hairline frame, so white fill reads as the tile's edge; the original's is darker */
    cairo_set_line_width(cr, 1.0);
    if (i == 0)
      cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    else
      cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
    cairo_rectangle(cr, x0 - 0.5, y0 - 0.5, tile_px + 1, tile_px + 1);
    cairo_stroke(cr);
    set_font(cr, i == 0);
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    GPtrArray *l = wrap(cr, t->label, " ", tile_px);
    for (guint k = 0; k < l->len; k++) {
      cairo_move_to(cr, x0, y0 + tile_px + 4 + FONT + k * LINE);
      cairo_show_text(cr, g_ptr_array_index(l, k));
    }
    g_ptr_array_unref(l);
  }
  cairo_destroy(cr);
  GByteArray *png = g_byte_array_new();
  cairo_status_t st = cairo_surface_status(surface);
  if (st == CAIRO_STATUS_SUCCESS)
    st = cairo_surface_write_to_png_stream(surface, append_png, png);
  cairo_surface_destroy(surface);
  if (st != CAIRO_STATUS_SUCCESS) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_FAILED, "could not draw the grid: %s",
                cairo_status_to_string(st));
    g_byte_array_unref(png);
    return NULL;
  }
  return g_byte_array_free_to_bytes(png);
}


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
    g_autoptr(GArray) tiles = g_array_new(FALSE, FALSE, sizeof(Tile));
    g_array_set_clear_func(tiles, tile_clear);
    char *orig_label[] = {"original", NULL};
    Tile orig = {g_memdup2(src, plane * sizeof(float)), g_strdupv(orig_label)};
    g_array_append_val(tiles, orig);
    for (int k = 1; k <= n; k++) {
      PatinaRng rng;
      patina_augment_rng_for(&rng, (guint64) seed, (guint64) k, 0);
      PatinaAugmentDraw d;
      patina_augment_draw(&aug, size, &rng, &d);
      Tile t = {g_new(float, plane), NULL};
      patina_augment_apply(&aug, &d, src, size, size, t.plane, size);
      g_auto(GStrv) items = patina_augment_draw_items(&d);
      GPtrArray *units = g_ptr_array_new();
      g_ptr_array_add(units, g_strdup_printf("%d:", k));
      for (int i = 0; items[i]; i++)
        g_ptr_array_add(units, g_strdup(items[i]));
      if (!items[0])
        g_ptr_array_add(units, g_strdup("identity"));
      g_ptr_array_add(units, NULL);
      t.label = (GStrv) g_ptr_array_free(units, FALSE);
      g_array_append_val(tiles, t);
    }
    if (!columns)
      columns = MIN(n + 1, (int) ceil(sqrt(n + 1.0)));
    g_autofree char *base = g_path_get_basename(argv[1]);
    g_autofree char *what = patina_augment_describe(&aug);
    g_auto(GStrv) parts = g_strsplit(what, ", ", -1);
    GPtrArray *units = g_ptr_array_new();
    g_ptr_array_add(units, g_strdup(base));
    g_ptr_array_add(units, g_strdup_printf("%d px", size));
    g_ptr_array_add(units, g_strdup_printf("seed %" G_GINT64_FORMAT, seed));
    for (int i = 0; parts[i]; i++)
      g_ptr_array_add(units, g_strdup(parts[i]));
    g_ptr_array_add(units, NULL);
    g_auto(GStrv) title = (GStrv) g_ptr_array_free(units, FALSE);
    g_autoptr(GBytes) png = render_grid(tiles, size, tile_px, columns, title, &error);
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
