/* The Layers page: what each layer of the current model makes of a micrograph. Pick an image
 * (of the open data set, a file picked or dropped) and optionally a second one to compare, a
 * layer (listed with its output shape; the first conv's filters last), a colormap, a
 * normalisation and an order; every channel map is shown with its index (a dense layer as a
 * bar strip) under a colorbar of the range it maps, and a click enlarges one with its
 * statistics. Grad-CAM / Grad-CAM++ of a class
 * overlays the micrograph. Activations come from the core (viz/activations.h) on a worker,
 * the latest request wins; figures are exported through viz/figure.h.
 *
 * Actions (layers.*):
 *   open-image, open-image-path (s)   the image (file chooser / path)
 *   compare-path (s)                   a second image beside it ("" for none)
 *   layer (s)                          by name ("conv2", "filters" for the first conv's)
 *   colormap (s), reversed (b), normalise (s: channel|layer), sort (s: index|mean|max|active)
 *   select-channel (i)                 enlarge a channel
 *   cam (b), cam-class (i), cam-method (s: gradcam|gradcam++), cam-opacity (d)
 *   export, export-path (s)            PNG (at the chosen DPI), SVG or PDF by extension
 *   six-colormaps (b), dpi (d)         what export writes */
#pragma once
#include <adwaita.h>

#include "patina-channel-grid.h"
#include "patina-colorbar.h"
#include "patina-layers-compute.h"
#include "patina-workspace.h"

G_BEGIN_DECLS

#define PATINA_TYPE_LAYERS_PAGE (patina_layers_page_get_type())
G_DECLARE_FINAL_TYPE(PatinaLayersPage, patina_layers_page, PATINA, LAYERS_PAGE, GtkWidget)

void patina_layers_page_set_workspace(PatinaLayersPage *self, PatinaWorkspace *workspace);
/* A drop: a folder opens as the data set, a file becomes the image. */
void patina_layers_page_open_file(PatinaLayersPage *self, GFile *file);

/* For tests. */
const char *patina_layers_page_get_state(PatinaLayersPage *self); /* no-model, no-image, main */
GListModel *patina_layers_page_get_layer_list(PatinaLayersPage *self);
gboolean patina_layers_page_is_busy(PatinaLayersPage *self);
/* What is shown (NULL while nothing is), its layer (-1: filters) and image a's grid. */
PatinaLayersResult *patina_layers_page_get_result(PatinaLayersPage *self);
int patina_layers_page_get_layer(PatinaLayersPage *self);
PatinaChannelGrid *patina_layers_page_get_grid(PatinaLayersPage *self, int image);
PatinaChannelGrid *patina_layers_page_get_enlarged(PatinaLayersPage *self, int image);
/* Image's colorbar, NULL while hidden (Grad-CAM, an error). */
PatinaColorbar *patina_layers_page_get_colorbar(PatinaLayersPage *self, int image);
AdwComboRow *patina_layers_page_get_colormap_row(PatinaLayersPage *self);
AdwComboRow *patina_layers_page_get_image_row(PatinaLayersPage *self);
const char *patina_layers_page_get_image_path(PatinaLayersPage *self); /* image a, or NULL */
const char *patina_layers_page_get_caption(PatinaLayersPage *self);
const char *patina_layers_page_get_stats_text(PatinaLayersPage *self);
const char *patina_layers_page_get_message(PatinaLayersPage *self); /* NULL when hidden */
GdkPaintable *patina_layers_page_get_cam_paintable(PatinaLayersPage *self, int image);

G_END_DECLS
