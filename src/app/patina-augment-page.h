/* The Augment page: one image (of the open data set, or a file picked or dropped) and a live
 * 3×3 grid of what augmentation makes of it at the Train page's input size: the original,
 * then variant k = what a run with the shown seed makes of that image in epoch k. Every
 * parameter of data/augment.h has a control (patina-augment-controls.c); they are kept in
 * GSettings ("augment") and the Train page trains with them when its Augmentation choice
 * ("train-augment-preset") is Custom, which editing them here selects.
 *
 * The grid renders on a worker. Latest request wins: a change while a render runs cancels it
 * and starts one render with the newest parameters when it has stopped, so at most one render
 * is in flight and no stale one is ever shown.
 *
 * Actions (augment.*):
 *   new-seed                draw other variants
 *   export                  save the grid as PNG (file chooser)
 *   export-path (s)         ... to a path
 *   preset (s)              "none", "paper" or "mild"
 *   reset                   every augmentation off
 *   set (ss)                one field by its JSON name from text ("rotation_range", "20")
 *   open-image              pick an image file (file chooser)
 *   open-image-path (s)     show an image file
 *   next-image, previous-image   step through the data set's images */
#pragma once
#include <adwaita.h>

#include "patina-workspace.h"

G_BEGIN_DECLS

#define PATINA_TYPE_AUGMENT_PAGE (patina_augment_page_get_type())
G_DECLARE_FINAL_TYPE(PatinaAugmentPage, patina_augment_page, PATINA, AUGMENT_PAGE, GtkWidget)

void patina_augment_page_set_workspace(PatinaAugmentPage *self, PatinaWorkspace *workspace);

/* What a drop on the page does: a folder opens as the data set (as anywhere in the window),
 * a file is previewed (one that does not decode gets a toast naming it). */
void patina_augment_page_open_file(PatinaAugmentPage *self, GFile *file);

/* The parameters the controls hold, as JSON (Keras names). */
char *patina_augment_page_get_params_json(PatinaAugmentPage *self);

/* What the grid shows (NULL before the first render): the parameters as JSON, the seed, the
 * image path. For tests. */
const char *patina_augment_page_get_shown_json(PatinaAugmentPage *self);
guint64 patina_augment_page_get_shown_seed(PatinaAugmentPage *self);
const char *patina_augment_page_get_shown_path(PatinaAugmentPage *self);
/* The grid's tiles as shown (PatinaAugmentTile, original first), or NULL. */
GArray *patina_augment_page_get_shown_tiles(PatinaAugmentPage *self);

/* Render bookkeeping, for tests: renders started and shown so far, whether one is running
 * or waiting to start, and the most render workers ever seen running at once. */
typedef struct {
  guint started, shown, failed;
  gboolean busy;
  int max_concurrent;
} PatinaAugmentRenderStats;
void patina_augment_page_get_render_stats(PatinaAugmentPage *self, PatinaAugmentRenderStats *s);

/* A spin button of the parameter controls (see patina_augment_controls_get_spin). */
GtkSpinButton *patina_augment_page_get_spin(PatinaAugmentPage *self, const char *name,
                                            gboolean high);

G_END_DECLS
