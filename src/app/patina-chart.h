/* Training curves: loss (left panel) and accuracy (right panel) per epoch, train and
 * validation, with axes, ticks and a legend; one series for the live run, or several runs
 * overlaid with one colour each. Smoothing (TensorBoard's moving average, the raw curve
 * faint behind) and a log scale for loss. Drawn with cairo through gtk_snapshot; exported to
 * PNG, SVG or PDF by the same drawing code on a worker. */
#pragma once
#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PATINA_TYPE_CHART (patina_chart_get_type())
G_DECLARE_FINAL_TYPE(PatinaChart, patina_chart, PATINA, CHART, GtkWidget)

GtkWidget *patina_chart_new(void);
/* Removes every series and point. */
void patina_chart_clear(PatinaChart *self);
/* Sets the x range to 1..epochs before points arrive. */
void patina_chart_set_epochs(PatinaChart *self, int epochs);
/* One point per epoch of the live run (the first series); NaN values (no validation split)
 * are not drawn. */
void patina_chart_add_epoch(PatinaChart *self, int epoch, double train_loss, double train_acc,
                            double val_loss, double val_acc);
/* Points of every series. */
guint patina_chart_get_n_points(PatinaChart *self);
/* Per-batch training curves (x in epochs: 1.5 is half-way through epoch 2), drawn thin. */
void patina_chart_add_batch(PatinaChart *self, double x, double loss, double acc);
guint patina_chart_get_n_batch_points(PatinaChart *self);

/* A named series (a run to compare); returns its index. */
guint patina_chart_add_series(PatinaChart *self, const char *name);
void patina_chart_series_add_epoch(PatinaChart *self, guint series, int epoch, double train_loss,
                                   double train_acc, double val_loss, double val_acc);
guint patina_chart_get_n_series(PatinaChart *self);
/* The hint shown while there is nothing to draw. */
void patina_chart_set_empty_text(PatinaChart *self, const char *text);

/* 0 (raw) .. 0.99; property "smoothing". */
void patina_chart_set_smoothing(PatinaChart *self, double weight);
double patina_chart_get_smoothing(PatinaChart *self);
/* Loss on a log axis. Refused (FALSE, error) while a loss value is zero or negative; values
 * arriving later that a log axis cannot show are left out. Property "log-scale". */
gboolean patina_chart_set_log_scale(PatinaChart *self, gboolean log_scale, GError **error);
gboolean patina_chart_get_log_scale(PatinaChart *self);
/* The values of one curve of a series as drawn (smoothed), one per epoch point; key is
 * 0 train loss, 1 train accuracy, 2 validation loss, 3 validation accuracy. */
GArray *patina_chart_get_curve(PatinaChart *self, guint series, int key);

/* The pointer at (x, y) in widget pixels (x < 0: gone), as the motion controller reports it;
 * the epoch nearest to it is marked and read out. */
void patina_chart_set_hover(PatinaChart *self, double x, double y);
/* The read-out of the hovered epoch (NULL when none), e.g. "Epoch 3\nTraining: loss ...". */
char *patina_chart_get_readout(PatinaChart *self);

/* Writes the chart (width × height pixels or points, dark on white) to path as PNG, SVG or
 * PDF, chosen by the extension, on a worker; the file is replaced atomically. An SVG carries
 * a <title> and a <desc> naming the axes and series. */
void patina_chart_export_async(PatinaChart *self, const char *path, int width, int height,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
gboolean patina_chart_export_finish(PatinaChart *self, GAsyncResult *result, GError **error);

G_END_DECLS
