#include "patina-runs-columns.h"

#include <glib/gi18n.h>
#include <math.h>

#include "patina-run.h"

typedef char *(*CellText)(PatinaRun *run);

typedef struct {
  const char *key;   /* the PatinaRun property shown and sorted by */
  const char *title; /* translatable, marked with N_() */
  const char *header_tooltip; /* translatable: what the short title stands for */
  gboolean sortable; /* by the PatinaRun property key */
  gboolean numeric;  /* right-aligned, tabular figures, numeric sorter */
  CellText text;
  CellText tooltip;  /* NULL: none */
} ColumnSpec;

static const char *state_text(PatinaRun *run)
{
  const char *state = patina_run_get_state(run);
  return g_strcmp0(state, "cancelled") == 0 ? _("stopped")
         : g_strcmp0(state, "failed") == 0  ? _("failed")
                                            : NULL;
}

static char *started_text(PatinaRun *run)
{
  if (patina_run_get_damage(run))
    return g_strdup_printf(_("%s (damaged)"), patina_run_get_id(run));
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(patina_run_get_started(run));
  g_autofree char *when = t ? g_date_time_format(t, "%Y-%m-%d %H:%M") : g_strdup("?");
  const char *id = patina_run_get_id(run);
  const char *fold = strstr(id, ".fold");
  const char *state = state_text(run);
  GString *s = g_string_new(when);
  if (fold)
    g_string_append_printf(s, _(" · fold %s"), fold + strlen(".fold"));
  if (state)
    g_string_append_printf(s, " · %s", state);
  return g_string_free(s, FALSE);
}

static char *started_tooltip(PatinaRun *run)
{
  if (patina_run_get_damage(run))
    return g_strdup(patina_run_get_damage(run));
  return g_strdup_printf(_("Run %s\nData set: %s\nFolder: %s"), patina_run_get_id(run),
                         patina_run_get_dataset(run), patina_run_get_dir(run));
}

static char *model_text(PatinaRun *run)
{
  return g_strdup(patina_run_get_damage(run) ? "—" : patina_run_get_model(run));
}
static char *size_text(PatinaRun *run)
{
  return patina_run_get_damage(run) ? g_strdup("—")
                                     : g_strdup_printf("%d", patina_run_get_size(run));
}
static char *epochs_text(PatinaRun *run)
{
  if (patina_run_get_damage(run))
    return g_strdup("—");
  guint done = patina_run_get_history(run)->len;
  int planned = patina_run_get_epochs(run);
  return done == (guint) planned ? g_strdup_printf("%d", planned)
                                 : g_strdup_printf(_("%u of %d"), done, planned);
}
static char *lr_text(PatinaRun *run)
{
  return patina_run_get_damage(run) ? g_strdup("—")
                                     : g_strdup_printf("%g", patina_run_get_lr(run));
}
static char *percent(double v) { return v < 0 ? g_strdup("—") : g_strdup_printf("%.1f %%", 100 * v); }
/* A damaged run's figures cannot be trusted, whatever part of its record did parse. */
static char *best_text(PatinaRun *run)
{
  return percent(patina_run_get_damage(run) ? -1 : patina_run_get_best_val_acc(run));
}
static char *final_text(PatinaRun *run)
{
  return percent(patina_run_get_damage(run) ? -1 : patina_run_get_final_val_acc(run));
}

static char *optimizer_text(PatinaRun *run)
{
  const char *o = patina_run_get_optimizer(run);
  if (!o)
    return g_strdup("—");
  return g_str_equal(o, "sgd") ? g_strdup_printf(_("SGD, momentum %g"),
                                                 patina_run_get_momentum(run))
                               : g_strdup("Adam");
}

/* The settings one seldom sorts by share a column, so the table fits a window of the default
 * width; the augmentation goes last, being the part that may be cut (the seed, which only
 * tells repeats apart, is in the tooltip and the filter). */
static char *settings_text(PatinaRun *run)
{
  if (patina_run_get_damage(run))
    return g_strdup("—");
  g_autofree char *optimizer = optimizer_text(run);
  GString *s = g_string_new(optimizer);
  g_string_append(s, " · ");
  g_string_append_printf(s, _("batch %d"), patina_run_get_batch(run));
  if (isfinite(patina_run_get_dropout(run))) {
    g_string_append(s, " · ");
    g_string_append_printf(s, _("dropout %g"), patina_run_get_dropout(run));
  }
  g_string_append(s, " · ");
  if (patina_run_get_augmentation_json(run))
    g_string_append_printf(s, _("augmentation: %s"), patina_run_get_augmentation(run));
  else
    g_string_append(s, _("no augmentation"));
  return g_string_free(s, FALSE);
}

