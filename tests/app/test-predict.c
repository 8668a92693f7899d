/* The Predict page and Open Model, driven through their actions under Xvfb: models are made
 * with the core in the test (the paper CNN at 46 px, seeded), images are the demo data set's. */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "app-test.h"

#include "data/demo.h"
#include "nn/model.h"
#include "patina-predict-page.h"
#include "patina-settings.h"
#include "patina-prediction.h"
#include "rng.h"
#include "train/checkpoint.h"
#include "train/predict.h"

#define MODEL_SIZE 46

/* A paper CNN for the given classes at size px, initialised from seed, saved into f->tmp. */
static char *make_model(Fixture *f, const char *file, const char *const *classes, int size,
                        guint64 seed)
{
  g_autoptr(GError) error = NULL;
  int n = (int) g_strv_length((char **) classes);
  g_autofree char *spec = patina_spec_paper(n, size, 3);
  PatinaModel *model = patina_model_new(spec, &error);
  g_assert_no_error(error);
  PatinaRng rng;
  patina_rng_init(&rng, seed);
  patina_model_init(model, &rng);
  PatinaCheckpointMeta meta = {.class_names = g_strdupv((char **) classes)};
  char *path = g_build_filename(f->tmp, file, NULL);
  g_assert_true(patina_checkpoint_save(model, &meta, path, &error));
  g_assert_no_error(error);
  patina_checkpoint_meta_clear(&meta);
  patina_model_free(model);
  return path;
}

static const char *const demo_classes[] = {"316L", "AZ31B", NULL};

static PatinaPredictPage *page_of(Fixture *f)
{
  return PATINA_PREDICT_PAGE(patina_window_get_page(f->window, "predict"));
}

static gboolean predictions_done(gpointer page)
{
  GListModel *items = patina_predict_page_get_predictions(page);
  return g_list_model_get_n_items(items) > 0 && patina_predict_page_get_n_pending(page) == 0;
}

/* Opens path through win.open-model-path and waits until the workspace has loaded it. */
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

static gboolean rows_predicted(gpointer data)
{
  RowsWait *w = data;
  GListModel *items = patina_predict_page_get_predictions(w->page);
  return g_list_model_get_n_items(items) == w->rows && predictions_done(w->page);
}

/* Adds image paths (no folders) through predict.add-paths and waits for their rows and every
 * prediction. */
static void add_images(Fixture *f, const char *const *paths)
{
  PatinaPredictPage *page = page_of(f);
  RowsWait w = {page, g_list_model_get_n_items(patina_predict_page_get_predictions(page)) +
                        g_strv_length((char **) paths)};
  g_assert_true(gtk_widget_activate_action_variant(GTK_WIDGET(page), "predict.add-paths",
                                                   g_variant_new_strv(paths, -1)));
  wait_for(rows_predicted, &w, "the predictions");
}

/* The preview of the selected image is decoded on a worker; its size line comes with it. */
static gboolean detail_sized(gpointer page)
{
  return strstr(patina_predict_page_get_detail_info(page), " px") != NULL;
}

static char *demo_image(Fixture *f, const char *cls, int i)
{
  g_autofree char *name = g_strdup_printf("%s_%03d.png", cls, i);
  return g_build_filename(f->demo, cls, name, NULL);
}

static PatinaPrediction *find_row(Fixture *f, const char *path)
{
  GListModel *items = patina_predict_page_get_predictions(page_of(f));
  for (guint i = 0; i < g_list_model_get_n_items(items); i++) {
    g_autoptr(PatinaPrediction) p = g_list_model_get_item(items, i);
    if (g_str_equal(patina_prediction_get_path(p), path))
      return p; /* the list holds it */
  }
  g_error("no row for %s", path);
  return NULL;
}

