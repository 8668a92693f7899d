/* The Augment page, driven through its augment.* actions and its controls under Xvfb
 * (helpers in app-test.h). */
#include <adwaita.h>
#include <string.h>

#include "app-test.h"

#include "data/image.h"
#include "patina-augment-page.h"
#include "patina-settings.h"
#include "patina-train-page.h"
#include "train/checkpoint.h"
#include "viz/augment-grid.h"

static PatinaAugmentPage *page_of(Fixture *f)
{
  return PATINA_AUGMENT_PAGE(patina_window_get_page(f->window, "augment"));
}

static void page_do(PatinaAugmentPage *page, const char *action, GVariant *param)
{
  g_assert_true(gtk_widget_activate_action_variant(GTK_WIDGET(page), action, param));
}

static void set_field(PatinaAugmentPage *page, const char *field, const char *value)
{
  page_do(page, "augment.set", g_variant_new("(ss)", field, value));
}

/* Nothing queued or running, and a grid (or an error) is up. */
static gboolean render_settled(gpointer page)
{
  PatinaAugmentRenderStats s;
  patina_augment_page_get_render_stats(page, &s);
  return !s.busy && (patina_augment_page_get_shown_json(page) || s.failed);
}

/* The settings persist across the cases of one program (memory backend): start clean. */
static void reset_settings(void)
{
  set_train_settings(1);
  g_autoptr(GSettings) s = patina_settings_new();
  g_settings_reset(s, "augment");
  g_settings_reset(s, "train-augment-preset");
}

static PatinaAugmentPage *open_page(Fixture *f)
{
  reset_settings();
  open_demo(f);
  PatinaAugmentPage *page = page_of(f);
  activate(f, "win.show-page", g_variant_new_string("augment"));
  wait_for(render_settled, page, "the first grid");
  return page;
}

static const char *visible_name(PatinaAugmentPage *page)
{
  return gtk_stack_get_visible_child_name(GTK_STACK(gtk_widget_get_first_child(GTK_WIDGET(page))));
}

/* What the core makes of the image at 46 px with these parameters as variant k. */
static float *expected_variant(const char *path, const char *json, guint64 seed, int k)
{
  const int size = 46;
  PatinaAugment a;
  g_assert_true(patina_augment_from_json(&a, json, -1, NULL));
  g_autofree float *src = g_new(float, size * size);
  g_assert_true(patina_image_load_input(path, size, 1, src, NULL));
  g_autoptr(GArray) tiles = patina_augment_tiles(&a, src, size, seed, k, NULL, NULL);
  return g_memdup2(g_array_index(tiles, PatinaAugmentTile, k).plane, size * size * sizeof(float));
}

static double shown_rotation(PatinaAugmentPage *page)
{
  PatinaAugment a;
  g_assert_true(patina_augment_from_json(&a, patina_augment_page_get_shown_json(page), -1, NULL));
  return a.rotation_range;
}

static void assert_shows_params(PatinaAugmentPage *page)
{
  g_autofree char *params = patina_augment_page_get_params_json(page);
  g_assert_cmpstr(patina_augment_page_get_shown_json(page), ==, params);
}

/* The original's picture: the first GtkPicture in the page's widget tree. */
static GtkWidget *find_picture(GtkWidget *w)
{
  if (GTK_IS_PICTURE(w))
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c)) {
    GtkWidget *found = find_picture(c);
    if (found)
      return found;
  }
  return NULL;
}

