#include "patina-data-page-private.h"

#include <glib/gi18n.h>

#include "patina-data-scan.h"
#include "patina-image-viewer.h"
#include "patina-settings.h"
#include "patina-thumbnail-decoder.h"
#include "patina-thumbnail.h"

G_DEFINE_FINAL_TYPE(PatinaDataPage, patina_data_page, GTK_TYPE_WIDGET)

/* ---- summary ---- */

static void update_summary(PatinaDataPage *self)
{
  const PatinaDataset *ds = patina_workspace_get_dataset(self->workspace);
  if (!ds)
    return;
  g_autofree char *line = patina_data_summary(ds, self->manifest);
  gtk_label_set_label(self->summary_label, line);
  g_autofree char *notes = patina_data_notes(ds, self->manifest, self->n_near_pairs);
  gtk_label_set_label(self->notes_label, notes);
  gtk_widget_set_visible(GTK_WIDGET(self->notes_label), *notes != '\0');
}

static void apply_manifest(PatinaDataPage *self)
{
  const PatinaManifestInfo *m = self->manifest;
  guint n = g_list_model_get_n_items(G_LIST_MODEL(self->thumbnails));
  for (guint i = 0; i < n && m && (int) i < m->n; i++) {
    g_autoptr(PatinaThumbnail) t = g_list_model_get_item(G_LIST_MODEL(self->thumbnails), i);
    patina_thumbnail_set_split(t, m->split[i] >= 0 ? patina_split_name(m->split[i]) : "");
    patina_thumbnail_set_excluded(t, m->excluded[i]);
  }
  gboolean has = m && m->has_manifest;
  gtk_widget_set_sensitive(GTK_WIDGET(self->split_dropdown), has);
  gtk_widget_set_tooltip_text(GTK_WIDGET(self->split_dropdown),
                              has ? _("Show the images of one split of the data set's manifest")
                                  : _("This data set has no manifest (patina-dataset.json), so "
                                      "it has no fixed split; saving a data bar crop makes one"));
  patina_data_page_set_split_filter(self, has ? self->split_filter : -1);
  update_summary(self);
}

static void manifest_read(GObject *source, GAsyncResult *res, gpointer user_data)
{
  (void) source;
  g_autoptr(PatinaDataPage) self = user_data;
  g_autoptr(GError) error = NULL;
  PatinaManifestInfo *info = patina_manifest_info_load_finish(res, &error);
  if (!info)
    return; /* cancelled: a newer data set or read replaced this one */
  patina_manifest_info_free(self->manifest);
  self->manifest = info;
  apply_manifest(self);
}

static void read_manifest(PatinaDataPage *self)
{
  const PatinaDataset *ds = patina_workspace_get_dataset(self->workspace);
  if (self->info_cancellable)
    g_cancellable_cancel(self->info_cancellable);
  g_clear_object(&self->info_cancellable);
  if (!ds)
    return;
  self->info_cancellable = g_cancellable_new();
  patina_manifest_info_load_async(ds, self->info_cancellable, manifest_read, g_object_ref(self));
}

static void on_manifest_saved(PatinaDataPage *self) { read_manifest(self); }

static void apply_duplicates(PatinaDataPage *self, GArray *near)
{
  const PatinaDataset *ds = patina_workspace_get_dataset(self->workspace);
  guint n = g_list_model_get_n_items(G_LIST_MODEL(self->thumbnails));
  if (!ds || n != ds->samples->len)
    return;
  char **notes = patina_duplicate_notes_new(ds, near);
  for (guint i = 0; i < n; i++) {
    g_autoptr(PatinaThumbnail) t = g_list_model_get_item(G_LIST_MODEL(self->thumbnails), i);
    patina_thumbnail_set_duplicate_note(t, notes[i]);
  }
  patina_duplicate_notes_free(notes, n);
  self->n_near_pairs = patina_count_near_pairs(ds, near);
  update_summary(self);
}

/* ---- thumbnails ---- */

static void update_progress(PatinaDataPage *self)
{
  guint n = g_list_model_get_n_items(G_LIST_MODEL(self->thumbnails));
  gboolean busy = n > 0 && self->n_decoded < n && !self->vanished;
  gtk_widget_set_visible(GTK_WIDGET(self->progress), busy);
  if (busy) {
    gtk_progress_bar_set_fraction(self->progress, (double) self->n_decoded / n);
    g_autofree char *t = g_strdup_printf(_("Decoding thumbnails: %u of %u"), self->n_decoded, n);
    gtk_progress_bar_set_text(self->progress, t);
  }
}

