/* The Predict page: the workspace's current model applied to images the user adds (file
 * chooser, drag and drop, predict.add-paths). Each image is predicted on a worker; a table
 * lists every image with its class and probabilities (sortable, CSV export) and the selected
 * one is shown with its probabilities as bars. Page actions:
 *   predict.add-images           choose images (file chooser, several at once)
 *   predict.add-paths (as)       add images by path (a folder adds the images inside it)
 *   predict.export-csv           save the table as CSV (file chooser)
 *   predict.export-csv-path (s)  ... to a path
 *   predict.clear                remove every image
 *   predict.scan…                the selected image's surface scan (patina-scan-view.h)
 * When the model changes, every image is predicted again with the new one. */
#pragma once
#include <gtk/gtk.h>

#include "patina-scan-view.h"
#include "patina-workspace.h"

G_BEGIN_DECLS

#define PATINA_TYPE_PREDICT_PAGE (patina_predict_page_get_type())
G_DECLARE_FINAL_TYPE(PatinaPredictPage, patina_predict_page, PATINA, PREDICT_PAGE, GtkWidget)

void patina_predict_page_set_workspace(PatinaPredictPage *self, PatinaWorkspace *workspace);
/* Adds files (GFile) as dropping them on the page does: a folder adds the images inside it
 * (listed on a worker, so the rows appear a little later); a file that is not local gets a
 * toast. */
void patina_predict_page_add_files(PatinaPredictPage *self, GListModel *files);

/* The images in the order they were added (PatinaPrediction). */
GListModel *patina_predict_page_get_predictions(PatinaPredictPage *self);
/* The table's rows in the order shown, with the selected row. */
GtkSingleSelection *patina_predict_page_get_selection(PatinaPredictPage *self);
GtkColumnView *patina_predict_page_get_column_view(PatinaPredictPage *self);
/* The line above the table: images, predicted, unreadable, agreement with folder names. */
const char *patina_predict_page_get_summary(PatinaPredictPage *self);
/* Images still waiting for their prediction (0 when idle, or when no model is open). */
guint patina_predict_page_get_n_pending(PatinaPredictPage *self);
/* The model-versus-data-set warning shown above the table, or NULL when hidden. */
const char *patina_predict_page_get_warning(PatinaPredictPage *self);
/* The model row's description (classes, input size and what is done to other sizes). */
const char *patina_predict_page_get_model_summary(PatinaPredictPage *self);
/* The detail pane's line about the selected image (size, resizing, or its error). */
const char *patina_predict_page_get_detail_info(PatinaPredictPage *self);
/* The selected image's surface scan (in the detail pane). */
PatinaScanView *patina_predict_page_get_scan_view(PatinaPredictPage *self);

G_END_DECLS
