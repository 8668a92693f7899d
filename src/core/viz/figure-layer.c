/* The figure kinds: a layer's channel maps (or bar strip), the paper's six-colormap figure and
 * the first conv's filters. Sizes are in points; text is 6.5–9 pt, legible at print size. */
#include <math.h>
#include <string.h>

#include "viz/figure.h"

#define MARGIN 14.0
#define GAP 2.0
#define INK 0.12
#define CAPTION_SIZE 7.5
#define TITLE_SIZE 9.0
#define COLORBAR_RESERVE 62.0
#define HBAR_H 5.0 /* the six-colormap figure's colorbar strips */

static const PatinaColormap *colormap_or_default(const PatinaFigureOptions *o)
{
  return o->colormap ? o->colormap : patina_colormap_lookup("bronze", NULL);
}

static const char *layer_meaning(PatinaLayerType type)
{
  switch (type) {
  case PATINA_LAYER_CONV2D:
    return "convolution output before its activation";
  case PATINA_LAYER_RELU:
  case PATINA_LAYER_LEAKY_RELU:
    return "after the activation";
  case PATINA_LAYER_MAXPOOL2D:
    return "after max-pooling";
  case PATINA_LAYER_BATCHNORM2D:
    return "after BatchNorm (running statistics)";
  case PATINA_LAYER_DENSE:
    return "dense output before its activation";
  case PATINA_LAYER_DROPOUT:
    return "after dropout (the identity at evaluation)";
  default:
    return patina_layer_type_name(type);
  }
}

static const char *order_name(PatinaChannelOrder order)
{
  static const char *const names[] = {"channel index", "mean", "maximum", "fraction active"};
  return names[order];
}

static char *class_name(const PatinaFigureOptions *o, int k)
{
  if (o->class_names && k < (int) g_strv_length(o->class_names))
    return g_strdup(o->class_names[k]);
  return g_strdup_printf("class %d", k);
}

/* "Model: …. Image: …. Class probabilities: …. " */
static void caption_common(GString *s, const PatinaModel *model, const PatinaActivations *acts,
                           const PatinaFigureOptions *o)
{
  g_string_append_printf(s, "Model: %s. ", o->model_label ? o->model_label : model->name);
  if (o->image_label)
    g_string_append_printf(s, "Image: %s. ", o->image_label);
  if (acts) {
    g_string_append(s, "Class probabilities:");
    for (int k = 0; k < acts->n_classes; k++) {
      g_autofree char *name = class_name(o, k);
      g_string_append_printf(s, "%s %s %.3f", k ? "," : "", name, acts->probabilities[k]);
    }
    g_string_append(s, ". ");
  }
}

static void caption_layer(GString *s, const PatinaActivations *acts, int layer)
{
  const PatinaLayerInfo *info = &acts->layers[layer];
  g_string_append_printf(s, "Layer: %s (index %d in the Sequential), %s", info->name,
                         info->index, layer_meaning(info->type));
  if (info->h == 1 && info->w == 1)
    g_string_append_printf(s, ", %d values. ", info->c);
  else
    g_string_append_printf(s, ", %d maps of %d×%d. ", info->c, info->h, info->w);
}

static void caption_colors(GString *s, const PatinaColormap *cmap, const PatinaFigureOptions *o,
                           gboolean maps)
{
  g_string_append_printf(s, "Colormap: %s%s", patina_colormap_get_name(cmap),
                         o->reversed ? " (reversed)" : "");
  if (maps)
    g_string_append(s, o->normalise == PATINA_NORMALISE_LAYER
                         ? ", one value range for the whole layer"
                         : ", each map scaled from its own minimum to its own maximum");
  g_string_append(s, ".");
}

/* How many maps a figure shows: max_maps of them, 16 in the six-colormap figure by default. */
static int maps_shown(const PatinaLayerInfo *info, const PatinaFigureOptions *o, gboolean six)
{
  int limit = o->max_maps > 0 ? o->max_maps : six ? 16 : info->c;
  return MIN(limit, info->c);
}

