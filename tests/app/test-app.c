/* The window, the Data page and the Train page, driven through their own actions under Xvfb
 * (helpers in app-test.h). */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "../testutil.h"
#include "app-test.h"

#include "data/demo.h"
#include "patina-application.h"
#include "patina-chart.h"
#include "patina-data-page.h"
#include "patina-settings.h"
#include "patina-thumbnail.h"
#include "patina-train-page.h"
#include "patina-window.h"


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
  /* data.png comes from test-data.c's /data/duplicates: split tags and a flagged duplicate */
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
  ToastWait tw = {f->window, patina_window_get_n_toasts(f->window)};
  activate(f, "win.save-model-path", g_variant_new_string(model_copy));
  wait_for(new_toast, &tw, "the model to be saved");
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "Saved"));
  g_autofree char *a = NULL, *b = NULL;
  gsize na, nb;
  g_assert_true(g_file_get_contents(patina_job_get_output(job), &a, &na, NULL));
  g_assert_true(g_file_get_contents(model_copy, &b, &nb, NULL));
  g_assert_cmpmem(a, na, b, nb);
  g_auto(GStrv) lines = export_history_lines(f, "history.csv");
  g_assert_true(g_str_has_prefix(lines[0], "epoch,"));
  g_assert_cmpuint(g_strv_length(lines), >=, 2);

  /* A second run replaces the first on the page. It is the screenshot's: enough images and
   * epochs to show a model that learns, and a validation share whose confusion matrix says
   * something (80 images at 64 px, 8 epochs: a few seconds on 2 cores). */
  g_autofree char *larger = g_build_filename(f->tmp, "demo-40", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_demo_generate(larger, 40, 0, &error));
  g_assert_no_error(error);
  activate(f, "win.open-dataset-path", g_variant_new_string(larger));
  wait_for(dataset_open, ws, "the larger demo data set to open");
  const int epochs = 8;
  set_train_settings(epochs);
  g_autoptr(GSettings) s = patina_settings_new();
  g_settings_set_int(s, "train-size", 64);
  g_settings_set_int(s, "train-batch", 8);
  g_settings_set_int(s, "train-seed", 1);
  g_settings_set_double(s, "train-val-fraction", 0.3);
  activate(f, "win.train-start", NULL);
  PatinaJob *second = patina_workspace_get_job(ws);
  g_assert_true(second != job);
  wait_for(job_finished, ws, "the second training to finish");
  g_assert_cmpint(patina_job_get_state(second), ==, PATINA_JOB_DONE);
  g_assert_cmpuint(patina_chart_get_n_points(patina_train_page_get_chart(page)), ==, epochs);
  /* one batch point per training batch, every epoch */
  g_assert_cmpuint(patina_job_get_batches(second)->len, >=, epochs);
  g_assert_cmpuint(patina_chart_get_n_batch_points(patina_train_page_get_chart(page)), ==,
                   patina_job_get_batches(second)->len);
  g_assert_cmpstr(patina_job_get_output(second), !=, patina_job_get_output(job));
  /* the status names the best epoch (the model kept, the one evaluated below) when it is not
   * the last */
  GArray *h = patina_job_get_history(second);
  guint best = 0;
  for (guint i = 1; i < h->len; i++) {
    const PatinaEpochRecord *r = &g_array_index(h, PatinaEpochRecord, i);
    const PatinaEpochRecord *kept = &g_array_index(h, PatinaEpochRecord, best);
    if (r->val_acc > kept->val_acc || (r->val_acc == kept->val_acc && r->val_loss < kept->val_loss))
      best = i;
  }
  const PatinaEpochRecord *kept = &g_array_index(h, PatinaEpochRecord, best);
  g_autofree char *best_text =
    g_strdup_printf("best %.1f %%, epoch %d", 100 * kept->val_acc, kept->epoch);
  const char *status = patina_train_page_get_status_text(page);
  g_test_message("%s", status);
  g_assert_true((strstr(status, best_text) != NULL) == (best != h->len - 1));
  /* Hovering over epoch 3 of the loss panel reads its values out. */
  PatinaChart *chart = patina_train_page_get_chart(page);
  activate(f, "win.show-page", g_variant_new_string("train"));
  settle();
  double pw = gtk_widget_get_width(GTK_WIDGET(chart)) / 2.0;
  double plot_x = 46, plot_w = pw - 46 - 12; /* PANEL_LEFT, PANEL_RIGHT; x from 0 to 8 epochs */
  patina_chart_set_hover(chart, plot_x + 3.0 / epochs * plot_w, 100);
  g_autofree char *readout = patina_chart_get_readout(chart);
  g_assert_nonnull(readout);
  g_assert_true(g_str_has_prefix(readout, "Epoch 3\n"));
  patina_chart_set_hover(chart, -1, -1);
  g_assert_null(patina_chart_get_readout(chart));
  /* without the read-out, which would hide part of the curves */
  save_screenshot(f, "train", "train.png");
  g_settings_reset(s, "train-val-fraction");
}

