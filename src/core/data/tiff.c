#include "tiff.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <tiffio.h>
#include <unistd.h>

/* ---- tags ------------------------------------------------------------------------------- */

static TIFFExtendProc parent_extender;

static void sem_tag_extender(TIFF *tif)
{
  /* Counted ASCII (TIFF_VARIABLE2 with passcount): TIFFGetField gives the byte count as well,
   * so text with embedded NULs, as some instruments write, is read whole; libtiff also accepts
   * the tags stored as BYTE or UNDEFINED. */
  static const TIFFFieldInfo fields[] = {
    {PATINA_TIFF_TAG_ZEISS_SEM, TIFF_VARIABLE2, TIFF_VARIABLE2, TIFF_ASCII, FIELD_CUSTOM, 1, 1,
     (char *) "CZ_SEM"},
    {PATINA_TIFF_TAG_FEI_SFEG, TIFF_VARIABLE2, TIFF_VARIABLE2, TIFF_ASCII, FIELD_CUSTOM, 1, 1,
     (char *) "FEI_SFEG"},
    {PATINA_TIFF_TAG_FEI_HELIOS, TIFF_VARIABLE2, TIFF_VARIABLE2, TIFF_ASCII, FIELD_CUSTOM, 1,
     1, (char *) "FEI_HELIOS"},
  };
  TIFFMergeFieldInfo(tif, fields, G_N_ELEMENTS(fields));
  if (parent_extender != NULL)
    parent_extender(tif);
}

void patina_tiff_register_sem_tags(void)
{
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    parent_extender = TIFFSetTagExtender(sem_tag_extender);
    g_once_init_leave(&once, 1);
  }
}

gboolean patina_tiff_sniff(const guint8 *head, gsize len)
{
  if (head == NULL || len < 4)
    return FALSE;
  return (head[0] == 'I' && head[1] == 'I' && (head[2] == 42 || head[2] == 43) && head[3] == 0) ||
         (head[0] == 'M' && head[1] == 'M' && head[2] == 0 && (head[3] == 42 || head[3] == 43));
}

/* ---- I/O: a read-only client over memory or a file descriptor ---------------------------- */

typedef struct {
  const guint8 *data; /* memory source, or NULL for fd */
  int fd;
  guint64 size, pos;
} Source;

static tmsize_t src_read(thandle_t h, void *buf, tmsize_t size)
{
  Source *s = h;
  if (size <= 0 || s->pos >= s->size)
    return 0;
  guint64 n = MIN((guint64) size, s->size - s->pos);
  if (s->data != NULL) {
    memcpy(buf, s->data + s->pos, n);
    s->pos += n;
    return (tmsize_t) n;
  }
  guint64 done = 0;
  while (done < n) {
    ssize_t r = pread(s->fd, (char *) buf + done, n - done, (off_t) (s->pos + done));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      if (done == 0)
        return -1;
      break;
    }
    if (r == 0)
      break;
    done += (guint64) r;
  }
  s->pos += done;
  return (tmsize_t) done;
}

static tmsize_t src_write(thandle_t h, void *buf, tmsize_t size)
{
  (void) h, (void) buf, (void) size;
  return -1;
}

static toff_t src_seek(thandle_t h, toff_t off, int whence)
{
  Source *s = h;
  guint64 base;
  switch (whence) {
  case SEEK_SET:
    base = 0;
    break;
  case SEEK_CUR:
    base = s->pos;
    break;
  case SEEK_END:
    base = s->size;
    break;
  default:
    return (toff_t) -1;
  }
  guint64 pos = base + off;
  /* Offsets are unsigned; anything past what off_t holds cannot be a real position. */
  if (pos < base || pos > (guint64) G_MAXINT64)
    return (toff_t) -1;
  s->pos = pos;
  return pos;
}

static int src_close(thandle_t h)
{
  (void) h;
  return 0;
}

static toff_t src_size(thandle_t h)
{
  return ((Source *) h)->size;
}

static int src_map(thandle_t h, void **base, toff_t *size)
{
  (void) h, (void) base, (void) size;
  return 0;
}

static void src_unmap(thandle_t h, void *base, toff_t size)
{
  (void) h, (void) base, (void) size;
}

/* ---- messages ---------------------------------------------------------------------------- */

typedef struct {
  GString *errors;
  guint n_warnings;
  const char *shown;
} Messages;

