/* The Predict page's surface scan workers: decode the image, run the core's patina_scan
 * (viz/scan.h) under the model's lock, prepare what the screen shows (the micrograph and each
 * class's map at display size), and write the report figure (viz/scan-figure.h) or the tiles'
 * CSV. A result is reference counted: the view shows one while an export of it may still run,
 * and reads a running scan's progress from it. */
#pragma once
#include <gio/gio.h>

#include "patina-loaded-model.h"
#include "viz/scan-figure.h"

G_BEGIN_DECLS

typedef struct {
  PatinaLoadedModel *model;
  char *path;
  int tile, stride;        /* as requested; 0 = the core's default */
  gint tiles_done, tiles_total; /* progress, written by the worker (atomic) */

  /* filled when the scan succeeds */
  PatinaGray *gray;        /* the micrograph, data bar cropped */
  PatinaScan scan;
  int display_w, display_h;
  float *display_gray;     /* display_w × display_h */
  float *display_maps;     /* classes × display_w × display_h: each class's probability */
  guint8 *display_best;    /* display_w × display_h: the most probable class */
} PatinaScanResult;

PatinaScanResult *patina_scan_result_ref(PatinaScanResult *r);
void patina_scan_result_unref(PatinaScanResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PatinaScanResult, patina_scan_result_unref)

/* Scans path with model on a worker. Returns the result being filled (a new reference), so the
 * caller can read its progress; the task fails with the reason (unreadable or too small an
 * image, too many tiles, G_IO_ERROR_CANCELLED) or returns the same result. */
PatinaScanResult *patina_scan_compute_async(PatinaLoadedModel *model, const char *path, int tile,
                                            int stride, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
PatinaScanResult *patina_scan_compute_finish(GAsyncResult *res, GError **error);

/* Writes the scan's figure (format from path's extension; options' strings are copied). */
void patina_scan_export_figure_async(PatinaScanResult *r, const PatinaScanFigureOptions *options,
                                     const char *path, gpointer source_object,
                                     GAsyncReadyCallback callback, gpointer user_data);
/* Writes each tile's class probabilities as CSV. */
void patina_scan_export_csv_async(PatinaScanResult *r, const char *path, gpointer source_object,
                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean patina_scan_export_finish(GAsyncResult *res, GError **error);

G_END_DECLS
