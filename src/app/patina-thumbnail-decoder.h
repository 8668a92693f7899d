/* Thumbnails of a list of image files, decoded on a worker (at low priority) with each image's
 * perceptual hash; one timeout on the main loop hands them over in batches, and at the end the
 * near-duplicate pairs the hashes show. */
#pragma once
#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PATINA_THUMBNAIL_SIZE 128

typedef struct _PatinaThumbnailDecoder PatinaThumbnailDecoder;

/* texture NULL: the file could not be decoded. */
typedef void (*PatinaThumbnailReady)(guint index, GdkTexture *texture, gpointer user_data);
/* near: PatinaPhashPair of file indices within PATINA_PHASH_DEFAULT_DISTANCE (owned by the
 * decoder, valid during the call). */
typedef void (*PatinaThumbnailsDone)(GArray *near, gpointer user_data);

PatinaThumbnailDecoder *patina_thumbnail_decoder_start(const char *const *paths,
                                                       PatinaThumbnailReady ready,
                                                       PatinaThumbnailsDone done,
                                                       gpointer user_data);
/* Cancels the worker; no callback runs after this. Frees the decoder. */
void patina_thumbnail_decoder_stop(PatinaThumbnailDecoder *decoder);
/* TRUE once done has been called. */
gboolean patina_thumbnail_decoder_is_done(PatinaThumbnailDecoder *decoder);

G_END_DECLS
