/* The GTK application driven through its own actions, under Xvfb (tests/meson.build runs it
 * with xvfb-run, GSK_RENDERER=cairo, GSETTINGS_BACKEND=memory, GDK_BACKEND=x11).
 *
 * Nothing here depends on timing: every step activates an action and then iterates the main
 * context until the state it expects holds, failing with a message after a generous timeout. */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "data/demo.h"
#include "patina-application.h"
#include "patina-chart.h"
#include "patina-data-page.h"
#include "patina-settings.h"
#include "patina-thumbnail.h"
#include "patina-train-page.h"
#include "patina-window.h"

#define TIMEOUT_S 60.0

typedef gboolean (*Condition)(gpointer data);

static gboolean wake(gpointer data)
{
  (void) data;
  return G_SOURCE_CONTINUE;
}

/* Iterates the default main context until cond(data) holds; fails the test after timeout_s. */
static void wait_for(Condition cond, gpointer data, const char *what)
{
  gint64 end = g_get_monotonic_time() + (gint64) (TIMEOUT_S * G_USEC_PER_SEC);
  guint id = g_timeout_add(10, wake, NULL);
  while (!cond(data)) {
    if (g_get_monotonic_time() > end)
      g_error("timed out after %.0f s waiting for %s", TIMEOUT_S, what);
    g_main_context_iteration(NULL, TRUE);
  }
  g_source_remove(id);
}

/* Lets pending idles, layout and drawing run. */
static void settle(void)
{
  for (int i = 0; i < 20; i++) {
    while (g_main_context_iteration(NULL, FALSE))
      ;
    g_usleep(2000);
  }
}

typedef struct {
  PatinaWindow *window;
  char *tmp;          /* scratch folder of this test */
  char *demo;         /* a small demo data set in tmp */
} Fixture;

static gboolean window_mapped(gpointer data) { return gtk_widget_get_mapped(data); }

static void fixture_set_up(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  f->tmp = g_dir_make_tmp("patina-app-XXXXXX", NULL);
  g_assert_nonnull(f->tmp);
  f->window = patina_window_new(NULL);
  g_object_ref_sink(f->window);
  gtk_window_present(GTK_WINDOW(f->window));
  wait_for(window_mapped, f->window, "the window to be mapped");
}

static gboolean job_inactive(gpointer data)
{
  PatinaJob *job = patina_workspace_get_job(data);
  return job == NULL || !patina_job_is_active(job);
}

static gboolean workspace_idle(gpointer data)
{
  return !patina_workspace_get_loading(data) && job_inactive(data);
}

static void rm_rf(const char *path)
{
  if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
    GDir *d = g_dir_open(path, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      rm_rf(child);
    }
    if (d)
      g_dir_close(d);
    g_rmdir(path);
  } else {
    g_unlink(path);
  }
}

static void fixture_tear_down(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  patina_workspace_stop(ws);
  wait_for(workspace_idle, ws, "the workspace's workers to finish");
  gtk_window_destroy(GTK_WINDOW(f->window));
  g_object_unref(f->window);
  settle();
  rm_rf(f->tmp);
  g_free(f->tmp);
  g_free(f->demo);
}

static void make_demo(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  f->demo = g_build_filename(f->tmp, "demo", NULL);
  g_assert_true(patina_demo_generate(f->demo, 6, 0, &error));
  g_assert_no_error(error);
}

static void activate(Fixture *f, const char *action, GVariant *param)
{
  g_assert_true(gtk_widget_activate_action_variant(GTK_WIDGET(f->window), action, param));
}

/* ---- screenshots ---- */

static void save_screenshot(Fixture *f, const char *page, const char *file)
{
  /* PATINA_SCREENSHOT_DIR from outside (e.g. data/screenshots to refresh the committed ones),
   * else the build tree's folder that tests/app/meson.build names. */
  const char *dir = g_getenv("PATINA_SCREENSHOT_DIR");
  if (!dir || !*dir)
    dir = g_getenv("PATINA_DEFAULT_SCREENSHOT_DIR");
  if (!dir || !*dir)
    return;
  if (page)
    activate(f, "win.show-page", g_variant_new_string(page));
  patina_window_dismiss_toast(f->window); /* it would hide part of the page */
  settle();
  GtkWidget *w = GTK_WIDGET(f->window);
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
  g_test_message("screenshot %s (%d×%d)", path, width, height);
}

