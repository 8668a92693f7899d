/* The Runs page and the chart's smoothing, log scale and export, driven through their actions
 * under Xvfb (helpers in app-test.h). */
#include <adwaita.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "../testutil.h"
#include "app-test.h"

#include "data/demo.h"

#include "patina-application.h"
#include "patina-chart-view.h"
#include "patina-chart.h"
#include "patina-run.h"
#include "patina-runs-columns.h"
#include "patina-runs-page.h"
#include "patina-settings.h"
#include "patina-train-page.h"
#include "patina-window.h"

static PatinaRunsPage *runs_page(Fixture *f)
{
  return PATINA_RUNS_PAGE(patina_window_get_page(f->window, "runs"));
}

/* Each test starts without runs (the user's data folder is shared by the program's tests). */
static void clear_runs(void)
{
  g_autofree char *dir = patina_runs_dir();
  test_remove_tree(dir);
}

static void page_action(PatinaRunsPage *page, const char *action, const char *arg)
{
  /* page actions do not sink their parameter: a floating one would leak */
  g_autoptr(GVariant) param = arg ? g_variant_ref_sink(g_variant_new_string(arg)) : NULL;
  g_assert_true(gtk_widget_activate_action_variant(GTK_WIDGET(page), action, param));
}

typedef struct {
  PatinaRunsPage *page;
  guint scans;
} ScanWait;

static gboolean scanned_since(gpointer data)
{
  ScanWait *w = data;
  return patina_runs_page_get_n_scans(w->page) > w->scans && !patina_runs_page_is_busy(w->page);
}

static void rescan(PatinaRunsPage *page)
{
  ScanWait w = {page, patina_runs_page_get_n_scans(page)};
  page_action(page, "runs.refresh", NULL);
  wait_for(scanned_since, &w, "the runs folder to be scanned");
}

static guint n_listed(PatinaRunsPage *page)
{
  return g_list_model_get_n_items(patina_runs_page_get_runs(page));
}

static PatinaRun *listed(PatinaRunsPage *page, guint i)
{
  g_autoptr(PatinaRun) run = g_list_model_get_item(patina_runs_page_get_runs(page), i);
  return run; /* the page keeps it */
}

/* Trains with the settings as they are; returns the run's id (its folder) once the page has
 * listed it. */
static char *train_and_list(Fixture *f)
{
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  ScanWait w = {runs_page(f), patina_runs_page_get_n_scans(runs_page(f))};
  activate(f, "win.train-start", NULL);
  wait_for(job_finished, ws, "the training to finish");
  PatinaJob *job = patina_workspace_get_job(ws);
  g_assert_cmpint(patina_job_get_state(job), ==, PATINA_JOB_DONE);
  /* The page scans again by itself when a job ends. */
  wait_for(scanned_since, &w, "the runs page to rescan after the run");
  g_autofree char *dir = g_path_get_dirname(patina_job_get_output(job));
  return g_path_get_basename(dir);
}

/* Trains with the quick settings plus batch, lr and seed; returns the run's id (its folder). */
static char *train(Fixture *f, int epochs, int batch, double lr, int seed)
{
  set_train_settings(epochs);
  g_autoptr(GSettings) s = patina_settings_new();
  g_settings_set_int(s, "train-batch", batch);
  g_settings_set_double(s, "train-lr", lr);
  g_settings_set_int(s, "train-seed", seed);
  return train_and_list(f);
}

static void check_run_matches_job(PatinaRun *run, PatinaJob *job, int epochs, int batch,
                                  double lr, int seed)
{
  g_assert_null(patina_run_get_damage(run));
  g_assert_cmpstr(patina_run_get_model(run), ==, "paper");
  g_assert_cmpint(patina_run_get_size(run), ==, 46);
  g_assert_cmpint(patina_run_get_epochs(run), ==, epochs);
  g_assert_cmpint(patina_run_get_batch(run), ==, batch);
  g_assert_cmpfloat_with_epsilon(patina_run_get_lr(run), lr, lr * 1e-6); /* stored as float */
  g_assert_cmpint(patina_run_get_seed(run), ==, seed);
  g_assert_cmpstr(patina_run_get_state(run), ==, "done");
  GArray *h = patina_job_get_history(job);
  g_assert_cmpuint(patina_run_get_history(run)->len, ==, h->len);
  double best = -1;
  for (guint i = 0; i < h->len; i++)
    best = MAX(best, g_array_index(h, PatinaEpochRecord, i).val_acc);
  g_assert_cmpfloat(patina_run_get_best_val_acc(run), ==, best);
  g_assert_cmpfloat(patina_run_get_final_val_acc(run), ==,
                    g_array_index(h, PatinaEpochRecord, h->len - 1).val_acc);
}

static gboolean folder_gone(gpointer path) { return !g_file_test(path, G_FILE_TEST_EXISTS); }

static gboolean page_idle(gpointer page) { return !patina_runs_page_is_busy(page); }

/* The table fits the default window: short headers (their tooltips say what they mean) and
 * the settings one seldom sorts by in one column that gives way first. */
