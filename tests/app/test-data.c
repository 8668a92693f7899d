/* The Data page and the window's data set commands under Xvfb: the image viewer (zoom, pan,
 * metadata, scale bar, data bar crop saved into the manifest), split filter and summary, class
 * counts, duplicates and near-duplicates, recent data sets, preferences, a folder that
 * vanishes, bad folders (symbolic link loops and broken links too, which fail even as root),
 * the count of demo images drawn while the demo data set is generated. */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "../testutil.h"
#include "../tiff-fixture.h"
#include "app-test.h"

#include "data/demo.h"
#include "data/manifest.h"
#include "patina-application.h"
#include "patina-augment-page.h"
#include "patina-data-page.h"
#include "patina-image-viewer.h"
#include "patina-layers-page.h"
#include "patina-preferences.h"
#include "patina-settings.h"
#include "patina-thumbnail.h"
#include "patina-window.h"

static PatinaDataPage *data_page(Fixture *f)
{
  return PATINA_DATA_PAGE(patina_window_get_page(f->window, "data"));
}

static gboolean page_scanned(gpointer page) { return patina_data_page_is_scanned(page); }
static gboolean viewer_loaded(gpointer viewer) { return patina_image_viewer_is_loaded(viewer); }

static void open_folder(Fixture *f, const char *dir)
{
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  activate(f, "win.open-dataset-path", g_variant_new_string(dir));
  wait_for(dataset_open, ws, "the data set to open");
  g_assert_cmpstr(patina_workspace_get_dataset_path(ws), ==, dir);
  wait_for(page_scanned, data_page(f), "thumbnails, duplicates and the manifest");
}

static const char *sample_path(Fixture *f, guint i)
{
  const PatinaDataset *ds = patina_workspace_get_dataset(patina_window_get_workspace(f->window));
  return g_array_index(ds->samples, PatinaSample, i).path;
}

/* Opens path in the viewer through win.show-image and waits for the decode. */
static PatinaImageViewer *show_image(Fixture *f, const char *path)
{
  activate(f, "win.show-image", g_variant_new_string(path));
  PatinaDataPage *page = data_page(f);
  g_assert_true(patina_data_page_get_viewer_visible(page));
  PatinaImageViewer *viewer = patina_data_page_get_viewer(page);
  g_assert_cmpstr(patina_image_viewer_get_path(viewer), ==, path);
  wait_for(viewer_loaded, viewer, "the image to be decoded");
  settle();
  return viewer;
}

static GtkWidget *find_widget(GtkWidget *root, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE(root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child(root); c; c = gtk_widget_get_next_sibling(c)) {
    GtkWidget *found = find_widget(c, type);
    if (found)
      return found;
  }
  return NULL;
}

static void viewer_action(PatinaImageViewer *viewer, const char *action, GVariant *param)
{
  g_assert_true(gtk_widget_activate_action_variant(GTK_WIDGET(viewer), action, param));
  settle();
}

static void test_viewer_zoom_pan(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  open_folder(f, f->demo);
  const char *path = sample_path(f, 0);
  int fw, fh;
  g_assert_nonnull(gdk_pixbuf_get_file_info(path, &fw, &fh));
  /* a click on the first thumbnail (the grid activates on single click) opens it */
  GtkWidget *grid = find_widget(GTK_WIDGET(data_page(f)), GTK_TYPE_GRID_VIEW);
  g_assert_nonnull(grid);
  g_signal_emit_by_name(grid, "activate", 0);
  g_assert_true(patina_data_page_get_viewer_visible(data_page(f)));
  PatinaImageViewer *viewer = patina_data_page_get_viewer(data_page(f));
  g_assert_cmpstr(patina_image_viewer_get_path(viewer), ==, path);
  wait_for(viewer_loaded, viewer, "the clicked image to be decoded");
  settle();
  g_assert_null(patina_image_viewer_get_error(viewer));
  int w, h;
  patina_image_viewer_get_image_size(viewer, &w, &h);
  g_assert_cmpint(w, ==, fw);
  g_assert_cmpint(h, ==, fh);
  /* a small image opens at its own pixel size */
  g_assert_cmpfloat(patina_image_viewer_get_zoom(viewer), ==, 1.0);
  g_assert_cmpstr(patina_image_viewer_get_field(viewer, "class"), ==, "316L");

  viewer_action(viewer, "viewer.zoom-in", NULL);
  double z1 = patina_image_viewer_get_zoom(viewer);
  g_assert_cmpfloat(z1, >, 1.0);
  for (int i = 0; i < 6; i++)
    viewer_action(viewer, "viewer.zoom-in", NULL);
  double z7 = patina_image_viewer_get_zoom(viewer);
  g_assert_cmpfloat(z7, >, z1);
  /* zoomed beyond the view, a drag pans */
  double x0, y0, x1, y1;
  patina_image_viewer_get_scroll(viewer, &x0, &y0);
  patina_image_viewer_pan_by(viewer, -40, 30);
  settle();
  patina_image_viewer_get_scroll(viewer, &x1, &y1);
  g_assert_cmpfloat(x1, ==, MAX(x0 - 40, 0));
  g_assert_cmpfloat(y1, ==, y0 + 30);
  g_assert_cmpfloat(x1 + y1, !=, x0 + y0);

  viewer_action(viewer, "viewer.zoom-out", NULL);
  g_assert_cmpfloat(patina_image_viewer_get_zoom(viewer), <, z7);
  viewer_action(viewer, "viewer.zoom-fit", NULL);
  double fit = patina_image_viewer_get_zoom(viewer);
  g_assert_cmpfloat(fit, >, 1.0); /* 256 px in a view several hundred pixels tall */
  viewer_action(viewer, "viewer.zoom-original", NULL);
  g_assert_cmpfloat(patina_image_viewer_get_zoom(viewer), ==, 1.0);
  /* without metadata: no pixel size, no scale bar */
  g_assert_null(patina_image_viewer_get_scale_bar_label(viewer));
  g_assert_cmpstr(patina_image_viewer_get_field(viewer, "pixel-size"), ==, "Unknown");

  /* Esc's action leaves the viewer for the grid */
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(data_page(f)), "data.close-image", NULL));
  g_assert_false(patina_data_page_get_viewer_visible(data_page(f)));
}

