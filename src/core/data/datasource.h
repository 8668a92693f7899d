/* A data folder as training and evaluation see it: with a manifest (patina-dataset.json) its
 * images, exclusions, crops and splits; without one, the class folders. The CLI and the app
 * both open their data through it, so a folder trains the same way in either. */
#pragma once

#include "data/dataset.h"
#include "data/manifest.h"

G_BEGIN_DECLS

typedef enum {
  PATINA_MANIFEST_AUTO,     /* the folder's manifest when there is one */
  PATINA_MANIFEST_REQUIRED, /* an error without one */
  PATINA_MANIFEST_IGNORE,   /* the class folders alone */
} PatinaManifestUse;

typedef struct {
  PatinaDataset *ds;
  PatinaManifest *manifest;        /* NULL: the class folders alone */
  char *manifest_path;
  GArray *splits[PATINA_N_SPLITS]; /* with a manifest: sample indices of each split */
} PatinaDataSource;

/* Opens dir. With a manifest, images it excludes are left out and those missing, unreadable or
 * outside dir are appended to issues (PatinaManifestIssue, may be NULL); without one, files
 * reached through a symbolic link out of dir are skipped and their paths appended to
 * outside (char *, may be NULL). */
gboolean patina_data_source_open(const char *dir, PatinaManifestUse use, PatinaDataSource *d,
                                 GArray *issues, GPtrArray *outside, GError **error);
void patina_data_source_clear(PatinaDataSource *d);
/* Whether dir has a manifest that training would follow (patina_data_source_open with
 * PATINA_MANIFEST_AUTO). */
gboolean patina_data_source_has_manifest(const char *dir);
/* With a manifest, a run needs images in its train split, and cross-validation (folds) in its
 * train and validation splits together. An error otherwise: an empty split's NULL indices would
 * read as "no split" to patina_train and train on every image, the test ones too. */
/* The sample indices cross-validation folds: with a manifest its train and validation images
 * (its test images stay unseen); NULL without one (every image). */
GArray *patina_data_source_fold_pool(const PatinaDataSource *d);
gboolean patina_data_source_check_training(const PatinaDataSource *d, gboolean folds,
                                           GError **error);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PatinaDataSource, patina_data_source_clear)

G_END_DECLS
