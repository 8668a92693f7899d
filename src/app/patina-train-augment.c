#include "patina-train-augment.h"

#include <glib/gi18n.h>

#include "patina-settings.h"

gboolean patina_train_augment_from_settings(GSettings *settings, PatinaAugment *storage,
                                            const PatinaAugment **out, GError **error)
{
  *out = NULL;
  g_autofree char *choice = g_settings_get_string(settings, "train-augment-preset");
  if (g_str_equal(choice, "none"))
    return TRUE;
  if (g_str_equal(choice, "custom")) {
    if (!patina_settings_get_augment(settings, storage, error))
      return FALSE;
  } else if (!patina_augment_preset(storage, choice, error)) {
    return FALSE; /* the schema's enum and the core's names went apart */
  }
  *out = storage;
  return TRUE;
}

/* The operations that are on, without their values (those go into the tooltip), so the
 * subtitle stays short enough not to widen the settings column. */
static char *operations(const PatinaAugment *a)
{
  g_autoptr(GPtrArray) on = g_ptr_array_new();
  if (a->rotation_range > 0)
    g_ptr_array_add(on, _("rotation"));
  if (a->width_shift_range > 0 || a->height_shift_range > 0)
    g_ptr_array_add(on, _("shifts"));
  if (a->zoom_range[0] != 1 || a->zoom_range[1] != 1)
    g_ptr_array_add(on, _("zoom"));
  if (a->horizontal_flip || a->vertical_flip)
    g_ptr_array_add(on, _("flips"));
  if (a->brightness_range[0] != 1 || a->brightness_range[1] != 1)
    g_ptr_array_add(on, _("brightness"));
  if (a->contrast_range[0] != 1 || a->contrast_range[1] != 1)
    g_ptr_array_add(on, _("contrast"));
  if (a->gamma_range[0] != 1 || a->gamma_range[1] != 1)
    g_ptr_array_add(on, _("gamma"));
  if (a->noise_sigma[1] > 0)
    g_ptr_array_add(on, _("noise"));
  if (a->blur_sigma[1] > 0)
    g_ptr_array_add(on, _("blur"));
  if (on->len == 0)
    return g_strdup(_("nothing"));
  g_ptr_array_add(on, NULL);
  /* TRANSLATORS: separates the names of augmentation operations in a list */
  return g_strjoinv(_(", "), (char **) on->pdata);
}

char *patina_train_augment_describe(GSettings *settings, char **details)
{
  PatinaAugment a;
  const PatinaAugment *chosen;
  g_autoptr(GError) error = NULL;
  *details = NULL;
  if (!patina_train_augment_from_settings(settings, &a, &chosen, &error)) {
    *details = g_strdup(error->message);
    return g_strdup(_("The Augment page's parameters cannot be used"));
  }
  if (!chosen)
    return g_strdup(_("Training images as they are"));
  *details = patina_augment_describe(chosen);
  g_autofree char *ops = operations(chosen);
  g_autofree char *choice = g_settings_get_string(settings, "train-augment-preset");
  if (g_str_equal(choice, "paper"))
    return g_strdup_printf(_("As in the paper: %s"), ops);
  if (g_str_equal(choice, "mild"))
    return g_strdup_printf(_("Milder: %s"), ops);
  return g_strdup_printf(_("The Augment page's: %s"), ops);
}

void patina_train_augment_follow(GSettings *settings, const char *json)
{
  PatinaAugment a;
  if (!patina_augment_from_json(&a, json, -1, NULL))
    return;
  const char *preset = patina_augment_preset_matching(&a);
  g_settings_set_string(settings, "train-augment-preset", preset ? preset : "custom");
}

void patina_train_augment_migrate(GSettings *settings)
{
  if (!g_settings_get_boolean(settings, "train-augment"))
    return;
  g_autoptr(GVariant) chosen = g_settings_get_user_value(settings, "train-augment-preset");
  if (!chosen)
    g_settings_set_string(settings, "train-augment-preset", "custom");
  g_settings_reset(settings, "train-augment");
}

typedef struct {
  GSettings *settings;
  char *seen; /* the "augment" key as last seen, normalised; NULL when it did not parse */
} Watch;

static void watch_free(gpointer data)
{
  Watch *w = data;
  g_object_unref(w->settings);
  g_free(w->seen);
  g_free(w);
}

static char *normalised_augment(GSettings *settings)
{
  PatinaAugment a;
  if (!patina_settings_get_augment(settings, &a, NULL))
    return NULL;
  return patina_augment_to_json(&a);
}

static void update_row(AdwComboRow *row)
{
  Watch *w = g_object_get_data(G_OBJECT(row), "patina-train-augment-watch");
  g_autofree char *details = NULL;
  g_autofree char *what = patina_train_augment_describe(w->settings, &details);
  adw_action_row_set_subtitle(ADW_ACTION_ROW(row), what);
  const char *about = _("How training images are varied each epoch; Custom trains with the "
                        "Augment page's parameters, and editing them there selects it");
  g_autofree char *tooltip = details ? g_strdup_printf("%s\n%s", details, about)
                                     : g_strdup(about);
  gtk_widget_set_tooltip_text(GTK_WIDGET(row), tooltip);
}

/* The Augment page edited its parameters: the user means to train with them. Compared
 * normalised, so a rewrite of the same parameters in another spelling changes nothing. */
static void on_augment_changed(AdwComboRow *row)
{
  Watch *w = g_object_get_data(G_OBJECT(row), "patina-train-augment-watch");
  g_autofree char *now = normalised_augment(w->settings);
  if (now && g_strcmp0(now, w->seen) != 0)
    patina_train_augment_follow(w->settings, now);
  g_free(w->seen);
  w->seen = g_steal_pointer(&now);
  update_row(row);
}

void patina_train_augment_watch(GSettings *settings, AdwComboRow *row)
{
  Watch *w = g_new0(Watch, 1);
  w->settings = g_object_ref(settings);
  w->seen = normalised_augment(settings);
  g_object_set_data_full(G_OBJECT(row), "patina-train-augment-watch", w, watch_free);
  g_signal_connect_object(settings, "changed::augment", G_CALLBACK(on_augment_changed), row,
                          G_CONNECT_SWAPPED);
  g_signal_connect_object(settings, "changed::train-augment-preset", G_CALLBACK(update_row),
                          row, G_CONNECT_SWAPPED);
  update_row(row);
}
