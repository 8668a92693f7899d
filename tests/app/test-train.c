/* The Train page: its settings reach the run and the checkpoint, cross-validation and its
 * records, the misclassified gallery, pause-free images/s (helpers in app-test.h; the
 * Augmentation row in test-train-augment.c, what a run shows and saves in test-train-results.c,
 * the main-loop stall probe in test-train-stall.c). */
#include <adwaita.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "app-test.h"

#include "patina-data-page.h"
#include "patina-job.h"
#include "patina-run.h"
#include "patina-settings.h"
#include "patina-train-page.h"
#include "train/predict.h"

static PatinaTrainPage *train_page(Fixture *f)
{
  return PATINA_TRAIN_PAGE(patina_window_get_page(f->window, "train"));
}

static JsonObject *hyperparameters(const char *checkpoint, JsonParser *parser)
{
  PatinaCheckpointMeta meta = {0};
  g_autoptr(GError) error = NULL;
  PatinaModel *m = patina_checkpoint_load(checkpoint, &meta, &error);
  g_assert_no_error(error);
  patina_model_free(m);
  g_assert_nonnull(meta.hyperparameters_json);
  g_assert_true(json_parser_load_from_data(parser, meta.hyperparameters_json, -1, NULL));
  patina_checkpoint_meta_clear(&meta);
  return json_node_get_object(json_parser_get_root(parser));
}

/* What the page's rows set reaches PatinaTrainConfig, the run and the checkpoint. */
static void test_settings_reach_run(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  reset_train_settings(1);
  g_autoptr(GSettings) s = patina_settings_new();
  g_settings_set_enum(s, "train-optimizer", 1);
  g_settings_set_double(s, "train-momentum", 0.8);
  g_settings_set_double(s, "train-dropout", 0.3);
  g_settings_set_double(s, "train-val-fraction", 0.25);
  g_settings_set_boolean(s, "train-class-weighting", TRUE);
  /* paper5 at its smallest size: a stride-2 conv and four pools need at least 153 px */
  g_settings_set_enum(s, "train-model", 1);
  g_settings_set_int(s, "train-size", 160);
  g_settings_set_int(s, "train-threads", 1);
  settle();

  PatinaTrainConfig cfg;
  PatinaAugment augment;
  g_assert_true(patina_train_config_from_settings(s, &cfg, &augment, NULL));
  g_assert_cmpstr(cfg.model, ==, "paper5");
  g_assert_cmpint(cfg.size, ==, 160);
  g_assert_cmpint(cfg.threads, ==, 1);
  g_assert_cmpint(cfg.optimizer, ==, PATINA_OPTIMIZER_SGD);
  g_assert_cmpfloat_with_epsilon(cfg.momentum, 0.8, 1e-6);
  g_assert_cmpfloat_with_epsilon(cfg.dropout, 0.3, 1e-9);
  g_assert_cmpfloat_with_epsilon(cfg.val_fraction, 0.25, 1e-9);
  g_assert_true(cfg.class_weighting);
  g_assert_cmpint(cfg.folds, ==, 0);
  /* one fold would leave nothing to validate on: it means a single run */
  g_settings_set_int(s, "train-folds", 1);
  g_assert_true(patina_train_config_from_settings(s, &cfg, &augment, NULL));
  g_assert_cmpint(cfg.folds, ==, 0);
  g_settings_reset(s, "train-folds");

  PatinaJob *job = run_to_end(f);
  JsonParser *parser = json_parser_new();
  JsonObject *hp = hyperparameters(patina_job_get_output(job), parser);
  g_assert_cmpstr(json_object_get_string_member(hp, "optimizer"), ==, "sgd");
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(hp, "momentum"), 0.8, 1e-6);
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(hp, "dropout"), 0.3, 1e-9);
  g_assert_cmpfloat_with_epsilon(json_object_get_double_member(hp, "val_fraction"), 0.25, 1e-9);
  g_assert_true(json_object_get_boolean_member(hp, "class_weighting"));
  g_assert_cmpstr(json_object_get_string_member(hp, "model"), ==, "paper5");
  g_assert_cmpint(json_object_get_int_member(hp, "threads"), ==, 1);
  g_object_unref(parser);
  /* the dropout is in the model's spec too, not only in the record */
  PatinaModel *m = patina_checkpoint_load(patina_job_get_output(job), NULL, NULL);
  g_assert_nonnull(m);
  int dropouts = 0, convs = 0, batchnorms = 0;
  for (int i = 0; i < m->n_layers; i++) {
    if (m->layers[i].type == PATINA_LAYER_DROPOUT) {
      g_assert_cmpfloat_with_epsilon(m->layers[i].p, 0.3, 1e-6);
      dropouts++;
    }
    /* paper5: each of its 5 convs is followed by BatchNorm */
    if (m->layers[i].type == PATINA_LAYER_CONV2D) {
      g_assert_cmpint(i + 1, <, m->n_layers);
      g_assert_cmpint(m->layers[i + 1].type, ==, PATINA_LAYER_BATCHNORM2D);
      convs++;
    }
    batchnorms += m->layers[i].type == PATINA_LAYER_BATCHNORM2D;
  }
  g_assert_cmpint(dropouts, ==, 3);
  g_assert_cmpint(convs, ==, 5);
  g_assert_cmpint(batchnorms, ==, 5);
  g_assert_cmpint(m->layers[0].in_h, ==, 160);
  g_assert_cmpint(m->layers[0].in_w, ==, 160);
  patina_model_free(m);

  /* the run's record has them as well */
  g_autofree char *dir = g_path_get_dirname(patina_job_get_output(job));
  g_autofree char *record = g_build_filename(dir, "run.json", NULL);
  g_autoptr(JsonParser) run_parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(json_parser_load_from_file(run_parser, record, &error));
  g_assert_no_error(error);
  JsonObject *run = json_node_get_object(json_parser_get_root(run_parser));
  g_assert_cmpstr(json_object_get_string_member(run, "model"), ==, "paper5");
  g_assert_cmpint(json_object_get_int_member(run, "size"), ==, 160);
  g_assert_cmpint(json_object_get_int_member(run, "threads"), ==, 1);
  g_settings_reset(s, "train-threads");
}

