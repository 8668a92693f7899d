#include "patina-runs-page.h"

#include <glib/gi18n.h>
#include <math.h>

#include "patina-chart-view.h"
#include "patina-runs-columns.h"
#include "patina-settings.h"
#include "patina-window.h"

struct _PatinaRunsPage {
  GtkWidget parent_instance;

  GtkSearchEntry *search_entry;
  GtkLabel *count_label;
  GtkStack *list_stack;
  GtkColumnView *column_view;
  PatinaChart *chart;

  GListStore *store;            /* PatinaRun, newest first */
  GtkCustomFilter *filter;
  GtkFilterListModel *filtered;
  GtkSortListModel *sorted;
  char **filter_words;          /* casefolded words of the search entry */

  PatinaWorkspace *workspace;
  PatinaJob *job;               /* followed for "finished" */
  GCancellable *scan_cancellable;
  guint n_scans;
  guint n_deleting;
  GHashTable *pending_deletes;  /* id -> PatinaRun hidden behind an Undo toast */
  AdwToast *undo_toast;         /* weak */
  gboolean disposed;            /* workers may report after the widgets are gone */
};

G_DEFINE_FINAL_TYPE(PatinaRunsPage, patina_runs_page, GTK_TYPE_WIDGET)

static void toast(PatinaRunsPage *self, const char *message)
{
  GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
  if (PATINA_IS_WINDOW(root))
    patina_window_toast(PATINA_WINDOW(root), message);
}

/* ---- what is shown ---- */

static void update_stack(PatinaRunsPage *self)
{
  guint total = g_list_model_get_n_items(G_LIST_MODEL(self->store));
  guint shown = g_list_model_get_n_items(G_LIST_MODEL(self->filtered));
  gtk_stack_set_visible_child_name(self->list_stack, total == 0   ? "empty"
                                                     : shown == 0 ? "no-match"
                                                                  : "list");
  g_autofree char *count =
    shown == total ? g_strdup_printf(ngettext("%u run", "%u runs", total), total)
                   : g_strdup_printf(ngettext("%u of %u run", "%u of %u runs", total), shown,
                                     total);
  gtk_label_set_label(self->count_label, total ? count : "");
}

/* The ticked runs' curves, oldest first so colours stay put as new runs arrive. */
static void update_chart(PatinaRunsPage *self)
{
  patina_chart_clear(self->chart);
  int epochs = 1;
  guint n = g_list_model_get_n_items(G_LIST_MODEL(self->store));
  for (guint i = n; i-- > 0;) {
    g_autoptr(PatinaRun) run = g_list_model_get_item(G_LIST_MODEL(self->store), i);
    if (!patina_run_get_ticked(run))
      continue;
    g_autofree char *label = patina_run_get_label(run);
    guint s = patina_chart_add_series(self->chart, label);
    GArray *h = patina_run_get_history(run);
    for (guint k = 0; k < h->len; k++) {
      const PatinaEpochRecord *r = &g_array_index(h, PatinaEpochRecord, k);
      patina_chart_series_add_epoch(self->chart, s, r->epoch, r->train_loss, r->train_acc,
                                    r->val_loss, r->val_acc);
      epochs = MAX(epochs, r->epoch);
    }
  }
  patina_chart_set_epochs(self->chart, epochs);
}

static gboolean filter_run(gpointer item, gpointer user_data)
{
  PatinaRunsPage *self = user_data;
  if (!self->filter_words || !self->filter_words[0])
    return TRUE;
  g_autofree char *text = NULL;
  g_object_get(item, "search-text", &text, NULL);
  g_autofree char *folded = g_utf8_casefold(text ? text : "", -1);
  for (char **w = self->filter_words; *w; w++)
    if (**w && !strstr(folded, *w))
      return FALSE;
  return TRUE;
}

