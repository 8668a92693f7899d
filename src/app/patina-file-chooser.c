#include "patina-file-chooser.h"

#include <glib/gi18n.h>

static GtkFileChooserNative *last_made; /* weak */

typedef struct {
  GtkWidget *owner; /* owner's dispose destroys the chooser first, so no reference is needed */
  GtkFileChooserNative **slot;
  PatinaFilesChosenFunc chosen;
} ChooserData;

static void on_response(GtkNativeDialog *dialog, int response, gpointer user_data)
{
  ChooserData *data = user_data;
  g_autoptr(GListModel) files = NULL;
  if (response == GTK_RESPONSE_ACCEPT)
    files = gtk_file_chooser_get_files(GTK_FILE_CHOOSER(dialog));
  GtkWidget *owner = data->owner;
  PatinaFilesChosenFunc chosen = data->chosen;
  /* the slot is free before the callback runs, so the callback may open another chooser */
  g_clear_object(data->slot);
  if (files && g_list_model_get_n_items(files) > 0)
    chosen(owner, files);
}

GtkFileChooserNative *patina_file_chooser_new(GtkWidget *owner, GtkFileChooserNative **slot,
                                              const char *title, GtkFileChooserAction action,
                                              const char *accept_label,
                                              PatinaFilesChosenFunc chosen)
{
  g_return_val_if_fail(GTK_IS_WIDGET(owner) && slot && chosen, NULL);
  if (*slot)
    return NULL;
  GtkRoot *root = gtk_widget_get_root(owner);
  *slot = gtk_file_chooser_native_new(title, GTK_IS_WINDOW(root) ? GTK_WINDOW(root) : NULL,
                                      action, accept_label, _("_Cancel"));
  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(*slot), TRUE);
  if (last_made)
    g_object_remove_weak_pointer(G_OBJECT(last_made), (gpointer *) &last_made);
  last_made = *slot;
  g_object_add_weak_pointer(G_OBJECT(last_made), (gpointer *) &last_made);
  ChooserData *data = g_new(ChooserData, 1);
  *data = (ChooserData){owner, slot, chosen};
  g_signal_connect_data(*slot, "response", G_CALLBACK(on_response), data,
                        (GClosureNotify) (void (*)(void)) g_free, 0);
  return *slot;
}

void patina_file_chooser_add_image_filter(GtkFileChooserNative *chooser)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new();
  gtk_file_filter_set_name(filter, _("Images"));
  gtk_file_filter_add_pixbuf_formats(filter);
  gtk_file_filter_add_mime_type(filter, "image/tiff");
  gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), filter);
}

void patina_file_chooser_suggest(GtkFileChooserNative *chooser, const char *path,
                                 const char *suffix)
{
  g_autofree char *base = g_path_get_basename(path);
  char *dot = strrchr(base, '.');
  if (dot && dot != base)
    *dot = '\0';
  g_autofree char *name = g_strconcat(base, suffix, NULL);
  gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(chooser), name);
}

void patina_file_chooser_close(GtkFileChooserNative **slot)
{
  if (*slot)
    gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(*slot));
  g_clear_object(slot);
}

GtkFileChooserNative *patina_file_chooser_get_open(void)
{
  return last_made;
}
