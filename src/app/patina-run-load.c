/* Reading run records back (patina-run.h): one folder or the whole runs folder, on a worker,
 * a broken record or checkpoint becoming a damaged run instead of an error; and deleting. */
#include "patina-run-private.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- reading ---- */

/* A run of folder dir recorded in record (NULL: the folder has no record). */
static PatinaRun *run_new(const char *dir, const char *record)
{
  PatinaRun *self = g_object_new(PATINA_TYPE_RUN, NULL);
  self->dir = g_strdup(dir);
  self->record = g_strdup(record ? record : "run.json");
  g_autofree char *folder = g_path_get_basename(dir);
  /* "run.fold2.json" -> tag ".fold2": the id tells the folds of one cross-validation apart */
  g_autofree char *tag = g_strndup(self->record + 3, strlen(self->record) - strlen("run.json"));
  self->id = g_strconcat(folder, tag, NULL);
  self->checkpoint = g_strdup_printf("model%s.safetensors", tag);
  return self;
}

static PatinaRun *damaged(PatinaRun *self, char *message)
{
  self->damage = message;
  g_free(self->search_text);
  self->search_text = g_strdup_printf("%s %s", self->id, message);
  return self;
}

/* The member as the type the record promises, or an error naming the field. */
static JsonNode *member(JsonObject *o, const char *name, GType type, gboolean nullable,
                        GError **error)
{
  JsonNode *n = json_object_get_member(o, name);
  if (n && nullable && JSON_NODE_HOLDS_NULL(n))
    return n;
  if (!n || json_node_get_value_type(n) != type) {
    /* JSON integers are fine where a number is expected */
    if (n && type == G_TYPE_DOUBLE && json_node_get_value_type(n) == G_TYPE_INT64)
      return n;
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                type == G_TYPE_STRING  ? _("the field “%s” is missing or not a string")
                : type == G_TYPE_INT64 ? _("the field “%s” is missing or not a whole number")
                                       : _("the field “%s” is missing or not a number"),
                name);
    return NULL;
  }
  return n;
}

static gboolean get_string(JsonObject *o, const char *name, char **out, GError **error)
{
  JsonNode *n = member(o, name, G_TYPE_STRING, FALSE, error);
  if (n)
    *out = g_strdup(json_node_get_string(n));
  return n != NULL;
}

static gboolean get_int(JsonObject *o, const char *name, gint64 lo, gint64 hi, gint64 *out,
                        GError **error)
{
  JsonNode *n = member(o, name, G_TYPE_INT64, FALSE, error);
  if (!n)
    return FALSE;
  gint64 v = json_node_get_int(n);
  if (v < lo || v > hi) {
    g_autofree char *lo_text = g_strdup_printf("%" G_GINT64_FORMAT, lo);
    g_autofree char *hi_text = g_strdup_printf("%" G_GINT64_FORMAT, hi);
    g_autofree char *v_text = g_strdup_printf("%" G_GINT64_FORMAT, v);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                _("the field “%s” is %s, outside %s–%s"), name, v_text, lo_text, hi_text);
    return FALSE;
  }
  *out = v;
  return TRUE;
}

static gboolean get_double(JsonObject *o, const char *name, double *out, GError **error)
{
  JsonNode *n = member(o, name, G_TYPE_DOUBLE, TRUE, error);
  if (n)
    *out = JSON_NODE_HOLDS_NULL(n) ? NAN : json_node_get_double(n);
  return n != NULL;
}

static gboolean read_history(PatinaRun *self, JsonObject *o, GError **error)
{
  JsonNode *n = json_object_get_member(o, "history");
  if (!n || !JSON_NODE_HOLDS_ARRAY(n)) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        _("the field “history” is missing or not a list"));
    return FALSE;
  }
  JsonArray *a = json_node_get_array(n);
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonNode *e = json_array_get_element(a, i);
    if (!JSON_NODE_HOLDS_OBJECT(e)) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                  _("history entry %u is not an object"), i + 1);
      return FALSE;
    }
    JsonObject *eo = json_node_get_object(e);
    PatinaEpochRecord r = {0};
    gint64 epoch;
    if (!get_int(eo, "epoch", 1, G_MAXINT, &epoch, error) ||
        !get_double(eo, "train_loss", &r.train_loss, error) ||
        !get_double(eo, "train_acc", &r.train_acc, error) ||
        !get_double(eo, "val_loss", &r.val_loss, error) ||
        !get_double(eo, "val_acc", &r.val_acc, error))
      return FALSE;
    r.epoch = (int) epoch;
    r.lr = self->lr;
    r.seconds = NAN;
    g_array_append_val(self->history, r);
  }
  return TRUE;
}

