#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tiff.h"

G_DEFINE_QUARK(patina-image-error-quark, patina_image_error)

/* Limits a caller may raise: beyond these a width or a byte count no longer fits the int and
 * gsize arithmetic of the pipeline comfortably. */
#define HARD_MAX_SIDE (1 << 20)
#define HARD_MAX_BYTES (G_GUINT64_CONSTANT(1) << 40)

void patina_image_limits_resolve(const PatinaLoadLimits *in, PatinaLoadLimits *out)
{
  out->max_width = PATINA_IMAGE_MAX_SIDE;
  out->max_height = PATINA_IMAGE_MAX_SIDE;
  out->max_bytes = PATINA_IMAGE_MAX_BYTES;
  if (in == NULL)
    return;
  if (in->max_width > 0)
    out->max_width = MIN(in->max_width, HARD_MAX_SIDE);
  if (in->max_height > 0)
    out->max_height = MIN(in->max_height, HARD_MAX_SIDE);
  if (in->max_bytes > 0)
    out->max_bytes = MIN(in->max_bytes, HARD_MAX_BYTES);
}

gboolean patina_image_check_size(guint64 width, guint64 height, int channels,
                                 const PatinaLoadLimits *lim, const char *shown, GError **error)
{
  if (width > (guint64) lim->max_width || height > (guint64) lim->max_height) {
    g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_TOO_LARGE,
                "%s: image declares %" G_GUINT64_FORMAT "×%" G_GUINT64_FORMAT
                " pixels; the largest Patina accepts is %d×%d",
                shown, width, height, lim->max_width, lim->max_height);
    return FALSE;
  }
  guint64 bytes = width * height * (guint64) channels * sizeof(float);
  if (bytes > lim->max_bytes) {
    g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_TOO_LARGE,
                "%s: image declares %" G_GUINT64_FORMAT "×%" G_GUINT64_FORMAT
                " pixels of %d channel%s, %.1f MiB decoded; the limit is %.1f MiB",
                shown, width, height, channels, channels == 1 ? "" : "s",
                bytes / 1048576.0, lim->max_bytes / 1048576.0);
    return FALSE;
  }
  return TRUE;
}

void patina_image_free(PatinaImage *img)
{
  if (img == NULL)
    return;
  g_free(img->data);
  g_free(img);
}

void patina_gray_free(PatinaGray *img)
{
  if (img == NULL)
    return;
  g_free(img->pixels);
  g_free(img);
}

/* Walks a JPEG's marker segments to its EOI. gdk-pixbuf's JPEG loader fills a cut-off scan
 * with gray and reports success; PIL refuses such a file ("image file is truncated"), and a
 * half-copied micrograph must not slip into a training set unnoticed. */
static gboolean jpeg_is_complete(const guint8 *d, gsize n)
{
  gsize i = 2;
  while (i + 2 <= n) {
    if (d[i] != 0xFF)
      return FALSE;
    guint8 m = d[i + 1];
    if (m == 0xFF) { /* fill byte before a marker */
      i++;
      continue;
    }
    if (m == 0xD9)
      return TRUE;
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { /* markers without a length */
      i += 2;
      continue;
    }
    if (i + 4 > n)
      return FALSE;
    gsize len = ((gsize) d[i + 2] << 8) | d[i + 3];
    if (len < 2)
      return FALSE;
    i += 2 + len;
    if (m != 0xDA)
      continue;
    /* Entropy-coded data runs to the next marker that is neither a stuffed 0xFF00 nor a
     * restart marker. */
    while (i + 1 < n) {
      guint8 next = d[i + 1];
      if (d[i] == 0xFF && next != 0x00 && (next < 0xD0 || next > 0xD7))
        break;
      i++;
    }
  }
  return FALSE;
}

/* Walks a PNG's chunks to IEND, for the same reason as jpeg_is_complete: libpng leaves the
 * rows of a cut-off file gray and gdk-pixbuf reports success. */
static gboolean png_is_complete(const guint8 *d, gsize n)
{
  gsize i = 8; /* signature */
  while (i + 12 <= n) {
    guint64 len = ((guint64) d[i] << 24) | ((guint64) d[i + 1] << 16) |
                  ((guint64) d[i + 2] << 8) | d[i + 3];
    if (memcmp(d + i + 4, "IEND", 4) == 0)
      return TRUE;
    i += 12 + len; /* length, type, data, CRC */
  }
  return FALSE;
}

typedef struct {
  int width, height;
  const PatinaLoadLimits *limits;
  gboolean too_big;
} DeclaredSize;

/* Refuses a huge declared size the way gdk_pixbuf_get_file_info stops its loader: a zero
 * target size makes the format module bail out before it allocates the pixel buffer. */
