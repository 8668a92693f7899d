/* A confusion matrix as a heatmap: rows are the true classes, columns the predicted ones, each
 * cell shaded by its share of the row and labelled with its count. */
#pragma once
#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PATINA_TYPE_CONFUSION (patina_confusion_get_type())
G_DECLARE_FINAL_TYPE(PatinaConfusion, patina_confusion, PATINA, CONFUSION, GtkWidget)

GtkWidget *patina_confusion_new(void);
/* confusion[true * n_classes + predicted]; copied. n_classes 0 clears. */
void patina_confusion_set(PatinaConfusion *self, int n_classes, const int *confusion,
                          const char *const *class_names);
int patina_confusion_get_total(PatinaConfusion *self); /* sum of the cells */
int patina_confusion_get_n_classes(PatinaConfusion *self);
/* The count shown for images of class true_class predicted as predicted; -1 outside the
 * matrix. */
int patina_confusion_get_cell(PatinaConfusion *self, int true_class, int predicted);

G_END_DECLS
