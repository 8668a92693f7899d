#include "patina-data-page.h"

#include <glib/gi18n.h>

#include "data/image.h"
#include "patina-thumbnail.h"
#include "patina-util.h"

#define THUMB_SIZE 128
#define POLL_INTERVAL_MS 100

/* Decoded thumbnails handed from the worker to the main loop. Reference counted, because the
 * worker may outlive the page. */
typedef struct {
  guint index;
  int width, height;
  GBytes *rgb; /* NULL: the image could not be decoded */
} Decoded;

typedef struct {
  GMutex lock;
  GArray *ready; /* Decoded, not yet taken by the main loop */
  gboolean finished;
} ThumbShared;

static void thumb_shared_clear(gpointer p)
{
  ThumbShared *s = p;
  for (guint i = 0; i < s->ready->len; i++)
    g_clear_pointer(&g_array_index(s->ready, Decoded, i).rgb, g_bytes_unref);
  g_array_unref(s->ready);
  g_mutex_clear(&s->lock);
}

static ThumbShared *thumb_shared_new(void)
{
  ThumbShared *s = g_atomic_rc_box_new0(ThumbShared);
  g_mutex_init(&s->lock);
  s->ready = g_array_new(FALSE, FALSE, sizeof(Decoded));
  return s;
}

static void thumb_shared_unref(gpointer p) { g_atomic_rc_box_release_full(p, thumb_shared_clear); }

typedef struct {
  char **paths;
  ThumbShared *shared;
} ThumbTask;

static void thumb_task_free(gpointer p)
{
  ThumbTask *t = p;
  g_strfreev(t->paths);
  thumb_shared_unref(t->shared);
  g_free(t);
}

struct _PatinaDataPage {
  GtkWidget parent_instance;

  GtkStack *stack;
  GtkLabel *title_label;
  GtkLabel *summary_label;
  GtkProgressBar *progress;
  GtkGridView *grid;
  GtkDropDown *class_dropdown;

  PatinaWorkspace *workspace;
  GListStore *thumbnails;
  GtkStringList *class_choices; /* "All Classes", then the class names */
  GtkCustomFilter *filter;
  GtkFilterListModel *filtered;
  char *class_filter; /* NULL: all classes */
  gboolean syncing;
  GCancellable *decode_cancellable;
  ThumbShared *shared;
  guint poll_id;
  guint n_decoded;
};

G_DEFINE_FINAL_TYPE(PatinaDataPage, patina_data_page, GTK_TYPE_WIDGET)

/* ---- worker ---- */

static GBytes *make_thumbnail(const char *path, int *tw, int *th)
{
  g_autoptr(PatinaGray) g = patina_gray_load(path, NULL);
  if (!g || g->width < 1 || g->height < 1)
    return NULL;
  double scale = (double) THUMB_SIZE / MAX(g->width, g->height);
  *tw = MAX(1, (int) (g->width * scale + 0.5));
  *th = MAX(1, (int) (g->height * scale + 0.5));
  g_autofree float *small = g_new(float, (gsize) *tw * *th);
  patina_resize_bilinear(g->pixels, g->width, g->height, small, *tw, *th);
  guint8 *rgb = g_malloc((gsize) *tw * *th * 3);
  for (gsize i = 0; i < (gsize) *tw * *th; i++) {
    float v = CLAMP(small[i], 0.0f, 1.0f);
    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = (guint8) (v * 255.0f + 0.5f);
  }
  return g_bytes_new_take(rgb, (gsize) *tw * *th * 3);
}

static void decode_worker(GTask *task, gpointer source, gpointer task_data,
                          GCancellable *cancellable)
{
  (void) source;
  ThumbTask *t = task_data;
  int priority = patina_thread_lower_priority();
  for (guint i = 0; t->paths[i]; i++) {
    if (g_cancellable_is_cancelled(cancellable))
      break;
    Decoded d = {.index = i};
    d.rgb = make_thumbnail(t->paths[i], &d.width, &d.height);
    g_mutex_lock(&t->shared->lock);
    g_array_append_val(t->shared->ready, d);
    g_mutex_unlock(&t->shared->lock);
  }
  g_mutex_lock(&t->shared->lock);
  t->shared->finished = TRUE;
  g_mutex_unlock(&t->shared->lock);
  patina_thread_restore_priority(priority);
  g_task_return_boolean(task, TRUE);
}

/* ---- main loop ---- */

static gboolean filter_func(gpointer item, gpointer user_data)
{
  PatinaDataPage *self = user_data;
  return !self->class_filter ||
         g_strcmp0(patina_thumbnail_get_class_name(item), self->class_filter) == 0;
}