/* The row of path holds exactly what the core predicts for it with the model at model_path. */
static void assert_row_matches_core(Fixture *f, const char *path, const char *model_path)
{
  g_autoptr(GError) error = NULL;
  PatinaCheckpointMeta meta = {0};
  PatinaModel *model = patina_checkpoint_load(model_path, &meta, &error);
  g_assert_no_error(error);
  int n = patina_model_n_classes(model);
  g_autofree float *probs = g_new(float, n);
  int best = patina_predict_file(model, path, probs, &error);
  g_assert_no_error(error);

  PatinaPrediction *row = find_row(f, path);
  g_assert_cmpint(patina_prediction_get_state(row), ==, PATINA_PREDICTION_DONE);
  g_assert_cmpint(patina_prediction_get_n_classes(row), ==, n);
  g_assert_cmpint(patina_prediction_get_best(row), ==, best);
  g_assert_cmpstr(patina_prediction_get_class_name(row), ==, meta.class_names[best]);
  double sum = 0;
  for (int k = 0; k < n; k++) {
    double v = patina_prediction_get_probability(row, k);
    g_assert_cmpfloat(v, ==, probs[k]);
    g_assert_cmpfloat(v, >=, 0.0);
    sum += v;
  }
  g_assert_cmpfloat_with_epsilon(sum, 1.0, 1e-5);
  patina_checkpoint_meta_clear(&meta);
  patina_model_free(model);
}

static void test_table(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  g_autofree char *model = make_model(f, "demo.safetensors", demo_classes, MODEL_SIZE, 1);
  PatinaPredictPage *page = page_of(f);
  GtkSingleSelection *sel = patina_predict_page_get_selection(page);
  g_assert_null(patina_predict_page_get_model_summary(page));
  open_model(f, model);
  g_assert_nonnull(strstr(patina_predict_page_get_model_summary(page), "316L, AZ31B"));

  g_autofree char *a0 = demo_image(f, "316L", 0), *a1 = demo_image(f, "316L", 1);
  g_autofree char *b0 = demo_image(f, "AZ31B", 0), *b1 = demo_image(f, "AZ31B", 1);
  const char *paths[] = {a0, b0, a1, b1, NULL};
  add_images(f, paths);
  GListModel *rows = G_LIST_MODEL(sel);
  g_assert_cmpuint(g_list_model_get_n_items(rows), ==, 4);
  for (int i = 0; paths[i]; i++)
    assert_row_matches_core(f, paths[i], model);
  /* one probability column per class after File, Folder and Predicted Class */
  GListModel *columns = gtk_column_view_get_columns(patina_predict_page_get_column_view(page));
  g_assert_cmpuint(g_list_model_get_n_items(columns), ==, 5);
  g_autoptr(GtkColumnViewColumn) last = g_list_model_get_item(columns, 4);
  g_assert_cmpstr(gtk_column_view_column_get_title(last), ==, "AZ31B");

  /* the demo's folders are the true classes: the summary counts the agreements */
  guint agree = 0;
  for (guint i = 0; i < 4; i++) {
    g_autoptr(PatinaPrediction) p = g_list_model_get_item(rows, i);
    agree += g_str_equal(patina_prediction_get_folder(p), patina_prediction_get_class_name(p));
  }
  g_autofree char *agreement = g_strdup_printf("%u of 4 agree", agree);
  g_test_message("%s", patina_predict_page_get_summary(page));
  g_assert_nonnull(strstr(patina_predict_page_get_summary(page), agreement));

  /* sorted by AZ31B's probability, highest first: the shown order follows */
  gtk_column_view_sort_by_column(patina_predict_page_get_column_view(page), last,
                                 GTK_SORT_DESCENDING);
  for (guint i = 1; i < 4; i++) {
    g_autoptr(PatinaPrediction) prev = g_list_model_get_item(rows, i - 1);
    g_autoptr(PatinaPrediction) cur = g_list_model_get_item(rows, i);
    g_assert_cmpfloat(patina_prediction_get_probability(prev, 1), >=,
                      patina_prediction_get_probability(cur, 1));
  }
  /* the selected image is shown, with its size and the resizing said */
  gtk_single_selection_set_selected(sel, 0);
  wait_for(detail_sized, page, "the selected image's preview");
  g_assert_nonnull(strstr(patina_predict_page_get_detail_info(page), "resized to 46×46"));

  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(page), "predict.clear", NULL));
  g_assert_cmpuint(g_list_model_get_n_items(rows), ==, 0);
}

