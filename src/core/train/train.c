/* The training loop: shuffled mini-batches, BCE (one logit) or cross-entropy (softmax head),
 * Adam or SGD, a holdout evaluated each epoch, the best and the last checkpoint and the
 * history CSV written atomically after every epoch. */
#include "train.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "data/image.h"
#include "pool.h"

void patina_train_config_default(PatinaTrainConfig *cfg)
{
  *cfg = (PatinaTrainConfig){
    .model = "paper",
    .size = 150,
    .epochs = 10,
    .batch = 32,
    .lr = 7e-4f, /* the paper's learning rate */
    .optimizer = PATINA_OPTIMIZER_ADAM,
    .momentum = 0.9f,
    .seed = 0,
    .val_fraction = 0.2,
    .threads = 2,
    .dropout = 0.5, /* the paper's */
  };
}

void patina_train_result_clear(PatinaTrainResult *r)
{
  if (r->history)
    g_array_unref(r->history);
  g_free(r->last_path);
  g_free(r->history_path);
  memset(r, 0, sizeof(*r));
}

void patina_evaluation_clear(PatinaEvaluation *e)
{
  g_free(e->confusion);
  g_free(e->predicted);
  g_free(e->probability);
  memset(e, 0, sizeof(*e));
}

char *patina_history_to_csv(GArray *history)
{
  gboolean folds = FALSE;
  for (guint i = 0; history && i < history->len; i++)
    folds |= g_array_index(history, PatinaEpochRecord, i).fold > 0;
  GString *s = g_string_new(folds ? "fold," : "");
  g_string_append(s, "epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds\n");
  for (guint i = 0; history && i < history->len; i++) {
    PatinaEpochRecord *r = &g_array_index(history, PatinaEpochRecord, i);
    char v[5][G_ASCII_DTOSTR_BUF_SIZE];
    double vals[5] = {r->train_loss, r->train_acc, r->val_loss, r->val_acc, r->seconds};
    for (int k = 0; k < 5; k++) {
      if (isnan(vals[k]))
        strcpy(v[k], "");
      else
        g_ascii_formatd(v[k], sizeof(v[k]), "%.6g", vals[k]);
    }
    char lr[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd(lr, sizeof(lr), "%g", r->lr);
    if (folds)
      g_string_append_printf(s, "%d,", r->fold);
    g_string_append_printf(s, "%d,%s,%s,%s,%s,%s,%s\n", r->epoch, v[0], v[1], v[2], v[3], lr,
                           v[4]);
  }
  return g_string_free(s, FALSE);
}

/* ---- decoding on workers ---- */

typedef struct {
  const PatinaDataset *ds;
  const int *indices;
  int n, size;
  float *planes;
  GCancellable *cancellable;
  GMutex lock;
  GError *error; /* the first failure, by sample order */
  int error_at;
} LoadJob;

static void load_worker(int worker, int n_workers, gpointer data)
{
  LoadJob *j = data;
  gsize plane = (gsize) j->size * j->size;
  for (int i = worker; i < j->n; i += n_workers) {
    if (g_cancellable_is_cancelled(j->cancellable))
      return;
    const PatinaSample *s = &g_array_index(j->ds->samples, PatinaSample, j->indices[i]);
    GError *err = NULL;
    /* the image's own crop (from a manifest) unless the whole data set's is switched off */
    PatinaLoadOptions opts = {.crop = j->ds->crop, .crop_rows = j->ds->crop_rows};
    if (s->crop_set && j->ds->crop != PATINA_CROP_OFF)
      opts.crop = PATINA_CROP_ROWS, opts.crop_rows = s->crop_rows;
    if (!patina_image_load_input_full(s->path, j->size, 1, &opts, j->planes + i * plane, NULL,
                                      &err)) {
      g_mutex_lock(&j->lock);
      if (!j->error || i < j->error_at) {
        g_clear_error(&j->error);
        j->error = err;
        j->error_at = i;
      } else {
        g_error_free(err);
      }
      g_mutex_unlock(&j->lock);
    }
  }
}

float *patina_load_planes(const PatinaDataset *ds, const int *indices, int n, int size,
                          int threads, GCancellable *cancellable, GError **error)
{
  LoadJob j = {.ds = ds, .indices = indices, .n = n, .size = size, .cancellable = cancellable};
  j.planes = g_try_new(float, (gsize) MAX(1, n) * size * size);
  if (!j.planes) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_FAILED,
                "not enough memory to hold %d images at %d×%d", n, size, size);
    return NULL;
  }
  g_mutex_init(&j.lock);
  PatinaPool *pool = patina_pool_new(threads);
  patina_pool_run(pool, load_worker, &j);
  patina_pool_free(pool);
  g_mutex_clear(&j.lock);
  if (!j.error)
    g_cancellable_set_error_if_cancelled(cancellable, &j.error);
  if (j.error) {
    g_propagate_error(error, j.error);
    g_free(j.planes);
    return NULL;
  }
  return j.planes;
}

