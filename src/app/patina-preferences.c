#include "patina-preferences.h"

#include <glib/gi18n.h>

#include "patina-settings.h"
#include "patina-workspace.h"

/* The names the colormap key accepts (its <choices> in the schema), in the order offered,
 * and what the row shows for each. */
static const char *const colormaps[] = {"bronze", "viridis", "gray", "bone", "blue_RGB",
                                        "aqua", "moonlight", "red_lava", NULL};
static const char *const colormap_labels[] = {
  N_("Bronze"), N_("Viridis"), N_("Gray"), N_("Bone"), N_("Blue RGB"),
  N_("Aqua"), N_("Moonlight"), N_("Red Lava"),
};

struct _PatinaPreferencesWindow {
  AdwPreferencesWindow parent_instance;
  GtkSpinButton *threads_spin;
  AdwComboRow *colormap_row;
  AdwActionRow *demo_row;
  GtkButton *demo_button;
  GSettings *settings;
  char *demo_dir;
};

G_DEFINE_FINAL_TYPE(PatinaPreferencesWindow, patina_preferences_window,
                    ADW_TYPE_PREFERENCES_WINDOW)

static gboolean colormap_to_row(GValue *value, GVariant *variant, gpointer user_data)
{
  (void) user_data;
  const char *name = g_variant_get_string(variant, NULL);
  for (guint i = 0; colormaps[i]; i++)
    if (g_str_equal(colormaps[i], name)) {
      g_value_set_uint(value, i);
      return TRUE;
    }
  return FALSE;
}

static GVariant *row_to_colormap(const GValue *value, const GVariantType *type,
                                 gpointer user_data)
{
  (void) type;
  (void) user_data;
  guint i = g_value_get_uint(value);
  return i < G_N_ELEMENTS(colormaps) - 1 ? g_variant_new_string(colormaps[i]) : NULL;
}

static void on_show_demo(PatinaPreferencesWindow *self)
{
  g_autoptr(GFile) dir = g_file_new_for_path(self->demo_dir);
  g_autofree char *uri = g_file_get_uri(dir);
  gtk_show_uri(GTK_WINDOW(self), uri, GDK_CURRENT_TIME);
}

static void patina_preferences_window_dispose(GObject *object)
{
  PatinaPreferencesWindow *self = PATINA_PREFERENCES_WINDOW(object);
  g_clear_object(&self->settings);
  g_clear_pointer(&self->demo_dir, g_free);
  gtk_widget_dispose_template(GTK_WIDGET(self), PATINA_TYPE_PREFERENCES_WINDOW);
  G_OBJECT_CLASS(patina_preferences_window_parent_class)->dispose(object);
}

static void patina_preferences_window_class_init(PatinaPreferencesWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  G_OBJECT_CLASS(klass)->dispose = patina_preferences_window_dispose;
  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/org/patina/Patina/ui/patina-preferences.ui");
  gtk_widget_class_bind_template_child(widget_class, PatinaPreferencesWindow, threads_spin);
  gtk_widget_class_bind_template_child(widget_class, PatinaPreferencesWindow, colormap_row);
  gtk_widget_class_bind_template_child(widget_class, PatinaPreferencesWindow, demo_row);
  gtk_widget_class_bind_template_child(widget_class, PatinaPreferencesWindow, demo_button);
  gtk_widget_class_bind_template_callback(widget_class, on_show_demo);
}

static void patina_preferences_window_init(PatinaPreferencesWindow *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  self->settings = patina_settings_new();
  g_settings_bind(self->settings, "train-threads", gtk_spin_button_get_adjustment(self->threads_spin),
                  "value", G_SETTINGS_BIND_DEFAULT);
  g_autoptr(GtkStringList) names = gtk_string_list_new(NULL);
  for (guint i = 0; i < G_N_ELEMENTS(colormap_labels); i++)
    gtk_string_list_append(names, _(colormap_labels[i]));
  adw_combo_row_set_model(self->colormap_row, G_LIST_MODEL(names));
  g_settings_bind_with_mapping(self->settings, "colormap", self->colormap_row, "selected",
                               G_SETTINGS_BIND_DEFAULT, colormap_to_row, row_to_colormap, NULL,
                               NULL);
  self->demo_dir = patina_workspace_demo_dir();
  gboolean exists = g_file_test(self->demo_dir, G_FILE_TEST_IS_DIR);
  g_autofree char *subtitle =
    exists ? g_strdup(self->demo_dir)
           : g_strdup_printf(_("%s (not generated yet)"), self->demo_dir);
  adw_action_row_set_subtitle(self->demo_row, subtitle);
  gtk_widget_set_sensitive(GTK_WIDGET(self->demo_button), exists);
}

PatinaPreferencesWindow *patina_preferences_window_new(GtkWindow *parent)
{
  return g_object_new(PATINA_TYPE_PREFERENCES_WINDOW, "transient-for", parent, "modal", FALSE,
                      NULL);
}

GtkSpinButton *patina_preferences_window_get_threads(PatinaPreferencesWindow *self)
{
  return self->threads_spin;
}

AdwComboRow *patina_preferences_window_get_colormap(PatinaPreferencesWindow *self)
{
  return self->colormap_row;
}

const char *patina_preferences_window_get_demo_location(PatinaPreferencesWindow *self)
{
  return self->demo_dir;
}
