/* The Data page: the open data set as a grid of thumbnails with class labels and class counts;
 * with nothing open, a first-run page offering the demo data set and a folder chooser. */
#pragma once
#include <adwaita.h>

#include "patina-workspace.h"

G_BEGIN_DECLS

#define PATINA_TYPE_DATA_PAGE (patina_data_page_get_type())
G_DECLARE_FINAL_TYPE(PatinaDataPage, patina_data_page, PATINA, DATA_PAGE, GtkWidget)

void patina_data_page_set_workspace(PatinaDataPage *self, PatinaWorkspace *workspace);
/* The thumbnails (PatinaThumbnail) of the open data set. */
GListModel *patina_data_page_get_thumbnails(PatinaDataPage *self);
/* The thumbnails the grid shows (after the class filter, action data.filter-class). */
GListModel *patina_data_page_get_shown(PatinaDataPage *self);
/* How many thumbnails have been decoded (for tests and the progress bar). */
guint patina_data_page_get_n_decoded(PatinaDataPage *self);

G_END_DECLS