void patina_planes_to_input(const float *planes, int n, int size, int channels, float *x)
{
  gsize plane = (gsize) size * size;
  for (int i = 0; i < n; i++)
    for (int c = 0; c < channels; c++)
      memcpy(x + ((gsize) i * channels + c) * plane, planes + i * plane, sizeof(float) * plane);
}

/* ---- loss and accuracy over a batch ---- */

/* class_weights may be NULL. */
static double batch_loss(const PatinaModel *m, const float *logits, const int *labels, int n,
                         const float *class_weights, float *dlogits, int *correct)
{
  double loss;
  *correct = 0;
  if (m->n_outputs == 1) {
    float targets[n], weights[n];
    for (int i = 0; i < n; i++) {
      targets[i] = (float) labels[i];
      weights[i] = class_weights ? class_weights[labels[i]] : 1.0f;
      *correct += (logits[i] > 0.0f) == (labels[i] == 1);
    }
    loss = patina_bce_with_logits(n, logits, targets, class_weights ? weights : NULL, dlogits);
  } else {
    loss = patina_cross_entropy(n, m->n_outputs, logits, labels, class_weights, dlogits);
    for (int i = 0; i < n; i++) {
      const float *row = logits + (gsize) i * m->n_outputs;
      int best = 0;
      for (int k = 1; k < m->n_outputs; k++)
        if (row[k] > row[best])
          best = k;
      *correct += best == labels[i];
    }
  }
  return loss;
}

static int predicted_class(const PatinaModel *m, const float *logits)
{
  if (m->n_outputs == 1)
    return logits[0] > 0.0f ? 1 : 0;
  int best = 0;
  for (int k = 1; k < m->n_outputs; k++)
    if (logits[k] > logits[best])
      best = k;
  return best;
}

/* Sigmoid of the one logit, or the softmax's share of class p. */
static float predicted_probability(const PatinaModel *m, const float *logits, int p)
{
  if (m->n_outputs == 1) {
    float s = 1.0f / (1.0f + expf(-logits[0]));
    return p == 1 ? s : 1.0f - s;
  }
  double sum = 0.0;
  for (int k = 0; k < m->n_outputs; k++)
    sum += exp((double) logits[k] - logits[p]);
  return (float) (1.0 / sum);
}

