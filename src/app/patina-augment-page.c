#include "patina-augment-page.h"
#include "patina-file-chooser.h"

#include <glib/gi18n.h>

#include "patina-augment-controls.h"
#include "patina-augment-render.h"
#include "patina-augment-tiles-view.h"
#include "patina-settings.h"
#include "patina-window.h"
#include "viz/augment-grid.h"

#define N_VARIANTS 8 /* with the original, a 3×3 grid */
#define COLUMNS 3
#define EXPORT_TILE_PX 200

static const char *const preset_names[] = {"none", "paper", "mild"}; /* then "Custom" */
#define PRESET_CUSTOM G_N_ELEMENTS(preset_names)

struct _PatinaAugmentPage {
  GtkWidget parent_instance;

  GtkStack *stack;
  AdwComboRow *image_row;
  AdwComboRow *preset_row;
  AdwPreferencesGroup *geometry_group, *intensity_group, *noise_group;
  GtkLabel *title_label, *caption_label;
  GtkSpinner *spinner;
  GtkStack *grid_stack;
  PatinaAugmentTilesView *tiles_view;
  AdwStatusPage *error_status;

  PatinaWorkspace *workspace;
  GSettings *settings;
  PatinaAugmentControls *controls;
  PatinaAugment params;
  guint64 seed;
  GtkStringList *image_names; /* "class/file" of the data set's images */
  GPtrArray *image_paths;
  char *path;                 /* the image shown: one of image_paths or a file picked */
  gboolean syncing;

  /* latest request wins: at most one render in flight */
  GCancellable *render_cancellable; /* the render in flight, NULL when none */
  gboolean render_again;            /* parameters changed while it ran */
  guint render_idle;
  char *source_path;                /* what source_plane was decoded from, at source_size */
  int source_size;
  GBytes *source_plane;
  PatinaAugmentRenderStats stats;

  /* what the grid shows */
  char *shown_json, *shown_path;
  guint64 shown_seed;
  int shown_size;
  GArray *shown_tiles;

  GtkFileChooserNative *chooser;
  GError *startup_error; /* the saved parameters did not parse; told once the window exists */
};

G_DEFINE_FINAL_TYPE(PatinaAugmentPage, patina_augment_page, GTK_TYPE_WIDGET)

static void toast(PatinaAugmentPage *self, const char *message)
{
  GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
  if (PATINA_IS_WINDOW(root))
    patina_window_toast(PATINA_WINDOW(root), message);
  else
    g_debug("%s", message); /* a page being torn down has no one to tell */
}

/* ---- rendering on a worker ---- */

static void start_render(PatinaAugmentPage *self);

static void show_render(PatinaAugmentPage *self, PatinaAugmentRender *r)
{
  patina_augment_tiles_view_show(self->tiles_view, r->tiles, r->rgb, r->size);
  g_clear_pointer(&self->shown_tiles, g_array_unref);
  self->shown_tiles = g_array_ref(r->tiles);
  g_free(self->shown_json);
  self->shown_json = patina_augment_to_json(&r->params);
  g_free(self->shown_path);
  self->shown_path = g_strdup(r->path);
  self->shown_seed = r->seed;
  self->shown_size = r->size;
  self->stats.shown++;
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "augment.export", TRUE);
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "augment.export-path", TRUE);

  g_autofree char *base = g_path_get_basename(r->path);
  gtk_label_set_label(self->title_label, base);
  gtk_widget_set_tooltip_text(GTK_WIDGET(self->title_label), r->path);
  g_autofree char *what = patina_augment_describe(&r->params);
  g_autofree char *seed = g_strdup_printf("%" G_GUINT64_FORMAT, r->seed);
  g_autofree char *caption = g_strdup_printf(_("%d px · seed %s · %s"), r->size, seed, what);
  gtk_label_set_label(self->caption_label, caption);
  gtk_widget_set_tooltip_text(GTK_WIDGET(self->caption_label), caption);
  gtk_stack_set_visible_child_name(self->grid_stack, "grid");
}

