/* The Predict page's surface scan, driven through its predict.scan* actions under Xvfb: the page's
 * area fractions and tiles against the core's patina_scan on the same image and model, the map
 * on screen against the core's class map, the exports read back, and bad input (no model, an
 * unreadable, a too large and a too small image, unwritable export paths, a superseded scan). */
#include <adwaita.h>
#include <math.h>
#include <string.h>

#include "../testutil.h"
#include "app-test.h"

#include "data/demo.h"
#include "nn/model.h"
#include "patina-predict-page.h"
#include "patina-settings.h"
#include "rng.h"
#include "train/checkpoint.h"
#include "viz/colormap.h"
#include "viz/scan.h"

#define MODEL_SIZE 46

static const char *const demo_classes[] = {"316L", "AZ31B", NULL};

/* A paper CNN at size px initialised from seed (untrained), saved into f->tmp. */
static char *make_model(Fixture *f, const char *file, int size, guint64 seed)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *spec = patina_spec_paper(2, size, 3);
  PatinaModel *model = patina_model_new(spec, &error);
  g_assert_no_error(error);
  PatinaRng rng;
  patina_rng_init(&rng, seed);
  patina_model_init(model, &rng);
  PatinaCheckpointMeta meta = {.class_names = g_strdupv((char **) demo_classes)};
  char *path = g_build_filename(f->tmp, file, NULL);
  g_assert_true(patina_checkpoint_save(model, &meta, path, &error));
  g_assert_no_error(error);
  patina_checkpoint_meta_clear(&meta);
  patina_model_free(model);
  return path;
}

static PatinaPredictPage *page_of(Fixture *f)
{
  return PATINA_PREDICT_PAGE(patina_window_get_page(f->window, "predict"));
}

static PatinaScanView *view_of(Fixture *f)
{
  return patina_predict_page_get_scan_view(page_of(f));
}

static void page_action(Fixture *f, const char *action, GVariant *param)
{
  g_assert_true(gtk_widget_activate_action_variant(GTK_WIDGET(page_of(f)), action, param));
}

static void open_model(Fixture *f, const char *path)
{
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  activate(f, "win.open-model-path", g_variant_new_string(path));
  wait_for(model_idle, ws, "the model to load");
  g_assert_cmpstr(patina_workspace_get_model_path(ws), ==, path);
}

typedef struct {
  PatinaPredictPage *page;
  guint rows;
} RowsWait;

static gboolean rows_added(gpointer data)
{
  RowsWait *w = data;
  return g_list_model_get_n_items(patina_predict_page_get_predictions(w->page)) == w->rows;
}

/* Adds path as the only row and selects it, which hands it to the scan view. */
static void show_image(Fixture *f, const char *path)
{
  PatinaPredictPage *page = page_of(f);
  page_action(f, "predict.clear", NULL);
  RowsWait w = {page, 1};
  page_action(f, "predict.add-paths", g_variant_new_strv((const char *const[]){path, NULL}, -1));
  wait_for(rows_added, &w, "the image's row");
  gtk_single_selection_set_selected(patina_predict_page_get_selection(page), 0);
  settle();
  g_assert_true(gtk_widget_get_visible(GTK_WIDGET(view_of(f))));
}

static gboolean scan_ended(gpointer view) { return !patina_scan_view_is_running(view); }

/* Runs predict.scan and waits until it ends, shown or refused. */
static void scan(Fixture *f)
{
  page_action(f, "predict.scan", NULL);
  g_assert_true(patina_scan_view_is_running(view_of(f)));
  wait_for(scan_ended, view_of(f), "the scan to end");
}

static char *demo_image(Fixture *f, const char *cls, int i)
{
  g_autofree char *name = g_strdup_printf("%s_%03d.png", cls, i);
  return g_build_filename(f->demo, cls, name, NULL);
}

/* A 600×400 surface: a 316L demo micrograph tiled over the left half, an AZ31B one over the
 * right half. */