/* win.open-demo generates the demo data set into the user's data folder, then opens it. */
static void test_open_demo_action(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  g_autofree char *dir = patina_workspace_demo_dir();
  g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
  /* enough images that the two requests below overlap (about half a second of drawing) */
  patina_window_set_demo_per_class(f->window, 20);
  /* Asked twice before the first is drawn, it is drawn once: the second request waits for the
   * first rather than writing into the same folder (which ended in "Cannot move the demo"). */
  guint toasts = patina_window_get_n_toasts(f->window);
  activate(f, "win.open-demo", NULL);
  activate(f, "win.open-demo", NULL);
  wait_for(workspace_idle, ws, "both demo requests to finish");
  g_assert_cmpuint(patina_window_get_n_toasts(f->window), ==, toasts);
  g_assert_nonnull(patina_workspace_get_dataset(ws));
  g_assert_cmpstr(patina_workspace_get_dataset_path(ws), ==, dir);
  g_assert_cmpuint(patina_workspace_get_dataset(ws)->samples->len, ==, 40);
  g_autofree char *partial = g_strconcat(dir, ".partial", NULL);
  g_assert_false(g_file_test(partial, G_FILE_TEST_EXISTS));

  /* A second time it opens what is there. */
  activate(f, "win.open-demo", NULL);
  wait_for(dataset_open, ws, "the demo data set to open again");
  g_assert_cmpuint(patina_workspace_get_dataset(ws)->samples->len, ==, 40);
}

static gboolean demo_drawing(gpointer workspace)
{
  return patina_workspace_get_demo_drawn(workspace) > 0;
}

static guint count_files(const char *dir)
{
  guint n = 0;
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  for (const char *name; d && (name = g_dir_read_name(d));) {
    g_autofree char *path = g_build_filename(dir, name, NULL);
    n += g_file_test(path, G_FILE_TEST_IS_DIR) ? count_files(path) : 1;
  }
  return n;
}

/* Closing the window while the demo is drawn stops the drawing; nothing half-drawn is opened. */
static void test_close_while_drawing_demo(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  (void) f;
  g_autofree char *dir = patina_workspace_demo_dir();
  g_autofree char *partial = g_strconcat(dir, ".partial", NULL);
  test_remove_tree(dir); /* /app/open-demo-action's */
  /* A window of its own, so that closing it leaves the fixture's for the tear-down. */
  g_autoptr(PatinaWindow) window = g_object_ref_sink(patina_window_new(NULL));
  g_autoptr(PatinaWorkspace) ws = g_object_ref(patina_window_get_workspace(window));
  gtk_window_present(GTK_WINDOW(window));
  wait_for(window_mapped, window, "the window to be mapped");
  const int per_class = 2000; /* minutes of drawing if nothing stops it */
  patina_window_set_demo_per_class(window, per_class);
  gtk_widget_activate_action(GTK_WIDGET(window), "win.open-demo", NULL);
  wait_for(demo_drawing, ws, "the first demo images to be drawn");
  gtk_window_close(GTK_WINDOW(window));
  wait_for(workspace_idle, ws, "the demo drawing to stop");
  g_assert_null(patina_workspace_get_dataset(ws));
  g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
  guint drawn = count_files(partial);
  g_test_message("%u of %d images drawn before the drawing stopped", drawn, 2 * per_class);
  g_assert_cmpuint(drawn, <, 2 * per_class);
  test_remove_tree(partial);
}