/* The whole of it, a setting a line, as the cell may be cut. */
static char *settings_tooltip(PatinaRun *run)
{
  if (patina_run_get_damage(run))
    return NULL;
  g_autofree char *optimizer = optimizer_text(run);
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, _("Optimizer: %s"), optimizer);
  g_string_append_c(s, '\n');
  g_string_append_printf(s, _("Learning rate: %g"), patina_run_get_lr(run));
  g_string_append_c(s, '\n');
  g_string_append_printf(s, _("Batch size: %d"), patina_run_get_batch(run));
  if (isfinite(patina_run_get_dropout(run))) {
    g_string_append_c(s, '\n');
    g_string_append_printf(s, _("Dropout: %g"), patina_run_get_dropout(run));
  }
  g_string_append_c(s, '\n');
  g_autofree char *seed = g_strdup_printf("%" G_GINT64_FORMAT, patina_run_get_seed(run));
  g_string_append_printf(s, _("Seed: %s"), seed);
  g_string_append_c(s, '\n');
  g_string_append_printf(s, _("Augmentation: %s"), patina_run_get_augmentation(run));
  return g_string_free(s, FALSE);
}

/* The accuracies come first after the time: they are what runs are compared by. Headers are
 * short so the table fits the default window; their tooltips say what they mean. */
static const ColumnSpec specs[] = {
  {"id", N_("Started"), N_("When the run started; its folder and data set in the tooltip"), TRUE,
   FALSE, started_text, started_tooltip},
  {"best-val-acc", N_("Best Acc."), N_("Best validation accuracy of any epoch"), TRUE, TRUE,
   best_text, NULL},
  {"final-val-acc", N_("Final Acc."), N_("Validation accuracy after the last epoch"), TRUE, TRUE,
   final_text, NULL},
  {"model", N_("Model"), N_("Network architecture"), TRUE, FALSE, model_text, NULL},
  {"size", N_("Size"), N_("Input size in pixels"), TRUE, TRUE, size_text, NULL},
  {"epochs", N_("Epochs"), N_("Epochs trained (of those planned when stopped early)"), TRUE, TRUE,
   epochs_text, NULL},
  {"lr", N_("LR"), N_("Learning rate"), TRUE, TRUE, lr_text, NULL},
  {"settings", N_("Settings"),
   N_("Optimizer, batch size, dropout and augmentation; the seed in the tooltip"), FALSE, FALSE,
   settings_text, settings_tooltip},
};

/* ---- text cells ---- */

static void text_setup(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  (void) f;
  const ColumnSpec *spec = data;
  GtkWidget *label = gtk_label_new(NULL);
  gtk_label_set_xalign(GTK_LABEL(label), spec->numeric ? 1 : 0);
  /* only free text is cut (its tooltip has all of it); figures are never cut */
  if (g_str_equal(spec->key, "settings"))
    gtk_label_set_ellipsize(GTK_LABEL(label), PANGO_ELLIPSIZE_END);
  if (spec->numeric)
    gtk_widget_add_css_class(label, "numeric");
  gtk_list_item_set_child(item, label);
}

static void text_bind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  (void) f;
  const ColumnSpec *spec = data;
  PatinaRun *run = gtk_list_item_get_item(item);
  GtkWidget *label = gtk_list_item_get_child(item);
  g_autofree char *text = spec->text(run);
  g_autofree char *tip = spec->tooltip ? spec->tooltip(run) : NULL;
  gtk_label_set_label(GTK_LABEL(label), text);
  gtk_widget_set_tooltip_text(label, tip);
  if (patina_run_get_damage(run))
    gtk_widget_add_css_class(label, "error");
  else
    gtk_widget_remove_css_class(label, "error");
}

/* ---- the tick ---- */

static void tick_setup(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  (void) f;
  (void) data;
  GtkWidget *check = gtk_check_button_new();
  gtk_widget_set_halign(check, GTK_ALIGN_CENTER);
  gtk_list_item_set_child(item, check);
}

static void tick_bind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  (void) f;
  (void) data;
  PatinaRun *run = gtk_list_item_get_item(item);
  GtkWidget *check = gtk_list_item_get_child(item);
  gboolean usable = patina_run_get_damage(run) == NULL;
  gtk_widget_set_sensitive(check, usable);
  gtk_widget_set_tooltip_text(check, usable ? _("Plot this run’s curves below")
                                            : _("A damaged run has no curves"));
  GBinding *b = g_object_bind_property(run, "ticked", check, "active",
                                       G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_set_data(G_OBJECT(item), "patina-binding", b);
}

