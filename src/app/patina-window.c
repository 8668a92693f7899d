#include "patina-window-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "data/demo.h"
#include "patina-chart-view.h"
#include "patina-file-chooser.h"
#include "patina-settings.h"
#include "patina-window-data.h"


G_DEFINE_FINAL_TYPE(PatinaWindow, patina_window, ADW_TYPE_APPLICATION_WINDOW)

void patina_window_toast(PatinaWindow *self, const char *message)
{
  g_free(self->last_toast);
  self->last_toast = g_strdup(message);
  self->n_toasts++;
  AdwToast *toast = adw_toast_new(message);
  adw_toast_set_timeout(toast, 5);

  /* The newest message matters most: it replaces the one showing instead of queueing. */
  if (self->toast) {
    AdwToast *old = self->toast;
    g_object_remove_weak_pointer(G_OBJECT(old), (gpointer *) &self->toast);
    adw_toast_dismiss(old);
  }
  self->toast = toast;
  g_object_add_weak_pointer(G_OBJECT(toast), (gpointer *) &self->toast);
  adw_toast_overlay_add_toast(self->toast_overlay, toast);
}

void patina_window_dismiss_toast(PatinaWindow *self)
{
  if (self->toast)
    adw_toast_dismiss(self->toast);
}

const char *patina_window_get_last_toast(PatinaWindow *self) { return self->last_toast; }
guint patina_window_get_n_toasts(PatinaWindow *self) { return self->n_toasts; }
PatinaWorkspace *patina_window_get_workspace(PatinaWindow *self) { return self->workspace; }

GtkWidget *patina_window_get_page(PatinaWindow *self, const char *name)
{
  return adw_view_stack_get_child_by_name(self->view_stack, name);
}

void patina_window_set_demo_per_class(PatinaWindow *self, int per_class)
{
  self->demo_per_class = MAX(per_class, 1);
}

static void update_actions(PatinaWindow *self)
{
  gboolean running = self->job && patina_job_is_active(self->job);
  gboolean have_data = patina_workspace_get_dataset(self->workspace) != NULL;
  /* Start stays enabled while running so a second start is answered with a message. */
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "win.train-start", have_data);
  PatinaJobState state = self->job ? patina_job_get_state(self->job) : PATINA_JOB_IDLE;
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "win.train-stop",
                                running && state != PATINA_JOB_STOPPING);
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "win.train-pause", state == PATINA_JOB_RUNNING);
  gboolean finished = state == PATINA_JOB_DONE || state == PATINA_JOB_CANCELLED;
  gboolean have_history = finished && patina_job_get_history(self->job)->len > 0;
  const char *save_actions[] = {"win.save-model", "win.save-model-path", "win.export-history",
                                "win.export-history-path"};
  for (guint i = 0; i < G_N_ELEMENTS(save_actions); i++)
    gtk_widget_action_set_enabled(GTK_WIDGET(self), save_actions[i], have_history);
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "win.train-resume",
                                state == PATINA_JOB_PAUSING || state == PATINA_JOB_PAUSED);
}

/* ---- data sets ---- */

static void open_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(PatinaWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  if (!patina_workspace_open_dataset_finish(PATINA_WORKSPACE(source), res, &error)) {
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_autofree char *msg = g_strdup_printf(_("Cannot open the data set: %s"), error->message);
      patina_window_toast(self, msg);
    }
    return;
  }
  /* The Data page shows what was opened; no toast needed. */
  g_settings_set_string(self->settings, "last-folder",
                        patina_workspace_get_dataset_path(self->workspace));
}

static void open_path(PatinaWindow *self, const char *path)
{
  patina_workspace_open_dataset_async(self->workspace, path, NULL, open_done,
                                      g_object_ref(self));
  adw_view_stack_set_visible_child_name(self->view_stack, "data");
}

