/* A data set is a folder with one sub-folder per class (the Keras / PyTorch ImageFolder
 * layout). Classes are the sub-folder names in sorted order; samples are the image files
 * inside (by extension), sorted by name so every run sees the same order. */
#pragma once
#include <glib.h>

#include "image.h"

G_BEGIN_DECLS

typedef struct {
  char *path;   /* absolute path */
  int label;    /* index into class_names */
  int group;    /* samples with byte-identical content share a group id */
  gboolean crop_set; /* the data bar crop was chosen for this image (a manifest's crop_rows) */
  int crop_rows;     /* rows cut at the bottom when crop_set */
} PatinaSample;

typedef struct {
  char *root;
  GPtrArray *class_names; /* char* */
  GArray *samples;        /* PatinaSample */
  int n_duplicate_groups; /* groups with more than one member */
  /* The data bar crop for images without their own (crop_set): PATINA_CROP_AUTO by default,
   * PATINA_CROP_OFF or PATINA_CROP_ROWS to override it for the whole data set. */
  PatinaCropMode crop;
  int crop_rows;
} PatinaDataset;

/* Errors (naming the folder): not a folder, unreadable, a symbolic link loop or a broken link,
 * fewer than two class folders, a class folder without images. Class folders and image names
 * that cannot be used (loops, broken links, pipes or folders named like images) are left out;
 * when that leaves too little, the error lists them. Opens with PATINA_DATASET_OPEN_CONTAINED: nothing that a symbolic
 * link places outside dir is read. */
PatinaDataset *patina_dataset_open(const char *dir, GError **error);

typedef enum {
  PATINA_DATASET_OPEN_DEFAULT = 0,
  /* Skip class folders and files that resolve (through symlinks) outside dir, so nothing
   * outside the data folder is read; their paths are appended to `skipped` (char*, owned by
   * the array) when it is not NULL. Manifests are made and checked this way. */
  PATINA_DATASET_OPEN_CONTAINED = 1 << 0,
} PatinaDatasetOpenFlags;

PatinaDataset *patina_dataset_open_full(const char *dir, PatinaDatasetOpenFlags flags,
                                        GPtrArray *skipped, GError **error);

/* A data set of explicit files (absolute paths) and labels, e.g. a manifest's; byte-identical
 * files are grouped as patina_dataset_open groups them. Error: a file that cannot be read. */
PatinaDataset *patina_dataset_new_from_files(const char *root, const char *const *class_names,
                                             int n_classes, const char *const *paths,
                                             const int *labels, int n, GError **error);
void patina_dataset_free(PatinaDataset *ds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PatinaDataset, patina_dataset_free)

/* Stratified split by class, holding out round(fraction × class count) of each class (at least
 * one if the class has two or more groups), shuffled by seed. Byte-identical duplicates stay on
 * one side. Fills two arrays of sample indices (int), each sorted ascending. */
void patina_dataset_split(const PatinaDataset *ds, double holdout_fraction, guint64 seed,
                          GArray *train, GArray *holdout);

/* Train / validation / test by the same stratified, group-aware split applied twice: the test
 * part first, then the validation part out of the rest. With test_fraction 0 it gives exactly
 * patina_dataset_split(val_fraction). Three ascending arrays of sample indices. */
void patina_dataset_split3(const PatinaDataset *ds, double val_fraction, double test_fraction,
                           guint64 seed, GArray *train, GArray *val, GArray *test);

/* Stratified, group-aware k-fold assignment of the samples in indices (all samples when
 * indices is NULL): fold[i] in [0, k) for each of those, -1 for the others (fold has one entry
 * per sample of ds). Byte-identical files share a fold; each class is spread as evenly as its
 * groups allow. Errors: k < 2, fewer distinct images than folds. */
gboolean patina_dataset_kfold(const PatinaDataset *ds, const int *indices, int n_indices, int k,
                              guint64 seed, int *fold, GError **error);

int patina_dataset_count_class(const PatinaDataset *ds, int label);

/* SHA-256 of a file's bytes as 64 lower-case hex digits (how duplicates are recognised). */
char *patina_dataset_hash_file(const char *path, GError **error);

/* Class imbalance of the samples in indices (all when NULL): fills counts (one per class, may
 * be NULL), the largest and smallest class, and returns largest / smallest count (INFINITY
 * when a class has none, NAN without classes). */
double patina_dataset_imbalance(const PatinaDataset *ds, const int *indices, int n_indices,
                                int *counts, int *largest, int *smallest);

G_END_DECLS
