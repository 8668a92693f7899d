/* Report figures: PNG at the asked DPI (its pixel size follows), SVG that parses back, PDF of one
 * page, the maps' colours in the pixels, the six-colormap figure's panels checked pixel by pixel
 * where its layout says they are (maps through each colormap, channel numbers, colorbars from
 * the first entry to the last), the scale bar from SEM metadata, the caption, and bad
 * input (an unknown extension, an unwritable path, flat layers, models without conv layers). */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "testutil.h"
#include "viz/figure.h"

static const char *spec =
  "{\"name\": \"fig-test\", \"input\": [3, 24, 24], \"layers\": ["
  "{\"type\": \"conv2d\", \"out_channels\": 6, \"kernel\": 3}, {\"type\": \"relu\"},"
  "{\"type\": \"maxpool2d\", \"kernel\": 2}, {\"type\": \"flatten\"},"
  "{\"type\": \"dense\", \"out_features\": 10}, {\"type\": \"dense\", \"out_features\": 1}]}";

static char *tmp;
static PatinaModel *model;
static PatinaActivations *acts;

static char *tmp_path(const char *name)
{
  return g_build_filename(tmp, name, NULL);
}

static void options(PatinaFigureOptions *o)
{
  static char *names[] = {"316L", "AZ31B", NULL};
  patina_figure_options_init(o);
  o->model_label = "fig-test (test.safetensors)";
  o->image_label = "sample.png";
  o->class_names = names;
  o->colormap = patina_colormap_lookup("red_lava", NULL);
}

static void png_size(const char *path, int *w, int *h)
{
  g_assert_nonnull(gdk_pixbuf_get_file_info(path, w, h));
}

static void test_png_dpi(void)
{
  PatinaFigureOptions o;
  options(&o);
  int w72 = 0, h72 = 0;
  const double dpis[] = {72, 150, 300};
  for (guint i = 0; i < G_N_ELEMENTS(dpis); i++) {
    o.dpi = dpis[i];
    g_autofree char *path = tmp_path("dpi.png");
    g_autoptr(GError) error = NULL;
    g_assert_true(patina_figure_layer(model, acts, 0, &o, path, &error));
    g_assert_no_error(error);
    int w, h;
    png_size(path, &w, &h);
    g_test_message("%g dpi: %d×%d", dpis[i], w, h);
    /* the resolution is written down (pHYs, pixels per metre), and the file still decodes */
    g_autofree guint8 *bytes = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(path, (char **) &bytes, &len, NULL));
    g_assert_cmpmem(bytes + 37, 4, "pHYs", 4);
    guint32 ppm = (guint32) bytes[41] << 24 | bytes[42] << 16 | bytes[43] << 8 | bytes[44];
    g_assert_cmpuint(ppm, ==, (guint32) lround(dpis[i] / 0.0254));
    g_autoptr(GdkPixbuf) decoded = gdk_pixbuf_new_from_file(path, &error);
    g_assert_no_error(error);
    /* 504 pt = 7 in wide */
    g_assert_cmpint(w, ==, (int) lround(7 * dpis[i]));
    if (i == 0)
      w72 = w, h72 = h;
    else
      /* h72 is rounded to a pixel, so its scaled value may be off by the scale */
      g_assert_cmpfloat(fabs(h - h72 * dpis[i] / 72.0), <=, dpis[i] / 72.0 + 1);
  }
  g_assert_cmpint(w72, ==, 504);
  g_assert_cmpint(h72, >, 100);
  /* Drawn onto any context (a widget's), the figure takes the height the file has. */
  cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
  cairo_t *cr = cairo_create(rec);
  double drawn = patina_figure_draw_layer(cr, model, acts, 0, &o);
  cairo_destroy(cr);
  cairo_surface_destroy(rec);
  g_assert_cmpint((int) lround(drawn), ==, h72);
  o.dpi = 72;
  o.width_pt = 252;
  g_autofree char *narrow = tmp_path("narrow.png");
  g_assert_true(patina_figure_layer(model, acts, 0, &o, narrow, NULL));
  int w, h;
  png_size(narrow, &w, &h);
  g_assert_cmpint(w, ==, 252);
}