void patina_window_open_file(PatinaWindow *self, GFile *file)
{
  g_return_if_fail(PATINA_IS_WINDOW(self) && G_IS_FILE(file));
  g_autofree char *path = g_file_get_path(file);
  if (!path) {
    patina_window_toast(self, _("Only local folders can be opened"));
    return;
  }
  /* Only something that exists gets "not a folder": a symbolic link loop or a broken link
   * goes on to the data set's own error, which says which of the two it is. */
  if (g_file_test(path, G_FILE_TEST_EXISTS) && !g_file_test(path, G_FILE_TEST_IS_DIR)) {
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *msg =
      g_strdup_printf(_("“%s” is not a folder: drop a data set folder with one sub-folder per class"),
                      base);
    patina_window_toast(self, msg);
    return;
  }
  open_path(self, path);
}

static gboolean on_drop(GtkDropTarget *target, const GValue *value, double x, double y,
                        gpointer user_data)
{
  (void) target;
  (void) x;
  (void) y;
  GSList *files = g_value_get_boxed(value);
  if (!files)
    return FALSE;
  patina_window_open_file(PATINA_WINDOW(user_data), files->data);
  return TRUE;
}

static void open_dataset_path_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  open_path(PATINA_WINDOW(widget), g_variant_get_string(param, NULL));
}

static void folder_chosen(GtkWidget *owner, GListModel *files)
{
  g_autoptr(GFile) file = g_list_model_get_item(files, 0);
  g_autofree char *path = g_file_get_path(file);
  if (path)
    open_path(PATINA_WINDOW(owner), path);
  else
    patina_window_toast(PATINA_WINDOW(owner), _("Only local folders can be opened"));
}

static void open_dataset_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  PatinaWindow *self = PATINA_WINDOW(widget);
  GtkFileChooserNative *chooser =
    patina_file_chooser_new(widget, &self->chooser, _("Open Data Set"),
                            GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"), folder_chosen);
  if (!chooser)
    return;
  g_autofree char *last = g_settings_get_string(self->settings, "last-folder");
  if (*last) {
    g_autofree char *parent = g_path_get_dirname(last);
    g_autoptr(GFile) folder = g_file_new_for_path(parent);
    gtk_file_chooser_set_current_folder(GTK_FILE_CHOOSER(chooser), folder, NULL);
  }
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

static void open_demo_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  PatinaWindow *self = PATINA_WINDOW(widget);
  g_autofree char *dir = patina_workspace_demo_dir();
  patina_workspace_open_demo_async(self->workspace, dir, self->demo_per_class, NULL, open_done,
                                   g_object_ref(self));
  adw_view_stack_set_visible_child_name(self->view_stack, "data");
}

/* ---- models ---- */

static void model_opened(GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(PatinaWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  if (patina_workspace_open_model_finish(PATINA_WORKSPACE(source), res, &error)) {
    g_autofree char *dir = g_path_get_dirname(patina_workspace_get_model_path(self->workspace));
    g_settings_set_string(self->settings, "last-model-folder", dir);
    return; /* the Predict page shows the model */
  }
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_autofree char *msg = NULL;
  const char *current = patina_workspace_get_model_path(self->workspace);
  if (current) {
    g_autofree char *base = g_path_get_basename(current);
    msg = g_strdup_printf(_("Cannot open the model: %s. Still using %s."), error->message, base);
  } else {
    msg = g_strdup_printf(_("Cannot open the model: %s"), error->message);
  }
  patina_window_toast(self, msg);
}

static void open_model_path(PatinaWindow *self, const char *path)
{
  patina_workspace_open_model_async(self->workspace, path, NULL, model_opened,
                                    g_object_ref(self));
}

static void open_model_path_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  open_model_path(PATINA_WINDOW(widget), g_variant_get_string(param, NULL));
}

static void model_chosen(GtkWidget *owner, GListModel *files)
{
  g_autoptr(GFile) file = g_list_model_get_item(files, 0);
  g_autofree char *path = g_file_get_path(file);
  if (path)
    open_model_path(PATINA_WINDOW(owner), path);
  else
    patina_window_toast(PATINA_WINDOW(owner), _("Only local files can be opened"));
}

