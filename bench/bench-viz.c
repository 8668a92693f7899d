/* Speed of looking inside the network (issue 6) with the paper's Table 6 CNN: every layer's
 * activations of one image, Grad-CAM and Grad-CAM++ of conv3 for one class, and the surface
 * scan of a large image. Median milliseconds of --repeats runs each.
 * It also writes what bench/torch_viz.py needs to do the same work with the same numbers: the
 * model as a Patina checkpoint (random weights, seed 0) and the inputs and Patina's answers,
 * so the peer can check that like is compared with like.
 * usage: bench-viz --out DIR [--threads 2] [--size 150] [--repeats 20] [--scan-repeats 3]
 *                  [--scan-width 2000] [--scan-height 1500] [--tile 150] [--stride 75]
 *                  [--batch 16] */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/model.h"
#include "nn/safetensors.h"
#include "rng.h"
#include "train/checkpoint.h"
#include "viz/activations.h"
#include "viz/gradcam.h"
#include "viz/scan.h"

static int threads = 2, size = 150, repeats = 20, scan_repeats = 3;
static int scan_width = 2000, scan_height = 1500, tile = 150, stride = 75, batch = 16;
static const char *out_dir = NULL;

static double now_ms(void)
{
  return g_get_monotonic_time() / 1e3;
}

