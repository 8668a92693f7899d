/* The window as the application makes it: every shortcut the Keyboard Shortcuts window lists is
 * bound to the action it names, Ctrl+P pauses and resumes, the primary menu and the About
 * window (helpers in app-test.h). The windows here belong to a registered PatinaApplication, so
 * its accelerators (Ctrl+Q, Ctrl+?), app.about and the help overlay exist as in the app. */
#include <adwaita.h>
#include <string.h>

#include "app-test.h"

#include "patina-application.h"
#include "patina-data-page.h"
#include "patina-job.h"
#include "patina-settings.h"

static PatinaApplication *app;

static void app_fixture_set_up(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  f->tmp = g_dir_make_tmp("patina-app-XXXXXX", NULL);
  g_assert_nonnull(f->tmp);
  f->window = g_object_ref_sink(patina_window_new(GTK_APPLICATION(app)));
  gtk_window_present(GTK_WINDOW(f->window));
  wait_for(window_mapped, f->window, "the window to be mapped");
}

/* ---- shortcuts ---- */

static gboolean trigger_matches(GtkShortcutTrigger *trigger, guint keyval, GdkModifierType mods)
{
  if (GTK_IS_KEYVAL_TRIGGER(trigger))
    return gtk_keyval_trigger_get_keyval(GTK_KEYVAL_TRIGGER(trigger)) ==
             gdk_keyval_to_lower(keyval) &&
           gtk_keyval_trigger_get_modifiers(GTK_KEYVAL_TRIGGER(trigger)) == mods;
  if (GTK_IS_ALTERNATIVE_TRIGGER(trigger))
    return trigger_matches(
             gtk_alternative_trigger_get_first(GTK_ALTERNATIVE_TRIGGER(trigger)), keyval, mods) ||
           trigger_matches(
             gtk_alternative_trigger_get_second(GTK_ALTERNATIVE_TRIGGER(trigger)), keyval, mods);
  return FALSE;
}

/* A shortcut controller of widget's own: not one of those through which a window runs the
 * controllers it manages (those list the managed shortcuts again). */
static gboolean own_shortcut_controller(gpointer controller)
{
  return GTK_IS_SHORTCUT_CONTROLLER(controller) &&
         !g_str_has_prefix(gtk_event_controller_get_name(controller) ?: "",
                           "gtk-shortcut-manager");
}

/* Whether shortcut has the trigger keyval+mods and runs the detailed action (name and target
 * as g_action_parse_detailed_name gives them). */
static gboolean shortcut_runs(GtkShortcut *shortcut, guint keyval, GdkModifierType mods,
                              const char *name, GVariant *target)
{
  GtkShortcutAction *action = gtk_shortcut_get_action(shortcut);
  if (!GTK_IS_NAMED_ACTION(action) ||
      g_strcmp0(gtk_named_action_get_action_name(GTK_NAMED_ACTION(action)), name) != 0 ||
      !trigger_matches(gtk_shortcut_get_trigger(shortcut), keyval, mods))
    return FALSE;
  GVariant *args = gtk_shortcut_get_arguments(shortcut);
  if (!target || !args)
    return target == args;
  return g_variant_equal(target, args);
}

/* Whether the action named name is there for widget: a widget-class action of it or of an
 * ancestor, or a GAction of the window ("win.") or the application ("app."). */
static gboolean action_exists(GtkWidget *widget, const char *name)
{
  for (GtkWidget *w = widget; w; w = gtk_widget_get_parent(w)) {
    GtkWidgetClass *klass = GTK_WIDGET_GET_CLASS(w);
    GType owner;
    const char *installed = NULL, *property = NULL;
    const GVariantType *parameter = NULL;
    for (guint i = 0;
         gtk_widget_class_query_action(klass, i, &owner, &installed, &parameter, &property); i++)
      if (g_str_equal(installed, name))
        return TRUE;
  }
  GtkRoot *root = gtk_widget_get_root(widget);
  if (g_str_has_prefix(name, "win.") && G_IS_ACTION_GROUP(root))
    return g_action_group_has_action(G_ACTION_GROUP(root), name + 4);
  if (g_str_has_prefix(name, "app."))
    return g_action_group_has_action(G_ACTION_GROUP(app), name + 4);
  return FALSE;
}

