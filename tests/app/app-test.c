/* Shared by the GUI tests under Xvfb (one program per page, see meson.build).
 *
 * Nothing depends on timing: every step activates an action and then iterates the main
 * context until the state it expects holds, failing with a message after a generous timeout. */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>

#include "../testutil.h"
#include "data/demo.h"
#include "patina-application.h"
#include "patina-data-page.h"
#include "patina-settings.h"
#include "patina-window.h"

#include "app-test.h"

#define TIMEOUT_S 60.0

/* More than this many in one test program is no longer a stray frame but a widget that is never
 * laid out. */
#define MAX_UNALLOCATED_SNAPSHOTS 3

static gboolean wake(gpointer data)
{
  (void) data;
  return G_SOURCE_CONTINUE;
}

/* Iterates the default main context until cond(data) holds; fails the test after timeout_s. */
void wait_for(Condition cond, gpointer data, const char *what)
{
  gint64 end = g_get_monotonic_time() + (gint64) (TIMEOUT_S * G_USEC_PER_SEC);
  guint id = g_timeout_add(10, wake, NULL);
  while (!cond(data)) {
    if (g_get_monotonic_time() > end)
      g_error("timed out after %.0f s waiting for %s", TIMEOUT_S, what);
    g_main_context_iteration(NULL, TRUE);
  }
  g_source_remove(id);
}

/* Lets pending idles, layout and drawing run. */
void settle(void)
{
  for (int i = 0; i < 20; i++) {
    while (g_main_context_iteration(NULL, FALSE))
      ;
    g_usleep(2000);
  }
}


gboolean window_mapped(gpointer data) { return gtk_widget_get_mapped(data); }

void fixture_set_up(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  f->tmp = g_dir_make_tmp("patina-app-XXXXXX", NULL);
  g_assert_nonnull(f->tmp);
  f->window = patina_window_new(NULL);
  g_object_ref_sink(f->window);
  gtk_window_present(GTK_WINDOW(f->window));
  wait_for(window_mapped, f->window, "the window to be mapped");
}

gboolean job_inactive(gpointer data)
{
  PatinaJob *job = patina_workspace_get_job(data);
  return job == NULL || !patina_job_is_active(job);
}

gboolean workspace_idle(gpointer data)
{
  return !patina_workspace_get_loading(data) && job_inactive(data);
}

void fixture_tear_down(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  patina_workspace_stop(ws);
  wait_for(workspace_idle, ws, "the workspace's workers to finish");
  gtk_window_destroy(GTK_WINDOW(f->window));
  g_object_unref(f->window);
  settle();
  test_remove_tree(f->tmp);
  g_free(f->tmp);
  g_free(f->demo);
}

void make_demo(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  f->demo = g_build_filename(f->tmp, "demo", NULL);
  g_assert_true(patina_demo_generate(f->demo, 6, 0, &error));
  g_assert_no_error(error);
}

void activate(Fixture *f, const char *action, GVariant *param)
{
  /* a widget-class action does not sink its parameter: a floating one would leak */
  g_autoptr(GVariant) owned = param ? g_variant_ref_sink(param) : NULL;
  g_assert_true(gtk_widget_activate_action_variant(GTK_WIDGET(f->window), action, owned));
}

/* ---- screenshots ---- */

void save_screenshot(Fixture *f, const char *page, const char *file)
{
  /* PATINA_SCREENSHOT_DIR from outside (e.g. data/screenshots to refresh the committed ones),
   * else the build tree's folder that tests/app/meson.build names. */
  const char *dir = g_getenv("PATINA_SCREENSHOT_DIR");
  if (!dir || !*dir)
    dir = g_getenv("PATINA_DEFAULT_SCREENSHOT_DIR");
  if (!dir || !*dir)
    return;
  if (page)
    activate(f, "win.show-page", g_variant_new_string(page));
  patina_window_dismiss_toast(f->window); /* it would hide part of the page */
  settle();
  GtkWidget *w = GTK_WIDGET(f->window);
  int width = gtk_widget_get_width(w), height = gtk_widget_get_height(w);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new(w);
  GtkSnapshot *snapshot = gtk_snapshot_new();
  gdk_paintable_snapshot(paintable, snapshot, width, height);
  g_autoptr(GskRenderNode) node = gtk_snapshot_free_to_node(snapshot);
  g_assert_nonnull(node);
  GskRenderer *renderer = gtk_native_get_renderer(GTK_NATIVE(w));
  g_autoptr(GdkTexture) texture =
    gsk_renderer_render_texture(renderer, node, &GRAPHENE_RECT_INIT(0, 0, width, height));
  g_mkdir_with_parents(dir, 0755);
  g_autofree char *path = g_build_filename(dir, file, NULL);
  g_assert_true(gdk_texture_save_to_png(texture, path));
  g_test_message("screenshot %s (%d×%d)", path, width, height);
}


