/* The Layers page driven through its actions under Xvfb: a paper CNN made with the core in the
 * test (46 px, seeded, the demo classes) and the demo data set. What the page shows is checked
 * against the core's own computation of the same image: patina_activations_compute and
 * patina_cam_compute on a model loaded from the same checkpoint. */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "../testutil.h"
#include "app-test.h"

#include "nn/model.h"
#include "patina-layers-page.h"
#include "rng.h"
#include "train/checkpoint.h"
#include "viz/activations.h"
#include "viz/gradcam-figure.h"
#include "viz/gradcam.h"

#define MODEL_SIZE 46

static const char *const demo_classes[] = {"316L", "AZ31B", NULL};

static char *save_model(Fixture *f, const char *file, const char *spec, guint64 seed)
{
  g_autoptr(GError) error = NULL;
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

static char *make_paper_model(Fixture *f)
{
  g_autofree char *spec = patina_spec_paper(2, MODEL_SIZE, 3);
  return save_model(f, "paper.safetensors", spec, 7);
}

static PatinaLayersPage *page_of(Fixture *f)
{
  return PATINA_LAYERS_PAGE(patina_window_get_page(f->window, "layers"));
}

static gboolean page_shows(gpointer page)
{
  return !patina_layers_page_is_busy(page) && patina_layers_page_get_result(page) != NULL;
}

static void open_model(Fixture *f, const char *path)
{
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  activate(f, "win.open-model-path", g_variant_new_string(path));
  wait_for(model_idle, ws, "the model to load");
  g_assert_cmpstr(patina_workspace_get_model_path(ws), ==, path);
}

static void wait_page(Fixture *f)
{
  settle();
  wait_for(page_shows, page_of(f), "the Layers page's computation");
  settle();
}

/* What the core makes of the image the page shows first. */
typedef struct {
  PatinaModel *model;
  PatinaCheckpointMeta meta;
  PatinaGray *gray;
  float *input;
  PatinaActivations *acts;
} Core;

static void core_compute(Core *c, const char *model_path, const char *image)
{
  g_autoptr(GError) error = NULL;
  memset(c, 0, sizeof *c);
  c->model = patina_checkpoint_load(model_path, &c->meta, &error);
  g_assert_no_error(error);
  c->gray = patina_gray_load(image, &error);
  g_assert_no_error(error);
  c->input = patina_cam_input(c->model, c->gray);
  c->acts = patina_activations_compute(c->model, c->input, &error);
  g_assert_no_error(error);
}

static void core_clear(Core *c)
{
  patina_activations_free(c->acts);
  g_free(c->input);
  patina_gray_free(c->gray);
  patina_checkpoint_meta_clear(&c->meta);
  patina_model_free(c->model);
}

static const char *shown_path(Fixture *f)
{
  return patina_layers_page_get_result(page_of(f))->images[0].path;
}

static void test_no_model(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  activate(f, "win.show-page", g_variant_new_string("layers"));
  settle();
  g_assert_cmpstr(patina_layers_page_get_state(page_of(f)), ==, "no-model");
  open_demo(f);
  settle();
  g_assert_cmpstr(patina_layers_page_get_state(page_of(f)), ==, "no-model");
  g_assert_null(patina_layers_page_get_result(page_of(f)));
}

static int layer_index(Core *c, const char *name)
{
  int i = patina_layer_find(c->model, name, NULL);
  g_assert_cmpint(i, >=, 0);
  return i;
}

/* The enlarged channel's range and first pixel are the core's numbers through the colormap. */
static guint32 assert_enlarged_matches(Fixture *f, Core *c, int layer, int ch,
                                       const char *cmap_name)
{
  PatinaChannelGrid *big = patina_layers_page_get_enlarged(page_of(f), 0);
  const PatinaLayerInfo *info = &c->acts->layers[layer];
  int hw = info->h * info->w;
  g_autofree PatinaChannelStats *st = g_new(PatinaChannelStats, info->c);
  patina_channel_stats(c->acts->outputs[layer], info->c, hw, st);
  float lo, hi;
  g_assert_true(patina_channel_grid_get_range(big, ch, &lo, &hi));
  g_assert_cmpfloat_with_epsilon(lo, st[ch].min, 1e-6);
  g_assert_cmpfloat_with_epsilon(hi, st[ch].max, 1e-6);
  g_assert_cmpint(patina_channel_grid_get_n_tiles(big), ==, 1);
  /* the brightest position: after a ReLU the darkest is 0, black in most maps */
  const float *plane = c->acts->outputs[layer] + (gsize) ch * hw;
  int at = 0;
  for (int i = 1; i < hw; i++)
    if (plane[i] > plane[at])
      at = i;
  const PatinaColormap *cmap = patina_colormap_lookup(cmap_name, NULL);
  guint32 want = patina_colormap_pixel(cmap, hi > lo ? (plane[at] - lo) / (hi - lo) : 0, FALSE);
  g_assert_cmphex(patina_channel_grid_get_pixel(big, 0, at % info->w, at / info->w), ==, want);
  g_autofree char *max_text = g_strdup_printf("max %.4g", st[ch].max);
  g_assert_nonnull(strstr(patina_layers_page_get_stats_text(page_of(f)), max_text));
  return want;
}

/* What a key press reaches: the widget's key controller. */
static void press_key(GtkWidget *widget, guint keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers(widget);
  for (guint i = 0; i < g_list_model_get_n_items(controllers); i++) {
    g_autoptr(GObject) c = g_list_model_get_item(controllers, i);
    if (GTK_IS_EVENT_CONTROLLER_KEY(c)) {
      gboolean handled = FALSE;
      g_signal_emit_by_name(c, "key-pressed", keyval, 0, 0, &handled);
      g_assert_true(handled);
      return;
    }
  }
  g_assert_not_reached();
}

static void test_maps(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  g_autofree char *model = make_paper_model(f);
  open_model(f, model);
  activate(f, "win.show-page", g_variant_new_string("layers"));
  wait_page(f);
  PatinaLayersPage *page = page_of(f);
  g_assert_cmpstr(patina_layers_page_get_state(page), ==, "main");

  Core c;
  core_compute(&c, model, shown_path(f));
  /* one row per layer, named and shaped as the core says, then the filters */
  g_autofree PatinaLayerInfo *infos = patina_layer_infos(c.model);
  GListModel *rows = patina_layers_page_get_layer_list(page);
  g_assert_cmpuint(g_list_model_get_n_items(rows), ==, c.model->n_layers + 1);
  for (int i = 0; i < c.model->n_layers; i++) {
    const PatinaLayerInfo *l = &infos[i];
    g_autofree char *want = l->h == 1 && l->w == 1
                              ? g_strdup_printf("%s · %d", l->name, l->c)
                              : g_strdup_printf("%s · %d×%d×%d", l->name, l->c, l->h, l->w);
    g_assert_cmpstr(gtk_string_list_get_string(GTK_STRING_LIST(rows), i), ==, want);
  }

  /* conv1 by default: a tile per channel */
  int conv1 = layer_index(&c, "conv1");
  g_assert_cmpint(patina_layers_page_get_layer(page), ==, conv1);
  g_assert_cmpint(patina_channel_grid_get_n_tiles(patina_layers_page_get_grid(page, 0)), ==,
                  infos[conv1].c);

  /* another layer, a channel enlarged: the core's values */
  int relu2 = layer_index(&c, "relu2");
  int hw = infos[relu2].h * infos[relu2].w;
  g_autofree PatinaChannelStats *st = g_new(PatinaChannelStats, infos[relu2].c);
  patina_channel_stats(c.acts->outputs[relu2], infos[relu2].c, hw, st);
  g_autofree int *order = patina_channel_sort(st, infos[relu2].c, PATINA_CHANNEL_ORDER_MAX);
  int ch = order[0]; /* a live channel: a dead one is one colour in every map */
  g_assert_cmpfloat(st[ch].max, >, st[ch].min);
  page_activate(GTK_WIDGET(page_of(f)), "layers.layer", "s", "relu2");
  page_activate(GTK_WIDGET(page_of(f)), "layers.colormap", "s", "bronze");
  page_activate(GTK_WIDGET(page_of(f)), "layers.select-channel", "i", ch);
  settle();
  g_assert_cmpint(patina_channel_grid_get_n_tiles(patina_layers_page_get_grid(page, 0)), ==,
                  infos[relu2].c);
  guint32 bronze = assert_enlarged_matches(f, &c, relu2, ch, "bronze");

  /* another colormap re-renders with it */
  page_activate(GTK_WIDGET(page_of(f)), "layers.colormap", "s", "red lava");
  settle();
  g_assert_cmphex(assert_enlarged_matches(f, &c, relu2, ch, "red_lava"), !=, bronze);

  /* shared normalisation: every map on the layer's range */
  page_activate(GTK_WIDGET(page_of(f)), "layers.normalise", "s", "layer");
  settle();
  float lo, hi, want_lo, want_hi;
  patina_channel_range(c.acts->outputs[relu2], infos[relu2].c, hw, 0, PATINA_NORMALISE_LAYER,
                       &want_lo, &want_hi);
  g_assert_true(patina_channel_grid_get_range(patina_layers_page_get_grid(page, 0), 7, &lo, &hi));
  g_assert_cmpfloat_with_epsilon(lo, want_lo, 1e-6);
  g_assert_cmpfloat_with_epsilon(hi, want_hi, 1e-6);

  /* sorted by maximum: the first tile is the channel with the largest */
  page_activate(GTK_WIDGET(page_of(f)), "layers.sort", "s", "max");
  settle();
  g_assert_cmpint(patina_channel_grid_channel_at(patina_layers_page_get_grid(page, 0), 2, 2), ==,
                  order[0]);
  /* the Right arrow enlarges the next tile in that order */
  press_key(GTK_WIDGET(patina_layers_page_get_grid(page, 0)), GDK_KEY_Right);
  settle();
  g_autofree char *next = g_strdup_printf("channel %d\n", order[1]);
  g_assert_nonnull(strstr(patina_layers_page_get_stats_text(page), next));

  /* a dense layer as bars, one per feature; the first conv's filters as tiles */
  int dense1 = layer_index(&c, "dense1");
  page_activate(GTK_WIDGET(page_of(f)), "layers.layer", "s", "dense1");
  settle();
  g_assert_cmpint(patina_channel_grid_get_n_tiles(patina_layers_page_get_grid(page, 0)), ==,
                  infos[dense1].c);
  page_activate(GTK_WIDGET(page_of(f)), "layers.layer", "s", "filters");
  settle();
  g_assert_cmpint(patina_layers_page_get_layer(page), ==, -1);
  g_assert_cmpint(patina_channel_grid_get_n_tiles(patina_layers_page_get_grid(page, 0)), ==,
                  infos[conv1].c);
  /* a layer that does not exist: a toast naming the valid ones, the view stays */
  ToastWait tw = {f->window, patina_window_get_n_toasts(f->window)};
  page_activate(GTK_WIDGET(page_of(f)), "layers.layer", "s", "conv99");
  wait_for(new_toast, &tw, "the unknown layer's toast");
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "conv1"));
  g_assert_cmpint(patina_layers_page_get_layer(page), ==, -1);
  core_clear(&c);
}

