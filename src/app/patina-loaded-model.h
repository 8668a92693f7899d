/* A model checkpoint loaded for use: its file, the network and the checkpoint's metadata
 * (class names, always one per output class). The workspace holds the current one (its
 * "model" property); pages that run it on a worker keep a reference for as long as the worker
 * needs it, so opening another model never frees one in use.
 *
 * The network is read-only after loading, but a forward pass writes into its scratch buffers:
 * workers hold patina_loaded_model_lock() around every forward pass (patina_loaded_model_predict
 * does it itself). Never take the lock on the main loop. */
#pragma once
#include <gio/gio.h>

#include "nn/model.h"
#include "train/checkpoint.h"

G_BEGIN_DECLS

#define PATINA_TYPE_LOADED_MODEL (patina_loaded_model_get_type())
G_DECLARE_FINAL_TYPE(PatinaLoadedModel, patina_loaded_model, PATINA, LOADED_MODEL, GObject)

/* Loads the checkpoint at path (blocking: call it on a worker). Errors name the file. */
PatinaLoadedModel *patina_loaded_model_load(const char *path, GError **error);

const char *patina_loaded_model_get_path(PatinaLoadedModel *self);
/* The network: its input shape is model->in_c × in_h × in_w. */
PatinaModel *patina_loaded_model_get_model(PatinaLoadedModel *self);
const PatinaCheckpointMeta *patina_loaded_model_get_meta(PatinaLoadedModel *self);
int patina_loaded_model_get_n_classes(PatinaLoadedModel *self);
/* The side of the square input images are resized to. */
int patina_loaded_model_get_input_size(PatinaLoadedModel *self);

void patina_loaded_model_lock(PatinaLoadedModel *self);
void patina_loaded_model_unlock(PatinaLoadedModel *self);

/* patina_predict_file under the lock: probs receives get_n_classes() probabilities; returns the
 * most probable class or -1 with an error naming the image. On a worker only. */
int patina_loaded_model_predict(PatinaLoadedModel *self, const char *image_path, float *probs,
                                GError **error);

G_END_DECLS
