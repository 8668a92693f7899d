#include "patina-predict-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "patina-file-chooser.h"
#include "patina-folder-images.h"
#include "patina-predict-columns.h"
#include "patina-predict-detail.h"
#include "patina-predict-queue.h"
#include "patina-prediction.h"
#include "patina-window.h"

struct _PatinaPredictPage {
  GtkWidget parent_instance;

  AdwActionRow *model_row;
  GtkWidget *warning_box;
  GtkLabel *warning_label;
  GtkLabel *summary_label;
  GtkProgressBar *progress;
  GtkStack *stack;
  AdwStatusPage *empty_page;
  GtkWidget *empty_open_model, *empty_add_images;
  GtkColumnView *column_view;
  PatinaPredictDetail *detail;

  PatinaWorkspace *workspace;
  PatinaLoadedModel *model; /* the one the rows are predicted with */
  GListStore *predictions;
  GtkSortListModel *sorted;
  GtkSingleSelection *selection;
  PatinaPredictQueue *queue;
  GCancellable *adding; /* of the folder listings of paths being added */
  GtkFileChooserNative *chooser;
  char *model_summary;
};

G_DEFINE_FINAL_TYPE(PatinaPredictPage, patina_predict_page, GTK_TYPE_WIDGET)

static void toast(PatinaPredictPage *self, const char *message)
{
  GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
  if (PATINA_IS_WINDOW(root))
    patina_window_toast(PATINA_WINDOW(root), message);
}

static void update_status(PatinaPredictPage *self)
{
  guint n = g_list_model_get_n_items(G_LIST_MODEL(self->predictions));
  guint done = 0, failed = 0, labelled = 0, agree = 0;
  char **classes = self->model ? patina_loaded_model_get_meta(self->model)->class_names : NULL;
  for (guint i = 0; i < n; i++) {
    g_autoptr(PatinaPrediction) p = g_list_model_get_item(G_LIST_MODEL(self->predictions), i);
    PatinaPredictionState s = patina_prediction_get_state(p);
    done += s == PATINA_PREDICTION_DONE;
    failed += s == PATINA_PREDICTION_FAILED;
    /* an image in a folder named after one of the model's classes has a known answer */
    if (s == PATINA_PREDICTION_DONE && classes &&
        g_strv_contains((const char *const *) classes, patina_prediction_get_folder(p))) {
      labelled++;
      agree += g_strcmp0(patina_prediction_get_folder(p), patina_prediction_get_class_name(p)) == 0;
    }
  }
  gtk_stack_set_visible_child_name(self->stack, n > 0 ? "results" : "empty");
  g_autofree char *images = g_strdup_printf(ngettext("%u image", "%u images", n), n);
  g_autofree char *summary = NULL;
  if (n == 0)
    summary = g_strdup("");
  else if (failed > 0)
    summary = g_strdup_printf(ngettext("%s  ·  %u predicted  ·  %u cannot be read",
                                       "%s  ·  %u predicted  ·  %u cannot be read", failed),
                              images, done, failed);
  else
    summary = g_strdup_printf(_("%s  ·  %u predicted"), images, done);
  if (labelled > 0) {
    g_autofree char *with_agreement =
      g_strdup_printf(ngettext("%s  ·  %u of %u agrees with its folder's class (%.0f %%)",
                               "%s  ·  %u of %u agree with their folder's class (%.0f %%)",
                               labelled),
                      summary, agree, labelled, 100.0 * agree / labelled);
    g_free(summary);
    summary = g_steal_pointer(&with_agreement);
  }
  gtk_label_set_label(self->summary_label, summary);

  guint total = patina_predict_queue_get_total(self->queue);
  guint finished = patina_predict_queue_get_done(self->queue);
  gtk_widget_set_visible(GTK_WIDGET(self->progress), total > 0);
  if (total > 0) {
    gtk_progress_bar_set_fraction(self->progress, (double) finished / total);
    g_autofree char *text =
      g_strdup_printf(_("Predicting %u of %u"), MIN(finished + 1, total), total);
    gtk_progress_bar_set_text(self->progress, text);
  }
  gboolean have_rows = n > 0;
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "predict.clear", have_rows);
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "predict.export-csv",
                                have_rows && self->model);
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "predict.export-csv-path",
                                have_rows && self->model);
}

/* One toast per batch: a folder of images with a few unreadable ones should not flood the
 * window with messages. */
