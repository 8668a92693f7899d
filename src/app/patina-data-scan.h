/* What the Data page learns about the open data set beyond its folders: the manifest's split
 * and exclusions (read on a worker), and which images duplicate others (byte-identical groups
 * from the data set, near-duplicates from perceptual hashes). */
#pragma once
#include <gio/gio.h>

#include "data/dataset.h"
#include "data/manifest.h"

G_BEGIN_DECLS

typedef struct {
  gboolean has_manifest;
  char *problem;       /* the manifest exists but cannot be read: why; else NULL */
  int n;               /* samples */
  int *split;          /* per sample: PatinaSplit, or -1 (no manifest, or not listed in it) */
  gboolean *excluded;  /* per sample */
  int split_counts[PATINA_N_SPLITS]; /* of the images not excluded */
  int n_excluded;
  int n_unlisted;      /* in the folder, not in the manifest */
} PatinaManifestInfo;

void patina_manifest_info_free(PatinaManifestInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PatinaManifestInfo, patina_manifest_info_free)

/* Reads root's manifest on a worker and matches it to ds's samples (copied, so ds may go). */
void patina_manifest_info_load_async(const PatinaDataset *ds, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
PatinaManifestInfo *patina_manifest_info_load_finish(GAsyncResult *result, GError **error);

/* One note per sample for people ("Byte-identical to a.png" / "Nearly identical to c.png"),
 * NULL for a sample without twins. near: PatinaPhashPair of sample indices (may be NULL);
 * pairs of byte-identical files are left to the first kind. An array of ds->samples->len
 * entries; free with patina_duplicate_notes_free. */
char **patina_duplicate_notes_new(const PatinaDataset *ds, GArray *near);
void patina_duplicate_notes_free(char **notes, guint n);

/* How many distinct near-duplicate pairs of different content near holds. */
guint patina_count_near_pairs(const PatinaDataset *ds, GArray *near);

/* "13 images: 316L 6 · AZ31B 7 — train 8 / val 3 / test 2" (m may be NULL: not read yet). */
char *patina_data_summary(const PatinaDataset *ds, const PatinaManifestInfo *m);
/* What to look at: imbalance, duplicates, exclusions, manifest problems; "" when nothing. */
char *patina_data_notes(const PatinaDataset *ds, const PatinaManifestInfo *m, guint n_near_pairs);

G_END_DECLS
