#include <glib/gi18n.h>
#include <string.h>

#include "patina-colormap-combo.h"
#include "patina-file-chooser.h"
#include "patina-layers-private.h"
#include "patina-settings.h"
#include "patina-window.h"

G_DEFINE_FINAL_TYPE(PatinaLayersPage, patina_layers_page, GTK_TYPE_WIDGET)

void patina_layers_page_toast(PatinaLayersPage *self, const char *message)
{
  GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
  if (PATINA_IS_WINDOW(root))
    patina_window_toast(PATINA_WINDOW(root), message);
  else
    g_warning("%s", message);
}

static void update_state(PatinaLayersPage *self)
{
  const char *state = !self->model ? "no-model" : !self->path_a ? "no-image" : "main";
  gtk_stack_set_visible_child_name(self->stack, state);
  gboolean shown = self->result != NULL;
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "layers.export", shown);
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "layers.export-path", shown);
}

/* ---- computing on a worker ---- */

static void start_compute(PatinaLayersPage *self);

static gboolean cam_wanted(PatinaLayersPage *self)
{
  return adw_expander_row_get_enable_expansion(self->cam_row) &&
         gtk_widget_get_sensitive(GTK_WIDGET(self->cam_row));
}

/* The class row names each class with the first image's probability of it. */
static void update_class_names(PatinaLayersPage *self)
{
  if (!self->model)
    return;
  const PatinaCheckpointMeta *meta = patina_loaded_model_get_meta(self->model);
  const PatinaActivations *acts = self->result ? self->result->images[0].acts : NULL;
  guint selected = adw_combo_row_get_selected(self->class_row);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  for (int k = 0; meta->class_names[k]; k++)
    g_ptr_array_add(names, acts && k < acts->n_classes
                             ? g_strdup_printf("%s (%.1f %%)", meta->class_names[k],
                                               100.0 * acts->probabilities[k])
                             : g_strdup(meta->class_names[k]));
  g_ptr_array_add(names, NULL);
  self->syncing = TRUE;
  guint n_old = g_list_model_get_n_items(G_LIST_MODEL(self->class_names));
  gtk_string_list_splice(self->class_names, 0, n_old, (const char *const *) names->pdata);
  adw_combo_row_set_selected(self->class_row, selected < names->len - 1 ? selected : 0);
  self->syncing = FALSE;
}

static void compute_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
  (void) source;
  g_autoptr(PatinaLayersPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaLayersResult) r = patina_layers_compute_finish(res, &error);
  if (!self->settings)
    return; /* disposed while it ran */
  g_clear_object(&self->compute_cancellable);
  if (r && !self->compute_again && r->model == self->model &&
      g_strcmp0(r->images[0].path, self->path_a) == 0) {
    g_clear_pointer(&self->result, patina_layers_result_unref);
    self->result = patina_layers_result_ref(r);
    for (int i = 0; i < r->n_images; i++)
      if (r->images[i].error) {
        g_autofree char *base = g_path_get_basename(r->images[i].path);
        g_autofree char *msg = g_strdup_printf(_("Cannot show %s: %s"), base,
                                               r->images[i].error->message);
        patina_layers_page_toast(self, msg);
      }
    update_class_names(self);
    patina_layers_view_update(self);
    update_state(self);
  }
  if (self->compute_again)
    start_compute(self);
  else
    gtk_spinner_stop(self->spinner);
}

static void start_compute(PatinaLayersPage *self)
{
  self->compute_again = FALSE;
  if (!self->model || !self->path_a) {
    gtk_spinner_stop(self->spinner);
    return;
  }
  guint klass = adw_combo_row_get_selected(self->class_row);
  PatinaCamMethod method = adw_combo_row_get_selected(self->method_row) == 1
                             ? PATINA_CAM_GRADCAM_PLUS_PLUS
                             : PATINA_CAM_GRADCAM;
  self->compute_cancellable = g_cancellable_new();
  gtk_spinner_start(self->spinner);
  patina_layers_compute_async(self->model, self->path_a, self->path_b, cam_wanted(self),
                              patina_layers_view_cam_layer(self),
                              klass == GTK_INVALID_LIST_POSITION ? 0 : (int) klass, method,
                              self->compute_cancellable, compute_done, g_object_ref(self));
}