gboolean dataset_open(gpointer data)
{
  return patina_workspace_get_dataset(data) != NULL && !patina_workspace_get_loading(data);
}

gboolean thumbnails_decoded(gpointer data)
{
  PatinaDataPage *page = data;
  guint n = g_list_model_get_n_items(patina_data_page_get_thumbnails(page));
  return n > 0 && patina_data_page_get_n_decoded(page) == n;
}

void open_demo(Fixture *f)
{
  make_demo(f);
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  activate(f, "win.open-dataset-path", g_variant_new_string(f->demo));
  wait_for(dataset_open, ws, "the demo data set to open");
}



gboolean new_toast(gpointer data)
{
  ToastWait *w = data;
  return patina_window_get_n_toasts(w->window) > w->before && !patina_workspace_get_loading(patina_window_get_workspace(w->window));
}


void set_train_settings(int epochs)
{
  g_autoptr(GSettings) s = patina_settings_new();
  g_settings_set_enum(s, "train-model", 0);
  g_settings_set_int(s, "train-epochs", epochs);
  g_settings_set_int(s, "train-size", 46);
  g_settings_set_int(s, "train-batch", 4);
  g_settings_set_int(s, "train-seed", 0);
}

gboolean model_idle(gpointer workspace)
{
  return !patina_workspace_get_model_loading(workspace);
}

void page_activate(GtkWidget *page, const char *action, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  /* sunk, as in activate(): a widget-class action does not sink its parameter */
  g_autoptr(GVariant) param = format ? g_variant_ref_sink(g_variant_new_va(format, NULL, &args))
                                     : NULL;
  va_end(args);
  g_assert_true(gtk_widget_activate_action_variant(page, action, param));
}

gboolean run_model_current(gpointer data)
{
  Fixture *f = data;
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  PatinaJob *job = patina_workspace_get_job(ws);
  return job && !patina_workspace_get_model_loading(ws) &&
         g_strcmp0(patina_workspace_get_model_path(ws), patina_job_get_output(job)) == 0;
}

void reset_train_settings(int epochs)
{
  set_train_settings(epochs);
  g_autoptr(GSettings) s = patina_settings_new();
  static const char *const keys[] = {"train-optimizer", "train-momentum", "train-dropout",
                                     "train-val-fraction", "train-folds",
                                     "train-class-weighting", "train-augment-preset", "augment",
                                     "train-augment", "train-threads"};
  for (guint i = 0; i < G_N_ELEMENTS(keys); i++)
    g_settings_reset(s, keys[i]);
}

PatinaJob *run_to_end(Fixture *f)
{
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  activate(f, "win.train-start", NULL);
  PatinaJob *job = patina_workspace_get_job(ws);
  g_assert_nonnull(job);
  wait_for(job_finished, ws, "the training to finish");
  g_assert_cmpstr(patina_job_get_error_message(job), ==, NULL);
  g_assert_cmpint(patina_job_get_state(job), ==, PATINA_JOB_DONE);
  settle();
  return job;
}

GStrv export_history_lines(Fixture *f, const char *name)
{
  g_autofree char *path = g_build_filename(f->tmp, name, NULL);
  ToastWait tw = {f->window, patina_window_get_n_toasts(f->window)};
  activate(f, "win.export-history-path", g_variant_new_string(path));
  wait_for(new_toast, &tw, "the history to be exported");
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  return g_strsplit(text, "\n", -1);
}