/* ---- tests ---- */

static void test_first_run(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  g_assert_null(patina_workspace_get_dataset(ws));
  /* Without a data set there is nothing to train: the action is disabled. */
  gtk_widget_activate_action(GTK_WIDGET(f->window), "win.train-start", NULL);
  settle();
  g_assert_null(patina_workspace_get_job(ws));
  save_screenshot(f, "data", "first-run.png");
}

static gboolean dataset_open(gpointer data)
{
  return patina_workspace_get_dataset(data) != NULL && !patina_workspace_get_loading(data);
}

static gboolean thumbnails_decoded(gpointer data)
{
  PatinaDataPage *page = data;
  guint n = g_list_model_get_n_items(patina_data_page_get_thumbnails(page));
  return n > 0 && patina_data_page_get_n_decoded(page) == n;
}

static void open_demo(Fixture *f)
{
  make_demo(f);
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  activate(f, "win.open-dataset-path", g_variant_new_string(f->demo));
  wait_for(dataset_open, ws, "the demo data set to open");
}

static void test_open_dataset(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  const PatinaDataset *ds = patina_workspace_get_dataset(ws);
  g_assert_cmpuint(ds->samples->len, ==, 12);
  g_assert_cmpuint(ds->class_names->len, ==, 2);

  PatinaDataPage *page = PATINA_DATA_PAGE(patina_window_get_page(f->window, "data"));
  GListModel *thumbs = patina_data_page_get_thumbnails(page);
  g_assert_cmpuint(g_list_model_get_n_items(thumbs), ==, 12);
  wait_for(thumbnails_decoded, page, "the thumbnails to be decoded");

  /* Filter by class through the page's action, then show all again. */
  GListModel *shown = patina_data_page_get_shown(page);
  g_assert_cmpuint(g_list_model_get_n_items(shown), ==, 12);
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(page), "data.filter-class", "s", "AZ31B"));
  g_assert_cmpuint(g_list_model_get_n_items(shown), ==, 6);
  for (guint i = 0; i < 6; i++) {
    g_autoptr(PatinaThumbnail) t = g_list_model_get_item(shown, i);
    g_assert_cmpstr(patina_thumbnail_get_class_name(t), ==, "AZ31B");
  }
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(page), "data.filter-class", "s", ""));
  g_assert_cmpuint(g_list_model_get_n_items(shown), ==, 12);
  save_screenshot(f, "data", "data.png");
}

typedef struct {
  PatinaWindow *window;
  guint before;
} ToastWait;

static gboolean new_toast(gpointer data)
{
  ToastWait *w = data;
  return patina_window_get_n_toasts(w->window) > w->before && !patina_workspace_get_loading(patina_window_get_workspace(w->window));
}

/* Opens path and returns the toast it caused (owned by the window). */
static const char *open_expecting_toast(Fixture *f, const char *path)
{
  ToastWait w = {f->window, patina_window_get_n_toasts(f->window)};
  activate(f, "win.open-dataset-path", g_variant_new_string(path));
  wait_for(new_toast, &w, "a toast about the folder");
  return patina_window_get_last_toast(f->window);
}

static void test_bad_folders(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);

  g_autofree char *missing = g_build_filename(f->tmp, "does-not-exist", NULL);
  const char *t = open_expecting_toast(f, missing);
  g_assert_nonnull(strstr(t, "Cannot open the data set"));
  g_assert_nonnull(strstr(t, "does-not-exist"));

  g_autofree char *empty = g_build_filename(f->tmp, "empty", NULL);
  g_mkdir(empty, 0755);
  t = open_expecting_toast(f, empty);
  g_assert_nonnull(strstr(t, "Cannot open the data set"));

  /* one class only */
  g_autofree char *one = g_build_filename(f->tmp, "one-class", NULL);
  g_autofree char *cls = g_build_filename(one, "A", NULL);
  g_mkdir_with_parents(cls, 0755);
  g_autofree char *img = g_build_filename(cls, "x.png", NULL);
  g_assert_true(g_file_set_contents(img, "not a png", -1, NULL));
  t = open_expecting_toast(f, one);
  g_assert_nonnull(strstr(t, "Cannot open the data set"));

  /* a dropped file that is not a folder */
  guint before = patina_window_get_n_toasts(f->window);
  g_autoptr(GFile) file = g_file_new_for_path(img);
  patina_window_open_file(f->window, file);
  g_assert_cmpuint(patina_window_get_n_toasts(f->window), ==, before + 1);
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "is not a folder"));

  g_assert_null(patina_workspace_get_dataset(ws));
}

