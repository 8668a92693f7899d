#include "sem.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIDECAR_MAX_BYTES (256 * 1024)
/* Lines are copied to a bounded buffer before parsing; no key or value Patina reads is
 * longer, and the rest of an overlong line is ignored. */
#define LINE_MAX_BYTES 512

/* ---- small text helpers ---------------------------------------------------------------- */

typedef struct {
  const char *p, *end;
} LineIter;

/* The next line of text split at \n, \r and NUL, copied (truncated) into buf and trimmed. */
static gboolean next_line(LineIter *it, char *buf, gsize cap)
{
  if (it->p >= it->end)
    return FALSE;
  const char *s = it->p;
  while (it->p < it->end && *it->p != '\n' && *it->p != '\r' && *it->p != '\0')
    it->p++;
  gsize n = (gsize) (it->p - s);
  if (it->p < it->end)
    it->p++;
  if (n >= cap)
    n = cap - 1;
  memcpy(buf, s, n);
  buf[n] = '\0';
  g_strstrip(buf);
  return TRUE;
}

/* A finite number at the start of s (after blanks); *end points after it. */
static gboolean parse_number(const char *s, double *value, const char **end)
{
  while (*s == ' ' || *s == '\t')
    s++;
  /* g_ascii_strtod also takes "nan", "inf" and hex floats; only decimal numbers are meant. */
  if (!(g_ascii_isdigit(*s) || *s == '.' || *s == '-' || *s == '+'))
    return FALSE;
  char *e = NULL;
  double v = g_ascii_strtod(s, &e);
  if (e == s || !isfinite(v) || memchr(s, 'x', (gsize) (e - s)) != NULL ||
      memchr(s, 'X', (gsize) (e - s)) != NULL)
    return FALSE;
  *value = v;
  if (end != NULL) {
    while (*e == ' ' || *e == '\t')
      e++;
    *end = e;
  }
  return TRUE;
}

static gboolean unit_is(const char *u, const char *name)
{
  gsize n = strlen(name);
  if (g_ascii_strncasecmp(u, name, n) != 0)
    return FALSE;
  return !g_ascii_isalpha(u[n]);
}

/* Metres per unit of a length unit at u, 0 when unknown. Micro is accepted as "u", as Latin-1
 * µ (0xB5, Zeiss writes it so), as UTF-8 µ (C2 B5) and as Greek mu (CE BC). */
static double length_unit(const char *u)
{
  const guchar *b = (const guchar *) u;
  if (b[0] == 0xB5 && b[1] == 'm' && !g_ascii_isalpha(b[2]))
    return 1e-6;
  if (((b[0] == 0xC2 && b[1] == 0xB5) || (b[0] == 0xCE && b[1] == 0xBC)) && b[2] == 'm' &&
      !g_ascii_isalpha(b[3]))
    return 1e-6;
  if (strncmp(u, "pm", 2) == 0 && !g_ascii_isalpha(u[2]))
    return 1e-12;
  if (strncmp(u, "nm", 2) == 0 && !g_ascii_isalpha(u[2]))
    return 1e-9;
  if ((strncmp(u, "um", 2) == 0 && !g_ascii_isalpha(u[2])) || unit_is(u, "micron") ||
      unit_is(u, "microns"))
    return 1e-6;
  if (strncmp(u, "mm", 2) == 0 && !g_ascii_isalpha(u[2]))
    return 1e-3;
  if (strncmp(u, "cm", 2) == 0 && !g_ascii_isalpha(u[2]))
    return 1e-2;
  if (u[0] == 'm' && !g_ascii_isalpha(u[1]))
    return 1.0;
  return 0.0;
}

/* "2.5 nm" → 2.5e-9 m. A number without a unit takes default_unit (0: refuse). */
static gboolean parse_length(const char *s, double default_unit, double *metres)
{
  double v;
  const char *u;
  if (!parse_number(s, &v, &u))
    return FALSE;
  double f = *u != '\0' ? length_unit(u) : default_unit;
  if (f <= 0.0 || v <= 0.0)
    return FALSE;
  double m = v * f;
  if (!isfinite(m) || m <= 0.0)
    return FALSE;
  *metres = m;
  return TRUE;
}

