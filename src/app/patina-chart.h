/* Training curves: loss (left panel) and accuracy (right panel) per epoch, train and
 * validation, with axes, ticks and a legend. Drawn with cairo through gtk_snapshot. */
#pragma once
#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PATINA_TYPE_CHART (patina_chart_get_type())
G_DECLARE_FINAL_TYPE(PatinaChart, patina_chart, PATINA, CHART, GtkWidget)

GtkWidget *patina_chart_new(void);
void patina_chart_clear(PatinaChart *self);
/* Sets the x range to 1..epochs before points arrive. */
void patina_chart_set_epochs(PatinaChart *self, int epochs);
/* One point per epoch; NaN values (no validation split) are not drawn. */
void patina_chart_add_epoch(PatinaChart *self, int epoch, double train_loss, double train_acc,
                            double val_loss, double val_acc);
guint patina_chart_get_n_points(PatinaChart *self);
/* Per-batch training curves (x in epochs: 1.5 is half-way through epoch 2), drawn thin. */
void patina_chart_add_batch(PatinaChart *self, double x, double loss, double acc);
guint patina_chart_get_n_batch_points(PatinaChart *self);
/* The pointer at (x, y) in widget pixels (x < 0: gone), as the motion controller reports it;
 * the epoch nearest to it is marked and read out. */
void patina_chart_set_hover(PatinaChart *self, double x, double y);
/* The read-out of the hovered epoch (NULL when none), e.g. "Epoch 3\nTraining: loss ...". */
char *patina_chart_get_readout(PatinaChart *self);

G_END_DECLS