static void open_model_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  PatinaWindow *self = PATINA_WINDOW(widget);
  GtkFileChooserNative *chooser =
    patina_file_chooser_new(widget, &self->chooser, _("Open Model"),
                            GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), model_chosen);
  if (!chooser)
    return;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new();
  gtk_file_filter_set_name(filter, _("Model checkpoints (.safetensors)"));
  gtk_file_filter_add_suffix(filter, "safetensors");
  gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), filter);
  g_autofree char *last = g_settings_get_string(self->settings, "last-model-folder");
  if (*last) {
    g_autoptr(GFile) folder = g_file_new_for_path(last);
    gtk_file_chooser_set_current_folder(GTK_FILE_CHOOSER(chooser), folder, NULL);
  }
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

/* ---- training ---- */

static void on_job_state(PatinaWindow *self)
{
  update_actions(self);
}

static void on_job_finished(PatinaWindow *self, PatinaJob *job)
{
  GArray *h = patina_job_get_history(job);
  g_autofree char *msg = NULL;
  switch (patina_job_get_state(job)) {
  case PATINA_JOB_DONE:
    if (h->len > 0 && !isnan(g_array_index(h, PatinaEpochRecord, h->len - 1).val_acc))
      msg = g_strdup_printf(_("Training finished: validation accuracy %.1f %%"),
                            100 * g_array_index(h, PatinaEpochRecord, h->len - 1).val_acc);
    else
      msg = g_strdup(_("Training finished"));
    break;
  case PATINA_JOB_CANCELLED:
    msg = g_strdup_printf(ngettext("Training stopped after %u epoch; the model so far is kept",
                                   "Training stopped after %u epochs; the model so far is kept",
                                   h->len),
                          h->len);
    break;
  case PATINA_JOB_FAILED:
    msg = g_strdup_printf(_("Training failed: %s"), patina_job_get_error_message(job));
    break;
  default:
    break;
  }
  if (msg)
    patina_window_toast(self, msg);
}

static void on_workspace_job(PatinaWindow *self)
{
  PatinaJob *job = patina_workspace_get_job(self->workspace);
  if (self->job)
    g_signal_handlers_disconnect_by_data(self->job, self);
  g_set_object(&self->job, job);
  if (job) {
    g_signal_connect_swapped(job, "notify::state", G_CALLBACK(on_job_state), self);
    g_signal_connect_swapped(job, "finished", G_CALLBACK(on_job_finished), self);
  }
  update_actions(self);
}

static void train_start_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  PatinaWindow *self = PATINA_WINDOW(widget);
  PatinaTrainConfig cfg;
  PatinaAugment augment;
  g_autoptr(GError) error = NULL;
  if (!patina_train_config_from_settings(self->settings, &cfg, &augment, &error) ||
      !patina_workspace_start_training(self->workspace, &cfg, &error)) {
    patina_window_toast(self, error->message);
    return;
  }
  adw_view_stack_set_visible_child_name(self->view_stack, "train");
}

static void train_stop_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  patina_workspace_stop(PATINA_WINDOW(widget)->workspace);
}

static void train_pause_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  PatinaJob *job = patina_workspace_get_job(PATINA_WINDOW(widget)->workspace);
  if (job)
    patina_job_pause(job);
}

static void train_resume_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  PatinaJob *job = patina_workspace_get_job(PATINA_WINDOW(widget)->workspace);
  if (job)
    patina_job_resume(job);
}

static void show_page_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  PatinaWindow *self = PATINA_WINDOW(widget);
  const char *page = g_variant_get_string(param, NULL);
  if (adw_view_stack_get_child_by_name(self->view_stack, page))
    adw_view_stack_set_visible_child_name(self->view_stack, page);
}

/* ---- lifecycle ---- */

static gboolean patina_window_close_request(GtkWindow *window)
{
  PatinaWindow *self = PATINA_WINDOW(window);
  int w, h;
  gtk_window_get_default_size(window, &w, &h);
  gboolean maximized = gtk_window_is_maximized(window);
  if (!maximized && w > 0 && h > 0) {
    g_settings_set_int(self->settings, "window-width", w);
    g_settings_set_int(self->settings, "window-height", h);
  }
  g_settings_set_boolean(self->settings, "window-maximized", maximized);
  patina_workspace_close(self->workspace);
  return GTK_WINDOW_CLASS(patina_window_parent_class)->close_request(window);
}