static char *make_surface(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *left = demo_image(f, "316L", 0), *right = demo_image(f, "AZ31B", 0);
  g_autoptr(GdkPixbuf) a = gdk_pixbuf_new_from_file(left, &error);
  g_assert_no_error(error);
  g_autoptr(GdkPixbuf) b = gdk_pixbuf_new_from_file(right, &error);
  g_assert_no_error(error);
  g_autoptr(GdkPixbuf) out = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, 600, 400);
  for (int half = 0; half < 2; half++)
    for (int y = 0; y < 400; y += PATINA_DEMO_SIZE)
      for (int x = half * 300; x < (half + 1) * 300; x += PATINA_DEMO_SIZE) {
        int w = MIN(PATINA_DEMO_SIZE, (half + 1) * 300 - x), h = MIN(PATINA_DEMO_SIZE, 400 - y);
        gdk_pixbuf_copy_area(half ? b : a, 0, 0, w, h, out, x, y);
      }
  char *path = g_build_filename(f->tmp, "surface.png", NULL);
  g_assert_true(gdk_pixbuf_save(out, path, "png", &error, NULL));
  g_assert_no_error(error);
  return path;
}

/* The core's scan of path with the model at model_path. */
static void core_scan(const char *model_path, const char *path, int tile, int stride,
                      PatinaScan *s)
{
  g_autoptr(GError) error = NULL;
  PatinaCheckpointMeta meta = {0};
  PatinaModel *model = patina_checkpoint_load(model_path, &meta, &error);
  g_assert_no_error(error);
  g_autoptr(PatinaGray) gray = patina_gray_load(path, &error);
  g_assert_no_error(error);
  PatinaScanOptions options = {.tile = tile, .stride = stride};
  g_assert_true(patina_scan(model, gray, "surface.png", &options, NULL, NULL, NULL, s, &error));
  g_assert_no_error(error);
  patina_checkpoint_meta_clear(&meta);
  patina_model_free(model);
}

/* What the page shows equals the core's scan: tiles, their probabilities, the bars. */
static void assert_view_matches(Fixture *f, const PatinaScan *want)
{
  const PatinaScan *got = patina_scan_view_get_scan(view_of(f));
  g_assert_nonnull(got);
  g_assert_cmpint(got->n_tiles, ==, want->n_tiles);
  g_assert_cmpint(got->tile, ==, want->tile);
  g_assert_cmpint(got->stride, ==, want->stride);
  for (int t = 0; t < want->n_tiles; t++) {
    g_assert_cmpint(got->tile_x[t], ==, want->tile_x[t]);
    g_assert_cmpint(got->tile_y[t], ==, want->tile_y[t]);
    for (int k = 0; k < want->classes; k++)
      g_assert_cmpfloat_with_epsilon(got->tile_probs[t * 2 + k], want->tile_probs[t * 2 + k],
                                     1e-6);
  }
  for (int k = 0; k < want->classes; k++) {
    g_test_message("%s: %.4f of the area", demo_classes[k], want->area_fraction[k]);
    g_assert_cmpfloat_with_epsilon(patina_scan_view_get_shown_fraction(view_of(f), k),
                                   want->area_fraction[k], 1e-9);
  }
}

/* Pixel (x, y) of the map on screen as 0xRRGGBB. */
static guint32 map_pixel(Fixture *f, int x, int y)
{
  GdkTexture *tex = GDK_TEXTURE(patina_scan_view_get_map(view_of(f)));
  int w = gdk_texture_get_width(tex), h = gdk_texture_get_height(tex);
  g_autofree guint8 *data = g_malloc((gsize) w * h * 4);
  gdk_texture_download(tex, data, (gsize) w * 4);
  const guint8 *p = data + ((gsize) y * w + x) * 4; /* B, G, R, A (cairo's ARGB32) */
  return (guint32) p[2] << 16 | (guint32) p[1] << 8 | p[0];
}

static gboolean toast_after(gpointer data) { return new_toast(data); }