char *patina_figure_caption(const PatinaModel *model, const PatinaActivations *acts, int layer,
                            const PatinaFigureOptions *o, gboolean six)
{
  const PatinaLayerInfo *info = &acts->layers[layer];
  const PatinaColormap *cmap = colormap_or_default(o);
  GString *s = g_string_new(NULL);
  if (six)
    g_string_append(s, "The paper's six colormaps (Bhat et al. 2023, Fig. 9): (a) blue_RGB, "
                       "(b) aqua, (c) moonlight, (d) bronze, (e) red_lava, (f) bone. ");
  caption_common(s, model, acts, o);
  caption_layer(s, acts, layer);
  if (info->h == 1 && info->w == 1) {
    caption_colors(s, cmap, o, FALSE);
    return g_string_free(s, FALSE);
  }
  int n = maps_shown(info, o, six);
  if (n < info->c || o->order != PATINA_CHANNEL_ORDER_INDEX)
    g_string_append_printf(s, "Shown: %d of %d maps, ordered by %s%s; the number on each map "
                              "is its channel. ",
                           n, info->c, order_name(o->order),
                           o->order == PATINA_CHANNEL_ORDER_INDEX ? "" : " (largest first)");
  else
    g_string_append(s, "The number on each map is its channel. ");
  if (six)
    g_string_append_printf(s, "%s%s",
                           o->normalise == PATINA_NORMALISE_LAYER
                             ? "One value range for the whole layer"
                             : "Each map scaled from its own minimum to its own maximum",
                           o->reversed ? "; colormaps reversed." : ".");
  else
    caption_colors(s, cmap, o, TRUE);
  return g_string_free(s, FALSE);
}

static int columns_for(int n, double aspect_wanted)
{
  if (n <= 8)
    return MAX(n, 1);
  double ideal = sqrt(n * aspect_wanted);
  int best = (int) ceil(ideal);
  /* prefer a count that fills the last row, near the ideal */
  for (int d = 0; d <= 3; d++)
    for (int sign = -1; sign <= 1; sign += 2) {
      int c = (int) lround(ideal) + sign * d;
      if (c >= 4 && n % c == 0)
        return c;
    }
  return best;
}

/* Where draw_grid put its maps: map i is at (x0 + (i % cols) * pitch_x,
 * y0 + (i / cols) * pitch_y); label_h is the height of the channel number's box in the map's
 * corner (0 when there is none there). */
typedef struct {
  double tile_w, tile_h, pitch_x, pitch_y, label_h;
  int cols;
} GridPlacement;

/* Draws maps (each h×w in data at channels[i]) in a grid; returns its height. The channel
 * number sits in the map's corner, or under it for maps of a few cells (filters), where a
 * corner label would hide a whole cell. */
static double draw_grid(cairo_t *cr, const float *data, int h, int w, const int *channels, int n,
                        const float *lo, const float *hi, const PatinaColormap *cmap,
                        gboolean reversed, double x0, double y0, double grid_w, int cols,
                        double gap, gboolean labels, GridPlacement *placed)
{
  int rows = (n + cols - 1) / cols;
  /* hundreds of maps on a narrow figure: the gaps shrink with the maps */
  gap = MIN(gap, grid_w / cols * 0.1);
  double tile_w = (grid_w - (cols - 1) * gap) / cols, tile_h = tile_w * h / w;
  double size = CLAMP(tile_w / 6, 5.0, 7.0);
  gboolean below = labels && w < 8;
  double row_h = tile_h + (below ? size + 2 : 0);
  for (int i = 0; i < n; i++) {
    int ch = channels ? channels[i] : i;
    double x = x0 + (i % cols) * (tile_w + gap), y = y0 + (i / cols) * (row_h + gap);
    cairo_surface_t *img = patina_colormap_render(cmap, data + (gsize) ch * h * w, w, h, lo[i],
                                                  hi[i], reversed);
    if (!img)
      continue;
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, tile_w / w, tile_h / h);
    cairo_set_source_surface(cr, img, 0, 0);
    /* each activation is one cell: show cells, not a blur of them */
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
    if (!labels || tile_w < 14)
      continue;
    char text[16];
    g_snprintf(text, sizeof text, "%d", ch);
    cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    cairo_text_extents_t e;
    cairo_text_extents(cr, text, &e);
    if (below) {
      cairo_set_source_rgb(cr, INK, INK, INK);
      cairo_move_to(cr, x + (tile_w - e.x_advance) / 2, y + tile_h + size);
    } else {
      cairo_set_source_rgba(cr, 1, 1, 1, 0.8);
      cairo_rectangle(cr, x, y, e.x_advance + 2.5, size + 1.5);
      cairo_fill(cr);
      cairo_set_source_rgb(cr, INK, INK, INK);
      cairo_move_to(cr, x + 1.2, y + size * 0.95);
    }
    cairo_show_text(cr, text);
  }
  if (placed)
    *placed = (GridPlacement) {
      .tile_w = tile_w, .tile_h = tile_h, .pitch_x = tile_w + gap, .pitch_y = row_h + gap,
      .label_h = labels && !below && tile_w >= 14 ? size + 1.5 : 0.0, .cols = cols,
    };
  return rows * row_h + (rows - 1) * gap;
}