static void set_train_settings(int epochs)
{
  g_autoptr(GSettings) s = patina_settings_new();
  g_settings_set_enum(s, "train-model", 0);
  g_settings_set_int(s, "train-epochs", epochs);
  g_settings_set_int(s, "train-size", 46);
  g_settings_set_int(s, "train-batch", 4);
  g_settings_set_int(s, "train-seed", 0);
}

/* A probe of main-loop stalls: the longest gap between ticks of a 5 ms timeout. Reported, not
 * asserted (timings are benchmarks, never test assertions). */
typedef struct {
  gint64 last, longest;
} Probe;

static gboolean probe_tick(gpointer data)
{
  Probe *p = data;
  gint64 now = g_get_monotonic_time();
  if (p->last)
    p->longest = MAX(p->longest, now - p->last);
  if (p->last && now - p->last > 20000 && g_getenv("PATINA_PROBE_VERBOSE"))
    g_printerr("stall %.1f ms at %.3f\n", (now - p->last) / 1000.0, now / 1e6);
  p->last = now;
  return G_SOURCE_CONTINUE;
}

static gboolean job_finished(gpointer data)
{
  PatinaJob *job = patina_workspace_get_job(data);
  return job && !patina_job_is_active(job);
}

static void test_train_one_epoch(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  set_train_settings(1);
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  /* Show the page first, so the probe below measures the training, not the page's first frame. */
  activate(f, "win.show-page", g_variant_new_string("train"));
  settle();
  Probe probe = {0};
  guint probe_id = g_timeout_add(5, probe_tick, &probe);
  if (g_getenv("PATINA_PROBE_VERBOSE"))
    g_printerr("probe started at %.3f\n", g_get_monotonic_time() / 1e6);
  activate(f, "win.train-start", NULL);
  g_autoptr(PatinaJob) job = g_object_ref(patina_workspace_get_job(ws)); /* outlives run 2 */
  g_assert_nonnull(job);
  g_assert_true(patina_job_is_active(job));

  /* A second start while the first runs is refused with a message, the job stays. */
  activate(f, "win.train-start", NULL);
  g_assert_true(patina_workspace_get_job(ws) == job);
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "already"));

  wait_for(job_finished, ws, "the one-epoch training to finish");
  g_source_remove(probe_id);
  if (g_getenv("PATINA_PROBE_VERBOSE"))
    g_printerr("finished at %.3f\n", g_get_monotonic_time() / 1e6);
  g_test_message("longest main-loop stall during training: %.1f ms", probe.longest / 1000.0);
  g_assert_cmpint(patina_job_get_state(job), ==, PATINA_JOB_DONE);
  g_assert_cmpuint(patina_job_get_history(job)->len, ==, 1);
  g_assert_cmpfloat(patina_job_get_fraction(job), ==, 1.0);
  g_assert_true(g_file_test(patina_job_get_output(job), G_FILE_TEST_IS_REGULAR));

  PatinaTrainPage *page = PATINA_TRAIN_PAGE(patina_window_get_page(f->window, "train"));
  g_assert_cmpuint(patina_chart_get_n_points(patina_train_page_get_chart(page)), ==, 1);
  /* the best model evaluated on the validation images fills the confusion matrix */
  const PatinaEvaluation *ev = patina_job_get_evaluation(job);
  g_assert_nonnull(ev);
  g_assert_cmpint(ev->n_classes, ==, 2);
  g_assert_cmpint(ev->n, >, 0);
  g_assert_cmpint(patina_confusion_get_total(patina_train_page_get_confusion(page)), ==, ev->n);
  g_assert_cmpstr(patina_job_get_class_names(job)[1], ==, "AZ31B");
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "Training finished"));

  /* Save the model and export the history (written through a temporary file and a rename). */
  g_autofree char *model_copy = g_build_filename(f->tmp, "saved.safetensors", NULL);
  g_autofree char *csv = g_build_filename(f->tmp, "history.csv", NULL);
  ToastWait tw = {f->window, patina_window_get_n_toasts(f->window)};
  activate(f, "win.save-model-path", g_variant_new_string(model_copy));
  wait_for(new_toast, &tw, "the model to be saved");
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "Saved"));
  g_autofree char *a = NULL, *b = NULL;
  gsize na, nb;
  g_assert_true(g_file_get_contents(patina_job_get_output(job), &a, &na, NULL));
  g_assert_true(g_file_get_contents(model_copy, &b, &nb, NULL));
  g_assert_cmpmem(a, na, b, nb);
  tw.before = patina_window_get_n_toasts(f->window);
  activate(f, "win.export-history-path", g_variant_new_string(csv));
  wait_for(new_toast, &tw, "the history to be exported");
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(csv, &text, NULL, NULL));
  g_assert_true(g_str_has_prefix(text, "epoch,"));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), >=, 2);

  /* A second run replaces the first on the page (and shows a few epochs in the screenshot). */
  set_train_settings(4);
  activate(f, "win.train-start", NULL);
  PatinaJob *second = patina_workspace_get_job(ws);
  g_assert_true(second != job);
  wait_for(job_finished, ws, "the second training to finish");
  g_assert_cmpint(patina_job_get_state(second), ==, PATINA_JOB_DONE);
  g_assert_cmpuint(patina_chart_get_n_points(patina_train_page_get_chart(page)), ==, 4);
  /* one batch point per training batch, every epoch */
  g_assert_cmpuint(patina_job_get_batches(second)->len, >=, 4);
  g_assert_cmpuint(patina_chart_get_n_batch_points(patina_train_page_get_chart(page)), ==,
                   patina_job_get_batches(second)->len);
  g_assert_cmpstr(patina_job_get_output(second), !=, patina_job_get_output(job));
  /* Hovering over epoch 3 of the loss panel reads its values out. */
  PatinaChart *chart = patina_train_page_get_chart(page);
  activate(f, "win.show-page", g_variant_new_string("train"));
  settle();
  double pw = gtk_widget_get_width(GTK_WIDGET(chart)) / 2.0;
  double plot_x = 46, plot_w = pw - 46 - 12; /* PANEL_LEFT, PANEL_RIGHT; x from 0 to 4 epochs */
  patina_chart_set_hover(chart, plot_x + 3.0 / 4.0 * plot_w, 100);
  g_autofree char *readout = patina_chart_get_readout(chart);
  g_assert_nonnull(readout);
  g_assert_true(g_str_has_prefix(readout, "Epoch 3\n"));
  save_screenshot(f, "train", "train.png");
  patina_chart_set_hover(chart, -1, -1);
  g_assert_null(patina_chart_get_readout(chart));
}

