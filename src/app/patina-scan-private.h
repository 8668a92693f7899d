/* What patina-scan-view.c and patina-scan-actions.c share. */
#pragma once
#include <adwaita.h>

#include "patina-image-view.h"
#include "patina-scan-compute.h"
#include "patina-scan-view.h"
#include "viz/colormap.h"

struct _PatinaScanView {
  GtkWidget parent_instance;
  GtkWidget *scan_button, *progress_box, *result_box;
  GtkSpinButton *tile_spin, *stride_spin, *dpi_spin;
  GtkProgressBar *progress;
  GtkLabel *message_label, *legend_label;
  GtkPicture *picture, *colorbar;
  GtkWidget *colorbar_box;
  GtkGrid *areas;
  AdwComboRow *overlay_row, *colormap_row;
  GtkScale *opacity_scale;

  char *path;
  PatinaLoadedModel *model;
  PatinaScanResult *running; /* progress of the scan on the worker */
  GCancellable *cancellable;
  guint progress_source;
  PatinaScanResult *result; /* the one shown */
  PatinaImageView *enlarged; /* the map's own window's view while it is open (weak) */
  GSettings *settings;
  GtkFileChooserNative *chooser;
  gboolean stride_follows_tile; /* half the tile until the user picks a stride */
  gboolean syncing;
};

void patina_scan_view_toast(PatinaScanView *self, const char *message);
/* The inline line under the controls (NULL hides it), in red when is_error. */
void patina_scan_view_show_message(PatinaScanView *self, const char *text, gboolean is_error);
/* The map in a window of its own (zoom and pan), which follows the pane's map until closed. */
void patina_scan_view_enlarge(PatinaScanView *self);
const PatinaColormap *patina_scan_view_colormap(PatinaScanView *self);
/* -1: the most probable class; k: class k's probability. */
int patina_scan_view_overlay(PatinaScanView *self);
/* Scans the image (the latest request wins), or says why it cannot. */
void patina_scan_view_start(PatinaScanView *self);
void patina_scan_view_cancel(PatinaScanView *self);