static void render_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
  (void) source;
  g_autoptr(PatinaAugmentPage) self = user_data;
  PatinaAugmentRender *r = patina_augment_render_get(res);
  g_autoptr(GError) error = NULL;
  gboolean ok = patina_augment_render_finish(res, &error);
  if (!self->settings)
    return; /* disposed while it ran */
  self->stats.max_concurrent = MAX(self->stats.max_concurrent, r->concurrent);
  gboolean superseded = g_cancellable_is_cancelled(g_task_get_cancellable(G_TASK(res)));
  g_clear_object(&self->render_cancellable);
  if (r->source && !superseded) {
    g_free(self->source_path);
    self->source_path = g_strdup(r->path);
    self->source_size = r->size;
    g_clear_pointer(&self->source_plane, g_bytes_unref);
    self->source_plane = g_bytes_ref(r->source);
  }
  if (ok && !superseded && !self->render_again) {
    show_render(self, r);
  } else if (!ok && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !superseded) {
    self->stats.failed++;
    g_autofree char *msg = g_strdup_printf(_("Cannot show the image: %s"), error->message);
    adw_status_page_set_description(self->error_status, error->message);
    gtk_stack_set_visible_child_name(self->grid_stack, "error");
    g_autofree char *base = g_path_get_basename(r->path);
    gtk_label_set_label(self->title_label, base);
    gtk_label_set_label(self->caption_label, "");
    /* Told where it is seen: behind another page (the data set vanished, say) the inline
     * message waits, and the toast the user is reading stays. */
    if (gtk_widget_get_mapped(GTK_WIDGET(self)))
      toast(self, msg);
  }
  if (self->render_again && gtk_widget_get_parent(GTK_WIDGET(self)))
    start_render(self);
  else
    gtk_spinner_stop(self->spinner);
  self->stats.busy = self->render_cancellable != NULL || self->render_idle;
}

static void start_render(PatinaAugmentPage *self)
{
  self->render_again = FALSE;
  if (!self->path) {
    self->stats.busy = FALSE;
    return;
  }
  int size = g_settings_get_int(self->settings, "train-size");
  gboolean cached = self->source_plane && self->source_size == size &&
                    g_strcmp0(self->source_path, self->path) == 0;
  PatinaAugmentRender *r =
    patina_augment_render_new(self->path, size, &self->params, self->seed, N_VARIANTS,
                              cached ? self->source_plane : NULL);
  self->render_cancellable = g_cancellable_new();
  self->stats.started++;
  self->stats.busy = TRUE;
  gtk_spinner_start(self->spinner);
  patina_augment_render_run(r, self->render_cancellable, render_done, g_object_ref(self));
}

static gboolean render_idle_cb(gpointer user_data)
{
  PatinaAugmentPage *self = user_data;
  self->render_idle = 0;
  if (self->render_cancellable) {
    /* it stops at its next tile; render_done then starts the newest request */
    g_cancellable_cancel(self->render_cancellable);
    self->render_again = TRUE;
  } else {
    start_render(self);
  }
  return G_SOURCE_REMOVE;
}

/* Changes of one main-loop turn (a preset sets many controls) become one request. */
static void queue_render(PatinaAugmentPage *self)
{
  if (!self->render_idle)
    self->render_idle = g_idle_add(render_idle_cb, self);
  self->stats.busy = TRUE;
}

/* ---- parameters ---- */

static void update_preset_row(PatinaAugmentPage *self)
{
  g_autofree char *mine = patina_augment_to_json(&self->params);
  guint selected = PRESET_CUSTOM;
  for (guint i = 0; i < G_N_ELEMENTS(preset_names); i++) {
    PatinaAugment p;
    patina_augment_preset(&p, preset_names[i], NULL);
    g_autofree char *json = patina_augment_to_json(&p);
    if (g_str_equal(json, mine))
      selected = i;
  }
  self->syncing = TRUE;
  adw_combo_row_set_selected(self->preset_row, selected);
  self->syncing = FALSE;
}

/* New parameters from anywhere: saved with the training settings, shown, rendered. */
static void params_changed(PatinaAugmentPage *self)
{
  self->syncing = TRUE;
  patina_settings_set_augment(self->settings, &self->params);
  self->syncing = FALSE;
  update_preset_row(self);
  queue_render(self);
}

static void set_params(PatinaAugmentPage *self, const PatinaAugment *a)
{
  self->params = *a;
  patina_augment_controls_set(self->controls, a);
  params_changed(self);
}