static gboolean read_record(PatinaRun *self, JsonObject *o, GError **error)
{
  gint64 size, epochs, batch, seed, started;
  double best, final;
  if (!get_string(o, "model", &self->model, error) ||
      !get_string(o, "dataset", &self->dataset, error) ||
      !get_string(o, "state", &self->state, error) ||
      !get_string(o, "optimizer", &self->optimizer, error) ||
      !get_int(o, "started_unix", 0, G_MAXINT64, &started, error) ||
      !get_int(o, "size", 1, 65536, &size, error) ||
      !get_int(o, "epochs", 1, G_MAXINT, &epochs, error) ||
      !get_int(o, "batch", 1, G_MAXINT, &batch, error) ||
      !get_int(o, "seed", 0, G_MAXINT64, &seed, error) ||
      !get_double(o, "lr", &self->lr, error) ||
      !get_double(o, "momentum", &self->momentum, error) ||
      !get_double(o, "val_fraction", &self->val_fraction, error) ||
      !get_double(o, "best_val_acc", &best, error) ||
      !get_double(o, "final_val_acc", &final, error) || !read_history(self, o, error))
    return FALSE;
  if (!(self->lr > 0)) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        _("the learning rate is not a positive number"));
    return FALSE;
  }
  self->size = (int) size, self->epochs = (int) epochs, self->batch = (int) batch;
  self->seed = seed, self->started = started;
  self->best_val_acc = isfinite(best) ? CLAMP(best, 0, 1) : -1;
  self->final_val_acc = isfinite(final) ? CLAMP(final, 0, 1) : -1;

  /* Fields added after the first records: optional. */
  self->dropout = NAN;
  if (json_object_has_member(o, "dropout") && !get_double(o, "dropout", &self->dropout, error))
    return FALSE;
  JsonNode *cw = json_object_get_member(o, "class_weighting");
  self->class_weighting = cw && json_node_get_value_type(cw) == G_TYPE_BOOLEAN &&
                          json_node_get_boolean(cw);

  JsonNode *aug = json_object_get_member(o, "augmentation");
  if (aug && JSON_NODE_HOLDS_OBJECT(aug)) {
    PatinaAugment a;
    if (!patina_augment_from_json_node(&a, aug, error))
      return FALSE;
    /* the preset's name when the parameters are one's (a record keeps parameters only), as
     * the Train page's Augmentation row names it */
    const char *preset = patina_augment_preset_matching(&a);
    const char *label = g_strcmp0(preset, "paper") == 0  ? _("Paper")
                        : g_strcmp0(preset, "mild") == 0 ? _("Mild")
                                                          : NULL;
    g_autofree char *described = patina_augment_describe(&a);
    self->augmentation = label ? g_strdup_printf(_("%s preset: %s"), label, described)
                               : g_steal_pointer(&described);
    self->augmentation_json = json_to_string(aug, FALSE);
  } else {
    self->augmentation = g_strdup(_("none"));
  }
  return TRUE;
}

/* A checkpoint's safetensors header must at least announce a size the file holds: enough to
 * catch a truncated or foreign file without reading megabytes of weights on every scan. */
static gboolean check_checkpoint(const char *path, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path(path);
  g_autoptr(GFileInputStream) in = g_file_read(file, NULL, error);
  if (!in)
    return FALSE;
  g_autoptr(GFileInfo) info =
    g_file_input_stream_query_info(in, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, error);
  if (!info)
    return FALSE;
  guint8 head[9];
  gsize got = 0;
  if (!g_input_stream_read_all(G_INPUT_STREAM(in), head, sizeof head, &got, NULL, error))
    return FALSE;
  guint64 header_len = 0;
  for (int i = 7; i >= 0 && got >= 8; i--)
    header_len = header_len << 8 | head[i];
  goffset size = g_file_info_get_size(info);
  if (got < sizeof head || header_len + 8 > (guint64) size || head[8] != '{') {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        _("not a complete .safetensors file"));
    return FALSE;
  }
  return TRUE;
}

