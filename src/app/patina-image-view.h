/* A micrograph in a scrolled view: zoom anchored at the pointer (Ctrl+scroll, pinch, or
 * patina_image_view_set_zoom), pan by dragging or the scrollbars, a scale bar in the corner
 * when the pixel size is known, and the data bar band whose edge can be dragged ("crop-dragged"
 * reports the rows; the owner decides whether to take them). */
#pragma once
#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PATINA_TYPE_IMAGE_VIEW (patina_image_view_get_type())
G_DECLARE_FINAL_TYPE(PatinaImageView, patina_image_view, PATINA, IMAGE_VIEW, GtkWidget)

void patina_image_view_set_texture(PatinaImageView *self, GdkTexture *texture);
GdkTexture *patina_image_view_get_texture(PatinaImageView *self);
/* Metres per pixel; 0 hides the scale bar. */
void patina_image_view_set_pixel_size(PatinaImageView *self, double metres);
void patina_image_view_set_bar_rows(PatinaImageView *self, int rows);
double patina_image_view_get_zoom(PatinaImageView *self);
/* (ax, ay): the point of the view that keeps showing the same image point; negative: the
 * view's centre. The zoom is clamped to a sensible range. */
void patina_image_view_set_zoom(PatinaImageView *self, double zoom, double ax, double ay);
/* The zoom that shows the whole image (1 before the view has a size). */
double patina_image_view_get_fit_zoom(PatinaImageView *self);
void patina_image_view_pan_by(PatinaImageView *self, double dx, double dy);
void patina_image_view_get_scroll(PatinaImageView *self, double *x, double *y);
/* "2 µm", or NULL while the scale bar is hidden. */
const char *patina_image_view_get_scale_label(PatinaImageView *self);

G_END_DECLS