static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
  (void) tif, (void) module;
  Messages *m = user;
  if (m->errors->len < 512) {
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    /* Our message names the file already. */
    const char *t = text;
    gsize n = strlen(m->shown);
    if (strncmp(t, m->shown, n) == 0 && t[n] == ':' && t[n + 1] == ' ')
      t += n + 2;
    if (m->errors->len > 0)
      g_string_append(m->errors, "; ");
    g_string_append(m->errors, t);
  }
  return 1; /* handled: nothing reaches libtiff's global handler (stderr) */
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
  (void) tif;
  Messages *m = user;
  /* Warnings (unknown tags, odd but readable values) do not stop a load; the first few go to
   * the debug log. */
  if (m->n_warnings++ < 3) {
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    g_debug("libtiff warning (%s): %s", module != NULL ? module : "", text);
  }
  return 1;
}

static const char *why(const Messages *m, const char *fallback)
{
  return m->errors->len > 0 ? m->errors->str : fallback;
}

/* ---- samples ----------------------------------------------------------------------------- */

typedef enum { KIND_U8, KIND_U16, KIND_F32, KIND_F64 } Kind;

/* Converts n pixels of `take` samples, starting at sample `first` of each src pixel of
 * src_spp samples, into dst pixels of dst_ch channels from channel dst_first. Returns FALSE
 * and the pixel's index at the first non-finite float sample. */
static gboolean convert(const guint8 *src, gsize n, int src_spp, int first, int take, Kind kind,
                        gboolean invert, float *dst, int dst_ch, int dst_first, gsize *bad)
{
  switch (kind) {
  case KIND_U8:
    for (gsize i = 0; i < n; i++)
      for (int c = 0; c < take; c++) {
        float v = src[i * src_spp + first + c] / 255.0f;
        dst[i * dst_ch + dst_first + c] = invert ? 1.0f - v : v;
      }
    return TRUE;
  case KIND_U16:
    for (gsize i = 0; i < n; i++)
      for (int c = 0; c < take; c++) {
        guint16 u;
        memcpy(&u, src + 2 * (i * src_spp + first + c), 2);
        float v = u / 65535.0f;
        dst[i * dst_ch + dst_first + c] = invert ? 1.0f - v : v;
      }
    return TRUE;
  case KIND_F32:
    for (gsize i = 0; i < n; i++)
      for (int c = 0; c < take; c++) {
        float v;
        memcpy(&v, src + 4 * (i * src_spp + first + c), 4);
        if (!isfinite(v)) {
          *bad = i;
          return FALSE;
        }
        dst[i * dst_ch + dst_first + c] = invert ? 1.0f - v : v;
      }
    return TRUE;
  case KIND_F64:
  default:
    for (gsize i = 0; i < n; i++)
      for (int c = 0; c < take; c++) {
        double d;
        memcpy(&d, src + 8 * (i * src_spp + first + c), 8);
        if (!isfinite(d) || fabs(d) > FLT_MAX) {
          *bad = i;
          return FALSE;
        }
        float v = (float) d;
        dst[i * dst_ch + dst_first + c] = invert ? 1.0f - v : v;
      }
    return TRUE;
  }
}

static void set_bad_value(GError **error, const char *shown, gsize pixel, guint32 w)
{
  g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_BAD_VALUE,
              "%s: float sample at pixel (x %" G_GSIZE_FORMAT ", y %" G_GSIZE_FORMAT
              ") is NaN or infinite; Patina refuses non-finite pixels",
              shown, pixel % w, pixel / w);
}

/* ---- decoding ---------------------------------------------------------------------------- */

static void read_sem_tags(TIFF *tif, PatinaSemInfo *sem)
{
  uint32_t count = 0;
  const char *text = NULL;
  if (TIFFGetField(tif, PATINA_TIFF_TAG_ZEISS_SEM, &count, &text) && text != NULL && count > 0)
    patina_sem_parse_zeiss(text, count, sem);
  count = 0;
  text = NULL;
  if (TIFFGetField(tif, PATINA_TIFF_TAG_FEI_HELIOS, &count, &text) && text != NULL && count > 0)
    patina_sem_parse_fei(text, count, sem);
  count = 0;
  text = NULL;
  if (TIFFGetField(tif, PATINA_TIFF_TAG_FEI_SFEG, &count, &text) && text != NULL) {
    sem->sources |= PATINA_SEM_FEI_XML;
    /* Usually XML, only noted; some software stores the INI text here. */
    gsize i = 0;
    while (i < count && g_ascii_isspace(text[i]))
      i++;
    if (i < count && text[i] == '[')
      patina_sem_parse_fei(text + i, count - i, sem);
  }
}

