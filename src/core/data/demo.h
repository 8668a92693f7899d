/* The built-in demo data set: SEM-like micrographs of two classes drawn from a seed, so no
 * image files live in git. "316L": polished austenitic steel (grain boundaries, annealing
 * twins, small dark pits, polishing scratches). "AZ31B": corroded magnesium (mud-cracked
 * oxide, filiform and cloudy corrosion product). */
#pragma once
#include <gio/gio.h>

G_BEGIN_DECLS

#define PATINA_DEMO_SIZE 256
#define PATINA_DEMO_PER_CLASS 100

/* Draws one image (size×size grayscale floats in [0, 1]) of class 0 (316L) or 1 (AZ31B). */
void patina_demo_draw(int klass, guint64 seed, int size, float *out);
/* Writes dir/316L/316L_000.png ... and dir/AZ31B/..., per_class each. Creates dir. */
gboolean patina_demo_generate(const char *dir, int per_class, guint64 seed, GError **error);

/* Called on the generating thread after each image is written: done of total (2 × per_class). */
typedef void (*PatinaDemoProgress)(int done, int total, gpointer user_data);
/* patina_demo_generate that reports progress (progress may be NULL) and stops between images
 * with G_IO_ERROR_CANCELLED when cancellable is cancelled; the images already written stay. */
gboolean patina_demo_generate_full(const char *dir, int per_class, guint64 seed,
                                   PatinaDemoProgress progress, gpointer user_data,
                                   GCancellable *cancellable, GError **error);

G_END_DECLS
