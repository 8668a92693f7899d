#include "patina-train-page.h"

#include <glib/gi18n.h>
#include <math.h>

#include "data/datasource.h"
#include "patina-chart-view.h"
#include "patina-confusion.h"
#include "patina-misclassified-gallery.h"
#include "patina-settings.h"
#include "patina-train-augment.h"
#include "patina-train-split.h"

/* in the order of the combo rows' items; NULL-terminated for nick_get_mapping */
static const char *const model_nicks[] = {"paper", "paper5", NULL};
static const char *const optimizer_nicks[] = {"adam", "sgd", NULL};
static const char *const augment_nicks[] = {"none", "paper", "mild", "custom", NULL};


struct _PatinaTrainPage {
  GtkWidget parent_instance;

  AdwComboRow *model_row;
  GtkSpinButton *size_spin;
  GtkSpinButton *epochs_spin;
  GtkSpinButton *batch_spin;
  GtkSpinButton *lr_spin;
  GtkSpinButton *seed_spin;
  GtkSpinButton *threads_spin;
  AdwComboRow *augment_row;
  GtkSpinButton *dropout_spin;
  AdwComboRow *optimizer_row;
  GtkWidget *momentum_row;
  GtkSpinButton *momentum_spin;
  GtkSwitch *class_weighting_switch;
  GtkWidget *val_row;
  GtkSpinButton *val_spin;
  GtkSpinButton *folds_spin;
  PatinaMisclassifiedGallery *gallery;
  GtkLabel *result_heading;
  GtkButton *pause_button;
  GtkLabel *status_label;
  GtkProgressBar *progress;
  GtkLabel *speed_label;
  PatinaChart *chart;
  GtkWidget *result_box;
  PatinaConfusion *confusion;
  GtkLabel *metrics_label;

  GSettings *settings;
  PatinaWorkspace *workspace;
  GCancellable *split_cancellable; /* the manifest's counts being read */
  char *split_note;                /* the Validation Share row's text with a manifest, or NULL */
  PatinaJob *job; /* the one whose signals we follow */
};

G_DEFINE_FINAL_TYPE(PatinaTrainPage, patina_train_page, GTK_TYPE_WIDGET)

gboolean patina_train_config_from_settings(GSettings *settings, PatinaTrainConfig *cfg,
                                           PatinaAugment *augment, GError **error)
{
  patina_train_config_default(cfg);
  int m = g_settings_get_enum(settings, "train-model");
  cfg->model = model_nicks[CLAMP(m, 0, (int) G_N_ELEMENTS(model_nicks) - 2)];
  cfg->size = g_settings_get_int(settings, "train-size");
  cfg->epochs = g_settings_get_int(settings, "train-epochs");
  cfg->batch = g_settings_get_int(settings, "train-batch");
  cfg->lr = (float) g_settings_get_double(settings, "train-lr");
  cfg->seed = (guint64) g_settings_get_int(settings, "train-seed");
  int threads = g_settings_get_int(settings, "train-threads");
  cfg->threads = threads > 0 ? threads : CLAMP((int) g_get_num_processors(), 1, 64);
  cfg->optimizer = g_settings_get_enum(settings, "train-optimizer") == 1 ? PATINA_OPTIMIZER_SGD
                                                                         : PATINA_OPTIMIZER_ADAM;
  cfg->momentum = (float) g_settings_get_double(settings, "train-momentum");
  cfg->dropout = g_settings_get_double(settings, "train-dropout");
  cfg->val_fraction = g_settings_get_double(settings, "train-val-fraction");
  int folds = g_settings_get_int(settings, "train-folds");
  cfg->folds = folds >= 2 ? folds : 0; /* one fold would validate on nothing */
  cfg->class_weighting = g_settings_get_boolean(settings, "train-class-weighting");
  return patina_train_augment_from_settings(settings, augment, &cfg->augment, error);
}

/* ---- settings <-> widgets ---- */

static gboolean int_get_mapping(GValue *value, GVariant *variant, gpointer user_data)
{
  (void) user_data;
  g_value_set_double(value, g_variant_get_int32(variant));
  return TRUE;
}

