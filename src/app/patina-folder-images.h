/* Dropped or chosen paths with every folder replaced by the image files directly inside it,
 * worked out on a worker (listing a folder can take a while): what adding a folder to the
 * Predict page means. */
#pragma once
#include <gio/gio.h>

G_BEGIN_DECLS

/* Expands paths: a file stays as it is; a folder becomes its files (not its sub-folders') whose
 * names say they are images (PNG, JPEG, TIFF, BMP, ...; an SEM sidecar .txt is not), sorted by
 * name. */
void patina_expand_folders_async(const char *const *paths, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
/* The expanded paths (possibly none). problems (may be NULL) receives a message for each
 * folder that could not be read or holds no images, naming it. */
GStrv patina_expand_folders_finish(GAsyncResult *result, GStrv *problems);

G_END_DECLS