static void on_controls_changed(const PatinaAugment *a, gpointer user_data)
{
  PatinaAugmentPage *self = user_data;
  self->params = *a;
  params_changed(self);
}

static void on_preset_selected(PatinaAugmentPage *self)
{
  guint i = adw_combo_row_get_selected(self->preset_row);
  if (self->syncing)
    return;
  if (i >= G_N_ELEMENTS(preset_names)) {
    update_preset_row(self); /* "Custom" is what the controls hold, not a choice */
    return;
  }
  gtk_widget_activate_action(GTK_WIDGET(self), "augment.preset", "s", preset_names[i]);
}

/* The key changed elsewhere (another window, a restored run): follow it. */
static void on_settings_augment(PatinaAugmentPage *self)
{
  PatinaAugment a;
  g_autoptr(GError) error = NULL;
  if (!patina_settings_get_augment(self->settings, &a, &error)) {
    /* Shown as all off but not written back: the Train page refuses the key with the same
     * message until the user changes a parameter here. */
    toast(self, error->message);
    self->params = a;
    patina_augment_controls_set(self->controls, &a);
    update_preset_row(self);
    queue_render(self);
    return;
  }
  g_autofree char *theirs = patina_augment_to_json(&a);
  g_autofree char *mine = patina_augment_to_json(&self->params);
  if (self->syncing || g_str_equal(theirs, mine))
    return; /* our own write coming back */
  set_params(self, &a);
}

static void preset_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  PatinaAugmentPage *self = PATINA_AUGMENT_PAGE(widget);
  PatinaAugment a;
  g_autoptr(GError) error = NULL;
  if (!patina_augment_preset(&a, g_variant_get_string(param, NULL), &error)) {
    toast(self, error->message);
    return;
  }
  set_params(self, &a);
}

static void reset_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  PatinaAugment none;
  patina_augment_init(&none);
  set_params(PATINA_AUGMENT_PAGE(widget), &none);
}

static void set_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  PatinaAugmentPage *self = PATINA_AUGMENT_PAGE(widget);
  const char *field, *value;
  g_variant_get(param, "(&s&s)", &field, &value);
  PatinaAugment a = self->params;
  g_autoptr(GError) error = NULL;
  if (!patina_augment_set(&a, field, value, &error)) {
    toast(self, error->message);
    return;
  }
  set_params(self, &a);
}

static void new_seed_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  PatinaAugmentPage *self = PATINA_AUGMENT_PAGE(widget);
  guint64 seed;
  do
    seed = (guint64) g_random_int_range(1, G_MAXINT32);
  while (seed == self->seed);
  self->seed = seed;
  queue_render(self);
}

/* ---- the image ---- */

static void show_path(PatinaAugmentPage *self, const char *path)
{
  if (g_strcmp0(self->path, path) == 0)
    return;
  g_free(self->path);
  self->path = g_strdup(path);
  gtk_stack_set_visible_child_name(self->stack, path ? "preview" : "empty");
  queue_render(self);
}

static void on_image_selected(PatinaAugmentPage *self)
{
  guint i = adw_combo_row_get_selected(self->image_row);
  if (self->syncing || i >= self->image_paths->len)
    return;
  show_path(self, g_ptr_array_index(self->image_paths, i));
}

static void on_dataset_changed(PatinaAugmentPage *self)
{
  const PatinaDataset *ds = patina_workspace_get_dataset(self->workspace);
  gboolean picked_file = self->path && !g_ptr_array_find_with_equal_func(
                                         self->image_paths, self->path, g_str_equal, NULL);
  g_ptr_array_set_size(self->image_paths, 0);
  guint n_old = g_list_model_get_n_items(G_LIST_MODEL(self->image_names));
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; ds && i < ds->samples->len; i++) {
    const PatinaSample *s = &g_array_index(ds->samples, PatinaSample, i);
    g_autofree char *base = g_path_get_basename(s->path);
    g_ptr_array_add(names, g_strdup_printf("%s/%s", (char *) g_ptr_array_index(ds->class_names,
                                                                               s->label),
                                           base));
    g_ptr_array_add(self->image_paths, g_strdup(s->path));
  }
  g_ptr_array_add(names, NULL);
  self->syncing = TRUE;
  gtk_string_list_splice(self->image_names, 0, n_old, (const char *const *) names->pdata);
  adw_combo_row_set_selected(self->image_row, picked_file ? GTK_INVALID_LIST_POSITION : 0);
  self->syncing = FALSE;
  gtk_widget_set_sensitive(GTK_WIDGET(self->image_row), self->image_paths->len > 0);
  gboolean have = self->image_paths->len > 0;
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "augment.next-image", have);
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "augment.previous-image", have);
  if (!picked_file)
    show_path(self, have ? g_ptr_array_index(self->image_paths, 0) : NULL);
}