gboolean patina_evaluate_planes(PatinaModel *m, const float *planes, const int *labels, int n,
                                int batch, PatinaEvaluation *e, GError **error)
{
  int size = m->in_h;
  gsize plane = (gsize) size * size;
  e->n_classes = patina_model_n_classes(m);
  e->n = n;
  e->confusion = g_new0(int, e->n_classes * e->n_classes);
  e->predicted = g_new0(int, MAX(n, 1));
  e->probability = g_new0(float, MAX(n, 1));
  g_autofree float *x = g_new(float, (gsize) batch * m->in_c * plane);
  double loss_sum = 0.0;
  int correct_sum = 0;
  for (int start = 0; start < n; start += batch) {
    int cnt = MIN(batch, n - start);
    patina_planes_to_input(planes + start * plane, cnt, size, m->in_c, x);
    const float *logits = patina_model_forward(m, x, cnt, FALSE, NULL, error);
    if (!logits)
      return FALSE;
    int correct;
    loss_sum += batch_loss(m, logits, labels + start, cnt, NULL, NULL, &correct) * cnt;
    correct_sum += correct;
    for (int i = 0; i < cnt; i++) {
      const float *z = logits + (gsize) i * m->n_outputs;
      int t = labels[start + i], p = predicted_class(m, z);
      if (t >= 0 && t < e->n_classes)
        e->confusion[t * e->n_classes + p]++;
      e->predicted[start + i] = p;
      e->probability[start + i] = predicted_probability(m, z, p);
    }
  }
  e->loss = n ? loss_sum / n : NAN;
  e->accuracy = n ? (double) correct_sum / n : NAN;
  return TRUE;
}

void patina_evaluation_class_metrics(const PatinaEvaluation *e, int k, double *precision,
                                     double *recall, double *f1)
{
  int tp = e->confusion[k * e->n_classes + k], predicted = 0, actual = 0;
  for (int i = 0; i < e->n_classes; i++) {
    predicted += e->confusion[i * e->n_classes + k];
    actual += e->confusion[k * e->n_classes + i];
  }
  *precision = predicted ? (double) tp / predicted : 0.0;
  *recall = actual ? (double) tp / actual : 0.0;
  *f1 = *precision + *recall > 0 ? 2 * *precision * *recall / (*precision + *recall) : 0.0;
}

/* ---- checkpoints ---- */

static char *hyperparameters_json(const PatinaTrainConfig *cfg, int epoch)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "model");
  json_builder_add_string_value(b, cfg->model);
  json_builder_set_member_name(b, "size");
  json_builder_add_int_value(b, cfg->size);
  json_builder_set_member_name(b, "epochs");
  json_builder_add_int_value(b, cfg->epochs);
  json_builder_set_member_name(b, "epoch");
  json_builder_add_int_value(b, epoch);
  json_builder_set_member_name(b, "batch");
  json_builder_add_int_value(b, cfg->batch);
  json_builder_set_member_name(b, "lr");
  json_builder_add_double_value(b, cfg->lr);
  json_builder_set_member_name(b, "optimizer");
  json_builder_add_string_value(b, cfg->optimizer == PATINA_OPTIMIZER_SGD ? "sgd" : "adam");
  if (cfg->optimizer == PATINA_OPTIMIZER_SGD) {
    json_builder_set_member_name(b, "momentum");
    json_builder_add_double_value(b, cfg->momentum);
  }
  json_builder_set_member_name(b, "seed");
  json_builder_add_int_value(b, (gint64) cfg->seed);
  json_builder_set_member_name(b, "val_fraction");
  json_builder_add_double_value(b, cfg->val_fraction);
  json_builder_set_member_name(b, "threads");
  json_builder_add_int_value(b, cfg->threads);
  json_builder_set_member_name(b, "class_weighting");
  json_builder_add_boolean_value(b, cfg->class_weighting);
  json_builder_set_member_name(b, "dropout");
  json_builder_add_double_value(b, cfg->dropout);
  if (cfg->folds >= 2) {
    json_builder_set_member_name(b, "folds");
    json_builder_add_int_value(b, cfg->folds);
  }
  /* every augmentation field, all off when there was none, so the checkpoint says exactly
   * what the model saw */
  PatinaAugment none;
  patina_augment_init(&none);
  json_builder_set_member_name(b, "augment");
  json_builder_add_value(b, patina_augment_to_json_node(cfg->augment ? cfg->augment : &none));
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  return json_to_string(root, FALSE);
}

