/* One image of the open data set as a list item: its file, class, (once decoded on a worker)
 * a small texture, and what the Data page found about it: split, duplicates, exclusion. */
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
/* "train", "val", "test" from the manifest; "" without one. */
const char *patina_thumbnail_get_split(PatinaThumbnail *self);
void patina_thumbnail_set_split(PatinaThumbnail *self, const char *split);
/* Which other images this one duplicates, for people; "" when none. */
const char *patina_thumbnail_get_duplicate_note(PatinaThumbnail *self);
void patina_thumbnail_set_duplicate_note(PatinaThumbnail *self, const char *note);
/* Excluded from training by the manifest. */
gboolean patina_thumbnail_get_excluded(PatinaThumbnail *self);
void patina_thumbnail_set_excluded(PatinaThumbnail *self, gboolean excluded);

G_END_DECLS