typedef struct {
  PatinaLayersPage *page;
  int klass;
} CamWait;

static gboolean cam_shown(gpointer data)
{
  CamWait *w = data;
  PatinaLayersResult *r = patina_layers_page_get_result(w->page);
  return page_shows(w->page) && r->images[0].have_cam && r->images[0].cam.klass == w->klass &&
         patina_layers_page_get_cam_paintable(w->page, 0) != NULL;
}

/* The Grad-CAM picture the page shows, as cairo ARGB32 pixels. */
static cairo_surface_t *shown_cam_pixels(PatinaLayersPage *page)
{
  GdkPaintable *paintable = patina_layers_page_get_cam_paintable(page, 0);
  g_assert_true(GDK_IS_TEXTURE(paintable));
  GdkTexture *texture = GDK_TEXTURE(paintable);
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
                                                  gdk_texture_get_width(texture),
                                                  gdk_texture_get_height(texture));
  gdk_texture_download(texture, cairo_image_surface_get_data(s), cairo_image_surface_get_stride(s));
  cairo_surface_mark_dirty(s);
  return s;
}

/* The core's Grad-CAM figure of what the page shows (its image, map and probabilities) with
 * colormap cmap at opacity, on white paper at the shown picture's size: what the page must show
 * if it passes its opacity on to the core's overlay. */