static gboolean save_checkpoint(const PatinaTrainConfig *cfg, PatinaModel *m,
                                const PatinaDataset *ds, GArray *history, int epoch,
                                const char *path, GError **error)
{
  g_autofree char *hp = hyperparameters_json(cfg, epoch);
  g_autofree char *csv = patina_history_to_csv(history);
  g_autofree char **names = g_new0(char *, ds->class_names->len + 1);
  for (guint i = 0; i < ds->class_names->len; i++)
    names[i] = g_ptr_array_index(ds->class_names, i);
  PatinaCheckpointMeta meta = {.class_names = names, .hyperparameters_json = hp,
                               .history_csv = csv};
  return patina_checkpoint_save(m, &meta, path, error);
}

static char *sibling_path(const char *output, const char *suffix)
{
  const char *ext = ".safetensors";
  if (g_str_has_suffix(output, ext))
    return g_strdup_printf("%.*s%s", (int) (strlen(output) - strlen(ext)), output, suffix);
  return g_strconcat(output, suffix, NULL);
}

/* ---- the loop ---- */

static gboolean check_index(const PatinaDataset *ds, int i, GError **error)
{
  if (i >= 0 && i < (int) ds->samples->len)
    return TRUE;
  g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID,
              "%s: sample index %d of the split is outside the data set's %u images", ds->root, i,
              ds->samples->len);
  return FALSE;
}

static gboolean check_config(const PatinaTrainConfig *cfg, GError **error)
{
  const char *bad = NULL;
  if (cfg->epochs < 1)
    bad = "--epochs must be at least 1";
  else if (cfg->batch < 1 || cfg->batch > 4096)
    bad = "--batch must be 1 to 4096";
  else if (!(cfg->lr > 0.0f) || !isfinite(cfg->lr))
    bad = "--lr must be a positive number";
  else if (!(cfg->val_fraction >= 0.0 && cfg->val_fraction < 1.0))
    bad = "--val-fraction must be at least 0 and below 1";
  else if (cfg->size < 16 || cfg->size > 2048)
    bad = "--size must be 16 to 2048";
  else if (cfg->threads < 1 || cfg->threads > 256)
    bad = "--threads must be 1 to 256";
  else if (!(cfg->dropout >= 0.0 && cfg->dropout < 1.0))
    bad = "--dropout must be at least 0 and below 1";
  else if (!cfg->output || !*cfg->output)
    bad = "an output path is needed";
  if (bad)
    g_set_error_literal(error, PATINA_ERROR, PATINA_ERROR_INVALID, bad);
  if (!bad && cfg->augment && !patina_augment_validate(cfg->augment, error))
    return FALSE;
  return bad == NULL;
}

/* ---- prefetch: a loader thread prepares batch k + 1 while the model trains on batch k ---- */

typedef struct {
  float *x;     /* batch × channels × size × size */
  int *labels;
  int cnt;
} PrefetchSlot;

typedef struct {
  GThread *thread;
  GMutex lock;
  GCond cond;
  /* fixed for the run */
  const float *planes;
  const int *labels;
  int n, size, channels, batch;
  const PatinaAugment *augment; /* NULL: none */
  guint64 seed;
  /* the epoch being served; changed only when the loader is idle */
  int *order;
  int epoch, batches;
  /* under lock */
  int next_fill;     /* the next batch the loader prepares */
  gboolean ready[2]; /* slot b % 2 holds batch b, not yet released by the trainer */
  gboolean quit;
  PrefetchSlot slot[2];
  gint64 waited_us; /* the trainer's, in prefetch_take */
} Prefetch;