static GVariant *int_set_mapping(const GValue *value, const GVariantType *type, gpointer user_data)
{
  (void) type;
  (void) user_data;
  return g_variant_new_int32((gint32) lround(g_value_get_double(value)));
}

/* user_data: a NULL-terminated array of the enum's nicks, in the combo row's order */
static gboolean nick_get_mapping(GValue *value, GVariant *variant, gpointer user_data)
{
  const char *const *nicks = user_data;
  const char *nick = g_variant_get_string(variant, NULL);
  for (guint i = 0; nicks[i]; i++)
    if (g_str_equal(nick, nicks[i])) {
      g_value_set_uint(value, i);
      return TRUE;
    }
  return FALSE;
}

static GVariant *nick_set_mapping(const GValue *value, const GVariantType *type,
                                  gpointer user_data)
{
  (void) type;
  const char *const *nicks = user_data;
  guint i = g_value_get_uint(value);
  if (i >= g_strv_length((char **) nicks))
    return NULL;
  return g_variant_new_string(nicks[i]);
}

static void bind_combo(PatinaTrainPage *self, const char *key, AdwComboRow *row,
                       const char *const *nicks)
{
  g_settings_bind_with_mapping(self->settings, key, row, "selected", G_SETTINGS_BIND_DEFAULT,
                               nick_get_mapping, nick_set_mapping, (gpointer) nicks, NULL);
}

/* The share is stored as a fraction and shown in per cent, the way analysts speak of it. */
static gboolean percent_get_mapping(GValue *value, GVariant *variant, gpointer user_data)
{
  (void) user_data;
  g_value_set_double(value, round(100 * g_variant_get_double(variant)));
  return TRUE;
}

static GVariant *percent_set_mapping(const GValue *value, const GVariantType *type,
                                     gpointer user_data)
{
  (void) type;
  (void) user_data;
  return g_variant_new_double(g_value_get_double(value) / 100);
}

static void bind_int(PatinaTrainPage *self, const char *key, GtkSpinButton *spin)
{
  g_settings_bind_with_mapping(self->settings, key, gtk_spin_button_get_adjustment(spin), "value",
                               G_SETTINGS_BIND_DEFAULT, int_get_mapping, int_set_mapping, NULL,
                               NULL);
}

/* Whether the open data set has a manifest, whose split training then takes (the job opens it
 * through PatinaDataSource). Asked again whenever the page is shown: saving a crop on the Data
 * page can create one. One stat of a local file. */
static gboolean dataset_has_manifest(PatinaTrainPage *self)
{
  const char *root = self->workspace ? patina_workspace_get_dataset_path(self->workspace) : NULL;
  return root && patina_data_source_has_manifest(root);
}

/* Momentum means something for SGD only; the holdout share is unused when cross-validating or
 * when the manifest fixes the split. */
static void update_dependent_rows(PatinaTrainPage *self)
{
  gtk_widget_set_visible(self->momentum_row, adw_combo_row_get_selected(self->optimizer_row) == 1);
  gboolean manifest = dataset_has_manifest(self);
  gtk_widget_set_sensitive(self->val_row,
                           !manifest && gtk_spin_button_get_value_as_int(self->folds_spin) < 2);
  const char *note = !manifest          ? _("Per cent of each class held out")
                     : self->split_note ? self->split_note
                                        : _("The data set's manifest (patina-dataset.json) sets "
                                            "the split; its test images are left out");
  adw_action_row_set_subtitle(ADW_ACTION_ROW(self->val_row), note);
}

static void split_described(GObject *source, GAsyncResult *res, gpointer user_data)
{
  (void) source;
  g_autoptr(PatinaTrainPage) self = user_data;
  g_autoptr(GError) error = NULL;
  char *note = patina_train_split_describe_finish(res, &error);
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_free(self->split_note);
  self->split_note =
    note ? note : g_strdup_printf(_("The data set's manifest cannot be used: %s"), error->message);
  update_dependent_rows(self);
}

/* The counts come from opening the data set as the job will, on a worker; asked again when the
 * data set changes and whenever the page is shown (saving a crop on the Data page can make a
 * manifest). */