static void tick_unbind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  (void) f;
  (void) data;
  GBinding *b = g_object_steal_data(G_OBJECT(item), "patina-binding");
  if (b)
    g_binding_unbind(b);
}

/* ---- restore and delete ---- */

/* The action is set in bind, after its target: a name without a target would not match the
 * action's parameter type. */
static GtkWidget *icon_button(const char *icon, const char *action, const char *tooltip)
{
  GtkWidget *b = gtk_button_new_from_icon_name(icon);
  g_object_set_data(G_OBJECT(b), "patina-action", (gpointer) action);
  gtk_widget_set_tooltip_text(b, tooltip);
  gtk_accessible_update_property(GTK_ACCESSIBLE(b), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
  gtk_widget_add_css_class(b, "flat");
  return b;
}

static void actions_setup(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  (void) f;
  (void) data;
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 2);
  gtk_box_append(GTK_BOX(box), icon_button("document-revert-symbolic", "runs.restore",
                                           _("Restore These Settings on the Train Page")));
  gtk_box_append(GTK_BOX(box), icon_button("user-trash-symbolic", "runs.delete",
                                           _("Delete This Run")));
  gtk_list_item_set_child(item, box);
}

static void actions_bind(GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  (void) f;
  (void) data;
  PatinaRun *run = gtk_list_item_get_item(item);
  GtkWidget *box = gtk_list_item_get_child(item);
  GVariant *target = g_variant_ref_sink(g_variant_new_string(patina_run_get_id(run)));
  for (GtkWidget *b = gtk_widget_get_first_child(box); b; b = gtk_widget_get_next_sibling(b)) {
    gtk_actionable_set_action_target_value(GTK_ACTIONABLE(b), target);
    gtk_actionable_set_action_name(GTK_ACTIONABLE(b), g_object_get_data(G_OBJECT(b),
                                                                        "patina-action"));
  }
  /* a damaged run has no settings to restore */
  gtk_widget_set_visible(gtk_widget_get_first_child(box), patina_run_get_damage(run) == NULL);
  g_variant_unref(target);
}

/* ---- the columns ---- */

static GtkColumnViewColumn *add_column(GtkColumnView *view, const char *key, const char *title,
                                       GtkListItemFactory *factory, GtkSorter *sorter)
{
  GtkColumnViewColumn *c = gtk_column_view_column_new(title, factory);
  g_object_set_data_full(G_OBJECT(c), "patina-key", g_strdup(key), g_free);
  if (sorter) {
    gtk_column_view_column_set_sorter(c, sorter);
    g_object_unref(sorter);
  }
  gtk_column_view_append_column(view, c);
  g_object_unref(c);
  return c;
}

/* GTK 4.8 has no API for a column header's tooltip. The header row is the view's first
 * child and holds one title widget per visible column, in the columns' order; when that
 * does not hold (another GTK), the headers simply go without tooltips. */
static void set_header_tooltips(GtkColumnView *view)
{
  GListModel *columns = gtk_column_view_get_columns(view);
  GtkWidget *header = gtk_widget_get_first_child(GTK_WIDGET(view));
  guint n_titles = 0;
  for (GtkWidget *t = header ? gtk_widget_get_first_child(header) : NULL; t;
       t = gtk_widget_get_next_sibling(t))
    n_titles++;
  if (n_titles != g_list_model_get_n_items(columns))
    return;
  GtkWidget *title = gtk_widget_get_first_child(header);
  for (guint i = 0; title; i++, title = gtk_widget_get_next_sibling(title)) {
    g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item(columns, i);
    const char *tip = g_object_get_data(G_OBJECT(c), "patina-header-tooltip");
    if (tip)
      gtk_widget_set_tooltip_text(title, _(tip));
  }
}

const char *patina_runs_columns_get_header_tooltip(GtkColumnView *view, const char *key)
{
  GListModel *columns = gtk_column_view_get_columns(view);
  GtkWidget *header = gtk_widget_get_first_child(GTK_WIDGET(view));
  GtkWidget *title = header ? gtk_widget_get_first_child(header) : NULL;
  for (guint i = 0; title && i < g_list_model_get_n_items(columns);
       i++, title = gtk_widget_get_next_sibling(title)) {
    g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item(columns, i);
    if (g_strcmp0(g_object_get_data(G_OBJECT(c), "patina-key"), key) == 0)
      return gtk_widget_get_tooltip_text(title);
  }
  return NULL;
}