static void check_table_columns(Fixture *f, PatinaRun *adam, PatinaRun *sgd)
{
  PatinaRunsPage *page = runs_page(f);
  GtkColumnView *view = patina_runs_page_get_column_view(page);
  g_autofree char *adam_settings = patina_runs_columns_cell_text("settings", adam);
  g_autofree char *sgd_settings = patina_runs_columns_cell_text("settings", sgd);
  g_test_message("settings: %s | %s", adam_settings, sgd_settings);
  g_assert_true(g_str_has_prefix(adam_settings, "Adam · batch 4 · "));
  g_assert_true(g_str_has_prefix(sgd_settings, "SGD, momentum 0.8 · batch 6 · "));
  g_assert_null(patina_run_get_augmentation_json(sgd));
  g_assert_true(g_str_has_suffix(sgd_settings, " · no augmentation"));
  g_autofree char *lr = patina_runs_columns_cell_text("lr", sgd);
  g_assert_cmpstr(lr, ==, "0.002");
  g_assert_cmpstr(patina_runs_columns_get_header_tooltip(view, "lr"), ==, "Learning rate");
  g_assert_nonnull(patina_runs_columns_get_header_tooltip(view, "best-val-acc"));
  g_assert_nonnull(patina_runs_columns_get_header_tooltip(view, "ticked"));
  /* what used to be columns of their own are not any more; the tuning figures still are */
  g_assert_null(patina_runs_columns_find(view, "optimizer"));
  g_assert_null(patina_runs_columns_find(view, "batch"));
  g_assert_null(gtk_column_view_column_get_sorter(patina_runs_columns_find(view, "settings")));
  const char *sortable[] = {"best-val-acc", "final-val-acc", "size", "epochs", "lr"};
  for (guint i = 0; i < G_N_ELEMENTS(sortable); i++) {
    GtkColumnViewColumn *c = patina_runs_columns_find(view, sortable[i]);
    g_assert_nonnull(gtk_column_view_column_get_sorter(c));
  }

  /* at the window's default width nothing runs past the edge... */
  g_autoptr(GSettings) s = patina_settings_new();
  int width, height;
  gtk_window_get_default_size(GTK_WINDOW(f->window), &width, &height);
  g_assert_cmpint(width, ==, g_settings_get_int(s, "window-width"));
  activate(f, "win.show-page", g_variant_new_string("runs"));
  settle();
  GtkWidget *scroller = gtk_widget_get_ancestor(GTK_WIDGET(view), GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *h = gtk_scrolled_window_get_hadjustment(GTK_SCROLLED_WINDOW(scroller));
  g_test_message("table %.0f px in %.0f px", gtk_adjustment_get_upper(h),
                 gtk_adjustment_get_page_size(h));
  g_assert_cmpfloat(gtk_adjustment_get_upper(h), <=, gtk_adjustment_get_page_size(h) + 0.5);
  /* ...and a narrow one scrolls the table sideways, with a scrollbar that stays in view */
  g_assert_false(gtk_scrolled_window_get_overlay_scrolling(GTK_SCROLLED_WINDOW(scroller)));
  GtkColumnViewColumn *settings = patina_runs_columns_find(view, "settings");
  int settings_width = gtk_column_view_column_get_fixed_width(settings);
  gtk_column_view_column_set_fixed_width(settings, 2000);
  settle();
  g_assert_cmpfloat(gtk_adjustment_get_upper(h), >, gtk_adjustment_get_page_size(h));
  gtk_column_view_column_set_fixed_width(settings, settings_width);
  settle();
}

static void test_compare_runs(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  clear_runs();
  PatinaRunsPage *page = runs_page(f);
  rescan(page);
  g_assert_cmpuint(n_listed(page), ==, 0);
  open_demo(f);
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);

  g_autofree char *a = train(f, 2, 4, 0.0007, 0);
  g_autoptr(PatinaJob) job_a = g_object_ref(patina_workspace_get_job(ws));
  g_autoptr(GSettings) s = patina_settings_new();
  g_settings_set_string(s, "train-optimizer", "sgd");
  g_settings_set_double(s, "train-momentum", 0.8);
  g_autofree char *b = train(f, 3, 6, 0.002, 1);
  PatinaJob *job_b = patina_workspace_get_job(ws);
  g_assert_cmpstr(a, !=, b);

  /* Both listed with the settings they trained with and their accuracies. */
  g_assert_cmpuint(n_listed(page), ==, 2);
  PatinaRun *run_a = patina_runs_page_find(page, a), *run_b = patina_runs_page_find(page, b);
  g_assert_nonnull(run_a);
  g_assert_nonnull(run_b);
  check_run_matches_job(run_a, job_a, 2, 4, 0.0007, 0);
  check_run_matches_job(run_b, job_b, 3, 6, 0.002, 1);
  g_assert_cmpstr(patina_run_get_optimizer(run_a), ==, "adam");
  g_assert_cmpstr(patina_run_get_optimizer(run_b), ==, "sgd");
  g_assert_cmpfloat_with_epsilon(patina_run_get_momentum(run_b), 0.8, 1e-6);

  /* Sorting by a column orders the rows by it, both ways. */
  patina_runs_page_sort_by(page, "lr", GTK_SORT_ASCENDING);
  g_assert_true(listed(page, 0) == run_a);
  patina_runs_page_sort_by(page, "lr", GTK_SORT_DESCENDING);
  g_assert_true(listed(page, 0) == run_b);
  patina_runs_page_sort_by(page, "best-val-acc", GTK_SORT_DESCENDING);
  g_assert_cmpfloat(patina_run_get_best_val_acc(listed(page, 0)), >=,
                    patina_run_get_best_val_acc(listed(page, 1)));
  patina_runs_page_sort_by(page, "best-val-acc", GTK_SORT_ASCENDING);
  g_assert_cmpfloat(patina_run_get_best_val_acc(listed(page, 0)), <=,
                    patina_run_get_best_val_acc(listed(page, 1)));
  patina_runs_page_sort_by(page, "final-val-acc", GTK_SORT_DESCENDING);
  g_assert_cmpfloat(patina_run_get_final_val_acc(listed(page, 0)), >=,
                    patina_run_get_final_val_acc(listed(page, 1)));
  patina_runs_page_sort_by(page, "epochs", GTK_SORT_DESCENDING);
  g_assert_true(listed(page, 0) == run_b);
  patina_runs_page_sort_by(page, "epochs", GTK_SORT_ASCENDING);
  g_assert_true(listed(page, 0) == run_a);
  check_table_columns(f, run_a, run_b);

  /* The filter keeps the runs holding every word. */
  page_action(page, "runs.filter", "0.002");
  g_assert_cmpuint(n_listed(page), ==, 1);
  g_assert_true(listed(page, 0) == run_b);
  page_action(page, "runs.filter", "PAPER 0.0007"); /* every word, any case */
  g_assert_cmpuint(n_listed(page), ==, 1);
  g_assert_true(listed(page, 0) == run_a);
  page_action(page, "runs.filter", "paper5");
  g_assert_cmpuint(n_listed(page), ==, 0);
  /* the dropout the Settings column shows filters too */
  g_autofree char *dropout = g_strdup_printf("dropout %g", patina_run_get_dropout(run_a));
  page_action(page, "runs.filter", dropout);
  g_assert_cmpuint(n_listed(page), ==, 2);
  page_action(page, "runs.filter", "dropout 0.123");
  g_assert_cmpuint(n_listed(page), ==, 0);
  page_action(page, "runs.filter", "");
  g_assert_cmpuint(n_listed(page), ==, 2);

  /* Ticking overlays one series per run. */
  PatinaChart *chart = patina_runs_page_get_chart(page);
  g_assert_cmpuint(patina_chart_get_n_series(chart), ==, 0);
  page_action(page, "runs.toggle", a);
  g_assert_cmpuint(patina_chart_get_n_series(chart), ==, 1);
  page_action(page, "runs.toggle", b);
  g_assert_cmpuint(patina_chart_get_n_series(chart), ==, 2);
  g_assert_cmpuint(patina_chart_get_n_points(chart), ==, 2 + 3);
  /* ticks survive a rescan */
  rescan(page);
  g_assert_cmpuint(patina_chart_get_n_series(chart), ==, 2);
  /* hovering over epoch 2 reads out both runs (x from epoch 1 to 3 in the loss panel) */
  activate(f, "win.show-page", g_variant_new_string("runs"));
  settle();
  double plot_w = gtk_widget_get_width(GTK_WIDGET(chart)) / 2.0 - 46 - 12;
  patina_chart_set_hover(chart, 46 + plot_w / 2, 100);
  g_autofree char *readout = patina_chart_get_readout(chart);
  g_assert_nonnull(readout);
  g_assert_true(g_str_has_prefix(readout, "Epoch 2\n"));
  g_assert_nonnull(strstr(readout, a));
  g_assert_nonnull(strstr(readout, b));
  patina_chart_set_hover(chart, -1, -1);

  /* Restore writes run A's settings back and shows the Train page. */
  g_autofree char *optimizer_b = g_settings_get_string(s, "train-optimizer");
  g_assert_cmpstr(optimizer_b, ==, "sgd"); /* B's */
  g_settings_set_int(s, "train-batch", 17);
  g_settings_set_double(s, "train-lr", 0.05);
  g_settings_set_int(s, "train-epochs", 9);
  g_settings_set_int(s, "train-seed", 5);
  g_settings_set_int(s, "train-size", 64);
  page_action(page, "runs.restore", a);
  g_assert_cmpint(g_settings_get_int(s, "train-batch"), ==, 4);
  g_assert_cmpfloat_with_epsilon(g_settings_get_double(s, "train-lr"), 0.0007, 1e-9);
  g_assert_cmpint(g_settings_get_int(s, "train-epochs"), ==, 2);
  g_assert_cmpint(g_settings_get_int(s, "train-seed"), ==, 0);
  g_assert_cmpint(g_settings_get_int(s, "train-size"), ==, 46);
  g_autofree char *optimizer = g_settings_get_string(s, "train-optimizer");
  g_assert_cmpstr(optimizer, ==, "adam");
  AdwViewStack *stack = ADW_VIEW_STACK(gtk_widget_get_ancestor(GTK_WIDGET(page),
                                                               ADW_TYPE_VIEW_STACK));
  g_assert_cmpstr(adw_view_stack_get_visible_child_name(stack), ==, "train");
  /* the Train page's chart has the same header row (smoothing, log scale, export) */
  PatinaTrainPage *train_page = PATINA_TRAIN_PAGE(patina_window_get_page(f->window, "train"));
  GtkWidget *train_chart = GTK_WIDGET(patina_train_page_get_chart(train_page));
  g_assert_true(PATINA_IS_CHART_VIEW(gtk_widget_get_parent(train_chart)));

  /* Delete, then Undo: the run stays, on the page and on disk. */
  g_autofree char *runs_dir = patina_runs_dir();
  g_autofree char *dir_a = g_build_filename(runs_dir, a, NULL);
  g_autofree char *dir_b = g_build_filename(runs_dir, b, NULL);
  page_action(page, "runs.delete", a);
  g_assert_null(patina_runs_page_find(page, a));
  g_assert_cmpuint(n_listed(page), ==, 1);
  g_assert_cmpuint(patina_chart_get_n_series(chart), ==, 1);
  AdwToast *undo = patina_runs_page_get_undo_toast(page);
  g_assert_nonnull(undo);
  page_action(page, "runs.undo-delete", a);
  adw_toast_dismiss(undo);
  settle();
  wait_for(page_idle, page, "the runs page to settle");
  g_assert_nonnull(patina_runs_page_find(page, a));
  g_assert_true(g_file_test(dir_a, G_FILE_TEST_IS_DIR));
  rescan(page);
  g_assert_cmpuint(n_listed(page), ==, 2);

  /* Delete, then the toast goes: the folder goes with it. */
  page_action(page, "runs.delete", b);
  g_assert_true(g_file_test(dir_b, G_FILE_TEST_IS_DIR)); /* not before the toast goes */
  adw_toast_dismiss(patina_runs_page_get_undo_toast(page));
  wait_for(folder_gone, dir_b, "the deleted run's folder to be removed");
  wait_for(page_idle, page, "the runs page to settle");
  rescan(page);
  g_assert_cmpuint(n_listed(page), ==, 1);
  g_assert_nonnull(patina_runs_page_find(page, a));
  g_assert_true(g_file_test(dir_a, G_FILE_TEST_IS_DIR));

  /* A run of an older version (no run.json) is read from its checkpoint and history CSV. */
  g_autofree char *record_a = g_build_filename(dir_a, "run.json", NULL);
  g_assert_cmpint(g_unlink(record_a), ==, 0);
  rescan(page);
  run_a = patina_runs_page_find(page, a);
  g_assert_nonnull(run_a);
  check_run_matches_job(run_a, job_a, 2, 4, 0.0007, 0);
  g_assert_cmpstr(patina_run_get_dataset(run_a), ==, ""); /* not recorded then */
}