static int compare_doubles(const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double median(double *values, int n)
{
  qsort(values, n, sizeof *values, compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static void add_f32(PatinaSafetensorsWriter *w, const char *name, int ndim, const gint64 *shape,
                    const float *data)
{
  patina_safetensors_writer_add(w, name, PATINA_DTYPE_F32, ndim, shape, data);
}

static int fail(const char *what, GError *error)
{
  fprintf(stderr, "bench-viz: %s: %s\n", what, error ? error->message : "failed");
  return 1;
}

/* A micrograph-like surface: smooth patches of different brightness with grain on top, so the
 * tiles differ and the scan's per-tile probabilities are not all the same number. */
static PatinaGray *make_surface(PatinaRng *rng)
{
  PatinaGray *img = g_new0(PatinaGray, 1);
  img->width = scan_width, img->height = scan_height;
  img->pixels = g_new(float, (gsize) scan_width * scan_height);
  for (int y = 0; y < scan_height; y++)
    for (int x = 0; x < scan_width; x++) {
      double smooth = 0.5 + 0.25 * sin(x / 97.0) * cos(y / 131.0);
      img->pixels[(gsize) y * scan_width + x] =
          (float) CLAMP(smooth + 0.25 * (patina_rng_uniform(rng) - 0.5), 0.0, 1.0);
    }
  return img;
}

static gboolean parse_args(int argc, char **argv)
{
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *v = argv[i + 1];
    if (!strcmp(argv[i], "--threads")) threads = atoi(v);
    else if (!strcmp(argv[i], "--size")) size = atoi(v);
    else if (!strcmp(argv[i], "--repeats")) repeats = atoi(v);
    else if (!strcmp(argv[i], "--scan-repeats")) scan_repeats = atoi(v);
    else if (!strcmp(argv[i], "--scan-width")) scan_width = atoi(v);
    else if (!strcmp(argv[i], "--scan-height")) scan_height = atoi(v);
    else if (!strcmp(argv[i], "--tile")) tile = atoi(v);
    else if (!strcmp(argv[i], "--stride")) stride = atoi(v);
    else if (!strcmp(argv[i], "--batch")) batch = atoi(v);
    else if (!strcmp(argv[i], "--out")) out_dir = v;
    else {
      fprintf(stderr, "bench-viz: unknown option %s\n", argv[i]);
      return FALSE;
    }
  }
  if (!out_dir || threads < 1 || repeats < 1 || scan_repeats < 1) {
    fprintf(stderr, "bench-viz: --out DIR is required; --threads and repeats must be >= 1\n");
    return FALSE;
  }
  return TRUE;
}

int main(int argc, char **argv)
{
  if (!parse_args(argc, argv))
    return 2;
  g_autoptr(GError) error = NULL;
  g_autofree char *spec = patina_spec_paper(2, size, 3);
  PatinaModel *m = patina_model_new(spec, &error);
  if (!m)
    return fail("model", error);
  PatinaRng rng;
  patina_rng_init(&rng, 0);
  patina_model_init(m, &rng);
  g_autofree char *model_path = g_build_filename(out_dir, "model.safetensors", NULL);
  char *class_names[] = {"class0", "class1", NULL};
  PatinaCheckpointMeta meta = {.class_names = class_names};
  if (!patina_checkpoint_save(m, &meta, model_path, &error))
    return fail(model_path, error);

  /* one gray micrograph repeated to the three channels, as the paper feeds it */
  gsize plane = (gsize) size * size;
  float *x = g_new(float, 3 * plane);
  for (gsize i = 0; i < plane; i++)
    x[i] = x[plane + i] = x[2 * plane + i] = patina_rng_uniform(&rng);
  g_autoptr(PatinaGray) surface = make_surface(&rng);

  g_autoptr(PatinaSafetensorsWriter) w = patina_safetensors_writer_new();
  add_f32(w, "x", 3, (gint64[]) {3, size, size}, x);
  add_f32(w, "surface", 2, (gint64[]) {scan_height, scan_width}, surface->pixels);
  double *times = g_new(double, MAX(repeats, scan_repeats));

  /* The single-image paths run outside the model's worker pool, so their GEMMs get BLAS's own
   * threads: the same count as the peer's torch.set_num_threads. */
  openblas_set_num_threads(threads);
  PatinaActivations *acts = NULL;
  for (int r = -1; r < repeats; r++) { /* r = -1: warm-up, not timed */
    patina_activations_free(acts);
    double t = now_ms();
    acts = patina_activations_compute(m, x, &error);
    if (!acts)
      return fail("activations", error);
    if (r >= 0)
      times[r] = now_ms() - t;
  }
  printf("activations_ms: %.3f\n", median(times, repeats));
  for (int i = 0; i < acts->n_layers; i++) {
    const PatinaLayerInfo *l = &acts->layers[i];
    g_autofree char *name = g_strdup_printf("act.%d", l->index);
    add_f32(w, name, 3, (gint64[]) {l->c, l->h, l->w}, acts->outputs[i]);
  }
  patina_activations_free(acts);

  int conv3 = patina_cam_find_layer(m, "conv3", &error);
  if (conv3 < 0)
    return fail("conv3", error);
  const struct {
    PatinaCamMethod method;
    const char *key;
  } methods[] = {{PATINA_CAM_GRADCAM, "gradcam"}, {PATINA_CAM_GRADCAM_PLUS_PLUS, "gradcampp"}};
  for (guint k = 0; k < G_N_ELEMENTS(methods); k++) {
    PatinaCam cam = {0};
    for (int r = -1; r < repeats; r++) {
      patina_cam_clear(&cam);
      /* the CAM's tail model holds BLAS to one thread when it is made; give it back each time */
      openblas_set_num_threads(threads);
      double t = now_ms();
      if (!patina_cam_compute(m, x, conv3, 1, methods[k].method, &cam, &error))
        return fail(methods[k].key, error);
      g_autofree float *up = patina_cam_upsample(&cam, size, size);
      if (r >= 0)
        times[r] = now_ms() - t;
      if (r == repeats - 1) {
        g_autofree char *up_key = g_strconcat(methods[k].key, ".up", NULL);
        add_f32(w, methods[k].key, 2, (gint64[]) {cam.layer.height, cam.layer.width}, cam.map);
        add_f32(w, up_key, 2, (gint64[]) {size, size}, up);
      }
    }
    printf("%s_ms: %.3f\n", methods[k].key, median(times, repeats));
    patina_cam_clear(&cam);
  }

  /* the scan splits its batches over the model's workers, as patina-cli scan --threads does */
  patina_model_set_threads(m, threads);
  PatinaScanOptions options = {.tile = tile, .stride = stride, .batch = batch};
  PatinaScan scan = {0};
  for (int r = -1; r < scan_repeats; r++) {
    patina_scan_clear(&scan);
    double t = now_ms();
    if (!patina_scan(m, surface, "surface", &options, NULL, NULL, NULL, &scan, &error))
      return fail("scan", error);
    if (r >= 0)
      times[r] = now_ms() - t;
  }
  printf("scan_ms: %.3f\nscan_tiles: %d\n", median(times, scan_repeats), scan.n_tiles);
  float *xy = g_new(float, 2 * scan.n_tiles);
  for (int i = 0; i < scan.n_tiles; i++)
    xy[2 * i] = (float) scan.tile_x[i], xy[2 * i + 1] = (float) scan.tile_y[i];
  add_f32(w, "scan.tile_xy", 2, (gint64[]) {scan.n_tiles, 2}, xy);
  add_f32(w, "scan.tile_probs", 2, (gint64[]) {scan.n_tiles, scan.classes}, scan.tile_probs);
  g_autofree float *map1 = patina_scan_class_map(&scan, 1, scan_width, scan_height);
  add_f32(w, "scan.map1", 2, (gint64[]) {scan_height, scan_width}, map1);
  patina_scan_clear(&scan);

  g_autofree char *results_path = g_build_filename(out_dir, "patina-viz.safetensors", NULL);
  if (!patina_safetensors_writer_save(w, results_path, &error))
    return fail(results_path, error);
  printf("threads: %d\nsize: %d\nrepeats: %d\nscan_repeats: %d\n", threads, size, repeats,
         scan_repeats);
  patina_model_free(m);
  g_free(x), g_free(xy), g_free(times);
  return 0;
}