static gboolean has_colour(GdkPixbuf *pb, const guint8 rgb[3])
{
  int n = gdk_pixbuf_get_n_channels(pb), stride = gdk_pixbuf_get_rowstride(pb);
  const guint8 *px = gdk_pixbuf_read_pixels(pb);
  for (int y = 0; y < gdk_pixbuf_get_height(pb); y++)
    for (int x = 0; x < gdk_pixbuf_get_width(pb); x++)
      if (memcmp(px + y * stride + x * n, rgb, 3) == 0)
        return TRUE;
  return FALSE;
}

static void test_png_colours(void)
{
  /* Per-channel normalisation puts each map's maximum at the colormap's last entry and its
   * minimum at the first: both colours are in the picture, and another map's are not. */
  PatinaFigureOptions o;
  options(&o);
  o.dpi = 150;
  g_autofree char *path = tmp_path("colours.png");
  g_assert_true(patina_figure_layer(model, acts, 0, &o, path, NULL));
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_file(path, NULL);
  g_assert_nonnull(pb);
  guint8 top[3], bottom[3], other[3];
  patina_colormap_map(o.colormap, 1.0f, FALSE, top);
  patina_colormap_map(o.colormap, 0.0f, FALSE, bottom);
  patina_colormap_map(patina_colormap_lookup("aqua", NULL), 0.6f, FALSE, other);
  g_assert_true(has_colour(pb, top));
  g_assert_true(has_colour(pb, bottom));
  g_assert_false(has_colour(pb, other));
}

/* ---- the six-colormap figure, checked in its pixels at the places the layout reports ---- */

static guint32 pixel_of(GdkPixbuf *pb, int x, int y)
{
  g_assert_cmpint(x, >=, 0);
  g_assert_cmpint(y, >=, 0);
  g_assert_cmpint(x, <, gdk_pixbuf_get_width(pb));
  g_assert_cmpint(y, <, gdk_pixbuf_get_height(pb));
  const guint8 *p = gdk_pixbuf_read_pixels(pb) + (gsize) y * gdk_pixbuf_get_rowstride(pb) +
                    (gsize) x * gdk_pixbuf_get_n_channels(pb);
  return 0xff000000u | (guint32) p[0] << 16 | (guint32) p[1] << 8 | p[2];
}

static guint32 entry_pixel(const PatinaColormap *cmap, int entry)
{
  return patina_colormap_pixel(cmap, CLAMP(entry, 0, 255) / 255.0f, FALSE);
}

/* The strip, sampled along its middle, is the colormap from its first entry to its last: every
 * pixel column shows the entry under its centre (or, on a boundary, its neighbour). */
static void check_colorbar(GdkPixbuf *pb, double scale, const PatinaFigurePanel *panel)
{
  const PatinaFigureRect *bar = &panel->colorbar;
  int row = (int) ((bar->y + bar->height / 2) * scale);
  /* the first and last whole pixels a pixel clear of the 0.4 pt outline's antialiasing */
  int first = (int) ceil((bar->x + 0.2) * scale + 1);
  int last = (int) floor((bar->x + bar->width - 0.2) * scale - 1) - 1;
  int first_entry = -1, last_entry = -1;
  for (int x = first; x <= last; x++) {
    int entry = (int) floor(((x + 0.5) / scale - bar->x) / bar->width * 256);
    guint32 got = pixel_of(pb, x, row);
    if (got != entry_pixel(panel->colormap, entry) &&
        got != entry_pixel(panel->colormap, entry - 1) &&
        got != entry_pixel(panel->colormap, entry + 1))
      g_error("%s colorbar at pixel %d: %06x is not entry %d (%06x)",
              patina_colormap_get_name(panel->colormap), x, got & 0xffffff, entry,
              entry_pixel(panel->colormap, entry) & 0xffffff);
    if (x == first) {
      first_entry = entry;
      g_assert_cmphex(got, ==, entry_pixel(panel->colormap, 0));
    }
    if (x == last) {
      last_entry = entry;
      g_assert_cmphex(got, ==, entry_pixel(panel->colormap, 255));
    }
  }
  g_assert_cmpint(first_entry, ==, 0);
  g_assert_cmpint(last_entry, ==, 255);
}