static void set_filter_text(PatinaRunsPage *self, const char *text)
{
  g_autofree char *folded = g_utf8_casefold(text, -1);
  g_strfreev(self->filter_words);
  self->filter_words = g_strsplit_set(g_strstrip(folded), " \t", -1);
  gtk_filter_changed(GTK_FILTER(self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_stack(self);
}

static void on_search_changed(PatinaRunsPage *self)
{
  set_filter_text(self, gtk_editable_get_text(GTK_EDITABLE(self->search_entry)));
}

/* ---- scanning ---- */

static void scan_worker(GTask *task, gpointer source, gpointer task_data,
                        GCancellable *cancellable)
{
  (void) source;
  GError *error = NULL;
  GPtrArray *runs = patina_runs_scan(task_data, cancellable, &error);
  if (runs)
    g_task_return_pointer(task, runs, (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_error(task, error);
}

static void scanned(GObject *source, GAsyncResult *res, gpointer user_data)
{
  (void) user_data;
  PatinaRunsPage *self = PATINA_RUNS_PAGE(source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = g_task_propagate_pointer(G_TASK(res), &error);
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->disposed)
    return; /* a newer scan replaces this one, or the page is gone */
  g_clear_object(&self->scan_cancellable);
  self->n_scans++;
  if (!runs) {
    g_autofree char *msg = g_strdup_printf(_("Cannot read the runs folder: %s"), error->message);
    toast(self, msg);
    return;
  }
  /* Ticks survive a rescan; runs waiting for their deletion stay hidden. */
  g_autoptr(GHashTable) ticked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < g_list_model_get_n_items(G_LIST_MODEL(self->store)); i++) {
    g_autoptr(PatinaRun) run = g_list_model_get_item(G_LIST_MODEL(self->store), i);
    if (patina_run_get_ticked(run))
      g_hash_table_add(ticked, g_strdup(patina_run_get_id(run)));
  }
  g_autoptr(GPtrArray) shown = g_ptr_array_new();
  for (guint i = 0; i < runs->len; i++) {
    PatinaRun *run = g_ptr_array_index(runs, i);
    if (g_hash_table_contains(self->pending_deletes, patina_run_get_id(run)))
      continue;
    patina_run_set_ticked(run, g_hash_table_contains(ticked, patina_run_get_id(run)));
    g_signal_connect_object(run, "notify::ticked", G_CALLBACK(update_chart), self,
                            G_CONNECT_SWAPPED);
    g_ptr_array_add(shown, run);
  }
  g_list_store_splice(self->store, 0, g_list_model_get_n_items(G_LIST_MODEL(self->store)),
                      shown->pdata, shown->len);
  update_stack(self);
  update_chart(self);
}

static void refresh(PatinaRunsPage *self)
{
  if (self->disposed)
    return;
  if (self->scan_cancellable)
    g_cancellable_cancel(self->scan_cancellable);
  g_clear_object(&self->scan_cancellable);
  self->scan_cancellable = g_cancellable_new();
  g_autoptr(GTask) task = g_task_new(self, self->scan_cancellable, scanned, NULL);
  g_task_set_source_tag(task, refresh);
  g_task_set_task_data(task, patina_runs_dir(), g_free);
  g_task_run_in_thread(task, scan_worker);
}

static void refresh_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  refresh(PATINA_RUNS_PAGE(widget));
}

static void on_job_changed(PatinaRunsPage *self)
{
  PatinaJob *job = patina_workspace_get_job(self->workspace);
  if (job == self->job)
    return;
  if (self->job)
    g_signal_handlers_disconnect_by_data(self->job, self);
  g_set_object(&self->job, job);
  if (job)
    g_signal_connect_swapped(job, "finished", G_CALLBACK(refresh), self);
}

/* ---- commands on one run ---- */

static guint position_of(PatinaRunsPage *self, const char *id)
{
  for (guint i = 0; i < g_list_model_get_n_items(G_LIST_MODEL(self->store)); i++) {
    g_autoptr(PatinaRun) run = g_list_model_get_item(G_LIST_MODEL(self->store), i);
    if (g_str_equal(patina_run_get_id(run), id))
      return i;
  }
  return G_MAXUINT;
}

PatinaRun *patina_runs_page_find(PatinaRunsPage *self, const char *id)
{
  g_return_val_if_fail(PATINA_IS_RUNS_PAGE(self) && id != NULL, NULL);
  guint i = position_of(self, id);
  if (i == G_MAXUINT)
    return NULL;
  g_autoptr(PatinaRun) run = g_list_model_get_item(G_LIST_MODEL(self->store), i);
  return run; /* the store keeps it */
}

static PatinaRun *run_or_toast(PatinaRunsPage *self, GVariant *param)
{
  const char *id = g_variant_get_string(param, NULL);
  PatinaRun *run = patina_runs_page_find(self, id);
  if (!run) {
    g_autofree char *msg = g_strdup_printf(_("There is no run “%s”"), id);
    toast(self, msg);
  }
  return run;
}

static void filter_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  PatinaRunsPage *self = PATINA_RUNS_PAGE(widget);
  gtk_editable_set_text(GTK_EDITABLE(self->search_entry), g_variant_get_string(param, NULL));
  on_search_changed(self); /* at once; the entry reports changes after a delay */
}

static void focus_search_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  gtk_widget_grab_focus(GTK_WIDGET(PATINA_RUNS_PAGE(widget)->search_entry));
}