/* "20.00 kV", "20000 V", "20000 Volt" → kV. Without a unit, values above 500 are volts. */
static gboolean parse_voltage(const char *s, double *kv)
{
  double v;
  const char *u;
  if (!parse_number(s, &v, &u) || v <= 0.0)
    return FALSE;
  if (unit_is(u, "kV"))
    *kv = v;
  else if (unit_is(u, "V") || unit_is(u, "Volt") || unit_is(u, "Volts"))
    *kv = v / 1000.0;
  else if (unit_is(u, "MV"))
    *kv = v * 1000.0;
  else if (*u == '\0')
    *kv = v > 500.0 ? v / 1000.0 : v;
  else
    return FALSE;
  return isfinite(*kv) && *kv > 0.0;
}

/* "500 X", "1.00 K X", "5 kX", "1.2 MX", "500" → magnification. */
static gboolean parse_magnification(const char *s, double *mag)
{
  double v;
  const char *u;
  if (!parse_number(s, &v, &u) || v <= 0.0)
    return FALSE;
  double f = 1.0;
  if (*u == 'K' || *u == 'k') {
    f = 1e3;
    u++;
  } else if (*u == 'M') {
    f = 1e6;
    u++;
  }
  while (*u == ' ')
    u++;
  if (!(*u == '\0' || *u == 'X' || *u == 'x'))
    return FALSE;
  *mag = v * f;
  return isfinite(*mag) && *mag > 0.0;
}

static gboolean parse_int(const char *s, int lo, int hi, int *out)
{
  double v;
  const char *u;
  if (!parse_number(s, &v, &u) || v != floor(v) || v < lo || v > hi)
    return FALSE;
  *out = (int) v;
  return TRUE;
}

/* Copies a value as valid UTF-8, control characters dropped, cut at a character boundary. */
static void set_text(char *dst, gsize cap, const char *src)
{
  g_autofree char *valid = g_utf8_make_valid(src, -1);
  gsize n = 0;
  for (const char *p = valid; *p != '\0' && n + 1 < cap;) {
    const char *next = g_utf8_next_char(p);
    gsize clen = (gsize) (next - p);
    if (n + clen + 1 > cap)
      break;
    if (!((guchar) *p < 0x20 || *p == 0x7F)) {
      memcpy(dst + n, p, clen);
      n += clen;
    }
    p = next;
  }
  dst[n] = '\0';
  g_strstrip(dst);
}

/* Splits "name = value" (or "name : value" when sep allows it) in place. */
static gboolean split_pair(char *line, const char *seps, char **name, char **value)
{
  char *s = strpbrk(line, seps);
  if (s == NULL)
    return FALSE;
  *s = '\0';
  *name = g_strstrip(line);
  *value = g_strstrip(s + 1);
  return TRUE;
}

/* Fills what info does not know yet from what a source found. */
static void merge(PatinaSemInfo *info, const PatinaSemInfo *found, guint source)
{
  info->sources |= source;
  if (info->pixel_size <= 0.0 && found->pixel_size > 0.0) {
    info->pixel_size = found->pixel_size;
    info->pixel_size_y = found->pixel_size_y;
    info->pixel_size_source = source;
    info->full_width = found->full_width;
    info->full_height = found->full_height;
  }
  if (info->kv <= 0.0)
    info->kv = found->kv;
  if (info->magnification <= 0.0)
    info->magnification = found->magnification;
  if (info->databar_height <= 0)
    info->databar_height = found->databar_height;
  if (info->image_height <= 0)
    info->image_height = found->image_height;
  if (info->instrument[0] == '\0')
    memcpy(info->instrument, found->instrument, sizeof info->instrument);
  if (info->detector[0] == '\0')
    memcpy(info->detector, found->detector, sizeof info->detector);
}

static gboolean any_value(const PatinaSemInfo *f)
{
  return f->pixel_size > 0.0 || f->kv > 0.0 || f->magnification > 0.0 ||
         f->databar_height > 0 || f->image_height > 0 || f->instrument[0] != '\0' ||
         f->detector[0] != '\0';
}

