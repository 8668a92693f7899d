/* What the Train page shows and saves of a run, checked against the job and the core: Stop
 * keeps a model that loads and saves, the confusion matrix and per-class metrics, the history
 * CSV, the images/s and time-left line (helpers in app-test.h). */
#include <adwaita.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app-test.h"

#include "patina-job.h"
#include "patina-settings.h"
#include "patina-train-page.h"
#include "data/manifest.h"
#include "train/checkpoint.h"

#include <json-glib/json-glib.h>

static PatinaTrainPage *train_page(Fixture *f)
{
  return PATINA_TRAIN_PAGE(patina_window_get_page(f->window, "train"));
}

static gboolean job_has_epoch(gpointer job)
{
  return patina_job_get_history(job)->len > 0;
}

/* Stop after an epoch keeps that model: the checkpoint loads, the toast and the page say it
 * is kept, and Save Model (enabled) writes the same bytes. */
static void test_stop_keeps_model(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  reset_train_settings(1000);
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  activate(f, "win.train-start", NULL);
  g_autoptr(PatinaJob) job = g_object_ref(patina_workspace_get_job(ws));
  wait_for(job_has_epoch, job, "the first epoch to end");
  activate(f, "win.train-stop", NULL);
  wait_for(job_finished, ws, "the training to stop");
  settle();
  g_assert_cmpint(patina_job_get_state(job), ==, PATINA_JOB_CANCELLED);
  guint epochs = patina_job_get_history(job)->len;
  g_assert_cmpuint(epochs, >=, 1);

  const char *output = patina_job_get_output(job);
  g_assert_true(g_file_test(output, G_FILE_TEST_IS_REGULAR));
  g_autoptr(GError) error = NULL;
  PatinaCheckpointMeta meta = {0};
  PatinaModel *m = patina_checkpoint_load(output, &meta, &error);
  g_assert_no_error(error);
  g_assert_nonnull(m);
  g_assert_cmpint(m->n_layers, >, 0);
  g_assert_nonnull(meta.class_names);
  g_assert_cmpstr(meta.class_names[1], ==, "AZ31B");
  patina_checkpoint_meta_clear(&meta);
  patina_model_free(m);

  g_autofree char *kept = g_strdup_printf(
    epochs == 1 ? "Training stopped after %u epoch; the model so far is kept"
                : "Training stopped after %u epochs; the model so far is kept",
    epochs);
  g_assert_cmpstr(patina_window_get_last_toast(f->window), ==, kept);
  g_autofree char *saved = g_strdup_printf("Model saved to %s", output);
  g_assert_cmpstr(patina_train_page_get_saved_text(train_page(f)), ==, saved);

  /* The page's Save Model button is live (its sensitivity follows the action's state). */
  GtkWidget *save_button = find_actionable(GTK_WIDGET(train_page(f)), "win.save-model");
  g_assert_nonnull(save_button);
  g_assert_true(gtk_widget_is_sensitive(save_button));
  g_autofree char *copy = g_build_filename(f->tmp, "stopped.safetensors", NULL);
  ToastWait tw = {f->window, patina_window_get_n_toasts(f->window)};
  activate(f, "win.save-model-path", g_variant_new_string(copy));
  wait_for(new_toast, &tw, "the model to be saved");
  g_autofree char *expected_toast = g_strdup_printf("Saved %s", copy);
  g_assert_cmpstr(patina_window_get_last_toast(f->window), ==, expected_toast);
  g_autofree char *a = NULL, *b = NULL;
  gsize na = 0, nb = 0;
  g_assert_true(g_file_get_contents(output, &a, &na, NULL));
  g_assert_true(g_file_get_contents(copy, &b, &nb, NULL));
  g_assert_cmpmem(a, na, b, nb);
}

/* The heatmap holds the job's evaluation cell for cell, and the metrics text each class's
 * precision, recall and F1 as the core computes them from that matrix. */