/* The widget under root (root included) one of whose shortcut controllers binds the trigger to
 * the action, or NULL. */
static GtkWidget *find_binding(GtkWidget *root, guint keyval, GdkModifierType mods,
                               const char *name, GVariant *target)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers(root);
  for (guint i = 0; i < g_list_model_get_n_items(controllers); i++) {
    g_autoptr(GObject) controller = g_list_model_get_item(controllers, i);
    if (!own_shortcut_controller(controller))
      continue;
    GListModel *shortcuts = G_LIST_MODEL(controller);
    for (guint k = 0; k < g_list_model_get_n_items(shortcuts); k++) {
      g_autoptr(GtkShortcut) shortcut = g_list_model_get_item(shortcuts, k);
      if (shortcut_runs(shortcut, keyval, mods, name, target))
        return root;
    }
  }
  for (GtkWidget *c = gtk_widget_get_first_child(root); c; c = gtk_widget_get_next_sibling(c)) {
    GtkWidget *found = find_binding(c, keyval, mods, name, target);
    if (found)
      return found;
  }
  return NULL;
}

static void assert_bound(PatinaWindow *window, const char *title, const char *accel,
                         const char *detailed_action)
{
  guint keyval = 0;
  GdkModifierType mods = 0;
  if (!gtk_accelerator_parse(accel, &keyval, &mods) || keyval == 0)
    g_error("“%s”: the accelerator “%s” does not parse", title, accel);
  g_autofree char *name = NULL;
  g_autoptr(GVariant) target = NULL;
  g_autoptr(GError) error = NULL;
  if (!g_action_parse_detailed_name(detailed_action, &name, &target, &error))
    g_error("“%s”: “%s” is not an action name: %s", title, detailed_action, error->message);
  GtkWidget *owner = find_binding(GTK_WIDGET(window), keyval, mods, name, target);
  if (!owner) {
    /* the application's accelerators (gtk_application_set_accels_for_action) */
    g_auto(GStrv) accels =
      gtk_application_get_accels_for_action(GTK_APPLICATION(app), detailed_action);
    for (guint i = 0; accels[i] && !owner; i++) {
      guint k = 0;
      GdkModifierType m = 0;
      if (gtk_accelerator_parse(accels[i], &k, &m) && gdk_keyval_to_lower(k) ==
                                                        gdk_keyval_to_lower(keyval) && m == mods)
        owner = GTK_WIDGET(window);
    }
  }
  if (!owner)
    g_error("“%s”: the overlay lists %s for %s, but no shortcut binds it", title, accel,
            detailed_action);
  if (!action_exists(owner, name))
    g_error("“%s”: %s is bound to %s, which %s does not have", title, accel, name,
            G_OBJECT_TYPE_NAME(owner));
}

/* Every entry of the Keyboard Shortcuts window names, in its id, the action (or one action per
 * accelerator, or actions that all share it) its accelerator runs: each such shortcut exists
 * on the window or a page, and the action too. */
