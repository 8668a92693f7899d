/* Grad-CAM as a report figure (PNG at a chosen DPI, SVG or PDF, told by the extension), with
 * figure.h's building blocks: the micrograph and the map over it side by side, a colorbar, a
 * scale bar when the pixel size is known, and a caption naming the method, layer, class and
 * its probability, model, image and colormap. */
#pragma once
#include "viz/figure.h"
#include "viz/gradcam.h"

G_BEGIN_DECLS

typedef struct {
  const char *model_label; /* caption: e.g. the checkpoint's file name; NULL = the model's name */
  const char *image_label; /* caption: the image's file name; NULL = none */
  char **class_names;      /* NULL-terminated; NULL = "class 0", ... */
  const float *probs;      /* every class's probability, for the caption; NULL = the CAM's */
  const PatinaColormap *colormap; /* NULL = viridis */
  double opacity;          /* of the map over the micrograph */
  double dpi;              /* PNG resolution; 0 = 300 */
  double width_pt;         /* 0 = 504 (7 in) */
} PatinaCamFigureOptions;

void patina_cam_figure_options_init(PatinaCamFigureOptions *options);

/* Draws onto cr from (0, 0); returns the height used in points. */
double patina_cam_figure_draw(cairo_t *cr, const PatinaModel *model, const PatinaGray *img,
                              const PatinaCam *cam, const PatinaCamFigureOptions *options);
gboolean patina_cam_figure_save(const PatinaModel *model, const PatinaGray *img,
                                const PatinaCam *cam, const PatinaCamFigureOptions *options,
                                const char *path, GError **error);

G_END_DECLS
