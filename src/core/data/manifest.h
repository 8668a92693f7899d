/* The data set manifest: `patina-dataset.json` in the data set folder records what the folder
 * alone cannot: the train / validation / test split, excluded images (and why), data bar
 * crops, pixel sizes, which images are synthetic, and each image's content hash.
 *
 *   {
 *     "version": 1,
 *     "classes": ["316L", "AZ31B"],
 *     "split": {"seed": 0, "val": 0.15, "test": 0.15},          (optional: how it was made)
 *     "images": [
 *       {"path": "316L/316L_000.png", "class": "316L", "split": "train",
 *        "excluded": false, "exclude_reason": null,
 *        "crop_rows": null, "pixel_size": 2.5e-9,
 *        "synthetic": false, "synthetic_source": null,
 *        "sha256": "9f86d0…"},
 *       …
 *     ]
 *   }
 *
 * Image paths are relative to the data folder, '/'-separated, never absolute and never with
 * "." or ".." components; a path that resolves outside the folder through a symlink is
 * refused when the folder is read. Nothing outside the data folder is read or written.
 * "path", "class" and "split" are required; the others may be left out (false / null).
 * Unknown fields are refused, so a misspelt "exluded" cannot silently keep an image in.
 * Reading is strict: an error names the manifest, the JSON path of the field and what was
 * expected ("patina-dataset.json: images[12].split: expected \"train\", \"val\" or \"test\",
 * got \"tset\""). Writing is atomic (a temporary file renamed over the old one). */
#pragma once
#include <glib.h>

#include "data/dataset.h"

G_BEGIN_DECLS

#define PATINA_MANIFEST_NAME "patina-dataset.json"
#define PATINA_MANIFEST_VERSION 1
/* Larger manifests are refused before parsing (about a million images). */
#define PATINA_MANIFEST_MAX_BYTES (256u << 20)

#define PATINA_MANIFEST_ERROR (patina_manifest_error_quark())
GQuark patina_manifest_error_quark(void);

typedef enum {
  PATINA_MANIFEST_ERROR_PARSE,   /* not JSON, or too large or deeply nested */
  PATINA_MANIFEST_ERROR_INVALID, /* JSON, but a field is missing or wrong */
  PATINA_MANIFEST_ERROR_VERSION, /* written by a newer Patina */
  PATINA_MANIFEST_ERROR_OUTSIDE, /* a path outside the data folder */
  PATINA_MANIFEST_ERROR_MISSING, /* a file the manifest names is not there */
} PatinaManifestError;

typedef enum {
  PATINA_SPLIT_TRAIN,
  PATINA_SPLIT_VAL,
  PATINA_SPLIT_TEST,
  PATINA_N_SPLITS
} PatinaSplit;

const char *patina_split_name(PatinaSplit split); /* "train", "val", "test" */

typedef struct {
  char *path;             /* relative to the data folder */
  int label;              /* index into classes */
  PatinaSplit split;
  gboolean excluded;
  char *exclude_reason;   /* or NULL */
  int crop_rows;          /* data bar rows cropped at the bottom; -1 = automatic (null) */
  double pixel_size;      /* metres per pixel; 0 = unknown (null) */
  gboolean synthetic;
  char *synthetic_source; /* e.g. the generator checkpoint or source image; or NULL */
  char *sha256;           /* 64 lower-case hex digits, or NULL when not recorded */
} PatinaManifestImage;

typedef struct {
  GPtrArray *classes;     /* char*, the class names in label order */
  GArray *images;         /* PatinaManifestImage */
  /* How the split was drawn, when recorded (informational). */
  gboolean has_split_info;
  guint64 seed;
  double val_fraction, test_fraction;
} PatinaManifest;

PatinaManifest *patina_manifest_new(void);
void patina_manifest_free(PatinaManifest *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PatinaManifest, patina_manifest_free)

/* Index of the image with this relative path, or -1. */
int patina_manifest_find(const PatinaManifest *m, const char *path);
/* Index of the class, or -1. */
int patina_manifest_class(const PatinaManifest *m, const char *name);

/* Parses and validates manifest text; `name` (e.g. the file name) starts every message. */
PatinaManifest *patina_manifest_parse(const char *data, gsize len, const char *name,
                                      GError **error);
