/* The augmentation preview grid; see augment-grid.h. */
#include "augment-grid.h"

#include <cairo.h>
#include <math.h>

#include "nn/model.h" /* PATINA_ERROR */


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

static void tile_clear(gpointer p)
{
  PatinaAugmentTile *t = p;
  g_free(t->plane);
  g_strfreev(t->label);
}

static void set_font(cairo_t *cr, gboolean bold)
{
  cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, FONT);
}

GBytes *patina_augment_grid_png(GArray *tiles, int size, int tile_px, int columns,
                                char **title, GError **error)
{
  int n = (int) tiles->len;
  int rows = (n + columns - 1) / columns;
  /* measure on a scratch surface: label lines per tile, title lines */
  cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
  cairo_t *mc = cairo_create(scratch);
  set_font(mc, FALSE);
  int label_lines = 1;
  for (int i = 0; i < n; i++) {
    GPtrArray *l = wrap(mc, g_array_index(tiles, PatinaAugmentTile, i).label, " ", tile_px);
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
    PatinaAugmentTile *t = &g_array_index(tiles, PatinaAugmentTile, i);
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

GArray *patina_augment_tiles(const PatinaAugment *a, const float *src, int size, guint64 seed,
                             int n, GCancellable *cancellable, GError **error)
{
  gsize plane = (gsize) size * size;
  GArray *tiles = g_array_new(FALSE, FALSE, sizeof(PatinaAugmentTile));
  g_array_set_clear_func(tiles, tile_clear);
  char *orig_label[] = {"original", NULL};
  PatinaAugmentTile orig = {g_memdup2(src, plane * sizeof(float)), g_strdupv(orig_label)};
  g_array_append_val(tiles, orig);
  for (int k = 1; k <= n; k++) {
    if (g_cancellable_set_error_if_cancelled(cancellable, error)) {
      g_array_unref(tiles);
      return NULL;
    }
    PatinaRng rng;
    patina_augment_rng_for(&rng, seed, (guint64) k, 0);
    PatinaAugmentDraw d;
    patina_augment_draw(a, size, &rng, &d);
    PatinaAugmentTile t = {g_new(float, plane), NULL};
    patina_augment_apply(a, &d, src, size, size, t.plane, size);
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
  return tiles;
}

GStrv patina_augment_grid_title(const char *image_name, int size, guint64 seed,
                                const PatinaAugment *a)
{
  g_autofree char *what = patina_augment_describe(a);
  g_auto(GStrv) parts = g_strsplit(what, ", ", -1);
  GPtrArray *units = g_ptr_array_new();
  g_ptr_array_add(units, g_strdup(image_name));
  g_ptr_array_add(units, g_strdup_printf("%d px", size));
  g_ptr_array_add(units, g_strdup_printf("seed %" G_GUINT64_FORMAT, seed));
  for (int i = 0; parts[i]; i++)
    g_ptr_array_add(units, g_strdup(parts[i]));
  g_ptr_array_add(units, NULL);
  return (GStrv) g_ptr_array_free(units, FALSE);
}

int patina_augment_grid_columns(int n_tiles)
{
  return MAX(1, MIN(n_tiles, (int) ceil(sqrt((double) n_tiles))));
}
