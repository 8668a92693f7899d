/* The app's GSettings (org.patina.Patina): installed schemas first, else the schema compiled
 * in the build tree, so the uninstalled app runs too. */
#pragma once
#include <gio/gio.h>

G_BEGIN_DECLS

#define PATINA_APP_ID "org.patina.Patina"

GSettings *patina_settings_new(void);

G_END_DECLS
