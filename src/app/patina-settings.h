/* The app's GSettings (org.patina.Patina): installed schemas first, else the schema compiled
 * in the build tree, so the uninstalled app runs too. */
#pragma once
#include <gio/gio.h>

#include "data/augment.h"

G_BEGIN_DECLS

#define PATINA_APP_ID "org.patina.Patina"

GSettings *patina_settings_new(void);

/* The "augment" key (Keras-named JSON, as --augment-config reads it) as parameters; an invalid
 * value (edited by hand) is refused naming the field, and a is then all off. */
gboolean patina_settings_get_augment(GSettings *settings, PatinaAugment *a, GError **error);
void patina_settings_set_augment(GSettings *settings, const PatinaAugment *a);

G_END_DECLS
