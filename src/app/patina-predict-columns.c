#include "patina-predict-columns.h"

#include <glib/gi18n.h>
#include <math.h>

#include "patina-prediction.h"

/* What a column shows: FILE, FOLDER, CLASS, or the probability of class k (k >= 0). */
enum { COLUMN_FILE = -3, COLUMN_FOLDER = -2, COLUMN_CLASS = -1 };

#define KIND_KEY "patina-column-kind"
#define KIND_BIAS 16 /* stored kinds are never 0, which g_object_get_data cannot tell apart */
#define HANDLER_KEY "patina-state-handler"

static int column_kind(gpointer object)
{
  return GPOINTER_TO_INT(g_object_get_data(G_OBJECT(object), KIND_KEY)) - KIND_BIAS;
}

static void set_column_kind(gpointer object, int kind)
{
  g_object_set_data(G_OBJECT(object), KIND_KEY, GINT_TO_POINTER(kind + KIND_BIAS));
}

static void refresh_cell(GtkListItem *list_item)
{
  GtkLabel *label = GTK_LABEL(gtk_list_item_get_child(list_item));
  PatinaPrediction *p = gtk_list_item_get_item(list_item);
  int kind = column_kind(label);
  gtk_widget_remove_css_class(GTK_WIDGET(label), "error");
  gtk_widget_remove_css_class(GTK_WIDGET(label), "dim-label");
  if (!p) {
    gtk_label_set_label(label, "");
    return;
  }
  PatinaPredictionState state = patina_prediction_get_state(p);
  if (kind == COLUMN_FILE) {
    gtk_label_set_label(label, patina_prediction_get_name(p));
    gtk_widget_set_tooltip_text(GTK_WIDGET(label), patina_prediction_get_path(p));
  } else if (kind == COLUMN_FOLDER) {
    gtk_label_set_label(label, patina_prediction_get_folder(p));
    gtk_widget_add_css_class(GTK_WIDGET(label), "dim-label");
  } else if (kind == COLUMN_CLASS) {
    if (state == PATINA_PREDICTION_DONE) {
      gtk_label_set_label(label, patina_prediction_get_class_name(p));
      gtk_widget_set_tooltip_text(GTK_WIDGET(label), NULL);
    } else if (state == PATINA_PREDICTION_FAILED) {
      /* The row itself says what is wrong; the whole message is in the tooltip and the
       * detail pane. */
      gtk_label_set_label(label, _("Cannot read"));
      gtk_widget_set_tooltip_text(GTK_WIDGET(label), patina_prediction_get_error(p));
      gtk_widget_add_css_class(GTK_WIDGET(label), "error");
    } else {
      gtk_label_set_label(label, _("Waiting…"));
      gtk_widget_set_tooltip_text(GTK_WIDGET(label), NULL);
      gtk_widget_add_css_class(GTK_WIDGET(label), "dim-label");
    }
  } else {
    double v = patina_prediction_get_probability(p, kind);
    if (isnan(v)) {
      gtk_label_set_label(label, "–");
      gtk_widget_add_css_class(GTK_WIDGET(label), "dim-label");
    } else {
      g_autofree char *text = g_strdup_printf("%.3f", v);
      gtk_label_set_label(label, text);
    }
  }
}

static void setup_cell(GtkSignalListItemFactory *factory, GtkListItem *list_item)
{
  int kind = column_kind(factory);
  GtkWidget *label = gtk_label_new(NULL);
  set_column_kind(label, kind);
  gtk_label_set_xalign(GTK_LABEL(label), kind >= 0 ? 1.0f : 0.0f);
  gtk_label_set_ellipsize(GTK_LABEL(label), kind == COLUMN_FILE ? PANGO_ELLIPSIZE_MIDDLE
                                                                 : PANGO_ELLIPSIZE_END);
  if (kind >= 0)
    gtk_widget_add_css_class(label, "numeric");
  gtk_list_item_set_child(list_item, label);
}

static void bind_cell(GtkSignalListItemFactory *factory, GtkListItem *list_item)
{
  (void) factory;
  PatinaPrediction *p = gtk_list_item_get_item(list_item);
  gulong id = g_signal_connect_swapped(p, "notify::state", G_CALLBACK(refresh_cell), list_item);
  g_object_set_data(G_OBJECT(list_item), HANDLER_KEY, GSIZE_TO_POINTER(id));
  refresh_cell(list_item);
}

