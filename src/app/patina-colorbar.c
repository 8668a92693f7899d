#include "patina-colorbar.h"

#include <glib/gi18n.h>

#define BAR_H 10    /* slim: a key to the maps, not a picture of its own */
#define TEXT_GAP 2
#define NATURAL_W 260

struct _PatinaColorbar {
  GtkWidget parent_instance;
  const PatinaColormap *cmap;
  gboolean reversed;
  char *low_text, *high_text;
  cairo_surface_t *strip; /* the 256 entries in drawing order, one pixel high */
};

G_DEFINE_FINAL_TYPE(PatinaColorbar, patina_colorbar, GTK_TYPE_WIDGET)

static int text_height(PatinaColorbar *self)
{
  PangoLayout *layout = gtk_widget_create_pango_layout(GTK_WIDGET(self), "0");
  int h;
  pango_layout_get_pixel_size(layout, NULL, &h);
  g_object_unref(layout);
  return h;
}

static void measure(GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                    int *natural, int *min_baseline, int *nat_baseline)
{
  (void) for_size;
  *min_baseline = *nat_baseline = -1;
  if (orientation == GTK_ORIENTATION_HORIZONTAL) {
    *minimum = 140; /* at 128 px and more the end columns are the end entries */
    *natural = NATURAL_W;
    return;
  }
  *minimum = *natural = BAR_H + 2 + TEXT_GAP + text_height(PATINA_COLORBAR(widget));
}

static void show_text(PatinaColorbar *self, cairo_t *cr, const char *text, double x, double y,
                      gboolean right_aligned)
{
  PangoLayout *layout = gtk_widget_create_pango_layout(GTK_WIDGET(self), text);
  int w;
  pango_layout_get_pixel_size(layout, &w, NULL);
  cairo_move_to(cr, right_aligned ? x - w : x, y);
  pango_cairo_show_layout(cr, layout);
  g_object_unref(layout);
}

/* The whole widget: the bar inside a faint outline (the light end of most maps is close to the
 * page's white), the ends' texts under it. */
static void draw(PatinaColorbar *self, cairo_t *cr, int width)
{
  if (!self->strip || width < 4)
    return;
  GdkRGBA fg;
  gtk_style_context_get_color(gtk_widget_get_style_context(GTK_WIDGET(self)), &fg);
  cairo_save(cr);
  cairo_rectangle(cr, 1, 1, width - 2, BAR_H);
  cairo_clip(cr);
  cairo_translate(cr, 1, 1);
  cairo_scale(cr, (width - 2) / (double) PATINA_COLORMAP_SIZE, BAR_H);
  cairo_set_source_surface(cr, self->strip, 0, 0);
  /* nearest: the end columns are exactly the table's end entries, as the maps use them */
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
  cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_set_source_rgba(cr, fg.red, fg.green, fg.blue, 0.3);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, 0.5, 0.5, width - 1, BAR_H + 1);
  cairo_stroke(cr);
  gdk_cairo_set_source_rgba(cr, &fg);
  double y = BAR_H + 2 + TEXT_GAP;
  show_text(self, cr, self->low_text, 0, y, FALSE);
  show_text(self, cr, self->high_text, width, y, TRUE);
}

static void snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
  int width = gtk_widget_get_width(widget), height = gtk_widget_get_height(widget);
  if (width <= 0 || height <= 0)
    return;
  cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, width, height));
  draw(PATINA_COLORBAR(widget), cr, width);
  cairo_destroy(cr);
}

static char *value_text(float v) { return g_strdup_printf("%.4g", v); }

void patina_colorbar_set(PatinaColorbar *self, const PatinaColormap *cmap, gboolean reversed,
                         gboolean per_channel, float lo, float hi)
{
  g_clear_pointer(&self->strip, cairo_surface_destroy);
  self->cmap = cmap;
  self->reversed = reversed;
  if (cmap)
    self->strip = patina_colormap_swatch(cmap, PATINA_COLORMAP_SIZE, 1, reversed);
  g_free(self->low_text);
  g_free(self->high_text);
  if (per_channel) {
    self->low_text = g_strdup(_("each map's min"));
    self->high_text = g_strdup(_("max"));
    gtk_widget_set_tooltip_text(GTK_WIDGET(self),
                                _("Each map is coloured from its own minimum to its own "
                                  "maximum; the enlarged channel's range is in its details"));
  } else {
    self->low_text = value_text(lo);
    self->high_text = value_text(hi);
    gtk_widget_set_tooltip_text(GTK_WIDGET(self),
                                _("Every map of the layer is coloured on this one range"));
  }
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

const char *patina_colorbar_get_low_text(PatinaColorbar *self) { return self->low_text; }
const char *patina_colorbar_get_high_text(PatinaColorbar *self) { return self->high_text; }

guint32 patina_colorbar_get_end_pixel(PatinaColorbar *self, gboolean high)
{
  int width = gtk_widget_get_width(GTK_WIDGET(self));
  if (width < 4 || !self->strip)
    return 0;
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, BAR_H + 2);
  cairo_t *cr = cairo_create(s);
  draw(self, cr, width);
  cairo_destroy(cr);
  cairo_surface_flush(s);
  const guint8 *data = cairo_image_surface_get_data(s);
  int x = high ? width - 2 : 1, y = 1 + BAR_H / 2;
  guint32 px = *(const guint32 *) (data + (gsize) y * cairo_image_surface_get_stride(s) +
                                   (gsize) x * 4);
  cairo_surface_destroy(s);
  return px | 0xff000000u;
}

GtkWidget *patina_colorbar_new(void) { return g_object_new(PATINA_TYPE_COLORBAR, NULL); }

static void patina_colorbar_finalize(GObject *object)
{
  PatinaColorbar *self = PATINA_COLORBAR(object);
  g_clear_pointer(&self->strip, cairo_surface_destroy);
  g_free(self->low_text);
  g_free(self->high_text);
  G_OBJECT_CLASS(patina_colorbar_parent_class)->finalize(object);
}

static void patina_colorbar_class_init(PatinaColorbarClass *klass)
{
  G_OBJECT_CLASS(klass)->finalize = patina_colorbar_finalize;
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  widget_class->measure = measure;
  widget_class->snapshot = snapshot;
}

static void patina_colorbar_init(PatinaColorbar *self)
{
  /* the numbers are a key to the maps, quieter than the image's title above them */
  gtk_widget_add_css_class(GTK_WIDGET(self), "caption");
  self->low_text = g_strdup("");
  self->high_text = g_strdup("");
}