static void refresh_split_note(PatinaTrainPage *self)
{
  g_cancellable_cancel(self->split_cancellable);
  g_clear_object(&self->split_cancellable);
  g_clear_pointer(&self->split_note, g_free);
  update_dependent_rows(self);
  if (!dataset_has_manifest(self))
    return;
  self->split_cancellable = g_cancellable_new();
  patina_train_split_describe_async(patina_workspace_get_dataset_path(self->workspace),
                                    self->split_cancellable, split_described,
                                    g_object_ref(self));
}

/* ---- following the job ---- */

static char *format_duration(double s)
{
  if (!isfinite(s) || s < 0)
    return g_strdup("—");
  int t = (int) (s + 0.5);
  if (t >= 3600)
    return g_strdup_printf(_("%d h %02d min"), t / 3600, t / 60 % 60);
  if (t >= 60)
    return g_strdup_printf(_("%d min %02d s"), t / 60, t % 60);
  return g_strdup_printf(_("%d s"), t);
}

/* The epoch whose checkpoint the core keeps: the highest validation accuracy, the lower loss
 * of equals (as patina_train picks it). */
static const PatinaEpochRecord *best_epoch(GArray *history)
{
  const PatinaEpochRecord *best = NULL;
  for (guint i = 0; i < history->len; i++) {
    const PatinaEpochRecord *r = &g_array_index(history, PatinaEpochRecord, i);
    if (!best || r->val_acc > best->val_acc ||
        (r->val_acc == best->val_acc && r->val_loss < best->val_loss))
      best = r;
  }
  return best;
}

/* Where the run's models are, as far as it got: a stopped run has no best model before its
 * first epoch ends, and a stopped cross-validation lacks the folds after the stop. */
static char *saved_text(PatinaJob *job)
{
  int folds = patina_job_get_folds(job);
  const char *output = patina_job_get_output(job);
  if (patina_job_get_state(job) == PATINA_JOB_CANCELLED) {
    if (folds) {
      g_autofree char *dir = g_path_get_dirname(output);
      return g_strdup_printf(_("Stopped in fold %d of %d; the folds' models so far are in %s"),
                             MAX(patina_job_get_fold(job), 1), folds, dir);
    }
    if (patina_job_get_history(job)->len == 0)
      return g_strdup(_("No trained model was kept: the first epoch had not ended"));
  }
  if (folds) {
    g_autofree char *first = patina_fold_path(output, 1);
    return g_strdup_printf(_("Models saved to %s and the other folds beside it"), first);
  }
  return g_strdup_printf(_("Model saved to %s"), output);
}