static void toggle_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  PatinaRun *run = run_or_toast(PATINA_RUNS_PAGE(widget), param);
  if (run)
    patina_run_set_ticked(run, !patina_run_get_ticked(run));
}

static void restore_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  PatinaRunsPage *self = PATINA_RUNS_PAGE(widget);
  PatinaRun *run = run_or_toast(self, param);
  if (!run)
    return;
  if (patina_run_get_damage(run)) {
    toast(self, patina_run_get_damage(run));
    return;
  }
  g_autoptr(GSettings) settings = patina_settings_new();
  patina_run_restore_settings(run, settings);
  gtk_widget_activate_action(widget, "win.show-page", "s", "train");
  g_autofree char *msg =
    g_strdup_printf(_("The settings of run %s are on the Train page"), patina_run_get_id(run));
  toast(self, msg);
}

typedef struct {
  PatinaRunsPage *self;         /* ref */
  PatinaRun *run;               /* ref */
  GApplication *application;    /* ref, held: the process outlives its last window until the
                                 * folder is gone, so a run is never left half-deleted */
} DeleteData;

static void deleted(GObject *source, GAsyncResult *res, gpointer user_data)
{
  (void) source;
  DeleteData *d = user_data;
  g_autoptr(GError) error = NULL;
  if (!g_task_propagate_boolean(G_TASK(res), &error)) {
    g_autofree char *msg = g_strdup_printf(_("Cannot delete run %s: %s"),
                                           patina_run_get_id(d->run), error->message);
    toast(d->self, msg);
  }
  g_hash_table_remove(d->self->pending_deletes, patina_run_get_id(d->run));
  d->self->n_deleting--;
  if (!d->self->disposed)
    refresh(d->self); /* a failed deletion shows what is left */
  if (d->application)
    g_application_release(d->application);
  g_clear_object(&d->application);
  g_object_unref(d->self);
  g_object_unref(d->run);
  g_free(d);
}

static void delete_worker(GTask *task, gpointer source, gpointer task_data,
                          GCancellable *cancellable)
{
  (void) source;
  GError *error = NULL;
  if (patina_run_delete(task_data, cancellable, &error))
    g_task_return_boolean(task, TRUE);
  else
    g_task_return_error(task, error);
}

static void delete_for_real(PatinaRunsPage *self, PatinaRun *run)
{
  DeleteData *d = g_new0(DeleteData, 1);
  d->self = g_object_ref(self);
  d->run = g_object_ref(run);
  GApplication *application = g_application_get_default();
  if (application) {
    d->application = g_object_ref(application);
    g_application_hold(application);
  }
  self->n_deleting++;
  g_autoptr(GTask) task = g_task_new(NULL, NULL, deleted, d);
  g_task_set_task_data(task, g_object_ref(run), g_object_unref);
  g_task_run_in_thread(task, delete_worker);
}

static void commit_delete(PatinaRunsPage *self, PatinaRun *run)
{
  if (g_object_get_data(G_OBJECT(run), "patina-deleting"))
    return;
  g_object_set_data(G_OBJECT(run), "patina-deleting", GINT_TO_POINTER(1));
  delete_for_real(self, run);
}

/* The toast went (timeout, close button or a newer toast) without Undo: delete. */
static void on_undo_toast_dismissed(AdwToast *t, gpointer user_data)
{
  PatinaRunsPage *self = user_data;
  const char *id = g_object_get_data(G_OBJECT(t), "patina-run-id");
  PatinaRun *run = g_hash_table_lookup(self->pending_deletes, id);
  if (run)
    commit_delete(self, run);
}

