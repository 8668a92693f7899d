/* The columns of the Runs page's table: a tick (plot the run), restore and delete buttons
 * (runs.restore, runs.delete), start time, best and final validation accuracy, model, input
 * size, epochs and learning rate, each sortable by the PatinaRun property it shows; then one
 * "Settings" column (optimizer, batch, dropout, seed, augmentation) that takes the rest of the
 * width and is cut first. Short headers, with tooltips saying what they stand for. */
#pragma once
#include <gtk/gtk.h>

#include "patina-run.h"

G_BEGIN_DECLS

void patina_runs_columns_add(GtkColumnView *view);
/* The column showing PatinaRun property key ("best-val-acc", "lr", ...), or NULL. */
GtkColumnViewColumn *patina_runs_columns_find(GtkColumnView *view, const char *key);

/* The tooltip of the header of column key, or NULL. */
const char *patina_runs_columns_get_header_tooltip(GtkColumnView *view, const char *key);
/* What the cell of column key ("settings", "lr", ...) shows for run. */
char *patina_runs_columns_cell_text(const char *key, PatinaRun *run);

G_END_DECLS
