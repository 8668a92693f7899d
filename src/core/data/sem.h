/* SEM metadata: what the instrument wrote about a micrograph, read where present.
 *
 * Sources, all optional and merged into one PatinaSemInfo:
 *   - Zeiss SmartSEM: TIFF tag 34118 (CZ_SEM), text lines where an upper-case key line
 *     ("AP_IMAGE_PIXEL_SIZE") is followed by "Image Pixel Size = 2.5 nm";
 *   - FEI / Thermo Fisher: TIFF tag 34682 (FEI_HELIOS), INI text ([Scan] PixelWidth in metres,
 *     [PrivateFei] DatabarHeight in rows, [Beam] HV in volts, [System] SystemType);
 *     tag 34680 (FEI_SFEG, XML) is only noted, or read as INI when it holds INI text;
 *   - JEOL and Hitachi: a sidecar .txt with the image's stem ("$CM_MAG 500",
 *     "$$SM_MICRON_BAR 120" / "PixelSize=49.6" in nm, ...).
 *
 * The text parsers never fail: they read the values they recognise and skip everything else
 * (malformed numbers, unknown keys, non-finite or non-positive values). Strings are stored as
 * valid UTF-8 (Latin-1 bytes, as older instruments write them, are repaired). */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  PATINA_SEM_ZEISS = 1 << 0,   /* TIFF tag 34118 */
  PATINA_SEM_FEI = 1 << 1,     /* TIFF tag 34682, INI text */
  PATINA_SEM_FEI_XML = 1 << 2, /* TIFF tag 34680 was present */
  PATINA_SEM_JEOL = 1 << 3,    /* sidecar .txt, JEOL "$CM_..." lines */
  PATINA_SEM_HITACHI = 1 << 4, /* sidecar .txt, Hitachi [SemImageFile] */
} PatinaSemSource;

#define PATINA_TIFF_TAG_ZEISS_SEM 34118
#define PATINA_TIFF_TAG_FEI_SFEG 34680
#define PATINA_TIFF_TAG_FEI_HELIOS 34682

typedef struct {
  guint sources;         /* PatinaSemSource bits: where the values below came from */
  double pixel_size;     /* metres per pixel along x; 0 = unknown */
  double pixel_size_y;   /* metres per pixel along y when given separately; 0 = as x/unknown */
  guint pixel_size_source; /* the PatinaSemSource bit pixel_size came from */
  double kv;             /* accelerating voltage in kV; 0 = unknown */
  double magnification;  /* 0 = unknown */
  int databar_height;    /* rows of the data bar at the bottom, per metadata; 0 = unknown */
  int image_height;      /* FEI [Image] ResolutionY: rows of the micrograph alone; 0 = unknown */
  int full_width;        /* the frame pixel_size refers to (JEOL $CM_FULL_SIZE, then the
                            decoded image after patina_sem_finish); 0 = unknown */
  int full_height;
  char instrument[64];   /* "" = unknown */
  char detector[32];     /* "" = unknown */
} PatinaSemInfo;

/* Each parser adds what it recognises in text[0, len) (NUL bytes allowed, treated as line
 * breaks) to info, and returns TRUE when it recognised anything. */
gboolean patina_sem_parse_zeiss(const char *text, gsize len, PatinaSemInfo *info);
gboolean patina_sem_parse_fei(const char *text, gsize len, PatinaSemInfo *info);
/* A JEOL or Hitachi sidecar; which one is told by its content. */
gboolean patina_sem_parse_sidecar(const char *text, gsize len, PatinaSemInfo *info);

/* The sidecar of an image: the same path with the extension replaced by .txt (or .TXT).
 * Returns a newly allocated path of an existing regular file, or NULL. */
char *patina_sem_sidecar_path(const char *image_path);

/* Reads image_path's sidecar into info when there is one. A missing sidecar is not an error;
 * one that cannot be read, is not a regular file or is larger than 256 KiB is (FALSE, error
 * names the sidecar), and info is left as it was. */
gboolean patina_sem_read_sidecar(const char *image_path, PatinaSemInfo *info, GError **error);

/* Settles values that depend on the decoded image: a JEOL pixel size refers to
 * $CM_FULL_SIZE, so it is rescaled when the stored image is a different width. */
void patina_sem_finish(PatinaSemInfo *info, int width, int height);

/* One line for people: "Zeiss: 2.5 nm/px, 20 kV, 500×, Supra 40, SE2"; "" when empty. */
char *patina_sem_describe(const PatinaSemInfo *info);

G_END_DECLS