static GtkWidget *find_descendant(GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE(widget, type))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child(widget); c; c = gtk_widget_get_next_sibling(c)) {
    GtkWidget *found = find_descendant(c, type);
    if (found)
      return found;
  }
  return NULL;
}

/* However the window arranges it (revealed or shown), the bar is there for the user. */
static gboolean bar_shown(GtkWidget *bar)
{
  return gtk_widget_get_visible(bar) &&
         adw_view_switcher_bar_get_reveal(ADW_VIEW_SWITCHER_BAR(bar));
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
  /* At 900 px the six page tabs leave the header for the bar at the bottom, and go back when
   * the window widens again. GTK 4.8 used to warn as the bar slid in; a warning fails the test
   * (g_test_init makes warnings fatal). */
  GtkWidget *switcher_bar = find_descendant(GTK_WIDGET(first), ADW_TYPE_VIEW_SWITCHER_BAR);
  g_assert_nonnull(switcher_bar);
  gtk_window_set_default_size(GTK_WINDOW(first), 1050, 680);
  settle();
  g_assert_false(bar_shown(switcher_bar));
  gtk_window_set_default_size(GTK_WINDOW(first), 900, 680);
  settle();
  g_assert_true(bar_shown(switcher_bar));
  g_assert_cmpint(gtk_widget_get_height(switcher_bar), >, 0);
  gtk_window_set_default_size(GTK_WINDOW(first), 1050, 680);
  settle();
  g_assert_false(bar_shown(switcher_bar));
  gtk_window_set_default_size(GTK_WINDOW(first), 900, 680);
  settle();
  g_assert_true(bar_shown(switcher_bar));
  gtk_window_close(GTK_WINDOW(first));
  settle();
  g_assert_cmpint(g_settings_get_int(s, "window-width"), ==, 900);
  g_assert_cmpint(g_settings_get_int(s, "window-height"), ==, 680);

  /* The next window opens at that size. */
  g_autoptr(PatinaWindow) w = g_object_ref_sink(patina_window_new(NULL));
  int width, height;
  gtk_window_get_default_size(GTK_WINDOW(w), &width, &height);
  g_assert_cmpint(width, ==, 900);
  g_assert_cmpint(height, ==, 680);
  gtk_window_destroy(GTK_WINDOW(w));
  g_settings_reset(s, "window-width");
  g_settings_reset(s, "window-height");
}

