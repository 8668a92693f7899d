/* Writing TIFF fixtures in tests: through libtiff (every layout Patina reads, SEM tags
 * included) and by hand (headers that lie, which libtiff refuses to write). No binary TIFF
 * lives in git: each test draws what it needs. */
#pragma once
#include <glib.h>

typedef struct {
  int width, height;
  int spp;            /* samples per pixel */
  int bps;            /* bits per sample */
  int format;         /* SAMPLEFORMAT_*; 0 = unsigned integer */
  int photometric;    /* PHOTOMETRIC_* except 0: gray for 1–2 samples, RGB for 3–4 */
  gboolean min_is_white; /* PHOTOMETRIC_MINISWHITE instead */
  gboolean separate;  /* PLANARCONFIG_SEPARATE */
  int tile;           /* 0: strips; else square tiles of this size (multiple of 16) */
  int rows_per_strip; /* 0: libtiff's default */
  int compression;    /* COMPRESSION_*; 0 = none */
  int predictor;      /* 0 = none */
  const char *zeiss, *fei, *fei_xml; /* SEM tag texts, or NULL */
  int extra_pages;    /* pages after the first (16×16, 8-bit gray, all 200) */
  const guint16 *colormap; /* 3 × 2^bps entries for PHOTOMETRIC_PALETTE */
  gboolean big_endian;     /* "MM" byte order */
} FixtureTiff;

/* samples: width×height×spp values, interleaved, bps/8 bytes each in machine order (for bps
 * below 8, packed rows as TIFF stores them). */
void fixture_write_tiff(const char *path, const FixtureTiff *spec, const void *samples);

/* A hand-made little-endian TIFF: one IFD with the given entries (sorted by tag) and tail
 * bytes after it. A value of up to 4 bytes is inline; larger ones are offsets, usually into
 * the tail, which starts at fixture_raw_tail_offset(n_entries). */
typedef struct {
  guint16 tag, type;
  guint32 count, value;
} FixtureEntry;

guint32 fixture_raw_tail_offset(int n_entries);
GBytes *fixture_raw_tiff(const FixtureEntry *entries, int n_entries, const void *tail,
                         gsize tail_len);
void fixture_write_bytes(const char *path, GBytes *bytes);