char *patina_runs_columns_cell_text(const char *key, PatinaRun *run)
{
  for (guint i = 0; i < G_N_ELEMENTS(specs); i++)
    if (g_str_equal(specs[i].key, key))
      return specs[i].text(run);
  g_return_val_if_reached(NULL);
}

/* GTK 4.8 redraws the sort arrow only in the headers of the columns a sort change adds, so
 * the columns sorted by before keep theirs and the table looks sorted by several at once.
 * Setting a title is the public way to make a header ask the view's sorter again (only the
 * primary column keeps its arrow); the same title would be ignored, hence the detour. */
static void refresh_sort_arrows(GtkSorter *sorter, GtkSorterChange change, GtkColumnView *view)
{
  (void) sorter;
  (void) change;
  GListModel *columns = gtk_column_view_get_columns(view);
  for (guint i = 0; i < g_list_model_get_n_items(columns); i++) {
    g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item(columns, i);
    if (!gtk_column_view_column_get_sorter(c))
      continue;
    g_autofree char *title = g_strdup(gtk_column_view_column_get_title(c));
    gtk_column_view_column_set_title(c, NULL);
    gtk_column_view_column_set_title(c, title);
  }
}

static GtkSorter *sorter_for(const char *key, gboolean numeric)
{
  GtkExpression *e = gtk_property_expression_new(PATINA_TYPE_RUN, NULL, key);
  return numeric ? GTK_SORTER(gtk_numeric_sorter_new(e)) : GTK_SORTER(gtk_string_sorter_new(e));
}

void patina_runs_columns_add(GtkColumnView *view)
{
  GtkListItemFactory *f = gtk_signal_list_item_factory_new();
  g_signal_connect(f, "setup", G_CALLBACK(tick_setup), NULL);
  g_signal_connect(f, "bind", G_CALLBACK(tick_bind), NULL);
  g_signal_connect(f, "unbind", G_CALLBACK(tick_unbind), NULL);
  GtkColumnViewColumn *tick =
    add_column(view, "ticked", _("Plot"), f, sorter_for("ticked", TRUE));
  g_object_set_data(G_OBJECT(tick), "patina-header-tooltip",
                    (gpointer) N_("Ticked runs have their curves in the chart below"));

  f = gtk_signal_list_item_factory_new();
  g_signal_connect(f, "setup", G_CALLBACK(actions_setup), NULL);
  g_signal_connect(f, "bind", G_CALLBACK(actions_bind), NULL);
  add_column(view, "actions", "", f, NULL);

  for (guint i = 0; i < G_N_ELEMENTS(specs); i++) {
    f = gtk_signal_list_item_factory_new();
    g_signal_connect(f, "setup", G_CALLBACK(text_setup), (gpointer) &specs[i]);
    g_signal_connect(f, "bind", G_CALLBACK(text_bind), (gpointer) &specs[i]);
    gboolean numeric = specs[i].numeric && !g_str_equal(specs[i].key, "id");
    GtkColumnViewColumn *c =
      add_column(view, specs[i].key, _(specs[i].title), f,
                 specs[i].sortable ? sorter_for(specs[i].key, numeric) : NULL);
    g_object_set_data(G_OBJECT(c), "patina-header-tooltip", (gpointer) specs[i].header_tooltip);
    /* the one column that takes what is left and gives way first */
    if (g_str_equal(specs[i].key, "settings")) {
      gtk_column_view_column_set_expand(c, TRUE);
      gtk_column_view_column_set_fixed_width(c, 200);
    }
    gtk_column_view_column_set_resizable(c, TRUE);
  }
  set_header_tooltips(view);
  g_signal_connect_object(gtk_column_view_get_sorter(view), "changed",
                          G_CALLBACK(refresh_sort_arrows), view, 0);
}

GtkColumnViewColumn *patina_runs_columns_find(GtkColumnView *view, const char *key)
{
  GListModel *columns = gtk_column_view_get_columns(view);
  for (guint i = 0; i < g_list_model_get_n_items(columns); i++) {
    g_autoptr(GtkColumnViewColumn) c = g_list_model_get_item(columns, i);
    if (g_strcmp0(g_object_get_data(G_OBJECT(c), "patina-key"), key) == 0)
      return c; /* the view keeps it alive */
  }
  return NULL;
}
