/* The Train page's Augmentation row: what a run trains with under each choice, following the
 * Augment page's edits, restoring a run's choice, carrying the old switch over (helpers in
 * app-test.h). */
#include <adwaita.h>
#include <string.h>

#include "app-test.h"

#include "patina-job.h"
#include "patina-run.h"
#include "patina-settings.h"
#include "patina-train-augment.h"
#include "patina-train-page.h"

/* A quick run (stopped at once) with every augmentation key at its default: the memory
 * backend keeps what an earlier case set. */
static GSettings *clean_settings(void)
{
  set_train_settings(1000);
  GSettings *s = patina_settings_new();
  static const char *const keys[] = {"train-augment-preset", "augment", "train-augment",
                                     "train-folds", "train-val-fraction"};
  for (guint i = 0; i < G_N_ELEMENTS(keys); i++)
    g_settings_reset(s, keys[i]);
  return s;
}

static AdwComboRow *augment_row(Fixture *f)
{
  PatinaTrainPage *page = PATINA_TRAIN_PAGE(patina_window_get_page(f->window, "train"));
  return patina_train_page_get_augment_row(page);
}

static char *json_or_null(const PatinaAugment *a)
{
  return a ? patina_augment_to_json(a) : NULL;
}

/* Starts a run, checks what it trains with against want (NULL: nothing), stops it; returns
 * the run's folder. */
static char *start_expecting(Fixture *f, const PatinaAugment *want)
{
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  activate(f, "win.train-start", NULL);
  PatinaJob *job = patina_workspace_get_job(ws);
  g_assert_nonnull(job);
  g_autofree char *got = json_or_null(patina_job_get_augment(job));
  g_autofree char *expected = json_or_null(want);
  g_assert_cmpstr(got, ==, expected);
  activate(f, "win.train-stop", NULL);
  wait_for(job_finished, ws, "the run to stop");
  return g_path_get_dirname(patina_job_get_output(job));
}

static char *choice(GSettings *s)
{
  return g_settings_get_string(s, "train-augment-preset");
}

/* what the Augment page might hold: something no preset has */
static void custom_params(PatinaAugment *a)
{
  patina_augment_init(a);
  a->rotation_range = 15;
  a->noise_sigma[0] = a->noise_sigma[1] = 0.02;
}

/* The row's choice is what the run trains with: a preset exactly as the core defines it,
 * nothing for None, the Augment page's parameters for Custom; the subtitle names the
 * operations and the tooltip the exact parameters. */
static void test_choice_reaches_run(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  g_autoptr(GSettings) s = clean_settings();
  AdwComboRow *row = augment_row(f);
  PatinaAugment custom;
  custom_params(&custom);
  patina_settings_set_augment(s, &custom);
  settle();

  static const char *const names[] = {"none", "paper", "mild"};
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    adw_combo_row_set_selected(row, i);
    settle();
    g_autofree char *chosen = choice(s);
    g_assert_cmpstr(chosen, ==, names[i]);
    PatinaAugment preset;
    g_assert_true(patina_augment_preset(&preset, names[i], NULL));
    g_autofree char *dir = start_expecting(f, i == 0 ? NULL : &preset);
    const char *tooltip = gtk_widget_get_tooltip_text(GTK_WIDGET(row));
    g_autofree char *what = patina_augment_describe(&preset);
    g_assert_true(i == 0 ? strstr(tooltip, what) == NULL : strstr(tooltip, what) != NULL);
    const char *subtitle = adw_action_row_get_subtitle(ADW_ACTION_ROW(row));
    g_assert_true((strstr(subtitle, "flips") != NULL) == (i != 0));
    g_assert_true((strstr(subtitle, "rotation") != NULL) == (i == 1));
  }
  /* choosing a preset left the Augment page's parameters alone */
  PatinaAugment kept;
  g_assert_true(patina_settings_get_augment(s, &kept, NULL));
  g_autofree char *kept_json = patina_augment_to_json(&kept);
  g_autofree char *custom_json = patina_augment_to_json(&custom);
  g_assert_cmpstr(kept_json, ==, custom_json);

  adw_combo_row_set_selected(row, 3);
  settle();
  g_autofree char *dir = start_expecting(f, &custom);
  /* stopped at once: the page does not point at a model that was never saved */
  settle();
  PatinaTrainPage *page = PATINA_TRAIN_PAGE(patina_window_get_page(f->window, "train"));
  PatinaJob *job = patina_workspace_get_job(patina_window_get_workspace(f->window));
  if (patina_job_get_history(job)->len == 0)
    g_assert_nonnull(strstr(patina_train_page_get_saved_text(page), "No trained model"));
  g_autofree char *what = patina_augment_describe(&custom);
  g_assert_nonnull(strstr(gtk_widget_get_tooltip_text(GTK_WIDGET(row)), what));
  g_assert_cmpstr(adw_action_row_get_subtitle(ADW_ACTION_ROW(row)), ==,
                  "The Augment page's: rotation, noise");
  save_screenshot(f, "train", "train-augment-custom.png"); /* to look at, not committed */

  /* a hand-broken key refuses to start rather than train without augmentation */
  g_settings_set_string(s, "augment", "{\"zoom_range\": \"wide\"}");
  settle();
  g_autofree char *still = choice(s);
  g_assert_cmpstr(still, ==, "custom");
  g_assert_nonnull(strstr(gtk_widget_get_tooltip_text(GTK_WIDGET(row)), "zoom_range"));
  ToastWait tw = {f->window, patina_window_get_n_toasts(f->window)};
  PatinaJob *before = patina_workspace_get_job(patina_window_get_workspace(f->window));
  activate(f, "win.train-start", NULL);
  wait_for(new_toast, &tw, "the refusal");
  g_assert_nonnull(strstr(patina_window_get_last_toast(f->window), "zoom_range"));
  g_assert_true(patina_workspace_get_job(patina_window_get_workspace(f->window)) == before);
  g_settings_reset(s, "augment");
}