static void patina_window_dispose(GObject *object)
{
  PatinaWindow *self = PATINA_WINDOW(object);
  if (self->toast)
    g_object_remove_weak_pointer(G_OBJECT(self->toast), (gpointer *) &self->toast);
  self->toast = NULL;
  if (self->job)
    g_signal_handlers_disconnect_by_data(self->job, self);
  g_clear_object(&self->job);
  patina_file_chooser_close(&self->chooser);
  gtk_widget_dispose_template(GTK_WIDGET(self), PATINA_TYPE_WINDOW);
  g_clear_object(&self->workspace);
  g_clear_object(&self->settings);
  G_OBJECT_CLASS(patina_window_parent_class)->dispose(object);
}

static void patina_window_finalize(GObject *object)
{
  g_free(PATINA_WINDOW(object)->last_toast);
  G_OBJECT_CLASS(patina_window_parent_class)->finalize(object);
}

static void patina_window_class_init(PatinaWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS(klass);
  object_class->dispose = patina_window_dispose;
  object_class->finalize = patina_window_finalize;
  window_class->close_request = patina_window_close_request;

  g_type_ensure(PATINA_TYPE_DATA_PAGE);
  g_type_ensure(PATINA_TYPE_AUGMENT_PAGE);
  g_type_ensure(PATINA_TYPE_TRAIN_PAGE);
  g_type_ensure(PATINA_TYPE_RUNS_PAGE);
  g_type_ensure(PATINA_TYPE_CHART_VIEW); /* in the Train page's .ui */
  g_type_ensure(PATINA_TYPE_PREDICT_PAGE);
  g_type_ensure(PATINA_TYPE_LAYERS_PAGE);
  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/org/patina/Patina/ui/patina-window.ui");
  gtk_widget_class_bind_template_child(widget_class, PatinaWindow, toast_overlay);
  patina_window_data_class_init(widget_class); /* recent data sets, show-image, preferences */
  gtk_widget_class_bind_template_child(widget_class, PatinaWindow, view_stack);
  gtk_widget_class_bind_template_child(widget_class, PatinaWindow, data_page);
  gtk_widget_class_bind_template_child(widget_class, PatinaWindow, augment_page);
  gtk_widget_class_bind_template_child(widget_class, PatinaWindow, train_page);
  gtk_widget_class_bind_template_child(widget_class, PatinaWindow, runs_page);
  gtk_widget_class_bind_template_child(widget_class, PatinaWindow, predict_page);
  gtk_widget_class_bind_template_child(widget_class, PatinaWindow, layers_page);

  gtk_widget_class_install_action(widget_class, "win.open-dataset", NULL, open_dataset_action);
  gtk_widget_class_install_action(widget_class, "win.open-dataset-path", "s",
                                  open_dataset_path_action);
  gtk_widget_class_install_action(widget_class, "win.open-demo", NULL, open_demo_action);
  gtk_widget_class_install_action(widget_class, "win.open-model", NULL, open_model_action);
  gtk_widget_class_install_action(widget_class, "win.open-model-path", "s",
                                  open_model_path_action);
  gtk_widget_class_install_action(widget_class, "win.train-start", NULL, train_start_action);
  gtk_widget_class_install_action(widget_class, "win.train-stop", NULL, train_stop_action);
  gtk_widget_class_install_action(widget_class, "win.train-pause", NULL, train_pause_action);
  gtk_widget_class_install_action(widget_class, "win.train-resume", NULL, train_resume_action);
  patina_window_save_install_actions(widget_class);
  gtk_widget_class_install_action(widget_class, "win.show-page", "s", show_page_action);

  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                      "win.open-dataset", NULL);
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_m, GDK_CONTROL_MASK,
                                      "win.open-model", NULL);
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                      "win.train-start", NULL);
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_period, GDK_CONTROL_MASK,
                                      "win.train-stop", NULL);
  /* one key for both: a shortcut whose action is disabled lets the next one with the same
   * trigger run, so Ctrl+P pauses a running training and resumes a paused one */
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_p, GDK_CONTROL_MASK,
                                      "win.train-pause", NULL);
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_p, GDK_CONTROL_MASK,
                                      "win.train-resume", NULL);
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                      "win.save-model", NULL);
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.show-page",
                                      "s", "data");
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.show-page",
                                      "s", "augment");
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_3, GDK_ALT_MASK, "win.show-page",
                                      "s", "train");
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_4, GDK_ALT_MASK, "win.show-page",
                                      "s", "runs");
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_5, GDK_ALT_MASK, "win.show-page",
                                      "s", "predict");
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_6, GDK_ALT_MASK, "win.show-page",
                                      "s", "layers");
}