/* Reads path (a regular file of at most PATINA_MANIFEST_MAX_BYTES) and parses it. */
PatinaManifest *patina_manifest_load(const char *path, GError **error);
/* The manifest as JSON text (pretty-printed, ending in a newline). */
char *patina_manifest_to_data(const PatinaManifest *m, gsize *len);
/* Writes atomically: a temporary file beside path, renamed over it. */
gboolean patina_manifest_save(const PatinaManifest *m, const char *path, GError **error);

/* dir/patina-dataset.json */
char *patina_manifest_path_in(const char *dir);

/* Whether rel is an acceptable manifest path (relative, no empty, "." or ".." components, no
 * NUL, valid UTF-8); when not, why. */
gboolean patina_manifest_check_path(const char *rel, const char **why);
/* Resolves rel inside root: checks its form, that it exists, is a regular file and, with every
 * symlink resolved, lies inside root. Returns the absolute path (root/rel), or NULL with an
 * error naming the file (PATINA_MANIFEST_ERROR_OUTSIDE or _MISSING). */
char *patina_manifest_resolve(const char *root, const char *rel, GError **error);

/* A new manifest for ds (opened with PATINA_DATASET_OPEN_CONTAINED): every image with its
 * content hash, split by patina_dataset_split3 (so byte-identical files share a split).
 * val_fraction + test_fraction must be below 1. */
PatinaManifest *patina_manifest_create(const PatinaDataset *ds, double val_fraction,
                                       double test_fraction, guint64 seed, GError **error);

/* What reconciling a manifest with its folder found. */
typedef enum {
  PATINA_ISSUE_MISSING,    /* named in the manifest, not in the folder */
  PATINA_ISSUE_OUTSIDE,    /* resolves outside the data folder (symlink): never read */
  PATINA_ISSUE_NEW,        /* in the folder, not in the manifest */
  PATINA_ISSUE_CHANGED,    /* content differs from the recorded hash */
  PATINA_ISSUE_UNREADABLE, /* cannot be read */
  PATINA_ISSUE_STRADDLE,   /* byte-identical files in different splits */
} PatinaIssueKind;

typedef struct {
  PatinaIssueKind kind;
  char *path;    /* relative to the data folder (absolute for things outside it) */
  char *detail;  /* one line for people */
} PatinaManifestIssue;

const char *patina_issue_kind_name(PatinaIssueKind kind); /* "missing", "outside", ... */
/* A GArray of PatinaManifestIssue that frees its entries. */
GArray *patina_manifest_issues_new(void);

typedef enum {
  PATINA_RECONCILE_DEFAULT = 0,
  PATINA_RECONCILE_ADD_NEW = 1 << 0,       /* add new files (split "train"; new class folders
                                              become new classes) instead of only reporting */
  PATINA_RECONCILE_VERIFY_HASHES = 1 << 1, /* re-hash every file and report changed ones */
  PATINA_RECONCILE_UPDATE_HASHES = 1 << 2, /* record the current hash of changed/unhashed ones */
  PATINA_RECONCILE_DROP_MISSING = 1 << 3,  /* remove entries whose file is gone */
} PatinaReconcileFlags;

/* Compares m with the folder root and appends what differs to issues. Missing, outside and
 * unreadable files are issues, not errors; the error is for a folder that cannot be read.
 * Returns FALSE only then. */
gboolean patina_manifest_reconcile(PatinaManifest *m, const char *root, PatinaReconcileFlags flags,
                                   GArray *issues, GError **error);

/* The data set the manifest describes: its classes in its order, and every image that is not
 * excluded and resolves inside root (the others go to issues when it is not NULL: missing,
 * outside). splits[s] (each may be NULL) receives the ascending sample indices of split s.
 * Error: no usable image left. */
PatinaDataset *patina_manifest_open_dataset(const PatinaManifest *m, const char *root,
                                            GArray *splits[PATINA_N_SPLITS], GArray *issues,
                                            GError **error);

/* Appends a STRADDLE issue for every group of byte-identical samples of ds whose members the
 * manifest puts in different splits (ds from patina_manifest_open_dataset, splits its output). */
void patina_manifest_find_straddles(const PatinaDataset *ds, GArray *splits[PATINA_N_SPLITS],
                                    GArray *issues);

G_END_DECLS