static void report_failures(PatinaPredictPage *self, GPtrArray *failures)
{
  if (failures->len == 1) {
    toast(self, g_ptr_array_index(failures, 0));
  } else if (failures->len > 1) {
    g_autofree char *msg =
      g_strdup_printf(ngettext("%u image cannot be read; the table says why",
                               "%u images cannot be read; the table says why", failures->len),
                      failures->len);
    toast(self, msg);
  }
}

static void on_results(gpointer user_data, gboolean finished, GPtrArray *failures)
{
  PatinaPredictPage *self = user_data;
  /* The items changed in place: the sort model does not see that by itself. */
  patina_predict_columns_resort(self->column_view);
  if (finished)
    report_failures(self, failures);
  update_status(self);
}

static void predict_items(PatinaPredictPage *self, GPtrArray *items)
{
  if (self->model)
    patina_predict_queue_add(self->queue, self->model, items);
}

static void paths_expanded(GObject *source, GAsyncResult *res, gpointer user_data)
{
  (void) source;
  if (g_cancellable_is_cancelled(g_task_get_cancellable(G_TASK(res))))
    return; /* cleared, or the page is gone */
  PatinaPredictPage *self = user_data;
  g_auto(GStrv) problems = NULL;
  g_auto(GStrv) paths = patina_expand_folders_finish(res, &problems);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_object_unref);
  for (guint i = 0; paths[i]; i++)
    g_ptr_array_add(items, patina_prediction_new(paths[i]));
  g_list_store_splice(self->predictions,
                      g_list_model_get_n_items(G_LIST_MODEL(self->predictions)), 0, items->pdata,
                      items->len);
  predict_items(self, items);
  update_status(self);
  if (problems[0])
    toast(self, problems[0]);
}

/* Folders among paths are replaced by their images on a worker first. */
static void add_paths(PatinaPredictPage *self, const char *const *paths)
{
  patina_expand_folders_async(paths, self->adding, paths_expanded, self);
}

/* ---- the selected image ---- */

static void show_selected(PatinaPredictPage *self)
{
  PatinaPrediction *p = gtk_single_selection_get_selected_item(self->selection);
  patina_predict_detail_show(self->detail, p, self->model);
}

/* ---- the model and the data set ---- */

static gboolean same_classes(const char *const *a, const GPtrArray *b)
{
  if (g_strv_length((char **) a) != b->len)
    return FALSE;
  for (guint k = 0; k < b->len; k++)
    if (g_strcmp0(a[k], g_ptr_array_index(b, k)) != 0)
      return FALSE;
  return TRUE;
}

/* A model trained on other classes still predicts, but only among the classes it knows: say
 * so, with both lists, so nobody reads its answers as labels of the open data set. */
static void update_warning(PatinaPredictPage *self)
{
  const PatinaDataset *ds = patina_workspace_get_dataset(self->workspace);
  if (!self->model || !ds) {
    gtk_widget_set_visible(self->warning_box, FALSE);
    return;
  }
  const char *const *model_classes =
    (const char *const *) patina_loaded_model_get_meta(self->model)->class_names;
  if (same_classes(model_classes, ds->class_names)) {
    gtk_widget_set_visible(self->warning_box, FALSE);
    return;
  }
  g_autofree char *known = g_strjoinv(", ", (char **) model_classes);
  g_autoptr(GString) ds_classes = g_string_new(NULL);
  for (guint k = 0; k < ds->class_names->len; k++)
    g_string_append_printf(ds_classes, "%s%s", k ? ", " : "",
                           (char *) g_ptr_array_index(ds->class_names, k));
  g_autofree char *ds_name = g_path_get_basename(ds->root);
  guint n_model = g_strv_length((char **) model_classes);
  g_autofree char *model_part =
    g_strdup_printf(ngettext("This model knows %u class (%s)", "This model knows %u classes (%s)",
                             n_model),
                    n_model, known);
  g_autofree char *text =
    g_strdup_printf(ngettext("%s; the open data set “%s” has %u class (%s). Predictions name "
                             "only the model's classes.",
                             "%s; the open data set “%s” has %u classes (%s). Predictions name "
                             "only the model's classes.",
                             ds->class_names->len),
                    model_part, ds_name, ds->class_names->len, ds_classes->str);
  gtk_label_set_label(self->warning_label, text);
  gtk_widget_set_visible(self->warning_box, TRUE);
}

