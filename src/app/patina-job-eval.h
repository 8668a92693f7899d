/* The evaluation after a training job, on the job's worker: a checkpoint on validation images,
 * merged over folds, with the images it got wrong as thumbnails of what the model saw. */
#pragma once
#include "patina-job.h"

G_BEGIN_DECLS

GArray *patina_misclassified_array_new(void);

/* Worker: evaluates the checkpoint at path on the samples `indices` of ds and merges the
 * result into *merged (made on the first call), appending the images it got wrong to
 * misclassified. */
gboolean patina_job_evaluate_append(const char *path, PatinaDataset *ds, const int *indices,
                                    int n, int threads, int batch, GCancellable *cancellable,
                                    PatinaEvaluation **merged, GArray *misclassified,
                                    GError **error);

G_END_DECLS