/* A 16-bit FEI TIFF: a demo micrograph with a dark data bar under it and the metadata FEI
 * writes (pixel size, voltage, instrument, detector, data bar height). */
#define SEM_W 512
#define SEM_H 448
#define SEM_BAR 48
static const char fei_text[] = "[System]\r\nSystemType=Quanta FEG 250\r\n"
                               "[Beam]\r\nHV=20000\r\n"
                               "[Scan]\r\nPixelWidth=2.5e-08\r\nPixelHeight=2.5e-08\r\n"
                               "[Image]\r\nResolutionX=512\r\nResolutionY=400\r\n"
                               "[Detectors]\r\nNumber=1\r\nName=ETD\r\n"
                               "[PrivateFei]\r\nDatabarHeight=48\r\n";

static void write_sem_tiff(const char *path)
{
  g_autofree float *img = g_new(float, (gsize) SEM_W * SEM_W);
  patina_demo_draw(1, 7, SEM_W, img);
  g_autofree guint16 *px = g_new0(guint16, (gsize) SEM_W * SEM_H);
  for (int y = 0; y < SEM_H - SEM_BAR; y++)
    for (int x = 0; x < SEM_W; x++)
      px[y * SEM_W + x] = (guint16) (CLAMP(img[y * SEM_W + x], 0, 1) * 65535);
  for (int y = SEM_H - SEM_BAR + 12; y < SEM_H - 12; y++) /* "text" in the bar */
    for (int x = 16; x < SEM_W - 16; x++)
      if ((x / 6) % 3 == 0)
        px[y * SEM_W + x] = 60000;
  fixture_write_tiff(path, &(FixtureTiff){.width = SEM_W, .height = SEM_H, .spp = 1, .bps = 16,
                                          .fei = fei_text},
                     px);
}

static void test_viewer_metadata(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  g_autofree char *tif = g_build_filename(f->demo, "AZ31B", "fei_sem.tif", NULL);
  write_sem_tiff(tif);
  open_folder(f, f->demo);
  PatinaImageViewer *viewer = show_image(f, tif);
  g_assert_null(patina_image_viewer_get_error(viewer));
  g_assert_cmpstr(patina_image_viewer_get_field(viewer, "pixel-size"), ==, "25 nm per pixel");
  g_assert_cmpstr(patina_image_viewer_get_field(viewer, "voltage"), ==, "20 kV");
  g_assert_cmpstr(patina_image_viewer_get_field(viewer, "instrument"), ==, "Quanta FEG 250");
  g_assert_cmpstr(patina_image_viewer_get_field(viewer, "detector"), ==, "ETD");
  g_assert_cmpstr(patina_image_viewer_get_field(viewer, "magnification"), ==, "Unknown");
  g_assert_nonnull(strstr(patina_image_viewer_get_field(viewer, "size"), "16-bit"));
  /* the metadata's data bar is the crop */
  g_assert_cmpint(patina_image_viewer_get_crop_rows(viewer), ==, SEM_BAR);
  g_assert_cmpstr(patina_image_viewer_get_field(viewer, "crop-source"), ==,
                  "Height from the file's metadata");

  /* The scale bar is a round length near 120 screen pixels: at 25 nm/px and zoom z that is
   * 3 µm × z... so 2 µm at 100 %, and it shrinks in µm as the view zooms in. */
  viewer_action(viewer, "viewer.zoom-original", NULL);
  g_assert_cmpstr(patina_image_viewer_get_scale_bar_label(viewer), ==, "2 µm");
  viewer_action(viewer, "viewer.zoom-in", NULL);
  viewer_action(viewer, "viewer.zoom-in", NULL);
  viewer_action(viewer, "viewer.zoom-in", NULL);
  viewer_action(viewer, "viewer.zoom-in", NULL); /* 244 % */
  g_assert_cmpstr(patina_image_viewer_get_scale_bar_label(viewer), ==, "1 µm");
  viewer_action(viewer, "viewer.zoom-fit", NULL);
  save_screenshot(f, NULL, "viewer.png");
}

static void test_crop_saved(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  open_folder(f, f->demo);
  g_autofree char *manifest = patina_manifest_path_in(f->demo);
  g_assert_false(g_file_test(manifest, G_FILE_TEST_EXISTS));
  g_assert_nonnull(strstr(patina_data_page_get_summary(data_page(f)), "no manifest"));
  const char *path = sample_path(f, 7);
  PatinaImageViewer *viewer = show_image(f, path);
  int before = patina_image_viewer_get_crop_rows(viewer);
  int rows = before + 17;
  viewer_action(viewer, "viewer.set-crop", g_variant_new_int32(rows));
  g_assert_cmpint(patina_image_viewer_get_crop_rows(viewer), ==, rows);
  g_assert_cmpstr(patina_image_viewer_get_field(viewer, "crop-source"), ==,
                  "Changed here, not saved yet");
  viewer_action(viewer, "viewer.save-crop", NULL);
  wait_for(page_scanned, data_page(f), "the manifest to be read again");
  while (!strstr(patina_image_viewer_get_save_status(viewer), "Saved"))
    g_main_context_iteration(NULL, TRUE);

  /* a new manifest, holding the crop for that image */
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaManifest) m = patina_manifest_load(manifest, &error);
  g_assert_no_error(error);
  g_autofree char *rel = g_strdup(path + strlen(f->demo) + 1);
  int i = patina_manifest_find(m, rel);
  g_assert_cmpint(i, >=, 0);
  g_assert_cmpint(g_array_index(m->images, PatinaManifestImage, i).crop_rows, ==, rows);
  /* the page now knows the split */
  while (strstr(patina_data_page_get_summary(data_page(f)), "no manifest"))
    g_main_context_iteration(NULL, TRUE);
  g_assert_nonnull(strstr(patina_data_page_get_summary(data_page(f)), "train"));

  /* reopening shows the saved crop */
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(data_page(f)), "data.close-image", NULL));
  viewer = show_image(f, path);
  g_assert_cmpint(patina_image_viewer_get_crop_rows(viewer), ==, rows);
  g_assert_cmpstr(patina_image_viewer_get_field(viewer, "crop-source"), ==,
                  "Recorded in the data set's manifest");
}

typedef struct {
  PatinaDataPage *page;
  const char *path;
  gboolean excluded;
} ThumbWait;

