/* A PatinaChart under a small header row: smoothing, a log scale for loss and export.
 * Used by the Train and Runs pages. The chart is given in the .ui through the "chart"
 * property (so the page can bind it by its own id); without one the view makes its own.
 * Actions (on the view, prefix "chart."):
 *   chart.export            export the chart (file chooser; the format from the extension)
 *   chart.export-path (s)   export it at the chart's size to a path ending .png, .svg or .pdf */
#pragma once
#include <gtk/gtk.h>

#include "patina-chart.h"

G_BEGIN_DECLS

#define PATINA_TYPE_CHART_VIEW (patina_chart_view_get_type())
G_DECLARE_FINAL_TYPE(PatinaChartView, patina_chart_view, PATINA, CHART_VIEW, GtkWidget)

PatinaChart *patina_chart_view_get_chart(PatinaChartView *self);
/* Installs action (e.g. "train.export-chart") on a page class that holds one chart view, bound
 * to Ctrl+E: the chart's export then works from anywhere on the page, not only with the focus
 * inside the chart's header row. */
void patina_chart_view_install_page_export(GtkWidgetClass *page_class, const char *action);

G_END_DECLS