static void export_and_wait(Fixture *f, const char *action, const char *path)
{
  ToastWait tw = {f->window, patina_window_get_n_toasts(f->window)};
  page_action(f, action, g_variant_new_string(path));
  wait_for(toast_after, &tw, "the export's toast");
  g_test_message("%s", patina_window_get_last_toast(f->window));
}

static void test_matches_core(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  g_autofree char *surface = make_surface(f);
  g_autofree char *model = make_model(f, "demo.safetensors", MODEL_SIZE, 3);
  open_model(f, model);
  show_image(f, surface);
  /* a new model sets the CLI's defaults: its input as the tile, half of it as the stride; the
   * stride follows the tile until it is set */
  scan(f);
  g_assert_cmpint(patina_scan_view_get_scan(view_of(f))->tile, ==, MODEL_SIZE);
  g_assert_cmpint(patina_scan_view_get_scan(view_of(f))->stride, ==, MODEL_SIZE / 2);
  page_action(f, "predict.scan-tile", g_variant_new_int32(92));
  scan(f);
  g_assert_cmpint(patina_scan_view_get_scan(view_of(f))->stride, ==, 46);
  page_action(f, "predict.scan-stride", g_variant_new_int32(40));
  scan(f);
  g_assert_cmpstr(patina_scan_view_get_message(view_of(f)), ==, "");
  PatinaScan want = {0};
  core_scan(model, surface, 92, 40, &want);
  assert_view_matches(f, &want);

  /* the map on screen at full opacity: a class's probability through the default colormap,
   * then the most probable class in its swatch colour */
  g_autofree float *az = patina_scan_class_map(&want, 1, 600, 400);
  g_autoptr(GSettings) settings = patina_settings_new();
  g_autofree char *cmap_name = g_settings_get_string(settings, "colormap");
  const PatinaColormap *cmap = patina_colormap_lookup(cmap_name, NULL);
  page_action(f, "predict.scan-opacity", g_variant_new_double(1.0));
  page_action(f, "predict.scan-overlay", g_variant_new_int32(1));
  settle();
  const int xs[] = {10, 300, 590}, ys[] = {5, 200, 395};
  for (int i = 0; i < 3; i++) {
    guint8 rgb[3];
    patina_colormap_map(cmap, az[ys[i] * 600 + xs[i]], FALSE, rgb);
    g_assert_cmphex(map_pixel(f, xs[i], ys[i]), ==,
                    (guint32) rgb[0] << 16 | (guint32) rgb[1] << 8 | rgb[2]);
  }
  /* a new default colormap in Preferences is followed */
  const char *next = g_str_equal(cmap_name, "viridis") ? "bone" : "viridis";
  g_settings_set_string(settings, "colormap", next);
  settle();
  guint8 rgb[3];
  patina_colormap_map(patina_colormap_lookup(next, NULL), az[200 * 600 + 300], FALSE, rgb);
  g_assert_cmphex(map_pixel(f, 300, 200), ==,
                  (guint32) rgb[0] << 16 | (guint32) rgb[1] << 8 | rgb[2]);
  page_action(f, "predict.scan-overlay", g_variant_new_int32(-1));
  settle();
  for (int i = 0; i < 3; i++) {
    gboolean az_wins = az[ys[i] * 600 + xs[i]] > 1.0f - az[ys[i] * 600 + xs[i]];
    /* Okabe–Ito orange for the first class, sky blue for the second */
    g_assert_cmphex(map_pixel(f, xs[i], ys[i]), ==, az_wins ? 0x56B4E9 : 0xE69F00);
  }

  /* exports: a PNG 7 in wide at the chosen resolution, a one-page PDF, an SVG that parses, the
   * tiles' CSV */
  g_autofree char *png = g_build_filename(f->tmp, "scan.png", NULL);
  page_action(f, "predict.scan-dpi", g_variant_new_double(150));
  export_and_wait(f, "predict.scan-export-path", png);
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "Saved"));
  cairo_surface_t *s = cairo_image_surface_create_from_png(png);
  g_assert_cmpint(cairo_surface_status(s), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint(cairo_image_surface_get_width(s), ==, 7 * 150);
  cairo_surface_destroy(s);
  g_autofree char *pdf = g_build_filename(f->tmp, "scan.pdf", NULL);
  export_and_wait(f, "predict.scan-export-path", pdf);
  g_assert_cmpint(test_pdf_pages(pdf), ==, 1);
  g_autofree char *svg = g_build_filename(f->tmp, "scan.svg", NULL);
  page_action(f, "predict.scan-overlay", g_variant_new_int32(0)); /* one class's panel */
  export_and_wait(f, "predict.scan-export-path", svg);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(svg, &text, NULL, NULL));
  GMarkupParser parser = {0};
  g_autoptr(GMarkupParseContext) ctx = g_markup_parse_context_new(&parser, 0, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(g_markup_parse_context_parse(ctx, text, -1, &error) &&
                g_markup_parse_context_end_parse(ctx, &error));
  g_assert_no_error(error);
  g_assert_nonnull(strstr(text, "<svg"));
  g_autofree char *csv_path = g_build_filename(f->tmp, "tiles.csv", NULL);
  export_and_wait(f, "predict.scan-export-csv-path", csv_path);
  g_autofree char *csv = NULL;
  g_assert_true(g_file_get_contents(csv_path, &csv, NULL, NULL));
  g_autofree char *expected = patina_scan_to_csv(patina_scan_view_get_scan(view_of(f)),
                                                 (char **) demo_classes);
  g_assert_cmpstr(csv, ==, expected);
  g_assert_true(g_str_has_prefix(csv, "x,y,size,p_316L,p_AZ31B\n"));
  g_auto(GStrv) rows = g_strsplit(g_strchomp(csv), "\n", -1);
  g_assert_cmpint(g_strv_length(rows), ==, want.n_tiles + 1);

  /* unwritable paths and a format the figure cannot have: a toast says so */
  const char *bad[][2] = {{"predict.scan-export-path", "/proc/scan.png"},
                          {"predict.scan-export-path", "scan.bmp"},
                          {"predict.scan-export-csv-path", "/proc/tiles.csv"}};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *path = g_path_is_absolute(bad[i][1])
                              ? g_strdup(bad[i][1])
                              : g_build_filename(f->tmp, bad[i][1], NULL);
    export_and_wait(f, bad[i][0], path);
    g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "Cannot save"));
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
  }
  patina_scan_clear(&want);
}