static void test_help_overlay_bindings(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  g_autoptr(GtkBuilder) b =
    gtk_builder_new_from_resource("/org/patina/Patina/gtk/help-overlay.ui");
  GSList *objects = gtk_builder_get_objects(b);
  guint checked = 0;
  for (GSList *l = objects; l; l = l->next) {
    if (!GTK_IS_SHORTCUTS_SHORTCUT(l->data))
      continue;
    g_autofree char *title = NULL, *accelerator = NULL;
    g_object_get(l->data, "title", &title, "accelerator", &accelerator, NULL);
    const char *id = gtk_buildable_get_buildable_id(GTK_BUILDABLE(l->data));
    if (!id || !strchr(id, '.'))
      g_error("“%s” in help-overlay.ui has no action name as its id", title);
    g_auto(GStrv) accels = g_strsplit(accelerator, " ", -1);
    g_auto(GStrv) actions = g_strsplit(id, " ", -1);
    guint n_accels = g_strv_length(accels), n_actions = g_strv_length(actions);
    g_assert_cmpuint(n_accels, >, 0);
    for (guint i = 0; i < n_accels; i++) {
      if (n_actions == n_accels) {
        assert_bound(f->window, title, accels[i], actions[i]);
        checked++;
      } else {
        for (guint k = 0; k < n_actions; k++, checked++)
          assert_bound(f->window, title, accels[i], actions[k]);
      }
    }
  }
  g_slist_free(objects);
  g_test_message("%u accelerators of the overlay checked", checked);
  g_assert_cmpuint(checked, >=, 30);
  gtk_window_destroy(GTK_WINDOW(gtk_builder_get_object(b, "help_overlay")));

  /* the check can fail: a trigger no shortcut has is not found */
  g_assert_null(find_binding(GTK_WIDGET(f->window), GDK_KEY_F12, GDK_CONTROL_MASK,
                             "win.save-model", NULL));
}

/* Runs the first shortcut of controller matching keyval+mods whose action runs on widget. */
static gboolean run_shortcuts(GtkShortcutController *controller, GtkWidget *widget, guint keyval,
                              GdkModifierType mods)
{
  GListModel *shortcuts = G_LIST_MODEL(controller);
  for (guint k = 0; k < g_list_model_get_n_items(shortcuts); k++) {
    g_autoptr(GtkShortcut) s = g_list_model_get_item(shortcuts, k);
    if (trigger_matches(gtk_shortcut_get_trigger(s), keyval, mods) &&
        gtk_shortcut_action_activate(gtk_shortcut_get_action(s), 0, widget,
                                     gtk_shortcut_get_arguments(s)))
      return TRUE;
  }
  return FALSE;
}

/* The shortcut controllers under root that the window manages (scope managed or global), run
 * as GTK runs them: only on widgets that are mapped and sensitive. */
static gboolean run_managed(GtkWidget *root, guint keyval, GdkModifierType mods)
{
  if (!gtk_widget_get_mapped(root) || !gtk_widget_is_sensitive(root))
    return FALSE;
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers(root);
  for (guint i = 0; i < g_list_model_get_n_items(controllers); i++) {
    g_autoptr(GObject) c = g_list_model_get_item(controllers, i);
    if (own_shortcut_controller(c) &&
        gtk_shortcut_controller_get_scope(GTK_SHORTCUT_CONTROLLER(c)) != GTK_SHORTCUT_SCOPE_LOCAL &&
        run_shortcuts(GTK_SHORTCUT_CONTROLLER(c), root, keyval, mods))
      return TRUE;
  }
  for (GtkWidget *c = gtk_widget_get_first_child(root); c; c = gtk_widget_get_next_sibling(c))
    if (run_managed(c, keyval, mods))
      return TRUE;
  return FALSE;
}

/* Presses accel as GTK would: the local shortcuts of the focus widget and its ancestors,
 * nearest first, then those the window manages, each tried until one runs (a disabled action
 * passes the key on). */
static gboolean press(PatinaWindow *window, const char *accel)
{
  guint keyval = 0;
  GdkModifierType mods = 0;
  g_assert_true(gtk_accelerator_parse(accel, &keyval, &mods));
  GtkWidget *focus = gtk_root_get_focus(GTK_ROOT(window));
  for (GtkWidget *w = focus ? focus : GTK_WIDGET(window); w; w = gtk_widget_get_parent(w)) {
    g_autoptr(GListModel) controllers = gtk_widget_observe_controllers(w);
    for (guint i = 0; i < g_list_model_get_n_items(controllers); i++) {
      g_autoptr(GObject) c = g_list_model_get_item(controllers, i);
      if (own_shortcut_controller(c) &&
          gtk_shortcut_controller_get_scope(GTK_SHORTCUT_CONTROLLER(c)) ==
            GTK_SHORTCUT_SCOPE_LOCAL &&
          run_shortcuts(GTK_SHORTCUT_CONTROLLER(c), w, keyval, mods))
        return TRUE;
    }
  }
  return run_managed(GTK_WIDGET(window), keyval, mods);
}