static void test_renders_demo(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  PatinaAugmentPage *page = open_page(f);
  const PatinaDataset *ds = patina_workspace_get_dataset(patina_window_get_workspace(f->window));
  const PatinaSample *first = &g_array_index(ds->samples, PatinaSample, 0);
  g_assert_cmpstr(visible_name(page), ==, "preview");
  g_assert_cmpstr(patina_augment_page_get_shown_path(page), ==, first->path);
  GArray *tiles = patina_augment_page_get_shown_tiles(page);
  g_assert_cmpuint(tiles->len, ==, 9);
  assert_shows_params(page);
  /* all off: every variant is the resized original */
  for (guint k = 1; k < tiles->len; k++)
    g_assert_cmpmem(g_array_index(tiles, PatinaAugmentTile, k).plane, 46 * 46 * sizeof(float),
                    g_array_index(tiles, PatinaAugmentTile, 0).plane, 46 * 46 * sizeof(float));

  /* next and previous step through the data set */
  page_do(page, "augment.next-image", NULL);
  wait_for(render_settled, page, "the second image's grid");
  g_assert_cmpstr(patina_augment_page_get_shown_path(page), ==,
                  g_array_index(ds->samples, PatinaSample, 1).path);
  page_do(page, "augment.previous-image", NULL);
  page_do(page, "augment.previous-image", NULL);
  wait_for(render_settled, page, "the last image's grid");
  g_assert_cmpstr(patina_augment_page_get_shown_path(page), ==,
                  g_array_index(ds->samples, PatinaSample, ds->samples->len - 1).path);

  page_do(page, "augment.preset", g_variant_new_string("paper"));
  set_field(page, "noise_sigma", "0.02");
  set_field(page, "blur_sigma", "0.5");
  set_field(page, "blur_probability", "0.5");
  g_autoptr(GSettings) s = patina_settings_new();
  g_settings_set_int(s, "train-size", 150); /* the paper's input size, for the screenshot */
  wait_for(render_settled, page, "the paper grid");
  g_assert_cmpint(gdk_texture_get_width(GDK_TEXTURE(gtk_picture_get_paintable(
                    GTK_PICTURE(find_picture(GTK_WIDGET(page)))))), ==, 150);
  save_screenshot(f, "augment", "augment.png");
}

static void test_parameter_rerenders(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  PatinaAugmentPage *page = open_page(f);
  /* as a user does: type into the rotation control */
  gtk_spin_button_set_value(patina_augment_page_get_spin(page, "rotation_range", FALSE), 40);
  wait_for(render_settled, page, "the rotated grid");
  g_assert_cmpfloat(shown_rotation(page), ==, 40);
  assert_shows_params(page);
  GArray *tiles = patina_augment_page_get_shown_tiles(page);
  guint64 seed = patina_augment_page_get_shown_seed(page);
  for (int k = 1; k <= 2; k++) {
    g_autofree float *want = expected_variant(patina_augment_page_get_shown_path(page),
                                              patina_augment_page_get_shown_json(page), seed, k);
    g_assert_cmpmem(g_array_index(tiles, PatinaAugmentTile, k).plane, 46 * 46 * sizeof(float),
                    want, 46 * 46 * sizeof(float));
  }
  /* the parameters are kept with the training settings */
  g_autoptr(GSettings) s = patina_settings_new();
  PatinaAugment saved;
  g_assert_true(patina_settings_get_augment(s, &saved, NULL));
  g_assert_cmpfloat(saved.rotation_range, ==, 40);

  /* a range's low end cannot pass its high end, nor the high end go below the low one */
  set_field(page, "zoom_range", "0.9,1.1");
  GtkSpinButton *lo = patina_augment_page_get_spin(page, "zoom_range", FALSE);
  GtkSpinButton *hi = patina_augment_page_get_spin(page, "zoom_range", TRUE);
  gtk_spin_button_set_value(lo, 1.5);
  g_assert_cmpfloat(gtk_spin_button_get_value(lo), <=, gtk_spin_button_get_value(hi));
  gtk_spin_button_set_value(hi, 0.5);
  g_assert_cmpfloat(gtk_spin_button_get_value(hi), >=, gtk_spin_button_get_value(lo));
  wait_for(render_settled, page, "the zoomed grid");
  assert_shows_params(page);
  PatinaAugment shown;
  g_assert_true(patina_augment_from_json(&shown, patina_augment_page_get_shown_json(page), -1,
                                         NULL));
  g_assert_cmpfloat(shown.zoom_range[0], <=, shown.zoom_range[1]);
}

/* Many changes while renders run: at most one render in flight, no stale grid shown, and the
 * grid ends with the last parameters. */
