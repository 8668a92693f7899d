/* The Layers page's colour keys under Xvfb: the colormap row's swatches follow "Reversed", and
 * each image's colorbar shows the map (reversed when the maps are) with the range it stands
 * for, checked against the colormap's table and the core's own range of the same layer. */
#include <adwaita.h>
#include <math.h>
#include <string.h>

#include "app-test.h"

#include "nn/model.h"
#include "patina-colormap-combo.h"
#include "patina-layers-page.h"
#include "rng.h"
#include "train/checkpoint.h"
#include "viz/activations.h"
#include "viz/gradcam.h"

#define MODEL_SIZE 46

static const char *const demo_classes[] = {"316L", "AZ31B", NULL};

static char *make_paper_model(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *spec = patina_spec_paper(2, MODEL_SIZE, 3);
  PatinaModel *model = patina_model_new(spec, &error);
  g_assert_no_error(error);
  PatinaRng rng;
  patina_rng_init(&rng, 7);
  patina_model_init(model, &rng);
  PatinaCheckpointMeta meta = {.class_names = g_strdupv((char **) demo_classes)};
  char *path = g_build_filename(f->tmp, "paper.safetensors", NULL);
  g_assert_true(patina_checkpoint_save(model, &meta, path, &error));
  g_assert_no_error(error);
  patina_checkpoint_meta_clear(&meta);
  patina_model_free(model);
  return path;
}

static PatinaLayersPage *page_of(Fixture *f)
{
  return PATINA_LAYERS_PAGE(patina_window_get_page(f->window, "layers"));
}

static gboolean page_shows(gpointer page)
{
  return !patina_layers_page_is_busy(page) && patina_layers_page_get_result(page) != NULL;
}

/* The demo data set and a paper CNN open, the Layers page showing its first image. */
static char *open_page(Fixture *f)
{
  open_demo(f);
  char *model = make_paper_model(f);
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  activate(f, "win.open-model-path", g_variant_new_string(model));
  wait_for(model_idle, ws, "the model to load");
  activate(f, "win.show-page", g_variant_new_string("layers"));
  settle();
  wait_for(page_shows, page_of(f), "the Layers page's computation");
  settle();
  g_assert_cmpstr(patina_layers_page_get_state(page_of(f)), ==, "main");
  return model;
}

/* Entry i of the map's table as a cairo pixel, straight from the core's table. */
static guint32 table_entry(const char *name, int i)
{
  const guint8 *t = patina_colormap_get_table(patina_colormap_lookup(name, NULL));
  return 0xff000000u | (guint32) t[3 * i] << 16 | (guint32) t[3 * i + 1] << 8 | t[3 * i + 2];
}

static GtkPicture *find_picture(GtkWidget *widget)
{
  if (GTK_IS_PICTURE(widget) && gtk_picture_get_paintable(GTK_PICTURE(widget)))
    return GTK_PICTURE(widget);
  for (GtkWidget *c = gtk_widget_get_first_child(widget); c; c = gtk_widget_get_next_sibling(c)) {
    GtkPicture *p = find_picture(c);
    if (p)
      return p;
  }
  return NULL;
}

/* The first pixel of the swatch the row shows beside the selected map's name. */
static guint32 shown_swatch_first_pixel(AdwComboRow *row)
{
  GtkPicture *picture = find_picture(GTK_WIDGET(row));
  g_assert_nonnull(picture);
  GdkTexture *texture = GDK_TEXTURE(gtk_picture_get_paintable(picture));
  int w = gdk_texture_get_width(texture), h = gdk_texture_get_height(texture);
  g_autofree guint32 *pixels = g_new(guint32, (gsize) w * h);
  /* gdk_texture_download writes cairo's ARGB32 layout: a guint32 of 0xAARRGGBB */
  gdk_texture_download(texture, (guchar *) pixels, (gsize) w * 4);
  return pixels[0];
}

static void test_swatches_follow_reversed(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  g_autofree char *model = open_page(f);
  AdwComboRow *row = patina_layers_page_get_colormap_row(page_of(f));
  page_activate(GTK_WIDGET(page_of(f)), "layers.colormap", "s", "bronze");
  settle();
  g_assert_false(patina_colormap_combo_get_reversed(row));
  g_assert_cmphex(shown_swatch_first_pixel(row), ==, table_entry("bronze", 0));

  page_activate(GTK_WIDGET(page_of(f)), "layers.reversed", "b", TRUE);
  settle();
  g_assert_cmphex(shown_swatch_first_pixel(row), ==, table_entry("bronze", 255));
  g_assert_true(patina_colormap_combo_get_reversed(row));

  /* another map chosen while reversed is drawn reversed too */
  page_activate(GTK_WIDGET(page_of(f)), "layers.colormap", "s", "aqua");
  settle();
  g_assert_cmphex(shown_swatch_first_pixel(row), ==, table_entry("aqua", 255));

  page_activate(GTK_WIDGET(page_of(f)), "layers.reversed", "b", FALSE);
  settle();
  g_assert_cmphex(shown_swatch_first_pixel(row), ==, table_entry("aqua", 0));
}