static gboolean compute_idle_cb(gpointer user_data)
{
  PatinaLayersPage *self = user_data;
  self->compute_idle = 0;
  if (self->compute_cancellable) {
    /* the running one is discarded when it ends; then the newest request starts */
    g_cancellable_cancel(self->compute_cancellable);
    self->compute_again = TRUE;
  } else {
    start_compute(self);
  }
  return G_SOURCE_REMOVE;
}

/* Changes of one main-loop turn become one request. */
static void queue_compute(PatinaLayersPage *self)
{
  if (!self->compute_idle)
    self->compute_idle = g_idle_add(compute_idle_cb, self);
  gtk_spinner_start(self->spinner);
}

/* ---- the model ---- */

static char *shape_text(const PatinaLayerInfo *l)
{
  return l->h == 1 && l->w == 1 ? g_strdup_printf("%s · %d", l->name, l->c)
                                : g_strdup_printf("%s · %d×%d×%d", l->name, l->c, l->h, l->w);
}

static void on_model_changed(PatinaLayersPage *self)
{
  PatinaLoadedModel *model = patina_workspace_get_model(self->workspace);
  if (model == self->model)
    return;
  g_set_object(&self->model, model);
  g_clear_pointer(&self->result, patina_layers_result_unref);
  g_clear_pointer(&self->infos, g_free);
  self->n_layers = 0;
  self->filters_row = -1;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  gboolean has_conv = FALSE;
  if (model) {
    PatinaModel *net = patina_loaded_model_get_model(model);
    self->infos = patina_layer_infos(net);
    self->n_layers = net->n_layers;
    for (int i = 0; i < self->n_layers; i++)
      g_ptr_array_add(names, shape_text(&self->infos[i]));
    int n = 0, k = 0;
    g_autofree float *filters = patina_first_conv_filters(net, &n, &k, NULL);
    has_conv = filters != NULL;
    if (has_conv) {
      self->filters_row = self->n_layers;
      g_ptr_array_add(names, g_strdup_printf(_("first conv's filters · %d of %d×%d"), n, k, k));
    }
  }
  g_ptr_array_add(names, NULL);
  self->syncing = TRUE;
  guint n_old = g_list_model_get_n_items(G_LIST_MODEL(self->layer_names));
  gtk_string_list_splice(self->layer_names, 0, n_old, (const char *const *) names->pdata);
  /* start on the first conv's output, the paper's first figure */
  int first = 0;
  for (int i = 0; has_conv && i < self->n_layers; i++)
    if (self->infos[i].type == PATINA_LAYER_CONV2D) {
      first = i;
      break;
    }
  adw_combo_row_set_selected(self->layer_row, (guint) first);
  adw_combo_row_set_selected(self->class_row, 0);
  self->syncing = FALSE;
  self->selected_channel = -1;
  update_class_names(self);
  gtk_widget_set_sensitive(GTK_WIDGET(self->cam_row), has_conv);
  gtk_widget_set_visible(GTK_WIDGET(self->message_label), model && !has_conv);
  if (model && !has_conv)
    gtk_label_set_label(self->message_label,
                        _("This model has no convolutional layers: there are no channel maps, "
                          "filters or Grad-CAM to show, only its dense layers as bars."));
  update_state(self);
  queue_compute(self);
}

/* ---- the images ---- */

static void set_path_a(PatinaLayersPage *self, const char *path)
{
  if (g_strcmp0(self->path_a, path) == 0)
    return;
  g_free(self->path_a);
  self->path_a = g_strdup(path);
  update_state(self);
  queue_compute(self);
}

void patina_layers_page_set_compare(PatinaLayersPage *self, const char *path)
{
  if (g_strcmp0(self->path_b, path) == 0)
    return;
  g_free(self->path_b);
  self->path_b = path && *path ? g_strdup(path) : NULL;
  queue_compute(self);
}