/* Each map's cells, sampled at their centres, are the layer's values through the panel's
 * colormap; the top left corner holds a light box with dark digits (the channel number). */
static void check_maps(GdkPixbuf *pb, double scale, const PatinaFigurePanel *panel, int layer)
{
  const PatinaLayerInfo *info = &acts->layers[layer];
  int hw = info->h * info->w;
  g_assert_cmpint(panel->n_maps, ==, MIN(16, info->c));
  g_assert_cmpfloat(panel->label_height, >, 0);
  for (int i = 0; i < panel->n_maps; i++) {
    double mx = panel->first_map.x + (i % panel->columns) * panel->map_pitch_x;
    double my = panel->first_map.y + (i / panel->columns) * panel->map_pitch_y;
    double cell_w = panel->first_map.width / info->w, cell_h = panel->first_map.height / info->h;
    float lo, hi;
    patina_channel_range(acts->outputs[layer], info->c, hw, i, PATINA_NORMALISE_CHANNEL, &lo, &hi);
    int checked = 0;
    for (int r = 0; r < info->h; r++)
      for (int c = 0; c < info->w; c++) {
        /* cells under the channel number's box are covered by it */
        if ((c + 1) * cell_w < panel->label_height * 1.5 && (r + 1) * cell_h < panel->label_height + 1)
          continue;
        guint32 want;
        patina_colormap_apply(panel->colormap, acts->outputs[layer] + (gsize) i * hw + r * info->w + c,
                              1, lo, hi, FALSE, &want);
        int px = (int) ((mx + (c + 0.5) * cell_w) * scale), py = (int) ((my + (r + 0.5) * cell_h) * scale);
        g_assert_cmphex(pixel_of(pb, px, py), ==, want);
        checked++;
      }
    g_assert_cmpint(checked, >, hw / 2);

    int light = 0, dark = 0, all = 0;
    for (int y = (int) (my * scale) + 1; y < (int) ((my + panel->label_height) * scale) - 1; y++)
      for (int x = (int) (mx * scale) + 1; x < (int) ((mx + panel->label_height * 0.6) * scale); x++) {
        guint32 p = pixel_of(pb, x, y);
        guint8 ch[3] = {p >> 16 & 0xff, p >> 8 & 0xff, p & 0xff};
        light += ch[0] >= 200 && ch[1] >= 200 && ch[2] >= 200;
        dark += ch[0] <= 100 && ch[1] <= 100 && ch[2] <= 100;
        all++;
      }
    if (!(light * 3 > all && dark >= 3))
      g_error("%s map %d: no channel number in its corner (%d light, %d dark of %d pixels)",
              patina_colormap_get_name(panel->colormap), i, light, dark, all);
  }
}

/* The vertical colorbar of the layer figures, drawn where the test says at a place that is not
 * on whole pixels: its top is the colormap's last entry, its bottom the first, each row between
 * the entry under its centre. */
static void test_colorbar_pixels(void)
{
  const PatinaColormap *cmap = patina_colormap_lookup("bronze", NULL);
  /* recorded in points and replayed at 300 dpi, as an exported PNG is */
  const double scale = 300 / 72.0, x_pt = 10.3, y_pt = 20.6, w_pt = 8.0, h_pt = 200.0;
  const double x = x_pt * scale, y = y_pt * scale, w = w_pt * scale, h = h_pt * scale;
  cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
  cairo_t *cr = cairo_create(rec);
  patina_figure_colorbar(cr, cmap, FALSE, 0.0, 1.0, "value", x_pt, y_pt, w_pt, h_pt);
  cairo_destroy(cr);
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 400, 1000);
  cr = cairo_create(s);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_scale(cr, scale, scale);
  cairo_set_source_surface(cr, rec, 0, 0);
  cairo_paint(cr);
  cairo_destroy(cr);
  cairo_surface_destroy(rec);
  cairo_surface_flush(s);
  const guint8 *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s), column = (int) (x + w / 2);
  /* a pixel clear of the 0.5 pt outline at both ends */
  int top = (int) ceil(y + 0.25 * scale + 1), bottom = (int) floor(y + h - 0.25 * scale - 1) - 1;
  for (int row = top; row <= bottom; row++) {
    int entry = 255 - (int) floor((row + 0.5 - y) / h * 256);
    guint32 got = ((const guint32 *) (data + (gsize) row * stride))[column] | 0xff000000u;
    if (row == top)
      g_assert_cmphex(got, ==, entry_pixel(cmap, 255));
    else if (row == bottom)
      g_assert_cmphex(got, ==, entry_pixel(cmap, 0));
    else if (got != entry_pixel(cmap, entry) && got != entry_pixel(cmap, entry - 1) &&
             got != entry_pixel(cmap, entry + 1))
      g_error("colorbar row %d: %06x is not entry %d", row, got & 0xffffff, entry);
  }
  cairo_surface_destroy(s);
}