static void test_confusion_and_metrics(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  reset_train_settings(2);
  g_autoptr(GSettings) s = patina_settings_new();
  g_settings_set_double(s, "train-val-fraction", 0.5);
  PatinaJob *job = run_to_end(f);
  const PatinaEvaluation *e = patina_job_get_evaluation(job);
  g_assert_nonnull(e);
  g_assert_cmpint(e->n_classes, ==, 2);
  PatinaConfusion *confusion = patina_train_page_get_confusion(train_page(f));
  g_assert_cmpint(patina_confusion_get_n_classes(confusion), ==, e->n_classes);
  int sum = 0;
  for (int t = 0; t < e->n_classes; t++)
    for (int p = 0; p < e->n_classes; p++) {
      g_assert_cmpint(patina_confusion_get_cell(confusion, t, p), ==,
                      e->confusion[t * e->n_classes + p]);
      sum += e->confusion[t * e->n_classes + p];
    }
  g_assert_cmpint(sum, ==, e->n);
  g_assert_cmpint(patina_confusion_get_cell(confusion, e->n_classes, 0), ==, -1);

  const char *text = patina_train_page_get_metrics_text(train_page(f));
  g_test_message("%s", text);
  const char *const *names = patina_job_get_class_names(job);
  for (int k = 0; k < e->n_classes; k++) {
    double precision, recall, f1;
    patina_evaluation_class_metrics(e, k, &precision, &recall, &f1);
    g_autofree char *line = g_strdup_printf("%s: precision %.2f, recall %.2f, F1 %.2f", names[k],
                                            precision, recall, f1);
    g_assert_nonnull(strstr(text, line));
  }
  g_settings_reset(s, "train-val-fraction");
}

/* With a manifest, the Train page trains and evaluates on its split and leaves its excluded
 * images out, as patina-cli train does; the validation share does not apply and the run
 * records none. */
typedef struct {
  AdwActionRow *row;
  const char *subtitle;
} RowWait;

static gboolean row_says(gpointer data)
{
  RowWait *w = data;
  return g_strcmp0(adw_action_row_get_subtitle(w->row), w->subtitle) == 0;
}

static gboolean row_starts_with_cannot(gpointer row)
{
  return g_str_has_prefix(adw_action_row_get_subtitle(row),
                          "The data set's manifest cannot be used: ");
}