/* A page's own shortcuts (Ctrl+E, Ctrl+R, Esc...) are bindings of its class, which GTK runs only
 * for a key pressed while the focus is inside the page: after a click on the view switcher, or
 * with the focus on a page that was just hidden, they did nothing. Managed by the window instead,
 * they run wherever the focus is in it, and GTK skips them while the page is unmapped, so only
 * the visible page's shortcuts answer. */
static void page_shortcuts_follow_visibility(GtkWidget *page)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers(page);
  for (guint i = 0; i < g_list_model_get_n_items(controllers); i++) {
    g_autoptr(GtkEventController) c = g_list_model_get_item(controllers, i);
    if (GTK_IS_SHORTCUT_CONTROLLER(c) &&
        g_strcmp0(gtk_event_controller_get_name(c), "gtk-widget-class-shortcuts") == 0)
      gtk_shortcut_controller_set_scope(GTK_SHORTCUT_CONTROLLER(c), GTK_SHORTCUT_SCOPE_MANAGED);
  }
}

static void patina_window_init(PatinaWindow *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  self->demo_per_class = PATINA_DEMO_PER_CLASS;
  self->settings = patina_settings_new();
  gtk_window_set_default_size(GTK_WINDOW(self), g_settings_get_int(self->settings, "window-width"),
                              g_settings_get_int(self->settings, "window-height"));
  if (g_settings_get_boolean(self->settings, "window-maximized"))
    gtk_window_maximize(GTK_WINDOW(self));

  GtkDropTarget *drop = gtk_drop_target_new(GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect(drop, "drop", G_CALLBACK(on_drop), self);
  gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(drop));

  self->workspace = patina_workspace_new();
  patina_data_page_set_workspace(self->data_page, self->workspace);
  patina_window_data_init(self);
  patina_augment_page_set_workspace(self->augment_page, self->workspace);
  patina_train_page_set_workspace(self->train_page, self->workspace);
  patina_runs_page_set_workspace(self->runs_page, self->workspace);
  patina_predict_page_set_workspace(self->predict_page, self->workspace);
  patina_layers_page_set_workspace(self->layers_page, self->workspace);
  GtkWidget *pages[] = {GTK_WIDGET(self->data_page),    GTK_WIDGET(self->augment_page),
                        GTK_WIDGET(self->train_page),   GTK_WIDGET(self->runs_page),
                        GTK_WIDGET(self->predict_page), GTK_WIDGET(self->layers_page),
                        /* its zoom keys, while the Data page shows an image */
                        GTK_WIDGET(patina_data_page_get_viewer(self->data_page))};
  for (guint i = 0; i < G_N_ELEMENTS(pages); i++)
    page_shortcuts_follow_visibility(pages[i]);
  g_signal_connect_object(self->workspace, "notify::job", G_CALLBACK(on_workspace_job), self,
                          G_CONNECT_SWAPPED);
  g_signal_connect_object(self->workspace, "notify::dataset", G_CALLBACK(update_actions), self,
                          G_CONNECT_SWAPPED);
  update_actions(self);
}

PatinaWindow *patina_window_new(GtkApplication *app)
{
  return g_object_new(PATINA_TYPE_WINDOW, "application", app, NULL);
}