static void test_export_csv(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  g_autofree char *model = make_model(f, "demo.safetensors", demo_classes, MODEL_SIZE, 2);
  open_model(f, model);
  g_autofree char *a = demo_image(f, "316L", 2), *b = demo_image(f, "AZ31B", 3);
  /* a name that needs quoting in CSV */
  g_autofree char *odd = g_build_filename(f->tmp, "sample, \"no. 7\".png", NULL);
  g_assert_true(g_file_test(b, G_FILE_TEST_EXISTS));
  g_autofree char *contents = NULL;
  gsize len;
  g_assert_true(g_file_get_contents(b, &contents, &len, NULL));
  g_assert_true(g_file_set_contents(odd, contents, (gssize) len, NULL));
  g_autofree char *text = g_build_filename(f->tmp, "notes.png", NULL);
  g_assert_true(g_file_set_contents(text, "not an image", -1, NULL));
  const char *paths[] = {a, odd, text, b, NULL};
  add_images(f, paths);

  PatinaPredictPage *page = page_of(f);
  g_autofree char *csv_path = g_build_filename(f->tmp, "predictions.csv", NULL);
  ToastWait w = {f->window, patina_window_get_n_toasts(f->window)};
  g_assert_true(gtk_widget_activate_action(GTK_WIDGET(page), "predict.export-csv-path", "s",
                                           csv_path));
  /* the file is written on a GIO worker; the toast comes when it is complete */
  wait_for(new_toast, &w, "the CSV to be written");
  g_assert_true(g_str_has_prefix(patina_window_get_last_toast(f->window), "Saved"));
  g_autofree char *csv = NULL;
  g_assert_true(g_file_get_contents(csv_path, &csv, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 6); /* header, 4 rows, "" after the last \n */
  g_assert_cmpstr(lines[0], ==, "file,folder,predicted_class,p_316L,p_AZ31B,error");
  GListModel *shown = G_LIST_MODEL(patina_predict_page_get_selection(page));
  for (guint i = 0; i < 4; i++) {
    g_autoptr(PatinaPrediction) p = g_list_model_get_item(shown, i);
    const char *line = lines[i + 1];
    if (patina_prediction_get_path(p) == odd || g_str_equal(patina_prediction_get_path(p), odd)) {
      g_assert_true(g_str_has_prefix(line, "\""));
      g_assert_nonnull(strstr(line, "sample, \"\"no. 7\"\".png\""));
      continue;
    }
    g_auto(GStrv) fields = g_strsplit(line, ",", -1);
    g_assert_cmpstr(fields[0], ==, patina_prediction_get_path(p));
    g_assert_cmpstr(fields[1], ==, patina_prediction_get_folder(p));
    if (patina_prediction_get_state(p) == PATINA_PREDICTION_FAILED) {
      g_assert_cmpstr(fields[2], ==, "");
      g_assert_cmpstr(fields[3], ==, "");
      g_assert_nonnull(strstr(line, "notes.png"));
      continue;
    }
    g_assert_cmpstr(fields[2], ==, patina_prediction_get_class_name(p));
    double p0 = g_ascii_strtod(fields[3], NULL), p1 = g_ascii_strtod(fields[4], NULL);
    g_assert_cmpfloat_with_epsilon(p0, patina_prediction_get_probability(p, 0), 1e-6);
    g_assert_cmpfloat_with_epsilon(p1, patina_prediction_get_probability(p, 1), 1e-6);
    g_assert_cmpfloat_with_epsilon(p0 + p1, 1.0, 2e-6);
  }
}

static void test_bad_images(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  g_autofree char *model = make_model(f, "demo.safetensors", demo_classes, MODEL_SIZE, 3);
  open_model(f, model);
  g_autofree char *good = demo_image(f, "316L", 0);
  g_autofree char *text = g_build_filename(f->tmp, "readme.png", NULL);
  g_assert_true(g_file_set_contents(text, "not an image", -1, NULL));
  g_autofree char *missing = g_build_filename(f->tmp, "gone.png", NULL);
  /* a folder: its images are added, not its sidecar text or its sub-folders */
  g_autofree char *folder = g_build_filename(f->tmp, "a-folder", NULL);
  g_autofree char *sub = g_build_filename(folder, "sub", NULL);
  g_assert_cmpint(g_mkdir_with_parents(sub, 0755), ==, 0);
  g_autoptr(GPtrArray) in_folder = g_ptr_array_new_with_free_func(g_free);
  for (int i = 0; i < 2; i++) {
    g_autofree char *src = demo_image(f, "AZ31B", i);
    g_autofree char *contents = NULL;
    gsize len;
    g_assert_true(g_file_get_contents(src, &contents, &len, NULL));
    g_autofree char *name = g_strdup_printf("img%d.png", i);
    g_ptr_array_add(in_folder, g_build_filename(folder, name, NULL));
    g_assert_true(g_file_set_contents(in_folder->pdata[i], contents, (gssize) len, NULL));
  }
  g_autofree char *sidecar = g_build_filename(folder, "img0.txt", NULL);
  g_assert_true(g_file_set_contents(sidecar, "AcceleratingVoltage=15 kV", -1, NULL));
  g_autofree char *inner = g_build_filename(sub, "img9.png", NULL);
  g_assert_true(g_file_set_contents(inner, "", 0, NULL));
  /* a PNG (header, empty data, end) that declares 100000×100000 pixels: refused before decoding */
  g_autofree char *huge = g_build_filename(f->tmp, "huge.png", NULL);
  static const guint8 huge_png[] = {
    0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 'I', 'H', 'D', 'R',
    0x00, 0x01, 0x86, 0xa0, 0x00, 0x01, 0x86, 0xa0, 8, 0, 0, 0, 0, 0x8d, 0x39, 0x54, 0x14,
    0, 0, 0, 0, 'I', 'D', 'A', 'T', 0x35, 0xaf, 0x06, 0x1e,
    0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
  g_assert_true(g_file_set_contents(huge, (const char *) huge_png, sizeof huge_png, NULL));

  /* dropped like files from a file manager, the readable one among them */
  g_autoptr(GListStore) files = g_list_store_new(G_TYPE_FILE);
  const char *paths[] = {text, good, missing, folder, huge, NULL};
  for (int i = 0; paths[i]; i++) {
    g_autoptr(GFile) file = g_file_new_for_path(paths[i]);
    g_list_store_append(files, file);
  }
  ToastWait w = {f->window, patina_window_get_n_toasts(f->window)};
  PatinaPredictPage *page = page_of(f);
  patina_predict_page_add_files(page, G_LIST_MODEL(files));
  RowsWait rw = {page, 6}; /* the folder gives two */
  wait_for(rows_predicted, &rw, "the predictions");
  wait_for(new_toast, &w, "a toast about the unreadable images");
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "3 images cannot be read"));

  assert_row_matches_core(f, good, model);
  for (int i = 0; i < 2; i++)
    assert_row_matches_core(f, in_folder->pdata[i], model);
  for (int i = 0; paths[i]; i++) {
    if (paths[i] == good || paths[i] == folder)
      continue;
    PatinaPrediction *row = find_row(f, paths[i]);
    g_assert_cmpint(patina_prediction_get_state(row), ==, PATINA_PREDICTION_FAILED);
    g_autofree char *base = g_path_get_basename(paths[i]);
    g_assert_nonnull(strstr(patina_prediction_get_error(row), base));
    g_assert_true(isnan(patina_prediction_get_probability(row, 0)));
  }
  g_test_message("%s", patina_prediction_get_error(find_row(f, huge)));
  g_assert_nonnull(strstr(patina_prediction_get_error(find_row(f, huge)), "100000×100000"));

  /* a folder without images says so */
  g_autofree char *empty = g_build_filename(f->tmp, "empty", NULL);
  g_assert_cmpint(g_mkdir(empty, 0755), ==, 0);
  w.before = patina_window_get_n_toasts(f->window);
  const char *empty_only[] = {empty, NULL};
  g_assert_true(gtk_widget_activate_action_variant(GTK_WIDGET(page), "predict.add-paths",
                                                   g_variant_new_strv(empty_only, -1)));
  wait_for(new_toast, &w, "a toast about the empty folder");
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "empty holds no image files"));

  /* one unreadable image alone: the toast names it */
  g_autofree char *cut = g_build_filename(f->tmp, "cut.png", NULL);
  g_assert_true(g_file_set_contents(cut, (const char *) huge_png, 12, NULL));
  w.before = patina_window_get_n_toasts(f->window);
  add_images(f, (const char *const[]){cut, NULL});
  wait_for(new_toast, &w, "a toast about the cut image");
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "cut.png"));
}

