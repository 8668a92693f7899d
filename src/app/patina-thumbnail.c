#include "patina-thumbnail.h"

#define EXCLUDED_OPACITY 0.45

struct _PatinaThumbnail {
  GObject parent_instance;
  char *path, *class_name, *name;
  GdkTexture *texture;
  char *split;          /* "" without a manifest */
  char *duplicate_note; /* "" when the image has no twin */
  gboolean excluded;
};

G_DEFINE_FINAL_TYPE(PatinaThumbnail, patina_thumbnail, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PATH,
  PROP_NAME,
  PROP_CLASS_NAME,
  PROP_TEXTURE,
  PROP_SPLIT,
  PROP_HAS_SPLIT,
  PROP_DUPLICATE_NOTE,
  PROP_IS_DUPLICATE,
  PROP_EXCLUDED,
  PROP_OPACITY,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

static void patina_thumbnail_finalize(GObject *object)
{
  PatinaThumbnail *self = PATINA_THUMBNAIL(object);
  g_free(self->path);
  g_free(self->name);
  g_free(self->class_name);
  g_free(self->split);
  g_free(self->duplicate_note);
  g_clear_object(&self->texture);
  G_OBJECT_CLASS(patina_thumbnail_parent_class)->finalize(object);
}

static void patina_thumbnail_get_property(GObject *object, guint prop_id, GValue *value,
                                          GParamSpec *pspec)
{
  PatinaThumbnail *self = PATINA_THUMBNAIL(object);
  switch (prop_id) {
  case PROP_PATH: g_value_set_string(value, self->path); break;
  case PROP_NAME: g_value_set_string(value, self->name); break;
  case PROP_CLASS_NAME: g_value_set_string(value, self->class_name); break;
  case PROP_TEXTURE: g_value_set_object(value, self->texture); break;
  case PROP_SPLIT: g_value_set_string(value, self->split); break;
  case PROP_HAS_SPLIT: g_value_set_boolean(value, *self->split != '\0'); break;
  case PROP_DUPLICATE_NOTE: g_value_set_string(value, self->duplicate_note); break;
  case PROP_IS_DUPLICATE: g_value_set_boolean(value, *self->duplicate_note != '\0'); break;
  case PROP_EXCLUDED: g_value_set_boolean(value, self->excluded); break;
  case PROP_OPACITY: g_value_set_double(value, self->excluded ? EXCLUDED_OPACITY : 1.0); break;
  default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void patina_thumbnail_class_init(PatinaThumbnailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  object_class->finalize = patina_thumbnail_finalize;
  object_class->get_property = patina_thumbnail_get_property;
  const GParamFlags f = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  props[PROP_PATH] = g_param_spec_string("path", NULL, NULL, NULL, f);
  props[PROP_NAME] = g_param_spec_string("name", NULL, NULL, NULL, f);
  props[PROP_CLASS_NAME] = g_param_spec_string("class-name", NULL, NULL, NULL, f);
  props[PROP_TEXTURE] = g_param_spec_object("texture", NULL, NULL, GDK_TYPE_TEXTURE, f);
  /* the split a manifest gives it, shown as a tag */
  props[PROP_SPLIT] = g_param_spec_string("split", NULL, NULL, "", f);
  props[PROP_HAS_SPLIT] = g_param_spec_boolean("has-split", NULL, NULL, FALSE, f);
  /* which images it duplicates (byte-identical or by pHash) */
  props[PROP_DUPLICATE_NOTE] = g_param_spec_string("duplicate-note", NULL, NULL, "", f);
  props[PROP_IS_DUPLICATE] = g_param_spec_boolean("is-duplicate", NULL, NULL, FALSE, f);
  props[PROP_EXCLUDED] = g_param_spec_boolean("excluded", NULL, NULL, FALSE, f);
  /* for the cell's picture: excluded images are drawn faded */
  props[PROP_OPACITY] = g_param_spec_double("opacity", NULL, NULL, 0.0, 1.0, 1.0, f);
  g_object_class_install_properties(object_class, N_PROPS, props);
}

static void patina_thumbnail_init(PatinaThumbnail *self)
{
  self->split = g_strdup("");
  self->duplicate_note = g_strdup("");
}

PatinaThumbnail *patina_thumbnail_new(const char *path, const char *class_name)
{
  PatinaThumbnail *self = g_object_new(PATINA_TYPE_THUMBNAIL, NULL);
  self->path = g_strdup(path);
  self->name = g_path_get_basename(path);
  self->class_name = g_strdup(class_name);
  return self;
}

const char *patina_thumbnail_get_path(PatinaThumbnail *self) { return self->path; }
const char *patina_thumbnail_get_class_name(PatinaThumbnail *self) { return self->class_name; }
GdkTexture *patina_thumbnail_get_texture(PatinaThumbnail *self) { return self->texture; }

void patina_thumbnail_set_texture(PatinaThumbnail *self, GdkTexture *texture)
{
  g_return_if_fail(PATINA_IS_THUMBNAIL(self));
  if (g_set_object(&self->texture, texture))
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_TEXTURE]);
}

/* g_set_str arrives in GLib 2.76; the app is held to 2.74. */
static gboolean replace_string(char **slot, const char *value)
{
  if (g_strcmp0(*slot, value) == 0)
    return FALSE;
  g_free(*slot);
  *slot = g_strdup(value);
  return TRUE;
}

const char *patina_thumbnail_get_split(PatinaThumbnail *self) { return self->split; }
const char *patina_thumbnail_get_duplicate_note(PatinaThumbnail *self)
{
  return self->duplicate_note;
}
gboolean patina_thumbnail_get_excluded(PatinaThumbnail *self) { return self->excluded; }

void patina_thumbnail_set_split(PatinaThumbnail *self, const char *split)
{
  g_return_if_fail(PATINA_IS_THUMBNAIL(self));
  if (!replace_string(&self->split, split ? split : ""))
    return;
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_SPLIT]);
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_HAS_SPLIT]);
}

void patina_thumbnail_set_duplicate_note(PatinaThumbnail *self, const char *note)
{
  g_return_if_fail(PATINA_IS_THUMBNAIL(self));
  if (!replace_string(&self->duplicate_note, note ? note : ""))
    return;
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_DUPLICATE_NOTE]);
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_IS_DUPLICATE]);
}

void patina_thumbnail_set_excluded(PatinaThumbnail *self, gboolean excluded)
{
  g_return_if_fail(PATINA_IS_THUMBNAIL(self));
  excluded = !!excluded;
  if (self->excluded == excluded)
    return;
  self->excluded = excluded;
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_EXCLUDED]);
  g_object_notify_by_pspec(G_OBJECT(self), props[PROP_OPACITY]);
}