GtkWidget *find_actionable(GtkWidget *root, const char *action_name)
{
  if (GTK_IS_ACTIONABLE(root) &&
      g_strcmp0(gtk_actionable_get_action_name(GTK_ACTIONABLE(root)), action_name) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child(root); c; c = gtk_widget_get_next_sibling(c)) {
    GtkWidget *found = find_actionable(c, action_name);
    if (found)
      return found;
  }
  return NULL;
}

/* A probe of main-loop stalls: the longest gap between ticks of a 5 ms timeout. Reported, not
 * asserted (timings are benchmarks, never test assertions). */

gboolean probe_tick(gpointer data)
{
  Probe *p = data;
  gint64 now = g_get_monotonic_time();
  if (p->last)
    p->longest = MAX(p->longest, now - p->last);
  if (p->last && now - p->last > 20000 && g_getenv("PATINA_PROBE_VERBOSE"))
    g_printerr("stall %.1f ms at %.3f\n", (now - p->last) / 1000.0, now / 1e6);
  p->last = now;
  return G_SOURCE_CONTINUE;
}

gboolean job_finished(gpointer data)
{
  PatinaJob *job = patina_workspace_get_job(data);
  return job && !patina_job_is_active(job);
}

static char *test_home;

static guint unallocated_snapshots;

/* Every warning stays fatal but one: "Trying to snapshot … without a current allocation". GTK 4.8
 * loses a resize queued inside size_allocate when the widget above the queuing one took
 * gtk_widget_allocate's "nothing changed" path while its ancestors re-allocated (they clear
 * alloc_needed_on_child afterwards), and the next frame leaves that widget out. The one case
 * seen, the thumbnails' automatic scrollbar, is fixed and held by /app/dataset-switch-frames;
 * any GTK widget that queues a resize while allocated can still do it, so it is counted and
 * reported, and a test still fails if it happens more than a frame or two. GTK logs structured,
 * and g_log_writer_default is where always-fatal warnings abort, so the filter is a writer. */
static const char *log_field(const GLogField *fields, gsize n_fields, const char *key)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0(fields[i].key, key) == 0 && fields[i].length < 0)
      return fields[i].value;
  return NULL;
}

static GLogWriterOutput log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                                   gpointer user_data)
{
  const char *message = log_field(fields, n_fields, "MESSAGE");
  if ((level & G_LOG_LEVEL_WARNING) && g_strcmp0(log_field(fields, n_fields, "GLIB_DOMAIN"), "Gtk") == 0 &&
      message && g_str_has_prefix(message, "Trying to snapshot ") &&
      g_str_has_suffix(message, " without a current allocation") &&
      ++unallocated_snapshots <= MAX_UNALLOCATED_SNAPSHOTS)
    return g_log_writer_standard_streams(level, fields, n_fields, user_data);
  return g_log_writer_default(level, fields, n_fields, user_data);
}

void app_test_init(int *argc, char ***argv)
{
  /* The user's directories point into a scratch folder (runs and the demo are written there);
   * the system's stay, for the icon theme (G_TEST_OPTION_ISOLATE_DIRS would hide it). */
  test_home = g_dir_make_tmp("patina-app-home-XXXXXX", NULL);
  g_assert_nonnull(test_home);
  const char *vars[] = {"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"};
  for (guint i = 0; i < G_N_ELEMENTS(vars); i++) {
    g_autofree char *dir = g_build_filename(test_home, vars[i], NULL);
    g_setenv(vars[i], dir, TRUE);
  }
  g_log_set_writer_func(log_writer, NULL, NULL);
  g_test_init(argc, argv, NULL);
  gtk_init();
  adw_init();
  /* Toasts and page transitions land at once, so screenshots show the final state. */
  g_object_set(gtk_settings_get_default(), "gtk-enable-animations", FALSE, NULL);
  patina_app_register_resources();
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new();
  gtk_css_provider_load_from_resource(css, "/org/patina/Patina/style.css");
  gtk_style_context_add_provider_for_display(gdk_display_get_default(), GTK_STYLE_PROVIDER(css),
                                             GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

guint app_test_unallocated_snapshots(void)
{
  return unallocated_snapshots;
}

int app_test_run(void)
{
  int status = g_test_run();
  if (unallocated_snapshots)
    g_printerr("GTK left a widget out of %u frame(s) for want of an allocation\n",
               unallocated_snapshots);
  test_remove_tree(test_home);
  g_free(test_home);
  return status;
}