static void on_thumbnail(guint index, GdkTexture *texture, gpointer user_data)
{
  PatinaDataPage *self = user_data;
  g_autoptr(PatinaThumbnail) item = g_list_model_get_item(G_LIST_MODEL(self->thumbnails), index);
  if (item && texture)
    patina_thumbnail_set_texture(item, texture);
  self->n_decoded++;
  update_progress(self);
}

static void on_thumbnails_done(GArray *near, gpointer user_data)
{
  apply_duplicates(user_data, near);
}

static void stop_decoding(PatinaDataPage *self)
{
  g_clear_pointer(&self->decoder, patina_thumbnail_decoder_stop);
}

static void start_decoding(PatinaDataPage *self, const PatinaDataset *ds)
{
  g_autofree const char **paths = g_new0(const char *, ds->samples->len + 1);
  for (guint i = 0; i < ds->samples->len; i++)
    paths[i] = g_array_index(ds->samples, PatinaSample, i).path;
  self->decoder =
    patina_thumbnail_decoder_start(paths, on_thumbnail, on_thumbnails_done, self);
}

/* ---- the folder vanishing ---- */

static void on_folder_changed(GFileMonitor *monitor, GFile *file, GFile *other,
                              GFileMonitorEvent event, gpointer user_data)
{
  (void) monitor;
  PatinaDataPage *self = user_data;
  if (self->vanished)
    return;
  /* a manifest written elsewhere (patina-cli dataset init, another window) changes the split */
  g_autofree char *name = g_file_get_basename(file);
  g_autofree char *other_name = other ? g_file_get_basename(other) : NULL;
  if ((g_strcmp0(name, PATINA_MANIFEST_NAME) == 0 &&
       event != G_FILE_MONITOR_EVENT_CHANGED && event != G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED) ||
      g_strcmp0(other_name, PATINA_MANIFEST_NAME) == 0) {
    read_manifest(self);
    return;
  }
  if ((event != G_FILE_MONITOR_EVENT_DELETED &&
                         event != G_FILE_MONITOR_EVENT_MOVED_OUT &&
                         event != G_FILE_MONITOR_EVENT_RENAMED &&
                         event != G_FILE_MONITOR_EVENT_MOVED &&
                         event != G_FILE_MONITOR_EVENT_UNMOUNTED))
    return;
  const PatinaDataset *ds = patina_workspace_get_dataset(self->workspace);
  if (!ds || g_file_test(ds->root, G_FILE_TEST_IS_DIR))
    return;
  /* What is on screen stays; decoding the rest would only fail file by file. */
  self->vanished = TRUE;
  stop_decoding(self);
  update_progress(self);
  g_autofree char *msg =
    g_strdup_printf(_("The data set folder %s was removed or renamed. The images shown stay "
                      "until you open a data set; training needs the folder back."),
                    ds->root);
  gtk_label_set_label(self->banner_label, msg);
  gtk_revealer_set_reveal_child(self->banner, TRUE);
}

static void watch_folder(PatinaDataPage *self, const char *root)
{
  if (self->monitor) {
    g_signal_handlers_disconnect_by_data(self->monitor, self);
    g_file_monitor_cancel(self->monitor);
  }
  g_clear_object(&self->monitor);
  self->vanished = FALSE;
  gtk_revealer_set_reveal_child(self->banner, FALSE);
  if (!root)
    return;
  g_autoptr(GFile) dir = g_file_new_for_path(root);
  /* without a monitor (unsupported file system) the page simply is not warned */
  self->monitor = g_file_monitor_directory(dir, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
  if (self->monitor)
    g_signal_connect(self->monitor, "changed", G_CALLBACK(on_folder_changed), self);
}

/* ---- the viewer ---- */

static void show_image(PatinaDataPage *self, const char *path)
{
  const PatinaDataset *ds = patina_workspace_get_dataset(self->workspace);
  const char *class_name = NULL;
  guint n = g_list_model_get_n_items(G_LIST_MODEL(self->thumbnails));
  for (guint i = 0; i < n && !class_name; i++) {
    g_autoptr(PatinaThumbnail) t = g_list_model_get_item(G_LIST_MODEL(self->thumbnails), i);
    if (g_str_equal(patina_thumbnail_get_path(t), path))
      class_name = g_ptr_array_index(ds->class_names,
                                     g_array_index(ds->samples, PatinaSample, i).label);
  }
  patina_image_viewer_open(self->viewer, path, class_name ? ds->root : NULL, class_name);
  gtk_stack_set_visible_child_name(self->stack, "viewer");
}

void patina_data_page_show_image(PatinaDataPage *self, const char *path)
{
  g_return_if_fail(PATINA_IS_DATA_PAGE(self) && path != NULL);
  show_image(self, path);
}

static void open_image_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  show_image(PATINA_DATA_PAGE(widget), g_variant_get_string(param, NULL));
}