/* win.open-demo generates the demo data set into the user's data folder, then opens it. */
static void test_open_demo_action(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  g_autofree char *dir = patina_workspace_demo_dir();
  g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
  patina_window_set_demo_per_class(f->window, 4);
  activate(f, "win.open-demo", NULL);
  wait_for(dataset_open, ws, "the demo data set to be generated and opened");
  g_assert_cmpstr(patina_workspace_get_dataset_path(ws), ==, dir);
  g_assert_cmpuint(patina_workspace_get_dataset(ws)->samples->len, ==, 8);
  g_autofree char *partial = g_strconcat(dir, ".partial", NULL);
  g_assert_false(g_file_test(partial, G_FILE_TEST_EXISTS));

  /* A second time it opens what is there. */
  activate(f, "win.open-demo", NULL);
  wait_for(dataset_open, ws, "the demo data set to open again");
  g_assert_cmpuint(patina_workspace_get_dataset(ws)->samples->len, ==, 8);
}

static void test_window_size_remembered(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  (void) f;
  g_autoptr(GSettings) s = patina_settings_new();
  /* A window of its own: closing destroys it, the fixture's stays for the tear-down. */
  g_autoptr(PatinaWindow) first = g_object_ref_sink(patina_window_new(NULL));
  gtk_window_present(GTK_WINDOW(first));
  wait_for(window_mapped, first, "the first window to be mapped");
  gtk_window_set_default_size(GTK_WINDOW(first), 900, 640);
  settle();
  gtk_window_close(GTK_WINDOW(first));
  settle();
  g_assert_cmpint(g_settings_get_int(s, "window-width"), ==, 900);
  g_assert_cmpint(g_settings_get_int(s, "window-height"), ==, 640);

  /* The next window opens at that size. */
  g_autoptr(PatinaWindow) w = g_object_ref_sink(patina_window_new(NULL));
  int width, height;
  gtk_window_get_default_size(GTK_WINDOW(w), &width, &height);
  g_assert_cmpint(width, ==, 900);
  g_assert_cmpint(height, ==, 640);
  gtk_window_destroy(GTK_WINDOW(w));
  g_settings_reset(s, "window-width");
  g_settings_reset(s, "window-height");
}