/* The channels to show in order, and each one's value range. */
static int pick_maps(const float *out, const PatinaLayerInfo *info, const PatinaFigureOptions *o,
                     int limit, int **channels, float **lo, float **hi)
{
  int hw = info->h * info->w;
  g_autofree PatinaChannelStats *stats = g_new(PatinaChannelStats, info->c);
  patina_channel_stats(out, info->c, hw, stats);
  *channels = patina_channel_sort(stats, info->c, o->order);
  int n = limit > 0 ? MIN(limit, info->c) : info->c;
  *lo = g_new(float, n);
  *hi = g_new(float, n);
  for (int i = 0; i < n; i++)
    patina_channel_range(out, info->c, hw, (*channels)[i], o->normalise, &(*lo)[i], &(*hi)[i]);
  return n;
}

static double draw_title(cairo_t *cr, const char *text, double width)
{
  return MARGIN + patina_figure_text(cr, text, MARGIN, MARGIN, width - 2 * MARGIN, TITLE_SIZE, TRUE) + 4;
}

static double draw_caption(cairo_t *cr, const char *text, double y, double width)
{
  return patina_figure_text(cr, text, MARGIN, y, width - 2 * MARGIN, CAPTION_SIZE, FALSE);
}

static char *title_for(const PatinaActivations *acts, int layer, const PatinaFigureOptions *o)
{
  const PatinaLayerInfo *info = &acts->layers[layer];
  if (o->image_label)
    return g_strdup_printf("%s — %s", info->name, o->image_label);
  return g_strdup(info->name);
}

/* A flat layer's values as bars from zero, coloured by value, over a strip of the same colours;
 * the colorbar beside it is the value axis. */
static double draw_bars(cairo_t *cr, const float *v, int n, const PatinaColormap *cmap,
                        const PatinaFigureOptions *o, double x0, double y0, double chart_w)
{
  const double chart_h = 110, strip_h = 8;
  float lo = 0, hi = 0;
  for (int i = 0; i < n; i++)
    if (isfinite(v[i]))
      lo = MIN(lo, v[i]), hi = MAX(hi, v[i]);
  if (!(hi > lo))
    hi = lo + 1;
  double slot = chart_w / n, bar_w = n > 64 ? slot : slot * 0.8;
  double zero_y = y0 + chart_h * hi / (hi - lo);
  for (int i = 0; i < n; i++) {
    if (!isfinite(v[i]))
      continue;
    guint8 rgb[3];
    patina_colormap_map(cmap, (v[i] - lo) / (hi - lo), o->reversed, rgb);
    cairo_set_source_rgb(cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
    double top = y0 + chart_h * (hi - v[i]) / (hi - lo);
    double bx = x0 + i * slot + (slot - bar_w) / 2;
    cairo_rectangle(cr, bx, MIN(top, zero_y), bar_w, fabs(zero_y - top));
    cairo_fill(cr);
    cairo_rectangle(cr, x0 + i * slot, y0 + chart_h + 4, slot, strip_h);
    cairo_fill(cr);
  }
  cairo_set_source_rgb(cr, INK, INK, INK);
  cairo_set_line_width(cr, 0.5);
  cairo_move_to(cr, x0, zero_y);
  cairo_line_to(cr, x0 + chart_w, zero_y);
  cairo_stroke(cr);
  cairo_rectangle(cr, x0, y0 + chart_h + 4, chart_w, strip_h);
  cairo_stroke(cr);
  patina_figure_colorbar(cr, cmap, o->reversed, lo, hi, "value", x0 + chart_w + 8, y0, 7,
                         chart_h);

  /* feature indices under the strip, or class names for a few outputs */
  cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 6.5);
  double label_y = y0 + chart_h + 4 + strip_h + 9;
  int step = n <= 12 ? 1 : (int) patina_figure_nice_step(n);
  for (int i = 0; i < n; i += step) {
    char text[24];
    g_snprintf(text, sizeof text, "%d", i);
    cairo_text_extents_t e;
    cairo_text_extents(cr, text, &e);
    cairo_move_to(cr, x0 + (i + 0.5) * slot - e.x_advance / 2, label_y);
    cairo_show_text(cr, text);
  }
  return chart_h + 4 + strip_h + 12;
}