/* ---- Zeiss ------------------------------------------------------------------------------ */

static gboolean is_key_line(const char *s)
{
  gsize n = 0;
  gboolean underscore = FALSE;
  for (; s[n] != '\0'; n++) {
    if (s[n] == '_')
      underscore = TRUE;
    else if (!(g_ascii_isupper(s[n]) || g_ascii_isdigit(s[n])))
      return FALSE;
  }
  return underscore && n < 64;
}

gboolean patina_sem_parse_zeiss(const char *text, gsize len, PatinaSemInfo *info)
{
  g_return_val_if_fail(info != NULL, FALSE);
  if (text == NULL || len == 0)
    return FALSE;
  PatinaSemInfo f = {0};
  double px_image = 0.0, px_plain = 0.0;
  char key[64] = "";
  char buf[LINE_MAX_BYTES];
  LineIter it = {text, text + len};
  while (next_line(&it, buf, sizeof buf)) {
    if (buf[0] == '\0')
      continue;
    if (is_key_line(buf)) {
      g_strlcpy(key, buf, sizeof key);
      continue;
    }
    char *name, *value;
    if (!split_pair(buf, "=:", &name, &value)) {
      key[0] = '\0';
      continue;
    }
    double v;
    if (g_str_equal(key, "AP_IMAGE_PIXEL_SIZE") || g_ascii_strcasecmp(name, "Image Pixel Size") == 0) {
      if (parse_length(value, 0.0, &v))
        px_image = v;
    } else if (g_str_equal(key, "AP_PIXEL_SIZE") || g_ascii_strcasecmp(name, "Pixel Size") == 0) {
      /* SmartSEM's AP_PIXEL_SIZE; AP_IMAGE_PIXEL_SIZE, when present, is the stored image's. */
      if (parse_length(value, 0.0, &v))
        px_plain = v;
    } else if (g_str_equal(key, "AP_MAG") || g_ascii_strcasecmp(name, "Mag") == 0 ||
               g_ascii_strcasecmp(name, "Magnification") == 0) {
      if (parse_magnification(value, &v))
        f.magnification = v;
    } else if (g_str_equal(key, "AP_EHT") || g_ascii_strcasecmp(name, "EHT") == 0) {
      if (parse_voltage(value, &v))
        f.kv = v;
    } else if (g_str_equal(key, "DP_DETECTOR_TYPE") || g_str_equal(key, "DP_DETECTOR_CHANNEL") ||
               g_ascii_strcasecmp(name, "Detector") == 0 ||
               g_ascii_strcasecmp(name, "Signal A") == 0) {
      if (f.detector[0] == '\0')
        set_text(f.detector, sizeof f.detector, value);
    } else if (g_str_equal(key, "SV_INSTRUMENT_ID") || g_str_equal(key, "SV_SERIAL_NUMBER") ||
               g_ascii_strcasecmp(name, "Serial No.") == 0 ||
               g_ascii_strcasecmp(name, "Instrument") == 0) {
      /* The instrument's id beats its serial number, whichever comes first. */
      if (f.instrument[0] == '\0' || g_str_equal(key, "SV_INSTRUMENT_ID"))
        set_text(f.instrument, sizeof f.instrument, value);
    }
    key[0] = '\0';
  }
  f.pixel_size = px_image > 0.0 ? px_image : px_plain;
  if (!any_value(&f))
    return FALSE;
  merge(info, &f, PATINA_SEM_ZEISS);
  return TRUE;
}

/* ---- FEI / Thermo Fisher INI ------------------------------------------------------------ */