/* ---- runs from before run.json ---- */

/* The __metadata__ of a .safetensors file, from its header alone (the weights stay unread). */
static JsonObject *checkpoint_metadata(const char *path, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path(path);
  g_autoptr(GFileInputStream) in = g_file_read(file, NULL, error);
  if (!in)
    return NULL;
  guint8 head[8];
  gsize got = 0;
  if (!g_input_stream_read_all(G_INPUT_STREAM(in), head, sizeof head, &got, NULL, error))
    return NULL;
  guint64 len = 0;
  for (int i = 7; i >= 0; i--)
    len = len << 8 | head[i];
  if (got < sizeof head || len == 0 || len > 64 * 1024 * 1024) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s: not a complete .safetensors file"),
                path);
    return NULL;
  }
  g_autofree char *header = g_malloc(len + 1);
  if (!g_input_stream_read_all(G_INPUT_STREAM(in), header, len, &got, NULL, error))
    return NULL;
  header[got] = 0;
  g_autoptr(JsonParser) parser = json_parser_new();
  if (got < len || !json_parser_load_from_data(parser, header, (gssize) got, NULL)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s: not a complete .safetensors file"),
                path);
    return NULL;
  }
  JsonNode *root = json_parser_get_root(parser);
  JsonObject *o = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
  JsonNode *meta = o ? json_object_get_member(o, "__metadata__") : NULL;
  if (!meta || !JSON_NODE_HOLDS_OBJECT(meta)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s has no Patina metadata"), path);
    return NULL;
  }
  return json_object_ref(json_node_get_object(meta));
}

/* The history CSV (epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds; empty = none) as
 * the record's "history" array, with the best and last validation accuracy. */
static JsonArray *history_from_csv(const char *csv, double *best, double *final)
{
  JsonArray *a = json_array_new();
  *best = *final = NAN;
  g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
  for (guint i = 1; lines[0] && lines[i]; i++) {
    g_auto(GStrv) f = g_strsplit(lines[i], ",", -1);
    if (g_strv_length(f) < 5)
      continue;
    JsonObject *e = json_object_new();
    json_object_set_int_member(e, "epoch", g_ascii_strtoll(f[0], NULL, 10));
    const char *names[] = {"train_loss", "train_acc", "val_loss", "val_acc"};
    for (int k = 0; k < 4; k++) {
      if (*f[k + 1])
        json_object_set_double_member(e, names[k], g_ascii_strtod(f[k + 1], NULL));
      else
        json_object_set_null_member(e, names[k]);
    }
    double val_acc = *f[4] ? g_ascii_strtod(f[4], NULL) : NAN;
    if (isfinite(val_acc) && !(val_acc <= *best))
      *best = val_acc;
    *final = val_acc;
    json_array_add_object_element(a, e);
  }
  return a;
}

static void copy_member(JsonObject *to, JsonObject *from, const char *name, const char *as)
{
  JsonNode *n = json_object_get_member(from, name);
  if (n)
    json_object_set_member(to, as ? as : name, json_node_copy(n));
}

/* A run.json made from what a run of an older version left: its checkpoint's hyperparameters
 * and its history CSV. The data set is not known. */