/* Opens path as a model expecting a toast; the current model must stay. */
static void open_bad_model(Fixture *f, const char *path, const char *expected)
{
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  PatinaLoadedModel *before = patina_workspace_get_model(ws);
  ToastWait w = {f->window, patina_window_get_n_toasts(f->window)};
  activate(f, "win.open-model-path", g_variant_new_string(path));
  wait_for(new_toast, &w, "a toast about the model");
  wait_for(model_idle, ws, "the model load to end");
  const char *t = patina_window_get_last_toast(f->window);
  g_test_message("%s", t);
  g_assert_nonnull(strstr(t, "Cannot open the model"));
  g_autofree char *base = g_path_get_basename(path);
  g_assert_nonnull(strstr(t, base));
  g_assert_nonnull(strstr(t, expected));
  g_assert_true(patina_workspace_get_model(ws) == before);
}

static void test_bad_models(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  g_autofree char *good = make_model(f, "good.safetensors", demo_classes, MODEL_SIZE, 4);
  open_model(f, good);
  g_autofree char *img = demo_image(f, "AZ31B", 4);
  add_images(f, (const char *const[]){img, NULL});

  g_autofree char *text = g_build_filename(f->tmp, "notes.safetensors", NULL);
  g_assert_true(g_file_set_contents(text, "these are my notes", -1, NULL));
  open_bad_model(f, text, "not a safetensors file");
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "Still using good.safetensors"));

  /* cut in the middle of its tensors */
  g_autofree char *contents = NULL;
  gsize len;
  g_assert_true(g_file_get_contents(good, &contents, &len, NULL));
  g_autofree char *cut = g_build_filename(f->tmp, "cut.safetensors", NULL);
  g_assert_true(g_file_set_contents(cut, contents, (gssize) (len / 2), NULL));
  open_bad_model(f, cut, "good.safetensors");

  /* a valid safetensors file that is no Patina checkpoint (a bare tensor, no metadata) */
  static const char header[] = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
  GString *bare = g_string_new(NULL);
  guint64 n = sizeof header - 1;
  for (int i = 0; i < 8; i++)
    g_string_append_c(bare, (char) ((n >> (8 * i)) & 0xff));
  g_string_append_len(bare, header, (gssize) n);
  g_string_append_len(bare, "\0\0\x80?", 4);
  g_autofree char *plain = g_build_filename(f->tmp, "plain.safetensors", NULL);
  g_assert_true(g_file_set_contents(plain, bare->str, (gssize) bare->len, NULL));
  g_string_free(bare, TRUE);
  open_bad_model(f, plain, "not a Patina checkpoint");

  g_autofree char *missing = g_build_filename(f->tmp, "missing.safetensors", NULL);
  open_bad_model(f, missing, "good.safetensors");

  /* the table still holds the good model's prediction */
  assert_row_matches_core(f, img, good);
}