gboolean patina_sem_parse_fei(const char *text, gsize len, PatinaSemInfo *info)
{
  g_return_val_if_fail(info != NULL, FALSE);
  if (text == NULL || len == 0)
    return FALSE;
  PatinaSemInfo f = {0};
  double canvas = 0.0, hfw = 0.0;
  char section[32] = "";
  char buf[LINE_MAX_BYTES];
  LineIter it = {text, text + len};
  while (next_line(&it, buf, sizeof buf)) {
    if (buf[0] == '[') {
      char *close = strchr(buf, ']');
      if (close != NULL) {
        *close = '\0';
        g_strlcpy(section, buf + 1, sizeof section);
      } else {
        section[0] = '\0';
      }
      continue;
    }
    if (buf[0] == ';' || buf[0] == '#')
      continue;
    char *key, *value;
    if (!split_pair(buf, "=", &key, &value) || *value == '\0')
      continue;
    double v;
    int n;
#define IS(sec, k) (g_ascii_strcasecmp(section, sec) == 0 && g_ascii_strcasecmp(key, k) == 0)
    if (IS("Scan", "PixelWidth") || IS("EScan", "PixelWidth")) {
      if (parse_number(value, &v, NULL) && v > 0.0 && v < 1.0)
        f.pixel_size = v;
    } else if (IS("Scan", "PixelHeight") || IS("EScan", "PixelHeight")) {
      if (parse_number(value, &v, NULL) && v > 0.0 && v < 1.0)
        f.pixel_size_y = v;
    } else if (IS("Scan", "HorFieldsize") || IS("EScan", "HorFieldsize")) {
      if (parse_number(value, &v, NULL) && v > 0.0)
        hfw = v;
    } else if (IS("Image", "MagCanvasRealWidth")) {
      if (parse_number(value, &v, NULL) && v > 0.0)
        canvas = v;
    } else if (IS("PrivateFei", "DatabarHeight")) {
      if (parse_int(value, 1, 1 << 20, &n))
        f.databar_height = n;
    } else if (IS("Image", "ResolutionY")) {
      if (parse_int(value, 1, 1 << 24, &n))
        f.image_height = n;
    } else if (IS("Beam", "HV") || IS("EBeam", "HV")) {
      /* FEI writes volts. */
      if (parse_number(value, &v, NULL) && v > 0.0)
        f.kv = v / 1000.0;
    } else if (IS("System", "SystemType")) {
      set_text(f.instrument, sizeof f.instrument, value);
    } else if (IS("Detectors", "Name")) {
      set_text(f.detector, sizeof f.detector, value);
    } else if (g_ascii_strcasecmp(key, "Magnification") == 0) {
      if (parse_magnification(value, &v))
        f.magnification = v;
    }
#undef IS
  }
  /* FEI files give the magnification only through the display it refers to. */
  if (f.magnification <= 0.0 && canvas > 0.0 && hfw > 0.0 && isfinite(canvas / hfw))
    f.magnification = canvas / hfw;
  if (f.pixel_size_y > 0.0 && f.pixel_size <= 0.0)
    f.pixel_size_y = 0.0;
  if (!any_value(&f))
    return FALSE;
  merge(info, &f, PATINA_SEM_FEI);
  return TRUE;
}

/* ---- JEOL / Hitachi sidecars ------------------------------------------------------------ */

