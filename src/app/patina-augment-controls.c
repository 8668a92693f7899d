#include "patina-augment-controls.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stddef.h>

typedef enum { KIND_NUMBER, KIND_RANGE, KIND_PERCENT, KIND_SWITCH, KIND_FILL } Kind;
typedef enum { GROUP_GEOMETRY, GROUP_INTENSITY, GROUP_NOISE } Group;

/* The intensity and noise operations each fold their range and probability into one expander
 * row, so the page is not a wall of spin buttons. */
typedef struct {
  const char *title;
  Group group;
} Op;

enum { OP_NONE = -1, OP_BRIGHTNESS, OP_CONTRAST, OP_GAMMA, OP_NOISE, OP_BLUR, N_OPS };

static const Op ops[N_OPS] = {
  {N_("Brightness"), GROUP_INTENSITY}, {N_("Contrast"), GROUP_INTENSITY},
  {N_("Gamma"), GROUP_INTENSITY},      {N_("Noise"), GROUP_NOISE},
  {N_("Blur"), GROUP_NOISE},
};

typedef struct {
  const char *name; /* the JSON field, Keras's name where Keras has it */
  gboolean keras;
  Kind kind;
  int op;
  const char *title, *subtitle;
  double lower, upper, step;
  int digits;
  gsize offset;
} Field;

#define AT(member) offsetof(PatinaAugment, member)

static const Field fields[] = {
  {"rotation_range", TRUE, KIND_NUMBER, OP_NONE, N_("Rotation"),
   N_("Up to ± this many degrees; 180 reaches every angle"), 0, 360, 5, 0, AT(rotation_range)},
  {"width_shift_range", TRUE, KIND_NUMBER, OP_NONE, N_("Horizontal Shift"),
   N_("Up to ± this share of the width"), 0, 0.95, 0.05, 2, AT(width_shift_range)},
  {"height_shift_range", TRUE, KIND_NUMBER, OP_NONE, N_("Vertical Shift"),
   N_("Up to ± this share of the height"), 0, 0.95, 0.05, 2, AT(height_shift_range)},
  {"zoom_range", TRUE, KIND_RANGE, OP_NONE, N_("Zoom"),
   N_("Factors from–to; below 1 magnifies"), 0.1, 4, 0.05, 2, AT(zoom_range)},
  {"horizontal_flip", TRUE, KIND_SWITCH, OP_NONE, N_("Horizontal Flip"),
   N_("Mirror half of the images left to right"), 0, 1, 1, 0, AT(horizontal_flip)},
  {"vertical_flip", TRUE, KIND_SWITCH, OP_NONE, N_("Vertical Flip"),
   N_("Mirror half of the images top to bottom"), 0, 1, 1, 0, AT(vertical_flip)},
  {"fill_mode", TRUE, KIND_FILL, OP_NONE, N_("Fill"),
   N_("What shows where the image moved away"), 0, 3, 1, 0, AT(fill_mode)},
  {"cval", TRUE, KIND_NUMBER, OP_NONE, N_("Fill Gray"),
   N_("Of the constant fill: 0 black, 1 white"), 0, 1, 0.05, 2, AT(cval)},
  {"brightness_range", TRUE, KIND_RANGE, OP_BRIGHTNESS, N_("Factor"),
   N_("Multiplies every pixel"), 0, 3, 0.05, 2, AT(brightness_range)},
  {"brightness_probability", FALSE, KIND_PERCENT, OP_BRIGHTNESS, N_("Share of Images"),
   N_("Percent of the images that get it"), 0, 100, 5, 0, AT(brightness_probability)},
  {"contrast_range", FALSE, KIND_RANGE, OP_CONTRAST, N_("Factor"),
   N_("Stretches the grays about their mean"), 0, 3, 0.05, 2, AT(contrast_range)},
  {"contrast_probability", FALSE, KIND_PERCENT, OP_CONTRAST, N_("Share of Images"),
   N_("Percent of the images that get it"), 0, 100, 5, 0, AT(contrast_probability)},
  {"gamma_range", FALSE, KIND_RANGE, OP_GAMMA, N_("Power"),
   N_("Every pixel is raised to it; below 1 brightens"), 0.05, 5, 0.05, 2, AT(gamma_range)},
  {"gamma_probability", FALSE, KIND_PERCENT, OP_GAMMA, N_("Share of Images"),
   N_("Percent of the images that get it"), 0, 100, 5, 0, AT(gamma_probability)},
  {"noise_sigma", FALSE, KIND_RANGE, OP_NOISE, N_("Sigma"),
   N_("Gaussian noise, in units of full scale (detector noise)"), 0, 0.5, 0.005, 3,
   AT(noise_sigma)},
  {"noise_probability", FALSE, KIND_PERCENT, OP_NOISE, N_("Share of Images"),
   N_("Percent of the images that get it"), 0, 100, 5, 0, AT(noise_probability)},
  {"blur_sigma", FALSE, KIND_RANGE, OP_BLUR, N_("Sigma"),
   N_("Gaussian blur in pixels (defocus)"), 0, 8, 0.1, 1, AT(blur_sigma)},
  {"blur_probability", FALSE, KIND_PERCENT, OP_BLUR, N_("Share of Images"),
   N_("Percent of the images that get it"), 0, 100, 5, 0, AT(blur_probability)},
};