static void close_image_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  PatinaDataPage *self = PATINA_DATA_PAGE(widget);
  if (!g_str_equal(gtk_stack_get_visible_child_name(self->stack), "viewer"))
    return;
  patina_image_viewer_clear(self->viewer);
  gtk_stack_set_visible_child_name(
    self->stack, patina_workspace_get_dataset(self->workspace) ? "dataset" : "empty");
  gtk_widget_grab_focus(GTK_WIDGET(self->grid));
}

static void on_grid_activate(PatinaDataPage *self, guint position)
{
  g_autoptr(PatinaThumbnail) t = g_list_model_get_item(G_LIST_MODEL(self->filtered), position);
  if (t)
    gtk_widget_activate_action(GTK_WIDGET(self), "data.open-image", "s",
                               patina_thumbnail_get_path(t));
}

/* ---- recent data sets ---- */

static void update_recent(PatinaDataPage *self)
{
  for (guint i = 0; i < self->recent_rows->len; i++)
    adw_preferences_group_remove(self->recent_group, self->recent_rows->pdata[i]);
  g_ptr_array_set_size(self->recent_rows, 0);
  g_auto(GStrv) recent = g_settings_get_strv(self->settings, "recent-datasets");
  for (guint i = 0; recent[i]; i++) {
    g_autofree char *base = g_path_get_basename(recent[i]);
    g_autofree char *dir = g_path_get_dirname(recent[i]);
    GtkWidget *row = adw_action_row_new();
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), base);
    adw_action_row_set_subtitle(ADW_ACTION_ROW(row), dir);
    gtk_list_box_row_set_activatable(GTK_LIST_BOX_ROW(row), TRUE);
    gtk_actionable_set_action_name(GTK_ACTIONABLE(row), "win.open-recent");
    gtk_actionable_set_action_target(GTK_ACTIONABLE(row), "s", recent[i]);
    gtk_widget_set_tooltip_text(row, recent[i]);
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), gtk_image_new_from_icon_name("go-next-symbolic"));
    adw_preferences_group_add(self->recent_group, row);
    g_ptr_array_add(self->recent_rows, row);
  }
  gtk_widget_set_visible(GTK_WIDGET(self->recent_group), recent[0] != NULL);
}

/* ---- the data set ---- */

static void on_dataset_changed(PatinaDataPage *self)
{
  const PatinaDataset *ds = patina_workspace_get_dataset(self->workspace);
  stop_decoding(self);
  if (self->info_cancellable)
    g_cancellable_cancel(self->info_cancellable);
  g_clear_object(&self->info_cancellable);
  g_clear_pointer(&self->manifest, patina_manifest_info_free);
  self->n_near_pairs = 0;
  patina_image_viewer_clear(self->viewer);
  g_list_store_remove_all(self->thumbnails);
  self->n_decoded = 0;
  watch_folder(self, ds ? ds->root : NULL);
  if (!ds) {
    gtk_stack_set_visible_child_name(self->stack, "empty");
    return;
  }

  /* the class filter offers this data set's classes */
  self->syncing = TRUE;
  guint n_old = g_list_model_get_n_items(G_LIST_MODEL(self->class_choices));
  g_autofree const char **names = g_new0(const char *, ds->class_names->len + 1);
  for (guint k = 0; k < ds->class_names->len; k++)
    names[k] = g_ptr_array_index(ds->class_names, k);
  gtk_string_list_splice(self->class_choices, 1, n_old - 1, names);
  self->syncing = FALSE;
  patina_data_page_set_class_filter(self, NULL);
  patina_data_page_set_split_filter(self, -1);
  gtk_widget_set_sensitive(GTK_WIDGET(self->split_dropdown), FALSE);

  g_autofree char *base = g_path_get_basename(ds->root);
  gtk_label_set_label(self->title_label, base);
  gtk_widget_set_tooltip_text(GTK_WIDGET(self->title_label), ds->root);
  update_summary(self);

  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_object_unref);
  for (guint i = 0; i < ds->samples->len; i++) {
    const PatinaSample *s = &g_array_index(ds->samples, PatinaSample, i);
    g_ptr_array_add(items, patina_thumbnail_new(s->path, g_ptr_array_index(ds->class_names,
                                                                           s->label)));
  }
  g_list_store_splice(self->thumbnails, 0, 0, items->pdata, items->len);
  gtk_stack_set_visible_child_name(self->stack, "dataset");
  start_decoding(self, ds);
  read_manifest(self);
  update_progress(self);
}