static void prefetch_fill(Prefetch *p, int b, PrefetchSlot *slot)
{
  gsize plane = (gsize) p->size * p->size;
  int lo = b * p->batch;
  slot->cnt = MIN(p->batch, p->n - lo);
  for (int i = 0; i < slot->cnt; i++) {
    int idx = p->order[lo + i];
    const float *src = p->planes + (gsize) idx * plane;
    float *dst = slot->x + (gsize) i * p->channels * plane;
    if (p->augment) {
      PatinaRng r;
      patina_augment_rng_for(&r, p->seed, (guint64) p->epoch, (guint64) idx);
      patina_augment_plane(p->augment, &r, src, p->size, p->size, dst, p->size);
      src = dst;
    }
    for (int c = src == dst ? 1 : 0; c < p->channels; c++)
      memcpy(dst + c * plane, src, sizeof(float) * plane);
    slot->labels[i] = p->labels[idx];
  }
}

static gpointer prefetch_main(gpointer data)
{
  Prefetch *p = data;
  g_mutex_lock(&p->lock);
  for (;;) {
    while (!p->quit && !(p->next_fill < p->batches && !p->ready[p->next_fill % 2]))
      g_cond_wait(&p->cond, &p->lock);
    if (p->quit)
      break;
    int b = p->next_fill;
    g_mutex_unlock(&p->lock);
    prefetch_fill(p, b, &p->slot[b % 2]);
    g_mutex_lock(&p->lock);
    p->ready[b % 2] = TRUE;
    p->next_fill = b + 1;
    g_cond_broadcast(&p->cond);
  }
  g_mutex_unlock(&p->lock);
  return NULL;
}

static gboolean prefetch_init(Prefetch *p, const float *planes, const int *labels, int n,
                              int size, int channels, int batch, const PatinaAugment *augment,
                              guint64 seed, GError **error)
{
  memset(p, 0, sizeof(*p));
  g_mutex_init(&p->lock);
  g_cond_init(&p->cond);
  p->planes = planes, p->labels = labels, p->n = n, p->size = size, p->channels = channels;
  p->batch = batch, p->seed = seed;
  p->augment = augment && !patina_augment_is_identity(augment) ? augment : NULL;
  p->order = g_new(int, MAX(1, n));
  for (int s = 0; s < 2; s++) {
    p->slot[s].x = g_try_new(float, (gsize) batch * channels * size * size);
    p->slot[s].labels = g_new(int, batch);
    if (!p->slot[s].x) {
      g_set_error(error, PATINA_ERROR, PATINA_ERROR_FAILED,
                  "not enough memory for a batch of %d images at %d×%d", batch, size, size);
      return FALSE;
    }
  }
  p->thread = g_thread_try_new("patina-prefetch", prefetch_main, p, error);
  return p->thread != NULL;
}

/* Serves epoch `epoch` in `order`; the previous epoch's batches must all be released. */
static void prefetch_start_epoch(Prefetch *p, int epoch, const int *order)
{
  g_mutex_lock(&p->lock);
  memcpy(p->order, order, sizeof(int) * p->n);
  p->epoch = epoch;
  p->batches = (p->n + p->batch - 1) / p->batch;
  p->next_fill = 0;
  g_cond_broadcast(&p->cond);
  g_mutex_unlock(&p->lock);
}

static const PrefetchSlot *prefetch_take(Prefetch *p, int b)
{
  g_mutex_lock(&p->lock);
  if (!p->ready[b % 2]) {
    gint64 t0 = g_get_monotonic_time();
    while (!p->ready[b % 2])
      g_cond_wait(&p->cond, &p->lock);
    p->waited_us += g_get_monotonic_time() - t0;
  }
  g_mutex_unlock(&p->lock);
  return &p->slot[b % 2];
}

static void prefetch_release(Prefetch *p, int b)
{
  g_mutex_lock(&p->lock);
  p->ready[b % 2] = FALSE;
  g_cond_broadcast(&p->cond);
  g_mutex_unlock(&p->lock);
}