#define N_FIELDS G_N_ELEMENTS(fields)

typedef struct {
  GtkSpinButton *lo, *hi; /* hi: ranges only */
  GtkSwitch *toggle;
  AdwComboRow *combo;
  GtkWidget *row;
} Control;

struct _PatinaAugmentControls {
  Control controls[N_FIELDS];
  AdwExpanderRow *expanders[N_OPS];
  gboolean syncing;
  PatinaAugmentControlsChanged changed;
  gpointer user_data;
};

static double *field_doubles(PatinaAugment *a, const Field *f)
{
  return (double *) ((char *) a + f->offset);
}

static const Control *find(PatinaAugmentControls *c, const char *name, const Field **field)
{
  for (guint i = 0; i < N_FIELDS; i++)
    if (g_str_equal(fields[i].name, name)) {
      if (field)
        *field = &fields[i];
      return &c->controls[i];
    }
  return NULL;
}

static char *format_value(double v, int digits)
{
  return g_strdup_printf("%.*f", digits, v);
}

/* "0.80–1.20, 50 % of images"; "Off" when the op changes nothing. */
static char *describe_op(int op, const PatinaAugment *a)
{
  const Field *range = NULL, *share = NULL;
  for (guint i = 0; i < N_FIELDS; i++)
    if (fields[i].op == op)
      *(fields[i].kind == KIND_RANGE ? &range : &share) = &fields[i];
  double *r = field_doubles((PatinaAugment *) a, range);
  double p = *field_doubles((PatinaAugment *) a, share);
  double neutral = op == OP_NOISE || op == OP_BLUR ? 0.0 : 1.0;
  if ((r[0] == neutral && r[1] == neutral) || p == 0.0)
    return g_strdup(_("Off"));
  g_autofree char *lo = format_value(r[0], range->digits);
  g_autofree char *hi = format_value(r[1], range->digits);
  g_autofree char *values = r[0] == r[1] ? g_strdup(lo) : g_strdup_printf("%s–%s", lo, hi);
  if (p >= 1.0)
    return g_strdup_printf(_("%s, every image"), values);
  return g_strdup_printf(_("%s, %.0f %% of images"), values, 100 * p);
}

/* A range's ends bound each other, so lo > hi cannot be entered. */
static void constrain(PatinaAugmentControls *c)
{
  gboolean was = c->syncing;
  c->syncing = TRUE;
  for (guint i = 0; i < N_FIELDS; i++) {
    const Control *ctl = &c->controls[i];
    if (fields[i].kind != KIND_RANGE)
      continue;
    GtkAdjustment *lo = gtk_spin_button_get_adjustment(ctl->lo);
    GtkAdjustment *hi = gtk_spin_button_get_adjustment(ctl->hi);
    gtk_adjustment_set_upper(lo, gtk_adjustment_get_value(hi));
    gtk_adjustment_set_lower(hi, gtk_adjustment_get_value(lo));
  }
  const Control *cval = find(c, "cval", NULL);
  const Control *fill = find(c, "fill_mode", NULL);
  gtk_widget_set_sensitive(cval->row,
                           adw_combo_row_get_selected(fill->combo) == PATINA_FILL_CONSTANT);
  c->syncing = was;
}

static void update_subtitles(PatinaAugmentControls *c, const PatinaAugment *a)
{
  for (int op = 0; op < N_OPS; op++) {
    g_autofree char *s = describe_op(op, a);
    adw_expander_row_set_subtitle(c->expanders[op], s);
  }
}