static PatinaImage *decode_native(TIFF *tif, const char *shown, guint32 w, guint32 h,
                                  int channels, guint16 spp, guint16 bps, Kind kind,
                                  gboolean separate, gboolean invert,
                                  const PatinaLoadLimits *lim, Messages *msgs, GError **error)
{
  gsize bytes_ps = bps / 8;
  int planes = separate ? channels : 1;
  int chunk_spp = separate ? 1 : spp;
  int take = separate ? 1 : channels;

  g_autofree float *out = g_try_malloc((gsize) w * h * channels * sizeof(float));
  if (out == NULL) {
    g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_TOO_LARGE,
                "%s: not enough memory for %u×%u pixels", shown, w, h);
    return NULL;
  }
  /* One chunk (strip or tile) may be the whole raw image: up to 8 bytes a sample against the
   * decoded 4, so twice the decoded limit bounds it. */
  guint64 chunk_cap = lim->max_bytes * 2;
  gsize bad = 0;

  if (TIFFIsTiled(tif)) {
    uint32_t tw = 0, th = 0;
    if (!TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw) || !TIFFGetField(tif, TIFFTAG_TILELENGTH, &th) ||
        tw == 0 || th == 0) {
      g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT,
                  "%s: tiled TIFF without a valid TileWidth/TileLength", shown);
      return NULL;
    }
    guint64 tile_bytes = 0;
    if (!g_uint64_checked_mul(&tile_bytes, (guint64) tw * th, (guint64) chunk_spp * bytes_ps) ||
        tile_bytes > chunk_cap) {
      g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_TOO_LARGE,
                  "%s: TIFF tiles of %u×%u pixels are larger than the decoding limit", shown,
                  tw, th);
      return NULL;
    }
    if (TIFFTileSize64(tif) != tile_bytes) {
      g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT,
                  "%s: TIFF tile layout is inconsistent (%s)", shown,
                  why(msgs, "tile size does not match its dimensions"));
      return NULL;
    }
    g_autofree guint8 *buf = g_try_malloc(tile_bytes);
    if (buf == NULL) {
      g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_TOO_LARGE,
                  "%s: not enough memory for a %u×%u tile", shown, tw, th);
      return NULL;
    }
    guint32 n_tiles = TIFFNumberOfTiles(tif);
    for (int p = 0; p < planes; p++)
      for (guint32 ty = 0; ty < h; ty += th)
        for (guint32 tx = 0; tx < w; tx += tw) {
          guint32 tile = TIFFComputeTile(tif, tx, ty, 0, (uint16_t) p);
          if (tile >= n_tiles) {
            g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT,
                        "%s: TIFF declares %u tiles, too few for %u×%u pixels", shown, n_tiles,
                        w, h);
            return NULL;
          }
          tmsize_t got = TIFFReadEncodedTile(tif, tile, buf, (tmsize_t) tile_bytes);
          if (got < 0 || (guint64) got < tile_bytes) {
            g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT,
                        "%s: cannot decode TIFF tile %u of %u (%s)", shown, tile, n_tiles,
                        why(msgs, "truncated or corrupt data"));
            return NULL;
          }
          guint32 rows = MIN(th, h - ty), cols = MIN(tw, w - tx);
          for (guint32 r = 0; r < rows; r++) {
            gsize first_px = (gsize) (ty + r) * w + tx;
            if (!convert(buf + (gsize) r * tw * chunk_spp * bytes_ps, cols, chunk_spp, 0, take,
                         kind, invert, out + first_px * channels, channels, separate ? p : 0,
                         &bad)) {
              set_bad_value(error, shown, first_px + bad, w);
              return NULL;
            }
          }
        }
  } else {
    uint32_t rps = 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
    if (rps == 0 || rps > h)
      rps = h;
    guint64 row_bytes = (guint64) w * chunk_spp * bytes_ps;
    guint64 strip_bytes = row_bytes * rps;
    if (strip_bytes > chunk_cap) {
      g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_TOO_LARGE,
                  "%s: TIFF strips of %u rows are larger than the decoding limit", shown, rps);
      return NULL;
    }
    guint32 per_plane = h / rps + (h % rps != 0);
    guint32 n_strips = TIFFNumberOfStrips(tif);
    if ((guint64) per_plane * (separate ? spp : 1) > n_strips) {
      g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT,
                  "%s: TIFF declares %u strips, too few for %u rows of %u per strip", shown,
                  n_strips, h, rps);
      return NULL;
    }
    g_autofree guint8 *buf = g_try_malloc(strip_bytes);
    if (buf == NULL) {
      g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_TOO_LARGE,
                  "%s: not enough memory for a strip of %u rows", shown, rps);
      return NULL;
    }
    for (int p = 0; p < planes; p++)
      for (guint32 s = 0; s < per_plane; s++) {
        guint32 row0 = s * rps, rows = MIN(rps, h - row0);
        guint64 want = row_bytes * rows;
        guint32 strip = (guint32) p * per_plane + s;
        tmsize_t got = TIFFReadEncodedStrip(tif, strip, buf, (tmsize_t) want);
        if (got < 0 || (guint64) got < want) {
          g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT,
                      "%s: cannot decode TIFF strip %u of %u, rows %u–%u (%s)", shown, strip,
                      n_strips, row0, row0 + rows - 1, why(msgs, "truncated or corrupt data"));
          return NULL;
        }
        gsize first_px = (gsize) row0 * w;
        if (!convert(buf, (gsize) rows * w, chunk_spp, 0, take, kind, invert,
                     out + first_px * channels, channels, separate ? p : 0, &bad)) {
          set_bad_value(error, shown, first_px + bad, w);
          return NULL;
        }
      }
  }

  PatinaImage *img = g_new0(PatinaImage, 1);
  img->width = (int) w;
  img->height = (int) h;
  img->channels = channels;
  img->bits_per_sample = bps;
  img->is_float = kind == KIND_F32 || kind == KIND_F64;
  img->data = g_steal_pointer(&out);
  return img;
}

