/* The fields of PatinaRun, shared by patina-run.c (the object and writing records) and
 * patina-run-load.c (reading them); nothing else includes this. */
#pragma once
#include "patina-run.h"

struct _PatinaRun {
  GObject parent_instance;
  char *id, *dir, *damage;
  char *record;     /* run.json, or run.fold2.json for a fold of a cross-validation */
  char *checkpoint; /* the best model beside it */
  char *model, *dataset, *optimizer, *augmentation, *augmentation_json, *state;
  int size, epochs, batch;
  double lr, momentum, val_fraction, dropout;
  gboolean class_weighting;
  gint64 seed, started;
  double best_val_acc, final_val_acc;
  GArray *history;
  char *search_text;
  gboolean ticked;
};
