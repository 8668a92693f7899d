/* The columns of the Runs page's table: a tick (plot the run), restore and delete buttons
 * (runs.restore, runs.delete), start time, best and final validation accuracy, then the
 * settings (model, input size, epochs, batch, learning rate, optimizer, augmentation, seed).
 * Every data column has a sorter over the PatinaRun property it shows. */
#pragma once
#include <gtk/gtk.h>

G_BEGIN_DECLS

void patina_runs_columns_add(GtkColumnView *view);
/* The column showing PatinaRun property key ("best-val-acc", "lr", ...), or NULL. */
GtkColumnViewColumn *patina_runs_columns_find(GtkColumnView *view, const char *key);

G_END_DECLS