static void test_class_mismatch(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  PatinaPredictPage *page = page_of(f);
  g_autofree char *same = make_model(f, "same.safetensors", demo_classes, MODEL_SIZE, 5);
  open_model(f, same);
  g_assert_null(patina_predict_page_get_warning(page));

  const char *const others[] = {"pitting", "crevice", "uniform", NULL};
  g_autofree char *other = make_model(f, "other.safetensors", others, MODEL_SIZE, 6);
  open_model(f, other);
  const char *warning = patina_predict_page_get_warning(page);
  g_assert_nonnull(warning);
  g_test_message("%s", warning);
  g_assert_nonnull(strstr(warning, "3 classes (pitting, crevice, uniform)"));
  g_assert_nonnull(strstr(warning, "2 classes (316L, AZ31B)"));
  /* still usable: an image gets the model's three classes */
  g_autofree char *img = demo_image(f, "316L", 5);
  add_images(f, (const char *const[]){img, NULL});
  assert_row_matches_core(f, img, other);

  /* same classes in another order are another model too */
  const char *const swapped[] = {"AZ31B", "316L", NULL};
  g_autofree char *sw = make_model(f, "swapped.safetensors", swapped, MODEL_SIZE, 7);
  open_model(f, sw);
  g_assert_nonnull(patina_predict_page_get_warning(page));
}