static cairo_surface_t *core_cam_pixels(PatinaLayersPage *page, const Core *c, const char *cmap,
                                        double opacity, int width, int height)
{
  const PatinaLayersImage *im = &patina_layers_page_get_result(page)->images[0];
  g_autofree char *base = g_path_get_basename(im->path);
  PatinaCamFigureOptions co;
  patina_cam_figure_options_init(&co);
  co.model_label = c->model->name;
  co.image_label = base;
  co.class_names = c->meta.class_names;
  co.probs = im->acts->probabilities;
  co.colormap = patina_colormap_lookup(cmap, NULL);
  co.opacity = opacity;
  /* recorded first, as the page and the export do, so text gets unhinted metrics */
  cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
  cairo_t *cr = cairo_create(rec);
  double drawn = patina_cam_figure_draw(cr, c->model, im->gray, &im->cam, &co);
  cairo_destroy(cr);
  double scale = width / 504.0; /* the figure's default width in points */
  g_assert_cmpint((int) ceil(drawn * scale), ==, height);
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create(s);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_scale(cr, scale, scale);
  cairo_set_source_surface(cr, rec, 0, 0);
  cairo_paint(cr);
  cairo_destroy(cr);
  cairo_surface_destroy(rec);
  cairo_surface_flush(s);
  return s;
}

