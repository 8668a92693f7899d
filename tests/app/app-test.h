/* Helpers shared by the GUI test programs (tests/app/test-*.c), which run under Xvfb with
 * GSK_RENDERER=cairo and GSETTINGS_BACKEND=memory (see meson.build).
 *
 * A test program calls app_test_init(&argc, &argv), adds its cases with
 * g_test_add("/page/case", Fixture, NULL, fixture_set_up, test_fn, fixture_tear_down) and
 * returns app_test_run(). Each case gets a fresh presented window and a scratch folder. */
#pragma once
#include <adwaita.h>

#include "patina-job.h"
#include "patina-window.h"

typedef gboolean (*Condition)(gpointer data);

typedef struct {
  PatinaWindow *window;
  char *tmp;  /* scratch folder of this test, removed afterwards */
  char *demo; /* a small demo data set in tmp (after make_demo or open_demo) */
} Fixture;

void app_test_init(int *argc, char ***argv);
int app_test_run(void);
/* How many "Trying to snapshot … without a current allocation" warnings GTK gave so far (each is a
 * frame with a widget left out); app_test_init lets up to 3 per program through. */
guint app_test_unallocated_snapshots(void);

void fixture_set_up(Fixture *f, gconstpointer user_data);
void fixture_tear_down(Fixture *f, gconstpointer user_data);

/* Iterates the default main context until cond(data) holds; fails the test after 60 s naming
 * what it waited for. */
void wait_for(Condition cond, gpointer data, const char *what);
/* Lets pending idles, layout and drawing run. */
void settle(void);
/* Activates a page's action with a parameter built from format and the arguments (as
 * g_variant_new; format NULL for none); fails the test when the action does not exist. */
void page_activate(GtkWidget *page, const char *action, const char *format, ...);
/* Activates a window action (win.*); fails the test when it does not exist or is disabled. */
void activate(Fixture *f, const char *action, GVariant *param);
/* Saves the window (showing page, when not NULL) as a PNG named file into
 * $PATINA_SCREENSHOT_DIR, else into the build tree's screenshot folder. */
void save_screenshot(Fixture *f, const char *page, const char *file);

/* A demo data set of 6 images per class in f->demo. */
void make_demo(Fixture *f);
/* make_demo, then opens it through win.open-dataset-path and waits until it is open. */
void open_demo(Fixture *f);
/* Train page settings for a quick run: paper CNN, 46 px, batch 4, seed 0. */
void set_train_settings(int epochs);
/* set_train_settings, with every other training key (optimizer, dropout, folds, threads,
 * augmentation...) back at its default: the memory backend keeps what an earlier case set. */
void reset_train_settings(int epochs);
/* Starts training through win.train-start and waits until the run is done; fails the test
 * when it failed or stopped. */
PatinaJob *run_to_end(Fixture *f);
/* Exports the shown run's history through win.export-history-path into f->tmp/name and
 * returns the file's lines. */
GStrv export_history_lines(Fixture *f, const char *name);
/* The first widget under root bound to action_name (a button's action-name). */
GtkWidget *find_actionable(GtkWidget *root, const char *action_name);

/* Conditions for wait_for. data is the named object. */
gboolean window_mapped(gpointer window);
gboolean dataset_open(gpointer workspace);
gboolean thumbnails_decoded(gpointer data_page);
gboolean job_inactive(gpointer workspace);
gboolean job_finished(gpointer workspace); /* a job exists and is no longer active */
gboolean workspace_idle(gpointer workspace);
gboolean model_idle(gpointer workspace); /* no model being loaded */
/* The last run's model has become the current one (data: the Fixture). */
gboolean run_model_current(gpointer fixture);

/* wait_for(new_toast, &(ToastWait){window, patina_window_get_n_toasts(window)}, ...) waits
 * for the next toast. */
typedef struct {
  PatinaWindow *window;
  guint before;
} ToastWait;
gboolean new_toast(gpointer toast_wait);

/* A probe of main-loop stalls: g_timeout_add(5, probe_tick, &probe) records the longest gap
 * between ticks. Reported with g_test_message, never asserted (timings are benchmarks). */
typedef struct {
  gint64 last, longest;
} Probe;
gboolean probe_tick(gpointer probe);