static void update_model_row(PatinaPredictPage *self)
{
  g_clear_pointer(&self->model_summary, g_free);
  /* Without a model the first step is opening one; images can still be added first. */
  gtk_widget_set_visible(self->empty_open_model, self->model == NULL);
  if (self->model)
    gtk_widget_add_css_class(self->empty_add_images, "suggested-action");
  else
    gtk_widget_remove_css_class(self->empty_add_images, "suggested-action");
  if (!self->model) {
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->model_row), _("No Model Open"));
    adw_action_row_set_subtitle(self->model_row,
                                _("Train one on the Train page, or open a .safetensors "
                                  "checkpoint"));
    adw_status_page_set_description(self->empty_page,
                                    _("Open a model first, then add SEM images to classify: "
                                      "drop files here or choose them."));
    return;
  }
  const char *path = patina_loaded_model_get_path(self->model);
  g_autofree char *base = g_path_get_basename(path);
  g_autofree char *dir = g_path_get_dirname(path);
  g_autofree char *dir_base = g_path_get_basename(dir);
  /* Every run writes model.safetensors into its own folder: the folder tells them apart. */
  g_autofree char *title = g_strdup_printf("%s/%s", dir_base, base);
  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->model_row), title);
  gtk_widget_set_tooltip_text(GTK_WIDGET(self->model_row), path);
  const PatinaCheckpointMeta *meta = patina_loaded_model_get_meta(self->model);
  int n = patina_loaded_model_get_n_classes(self->model);
  int size = patina_loaded_model_get_input_size(self->model);
  g_autofree char *classes = g_strjoinv(", ", meta->class_names);
  self->model_summary =
    g_strdup_printf(ngettext("%d class: %s  ·  input %d×%d px; images of another size are "
                             "resized to it",
                             "%d classes: %s  ·  input %d×%d px; images of another size are "
                             "resized to it",
                             n),
                    n, classes, size, size);
  adw_action_row_set_subtitle(self->model_row, self->model_summary);
  adw_status_page_set_description(self->empty_page,
                                  _("Drop SEM images here or choose them to classify them with "
                                    "this model."));
}

static void on_model_changed(PatinaPredictPage *self)
{
  PatinaLoadedModel *model = patina_workspace_get_model(self->workspace);
  if (model == self->model)
    return;
  patina_predict_queue_stop(self->queue);
  g_set_object(&self->model, model);
  const char *const *names =
    model ? (const char *const *) patina_loaded_model_get_meta(model)->class_names : NULL;
  patina_predict_columns_set_classes(self->column_view, names);
  /* Every image is predicted again: the table always shows the current model's answers. */
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_object_unref);
  guint n = g_list_model_get_n_items(G_LIST_MODEL(self->predictions));
  for (guint i = 0; i < n; i++) {
    PatinaPrediction *p = g_list_model_get_item(G_LIST_MODEL(self->predictions), i);
    patina_prediction_reset(p);
    g_ptr_array_add(items, p);
  }
  predict_items(self, items);
  update_model_row(self);
  update_warning(self);
  update_status(self);
  show_selected(self);
}

void patina_predict_page_set_workspace(PatinaPredictPage *self, PatinaWorkspace *workspace)
{
  g_return_if_fail(PATINA_IS_PREDICT_PAGE(self) && PATINA_IS_WORKSPACE(workspace));
  g_return_if_fail(self->workspace == NULL);
  self->workspace = g_object_ref(workspace);
  g_signal_connect_object(workspace, "notify::model", G_CALLBACK(on_model_changed), self,
                          G_CONNECT_SWAPPED);
  g_signal_connect_object(workspace, "notify::dataset", G_CALLBACK(update_warning), self,
                          G_CONNECT_SWAPPED);
  on_model_changed(self);
  update_model_row(self); /* also when the workspace has no model yet */
}

/* ---- actions ---- */

static void add_paths_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  g_autofree const char **paths = g_variant_get_strv(param, NULL);
  add_paths(PATINA_PREDICT_PAGE(widget), paths);
}

void patina_predict_page_add_files(PatinaPredictPage *self, GListModel *files)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
  guint skipped = 0;
  for (guint i = 0; i < g_list_model_get_n_items(files); i++) {
    g_autoptr(GFile) file = g_list_model_get_item(files, i);
    char *path = g_file_get_path(file);
    if (path)
      g_ptr_array_add(paths, path);
    else
      skipped++;
  }
  if (skipped > 0)
    toast(self, _("Only local files can be predicted"));
  g_ptr_array_add(paths, NULL);
  add_paths(self, (const char *const *) paths->pdata);
}