static void step_image(PatinaAugmentPage *self, int delta)
{
  guint n = self->image_paths->len;
  if (!n)
    return;
  guint i = adw_combo_row_get_selected(self->image_row);
  i = i == GTK_INVALID_LIST_POSITION ? 0 : (i + n + (guint) delta) % n;
  adw_combo_row_set_selected(self->image_row, i); /* on_image_selected shows it */
}

static void next_image_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  step_image(PATINA_AUGMENT_PAGE(widget), 1);
}

static void previous_image_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  step_image(PATINA_AUGMENT_PAGE(widget), -1);
}

/* A file picked, dropped or sent from the Data viewer. */
static void show_file(PatinaAugmentPage *self, GFile *file)
{
  g_autofree char *path = g_file_get_path(file);
  if (!path) {
    toast(self, _("Only local image files can be previewed"));
    return;
  }
  /* selected in the list when it is one of the data set's, so the row says which it is */
  guint index;
  gboolean listed =
    g_ptr_array_find_with_equal_func(self->image_paths, path, g_str_equal, &index);
  self->syncing = TRUE;
  adw_combo_row_set_selected(self->image_row, listed ? index : GTK_INVALID_LIST_POSITION);
  self->syncing = FALSE;
  show_path(self, path);
}

static void open_image_path_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  g_autoptr(GFile) file = g_file_new_for_path(g_variant_get_string(param, NULL));
  show_file(PATINA_AUGMENT_PAGE(widget), file);
}

static void image_chosen(GtkWidget *owner, GListModel *files)
{
  g_autoptr(GFile) file = g_list_model_get_item(files, 0);
  show_file(PATINA_AUGMENT_PAGE(owner), file);
}

static void open_image_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  PatinaAugmentPage *self = PATINA_AUGMENT_PAGE(widget);
  GtkFileChooserNative *chooser = patina_file_chooser_new(
    widget, &self->chooser, _("Pick an Image"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
    image_chosen);
  if (!chooser)
    return;
  patina_file_chooser_add_image_filter(chooser);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

void patina_augment_page_open_file(PatinaAugmentPage *self, GFile *file)
{
  g_return_if_fail(PATINA_IS_AUGMENT_PAGE(self) && G_IS_FILE(file));
  GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
  g_autofree char *path = g_file_get_path(file);
  if (path && g_file_test(path, G_FILE_TEST_IS_DIR) && PATINA_IS_WINDOW(root))
    patina_window_open_file(PATINA_WINDOW(root), file);
  else
    show_file(self, file);
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
  patina_augment_page_open_file(PATINA_AUGMENT_PAGE(user_data), files->data);
  return TRUE;
}

/* ---- export ---- */

static void export_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
  PatinaAugmentPage *self = PATINA_AUGMENT_PAGE(source);
  GFile *dest = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_parse_name(dest);
  g_autofree char *msg = NULL;
  if (patina_augment_export_finish(res, &error))
    msg = g_strdup_printf(_("Saved the grid to %s"), name);
  else
    msg = g_strdup_printf(_("Cannot save %s: %s"), name, error->message);
  toast(self, msg);
  g_object_unref(dest);
}

static void export_to(PatinaAugmentPage *self, GFile *dest)
{
  if (!self->shown_tiles) {
    toast(self, _("There is no grid to export yet"));
    return;
  }
  PatinaAugment shown;
  patina_augment_from_json(&shown, self->shown_json, -1, NULL);
  g_autofree char *base = g_path_get_basename(self->shown_path);
  g_auto(GStrv) title = patina_augment_grid_title(base, self->shown_size, self->shown_seed,
                                                  &shown);
  patina_augment_export_async(self->shown_tiles, self->shown_size, EXPORT_TILE_PX, COLUMNS, title,
                              dest, self, export_done, g_object_ref(dest));
}