static void write_gray_png(const char *src, const char *dest, int w, int h)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) in = gdk_pixbuf_new_from_file(src, &error);
  g_assert_no_error(error);
  g_autoptr(GdkPixbuf) out = gdk_pixbuf_scale_simple(in, w, h, GDK_INTERP_BILINEAR);
  g_assert_true(gdk_pixbuf_save(out, dest, "png", &error, NULL));
  g_assert_no_error(error);
}

/* Runs predict.scan on an image the view refuses and returns the inline message. */
static const char *refused(Fixture *f)
{
  page_action(f, "predict.scan", NULL);
  wait_for(scan_ended, view_of(f), "the scan to end");
  g_assert_null(patina_scan_view_get_scan(view_of(f)));
  const char *message = patina_scan_view_get_message(view_of(f));
  g_test_message("%s", message);
  return message;
}

static void test_bad_input(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  g_autofree char *img = demo_image(f, "316L", 1);
  /* no image selected: a toast says what to do */
  ToastWait none = {f->window, patina_window_get_n_toasts(f->window)};
  page_action(f, "predict.scan", NULL);
  wait_for(toast_after, &none, "a toast about the missing image");
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "Select an image"));
  g_assert_false(patina_scan_view_is_running(view_of(f)));
  /* no model yet: the view says what to do, and there is nothing to export */
  show_image(f, img);
  g_assert_nonnull(strstr(refused(f), "Open a model"));
  ToastWait tw = {f->window, patina_window_get_n_toasts(f->window)};
  page_action(f, "predict.scan-export", NULL);
  wait_for(toast_after, &tw, "a toast about the missing scan");
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "no scan to export"));

  g_autofree char *model = make_model(f, "demo.safetensors", MODEL_SIZE, 4);
  open_model(f, model);
  /* not an image: the message names the file */
  g_autofree char *text = g_build_filename(f->tmp, "notes.png", NULL);
  g_assert_true(g_file_set_contents(text, "stage 3: 24 h salt spray", -1, NULL));
  show_image(f, text);
  g_assert_nonnull(strstr(refused(f), "notes.png"));
  /* a PNG declaring 100000×100000 pixels: the core refuses it before decoding */
  g_autofree char *huge = g_build_filename(f->tmp, "huge.png", NULL);
  static const guint8 huge_png[] = {
    0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 'I', 'H', 'D', 'R',
    0x00, 0x01, 0x86, 0xa0, 0x00, 0x01, 0x86, 0xa0, 8, 0, 0, 0, 0, 0x8d, 0x39, 0x54, 0x14,
    0, 0, 0, 0, 'I', 'D', 'A', 'T', 0x35, 0xaf, 0x06, 0x1e,
    0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
  g_assert_true(g_file_set_contents(huge, (const char *) huge_png, sizeof huge_png, NULL));
  show_image(f, huge);
  const char *m = refused(f);
  g_assert_nonnull(strstr(m, "huge.png"));
  g_assert_nonnull(strstr(m, "100000×100000"));
  /* smaller than a tile: said, with the model's input; the map of the scan before goes */
  show_image(f, img);
  scan(f);
  g_assert_nonnull(patina_scan_view_get_scan(view_of(f)));
  page_action(f, "predict.scan-tile", g_variant_new_int32(300));
  m = refused(f);
  g_assert_nonnull(strstr(m, "256×256 px, smaller than one 300×300 px tile"));
  g_assert_nonnull(strstr(m, "46×46"));
  /* a stride of 1 over 1100×1000 px would take over a million tiles: the core refuses */
  g_autofree char *wide = g_build_filename(f->tmp, "wide.png", NULL);
  write_gray_png(img, wide, 1100, 1000);
  show_image(f, wide);
  page_action(f, "predict.scan-tile", g_variant_new_int32(8));
  page_action(f, "predict.scan-stride", g_variant_new_int32(1));
  m = refused(f);
  g_assert_nonnull(strstr(m, "wide.png"));
  g_assert_nonnull(strstr(m, "use a larger stride"));
  /* exactly one tile (the model's input): scanned as one, and said so */
  g_autofree char *one = g_build_filename(f->tmp, "one.png", NULL);
  write_gray_png(img, one, MODEL_SIZE, MODEL_SIZE);
  show_image(f, one);
  page_action(f, "predict.scan-tile", g_variant_new_int32(MODEL_SIZE));
  page_action(f, "predict.scan-stride", g_variant_new_int32(MODEL_SIZE / 2));
  scan(f);
  const PatinaScan *s = patina_scan_view_get_scan(view_of(f));
  g_assert_nonnull(s);
  g_assert_cmpint(s->n_tiles, ==, 1);
  g_assert_nonnull(strstr(patina_scan_view_get_message(view_of(f)), "single tile"));
  PatinaScan want = {0};
  core_scan(model, one, MODEL_SIZE, 0, &want);
  assert_view_matches(f, &want);
  patina_scan_clear(&want);
}

