#include "patina-image-viewer.h"

#include <glib/gi18n.h>

#include "patina-image-view.h"
#include "patina-viewer-io.h"

#define ZOOM_STEP 1.25

struct _PatinaImageViewer {
  GtkWidget parent_instance;

  GtkLabel *title_label, *subtitle_label, *save_status;
  GtkButton *zoom_button;
  GtkMenuButton *send_button;
  GMenu *send_menu;
  GtkStack *view_stack;
  GtkSpinner *spinner;
  PatinaImageView *view;
  AdwStatusPage *error_page;
  AdwActionRow *size_row, *class_row, *pixel_row, *kv_row, *mag_row, *instrument_row,
    *detector_row, *crop_row, *exclude_row;
  GtkSpinButton *crop_spin;
  GtkSwitch *exclude_switch;

  char *path, *root, *error;
  PatinaViewerImage *image;
  int saved_crop;     /* rows the crop had when loaded or last saved */
  gboolean showing_excluded; /* the switch is being set to the manifest's state, not by a user */
  gboolean wanted_excluded;  /* what the switch last asked for (or the manifest, when loaded) */
  gboolean saving;           /* a save runs; the next wait in pending_saves */
  GQueue pending_saves;      /* SaveRequest */
  gboolean loaded;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE(PatinaImageViewer, patina_image_viewer, GTK_TYPE_WIDGET)

enum { SIGNAL_MANIFEST_SAVED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- zoom ---- */

static void on_zoom_changed(PatinaImageViewer *self)
{
  g_autofree char *text =
    g_strdup_printf("%.0f %%", 100 * patina_image_view_get_zoom(self->view));
  gtk_button_set_label(self->zoom_button, text);
}

static void zoom_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) param;
  PatinaImageViewer *self = PATINA_IMAGE_VIEWER(widget);
  double z = patina_image_view_get_zoom(self->view);
  if (g_str_equal(name, "viewer.zoom-in"))
    z *= ZOOM_STEP;
  else if (g_str_equal(name, "viewer.zoom-out"))
    z /= ZOOM_STEP;
  else if (g_str_equal(name, "viewer.zoom-fit"))
    z = patina_image_view_get_fit_zoom(self->view);
  else
    z = 1.0;
  patina_image_view_set_zoom(self->view, z, -1, -1);
}

static void on_crop_dragged(PatinaImageViewer *self, int rows)
{
  gtk_spin_button_set_value(self->crop_spin, rows);
}

/* ---- metadata and crop ---- */

static void set_row(AdwActionRow *row, const char *text)
{
  gboolean known = text && *text;
  adw_action_row_set_subtitle(row, known ? text : _("Unknown"));
}

static const char *crop_source_text(PatinaImageViewer *self)
{
  int rows = gtk_spin_button_get_value_as_int(self->crop_spin);
  if (rows != self->saved_crop)
    return _("Changed here, not saved yet");
  if (self->image->manifest_crop >= 0)
    return _("Recorded in the data set's manifest");
  switch (self->image->found.reason) {
  case PATINA_DATABAR_METADATA: return _("Height from the file's metadata");
  case PATINA_DATABAR_DETECTED: return _("Detected from the image");
  default: return _("No data bar found");
  }
}

static void on_crop_spin_changed(PatinaImageViewer *self)
{
  if (!self->image)
    return;
  int rows = gtk_spin_button_get_value_as_int(self->crop_spin);
  patina_image_view_set_bar_rows(self->view, rows);
  adw_action_row_set_subtitle(self->crop_row, crop_source_text(self));
}

static void set_crop_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  PatinaImageViewer *self = PATINA_IMAGE_VIEWER(widget);
  if (self->image)
    gtk_spin_button_set_value(self->crop_spin, g_variant_get_int32(param));
}

static void show_save_status(PatinaImageViewer *self, const char *text, gboolean failed)
{
  gtk_label_set_label(self->save_status, text);
  gtk_widget_set_visible(GTK_WIDGET(self->save_status), text != NULL);
  if (failed)
    gtk_widget_add_css_class(GTK_WIDGET(self->save_status), "error");
  else
    gtk_widget_remove_css_class(GTK_WIDGET(self->save_status), "error");
}