static gboolean pointer_cleared(gpointer data)
{
  return *(gpointer *) data == NULL;
}

static void test_start_stop_cycles(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  set_train_settings(1000); /* never finishes on its own */
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  gpointer previous = NULL; /* weak: the last cycle's job */
  for (int i = 0; i < 20; i++) {
    activate(f, "win.train-start", NULL);
    /* The job a new run replaces is freed: nothing keeps finished jobs alive. */
    wait_for(pointer_cleared, &previous, "the previous job to be finalized");
    PatinaJob *job = patina_workspace_get_job(ws);
    previous = job;
    g_object_add_weak_pointer(G_OBJECT(job), &previous);
    g_assert_true(patina_job_is_active(job));
    if (i % 2)
      settle(); /* sometimes let it get going first */
    activate(f, "win.train-stop", NULL);
    g_assert_cmpint(patina_job_get_state(job), ==, PATINA_JOB_STOPPING);
    /* Stop again while stopping changes nothing. */
    gtk_widget_activate_action(GTK_WIDGET(f->window), "win.train-stop", NULL);
    g_assert_cmpint(patina_job_get_state(job), ==, PATINA_JOB_STOPPING);
    wait_for(job_finished, ws, "the training to stop");
    g_assert_cmpint(patina_job_get_state(job), ==, PATINA_JOB_CANCELLED);
  }
  if (previous)
    g_object_remove_weak_pointer(G_OBJECT(previous), &previous);
}

static gboolean job_has_progress(gpointer data)
{
  return patina_job_get_fraction(data) > 0;
}

static gboolean job_paused(gpointer data)
{
  return patina_job_get_state(data) == PATINA_JOB_PAUSED;
}

typedef struct {
  PatinaJob *job;
  double fraction;
} Beyond;

static gboolean job_beyond(gpointer data)
{
  Beyond *b = data;
  return patina_job_get_fraction(b->job) > b->fraction;
}

static void test_pause_resume(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  set_train_settings(1000);
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  activate(f, "win.train-start", NULL);
  PatinaJob *job = g_object_ref(patina_workspace_get_job(ws));
  wait_for(job_has_progress, job, "the first batch");

  activate(f, "win.train-pause", NULL);
  g_assert_cmpint(patina_job_get_state(job), ==, PATINA_JOB_PAUSING);
  wait_for(job_paused, job, "the worker to pause");
  /* Paused: the worker waits, so nothing moves however long we look. */
  double at_pause = patina_job_get_fraction(job);
  settle();
  g_assert_cmpfloat(patina_job_get_fraction(job), ==, at_pause);
  g_assert_cmpint(patina_job_get_state(job), ==, PATINA_JOB_PAUSED);

  activate(f, "win.train-resume", NULL);
  g_assert_cmpint(patina_job_get_state(job), ==, PATINA_JOB_RUNNING);
  Beyond b = {job, at_pause};
  wait_for(job_beyond, &b, "training to continue after resuming");

  /* Stop while paused keeps what was trained and ends the run. */
  activate(f, "win.train-pause", NULL);
  wait_for(job_paused, job, "the worker to pause again");
  activate(f, "win.train-stop", NULL);
  wait_for(job_finished, ws, "the paused training to stop");
  g_assert_cmpint(patina_job_get_state(job), ==, PATINA_JOB_CANCELLED);
  g_object_unref(job);
}

