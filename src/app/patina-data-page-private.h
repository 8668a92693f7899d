/* The Data page's state, shared by patina-data-page.c (data set, thumbnails, viewer, loading)
 * and patina-data-page-filters.c (the class and split filters and their actions). */
#pragma once
#include "patina-data-page.h"
#include "patina-data-scan.h"
#include "patina-image-viewer.h"
#include "patina-thumbnail-decoder.h"
#include "patina-workspace.h"

G_BEGIN_DECLS

struct _PatinaDataPage {
  GtkWidget parent_instance;

  GtkStack *stack;
  GtkLabel *title_label;
  GtkLabel *summary_label;
  GtkLabel *notes_label;
  GtkProgressBar *progress;
  GtkSpinner *loading_spinner;
  GtkProgressBar *demo_progress; /* images drawn while the demo data set is generated */
  GtkGridView *grid;
  GtkDropDown *class_dropdown;
  GtkDropDown *split_dropdown;
  GtkRevealer *banner;
  GtkLabel *banner_label;
  AdwPreferencesGroup *recent_group;
  PatinaImageViewer *viewer;

  PatinaWorkspace *workspace;
  GSettings *settings;
  GPtrArray *recent_rows; /* the rows shown in recent_group */
  GListStore *thumbnails;
  GtkStringList *class_choices; /* "All Classes", then the class names */
  GtkCustomFilter *filter;
  GtkFilterListModel *filtered;
  char *class_filter; /* NULL: all classes */
  int split_filter;   /* a PatinaSplit, or -1 for all */
  gboolean syncing;
  PatinaThumbnailDecoder *decoder;
  guint n_decoded;

  GCancellable *info_cancellable;
  PatinaManifestInfo *manifest; /* NULL until read */
  guint n_near_pairs;
  GFileMonitor *monitor;
  gboolean vanished;
};

/* The GtkCustomFilter function of the thumbnails shown (user_data: the page). */
gboolean patina_data_page_filter_func(gpointer item, gpointer user_data);
/* NULL or "" shows every class; the drop-down follows. */
void patina_data_page_set_class_filter(PatinaDataPage *self, const char *class_name);
/* A PatinaSplit or -1 for all; without a manifest always -1. The drop-down follows. */
void patina_data_page_set_split_filter(PatinaDataPage *self, int split);
/* Installs data.filter-class and data.filter-split and the drop-downs' template callbacks. */
void patina_data_page_class_add_filters(GtkWidgetClass *widget_class);

G_END_DECLS