typedef struct {
  PatinaImageViewer *viewer; /* ref */
  char *path, *root;
  PatinaViewerField field;
  int value;
} SaveRequest;

static void save_request_free(SaveRequest *r)
{
  g_object_unref(r->viewer);
  g_free(r->path);
  g_free(r->root);
  g_free(r);
}

static void show_excluded(PatinaImageViewer *self, gboolean excluded)
{
  self->wanted_excluded = excluded;
  self->showing_excluded = TRUE;
  gtk_switch_set_active(self->exclude_switch, excluded);
  self->showing_excluded = FALSE;
}

static void start_save(SaveRequest *r);

/* Saves run one at a time, in the order asked: each rewrites the whole manifest, so two at
 * once would lose one's change, and an exclusion switched on and off must end off. */
static void saved(GObject *source, GAsyncResult *res, gpointer user_data)
{
  (void) source;
  SaveRequest *r = user_data;
  PatinaImageViewer *self = r->viewer;
  g_autoptr(GError) error = NULL;
  gboolean created = FALSE;
  gboolean ok = patina_viewer_save_finish(res, &created, &error);
  gboolean crop = r->field == PATINA_VIEWER_CROP_ROWS;
  if (g_strcmp0(r->path, self->path) == 0) {
    if (ok && crop) {
      self->saved_crop = r->value;
      if (self->image)
        self->image->manifest_crop = r->value;
      on_crop_spin_changed(self);
    } else if (ok && self->image) {
      self->image->manifest_excluded = r->value;
    } else if (!ok && !crop && self->image) {
      show_excluded(self, self->image->manifest_excluded); /* as the manifest still has it */
    }
    if (ok) {
      show_save_status(self, created ? _("Saved in a new patina-dataset.json, which also fixes a "
                                         "train / validation / test split (seed 0)")
                                     : _("Saved in patina-dataset.json"),
                       FALSE);
    } else {
      const char *what = crop       ? _("Cannot save the crop: %s")
                         : r->value ? _("Cannot leave it out: %s")
                                    : _("Cannot take it back into training: %s");
      g_autofree char *msg = g_strdup_printf(what, error->message);
      show_save_status(self, msg, TRUE);
    }
  }
  if (ok)
    g_signal_emit(self, signals[SIGNAL_MANIFEST_SAVED], 0);
  SaveRequest *next = g_queue_pop_head(&self->pending_saves);
  if (next)
    start_save(next);
  else
    self->saving = FALSE;
  save_request_free(r);
}

static void start_save(SaveRequest *r)
{
  r->viewer->saving = TRUE;
  patina_viewer_save_async(r->root, r->path, r->field, r->value, NULL, saved, r);
}

static void save(PatinaImageViewer *self, PatinaViewerField field, int value)
{
  SaveRequest *r = g_new0(SaveRequest, 1);
  r->viewer = g_object_ref(self);
  r->path = g_strdup(self->path);
  r->root = g_strdup(self->root);
  r->field = field;
  r->value = value;
  show_save_status(self, _("Saving…"), FALSE);
  if (self->saving)
    g_queue_push_tail(&self->pending_saves, r);
  else
    start_save(r);
}

/* Only an image of the open data set has a manifest entry to save into. */
static gboolean can_save(PatinaImageViewer *self)
{
  if (!self->image)
    return FALSE;
  if (!self->root) {
    show_save_status(self, _("This image is not part of the open data set"), TRUE);
    return FALSE;
  }
  return TRUE;
}

static void save_crop_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  PatinaImageViewer *self = PATINA_IMAGE_VIEWER(widget);
  if (can_save(self))
    save(self, PATINA_VIEWER_CROP_ROWS, gtk_spin_button_get_value_as_int(self->crop_spin));
}

/* Compared with the last state asked for, not the last saved: switched on and off again before
 * the first save ends, it must save "off" after it. */
static void on_exclude_switched(PatinaImageViewer *self)
{
  gboolean excluded = gtk_switch_get_active(self->exclude_switch);
  if (self->showing_excluded || excluded == self->wanted_excluded)
    return;
  if (can_save(self)) {
    self->wanted_excluded = excluded;
    save(self, PATINA_VIEWER_EXCLUDED, excluded);
  } else {
    show_excluded(self, self->wanted_excluded);
  }
}