static void test_six_colormaps_pixels(void)
{
  PatinaFigureOptions o;
  options(&o);
  o.dpi = 600; /* a colormap entry is 5 pixels wide: the bar's ends have room for a margin */
  const int layer = 1; /* relu: 6 maps of 22×22 */
  g_autofree char *path = tmp_path("six.png");
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_figure_six_colormaps(model, acts, layer, &o, path, &error));
  g_assert_no_error(error);
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_file(path, &error);
  g_assert_no_error(error);

  /* the same drawing, reporting where it put things */
  PatinaFigurePanel panels[6];
  memset(panels, 0, sizeof panels);
  cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
  cairo_t *cr = cairo_create(rec);
  double height = patina_figure_draw_six_colormaps_layout(cr, model, acts, layer, &o, panels);
  cairo_destroy(cr);
  cairo_surface_destroy(rec);
  double scale = o.dpi / 72.0;
  g_assert_cmpint(gdk_pixbuf_get_height(pb), ==, (int) lround(height * scale));

  const char *const *paper = patina_colormap_paper_names();
  for (int p = 0; p < 6; p++) {
    g_assert_nonnull(paper[p]);
    g_assert_true(panels[p].colormap == patina_colormap_lookup(paper[p], NULL));
    /* six separate panels: no two colorbars share a place */
    for (int q = 0; q < p; q++) {
      const PatinaFigureRect *a = &panels[p].colorbar, *b = &panels[q].colorbar;
      gboolean apart = a->x >= b->x + b->width || b->x >= a->x + a->width ||
                       a->y >= b->y + b->height || b->y >= a->y + a->height;
      g_assert_true(apart);
    }
    check_colorbar(pb, scale, &panels[p]);
    check_maps(pb, scale, &panels[p], layer);
  }
  g_assert_null(paper[6]);
}

typedef struct {
  int elements, images;
  char *root, *width;
} SvgScan;

static void svg_start(G_GNUC_UNUSED GMarkupParseContext *ctx, const char *name,
                      const char **attrs, const char **values, gpointer data,
                      G_GNUC_UNUSED GError **error)
{
  SvgScan *s = data;
  if (s->elements++ == 0) {
    s->root = g_strdup(name);
    for (int i = 0; attrs[i]; i++)
      if (strcmp(attrs[i], "width") == 0)
        s->width = g_strdup(values[i]);
  }
  s->images += strcmp(name, "image") == 0;
}

static void test_svg_and_pdf(void)
{
  PatinaFigureOptions o;
  options(&o);
  g_autofree char *svg = tmp_path("fig.svg");
  g_autofree char *pdf = tmp_path("fig.PDF"); /* the extension in any case */
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_figure_layer(model, acts, 1, &o, svg, &error));
  g_assert_no_error(error);
  g_assert_true(patina_figure_six_colormaps(model, acts, 1, &o, pdf, &error));
  g_assert_no_error(error);

  g_autofree char *text = NULL;
  gsize len;
  g_assert_true(g_file_get_contents(svg, &text, &len, NULL));
  SvgScan scan = {0};
  GMarkupParser parser = {.start_element = svg_start};
  GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &scan, NULL);
  g_assert_true(g_markup_parse_context_parse(ctx, text, len, &error));
  g_assert_true(g_markup_parse_context_end_parse(ctx, &error));
  g_assert_no_error(error);
  g_markup_parse_context_free(ctx);
  g_assert_cmpstr(scan.root, ==, "svg");
  g_assert_cmpstr(scan.width, ==, "504pt");
  g_assert_cmpint(scan.images, >=, 1); /* the maps are embedded images */
  g_test_message("SVG: %d elements, %d images", scan.elements, scan.images);
  g_free(scan.root);
  g_free(scan.width);

  g_assert_cmpint(test_pdf_pages(pdf), ==, 1);
}

