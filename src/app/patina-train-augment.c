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

char *patina_train_augment_describe(GSettings *settings)
{
  PatinaAugment a;
  const PatinaAugment *chosen;
  g_autoptr(GError) error = NULL;
  if (!patina_train_augment_from_settings(settings, &a, &chosen, &error))
    return g_strdup_printf(_("The Augment page's parameters cannot be used: %s"),
                           error->message);
  if (!chosen)
    return g_strdup(_("Training images as they are"));
  g_autofree char *what = patina_augment_describe(chosen);
  g_autofree char *choice = g_settings_get_string(settings, "train-augment-preset");
  if (g_str_equal(choice, "paper"))
    return g_strdup_printf(_("As in the paper: %s"), what);
  if (g_str_equal(choice, "mild"))
    return g_strdup_printf(_("Milder, no rotation: %s"), what);
  return g_strdup_printf(_("The Augment page's: %s"), what);
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