gboolean patina_sem_parse_sidecar(const char *text, gsize len, PatinaSemInfo *info)
{
  g_return_val_if_fail(info != NULL, FALSE);
  if (text == NULL || len == 0)
    return FALSE;
  PatinaSemInfo jeol = {0}, hitachi = {0};
  double marker = 0.0, bar_px = 0.0;
  gboolean is_jeol = FALSE, is_hitachi = FALSE;
  char buf[LINE_MAX_BYTES];
  LineIter it = {text, text + len};
  while (next_line(&it, buf, sizeof buf)) {
    if (buf[0] == '$') {
      /* JEOL: "$CM_MAG 500", "$$SM_MICRON_BAR 120". */
      char *key = buf;
      while (*key == '$')
        key++;
      char *value = key;
      while (*value != '\0' && *value != ' ' && *value != '\t')
        value++;
      if (*value != '\0')
        *value++ = '\0';
      g_strstrip(value);
      if (g_str_has_prefix(key, "CM_") || g_str_has_prefix(key, "SM_"))
        is_jeol = TRUE;
      const char *k = key + (strlen(key) >= 3 ? 3 : 0);
      double v;
      if (g_str_equal(key, "CM_MAG")) {
        if (parse_magnification(value, &v))
          jeol.magnification = v;
      } else if (g_str_equal(key, "CM_ACCEL_VOLT")) {
        if (parse_voltage(value, &v))
          jeol.kv = v;
      } else if (g_str_equal(key, "CM_INSTRUMENT")) {
        set_text(jeol.instrument, sizeof jeol.instrument, value);
      } else if (g_str_equal(key, "CM_SIGNAL")) {
        set_text(jeol.detector, sizeof jeol.detector, value);
      } else if (g_str_equal(key, "CM_FULL_SIZE")) {
        const char *rest;
        double w, h;
        if (parse_number(value, &w, &rest) && parse_number(rest, &h, NULL) && w >= 1 &&
            h >= 1 && w <= (1 << 24) && h <= (1 << 24) && w == floor(w) && h == floor(h)) {
          jeol.full_width = (int) w;
          jeol.full_height = (int) h;
        }
      } else if (g_str_equal(k, "MICRON_BAR")) {
        if (parse_number(value, &v, NULL) && v > 0.0)
          bar_px = v;
      } else if (g_str_equal(k, "MICRON_MARKER")) {
        /* "10um": the length the micron bar stands for. */
        if (parse_length(value, 0.0, &v))
          marker = v;
      }
      continue;
    }
    if (buf[0] == '[') {
      if (g_ascii_strncasecmp(buf, "[SemImageFile]", 14) == 0)
        is_hitachi = TRUE;
      continue;
    }
    char *key, *value;
    if (!split_pair(buf, "=", &key, &value))
      continue;
    double v;
    if (g_ascii_strcasecmp(key, "InstructName") == 0) {
      is_hitachi = TRUE;
      set_text(hitachi.instrument, sizeof hitachi.instrument, value);
    } else if (g_ascii_strcasecmp(key, "PixelSize") == 0) {
      is_hitachi = TRUE;
      /* Hitachi writes nanometres. */
      if (parse_length(value, 1e-9, &v))
        hitachi.pixel_size = v;
    } else if (g_ascii_strcasecmp(key, "Magnification") == 0) {
      if (parse_magnification(value, &v))
        hitachi.magnification = v;
    } else if (g_ascii_strcasecmp(key, "AcceleratingVoltage") == 0) {
      if (parse_voltage(value, &v))
        hitachi.kv = v;
    } else if (g_ascii_strcasecmp(key, "SignalName") == 0) {
      set_text(hitachi.detector, sizeof hitachi.detector, value);
    }
  }
  if (marker > 0.0 && bar_px > 0.0 && isfinite(marker / bar_px))
    jeol.pixel_size = marker / bar_px;
  if (jeol.pixel_size <= 0.0)
    jeol.full_width = jeol.full_height = 0;
  gboolean found = FALSE;
  if (is_jeol && any_value(&jeol)) {
    merge(info, &jeol, PATINA_SEM_JEOL);
    found = TRUE;
  }
  if (is_hitachi && any_value(&hitachi)) {
    merge(info, &hitachi, PATINA_SEM_HITACHI);
    found = TRUE;
  }
  return found;
}

char *patina_sem_sidecar_path(const char *image_path)
{
  g_return_val_if_fail(image_path != NULL, NULL);
  g_autofree char *base = g_path_get_basename(image_path);
  const char *dot = strrchr(base, '.');
  if (dot != NULL && g_ascii_strcasecmp(dot, ".txt") == 0)
    return NULL;
  gsize stem_len = strlen(image_path) - (dot != NULL && dot != base ? strlen(dot) : 0);
  static const char *const exts[] = {".txt", ".TXT"};
  for (guint i = 0; i < G_N_ELEMENTS(exts); i++) {
    g_autofree char *stem = g_strndup(image_path, stem_len);
    char *p = g_strconcat(stem, exts[i], NULL);
    if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
      return p;
    g_free(p);
  }
  return NULL;
}