static void assert_ends(PatinaColorbar *bar, const char *name, gboolean reversed)
{
  g_assert_cmphex(patina_colorbar_get_end_pixel(bar, FALSE), ==,
                  table_entry(name, reversed ? 255 : 0));
  g_assert_cmphex(patina_colorbar_get_end_pixel(bar, TRUE), ==,
                  table_entry(name, reversed ? 0 : 255));
}

static void assert_label_near(const char *text, float want)
{
  char *end = NULL;
  double got = g_ascii_strtod(text, &end);
  g_assert_true(end && end != text && *end == '\0');
  /* the label rounds to 4 significant digits */
  g_assert_cmpfloat(fabs(got - want), <=, 1e-3 * MAX(fabs(want), 1e-3));
}

static void test_colorbar(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  g_autofree char *model = open_page(f);
  PatinaLayersPage *page = page_of(f);
  page_activate(GTK_WIDGET(page_of(f)), "layers.layer", "s", "relu2");
  page_activate(GTK_WIDGET(page_of(f)), "layers.colormap", "s", "bronze");
  page_activate(GTK_WIDGET(page_of(f)), "layers.normalise", "s", "channel");
  settle();
  PatinaColorbar *bar = patina_layers_page_get_colorbar(page, 0);
  g_assert_nonnull(bar);
  g_assert_cmpint(gtk_widget_get_width(GTK_WIDGET(bar)), >, 0);
  assert_ends(bar, "bronze", FALSE);
  /* every map has its own range: no one pair of numbers would be true */
  g_assert_null(strpbrk(patina_colorbar_get_low_text(bar), "0123456789"));
  save_screenshot(f, "layers", "layers-colorbar-channel.png");

  page_activate(GTK_WIDGET(page_of(f)), "layers.reversed", "b", TRUE);
  settle();
  assert_ends(bar, "bronze", TRUE);

  /* the layer's range, as the core computes it for the image shown */
  page_activate(GTK_WIDGET(page_of(f)), "layers.normalise", "s", "layer");
  settle();
  g_autoptr(GError) error = NULL;
  PatinaCheckpointMeta meta = {0};
  PatinaModel *m = patina_checkpoint_load(model, &meta, &error);
  g_assert_no_error(error);
  PatinaGray *gray =
    patina_gray_load(patina_layers_page_get_result(page)->images[0].path, &error);
  g_assert_no_error(error);
  float *input = patina_cam_input(m, gray);
  PatinaActivations *acts = patina_activations_compute(m, input, &error);
  g_assert_no_error(error);
  int relu2 = patina_layer_find(m, "relu2", NULL);
  const PatinaLayerInfo *info = &acts->layers[relu2];
  float lo, hi;
  patina_channel_range(acts->outputs[relu2], info->c, info->h * info->w, 0,
                       PATINA_NORMALISE_LAYER, &lo, &hi);
  g_assert_cmpfloat(hi, >, lo);
  assert_label_near(patina_colorbar_get_low_text(bar), lo);
  assert_label_near(patina_colorbar_get_high_text(bar), hi);
  assert_ends(bar, "bronze", TRUE);
  save_screenshot(f, "layers", "layers-colorbar-layer.png");

  /* Grad-CAM's figure carries its own colorbar: the page's is hidden */
  page_activate(GTK_WIDGET(page_of(f)), "layers.cam", "b", TRUE);
  settle();
  wait_for(page_shows, page, "Grad-CAM");
  settle();
  g_assert_null(patina_layers_page_get_colorbar(page, 0));

  patina_activations_free(acts);
  g_free(input);
  patina_gray_free(gray);
  patina_checkpoint_meta_clear(&meta);
  patina_model_free(m);
}

int main(int argc, char **argv)
{
  app_test_init(&argc, &argv);
  g_test_add("/layers-colorbar/swatches-reversed", Fixture, NULL, fixture_set_up,
             test_swatches_follow_reversed, fixture_tear_down);
  g_test_add("/layers-colorbar/colorbar", Fixture, NULL, fixture_set_up, test_colorbar,
             fixture_tear_down);
  return app_test_run();
}