/* The data set folder vanishes while open: training says so instead of crashing. */
static void test_dataset_vanishes(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  set_train_settings(1);
  rm_rf(f->demo);
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  activate(f, "win.train-start", NULL);
  PatinaJob *job = patina_workspace_get_job(ws);
  wait_for(job_finished, ws, "the training on a vanished folder to fail");
  g_assert_cmpint(patina_job_get_state(job), ==, PATINA_JOB_FAILED);
  const char *t = patina_window_get_last_toast(f->window);
  g_assert_nonnull(strstr(t, "Training failed"));
  g_assert_nonnull(strstr(t, "demo"));
}

/* The shortcuts window (win.show-help-overlay) builds from its resource. */
static void test_help_overlay(void)
{
  g_autoptr(GtkBuilder) b = gtk_builder_new_from_resource("/org/patina/Patina/gtk/help-overlay.ui");
  GObject *overlay = gtk_builder_get_object(b, "help_overlay");
  g_assert_true(GTK_IS_SHORTCUTS_WINDOW(overlay));
  gtk_window_destroy(GTK_WINDOW(overlay));
}

int main(int argc, char **argv)
{
  /* The user's directories point into a scratch folder (runs and the demo are written there);
   * the system's stay, for the icon theme (G_TEST_OPTION_ISOLATE_DIRS would hide it). */
  g_autofree char *home = g_dir_make_tmp("patina-app-home-XXXXXX", NULL);
  g_assert_nonnull(home);
  const char *vars[] = {"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"};
  for (guint i = 0; i < G_N_ELEMENTS(vars); i++) {
    g_autofree char *dir = g_build_filename(home, vars[i], NULL);
    g_setenv(vars[i], dir, TRUE);
  }
  g_test_init(&argc, &argv, NULL);
  gtk_init();
  adw_init();
  /* Toasts and page transitions land at once, so screenshots show the final state. */
  g_object_set(gtk_settings_get_default(), "gtk-enable-animations", FALSE, NULL);
  patina_app_register_resources();
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new();
  gtk_css_provider_load_from_resource(css, "/org/patina/Patina/style.css");
  gtk_style_context_add_provider_for_display(gdk_display_get_default(), GTK_STYLE_PROVIDER(css),
                                             GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  g_test_add("/app/first-run", Fixture, NULL, fixture_set_up, test_first_run, fixture_tear_down);
  g_test_add("/app/open-dataset", Fixture, NULL, fixture_set_up, test_open_dataset,
             fixture_tear_down);
  g_test_add("/app/bad-folders", Fixture, NULL, fixture_set_up, test_bad_folders,
             fixture_tear_down);
  g_test_add("/app/train-one-epoch", Fixture, NULL, fixture_set_up, test_train_one_epoch,
             fixture_tear_down);
  g_test_add("/app/open-demo-action", Fixture, NULL, fixture_set_up, test_open_demo_action,
             fixture_tear_down);
  g_test_add("/app/window-size-remembered", Fixture, NULL, fixture_set_up,
             test_window_size_remembered, fixture_tear_down);
  g_test_add("/app/pause-resume", Fixture, NULL, fixture_set_up, test_pause_resume,
             fixture_tear_down);
  g_test_add("/app/dataset-vanishes", Fixture, NULL, fixture_set_up, test_dataset_vanishes,
             fixture_tear_down);
  g_test_add_func("/app/help-overlay", test_help_overlay);
  g_test_add("/app/start-stop-cycles", Fixture, NULL, fixture_set_up, test_start_stop_cycles,
             fixture_tear_down);
  int status = g_test_run();
  rm_rf(home);
  return status;
}