static guint32 pixel_at(cairo_surface_t *s, int x, int y)
{
  const guint8 *row = cairo_image_surface_get_data(s) + (gsize) y * cairo_image_surface_get_stride(s);
  return ((const guint32 *) row)[x];
}

static gboolean is_gray(guint32 p)
{
  return ((p >> 16) & 0xff) == ((p >> 8) & 0xff) && ((p >> 8) & 0xff) == (p & 0xff);
}

/* The largest difference of any channel of any pixel between two surfaces of one size. */
static int max_difference(cairo_surface_t *a, cairo_surface_t *b)
{
  int w = cairo_image_surface_get_width(a), h = cairo_image_surface_get_height(a);
  g_assert_cmpint(cairo_image_surface_get_width(b), ==, w);
  g_assert_cmpint(cairo_image_surface_get_height(b), ==, h);
  int worst = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      guint32 p = pixel_at(a, x, y), q = pixel_at(b, x, y);
      for (int shift = 0; shift < 32; shift += 8)
        worst = MAX(worst, abs((int) ((p >> shift) & 0xff) - (int) ((q >> shift) & 0xff)));
    }
  return worst;
}

/* Sets the opacity and checks the shown picture against the core's figure at that opacity. */
static cairo_surface_t *shown_at_opacity(Fixture *f, const Core *c, double opacity)
{
  PatinaLayersPage *page = page_of(f);
  page_activate(GTK_WIDGET(page_of(f)), "layers.cam-opacity", "d", opacity);
  settle();
  cairo_surface_t *shown = shown_cam_pixels(page);
  cairo_surface_t *want = core_cam_pixels(page, c, "bronze", opacity,
                                          cairo_image_surface_get_width(shown),
                                          cairo_image_surface_get_height(shown));
  int diff = max_difference(shown, want);
  g_test_message("opacity %.2f: the shown figure differs from the core's by at most %d", opacity,
                 diff);
  g_assert_cmpint(diff, <=, 1);
  cairo_surface_destroy(want);
  return shown;
}

