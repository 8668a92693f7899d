/* The Layers page's workers: one image's (or two images') activations and Grad-CAM through the
 * core (viz/activations.h, viz/gradcam.h), and the report figure export (viz/figure.h,
 * viz/gradcam-figure.h). A result is reference counted: the page shows one while an export
 * of it may still run. */
#pragma once
#include <gio/gio.h>

#include "patina-loaded-model.h"
#include "viz/figure.h"
#include "viz/gradcam.h"

G_BEGIN_DECLS

typedef struct {
  char *path;
  PatinaGray *gray;           /* the micrograph, data bar cropped, at its own size */
  PatinaActivations *acts;
  double field_width_m;       /* 0 when the pixel size is unknown */
  gboolean have_cam;
  PatinaCam cam;
  GError *error;              /* the image did not decode or the model refused it */
} PatinaLayersImage;

typedef struct {
  PatinaLoadedModel *model;
  gboolean cam;               /* compute Grad-CAM too */
  int cam_layer;              /* position in patina_cam_layers() */
  int cam_class;
  PatinaCamMethod cam_method;
  int n_images;               /* 1, or 2 when comparing */
  PatinaLayersImage images[2];
} PatinaLayersResult;

PatinaLayersResult *patina_layers_result_ref(PatinaLayersResult *r);
void patina_layers_result_unref(PatinaLayersResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PatinaLayersResult, patina_layers_result_unref)

/* Computes for path_a (and path_b when not NULL) on a worker; the result carries per-image
 * errors, so the task itself only fails when cancelled. */
void patina_layers_compute_async(PatinaLoadedModel *model, const char *path_a,
                                 const char *path_b, gboolean cam, int cam_layer, int cam_class,
                                 PatinaCamMethod cam_method, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
PatinaLayersResult *patina_layers_compute_finish(GAsyncResult *res, GError **error);

typedef enum {
  PATINA_LAYERS_EXPORT_LAYER,   /* the layer's maps (a dense layer as bars) */
  PATINA_LAYERS_EXPORT_SIX,     /* the paper's six colormaps */
  PATINA_LAYERS_EXPORT_FILTERS, /* the first conv's filters */
  PATINA_LAYERS_EXPORT_CAM,     /* Grad-CAM over the micrograph */
} PatinaLayersExportKind;

/* Writes the first image's figure to path (format from its extension) on a worker. options'
 * strings are copied. */
void patina_layers_export_async(PatinaLayersResult *r, PatinaLayersExportKind kind, int layer,
                                const PatinaFigureOptions *options, double cam_opacity,
                                const char *path, gpointer source_object,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean patina_layers_export_finish(GAsyncResult *res, GError **error);

G_END_DECLS
