/* The Predict page's surface scan of the selected image: tile and stride, Scan (on a worker
 * through patina-scan-compute.c; the latest request wins, a new image or model cancels the
 * running scan), its progress, the map over the micrograph (the most probable class, or one
 * class's probability through a colormap, at an opacity), each class's share of the area as a
 * bar, and the figure and tiles' CSV export. Its commands are actions of the Predict page:
 *   predict.scan                  scan the selected image (Ctrl+Shift+S)
 *   predict.scan-cancel           stop the running scan
 *   predict.scan-enlarge          the map in a window of its own, to zoom and pan
 *   predict.scan-tile (i)         tile side in pixels
 *   predict.scan-stride (i)       pixels between tiles
 *   predict.scan-overlay (i)      -1: the most probable class; k: class k's probability
 *   predict.scan-opacity (d)      of the map over the micrograph
 *   predict.scan-dpi (d)          resolution of a PNG figure (default 300)
 *   predict.scan-export           save the figure (file chooser; Ctrl+Shift+E)
 *   predict.scan-export-path (s)  ... to a path: PNG, SVG or PDF by the extension
 *   predict.scan-export-csv       save each tile's probabilities (file chooser)
 *   predict.scan-export-csv-path (s) */
#pragma once
#include "patina-image-view.h"
#include <gtk/gtk.h>

#include "patina-loaded-model.h"
#include "viz/scan.h"

G_BEGIN_DECLS

#define PATINA_TYPE_SCAN_VIEW (patina_scan_view_get_type())
G_DECLARE_FINAL_TYPE(PatinaScanView, patina_scan_view, PATINA, SCAN_VIEW, GtkWidget)

/* The image to scan (NULL: none) with model (NULL: none open). Another image or model cancels
 * the running scan and drops the shown one; another model also resets tile and stride to its
 * input size and half of it (what patina-cli scan does). */
void patina_scan_view_set_image(PatinaScanView *self, const char *path, PatinaLoadedModel *model);

/* Installs the predict.scan* actions on the Predict page's class; they act on the page's view
 * (patina_predict_page_get_scan_view). */
void patina_scan_view_install_actions(GtkWidgetClass *page_class);

/* For tests: whether a scan runs; the shown scan (NULL: none); what each class's bar shows
 * (-1 when there is no bar); the inline message ("" when hidden); the map on screen. */
gboolean patina_scan_view_is_running(PatinaScanView *self);
const PatinaScan *patina_scan_view_get_scan(PatinaScanView *self);
double patina_scan_view_get_shown_fraction(PatinaScanView *self, int klass);
const char *patina_scan_view_get_message(PatinaScanView *self);
GdkPaintable *patina_scan_view_get_map(PatinaScanView *self);
/* The view of the map's own window (predict.scan-enlarge), NULL while none is open. */
PatinaImageView *patina_scan_view_get_enlarged(PatinaScanView *self);
/* The progress bar's text while a scan runs (NULL when hidden). */
const char *patina_scan_view_get_progress(PatinaScanView *self);

G_END_DECLS