static void test_gradcam(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  g_autofree char *model = make_paper_model(f);
  open_model(f, model);
  activate(f, "win.show-page", g_variant_new_string("layers"));
  wait_page(f);
  PatinaLayersPage *page = page_of(f);
  Core c;
  core_compute(&c, model, shown_path(f));
  page_activate(GTK_WIDGET(page_of(f)), "layers.layer", "s", "relu3");
  page_activate(GTK_WIDGET(page_of(f)), "layers.cam", "b", TRUE);
  for (int k = 0; k < 2; k++) {
    page_activate(GTK_WIDGET(page_of(f)), "layers.cam-class", "i", k);
    CamWait w = {page, k};
    wait_for(cam_shown, &w, "the Grad-CAM of the class");
    const PatinaCam *shown = &patina_layers_page_get_result(page)->images[0].cam;
    /* relu3 belongs to conv3's block: the CAM of conv3, as the core computes it */
    g_assert_cmpstr(shown->layer.name, ==, "conv3");
    int layer = patina_cam_find_layer(c.model, "conv3", NULL);
    PatinaCam want = {0};
    g_autoptr(GError) error = NULL;
    g_assert_true(patina_cam_compute(c.model, c.input, layer, k, PATINA_CAM_GRADCAM, &want,
                                     &error));
    g_assert_cmpint(want.layer.height * want.layer.width, ==,
                    shown->layer.height * shown->layer.width);
    for (int i = 0; i < want.layer.height * want.layer.width; i++)
      g_assert_cmpfloat_with_epsilon(shown->map[i], want.map[i], 1e-5);
    g_assert_cmpfloat_with_epsilon(shown->probability, c.acts->probabilities[k], 1e-5);
    patina_cam_clear(&want);
  }
  page_activate(GTK_WIDGET(page_of(f)), "layers.cam-method", "s", "gradcam++");
  settle();
  wait_for(page_shows, page, "Grad-CAM++");
  g_assert_cmpint(patina_layers_page_get_result(page)->images[0].cam.method, ==,
                  PATINA_CAM_GRADCAM_PLUS_PLUS);
  /* The opacity reaches the overlay: the picture is the core's figure at each opacity; at 0
   * the map's panel is the plain gray micrograph, at 0.6 and 1 it is tinted, differently. */
  page_activate(GTK_WIDGET(page_of(f)), "layers.colormap", "s", "bronze");
  cairo_surface_t *clear = shown_at_opacity(f, &c, 0.0);
  cairo_surface_t *opaque = shown_at_opacity(f, &c, 1.0);
  cairo_surface_t *shown = shown_at_opacity(f, &c, 0.6);
  int w = cairo_image_surface_get_width(shown), h = cairo_image_surface_get_height(shown);
  guint tinted = 0, changed_by_full = 0, colour_at_zero = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      guint32 at0 = pixel_at(clear, x, y), at6 = pixel_at(shown, x, y);
      if (at0 != at6) {
        /* only the map panel and the caption's "opacity" number change, both gray at 0 */
        colour_at_zero += !is_gray(at0);
        tinted += !is_gray(at6);
      }
      changed_by_full += pixel_at(opaque, x, y) != at6;
    }
  g_test_message("%d×%d figure: %u pixels tinted at 0.6 and gray at 0, %u differ at 1", w, h,
                 tinted, changed_by_full);
  g_assert_cmpuint(colour_at_zero, ==, 0);
  /* the map panel is about 2/5 of the figure's width, and square (the demo's micrographs) */
  guint panel = (guint) (w / 5) * (guint) (w / 5);
  g_assert_cmpuint(tinted, >, panel);
  g_assert_cmpuint(changed_by_full, >, panel);
  cairo_surface_destroy(clear);
  cairo_surface_destroy(opaque);
  cairo_surface_destroy(shown);
  save_screenshot(f, "layers", "layers-gradcam.png");
  core_clear(&c);
}