static void delete_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  PatinaRunsPage *self = PATINA_RUNS_PAGE(widget);
  PatinaRun *run = run_or_toast(self, param);
  if (!run)
    return;
  const char *id = patina_run_get_id(run);
  g_hash_table_insert(self->pending_deletes, g_strdup(id), g_object_ref(run));
  patina_run_set_ticked(run, FALSE);
  g_list_store_remove(self->store, position_of(self, id));
  update_stack(self);
  update_chart(self);

  AdwToastOverlay *overlay =
    ADW_TOAST_OVERLAY(gtk_widget_get_ancestor(widget, ADW_TYPE_TOAST_OVERLAY));
  if (!overlay) { /* nowhere to offer Undo */
    commit_delete(self, run);
    return;
  }
  g_autofree char *title = g_strdup_printf(_("Run %s deleted"), id);
  AdwToast *t = adw_toast_new(title);
  adw_toast_set_button_label(t, _("_Undo"));
  adw_toast_set_action_name(t, "runs.undo-delete");
  adw_toast_set_action_target_value(t, g_variant_new_string(id));
  adw_toast_set_timeout(t, 8);
  g_object_set_data_full(G_OBJECT(t), "patina-run-id", g_strdup(id), g_free);
  g_signal_connect_object(t, "dismissed", G_CALLBACK(on_undo_toast_dismissed), self, 0);
  if (self->undo_toast)
    g_object_remove_weak_pointer(G_OBJECT(self->undo_toast), (gpointer *) &self->undo_toast);
  self->undo_toast = t;
  g_object_add_weak_pointer(G_OBJECT(t), (gpointer *) &self->undo_toast);
  adw_toast_overlay_add_toast(overlay, t);
}

static void undo_delete_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  PatinaRunsPage *self = PATINA_RUNS_PAGE(widget);
  const char *id = g_variant_get_string(param, NULL);
  PatinaRun *run = g_hash_table_lookup(self->pending_deletes, id);
  if (!run || g_object_get_data(G_OBJECT(run), "patina-deleting"))
    return; /* too late: already on its way out */
  g_list_store_insert(self->store, 0, run);
  g_hash_table_remove(self->pending_deletes, id);
  update_stack(self);
}

/* ---- public ---- */

void patina_runs_page_set_workspace(PatinaRunsPage *self, PatinaWorkspace *workspace)
{
  g_return_if_fail(PATINA_IS_RUNS_PAGE(self) && PATINA_IS_WORKSPACE(workspace));
  g_return_if_fail(self->workspace == NULL);
  self->workspace = g_object_ref(workspace);
  g_signal_connect_object(workspace, "notify::job", G_CALLBACK(on_job_changed), self,
                          G_CONNECT_SWAPPED);
  on_job_changed(self);
  refresh(self);
}

GListModel *patina_runs_page_get_runs(PatinaRunsPage *self)
{
  return G_LIST_MODEL(self->sorted);
}
guint patina_runs_page_get_n_scans(PatinaRunsPage *self) { return self->n_scans; }
gboolean patina_runs_page_is_busy(PatinaRunsPage *self)
{
  return self->scan_cancellable != NULL || self->n_deleting > 0;
}
PatinaChart *patina_runs_page_get_chart(PatinaRunsPage *self) { return self->chart; }
GtkColumnView *patina_runs_page_get_column_view(PatinaRunsPage *self)
{
  return self->column_view;
}
AdwToast *patina_runs_page_get_undo_toast(PatinaRunsPage *self) { return self->undo_toast; }

void patina_runs_page_sort_by(PatinaRunsPage *self, const char *key, GtkSortType order)
{
  g_return_if_fail(PATINA_IS_RUNS_PAGE(self));
  GtkColumnViewColumn *c = patina_runs_columns_find(self->column_view, key);
  g_return_if_fail(c != NULL);
  gtk_column_view_sort_by_column(self->column_view, c, order);
}

/* ---- lifecycle ---- */

