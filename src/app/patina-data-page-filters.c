#include "patina-data-page-private.h"

#include "patina-thumbnail.h"

static const char *const split_ids[] = {"", "train", "val", "test"};

gboolean patina_data_page_filter_func(gpointer item, gpointer user_data)
{
  PatinaDataPage *self = user_data;
  if (self->class_filter &&
      g_strcmp0(patina_thumbnail_get_class_name(item), self->class_filter) != 0)
    return FALSE;
  return self->split_filter < 0 ||
         g_str_equal(patina_thumbnail_get_split(item), patina_split_name(self->split_filter));
}

void patina_data_page_set_class_filter(PatinaDataPage *self, const char *class_name)
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
  patina_data_page_set_class_filter(PATINA_DATA_PAGE(widget), g_variant_get_string(param, NULL));
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

/* Without a manifest there is no split to choose: everything is shown. */
void patina_data_page_set_split_filter(PatinaDataPage *self, int split)
{
  if (!self->manifest || !self->manifest->has_manifest)
    split = -1;
  self->split_filter = split;
  gtk_filter_changed(GTK_FILTER(self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  self->syncing = TRUE;
  gtk_drop_down_set_selected(self->split_dropdown, (guint) (split + 1));
  self->syncing = FALSE;
}

static void filter_split_action(GtkWidget *widget, const char *name, GVariant *param)
{
  (void) name;
  const char *id = g_variant_get_string(param, NULL);
  int split = -1;
  for (int k = 1; k < (int) G_N_ELEMENTS(split_ids); k++)
    if (g_str_equal(id, split_ids[k]))
      split = k - 1;
  patina_data_page_set_split_filter(PATINA_DATA_PAGE(widget), split);
}

static void on_split_dropdown_selected(PatinaDataPage *self)
{
  if (self->syncing)
    return;
  guint pos = gtk_drop_down_get_selected(self->split_dropdown);
  if (pos >= G_N_ELEMENTS(split_ids))
    pos = 0;
  gtk_widget_activate_action(GTK_WIDGET(self), "data.filter-split", "s", split_ids[pos]);
}

void patina_data_page_class_add_filters(GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback(widget_class, on_dropdown_selected);
  gtk_widget_class_bind_template_callback(widget_class, on_split_dropdown_selected);
  /* data.filter-class (s): show one class's images ("" shows all) */
  gtk_widget_class_install_action(widget_class, "data.filter-class", "s", filter_class_action);
  /* data.filter-split (s): "train", "val" or "test" of the manifest ("" shows all) */
  gtk_widget_class_install_action(widget_class, "data.filter-split", "s", filter_split_action);
}