static void set_excluded_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  gtk_switch_set_active(PATINA_IMAGE_VIEWER(widget)->exclude_switch, g_variant_get_boolean(param));
}

static void show_metadata(PatinaImageViewer *self)
{
  const PatinaViewerImage *im = self->image;
  const PatinaSemInfo *sem = &im->sem;
  g_autofree char *size =
    g_strdup_printf(_("%d × %d px, %d-bit%s"), im->width, im->height, im->bits_per_sample,
                    im->is_float ? _(" float") : "");
  set_row(self->size_row, size);
  g_autofree char *px = NULL, *kv = NULL, *mag = NULL;
  if (sem->pixel_size > 0)
    px = sem->pixel_size >= 1e-6 ? g_strdup_printf(_("%.4g µm per pixel"), sem->pixel_size * 1e6)
                                 : g_strdup_printf(_("%.4g nm per pixel"), sem->pixel_size * 1e9);
  if (sem->kv > 0)
    kv = g_strdup_printf(_("%g kV"), sem->kv);
  if (sem->magnification > 0)
    mag = g_strdup_printf(_("%g×"), sem->magnification);
  set_row(self->pixel_row, px);
  set_row(self->kv_row, kv);
  set_row(self->mag_row, mag);
  set_row(self->instrument_row, sem->instrument);
  set_row(self->detector_row, sem->detector);
}

static void image_loaded(GObject *source, GAsyncResult *res, gpointer user_data)
{
  (void) source;
  g_autoptr(PatinaImageViewer) self = user_data;
  g_autoptr(GError) error = NULL;
  PatinaViewerImage *image = patina_viewer_image_load_finish(res, &error);
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      (!image && !self->path))
    return;
  if (!self->path || (self->cancellable && g_cancellable_is_cancelled(self->cancellable))) {
    patina_viewer_image_free(image);
    return;
  }
  gtk_spinner_set_spinning(self->spinner, FALSE);
  self->loaded = TRUE;
  if (!image) {
    self->error = g_strdup(error->message);
    adw_status_page_set_description(self->error_page, error->message);
    gtk_stack_set_visible_child_name(self->view_stack, "error");
    return;
  }
  self->image = image;
  patina_image_view_set_texture(self->view, image->texture);
  patina_image_view_set_pixel_size(self->view, image->sem.pixel_size);
  self->saved_crop = image->manifest_crop >= 0 ? image->manifest_crop : image->found.bar_rows;
  gtk_adjustment_configure(gtk_spin_button_get_adjustment(self->crop_spin), self->saved_crop, 0,
                           image->height - 1, 1, 10, 0);
  on_crop_spin_changed(self);
  show_excluded(self, image->manifest_excluded);
  /* only an image of the open data set has a manifest entry */
  gtk_widget_set_sensitive(GTK_WIDGET(self->exclude_row), self->root != NULL);
  show_metadata(self);
  if (image->manifest_problem)
    show_save_status(self, image->manifest_problem, TRUE);
  gtk_stack_set_visible_child_name(self->view_stack, "image");
  /* actual size when it fits, else the whole image */
  patina_image_view_set_zoom(self->view, MIN(1.0, patina_image_view_get_fit_zoom(self->view)),
                             -1, -1);
  gtk_widget_grab_focus(GTK_WIDGET(self->view));
}

void patina_image_viewer_clear(PatinaImageViewer *self)
{
  g_return_if_fail(PATINA_IS_IMAGE_VIEWER(self));
  if (self->cancellable)
    g_cancellable_cancel(self->cancellable);
  g_clear_object(&self->cancellable);
  g_clear_pointer(&self->image, patina_viewer_image_free);
  g_clear_pointer(&self->path, g_free);
  g_clear_pointer(&self->root, g_free);
  g_clear_pointer(&self->error, g_free);
  self->loaded = FALSE;
  show_excluded(self, FALSE);
  gtk_widget_set_sensitive(GTK_WIDGET(self->exclude_row), FALSE);
  patina_image_view_set_texture(self->view, NULL);
  patina_image_view_set_pixel_size(self->view, 0);
  show_save_status(self, NULL, FALSE);
}

