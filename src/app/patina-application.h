/* The application object: app.about, app.quit and their shortcuts; one window per activation. */
#pragma once
#include <adwaita.h>

G_BEGIN_DECLS

#define PATINA_TYPE_APPLICATION (patina_application_get_type())
G_DECLARE_FINAL_TYPE(PatinaApplication, patina_application, PATINA, APPLICATION, AdwApplication)

/* Registers the compiled-in resources (ui/, style.css); called by the application's class
 * init, and by tests that build widgets without an application. */
void patina_app_register_resources(void);

PatinaApplication *patina_application_new(void);

G_END_DECLS
