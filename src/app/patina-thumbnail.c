#include "patina-thumbnail.h"

struct _PatinaThumbnail {
  GObject parent_instance;
  char *path, *class_name, *name;
  GdkTexture *texture;
};

G_DEFINE_FINAL_TYPE(PatinaThumbnail, patina_thumbnail, G_TYPE_OBJECT)

enum { PROP_0, PROP_PATH, PROP_NAME, PROP_CLASS_NAME, PROP_TEXTURE, N_PROPS };
static GParamSpec *props[N_PROPS];

static void patina_thumbnail_finalize(GObject *object)
{
  PatinaThumbnail *self = PATINA_THUMBNAIL(object);
  g_free(self->path);
  g_free(self->name);
  g_free(self->class_name);
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
  g_object_class_install_properties(object_class, N_PROPS, props);
}

static void patina_thumbnail_init(PatinaThumbnail *self) { (void) self; }

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