static void on_changed(PatinaAugmentControls *c)
{
  if (c->syncing)
    return;
  constrain(c);
  PatinaAugment a;
  patina_augment_controls_get(c, &a);
  update_subtitles(c, &a);
  c->changed(&a, c->user_data);
}

static GtkSpinButton *new_spin(PatinaAugmentControls *c, const Field *f, const char *tooltip)
{
  GtkAdjustment *adj = gtk_adjustment_new(f->lower, f->lower, f->upper, f->step, f->step * 4, 0);
  GtkSpinButton *spin = GTK_SPIN_BUTTON(gtk_spin_button_new(adj, f->step, (guint) f->digits));
  gtk_spin_button_set_numeric(spin, TRUE);
  gtk_editable_set_width_chars(GTK_EDITABLE(spin), f->digits > 2 ? 5 : 4);
  gtk_widget_set_valign(GTK_WIDGET(spin), GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text(GTK_WIDGET(spin), tooltip);
  g_signal_connect_swapped(spin, "value-changed", G_CALLBACK(on_changed), c);
  return spin;
}

static char *field_tooltip(const Field *f)
{
  if (f->keras)
    return g_strdup_printf(_("%s in Keras's ImageDataGenerator"), f->name);
  return g_strdup_printf(_("%s (Patina's own, for SEM images; not in Keras)"), f->name);
}

static GtkWidget *build_row(PatinaAugmentControls *c, const Field *f, Control *ctl)
{
  g_autofree char *tooltip = field_tooltip(f);
  if (f->kind == KIND_FILL) {
    const char *const modes[] = {_("Nearest Edge"), _("Reflect"), _("Wrap Around"),
                                 _("Constant Gray"), NULL};
    ctl->combo = ADW_COMBO_ROW(adw_combo_row_new());
    g_autoptr(GtkStringList) list = gtk_string_list_new(modes);
    adw_combo_row_set_model(ctl->combo, G_LIST_MODEL(list));
    g_signal_connect_swapped(ctl->combo, "notify::selected", G_CALLBACK(on_changed), c);
    ctl->row = GTK_WIDGET(ctl->combo);
  } else {
    ctl->row = adw_action_row_new();
    if (f->kind == KIND_SWITCH) {
      ctl->toggle = GTK_SWITCH(gtk_switch_new());
      gtk_widget_set_valign(GTK_WIDGET(ctl->toggle), GTK_ALIGN_CENTER);
      g_signal_connect_swapped(ctl->toggle, "notify::active", G_CALLBACK(on_changed), c);
      adw_action_row_add_suffix(ADW_ACTION_ROW(ctl->row), GTK_WIDGET(ctl->toggle));
      adw_action_row_set_activatable_widget(ADW_ACTION_ROW(ctl->row), GTK_WIDGET(ctl->toggle));
    } else {
      ctl->lo = new_spin(c, f, tooltip);
      adw_action_row_add_suffix(ADW_ACTION_ROW(ctl->row), GTK_WIDGET(ctl->lo));
      if (f->kind == KIND_RANGE) {
        GtkWidget *dash = gtk_label_new("–");
        gtk_widget_add_css_class(dash, "dim-label");
        adw_action_row_add_suffix(ADW_ACTION_ROW(ctl->row), dash);
        ctl->hi = new_spin(c, f, tooltip);
        adw_action_row_add_suffix(ADW_ACTION_ROW(ctl->row), GTK_WIDGET(ctl->hi));
      }
    }
  }
  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(ctl->row), _(f->title));
  g_object_set(ctl->row, "subtitle", _(f->subtitle), NULL);
  gtk_widget_set_tooltip_text(ctl->row, tooltip);
  return ctl->row;
}

