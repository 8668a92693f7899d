/* A data set is a folder with one sub-folder per class (the Keras / PyTorch ImageFolder
 * layout). Classes are the sub-folder names in sorted order; samples are the image files
 * inside (by extension), sorted by name so every run sees the same order. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *path;   /* absolute path */
  int label;    /* index into class_names */
  int group;    /* samples with byte-identical content share a group id */
} PatinaSample;

typedef struct {
  char *root;
  GPtrArray *class_names; /* char* */
  GArray *samples;        /* PatinaSample */
  int n_duplicate_groups; /* groups with more than one member */
} PatinaDataset;

/* Errors (naming the folder): not a folder, unreadable, fewer than two class folders, a class
 * folder without images. */
PatinaDataset *patina_dataset_open(const char *dir, GError **error);
void patina_dataset_free(PatinaDataset *ds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PatinaDataset, patina_dataset_free)

/* Stratified split by class, holding out round(fraction × class count) of each class (at least
 * one if the class has two or more groups), shuffled by seed. Byte-identical duplicates stay on
 * one side. Fills two arrays of sample indices (int), each sorted ascending. */
void patina_dataset_split(const PatinaDataset *ds, double holdout_fraction, guint64 seed,
                          GArray *train, GArray *holdout);

int patina_dataset_count_class(const PatinaDataset *ds, int label);

G_END_DECLS