static void test_latest_request_wins(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  PatinaAugmentPage *page = open_page(f);
  g_autoptr(GSettings) s = patina_settings_new();
  g_settings_set_int(s, "train-size", 160); /* renders long enough to be overtaken */
  wait_for(render_settled, page, "the grid at 160 px");

  /* a burst within one main-loop turn is one request */
  PatinaAugmentRenderStats before, after;
  patina_augment_page_get_render_stats(page, &before);
  for (int i = 1; i <= 20; i++) {
    g_autofree char *v = g_strdup_printf("%d", i);
    set_field(page, "rotation_range", v);
  }
  wait_for(render_settled, page, "the grid after a burst");
  patina_augment_page_get_render_stats(page, &after);
  g_assert_cmpuint(after.started - before.started, ==, 1);
  g_assert_cmpuint(after.shown - before.shown, ==, 1);
  g_assert_cmpfloat(shown_rotation(page), ==, 20);

  /* changes interleaved with renders in flight, with a probe of main-loop stalls (reported,
   * not asserted) */
  before = after;
  Probe probe = {0};
  guint probe_id = g_timeout_add(5, probe_tick, &probe);
  for (int i = 1; i <= 40; i++) {
    g_autofree char *v = g_strdup_printf("%d", 100 + i);
    set_field(page, "rotation_range", v);
    page_do(page, "augment.new-seed", NULL);
    for (int k = 0; k < 3; k++)
      g_main_context_iteration(NULL, FALSE);
    PatinaAugmentRenderStats now;
    patina_augment_page_get_render_stats(page, &now);
    g_assert_cmpint(now.max_concurrent, <=, 1);
  }
  wait_for(render_settled, page, "the grid after interleaved changes");
  g_source_remove(probe_id);
  g_test_message("longest main-loop stall while rendering at 160 px: %.1f ms",
                 probe.longest / 1000.0);
  patina_augment_page_get_render_stats(page, &after);
  g_assert_cmpint(after.max_concurrent, ==, 1);
  g_assert_cmpuint(after.started - before.started, <=, 40);
  g_assert_cmpuint(after.shown - before.shown, >=, 1);
  g_test_message("40 changes: %u renders started, %u shown", after.started - before.started,
                 after.shown - before.shown);
  g_assert_cmpfloat(shown_rotation(page), ==, 140);
  assert_shows_params(page);
  g_settings_set_int(s, "train-size", 46);
}

static void test_new_seed(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  PatinaAugmentPage *page = open_page(f);
  page_do(page, "augment.preset", g_variant_new_string("paper"));
  wait_for(render_settled, page, "the paper grid");
  guint64 seed = patina_augment_page_get_shown_seed(page);
  GArray *tiles = patina_augment_page_get_shown_tiles(page);
  g_autofree float *old = g_memdup2(g_array_index(tiles, PatinaAugmentTile, 1).plane,
                                    46 * 46 * sizeof(float));
  page_do(page, "augment.new-seed", NULL);
  wait_for(render_settled, page, "the grid with a new seed");
  g_assert_cmpuint(patina_augment_page_get_shown_seed(page), !=, seed);
  tiles = patina_augment_page_get_shown_tiles(page);
  g_assert_true(memcmp(g_array_index(tiles, PatinaAugmentTile, 1).plane, old,
                       46 * 46 * sizeof(float)) != 0);
  g_autofree float *want =
    expected_variant(patina_augment_page_get_shown_path(page),
                     patina_augment_page_get_shown_json(page),
                     patina_augment_page_get_shown_seed(page), 1);
  g_assert_cmpmem(g_array_index(tiles, PatinaAugmentTile, 1).plane, 46 * 46 * sizeof(float),
                  want, 46 * 46 * sizeof(float));
}

static void test_export(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  PatinaAugmentPage *page = open_page(f);
  page_do(page, "augment.preset", g_variant_new_string("mild"));
  wait_for(render_settled, page, "the mild grid");
  g_autofree char *path = g_build_filename(f->tmp, "grid.png", NULL);
  ToastWait w = {f->window, patina_window_get_n_toasts(f->window)};
  page_do(page, "augment.export-path", g_variant_new_string(path));
  wait_for(new_toast, &w, "the export's toast");
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "Saved"));
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_file(path, &error);
  g_assert_no_error(error);
  /* 3 tiles of 200 px, 10 px gaps, 14 px margins; 3 rows of tiles and their labels */
  g_assert_cmpint(gdk_pixbuf_get_width(pb), ==, 2 * 14 + 3 * 200 + 2 * 10);
  g_assert_cmpint(gdk_pixbuf_get_height(pb), >, 3 * 200 + 2 * 10);

  /* a folder that does not exist: a toast naming it, nothing written */
  g_autofree char *bad = g_build_filename(f->tmp, "no-such-folder", "grid.png", NULL);
  w.before = patina_window_get_n_toasts(f->window);
  page_do(page, "augment.export-path", g_variant_new_string(bad));
  wait_for(new_toast, &w, "the failed export's toast");
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "Cannot save"));
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "no-such-folder"));
}

