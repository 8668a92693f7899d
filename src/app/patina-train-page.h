/* The Train page: hyperparameters (kept in GSettings), Start and Stop (win.train-start,
 * win.train-stop), progress with images/s and ETA, and the loss/accuracy chart of the
 * workspace's job. */
#pragma once
#include <adwaita.h>

#include "patina-chart.h"
#include "patina-confusion.h"
#include "patina-workspace.h"

G_BEGIN_DECLS

#define PATINA_TYPE_TRAIN_PAGE (patina_train_page_get_type())
G_DECLARE_FINAL_TYPE(PatinaTrainPage, patina_train_page, PATINA, TRAIN_PAGE, GtkWidget)

void patina_train_page_set_workspace(PatinaTrainPage *self, PatinaWorkspace *workspace);
PatinaChart *patina_train_page_get_chart(PatinaTrainPage *self);
/* The confusion matrix of the last finished run (empty until then). */
PatinaConfusion *patina_train_page_get_confusion(PatinaTrainPage *self);

/* Fills cfg from the settings the page edits (cfg->model points to a static string). With
 * train-augment on, the Augment page's parameters (the "augment" key) go into augment and
 * cfg->augment points there; FALSE when that key does not parse. */
gboolean patina_train_config_from_settings(GSettings *settings, PatinaTrainConfig *cfg,
                                           PatinaAugment *augment, GError **error);

G_END_DECLS
