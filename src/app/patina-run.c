#include "patina-run.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#define RECORD_VERSION 1

#include "patina-run-private.h"

G_DEFINE_FINAL_TYPE(PatinaRun, patina_run, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_STARTED,
  PROP_MODEL,
  PROP_SIZE,
  PROP_EPOCHS,
  PROP_BATCH,
  PROP_LR,
  PROP_OPTIMIZER,
  PROP_AUGMENTATION,
  PROP_SEED,
  PROP_BEST_VAL_ACC,
  PROP_FINAL_VAL_ACC,
  PROP_SEARCH_TEXT,
  PROP_TICKED,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

static void patina_run_finalize(GObject *object)
{
  PatinaRun *self = PATINA_RUN(object);
  g_free(self->id);
  g_free(self->dir);
  g_free(self->damage);
  g_free(self->record);
  g_free(self->checkpoint);
  g_free(self->model);
  g_free(self->dataset);
  g_free(self->optimizer);
  g_free(self->augmentation);
  g_free(self->augmentation_json);
  g_free(self->state);
  g_free(self->search_text);
  g_array_unref(self->history);
  G_OBJECT_CLASS(patina_run_parent_class)->finalize(object);
}

static void patina_run_get_property(GObject *object, guint prop_id, GValue *value,
                                    GParamSpec *pspec)
{
  PatinaRun *self = PATINA_RUN(object);
  switch (prop_id) {
  case PROP_ID: g_value_set_string(value, self->id); break;
  case PROP_STARTED: g_value_set_int64(value, self->started); break;
  case PROP_MODEL: g_value_set_string(value, self->model); break;
  case PROP_SIZE: g_value_set_int(value, self->size); break;
  case PROP_EPOCHS: g_value_set_int(value, self->epochs); break;
  case PROP_BATCH: g_value_set_int(value, self->batch); break;
  case PROP_LR: g_value_set_double(value, self->lr); break;
  case PROP_OPTIMIZER: g_value_set_string(value, self->optimizer); break;
  case PROP_AUGMENTATION: g_value_set_string(value, self->augmentation); break;
  case PROP_SEED: g_value_set_int64(value, self->seed); break;
  case PROP_BEST_VAL_ACC: g_value_set_double(value, self->best_val_acc); break;
  case PROP_FINAL_VAL_ACC: g_value_set_double(value, self->final_val_acc); break;
  case PROP_SEARCH_TEXT: g_value_set_string(value, self->search_text); break;
  case PROP_TICKED: g_value_set_boolean(value, self->ticked); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void patina_run_set_property(GObject *object, guint prop_id, const GValue *value,
                                    GParamSpec *pspec)
{
  PatinaRun *self = PATINA_RUN(object);
  switch (prop_id) {
  case PROP_TICKED: patina_run_set_ticked(self, g_value_get_boolean(value)); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void patina_run_class_init(PatinaRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  object_class->finalize = patina_run_finalize;
  object_class->get_property = patina_run_get_property;
  object_class->set_property = patina_run_set_property;
  /* Read-only properties exist so GtkColumnView sorters and the search filter can reach the
   * fields through property expressions. */
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;
  props[PROP_ID] = g_param_spec_string("id", NULL, NULL, NULL, ro);
  props[PROP_STARTED] = g_param_spec_int64("started", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  props[PROP_MODEL] = g_param_spec_string("model", NULL, NULL, NULL, ro);
  props[PROP_SIZE] = g_param_spec_int("size", NULL, NULL, 0, G_MAXINT, 0, ro);
  props[PROP_EPOCHS] = g_param_spec_int("epochs", NULL, NULL, 0, G_MAXINT, 0, ro);
  props[PROP_BATCH] = g_param_spec_int("batch", NULL, NULL, 0, G_MAXINT, 0, ro);
  props[PROP_LR] = g_param_spec_double("lr", NULL, NULL, 0, G_MAXDOUBLE, 0, ro);
  props[PROP_OPTIMIZER] = g_param_spec_string("optimizer", NULL, NULL, NULL, ro);
  props[PROP_AUGMENTATION] = g_param_spec_string("augmentation", NULL, NULL, NULL, ro);
  props[PROP_SEED] = g_param_spec_int64("seed", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  props[PROP_BEST_VAL_ACC] = g_param_spec_double("best-val-acc", NULL, NULL, -1, 1, -1, ro);
  props[PROP_FINAL_VAL_ACC] = g_param_spec_double("final-val-acc", NULL, NULL, -1, 1, -1, ro);
  props[PROP_SEARCH_TEXT] = g_param_spec_string("search-text", NULL, NULL, NULL, ro);
  props[PROP_TICKED] = g_param_spec_boolean("ticked", NULL, NULL, FALSE,
                                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                              G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, props);
}

static void patina_run_init(PatinaRun *self)
{
  self->history = g_array_new(FALSE, FALSE, sizeof(PatinaEpochRecord));
  self->best_val_acc = self->final_val_acc = -1;
  self->lr = self->momentum = self->val_fraction = NAN;
}

char *patina_runs_dir(void)
{
  return g_build_filename(g_get_user_data_dir(), "patina", "runs", NULL);
}

/* The part of a checkpoint's name between "model" and ".safetensors" (".fold2" for a fold,
 * "" for a single run), which also names its record: run.fold2.json. */
static char *output_tag(const char *output_base)
{
  const char *ext = ".safetensors";
  g_autofree char *stem = g_str_has_suffix(output_base, ext)
                            ? g_strndup(output_base, strlen(output_base) - strlen(ext))
                            : g_strdup(output_base);
  return g_strdup(g_str_has_prefix(stem, "model") ? stem + strlen("model") : "");
}

/* ---- writing ---- */

static void add_double(JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name(b, name);
  if (isfinite(v))
    json_builder_add_double_value(b, v);
  else
    json_builder_add_null_value(b); /* JSON has no NaN */
}

static void add_string(JsonBuilder *b, const char *name, const char *v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_string_value(b, v ? v : "");
}

static void add_int(JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_int_value(b, v);
}

gboolean patina_run_record_save(const PatinaTrainConfig *cfg, const char *dataset_root,
                                gint64 started_unix, const PatinaTrainResult *result,
                                const GError *train_error, GError **error)
{
  g_return_val_if_fail(cfg != NULL && cfg->output != NULL, FALSE);
  const char *state = !train_error ? "done"
                      : g_error_matches(train_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                        ? "cancelled"
                        : "failed";
  GArray *h = result ? result->history : NULL;
  double best_acc = NAN, best_loss = NAN, final_acc = NAN, final_loss = NAN;
  int best_epoch = 0;
  for (guint i = 0; h && i < h->len; i++) {
    const PatinaEpochRecord *r = &g_array_index(h, PatinaEpochRecord, i);
    if (isfinite(r->val_acc) && !(r->val_acc <= best_acc))
      best_acc = r->val_acc, best_loss = r->val_loss, best_epoch = r->epoch;
    final_acc = r->val_acc, final_loss = r->val_loss;
  }

  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  add_int(b, "version", RECORD_VERSION);
  g_autoptr(GDateTime) started = g_date_time_new_from_unix_local(started_unix);
  g_autofree char *started_text = started ? g_date_time_format_iso8601(started) : NULL;
  add_string(b, "started", started_text);
  add_int(b, "started_unix", started_unix);
  add_string(b, "state", state);
  add_string(b, "error", state[0] == 'f' ? train_error->message : "");
  add_string(b, "dataset", dataset_root);
  g_autofree char *checkpoint = g_path_get_basename(cfg->output);
  add_string(b, "checkpoint", checkpoint);
  add_string(b, "model", cfg->model);
  add_int(b, "size", cfg->size);
  add_int(b, "epochs", cfg->epochs);
  add_int(b, "batch", cfg->batch);
  add_double(b, "lr", cfg->lr);
  add_string(b, "optimizer", cfg->optimizer == PATINA_OPTIMIZER_SGD ? "sgd" : "adam");
  add_double(b, "momentum", cfg->momentum);
  add_double(b, "dropout", cfg->dropout);
  add_int(b, "seed", (gint64) cfg->seed);
  add_double(b, "val_fraction", cfg->val_fraction);
  add_int(b, "threads", cfg->threads);
  json_builder_set_member_name(b, "class_weighting");
  json_builder_add_boolean_value(b, cfg->class_weighting);
  json_builder_set_member_name(b, "augmentation");
  if (cfg->augment && !patina_augment_is_identity(cfg->augment))
    json_builder_add_value(b, patina_augment_to_json_node(cfg->augment));
  else
    json_builder_add_null_value(b);
  add_int(b, "best_epoch", best_epoch);
  add_double(b, "best_val_acc", best_acc);
  add_double(b, "best_val_loss", best_loss);
  add_double(b, "final_val_acc", final_acc);
  add_double(b, "final_val_loss", final_loss);
  json_builder_set_member_name(b, "history");
  json_builder_begin_array(b);
  for (guint i = 0; h && i < h->len; i++) {
    const PatinaEpochRecord *r = &g_array_index(h, PatinaEpochRecord, i);
    json_builder_begin_object(b);
    add_int(b, "epoch", r->epoch);
    add_double(b, "train_loss", r->train_loss);
    add_double(b, "train_acc", r->train_acc);
    add_double(b, "val_loss", r->val_loss);
    add_double(b, "val_acc", r->val_acc);
    add_double(b, "lr", r->lr);
    add_double(b, "seconds", r->seconds);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);

  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  json_generator_set_pretty(gen, TRUE);
  g_autofree char *text = json_generator_to_data(gen, NULL);
  g_autofree char *dir = g_path_get_dirname(cfg->output);
  g_autofree char *tag = output_tag(checkpoint);
  g_autofree char *record = g_strdup_printf("run%s.json", tag);
  g_autofree char *path = g_build_filename(dir, record, NULL);
  /* g_file_set_contents writes a temporary file and renames it: never half a record. */
  return g_file_set_contents(path, text, -1, error);
}

const char *patina_run_get_id(PatinaRun *self) { return self->id; }
const char *patina_run_get_dir(PatinaRun *self) { return self->dir; }
const char *patina_run_get_damage(PatinaRun *self) { return self->damage; }
const char *patina_run_get_model(PatinaRun *self) { return self->model; }
const char *patina_run_get_dataset(PatinaRun *self) { return self->dataset; }
const char *patina_run_get_optimizer(PatinaRun *self) { return self->optimizer; }
const char *patina_run_get_augmentation(PatinaRun *self) { return self->augmentation; }
const char *patina_run_get_augmentation_json(PatinaRun *self) { return self->augmentation_json; }
const char *patina_run_get_state(PatinaRun *self) { return self->state; }
int patina_run_get_size(PatinaRun *self) { return self->size; }
int patina_run_get_epochs(PatinaRun *self) { return self->epochs; }
int patina_run_get_batch(PatinaRun *self) { return self->batch; }
double patina_run_get_lr(PatinaRun *self) { return self->lr; }
double patina_run_get_momentum(PatinaRun *self) { return self->momentum; }
double patina_run_get_val_fraction(PatinaRun *self) { return self->val_fraction; }
double patina_run_get_dropout(PatinaRun *self) { return self->dropout; }
gboolean patina_run_get_class_weighting(PatinaRun *self) { return self->class_weighting; }
gint64 patina_run_get_seed(PatinaRun *self) { return self->seed; }
gint64 patina_run_get_started(PatinaRun *self) { return self->started; }
double patina_run_get_best_val_acc(PatinaRun *self) { return self->best_val_acc; }
double patina_run_get_final_val_acc(PatinaRun *self) { return self->final_val_acc; }
GArray *patina_run_get_history(PatinaRun *self) { return self->history; }
gboolean patina_run_get_ticked(PatinaRun *self) { return self->ticked; }

void patina_run_set_ticked(PatinaRun *self, gboolean ticked)
{
  g_return_if_fail(PATINA_IS_RUN(self));
  ticked = ticked && !self->damage; /* a damaged run has no curves to show */
  if (self->ticked == ticked)
    return;
  self->ticked = ticked;
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_TICKED]);
}

char *patina_run_get_label(PatinaRun *self)
{
  if (self->damage)
    return g_strdup(self->id);
  return g_strdup_printf(_("%s · %s, lr %g, batch %d"), self->id, self->model, self->lr,
                         self->batch);
}

/* ---- restoring ---- */

/* Writes key only where this schema has it and the value fits, so a run recorded by another
 * version of Patina restores what still applies instead of tripping a critical. */
static void set_if_valid(GSettings *settings, const char *key, GVariant *value)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink(value);
  g_autoptr(GSettingsSchema) schema = NULL;
  g_object_get(settings, "settings-schema", &schema, NULL);
  if (!g_settings_schema_has_key(schema, key))
    return;
  g_autoptr(GSettingsSchemaKey) k = g_settings_schema_get_key(schema, key);
  if (g_variant_is_of_type(owned, g_settings_schema_key_get_value_type(k)) &&
      g_settings_schema_key_range_check(k, owned))
    g_settings_set_value(settings, key, owned);
}

void patina_run_restore_settings(PatinaRun *run, GSettings *settings)
{
  g_return_if_fail(PATINA_IS_RUN(run) && G_IS_SETTINGS(settings));
  /* A delayed twin, so the Train page sees one change, not a dozen, and the caller's object
   * keeps writing through. */
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsBackend) backend = NULL;
  g_autofree char *path = NULL;
  g_object_get(settings, "settings-schema", &schema, "backend", &backend, "path", &path, NULL);
  g_autoptr(GSettings) s = g_settings_new_full(schema, backend, path);
  g_settings_delay(s);
  set_if_valid(s, "train-model", g_variant_new_string(patina_run_get_model(run)));
  set_if_valid(s, "train-size", g_variant_new_int32(patina_run_get_size(run)));
  set_if_valid(s, "train-epochs", g_variant_new_int32(patina_run_get_epochs(run)));
  set_if_valid(s, "train-batch", g_variant_new_int32(patina_run_get_batch(run)));
  set_if_valid(s, "train-lr", g_variant_new_double(patina_run_get_lr(run)));
  if (patina_run_get_seed(run) <= G_MAXINT32)
    set_if_valid(s, "train-seed", g_variant_new_int32((gint32) patina_run_get_seed(run)));
  set_if_valid(s, "train-optimizer", g_variant_new_string(patina_run_get_optimizer(run)));
  if (isfinite(patina_run_get_momentum(run)))
    set_if_valid(s, "train-momentum", g_variant_new_double(patina_run_get_momentum(run)));
  if (isfinite(patina_run_get_dropout(run)))
    set_if_valid(s, "train-dropout", g_variant_new_double(patina_run_get_dropout(run)));
  if (isfinite(patina_run_get_val_fraction(run)))
    set_if_valid(s, "train-val-fraction",
                 g_variant_new_double(patina_run_get_val_fraction(run)));
  set_if_valid(s, "train-class-weighting",
               g_variant_new_boolean(patina_run_get_class_weighting(run)));
  /* A run on a preset restores the choice and leaves the Augment page's parameters alone;
   * other parameters become them, as Custom. */
  const char *augment = patina_run_get_augmentation_json(run);
  PatinaAugment a;
  const char *preset = "none";
  if (augment && patina_augment_from_json(&a, augment, -1, NULL)) {
    preset = patina_augment_preset_matching(&a);
    if (!preset) {
      preset = "custom";
      set_if_valid(s, "augment", g_variant_new_string(augment));
    }
  }
  set_if_valid(s, "train-augment-preset", g_variant_new_string(preset));
  g_settings_apply(s);
}