static gboolean has_scan(gpointer view)
{
  return !patina_scan_view_is_running(view) && patina_scan_view_get_scan(view) != NULL;
}

static gboolean progress_counts_tiles(gpointer view)
{
  const char *text = patina_scan_view_get_progress(view);
  return !patina_scan_view_is_running(view) || (text && g_str_has_prefix(text, "Scanned"));
}

static void test_latest_wins(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  g_autofree char *surface = make_surface(f);
  g_autofree char *model = make_model(f, "a.safetensors", MODEL_SIZE, 5);
  g_autofree char *other = make_model(f, "b.safetensors", MODEL_SIZE, 6);
  open_model(f, model);
  show_image(f, surface);
  PatinaScanView *view = view_of(f);
  /* a fine scan (about 12,600 tiles), then a coarser one asked for at once: the second shows */
  page_action(f, "predict.scan-stride", g_variant_new_int32(4));
  page_action(f, "predict.scan", NULL);
  page_action(f, "predict.scan-stride", g_variant_new_int32(23));
  page_action(f, "predict.scan", NULL);
  wait_for(has_scan, view, "the second scan");
  g_assert_cmpint(patina_scan_view_get_scan(view)->stride, ==, 23);
  /* another model drops the shown scan and stops a running one; meanwhile its progress shows */
  page_action(f, "predict.scan-stride", g_variant_new_int32(4));
  page_action(f, "predict.scan", NULL);
  g_assert_true(patina_scan_view_is_running(view));
  wait_for(progress_counts_tiles, view, "the scan's progress");
  g_assert_true(patina_scan_view_is_running(view)); /* 12,600 tiles take seconds */
  g_test_message("%s", patina_scan_view_get_progress(view));
  g_assert_nonnull(strstr(patina_scan_view_get_progress(view), "of 12600 tiles"));
  open_model(f, other);
  g_assert_false(patina_scan_view_is_running(view));
  g_assert_null(patina_scan_view_get_scan(view));
  /* ... and so does another image, or clearing the list */
  page_action(f, "predict.scan", NULL);
  g_assert_true(patina_scan_view_is_running(view));
  page_action(f, "predict.scan-cancel", NULL);
  g_assert_false(patina_scan_view_is_running(view));
  page_action(f, "predict.scan", NULL);
  page_action(f, "predict.clear", NULL);
  settle();
  g_assert_false(patina_scan_view_is_running(view));
  g_assert_false(gtk_widget_get_visible(GTK_WIDGET(view)));
  /* nothing cancelled shows up later */
  show_image(f, surface);
  page_action(f, "predict.scan-stride", g_variant_new_int32(23));
  scan(f);
  g_assert_cmpint(patina_scan_view_get_scan(view)->stride, ==, 23);
}