static void write_file(const char *dir, const char *name, const char *contents, gssize len)
{
  g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_assert_true(g_file_set_contents(path, contents, len, NULL));
}

/* A cross-validation lists each fold as a run; deleting one fold keeps the others. */
static void test_fold_runs(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  clear_runs();
  open_demo(f);
  PatinaRunsPage *page = runs_page(f);
  g_autoptr(GSettings) s = patina_settings_new();
  g_settings_set_int(s, "train-folds", 2);
  g_autofree char *id = train(f, 1, 4, 0.001, 0);
  g_settings_set_int(s, "train-folds", 0);
  g_assert_cmpuint(n_listed(page), ==, 2);
  g_autofree char *fold1 = g_strconcat(id, ".fold1", NULL);
  g_autofree char *fold2 = g_strconcat(id, ".fold2", NULL);
  PatinaRun *run1 = patina_runs_page_find(page, fold1);
  g_assert_nonnull(run1);
  g_assert_null(patina_run_get_damage(run1));
  g_assert_nonnull(patina_runs_page_find(page, fold2));
  g_assert_cmpuint(patina_run_get_history(run1)->len, ==, 1);

  g_autofree char *runs_dir = patina_runs_dir();
  g_autofree char *dir = g_build_filename(runs_dir, id, NULL);
  g_autofree char *model1 = g_build_filename(dir, "model.fold1.safetensors", NULL);
  g_autofree char *model2 = g_build_filename(dir, "model.fold2.safetensors", NULL);
  page_action(page, "runs.delete", fold1);
  adw_toast_dismiss(patina_runs_page_get_undo_toast(page));
  wait_for(folder_gone, model1, "the first fold's checkpoint to be removed");
  wait_for(page_idle, page, "the runs page to settle");
  rescan(page);
  g_assert_cmpuint(n_listed(page), ==, 1);
  g_assert_nonnull(patina_runs_page_find(page, fold2));
  g_assert_true(g_file_test(model2, G_FILE_TEST_IS_REGULAR));
}

