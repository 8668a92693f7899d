/* Preferences: training threads, the default colormap, where the demo data set lives. Every
 * value is a GSettings key, written as it changes. */
#pragma once
#include <adwaita.h>

G_BEGIN_DECLS

#define PATINA_TYPE_PREFERENCES_WINDOW (patina_preferences_window_get_type())
G_DECLARE_FINAL_TYPE(PatinaPreferencesWindow, patina_preferences_window, PATINA,
                     PREFERENCES_WINDOW, AdwPreferencesWindow)

PatinaPreferencesWindow *patina_preferences_window_new(GtkWindow *parent);
/* The widgets, for tests that drive them as a user does. */
GtkSpinButton *patina_preferences_window_get_threads(PatinaPreferencesWindow *self);
AdwComboRow *patina_preferences_window_get_colormap(PatinaPreferencesWindow *self);
const char *patina_preferences_window_get_demo_location(PatinaPreferencesWindow *self);

G_END_DECLS