static gboolean job_has_progress(gpointer job)
{
  return patina_job_get_fraction(job) > 0;
}

static gboolean job_paused(gpointer job)
{
  return patina_job_get_state(job) == PATINA_JOB_PAUSED;
}

/* One key, Ctrl+P, pauses a running training and resumes a paused one. */
static void test_pause_resume_key(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  set_train_settings(1000);
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  g_assert_false(press(f->window, "<Control>p")); /* nothing to pause */
  activate(f, "win.train-start", NULL);
  PatinaJob *job = patina_workspace_get_job(ws);
  wait_for(job_has_progress, job, "the first batch");
  g_assert_true(press(f->window, "<Control>p"));
  g_assert_cmpint(patina_job_get_state(job), ==, PATINA_JOB_PAUSING);
  wait_for(job_paused, job, "the worker to pause");
  g_assert_true(press(f->window, "<Control>p"));
  g_assert_cmpint(patina_job_get_state(job), ==, PATINA_JOB_RUNNING);
  activate(f, "win.train-stop", NULL);
  wait_for(job_finished, ws, "the training to stop");
}

static GtkWindow *toplevel_titled(const char *title)
{
  GListModel *toplevels = gtk_window_get_toplevels();
  for (guint i = 0; i < g_list_model_get_n_items(toplevels); i++) {
    g_autoptr(GtkWindow) w = g_list_model_get_item(toplevels, i);
    if (gtk_widget_get_visible(GTK_WIDGET(w)) && g_strcmp0(gtk_window_get_title(w), title) == 0)
      return w;
  }
  return NULL;
}

/* Ctrl+E on the Train page exports its chart (its chart view's file chooser opens), with the
 * focus in the page or nowhere (as after a click on the view switcher); on another page it
 * does not. */
static void test_train_page_chart_key(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  activate(f, "win.show-page", g_variant_new_string("layers"));
  settle();
  gtk_window_set_focus(GTK_WINDOW(f->window), NULL);
  press(f->window, "<Control>e"); /* the Layers page's, disabled without a model */
  settle();
  g_assert_null(toplevel_titled("Export Chart"));

  activate(f, "win.show-page", g_variant_new_string("train"));
  settle();
  gtk_window_set_focus(GTK_WINDOW(f->window), NULL);
  g_assert_true(press(f->window, "<Control>e"));
  settle();
  GtkWindow *chooser = toplevel_titled("Export Chart");
  g_assert_nonnull(chooser);
  g_assert_true(gtk_window_get_transient_for(chooser) == GTK_WINDOW(f->window));
  gtk_window_close(chooser);
  settle();

  GtkWidget *start = find_actionable(patina_window_get_page(f->window, "train"), "win.train-start");
  g_assert_nonnull(start);
  g_assert_true(gtk_widget_grab_focus(start));
  g_assert_true(press(f->window, "<Control>e"));
  settle();
  g_assert_nonnull(toplevel_titled("Export Chart"));
}

static gboolean viewer_loaded(gpointer viewer)
{
  return patina_image_viewer_is_loaded(viewer);
}

/* The image viewer's zoom keys work with the focus anywhere while it shows an image, and do
 * nothing once Esc has closed it. */