/* The thumbnail of w->path shows w->excluded (after the page read the manifest again). */
static gboolean thumbnail_excluded_is(gpointer data)
{
  ThumbWait *w = data;
  GListModel *thumbs = patina_data_page_get_thumbnails(w->page);
  for (guint i = 0; i < g_list_model_get_n_items(thumbs); i++) {
    g_autoptr(PatinaThumbnail) t = g_list_model_get_item(thumbs, i);
    if (g_strcmp0(patina_thumbnail_get_path(t), w->path) == 0)
      return patina_thumbnail_get_excluded(t) == w->excluded;
  }
  return FALSE;
}

static gboolean save_status_settled(gpointer viewer)
{
  return !patina_image_viewer_is_saving(viewer) && patina_image_viewer_get_save_status(viewer);
}

static gboolean manifest_excludes(Fixture *f, const char *path)
{
  g_autofree char *mpath = patina_manifest_path_in(f->demo);
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaManifest) m = patina_manifest_load(mpath, &error);
  g_assert_no_error(error);
  int i = patina_manifest_find(m, path + strlen(f->demo) + 1);
  g_assert_cmpint(i, >=, 0);
  return g_array_index(m->images, PatinaManifestImage, i).excluded;
}

static GtkSwitch *viewer_switch(PatinaImageViewer *viewer)
{
  return GTK_SWITCH(find_widget(GTK_WIDGET(viewer), GTK_TYPE_SWITCH));
}

/* "Leave Out of Training" writes the image's exclusion into the manifest (making one), the
 * thumbnail fades, reopening shows it, and switching back takes it in again. A manifest that
 * cannot be read is left as it is and the switch goes back. */
static void test_exclude_image(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  open_folder(f, f->demo);
  const char *path = sample_path(f, 3);
  PatinaImageViewer *viewer = show_image(f, path);
  g_assert_false(patina_image_viewer_get_excluded(viewer));
  ThumbWait w = {data_page(f), path, TRUE};

  viewer_action(viewer, "viewer.set-excluded", g_variant_new_boolean(TRUE));
  wait_for(save_status_settled, viewer, "the exclusion to be saved");
  g_assert_nonnull(strstr(patina_image_viewer_get_save_status(viewer), "Saved"));
  wait_for(thumbnail_excluded_is, &w, "the thumbnail to show the exclusion");
  g_assert_true(manifest_excludes(f, path));
  g_assert_true(patina_image_viewer_get_excluded(viewer));
  save_screenshot(f, NULL, "viewer-excluded.png"); /* to look at, not committed */

  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(data_page(f)), "data.close-image", NULL));
  viewer = show_image(f, path);
  g_assert_true(patina_image_viewer_get_excluded(viewer));

  viewer_action(viewer, "viewer.set-excluded", g_variant_new_boolean(FALSE));
  wait_for(save_status_settled, viewer, "the inclusion to be saved");
  w.excluded = FALSE;
  wait_for(thumbnail_excluded_is, &w, "the thumbnail to show the image taken back");
  g_assert_false(manifest_excludes(f, path));

  /* Asked in one go, saves run in order and none is lost: on then off ends off, and a crop
   * saved with an exclusion keeps both (each save rewrites the whole manifest). */
  gtk_widget_activate_action(GTK_WIDGET(viewer), "viewer.set-excluded", "b", TRUE);
  gtk_widget_activate_action(GTK_WIDGET(viewer), "viewer.set-excluded", "b", FALSE);
  wait_for(save_status_settled, viewer, "both saves");
  g_assert_false(manifest_excludes(f, path));
  g_assert_false(patina_image_viewer_get_excluded(viewer));
  int rows = patina_image_viewer_get_crop_rows(viewer) + 5;
  gtk_widget_activate_action(GTK_WIDGET(viewer), "viewer.set-crop", "i", rows);
  gtk_widget_activate_action(GTK_WIDGET(viewer), "viewer.save-crop", NULL);
  gtk_widget_activate_action(GTK_WIDGET(viewer), "viewer.set-excluded", "b", TRUE);
  wait_for(save_status_settled, viewer, "the crop and the exclusion");
  g_assert_true(manifest_excludes(f, path));
  {
    g_autofree char *mp = patina_manifest_path_in(f->demo);
    g_autoptr(PatinaManifest) m = patina_manifest_load(mp, NULL);
    int i = patina_manifest_find(m, path + strlen(f->demo) + 1);
    g_assert_cmpint(g_array_index(m->images, PatinaManifestImage, i).crop_rows, ==, rows);
  }

  /* Another image: while it loads the switch is off and cannot be used, then shows its own. */
  const char *other = sample_path(f, 4);
  activate(f, "win.show-image", g_variant_new_string(other));
  g_assert_false(patina_image_viewer_get_excluded(viewer));
  g_assert_false(gtk_widget_get_sensitive(
    GTK_WIDGET(gtk_widget_get_ancestor(GTK_WIDGET(viewer_switch(viewer)), ADW_TYPE_ACTION_ROW))));
  wait_for(viewer_loaded, viewer, "the other image to be decoded");
  g_assert_false(patina_image_viewer_get_excluded(viewer));
  g_assert_true(gtk_widget_is_sensitive(GTK_WIDGET(viewer_switch(viewer))));

  g_autofree char *mpath = patina_manifest_path_in(f->demo);
  g_assert_true(g_file_set_contents(mpath, "{ \"version\": ", -1, NULL));
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(data_page(f)), "data.close-image", NULL));
  viewer = show_image(f, path);
  viewer_action(viewer, "viewer.set-excluded", g_variant_new_boolean(TRUE));
  wait_for(save_status_settled, viewer, "the failed save to be reported");
  g_test_message("%s", patina_image_viewer_get_save_status(viewer));
  g_assert_nonnull(strstr(patina_image_viewer_get_save_status(viewer), "Cannot leave it out"));
  g_assert_nonnull(strstr(patina_image_viewer_get_save_status(viewer), "patina-dataset.json"));
  g_assert_false(patina_image_viewer_get_excluded(viewer));
  g_autofree char *kept = NULL;
  g_assert_true(g_file_get_contents(mpath, &kept, NULL, NULL));
  g_assert_cmpstr(kept, ==, "{ \"version\": ");
}

static gboolean augment_shows(gpointer data)
{
  gpointer *d = data;
  return g_strcmp0(patina_augment_page_get_shown_path(d[0]), d[1]) == 0;
}