static gboolean pointer_cleared(gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Entries of a /proc folder (threads in task, descriptors in fd); -1 where there is none. */
static int count_entries(const char *path)
{
  g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
  if (!dir)
    return -1;
  int n = 0;
  while (g_dir_read_name(dir))
    n++;
  return n;
}

typedef struct {
  int threads, fds; /* at most this many */
} ResourceLimit;

static gboolean resources_within(gpointer data)
{
  const ResourceLimit *limit = data;
  return count_entries("/proc/self/task") <= limit->threads &&
         count_entries("/proc/self/fd") <= limit->fds;
}

/* 20 starts and stops: each job ends and is freed, and threads and file descriptors come back
 * to what one cycle left (a leak of one per cycle would show 20 more). */
static void test_start_stop_cycles(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  set_train_settings(1000); /* never finishes on its own */
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  gpointer previous = NULL; /* weak: the last cycle's job */
  ResourceLimit baseline = {0};
  for (int i = 0; i < 21; i++) {
    if (i == 1) {
      /* after a first cycle, so the pools that live on (GTask's workers, GLib's idle threads)
       * exist already */
      baseline.threads = count_entries("/proc/self/task");
      baseline.fds = count_entries("/proc/self/fd");
    }
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
  if (baseline.threads < 0 || baseline.fds < 0) {
    g_test_message("no /proc/self: thread and descriptor counts not checked");
    return;
  }
  /* GLib's thread pools keep up to two unused threads a while; a leak per cycle is 20 */
  ResourceLimit limit = {baseline.threads + 2, baseline.fds};
  wait_for(resources_within, &limit, "threads and file descriptors back to the first cycle's");
  g_test_message("after 20 cycles: %d threads (%d after the first), %d descriptors (%d)",
                 count_entries("/proc/self/task"), baseline.threads,
                 count_entries("/proc/self/fd"), baseline.fds);
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
  test_remove_tree(f->demo);
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

/* A data set opened behind another page, then the Data page shown with a toast in the same turn:
 * GTK 4.8 loses a resize queued inside size_allocate when the widget above the one that queued it
 * took gtk_widget_allocate's "nothing changed" path while its own ancestors really re-allocated
 * (they clear alloc_needed_on_child afterwards, so no later layout goes back to it), and the next
 * frame leaves the window's whole content out ("Trying to snapshot GtkBox … without a current
 * allocation"). The thumbnails' automatic scrollbar queued that resize: 80 thumbnails need it,
 * 12 do not, and it flipped while the grid was first allocated on the switch back; the toast
 * re-allocated the overlay above the box in the same frame. It failed every run before the
 * scrollbar became always-on. */
static void test_dataset_switch_frames(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  g_autofree char *larger = g_build_filename(f->tmp, "demo-40", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_demo_generate(larger, 40, 0, &error));
  g_assert_no_error(error);
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  PatinaDataPage *page = PATINA_DATA_PAGE(patina_window_get_page(f->window, "data"));
  guint before = app_test_unallocated_snapshots();
  for (int i = 0; i < 6; i++) {
    activate(f, "win.show-page", g_variant_new_string("train"));
    settle();
    /* not win.open-dataset-path: that shows the Data page at once */
    patina_workspace_open_dataset_async(ws, i % 2 == 0 ? larger : f->demo, NULL, NULL, NULL);
    wait_for(dataset_open, ws, "a data set opened behind the Train page");
    settle();
    activate(f, "win.show-page", g_variant_new_string("data"));
    patina_window_toast(f->window, "switched");
    wait_for(thumbnails_decoded, page, "the thumbnails to be decoded");
    settle();
  }
  g_assert_cmpuint(app_test_unallocated_snapshots(), ==, before);
}

int main(int argc, char **argv)
{
  app_test_init(&argc, &argv);
  g_test_add("/app/first-run", Fixture, NULL, fixture_set_up, test_first_run, fixture_tear_down);
  g_test_add("/app/open-dataset", Fixture, NULL, fixture_set_up, test_open_dataset,
             fixture_tear_down);
  g_test_add("/app/bad-folders", Fixture, NULL, fixture_set_up, test_bad_folders,
             fixture_tear_down);
  g_test_add("/app/train-one-epoch", Fixture, NULL, fixture_set_up, test_train_one_epoch,
             fixture_tear_down);
  g_test_add("/app/dataset-switch-frames", Fixture, NULL, fixture_set_up,
             test_dataset_switch_frames, fixture_tear_down);
  g_test_add("/app/open-demo-action", Fixture, NULL, fixture_set_up, test_open_demo_action,
             fixture_tear_down);
  g_test_add("/app/close-while-drawing-demo", Fixture, NULL, fixture_set_up,
             test_close_while_drawing_demo, fixture_tear_down);
  g_test_add("/app/window-size-remembered", Fixture, NULL, fixture_set_up,
             test_window_size_remembered, fixture_tear_down);
  g_test_add("/app/pause-resume", Fixture, NULL, fixture_set_up, test_pause_resume,
             fixture_tear_down);
  g_test_add("/app/dataset-vanishes", Fixture, NULL, fixture_set_up, test_dataset_vanishes,
             fixture_tear_down);
  g_test_add_func("/app/help-overlay", test_help_overlay);
  g_test_add("/app/start-stop-cycles", Fixture, NULL, fixture_set_up, test_start_stop_cycles,
             fixture_tear_down);
  return app_test_run();
}
