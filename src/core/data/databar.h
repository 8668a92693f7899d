/* The instrument's data bar: the band at the bottom of an SEM micrograph where the microscope
 * prints magnification, voltage, scale bar and date. It is not part of the specimen, and a
 * network shown it learns the instrument instead of the material, so Patina crops it.
 *
 * Where the metadata says how tall the bar is (FEI [PrivateFei] DatabarHeight) that is used.
 * Otherwise (Zeiss, JEOL, Hitachi, files without metadata) a heuristic looks for a bottom band
 * of whole rows that
 *   - is digitally flat: most pixels of each row sit at one background level, very dark or very
 *     bright, the same level as the image's bottom rows (a solid separator line of up to 4 rows
 *     excepted), and almost none lie between background and text (rendered text is crisp, a
 *     micrograph's noise and shading are not);
 *   - carries text-like marks: high-contrast pixels, sparse, grouped into strokes, in a good
 *     share of the band's rows;
 *   - spans the full width (background present in every eighth of the width);
 *   - begins at a sharp horizontal edge: the row above is not at the bar's background level;
 *   - is between 2 % (at least 6 rows) and 35 % of the image height.
 * Any test failing means "none": a missed bar costs a little accuracy, a false crop cuts the
 * specimen, so the heuristic leans towards not cropping. */
#pragma once
#include <glib.h>

#include "sem.h"

G_BEGIN_DECLS

typedef enum {
  PATINA_DATABAR_NONE = 0, /* no bar found (or cropping turned off): all rows kept */
  PATINA_DATABAR_METADATA, /* the bar's height came from the file's metadata */
  PATINA_DATABAR_DETECTED, /* the heuristic found it */
  PATINA_DATABAR_USER,     /* the caller said how many rows to crop */
} PatinaDatabarReason;

typedef struct {
  int keep_rows; /* rows of the micrograph to keep, from the top */
  int bar_rows;  /* rows cropped at the bottom: height - keep_rows */
  PatinaDatabarReason reason;
} PatinaDatabar;

/* "none", "metadata", "detected", "user". */
const char *patina_databar_reason_to_string(PatinaDatabarReason reason);

/* The heuristic alone, on a gray plane of any value range (row-major width×height). Returns
 * TRUE and fills out (reason DETECTED) when it finds a bar; FALSE and reason NONE (all rows
 * kept) otherwise. */
gboolean patina_databar_detect(const float *gray, int width, int height, PatinaDatabar *out);

/* Metadata first, else the heuristic. sem may be NULL. */
void patina_databar_find(const float *gray, int width, int height, const PatinaSemInfo *sem,
                         PatinaDatabar *out);

G_END_DECLS
