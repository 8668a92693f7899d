/* libFuzzer target for the SEM metadata text parsers: JEOL/Hitachi sidecars, and the Zeiss
 * (34118) and FEI (34682) tag texts, which a TIFF carries as arbitrary bytes. Whatever the
 * bytes, every value read is finite and non-negative and every string valid UTF-8. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "data/sem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const PatinaSemInfo *s)
{
  if (!(s->pixel_size >= 0.0) || !isfinite(s->pixel_size) || !(s->pixel_size_y >= 0.0) ||
      !isfinite(s->pixel_size_y) || !(s->kv >= 0.0) || !isfinite(s->kv) ||
      !(s->magnification >= 0.0) || !isfinite(s->magnification) || s->databar_height < 0 ||
      s->image_height < 0 || s->full_width < 0 || s->full_height < 0)
    __builtin_trap();
  if (memchr(s->instrument, 0, sizeof s->instrument) == NULL ||
      memchr(s->detector, 0, sizeof s->detector) == NULL ||
      !g_utf8_validate(s->instrument, -1, NULL) || !g_utf8_validate(s->detector, -1, NULL))
    __builtin_trap();
  char *text = patina_sem_describe(s);
  if (text == NULL || !g_utf8_validate(text, -1, NULL))
    __builtin_trap();
  g_free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  PatinaSemInfo each[3] = {{0}};
  patina_sem_parse_sidecar(text, size, &each[0]);
  patina_sem_parse_zeiss(text, size, &each[1]);
  patina_sem_parse_fei(text, size, &each[2]);
  /* All into one, as a TIFF with tags and a sidecar would. */
  PatinaSemInfo all = {0};
  patina_sem_parse_zeiss(text, size, &all);
  patina_sem_parse_fei(text, size, &all);
  patina_sem_parse_sidecar(text, size, &all);
  int w = size > 0 ? 1 + data[0] * 7 : 640, h = size > 1 ? 1 + data[1] * 5 : 480;
  patina_sem_finish(&all, w, h);
  for (int i = 0; i < 3; i++)
    check(&each[i]);
  check(&all);
  return 0;
}
