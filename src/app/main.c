/* patina: the desktop application. Everything but this file lives in the libpatina-app static
 * library so the tests link the same widgets. */
#include <glib/gi18n.h>
#include <locale.h>

#include "patina-application.h"
#include "patina-settings.h"

/* An installed Patina finds its catalogues under LOCALEDIR; one run from the build tree (whose
 * schema is not installed either, see patina_settings_new) uses those the build compiled. */
static const char *locale_dir(void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default();
  g_autoptr(GSettingsSchema) schema =
    source ? g_settings_schema_source_lookup(source, PATINA_APP_ID, TRUE) : NULL;
  return schema ? LOCALEDIR : PATINA_BUILD_LOCALEDIR;
}

int main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  bindtextdomain(GETTEXT_PACKAGE, locale_dir());
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
  textdomain(GETTEXT_PACKAGE);
  g_autoptr(PatinaApplication) app = patina_application_new();
  return g_application_run(G_APPLICATION(app), argc, argv);
}