static void assert_same_augment(const PatinaAugment *a, const PatinaAugment *b)
{
  g_autofree char *ja = patina_augment_to_json(a);
  g_autofree char *jb = patina_augment_to_json(b);
  g_assert_cmpstr(ja, ==, jb);
}

/* The page's parameters reach the Train page's configuration and a run's checkpoint. */
static void test_settings_reach_training(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  PatinaAugmentPage *page = open_page(f);
  page_do(page, "augment.preset", g_variant_new_string("mild"));
  set_field(page, "noise_sigma", "0.01");
  PatinaAugment want;
  g_autofree char *json = patina_augment_page_get_params_json(page);
  g_assert_true(patina_augment_from_json(&want, json, -1, NULL));

  g_autoptr(GSettings) s = patina_settings_new();
  PatinaTrainConfig cfg;
  PatinaAugment storage;
  /* editing the parameters made them the Train page's choice */
  g_autofree char *choice = g_settings_get_string(s, "train-augment-preset");
  g_assert_cmpstr(choice, ==, "custom");
  g_assert_true(patina_train_config_from_settings(s, &cfg, &storage, NULL));
  g_assert_nonnull(cfg.augment);
  assert_same_augment(cfg.augment, &want);

  /* a run started from the window trains with them: its checkpoint says so */
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  activate(f, "win.train-start", NULL);
  wait_for(job_finished, ws, "the augmented run");
  PatinaJob *job = patina_workspace_get_job(ws);
  g_assert_cmpint(patina_job_get_state(job), ==, PATINA_JOB_DONE);
  PatinaCheckpointMeta meta = {0};
  g_autoptr(GError) error = NULL;
  PatinaModel *m = patina_checkpoint_load(patina_job_get_output(job), &meta, &error);
  g_assert_no_error(error);
  patina_model_free(m);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_assert_true(json_parser_load_from_data(parser, meta.hyperparameters_json, -1, NULL));
  JsonObject *hp = json_node_get_object(json_parser_get_root(parser));
  PatinaAugment recorded;
  g_assert_true(patina_augment_from_json_node(&recorded, json_object_get_member(hp, "augment"),
                                              NULL));
  assert_same_augment(&recorded, &want);
  patina_checkpoint_meta_clear(&meta);

  /* a hand-broken key refuses to start instead of training without augmentation */
  g_settings_set_string(s, "augment", "{\"rotation_range\": \"a lot\"}");
  settle();
  g_autoptr(GError) broken = NULL;
  g_assert_false(patina_train_config_from_settings(s, &cfg, &storage, &broken));
  g_assert_nonnull(strstr(broken->message, "rotation_range"));
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "rotation_range"));
  g_settings_reset(s, "train-augment-preset");

  /* a window opened with the broken key says so, and training refuses it */
  PatinaWindow *second = patina_window_new(NULL);
  g_object_ref_sink(second);
  g_assert_nonnull(strstr(patina_window_get_last_toast(second), "rotation_range"));
  gtk_window_destroy(GTK_WINDOW(second));
  g_object_unref(second);
  g_settings_reset(s, "augment");
}

