/* libFuzzer target for the TIFF decoder and what reads its output: whatever the bytes,
 * patina_tiff_load_memory either refuses them with an error that says why, or gives an image
 * within the limits whose every pixel is finite (and in [0, 1] for integer samples). The
 * image then goes through the gray conversion, the data bar search and the SEM metadata
 * summary, as a loaded micrograph does. */
#include <math.h>
#include <stdint.h>

#include "data/databar.h"
#include "data/image.h"
#include "data/tiff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small limits keep each input fast and inside libFuzzer's memory budget; the checks are the
 * same at any limit. */
static const PatinaLoadLimits limits = {2048, 2048, 32u << 20};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  GError *error = NULL;
  PatinaImage *img = patina_tiff_load_memory(data, size, "fuzz.tif", &limits, &error);
  if (img == NULL) {
    if (error == NULL || error->message == NULL || error->message[0] == '\0')
      __builtin_trap();
    g_error_free(error);
    return 0;
  }
  if (error != NULL)
    __builtin_trap();
  if (img->width < 1 || img->height < 1 || img->width > limits.max_width ||
      img->height > limits.max_height || (img->channels != 1 && img->channels != 3))
    __builtin_trap();
  gsize n = (gsize) img->width * img->height * img->channels;
  for (gsize i = 0; i < n; i++) {
    float v = img->data[i];
    if (!isfinite(v) || (!img->is_float && (v < 0.0f || v > 1.0f)))
      __builtin_trap();
  }
  PatinaSemInfo *sem = &img->sem;
  if (!(sem->pixel_size >= 0.0) || !isfinite(sem->pixel_size) || !(sem->kv >= 0.0) ||
      !isfinite(sem->kv) || !(sem->magnification >= 0.0) || !isfinite(sem->magnification) ||
      sem->databar_height < 0 || !g_utf8_validate(sem->instrument, -1, NULL) ||
      !g_utf8_validate(sem->detector, -1, NULL))
    __builtin_trap();
  char *text = patina_sem_describe(sem);
  g_free(text);

  PatinaGray *gray = patina_gray_from_image(img);
  PatinaDatabar bar;
  patina_databar_find(gray->pixels, gray->width, gray->height, sem, &bar);
  if (bar.keep_rows < 1 || bar.bar_rows < 0 || bar.keep_rows + bar.bar_rows != gray->height)
    __builtin_trap();
  patina_gray_free(gray);
  patina_image_free(img);
  return 0;
}