static void export_path_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  g_autoptr(GFile) file = g_file_new_for_path(g_variant_get_string(param, NULL));
  export_to(PATINA_AUGMENT_PAGE(widget), file);
}

static void export_chosen(GtkWidget *owner, GListModel *files)
{
  g_autoptr(GFile) file = g_list_model_get_item(files, 0);
  export_to(PATINA_AUGMENT_PAGE(owner), file);
}

static void export_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  PatinaAugmentPage *self = PATINA_AUGMENT_PAGE(widget);
  GtkFileChooserNative *chooser = patina_file_chooser_new(
    widget, &self->chooser, _("Export Augmentation Grid"), GTK_FILE_CHOOSER_ACTION_SAVE,
    _("_Save"), export_chosen);
  if (!chooser)
    return;
  patina_file_chooser_suggest(chooser, self->shown_path ? self->shown_path : "grid",
                              "-augmented.png");
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(chooser));
}

/* ---- public ---- */

void patina_augment_page_set_workspace(PatinaAugmentPage *self, PatinaWorkspace *workspace)
{
  g_return_if_fail(PATINA_IS_AUGMENT_PAGE(self) && PATINA_IS_WORKSPACE(workspace));
  g_return_if_fail(self->workspace == NULL);
  self->workspace = g_object_ref(workspace);
  g_signal_connect_object(workspace, "notify::dataset", G_CALLBACK(on_dataset_changed), self,
                          G_CONNECT_SWAPPED);
  on_dataset_changed(self);
  if (self->startup_error)
    toast(self, self->startup_error->message);
  g_clear_error(&self->startup_error);
}

char *patina_augment_page_get_params_json(PatinaAugmentPage *self)
{
  return patina_augment_to_json(&self->params);
}

const char *patina_augment_page_get_shown_json(PatinaAugmentPage *self)
{
  return self->shown_json;
}

guint64 patina_augment_page_get_shown_seed(PatinaAugmentPage *self) { return self->shown_seed; }
const char *patina_augment_page_get_shown_path(PatinaAugmentPage *self)
{
  return self->shown_path;
}
GArray *patina_augment_page_get_shown_tiles(PatinaAugmentPage *self)
{
  return self->shown_tiles;
}

void patina_augment_page_get_render_stats(PatinaAugmentPage *self, PatinaAugmentRenderStats *s)
{
  *s = self->stats;
}

GtkSpinButton *patina_augment_page_get_spin(PatinaAugmentPage *self, const char *name,
                                            gboolean high)
{
  return patina_augment_controls_get_spin(self->controls, name, high);
}

/* ---- lifecycle ---- */

static void patina_augment_page_dispose(GObject *object)
{
  PatinaAugmentPage *self = PATINA_AUGMENT_PAGE(object);
  if (self->render_cancellable)
    g_cancellable_cancel(self->render_cancellable);
  g_clear_object(&self->render_cancellable);
  g_clear_handle_id(&self->render_idle, g_source_remove);
  patina_file_chooser_close(&self->chooser);
  if (self->settings)
    g_signal_handlers_disconnect_by_data(self->settings, self);
  gtk_widget_dispose_template(GTK_WIDGET(self), PATINA_TYPE_AUGMENT_PAGE);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))))
    gtk_widget_unparent(child);
  g_clear_pointer(&self->controls, patina_augment_controls_free);
  g_clear_object(&self->workspace);
  g_clear_object(&self->settings);
  g_clear_object(&self->image_names);
  g_clear_pointer(&self->image_paths, g_ptr_array_unref);
  g_clear_pointer(&self->path, g_free);
  g_clear_pointer(&self->source_path, g_free);
  g_clear_pointer(&self->source_plane, g_bytes_unref);
  g_clear_pointer(&self->shown_json, g_free);
  g_clear_pointer(&self->shown_path, g_free);
  g_clear_pointer(&self->shown_tiles, g_array_unref);
  g_clear_error(&self->startup_error);
  G_OBJECT_CLASS(patina_augment_page_parent_class)->dispose(object);
}

