/* One image on the Predict page as a list item: its file and, once the worker has run the
 * current model on it, the predicted class and every class's probability, or why it could not
 * be predicted. Changes are announced with notify::state. */
#pragma once
#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  PATINA_PREDICTION_PENDING, /* waiting for a model or for the worker */
  PATINA_PREDICTION_DONE,
  PATINA_PREDICTION_FAILED,
} PatinaPredictionState;

#define PATINA_TYPE_PREDICTION (patina_prediction_get_type())
G_DECLARE_FINAL_TYPE(PatinaPrediction, patina_prediction, PATINA, PREDICTION, GObject)

PatinaPrediction *patina_prediction_new(const char *path);
const char *patina_prediction_get_path(PatinaPrediction *self);
const char *patina_prediction_get_name(PatinaPrediction *self); /* the file's base name */
/* The name of the folder the file is in: in a class-folder data set, its true class. */
const char *patina_prediction_get_folder(PatinaPrediction *self);
PatinaPredictionState patina_prediction_get_state(PatinaPrediction *self);
/* DONE: the most probable class and its name; -1 and NULL otherwise. */
int patina_prediction_get_best(PatinaPrediction *self);
const char *patina_prediction_get_class_name(PatinaPrediction *self);
/* DONE: class k's probability; NaN otherwise or when k is out of range. */
double patina_prediction_get_probability(PatinaPrediction *self, int k);
int patina_prediction_get_n_classes(PatinaPrediction *self);
/* FAILED: what went wrong (names the file). */
const char *patina_prediction_get_error(PatinaPrediction *self);

/* Back to PENDING (e.g. for another model). */
void patina_prediction_reset(PatinaPrediction *self);
/* probs holds n_classes probabilities; class_name is the name of class best. */
void patina_prediction_set_result(PatinaPrediction *self, int best, const char *class_name,
                                  const float *probs, int n_classes);
void patina_prediction_set_error(PatinaPrediction *self, const char *message);

/* The rows of predictions (PatinaPrediction) in their order as CSV: file, folder, predicted
 * class, one probability column per class name, error. Fields are quoted where needed (RFC 4180). */
char *patina_predictions_to_csv(GListModel *predictions, const char *const *class_names);

G_END_DECLS