/* Rebuilt for each image: a menu item's target is fixed, and it must carry this image's path
 * (win.image-to-page). */
static void update_send_menu(PatinaImageViewer *self)
{
  g_menu_remove_all(self->send_menu);
  const struct {
    const char *label, *page;
  } items[] = {{N_("Preview Augmentations"), "augment"},
               {N_("Look Inside the Network"), "layers"}};
  for (guint i = 0; i < G_N_ELEMENTS(items); i++) {
    g_autoptr(GMenuItem) item = g_menu_item_new(_(items[i].label), NULL);
    g_menu_item_set_action_and_target_value(item, "win.image-to-page",
                                            g_variant_new("(ss)", items[i].page, self->path));
    g_menu_append_item(self->send_menu, item);
  }
}

void patina_image_viewer_open(PatinaImageViewer *self, const char *path, const char *root,
                              const char *class_name)
{
  g_return_if_fail(PATINA_IS_IMAGE_VIEWER(self) && path != NULL);
  patina_image_viewer_clear(self);
  self->path = g_strdup(path);
  self->root = g_strdup(root);
  g_autofree char *base = g_path_get_basename(path);
  g_autofree char *dir = g_path_get_dirname(path);
  gtk_label_set_label(self->title_label, base);
  gtk_label_set_label(self->subtitle_label, dir);
  gtk_widget_set_tooltip_text(GTK_WIDGET(self->title_label), path);
  update_send_menu(self);
  set_row(self->class_row, class_name);
  const AdwActionRow *rows[] = {self->size_row, self->pixel_row, self->kv_row, self->mag_row,
                                self->instrument_row, self->detector_row, self->crop_row};
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++)
    adw_action_row_set_subtitle((AdwActionRow *) rows[i], "…");
  gtk_spinner_set_spinning(self->spinner, TRUE);
  gtk_stack_set_visible_child_name(self->view_stack, "loading");
  self->cancellable = g_cancellable_new();
  patina_viewer_image_load_async(path, root, self->cancellable, image_loaded,
                                 g_object_ref(self));
}

const char *patina_image_viewer_get_path(PatinaImageViewer *self) { return self->path; }
gboolean patina_image_viewer_is_loaded(PatinaImageViewer *self) { return self->loaded; }
gboolean patina_image_viewer_is_saving(PatinaImageViewer *self) { return self->saving; }
gboolean patina_image_viewer_get_excluded(PatinaImageViewer *self)
{
  return gtk_switch_get_active(self->exclude_switch);
}
const char *patina_image_viewer_get_error(PatinaImageViewer *self) { return self->error; }
double patina_image_viewer_get_zoom(PatinaImageViewer *self)
{
  return patina_image_view_get_zoom(self->view);
}

void patina_image_viewer_pan_by(PatinaImageViewer *self, double dx, double dy)
{
  patina_image_view_pan_by(self->view, dx, dy);
}
int patina_image_viewer_get_crop_rows(PatinaImageViewer *self)
{
  return self->image ? gtk_spin_button_get_value_as_int(self->crop_spin) : 0;
}
const char *patina_image_viewer_get_scale_bar_label(PatinaImageViewer *self)
{
  return patina_image_view_get_scale_label(self->view);
}
const char *patina_image_viewer_get_save_status(PatinaImageViewer *self)
{
  return gtk_widget_get_visible(GTK_WIDGET(self->save_status))
           ? gtk_label_get_label(self->save_status)
           : NULL;
}

void patina_image_viewer_get_image_size(PatinaImageViewer *self, int *width, int *height)
{
  *width = self->image ? self->image->width : 0;
  *height = self->image ? self->image->height : 0;
}

void patina_image_viewer_get_scroll(PatinaImageViewer *self, double *x, double *y)
{
  patina_image_view_get_scroll(self->view, x, y);
}

const char *patina_image_viewer_get_field(PatinaImageViewer *self, const char *field)
{
  const struct {
    const char *name;
    AdwActionRow *row;
  } fields[] = {{"pixel-size", self->pixel_row}, {"voltage", self->kv_row},
                {"magnification", self->mag_row}, {"instrument", self->instrument_row},
                {"detector", self->detector_row}, {"size", self->size_row},
                {"crop-source", self->crop_row}, {"class", self->class_row}};
  for (guint i = 0; i < G_N_ELEMENTS(fields); i++)
    if (g_str_equal(field, fields[i].name))
      return adw_action_row_get_subtitle(fields[i].row);
  return NULL;
}

