#include "patina-misclassified-gallery.h"

#include <glib/gi18n.h>

/* Thumbnails beyond this many would only make the strip slow to build and scroll. */
#define MAX_SHOWN 100

struct _PatinaMisclassifiedGallery {
  GtkWidget parent_instance;
  GtkLabel *heading;
  GtkWidget *strip;
};

G_DEFINE_FINAL_TYPE(PatinaMisclassifiedGallery, patina_misclassified_gallery, GTK_TYPE_WIDGET)

static const char *class_name(const char *const *names, int n_classes, int k)
{
  return names && k >= 0 && k < n_classes && names[k] ? names[k] : "?";
}

static void open_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  const char *path = g_variant_get_string(param, NULL);
  /* win.show-image opens it in the Data page's viewer; without it, the desktop's viewer */
  if (gtk_widget_activate_action(widget, "win.show-image", "s", path))
    return;
  g_autofree char *uri = g_filename_to_uri(path, NULL, NULL);
  GtkRoot *root = gtk_widget_get_root(widget);
  if (uri)
    gtk_show_uri(GTK_IS_WINDOW(root) ? GTK_WINDOW(root) : NULL, uri, GDK_CURRENT_TIME);
}

static GtkWidget *tile(const PatinaMisclassified *m, const char *const *names, int n_classes)
{
  const char *truth = class_name(names, n_classes, m->true_class);
  const char *predicted = class_name(names, n_classes, m->predicted);
  g_autoptr(GdkTexture) texture =
    gdk_memory_texture_new(m->size, m->size, GDK_MEMORY_R8G8B8, m->pixels, (gsize) m->size * 3);
  GtkWidget *picture = gtk_picture_new_for_paintable(GDK_PAINTABLE(texture));
  gtk_picture_set_can_shrink(GTK_PICTURE(picture), TRUE);
  gtk_widget_set_size_request(picture, 96, 96);
  g_autofree char *caption =
    g_strdup_printf(_("%s → %s\n%.0f %%"), truth, predicted, 100.0 * m->probability);
  GtkWidget *label = gtk_label_new(caption);
  gtk_label_set_justify(GTK_LABEL(label), GTK_JUSTIFY_CENTER);
  gtk_label_set_ellipsize(GTK_LABEL(label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars(GTK_LABEL(label), 14);
  gtk_widget_add_css_class(label, "caption");
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
  gtk_box_append(GTK_BOX(box), picture);
  gtk_box_append(GTK_BOX(box), label);
  GtkWidget *button = gtk_button_new();
  gtk_button_set_child(GTK_BUTTON(button), box);
  gtk_widget_add_css_class(button, "flat");
  g_autofree char *base = g_path_get_basename(m->path);
  g_autofree char *tip = g_strdup_printf(
    _("%s\nTrue class %s, predicted %s with probability %.2f. Click to open the image."), base,
    truth, predicted, m->probability);
  gtk_widget_set_tooltip_text(button, tip);
  gtk_actionable_set_action_name(GTK_ACTIONABLE(button), "misclassified.open");
  gtk_actionable_set_action_target_value(GTK_ACTIONABLE(button), g_variant_new_string(m->path));
  g_object_set_data_full(G_OBJECT(button), "path", g_strdup(m->path), g_free);
  return button;
}

void patina_misclassified_gallery_set(PatinaMisclassifiedGallery *self, GArray *misclassified,
                                      int n_evaluated, const char *const *names, int n_classes)
{
  g_return_if_fail(PATINA_IS_MISCLASSIFIED_GALLERY(self));
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(self->strip)))
    gtk_box_remove(GTK_BOX(self->strip), child);
  if (!misclassified) {
    gtk_label_set_label(self->heading, "");
    return;
  }
  guint n = misclassified->len;
  g_autofree char *heading = NULL;
  if (n == 0)
    heading = g_strdup(_("No Validation Image Misclassified"));
  else if (n > MAX_SHOWN)
    heading = g_strdup_printf(_("Misclassified Validation Images: %u of %d (the first %d shown)"),
                              n, n_evaluated, MAX_SHOWN);
  else
    heading = g_strdup_printf(_("Misclassified Validation Images: %u of %d"), n, n_evaluated);
  gtk_label_set_label(self->heading, heading);
  for (guint i = 0; i < n && i < MAX_SHOWN; i++)
    gtk_box_append(GTK_BOX(self->strip),
                   tile(&g_array_index(misclassified, PatinaMisclassified, i), names, n_classes));
}

guint patina_misclassified_gallery_get_n_shown(PatinaMisclassifiedGallery *self)
{
  guint n = 0;
  for (GtkWidget *c = gtk_widget_get_first_child(self->strip); c;
       c = gtk_widget_get_next_sibling(c))
    n++;
  return n;
}

const char *patina_misclassified_gallery_get_path(PatinaMisclassifiedGallery *self, guint i)
{
  GtkWidget *c = gtk_widget_get_first_child(self->strip);
  for (; c && i > 0; i--)
    c = gtk_widget_get_next_sibling(c);
  return c ? g_object_get_data(G_OBJECT(c), "path") : NULL;
}

static void patina_misclassified_gallery_dispose(GObject *object)
{
  gtk_widget_dispose_template(GTK_WIDGET(object), PATINA_TYPE_MISCLASSIFIED_GALLERY);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(GTK_WIDGET(object))))
    gtk_widget_unparent(child);
  G_OBJECT_CLASS(patina_misclassified_gallery_parent_class)->dispose(object);
}

static void patina_misclassified_gallery_class_init(PatinaMisclassifiedGalleryClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  G_OBJECT_CLASS(klass)->dispose = patina_misclassified_gallery_dispose;
  gtk_widget_class_set_template_from_resource(
    widget_class, "/org/patina/Patina/ui/patina-misclassified-gallery.ui");
  gtk_widget_class_bind_template_child(widget_class, PatinaMisclassifiedGallery, heading);
  gtk_widget_class_bind_template_child(widget_class, PatinaMisclassifiedGallery, strip);
  gtk_widget_class_install_action(widget_class, "misclassified.open", "s", open_action);
  gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void patina_misclassified_gallery_init(PatinaMisclassifiedGallery *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
}