static void images_chosen(GtkWidget *owner, GListModel *files)
{
  patina_predict_page_add_files(PATINA_PREDICT_PAGE(owner), files);
}

static void add_images_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  GtkFileChooserNative *chooser =
    patina_file_chooser_new(widget, &PATINA_PREDICT_PAGE(widget)->chooser, _("Add Images"),
                            GTK_FILE_CHOOSER_ACTION_OPEN, _("_Add"), images_chosen);
  if (!chooser)
    return;
  gtk_file_chooser_set_select_multiple(GTK_FILE_CHOOSER(chooser), TRUE);
  patina_file_chooser_add_image_filter(chooser);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

static gboolean on_drop(GtkDropTarget *target, const GValue *value, double x, double y,
                        gpointer user_data)
{
  (void) target;
  (void) x;
  (void) y;
  GSList *list = g_value_get_boxed(value);
  if (!list)
    return FALSE;
  g_autoptr(GListStore) files = g_list_store_new(G_TYPE_FILE);
  for (GSList *l = list; l; l = l->next)
    g_list_store_append(files, l->data);
  patina_predict_page_add_files(PATINA_PREDICT_PAGE(user_data), G_LIST_MODEL(files));
  return TRUE;
}

static void clear_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  PatinaPredictPage *self = PATINA_PREDICT_PAGE(widget);
  patina_predict_queue_stop(self->queue);
  g_cancellable_cancel(self->adding);
  g_object_unref(self->adding);
  self->adding = g_cancellable_new();
  g_list_store_remove_all(self->predictions);
  update_status(self);
}

/* The rows in the order the table shows them. */
static void export_csv_to(PatinaPredictPage *self, GFile *dest)
{
  if (!self->model)
    return;
  const PatinaCheckpointMeta *meta = patina_loaded_model_get_meta(self->model);
  char *csv = patina_predictions_to_csv(G_LIST_MODEL(self->sorted),
                                        (const char *const *) meta->class_names);
  g_autoptr(GBytes) bytes = g_bytes_new_take(csv, strlen(csv));
  GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
  if (PATINA_IS_WINDOW(root))
    patina_window_save_bytes(PATINA_WINDOW(root), dest, bytes);
}

static void export_path_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  g_autoptr(GFile) file = g_file_new_for_path(g_variant_get_string(param, NULL));
  export_csv_to(PATINA_PREDICT_PAGE(widget), file);
}

static void export_chosen(GtkWidget *owner, GListModel *files)
{
  g_autoptr(GFile) file = g_list_model_get_item(files, 0);
  export_csv_to(PATINA_PREDICT_PAGE(owner), file);
}

static void export_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  GtkFileChooserNative *chooser =
    patina_file_chooser_new(widget, &PATINA_PREDICT_PAGE(widget)->chooser,
                            _("Export Predictions"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"),
                            export_chosen);
  if (!chooser)
    return;
  gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(chooser), "predictions.csv");
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

/* ---- accessors for tests ---- */

GListModel *patina_predict_page_get_predictions(PatinaPredictPage *self)
{
  return G_LIST_MODEL(self->predictions);
}
GtkSingleSelection *patina_predict_page_get_selection(PatinaPredictPage *self)
{
  return self->selection;
}
const char *patina_predict_page_get_summary(PatinaPredictPage *self)
{
  return gtk_label_get_label(self->summary_label);
}
GtkColumnView *patina_predict_page_get_column_view(PatinaPredictPage *self)
{
  return self->column_view;
}

guint patina_predict_page_get_n_pending(PatinaPredictPage *self)
{
  if (!self->model)
    return 0;
  guint pending = 0, n = g_list_model_get_n_items(G_LIST_MODEL(self->predictions));
  for (guint i = 0; i < n; i++) {
    g_autoptr(PatinaPrediction) p = g_list_model_get_item(G_LIST_MODEL(self->predictions), i);
    pending += patina_prediction_get_state(p) == PATINA_PREDICTION_PENDING;
  }
  return pending;
}

