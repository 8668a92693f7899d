/* patina: the desktop application. Everything but this file lives in the libpatina-app static
 * library so the tests link the same widgets. */
#include <glib/gi18n.h>
#include <locale.h>

#include "patina-application.h"

int main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
  textdomain(GETTEXT_PACKAGE);
  g_autoptr(PatinaApplication) app = patina_application_new();
  return g_application_run(G_APPLICATION(app), argc, argv);
}
