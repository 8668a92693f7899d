/* The Augment page's rows: one control for every field of PatinaAugment (data/augment.h),
 * built from one table into three preference groups (Geometry, Intensity, SEM Noise). Each
 * row's tooltip names its Keras (ImageDataGenerator) field. A range's low end can never pass
 * its high end, and the fill value is editable only with the constant fill, so the controls
 * only ever hold parameters patina_augment_validate accepts. */
#pragma once
#include <adwaita.h>

#include "data/augment.h"

G_BEGIN_DECLS

typedef struct _PatinaAugmentControls PatinaAugmentControls;

/* Called after the user changed a control, with the parameters the controls now hold. */
typedef void (*PatinaAugmentControlsChanged)(const PatinaAugment *a, gpointer user_data);

PatinaAugmentControls *patina_augment_controls_new(AdwPreferencesGroup *geometry,
                                                   AdwPreferencesGroup *intensity,
                                                   AdwPreferencesGroup *noise,
                                                   PatinaAugmentControlsChanged changed,
                                                   gpointer user_data);
void patina_augment_controls_free(PatinaAugmentControls *c);

/* Shows a (without calling changed). */
void patina_augment_controls_set(PatinaAugmentControls *c, const PatinaAugment *a);
/* The parameters the controls hold. */
void patina_augment_controls_get(PatinaAugmentControls *c, PatinaAugment *a);

/* The spin button of a field by its JSON name (the high end of a range with high TRUE), for
 * tests that drive the controls as a user does; NULL for switches and the fill mode. */
GtkSpinButton *patina_augment_controls_get_spin(PatinaAugmentControls *c, const char *name,
                                                gboolean high);

G_END_DECLS