static void unbind_cell(GtkSignalListItemFactory *factory, GtkListItem *list_item)
{
  (void) factory;
  PatinaPrediction *p = gtk_list_item_get_item(list_item);
  gulong id = GPOINTER_TO_SIZE(g_object_get_data(G_OBJECT(list_item), HANDLER_KEY));
  if (p && id)
    g_signal_handler_disconnect(p, id);
  g_object_set_data(G_OBJECT(list_item), HANDLER_KEY, NULL);
}

/* Rows without a value (waiting, unreadable) sort as the lowest: a custom sorter does not know
 * the direction, so they cannot stay last both ways. */
static int compare_rows(gconstpointer a, gconstpointer b, gpointer user_data)
{
  PatinaPrediction *pa = (gpointer) a, *pb = (gpointer) b;
  int kind = GPOINTER_TO_INT(user_data) - KIND_BIAS;
  if (kind == COLUMN_FILE)
    return g_utf8_collate(patina_prediction_get_name(pa), patina_prediction_get_name(pb));
  if (kind == COLUMN_FOLDER)
    return g_utf8_collate(patina_prediction_get_folder(pa), patina_prediction_get_folder(pb));
  if (kind == COLUMN_CLASS) {
    const char *ca = patina_prediction_get_class_name(pa);
    const char *cb = patina_prediction_get_class_name(pb);
    if (!ca || !cb)
      return (ca != NULL) - (cb != NULL);
    return g_utf8_collate(ca, cb);
  }
  double va = patina_prediction_get_probability(pa, kind);
  double vb = patina_prediction_get_probability(pb, kind);
  if (isnan(va) || isnan(vb))
    return !isnan(va) - !isnan(vb);
  return (va > vb) - (va < vb);
}

static GtkColumnViewColumn *new_column(const char *title, int kind)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new();
  set_column_kind(factory, kind);
  g_signal_connect(factory, "setup", G_CALLBACK(setup_cell), NULL);
  g_signal_connect(factory, "bind", G_CALLBACK(bind_cell), NULL);
  g_signal_connect(factory, "unbind", G_CALLBACK(unbind_cell), NULL);
  GtkColumnViewColumn *column = gtk_column_view_column_new(title, factory);
  set_column_kind(column, kind);
  g_autoptr(GtkSorter) sorter =
    GTK_SORTER(gtk_custom_sorter_new(compare_rows, GINT_TO_POINTER(kind + KIND_BIAS), NULL));
  gtk_column_view_column_set_sorter(column, sorter);
  gtk_column_view_column_set_resizable(column, TRUE);
  return column;
}

void patina_predict_columns_init(GtkColumnView *view)
{
  g_autoptr(GtkColumnViewColumn) file = new_column(_("File"), COLUMN_FILE);
  gtk_column_view_column_set_expand(file, TRUE);
  gtk_column_view_append_column(view, file);
  /* In a class-folder data set the folder is the true class: beside the prediction, a wrong
   * one shows at a glance. */
  g_autoptr(GtkColumnViewColumn) folder = new_column(_("Folder"), COLUMN_FOLDER);
  gtk_column_view_column_set_fixed_width(folder, 96);
  gtk_column_view_append_column(view, folder);
  g_autoptr(GtkColumnViewColumn) cls = new_column(_("Predicted Class"), COLUMN_CLASS);
  gtk_column_view_column_set_fixed_width(cls, 130);
  gtk_column_view_append_column(view, cls);
}

void patina_predict_columns_set_classes(GtkColumnView *view, const char *const *class_names)
{
  GListModel *columns = gtk_column_view_get_columns(view);
  for (guint i = g_list_model_get_n_items(columns); i-- > 0;) {
    g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item(columns, i);
    if (column_kind(c) >= 0)
      gtk_column_view_remove_column(view, c);
  }
  for (int k = 0; class_names && class_names[k]; k++) {
    g_autoptr(GtkColumnViewColumn) c = new_column(class_names[k], k);
    gtk_column_view_column_set_fixed_width(c, 84);
    gtk_column_view_append_column(view, c);
  }
}

void patina_predict_columns_resort(GtkColumnView *view)
{
  GListModel *columns = gtk_column_view_get_columns(view);
  for (guint i = 0; i < g_list_model_get_n_items(columns); i++) {
    g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item(columns, i);
    if (column_kind(c) != COLUMN_FILE)
      gtk_sorter_changed(gtk_column_view_column_get_sorter(c), GTK_SORTER_CHANGE_DIFFERENT);
  }
}