/* Below 200 pt (7 cm) the colorbar would leave the maps no room. */
static double figure_width(const PatinaFigureOptions *o)
{
  return o->width_pt > 0 ? MAX(o->width_pt, 200) : 504;
}

double patina_figure_draw_layer(cairo_t *cr, const PatinaModel *model,
                                const PatinaActivations *acts, int layer,
                                const PatinaFigureOptions *o)
{
  const PatinaLayerInfo *info = &acts->layers[layer];
  const PatinaColormap *cmap = colormap_or_default(o);
  double width = figure_width(o);
  g_autofree char *title = title_for(acts, layer, o);
  double y = draw_title(cr, title, width);
  double content_w = width - 2 * MARGIN - COLORBAR_RESERVE;
  const float *out = acts->outputs[layer];

  if (info->h == 1 && info->w == 1) {
    y += draw_bars(cr, out, info->c, cmap, o, MARGIN, y, content_w) + 6;
  } else {
    g_autofree int *channels = NULL;
    g_autofree float *lo = NULL, *hi = NULL;
    int n = pick_maps(out, info, o, maps_shown(info, o, FALSE), &channels, &lo, &hi);
    int cols = columns_for(n, 1.6 * info->h / info->w);
    GridPlacement placed;
    double grid_h = draw_grid(cr, out, info->h, info->w, channels, n, lo, hi, cmap, o->reversed,
                              MARGIN, y, content_w, cols, GAP, TRUE, &placed);
    double bar_h = MIN(grid_h, 200);
    if (o->normalise == PATINA_NORMALISE_LAYER)
      patina_figure_colorbar(cr, cmap, o->reversed, lo[0], hi[0], "activation",
                             MARGIN + content_w + 8, y, 8, bar_h);
    else
      patina_figure_colorbar(cr, cmap, o->reversed, 0, 1, "fraction of each map's range",
                             MARGIN + content_w + 8, y, 8, bar_h);
    y += grid_h + 6;
    double sb = patina_figure_scale_bar(cr, o->field_width_m, placed.tile_w, MARGIN, y);
    y += sb ? sb + 4 : 0;
  }
  g_autofree char *caption = patina_figure_caption(model, acts, layer, o, FALSE);
  y += draw_caption(cr, caption, y, width);
  return y + MARGIN;
}

gboolean patina_figure_layer(const PatinaModel *model, const PatinaActivations *acts, int layer,
                             const PatinaFigureOptions *o, const char *path, GError **error)
{
  PatinaFigureFormat format;
  if (!patina_figure_format_for_path(path, &format, error))
    return FALSE;
  g_autoptr(PatinaFigure) fig = patina_figure_new(figure_width(o));
  double height = patina_figure_draw_layer(patina_figure_cr(fig), model, acts, layer, o);
  return patina_figure_save(fig, height, path, o->dpi, error);
}