static void on_image_selected(PatinaLayersPage *self)
{
  guint i = adw_combo_row_get_selected(self->image_row);
  if (self->syncing || i >= self->image_paths->len)
    return;
  adw_action_row_set_subtitle(ADW_ACTION_ROW(self->image_row), "");
  set_path_a(self, g_ptr_array_index(self->image_paths, i));
}

static void on_compare_selected(PatinaLayersPage *self)
{
  guint i = adw_combo_row_get_selected(self->compare_row);
  if (self->syncing || i == GTK_INVALID_LIST_POSITION)
    return;
  adw_action_row_set_subtitle(ADW_ACTION_ROW(self->compare_row), "");
  patina_layers_page_set_compare(self, i == 0 || i > self->image_paths->len
                     ? NULL
                     : g_ptr_array_index(self->image_paths, i - 1));
}

static void on_dataset_changed(PatinaLayersPage *self)
{
  const PatinaDataset *ds = patina_workspace_get_dataset(self->workspace);
  gboolean picked_file = self->path_a && !g_ptr_array_find_with_equal_func(
                                           self->image_paths, self->path_a, g_str_equal, NULL);
  g_ptr_array_set_size(self->image_paths, 0);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; ds && i < ds->samples->len; i++) {
    const PatinaSample *s = &g_array_index(ds->samples, PatinaSample, i);
    g_autofree char *base = g_path_get_basename(s->path);
    g_ptr_array_add(names, g_strdup_printf("%s/%s",
                                           (char *) g_ptr_array_index(ds->class_names, s->label),
                                           base));
    g_ptr_array_add(self->image_paths, g_strdup(s->path));
  }
  g_ptr_array_add(names, NULL);
  self->syncing = TRUE;
  guint n_old = g_list_model_get_n_items(G_LIST_MODEL(self->image_names));
  gtk_string_list_splice(self->image_names, 0, n_old, (const char *const *) names->pdata);
  n_old = g_list_model_get_n_items(G_LIST_MODEL(self->compare_names));
  gtk_string_list_splice(self->compare_names, 1, n_old - 1, (const char *const *) names->pdata);
  adw_combo_row_set_selected(self->image_row, picked_file ? GTK_INVALID_LIST_POSITION : 0);
  adw_combo_row_set_selected(self->compare_row, 0);
  self->syncing = FALSE;
  patina_layers_page_set_compare(self, NULL);
  if (!picked_file)
    set_path_a(self, self->image_paths->len ? g_ptr_array_index(self->image_paths, 0) : NULL);
}

void patina_layers_page_show_file(PatinaLayersPage *self, GFile *file)
{
  g_autofree char *path = g_file_get_path(file);
  if (!path) {
    patina_layers_page_toast(self, _("Only local image files can be shown"));
    return;
  }
  /* selected in the list when it is one of the data set's, so the row says which it is; a
   * file from elsewhere is named in its subtitle */
  guint index;
  gboolean listed =
    g_ptr_array_find_with_equal_func(self->image_paths, path, g_str_equal, &index);
  self->syncing = TRUE;
  adw_combo_row_set_selected(self->image_row, listed ? index : GTK_INVALID_LIST_POSITION);
  self->syncing = FALSE;
  g_autofree char *base = listed ? NULL : g_path_get_basename(path);
  adw_action_row_set_subtitle(ADW_ACTION_ROW(self->image_row), listed ? "" : base);
  set_path_a(self, path);
}

void patina_layers_page_open_file(PatinaLayersPage *self, GFile *file)
{
  g_return_if_fail(PATINA_IS_LAYERS_PAGE(self) && G_IS_FILE(file));
  GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
  g_autofree char *path = g_file_get_path(file);
  if (path && g_file_test(path, G_FILE_TEST_IS_DIR) && PATINA_IS_WINDOW(root))
    patina_window_open_file(PATINA_WINDOW(root), file);
  else
    patina_layers_page_show_file(self, file);
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
  patina_layers_page_open_file(PATINA_LAYERS_PAGE(user_data), files->data);
  return TRUE;
}

/* ---- view controls ---- */

