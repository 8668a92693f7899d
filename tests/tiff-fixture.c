#include "tiff-fixture.h"

#include <string.h>
#include <tiffio.h>

#include "data/tiff.h"

void fixture_write_tiff(const char *path, const FixtureTiff *s, const void *samples)
{
  patina_tiff_register_sem_tags();
  TIFF *tif = TIFFOpen(path, s->big_endian ? "wb" : "wl");
  g_assert_nonnull(tif);
  int photometric = s->photometric;
  if (s->min_is_white)
    photometric = PHOTOMETRIC_MINISWHITE;
  else if (photometric == 0)
    photometric = s->spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t) s->width);
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t) s->height);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, (uint16_t) s->spp);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, (uint16_t) s->bps);
  TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT,
               (uint16_t) (s->format != 0 ? s->format : SAMPLEFORMAT_UINT));
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, (uint16_t) photometric);
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG,
               (uint16_t) (s->separate ? PLANARCONFIG_SEPARATE : PLANARCONFIG_CONTIG));
  TIFFSetField(tif, TIFFTAG_COMPRESSION,
               (uint16_t) (s->compression != 0 ? s->compression : COMPRESSION_NONE));
  if (s->predictor != 0)
    TIFFSetField(tif, TIFFTAG_PREDICTOR, (uint16_t) s->predictor);
  if ((photometric == PHOTOMETRIC_RGB && s->spp > 3) ||
      (photometric == PHOTOMETRIC_MINISBLACK && s->spp > 1)) {
    uint16_t extra = EXTRASAMPLE_UNASSALPHA;
    TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, (uint16_t) 1, &extra);
  }
  if (s->colormap != NULL) {
    int n = 1 << s->bps;
    TIFFSetField(tif, TIFFTAG_COLORMAP, s->colormap, s->colormap + n, s->colormap + 2 * n);
  }
  if (s->zeiss != NULL)
    g_assert_true(TIFFSetField(tif, PATINA_TIFF_TAG_ZEISS_SEM, (uint32_t) strlen(s->zeiss) + 1,
                               s->zeiss));
  if (s->fei != NULL)
    g_assert_true(TIFFSetField(tif, PATINA_TIFF_TAG_FEI_HELIOS, (uint32_t) strlen(s->fei) + 1,
                               s->fei));
  if (s->fei_xml != NULL)
    g_assert_true(TIFFSetField(tif, PATINA_TIFF_TAG_FEI_SFEG, (uint32_t) strlen(s->fei_xml) + 1,
                               s->fei_xml));

  const guint8 *px = samples;
  gsize row_bytes = ((gsize) s->width * s->spp * s->bps + 7) / 8; /* contiguous row */
  gsize sample_bytes = s->bps >= 8 ? (gsize) s->bps / 8 : 0;
  int planes = s->separate ? s->spp : 1;
  int chunk_spp = s->separate ? 1 : s->spp;
  if (s->tile > 0) {
    TIFFSetField(tif, TIFFTAG_TILEWIDTH, (uint32_t) s->tile);
    TIFFSetField(tif, TIFFTAG_TILELENGTH, (uint32_t) s->tile);
    g_assert_cmpint(s->bps, >=, 8);
    gsize tile_bytes = (gsize) s->tile * s->tile * chunk_spp * sample_bytes;
    g_autofree guint8 *buf = g_malloc(tile_bytes);
    for (int p = 0; p < planes; p++)
      for (int ty = 0; ty < s->height; ty += s->tile)
        for (int tx = 0; tx < s->width; tx += s->tile) {
          memset(buf, 0, tile_bytes);
          for (int y = ty; y < MIN(ty + s->tile, s->height); y++)
            for (int x = tx; x < MIN(tx + s->tile, s->width); x++)
              for (int c = 0; c < chunk_spp; c++) {
                int sc = s->separate ? p : c;
                memcpy(buf + (((gsize) (y - ty) * s->tile + (x - tx)) * chunk_spp + c) *
                                 sample_bytes,
                       px + (((gsize) y * s->width + x) * s->spp + sc) * sample_bytes,
                       sample_bytes);
              }
          g_assert_cmpint(TIFFWriteTile(tif, buf, tx, ty, 0, (uint16_t) p), >=, 0);
        }
  } else {
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP,
                 s->rows_per_strip > 0 ? (uint32_t) s->rows_per_strip
                                       : TIFFDefaultStripSize(tif, 0));
    g_autofree guint8 *line = g_malloc(row_bytes);
    for (int p = 0; p < planes; p++)
      for (int y = 0; y < s->height; y++) {
        const guint8 *row = px + (gsize) y * row_bytes;
        if (!s->separate) {
          memcpy(line, row, row_bytes);
        } else {
          for (int x = 0; x < s->width; x++)
            memcpy(line + (gsize) x * sample_bytes,
                   row + ((gsize) x * s->spp + p) * sample_bytes, sample_bytes);
        }
        g_assert_cmpint(TIFFWriteScanline(tif, line, (uint32_t) y, (uint16_t) p), ==, 1);
      }
  }
  for (int page = 0; page < s->extra_pages; page++) {
    g_assert_true(TIFFWriteDirectory(tif));
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t) 16);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t) 16);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, (uint16_t) 1);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, (uint16_t) 8);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, (uint16_t) PHOTOMETRIC_MINISBLACK);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, (uint32_t) 16);
    guint8 row[16];
    memset(row, 200, sizeof row);
    for (int y = 0; y < 16; y++)
      g_assert_cmpint(TIFFWriteScanline(tif, row, (uint32_t) y, 0), ==, 1);
  }
  TIFFClose(tif);
}

guint32 fixture_raw_tail_offset(int n_entries)
{
  return 8 + 2 + 12 * (guint32) n_entries + 4;
}

static void put16(GByteArray *a, guint16 v)
{
  guint8 b[2] = {v & 0xFF, v >> 8};
  g_byte_array_append(a, b, 2);
}

static void put32(GByteArray *a, guint32 v)
{
  guint8 b[4] = {v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, v >> 24};
  g_byte_array_append(a, b, 4);
}

GBytes *fixture_raw_tiff(const FixtureEntry *e, int n, const void *tail, gsize tail_len)
{
  GByteArray *a = g_byte_array_new();
  g_byte_array_append(a, (const guint8 *) "II*\0", 4);
  put32(a, 8);
  put16(a, (guint16) n);
  for (int i = 0; i < n; i++) {
    put16(a, e[i].tag);
    put16(a, e[i].type);
    put32(a, e[i].count);
    if (e[i].type == TIFF_SHORT && e[i].count == 1) {
      put16(a, (guint16) e[i].value);
      put16(a, 0);
    } else {
      put32(a, e[i].value);
    }
  }
  put32(a, 0);
  if (tail_len > 0)
    g_byte_array_append(a, tail, (guint) tail_len);
  return g_byte_array_free_to_bytes(a);
}

void fixture_write_bytes(const char *path, GBytes *bytes)
{
  gsize len;
  const char *data = g_bytes_get_data(bytes, &len);
  g_assert_true(g_file_set_contents(path, data, (gssize) len, NULL));
}