/* A horizontal colorbar strip with its two end values. */
static double draw_hbar(cairo_t *cr, const PatinaColormap *cmap, gboolean reversed, double x,
                        double y, double w, const char *left, const char *right)
{
  cairo_surface_t *strip = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 256, 1);
  guint32 *px = (guint32 *) cairo_image_surface_get_data(strip);
  for (int i = 0; i < 256; i++)
    px[i] = patina_colormap_pixel(cmap, i / 255.0f, reversed);
  cairo_surface_mark_dirty(strip);
  cairo_save(cr);
  cairo_rectangle(cr, x, y, w, HBAR_H);
  cairo_clip(cr);
  cairo_translate(cr, x, y);
  cairo_scale(cr, w / 256.0, HBAR_H);
  cairo_set_source_surface(cr, strip, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
  /* without padding, the strip's first column could show the paper through where the strip's
   * edge falls between device pixels (a light line at 300 dpi); the clip keeps it in place */
  cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_surface_destroy(strip);
  cairo_set_source_rgb(cr, INK, INK, INK);
  cairo_set_line_width(cr, 0.4);
  cairo_rectangle(cr, x, y, w, HBAR_H);
  cairo_stroke(cr);
  cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 6);
  cairo_move_to(cr, x, y + 12);
  cairo_show_text(cr, left);
  cairo_text_extents_t e;
  cairo_text_extents(cr, right, &e);
  cairo_move_to(cr, x + w - e.x_advance, y + 12);
  cairo_show_text(cr, right);
  return 14;
}

double patina_figure_draw_six_colormaps(cairo_t *cr, const PatinaModel *model,
                                        const PatinaActivations *acts, int layer,
                                        const PatinaFigureOptions *o)
{
  return patina_figure_draw_six_colormaps_layout(cr, model, acts, layer, o, NULL);
}

double patina_figure_draw_six_colormaps_layout(cairo_t *cr, const PatinaModel *model,
                                               const PatinaActivations *acts, int layer,
                                               const PatinaFigureOptions *o,
                                               PatinaFigurePanel *panels)
{
  const PatinaLayerInfo *info = &acts->layers[layer];
  if (info->h == 1 && info->w == 1)
    return 0;
  double width = figure_width(o);
  g_autofree char *title = title_for(acts, layer, o);
  double y = draw_title(cr, title, width);

  const float *out = acts->outputs[layer];
  g_autofree int *channels = NULL;
  g_autofree float *lo = NULL, *hi = NULL;
  int n = pick_maps(out, info, o, maps_shown(info, o, TRUE), &channels, &lo, &hi);
  int cols = columns_for(n, 1.0);
  const double panel_gap = 12;
  double panel_w = (width - 2 * MARGIN - 2 * panel_gap) / 3;
  char left[32] = "min", right[32] = "max";
  if (o->normalise == PATINA_NORMALISE_LAYER) {
    g_snprintf(left, sizeof left, "%.3g", lo[0]);
    g_snprintf(right, sizeof right, "%.3g", hi[0]);
  } else {
    g_strlcpy(left, "each map's min", sizeof left);
    g_strlcpy(right, "max", sizeof right);
  }
  const char *const *names = patina_colormap_paper_names();
  GridPlacement placed = {0};
  double row_y = y, row_h = 0;
  for (int p = 0; names[p]; p++) {
    const PatinaColormap *cmap = patina_colormap_lookup(names[p], NULL);
    double px = MARGIN + (p % 3) * (panel_w + panel_gap);
    if (p == 3)
      row_y += row_h + 10;
    double py = row_y;
    g_autofree char *heading =
      g_strdup_printf("(%c) %s", 'a' + p, patina_colormap_get_label(cmap));
    py += patina_figure_text(cr, heading, px, py, panel_w, 8, TRUE) + 2;
    double grid_y = py;
    py += draw_grid(cr, out, info->h, info->w, channels, n, lo, hi, cmap, o->reversed, px, py,
                    panel_w, cols, 1.5, TRUE, &placed) + 4;
    if (panels)
      panels[p] = (PatinaFigurePanel) {
        .colormap = cmap,
        .colorbar = {px, py, panel_w, HBAR_H},
        .first_map = {px, grid_y, placed.tile_w, placed.tile_h},
        .map_pitch_x = placed.pitch_x,
        .map_pitch_y = placed.pitch_y,
        .columns = placed.cols,
        .n_maps = n,
        .label_height = placed.label_h,
      };
    py += draw_hbar(cr, cmap, o->reversed, px, py, panel_w, left, right);
    row_h = py - row_y;
  }
  y = row_y + row_h + 6;
  double sb = patina_figure_scale_bar(cr, o->field_width_m, placed.tile_w, MARGIN, y);
  y += sb ? sb + 4 : 0;
  g_autofree char *caption = patina_figure_caption(model, acts, layer, o, TRUE);
  y += draw_caption(cr, caption, y, width);
  return y + MARGIN;
}