static void update_progress(PatinaTrainPage *self)
{
  PatinaJob *job = self->job;
  if (!job) {
    gtk_label_set_label(self->status_label, _("Not started"));
    gtk_progress_bar_set_fraction(self->progress, 0);
    gtk_label_set_label(self->speed_label, "");
    return;
  }
  PatinaJobState state = patina_job_get_state(job);
  gboolean paused = state == PATINA_JOB_PAUSING || state == PATINA_JOB_PAUSED;
  gtk_button_set_label(self->pause_button, paused ? _("_Resume") : _("_Pause"));
  gtk_actionable_set_action_name(GTK_ACTIONABLE(self->pause_button),
                                 paused ? "win.train-resume" : "win.train-pause");
  gtk_widget_set_tooltip_text(GTK_WIDGET(self->pause_button),
                              paused ? _("Continue training") : _("Pause after this batch"));
  const char *status = patina_job_get_status(job);
  GArray *h = patina_job_get_history(job);
  const PatinaEpochRecord *last =
    h->len ? &g_array_index(h, PatinaEpochRecord, h->len - 1) : NULL;
  /* Wrapping makes every change of the text re-measure the column's height for its width;
   * only an error message is long enough to need it. */
  gtk_label_set_wrap(self->status_label, state == PATINA_JOB_FAILED);
  gtk_label_set_ellipsize(self->status_label,
                          state == PATINA_JOB_FAILED ? PANGO_ELLIPSIZE_NONE : PANGO_ELLIPSIZE_END);
  if (state == PATINA_JOB_FAILED) {
    g_autofree char *s = g_strdup_printf(_("Failed: %s"), patina_job_get_error_message(job));
    gtk_label_set_label(self->status_label, s);
  } else if (state == PATINA_JOB_DONE && patina_job_get_fold_accuracies(job)) {
    g_autofree char *s =
      g_strdup_printf(_("%s: cross-validation accuracy %.1f ± %.1f %% over %d folds"), status,
                      100 * patina_job_get_fold_mean(job), 100 * patina_job_get_fold_sd(job),
                      patina_job_get_folds(job));
    gtk_label_set_label(self->status_label, s);
  } else if (!patina_job_is_active(job) && last && !isnan(last->val_acc)) {
    /* The model kept is the best epoch's, and the figures below are its: name it when it is
     * not the last, or the two accuracies on the page seem to contradict each other. */
    const PatinaEpochRecord *best = patina_job_get_folds(job) ? last : best_epoch(h);
    g_autofree char *s =
      best == last
        ? g_strdup_printf(_("%s: validation accuracy %.1f %%, loss %.3f after epoch %d"),
                          status, 100 * last->val_acc, last->val_loss, last->epoch)
        : g_strdup_printf(_("%s: validation accuracy %.1f %% (best %.1f %%, epoch %d)"),
                          status, 100 * last->val_acc, 100 * best->val_acc, best->epoch);
    gtk_label_set_label(self->status_label, s);
  } else {
    gtk_label_set_label(self->status_label, status);
  }
  gtk_progress_bar_set_fraction(self->progress, patina_job_get_fraction(job));
  if (patina_job_is_active(job) && patina_job_get_images_per_second(job) > 0) {
    g_autofree char *eta = format_duration(patina_job_get_eta_seconds(job));
    g_autofree char *s = g_strdup_printf(_("%.1f images/s  ·  %s left"),
                                         patina_job_get_images_per_second(job), eta);
    gtk_label_set_label(self->speed_label, s);
  } else if (!patina_job_is_active(job)) {
    g_autofree char *s = saved_text(job);
    gtk_label_set_label(self->speed_label, state == PATINA_JOB_FAILED ? "" : s);
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->speed_label),
                                state == PATINA_JOB_FAILED ? NULL : s);
  } else {
    gtk_label_set_label(self->speed_label, "");
  }
}

static const char *class_name(const char *const *names, int n_classes, int k)
{
  return names && k >= 0 && k < n_classes && names[k] ? names[k] : "?";
}

/* The evaluation of a finished run: confusion matrix, per-class metrics, the images it got
 * wrong and, for cross-validation, each fold's accuracy with their mean ± sd. */
static void update_result(PatinaTrainPage *self)
{
  const PatinaEvaluation *e = self->job ? patina_job_get_evaluation(self->job) : NULL;
  const char *const *names = self->job ? patina_job_get_class_names(self->job) : NULL;
  gtk_widget_set_visible(self->result_box, e != NULL);
  gtk_widget_set_visible(GTK_WIDGET(self->gallery), e != NULL);
  patina_misclassified_gallery_set(self->gallery,
                                   e ? patina_job_get_misclassified(self->job) : NULL,
                                   e ? e->n : 0, names, e ? e->n_classes : 0);
  if (!e) {
    patina_confusion_set(self->confusion, 0, NULL, NULL);
    return;
  }
  patina_confusion_set(self->confusion, e->n_classes, e->confusion, names);
  GString *text = g_string_new(NULL);
  int folds = patina_job_get_folds(self->job);
  gtk_label_set_label(self->result_heading,
                      folds ? _("Each Fold's Best Model on Its Validation Images")
                            : _("Best Model on the Validation Images"));
  const double *acc = patina_job_get_fold_accuracies(self->job);
  if (folds && acc) {
    g_string_append_printf(text, _("Cross-validation: %.1f ± %.1f %% over %d folds ("),
                           100 * patina_job_get_fold_mean(self->job),
                           100 * patina_job_get_fold_sd(self->job), folds);
    for (int f = 0; f < folds; f++)
      g_string_append_printf(text, f ? ", %.1f" : "%.1f", 100 * acc[f]);
    g_string_append(text, ")\n");
  }
  g_string_append_printf(text, _("Accuracy %.1f %% of %d images, loss %.3f"), 100 * e->accuracy,
                         e->n, e->loss);
  for (int k = 0; k < e->n_classes; k++) {
    double precision, recall, f1;
    patina_evaluation_class_metrics(e, k, &precision, &recall, &f1);
    g_string_append_printf(text, _("\n%s: precision %.2f, recall %.2f, F1 %.2f"),
                           class_name(names, e->n_classes, k), precision, recall, f1);
  }
  gtk_label_set_label(self->metrics_label, text->str);
  g_string_free(text, TRUE);
}