static void patina_runs_page_dispose(GObject *object)
{
  PatinaRunsPage *self = PATINA_RUNS_PAGE(object);
  /* Closing the window while an Undo toast shows is not Undo: the user asked for the
   * deletion and let it stand, so it goes ahead (the application is held until it is done). */
  if (!self->disposed) {
    g_autoptr(GList) pending = g_hash_table_get_values(self->pending_deletes);
    for (GList *l = pending; l; l = l->next)
      commit_delete(self, l->data);
  }
  self->disposed = TRUE;
  if (self->scan_cancellable)
    g_cancellable_cancel(self->scan_cancellable);
  g_clear_object(&self->scan_cancellable);
  if (self->undo_toast)
    g_object_remove_weak_pointer(G_OBJECT(self->undo_toast), (gpointer *) &self->undo_toast);
  self->undo_toast = NULL;
  if (self->job)
    g_signal_handlers_disconnect_by_data(self->job, self);
  g_clear_object(&self->job);
  gtk_widget_dispose_template(GTK_WIDGET(self), PATINA_TYPE_RUNS_PAGE);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))))
    gtk_widget_unparent(child);
  g_clear_object(&self->sorted);
  g_clear_object(&self->store);
  g_clear_object(&self->workspace);
  G_OBJECT_CLASS(patina_runs_page_parent_class)->dispose(object);
}

static void patina_runs_page_finalize(GObject *object)
{
  PatinaRunsPage *self = PATINA_RUNS_PAGE(object);
  g_hash_table_unref(self->pending_deletes);
  g_strfreev(self->filter_words);
  G_OBJECT_CLASS(patina_runs_page_parent_class)->finalize(object);
}

static void patina_runs_page_class_init(PatinaRunsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  object_class->dispose = patina_runs_page_dispose;
  object_class->finalize = patina_runs_page_finalize;

  g_type_ensure(PATINA_TYPE_CHART);
  g_type_ensure(PATINA_TYPE_CHART_VIEW);
  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/org/patina/Patina/ui/patina-runs-page.ui");
  gtk_widget_class_bind_template_child(widget_class, PatinaRunsPage, search_entry);
  gtk_widget_class_bind_template_child(widget_class, PatinaRunsPage, count_label);
  gtk_widget_class_bind_template_child(widget_class, PatinaRunsPage, list_stack);
  gtk_widget_class_bind_template_child(widget_class, PatinaRunsPage, column_view);
  gtk_widget_class_bind_template_child(widget_class, PatinaRunsPage, chart);
  gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);

  gtk_widget_class_install_action(widget_class, "runs.refresh", NULL, refresh_action);
  gtk_widget_class_install_action(widget_class, "runs.filter", "s", filter_action);
  gtk_widget_class_install_action(widget_class, "runs.toggle", "s", toggle_action);
  gtk_widget_class_install_action(widget_class, "runs.restore", "s", restore_action);
  gtk_widget_class_install_action(widget_class, "runs.delete", "s", delete_action);
  gtk_widget_class_install_action(widget_class, "runs.undo-delete", "s", undo_delete_action);
  gtk_widget_class_install_action(widget_class, "runs.focus-search", NULL, focus_search_action);
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_F5, 0, "runs.refresh", NULL);
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                      "runs.focus-search", NULL);
  patina_chart_view_install_page_export(widget_class, "runs.export-chart");
}

static void patina_runs_page_init(PatinaRunsPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  self->pending_deletes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
  self->store = g_list_store_new(PATINA_TYPE_RUN);
  self->filter = gtk_custom_filter_new(filter_run, self, NULL);
  self->filtered = gtk_filter_list_model_new(G_LIST_MODEL(g_object_ref(self->store)),
                                             GTK_FILTER(self->filter));
  GtkSorter *sorter = gtk_column_view_get_sorter(self->column_view);
  self->sorted = gtk_sort_list_model_new(G_LIST_MODEL(self->filtered), g_object_ref(sorter));
  patina_runs_columns_add(self->column_view);
  gtk_column_view_set_model(self->column_view,
                            GTK_SELECTION_MODEL(gtk_no_selection_new(
                              G_LIST_MODEL(g_object_ref(self->sorted)))));
  patina_chart_set_empty_text(self->chart, _("Tick runs in the table to compare their curves"));
  g_signal_connect_swapped(self->search_entry, "search-changed", G_CALLBACK(on_search_changed),
                           self);
  update_stack(self);
}
