/* The Layers page's state, shared by patina-layers-page.c (controls, requests, actions) and
 * patina-layers-view.c (what a result looks like on screen). */
#pragma once
#include "patina-colorbar.h"
#include "patina-layers-page.h"

G_BEGIN_DECLS

struct _PatinaLayersPage {
  GtkWidget parent_instance;

  GtkStack *stack;
  AdwComboRow *image_row, *compare_row, *layer_row, *sort_row, *normalise_row, *colormap_row;
  AdwComboRow *class_row, *method_row;
  AdwExpanderRow *cam_row;
  GtkSwitch *reversed_switch, *six_switch;
  GtkScale *opacity_scale;
  GtkSpinButton *dpi_spin;
  GtkLabel *message_label, *caption_label, *stats_label;
  GtkSpinner *spinner;
  GtkWidget *panel_b, *detail_box;
  GtkLabel *title_a, *title_b, *error_a, *error_b;
  GtkStack *view_a, *view_b;
  PatinaChannelGrid *grid_a, *grid_b, *enlarged_a, *enlarged_b;
  PatinaColorbar *colorbar_a, *colorbar_b; /* the key to each image's maps */
  GtkPicture *cam_a, *cam_b;

  PatinaWorkspace *workspace;
  GSettings *settings;
  PatinaLoadedModel *model;     /* the workspace's, while this page shows it */
  PatinaLayerInfo *infos;       /* its layers */
  int n_layers;
  int filters_row;              /* row of "first conv's filters" in layer_row, -1 when none */
  GtkStringList *layer_names, *image_names, *compare_names, *class_names;
  GPtrArray *image_paths;       /* the data set's images, as image_names lists them */
  char *path_a, *path_b;        /* the images asked for; path_b NULL when not comparing */
  int selected_channel;
  gboolean syncing;

  /* latest request wins: at most one computation in flight */
  GCancellable *compute_cancellable;
  gboolean compute_again;
  guint compute_idle;
  PatinaLayersResult *result;   /* what is shown */

  GtkFileChooserNative *chooser;
};

/* Shows self->result through the current layer, colormap, normalisation and order. */
void patina_layers_view_update(PatinaLayersPage *self);
/* The layer row's choice: a layer index, or -1 for the first conv's filters. */
int patina_layers_view_layer(PatinaLayersPage *self);
const PatinaColormap *patina_layers_view_colormap(PatinaLayersPage *self);
/* The position in patina_cam_layers() for the chosen layer: the conv of its block. */
int patina_layers_view_cam_layer(PatinaLayersPage *self);

void patina_layers_page_toast(PatinaLayersPage *self, const char *message);
/* A file outside the data set becomes the image. */
void patina_layers_page_show_file(PatinaLayersPage *self, GFile *file);
/* The second image (NULL or "" for none). */
void patina_layers_page_set_compare(PatinaLayersPage *self, const char *path);
/* The page's actions (patina-layers-actions.c). */
void patina_layers_actions_install(GtkWidgetClass *widget_class);

G_END_DECLS