static JsonObject *legacy_record(PatinaRun *self, GError **error)
{
  g_autofree char *last = g_build_filename(self->dir, "model.last.safetensors", NULL);
  g_autofree char *best = g_build_filename(self->dir, "model.safetensors", NULL);
  const char *from = g_file_test(last, G_FILE_TEST_EXISTS) ? last : best;
  g_autoptr(JsonObject) meta = checkpoint_metadata(from, error);
  if (!meta)
    return NULL;
  const char *hyper_text = json_object_get_string_member_with_default(
    meta, "patina.hyperparameters", NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonNode *hyper_node = hyper_text && json_parser_load_from_data(parser, hyper_text, -1, NULL)
                           ? json_parser_get_root(parser)
                           : NULL;
  if (!hyper_node || !JSON_NODE_HOLDS_OBJECT(hyper_node)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                _("%s has no hyperparameters in its metadata"), from);
    return NULL;
  }
  JsonObject *hyper = json_node_get_object(hyper_node);
  g_autofree char *csv_path = g_build_filename(self->dir, "model.csv", NULL);
  g_autofree char *csv = NULL;
  if (!g_file_get_contents(csv_path, &csv, NULL, NULL))
    csv = g_strdup(json_object_get_string_member_with_default(meta, "patina.history", ""));

  JsonObject *r = json_object_new();
  const char *names[] = {"model", "size", "epochs", "batch", "lr", "optimizer", "momentum",
                         "seed", "val_fraction", "dropout", "class_weighting"};
  for (guint i = 0; i < G_N_ELEMENTS(names); i++)
    copy_member(r, hyper, names[i], NULL);
  if (!json_object_has_member(r, "optimizer"))
    json_object_set_string_member(r, "optimizer", "adam");
  if (!json_object_has_member(r, "momentum"))
    json_object_set_null_member(r, "momentum");
  if (!json_object_has_member(r, "val_fraction"))
    json_object_set_null_member(r, "val_fraction");
  JsonNode *aug = json_object_get_member(hyper, "augment");
  PatinaAugment a;
  if (aug && patina_augment_from_json_node(&a, aug, NULL) && !patina_augment_is_identity(&a))
    copy_member(r, hyper, "augment", "augmentation");
  json_object_set_string_member(r, "dataset", "");
  double best_acc, final_acc;
  JsonArray *history = history_from_csv(csv, &best_acc, &final_acc);
  gint64 epochs = json_object_get_int_member_with_default(hyper, "epochs", 0);
  json_object_set_string_member(r, "state", json_array_get_length(history) == (guint) epochs
                                              ? "done" : "cancelled");
  json_object_set_array_member(r, "history", history);
  json_object_set_double_member(r, "best_val_acc", best_acc);
  json_object_set_double_member(r, "final_val_acc", final_acc);
  if (!isfinite(best_acc))
    json_object_set_null_member(r, "best_val_acc");
  if (!isfinite(final_acc))
    json_object_set_null_member(r, "final_val_acc");
  /* the folder is named after the start time */
  struct tm tm = {0};
  g_autoptr(GDateTime) t = NULL;
  if (sscanf(self->id, "%4d%2d%2d-%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
             &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6)
    t = g_date_time_new_local(tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min,
                              tm.tm_sec);
  json_object_set_int_member(r, "started_unix", t ? g_date_time_to_unix(t) : 0);
  return r;
}

static PatinaRun *load_record(const char *dir, const char *record)
{
  PatinaRun *self = run_new(dir, record);
  g_autofree char *path = g_build_filename(dir, self->record, NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) legacy = NULL;
  if (!record) {
    /* a run of an older version: what its checkpoint and CSV say */
    legacy = legacy_record(self, &error);
    if (!legacy)
      return damaged(self, g_strdup_printf(_("%s has no run.json and its checkpoint cannot "
                                             "stand in: %s"),
                                           dir, error->message));
    if (!read_record(self, legacy, &error))
      return damaged(self, g_strdup_printf(_("%s has no run.json and its checkpoint's "
                                             "metadata is incomplete: %s"),
                                           dir, error->message));
  } else {
    if (!json_parser_load_from_file(parser, path, &error))
      return damaged(self, g_strdup_printf(_("%s: %s"), path, error->message));
    JsonNode *root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root))
      return damaged(self, g_strdup_printf(_("%s: not a JSON object"), path));
    if (!read_record(self, json_node_get_object(root), &error))
      return damaged(self, g_strdup_printf(_("%s: %s"), path, error->message));
  }
  if (self->history->len > 0) {
    /* Every run with an epoch behind it has saved its best model. */
    g_autofree char *model = g_build_filename(dir, self->checkpoint, NULL);
    if (!check_checkpoint(model, &error))
      return damaged(self, g_strdup_printf(_("%s: %s"), model, error->message));
  }
  /* the Settings column shows the dropout: it can be filtered by as well */
  g_autofree char *dropout =
    isfinite(self->dropout) ? g_strdup_printf("dropout %g", self->dropout) : g_strdup("");
  self->search_text = g_strdup_printf("%s %s %s %s %s lr %g batch %d size %d seed %" G_GINT64_FORMAT
                                      " epochs %d %s %s %s",
                                      self->id, self->model, self->dataset, self->optimizer,
                                      self->augmentation, self->lr, self->batch, self->size,
                                      self->seed, self->epochs, self->state,
                                      self->augmentation_json ? "augmented" : "", dropout);
  return self;
}