static void test_caption(void)
{
  PatinaFigureOptions o;
  options(&o);
  o.order = PATINA_CHANNEL_ORDER_MEAN;
  o.max_maps = 4;
  g_autofree char *c = patina_figure_caption(model, acts, 0, &o, FALSE);
  g_test_message("%s", c);
  char p0[32], p1[32];
  g_snprintf(p0, sizeof p0, "316L %.3f", acts->probabilities[0]);
  g_snprintf(p1, sizeof p1, "AZ31B %.3f", acts->probabilities[1]);
  const char *wanted[] = {"fig-test (test.safetensors)", "sample.png", p0, p1, "conv1",
                          "before its activation", "6 maps of 22×22", "Shown: 4 of 6",
                          "ordered by mean", "red_lava"};
  for (guint i = 0; i < G_N_ELEMENTS(wanted); i++)
    g_assert_nonnull(strstr(c, wanted[i]));
  g_autofree char *six = patina_figure_caption(model, acts, 2, &o, TRUE);
  g_assert_nonnull(strstr(six, "(f) bone"));
  g_assert_nonnull(strstr(six, "pool1"));
  g_autofree char *dense = patina_figure_caption(model, acts, 4, &o, FALSE);
  g_assert_nonnull(strstr(dense, "10 values"));
}

static void test_scale_bar(void)
{
  /* A PNG with a Hitachi sidecar: 49.6 nm per pixel over 200 pixels is a 9.92 µm field. */
  g_autofree char *png = tmp_path("sem.png");
  g_autofree char *txt = tmp_path("sem.txt");
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, 200, 160);
  gdk_pixbuf_fill(pb, 0x707070ff);
  g_assert_true(gdk_pixbuf_save(pb, png, "png", NULL, NULL));
  g_assert_true(g_file_set_contents(txt, "[SemImageFile]\r\nPixelSize=49.6\r\n", -1, NULL));
  PatinaLoadOptions load = {.crop = PATINA_CROP_OFF};
  double field = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaActivations) a = patina_activations_compute_file(model, png, &load, &field,
                                                                   &error);
  g_assert_no_error(error);
  g_assert_cmpfloat_with_epsilon(field, 9.92e-6, 1e-9);

  /* The bar takes a row of its own: the figure grows by it. */
  PatinaFigureOptions o;
  options(&o);
  o.dpi = 72;
  g_autofree char *without = tmp_path("without.png");
  g_autofree char *with = tmp_path("with.png");
  g_assert_true(patina_figure_layer(model, a, 0, &o, without, NULL));
  o.field_width_m = field;
  g_assert_true(patina_figure_layer(model, a, 0, &o, with, NULL));
  int w1, h1, w2, h2;
  png_size(without, &w1, &h1);
  png_size(with, &w2, &h2);
  g_assert_cmpint(h2, >, h1);

  g_assert_cmpfloat(patina_figure_nice_step(9.92), ==, 2.0);
  g_assert_cmpfloat(patina_figure_nice_step(1.0), ==, 0.2);
  g_assert_cmpfloat(patina_figure_nice_step(0.031), ==, 0.005);
}