static char *record_state(const char *dir, const char *name, guint *epochs)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(json_parser_load_from_file(parser, path, &error));
  g_assert_no_error(error);
  JsonObject *o = json_node_get_object(json_parser_get_root(parser));
  *epochs = json_array_get_length(json_object_get_array_member(o, "history"));
  return g_strdup(json_object_get_string_member(o, "state"));
}

/* k folds run k trainings one after the other and show mean ± sd of their best accuracy. */
static void test_folds(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  reset_train_settings(1);
  g_autoptr(GSettings) s = patina_settings_new();
  g_settings_set_int(s, "train-folds", 3);
  activate(f, "win.show-page", g_variant_new_string("train"));
  PatinaJob *job = run_to_end(f);
  g_assert_cmpint(patina_job_get_folds(job), ==, 3);
  g_assert_cmpuint(patina_job_get_history(job)->len, ==, 3); /* one epoch per fold */
  const double *acc = patina_job_get_fold_accuracies(job);
  g_assert_nonnull(acc);
  double mean = (acc[0] + acc[1] + acc[2]) / 3, var = 0;
  for (int k = 0; k < 3; k++) {
    g_assert_cmpfloat(acc[k], >=, 0.0);
    g_assert_cmpfloat(acc[k], <=, 1.0);
    var += (acc[k] - mean) * (acc[k] - mean) / 2;
    g_autofree char *path = patina_fold_path(patina_job_get_output(job), k + 1);
    g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
    /* each fold is a run of its own, recorded as done */
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *record = g_strdup_printf("run.fold%d.json", k + 1);
    guint epochs = 0;
    g_autofree char *state = record_state(dir, record, &epochs);
    g_assert_cmpstr(state, ==, "done");
    g_assert_cmpuint(epochs, ==, 1);
    /* each fold's accuracy is its own history's best validation accuracy */
    const PatinaEpochRecord *r =
      &g_array_index(patina_job_get_history(job), PatinaEpochRecord, k);
    g_assert_cmpfloat_with_epsilon(acc[k], r->val_acc, 1e-9);
  }
  g_assert_cmpfloat_with_epsilon(patina_job_get_fold_mean(job), mean, 1e-9);
  g_assert_cmpfloat_with_epsilon(patina_job_get_fold_sd(job), sqrt(var), 1e-9);
  /* out-of-fold evaluation: every image once, by the model that did not train on it */
  const PatinaEvaluation *e = patina_job_get_evaluation(job);
  g_assert_nonnull(e);
  g_assert_cmpint(e->n, ==, 12);
  const char *text = patina_train_page_get_metrics_text(train_page(f));
  g_autofree char *expected =
    g_strdup_printf("%.1f ± %.1f %% over 3 folds", 100 * mean, 100 * sqrt(var));
  g_assert_nonnull(strstr(text, expected));

  /* The exported history says which fold each row belongs to (each fold's epochs start at 1). */
  g_auto(GStrv) lines = export_history_lines(f, "folds.csv");
  g_assert_cmpstr(lines[0], ==, "fold,epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds");
  for (int k = 0; k < 3; k++) {
    g_autofree char *start = g_strdup_printf("%d,1,", k + 1);
    g_assert_true(g_str_has_prefix(lines[k + 1], start));
  }
}

/* The gallery holds exactly the validation images the evaluated model gets wrong, checked
 * against patina_predict_file, the Predict page's own path. */