static void patina_image_viewer_dispose(GObject *object)
{
  PatinaImageViewer *self = PATINA_IMAGE_VIEWER(object);
  if (self->cancellable)
    g_cancellable_cancel(self->cancellable);
  g_clear_object(&self->cancellable);
  g_clear_pointer(&self->image, patina_viewer_image_free);
  g_clear_pointer(&self->path, g_free);
  g_clear_pointer(&self->root, g_free);
  g_clear_pointer(&self->error, g_free);
  g_clear_object(&self->send_menu);
  gtk_widget_dispose_template(GTK_WIDGET(self), PATINA_TYPE_IMAGE_VIEWER);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))))
    gtk_widget_unparent(child);
  G_OBJECT_CLASS(patina_image_viewer_parent_class)->dispose(object);
}

static void patina_image_viewer_class_init(PatinaImageViewerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  object_class->dispose = patina_image_viewer_dispose;

  /* The crop or the exclusion was written to the data set's manifest. */
  signals[SIGNAL_MANIFEST_SAVED] = g_signal_new("manifest-saved", G_TYPE_FROM_CLASS(klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 0);

  g_type_ensure(PATINA_TYPE_IMAGE_VIEW);
  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/org/patina/Patina/ui/patina-image-viewer.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, PatinaImageViewer, name)
  BIND(title_label);
  BIND(subtitle_label);
  BIND(save_status);
  BIND(zoom_button);
  BIND(send_button);
  BIND(view_stack);
  BIND(spinner);
  BIND(view);
  BIND(error_page);
  BIND(size_row);
  BIND(class_row);
  BIND(pixel_row);
  BIND(kv_row);
  BIND(mag_row);
  BIND(instrument_row);
  BIND(detector_row);
  BIND(crop_row);
  BIND(crop_spin);
  BIND(exclude_switch);
  BIND(exclude_row);
#undef BIND
  gtk_widget_class_bind_template_callback(widget_class, on_crop_spin_changed);
  gtk_widget_class_bind_template_callback(widget_class, on_zoom_changed);
  gtk_widget_class_bind_template_callback(widget_class, on_crop_dragged);
  gtk_widget_class_bind_template_callback(widget_class, on_exclude_switched);

  const char *zooms[] = {"viewer.zoom-in", "viewer.zoom-out", "viewer.zoom-fit",
                         "viewer.zoom-original"};
  for (guint i = 0; i < G_N_ELEMENTS(zooms); i++)
    gtk_widget_class_install_action(widget_class, zooms[i], NULL, zoom_action);
  gtk_widget_class_install_action(widget_class, "viewer.set-crop", "i", set_crop_action);
  gtk_widget_class_install_action(widget_class, "viewer.save-crop", NULL, save_crop_action);
  gtk_widget_class_install_action(widget_class, "viewer.set-excluded", "b", set_excluded_action);
  const struct {
    guint key;
    const char *action;
  } keys[] = {{GDK_KEY_plus, "viewer.zoom-in"},      {GDK_KEY_equal, "viewer.zoom-in"},
              {GDK_KEY_KP_Add, "viewer.zoom-in"},    {GDK_KEY_minus, "viewer.zoom-out"},
              {GDK_KEY_KP_Subtract, "viewer.zoom-out"}, {GDK_KEY_0, "viewer.zoom-fit"},
              {GDK_KEY_KP_0, "viewer.zoom-fit"},     {GDK_KEY_1, "viewer.zoom-original"}};
  for (guint i = 0; i < G_N_ELEMENTS(keys); i++)
    gtk_widget_class_add_binding_action(widget_class, keys[i].key, GDK_CONTROL_MASK,
                                        keys[i].action, NULL);
  gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void patina_image_viewer_init(PatinaImageViewer *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  self->send_menu = g_menu_new();
  gtk_menu_button_set_menu_model(self->send_button, G_MENU_MODEL(self->send_menu));
  self->saved_crop = -1;
  on_zoom_changed(self);
}
