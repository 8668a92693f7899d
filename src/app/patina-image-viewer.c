#include "patina-image-viewer.h"

#include <glib/gi18n.h>
#include <math.h>

#include "data/manifest.h"
#include "patina-image-canvas.h"
#include "patina-viewer-io.h"

#define MIN_ZOOM 0.02
#define MAX_ZOOM 32.0
#define ZOOM_STEP 1.25
#define EDGE_GRAB_PX 6.0
#define SCALE_BAR_TARGET_PX 120.0

typedef enum { DRAG_NONE, DRAG_PAN, DRAG_CROP } DragMode;

struct _PatinaImageViewer {
  GtkWidget parent_instance;

  GtkLabel *title_label, *subtitle_label, *save_status;
  GtkButton *zoom_button;
  GtkStack *view_stack;
  GtkSpinner *spinner;
  GtkScrolledWindow *scroller;
  PatinaImageCanvas *canvas;
  GtkDrawingArea *scale_bar;
  AdwStatusPage *error_page;
  AdwActionRow *size_row, *class_row, *pixel_row, *kv_row, *mag_row, *instrument_row,
    *detector_row, *crop_row;
  GtkSpinButton *crop_spin;

  char *path, *root, *error, *scale_label;
  PatinaViewerImage *image;
  int saved_crop;     /* rows the crop had when loaded or last saved */
  gboolean loaded, syncing;
  GCancellable *cancellable;

  /* zooming keeps the image point under the pointer in place once the new size is allocated */
  gboolean pending_h, pending_v;
  double frac_x, frac_y, anchor_x, anchor_y;
  double pointer_x, pointer_y;
  double pinch_start_zoom;
  DragMode drag;
  double drag_h, drag_v, drag_canvas_y;
};

G_DEFINE_FINAL_TYPE(PatinaImageViewer, patina_image_viewer, GTK_TYPE_WIDGET)

enum { SIGNAL_MANIFEST_SAVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static GtkAdjustment *hadj(PatinaImageViewer *self)
{
  return gtk_scrolled_window_get_hadjustment(self->scroller);
}

static GtkAdjustment *vadj(PatinaImageViewer *self)
{
  return gtk_scrolled_window_get_vadjustment(self->scroller);
}

/* ---- scale bar ---- */

/* The longest 1, 2 or 5 × 10^n micrometres that fits in about SCALE_BAR_TARGET_PX. */
static double nice_length_um(double um_per_px)
{
  double target = SCALE_BAR_TARGET_PX * um_per_px;
  double decade = pow(10, floor(log10(target)));
  const double steps[] = {5, 2, 1};
  for (guint i = 0; i < G_N_ELEMENTS(steps); i++)
    if (steps[i] * decade <= target)
      return steps[i] * decade;
  return decade;
}

static void update_scale_bar(PatinaImageViewer *self)
{
  g_clear_pointer(&self->scale_label, g_free);
  gboolean known = self->image && self->image->sem.pixel_size > 0;
  if (known) {
    double um_per_px = self->image->sem.pixel_size * 1e6 / patina_image_canvas_get_zoom(self->canvas);
    double um = nice_length_um(um_per_px);
    self->scale_label = um >= 1 ? g_strdup_printf(_("%g µm"), um)
                                : g_strdup_printf(_("%g nm"), um * 1000);
  }
  gtk_widget_set_visible(GTK_WIDGET(self->scale_bar), known);
  gtk_widget_queue_draw(GTK_WIDGET(self->scale_bar));
}

static void draw_scale_bar(GtkDrawingArea *area, cairo_t *cr, int width, int height,
                           gpointer user_data)
{
  (void) area;
  PatinaImageViewer *self = user_data;
  if (!self->scale_label)
    return;
  double um_per_px = self->image->sem.pixel_size * 1e6 / patina_image_canvas_get_zoom(self->canvas);
  double um = nice_length_um(um_per_px);
  double bar = um / um_per_px;
  PangoLayout *layout = gtk_widget_create_pango_layout(GTK_WIDGET(area), self->scale_label);
  int tw, th;
  pango_layout_get_pixel_size(layout, &tw, &th);
  double box_w = MIN(width, MAX(bar, tw) + 16);
  cairo_set_source_rgba(cr, 0, 0, 0, 0.6);
  cairo_rectangle(cr, 0, 0, box_w, height);
  cairo_fill(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_rectangle(cr, 8, height - 12, bar, 4);
  cairo_fill(cr);
  cairo_move_to(cr, 8 + (bar - tw) / 2, MAX(2, height - 14 - th));
  pango_cairo_show_layout(cr, layout);
  g_object_unref(layout);
}

/* ---- zoom and pan ---- */

static void update_zoom_label(PatinaImageViewer *self)
{
  g_autofree char *text =
    g_strdup_printf("%.0f %%", 100 * patina_image_canvas_get_zoom(self->canvas));
  gtk_button_set_label(self->zoom_button, text);
}

/* anchor: a point of the view (scroller coordinates) that keeps showing the same image point;
 * negative: the view's centre. */
static void set_zoom(PatinaImageViewer *self, double zoom, double ax, double ay)
{
  zoom = CLAMP(zoom, MIN_ZOOM, MAX_ZOOM);
  GtkAdjustment *h = hadj(self), *v = vadj(self);
  if (ax < 0 || ay < 0) {
    ax = gtk_adjustment_get_page_size(h) / 2;
    ay = gtk_adjustment_get_page_size(v) / 2;
  }
  double uh = gtk_adjustment_get_upper(h), uv = gtk_adjustment_get_upper(v);
  self->frac_x = uh > 0 ? (gtk_adjustment_get_value(h) + ax) / uh : 0.5;
  self->frac_y = uv > 0 ? (gtk_adjustment_get_value(v) + ay) / uv : 0.5;
  self->anchor_x = ax;
  self->anchor_y = ay;
  self->pending_h = self->pending_v = TRUE;
  patina_image_canvas_set_zoom(self->canvas, zoom);
  update_zoom_label(self);
  update_scale_bar(self);
}

static void on_hadj_changed(GtkAdjustment *adj, PatinaImageViewer *self)
{
  if (!self->pending_h)
    return;
  self->pending_h = FALSE;
  gtk_adjustment_set_value(adj, self->frac_x * gtk_adjustment_get_upper(adj) - self->anchor_x);
}

static void on_vadj_changed(GtkAdjustment *adj, PatinaImageViewer *self)
{
  if (!self->pending_v)
    return;
  self->pending_v = FALSE;
  gtk_adjustment_set_value(adj, self->frac_y * gtk_adjustment_get_upper(adj) - self->anchor_y);
}

static double fit_zoom(PatinaImageViewer *self)
{
  int vw = gtk_widget_get_width(GTK_WIDGET(self->scroller));
  int vh = gtk_widget_get_height(GTK_WIDGET(self->scroller));
  if (!self->image || vw <= 0 || vh <= 0)
    return 1.0;
  return MIN((double) vw / self->image->width, (double) vh / self->image->height);
}

static void zoom_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) param;
  PatinaImageViewer *self = PATINA_IMAGE_VIEWER(widget);
  double z = patina_image_canvas_get_zoom(self->canvas);
  if (g_str_equal(name, "viewer.zoom-in"))
    z *= ZOOM_STEP;
  else if (g_str_equal(name, "viewer.zoom-out"))
    z /= ZOOM_STEP;
  else if (g_str_equal(name, "viewer.zoom-fit"))
    z = fit_zoom(self);
  else
    z = 1.0;
  set_zoom(self, z, -1, -1);
}

