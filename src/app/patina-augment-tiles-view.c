#include "patina-augment-tiles-view.h"

#include <glib/gi18n.h>

#include "viz/augment-grid.h"

struct _PatinaAugmentTilesView {
  GtkWidget parent_instance;

  GtkGrid *grid;
  GPtrArray *pictures; /* GtkPicture, borrowed from grid */
  GPtrArray *captions; /* GtkLabel */
};

G_DEFINE_FINAL_TYPE(PatinaAugmentTilesView, patina_augment_tiles_view, GTK_TYPE_WIDGET)

void patina_augment_tiles_view_set_layout(PatinaAugmentTilesView *self, int n, int columns)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self->grid))))
    gtk_grid_remove(self->grid, child);
  g_ptr_array_set_size(self->pictures, 0);
  g_ptr_array_set_size(self->captions, 0);
  for (int i = 0; i < n; i++) {
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
    GtkWidget *picture = gtk_picture_new();
    gtk_picture_set_can_shrink(GTK_PICTURE(picture), TRUE);
    gtk_widget_set_vexpand(picture, TRUE);
    gtk_widget_set_size_request(picture, 96, 96);
    GtkLabel *caption = GTK_LABEL(gtk_label_new(""));
    /* two lines hold what a variant drew (rotation, flips, shift, zoom, ...) */
    gtk_label_set_wrap(caption, TRUE);
    gtk_label_set_wrap_mode(caption, PANGO_WRAP_WORD_CHAR);
    gtk_label_set_lines(caption, 2);
    gtk_label_set_ellipsize(caption, PANGO_ELLIPSIZE_END);
    gtk_label_set_justify(caption, GTK_JUSTIFY_CENTER);
    gtk_widget_add_css_class(GTK_WIDGET(caption), "caption");
    gtk_box_append(GTK_BOX(box), picture);
    gtk_box_append(GTK_BOX(box), GTK_WIDGET(caption));
    gtk_grid_attach(self->grid, box, i % columns, i / columns, 1, 1);
    g_ptr_array_add(self->pictures, picture);
    g_ptr_array_add(self->captions, caption);
  }
}

void patina_augment_tiles_view_show(PatinaAugmentTilesView *self, GArray *tiles, GPtrArray *rgb,
                                    int size)
{
  for (guint i = 0; i < tiles->len && i < self->pictures->len; i++) {
    g_autoptr(GdkTexture) tex = gdk_memory_texture_new(
      size, size, GDK_MEMORY_R8G8B8, g_ptr_array_index(rgb, i), (gsize) size * 3);
    gtk_picture_set_paintable(g_ptr_array_index(self->pictures, i), GDK_PAINTABLE(tex));
    GStrv units = g_array_index(tiles, PatinaAugmentTile, i).label;
    g_autofree char *text = i == 0 ? g_strdup(_("Original")) : g_strjoinv(" ", units);
    GtkWidget *caption = g_ptr_array_index(self->captions, i);
    gtk_label_set_label(GTK_LABEL(caption), text);
    gtk_widget_set_tooltip_text(caption, text);
  }
}

static void patina_augment_tiles_view_dispose(GObject *object)
{
  PatinaAugmentTilesView *self = PATINA_AUGMENT_TILES_VIEW(object);
  if (self->grid)
    gtk_widget_unparent(GTK_WIDGET(self->grid));
  self->grid = NULL;
  g_clear_pointer(&self->pictures, g_ptr_array_unref);
  g_clear_pointer(&self->captions, g_ptr_array_unref);
  G_OBJECT_CLASS(patina_augment_tiles_view_parent_class)->dispose(object);
}

static void patina_augment_tiles_view_class_init(PatinaAugmentTilesViewClass *klass)
{
  G_OBJECT_CLASS(klass)->dispose = patina_augment_tiles_view_dispose;
  gtk_widget_class_set_layout_manager_type(GTK_WIDGET_CLASS(klass), GTK_TYPE_BIN_LAYOUT);
}

static void patina_augment_tiles_view_init(PatinaAugmentTilesView *self)
{
  self->grid = GTK_GRID(gtk_grid_new());
  gtk_grid_set_row_spacing(self->grid, 12);
  gtk_grid_set_column_spacing(self->grid, 12);
  gtk_grid_set_row_homogeneous(self->grid, TRUE);
  gtk_grid_set_column_homogeneous(self->grid, TRUE);
  gtk_widget_set_parent(GTK_WIDGET(self->grid), GTK_WIDGET(self));
  self->pictures = g_ptr_array_new();
  self->captions = g_ptr_array_new();
}
