/* One image of the open data set as a list item: its file, class and (once decoded on a
 * worker) a small texture. */
#pragma once
#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PATINA_TYPE_THUMBNAIL (patina_thumbnail_get_type())
G_DECLARE_FINAL_TYPE(PatinaThumbnail, patina_thumbnail, PATINA, THUMBNAIL, GObject)

PatinaThumbnail *patina_thumbnail_new(const char *path, const char *class_name);
const char *patina_thumbnail_get_path(PatinaThumbnail *self);
const char *patina_thumbnail_get_class_name(PatinaThumbnail *self);
GdkTexture *patina_thumbnail_get_texture(PatinaThumbnail *self);
void patina_thumbnail_set_texture(PatinaThumbnail *self, GdkTexture *texture);

G_END_DECLS