/* The viewer's menu hands its image to the Augment and Layers pages, which select it in their
 * image lists and come to the front. */
static void test_image_to_page(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  open_folder(f, f->demo);
  const char *path = sample_path(f, 5);
  show_image(f, path);
  AdwViewStack *stack = ADW_VIEW_STACK(
    gtk_widget_get_ancestor(GTK_WIDGET(data_page(f)), ADW_TYPE_VIEW_STACK));

  /* what the viewer's ⋮ menu offers: each item's action with this image's path */
  PatinaImageViewer *viewer = patina_data_page_get_viewer(data_page(f));
  GtkMenuButton *menu_button =
    GTK_MENU_BUTTON(find_widget(GTK_WIDGET(viewer), GTK_TYPE_MENU_BUTTON));
  GMenuModel *menu = gtk_menu_button_get_menu_model(menu_button);
  g_assert_cmpint(g_menu_model_get_n_items(menu), ==, 2);
  const char *pages[] = {"augment", "layers"};
  for (int i = 0; i < 2; i++) {
    g_autofree char *action = NULL;
    g_assert_true(g_menu_model_get_item_attribute(menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &action));
    g_assert_cmpstr(action, ==, "win.image-to-page");
    g_autoptr(GVariant) target =
      g_menu_model_get_item_attribute_value(menu, i, G_MENU_ATTRIBUTE_TARGET, NULL);
    const char *page_name, *target_path;
    g_variant_get(target, "(&s&s)", &page_name, &target_path);
    g_assert_cmpstr(page_name, ==, pages[i]);
    g_assert_cmpstr(target_path, ==, path);
  }
  g_autoptr(GVariant) layers_target =
    g_menu_model_get_item_attribute_value(menu, 1, G_MENU_ATTRIBUTE_TARGET, NULL);
  activate(f, "win.image-to-page", layers_target);
  g_assert_cmpstr(adw_view_stack_get_visible_child_name(stack), ==, "layers");
  PatinaLayersPage *layers = PATINA_LAYERS_PAGE(patina_window_get_page(f->window, "layers"));
  g_assert_cmpstr(patina_layers_page_get_image_path(layers), ==, path);
  g_assert_cmpuint(adw_combo_row_get_selected(patina_layers_page_get_image_row(layers)), ==, 5);

  activate(f, "win.show-page", g_variant_new_string("data"));
  activate(f, "win.image-to-page", g_variant_new("(ss)", "augment", path));
  g_assert_cmpstr(adw_view_stack_get_visible_child_name(stack), ==, "augment");
  gpointer wait[] = {patina_window_get_page(f->window, "augment"), (gpointer) path};
  wait_for(augment_shows, wait, "the Augment page to show the image");

  /* only those two pages take an image */
  activate(f, "win.image-to-page", g_variant_new("(ss)", "train", path));
  g_assert_cmpstr(adw_view_stack_get_visible_child_name(stack), ==, "augment");
}

static void test_split_filter(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds =
    patina_dataset_open_full(f->demo, PATINA_DATASET_OPEN_CONTAINED, NULL, &error);
  g_assert_no_error(error);
  g_autoptr(PatinaManifest) m = patina_manifest_create(ds, 0.25, 0.25, 3, &error);
  g_assert_no_error(error);
  g_array_index(m->images, PatinaManifestImage, 0).excluded = TRUE; /* one left out */
  g_autofree char *mpath = patina_manifest_path_in(f->demo);
  g_assert_true(patina_manifest_save(m, mpath, &error));

  int counts[PATINA_N_SPLITS] = {0};
  for (guint i = 1; i < m->images->len; i++)
    counts[g_array_index(m->images, PatinaManifestImage, i).split]++;
  open_folder(f, f->demo);
  PatinaDataPage *page = data_page(f);
  GListModel *shown = patina_data_page_get_shown(page);
  for (int s = 0; s < PATINA_N_SPLITS; s++) {
    g_assert_true(gtk_widget_activate_action(GTK_WIDGET(page), "data.filter-split", "s",
                                             patina_split_name(s)));
    guint n = g_list_model_get_n_items(shown);
    guint excluded = 0;
    for (guint k = 0; k < n; k++) {
      g_autoptr(PatinaThumbnail) t = g_list_model_get_item(shown, k);
      g_assert_cmpstr(patina_thumbnail_get_split(t), ==, patina_split_name(s));
      excluded += patina_thumbnail_get_excluded(t);
    }
    g_assert_cmpuint(n - excluded, ==, counts[s]);
  }
  g_autofree char *expect = g_strdup_printf("train %d / val %d / test %d", counts[0], counts[1],
                                            counts[2]);
  g_assert_nonnull(strstr(patina_data_page_get_summary(page), expect));
  g_assert_nonnull(strstr(patina_data_page_get_notes(page), "1 image excluded"));
  /* split and class filters combine */
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(page), "data.filter-class", "s", "AZ31B"));
  g_assert_cmpuint(g_list_model_get_n_items(shown), <=, counts[PATINA_SPLIT_TEST] + 1);
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(page), "data.filter-class", "s", ""));
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(page), "data.filter-split", "s", ""));
  g_assert_cmpuint(g_list_model_get_n_items(shown), ==, m->images->len);
  save_screenshot(f, "data", "data-excluded.png"); /* to look at, not committed */
}

static gboolean summary_has_split(gpointer page)
{
  return strstr(patina_data_page_get_summary(page), "train ") != NULL;
}

static void test_split_filter_without_manifest(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  open_folder(f, f->demo);
  PatinaDataPage *page = data_page(f);
  /* no manifest, no split: "train" shows everything */
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(page), "data.filter-split", "s", "train"));
  g_assert_cmpuint(g_list_model_get_n_items(patina_data_page_get_shown(page)), ==, 12);

  /* a manifest written while the data set is open (as 'patina-cli dataset init' does) is read */
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds =
    patina_dataset_open_full(f->demo, PATINA_DATASET_OPEN_CONTAINED, NULL, &error);
  g_autoptr(PatinaManifest) m = patina_manifest_create(ds, 0.25, 0.25, 0, &error);
  g_assert_no_error(error);
  g_autofree char *mpath = patina_manifest_path_in(f->demo);
  g_assert_true(patina_manifest_save(m, mpath, &error));
  wait_for(summary_has_split, page, "the new manifest to be read");
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(page), "data.filter-split", "s", "train"));
  g_assert_cmpuint(g_list_model_get_n_items(patina_data_page_get_shown(page)), <, 12);
}