PatinaAugmentControls *patina_augment_controls_new(AdwPreferencesGroup *geometry,
                                                   AdwPreferencesGroup *intensity,
                                                   AdwPreferencesGroup *noise,
                                                   PatinaAugmentControlsChanged changed,
                                                   gpointer user_data)
{
  PatinaAugmentControls *c = g_new0(PatinaAugmentControls, 1);
  c->changed = changed;
  c->user_data = user_data;
  c->syncing = TRUE;
  AdwPreferencesGroup *groups[] = {geometry, intensity, noise};
  for (int op = 0; op < N_OPS; op++) {
    c->expanders[op] = ADW_EXPANDER_ROW(adw_expander_row_new());
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(c->expanders[op]), _(ops[op].title));
    adw_preferences_group_add(groups[ops[op].group], GTK_WIDGET(c->expanders[op]));
  }
  for (guint i = 0; i < N_FIELDS; i++) {
    const Field *f = &fields[i];
    GtkWidget *row = build_row(c, f, &c->controls[i]);
    if (f->op == OP_NONE)
      adw_preferences_group_add(groups[GROUP_GEOMETRY], row);
    else
      adw_expander_row_add_row(c->expanders[f->op], row);
  }
  /* The expander's tooltip names both of its fields. */
  for (int op = 0; op < N_OPS; op++) {
    GString *tip = g_string_new(NULL);
    for (guint i = 0; i < N_FIELDS; i++)
      if (fields[i].op == op)
        g_string_append_printf(tip, "%s%s", tip->len ? ", " : "", fields[i].name);
    gtk_widget_set_tooltip_text(GTK_WIDGET(c->expanders[op]), tip->str);
    g_string_free(tip, TRUE);
  }
  PatinaAugment none;
  patina_augment_init(&none);
  c->syncing = FALSE;
  patina_augment_controls_set(c, &none);
  return c;
}

void patina_augment_controls_free(PatinaAugmentControls *c)
{
  g_free(c);
}

void patina_augment_controls_set(PatinaAugmentControls *c, const PatinaAugment *a)
{
  gboolean was = c->syncing;
  c->syncing = TRUE;
  for (guint i = 0; i < N_FIELDS; i++) {
    const Field *f = &fields[i];
    Control *ctl = &c->controls[i];
    double *v = field_doubles((PatinaAugment *) a, f);
    switch (f->kind) {
    case KIND_SWITCH:
      gtk_switch_set_active(ctl->toggle, *(const gboolean *) ((const char *) a + f->offset));
      break;
    case KIND_FILL:
      adw_combo_row_set_selected(ctl->combo, a->fill_mode);
      break;
    case KIND_PERCENT:
      gtk_spin_button_set_value(ctl->lo, 100 * v[0]);
      break;
    case KIND_NUMBER:
      /* a value from elsewhere (a JSON file, shifts in pixels) is shown, not clamped */
      gtk_adjustment_set_upper(gtk_spin_button_get_adjustment(ctl->lo), MAX(f->upper, v[0]));
      gtk_spin_button_set_value(ctl->lo, v[0]);
      break;
    case KIND_RANGE: {
      GtkAdjustment *lo = gtk_spin_button_get_adjustment(ctl->lo);
      GtkAdjustment *hi = gtk_spin_button_get_adjustment(ctl->hi);
      gtk_adjustment_set_upper(lo, MAX(f->upper, v[1]));
      gtk_adjustment_set_lower(hi, MIN(f->lower, v[0]));
      gtk_adjustment_set_upper(hi, MAX(f->upper, v[1]));
      gtk_adjustment_set_lower(lo, MIN(f->lower, v[0]));
      gtk_adjustment_set_value(lo, v[0]);
      gtk_adjustment_set_value(hi, v[1]);
      break;
    }
    }
  }
  constrain(c);
  update_subtitles(c, a);
  c->syncing = was;
}

void patina_augment_controls_get(PatinaAugmentControls *c, PatinaAugment *a)
{
  patina_augment_init(a);
  for (guint i = 0; i < N_FIELDS; i++) {
    const Field *f = &fields[i];
    const Control *ctl = &c->controls[i];
    double *v = field_doubles(a, f);
    switch (f->kind) {
    case KIND_SWITCH:
      *(gboolean *) ((char *) a + f->offset) = gtk_switch_get_active(ctl->toggle);
      break;
    case KIND_FILL:
      a->fill_mode = (PatinaFillMode) MIN(adw_combo_row_get_selected(ctl->combo),
                                          (guint) PATINA_FILL_CONSTANT);
      break;
    case KIND_PERCENT:
      v[0] = gtk_spin_button_get_value(ctl->lo) / 100;
      break;
    case KIND_NUMBER:
      v[0] = gtk_spin_button_get_value(ctl->lo);
      break;
    case KIND_RANGE:
      v[0] = gtk_spin_button_get_value(ctl->lo);
      v[1] = gtk_spin_button_get_value(ctl->hi);
      break;
    }
  }
}

GtkSpinButton *patina_augment_controls_get_spin(PatinaAugmentControls *c, const char *name,
                                                gboolean high)
{
  const Control *ctl = find(c, name, NULL);
  if (!ctl)
    return NULL;
  return high ? ctl->hi : ctl->lo;
}
