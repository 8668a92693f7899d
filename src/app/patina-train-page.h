/* The Train page: hyperparameters (kept in GSettings; grouped Model / Training / Validation,
 * seed and threads in an expander), Start, Pause and Stop (win.train-*), progress with images/s
 * and ETA, the loss/accuracy chart of the workspace's job and, once it is done, the confusion
 * matrix, per-class metrics, cross-validation figures and the misclassified validation images
 * (a click opens one through win.show-image). */
#pragma once
#include <adwaita.h>

#include "patina-chart.h"
#include "patina-confusion.h"
#include "patina-misclassified-gallery.h"
#include "patina-workspace.h"

G_BEGIN_DECLS

#define PATINA_TYPE_TRAIN_PAGE (patina_train_page_get_type())
G_DECLARE_FINAL_TYPE(PatinaTrainPage, patina_train_page, PATINA, TRAIN_PAGE, GtkWidget)

void patina_train_page_set_workspace(PatinaTrainPage *self, PatinaWorkspace *workspace);
PatinaChart *patina_train_page_get_chart(PatinaTrainPage *self);
/* The Augmentation row: None, Paper, Mild, Custom (the "train-augment-preset" key). */
AdwComboRow *patina_train_page_get_augment_row(PatinaTrainPage *self);
/* The Validation Share row: insensitive, and saying why, when a manifest sets the split. */
AdwActionRow *patina_train_page_get_val_row(PatinaTrainPage *self);
/* The confusion matrix of the last finished run (empty until then). */
PatinaConfusion *patina_train_page_get_confusion(PatinaTrainPage *self);
/* The line above the progress bar (state, last and best validation accuracy). */
const char *patina_train_page_get_status_text(PatinaTrainPage *self);
/* The line under the progress bar: images/s and time left while a run runs, then where its
 * models were saved. */
const char *patina_train_page_get_saved_text(PatinaTrainPage *self);
/* The metrics shown beside it (accuracy, per-class figures, folds' mean ± sd). */
const char *patina_train_page_get_metrics_text(PatinaTrainPage *self);
/* The misclassified validation images of the last finished run. */
PatinaMisclassifiedGallery *patina_train_page_get_gallery(PatinaTrainPage *self);
/* Thumbnails in the misclassified strip, and the image path behind the i-th one. */
guint patina_train_page_get_n_misclassified_shown(PatinaTrainPage *self);
const char *patina_train_page_get_misclassified_path(PatinaTrainPage *self, guint i);

/* Fills cfg from the settings the page edits (cfg->model points to a static string). With
 * an Augmentation choice other than None, its parameters (a core preset, or for Custom the
 * Augment page's "augment" key) go into augment and cfg->augment points there; FALSE when
 * Custom and that key does not parse. */
gboolean patina_train_config_from_settings(GSettings *settings, PatinaTrainConfig *cfg,
                                           PatinaAugment *augment, GError **error);

G_END_DECLS
