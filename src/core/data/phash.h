/* Perceptual hashes, to find near-duplicate images: a resized, re-encoded, slightly noisy or
 * re-levelled copy of a micrograph has a hash a few bits away from the original's, while
 * different micrographs differ in about half of the 64 bits.
 *
 * The hash is the DCT pHash (as in pHash.org and Python's imagehash.phash): the gray image is
 * area-averaged to 32×32, transformed by a 2-D DCT-II, and each of the 8×8 lowest frequencies
 * (the constant term included) gives one bit: 1 when above their median. */
#pragma once
#include <glib.h>

#include "data/image.h"

G_BEGIN_DECLS

/* Pairs within this distance are reported as near-duplicates by default. */
#define PATINA_PHASH_DEFAULT_DISTANCE 8

guint64 patina_phash_plane(const float *pixels, int width, int height);
guint64 patina_phash_gray(const PatinaGray *img);
/* Decodes path (patina_gray_load) and hashes it. */
gboolean patina_phash_file(const char *path, guint64 *hash, GError **error);

static inline int patina_phash_distance(guint64 a, guint64 b)
{
  return __builtin_popcountll(a ^ b);
}

/* Hashes n files on `threads` workers. ok[i] says whether file i could be decoded; when not,
 * errors[i] (if errors is not NULL) holds the message, else NULL. */
void patina_phash_files(const char *const *paths, int n, int threads, guint64 *hashes,
                        gboolean *ok, char **errors);

typedef struct {
  int a, b;     /* indices, a < b */
  int distance; /* Hamming distance of their hashes */
} PatinaPhashPair;

/* Every pair of the valid hashes (valid may be NULL: all) within max_distance, ordered by
 * distance, then a, then b. */
GArray *patina_phash_pairs(const guint64 *hashes, const gboolean *valid, int n, int max_distance);

G_END_DECLS