static char *demo_image(Fixture *f, const char *cls, int i)
{
  g_autofree char *name = g_strdup_printf("%s_%03d.png", cls, i);
  return g_build_filename(f->demo, cls, name, NULL);
}

static gboolean two_shown(gpointer page)
{
  return page_shows(page) && patina_layers_page_get_result(page)->n_images == 2;
}

static gboolean result_for(gpointer data)
{
  gpointer *w = data;
  PatinaLayersResult *r = patina_layers_page_get_result(w[0]);
  return page_shows(w[0]) && g_strcmp0(r->images[0].path, w[1]) == 0;
}

static void test_compare_and_screenshot(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  g_autofree char *model = make_paper_model(f);
  open_model(f, model);
  /* room for two images' maps side by side, as an analyst would look at them */
  gtk_widget_set_size_request(GTK_WIDGET(f->window), 1400, 900);
  activate(f, "win.show-page", g_variant_new_string("layers"));
  wait_page(f);
  PatinaLayersPage *page = page_of(f);
  g_autofree char *steel = demo_image(f, "316L", 2), *magnesium = demo_image(f, "AZ31B", 2);
  page_activate(GTK_WIDGET(page_of(f)), "layers.open-image-path", "s", steel);
  page_activate(GTK_WIDGET(page_of(f)), "layers.compare-path", "s", magnesium);
  page_activate(GTK_WIDGET(page_of(f)), "layers.layer", "s", "relu1");
  page_activate(GTK_WIDGET(page_of(f)), "layers.colormap", "s", "bronze");
  page_activate(GTK_WIDGET(page_of(f)), "layers.sort", "s", "mean");
  wait_for(two_shown, page, "both images");
  PatinaLayersResult *r = patina_layers_page_get_result(page);
  g_assert_cmpstr(r->images[0].path, ==, steel);
  g_assert_cmpstr(r->images[1].path, ==, magnesium);
  int c = r->images[0].acts->layers[patina_layers_page_get_layer(page)].c;
  g_assert_cmpint(patina_channel_grid_get_n_tiles(patina_layers_page_get_grid(page, 0)), ==, c);
  g_assert_cmpint(patina_channel_grid_get_n_tiles(patina_layers_page_get_grid(page, 1)), ==, c);
  /* the most active map (first by mean) enlarged, as an analyst would pick it */
  int top = patina_channel_grid_channel_at(patina_layers_page_get_grid(page, 0), 2, 2);
  g_assert_cmpint(top, >=, 0);
  page_activate(GTK_WIDGET(page_of(f)), "layers.select-channel", "i", top);
  settle();
  save_screenshot(f, "layers", "layers.png");
  /* latest request wins: of images asked for in a burst, the last is shown, from a drop */
  for (int i = 0; i < 4; i++) {
    g_autofree char *other = demo_image(f, i % 2 ? "AZ31B" : "316L", i);
    page_activate(GTK_WIDGET(page_of(f)), "layers.open-image-path", "s", other);
  }
  g_autofree char *last = demo_image(f, "AZ31B", 5);
  g_autoptr(GFile) dropped = g_file_new_for_path(last);
  patina_layers_page_open_file(page, dropped);
  gpointer w[] = {page, last};
  wait_for(result_for, w, "the last image asked for");
  g_assert_false(patina_layers_page_is_busy(page));
  /* back to one image */
  page_activate(GTK_WIDGET(page_of(f)), "layers.compare-path", "s", "");
  settle();
  wait_for(page_shows, page, "one image again");
  g_assert_cmpint(patina_layers_page_get_result(page)->n_images, ==, 1);
}

static gboolean toast_after(gpointer data) { return new_toast(data); }

static void export_and_wait(Fixture *f, const char *path)
{
  ToastWait tw = {f->window, patina_window_get_n_toasts(f->window)};
  page_activate(GTK_WIDGET(page_of(f)), "layers.export-path", "s", path);
  wait_for(toast_after, &tw, "the export's toast");
}