static void on_epoch(PatinaTrainPage *self, guint index, PatinaJob *job)
{
  GArray *h = patina_job_get_history(job);
  const PatinaEpochRecord *r = &g_array_index(h, PatinaEpochRecord, index);
  /* index + 1, not r->epoch: folds follow each other along the x axis */
  patina_chart_add_epoch(self->chart, (int) index + 1, r->train_loss, r->train_acc, r->val_loss,
                         r->val_acc);
}

static void on_batches(PatinaTrainPage *self, guint first, PatinaJob *job)
{
  GArray *b = patina_job_get_batches(job);
  for (guint i = first; i < b->len; i++) {
    const PatinaBatchPoint *p = &g_array_index(b, PatinaBatchPoint, i);
    patina_chart_add_batch(self->chart, p->x, p->loss, p->acc);
  }
}

static void on_job_changed(PatinaTrainPage *self)
{
  PatinaJob *job = patina_workspace_get_job(self->workspace);
  if (job == self->job)
    return;
  if (self->job)
    g_signal_handlers_disconnect_by_data(self->job, self);
  g_set_object(&self->job, job);
  patina_chart_clear(self->chart);
  if (job) {
    patina_chart_set_epochs(self->chart,
                            patina_job_get_epochs(job) * MAX(patina_job_get_folds(job), 1));
    GArray *h = patina_job_get_history(job);
    for (guint i = 0; i < h->len; i++)
      on_epoch(self, i, job);
    g_signal_connect_swapped(job, "notify", G_CALLBACK(update_progress), self);
    on_batches(self, 0, job);
    g_signal_connect_swapped(job, "epoch", G_CALLBACK(on_epoch), self);
    g_signal_connect_swapped(job, "batches", G_CALLBACK(on_batches), self);
    g_signal_connect_swapped(job, "finished", G_CALLBACK(update_result), self);
  }
  update_progress(self);
  update_result(self);
}

void patina_train_page_set_workspace(PatinaTrainPage *self, PatinaWorkspace *workspace)
{
  g_return_if_fail(PATINA_IS_TRAIN_PAGE(self) && PATINA_IS_WORKSPACE(workspace));
  g_return_if_fail(self->workspace == NULL);
  self->workspace = g_object_ref(workspace);
  g_signal_connect_object(workspace, "notify::job", G_CALLBACK(on_job_changed), self,
                          G_CONNECT_SWAPPED);
  g_signal_connect_object(workspace, "notify::dataset-path", G_CALLBACK(refresh_split_note),
                          self, G_CONNECT_SWAPPED);
  on_job_changed(self);
  refresh_split_note(self);
}

PatinaChart *patina_train_page_get_chart(PatinaTrainPage *self) { return self->chart; }
AdwComboRow *patina_train_page_get_augment_row(PatinaTrainPage *self) { return self->augment_row; }
AdwActionRow *patina_train_page_get_val_row(PatinaTrainPage *self)
{
  return ADW_ACTION_ROW(self->val_row);
}
PatinaConfusion *patina_train_page_get_confusion(PatinaTrainPage *self)
{
  return self->confusion;
}

const char *patina_train_page_get_status_text(PatinaTrainPage *self)
{
  return gtk_label_get_label(self->status_label);
}

const char *patina_train_page_get_saved_text(PatinaTrainPage *self)
{
  return gtk_label_get_label(self->speed_label);
}

const char *patina_train_page_get_metrics_text(PatinaTrainPage *self)
{
  return gtk_label_get_label(self->metrics_label);
}

PatinaMisclassifiedGallery *patina_train_page_get_gallery(PatinaTrainPage *self)
{
  return self->gallery;
}

guint patina_train_page_get_n_misclassified_shown(PatinaTrainPage *self)
{
  return patina_misclassified_gallery_get_n_shown(self->gallery);
}