/* A model trained quickly on the demo data scans a surface half 316L, half AZ31B; the page
 * equals the core, and the screenshot shows it. */
static void test_trained(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  g_autoptr(GError) error = NULL;
  f->demo = g_build_filename(f->tmp, "demo", NULL);
  g_assert_true(patina_demo_generate(f->demo, 24, 0, &error));
  g_assert_no_error(error);
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  activate(f, "win.open-dataset-path", g_variant_new_string(f->demo));
  wait_for(dataset_open, ws, "the demo data set to open");
  set_train_settings(8);
  g_autoptr(GSettings) settings = patina_settings_new();
  g_settings_set_double(settings, "train-lr", 0.002);
  activate(f, "win.train-start", NULL);
  wait_for(job_finished, ws, "the training run");
  wait_for(run_model_current, f, "the run's model to become the current one");
  g_autofree char *surface = make_surface(f);
  show_image(f, surface);
  /* tiles the size of the training images, so each looks like what the model learnt from */
  page_action(f, "predict.scan-tile", g_variant_new_int32(PATINA_DEMO_SIZE));
  page_action(f, "predict.scan-stride", g_variant_new_int32(32));
  /* the main loop's longest stall while it scans: reported, never asserted */
  Probe probe = {0};
  guint probe_id = g_timeout_add(5, probe_tick, &probe);
  gint64 start = g_get_monotonic_time();
  scan(f);
  g_test_message("scanned 600×400 px in %.2f s; longest main-loop stall %.1f ms",
                 (g_get_monotonic_time() - start) / 1e6, probe.longest / 1000.0);
  g_source_remove(probe_id);
  PatinaScan want = {0};
  core_scan(patina_workspace_get_model_path(ws), surface, PATINA_DEMO_SIZE, 32, &want);
  assert_view_matches(f, &want);
  patina_scan_clear(&want);

  /* the screenshot shows the scan: the detail pane scrolled to it */
  PatinaScanView *view = view_of(f);
  GtkWidget *scrolled = gtk_widget_get_ancestor(GTK_WIDGET(view), GTK_TYPE_SCROLLED_WINDOW);
  GtkWidget *content = gtk_scrolled_window_get_child(GTK_SCROLLED_WINDOW(scrolled));
  activate(f, "win.show-page", g_variant_new_string("predict"));
  settle();
  graphene_point_t at;
  g_assert_true(gtk_widget_compute_point(GTK_WIDGET(view), content, &GRAPHENE_POINT_INIT(0, 0),
                                         &at));
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment(GTK_SCROLLED_WINDOW(scrolled));
  gtk_adjustment_set_value(adj, at.y);
  save_screenshot(f, "predict", "predict-scan.png");

  /* the map is redrawn on the main loop when its look changes: how long that takes is
   * reported, never asserted */
  gint64 before = g_get_monotonic_time();
  for (int i = 0; i < 10; i++) {
    page_action(f, "predict.scan-overlay", g_variant_new_int32(i % 2));
    page_action(f, "predict.scan-opacity", g_variant_new_double(0.3 + 0.05 * i));
  }
  g_test_message("20 redraws of the 600×400 map: %.1f ms each",
                 (g_get_monotonic_time() - before) / 20e3);

  /* the map in a window of its own follows the pane's map, and goes with it */
  g_assert_null(patina_scan_view_get_enlarged(view));
  page_action(f, "predict.scan-enlarge", NULL);
  PatinaImageView *enlarged = patina_scan_view_get_enlarged(view);
  g_assert_nonnull(enlarged);
  GtkWidget *map_window = GTK_WIDGET(gtk_widget_get_root(GTK_WIDGET(enlarged)));
  g_assert_true(map_window != GTK_WIDGET(f->window));
  wait_for(window_mapped, map_window, "the map's window to be mapped");
  g_assert_true(GDK_PAINTABLE(patina_image_view_get_texture(enlarged)) ==
                patina_scan_view_get_map(view));
  page_action(f, "predict.scan-overlay", g_variant_new_int32(-1));
  g_assert_true(GDK_PAINTABLE(patina_image_view_get_texture(enlarged)) ==
                patina_scan_view_get_map(view));
  page_action(f, "predict.scan-enlarge", NULL); /* again: the same window */
  g_assert_true(patina_scan_view_get_enlarged(view) == enlarged);
  /* a larger micrograph is shown at 768 px on its long side: the most the main loop draws */
  g_autofree char *large = g_build_filename(f->tmp, "large.png", NULL);
  write_gray_png(surface, large, 2000, 1500);
  show_image(f, large);
  g_assert_null(patina_scan_view_get_enlarged(view)); /* another image: its window closed */
  page_action(f, "predict.scan-stride", g_variant_new_int32(128));
  scan(f);
  before = g_get_monotonic_time();
  for (int i = 0; i < 10; i++) {
    page_action(f, "predict.scan-overlay", g_variant_new_int32(i % 2));
    page_action(f, "predict.scan-opacity", g_variant_new_double(0.3 + 0.05 * i));
  }
  g_test_message("20 redraws of the 768×576 map of a 2000×1500 px image: %.1f ms each",
                 (g_get_monotonic_time() - before) / 20e3);
}

int main(int argc, char **argv)
{
  app_test_init(&argc, &argv);
  g_test_add("/scan/matches-core", Fixture, NULL, fixture_set_up, test_matches_core,
             fixture_tear_down);
  g_test_add("/scan/bad-input", Fixture, NULL, fixture_set_up, test_bad_input,
             fixture_tear_down);
  g_test_add("/scan/latest-wins", Fixture, NULL, fixture_set_up, test_latest_wins,
             fixture_tear_down);
  g_test_add("/scan/trained", Fixture, NULL, fixture_set_up, test_trained, fixture_tear_down);
  return app_test_run();
}
