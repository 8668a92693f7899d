/* The Predict page's workers: runs a model over PatinaPrediction items on GTask threads at low
 * priority. Workers only store results into a mutex-guarded list; one timeout on the main loop
 * applies them to their items in batches and then calls the queue's function. Stopping forgets
 * the running workers: their results are dropped, never applied. */
#pragma once
#include <gio/gio.h>

#include "patina-loaded-model.h"

G_BEGIN_DECLS

typedef struct _PatinaPredictQueue PatinaPredictQueue;

/* Called on the main loop after a batch of results was applied. When finished (no worker left),
 * failures holds the error messages of the images that failed since the queue was last idle. */
typedef void (*PatinaPredictQueueFunc)(gpointer user_data, gboolean finished,
                                       GPtrArray *failures);

PatinaPredictQueue *patina_predict_queue_new(PatinaPredictQueueFunc func, gpointer user_data);
void patina_predict_queue_free(PatinaPredictQueue *queue);
/* Predicts items (PatinaPrediction) with model on a new worker. */
void patina_predict_queue_add(PatinaPredictQueue *queue, PatinaLoadedModel *model,
                              GPtrArray *items);
void patina_predict_queue_stop(PatinaPredictQueue *queue);
/* Progress since the queue was last idle: images done of images queued (0 of 0 when idle). */
guint patina_predict_queue_get_done(PatinaPredictQueue *queue);
guint patina_predict_queue_get_total(PatinaPredictQueue *queue);

G_END_DECLS