static void test_manifest_split(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds =
    patina_dataset_open_full(f->demo, PATINA_DATASET_OPEN_CONTAINED, NULL, &error);
  g_assert_no_error(error);
  g_autoptr(PatinaManifest) m = patina_manifest_create(ds, 0.34, 0.17, 3, &error);
  g_assert_no_error(error);
  int val = 0, train = 0, test = 0, excluded = 0;
  for (guint i = 0; i < m->images->len; i++) {
    PatinaManifestImage *im = &g_array_index(m->images, PatinaManifestImage, i);
    if (im->split == PATINA_SPLIT_VAL && !excluded) {
      im->excluded = TRUE; /* one validation image left out */
      excluded++;
    } else if (im->split == PATINA_SPLIT_VAL) {
      val++;
    } else if (im->split == PATINA_SPLIT_TRAIN) {
      train++;
    } else {
      test++;
    }
  }
  g_assert_cmpint(excluded, ==, 1);
  g_assert_cmpint(val, >, 0);
  g_autofree char *path = patina_manifest_path_in(f->demo);
  g_assert_true(patina_manifest_save(m, path, &error));

  /* The page says the share does not apply (checked when it is shown). */
  AdwActionRow *val_row = patina_train_page_get_val_row(train_page(f));
  g_assert_true(gtk_widget_get_sensitive(GTK_WIDGET(val_row)));
  activate(f, "win.show-page", g_variant_new_string("train"));
  settle();
  g_assert_false(gtk_widget_get_sensitive(GTK_WIDGET(val_row)));
  g_autofree char *note = g_strdup_printf(
    "The data set's manifest sets the split: %d train and %d validation images; its %d test "
    "images are left out",
    train, val, test);
  wait_for(row_says, &(RowWait){val_row, note}, "the manifest's counts on the row");

  reset_train_settings(1);
  g_autoptr(GSettings) s = patina_settings_new();
  g_settings_set_double(s, "train-val-fraction", 0.5); /* 6 of 12: not what the manifest says */
  PatinaJob *job = run_to_end(f);
  const PatinaEvaluation *e = patina_job_get_evaluation(job);
  g_assert_nonnull(e);
  g_assert_cmpint(e->n, ==, val);

  g_autofree char *dir = g_path_get_dirname(patina_job_get_output(job));
  g_autofree char *record_path = g_build_filename(dir, "run.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_assert_true(json_parser_load_from_file(parser, record_path, &error));
  JsonObject *record = json_node_get_object(json_parser_get_root(parser));
  g_assert_true(json_object_get_null_member(record, "val_fraction"));

  /* Cross-validation covers the manifest's train and validation images (out-of-fold, each
   * once); its test images and the excluded one stay out. */
  g_settings_set_int(s, "train-folds", 2);
  job = run_to_end(f);
  e = patina_job_get_evaluation(job);
  g_assert_nonnull(e);
  g_assert_cmpint(e->n, ==, train + val);
  g_settings_reset(s, "train-folds");

  /* A manifest that cannot be read is said so on the row, naming the file. */
  g_assert_true(g_file_set_contents(path, "{ \"version\": 1, ", -1, NULL));
  activate(f, "win.show-page", g_variant_new_string("data"));
  activate(f, "win.show-page", g_variant_new_string("train"));
  wait_for(row_starts_with_cannot, val_row, "the row to say the manifest cannot be used");
  g_assert_nonnull(strstr(adw_action_row_get_subtitle(val_row), path));
  g_settings_reset(s, "train-val-fraction");
}

static void assert_field(const char *field, double expected)
{
  if (isnan(expected)) {
    g_assert_cmpstr(field, ==, "");
    return;
  }
  char *end = NULL;
  double value = g_ascii_strtod(field, &end);
  g_assert_true(end != field && *end == '\0');
  /* printed with 6 significant digits */
  g_assert_cmpfloat(fabs(value - expected), <=, 1e-5 * MAX(1.0, fabs(expected)));
}

/* The exported CSV has one row per epoch of the job's history, each value equal to it. */
static void test_history_csv(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  reset_train_settings(3);
  PatinaJob *job = run_to_end(f);
  GArray *h = patina_job_get_history(job);
  g_assert_cmpuint(h->len, ==, 3);

  g_auto(GStrv) lines = export_history_lines(f, "history.csv");
  g_assert_cmpstr(lines[0], ==, "epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds");
  guint rows = 0;
  for (guint i = 1; lines[i] && *lines[i]; i++, rows++) {
    g_assert_cmpuint(rows, <, h->len);
    const PatinaEpochRecord *r = &g_array_index(h, PatinaEpochRecord, rows);
    g_auto(GStrv) v = g_strsplit(lines[i], ",", -1);
    g_assert_cmpuint(g_strv_length(v), ==, 7);
    g_assert_cmpint(atoi(v[0]), ==, r->epoch);
    assert_field(v[1], r->train_loss);
    assert_field(v[2], r->train_acc);
    assert_field(v[3], r->val_loss);
    assert_field(v[4], r->val_acc);
    assert_field(v[5], r->lr);
    assert_field(v[6], r->seconds);
  }
  g_assert_cmpuint(rows, ==, h->len);
}

static gboolean rate_shown(gpointer page)
{
  return strstr(patina_train_page_get_saved_text(page), "images/s") != NULL;
}

/* "12.3 images/s  ·  1 h 05 min left": seconds from the part after the dot, -1 if unparsable. */
static double parse_time_left(const char *text)
{
  const char *dot = strstr(text, "·");
  if (!dot)
    return -1;
  int a = 0, b = 0, used = 0;
  const char *t = dot + strlen("·");
  if (sscanf(t, " %d h %d min left%n", &a, &b, &used) == 2 && used > 0)
    return a * 3600.0 + b * 60.0;
  if (sscanf(t, " %d min %d s left%n", &a, &b, &used) == 2 && used > 0)
    return a * 60.0 + b;
  if (sscanf(t, " %d s left%n", &a, &used) == 1 && used > 0)
    return a;
  return -1;
}

/* Once batches have run, the line under the progress bar gives images/s and the time left. */
static void test_progress_rate_and_eta(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  reset_train_settings(1000);
  activate(f, "win.train-start", NULL);
  PatinaTrainPage *page = train_page(f);
  wait_for(rate_shown, page, "images/s under the progress bar");
  const char *text = patina_train_page_get_saved_text(page);
  g_test_message("%s", text);
  double rate = 0;
  g_assert_cmpint(sscanf(text, "%lf images/s", &rate), ==, 1);
  g_assert_cmpfloat(rate, >, 0);
  /* 1000 epochs are far from done: the time left is more than nothing */
  g_assert_cmpfloat(parse_time_left(text), >, 0);
  activate(f, "win.train-stop", NULL);
  wait_for(job_finished, patina_window_get_workspace(f->window), "the training to stop");
}

int main(int argc, char **argv)
{
  app_test_init(&argc, &argv);
  g_test_add("/train-results/stop-keeps-model", Fixture, NULL, fixture_set_up,
             test_stop_keeps_model, fixture_tear_down);
  g_test_add("/train-results/confusion-and-metrics", Fixture, NULL, fixture_set_up,
             test_confusion_and_metrics, fixture_tear_down);
  g_test_add("/train-results/manifest-split", Fixture, NULL, fixture_set_up,
             test_manifest_split, fixture_tear_down);
  g_test_add("/train-results/history-csv", Fixture, NULL, fixture_set_up, test_history_csv,
             fixture_tear_down);
  g_test_add("/train-results/progress-rate-and-eta", Fixture, NULL, fixture_set_up,
             test_progress_rate_and_eta, fixture_tear_down);
  return app_test_run();
}