/* Broken records and checkpoints are listed as damaged, saying which file and why. */
static void test_damaged_runs(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  clear_runs();
  g_autofree char *runs = patina_runs_dir();
  g_autofree char *bad_json = g_build_filename(runs, "20000101-000001", NULL);
  g_autofree char *no_record = g_build_filename(runs, "20000101-000002", NULL);
  g_autofree char *bad_model = g_build_filename(runs, "20000101-000003", NULL);
  g_autofree char *bad_field = g_build_filename(runs, "20000101-000004", NULL);
  write_file(bad_json, "run.json", "{ \"model\": ", -1);
  write_file(no_record, "model.safetensors", "", 0);
  const char *record =
    "{\"model\":\"paper\",\"dataset\":\"/d\",\"state\":\"done\",\"optimizer\":\"adam\","
    "\"started_unix\":946684800,\"size\":46,\"epochs\":1,\"batch\":4,\"seed\":0,\"lr\":0.001,"
    "\"momentum\":0.9,\"val_fraction\":0.2,\"best_val_acc\":0.5,\"final_val_acc\":0.5,"
    "\"augmentation\":null,\"history\":[{\"epoch\":1,\"train_loss\":0.7,\"train_acc\":0.5,"
    "\"val_loss\":0.69,\"val_acc\":0.5}]}";
  write_file(bad_model, "run.json", record, -1);
  write_file(bad_model, "model.safetensors", "\xff\xff\xff\x00\x00\x00\x00\x00{", 9);
  g_autofree char *wrong = g_strdup(record);
  memcpy(strstr(wrong, "\"batch\":4"), "\"batch\":0", 9);
  write_file(bad_field, "run.json", wrong, -1);

  PatinaRunsPage *page = runs_page(f);
  rescan(page);
  g_assert_cmpuint(n_listed(page), ==, 4);
  const char *dirs[] = {bad_json, no_record, bad_model, bad_field};
  const char *why[] = {"run.json", "no run.json", "safetensors", "batch"};
  for (guint i = 0; i < G_N_ELEMENTS(dirs); i++) {
    g_autofree char *id = g_path_get_basename(dirs[i]);
    PatinaRun *run = patina_runs_page_find(page, id);
    g_assert_nonnull(run);
    const char *damage = patina_run_get_damage(run);
    g_assert_nonnull(damage);
    g_test_message("%s: %s", id, damage);
    g_assert_nonnull(strstr(damage, why[i]));
    g_assert_nonnull(strstr(damage, id)); /* names the file */
    /* no curves to tick, no settings to restore: a toast says why */
    page_action(page, "runs.toggle", id);
    g_assert_false(patina_run_get_ticked(run));
    ToastWait tw = {f->window, patina_window_get_n_toasts(f->window)};
    page_action(page, "runs.restore", id);
    wait_for(new_toast, &tw, "the toast refusing to restore a damaged run");
    g_assert_cmpstr(patina_window_get_last_toast(f->window), ==, damage);
  }
  g_assert_cmpuint(patina_chart_get_n_series(patina_runs_page_get_chart(page)), ==, 0);
  /* A damaged run can still be deleted. */
  page_action(page, "runs.delete", "20000101-000001");
  adw_toast_dismiss(patina_runs_page_get_undo_toast(page));
  wait_for(folder_gone, bad_json, "the damaged run's folder to be removed");
  wait_for(page_idle, page, "the runs page to settle");
}