/* Editing the parameters (as the Augment page does) makes the choice Custom, or the preset
 * they equal; rewriting the same parameters changes nothing. */
static void test_follows_augment_page(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  g_autoptr(GSettings) s = clean_settings();
  AdwComboRow *row = augment_row(f);
  PatinaAugment a;
  custom_params(&a);
  patina_settings_set_augment(s, &a);
  settle();
  g_autofree char *edited = choice(s);
  g_assert_cmpstr(edited, ==, "custom");
  g_assert_cmpuint(adw_combo_row_get_selected(row), ==, 3);

  patina_augment_preset(&a, "mild", NULL);
  patina_settings_set_augment(s, &a);
  settle();
  g_autofree char *mild = choice(s);
  g_assert_cmpstr(mild, ==, "mild");

  /* the user picks Paper; the same parameters written again (in another spelling) keep it */
  adw_combo_row_set_selected(row, 1);
  settle();
  g_autofree char *json = patina_augment_to_json(&a);
  g_autofree char *spaced = g_strconcat(" ", json, NULL);
  g_settings_set_string(s, "augment", spaced);
  settle();
  g_autofree char *kept = choice(s);
  g_assert_cmpstr(kept, ==, "paper");

  patina_augment_init(&a);
  patina_settings_set_augment(s, &a);
  settle();
  g_autofree char *none = choice(s);
  g_assert_cmpstr(none, ==, "none");
}

/* Restoring a run with the Augment page's parameters brings them back as Custom; a run on a
 * preset brings the preset back and leaves the parameters alone. */
static void test_restore(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  g_autoptr(GSettings) s = clean_settings();
  AdwComboRow *row = augment_row(f);
  PatinaAugment custom, paper;
  custom_params(&custom);
  patina_augment_preset(&paper, "paper", NULL);
  patina_settings_set_augment(s, &custom);
  settle();
  g_autofree char *custom_dir = start_expecting(f, &custom);
  adw_combo_row_set_selected(row, 1);
  settle();
  g_autofree char *paper_dir = start_expecting(f, &paper);

  g_autoptr(PatinaRun) custom_run = patina_run_load(custom_dir);
  g_assert_null(patina_run_get_damage(custom_run));
  g_autoptr(PatinaRun) paper_run = patina_run_load(paper_dir);
  g_assert_null(patina_run_get_damage(paper_run));
  /* the Runs table names the preset a run's parameters are, and only then */
  g_assert_true(g_str_has_prefix(patina_run_get_augmentation(paper_run), "Paper preset: "));
  g_assert_null(strstr(patina_run_get_augmentation(custom_run), "preset"));

  PatinaAugment other;
  patina_augment_init(&other);
  other.vertical_flip = TRUE;
  other.gamma_range[0] = 0.8;
  patina_settings_set_augment(s, &other);
  g_settings_set_string(s, "train-augment-preset", "none");
  settle();
  patina_run_restore_settings(custom_run, s);
  settle();
  g_autofree char *restored = choice(s);
  g_assert_cmpstr(restored, ==, "custom");
  PatinaAugment now;
  g_assert_true(patina_settings_get_augment(s, &now, NULL));
  g_autofree char *now_json = patina_augment_to_json(&now);
  g_autofree char *custom_json = patina_augment_to_json(&custom);
  g_assert_cmpstr(now_json, ==, custom_json);

  patina_settings_set_augment(s, &other);
  settle();
  patina_run_restore_settings(paper_run, s);
  settle();
  g_autofree char *preset = choice(s);
  g_assert_cmpstr(preset, ==, "paper");
  g_assert_true(patina_settings_get_augment(s, &now, NULL));
  g_autofree char *untouched = patina_augment_to_json(&now);
  g_autofree char *other_json = patina_augment_to_json(&other);
  g_assert_cmpstr(untouched, ==, other_json);
}

/* The old switch, on, becomes Custom once, unless a choice was made since; either way it is
 * reset. */
static void test_migrate(void)
{
  g_autoptr(GSettings) s = clean_settings();
  g_settings_set_boolean(s, "train-augment", TRUE);
  patina_train_augment_migrate(s);
  g_autofree char *migrated = choice(s);
  g_assert_cmpstr(migrated, ==, "custom");
  g_assert_false(g_settings_get_boolean(s, "train-augment"));

  g_settings_set_string(s, "train-augment-preset", "paper");
  g_settings_set_boolean(s, "train-augment", TRUE);
  patina_train_augment_migrate(s);
  g_autofree char *kept = choice(s);
  g_assert_cmpstr(kept, ==, "paper");
  g_assert_false(g_settings_get_boolean(s, "train-augment"));

  g_settings_reset(s, "train-augment-preset");
  patina_train_augment_migrate(s); /* off: nothing to carry */
  g_autofree char *none = choice(s);
  g_assert_cmpstr(none, ==, "none");
}

int main(int argc, char **argv)
{
  app_test_init(&argc, &argv);
  g_test_add_func("/train-augment/migrate", test_migrate);
  g_test_add("/train-augment/choice-reaches-run", Fixture, NULL, fixture_set_up,
             test_choice_reaches_run, fixture_tear_down);
  g_test_add("/train-augment/follows-augment-page", Fixture, NULL, fixture_set_up,
             test_follows_augment_page, fixture_tear_down);
  g_test_add("/train-augment/restore", Fixture, NULL, fixture_set_up, test_restore,
             fixture_tear_down);
  return app_test_run();
}