static void test_viewer_keys(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  PatinaDataPage *data = PATINA_DATA_PAGE(patina_window_get_page(f->window, "data"));
  const PatinaDataset *ds = patina_workspace_get_dataset(patina_window_get_workspace(f->window));
  const char *path = g_array_index(ds->samples, PatinaSample, 0).path;
  activate(f, "win.show-image", g_variant_new_string(path));
  PatinaImageViewer *viewer = patina_data_page_get_viewer(data);
  wait_for(viewer_loaded, viewer, "the image to be decoded");
  settle();
  gtk_window_set_focus(GTK_WINDOW(f->window), NULL);
  double zoom = patina_image_viewer_get_zoom(viewer);
  g_assert_true(press(f->window, "<Control>plus"));
  settle();
  g_assert_cmpfloat(patina_image_viewer_get_zoom(viewer), >, zoom);
  g_assert_true(press(f->window, "<Control>1"));
  settle();
  g_assert_cmpfloat(patina_image_viewer_get_zoom(viewer), ==, 1.0);
  g_assert_true(press(f->window, "Escape"));
  settle();
  g_assert_false(patina_data_page_get_viewer_visible(data));
  g_assert_false(press(f->window, "<Control>plus"));
}

/* ---- menu and About ---- */

/* The item an open menu shows for a label: GtkPopoverMenu's private GtkModelButton, whose
 * sensitivity follows its action's enabled state. */
static GtkWidget *find_menu_item(GtkWidget *root, const char *label)
{
  if (g_str_equal(G_OBJECT_TYPE_NAME(root), "GtkModelButton")) {
    g_autofree char *text = NULL;
    g_object_get(root, "text", &text, NULL);
    if (g_strcmp0(text, label) == 0)
      return root;
  }
  for (GtkWidget *c = gtk_widget_get_first_child(root); c; c = gtk_widget_get_next_sibling(c)) {
    GtkWidget *found = find_menu_item(c, label);
    if (found)
      return found;
  }
  return NULL;
}

static char *menu_label(GMenuModel *menu, const char *action);

/* The menu button whose menu has an item for action. */
static GtkMenuButton *find_menu_button(GtkWidget *root, const char *action)
{
  if (GTK_IS_MENU_BUTTON(root)) {
    GMenuModel *menu = gtk_menu_button_get_menu_model(GTK_MENU_BUTTON(root));
    g_autofree char *label = menu ? menu_label(menu, action) : NULL;
    if (label)
      return GTK_MENU_BUTTON(root);
  }
  for (GtkWidget *c = gtk_widget_get_first_child(root); c; c = gtk_widget_get_next_sibling(c)) {
    GtkMenuButton *found = find_menu_button(c, action);
    if (found)
      return found;
  }
  return NULL;
}

/* The label of the menu item (sections and submenus included) whose action is action. */
static char *menu_label(GMenuModel *menu, const char *action)
{
  for (int i = 0; i < g_menu_model_get_n_items(menu); i++) {
    g_autofree char *item_action = NULL, *label = NULL;
    g_menu_model_get_item_attribute(menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &item_action);
    g_menu_model_get_item_attribute(menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label);
    if (g_strcmp0(item_action, action) == 0)
      return g_steal_pointer(&label);
    static const char *const links[] = {G_MENU_LINK_SECTION, G_MENU_LINK_SUBMENU};
    for (guint k = 0; k < G_N_ELEMENTS(links); k++) {
      g_autoptr(GMenuModel) linked = g_menu_model_get_item_link(menu, i, links[k]);
      char *found = linked ? menu_label(linked, action) : NULL;
      if (found)
        return found;
    }
  }
  return NULL;
}

/* The primary menu offers Open Data Set, Open Model, Preferences, Keyboard Shortcuts and
 * About, each enabled in the open menu; the window has the shortcuts window to show. */
