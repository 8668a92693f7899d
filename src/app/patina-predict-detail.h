/* The Predict page's detail pane: one image as the network sees it (gray, data bar cropped),
 * its size and the size it is resized to, the predicted class and every class's probability as
 * a bar, or why it cannot be predicted. The preview is decoded on a worker (the latest image
 * wins); the pane follows its item's notify::state. */
#pragma once
#include <gtk/gtk.h>

#include "patina-loaded-model.h"
#include "patina-prediction.h"
#include "patina-scan-view.h"

G_BEGIN_DECLS

#define PATINA_TYPE_PREDICT_DETAIL (patina_predict_detail_get_type())
G_DECLARE_FINAL_TYPE(PatinaPredictDetail, patina_predict_detail, PATINA, PREDICT_DETAIL,
                     GtkWidget)

/* Shows item (NULL: nothing) as predicted by model (NULL: no model open). */
void patina_predict_detail_show(PatinaPredictDetail *self, PatinaPrediction *item,
                                PatinaLoadedModel *model);
/* The line about the image: its size and the resizing, or its error. */
const char *patina_predict_detail_get_info(PatinaPredictDetail *self);
/* The surface scan of the shown image, under its probabilities. */
PatinaScanView *patina_predict_detail_get_scan_view(PatinaPredictDetail *self);

G_END_DECLS