static void test_duplicates(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  g_autofree char *a = g_build_filename(f->demo, "AZ31B", "AZ31B_002.png", NULL);
  g_autofree char *b = g_build_filename(f->demo, "AZ31B", "copy_of_002.png", NULL);
  g_autofree char *bytes = NULL;
  gsize len;
  g_assert_true(g_file_get_contents(a, &bytes, &len, NULL));
  g_assert_true(g_file_set_contents(b, bytes, (gssize) len, NULL));
  /* a manifest too, so the screenshot shows split tags and the split summary */
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds =
    patina_dataset_open_full(f->demo, PATINA_DATASET_OPEN_CONTAINED, NULL, &error);
  g_autoptr(PatinaManifest) m = patina_manifest_create(ds, 0.2, 0.2, 0, &error);
  g_assert_no_error(error);
  g_autofree char *mpath = patina_manifest_path_in(f->demo);
  g_assert_true(patina_manifest_save(m, mpath, &error));
  open_folder(f, f->demo);
  PatinaDataPage *page = data_page(f);
  GListModel *all = patina_data_page_get_thumbnails(page);
  guint flagged = 0;
  for (guint i = 0; i < g_list_model_get_n_items(all); i++) {
    g_autoptr(PatinaThumbnail) t = g_list_model_get_item(all, i);
    const char *note = patina_thumbnail_get_duplicate_note(t);
    const char *path = patina_thumbnail_get_path(t);
    if (g_str_equal(path, a) || g_str_equal(path, b)) {
      g_assert_nonnull(strstr(note, "Byte-identical to"));
      g_assert_nonnull(strstr(note, g_str_equal(path, a) ? "copy_of_002.png" : "AZ31B_002.png"));
      flagged++;
    } else {
      g_assert_null(strstr(note, "Byte-identical"));
    }
  }
  g_assert_cmpuint(flagged, ==, 2);
  g_assert_nonnull(strstr(patina_data_page_get_notes(page), "1 group of byte-identical files"));
  save_screenshot(f, "data", "data.png");
}

/* Image files in a class folder, counted on disk, independently of the data set code. */
static int count_images_on_disk(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  int n = 0;
  for (const char *name; (name = g_dir_read_name(d));)
    n += g_str_has_suffix(name, ".png");
  return n;
}

/* The summary line gives each class's count as the folders hold it (made unequal here, so a
 * swapped or shared count shows), and an image made by slightly altering another is flagged as
 * a near-duplicate on both thumbnails and counted in the notes. */
static void test_summary_counts(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  g_autofree char *gone = g_build_filename(f->demo, "AZ31B", "AZ31B_005.png", NULL);
  g_assert_cmpint(g_unlink(gone), ==, 0);
  g_autofree char *original = g_build_filename(f->demo, "316L", "316L_001.png", NULL);
  g_autofree char *altered = g_build_filename(f->demo, "316L", "retouched_001.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_file(original, &error);
  g_assert_no_error(error);
  /* a brightened 12×12 patch: other bytes, the same picture to the eye and to a pHash */
  int n = gdk_pixbuf_get_n_channels(pb), stride = gdk_pixbuf_get_rowstride(pb);
  guint8 *px = gdk_pixbuf_get_pixels(pb);
  for (int y = 10; y < 22; y++)
    for (int x = 10; x < 22; x++)
      for (int c = 0; c < MIN(n, 3); c++) {
        guint8 *v = px + y * stride + x * n + c;
        *v = (guint8) MIN(255, *v + 12);
      }
  g_assert_true(gdk_pixbuf_save(pb, altered, "png", &error, NULL));
  g_assert_no_error(error);

  open_folder(f, f->demo);
  PatinaDataPage *page = data_page(f);
  const PatinaDataset *ds = patina_workspace_get_dataset(patina_window_get_workspace(f->window));
  const char *summary = patina_data_page_get_summary(page);
  g_test_message("summary: %s; notes: %s", summary, patina_data_page_get_notes(page));
  int total = 0;
  for (guint k = 0; k < ds->class_names->len; k++) {
    const char *name = g_ptr_array_index(ds->class_names, k);
    g_autofree char *dir = g_build_filename(f->demo, name, NULL);
    int on_disk = count_images_on_disk(dir);
    total += on_disk;
    g_autofree char *entry = g_strdup_printf("%s %d", name, on_disk);
    if (!strstr(summary, entry))
      g_error("the summary \"%s\" does not give %s", summary, entry);
  }
  g_assert_cmpint(total, ==, 12); /* 316L 7, AZ31B 5 */
  g_autofree char *images = g_strdup_printf("%d images", total);
  g_assert_nonnull(strstr(summary, images));

  GListModel *all = patina_data_page_get_thumbnails(page);
  guint flagged = 0;
  for (guint i = 0; i < g_list_model_get_n_items(all); i++) {
    g_autoptr(PatinaThumbnail) t = g_list_model_get_item(all, i);
    const char *note = patina_thumbnail_get_duplicate_note(t);
    const char *path = patina_thumbnail_get_path(t);
    if (g_str_equal(path, original) || g_str_equal(path, altered)) {
      g_assert_nonnull(note);
      g_assert_nonnull(strstr(note, "Nearly identical to"));
      g_assert_null(strstr(note, "Byte-identical"));
      g_assert_nonnull(strstr(note, g_str_equal(path, original) ? "retouched_001.png"
                                                                 : "316L_001.png"));
      flagged++;
    } else if (note && *note) {
      g_error("%s is flagged: %s", path, note);
    }
  }
  g_assert_cmpuint(flagged, ==, 2);
  g_assert_nonnull(strstr(patina_data_page_get_notes(page), "1 near-duplicate pair"));
  g_assert_null(strstr(patina_data_page_get_notes(page), "byte-identical"));
}

static void test_recent(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  g_autoptr(GSettings) s = patina_settings_new();
  g_settings_reset(s, "recent-datasets");
  make_demo(f);
  g_autofree char *second = g_build_filename(f->tmp, "second", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_demo_generate(second, 3, 1, &error));
  open_folder(f, f->demo);
  open_folder(f, second);
  g_auto(GStrv) recent = g_settings_get_strv(s, "recent-datasets");
  g_assert_cmpuint(g_strv_length(recent), ==, 2);
  g_assert_cmpstr(recent[0], ==, second);
  g_assert_cmpstr(recent[1], ==, f->demo);
  /* the primary menu's Open Recent lists them, newest first */
  GMenuModel *menu = G_MENU_MODEL(
    gtk_widget_get_template_child(GTK_WIDGET(f->window), PATINA_TYPE_WINDOW, "recent_menu"));
  g_assert_cmpint(g_menu_model_get_n_items(menu), ==, 2);
  g_autoptr(GVariant) target =
    g_menu_model_get_item_attribute_value(menu, 0, G_MENU_ATTRIBUTE_TARGET, G_VARIANT_TYPE_STRING);
  g_assert_cmpstr(g_variant_get_string(target, NULL), ==, second);

  /* opening one again moves it to the front, without a second copy */
  activate(f, "win.open-recent", g_variant_new_string(f->demo));
  wait_for(dataset_open, patina_window_get_workspace(f->window), "the recent data set");
  while (g_strcmp0(patina_workspace_get_dataset_path(patina_window_get_workspace(f->window)),
                   f->demo) != 0)
    g_main_context_iteration(NULL, TRUE);
  g_auto(GStrv) again = g_settings_get_strv(s, "recent-datasets");
  g_assert_cmpuint(g_strv_length(again), ==, 2);
  g_assert_cmpstr(again[0], ==, f->demo);

  /* one that vanished is dropped with a toast */
  test_remove_tree(second);
  guint toasts = patina_window_get_n_toasts(f->window);
  activate(f, "win.open-recent", g_variant_new_string(second));
  g_assert_cmpuint(patina_window_get_n_toasts(f->window), ==, toasts + 1);
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "no longer there"));
  g_auto(GStrv) left = g_settings_get_strv(s, "recent-datasets");
  g_assert_cmpuint(g_strv_length(left), ==, 1);
  g_assert_cmpstr(left[0], ==, f->demo);
  g_settings_reset(s, "recent-datasets");
}

