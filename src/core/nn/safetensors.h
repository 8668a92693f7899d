/* The .safetensors format (huggingface/safetensors): an 8-byte little-endian header length,
 * a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}, then the
 * raw little-endian tensor bytes. The reader trusts nothing: header length, JSON shape,
 * dtypes, shapes, offsets and overlaps are all checked before any tensor is handed out. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef enum { PATINA_DTYPE_F32, PATINA_DTYPE_F64, PATINA_DTYPE_I64, PATINA_DTYPE_F16 } PatinaDtype;

#define PATINA_SAFETENSORS_MAX_DIMS 8

typedef struct {
  const char *name;
  PatinaDtype dtype;
  int ndim;
  gint64 shape[PATINA_SAFETENSORS_MAX_DIMS];
  gint64 n_elements;
  const void *data; /* inside the file's bytes; little-endian (this machine's order) */
} PatinaTensorView;

typedef struct _PatinaSafetensors PatinaSafetensors;

PatinaSafetensors *patina_safetensors_load(const char *path, GError **error);
/* The same from memory (copied); `what` names the source in errors. */
PatinaSafetensors *patina_safetensors_parse(const guint8 *bytes, gsize len, const char *what,
                                            GError **error);
void patina_safetensors_free(PatinaSafetensors *st);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PatinaSafetensors, patina_safetensors_free)
/* NULL when absent. */
const PatinaTensorView *patina_safetensors_get(const PatinaSafetensors *st, const char *name);
int patina_safetensors_n_tensors(const PatinaSafetensors *st);
const PatinaTensorView *patina_safetensors_nth(const PatinaSafetensors *st, int i);
/* A __metadata__ value, NULL when absent. */
const char *patina_safetensors_metadata(const PatinaSafetensors *st, const char *key);
/* Fetches name as F32 with exactly the given shape into a new array, or sets an error naming
 * the file, the tensor and what was expected. */
float *patina_safetensors_get_f32(const PatinaSafetensors *st, const char *name, int ndim,
                                  const gint64 *shape, GError **error);
/* The name errors use for this source (the path as given, or parse's `what`). */
const char *patina_safetensors_what(const PatinaSafetensors *st);
/* "[2, 3]", for messages; free with g_free. */
char *patina_safetensors_shape_string(int ndim, const gint64 *shape);
/* "F32", "F64", "I64" or "F16". */
const char *patina_safetensors_dtype_name(PatinaDtype dtype);

typedef struct _PatinaSafetensorsWriter PatinaSafetensorsWriter;

PatinaSafetensorsWriter *patina_safetensors_writer_new(void);
void patina_safetensors_writer_free(PatinaSafetensorsWriter *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PatinaSafetensorsWriter, patina_safetensors_writer_free)
/* data is copied. Tensors are written in the order added. */
void patina_safetensors_writer_add(PatinaSafetensorsWriter *w, const char *name,
                                   PatinaDtype dtype, int ndim, const gint64 *shape,
                                   const void *data);
void patina_safetensors_writer_set_metadata(PatinaSafetensorsWriter *w, const char *key,
                                            const char *value);
/* Written to a temporary file beside path and renamed: a failed save leaves path untouched. */
gboolean patina_safetensors_writer_save(PatinaSafetensorsWriter *w, const char *path,
                                        GError **error);

G_END_DECLS
