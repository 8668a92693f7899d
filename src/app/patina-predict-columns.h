/* The Predict page's table: a GtkColumnView over PatinaPrediction items with a File column, a
 * Predicted Class column and one probability column per class of the current model, each
 * sortable by clicking its header. Cells follow their item's notify::state. */
#pragma once
#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Adds the File and Predicted Class columns (once, when the page is built). */
void patina_predict_columns_init(GtkColumnView *view);
/* Replaces the probability columns by one per class name (NULL or empty: none). */
void patina_predict_columns_set_classes(GtkColumnView *view, const char *const *class_names);
/* Results arrived: re-sorts by the column the user sorts by, since the items changed in
 * place. */
void patina_predict_columns_resort(GtkColumnView *view);

G_END_DECLS
