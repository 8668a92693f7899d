/* TIFF decoding through libtiff, for image.c (use patina_image_load) and the fuzzer.
 *
 * libtiff's messages never reach stderr: every TIFF is opened with per-handle error and
 * warning handlers (TIFFOpenOptionsSetErrorHandlerExtR, libtiff >= 4.5), which collect them
 * into the GError of that call, so concurrent loads on worker threads do not mix messages.
 * Files are read through client procedures (plain read(), no mmap), with libtiff's largest
 * single allocation capped by the decoded-size limit. */
#pragma once
#include <glib.h>

#include "image.h"

G_BEGIN_DECLS

/* TRUE when the first bytes are a classic or BigTIFF header. */
gboolean patina_tiff_sniff(const guint8 *head, gsize len);

/* Teaches libtiff the Zeiss and FEI tags (34118, 34680, 34682) as counted ASCII, so they are
 * read without "unknown tag" warnings and can be written with
 * TIFFSetField(tif, tag, (uint32_t) len, text). Idempotent and thread-safe. */
void patina_tiff_register_sem_tags(void);

/* Decodes the first page of the TIFF open on fd (not closed), SEM tags included. shown names
 * the file in messages. */
PatinaImage *patina_tiff_load_fd(int fd, const char *shown, const PatinaLoadLimits *limits,
                                 GError **error);
PatinaImage *patina_tiff_load_memory(const guint8 *data, gsize len, const char *shown,
                                     const PatinaLoadLimits *limits, GError **error);

/* Shared with image.c: limits with defaults filled in, and the declared-size check. */
void patina_image_limits_resolve(const PatinaLoadLimits *in, PatinaLoadLimits *out);
gboolean patina_image_check_size(guint64 width, guint64 height, int channels,
                                 const PatinaLoadLimits *limits, const char *shown,
                                 GError **error);

G_END_DECLS