static void set_class_filter(PatinaDataPage *self, const char *class_name)
{
  if (class_name && !*class_name)
    class_name = NULL;
  g_free(self->class_filter);
  self->class_filter = g_strdup(class_name);
  gtk_filter_changed(GTK_FILTER(self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  /* keep the drop-down in step when the action came from elsewhere */
  guint pos = 0;
  if (class_name) {
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->class_choices));
    for (guint i = 1; i < n; i++)
      if (g_str_equal(gtk_string_list_get_string(self->class_choices, i), class_name))
        pos = i;
  }
  self->syncing = TRUE;
  gtk_drop_down_set_selected(self->class_dropdown, pos);
  self->syncing = FALSE;
}

static void filter_class_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  set_class_filter(PATINA_DATA_PAGE(widget), g_variant_get_string(param, NULL));
}

static void on_dropdown_selected(PatinaDataPage *self)
{
  if (self->syncing)
    return;
  guint pos = gtk_drop_down_get_selected(self->class_dropdown);
  const char *name = pos == 0 || pos == GTK_INVALID_LIST_POSITION
                       ? ""
                       : gtk_string_list_get_string(self->class_choices, pos);
  gtk_widget_activate_action(GTK_WIDGET(self), "data.filter-class", "s", name);
}

static void update_progress(PatinaDataPage *self)
{
  guint n = g_list_model_get_n_items(G_LIST_MODEL(self->thumbnails));
  gboolean busy = n > 0 && self->n_decoded < n;
  gtk_widget_set_visible(GTK_WIDGET(self->progress), busy);
  if (busy) {
    gtk_progress_bar_set_fraction(self->progress, (double) self->n_decoded / n);
    g_autofree char *t = g_strdup_printf(_("Decoding thumbnails: %u of %u"), self->n_decoded, n);
    gtk_progress_bar_set_text(self->progress, t);
  }
}

static gboolean poll_cb(gpointer user_data)
{
  PatinaDataPage *self = user_data;
  g_autoptr(GArray) batch = g_array_new(FALSE, FALSE, sizeof(Decoded));
  gboolean finished;
  g_mutex_lock(&self->shared->lock);
  g_array_append_vals(batch, self->shared->ready->data, self->shared->ready->len);
  g_array_set_size(self->shared->ready, 0);
  finished = self->shared->finished;
  g_mutex_unlock(&self->shared->lock);

  for (guint i = 0; i < batch->len; i++) {
    Decoded *d = &g_array_index(batch, Decoded, i);
    g_autoptr(PatinaThumbnail) item =
      g_list_model_get_item(G_LIST_MODEL(self->thumbnails), d->index);
    if (item && d->rgb) {
      g_autoptr(GdkTexture) tex = gdk_memory_texture_new(d->width, d->height, GDK_MEMORY_R8G8B8,
                                                         d->rgb, (gsize) d->width * 3);
      patina_thumbnail_set_texture(item, tex);
    }
    g_clear_pointer(&d->rgb, g_bytes_unref);
    self->n_decoded++;
  }
  update_progress(self);
  if (finished) {
    self->poll_id = 0;
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static void stop_decoding(PatinaDataPage *self)
{
  if (self->decode_cancellable)
    g_cancellable_cancel(self->decode_cancellable);
  g_clear_object(&self->decode_cancellable);
  g_clear_handle_id(&self->poll_id, g_source_remove);
  g_clear_pointer(&self->shared, thumb_shared_unref);
}

static void on_dataset_changed(PatinaDataPage *self)
{
  const PatinaDataset *ds = patina_workspace_get_dataset(self->workspace);
  stop_decoding(self);
  g_list_store_remove_all(self->thumbnails);
  self->n_decoded = 0;
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
  set_class_filter(self, NULL);

  g_autofree char *base = g_path_get_basename(ds->root);
  gtk_label_set_label(self->title_label, base);
  gtk_widget_set_tooltip_text(GTK_WIDGET(self->title_label), ds->root);

  GString *summary = g_string_new(NULL);
  g_string_append_printf(summary,
                         ngettext("%u image", "%u images", ds->samples->len), ds->samples->len);
  for (guint k = 0; k < ds->class_names->len; k++) {
    int n = patina_dataset_count_class(ds, (int) k);
    g_string_append_printf(summary, "  ·  %s: %d", (char *) g_ptr_array_index(ds->class_names, k),
                           n);
  }
  if (ds->n_duplicate_groups > 0)
    g_string_append_printf(summary,
                           ngettext("  ·  %d group of identical files",
                                    "  ·  %d groups of identical files", ds->n_duplicate_groups),
                           ds->n_duplicate_groups);
  gtk_label_set_label(self->summary_label, summary->str);
  g_string_free(summary, TRUE);

  char **paths = g_new0(char *, ds->samples->len + 1);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_object_unref);
  for (guint i = 0; i < ds->samples->len; i++) {
    const PatinaSample *s = &g_array_index(ds->samples, PatinaSample, i);
    paths[i] = g_strdup(s->path);
    g_ptr_array_add(items, patina_thumbnail_new(s->path, g_ptr_array_index(ds->class_names,
                                                                           s->label)));
  }
  g_list_store_splice(self->thumbnails, 0, 0, items->pdata, items->len);
  gtk_stack_set_visible_child_name(self->stack, "dataset");

  ThumbTask *t = g_new0(ThumbTask, 1);
  t->paths = paths;
  self->shared = thumb_shared_new();
  t->shared = g_atomic_rc_box_acquire(self->shared);
  self->decode_cancellable = g_cancellable_new();
  g_autoptr(GTask) task = g_task_new(NULL, self->decode_cancellable, NULL, NULL);
  g_task_set_task_data(task, t, thumb_task_free);
  g_task_run_in_thread(task, decode_worker);
  self->poll_id = g_timeout_add(POLL_INTERVAL_MS, poll_cb, self);
  update_progress(self);
}

static void on_loading_changed(PatinaDataPage *self)
{
  if (patina_workspace_get_loading(self->workspace) && !patina_workspace_get_dataset(self->workspace))
    gtk_stack_set_visible_child_name(self->stack, "loading");
  else if (!patina_workspace_get_dataset(self->workspace))
    gtk_stack_set_visible_child_name(self->stack, "empty");
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

static void patina_data_page_dispose(GObject *object)
{
  PatinaDataPage *self = PATINA_DATA_PAGE(object);
  stop_decoding(self);
  gtk_widget_dispose_template(GTK_WIDGET(self), PATINA_TYPE_DATA_PAGE);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))))
    gtk_widget_unparent(child);
  g_clear_object(&self->workspace);
  g_clear_object(&self->filtered);
  g_clear_object(&self->thumbnails);
  g_clear_object(&self->class_choices);
  g_clear_pointer(&self->class_filter, g_free);
  G_OBJECT_CLASS(patina_data_page_parent_class)->dispose(object);
}