static gboolean detail_says_64(gpointer page)
{
  return strstr(patina_predict_page_get_detail_info(page), "resized to 64×64") != NULL;
}

static gboolean pointer_is_null(gpointer data) { return *(gpointer *) data == NULL; }

static void test_input_size(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  PatinaPredictPage *page = page_of(f);
  g_autofree char *small = make_model(f, "small.safetensors", demo_classes, MODEL_SIZE, 8);
  g_autofree char *large = make_model(f, "large.safetensors", demo_classes, 64, 8);
  open_model(f, small);
  g_autofree char *img = demo_image(f, "AZ31B", 1);
  add_images(f, (const char *const[]){img, NULL});
  assert_row_matches_core(f, img, small);
  g_assert_nonnull(strstr(patina_predict_page_get_model_summary(page), "input 46×46 px"));
  wait_for(detail_sized, page, "the selected image's preview");
  /* the 256 px demo image is resized to the model's input, and the page says so */
  g_assert_nonnull(strstr(patina_predict_page_get_detail_info(page), "256×256 px"));
  g_assert_nonnull(strstr(patina_predict_page_get_detail_info(page), "resized to 46×46"));

  /* another model: the same image is predicted again at its input size */
  PatinaLoadedModel *old = patina_workspace_get_model(patina_window_get_workspace(f->window));
  g_object_add_weak_pointer(G_OBJECT(old), (gpointer *) &old);
  open_model(f, large);
  wait_for(predictions_done, page, "the predictions with the second model");
  assert_row_matches_core(f, img, large);
  g_assert_nonnull(strstr(patina_predict_page_get_model_summary(page), "input 64×64 px"));
  /* the detail pane's line follows the new input size */
  wait_for(detail_says_64, page, "the detail pane to name the second model's input");
  /* nothing holds on to the replaced model once its workers are done */
  wait_for(pointer_is_null, &old, "the first model to be freed");
}

static gboolean has_two_rows(gpointer page)
{
  return g_list_model_get_n_items(patina_predict_page_get_predictions(page)) == 2;
}

static void test_images_before_model(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  PatinaPredictPage *page = page_of(f);
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  g_autofree char *a = demo_image(f, "316L", 3), *b = demo_image(f, "AZ31B", 3);
  const char *paths[] = {a, b, NULL};
  g_assert_true(gtk_widget_activate_action_variant(GTK_WIDGET(page), "predict.add-paths",
                                                   g_variant_new_strv(paths, -1)));
  wait_for(has_two_rows, page, "the rows");
  /* the rows wait for a model */
  for (int i = 0; paths[i]; i++)
    g_assert_cmpint(patina_prediction_get_state(find_row(f, paths[i])), ==,
                    PATINA_PREDICTION_PENDING);
  /* two models opened in quick succession: the later one wins and predicts the rows */
  g_autofree char *first = make_model(f, "first.safetensors", demo_classes, MODEL_SIZE, 9);
  g_autofree char *second = make_model(f, "second.safetensors", demo_classes, MODEL_SIZE, 10);
  activate(f, "win.open-model-path", g_variant_new_string(first));
  activate(f, "win.open-model-path", g_variant_new_string(second));
  wait_for(model_idle, ws, "the models to load");
  g_assert_cmpstr(patina_workspace_get_model_path(ws), ==, second);
  wait_for(predictions_done, page, "the predictions");
  for (int i = 0; paths[i]; i++)
    assert_row_matches_core(f, paths[i], second);
}