void patina_image_viewer_pan_by(PatinaImageViewer *self, double dx, double dy)
{
  g_return_if_fail(PATINA_IS_IMAGE_VIEWER(self));
  gtk_adjustment_set_value(hadj(self), gtk_adjustment_get_value(hadj(self)) + dx);
  gtk_adjustment_set_value(vadj(self), gtk_adjustment_get_value(vadj(self)) + dy);
}

static gboolean on_scroll(GtkEventControllerScroll *controller, double dx, double dy,
                          PatinaImageViewer *self)
{
  (void) dx;
  GdkModifierType state =
    gtk_event_controller_get_current_event_state(GTK_EVENT_CONTROLLER(controller));
  if (!(state & GDK_CONTROL_MASK) || !self->image)
    return FALSE; /* plain scrolling pans, as in any scrolled view */
  set_zoom(self, patina_image_canvas_get_zoom(self->canvas) * pow(1.15, -dy), self->pointer_x,
           self->pointer_y);
  return TRUE;
}

static void on_pinch_begin(GtkGesture *gesture, GdkEventSequence *sequence,
                           PatinaImageViewer *self)
{
  (void) gesture;
  (void) sequence;
  self->pinch_start_zoom = patina_image_canvas_get_zoom(self->canvas);
}

static void on_pinch_scale(GtkGestureZoom *gesture, double scale, PatinaImageViewer *self)
{
  double cx, cy;
  if (!gtk_gesture_get_bounding_box_center(GTK_GESTURE(gesture), &cx, &cy))
    cx = cy = -1;
  set_zoom(self, self->pinch_start_zoom * scale, cx, cy);
}

/* The point (x, y) of the scroller in the canvas's coordinates. */
static double canvas_y(PatinaImageViewer *self, double x, double y)
{
  double cx, cy;
  if (!gtk_widget_translate_coordinates(GTK_WIDGET(self->scroller), GTK_WIDGET(self->canvas), x,
                                        y, &cx, &cy))
    return -1e9;
  return cy;
}

