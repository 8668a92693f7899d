/* The columns of the Runs page's table: a tick (plot the run), start time, the settings
 * (model, input size, epochs, batch, learning rate, optimizer, augmentation, seed), best and
 * final validation accuracy, and per-row buttons (runs.restore, runs.delete). Every data
 * column has a sorter over the PatinaRun property it shows. */
#pragma once
#include <gtk/gtk.h>

G_BEGIN_DECLS

void patina_runs_columns_add(GtkColumnView *view);
/* The column showing PatinaRun property key ("best-val-acc", "lr", ...), or NULL. */
GtkColumnViewColumn *patina_runs_columns_find(GtkColumnView *view, const char *key);

G_END_DECLS
