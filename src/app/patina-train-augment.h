/* The Train page's Augmentation choice (GSettings "train-augment-preset"): none, the core's
 * "paper" or "mild" preset, or "custom", the Augment page's parameters (the "augment" key). */
#pragma once
#include <adwaita.h>

#include "data/augment.h"

G_BEGIN_DECLS

/* The parameters a run trains with under the current choice: *out points into storage, or is
 * NULL for "none". FALSE (naming the key) when "custom" and the "augment" key does not parse. */
gboolean patina_train_augment_from_settings(GSettings *settings, PatinaAugment *storage,
                                            const PatinaAugment **out, GError **error);
/* A short line saying what the current choice trains with (the operations), for the row's
 * subtitle; details gets the exact parameters (or why they cannot be used), NULL for none. */
char *patina_train_augment_describe(GSettings *settings, char **details);
/* The "augment" key changed to json: the choice becomes the preset those parameters equal, or
 * "custom" (the user edited them to train with them). Unparsable json leaves it alone. */
void patina_train_augment_follow(GSettings *settings, const char *json);
/* For as long as row lives: its subtitle and tooltip say what the choice trains with, and a
 * real change of the "augment" key (not a rewrite of the same parameters) is followed as
 * patina_train_augment_follow says. */
void patina_train_augment_watch(GSettings *settings, AdwComboRow *row);
/* Carries the obsolete "train-augment" switch over once: on meant the Augment page's. */
void patina_train_augment_migrate(GSettings *settings);

G_END_DECLS
