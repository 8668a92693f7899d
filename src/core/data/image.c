#include "image.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <string.h>

/* A declared size beyond this is far larger than any SEM frame and would mostly be a broken or
 * hostile header asking for gigabytes. */
#define PATINA_IMAGE_MAX_SIDE 16384

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

typedef struct {
  int width, height;
  gboolean too_big;
} DeclaredSize;

/* Refuses a huge declared size the way gdk_pixbuf_get_file_info stops its loader: a zero
 * target size makes the format module bail out before it allocates the pixel buffer. */
static void on_size_prepared(GdkPixbufLoader *loader, int width, int height, gpointer data)
{
  DeclaredSize *declared = data;
  declared->width = width;
  declared->height = height;
  if (width > PATINA_IMAGE_MAX_SIDE || height > PATINA_IMAGE_MAX_SIDE) {
    declared->too_big = TRUE;
    gdk_pixbuf_loader_set_size(loader, 0, 0);
  }
}

static GdkPixbuf *decode(const char *path, const char *shown, GError **error)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents(path, (char **) &data, &len, &local)) {
    g_set_error(error, G_FILE_ERROR, local->code, "%s: cannot read (%s)", shown, local->message);
    return NULL;
  }
  if (len >= 2 && data[0] == 0xFF && data[1] == 0xD8 && !jpeg_is_complete(data, len)) {
    g_set_error(error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_CORRUPT_IMAGE,
                "%s: not an image gdk-pixbuf can read (JPEG data is truncated or corrupt)",
                shown);
    return NULL;
  }

  /* A loader over the bytes read once, rather than gdk_pixbuf_new_from_file, so the size can
   * be refused from the header and the JPEG check above sees the same bytes. */
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new();
  DeclaredSize declared = {0, 0, FALSE};
  g_signal_connect(loader, "size-prepared", G_CALLBACK(on_size_prepared), &declared);
  gboolean ok = gdk_pixbuf_loader_write(loader, data, len, &local);
  /* close() must run even after a failed write, or the loader warns on finalize. */
  gboolean closed = gdk_pixbuf_loader_close(loader, ok ? &local : NULL);
  GdkPixbuf *pb = gdk_pixbuf_loader_get_pixbuf(loader);
  if (declared.too_big) {
    g_set_error(error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_INSUFFICIENT_MEMORY,
                "%s: image declares %d×%d pixels; the largest Patina accepts is %d×%d", shown,
                declared.width, declared.height, PATINA_IMAGE_MAX_SIDE, PATINA_IMAGE_MAX_SIDE);
    return NULL;
  }
  if (!ok || !closed || pb == NULL) {
    g_set_error(error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_CORRUPT_IMAGE,
                "%s: not an image gdk-pixbuf can read (%s)", shown,
                local != NULL ? local->message : "no image data");
    return NULL;
  }
  return g_object_ref(pb);
}

PatinaGray *patina_gray_load(const char *path, GError **error)
{
  g_return_val_if_fail(path != NULL, NULL);
  g_autofree char *shown = g_filename_display_name(path);

  if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: no such file", shown);
    return NULL;
  }
  g_autoptr(GdkPixbuf) pb = decode(path, shown, error);
  if (pb == NULL)
    return NULL;

  int w = gdk_pixbuf_get_width(pb);
  int h = gdk_pixbuf_get_height(pb);
  int nch = gdk_pixbuf_get_n_channels(pb);
  if (w <= 0 || h <= 0 || w > PATINA_IMAGE_MAX_SIDE || h > PATINA_IMAGE_MAX_SIDE ||
      gdk_pixbuf_get_bits_per_sample(pb) != 8 || nch < 3) {
    g_set_error(error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_UNKNOWN_TYPE,
                "%s: decoded to an unsupported layout (%d×%d, %d channels, %d bits)", shown, w,
                h, nch, gdk_pixbuf_get_bits_per_sample(pb));
    return NULL;
  }

  int stride = gdk_pixbuf_get_rowstride(pb);
  const guint8 *data = gdk_pixbuf_read_pixels(pb);
  PatinaGray *img = g_new0(PatinaGray, 1);
  img->width = w;
  img->height = h;
  img->pixels = g_new(float, (gsize) w * h);
  for (int y = 0; y < h; y++) {
    const guint8 *row = data + (gsize) y * stride;
    float *out = img->pixels + (gsize) y * w;
    for (int x = 0; x < w; x++) {
      const guint8 *p = row + (gsize) x * nch;
      /* BT.601 luma as PIL's convert("L"), kept in float instead of rounded to 8 bits; gray
       * pixels (most SEM files) are taken as they are, free of the weights' rounding. */
      if (p[0] == p[1] && p[1] == p[2])
        out[x] = p[0] / 255.0f;
      else
        out[x] = (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]) / 255.0f;
    }
  }
  return img;
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

gboolean patina_image_load_input(const char *path, int size, int channels, float *out,
                                 GError **error)
{
  g_return_val_if_fail(path != NULL && out != NULL, FALSE);
  g_return_val_if_fail(size > 0 && channels > 0, FALSE);

  g_autoptr(PatinaGray) img = patina_gray_load(path, error);
  if (img == NULL)
    return FALSE;
  gsize plane = (gsize) size * size;
  patina_resize_bilinear(img->pixels, img->width, img->height, out, size, size);
  for (int c = 1; c < channels; c++)
    memcpy(out + c * plane, out, plane * sizeof(float));
  return TRUE;
}