/* A count replaces the spinner once the worker has drawn the first demo image. Drawing takes
 * long enough that the count shows even over a data set already open (it comes back if the
 * generation fails). */
static void on_demo_progress(PatinaDataPage *self)
{
  int drawn = patina_workspace_get_demo_drawn(self->workspace);
  int total = patina_workspace_get_demo_total(self->workspace);
  gboolean counting = total > 0;
  gtk_widget_set_visible(GTK_WIDGET(self->demo_progress), counting);
  gtk_widget_set_visible(GTK_WIDGET(self->loading_spinner), !counting);
  if (!counting)
    return;
  if (patina_workspace_get_loading(self->workspace))
    gtk_stack_set_visible_child_name(self->stack, "loading");
  /* Text first: whoever watches the fraction reads the count that goes with it. */
  g_autofree char *text = g_strdup_printf(_("Drawing demo images: %d of %d"), drawn, total);
  gtk_progress_bar_set_text(self->demo_progress, text);
  gtk_progress_bar_set_fraction(self->demo_progress, (double) drawn / total);
}

static void on_loading_changed(PatinaDataPage *self)
{
  if (patina_workspace_get_loading(self->workspace) && !patina_workspace_get_dataset(self->workspace))
    gtk_stack_set_visible_child_name(self->stack, "loading");
  else if (!patina_workspace_get_dataset(self->workspace))
    gtk_stack_set_visible_child_name(self->stack, "empty");
  else if (!patina_workspace_get_loading(self->workspace) &&
           g_str_equal(gtk_stack_get_visible_child_name(self->stack), "loading"))
    gtk_stack_set_visible_child_name(self->stack, "dataset");
}

void patina_data_page_set_workspace(PatinaDataPage *self, PatinaWorkspace *workspace)
{
  g_return_if_fail(PATINA_IS_DATA_PAGE(self) && PATINA_IS_WORKSPACE(workspace));
  g_return_if_fail(self->workspace == NULL);
  self->workspace = g_object_ref(workspace);
  g_signal_connect_object(workspace, "notify::dataset", G_CALLBACK(on_dataset_changed), self,
                          G_CONNECT_SWAPPED);
  g_signal_connect_object(workspace, "notify::loading", G_CALLBACK(on_loading_changed), self,
                          G_CONNECT_SWAPPED);
  g_signal_connect_object(workspace, "notify::demo-drawn", G_CALLBACK(on_demo_progress), self,
                          G_CONNECT_SWAPPED);
  g_signal_connect_object(workspace, "notify::demo-total", G_CALLBACK(on_demo_progress), self,
                          G_CONNECT_SWAPPED);
  on_dataset_changed(self);
}

GListModel *patina_data_page_get_thumbnails(PatinaDataPage *self)
{
  return G_LIST_MODEL(self->thumbnails);
}

GListModel *patina_data_page_get_shown(PatinaDataPage *self)
{
  return G_LIST_MODEL(self->filtered);
}

guint patina_data_page_get_n_decoded(PatinaDataPage *self) { return self->n_decoded; }

gboolean patina_data_page_is_scanned(PatinaDataPage *self)
{
  guint n = g_list_model_get_n_items(G_LIST_MODEL(self->thumbnails));
  return self->manifest != NULL && patina_thumbnail_decoder_is_done(self->decoder) &&
         self->n_decoded == n;
}

const char *patina_data_page_get_summary(PatinaDataPage *self)
{
  return gtk_label_get_label(self->summary_label);
}

const char *patina_data_page_get_notes(PatinaDataPage *self)
{
  return gtk_label_get_label(self->notes_label);
}

GtkProgressBar *patina_data_page_get_demo_progress(PatinaDataPage *self)
{
  return self->demo_progress;
}

const char *patina_data_page_get_banner(PatinaDataPage *self)
{
  return gtk_revealer_get_reveal_child(self->banner) ? gtk_label_get_label(self->banner_label)
                                                     : NULL;
}

PatinaImageViewer *patina_data_page_get_viewer(PatinaDataPage *self) { return self->viewer; }