/* A run stopped before its first epoch: no checkpoint to check. */
static const char minimal_record[] =
  "{\"model\":\"paper\",\"dataset\":\"/d\",\"state\":\"cancelled\",\"optimizer\":\"adam\","
  "\"started_unix\":946684800,\"size\":46,\"epochs\":1,\"batch\":4,\"seed\":0,\"lr\":0.001,"
  "\"momentum\":0.9,\"val_fraction\":0.2,\"best_val_acc\":-1,\"final_val_acc\":-1,"
  "\"augmentation\":null,\"history\":[]}";

/* Closing the window while the Undo toast shows lets the deletion stand: the whole folder
 * goes (not a part of it), and the other runs stay. */
static void test_close_during_undo(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  (void) f;
  clear_runs();
  g_autofree char *runs = patina_runs_dir();
  g_autofree char *doomed = g_build_filename(runs, "20000101-000001", NULL);
  g_autofree char *kept = g_build_filename(runs, "20000101-000002", NULL);
  write_file(doomed, "run.json", minimal_record, -1);
  write_file(doomed, "history.csv", "epoch\n", -1);
  write_file(kept, "run.json", minimal_record, -1);

  /* a window of its own, closed below; the fixture's stays for the tear-down */
  PatinaWindow *window = patina_window_new(NULL);
  gtk_window_present(GTK_WINDOW(window));
  wait_for(window_mapped, window, "the second window to be mapped");
  PatinaRunsPage *page = PATINA_RUNS_PAGE(patina_window_get_page(window, "runs"));
  wait_for(page_idle, page, "the runs folder to be scanned");
  g_assert_cmpuint(n_listed(page), ==, 2);
  g_assert_null(patina_run_get_damage(patina_runs_page_find(page, "20000101-000001")));
  page_action(page, "runs.delete", "20000101-000001");
  g_assert_nonnull(patina_runs_page_get_undo_toast(page));
  g_assert_true(g_file_test(doomed, G_FILE_TEST_IS_DIR)); /* still undoable */

  gtk_window_close(GTK_WINDOW(window));
  wait_for(folder_gone, doomed, "the run deleted before closing to be removed");
  settle();
  g_assert_true(g_file_test(kept, G_FILE_TEST_IS_DIR));
  rescan(runs_page(f));
  g_assert_cmpuint(n_listed(runs_page(f)), ==, 1);
  g_assert_nonnull(patina_runs_page_find(runs_page(f), "20000101-000002"));
}

typedef struct {
  GApplication *app;
  guint limit; /* the give_up timeout while it waits */
  gboolean asked;
  gboolean page_finalized; /* a deletion holds its page until it has ended */
} QuitWatch;

static void set_flag(gpointer flag) { *(gboolean *) flag = TRUE; }