static void on_size_prepared(GdkPixbufLoader *loader, int width, int height, gpointer data)
{
  DeclaredSize *declared = data;
  declared->width = width;
  declared->height = height;
  if (width <= 0 || height <= 0 ||
      !patina_image_check_size(width, height, 3, declared->limits, "", NULL)) {
    declared->too_big = TRUE;
    gdk_pixbuf_loader_set_size(loader, 0, 0);
  }
}

/* PNG, JPEG, BMP, GIF, ...: gdk-pixbuf at 8 bits per channel. */
static PatinaImage *decode_pixbuf(const guint8 *data, gsize len, const char *shown,
                                  const PatinaLoadLimits *lim, GError **error)
{
  if (len >= 2 && data[0] == 0xFF && data[1] == 0xD8 && !jpeg_is_complete(data, len)) {
    g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT,
                "%s: not an image gdk-pixbuf can read (JPEG data is truncated or corrupt)",
                shown);
    return NULL;
  }
  static const guint8 png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (len >= 8 && memcmp(data, png_signature, 8) == 0 && !png_is_complete(data, len)) {
    g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT,
                "%s: not an image gdk-pixbuf can read (PNG data is truncated: no IEND chunk)",
                shown);
    return NULL;
  }

  /* A loader over the bytes read once, rather than gdk_pixbuf_new_from_file, so the size can
   * be refused from the header and the checks above see the same bytes. */
  g_autoptr(GError) local = NULL;
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new();
  DeclaredSize declared = {0, 0, lim, FALSE};
  g_signal_connect(loader, "size-prepared", G_CALLBACK(on_size_prepared), &declared);
  gboolean ok = gdk_pixbuf_loader_write(loader, data, len, &local);
  /* close() must run even after a failed write, or the loader warns on finalize. */
  gboolean closed = gdk_pixbuf_loader_close(loader, ok ? &local : NULL);
  GdkPixbuf *pb = gdk_pixbuf_loader_get_pixbuf(loader);
  if (declared.too_big) {
    /* Say it again with the message. */
    if (!patina_image_check_size(MAX(declared.width, 0), MAX(declared.height, 0), 3, lim, shown,
                                 error))
      return NULL;
    g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT,
                "%s: image declares %d×%d pixels", shown, declared.width, declared.height);
    return NULL;
  }
  if (!ok || !closed || pb == NULL) {
    g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CORRUPT,
                "%s: not an image gdk-pixbuf can read (%s)", shown,
                local != NULL ? local->message : "no image data");
    return NULL;
  }

  int w = gdk_pixbuf_get_width(pb);
  int h = gdk_pixbuf_get_height(pb);
  int nch = gdk_pixbuf_get_n_channels(pb);
  if (w <= 0 || h <= 0 || gdk_pixbuf_get_bits_per_sample(pb) != 8 || nch < 3) {
    g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_UNSUPPORTED,
                "%s: decoded to an unsupported layout (%d×%d, %d channels, %d bits)", shown, w,
                h, nch, gdk_pixbuf_get_bits_per_sample(pb));
    return NULL;
  }
  if (!patina_image_check_size(w, h, 3, lim, shown, error))
    return NULL;

  int stride = gdk_pixbuf_get_rowstride(pb);
  const guint8 *px = gdk_pixbuf_read_pixels(pb);
  /* Most SEM files are gray stored as RGB: those become one channel. */
  gboolean all_gray = TRUE;
  for (int y = 0; y < h && all_gray; y++) {
    const guint8 *row = px + (gsize) y * stride;
    for (int x = 0; x < w; x++) {
      const guint8 *p = row + (gsize) x * nch;
      if (p[0] != p[1] || p[1] != p[2]) {
        all_gray = FALSE;
        break;
      }
    }
  }
  int channels = all_gray ? 1 : 3;
  PatinaImage *img = g_new0(PatinaImage, 1);
  img->width = w;
  img->height = h;
  img->channels = channels;
  img->bits_per_sample = 8;
  img->data = g_new(float, (gsize) w * h * channels);
  for (int y = 0; y < h; y++) {
    const guint8 *row = px + (gsize) y * stride;
    float *out = img->data + (gsize) y * w * channels;
    for (int x = 0; x < w; x++)
      for (int c = 0; c < channels; c++)
        out[(gsize) x * channels + c] = row[(gsize) x * nch + c] / 255.0f;
  }
  return img;
}

static PatinaImage *decode_memory(const guint8 *data, gsize len, const char *shown,
                                  const PatinaLoadLimits *lim, GError **error)
{
  if (patina_tiff_sniff(data, len))
    return patina_tiff_load_memory(data, len, shown, lim, error);
  return decode_pixbuf(data, len, shown, lim, error);
}