gboolean patina_data_page_get_viewer_visible(PatinaDataPage *self)
{
  return g_str_equal(gtk_stack_get_visible_child_name(self->stack), "viewer");
}

static void patina_data_page_dispose(GObject *object)
{
  PatinaDataPage *self = PATINA_DATA_PAGE(object);
  stop_decoding(self);
  if (self->info_cancellable)
    g_cancellable_cancel(self->info_cancellable);
  g_clear_object(&self->info_cancellable);
  if (self->monitor) {
    g_signal_handlers_disconnect_by_data(self->monitor, self);
    g_file_monitor_cancel(self->monitor);
  }
  g_clear_object(&self->monitor);
  if (self->settings)
    g_signal_handlers_disconnect_by_data(self->settings, self);
  g_clear_object(&self->settings);
  g_clear_pointer(&self->recent_rows, g_ptr_array_unref);
  gtk_widget_dispose_template(GTK_WIDGET(self), PATINA_TYPE_DATA_PAGE);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))))
    gtk_widget_unparent(child);
  g_clear_object(&self->workspace);
  g_clear_object(&self->filtered);
  g_clear_object(&self->thumbnails);
  g_clear_object(&self->class_choices);
  g_clear_pointer(&self->class_filter, g_free);
  g_clear_pointer(&self->manifest, patina_manifest_info_free);
  G_OBJECT_CLASS(patina_data_page_parent_class)->dispose(object);
}

static void patina_data_page_class_init(PatinaDataPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  object_class->dispose = patina_data_page_dispose;

  g_type_ensure(PATINA_TYPE_THUMBNAIL);
  g_type_ensure(PATINA_TYPE_IMAGE_VIEWER);
  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/org/patina/Patina/ui/patina-data-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, PatinaDataPage, name)
  BIND(stack);
  BIND(title_label);
  BIND(summary_label);
  BIND(notes_label);
  BIND(progress);
  BIND(loading_spinner);
  BIND(demo_progress);
  BIND(grid);
  BIND(class_dropdown);
  BIND(split_dropdown);
  BIND(banner);
  BIND(banner_label);
  BIND(recent_group);
  BIND(viewer);
#undef BIND
  gtk_widget_class_bind_template_callback(widget_class, on_grid_activate);
  gtk_widget_class_bind_template_callback(widget_class, on_manifest_saved);
  patina_data_page_class_add_filters(widget_class);
  /* data.open-image (s): show the image at a path in the viewer; data.close-image: back */
  gtk_widget_class_install_action(widget_class, "data.open-image", "s", open_image_action);
  gtk_widget_class_install_action(widget_class, "data.close-image", NULL, close_image_action);
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Escape, 0, "data.close-image", NULL);
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Left, GDK_ALT_MASK,
                                      "data.close-image", NULL);
  gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void patina_data_page_init(PatinaDataPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  self->split_filter = -1;
  self->recent_rows = g_ptr_array_new();
  self->settings = patina_settings_new();
  g_signal_connect_swapped(self->settings, "changed::recent-datasets", G_CALLBACK(update_recent),
                           self);
  update_recent(self);
  self->thumbnails = g_list_store_new(PATINA_TYPE_THUMBNAIL);
  self->filter = gtk_custom_filter_new(patina_data_page_filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new(g_object_ref(G_LIST_MODEL(self->thumbnails)),
                                             GTK_FILTER(self->filter));
  self->class_choices = gtk_string_list_new((const char *const[]){_("All Classes"), NULL});
  self->syncing = TRUE;
  gtk_drop_down_set_model(self->class_dropdown, G_LIST_MODEL(self->class_choices));
  g_autoptr(GtkStringList) splits = gtk_string_list_new(
    (const char *const[]){_("All Splits"), _("Train"), _("Validation"), _("Test"), NULL});
  gtk_drop_down_set_model(self->split_dropdown, G_LIST_MODEL(splits));
  self->syncing = FALSE;
  g_autoptr(GtkNoSelection) sel = gtk_no_selection_new(g_object_ref(G_LIST_MODEL(self->filtered)));
  g_autoptr(GtkListItemFactory) factory =
    gtk_builder_list_item_factory_new_from_resource(NULL,
                                                    "/org/patina/Patina/ui/patina-thumbnail-cell.ui");
  gtk_grid_view_set_factory(self->grid, factory);
  gtk_grid_view_set_model(self->grid, GTK_SELECTION_MODEL(sel));
}