static void patina_augment_page_class_init(PatinaAugmentPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  object_class->dispose = patina_augment_page_dispose;

  g_type_ensure(PATINA_TYPE_AUGMENT_TILES_VIEW);
  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/org/patina/Patina/ui/patina-augment-page.ui");
  gtk_widget_class_bind_template_child(widget_class, PatinaAugmentPage, stack);
  gtk_widget_class_bind_template_child(widget_class, PatinaAugmentPage, image_row);
  gtk_widget_class_bind_template_child(widget_class, PatinaAugmentPage, preset_row);
  gtk_widget_class_bind_template_child(widget_class, PatinaAugmentPage, geometry_group);
  gtk_widget_class_bind_template_child(widget_class, PatinaAugmentPage, intensity_group);
  gtk_widget_class_bind_template_child(widget_class, PatinaAugmentPage, noise_group);
  gtk_widget_class_bind_template_child(widget_class, PatinaAugmentPage, title_label);
  gtk_widget_class_bind_template_child(widget_class, PatinaAugmentPage, caption_label);
  gtk_widget_class_bind_template_child(widget_class, PatinaAugmentPage, spinner);
  gtk_widget_class_bind_template_child(widget_class, PatinaAugmentPage, grid_stack);
  gtk_widget_class_bind_template_child(widget_class, PatinaAugmentPage, tiles_view);
  gtk_widget_class_bind_template_child(widget_class, PatinaAugmentPage, error_status);
  gtk_widget_class_bind_template_callback(widget_class, on_image_selected);
  gtk_widget_class_bind_template_callback(widget_class, on_preset_selected);

  gtk_widget_class_install_action(widget_class, "augment.new-seed", NULL, new_seed_action);
  gtk_widget_class_install_action(widget_class, "augment.export", NULL, export_action);
  gtk_widget_class_install_action(widget_class, "augment.export-path", "s", export_path_action);
  gtk_widget_class_install_action(widget_class, "augment.preset", "s", preset_action);
  gtk_widget_class_install_action(widget_class, "augment.reset", NULL, reset_action);
  gtk_widget_class_install_action(widget_class, "augment.set", "(ss)", set_action);
  gtk_widget_class_install_action(widget_class, "augment.open-image", NULL, open_image_action);
  gtk_widget_class_install_action(widget_class, "augment.open-image-path", "s",
                                  open_image_path_action);
  gtk_widget_class_install_action(widget_class, "augment.next-image", NULL, next_image_action);
  gtk_widget_class_install_action(widget_class, "augment.previous-image", NULL,
                                  previous_image_action);
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                      "augment.open-image", NULL);
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                      "augment.new-seed", NULL);
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_e, GDK_CONTROL_MASK,
                                      "augment.export", NULL);
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Page_Down, GDK_CONTROL_MASK,
                                      "augment.next-image", NULL);
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Page_Up, GDK_CONTROL_MASK,
                                      "augment.previous-image", NULL);
  gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void patina_augment_page_init(PatinaAugmentPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  self->settings = patina_settings_new();
  self->image_paths = g_ptr_array_new_with_free_func(g_free);
  self->image_names = gtk_string_list_new(NULL);
  self->syncing = TRUE;
  adw_combo_row_set_model(self->image_row, G_LIST_MODEL(self->image_names));
  self->syncing = FALSE;
  patina_augment_tiles_view_set_layout(self->tiles_view, N_VARIANTS + 1, COLUMNS);
  self->controls = patina_augment_controls_new(self->geometry_group, self->intensity_group,
                                               self->noise_group, on_controls_changed, self);
  PatinaAugment a;
  patina_settings_get_augment(self->settings, &a, &self->startup_error);
  self->params = a;
  patina_augment_controls_set(self->controls, &a);
  update_preset_row(self);
  g_signal_connect_swapped(self->settings, "changed::augment", G_CALLBACK(on_settings_augment),
                           self);
  g_signal_connect_swapped(self->settings, "changed::train-size", G_CALLBACK(queue_render),
                           self);

  GtkDropTarget *drop = gtk_drop_target_new(GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect(drop, "drop", G_CALLBACK(on_drop), self);
  gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(drop));
  gtk_stack_set_visible_child_name(self->stack, "empty");
  /* nothing to export before the first grid */
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "augment.export", FALSE);
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "augment.export-path", FALSE);
}