static void test_misclassified_gallery(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  reset_train_settings(1);
  g_autoptr(GSettings) s = patina_settings_new();
  g_settings_set_double(s, "train-val-fraction", 0.5);
  PatinaJob *job = run_to_end(f);

  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaDataset) ds = patina_dataset_open(f->demo, &error);
  g_assert_no_error(error);
  g_autoptr(GArray) train = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) val = g_array_new(FALSE, FALSE, sizeof(int));
  patina_dataset_split(ds, 0.5, 0, train, val);
  PatinaModel *m = patina_checkpoint_load(patina_job_get_output(job), NULL, &error);
  g_assert_no_error(error);
  /* A batch of one and a batch of four may round differently: a call within a hair of 50 %
   * may go either way, so those are left out of the comparison. */
  g_autoptr(GPtrArray) wrong = g_ptr_array_new();
  g_autoptr(GPtrArray) undecided = g_ptr_array_new();
  for (guint i = 0; i < val->len; i++) {
    const PatinaSample *sample = &g_array_index(ds->samples, PatinaSample,
                                                g_array_index(val, int, i));
    float probs[8];
    int k = patina_predict_file(m, sample->path, probs, &error);
    g_assert_no_error(error);
    if (probs[k] < 0.5f + 1e-4f)
      g_ptr_array_add(undecided, sample->path);
    else if (k != sample->label)
      g_ptr_array_add(wrong, sample->path);
  }
  patina_model_free(m);

  GArray *mis = patina_job_get_misclassified(job);
  g_test_message("%u of %u validation images misclassified (%u too close to call)", mis->len,
                 val->len, undecided->len);
  g_assert_cmpuint(mis->len, >=, wrong->len);
  g_assert_cmpuint(mis->len, <=, wrong->len + undecided->len);
  for (guint j = 0; j < wrong->len; j++) {
    gboolean shown = FALSE;
    for (guint i = 0; i < mis->len; i++)
      shown |= g_str_equal(g_array_index(mis, PatinaMisclassified, i).path,
                           g_ptr_array_index(wrong, j));
    g_assert_true(shown);
  }
  PatinaTrainPage *page = train_page(f);
  g_assert_cmpuint(patina_train_page_get_n_misclassified_shown(page), ==, mis->len);
  const PatinaEvaluation *e = patina_job_get_evaluation(job);
  g_assert_cmpint(e->n - (int) mis->len, ==,
                  e->confusion[0] + e->confusion[e->n_classes * e->n_classes - 1]);
  for (guint i = 0; i < mis->len; i++) {
    const PatinaMisclassified *x = &g_array_index(mis, PatinaMisclassified, i);
    gboolean found = FALSE;
    for (guint j = 0; j < wrong->len; j++)
      found |= g_str_equal(x->path, g_ptr_array_index(wrong, j));
    for (guint j = 0; j < undecided->len; j++)
      found |= g_str_equal(x->path, g_ptr_array_index(undecided, j));
    g_assert_true(found);
    g_assert_cmpint(x->predicted, !=, x->true_class);
    g_assert_cmpfloat(x->probability, >=, 0.5);
    g_assert_cmpstr(patina_train_page_get_misclassified_path(page, i), ==, x->path);
  }
  /* a click opens the image in the Data page's viewer */
  if (mis->len > 0) {
    const char *path = g_array_index(mis, PatinaMisclassified, 0).path;
    g_assert_true(gtk_widget_activate_action(GTK_WIDGET(patina_train_page_get_gallery(page)),
                                             "misclassified.open", "s", path));
    settle();
    PatinaDataPage *data = PATINA_DATA_PAGE(patina_window_get_page(f->window, "data"));
    g_assert_true(patina_data_page_get_viewer_visible(data));
    g_assert_cmpstr(patina_image_viewer_get_path(patina_data_page_get_viewer(data)), ==, path);
  }
}

/* images/s over working time: a pause is left out (the reference is one batch in). */
static void test_rate_excludes_pause(void)
{
  PatinaRate r = {0};
  double ips = 0, eta = 0;
  const gint64 s = G_USEC_PER_SEC;
  g_assert_false(patina_rate_update(&r, 10 * s, 0, 32, 0.1, &ips, &eta));
  g_assert_true(patina_rate_update(&r, 11 * s, 0, 132, 0.2, &ips, &eta));
  g_assert_cmpfloat_with_epsilon(ips, 100, 1e-9);
  g_assert_cmpfloat_with_epsilon(eta, 8, 1e-9);
  /* paused for 60 s, then one more second of work */
  g_assert_true(patina_rate_update(&r, 72 * s, 60 * s, 232, 0.3, &ips, &eta));
  g_assert_cmpfloat_with_epsilon(ips, 100, 1e-9);
  g_assert_cmpfloat_with_epsilon(eta, 7, 1e-9);
}

