/* The validation images a model got wrong, as a strip of thumbnails of what the model saw,
 * each captioned true → predicted with the probability. Clicking one activates
 * misclassified.open (s path), which opens the image through win.show-image (the Data page's
 * viewer) or, without that action, the desktop's image viewer. */
#pragma once
#include <adwaita.h>

#include "patina-job.h"

G_BEGIN_DECLS

#define PATINA_TYPE_MISCLASSIFIED_GALLERY (patina_misclassified_gallery_get_type())
G_DECLARE_FINAL_TYPE(PatinaMisclassifiedGallery, patina_misclassified_gallery, PATINA,
                     MISCLASSIFIED_GALLERY, GtkWidget)

/* Shows the PatinaMisclassified of an evaluation of n_evaluated images (names: the class names,
 * n_classes of them); NULL empties it. */
void patina_misclassified_gallery_set(PatinaMisclassifiedGallery *self, GArray *misclassified,
                                      int n_evaluated, const char *const *names, int n_classes);
guint patina_misclassified_gallery_get_n_shown(PatinaMisclassifiedGallery *self);
/* The image path behind the i-th thumbnail, or NULL. */
const char *patina_misclassified_gallery_get_path(PatinaMisclassifiedGallery *self, guint i);

G_END_DECLS