static gboolean near_crop_edge(PatinaImageViewer *self, double x, double y)
{
  if (!self->image)
    return FALSE;
  double edge = patina_image_canvas_get_bar_edge_y(self->canvas);
  return fabs(canvas_y(self, x, y) - edge) <= EDGE_GRAB_PX;
}

static void on_motion(GtkEventControllerMotion *motion, double x, double y,
                      PatinaImageViewer *self)
{
  (void) motion;
  self->pointer_x = x;
  self->pointer_y = y;
  if (self->drag == DRAG_NONE)
    gtk_widget_set_cursor_from_name(GTK_WIDGET(self->scroller),
                                    near_crop_edge(self, x, y) ? "row-resize" : "grab");
}

static void on_drag_begin(GtkGestureDrag *gesture, double x, double y, PatinaImageViewer *self)
{
  (void) gesture;
  if (!self->image) {
    self->drag = DRAG_NONE;
    return;
  }
  self->drag = near_crop_edge(self, x, y) ? DRAG_CROP : DRAG_PAN;
  self->drag_h = gtk_adjustment_get_value(hadj(self));
  self->drag_v = gtk_adjustment_get_value(vadj(self));
  self->drag_canvas_y = canvas_y(self, x, y);
  if (self->drag == DRAG_PAN)
    gtk_widget_set_cursor_from_name(GTK_WIDGET(self->scroller), "grabbing");
}

static void on_drag_update(GtkGestureDrag *gesture, double ox, double oy, PatinaImageViewer *self)
{
  (void) gesture;
  if (self->drag == DRAG_PAN) {
    gtk_adjustment_set_value(hadj(self), self->drag_h - ox);
    gtk_adjustment_set_value(vadj(self), self->drag_v - oy);
  } else if (self->drag == DRAG_CROP) {
    /* the band's edge follows the pointer; rows counted from the image's bottom */
    double zoom = patina_image_canvas_get_zoom(self->canvas);
    double bottom = patina_image_canvas_get_bar_edge_y(self->canvas) +
                    patina_image_canvas_get_bar_rows(self->canvas) * zoom;
    int rows = (int) lround((bottom - (self->drag_canvas_y + oy)) / zoom);
    gtk_spin_button_set_value(self->crop_spin, CLAMP(rows, 0, self->image->height - 1));
  }
}

static void on_drag_end(GtkGestureDrag *gesture, double ox, double oy, PatinaImageViewer *self)
{
  (void) gesture;
  (void) ox;
  (void) oy;
  self->drag = DRAG_NONE;
  gtk_widget_set_cursor_from_name(GTK_WIDGET(self->scroller), "grab");
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
  patina_image_canvas_set_bar_rows(self->canvas, rows);
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
  char *path;
  int rows;
} SaveRequest;

static void crop_saved(GObject *source, GAsyncResult *res, gpointer user_data)
{
  (void) source;
  SaveRequest *r = user_data;
  PatinaImageViewer *self = r->viewer;
  g_autoptr(GError) error = NULL;
  gboolean created = FALSE;
  gboolean ok = patina_viewer_save_crop_finish(res, &created, &error);
  if (g_strcmp0(r->path, self->path) == 0) {
    if (ok) {
      self->saved_crop = r->rows;
      if (self->image)
        self->image->manifest_crop = r->rows;
      on_crop_spin_changed(self);
      show_save_status(self, created ? _("Saved in a new patina-dataset.json, which also fixes a "
                                         "train / validation / test split (seed 0)")
                                     : _("Saved in patina-dataset.json"),
                       FALSE);
    } else {
      g_autofree char *msg = g_strdup_printf(_("Cannot save the crop: %s"), error->message);
      show_save_status(self, msg, TRUE);
    }
  }
  if (ok)
    g_signal_emit(self, signals[SIGNAL_MANIFEST_SAVED], 0);
  g_object_unref(r->viewer);
  g_free(r->path);
  g_free(r);
}