const char *patina_predict_page_get_warning(PatinaPredictPage *self)
{
  return gtk_widget_get_visible(self->warning_box) ? gtk_label_get_label(self->warning_label)
                                                   : NULL;
}
const char *patina_predict_page_get_model_summary(PatinaPredictPage *self)
{
  return self->model_summary;
}
const char *patina_predict_page_get_detail_info(PatinaPredictPage *self)
{
  return patina_predict_detail_get_info(self->detail);
}
PatinaScanView *patina_predict_page_get_scan_view(PatinaPredictPage *self)
{
  return patina_predict_detail_get_scan_view(self->detail);
}

/* ---- lifecycle ---- */

static void patina_predict_page_dispose(GObject *object)
{
  PatinaPredictPage *self = PATINA_PREDICT_PAGE(object);
  g_clear_pointer(&self->queue, patina_predict_queue_free);
  g_cancellable_cancel(self->adding);
  g_clear_object(&self->adding);
  patina_file_chooser_close(&self->chooser);
  gtk_widget_dispose_template(GTK_WIDGET(self), PATINA_TYPE_PREDICT_PAGE);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))))
    gtk_widget_unparent(child);
  g_clear_object(&self->selection);
  g_clear_object(&self->predictions);
  g_clear_object(&self->model);
  g_clear_object(&self->workspace);
  g_clear_pointer(&self->model_summary, g_free);
  G_OBJECT_CLASS(patina_predict_page_parent_class)->dispose(object);
}

static void patina_predict_page_class_init(PatinaPredictPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  object_class->dispose = patina_predict_page_dispose;

  g_type_ensure(PATINA_TYPE_PREDICT_DETAIL);
  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/org/patina/Patina/ui/patina-predict-page.ui");
  gtk_widget_class_bind_template_child(widget_class, PatinaPredictPage, model_row);
  gtk_widget_class_bind_template_child(widget_class, PatinaPredictPage, warning_box);
  gtk_widget_class_bind_template_child(widget_class, PatinaPredictPage, warning_label);
  gtk_widget_class_bind_template_child(widget_class, PatinaPredictPage, summary_label);
  gtk_widget_class_bind_template_child(widget_class, PatinaPredictPage, progress);
  gtk_widget_class_bind_template_child(widget_class, PatinaPredictPage, stack);
  gtk_widget_class_bind_template_child(widget_class, PatinaPredictPage, empty_page);
  gtk_widget_class_bind_template_child(widget_class, PatinaPredictPage, empty_open_model);
  gtk_widget_class_bind_template_child(widget_class, PatinaPredictPage, empty_add_images);
  gtk_widget_class_bind_template_child(widget_class, PatinaPredictPage, column_view);
  gtk_widget_class_bind_template_child(widget_class, PatinaPredictPage, detail);

  gtk_widget_class_install_action(widget_class, "predict.add-images", NULL, add_images_action);
  gtk_widget_class_install_action(widget_class, "predict.add-paths", "as", add_paths_action);
  gtk_widget_class_install_action(widget_class, "predict.export-csv", NULL, export_action);
  gtk_widget_class_install_action(widget_class, "predict.export-csv-path", "s",
                                  export_path_action);
  gtk_widget_class_install_action(widget_class, "predict.clear", NULL, clear_action);
  patina_scan_view_install_actions(widget_class);
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                      "predict.add-images", NULL);
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_e, GDK_CONTROL_MASK,
                                      "predict.export-csv", NULL);
  gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void patina_predict_page_init(PatinaPredictPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  self->predictions = g_list_store_new(PATINA_TYPE_PREDICTION);
  self->queue = patina_predict_queue_new(on_results, self);
  self->adding = g_cancellable_new();

  patina_predict_columns_init(self->column_view);
  GtkSorter *sorter = gtk_column_view_get_sorter(self->column_view);
  self->sorted = gtk_sort_list_model_new(g_object_ref(G_LIST_MODEL(self->predictions)),
                                         sorter ? g_object_ref(sorter) : NULL);
  self->selection = gtk_single_selection_new(G_LIST_MODEL(self->sorted)); /* takes sorted */
  gtk_column_view_set_model(self->column_view, GTK_SELECTION_MODEL(self->selection));
  g_signal_connect_swapped(self->selection, "notify::selected-item", G_CALLBACK(show_selected),
                           self);

  GtkDropTarget *drop = gtk_drop_target_new(GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect(drop, "drop", G_CALLBACK(on_drop), self);
  gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(drop));
  update_status(self);
}