static void test_after_training(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  /* enough images and epochs that the screenshot shows a model that has learnt something */
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
  g_assert_null(patina_workspace_get_model(ws));
  activate(f, "win.train-start", NULL);
  wait_for(job_finished, ws, "the training run");
  g_assert_cmpint(patina_job_get_state(patina_workspace_get_job(ws)), ==, PATINA_JOB_DONE);
  wait_for(run_model_current, f, "the run's best model to become the current one");
  const PatinaCheckpointMeta *meta = patina_workspace_get_model_meta(ws);
  g_assert_cmpstrv(meta->class_names, demo_classes);
  g_autofree char *a = demo_image(f, "316L", 1), *b = demo_image(f, "316L", 4);
  g_autofree char *c = demo_image(f, "AZ31B", 2), *d = demo_image(f, "AZ31B", 5);
  g_autofree char *text = g_build_filename(f->tmp, "notes.txt", NULL);
  g_assert_true(g_file_set_contents(text, "stage 3: 24 h salt spray", -1, NULL));
  const char *paths[] = {a, c, b, d, text, NULL};
  add_images(f, paths);
  for (int i = 0; i < 4; i++)
    assert_row_matches_core(f, paths[i], patina_workspace_get_model_path(ws));
  PatinaPredictPage *page = page_of(f);
  gtk_single_selection_set_selected(patina_predict_page_get_selection(page), 1);
  wait_for(detail_sized, page, "the selected image's preview");
  save_screenshot(f, "predict", "predict.png");

  /* the whole data set (48 images) predicted while a probe watches the main loop: the longest
   * stall is reported, never asserted */
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);
  const PatinaDataset *ds = patina_workspace_get_dataset(ws);
  for (guint i = 0; i < ds->samples->len; i++)
    g_ptr_array_add(all, g_strdup(g_array_index(ds->samples, PatinaSample, i).path));
  g_ptr_array_add(all, NULL);
  Probe probe = {0};
  guint probe_id = g_timeout_add(5, probe_tick, &probe);
  gint64 start = g_get_monotonic_time();
  add_images(f, (const char *const *) all->pdata);
  g_test_message("predicted %u images in %.2f s; longest main-loop stall %.1f ms",
                 ds->samples->len, (g_get_monotonic_time() - start) / 1e6,
                 probe.longest / 1000.0);
  g_source_remove(probe_id);
  g_assert_cmpuint(g_list_model_get_n_items(patina_predict_page_get_predictions(page)), ==,
                   5 + ds->samples->len);
}

int main(int argc, char **argv)
{
  app_test_init(&argc, &argv);
  g_test_add("/predict/table", Fixture, NULL, fixture_set_up, test_table, fixture_tear_down);
  g_test_add("/predict/export-csv", Fixture, NULL, fixture_set_up, test_export_csv,
             fixture_tear_down);
  g_test_add("/predict/bad-images", Fixture, NULL, fixture_set_up, test_bad_images,
             fixture_tear_down);
  g_test_add("/predict/bad-models", Fixture, NULL, fixture_set_up, test_bad_models,
             fixture_tear_down);
  g_test_add("/predict/class-mismatch", Fixture, NULL, fixture_set_up, test_class_mismatch,
             fixture_tear_down);
  g_test_add("/predict/input-size", Fixture, NULL, fixture_set_up, test_input_size,
             fixture_tear_down);
  g_test_add("/predict/images-before-model", Fixture, NULL, fixture_set_up,
             test_images_before_model, fixture_tear_down);
  g_test_add("/predict/after-training", Fixture, NULL, fixture_set_up, test_after_training,
             fixture_tear_down);
  return app_test_run();
}
