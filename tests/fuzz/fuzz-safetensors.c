/* libFuzzer target for the .safetensors reader: whatever the bytes, patina_safetensors_parse
 * either refuses them with an error or returns views that lie wholly inside memory it owns.
 * Every byte of every view is read so that ASan sees any view that does not. */
#include <stdint.h>
#include <string.h>

#include "nn/model.h"
#include "nn/safetensors.h"

#ifdef PATINA_FUZZ_DEFINE_QUARK
/* The standalone fuzzer build compiles safetensors.c alone, without model.c that defines
 * the error domain. */
G_DEFINE_QUARK(patina-error-quark, patina_error)
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gsize
elem_size(PatinaDtype d)
{
  return d == PATINA_DTYPE_F16 ? 2 : d == PATINA_DTYPE_F32 ? 4 : 8;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GError *error = NULL;
  PatinaSafetensors *st = patina_safetensors_parse(data, size, "fuzz", &error);
  if (!st) {
    /* A refusal must say why. */
    if (!error || !error->message || !*error->message)
      __builtin_trap();
    g_error_free(error);
    return 0;
  }
  if (error)
    __builtin_trap();

  volatile guint8 sink = 0;
  int n = patina_safetensors_n_tensors(st);
  for (int i = 0; i < n; i++) {
    const PatinaTensorView *v = patina_safetensors_nth(st, i);
    if (!v || !v->name || v->ndim < 0 || v->ndim > PATINA_SAFETENSORS_MAX_DIMS ||
        v->n_elements < 0 || patina_safetensors_get(st, v->name) != v)
      __builtin_trap();
    gint64 count = 1;
    for (int d = 0; d < v->ndim; d++)
      count *= v->shape[d];
    if (count != v->n_elements)
      __builtin_trap();
    gsize bytes = (gsize) v->n_elements * elem_size(v->dtype);
    if (bytes && (guintptr) v->data % elem_size(v->dtype))
      __builtin_trap();
    const guint8 *p = v->data;
    for (gsize b = 0; b < bytes; b++)
      sink ^= p[b];
    if (v->dtype == PATINA_DTYPE_F32) {
      float *copy = patina_safetensors_get_f32(st, v->name, v->ndim, v->shape, &error);
      if (!copy)
        __builtin_trap();
      if (bytes && memcmp(copy, v->data, bytes) != 0)
        __builtin_trap();
      g_free(copy);
    }
  }
  (void) patina_safetensors_metadata(st, "format");
  (void) patina_safetensors_metadata(st, "patina.spec");
  patina_safetensors_free(st);
  (void) sink;
  return 0;
}