static void prefetch_clear(Prefetch *p)
{
  if (!p->order) /* never set up */
    return;
  if (p->thread) {
    g_mutex_lock(&p->lock);
    p->quit = TRUE;
    g_cond_broadcast(&p->cond);
    g_mutex_unlock(&p->lock);
    g_thread_join(p->thread);
  }
  for (int s = 0; s < 2; s++) {
    g_free(p->slot[s].x);
    g_free(p->slot[s].labels);
  }
  g_free(p->order);
  g_mutex_clear(&p->lock);
  g_cond_clear(&p->cond);
  memset(p, 0, sizeof(*p));
}

gboolean patina_train(const PatinaTrainConfig *cfg, PatinaDataset *ds, PatinaProgressFunc progress,
                      gpointer user_data, GCancellable *cancellable, PatinaTrainResult *result,
                      GError **error)
{
  memset(result, 0, sizeof(*result));
  if (!check_config(cfg, error))
    return FALSE;
  int n_classes = (int) ds->class_names->len;
  /* filled from the training images once the split is known */
  float weights[n_classes > 0 ? n_classes : 1];
  const float *class_weights = cfg->class_weighting ? weights : NULL;
  g_autofree char *spec_default = patina_spec_by_name(cfg->model, n_classes, cfg->size, 3,
                                                      error);
  if (!spec_default)
    return FALSE;
  /* in the spec, not patched into the model, so the checkpoint's spec says what was trained */
  g_autofree char *spec = patina_spec_set_dropout(spec_default, cfg->dropout, error);
  if (!spec)
    return FALSE;
  PatinaModel *m = patina_model_new(spec, error);
  if (!m) {
    g_prefix_error(error, "--size %d does not suit model \"%s\": ", cfg->size, cfg->model);
    return FALSE;
  }
  patina_model_set_threads(m, cfg->threads);

  PatinaRng rng;
  patina_rng_init(&rng, cfg->seed);
  patina_model_init(m, &rng);

  gboolean ok = FALSE;
  float *train_planes = NULL, *val_planes = NULL, *dl = NULL, *m1 = NULL;
  float *m2 = NULL;
  int *train_labels = NULL, *val_labels = NULL, *order = NULL;
  Prefetch pf = {0};

  g_autoptr(GArray) train_idx = g_array_new(FALSE, FALSE, sizeof(int));
  g_autoptr(GArray) val_idx = g_array_new(FALSE, FALSE, sizeof(int));
  if (cfg->train_indices) {
    for (int i = 0; i < cfg->n_train_indices; i++)
      if (!check_index(ds, cfg->train_indices[i], error))
        goto out;
    for (int i = 0; i < cfg->n_val_indices; i++)
      if (!check_index(ds, cfg->val_indices[i], error))
        goto out;
    g_array_append_vals(train_idx, cfg->train_indices, cfg->n_train_indices);
    g_array_append_vals(val_idx, cfg->val_indices, cfg->n_val_indices);
  } else {
    patina_dataset_split(ds, cfg->val_fraction, cfg->seed, train_idx, val_idx);
  }
  if (train_idx->len == 0) {
    g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID, "%s: no images left to train on",
                ds->root);
    goto out;
  }
  int n_train = (int) train_idx->len, n_val = (int) val_idx->len;
  result->n_train = n_train, result->n_val = n_val;
  result->history = g_array_new(FALSE, FALSE, sizeof(PatinaEpochRecord));
  result->last_path = sibling_path(cfg->output, ".last.safetensors");
  result->history_path = sibling_path(cfg->output, ".csv");
  result->best_epoch = 0;
  result->best_val_acc = -1.0;
  double best_val_loss = INFINITY;

  train_planes = patina_load_planes(ds, (int *) train_idx->data, n_train, cfg->size, cfg->threads,
                                    cancellable, error);
  if (!train_planes)
    goto out;
  if (n_val) {
    val_planes = patina_load_planes(ds, (int *) val_idx->data, n_val, cfg->size, cfg->threads,
                                    cancellable, error);
    if (!val_planes)
      goto out;
  }
  train_labels = g_new(int, MAX(1, n_train));
  val_labels = g_new(int, MAX(1, n_val));
  for (int i = 0; i < n_train; i++)
    train_labels[i] = g_array_index(ds->samples, PatinaSample,
                                    g_array_index(train_idx, int, i)).label;
  /* Weights from the images actually trained on (not a manifest's val or test images):
   * n / (classes · count), so every class carries the same total weight. */
  for (int k = 0; k < n_classes; k++) {
    int count = 0;
    for (int i = 0; i < n_train; i++)
      count += train_labels[i] == k;
    weights[k] = count ? (float) n_train / ((float) n_classes * count) : 0.0f;
  }
  for (int i = 0; i < n_val; i++)
    val_labels[i] = g_array_index(ds->samples, PatinaSample,
                                  g_array_index(val_idx, int, i)).label;

  dl = g_new(float, (gsize) cfg->batch * m->n_outputs);
  m1 = g_new0(float, m->n_params);
  m2 = g_new0(float, m->n_params);
  order = g_new(int, MAX(1, n_train));
  if (!prefetch_init(&pf, train_planes, train_labels, n_train, cfg->size, m->in_c, cfg->batch,
                     cfg->augment, cfg->seed, error))
    goto out;

  PatinaAdamConfig adam;
  patina_adam_config_default(&adam);
  adam.lr = cfg->lr;
  PatinaSgdConfig sgd = {.lr = cfg->lr, .momentum = cfg->momentum};
  int batches = (n_train + cfg->batch - 1) / cfg->batch;
  int step = 0;
  gint64 t_start = g_get_monotonic_time();
  gint64 images_done = 0;

  for (int epoch = 1; epoch <= cfg->epochs; epoch++) {
    gint64 t_epoch = g_get_monotonic_time();
    for (int i = 0; i < n_train; i++)
      order[i] = i;
    patina_rng_shuffle(&rng, order, n_train);
    prefetch_start_epoch(&pf, epoch, order);
    double loss_sum = 0.0;
    int correct_sum = 0, seen = 0;
    for (int b = 0; b < batches; b++) {
      if (g_cancellable_is_cancelled(cancellable)) {
        /* keep what was trained so far, then report the cancellation */
        GError *save_error = NULL;
        if (!save_checkpoint(cfg, m, ds, result->history, epoch - 1, result->last_path,
                             &save_error)) {
          g_propagate_error(error, save_error);
        } else {
          g_cancellable_set_error_if_cancelled(cancellable, error);
        }
        goto out;
      }
      const PrefetchSlot *slot = prefetch_take(&pf, b);
      const float *x = slot->x;
      const int *batch_labels = slot->labels;
      int cnt = slot->cnt;
      const float *logits = patina_model_forward(m, x, cnt, TRUE, &rng, error);
      if (!logits) {
        goto out;
      }
      int correct;
      double loss = batch_loss(m, logits, batch_labels, cnt, class_weights, dl, &correct);
      if (!isfinite(loss)) {
        g_set_error(error, PATINA_ERROR, PATINA_ERROR_NUMERIC,
                    "epoch %d, batch %d: the loss became %s; training stopped (try a lower "
                    "learning rate). The best model so far is kept in %s",
                    epoch, b + 1, isnan(loss) ? "NaN" : "infinite", cfg->output);
        goto out;
      }
      patina_model_zero_grad(m);
      patina_model_backward(m, x, dl, cnt, FALSE);
      prefetch_release(&pf, b); /* the loader may now fill this slot with batch b + 2 */
      step++;
      if (cfg->optimizer == PATINA_OPTIMIZER_SGD)
        patina_sgd_update(&sgd, step, m->n_params, m->params, m->grads, m1);
      else
        patina_adam_update(&adam, step, m->n_params, m->params, m->grads, m1, m2);
      loss_sum += loss * cnt;
      correct_sum += correct;
      seen += cnt;
      images_done += cnt;
      if (progress) {
        double elapsed = (g_get_monotonic_time() - t_start) / 1e6;
        gint64 total = (gint64) cfg->epochs * n_train;
        PatinaProgress p = {
          .epoch = epoch, .epochs = cfg->epochs, .batch = b + 1, .batches = batches,
          .train_loss = loss_sum / seen, .train_acc = (double) correct_sum / seen,
          .val_loss = NAN, .val_acc = NAN,
          .images_per_second = images_done / MAX(elapsed, 1e-9),
          .eta_seconds = elapsed / images_done * (total - images_done),
          .images_done = images_done,
        };
        progress(&p, user_data);
      }
    }

    PatinaEpochRecord rec = {.epoch = epoch, .train_loss = loss_sum / MAX(seen, 1),
                             .train_acc = (double) correct_sum / MAX(seen, 1), .val_loss = NAN,
                             .val_acc = NAN, .lr = cfg->lr};
    if (n_val) {
      PatinaEvaluation ev = {0};
      if (!patina_evaluate_planes(m, val_planes, val_labels, n_val, cfg->batch, &ev, error)) {
        goto out;
      }
      rec.val_loss = ev.loss, rec.val_acc = ev.accuracy;
      patina_evaluation_clear(&ev);
      /* Weights can overflow in the last update of an epoch without the training loss seeing
       * it; a model that scores NaN must not replace the best one. */
      if (!isfinite(rec.val_loss)) {
        g_set_error(error, PATINA_ERROR, PATINA_ERROR_NUMERIC,
                    "epoch %d: the validation loss became %s; training stopped (try a lower "
                    "learning rate). The best model so far is kept in %s",
                    epoch, isnan(rec.val_loss) ? "NaN" : "infinite", cfg->output);
        goto out;
      }
    }
    rec.seconds = (g_get_monotonic_time() - t_epoch) / 1e6;
    g_array_append_val(result->history, rec);

    /* Without a holdout the last epoch is the best we can name. A small holdout ties often
     * (40 images move in 2.5 % steps), and of two equally accurate models the one with the
     * lower validation loss is the more confident where it is right. */
    double score = n_val ? rec.val_acc : (double) epoch;
    gboolean best = score > result->best_val_acc ||
                    (score == result->best_val_acc && rec.val_loss < best_val_loss);
    if (best) {
      result->best_val_acc = score;
      result->best_epoch = epoch;
      best_val_loss = rec.val_loss;
    }
    g_autofree char *csv = patina_history_to_csv(result->history);
    if (!g_file_set_contents(result->history_path, csv, -1, error) ||
        !save_checkpoint(cfg, m, ds, result->history, epoch, result->last_path, error) ||
        (best && !save_checkpoint(cfg, m, ds, result->history, epoch, cfg->output, error))) {
      goto out;
    }
    if (progress) {
      double elapsed = (g_get_monotonic_time() - t_start) / 1e6;
      PatinaProgress p = {
        .epoch = epoch, .epochs = cfg->epochs, .batch = batches, .batches = batches,
        .train_loss = rec.train_loss, .train_acc = rec.train_acc, .val_loss = rec.val_loss,
        .val_acc = rec.val_acc, .images_per_second = images_done / MAX(elapsed, 1e-9),
        .eta_seconds = elapsed / epoch * (cfg->epochs - epoch), .epoch_done = TRUE,
        .images_done = images_done,
      };
      progress(&p, user_data);
    }
  }
  if (!n_val)
    result->best_val_acc = NAN;
  ok = TRUE;
out:
  result->loader_wait_seconds = pf.waited_us / 1e6;
  prefetch_clear(&pf); /* before the planes and labels it reads are freed */
  g_free(train_planes);
  g_free(val_planes);
  g_free(dl);
  g_free(m1);
  g_free(m2);
  g_free(train_labels);
  g_free(val_labels);
  g_free(order);
  patina_model_free(m);
  return ok;
}