/* Palette, bilevel, YCbCr, CMYK, ...: libtiff's RGBA reader, 8 bits per channel. */
static PatinaImage *decode_rgba(TIFF *tif, const char *shown, guint32 w, guint32 h,
                                int channels, guint16 bps, Messages *msgs, GError **error)
{
  g_autofree guint32 *raster = g_try_malloc((gsize) w * h * sizeof(guint32));
  g_autofree float *out = g_try_malloc((gsize) w * h * channels * sizeof(float));
  if (raster == NULL || out == NULL) {
    g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_TOO_LARGE,
                "%s: not enough memory for %u×%u pixels", shown, w, h);
    return NULL;
  }
  if (!TIFFReadRGBAImageOriented(tif, w, h, raster, ORIENTATION_TOPLEFT, 1)) {
    g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT,
                "%s: cannot decode TIFF (%s)", shown, why(msgs, "truncated or corrupt data"));
    return NULL;
  }
  gsize n = (gsize) w * h;
  for (gsize i = 0; i < n; i++) {
    guint32 px = raster[i];
    if (channels == 1) {
      out[i] = TIFFGetR(px) / 255.0f;
    } else {
      out[3 * i] = TIFFGetR(px) / 255.0f;
      out[3 * i + 1] = TIFFGetG(px) / 255.0f;
      out[3 * i + 2] = TIFFGetB(px) / 255.0f;
    }
  }
  PatinaImage *img = g_new0(PatinaImage, 1);
  img->width = (int) w;
  img->height = (int) h;
  img->channels = channels;
  img->bits_per_sample = bps;
  img->data = g_steal_pointer(&out);
  return img;
}

static const char *format_name(guint16 fmt)
{
  switch (fmt) {
  case SAMPLEFORMAT_UINT:
    return "unsigned integer";
  case SAMPLEFORMAT_INT:
    return "signed integer";
  case SAMPLEFORMAT_IEEEFP:
    return "float";
  case SAMPLEFORMAT_VOID:
    return "untyped";
  default:
    return "complex or unknown";
  }
}