gboolean patina_figure_six_colormaps(const PatinaModel *model, const PatinaActivations *acts,
                                     int layer, const PatinaFigureOptions *o, const char *path,
                                     GError **error)
{
  PatinaFigureFormat format;
  if (!patina_figure_format_for_path(path, &format, error))
    return FALSE;
  const PatinaLayerInfo *info = &acts->layers[layer];
  if (info->h == 1 && info->w == 1) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
                "layer %s is flat (%d values): the six-colormap figure needs a layer with maps, "
                "such as a conv, ReLU or pooling layer",
                info->name, info->c);
    return FALSE;
  }
  g_autoptr(PatinaFigure) fig = patina_figure_new(figure_width(o));
  double height = patina_figure_draw_six_colormaps(patina_figure_cr(fig), model, acts, layer, o);
  return patina_figure_save(fig, height, path, o->dpi, error);
}

gboolean patina_figure_filters(const PatinaModel *model, const PatinaFigureOptions *o,
                               const char *path, GError **error)
{
  PatinaFigureFormat format;
  if (!patina_figure_format_for_path(path, &format, error))
    return FALSE;
  int n = 0, k = 0;
  g_autofree float *filters = patina_first_conv_filters(model, &n, &k, error);
  if (!filters)
    return FALSE;
  float m = 0;
  for (int i = 0; i < n * k * k; i++)
    m = MAX(m, fabsf(filters[i]));
  if (!(m > 0))
    m = 1;
  g_autofree float *lo = g_new(float, n), *hi = g_new(float, n);
  for (int i = 0; i < n; i++)
    lo[i] = -m, hi[i] = m;
  const PatinaColormap *cmap = colormap_or_default(o);
  double width = figure_width(o);
  g_autoptr(PatinaFigure) fig = patina_figure_new(width);
  cairo_t *cr = patina_figure_cr(fig);
  int first = patina_layer_first_conv(model, NULL);
  g_autofree PatinaLayerInfo *infos = patina_layer_infos(model);
  g_autofree char *title = g_strdup_printf("%s filters", infos[first].name);
  double y = draw_title(cr, title, width);
  double content_w = MIN(width - 2 * MARGIN - COLORBAR_RESERVE, 40.0 * columns_for(n, 2.0));
  double grid_h = draw_grid(cr, filters, k, k, NULL, n, lo, hi, cmap, o->reversed, MARGIN, y,
                            content_w, columns_for(n, 2.0), GAP, TRUE, NULL);
  patina_figure_colorbar(cr, cmap, o->reversed, -m, m, "weight", MARGIN + content_w + 8, y, 8,
                         MIN(grid_h, 200));
  y += MAX(grid_h, 40) + 6;
  g_autoptr(GString) caption = g_string_new(NULL);
  caption_common(caption, model, NULL, o);
  g_string_append_printf(caption,
                         "The %d filters of %s (%d×%d), each summed over its %d input channels: "
                         "the filter a gray micrograph, repeated to %d channels, meets. One "
                         "symmetric range for all, so 0 is the middle of the colormap. ",
                         n, infos[first].name, k, k, model->layers[first].in_c,
                         model->layers[first].in_c);
  caption_colors(caption, cmap, o, FALSE);
  y += draw_caption(cr, caption->str, y, width);
  return patina_figure_save(fig, y + MARGIN, path, o->dpi, error);
}
