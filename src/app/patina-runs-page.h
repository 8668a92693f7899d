/* The Runs page, for tuning: every training run (scanned from the runs folder on a worker,
 * again whenever a job ends) in a sortable, filterable table of its settings and validation
 * accuracy; ticked runs overlay their curves in a chart below. Page actions ("runs."):
 *   runs.refresh             scan the runs folder again (F5)
 *   runs.focus-search        put the cursor in the filter (Ctrl+F)
 *   runs.filter (s)          show the runs whose text holds every word of s
 *   runs.toggle (s)          tick or untick run s (plot its curves)
 *   runs.restore (s)         write run s's settings into the Train page's keys and show it
 *   runs.delete (s)          hide run s with an Undo toast; its folder goes when the toast does
 *                            (or the window closes: the application waits for it)
 *   runs.undo-delete (s)     bring run s back while its toast shows */
#pragma once
#include <adwaita.h>

#include "patina-chart.h"
#include "patina-run.h"
#include "patina-workspace.h"

G_BEGIN_DECLS

#define PATINA_TYPE_RUNS_PAGE (patina_runs_page_get_type())
G_DECLARE_FINAL_TYPE(PatinaRunsPage, patina_runs_page, PATINA, RUNS_PAGE, GtkWidget)

void patina_runs_page_set_workspace(PatinaRunsPage *self, PatinaWorkspace *workspace);
/* The runs as the table shows them: filtered and sorted (PatinaRun items). */
GListModel *patina_runs_page_get_runs(PatinaRunsPage *self);
/* The run with this id among those listed (filtered or not), or NULL. */
PatinaRun *patina_runs_page_find(PatinaRunsPage *self, const char *id);
/* Scans finished so far (each refresh adds one), for tests and scripts to wait on. */
guint patina_runs_page_get_n_scans(PatinaRunsPage *self);
/* TRUE while a scan or a deletion runs on a worker. */
gboolean patina_runs_page_is_busy(PatinaRunsPage *self);
/* Sorts the table by the column of PatinaRun property key, as a click on its header does. */
void patina_runs_page_sort_by(PatinaRunsPage *self, const char *key, GtkSortType order);
PatinaChart *patina_runs_page_get_chart(PatinaRunsPage *self);
/* The table (its columns are in patina-runs-columns.h). */
GtkColumnView *patina_runs_page_get_column_view(PatinaRunsPage *self);
/* The Undo toast of the last deletion while it shows, else NULL. */
AdwToast *patina_runs_page_get_undo_toast(PatinaRunsPage *self);

G_END_DECLS