PatinaImage *patina_image_load_memory(const void *data, gsize len, const char *name,
                                      const PatinaLoadLimits *limits, GError **error)
{
  g_return_val_if_fail(data != NULL || len == 0, NULL);
  PatinaLoadLimits lim;
  patina_image_limits_resolve(limits, &lim);
  static const guint8 empty[1] = {0};
  return decode_memory(data != NULL ? data : empty, len, name != NULL ? name : "image", &lim,
                       error);
}

static void set_errno_error(GError **error, int e, const char *shown)
{
  if (e == ENOENT)
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: no such file", shown);
  else
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: cannot read (%s)", shown,
                g_strerror(e));
}

/* Reads an open regular file whole, refusing one larger than max bytes. */
static guint8 *read_all(int fd, guint64 size, guint64 max, const char *shown, gsize *len,
                        GError **error)
{
  if (size > max) {
    g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_TOO_LARGE,
                "%s: file of %.1f MiB is larger than the %.1f MiB decoding limit", shown,
                size / 1048576.0, max / 1048576.0);
    return NULL;
  }
  guint8 *buf = g_try_malloc(size + 1);
  if (buf == NULL) {
    g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_TOO_LARGE,
                "%s: not enough memory to read %.1f MiB", shown, size / 1048576.0);
    return NULL;
  }
  gsize done = 0;
  while (done < size) {
    gssize r = read(fd, buf + done, size - done);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      set_errno_error(error, errno, shown);
      g_free(buf);
      return NULL;
    }
    if (r == 0)
      break; /* shrunk while reading: decode what is there */
    done += (gsize) r;
  }
  *len = done;
  return buf;
}

PatinaImage *patina_image_load(const char *path, const PatinaLoadLimits *limits,
                               GError **error)
{
  g_return_val_if_fail(path != NULL, NULL);
  g_autofree char *shown = g_filename_display_name(path);
  PatinaLoadLimits lim;
  patina_image_limits_resolve(limits, &lim);

  /* Non-blocking, so that a FIFO named like an image cannot hang a loader thread. */
  int fd = g_open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0) {
    set_errno_error(error, errno, shown);
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    set_errno_error(error, errno, shown);
    close(fd);
    return NULL;
  }
  if (!S_ISREG(st.st_mode)) {
    g_set_error(error, G_FILE_ERROR, S_ISDIR(st.st_mode) ? G_FILE_ERROR_ISDIR : G_FILE_ERROR_INVAL,
                "%s: not a regular file", shown);
    close(fd);
    return NULL;
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0)
    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);

  guint8 head[8] = {0};
  gssize got;
  do
    got = pread(fd, head, sizeof head, 0);
  while (got < 0 && errno == EINTR);
  if (got < 0) {
    set_errno_error(error, errno, shown);
    close(fd);
    return NULL;
  }

  PatinaImage *img;
  if (patina_tiff_sniff(head, (gsize) got)) {
    /* TIFF is read in place: a multi-page stack is not slurped for its first page. */
    img = patina_tiff_load_fd(fd, shown, &lim, error);
  } else {
    gsize len = 0;
    g_autofree guint8 *data = read_all(fd, (guint64) MAX(st.st_size, 0), lim.max_bytes, shown,
                                       &len, error);
    img = data != NULL ? decode_pixbuf(data, len, shown, &lim, error) : NULL;
  }
  close(fd);
  if (img == NULL)
    return NULL;

  g_autoptr(GError) sidecar_error = NULL;
  if (!patina_sem_read_sidecar(path, &img->sem, &sidecar_error))
    g_debug("%s: metadata sidecar skipped: %s", shown, sidecar_error->message);
  patina_sem_finish(&img->sem, img->width, img->height);
  return img;
}

PatinaGray *patina_gray_from_image(const PatinaImage *img)
{
  g_return_val_if_fail(img != NULL && img->data != NULL, NULL);
  g_return_val_if_fail(img->channels == 1 || img->channels == 3, NULL);
  PatinaGray *g = g_new0(PatinaGray, 1);
  g->width = img->width;
  g->height = img->height;
  g->sem = img->sem;
  g->bits_per_sample = img->bits_per_sample;
  gsize n = (gsize) img->width * img->height;
  g->pixels = g_new(float, n);
  g->databar.keep_rows = img->height;
  g->databar.reason = PATINA_DATABAR_NONE;
  if (img->channels == 1) {
    memcpy(g->pixels, img->data, n * sizeof(float));
    return g;
  }
  for (gsize i = 0; i < n; i++) {
    const float *p = img->data + 3 * i;
    /* BT.601 luma as PIL's convert("L"), kept in float; gray pixels are taken as they are,
     * free of the weights' rounding. */
    if (p[0] == p[1] && p[1] == p[2])
      g->pixels[i] = p[0];
    else
      g->pixels[i] = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
  }
  return g;
}