static void test_bad_image(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  PatinaAugmentPage *page = open_page(f);
  g_autofree char *bad = g_build_filename(f->tmp, "broken-micrograph.png", NULL);
  g_assert_true(g_file_set_contents(bad, "not a png at all", -1, NULL));
  ToastWait w = {f->window, patina_window_get_n_toasts(f->window)};
  page_do(page, "augment.open-image-path", g_variant_new_string(bad));
  wait_for(new_toast, &w, "a toast about the image");
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "broken-micrograph.png"));
  wait_for(render_settled, page, "the failed render to settle");
  /* the grid gives way to a message; the page and the window live on */
  PatinaAugmentRenderStats s;
  patina_augment_page_get_render_stats(page, &s);
  g_assert_cmpuint(s.failed, ==, 1);

  /* a good file after it shows again */
  const PatinaDataset *ds = patina_workspace_get_dataset(patina_window_get_workspace(f->window));
  const char *good = g_array_index(ds->samples, PatinaSample, 3).path;
  page_do(page, "augment.open-image-path", g_variant_new_string(good));
  wait_for(render_settled, page, "the good image's grid");
  g_assert_cmpstr(patina_augment_page_get_shown_path(page), ==, good);

  /* dropped on the page: a text file gets a toast naming it, a folder opens as the data set */
  g_autofree char *notes = g_build_filename(f->tmp, "notes.txt", NULL);
  g_assert_true(g_file_set_contents(notes, "magnification 5000x", -1, NULL));
  g_autoptr(GFile) notes_file = g_file_new_for_path(notes);
  w.before = patina_window_get_n_toasts(f->window);
  patina_augment_page_open_file(page, notes_file);
  wait_for(new_toast, &w, "a toast about the dropped file");
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "notes.txt"));
  wait_for(render_settled, page, "the failed render to settle");
  g_autoptr(GFile) folder = g_file_new_for_path(f->demo);
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  patina_augment_page_open_file(page, folder);
  wait_for(dataset_open, ws, "the dropped folder to open");
  settle();

  /* an unknown preset or field is refused with a toast naming it */
  w.before = patina_window_get_n_toasts(f->window);
  set_field(page, "shear_range", "0.2");
  g_assert_cmpuint(patina_window_get_n_toasts(f->window), ==, w.before + 1);
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "shear_range"));
}

static void test_no_dataset(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  reset_settings();
  PatinaAugmentPage *page = page_of(f);
  /* nothing to export yet: the action is disabled (no file, no toast) */
  g_autofree char *never = g_build_filename(f->tmp, "never.png", NULL);
  guint toasts = patina_window_get_n_toasts(f->window);
  gtk_widget_activate_action(GTK_WIDGET(page), "augment.export-path", "s", never);
  settle();
  g_assert_false(g_file_test(never, G_FILE_TEST_EXISTS));
  g_assert_cmpuint(patina_window_get_n_toasts(f->window), ==, toasts);
  activate(f, "win.show-page", g_variant_new_string("augment"));
  settle();
  g_assert_cmpstr(visible_name(page), ==, "empty");
  save_screenshot(f, "augment", "augment-empty.png");
  /* a single file can be previewed without a data set */
  make_demo(f);
  g_autofree char *img = g_build_filename(f->demo, "AZ31B", "AZ31B_000.png", NULL);
  page_do(page, "augment.open-image-path", g_variant_new_string(img));
  wait_for(render_settled, page, "the file's grid");
  g_assert_cmpstr(visible_name(page), ==, "preview");
  g_assert_cmpstr(patina_augment_page_get_shown_path(page), ==, img);
}

int main(int argc, char **argv)
{
  app_test_init(&argc, &argv);
  g_test_add("/augment/renders-demo", Fixture, NULL, fixture_set_up, test_renders_demo,
             fixture_tear_down);
  g_test_add("/augment/parameter-rerenders", Fixture, NULL, fixture_set_up,
             test_parameter_rerenders, fixture_tear_down);
  g_test_add("/augment/latest-request-wins", Fixture, NULL, fixture_set_up,
             test_latest_request_wins, fixture_tear_down);
  g_test_add("/augment/new-seed", Fixture, NULL, fixture_set_up, test_new_seed,
             fixture_tear_down);
  g_test_add("/augment/export", Fixture, NULL, fixture_set_up, test_export, fixture_tear_down);
  g_test_add("/augment/settings-reach-training", Fixture, NULL, fixture_set_up,
             test_settings_reach_training, fixture_tear_down);
  g_test_add("/augment/bad-image", Fixture, NULL, fixture_set_up, test_bad_image,
             fixture_tear_down);
  g_test_add("/augment/no-dataset", Fixture, NULL, fixture_set_up, test_no_dataset,
             fixture_tear_down);
  return app_test_run();
}
