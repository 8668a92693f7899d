/* One micrograph at full resolution (decoded on a worker): zoom (Ctrl+±, Ctrl+0 fit, Ctrl+1
 * actual size, Ctrl+scroll, pinch) and pan (drag, scrollbars), its SEM metadata, a scale bar
 * when the pixel size is known, and the data bar as a shaded band the user can resize and save
 * into the data set's manifest. Actions (on this widget):
 *   viewer.zoom-in, viewer.zoom-out, viewer.zoom-fit, viewer.zoom-original
 *   viewer.set-crop (i)   rows of the data bar
 *   viewer.save-crop      record them in patina-dataset.json (made when missing)
 * The back button activates data.close-image, which the Data page provides. */
#pragma once
#include <adwaita.h>

G_BEGIN_DECLS

#define PATINA_TYPE_IMAGE_VIEWER (patina_image_viewer_get_type())
G_DECLARE_FINAL_TYPE(PatinaImageViewer, patina_image_viewer, PATINA, IMAGE_VIEWER, GtkWidget)

/* Shows path; root (may be NULL) is the data set folder it belongs to, class_name its class. */
void patina_image_viewer_open(PatinaImageViewer *self, const char *path, const char *root,
                              const char *class_name);
/* Forgets the image and stops a decode in flight. */
void patina_image_viewer_clear(PatinaImageViewer *self);
const char *patina_image_viewer_get_path(PatinaImageViewer *self);
/* TRUE once the image is shown (or failed: see get_error). */
gboolean patina_image_viewer_is_loaded(PatinaImageViewer *self);
/* The "Leave Out of Training" switch (viewer.set-excluded sets it and saves the manifest). */
gboolean patina_image_viewer_get_excluded(PatinaImageViewer *self);
/* A manifest save runs (or waits behind another). */
gboolean patina_image_viewer_is_saving(PatinaImageViewer *self);
/* Why the image cannot be shown, or NULL. */
const char *patina_image_viewer_get_error(PatinaImageViewer *self);
void patina_image_viewer_get_image_size(PatinaImageViewer *self, int *width, int *height);
double patina_image_viewer_get_zoom(PatinaImageViewer *self);
/* The scrolled offset of the view. */
void patina_image_viewer_get_scroll(PatinaImageViewer *self, double *x, double *y);
/* Pans as a drag by (dx, dy) pixels does. */
void patina_image_viewer_pan_by(PatinaImageViewer *self, double dx, double dy);
int patina_image_viewer_get_crop_rows(PatinaImageViewer *self);
/* The text of a metadata row: "pixel-size", "voltage", "magnification", "instrument",
 * "detector", "size", "crop-source". */
const char *patina_image_viewer_get_field(PatinaImageViewer *self, const char *field);
/* The scale bar's label ("20 µm"), or NULL when it is hidden (pixel size unknown). */
const char *patina_image_viewer_get_scale_bar_label(PatinaImageViewer *self);
/* What the last save said, or NULL. */
const char *patina_image_viewer_get_save_status(PatinaImageViewer *self);

G_END_DECLS
