#include "patina-settings.h"
#include <glib/gi18n.h>

GSettings *patina_settings_new(void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default();
  g_autoptr(GSettingsSchema) schema =
    source ? g_settings_schema_source_lookup(source, PATINA_APP_ID, TRUE) : NULL;
#ifdef PATINA_BUILD_SCHEMA_DIR
  if (!schema) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GSettingsSchemaSource) build =
      g_settings_schema_source_new_from_directory(PATINA_BUILD_SCHEMA_DIR, source, FALSE, &error);
    if (build)
      schema = g_settings_schema_source_lookup(build, PATINA_APP_ID, TRUE);
  }
#endif
  if (!schema)
    g_error("The settings schema %s is not installed (run from the build tree or install Patina)",
            PATINA_APP_ID);
  return g_settings_new_full(schema, NULL, NULL);
}

gboolean patina_settings_get_augment(GSettings *settings, PatinaAugment *a, GError **error)
{
  g_autofree char *json = g_settings_get_string(settings, "augment");
  if (!patina_augment_from_json(a, json, -1, error)) {
    patina_augment_init(a);
    g_prefix_error(error, _("Augment page settings: "));
    return FALSE;
  }
  return TRUE;
}

void patina_settings_set_augment(GSettings *settings, const PatinaAugment *a)
{
  g_autofree char *json = patina_augment_to_json(a);
  g_settings_set_string(settings, "augment", json);
}
