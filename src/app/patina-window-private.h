/* The window's fields, shared by the files that make it up (patina-window*.c). */
#pragma once
#include "patina-augment-page.h"
#include "patina-data-page.h"
#include "patina-layers-page.h"
#include "patina-predict-page.h"
#include "patina-runs-page.h"
#include "patina-train-page.h"
#include "patina-window.h"

struct _PatinaWindow {
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toast_overlay;
  AdwViewStack *view_stack;
  PatinaDataPage *data_page;
  PatinaAugmentPage *augment_page;
  PatinaTrainPage *train_page;
  PatinaRunsPage *runs_page;
  PatinaPredictPage *predict_page;
  PatinaLayersPage *layers_page;

  GSettings *settings;
  PatinaWorkspace *workspace;
  PatinaJob *job; /* followed for action states and toasts */
  GtkFileChooserNative *chooser;
  char *last_toast;
  guint n_toasts;
  AdwToast *toast; /* weak: the one showing */
  int demo_per_class;
};

/* win.save-model(-path) and win.export-history(-path), in patina-window-save.c */
void patina_window_save_install_actions(GtkWidgetClass *klass);