static void test_primary_menu(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  GtkMenuButton *button = find_menu_button(GTK_WIDGET(f->window), "app.about");
  g_assert_nonnull(button);
  GMenuModel *menu = gtk_menu_button_get_menu_model(button);
  gtk_menu_button_popup(button);
  settle();
  GtkWidget *popover = GTK_WIDGET(gtk_menu_button_get_popover(button));
  g_assert_true(gtk_widget_get_mapped(popover));
  static const struct {
    const char *action, *label;
  } items[] = {
    {"win.open-dataset", "_Open Data Set"}, {"win.open-model", "Open _Model"},
    {"win.preferences", "_Preferences"},   {"win.show-help-overlay", "_Keyboard Shortcuts"},
    {"app.about", "_About Patina"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(items); i++) {
    g_autofree char *label = menu_label(menu, items[i].action);
    if (!label)
      g_error("the primary menu has no item for %s", items[i].action);
    g_assert_nonnull(strstr(label, items[i].label));
    g_autoptr(GString) shown = g_string_new(label);
    g_string_replace(shown, "_", "", 0); /* the mnemonic's mark */
    GtkWidget *item = find_menu_item(popover, shown->str);
    g_assert_nonnull(item);
    if (!gtk_widget_is_sensitive(item))
      g_error("the menu item %s (%s) is disabled", label, items[i].action);
  }
  gtk_menu_button_popdown(button);
  settle();

  /* what Keyboard Shortcuts shows: the application loaded help-overlay.ui for the window.
   * (Not shown here: GTK 4.8's shortcuts window warns about its own key caps' sizes.) */
  GtkShortcutsWindow *overlay =
    gtk_application_window_get_help_overlay(GTK_APPLICATION_WINDOW(f->window));
  g_assert_nonnull(overlay);
  g_assert_true(GTK_IS_SHORTCUTS_WINDOW(overlay));
}

static AdwAboutWindow *find_about(void)
{
  GListModel *toplevels = gtk_window_get_toplevels();
  for (guint i = 0; i < g_list_model_get_n_items(toplevels); i++) {
    g_autoptr(GObject) w = g_list_model_get_item(toplevels, i);
    if (ADW_IS_ABOUT_WINDOW(w) && gtk_widget_get_visible(GTK_WIDGET(w)))
      return ADW_ABOUT_WINDOW(w);
  }
  return NULL;
}

static gboolean about_shown(gpointer data)
{
  (void) data;
  return find_about() != NULL;
}

/* app.about opens the About window with the application's name and version, over the window. */
static void test_about(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  g_assert_null(find_about());
  g_assert_true(g_action_group_get_action_enabled(G_ACTION_GROUP(app), "about"));
  g_action_group_activate_action(G_ACTION_GROUP(app), "about", NULL);
  wait_for(about_shown, NULL, "the About window");
  AdwAboutWindow *about = find_about();
  g_assert_cmpstr(adw_about_window_get_application_name(about), ==, "Patina");
  g_assert_cmpstr(adw_about_window_get_version(about), ==, PACKAGE_VERSION);
  g_assert_cmpstr(adw_about_window_get_application_icon(about), ==, "org.patina.Patina");
  g_assert_true(gtk_window_get_transient_for(GTK_WINDOW(about)) == GTK_WINDOW(f->window));
  gtk_window_destroy(GTK_WINDOW(about));
  settle();
}

int main(int argc, char **argv)
{
  app_test_init(&argc, &argv);
  app = patina_application_new();
  g_application_set_flags(G_APPLICATION(app),
                          g_application_get_flags(G_APPLICATION(app)) | G_APPLICATION_NON_UNIQUE);
  g_autoptr(GError) error = NULL;
  /* startup: app.about, app.quit and the application's accelerators */
  g_assert_true(g_application_register(G_APPLICATION(app), NULL, &error));
  g_assert_no_error(error);
  g_test_add("/window/help-overlay-bindings", Fixture, NULL, app_fixture_set_up,
             test_help_overlay_bindings, fixture_tear_down);
  g_test_add("/window/pause-resume-key", Fixture, NULL, app_fixture_set_up,
             test_pause_resume_key, fixture_tear_down);
  g_test_add("/window/train-page-chart-key", Fixture, NULL, app_fixture_set_up,
             test_train_page_chart_key, fixture_tear_down);
  g_test_add("/window/viewer-keys", Fixture, NULL, app_fixture_set_up, test_viewer_keys,
             fixture_tear_down);
  g_test_add("/window/primary-menu", Fixture, NULL, app_fixture_set_up, test_primary_menu,
             fixture_tear_down);
  g_test_add("/window/about", Fixture, NULL, app_fixture_set_up, test_about, fixture_tear_down);
  int status = app_test_run();
  g_object_unref(app);
  return status;
}
