#include "patina-window-data.h"

#include <glib/gi18n.h>

#include "patina-data-page.h"
#include "patina-preferences.h"
#include "patina-settings.h"

#define SETTINGS_KEY "patina-window-data-settings"

void patina_recent_add(GSettings *settings, const char *path)
{
  g_auto(GStrv) old = g_settings_get_strv(settings, "recent-datasets");
  g_autoptr(GStrvBuilder) b = g_strv_builder_new();
  g_strv_builder_add(b, path);
  guint n = 1;
  for (guint i = 0; old[i] && n < PATINA_RECENT_MAX; i++)
    if (!g_str_equal(old[i], path)) {
      g_strv_builder_add(b, old[i]);
      n++;
    }
  g_auto(GStrv) recent = g_strv_builder_end(b);
  g_settings_set_strv(settings, "recent-datasets", (const char *const *) recent);
}

void patina_recent_remove(GSettings *settings, const char *path)
{
  g_auto(GStrv) old = g_settings_get_strv(settings, "recent-datasets");
  g_autoptr(GStrvBuilder) b = g_strv_builder_new();
  for (guint i = 0; old[i]; i++)
    if (!g_str_equal(old[i], path))
      g_strv_builder_add(b, old[i]);
  g_auto(GStrv) recent = g_strv_builder_end(b);
  g_settings_set_strv(settings, "recent-datasets", (const char *const *) recent);
}

static GSettings *window_settings(PatinaWindow *window)
{
  return g_object_get_data(G_OBJECT(window), SETTINGS_KEY);
}

static void open_recent_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  PatinaWindow *window = PATINA_WINDOW(widget);
  const char *path = g_variant_get_string(param, NULL);
  if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
    gtk_widget_activate_action(widget, "win.open-dataset-path", "s", path);
    return;
  }
  patina_recent_remove(window_settings(window), path);
  g_autofree char *msg =
    g_strdup_printf(_("%s is no longer there (moved or deleted?), so it was removed from the "
                      "recent data sets"),
                    path);
  patina_window_toast(window, msg);
}

static void show_image_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  PatinaWindow *window = PATINA_WINDOW(widget);
  gtk_widget_activate_action(widget, "win.show-page", "s", "data");
  PatinaDataPage *page = PATINA_DATA_PAGE(patina_window_get_page(window, "data"));
  patina_data_page_show_image(page, g_variant_get_string(param, NULL));
}

/* The Data page's viewer hands its image to the Augment or the Layers page ("(ss)": the page and
 * the path); the window passes it on, as pages never talk to each other. */
static void image_to_page_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  const char *page_name, *path;
  g_variant_get(param, "(&s&s)", &page_name, &path);
  if (!g_str_equal(page_name, "augment") && !g_str_equal(page_name, "layers"))
    return;
  GtkWidget *page = patina_window_get_page(PATINA_WINDOW(widget), page_name);
  g_autofree char *action = g_strdup_printf("%s.open-image-path", page_name);
  if (gtk_widget_activate_action(page, action, "s", path))
    gtk_widget_activate_action(widget, "win.show-page", "s", page_name);
}

static void preferences_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  GtkWindow *prefs = GTK_WINDOW(patina_preferences_window_new(GTK_WINDOW(widget)));
  gtk_window_present(prefs);
}

/* Underscores in folder names would read as mnemonics in the menu. */
static char *menu_label(const char *path)
{
  g_autofree char *base = g_path_get_basename(path);
  g_auto(GStrv) parts = g_strsplit(base, "_", -1);
  return g_strjoinv("__", parts);
}

static void update_recent_menu(PatinaWindow *window)
{
  GMenu *menu =
    G_MENU(gtk_widget_get_template_child(GTK_WIDGET(window), PATINA_TYPE_WINDOW, "recent_menu"));
  if (!menu)
    return;
  g_menu_remove_all(menu);
  g_auto(GStrv) recent = g_settings_get_strv(window_settings(window), "recent-datasets");
  for (guint i = 0; recent[i]; i++) {
    g_autofree char *label = menu_label(recent[i]);
    g_autoptr(GMenuItem) item = g_menu_item_new(label, NULL);
    g_menu_item_set_action_and_target_value(item, "win.open-recent",
                                            g_variant_new_string(recent[i]));
    g_menu_append_item(menu, item);
  }
  if (!recent[0])
    g_menu_append(menu, _("No Recent Data Sets"), "win.no-recent-datasets");
}

static void on_dataset_path(PatinaWindow *window)
{
  const char *path = patina_workspace_get_dataset_path(patina_window_get_workspace(window));
  if (path)
    patina_recent_add(window_settings(window), path);
}

void patina_window_data_class_init(GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_child_full(widget_class, "recent_menu", FALSE, 0);
  gtk_widget_class_install_action(widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action(widget_class, "win.show-image", "s", show_image_action);
  gtk_widget_class_install_action(widget_class, "win.image-to-page", "(ss)",
                                  image_to_page_action);
  gtk_widget_class_install_action(widget_class, "win.preferences", NULL, preferences_action);
  /* never enabled: it greys out the menu's placeholder when nothing was opened yet */
  gtk_widget_class_install_action(widget_class, "win.no-recent-datasets", NULL, NULL);
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_comma, GDK_CONTROL_MASK,
                                      "win.preferences", NULL);
}

void patina_window_data_init(PatinaWindow *window)
{
  GSettings *settings = patina_settings_new();
  g_object_set_data_full(G_OBJECT(window), SETTINGS_KEY, settings, g_object_unref);
  gtk_widget_action_set_enabled(GTK_WIDGET(window), "win.no-recent-datasets", FALSE);
  g_signal_connect_object(settings, "changed::recent-datasets", G_CALLBACK(update_recent_menu),
                          window, G_CONNECT_SWAPPED);
  g_signal_connect_object(patina_window_get_workspace(window), "notify::dataset-path",
                          G_CALLBACK(on_dataset_path), window, G_CONNECT_SWAPPED);
  update_recent_menu(window);
}
