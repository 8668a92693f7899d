#include "patina-application.h"

#include <glib/gi18n.h>

#include "patina-resources.h"
#include "patina-settings.h"
#include "patina-window.h"

struct _PatinaApplication {
  AdwApplication parent_instance;
  gboolean open_demo; /* --demo */
};

G_DEFINE_FINAL_TYPE(PatinaApplication, patina_application, ADW_TYPE_APPLICATION)

void patina_app_register_resources(void)
{
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    patina_register_resource();
    g_once_init_leave(&once, 1);
  }
}

static PatinaWindow *get_window(GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window(GTK_APPLICATION(app));
  if (!window)
    window = GTK_WINDOW(patina_window_new(GTK_APPLICATION(app)));
  return PATINA_WINDOW(window);
}

static void patina_application_activate(GApplication *app)
{
  PatinaApplication *self = PATINA_APPLICATION(app);
  PatinaWindow *window = get_window(app);
  if (self->open_demo) {
    self->open_demo = FALSE;
    gtk_widget_activate_action(GTK_WIDGET(window), "win.open-demo", NULL);
  }
  gtk_window_present(GTK_WINDOW(window));
}

/* patina FOLDER opens the data set in FOLDER. */
static void patina_application_open(GApplication *app, GFile **files, int n_files,
                                    const char *hint)
{
  (void) hint;
  PatinaWindow *window = get_window(app);
  if (n_files > 0)
    patina_window_open_file(window, files[0]);
  gtk_window_present(GTK_WINDOW(window));
}

static int patina_application_handle_local_options(GApplication *app, GVariantDict *options)
{
  if (g_variant_dict_contains(options, "demo"))
    PATINA_APPLICATION(app)->open_demo = TRUE;
  return -1; /* go on */
}

static void about_action(GSimpleAction *action, GVariant *param, gpointer user_data)
{
  (void) action;
  (void) param;
  GtkApplication *app = user_data;
  static const char *developers[] = {"The Patina developers", NULL};
  GtkWidget *about = adw_about_window_new();
  g_object_set(about, "transient-for", gtk_application_get_active_window(app), "application-name",
               _("Patina"), "application-icon", PATINA_APP_ID, "version", PACKAGE_VERSION,
               "comments",
               _("Classify SEM micrographs of corrosion with the convolutional network of the "
                 "paper."),
               "license-type", GTK_LICENSE_GPL_3_0, "developers", developers, NULL);
  gtk_window_present(GTK_WINDOW(about));
}

static void quit_action(GSimpleAction *action, GVariant *param, gpointer user_data)
{
  (void) action;
  (void) param;
  GtkApplication *app = user_data;
  /* Close windows (they save their size and stop their jobs) before quitting. With the last
   * window gone the application ends by itself once the work they leave is done (a run whose
   * Undo toast was up is being deleted, under a hold); quitting outright would cut that short
   * and leave the run half-deleted, so that is only for windows that stayed open. */
  GList *windows = g_list_copy(gtk_application_get_windows(app));
  for (GList *l = windows; l; l = l->next)
    gtk_window_close(l->data);
  g_list_free(windows);
  if (gtk_application_get_windows(app) != NULL)
    g_application_quit(G_APPLICATION(app));
}

static void patina_application_startup(GApplication *app)
{
  G_APPLICATION_CLASS(patina_application_parent_class)->startup(app);
  static const GActionEntry entries[] = {
    {.name = "about", .activate = about_action},
    {.name = "quit", .activate = quit_action},
  };
  g_action_map_add_action_entries(G_ACTION_MAP(app), entries, G_N_ELEMENTS(entries), app);
  gtk_application_set_accels_for_action(GTK_APPLICATION(app), "app.quit",
                                        (const char *[]){"<Control>q", NULL});
  gtk_application_set_accels_for_action(GTK_APPLICATION(app), "win.show-help-overlay",
                                        (const char *[]){"<Control>question", NULL});
}

static void patina_application_class_init(PatinaApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS(klass);
  app_class->activate = patina_application_activate;
  app_class->startup = patina_application_startup;
  app_class->open = patina_application_open;
  app_class->handle_local_options = patina_application_handle_local_options;
  patina_app_register_resources();
}

static void patina_application_init(PatinaApplication *self)
{
  static const GOptionEntry entries[] = {
    {"demo", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Open the built-in demo data set"), NULL},
    {NULL},
  };
  g_application_add_main_option_entries(G_APPLICATION(self), entries);
  g_application_set_option_context_parameter_string(G_APPLICATION(self), N_("[FOLDER]"));
  g_application_set_option_context_summary(
    G_APPLICATION(self), N_("Classify SEM micrographs of corrosion. FOLDER is a data set: one "
                            "sub-folder of images per class."));
}

PatinaApplication *patina_application_new(void)
{
  return g_object_new(PATINA_TYPE_APPLICATION, "application-id", PATINA_APP_ID, "flags",
                      G_APPLICATION_HANDLES_OPEN, "resource-base-path", "/org/patina/Patina",
                      NULL);
}
