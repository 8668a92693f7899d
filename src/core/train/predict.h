/* Predicting the class of image files with a loaded model: the one path that patina-cli's
 * predict and the app's Predict page share, so both give the same probabilities for the same
 * file. */
#pragma once
#include <glib.h>

#include "nn/model.h"
#include "train/checkpoint.h"

G_BEGIN_DECLS

/* A checkpoint without class names (a bare state_dict) still needs names to show: fills
 * meta->class_names with "class 0", "class 1", ... when it has none. */
void patina_checkpoint_meta_ensure_class_names(PatinaCheckpointMeta *meta, int n_classes);

/* Loads path as the model's input (gray, data bar cropped, resized bilinearly to the model's
 * input size whatever the file's size, repeated to its channels) and writes the class
 * probabilities, patina_model_n_classes(model) of them summing to 1, into probs. Returns the
 * most probable class, or -1 with an error naming the file. The model's scratch state is used:
 * one call at a time per model. */
int patina_predict_file(PatinaModel *model, const char *path, float *probs, GError **error);

G_END_DECLS
