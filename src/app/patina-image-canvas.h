/* A micrograph drawn at a zoom factor (its size request is the zoomed image, so a
 * GtkScrolledWindow around it gives the scrollbars), with the data bar's rows at the bottom
 * shaded as a band whose top edge the viewer lets the user drag. */
#pragma once
#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PATINA_TYPE_IMAGE_CANVAS (patina_image_canvas_get_type())
G_DECLARE_FINAL_TYPE(PatinaImageCanvas, patina_image_canvas, PATINA, IMAGE_CANVAS, GtkWidget)

GtkWidget *patina_image_canvas_new(void);
/* texture NULL: nothing drawn. */
void patina_image_canvas_set_texture(PatinaImageCanvas *self, GdkTexture *texture);
GdkTexture *patina_image_canvas_get_texture(PatinaImageCanvas *self);
void patina_image_canvas_set_zoom(PatinaImageCanvas *self, double zoom);
double patina_image_canvas_get_zoom(PatinaImageCanvas *self);
/* Rows of the data bar at the bottom (0: no band). */
void patina_image_canvas_set_bar_rows(PatinaImageCanvas *self, int rows);
int patina_image_canvas_get_bar_rows(PatinaImageCanvas *self);
/* The band's top edge in widget coordinates. */
double patina_image_canvas_get_bar_edge_y(PatinaImageCanvas *self);

G_END_DECLS