static void on_view_changed(PatinaLayersPage *self)
{
  if (!self->syncing)
    patina_layers_view_update(self);
}

static void on_reversed_changed(PatinaLayersPage *self)
{
  patina_colormap_combo_set_reversed(self->colormap_row,
                                     gtk_switch_get_active(self->reversed_switch));
  on_view_changed(self);
}

static void on_layer_selected(PatinaLayersPage *self)
{
  if (self->syncing)
    return;
  self->selected_channel = -1;
  gboolean cam_stale = cam_wanted(self) && self->result && self->result->images[0].have_cam &&
                       self->result->cam_layer != patina_layers_view_cam_layer(self);
  if (cam_stale)
    queue_compute(self);
  patina_layers_view_update(self);
}

static void on_cam_changed(PatinaLayersPage *self)
{
  if (!self->syncing)
    queue_compute(self);
}

static void on_channel_activated(PatinaLayersPage *self, int channel)
{
  self->selected_channel = channel;
  patina_layers_view_update(self);
}


/* ---- public ---- */

void patina_layers_page_set_workspace(PatinaLayersPage *self, PatinaWorkspace *workspace)
{
  g_return_if_fail(PATINA_IS_LAYERS_PAGE(self) && PATINA_IS_WORKSPACE(workspace));
  g_return_if_fail(self->workspace == NULL);
  self->workspace = g_object_ref(workspace);
  g_signal_connect_object(workspace, "notify::dataset", G_CALLBACK(on_dataset_changed), self,
                          G_CONNECT_SWAPPED);
  g_signal_connect_object(workspace, "notify::model", G_CALLBACK(on_model_changed), self,
                          G_CONNECT_SWAPPED);
  on_dataset_changed(self);
  on_model_changed(self);
}

/* ---- lifecycle ---- */

static void patina_layers_page_dispose(GObject *object)
{
  PatinaLayersPage *self = PATINA_LAYERS_PAGE(object);
  if (self->compute_cancellable)
    g_cancellable_cancel(self->compute_cancellable);
  g_clear_object(&self->compute_cancellable);
  g_clear_handle_id(&self->compute_idle, g_source_remove);
  patina_file_chooser_close(&self->chooser);
  gtk_widget_dispose_template(GTK_WIDGET(self), PATINA_TYPE_LAYERS_PAGE);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))))
    gtk_widget_unparent(child);
  g_clear_pointer(&self->result, patina_layers_result_unref);
  g_clear_object(&self->model);
  g_clear_object(&self->workspace);
  g_clear_object(&self->settings);
  g_clear_pointer(&self->infos, g_free);
  g_clear_object(&self->layer_names);
  g_clear_object(&self->image_names);
  g_clear_object(&self->compare_names);
  g_clear_object(&self->class_names);
  g_clear_pointer(&self->image_paths, g_ptr_array_unref);
  g_clear_pointer(&self->path_a, g_free);
  g_clear_pointer(&self->path_b, g_free);
  G_OBJECT_CLASS(patina_layers_page_parent_class)->dispose(object);
}

#define BIND(name) gtk_widget_class_bind_template_child(widget_class, PatinaLayersPage, name)