static void patina_data_page_class_init(PatinaDataPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  object_class->dispose = patina_data_page_dispose;

  g_type_ensure(PATINA_TYPE_THUMBNAIL);
  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/org/patina/Patina/ui/patina-data-page.ui");
  gtk_widget_class_bind_template_child(widget_class, PatinaDataPage, stack);
  gtk_widget_class_bind_template_child(widget_class, PatinaDataPage, title_label);
  gtk_widget_class_bind_template_child(widget_class, PatinaDataPage, summary_label);
  gtk_widget_class_bind_template_child(widget_class, PatinaDataPage, progress);
  gtk_widget_class_bind_template_child(widget_class, PatinaDataPage, grid);
  gtk_widget_class_bind_template_child(widget_class, PatinaDataPage, class_dropdown);
  gtk_widget_class_bind_template_callback(widget_class, on_dropdown_selected);
  /* data.filter-class (s): show one class's images ("" shows all) */
  gtk_widget_class_install_action(widget_class, "data.filter-class", "s", filter_class_action);
  gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void patina_data_page_init(PatinaDataPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  self->thumbnails = g_list_store_new(PATINA_TYPE_THUMBNAIL);
  self->filter = gtk_custom_filter_new(filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new(g_object_ref(G_LIST_MODEL(self->thumbnails)),
                                             GTK_FILTER(self->filter));
  self->class_choices = gtk_string_list_new((const char *const[]){_("All Classes"), NULL});
  self->syncing = TRUE;
  gtk_drop_down_set_model(self->class_dropdown, G_LIST_MODEL(self->class_choices));
  self->syncing = FALSE;
  g_autoptr(GtkNoSelection) sel = gtk_no_selection_new(g_object_ref(G_LIST_MODEL(self->filtered)));
  g_autoptr(GtkListItemFactory) factory =
    gtk_builder_list_item_factory_new_from_resource(NULL,
                                                    "/org/patina/Patina/ui/patina-thumbnail-cell.ui");
  gtk_grid_view_set_factory(self->grid, factory);
  gtk_grid_view_set_model(self->grid, GTK_SELECTION_MODEL(sel));
}
