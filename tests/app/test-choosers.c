/* The file choosers behind the app's Open/Add/Export commands, answered in place of a user
 * (the other tests use the commands' -path twins, which skip the chooser). */
#include <glib/gstdio.h>

#include "app-test.h"
#include "patina-augment-page.h"
#include "patina-file-chooser.h"
#include "patina-predict-page.h"

static gboolean chooser_has_file(gpointer chooser)
{
  g_autoptr(GFile) file = gtk_file_chooser_get_file(chooser);
  return file != NULL;
}

/* Answers the open chooser with file (Accept) or with Cancel when file is NULL. */
static void answer(GFile *file)
{
  GtkFileChooserNative *chooser = patina_file_chooser_get_open();
  g_assert_nonnull(chooser);
  g_object_ref(chooser);
  if (file) {
    g_autoptr(GError) error = NULL;
    if (gtk_file_chooser_get_action(GTK_FILE_CHOOSER(chooser)) == GTK_FILE_CHOOSER_ACTION_SAVE) {
      g_autoptr(GFile) parent = g_file_get_parent(file);
      g_autofree char *name = g_file_get_basename(file);
      g_assert_true(gtk_file_chooser_set_current_folder(GTK_FILE_CHOOSER(chooser), parent, &error));
      gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(chooser), name);
      wait_for(chooser_has_file, chooser, "the chooser's file name");
    } else if (gtk_file_chooser_get_action(GTK_FILE_CHOOSER(chooser)) ==
               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER) {
      /* a folder chooser answers with the folder it shows when nothing in it is selected */
      g_assert_true(gtk_file_chooser_set_current_folder(GTK_FILE_CHOOSER(chooser), file, &error));
      wait_for(chooser_has_file, chooser, "the chooser's folder");
    } else {
      g_assert_true(gtk_file_chooser_set_file(GTK_FILE_CHOOSER(chooser), file, &error));
      /* the chooser selects the file once it has listed the file's folder */
      wait_for(chooser_has_file, chooser, "the chooser's selection");
    }
    g_assert_no_error(error);
    g_autoptr(GFile) chosen = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(chooser));
    g_assert_true(g_file_equal(chosen, file));
  }
  g_signal_emit_by_name(chooser, "response", file ? GTK_RESPONSE_ACCEPT : GTK_RESPONSE_CANCEL);
  g_object_unref(chooser);
  settle();
}

static gboolean grid_shows(gpointer data)
{
  gpointer *args = data;
  const char *shown = patina_augment_page_get_shown_path(args[0]);
  return shown && g_str_equal(shown, args[1]);
}

/* Pick an Image on the Augment page: a second command while the chooser is open makes no
 * second chooser, Cancel changes nothing, Accept shows the file picked. */
static void test_augment_open(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  activate(f, "win.show-page", g_variant_new_string("augment"));
  GtkWidget *page = patina_window_get_page(f->window, "augment");
  g_autofree char *pick = g_build_filename(f->demo, "AZ31B", "AZ31B_003.png", NULL);
  g_assert_true(g_file_test(pick, G_FILE_TEST_EXISTS));

  g_assert_true(gtk_widget_activate_action(page, "augment.open-image", NULL));
  GtkFileChooserNative *first = patina_file_chooser_get_open();
  g_assert_nonnull(first);
  g_assert_true(gtk_widget_activate_action(page, "augment.open-image", NULL));
  g_assert_true(patina_file_chooser_get_open() == first);
  answer(NULL);
  g_assert_null(patina_file_chooser_get_open()); /* the page let go of it */
  const char *before = patina_augment_page_get_shown_path(PATINA_AUGMENT_PAGE(page));
  g_assert_true(before == NULL || !g_str_equal(before, pick));

  g_assert_true(gtk_widget_activate_action(page, "augment.open-image", NULL));
  g_autoptr(GFile) file = g_file_new_for_path(pick);
  answer(file);
  gpointer args[] = {page, pick};
  wait_for(grid_shows, args, "the picked image's grid");
}

static gboolean grid_shown(gpointer page)
{
  return patina_augment_page_get_shown_path(page) != NULL;
}

static gboolean file_exists(gpointer path)
{
  return g_file_test(path, G_FILE_TEST_EXISTS);
}

/* Export... on the Augment page writes where the chooser says, under the name it suggested;
 * Add Images... on the Predict page adds what the chooser picked. */
static void test_export_and_add(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  activate(f, "win.show-page", g_variant_new_string("augment"));
  GtkWidget *augment = patina_window_get_page(f->window, "augment");
  g_autofree char *grid = g_build_filename(f->tmp, "grid.png", NULL);
  wait_for(grid_shown, augment, "the first grid");
  g_assert_true(gtk_widget_activate_action(augment, "augment.export", NULL));
  g_autofree char *suggested =
    gtk_file_chooser_get_current_name(GTK_FILE_CHOOSER(patina_file_chooser_get_open()));
  g_assert_true(g_str_has_suffix(suggested, "-augmented.png"));
  g_autoptr(GFile) grid_file = g_file_new_for_path(grid);
  answer(grid_file);
  wait_for(file_exists, grid, "the exported grid");

  activate(f, "win.show-page", g_variant_new_string("predict"));
  GtkWidget *predict = patina_window_get_page(f->window, "predict");
  GListModel *rows = patina_predict_page_get_predictions(PATINA_PREDICT_PAGE(predict));
  guint n = g_list_model_get_n_items(rows);
  g_autofree char *image = g_build_filename(f->demo, "316L", "316L_001.png", NULL);
  g_assert_true(gtk_widget_activate_action(predict, "predict.add-images", NULL));
  g_autoptr(GFile) image_file = g_file_new_for_path(image);
  answer(image_file);
  g_assert_cmpuint(g_list_model_get_n_items(rows), ==, n + 1);

}

static gboolean dataset_is(gpointer data)
{
  gpointer *args = data;
  const char *open = patina_workspace_get_dataset_path(args[0]);
  return open && g_str_equal(open, args[1]);
}

/* Open Data Set... (the window's folder chooser) opens the folder picked. */
static void test_open_dataset(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  make_demo(f);
  activate(f, "win.open-dataset", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path(f->demo);
  answer(folder);
  gpointer args[] = {patina_window_get_workspace(f->window), f->demo};
  wait_for(dataset_is, args, "the picked data set");
}

int main(int argc, char **argv)
{
  app_test_init(&argc, &argv);
  g_test_add("/choosers/augment-open", Fixture, NULL, fixture_set_up, test_augment_open,
             fixture_tear_down);
  g_test_add("/choosers/export-and-add", Fixture, NULL, fixture_set_up, test_export_and_add,
             fixture_tear_down);
  g_test_add("/choosers/open-dataset", Fixture, NULL, fixture_set_up, test_open_dataset,
             fixture_tear_down);
  return app_test_run();
}