PatinaGray *patina_gray_load_full(const char *path, const PatinaLoadOptions *options,
                                  GError **error)
{
  g_return_val_if_fail(path != NULL, NULL);
  static const PatinaLoadOptions defaults = {NULL, PATINA_CROP_AUTO, 0};
  const PatinaLoadOptions *o = options != NULL ? options : &defaults;

  g_autoptr(PatinaImage) img = patina_image_load(path, o->limits, error);
  if (img == NULL)
    return NULL;
  g_autoptr(PatinaGray) g = patina_gray_from_image(img);

  PatinaDatabar bar = {g->height, 0, PATINA_DATABAR_NONE};
  switch (o->crop) {
  case PATINA_CROP_OFF:
    break;
  case PATINA_CROP_ROWS:
    if (o->crop_rows < 0 || o->crop_rows >= g->height) {
      g_autofree char *shown = g_filename_display_name(path);
      g_set_error(error, PATINA_IMAGE_ERROR, PATINA_IMAGE_ERROR_CROP,
                  "%s: cannot crop %d rows of data bar from an image %d rows high", shown,
                  o->crop_rows, g->height);
      return NULL;
    }
    bar.keep_rows = g->height - o->crop_rows;
    bar.bar_rows = o->crop_rows;
    bar.reason = PATINA_DATABAR_USER;
    break;
  case PATINA_CROP_AUTO:
  default:
    patina_databar_find(g->pixels, g->width, g->height, &g->sem, &bar);
    break;
  }
  g->databar = bar;
  if (bar.bar_rows > 0) {
    g->height = bar.keep_rows;
    g->pixels = g_renew(float, g->pixels, (gsize) g->width * g->height);
  }
  return g_steal_pointer(&g);
}

PatinaGray *patina_gray_load(const char *path, GError **error)
{
  return patina_gray_load_full(path, NULL, error);
}

/* PyTorch's linear source index (align_corners=False): half-pixel centres, clamped below at 0,
 * the right neighbour clamped to the last pixel. Float arithmetic as PyTorch does for float. */
static void source_index(int dst, float scale, int src_size, int *i0, int *i1, float *l1)
{
  float real = scale * ((float) dst + 0.5f) - 0.5f;
  if (real < 0.0f)
    real = 0.0f;
  int i = (int) real;
  if (i > src_size - 1)
    i = src_size - 1;
  float lambda = real - (float) i;
  *l1 = CLAMP(lambda, 0.0f, 1.0f);
  *i0 = i;
  *i1 = i < src_size - 1 ? i + 1 : i;
}

void patina_resize_bilinear(const float *src, int src_w, int src_h, float *dst, int dst_w,
                            int dst_h)
{
  g_return_if_fail(src != NULL && dst != NULL);
  g_return_if_fail(src_w > 0 && src_h > 0 && dst_w > 0 && dst_h > 0);

  float sx = (float) src_w / (float) dst_w;
  float sy = (float) src_h / (float) dst_h;
  g_autofree int *x0 = g_new(int, dst_w);
  g_autofree int *x1 = g_new(int, dst_w);
  g_autofree float *wx = g_new(float, dst_w);
  for (int x = 0; x < dst_w; x++)
    source_index(x, sx, src_w, &x0[x], &x1[x], &wx[x]);

  for (int y = 0; y < dst_h; y++) {
    int y0, y1;
    float h1;
    source_index(y, sy, src_h, &y0, &y1, &h1);
    float h0 = 1.0f - h1;
    const float *r0 = src + (gsize) y0 * src_w;
    const float *r1 = src + (gsize) y1 * src_w;
    float *out = dst + (gsize) y * dst_w;
    for (int x = 0; x < dst_w; x++) {
      float w1 = wx[x], w0 = 1.0f - w1;
      /* Blend along x within both source rows, then between them, as PyTorch does. */
      out[x] = h0 * (w0 * r0[x0[x]] + w1 * r0[x1[x]]) + h1 * (w0 * r1[x0[x]] + w1 * r1[x1[x]]);
    }
  }
}

gboolean patina_image_load_input_full(const char *path, int size, int channels,
                                      const PatinaLoadOptions *options, float *out,
                                      PatinaDatabar *databar, GError **error)
{
  g_return_val_if_fail(path != NULL && out != NULL, FALSE);
  g_return_val_if_fail(size > 0 && channels > 0, FALSE);

  g_autoptr(PatinaGray) img = patina_gray_load_full(path, options, error);
  if (img == NULL)
    return FALSE;
  if (databar != NULL)
    *databar = img->databar;
  gsize plane = (gsize) size * size;
  patina_resize_bilinear(img->pixels, img->width, img->height, out, size, size);
  for (int c = 1; c < channels; c++)
    memcpy(out + c * plane, out, plane * sizeof(float));
  return TRUE;
}

gboolean patina_image_load_input(const char *path, int size, int channels, float *out,
                                 GError **error)
{
  return patina_image_load_input_full(path, size, channels, NULL, out, NULL, error);
}