static gboolean is_record_name(const char *name)
{
  return g_str_has_prefix(name, "run") && g_str_has_suffix(name, ".json") &&
         (g_str_equal(name, "run.json") || name[3] == '.');
}

/* The records in dir (run.json, or run.fold1.json ... of a cross-validation). */
static GPtrArray *records_in(const char *dir)
{
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d)))
    if (is_record_name(name))
      g_ptr_array_add(names, g_strdup(name));
  return names;
}

PatinaRun *patina_run_load(const char *dir)
{
  g_return_val_if_fail(dir != NULL, NULL);
  g_autofree char *path = g_build_filename(dir, "run.json", NULL);
  return load_record(dir, g_file_test(path, G_FILE_TEST_EXISTS) ? "run.json" : NULL);
}

static int compare_newest_first(gconstpointer a, gconstpointer b)
{
  PatinaRun *ra = *(PatinaRun **) a, *rb = *(PatinaRun **) b;
  return -g_strcmp0(ra->id, rb->id);
}

GPtrArray *patina_runs_scan(const char *runs_dir, GCancellable *cancellable, GError **error)
{
  GPtrArray *runs = g_ptr_array_new_with_free_func(g_object_unref);
  g_autoptr(GError) local = NULL;
  g_autoptr(GDir) d = g_dir_open(runs_dir, 0, &local);
  if (!d) {
    if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return runs; /* no run yet */
    g_propagate_error(error, g_steal_pointer(&local));
    g_ptr_array_unref(runs);
    return NULL;
  }
  const char *name;
  while ((name = g_dir_read_name(d))) {
    if (g_cancellable_set_error_if_cancelled(cancellable, error)) {
      g_ptr_array_unref(runs);
      return NULL;
    }
    g_autofree char *dir = g_build_filename(runs_dir, name, NULL);
    if (name[0] == '.' || !g_file_test(dir, G_FILE_TEST_IS_DIR))
      continue;
    g_autoptr(GPtrArray) records = records_in(dir);
    if (records->len == 0)
      g_ptr_array_add(runs, load_record(dir, NULL));
    for (guint i = 0; i < records->len; i++)
      g_ptr_array_add(runs, load_record(dir, g_ptr_array_index(records, i)));
  }
  g_ptr_array_sort(runs, compare_newest_first);
  return runs;
}

static gboolean delete_tree(GFile *file, GCancellable *cancellable, GError **error)
{
  g_autoptr(GFileEnumerator) e =
    g_file_enumerate_children(file, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                              G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, cancellable, NULL);
  if (e) {
    GFileInfo *info;
    GFile *child;
    while (g_file_enumerator_iterate(e, &info, &child, cancellable, error) && info) {
      gboolean ok = g_file_info_get_file_type(info) == G_FILE_TYPE_DIRECTORY
                      ? delete_tree(child, cancellable, error)
                      : g_file_delete(child, cancellable, error);
      if (!ok)
        return FALSE;
    }
  }
  return g_file_delete(file, cancellable, error);
}

gboolean patina_run_delete(PatinaRun *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail(PATINA_IS_RUN(self), FALSE);
  g_autoptr(GPtrArray) records = records_in(self->dir);
  gboolean others = FALSE;
  for (guint i = 0; i < records->len; i++)
    others |= !g_str_equal(g_ptr_array_index(records, i), self->record);
  if (!others) {
    g_autoptr(GFile) folder = g_file_new_for_path(self->dir);
    return delete_tree(folder, cancellable, error);
  }
  /* One fold of several: only its own files (model.fold2.safetensors, .last, .csv, record). */
  g_autofree char *stem = g_strndup(self->checkpoint,
                                    strlen(self->checkpoint) - strlen("safetensors"));
  g_autoptr(GDir) d = g_dir_open(self->dir, 0, error);
  if (!d)
    return FALSE;
  const char *name;
  while ((name = g_dir_read_name(d))) {
    if (!g_str_has_prefix(name, stem) && !g_str_equal(name, self->record))
      continue;
    g_autofree char *path = g_build_filename(self->dir, name, NULL);
    g_autoptr(GFile) file = g_file_new_for_path(path);
    if (!g_file_delete(file, cancellable, error))
      return FALSE;
  }
  return TRUE;
}

