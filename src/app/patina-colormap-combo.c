/* The colormap chooser: each map's name beside a swatch of it (low values on the left, or on
 * the right when the maps are drawn reversed, so the swatch shows what the maps will look
 * like). */
#include "patina-colormap-combo.h"

#include <glib/gi18n.h>

#include "viz/colormap.h"

#define SWATCH_W 64
#define SWATCH_H 14
#define REVERSED_KEY "patina-colormap-combo-reversed"

static const char *colormap_label(const char *name)
{
  static const struct {
    const char *name, *label;
  } labels[] = {
    {"blue_RGB", N_("Blue RGB")}, {"aqua", N_("Aqua")},         {"moonlight", N_("Moonlight")},
    {"bronze", N_("Bronze")},     {"red_lava", N_("Red lava")}, {"bone", N_("Bone")},
    {"gray", N_("Gray")},         {"viridis", N_("Viridis")},
  };
  for (guint i = 0; i < G_N_ELEMENTS(labels); i++)
    if (g_str_equal(labels[i].name, name))
      return _(labels[i].label);
  return name;
}

static void swatch_setup(GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  (void) factory;
  (void) data;
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *picture = gtk_picture_new();
  gtk_widget_set_size_request(picture, SWATCH_W, SWATCH_H);
  gtk_widget_set_valign(picture, GTK_ALIGN_CENTER);
  gtk_box_append(GTK_BOX(box), picture);
  gtk_box_append(GTK_BOX(box), gtk_label_new(NULL));
  gtk_list_item_set_child(item, box);
}

static void swatch_bind(GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  (void) factory;
  gboolean reversed = patina_colormap_combo_get_reversed(ADW_COMBO_ROW(data));
  GtkWidget *box = gtk_list_item_get_child(item);
  const char *name = gtk_string_object_get_string(gtk_list_item_get_item(item));
  const PatinaColormap *cmap = patina_colormap_lookup(name, NULL);
  gtk_label_set_label(GTK_LABEL(gtk_widget_get_last_child(box)), colormap_label(name));
  if (!cmap)
    return;
  cairo_surface_t *s = patina_colormap_swatch(cmap, SWATCH_W, SWATCH_H, reversed);
  if (!s)
    return;
  cairo_surface_flush(s);
  int stride = cairo_image_surface_get_stride(s);
  /* the swatch's pixels are opaque (alpha 255), so they read as premultiplied BGRA */
  g_autoptr(GBytes) bytes = g_bytes_new(cairo_image_surface_get_data(s), (gsize) stride * SWATCH_H);
  g_autoptr(GdkTexture) texture = gdk_memory_texture_new(SWATCH_W, SWATCH_H, GDK_MEMORY_DEFAULT,
                                                         bytes, stride);
  cairo_surface_destroy(s);
  gtk_picture_set_paintable(GTK_PICTURE(gtk_widget_get_first_child(box)),
                            GDK_PAINTABLE(texture));
}

/* A fresh factory makes the row and its popover bind every swatch again; the row owns the
 * factory, so handing it the row as plain data cannot outlive it. */
static void install_factory(AdwComboRow *row)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new();
  g_signal_connect(factory, "setup", G_CALLBACK(swatch_setup), NULL);
  g_signal_connect(factory, "bind", G_CALLBACK(swatch_bind), row);
  adw_combo_row_set_factory(row, factory);
  g_object_unref(factory);
}

void patina_colormap_combo_set_reversed(AdwComboRow *row, gboolean reversed)
{
  if (patina_colormap_combo_get_reversed(row) == !!reversed)
    return;
  g_object_set_data(G_OBJECT(row), REVERSED_KEY, GINT_TO_POINTER(!!reversed));
  install_factory(row);
}

gboolean patina_colormap_combo_get_reversed(AdwComboRow *row)
{
  return GPOINTER_TO_INT(g_object_get_data(G_OBJECT(row), REVERSED_KEY));
}

void patina_colormap_combo_setup(AdwComboRow *row, const char *selected)
{
  install_factory(row);
  const char *const *names = patina_colormap_names();
  g_autoptr(GtkStringList) list = gtk_string_list_new(names);
  adw_combo_row_set_model(row, G_LIST_MODEL(list));
  for (guint i = 0; selected && names[i]; i++)
    if (g_ascii_strcasecmp(names[i], selected) == 0)
      adw_combo_row_set_selected(row, i);
}