static void test_export(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  g_autofree char *model = make_paper_model(f);
  open_model(f, model);
  activate(f, "win.show-page", g_variant_new_string("layers"));
  wait_page(f);

  /* PNG at the chosen resolution: 7 in wide */
  g_autofree char *png = g_build_filename(f->tmp, "conv1.png", NULL);
  page_activate(GTK_WIDGET(page_of(f)), "layers.dpi", "d", 150.0);
  export_and_wait(f, png);
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "Saved"));
  cairo_surface_t *s = cairo_image_surface_create_from_png(png);
  g_assert_cmpint(cairo_surface_status(s), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint(cairo_image_surface_get_width(s), ==, 7 * 150);
  cairo_surface_destroy(s);

  /* SVG parses as XML with an svg element */
  g_autofree char *svg = g_build_filename(f->tmp, "conv1.svg", NULL);
  export_and_wait(f, svg);
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(svg, &text, NULL, NULL));
  GMarkupParser parser = {0};
  g_autoptr(GMarkupParseContext) ctx = g_markup_parse_context_new(&parser, 0, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(g_markup_parse_context_parse(ctx, text, -1, &error) &&
                g_markup_parse_context_end_parse(ctx, &error));
  g_assert_no_error(error);
  g_assert_nonnull(strstr(text, "<svg"));

  /* PDF: one page; the paper's six colormaps too */
  g_autofree char *pdf = g_build_filename(f->tmp, "conv1.pdf", NULL);
  export_and_wait(f, pdf);
  g_assert_cmpint(test_pdf_pages(pdf), ==, 1);
  page_activate(GTK_WIDGET(page_of(f)), "layers.six-colormaps", "b", TRUE);
  g_autofree char *six = g_build_filename(f->tmp, "six.pdf", NULL);
  export_and_wait(f, six);
  g_assert_cmpint(test_pdf_pages(six), ==, 1);
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "Saved"));

  /* unwritable: a toast naming the path, nothing written */
  g_autofree char *bad = g_build_filename(f->tmp, "no-such-folder", "x.png", NULL);
  export_and_wait(f, bad);
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "Cannot save"));
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "x.png"));
  g_assert_false(g_file_test(bad, G_FILE_TEST_EXISTS));
  /* an extension the figure code does not write */
  g_autofree char *bmp = g_build_filename(f->tmp, "fig.bmp", NULL);
  export_and_wait(f, bmp);
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "Cannot save"));
}