static PatinaImage *decode(TIFF *tif, guint64 file_size, const char *shown,
                           const PatinaLoadLimits *lim, Messages *msgs, GError **error)
{
  uint32_t w = 0, h = 0;
  if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h)) {
    g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT,
                "%s: TIFF without ImageWidth or ImageLength", shown);
    return NULL;
  }
  if (w == 0 || h == 0) {
    g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT,
                "%s: TIFF declares an empty image (%u×%u pixels)", shown, w, h);
    return NULL;
  }
  uint16_t spp = 1, bps = 1, fmt = SAMPLEFORMAT_UINT, planar = PLANARCONFIG_CONTIG,
           compression = COMPRESSION_NONE, photo = 0;
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &fmt);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
  if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo))
    photo = spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
  if (spp == 0 || bps == 0) {
    g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT,
                "%s: TIFF declares %u samples of %u bits per pixel", shown, spp, bps);
    return NULL;
  }

  gboolean gray = photo == PHOTOMETRIC_MINISBLACK || photo == PHOTOMETRIC_MINISWHITE;
  /* Gray or RGB, possibly with alpha or other extra samples (dropped); more than 8 samples
   * per pixel is no photograph. */
  gboolean native = spp <= 8 && ((gray && spp >= 1) || (photo == PHOTOMETRIC_RGB && spp >= 3));
  int channels = gray ? 1 : 3;
  Kind kind = KIND_U8;
  gboolean integer = fmt == SAMPLEFORMAT_UINT || fmt == SAMPLEFORMAT_VOID;
  if (native) {
    if (bps == 8 && integer)
      kind = KIND_U8;
    else if (bps == 16 && integer)
      kind = KIND_U16;
    else if (bps == 32 && fmt == SAMPLEFORMAT_IEEEFP)
      kind = KIND_F32;
    else if (bps == 64 && fmt == SAMPLEFORMAT_IEEEFP)
      kind = KIND_F64;
    else if (integer && bps < 8)
      native = FALSE; /* 1-, 2-, 4-bit: the RGBA reader expands them */
    else {
      g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_UNSUPPORTED,
                  "%s: TIFF has %u-bit %s samples; Patina reads 8- and 16-bit unsigned and "
                  "32- or 64-bit float samples",
                  shown, bps, format_name(fmt));
      return NULL;
    }
  }
  if (!native) {
    char emsg[1024] = "";
    if (!TIFFRGBAImageOK(tif, emsg)) {
      g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_UNSUPPORTED,
                  "%s: a kind of TIFF Patina cannot read (%s)", shown,
                  emsg[0] != '\0' ? emsg : why(msgs, "unknown layout"));
      return NULL;
    }
  }

  /* Everything below allocates: the declared size is judged first. */
  if (!patina_image_check_size(w, h, channels, lim, shown, error))
    return NULL;
  if (native && compression == COMPRESSION_NONE) {
    /* Uncompressed pixels cannot take fewer bytes than the file has: a header that lies
     * about its size is refused here, before a buffer for its claim is made. */
    guint64 needed = (guint64) w * h * spp * (bps / 8);
    if (needed > file_size) {
      g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT,
                  "%s: TIFF is truncated: %u×%u uncompressed pixels need %" G_GUINT64_FORMAT
                  " bytes, the file has %" G_GUINT64_FORMAT,
                  shown, w, h, needed, file_size);
      return NULL;
    }
  }

  PatinaImage *img;
  if (native)
    img = decode_native(tif, shown, w, h, channels, spp, bps, kind,
                        planar == PLANARCONFIG_SEPARATE && spp > 1,
                        photo == PHOTOMETRIC_MINISWHITE, lim, msgs, error);
  else
    img = decode_rgba(tif, shown, w, h, channels, bps, msgs, error);
  if (img != NULL)
    read_sem_tags(tif, &img->sem);
  return img;
}

static PatinaImage *load_source(Source *src, const char *shown, const PatinaLoadLimits *limits,
                                GError **error)
{
  PatinaLoadLimits lim;
  patina_image_limits_resolve(limits, &lim);
  patina_tiff_register_sem_tags();

  Messages msgs = {g_string_new(NULL), 0, shown};
  TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
  TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, &msgs);
  TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, &msgs);
  /* libtiff's own buffers (strip offsets, compressed strips, tags) stay within the limit. */
  TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t) MIN(lim.max_bytes, (guint64) G_MAXSSIZE));
  /* "m": no memory mapping, the client reads (a file truncated while mapped would SIGBUS). */
  TIFF *tif = TIFFClientOpenExt(shown, "rm", src, src_read, src_write, src_seek, src_close,
                                src_size, src_map, src_unmap, opts);
  TIFFOpenOptionsFree(opts);
  PatinaImage *img = NULL;
  if (tif == NULL) {
    g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT,
                "%s: not a readable TIFF, truncated or corrupt (%s)", shown,
                why(&msgs, "no valid directory"));
  } else {
    img = decode(tif, src->size, shown, &lim, &msgs, error);
    TIFFClose(tif);
  }
  g_string_free(msgs.errors, TRUE);
  return img;
}

PatinaImage *patina_tiff_load_memory(const guint8 *data, gsize len, const char *shown,
                                     const PatinaLoadLimits *limits, GError **error)
{
  g_return_val_if_fail(data != NULL || len == 0, NULL);
  static const guint8 empty[1] = {0};
  Source src = {data != NULL ? data : empty, -1, len, 0};
  return load_source(&src, shown != NULL ? shown : "TIFF", limits, error);
}

PatinaImage *patina_tiff_load_fd(int fd, const char *shown, const PatinaLoadLimits *limits,
                                 GError **error)
{
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: cannot read (%s)", shown,
                g_strerror(e));
    return NULL;
  }
  Source src = {NULL, fd, (guint64) MAX(st.st_size, 0), 0};
  return load_source(&src, shown, limits, error);
}
