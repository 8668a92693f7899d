/* Saving what a run made: its model (Save Model) and its history as CSV, through a chooser or
 * to a path given (the -path actions tests and scripts use). */
#include <glib/gi18n.h>
#include <string.h>

#include "patina-file-chooser.h"
#include "patina-window-private.h"

typedef struct {
  PatinaWindow *window; /* ref */
  GFile *dest;
} SaveData;

static void save_data_free(SaveData *d)
{
  g_object_unref(d->window);
  g_object_unref(d->dest);
  g_free(d);
}

static void save_written(GObject *source, GAsyncResult *res, gpointer user_data)
{
  SaveData *d = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_parse_name(d->dest);
  g_autofree char *msg = NULL;
  if (g_file_replace_contents_finish(G_FILE(source), res, NULL, &error))
    msg = g_strdup_printf(_("Saved %s"), name);
  else
    msg = g_strdup_printf(_("Cannot save %s: %s"), name, error->message);
  patina_window_toast(d->window, msg);
  save_data_free(d);
}

void patina_window_save_bytes(PatinaWindow *self, GFile *dest, GBytes *bytes)
{
  SaveData *d = g_new0(SaveData, 1);
  d->window = g_object_ref(self);
  d->dest = g_object_ref(dest);
  g_file_replace_contents_bytes_async(dest, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                      NULL, save_written, d);
}

static void model_loaded(GObject *source, GAsyncResult *res, gpointer user_data)
{
  SaveData *d = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_file_load_bytes_finish(G_FILE(source), res, NULL, &error);
  if (!bytes) {
    g_autofree char *msg = g_strdup_printf(_("Cannot read the trained model: %s"), error->message);
    patina_window_toast(d->window, msg);
  } else {
    patina_window_save_bytes(d->window, d->dest, bytes);
  }
  save_data_free(d);
}

static void save_model_to(PatinaWindow *self, GFile *dest)
{
  if (!self->job)
    return;
  const char *output = patina_job_get_output(self->job);
  if (patina_job_get_folds(self->job)) {
    g_autofree char *first = patina_fold_path(output, 1);
    g_autofree char *msg =
      g_strdup_printf(_("Cross-validation keeps one model per fold (%s and the others beside "
                        "it); train without folds to get one model to save"),
                      first);
    patina_window_toast(self, msg);
    return;
  }
  if (!g_file_test(output, G_FILE_TEST_IS_REGULAR)) {
    patina_window_toast(self, _("This run has no saved model yet: it stopped before the first "
                                "epoch ended"));
    return;
  }
  SaveData *d = g_new0(SaveData, 1);
  d->window = g_object_ref(self);
  d->dest = g_object_ref(dest);
  g_autoptr(GFile) src = g_file_new_for_path(output);
  g_file_load_bytes_async(src, NULL, model_loaded, d);
}

static void export_history_to(PatinaWindow *self, GFile *dest)
{
  if (!self->job)
    return;
  char *csv = patina_history_to_csv(patina_job_get_history(self->job));
  g_autoptr(GBytes) bytes = g_bytes_new_take(csv, strlen(csv));
  patina_window_save_bytes(self, dest, bytes);
}

static void model_chosen(GtkWidget *owner, GListModel *files)
{
  g_autoptr(GFile) file = g_list_model_get_item(files, 0);
  save_model_to(PATINA_WINDOW(owner), file);
}

static void history_chosen(GtkWidget *owner, GListModel *files)
{
  g_autoptr(GFile) file = g_list_model_get_item(files, 0);
  export_history_to(PATINA_WINDOW(owner), file);
}

static void choose_save_file(PatinaWindow *self, const char *title, const char *name,
                             PatinaFilesChosenFunc chosen)
{
  GtkFileChooserNative *chooser = patina_file_chooser_new(
    GTK_WIDGET(self), &self->chooser, title, GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), chosen);
  if (!chooser)
    return;
  gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(chooser), name);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

static void save_model_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  choose_save_file(PATINA_WINDOW(widget), _("Save Model"), "model.safetensors", model_chosen);
}

static void save_model_path_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  g_autoptr(GFile) file = g_file_new_for_path(g_variant_get_string(param, NULL));
  save_model_to(PATINA_WINDOW(widget), file);
}

static void export_history_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  choose_save_file(PATINA_WINDOW(widget), _("Export Training History"), "history.csv",
                   history_chosen);
}

static void export_history_path_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  g_autoptr(GFile) file = g_file_new_for_path(g_variant_get_string(param, NULL));
  export_history_to(PATINA_WINDOW(widget), file);
}

void patina_window_save_install_actions(GtkWidgetClass *klass)
{
  gtk_widget_class_install_action(klass, "win.save-model", NULL, save_model_action);
  gtk_widget_class_install_action(klass, "win.save-model-path", "s", save_model_path_action);
  gtk_widget_class_install_action(klass, "win.export-history", NULL, export_history_action);
  gtk_widget_class_install_action(klass, "win.export-history-path", "s",
                                  export_history_path_action);
}