const char *patina_train_page_get_misclassified_path(PatinaTrainPage *self, guint i)
{
  return patina_misclassified_gallery_get_path(self->gallery, i);
}

static void patina_train_page_dispose(GObject *object)
{
  PatinaTrainPage *self = PATINA_TRAIN_PAGE(object);
  g_cancellable_cancel(self->split_cancellable);
  g_clear_object(&self->split_cancellable);
  g_clear_pointer(&self->split_note, g_free);
  if (self->job)
    g_signal_handlers_disconnect_by_data(self->job, self);
  g_clear_object(&self->job);
  gtk_widget_dispose_template(GTK_WIDGET(self), PATINA_TYPE_TRAIN_PAGE);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self))))
    gtk_widget_unparent(child);
  g_clear_object(&self->workspace);
  g_clear_object(&self->settings);
  G_OBJECT_CLASS(patina_train_page_parent_class)->dispose(object);
}

static void patina_train_page_class_init(PatinaTrainPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  object_class->dispose = patina_train_page_dispose;

  g_type_ensure(PATINA_TYPE_CHART);
  g_type_ensure(PATINA_TYPE_CONFUSION);
  g_type_ensure(PATINA_TYPE_MISCLASSIFIED_GALLERY);
  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/org/patina/Patina/ui/patina-train-page.ui");
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, model_row);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, size_spin);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, epochs_spin);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, batch_spin);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, lr_spin);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, seed_spin);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, threads_spin);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, augment_row);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, dropout_spin);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, optimizer_row);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, momentum_row);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, momentum_spin);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, class_weighting_switch);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, val_row);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, val_spin);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, folds_spin);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, gallery);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, result_heading);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, pause_button);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, status_label);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, progress);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, speed_label);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, chart);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, result_box);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, confusion);
  gtk_widget_class_bind_template_child(widget_class, PatinaTrainPage, metrics_label);
  gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
  /* the page's own exports: on another page Ctrl+E and Ctrl+Shift+E export what that shows */
  patina_chart_view_install_page_export(widget_class, "train.export-chart");
  gtk_widget_class_add_binding_action(widget_class, GDK_KEY_e, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                      "win.export-history", NULL);
}

static void patina_train_page_init(PatinaTrainPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  self->settings = patina_settings_new();
  bind_combo(self, "train-model", self->model_row, model_nicks);
  bind_combo(self, "train-optimizer", self->optimizer_row, optimizer_nicks);
  g_signal_connect_swapped(self->optimizer_row, "notify::selected",
                           G_CALLBACK(update_dependent_rows), self);
  g_signal_connect_swapped(self->folds_spin, "value-changed", G_CALLBACK(update_dependent_rows),
                           self);
  g_settings_bind(self->settings, "train-dropout",
                  gtk_spin_button_get_adjustment(self->dropout_spin), "value",
                  G_SETTINGS_BIND_DEFAULT);
  g_settings_bind(self->settings, "train-momentum",
                  gtk_spin_button_get_adjustment(self->momentum_spin), "value",
                  G_SETTINGS_BIND_DEFAULT);
  g_settings_bind(self->settings, "train-class-weighting", self->class_weighting_switch,
                  "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping(self->settings, "train-val-fraction",
                               gtk_spin_button_get_adjustment(self->val_spin), "value",
                               G_SETTINGS_BIND_DEFAULT, percent_get_mapping, percent_set_mapping,
                               NULL, NULL);
  bind_int(self, "train-folds", self->folds_spin);
  g_signal_connect(self, "map", G_CALLBACK(refresh_split_note), NULL);
  update_dependent_rows(self);
  bind_int(self, "train-size", self->size_spin);
  bind_int(self, "train-epochs", self->epochs_spin);
  bind_int(self, "train-batch", self->batch_spin);
  bind_int(self, "train-seed", self->seed_spin);
  bind_int(self, "train-threads", self->threads_spin);
  patina_train_augment_migrate(self->settings);
  bind_combo(self, "train-augment-preset", self->augment_row, augment_nicks);
  patina_train_augment_watch(self->settings, self->augment_row);
  g_settings_bind(self->settings, "train-lr", gtk_spin_button_get_adjustment(self->lr_spin),
                  "value", G_SETTINGS_BIND_DEFAULT);
  update_progress(self);
}
