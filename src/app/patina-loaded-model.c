#include "patina-loaded-model.h"

#include "train/predict.h"

struct _PatinaLoadedModel {
  GObject parent_instance;
  char *path;
  PatinaModel *model;
  PatinaCheckpointMeta meta;
  GMutex forward_lock;
};

G_DEFINE_FINAL_TYPE(PatinaLoadedModel, patina_loaded_model, G_TYPE_OBJECT)

static void patina_loaded_model_finalize(GObject *object)
{
  PatinaLoadedModel *self = PATINA_LOADED_MODEL(object);
  g_free(self->path);
  g_clear_pointer(&self->model, patina_model_free);
  patina_checkpoint_meta_clear(&self->meta);
  g_mutex_clear(&self->forward_lock);
  G_OBJECT_CLASS(patina_loaded_model_parent_class)->finalize(object);
}

static void patina_loaded_model_class_init(PatinaLoadedModelClass *klass)
{
  G_OBJECT_CLASS(klass)->finalize = patina_loaded_model_finalize;
}

static void patina_loaded_model_init(PatinaLoadedModel *self)
{
  g_mutex_init(&self->forward_lock);
}

PatinaLoadedModel *patina_loaded_model_load(const char *path, GError **error)
{
  g_return_val_if_fail(path != NULL, NULL);
  PatinaCheckpointMeta meta = {0};
  PatinaModel *model = patina_checkpoint_load(path, &meta, error);
  if (!model)
    return NULL;
  PatinaLoadedModel *self = g_object_new(PATINA_TYPE_LOADED_MODEL, NULL);
  self->path = g_strdup(path);
  self->model = model;
  self->meta = meta;
  patina_checkpoint_meta_ensure_class_names(&self->meta, patina_model_n_classes(model));
  return self;
}

const char *patina_loaded_model_get_path(PatinaLoadedModel *self) { return self->path; }
PatinaModel *patina_loaded_model_get_model(PatinaLoadedModel *self) { return self->model; }
const PatinaCheckpointMeta *patina_loaded_model_get_meta(PatinaLoadedModel *self)
{
  return &self->meta;
}
int patina_loaded_model_get_n_classes(PatinaLoadedModel *self)
{
  return patina_model_n_classes(self->model);
}
int patina_loaded_model_get_input_size(PatinaLoadedModel *self) { return self->model->in_h; }
void patina_loaded_model_lock(PatinaLoadedModel *self) { g_mutex_lock(&self->forward_lock); }
void patina_loaded_model_unlock(PatinaLoadedModel *self) { g_mutex_unlock(&self->forward_lock); }

int patina_loaded_model_predict(PatinaLoadedModel *self, const char *image_path, float *probs,
                                GError **error)
{
  g_return_val_if_fail(PATINA_IS_LOADED_MODEL(self), -1);
  g_mutex_lock(&self->forward_lock);
  int best = patina_predict_file(self->model, image_path, probs, error);
  g_mutex_unlock(&self->forward_lock);
  return best;
}