static void test_bad_input(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  g_autofree char *model = make_paper_model(f);
  open_model(f, model);
  activate(f, "win.show-page", g_variant_new_string("layers"));
  settle();
  PatinaLayersPage *page = page_of(f);
  g_assert_cmpstr(patina_layers_page_get_state(page), ==, "no-image");

  /* not an image: a toast naming it */
  g_autofree char *fake = g_build_filename(f->tmp, "notes.png", NULL);
  g_assert_true(g_file_set_contents(fake, "stage 3: 24 h salt spray", -1, NULL));
  ToastWait tw = {f->window, patina_window_get_n_toasts(f->window)};
  page_activate(GTK_WIDGET(page_of(f)), "layers.open-image-path", "s", fake);
  wait_for(new_toast, &tw, "the undecodable image's toast");
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "notes.png"));

  /* another size: resized, and the caption says so */
  g_autofree char *odd = g_build_filename(f->tmp, "odd.png", NULL);
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 120, 90);
  cairo_t *cr = cairo_create(s);
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_paint(cr);
  cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
  cairo_arc(cr, 60, 45, 20, 0, 2 * G_PI);
  cairo_fill(cr);
  cairo_destroy(cr);
  g_assert_cmpint(cairo_surface_write_to_png(s, odd), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy(s);
  page_activate(GTK_WIDGET(page_of(f)), "layers.open-image-path", "s", odd);
  gpointer w[] = {page, odd};
  wait_for(result_for, w, "the odd-sized image");
  g_assert_null(patina_layers_page_get_result(page)->images[0].error);
  g_autofree char *note = g_strdup_printf("Resized to the model's %d×%d input: odd.png (120×90)",
                                          MODEL_SIZE, MODEL_SIZE);
  g_assert_nonnull(strstr(patina_layers_page_get_caption(page), note));

  /* a model without conv layers: said on the page; dense layers still shown; no Grad-CAM */
  const char *mlp = "{\"name\": \"mlp\", \"input\": [3, 16, 16], \"layers\": ["
                    "{\"type\": \"flatten\"}, {\"type\": \"dense\", \"out_features\": 8},"
                    "{\"type\": \"relu\"}, {\"type\": \"dense\", \"out_features\": 1}]}";
  g_autofree char *dense = save_model(f, "mlp.safetensors", mlp, 3);
  open_model(f, dense);
  wait_page(f);
  g_assert_nonnull(patina_layers_page_get_message(page));
  g_assert_cmpuint(g_list_model_get_n_items(patina_layers_page_get_layer_list(page)), ==, 4);
  g_assert_cmpint(patina_channel_grid_get_n_tiles(patina_layers_page_get_grid(page, 0)), ==, 3 * 16 * 16);
  tw.before = patina_window_get_n_toasts(f->window);
  page_activate(GTK_WIDGET(page_of(f)), "layers.cam", "b", TRUE);
  wait_for(new_toast, &tw, "the no-conv toast");
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "conv"));
}

/* The paper CNN at its own 150 px: switching layers and colormaps redraws up to 32 maps of
 * 148×148 on the main loop. The longest stall is reported, never asserted. */
static void test_stall_probe(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  g_autofree char *spec = patina_spec_paper(2, 150, 3);
  g_autofree char *model = save_model(f, "paper150.safetensors", spec, 11);
  open_model(f, model);
  activate(f, "win.show-page", g_variant_new_string("layers"));
  wait_page(f);
  static const char *const layers[] = {"conv1", "relu1", "pool1", "conv2", "relu3", "dense1"};
  static const char *const maps[] = {"bronze", "viridis", "bone", "aqua", "moonlight", "gray"};
  Probe probe = {0};
  guint id = g_timeout_add(5, probe_tick, &probe);
  for (guint i = 0; i < G_N_ELEMENTS(layers); i++) {
    page_activate(GTK_WIDGET(page_of(f)), "layers.layer", "s", layers[i]);
    page_activate(GTK_WIDGET(page_of(f)), "layers.colormap", "s", maps[i]);
    settle();
  }
  g_source_remove(id);
  g_test_message("150 px paper CNN: longest main-loop stall while switching layers and "
                 "colormaps %.1f ms", probe.longest / 1000.0);
  g_assert_cmpint(patina_channel_grid_get_n_tiles(patina_layers_page_get_grid(page_of(f), 0)),
                  ==, 512);
}

int main(int argc, char **argv)
{
  app_test_init(&argc, &argv);
  g_test_add("/layers/no-model", Fixture, NULL, fixture_set_up, test_no_model,
             fixture_tear_down);
  g_test_add("/layers/maps", Fixture, NULL, fixture_set_up, test_maps, fixture_tear_down);
  g_test_add("/layers/gradcam", Fixture, NULL, fixture_set_up, test_gradcam, fixture_tear_down);
  g_test_add("/layers/compare", Fixture, NULL, fixture_set_up, test_compare_and_screenshot,
             fixture_tear_down);
  g_test_add("/layers/export", Fixture, NULL, fixture_set_up, test_export, fixture_tear_down);
  g_test_add("/layers/bad-input", Fixture, NULL, fixture_set_up, test_bad_input,
             fixture_tear_down);
  g_test_add("/layers/stall-probe", Fixture, NULL, fixture_set_up, test_stall_probe,
             fixture_tear_down);
  return app_test_run();
}