static void patina_layers_page_class_init(PatinaLayersPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  object_class->dispose = patina_layers_page_dispose;

  g_type_ensure(PATINA_TYPE_CHANNEL_GRID);
  g_type_ensure(PATINA_TYPE_COLORBAR);
  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/org/patina/Patina/ui/patina-layers-page.ui");
  BIND(stack);
  BIND(image_row);
  BIND(compare_row);
  BIND(layer_row);
  BIND(sort_row);
  BIND(normalise_row);
  BIND(colormap_row);
  BIND(class_row);
  BIND(method_row);
  BIND(cam_row);
  BIND(reversed_switch);
  BIND(six_switch);
  BIND(opacity_scale);
  BIND(dpi_spin);
  BIND(message_label);
  BIND(caption_label);
  BIND(stats_label);
  BIND(spinner);
  BIND(panel_b);
  BIND(detail_box);
  BIND(title_a);
  BIND(title_b);
  BIND(error_a);
  BIND(error_b);
  BIND(view_a);
  BIND(view_b);
  BIND(grid_a);
  BIND(grid_b);
  BIND(enlarged_a);
  BIND(enlarged_b);
  BIND(colorbar_a);
  BIND(colorbar_b);
  BIND(cam_a);
  BIND(cam_b);
  patina_layers_actions_install(widget_class);
  gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void set_list(AdwComboRow *row, GtkStringList *model)
{
  adw_combo_row_set_model(row, G_LIST_MODEL(model));
}

static GtkStringList *string_list(const char *const *items)
{
  return gtk_string_list_new(items);
}

static void patina_layers_page_init(PatinaLayersPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  self->settings = patina_settings_new();
  self->image_paths = g_ptr_array_new_with_free_func(g_free);
  self->filters_row = -1;
  self->selected_channel = -1;
  self->image_names = gtk_string_list_new(NULL);
  const char *const none[] = {_("None"), NULL};
  self->compare_names = string_list(none);
  self->layer_names = gtk_string_list_new(NULL);
  self->class_names = gtk_string_list_new(NULL);
  const char *const sorts[] = {_("Index"), _("Mean"), _("Maximum"), _("Fraction active"), NULL};
  const char *const normalises[] = {_("Per channel"), _("Shared across the layer"), NULL};
  const char *const methods[] = {"Grad-CAM", "Grad-CAM++", NULL};
  g_autoptr(GtkStringList) sort_list = string_list(sorts);
  g_autoptr(GtkStringList) norm_list = string_list(normalises);
  g_autoptr(GtkStringList) method_list = string_list(methods);

  self->syncing = TRUE;
  set_list(self->image_row, self->image_names);
  set_list(self->compare_row, self->compare_names);
  set_list(self->layer_row, self->layer_names);
  set_list(self->class_row, self->class_names);
  set_list(self->sort_row, sort_list);
  set_list(self->normalise_row, norm_list);
  set_list(self->method_row, method_list);
  g_autofree char *cmap = g_settings_get_string(self->settings, "colormap");
  patina_colormap_combo_setup(self->colormap_row, cmap);
  self->syncing = FALSE;

  g_signal_connect_swapped(self->image_row, "notify::selected", G_CALLBACK(on_image_selected),
                           self);
  g_signal_connect_swapped(self->compare_row, "notify::selected",
                           G_CALLBACK(on_compare_selected), self);
  g_signal_connect_swapped(self->layer_row, "notify::selected", G_CALLBACK(on_layer_selected),
                           self);
  g_signal_connect_swapped(self->sort_row, "notify::selected", G_CALLBACK(on_view_changed), self);
  g_signal_connect_swapped(self->normalise_row, "notify::selected", G_CALLBACK(on_view_changed),
                           self);
  g_signal_connect_swapped(self->colormap_row, "notify::selected", G_CALLBACK(on_view_changed),
                           self);
  g_signal_connect_swapped(self->reversed_switch, "notify::active",
                           G_CALLBACK(on_reversed_changed), self);
  g_signal_connect_swapped(self->opacity_scale, "value-changed", G_CALLBACK(on_view_changed),
                           self);
  g_signal_connect_swapped(self->cam_row, "notify::enable-expansion", G_CALLBACK(on_cam_changed),
                           self);
  g_signal_connect_swapped(self->class_row, "notify::selected", G_CALLBACK(on_cam_changed), self);
  g_signal_connect_swapped(self->method_row, "notify::selected", G_CALLBACK(on_cam_changed),
                           self);
  g_signal_connect_swapped(self->grid_a, "channel-activated", G_CALLBACK(on_channel_activated),
                           self);
  g_signal_connect_swapped(self->grid_b, "channel-activated", G_CALLBACK(on_channel_activated),
                           self);
  patina_channel_grid_set_tile_size(self->enlarged_a, 200);
  patina_channel_grid_set_tile_size(self->enlarged_b, 200);

  GtkDropTarget *drop = gtk_drop_target_new(GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect(drop, "drop", G_CALLBACK(on_drop), self);
  gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(drop));
  update_state(self);
}