static void save_crop_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  (void) param;
  PatinaImageViewer *self = PATINA_IMAGE_VIEWER(widget);
  if (!self->image)
    return;
  if (!self->root) {
    show_save_status(self, _("This image is not part of the open data set"), TRUE);
    return;
  }
  SaveRequest *r = g_new0(SaveRequest, 1);
  r->viewer = g_object_ref(self);
  r->path = g_strdup(self->path);
  r->rows = gtk_spin_button_get_value_as_int(self->crop_spin);
  show_save_status(self, _("Saving…"), FALSE);
  patina_viewer_save_crop_async(self->root, self->path, r->rows, NULL, crop_saved, r);
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
  patina_image_canvas_set_texture(self->canvas, image->texture);
  self->saved_crop = image->manifest_crop >= 0 ? image->manifest_crop : image->found.bar_rows;
  self->syncing = TRUE;
  gtk_adjustment_configure(gtk_spin_button_get_adjustment(self->crop_spin), self->saved_crop, 0,
                           image->height - 1, 1, 10, 0);
  self->syncing = FALSE;
  on_crop_spin_changed(self);
  show_metadata(self);
  if (image->manifest_problem)
    show_save_status(self, image->manifest_problem, TRUE);
  gtk_stack_set_visible_child_name(self->view_stack, "image");
  /* actual size when it fits, else the whole image */
  set_zoom(self, MIN(1.0, fit_zoom(self)), -1, -1);
  gtk_widget_grab_focus(GTK_WIDGET(self->scroller));
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
  patina_image_canvas_set_texture(self->canvas, NULL);
  patina_image_canvas_set_bar_rows(self->canvas, 0);
  update_scale_bar(self);
  show_save_status(self, NULL, FALSE);
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
const char *patina_image_viewer_get_error(PatinaImageViewer *self) { return self->error; }
double patina_image_viewer_get_zoom(PatinaImageViewer *self)
{
  return patina_image_canvas_get_zoom(self->canvas);
}
int patina_image_viewer_get_crop_rows(PatinaImageViewer *self)
{
  return self->image ? gtk_spin_button_get_value_as_int(self->crop_spin) : 0;
}
const char *patina_image_viewer_get_scale_bar_label(PatinaImageViewer *self)
{
  return self->scale_label;
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
  *x = gtk_adjustment_get_value(hadj(self));
  *y = gtk_adjustment_get_value(vadj(self));
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
  g_clear_pointer(&self->scale_label, g_free);
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

  /* The crop was written to the data set's manifest. */
  signals[SIGNAL_MANIFEST_SAVED] = g_signal_new("manifest-saved", G_TYPE_FROM_CLASS(klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 0);

  g_type_ensure(PATINA_TYPE_IMAGE_CANVAS);
  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/org/patina/Patina/ui/patina-image-viewer.ui");
#define BIND(name) gtk_widget_class_bind_template_child(widget_class, PatinaImageViewer, name)
  BIND(title_label);
  BIND(subtitle_label);
  BIND(save_status);
  BIND(zoom_button);
  BIND(view_stack);
  BIND(spinner);
  BIND(scroller);
  BIND(canvas);
  BIND(scale_bar);
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
#undef BIND
  gtk_widget_class_bind_template_callback(widget_class, on_crop_spin_changed);

  const char *zooms[] = {"viewer.zoom-in", "viewer.zoom-out", "viewer.zoom-fit",
                         "viewer.zoom-original"};
  for (guint i = 0; i < G_N_ELEMENTS(zooms); i++)
    gtk_widget_class_install_action(widget_class, zooms[i], NULL, zoom_action);
  gtk_widget_class_install_action(widget_class, "viewer.set-crop", "i", set_crop_action);
  gtk_widget_class_install_action(widget_class, "viewer.save-crop", NULL, save_crop_action);
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
  self->saved_crop = -1;
  gtk_drawing_area_set_draw_func(self->scale_bar, draw_scale_bar, self, NULL);
  g_signal_connect(hadj(self), "changed", G_CALLBACK(on_hadj_changed), self);
  g_signal_connect(vadj(self), "changed", G_CALLBACK(on_vadj_changed), self);
  update_zoom_label(self);

  GtkWidget *view = GTK_WIDGET(self->scroller);
  GtkEventController *scroll =
    gtk_event_controller_scroll_new(GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  gtk_event_controller_set_propagation_phase(scroll, GTK_PHASE_CAPTURE);
  g_signal_connect(scroll, "scroll", G_CALLBACK(on_scroll), self);
  gtk_widget_add_controller(view, scroll);

  GtkEventController *motion = gtk_event_controller_motion_new();
  g_signal_connect(motion, "motion", G_CALLBACK(on_motion), self);
  gtk_widget_add_controller(view, motion);

  GtkGesture *drag = gtk_gesture_drag_new();
  g_signal_connect(drag, "drag-begin", G_CALLBACK(on_drag_begin), self);
  g_signal_connect(drag, "drag-update", G_CALLBACK(on_drag_update), self);
  g_signal_connect(drag, "drag-end", G_CALLBACK(on_drag_end), self);
  gtk_widget_add_controller(view, GTK_EVENT_CONTROLLER(drag));

  GtkGesture *pinch = gtk_gesture_zoom_new();
  g_signal_connect(pinch, "begin", G_CALLBACK(on_pinch_begin), self);
  g_signal_connect(pinch, "scale-changed", G_CALLBACK(on_pinch_scale), self);
  gtk_widget_add_controller(view, GTK_EVENT_CONTROLLER(pinch));
}
