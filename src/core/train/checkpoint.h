/* Model checkpoints: .safetensors whose tensors are the equivalent PyTorch nn.Sequential's
 * state_dict ("0.weight", "0.bias", ..., BatchNorm's running_mean / running_var /
 * num_batches_tracked) and whose __metadata__ carries everything needed to use the model:
 *   patina.spec            the model spec (JSON)
 *   patina.classes         class names (JSON array of strings)
 *   patina.input           [channels, height, width]
 *   patina.normalization   {"scale": 1/255, "grayscale": true}
 *   patina.hyperparameters JSON object (epochs, batch, lr, seed, ...)
 *   patina.history         the history CSV text */
#pragma once
#include <glib.h>

#include "nn/model.h"

G_BEGIN_DECLS

typedef struct {
  GStrv class_names;
  char *hyperparameters_json; /* may be NULL */
  char *history_csv;          /* may be NULL */
} PatinaCheckpointMeta;

void patina_checkpoint_meta_clear(PatinaCheckpointMeta *meta);

/* Atomic: written beside path and renamed. */
gboolean patina_checkpoint_save(const PatinaModel *model, const PatinaCheckpointMeta *meta,
                                const char *path, GError **error);
/* Builds the model from the file's spec and fills its parameters and buffers. Every tensor
 * must be there with the right shape; a file without Patina's metadata is refused. meta may
 * be NULL. */
PatinaModel *patina_checkpoint_load(const char *path, PatinaCheckpointMeta *meta,
                                    GError **error);
/* Loads tensors by state_dict name into an existing model (e.g. one written by PyTorch
 * without Patina's metadata). */
gboolean patina_checkpoint_load_state(PatinaModel *model, const char *path, GError **error);

G_END_DECLS