/* In the application's window: delete a run, then Ctrl+Q while its Undo toast is up. */
static gboolean delete_then_quit(gpointer data)
{
  QuitWatch *w = data;
  GtkWindow *active = gtk_application_get_active_window(GTK_APPLICATION(w->app));
  if (!active)
    return G_SOURCE_CONTINUE;
  PatinaRunsPage *page = PATINA_RUNS_PAGE(patina_window_get_page(PATINA_WINDOW(active), "runs"));
  if (patina_runs_page_get_n_scans(page) == 0 || patina_runs_page_is_busy(page))
    return G_SOURCE_CONTINUE;
  g_assert_cmpuint(n_listed(page), ==, 2);
  page_action(page, "runs.delete", "20000101-000001");
  g_assert_nonnull(patina_runs_page_get_undo_toast(page));
  /* object data goes at finalisation (weak pointers already at dispose) */
  g_object_set_data_full(G_OBJECT(page), "test-finalized", &w->page_finalized, set_flag);
  w->asked = TRUE;
  g_action_group_activate_action(G_ACTION_GROUP(w->app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static gboolean give_up(gpointer data)
{
  QuitWatch *w = data;
  w->limit = 0;
  g_application_quit(w->app); /* the test then fails on asked or on the folder */
  return G_SOURCE_REMOVE;
}

/* Quitting the application while the Undo toast is up: it ends only once the run's folder is
 * gone, so no run is left half-deleted. */
static void test_quit_during_undo(void)
{
  clear_runs();
  g_autofree char *runs = patina_runs_dir();
  g_autofree char *doomed = g_build_filename(runs, "20000101-000001", NULL);
  g_autofree char *kept = g_build_filename(runs, "20000101-000002", NULL);
  write_file(doomed, "run.json", minimal_record, -1);
  write_file(doomed, "history.csv", "epoch\n", -1);
  write_file(kept, "run.json", minimal_record, -1);

  g_autoptr(PatinaApplication) app = patina_application_new();
  g_application_set_flags(G_APPLICATION(app),
                          g_application_get_flags(G_APPLICATION(app)) | G_APPLICATION_NON_UNIQUE);
  QuitWatch w = {G_APPLICATION(app), 0, FALSE, FALSE};
  guint id = g_timeout_add(20, delete_then_quit, &w);
  w.limit = g_timeout_add_seconds(120, give_up, &w);
  char *args[] = {"patina", NULL};
  int status = g_application_run(G_APPLICATION(app), 1, args);
  if (w.limit)
    g_source_remove(w.limit);
  if (!w.asked)
    g_source_remove(id);
  g_assert_cmpint(status, ==, 0);
  g_assert_true(w.asked);
  /* when run() returns, the deletion has ended (its page let go) and the folder is gone */
  g_assert_true(w.page_finalized);
  g_assert_false(g_file_test(doomed, G_FILE_TEST_EXISTS));
  g_assert_true(g_file_test(kept, G_FILE_TEST_IS_DIR));
  clear_runs();
}

/* ---- the chart ---- */

static PatinaChart *chart_with_runs(Fixture *f)
{
  activate(f, "win.show-page", g_variant_new_string("runs"));
  settle();
  PatinaChart *chart = patina_runs_page_get_chart(runs_page(f));
  patina_chart_clear(chart);
  for (int r = 0; r < 2; r++) {
    guint s = patina_chart_add_series(chart, r ? "run B" : "run A");
    for (int e = 1; e <= 5; e++)
      patina_chart_series_add_epoch(chart, s, e, 0.9 / (e + r), 0.5 + 0.08 * e, 1.0 / (e + r),
                                    0.45 + 0.07 * e);
  }
  return chart;
}

static const double dip[] = {0.9, 0.5, 0.7, 0.2, 0.4};

static void test_chart_smoothing(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  PatinaChart *chart = chart_with_runs(f);
  guint s = patina_chart_add_series(chart, "dip");
  for (guint i = 0; i < G_N_ELEMENTS(dip); i++)
    patina_chart_series_add_epoch(chart, s, (int) i + 1, dip[i], 0.5, dip[i] + 0.1, NAN);

  /* 0: the raw values, exactly */
  patina_chart_set_smoothing(chart, 0);
  g_autoptr(GArray) raw = patina_chart_get_curve(chart, s, 0);
  g_assert_cmpuint(raw->len, ==, G_N_ELEMENTS(dip));
  for (guint i = 0; i < raw->len; i++)
    g_assert_cmpfloat(g_array_index(raw, double, i), ==, dip[i]);

  /* 0.6: TensorBoard's debiased moving average; NaN (no validation) stays NaN */
  patina_chart_set_smoothing(chart, 0.6);
  g_autoptr(GArray) sm = patina_chart_get_curve(chart, s, 0);
  double last = 0;
  for (guint i = 0; i < sm->len; i++) {
    last = 0.6 * last + 0.4 * dip[i];
    double expected = last / (1 - pow(0.6, i + 1));
    g_assert_cmpfloat_with_epsilon(g_array_index(sm, double, i), expected, 1e-12);
  }
  g_assert_cmpfloat(g_array_index(sm, double, 0), ==, dip[0]);
  g_assert_cmpfloat(g_array_index(sm, double, 3), >, dip[3]); /* the dip is damped */
  g_autoptr(GArray) val_acc = patina_chart_get_curve(chart, s, 3);
  g_assert_true(isnan(g_array_index(val_acc, double, 2)));

  /* the header's slider follows the chart and back */
  PatinaChartView *view = PATINA_CHART_VIEW(gtk_widget_get_parent(GTK_WIDGET(chart)));
  g_assert_true(patina_chart_view_get_chart(view) == chart);
  patina_chart_set_smoothing(chart, 2.0); /* clamped */
  g_assert_cmpfloat(patina_chart_get_smoothing(chart), ==, 0.99);
  /* one setting for every chart: the Train page's follows, and the next session keeps it */
  PatinaTrainPage *train_page = PATINA_TRAIN_PAGE(patina_window_get_page(f->window, "train"));
  g_assert_cmpfloat(patina_chart_get_smoothing(patina_train_page_get_chart(train_page)), ==,
                    0.99);
  g_autoptr(GSettings) settings = patina_settings_new();
  g_assert_cmpfloat(g_settings_get_double(settings, "chart-smoothing"), ==, 0.99);
  patina_chart_set_smoothing(chart, 0);
}

static GtkCheckButton *log_check(PatinaChart *chart)
{
  GtkWidget *view = gtk_widget_get_parent(GTK_WIDGET(chart));
  GtkWidget *header = gtk_widget_get_first_child(view);
  for (GtkWidget *c = gtk_widget_get_first_child(header); c; c = gtk_widget_get_next_sibling(c))
    if (GTK_IS_CHECK_BUTTON(c))
      return GTK_CHECK_BUTTON(c);
  g_assert_not_reached();
}

static void test_chart_log_scale(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  PatinaChart *chart = chart_with_runs(f);
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_chart_set_log_scale(chart, TRUE, &error));
  g_assert_no_error(error);
  g_assert_true(gtk_check_button_get_active(log_check(chart))); /* the header follows */
  settle();
  g_assert_true(patina_chart_set_log_scale(chart, FALSE, NULL));

  /* A loss of 0 cannot sit on a log axis: refused, with a message. */
  guint s = patina_chart_add_series(chart, "zero");
  patina_chart_series_add_epoch(chart, s, 1, 0.0, 1.0, 0.1, 1.0);
  g_assert_false(patina_chart_set_log_scale(chart, TRUE, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_false(patina_chart_get_log_scale(chart));
  /* from the header: a toast, and the box unticks itself */
  ToastWait tw = {f->window, patina_window_get_n_toasts(f->window)};
  gtk_check_button_set_active(log_check(chart), TRUE);
  wait_for(new_toast, &tw, "the toast refusing the log scale");
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "log scale"));
  g_assert_false(gtk_check_button_get_active(log_check(chart)));
  g_assert_false(patina_chart_get_log_scale(chart));
}

typedef struct {
  gboolean done, ok;
  GError *error;
} ExportWait;

static void export_done(GObject *source, GAsyncResult *res, gpointer data)
{
  ExportWait *w = data;
  w->ok = patina_chart_export_finish(PATINA_CHART(source), res, &w->error);
  w->done = TRUE;
}

static gboolean export_finished(gpointer data) { return ((ExportWait *) data)->done; }

typedef struct {
  GString *title, *desc, *current;
  char *root;
} SvgText;

static void svg_start(GMarkupParseContext *c, const char *name, const char **attr_names,
                      const char **attr_values, gpointer data, GError **error)
{
  (void) c, (void) attr_names, (void) attr_values, (void) error;
  SvgText *t = data;
  if (!t->root)
    t->root = g_strdup(name);
  t->current = g_str_equal(name, "title") ? t->title : g_str_equal(name, "desc") ? t->desc : NULL;
}

static void svg_text(GMarkupParseContext *c, const char *text, gsize len, gpointer data,
                     GError **error)
{
  (void) c, (void) error;
  SvgText *t = data;
  if (t->current)
    g_string_append_len(t->current, text, (gssize) len);
}

static void svg_end(GMarkupParseContext *c, const char *name, gpointer data, GError **error)
{
  (void) c, (void) name, (void) error;
  ((SvgText *) data)->current = NULL;
}

static void export_by_action(Fixture *f, PatinaChart *chart, const char *path)
{
  ToastWait tw = {f->window, patina_window_get_n_toasts(f->window)};
  g_autoptr(GVariant) param = g_variant_ref_sink(g_variant_new_string(path));
  g_assert_true(gtk_widget_activate_action_variant(gtk_widget_get_parent(GTK_WIDGET(chart)),
                                                   "chart.export-path", param));
  wait_for(new_toast, &tw, "the export's toast");
}

static void test_chart_export(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  PatinaChart *chart = chart_with_runs(f);

  /* PNG at the size asked for */
  g_autofree char *png = g_build_filename(f->tmp, "chart.png", NULL);
  ExportWait w = {0};
  patina_chart_export_async(chart, png, 640, 360, NULL, export_done, &w);
  wait_for(export_finished, &w, "the PNG export");
  g_assert_no_error(w.error);
  g_assert_true(w.ok);
  int width = 0, height = 0;
  g_assert_nonnull(gdk_pixbuf_get_file_info(png, &width, &height));
  g_assert_cmpint(width, ==, 640);
  g_assert_cmpint(height, ==, 360);

  /* SVG through the view's action: well-formed XML that says what it shows */
  g_autofree char *svg = g_build_filename(f->tmp, "chart.svg", NULL);
  export_by_action(f, chart, svg);
  g_assert_true(g_str_has_prefix(patina_window_get_last_toast(f->window), "Saved the chart"));
  g_autofree char *svg_text_all = NULL;
  gsize svg_len;
  g_assert_true(g_file_get_contents(svg, &svg_text_all, &svg_len, NULL));
  SvgText t = {g_string_new(NULL), g_string_new(NULL), NULL, NULL};
  GMarkupParser parser = {svg_start, svg_end, svg_text, NULL, NULL};
  GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &t, NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(g_markup_parse_context_parse(ctx, svg_text_all, (gssize) svg_len, &error) &&
                g_markup_parse_context_end_parse(ctx, &error));
  g_assert_no_error(error);
  g_markup_parse_context_free(ctx);
  g_assert_cmpstr(t.root, ==, "svg");
  g_assert_cmpstr(t.title->str, ==, "Loss and accuracy per epoch");
  const char *words[] = {"Loss", "Accuracy", "Epoch", "run A", "run B"};
  for (guint i = 0; i < G_N_ELEMENTS(words); i++)
    g_assert_nonnull(strstr(t.desc->str, words[i]));
  g_assert_nonnull(strstr(svg_text_all, "<path")); /* the curves are drawn, not only named */
  g_string_free(t.title, TRUE);
  g_string_free(t.desc, TRUE);
  g_free(t.root);

  /* PDF: one page, written by cairo */
  g_autofree char *pdf = g_build_filename(f->tmp, "chart.pdf", NULL);
  export_by_action(f, chart, pdf);
  g_assert_cmpint(test_pdf_pages(pdf), ==, 1);
  g_autofree char *pdf_data = NULL;
  gsize pdf_len;
  g_assert_true(g_file_get_contents(pdf, &pdf_data, &pdf_len, NULL));
  g_assert_nonnull(memmem(pdf_data, pdf_len, "/Producer (cairo", 16));

  /* an unknown extension is refused with a message, and nothing is written */
  g_autofree char *bad = g_build_filename(f->tmp, "chart.bmp", NULL);
  export_by_action(f, chart, bad);
  g_assert_true(g_str_has_prefix(patina_window_get_last_toast(f->window),
                                 "Cannot export the chart"));
  g_assert_false(g_file_test(bad, G_FILE_TEST_EXISTS));
}

/* The screenshot's runs (data/screenshots/runs.png, in the metainfo): three learning rates on
 * enough images and epochs that the curves part, at the Train page screenshot's settings. */
static const double screenshot_lrs[] = {0.0007, 0.002, 0.0002};
#define SCREENSHOT_EPOCHS 7

static char *train_for_screenshot(Fixture *f, double lr)
{
  set_train_settings(SCREENSHOT_EPOCHS);
  g_autoptr(GSettings) s = patina_settings_new();
  g_settings_set_int(s, "train-size", 64);
  g_settings_set_int(s, "train-batch", 8);
  g_settings_set_int(s, "train-seed", 1);
  g_settings_set_double(s, "train-val-fraction", 0.3);
  g_settings_set_double(s, "train-lr", lr);
  return train_and_list(f);
}

/* Sort arrows the header row shows: GTK 4.8's titles draw one as a "sort-indicator" node
 * with an "ascending" or "descending" class. */
static guint count_sort_arrows(GtkWidget *widget)
{
  guint n = 0;
  if (g_str_equal(gtk_widget_get_css_name(widget), "sort-indicator") &&
      gtk_widget_get_visible(widget) &&
      (gtk_widget_has_css_class(widget, "ascending") ||
       gtk_widget_has_css_class(widget, "descending")))
    n++;
  for (GtkWidget *c = gtk_widget_get_first_child(widget); c; c = gtk_widget_get_next_sibling(c))
    n += count_sort_arrows(c);
  return n;
}

static void test_runs_screenshot(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  clear_runs();
  g_autofree char *demo = g_build_filename(f->tmp, "demo-40", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_demo_generate(demo, 40, 0, &error));
  g_assert_no_error(error);
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  activate(f, "win.open-dataset-path", g_variant_new_string(demo));
  wait_for(dataset_open, ws, "the 80-image demo data set to open");

  PatinaRunsPage *page = runs_page(f);
  char *ids[G_N_ELEMENTS(screenshot_lrs)];
  for (guint i = 0; i < G_N_ELEMENTS(screenshot_lrs); i++)
    ids[i] = train_for_screenshot(f, screenshot_lrs[i]);
  g_assert_cmpuint(n_listed(page), ==, G_N_ELEMENTS(screenshot_lrs));

  /* Best first, as an analyst reads the table, after sorting by other columns: the header
   * shows one arrow, on the column that sorts. */
  patina_runs_page_sort_by(page, "lr", GTK_SORT_ASCENDING);
  patina_runs_page_sort_by(page, "epochs", GTK_SORT_DESCENDING);
  patina_runs_page_sort_by(page, "best-val-acc", GTK_SORT_DESCENDING);
  GtkWidget *header = gtk_widget_get_first_child(GTK_WIDGET(patina_runs_page_get_column_view(page)));
  g_assert_cmpuint(count_sort_arrows(header), ==, 1);
  PatinaChart *chart = patina_runs_page_get_chart(page);
  for (guint i = 0; i < G_N_ELEMENTS(ids); i++)
    page_action(page, "runs.toggle", ids[i]);
  g_assert_cmpuint(patina_chart_get_n_series(chart), ==, G_N_ELEMENTS(ids));
  g_assert_cmpuint(patina_chart_get_n_points(chart), ==,
                   G_N_ELEMENTS(ids) * SCREENSHOT_EPOCHS);
  /* Worth showing: the best run learned (the tiny runs of /runs/compare stay near chance). */
  double best = patina_run_get_best_val_acc(listed(page, 0));
  g_test_message("best validation accuracy of the screenshot runs: %.3f", best);
  g_assert_cmpfloat(best, >, 0.6);

  activate(f, "win.show-page", g_variant_new_string("runs"));
  patina_chart_set_hover(chart, -1, -1);
  settle();
  save_screenshot(f, "runs", "runs.png");
  for (guint i = 0; i < G_N_ELEMENTS(ids); i++)
    g_free(ids[i]);
  g_autoptr(GSettings) s = patina_settings_new();
  g_settings_reset(s, "train-val-fraction");
}

int main(int argc, char **argv)
{
  app_test_init(&argc, &argv);
  g_test_add("/runs/compare", Fixture, NULL, fixture_set_up, test_compare_runs,
             fixture_tear_down);
  g_test_add("/runs/folds", Fixture, NULL, fixture_set_up, test_fold_runs, fixture_tear_down);
  g_test_add("/runs/damaged", Fixture, NULL, fixture_set_up, test_damaged_runs,
             fixture_tear_down);
  g_test_add("/runs/close-during-undo", Fixture, NULL, fixture_set_up, test_close_during_undo,
             fixture_tear_down);
  g_test_add_func("/runs/quit-during-undo", test_quit_during_undo);
  g_test_add("/runs/chart-smoothing", Fixture, NULL, fixture_set_up, test_chart_smoothing,
             fixture_tear_down);
  g_test_add("/runs/chart-log-scale", Fixture, NULL, fixture_set_up, test_chart_log_scale,
             fixture_tear_down);
  g_test_add("/runs/chart-export", Fixture, NULL, fixture_set_up, test_chart_export,
             fixture_tear_down);
  g_test_add("/runs/screenshot", Fixture, NULL, fixture_set_up, test_runs_screenshot,
             fixture_tear_down);
  return app_test_run();
}