static void test_recent_on_first_run(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  g_autoptr(GSettings) s = patina_settings_new();
  /* a new window lists what the settings hold on its first-run page */
  const char *const recent[] = {"/srv/micrographs/steel-2024", "/home/ana/AZ31B_series", NULL};
  g_settings_set_strv(s, "recent-datasets", recent);
  settle();
  save_screenshot(f, "data", "first-run-recent.png");
  g_settings_reset(s, "recent-datasets");
}

/* A PNG of a window other than the fixture's, into the screenshot folder (to look at). */
static void save_window(GtkWidget *w, const char *file)
{
  const char *dir = g_getenv("PATINA_SCREENSHOT_DIR");
  if (!dir || !*dir)
    dir = g_getenv("PATINA_DEFAULT_SCREENSHOT_DIR");
  if (!dir || !*dir)
    return;
  settle();
  int width = gtk_widget_get_width(w), height = gtk_widget_get_height(w);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new(w);
  GtkSnapshot *snapshot = gtk_snapshot_new();
  gdk_paintable_snapshot(paintable, snapshot, width, height);
  g_autoptr(GskRenderNode) node = gtk_snapshot_free_to_node(snapshot);
  g_assert_nonnull(node);
  GskRenderer *renderer = gtk_native_get_renderer(GTK_NATIVE(w));
  g_autoptr(GdkTexture) texture =
    gsk_renderer_render_texture(renderer, node, &GRAPHENE_RECT_INIT(0, 0, width, height));
  g_mkdir_with_parents(dir, 0755);
  g_autofree char *path = g_build_filename(dir, file, NULL);
  g_assert_true(gdk_texture_save_to_png(texture, path));
}

static PatinaPreferencesWindow *find_preferences(void)
{
  GListModel *tops = gtk_window_get_toplevels(); /* owned by GTK */
  for (guint i = 0; i < g_list_model_get_n_items(tops); i++) {
    g_autoptr(GObject) w = g_list_model_get_item(tops, i);
    if (PATINA_IS_PREFERENCES_WINDOW(w))
      return PATINA_PREFERENCES_WINDOW(w);
  }
  return NULL;
}

static void test_preferences(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  g_autoptr(GSettings) s = patina_settings_new();
  g_autofree char *initial = g_settings_get_string(s, "colormap");
  g_assert_cmpstr(initial, ==, "bronze");
  activate(f, "win.preferences", NULL);
  settle();
  PatinaPreferencesWindow *prefs = find_preferences();
  g_assert_nonnull(prefs);
  g_autofree char *demo = patina_workspace_demo_dir();
  g_assert_cmpstr(patina_preferences_window_get_demo_location(prefs), ==, demo);

  gtk_spin_button_set_value(patina_preferences_window_get_threads(prefs), 3);
  g_assert_cmpint(g_settings_get_int(s, "train-threads"), ==, 3);
  AdwComboRow *combo = patina_preferences_window_get_colormap(prefs);
  GListModel *names = adw_combo_row_get_model(combo);
  guint viridis = GTK_INVALID_LIST_POSITION;
  for (guint i = 0; i < g_list_model_get_n_items(names); i++)
    if (g_str_equal(gtk_string_list_get_string(GTK_STRING_LIST(names), i), "Viridis"))
      viridis = i;
  g_assert_cmpuint(viridis, !=, GTK_INVALID_LIST_POSITION);
  adw_combo_row_set_selected(combo, viridis);
  g_autofree char *cmap = g_settings_get_string(s, "colormap");
  g_assert_cmpstr(cmap, ==, "viridis");
  /* and the other way round */
  g_settings_set_string(s, "colormap", "gray");
  g_assert_cmpstr(gtk_string_list_get_string(GTK_STRING_LIST(names),
                                             adw_combo_row_get_selected(combo)), ==, "Gray");
  save_window(GTK_WIDGET(prefs), "preferences.png");
  gtk_window_destroy(GTK_WINDOW(prefs));
  g_settings_reset(s, "colormap");
  g_settings_reset(s, "train-threads");
}

static gboolean banner_shown(gpointer page) { return patina_data_page_get_banner(page) != NULL; }