gboolean patina_sem_read_sidecar(const char *image_path, PatinaSemInfo *info, GError **error)
{
  g_return_val_if_fail(image_path != NULL && info != NULL, FALSE);
  g_autofree char *path = patina_sem_sidecar_path(image_path);
  if (path == NULL)
    return TRUE;
  g_autofree char *shown = g_filename_display_name(path);
  /* Non-blocking, so that a FIFO put in place of the sidecar cannot hang the loader. */
  int fd = g_open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0) {
    int e = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: cannot read (%s)", shown,
                g_strerror(e));
    return FALSE;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a regular file", shown);
    return FALSE;
  }
  if (st.st_size > SIDECAR_MAX_BYTES) {
    close(fd);
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                "%s: %lld bytes, larger than the %d KiB a metadata sidecar may have", shown,
                (long long) st.st_size, SIDECAR_MAX_BYTES / 1024);
    return FALSE;
  }
  g_autofree char *text = g_malloc(SIDECAR_MAX_BYTES + 1);
  gsize len = 0;
  while (len <= SIDECAR_MAX_BYTES) {
    gssize r = read(fd, text + len, SIDECAR_MAX_BYTES + 1 - len);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      int e = errno;
      close(fd);
      g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: cannot read (%s)",
                  shown, g_strerror(e));
      return FALSE;
    }
    if (r == 0)
      break;
    len += (gsize) r;
  }
  close(fd);
  if (len > SIDECAR_MAX_BYTES) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                "%s: larger than the %d KiB a metadata sidecar may have", shown,
                SIDECAR_MAX_BYTES / 1024);
    return FALSE;
  }
  patina_sem_parse_sidecar(text, len, info);
  return TRUE;
}

void patina_sem_finish(PatinaSemInfo *info, int width, int height)
{
  g_return_if_fail(info != NULL);
  if (width <= 0 || height <= 0)
    return;
  /* A JEOL micron bar is measured on $CM_FULL_SIZE; a stored image of another width (saved
   * at a reduced size) has proportionally larger pixels. */
  if (info->pixel_size_source == PATINA_SEM_JEOL && info->full_width > 0 &&
      info->full_width != width) {
    info->pixel_size *= (double) info->full_width / (double) width;
    if (info->pixel_size_y > 0.0 && info->full_height > 0)
      info->pixel_size_y *= (double) info->full_height / (double) height;
  }
  if (info->pixel_size > 0.0) {
    info->full_width = width;
    info->full_height = height;
  }
}

char *patina_sem_describe(const PatinaSemInfo *info)
{
  g_return_val_if_fail(info != NULL, NULL);
  GString *s = g_string_new(NULL);
  static const struct {
    guint bit;
    const char *name;
  } vendors[] = {{PATINA_SEM_ZEISS, "Zeiss"},
                 {PATINA_SEM_FEI, "FEI"},
                 {PATINA_SEM_FEI_XML, "FEI (XML)"},
                 {PATINA_SEM_JEOL, "JEOL"},
                 {PATINA_SEM_HITACHI, "Hitachi"}};
  for (guint i = 0; i < G_N_ELEMENTS(vendors); i++)
    if (info->sources & vendors[i].bit)
      g_string_append_printf(s, "%s%s", s->len ? "+" : "", vendors[i].name);
  if (s->len == 0 && !any_value(info))
    return g_string_free(s, FALSE);
  g_string_append(s, ":");
  const char *sep = " ";
  if (info->pixel_size > 0.0) {
    double nm = info->pixel_size * 1e9;
    if (nm >= 1000.0)
      g_string_append_printf(s, "%s%.4g µm/px", sep, nm / 1000.0);
    else
      g_string_append_printf(s, "%s%.4g nm/px", sep, nm);
    sep = ", ";
  }
  if (info->kv > 0.0) {
    g_string_append_printf(s, "%s%.4g kV", sep, info->kv);
    sep = ", ";
  }
  if (info->magnification > 0.0) {
    g_string_append_printf(s, "%s%.6g×", sep, info->magnification);
    sep = ", ";
  }
  if (info->instrument[0] != '\0') {
    g_string_append_printf(s, "%s%s", sep, info->instrument);
    sep = ", ";
  }
  if (info->detector[0] != '\0') {
    g_string_append_printf(s, "%s%s", sep, info->detector);
    sep = ", ";
  }
  if (info->databar_height > 0)
    g_string_append_printf(s, "%sdata bar %d rows", sep, info->databar_height);
  return g_string_free(s, FALSE);
}
