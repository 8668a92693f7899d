/* The native file chooser every command of the app opens files through. */
#pragma once
#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Called with the files picked (one unless the chooser allows several); never on Cancel. */
typedef void (*PatinaFilesChosenFunc)(GtkWidget *owner, GListModel *files);

/* A modal native chooser over owner's window, kept in *slot until it answers, so a command
 * given again while one is open returns NULL instead of stacking a second chooser. The caller
 * may add filters or a suggested name, then shows it with gtk_native_dialog_show. owner's
 * dispose calls patina_file_chooser_close(slot). */
GtkFileChooserNative *patina_file_chooser_new(GtkWidget *owner, GtkFileChooserNative **slot,
                                              const char *title, GtkFileChooserAction action,
                                              const char *accept_label,
                                              PatinaFilesChosenFunc chosen);
/* Offers only what the app reads as images: gdk-pixbuf's formats and TIFF. */
void patina_file_chooser_add_image_filter(GtkFileChooserNative *chooser);
/* "NAME-SUFFIX" for a save chooser, NAME being path's file name without its extension. */
void patina_file_chooser_suggest(GtkFileChooserNative *chooser, const char *path,
                                 const char *suffix);
void patina_file_chooser_close(GtkFileChooserNative **slot);
/* For tests, which answer it in place of a user: the chooser made last, while it exists. */
GtkFileChooserNative *patina_file_chooser_get_open(void);

G_END_DECLS
