/* The image viewer's work off the main loop: decoding a micrograph at full resolution with its
 * SEM metadata and data bar, and recording its data bar crop or its exclusion in the data
 * set's manifest. */
#pragma once
#include <gtk/gtk.h>

#include "data/image.h"

G_BEGIN_DECLS

typedef struct {
  GdkTexture *texture;   /* 8-bit RGB for display (16-bit and float images stretched) */
  int width, height;     /* of the file, uncropped */
  int channels, bits_per_sample;
  gboolean is_float;
  PatinaSemInfo sem;
  PatinaDatabar found;   /* from the metadata or the heuristic */
  int manifest_crop;     /* crop_rows recorded in the manifest; -1 = none */
  gboolean manifest_excluded; /* the manifest leaves it out of training */
  char *manifest_problem; /* why the manifest could not be read, or NULL */
} PatinaViewerImage;

void patina_viewer_image_free(PatinaViewerImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PatinaViewerImage, patina_viewer_image_free)

/* path is read on a worker; root (may be NULL) is the data set folder whose manifest may hold
 * the image's crop. */
void patina_viewer_image_load_async(const char *path, const char *root, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
PatinaViewerImage *patina_viewer_image_load_finish(GAsyncResult *result, GError **error);

/* What the viewer records about one image in the manifest. */
typedef enum {
  PATINA_VIEWER_CROP_ROWS, /* value: crop_rows */
  PATINA_VIEWER_EXCLUDED,  /* value: TRUE leaves the image out of training and evaluation */
} PatinaViewerField;

/* Records field = value for path in root's manifest, creating the manifest (the CLI's default
 * split: val 0.15, test 0.15, seed 0) when there is none. A manifest that cannot be read is
 * left untouched (error). *created tells whether a new manifest was written. */
void patina_viewer_save_async(const char *root, const char *path, PatinaViewerField field,
                              int value, GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data);
gboolean patina_viewer_save_finish(GAsyncResult *result, gboolean *created, GError **error);

/* path relative to root ('/'-separated), or NULL when path is not inside root. */
char *patina_viewer_relative_path(const char *root, const char *path);

G_END_DECLS
