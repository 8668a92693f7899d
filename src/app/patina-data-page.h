/* The Data page: the open data set as a grid of thumbnails with class and split labels,
 * duplicates and exclusions flagged, class counts and the manifest's split; filters by class
 * and split; an image viewer (a sub-page, back with Esc); a banner when the folder vanishes.
 * With nothing open, a first-run page offering the demo data set, a folder chooser and the
 * recent data sets. Actions: data.filter-class (s), data.filter-split (s), data.open-image (s),
 * data.close-image. */
#pragma once
#include <adwaita.h>

#include "patina-image-viewer.h"
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
/* TRUE once every thumbnail is decoded, duplicates are flagged and the manifest is read. */
gboolean patina_data_page_is_scanned(PatinaDataPage *self);
/* The summary line ("316L 6 · AZ31B 6 — train 8 / val 2 / test 2") and the notes under it
 * (imbalance, duplicates, exclusions; "" when none). */
const char *patina_data_page_get_summary(PatinaDataPage *self);
const char *patina_data_page_get_notes(PatinaDataPage *self);
/* The message shown when the data set folder vanished, or NULL. */
const char *patina_data_page_get_banner(PatinaDataPage *self);
/* The loading page's bar of demo images drawn (hidden unless the demo is being generated). */
GtkProgressBar *patina_data_page_get_demo_progress(PatinaDataPage *self);
/* Opens path in the page's image viewer (what data.open-image and win.show-image do). */
void patina_data_page_show_image(PatinaDataPage *self, const char *path);
PatinaImageViewer *patina_data_page_get_viewer(PatinaDataPage *self);
gboolean patina_data_page_get_viewer_visible(PatinaDataPage *self);

G_END_DECLS
