#include "patina-prediction.h"

#include <math.h>
#include <string.h>

struct _PatinaPrediction {
  GObject parent_instance;
  char *path, *name, *folder;
  PatinaPredictionState state;
  int best;
  char *class_name;
  float *probs;
  int n_classes;
  char *error;
};

G_DEFINE_FINAL_TYPE(PatinaPrediction, patina_prediction, G_TYPE_OBJECT)

enum { PROP_0, PROP_PATH, PROP_NAME, PROP_STATE, N_PROPS };
static GParamSpec *props[N_PROPS];

static void clear_result(PatinaPrediction *self)
{
  self->best = -1;
  self->n_classes = 0;
  g_clear_pointer(&self->class_name, g_free);
  g_clear_pointer(&self->probs, g_free);
  g_clear_pointer(&self->error, g_free);
}

static void patina_prediction_finalize(GObject *object)
{
  PatinaPrediction *self = PATINA_PREDICTION(object);
  clear_result(self);
  g_free(self->path);
  g_free(self->name);
  g_free(self->folder);
  G_OBJECT_CLASS(patina_prediction_parent_class)->finalize(object);
}

static void patina_prediction_get_property(GObject *object, guint prop_id, GValue *value,
                                           GParamSpec *pspec)
{
  PatinaPrediction *self = PATINA_PREDICTION(object);
  switch (prop_id) {
  case PROP_PATH: g_value_set_string(value, self->path); break;
  case PROP_NAME: g_value_set_string(value, self->name); break;
  case PROP_STATE: g_value_set_int(value, self->state); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void patina_prediction_class_init(PatinaPredictionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  object_class->finalize = patina_prediction_finalize;
  object_class->get_property = patina_prediction_get_property;
  const GParamFlags f = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  props[PROP_PATH] = g_param_spec_string("path", NULL, NULL, NULL, f);
  props[PROP_NAME] = g_param_spec_string("name", NULL, NULL, NULL, f);
  props[PROP_STATE] = g_param_spec_int("state", NULL, NULL, PATINA_PREDICTION_PENDING,
                                       PATINA_PREDICTION_FAILED, PATINA_PREDICTION_PENDING, f);
  g_object_class_install_properties(object_class, N_PROPS, props);
}

static void patina_prediction_init(PatinaPrediction *self) { self->best = -1; }

PatinaPrediction *patina_prediction_new(const char *path)
{
  PatinaPrediction *self = g_object_new(PATINA_TYPE_PREDICTION, NULL);
  self->path = g_strdup(path);
  self->name = g_path_get_basename(path);
  g_autofree char *dir = g_path_get_dirname(path);
  self->folder = g_path_get_basename(dir);
  return self;
}

const char *patina_prediction_get_path(PatinaPrediction *self) { return self->path; }
const char *patina_prediction_get_name(PatinaPrediction *self) { return self->name; }
const char *patina_prediction_get_folder(PatinaPrediction *self) { return self->folder; }
PatinaPredictionState patina_prediction_get_state(PatinaPrediction *self) { return self->state; }
int patina_prediction_get_best(PatinaPrediction *self) { return self->best; }
const char *patina_prediction_get_class_name(PatinaPrediction *self) { return self->class_name; }
int patina_prediction_get_n_classes(PatinaPrediction *self) { return self->n_classes; }
const char *patina_prediction_get_error(PatinaPrediction *self) { return self->error; }

double patina_prediction_get_probability(PatinaPrediction *self, int k)
{
  if (self->state != PATINA_PREDICTION_DONE || k < 0 || k >= self->n_classes)
    return NAN;
  return self->probs[k];
}

static void set_state(PatinaPrediction *self, PatinaPredictionState state)
{
  self->state = state;
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_STATE]);
}

void patina_prediction_reset(PatinaPrediction *self)
{
  g_return_if_fail(PATINA_IS_PREDICTION(self));
  clear_result(self);
  set_state(self, PATINA_PREDICTION_PENDING);
}

void patina_prediction_set_result(PatinaPrediction *self, int best, const char *class_name,
                                  const float *probs, int n_classes)
{
  g_return_if_fail(PATINA_IS_PREDICTION(self) && probs != NULL && n_classes > 0);
  g_return_if_fail(best >= 0 && best < n_classes);
  clear_result(self);
  self->best = best;
  self->class_name = g_strdup(class_name);
  self->probs = g_memdup2(probs, sizeof(float) * n_classes);
  self->n_classes = n_classes;
  set_state(self, PATINA_PREDICTION_DONE);
}

void patina_prediction_set_error(PatinaPrediction *self, const char *message)
{
  g_return_if_fail(PATINA_IS_PREDICTION(self));
  clear_result(self);
  self->error = g_strdup(message);
  set_state(self, PATINA_PREDICTION_FAILED);
}

/* ---- CSV ---- */

static void append_field(GString *out, const char *text)
{
  if (!text)
    return;
  if (!strpbrk(text, ",\"\r\n")) {
    g_string_append(out, text);
    return;
  }
  g_string_append_c(out, '"');
  for (const char *p = text; *p; p++) {
    if (*p == '"')
      g_string_append_c(out, '"');
    g_string_append_c(out, *p);
  }
  g_string_append_c(out, '"');
}

char *patina_predictions_to_csv(GListModel *predictions, const char *const *class_names)
{
  g_return_val_if_fail(G_IS_LIST_MODEL(predictions), NULL);
  GString *out = g_string_new("file,folder,predicted_class");
  int n_classes = class_names ? (int) g_strv_length((char **) class_names) : 0;
  for (int k = 0; k < n_classes; k++) {
    g_string_append_c(out, ',');
    g_autofree char *header = g_strconcat("p_", class_names[k], NULL);
    append_field(out, header);
  }
  g_string_append(out, ",error\n");
  guint n = g_list_model_get_n_items(predictions);
  for (guint i = 0; i < n; i++) {
    g_autoptr(PatinaPrediction) p = g_list_model_get_item(predictions, i);
    append_field(out, p->path);
    g_string_append_c(out, ',');
    append_field(out, p->folder);
    g_string_append_c(out, ',');
    append_field(out, p->class_name);
    for (int k = 0; k < n_classes; k++) {
      g_string_append_c(out, ',');
      double v = patina_prediction_get_probability(p, k);
      if (!isnan(v)) {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        g_string_append(out, g_ascii_formatd(buf, sizeof buf, "%.6f", v));
      }
    }
    g_string_append_c(out, ',');
    append_field(out, p->error);
    g_string_append_c(out, '\n');
  }
  return g_string_free(out, FALSE);
}
