/* The window's data set commands, kept out of patina-window.c:
 *   win.open-recent (s)  open a recent data set; one that is gone is dropped with a toast
 *   win.show-image (s)   show the Data page with that image in its viewer
 *   win.preferences      the Preferences window (Ctrl+,)
 * and the recent data sets: every data set the workspace opens is remembered in GSettings
 * (recent-datasets, newest first, at most PATINA_RECENT_MAX) and listed in the primary menu's
 * "recent_menu" submenu. */
#pragma once
#include <adwaita.h>

#include "patina-window.h"

G_BEGIN_DECLS

#define PATINA_RECENT_MAX 8

/* From patina_window_class_init, after the template is set. */
void patina_window_data_class_init(GtkWidgetClass *widget_class);
/* From patina_window_init, once the workspace exists. */
void patina_window_data_init(PatinaWindow *window);

/* Puts path first in settings' recent-datasets (dropping older copies and the overflow). */
void patina_recent_add(GSettings *settings, const char *path);
void patina_recent_remove(GSettings *settings, const char *path);

G_END_DECLS
