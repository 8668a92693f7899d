/* The main window: header bar with a view switcher over the Data and Train pages, a toast
 * overlay, the primary menu. Every command is a window action:
 *   win.open-dataset            choose a class-folder data set (file chooser)
 *   win.open-dataset-path (s)   open the data set at a path
 *   win.open-demo               generate the demo data set if missing, then open it
 *   win.open-model              choose a model checkpoint (.safetensors) for the workspace
 *   win.open-model-path (s)     open the model at a path (a failure keeps the current model)
 *   win.train-start             train with the Train page's settings (refused while running)
 *   win.train-stop              stop the running training, keeping the model so far
 *   win.train-pause             pause the running training between batches
 *   win.train-resume            resume a paused training
 *   win.save-model              save the finished run's best model (file chooser)
 *   win.save-model-path (s)     ... to a path
 *   win.export-history          export the run's history as CSV (file chooser)
 *   win.export-history-path (s) ... to a path
 *   win.show-page (s)           a page by name: "data", "augment", "train", ... (Alt+1, 2, ...) */
#pragma once
#include <adwaita.h>

#include "patina-workspace.h"

G_BEGIN_DECLS

#define PATINA_TYPE_WINDOW (patina_window_get_type())
G_DECLARE_FINAL_TYPE(PatinaWindow, patina_window, PATINA, WINDOW, AdwApplicationWindow)

PatinaWindow *patina_window_new(GtkApplication *app);
PatinaWorkspace *patina_window_get_workspace(PatinaWindow *self);
/* Shows a toast (and remembers it for patina_window_get_last_toast). */
void patina_window_toast(PatinaWindow *self, const char *message);
/* Writes bytes to dest through a temporary file and a rename (g_file_replace), on GIO's
 * workers, so a failed write leaves the old file; a toast says how it went. */
void patina_window_save_bytes(PatinaWindow *self, GFile *dest, GBytes *bytes);
const char *patina_window_get_last_toast(PatinaWindow *self);
/* Hides the toast showing, if any. */
void patina_window_dismiss_toast(PatinaWindow *self);
/* How many toasts were shown so far. */
guint patina_window_get_n_toasts(PatinaWindow *self);
/* Opens a dropped file: a folder as a data set; anything else gets a toast saying why not. */
void patina_window_open_file(PatinaWindow *self, GFile *file);
/* The page widget named "data" or "train". */
GtkWidget *patina_window_get_page(PatinaWindow *self, const char *name);
/* Images per class of the demo data set win.open-demo generates (default 100). */
void patina_window_set_demo_per_class(PatinaWindow *self, int per_class);

G_END_DECLS