static void test_folder_vanishes(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  open_folder(f, f->demo);
  g_autofree char *image = g_strdup(sample_path(f, 3));
  PatinaDataPage *page = data_page(f);
  test_remove_tree(f->demo);
  wait_for(banner_shown, page, "the page to notice the folder is gone");
  g_assert_nonnull(strstr(patina_data_page_get_banner(page), "removed or renamed"));
  g_assert_nonnull(strstr(patina_data_page_get_banner(page), f->demo));
  /* the page stays usable: filters work, the viewer says the file is gone */
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(page), "data.filter-class", "s", "AZ31B"));
  g_assert_cmpuint(g_list_model_get_n_items(patina_data_page_get_shown(page)), ==, 6);
  PatinaImageViewer *viewer = show_image(f, image);
  g_assert_nonnull(patina_image_viewer_get_error(viewer));
  g_autofree char *base = g_path_get_basename(image);
  g_assert_nonnull(strstr(patina_image_viewer_get_error(viewer), base));
}

static const char *open_expecting_toast(Fixture *f, const char *path)
{
  ToastWait w = {f->window, patina_window_get_n_toasts(f->window)};
  g_autoptr(GFile) file = g_file_new_for_path(path);
  patina_window_open_file(f->window, file); /* as a drop does */
  wait_for(new_toast, &w, "a toast about the dropped item");
  return patina_window_get_last_toast(f->window);
}

static void test_bad_drops(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  /* a file */
  g_autofree char *file = g_build_filename(f->tmp, "notes.txt", NULL);
  g_assert_true(g_file_set_contents(file, "hello", -1, NULL));
  g_assert_nonnull(strstr(open_expecting_toast(f, file), "is not a folder"));
  /* images without class folders */
  g_autofree char *flat = g_build_filename(f->tmp, "flat", NULL);
  g_mkdir(flat, 0755);
  g_autofree char *img = g_build_filename(flat, "a.png", NULL);
  g_assert_true(g_file_set_contents(img, "x", -1, NULL));
  const char *t = open_expecting_toast(f, flat);
  g_assert_nonnull(strstr(t, "Cannot open the data set"));
  g_assert_nonnull(strstr(t, "class folders"));
  /* an unreadable folder (root reads everything, so only as a user) */
  if (geteuid() != 0) {
    g_autofree char *locked = g_build_filename(f->tmp, "locked", NULL);
    g_mkdir(locked, 0755);
    g_chmod(locked, 0);
    t = open_expecting_toast(f, locked);
    g_chmod(locked, 0755);
    g_assert_nonnull(strstr(t, "Cannot open the data set"));
    g_assert_nonnull(strstr(t, "locked"));
  } else {
    g_test_message("running as root: the unreadable-folder case is skipped");
  }
  /* what makes a folder unreadable even for root: a link to itself, a link whose target was
   * moved, and a class "folder" that is such a link; each toast names it and says what it is */
  g_autofree char *loop = g_build_filename(f->tmp, "loop", NULL);
  g_assert_cmpint(symlink("loop", loop), ==, 0);
  t = open_expecting_toast(f, loop);
  g_assert_nonnull(strstr(t, "Cannot open the data set"));
  g_assert_nonnull(strstr(t, loop));
  g_assert_nonnull(strstr(t, "symbolic link loop"));
  g_autofree char *moved = g_build_filename(f->tmp, "moved", NULL);
  g_assert_cmpint(symlink("/nonexistent/micrographs", moved), ==, 0);
  t = open_expecting_toast(f, moved);
  g_assert_nonnull(strstr(t, moved));
  g_assert_nonnull(strstr(t, "broken symbolic link"));
  g_autofree char *one_class = g_build_filename(f->tmp, "one-class", "AZ31B", "a.png", NULL);
  g_autofree char *az31b = g_path_get_dirname(one_class);
  g_assert_cmpint(g_mkdir_with_parents(az31b, 0755), ==, 0);
  g_assert_true(g_file_set_contents(one_class, "opening reads names, not pixels", -1, NULL));
  g_autofree char *set = g_build_filename(f->tmp, "one-class", NULL);
  g_autofree char *gone_class = g_build_filename(set, "316L", NULL);
  g_assert_cmpint(symlink("../elsewhere/316L", gone_class), ==, 0);
  t = open_expecting_toast(f, set);
  g_assert_nonnull(strstr(t, "two class folders"));
  g_assert_nonnull(strstr(t, gone_class));
  g_assert_nonnull(strstr(t, "broken symbolic link"));
  g_assert_null(patina_workspace_get_dataset(patina_window_get_workspace(f->window)));
}

typedef struct {
  GApplication *app;
  PatinaWindow *window;
  gboolean opened;
} StartWatch;