static void test_bad_input(void)
{
  PatinaFigureOptions o;
  options(&o);
  g_autoptr(GError) error = NULL;
  g_autofree char *jpg = tmp_path("fig.jpg");
  g_assert_false(patina_figure_layer(model, acts, 0, &o, jpg, &error));
  g_assert_nonnull(strstr(error->message, "fig.jpg"));
  g_assert_false(g_file_test(jpg, G_FILE_TEST_EXISTS));
  g_clear_error(&error);

  g_autofree char *nowhere = tmp_path("missing-folder/fig.pdf");
  g_assert_false(patina_figure_layer(model, acts, 0, &o, nowhere, &error));
  g_assert_nonnull(strstr(error->message, "missing-folder/fig.pdf"));
  g_clear_error(&error);

  g_autofree char *flat = tmp_path("flat.png");
  g_assert_false(patina_figure_six_colormaps(model, acts, 4, &o, flat, &error));
  g_assert_nonnull(strstr(error->message, "dense1"));
  g_clear_error(&error);
  /* A flat layer as a bar strip is fine. */
  g_assert_true(patina_figure_layer(model, acts, 4, &o, flat, &error));
  g_assert_no_error(error);

  PatinaModel *dense_only = patina_model_new(
    "{\"input\": [3, 8, 8], \"layers\": [{\"type\": \"flatten\"},"
    "{\"type\": \"dense\", \"out_features\": 1}]}", NULL);
  g_autofree char *filters = tmp_path("filters.svg");
  g_assert_false(patina_figure_filters(dense_only, &o, filters, &error));
  g_assert_nonnull(strstr(error->message, "no convolution layers"));
  g_assert_false(g_file_test(filters, G_FILE_TEST_EXISTS));
  patina_model_free(dense_only);
  g_clear_error(&error);
  g_assert_true(patina_figure_filters(model, &o, filters, &error));
  g_assert_no_error(error);
}

static void test_many_maps_narrow(void)
{
  /* 300 maps on the narrowest figure still draw (the gaps shrink), at a width of 200 pt. */
  PatinaModel *wide = patina_model_new(
    "{\"input\": [1, 12, 12], \"layers\": [{\"type\": \"conv2d\", \"out_channels\": 300,"
    "\"kernel\": 3}, {\"type\": \"flatten\"}, {\"type\": \"dense\", \"out_features\": 1}]}",
    NULL);
  g_assert_nonnull(wide);
  PatinaRng rng;
  patina_rng_init(&rng, 9);
  patina_model_init(wide, &rng);
  g_autofree float *x = g_new(float, 144);
  for (int i = 0; i < 144; i++)
    x[i] = (i * 37 % 144) / 144.0f;
  g_autoptr(PatinaActivations) a = patina_activations_compute(wide, x, NULL);
  PatinaFigureOptions o;
  options(&o);
  o.width_pt = 100; /* raised to 200 */
  o.dpi = 72;
  g_autofree char *path = tmp_path("many.png");
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_figure_layer(wide, a, 0, &o, path, &error));
  g_assert_no_error(error);
  int w, h;
  png_size(path, &w, &h);
  g_assert_cmpint(w, ==, 200);
  patina_model_free(wide);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  tmp = g_dir_make_tmp("patina-figure-XXXXXX", NULL);
  model = patina_model_new(spec, NULL);
  PatinaRng rng;
  patina_rng_init(&rng, 3);
  patina_model_init(model, &rng);
  g_autofree float *x = g_new(float, 3 * 24 * 24);
  for (int i = 0; i < 24 * 24; i++) /* a gray ramp with stripes, repeated to 3 channels */
    x[i] = x[i + 576] = x[i + 1152] = (i % 24) / 24.0f * ((i / 24) % 4 < 2 ? 1.0f : 0.5f);
  acts = patina_activations_compute(model, x, NULL);
  g_test_add_func("/figure/png-dpi", test_png_dpi);
  g_test_add_func("/figure/png-colours", test_png_colours);
  g_test_add_func("/figure/svg-and-pdf", test_svg_and_pdf);
  g_test_add_func("/figure/six-colormaps-pixels", test_six_colormaps_pixels);
  g_test_add_func("/figure/colorbar-pixels", test_colorbar_pixels);
  g_test_add_func("/figure/caption", test_caption);
  g_test_add_func("/figure/scale-bar", test_scale_bar);
  g_test_add_func("/figure/bad-input", test_bad_input);
  g_test_add_func("/figure/many-maps-narrow", test_many_maps_narrow);
  int rc = g_test_run();
  patina_activations_free(acts);
  patina_model_free(model);
  test_remove_tree(tmp);
  g_free(tmp);
  return rc;
}