typedef struct {
  PatinaJob *job;
  guint batches;
} BatchWait;

static gboolean job_paused(gpointer job)
{
  return patina_job_get_state(job) == PATINA_JOB_PAUSED;
}

static gboolean more_batches(gpointer data)
{
  BatchWait *w = data;
  return patina_job_get_batches(w->job)->len > w->batches &&
         patina_job_get_images_per_second(w->job) > 0;
}

/* In a real run the job counts the time it held the worker paused, at least as long as the
 * test kept it paused. */
static void test_pause_time_counted(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  reset_train_settings(1000);
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  activate(f, "win.train-start", NULL);
  PatinaJob *job = patina_workspace_get_job(ws);
  BatchWait w = {job, 0};
  wait_for(more_batches, &w, "the first batches");
  activate(f, "win.train-pause", NULL);
  wait_for(job_paused, job, "the training to pause");
  gint64 t0 = g_get_monotonic_time();
  g_usleep(300 * 1000);
  double held = (g_get_monotonic_time() - t0) / 1e6;
  activate(f, "win.train-resume", NULL);
  w.batches = patina_job_get_batches(job)->len;
  wait_for(more_batches, &w, "a batch after resuming");
  g_assert_cmpfloat(patina_job_get_paused_seconds(job), >=, held);
  activate(f, "win.train-stop", NULL);
  wait_for(job_finished, ws, "the training to stop");
}

/* ---- cross-validation records ---- */

static gboolean job_has_epoch(gpointer job)
{
  return patina_job_get_history(job)->len > 0;
}


/* A 2-fold run stopped in fold 1: the fold's record says it was stopped and keeps the epochs
 * it finished; no record claims a fold that never ran. */
static void test_fold_stopped_record(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  reset_train_settings(1000);
  g_autoptr(GSettings) s = patina_settings_new();
  g_settings_set_int(s, "train-folds", 2);
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  activate(f, "win.train-start", NULL);
  PatinaJob *job = patina_workspace_get_job(ws);
  wait_for(job_has_epoch, job, "fold 1's first epoch");
  activate(f, "win.train-stop", NULL);
  wait_for(job_finished, ws, "the run to stop");
  g_assert_cmpint(patina_job_get_state(job), ==, PATINA_JOB_CANCELLED);
  g_assert_cmpint(patina_job_get_fold(job), ==, 1);
  /* the page does not claim the second fold's model */
  settle();
  const char *saved = patina_train_page_get_saved_text(train_page(f));
  g_assert_nonnull(strstr(saved, "Stopped in fold 1 of 2"));
  g_autofree char *dir = g_path_get_dirname(patina_job_get_output(job));
  guint epochs = 0;
  g_autofree char *state = record_state(dir, "run.fold1.json", &epochs);
  g_assert_cmpstr(state, ==, "cancelled");
  g_assert_cmpuint(epochs, ==, patina_job_get_history(job)->len);
  g_autofree char *second = g_build_filename(dir, "run.fold2.json", NULL);
  g_assert_false(g_file_test(second, G_FILE_TEST_EXISTS));
  /* the Runs page lists it so */
  g_autofree char *runs_dir = g_path_get_dirname(dir);
  g_autofree char *base = g_path_get_basename(dir);
  g_autofree char *id = g_strconcat(base, ".fold1", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = patina_runs_scan(runs_dir, NULL, &error);
  g_assert_no_error(error);
  guint listed = 0;
  for (guint i = 0; i < runs->len; i++) {
    PatinaRun *run = g_ptr_array_index(runs, i);
    if (g_str_has_prefix(patina_run_get_id(run), base)) {
      listed++;
      g_assert_cmpstr(patina_run_get_id(run), ==, id);
      g_assert_cmpstr(patina_run_get_state(run), ==, "cancelled");
    }
  }
  g_assert_cmpuint(listed, ==, 1);
  g_settings_reset(s, "train-folds");
}

int main(int argc, char **argv)
{
  app_test_init(&argc, &argv);
  g_test_add_func("/train/rate-excludes-pause", test_rate_excludes_pause);
  g_test_add("/train/settings-reach-run", Fixture, NULL, fixture_set_up, test_settings_reach_run,
             fixture_tear_down);
  g_test_add("/train/folds", Fixture, NULL, fixture_set_up, test_folds, fixture_tear_down);
  g_test_add("/train/fold-stopped-record", Fixture, NULL, fixture_set_up,
             test_fold_stopped_record, fixture_tear_down);
  g_test_add("/train/misclassified-gallery", Fixture, NULL, fixture_set_up,
             test_misclassified_gallery, fixture_tear_down);
  g_test_add("/train/pause-time-counted", Fixture, NULL, fixture_set_up,
             test_pause_time_counted, fixture_tear_down);
  return app_test_run();
}