/* Quits the application once its window shows a data set: what `patina --demo` opened. */
static gboolean watch_start(gpointer data)
{
  StartWatch *w = data;
  GtkWindow *active = gtk_application_get_active_window(GTK_APPLICATION(w->app));
  if (!active)
    return G_SOURCE_CONTINUE;
  w->window = PATINA_WINDOW(active);
  PatinaWorkspace *ws = patina_window_get_workspace(w->window);
  if (!dataset_open(ws))
    return G_SOURCE_CONTINUE;
  w->opened = TRUE;
  PatinaDataPage *page = PATINA_DATA_PAGE(patina_window_get_page(w->window, "data"));
  g_assert_cmpuint(g_list_model_get_n_items(patina_data_page_get_thumbnails(page)), ==, 8);
  g_action_group_activate_action(G_ACTION_GROUP(w->app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static gboolean give_up(gpointer app)
{
  g_application_quit(app); /* the test then fails on w.opened */
  return G_SOURCE_REMOVE;
}

/* The README's run command starts `patina --demo`: the window opens onto the demo data set
 * (generated here beforehand, small, where the app looks for it). */
static void test_demo_on_start(void)
{
  g_autofree char *demo = patina_workspace_demo_dir();
  g_autoptr(GError) error = NULL;
  if (!g_file_test(demo, G_FILE_TEST_IS_DIR))
    g_assert_true(patina_demo_generate(demo, 4, 0, &error));
  g_assert_no_error(error);
  g_autoptr(PatinaApplication) app = patina_application_new();
  g_application_set_flags(G_APPLICATION(app),
                          g_application_get_flags(G_APPLICATION(app)) | G_APPLICATION_NON_UNIQUE);
  StartWatch w = {G_APPLICATION(app), NULL, FALSE};
  guint id = g_timeout_add(20, watch_start, &w);
  guint limit = g_timeout_add_seconds(60, give_up, app);
  char *args[] = {"patina", "--demo", NULL};
  int status = g_application_run(G_APPLICATION(app), 2, args);
  if (!w.opened)
    g_source_remove(id); /* it removed itself when it saw the data set */
  else
    g_source_remove(limit);
  g_assert_cmpint(status, ==, 0);
  g_assert_true(w.opened);
  test_remove_tree(demo);
}

/* What the loading page's bar showed while the demo data set was drawn. */
typedef struct {
  double highest;       /* the highest fraction shown */
  gboolean fell;        /* a fraction lower than one shown before it */
  gboolean hidden_while_counting; /* a fraction set on a bar the user could not see */
  char *text_at_full;   /* the bar's text when the fraction reached 1 */
} BarLog;

static void on_fraction(GtkProgressBar *bar, GParamSpec *pspec, BarLog *log)
{
  (void) pspec;
  double fraction = gtk_progress_bar_get_fraction(bar);
  if (fraction < log->highest)
    log->fell = TRUE;
  log->highest = MAX(log->highest, fraction);
  if (!gtk_widget_get_visible(GTK_WIDGET(bar)))
    log->hidden_while_counting = TRUE;
  if (fraction >= 1.0 && !log->text_at_full)
    log->text_at_full = g_strdup(gtk_progress_bar_get_text(bar));
}

static gboolean some_drawn(gpointer workspace)
{
  return patina_workspace_get_demo_drawn(workspace) > 0;
}

/* win.open-demo shows a bar that counts the demo images up to the total while they are
 * drawn, instead of a spinner alone. */
static void test_demo_progress(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  g_autofree char *dir = patina_workspace_demo_dir();
  test_remove_tree(dir); /* another case may have generated it; this one must draw */
  GtkProgressBar *bar = patina_data_page_get_demo_progress(data_page(f));
  g_assert_false(gtk_widget_get_visible(GTK_WIDGET(bar)));
  BarLog log = {0};
  g_signal_connect(bar, "notify::fraction", G_CALLBACK(on_fraction), &log);

  /* Over a data set already open: drawing 200 images takes long enough to need a count. */
  make_demo(f);
  open_folder(f, f->demo);
  patina_window_set_demo_per_class(f->window, 6);
  GtkWidget *grid = find_widget(GTK_WIDGET(data_page(f)), GTK_TYPE_GRID_VIEW);

  /* A generation that fails half-way (a file where the AZ31B folder goes) gives the open
   * data set back, with a toast. */
  g_autofree char *partial = g_strconcat(dir, ".partial", NULL);
  g_autofree char *blocker = g_build_filename(partial, "AZ31B", NULL);
  g_assert_cmpint(g_mkdir_with_parents(partial, 0755), ==, 0);
  g_assert_true(g_file_set_contents(blocker, "", -1, NULL));
  ToastWait tw = {f->window, patina_window_get_n_toasts(f->window)};
  activate(f, "win.open-demo", NULL);
  wait_for(new_toast, &tw, "a toast saying the demo could not be drawn");
  settle();
  g_assert_cmpfloat(log.highest, >, 0); /* the 316L images were counted */
  g_assert_cmpstr(patina_workspace_get_dataset_path(ws), ==, f->demo);
  g_assert_true(gtk_widget_get_mapped(grid));
  g_assert_false(gtk_widget_get_mapped(GTK_WIDGET(bar)));
  test_remove_tree(partial);
  log.highest = 0;

  activate(f, "win.open-demo", NULL);
  wait_for(some_drawn, ws, "the first demo images to be counted");
  settle();
  g_assert_true(gtk_widget_get_mapped(GTK_WIDGET(bar))); /* on the loading page, on screen */
  save_screenshot(f, "data", "data-demo-progress.png");
  wait_for(dataset_open, ws, "the demo data set to be generated and opened");
  g_signal_handlers_disconnect_by_func(bar, on_fraction, &log);

  g_assert_cmpfloat_with_epsilon(log.highest, 1.0, 1e-9);
  g_assert_false(log.fell);
  g_assert_false(log.hidden_while_counting);
  g_assert_cmpstr(log.text_at_full, ==, "Drawing demo images: 12 of 12");
  g_assert_cmpint(patina_workspace_get_demo_drawn(ws), ==, 12);
  g_assert_cmpstr(patina_workspace_get_dataset_path(ws), ==, dir);
  g_assert_cmpuint(patina_workspace_get_dataset(ws)->samples->len, ==, 12);
  g_free(log.text_at_full);

  /* Opening a folder that exists draws nothing: no stale count on the next loading page. */
  activate(f, "win.open-dataset-path", g_variant_new_string(dir));
  g_assert_cmpint(patina_workspace_get_demo_total(ws), ==, 0);
  g_assert_false(gtk_widget_get_visible(GTK_WIDGET(bar)));
  wait_for(dataset_open, ws, "the demo data set to open again");
  wait_for(page_scanned, data_page(f), "thumbnails, duplicates and the manifest");
  test_remove_tree(dir);
}

int main(int argc, char **argv)
{
  app_test_init(&argc, &argv);
#define ADD(name, fn) g_test_add("/data/" name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD("viewer-zoom-pan", test_viewer_zoom_pan);
  ADD("viewer-metadata", test_viewer_metadata);
  ADD("crop-saved", test_crop_saved);
  ADD("exclude-image", test_exclude_image);
  ADD("image-to-page", test_image_to_page);
  ADD("split-filter", test_split_filter);
  ADD("split-filter-without-manifest", test_split_filter_without_manifest);
  ADD("duplicates", test_duplicates);
  ADD("summary-counts", test_summary_counts);
  ADD("recent", test_recent);
  ADD("recent-on-first-run", test_recent_on_first_run);
  ADD("preferences", test_preferences);
  ADD("folder-vanishes", test_folder_vanishes);
  ADD("bad-drops", test_bad_drops);
  ADD("demo-progress", test_demo_progress);
#undef ADD
  g_test_add_func("/data/demo-on-start", test_demo_on_start);
  return app_test_run();
}
