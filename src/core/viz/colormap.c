/* The colormap tables and the control points they are built from.
 *
 * Each map is a list of control colours (R, G, B in [0, 1]) joined by straight lines, sampled
 * at i / 255 and rounded to 8 bits. The paper (Bhat et al. 2023, section 4.3 and Fig. 9) names
 * six "filters" without giving tables. bone is MATLAB's and matplotlib's. For the other five no
 * definitions under these names turned up (searched: ImageJ/Fiji LUTs, GIMP gradients,
 * matplotlib, colormap libraries), so they are Patina's reading of their names and the paper's
 * one-line descriptions, drawn as sequential maps (dark to light) so that a layer's maps read
 * the same way in every one of them:
 *
 *   blue_RGB   "enhances contrast": black through deep and royal blue to a near-white blue;
 *              the shape of ImageJ/Fiji's "Blue" LUT (black → pure blue) carried on to white,
 *              as its "Cyan Hot" does, so the top of the range is not lost in a dark blue.
 *   aqua       "shifts the colour spectrum": black-teal through teal and aqua (cyan-green) to
 *              a pale aqua, the hue of CSS "aqua" and ImageJ's "Cyan" ramped in lightness.
 *   moonlight  "a cooler colour temperature": desaturated night blues, navy through slate to a
 *              silvery white (a cold-tinted gray ramp, like GIMP's "Blues" gradient with far
 *              less saturation).
 *   bronze     "warmth": black through dark brown and bronze (#CC8033-ish at 3/4) to a pale
 *              gold; matplotlib's "copper" (black → #FFC77F) is the model, with the top kept
 *              below full red so it does not flatten into one orange.
 *   red_lava   "colour intensity": black through dark red, red and orange to a pale yellow,
 *              the family of ImageJ's "Red Hot" and matplotlib's "hot" with more time in red.
 *
 * Those five are interpolated in CIE L*a*b* rather than sRGB, each control colour placed at
 * the position its own L* gives it, so lightness rises in equal steps from end to end and equal
 * differences of activation look equal (interpolated in sRGB, blue_RGB reached only L* 12 a
 * quarter of the way up instead of 24). Their L* runs from about 0 to 97; tests/test-colormap.c
 * checks that it stays within 1.5 of a straight line and never falls. bone, gray and viridis
 * keep their published definitions (sRGB lines between their points at the positions given). */
#include "viz/colormap.h"

#include <math.h>
#include <string.h>

#include "nn/model.h"

typedef struct {
  double x, r, g, b;
} ControlPoint;

struct _PatinaColormap {
  const char *name;
  const char *label;
  const ControlPoint *points;
  int n_points;
  gboolean uniform_lightness; /* in L*a*b*, control colours placed by their L* */
  guint8 table[PATINA_COLORMAP_SIZE * 3];
};

/* The five maps of Patina's own reading: colours only, each placed by its L* (x unused). */
static const ControlPoint blue_rgb_points[] = {
  {0, 0.00, 0.00, 0.00}, {0, 0.02, 0.06, 0.42}, {0, 0.05, 0.30, 0.85},
  {0, 0.38, 0.66, 1.00}, {0, 0.92, 0.97, 1.00},
};

static const ControlPoint aqua_points[] = {
  {0, 0.00, 0.06, 0.08}, {0, 0.00, 0.28, 0.32}, {0, 0.00, 0.56, 0.58},
  {0, 0.25, 0.84, 0.80}, {0, 0.82, 1.00, 0.97},
};

static const ControlPoint moonlight_points[] = {
  {0, 0.02, 0.02, 0.07}, {0, 0.12, 0.14, 0.30}, {0, 0.33, 0.40, 0.58},
  {0, 0.62, 0.70, 0.82}, {0, 0.94, 0.96, 1.00},
};

static const ControlPoint bronze_points[] = {
  {0, 0.00, 0.00, 0.00}, {0, 0.26, 0.14, 0.05}, {0, 0.55, 0.33, 0.13},
  {0, 0.80, 0.55, 0.24}, {0, 0.99, 0.88, 0.64},
};

static const ControlPoint red_lava_points[] = {
  {0, 0.00, 0.00, 0.00}, {0, 0.42, 0.02, 0.01}, {0, 0.80, 0.10, 0.02},
  {0, 0.98, 0.45, 0.06}, {0, 1.00, 0.93, 0.62},
};

/* matplotlib's _bone_data, its breakpoints of MATLAB's bone = (7·gray + fliplr(hot)) / 8,
 * per channel: red (0, 0) (0.746032, 0.652778) (1, 1); green (0, 0) (0.365079, 0.319444)
 * (0.746032, 0.777778) (1, 1); blue (0, 0) (0.365079, 0.444444) (1, 1). Written here at the
 * union of their breakpoints, where each channel's line passes exactly through these values
 * (e.g. red at 0.365079 is 0.652778 · 0.365079 / 0.746032 = 0.319444). */
static const ControlPoint bone_points[] = {
  {0.0, 0.0, 0.0, 0.0},
  {0.365079, 0.319444, 0.319444, 0.444444},
  {0.746032, 0.652778, 0.777778, 0.777778},
  {1.0, 1.0, 1.0, 1.0},
};

static const ControlPoint gray_points[] = {
  {0.0, 0.0, 0.0, 0.0},
  {1.0, 1.0, 1.0, 1.0},
};

/* matplotlib's viridis (van der Walt & Smith, CC0): every fourth entry of its published
 * 256-entry table (_viridis_data in matplotlib/_cm_listed.py) and the last one. Joined by
 * lines, they give back the published table to within one 8-bit level (0.41 / 255 at most). */
static const ControlPoint viridis_points[] = {
  {0 / 255.0, 0.267004, 0.004874, 0.329415},
  {4 / 255.0, 0.272594, 0.025563, 0.353093},
  {8 / 255.0, 0.277018, 0.050344, 0.375715},
  {12 / 255.0, 0.280267, 0.073417, 0.397163},
  {16 / 255.0, 0.282327, 0.094955, 0.417331},
  {20 / 255.0, 0.283197, 0.115680, 0.436115},
  {24 / 255.0, 0.282884, 0.135920, 0.453427},
  {28 / 255.0, 0.281412, 0.155834, 0.469201},
  {32 / 255.0, 0.278826, 0.175490, 0.483397},
  {36 / 255.0, 0.275191, 0.194905, 0.496005},
  {40 / 255.0, 0.270595, 0.214069, 0.507052},
  {44 / 255.0, 0.265145, 0.232956, 0.516599},
  {48 / 255.0, 0.258965, 0.251537, 0.524736},
  {52 / 255.0, 0.252194, 0.269783, 0.531579},
  {56 / 255.0, 0.244972, 0.287675, 0.537260},
  {60 / 255.0, 0.237441, 0.305202, 0.541921},
  {64 / 255.0, 0.229739, 0.322361, 0.545706},
  {68 / 255.0, 0.221989, 0.339161, 0.548752},
  {72 / 255.0, 0.214298, 0.355619, 0.551184},
  {76 / 255.0, 0.206756, 0.371758, 0.553117},
  {80 / 255.0, 0.199430, 0.387607, 0.554642},
  {84 / 255.0, 0.192357, 0.403199, 0.555836},
  {88 / 255.0, 0.185556, 0.418570, 0.556753},
  {92 / 255.0, 0.179019, 0.433756, 0.557430},
  {96 / 255.0, 0.172719, 0.448791, 0.557885},
  {100 / 255.0, 0.166617, 0.463708, 0.558119},
  {104 / 255.0, 0.160665, 0.478540, 0.558115},
  {108 / 255.0, 0.154815, 0.493313, 0.557840},
  {112 / 255.0, 0.149039, 0.508051, 0.557250},
  {116 / 255.0, 0.143343, 0.522773, 0.556295},
  {120 / 255.0, 0.137770, 0.537492, 0.554906},
  {124 / 255.0, 0.132444, 0.552216, 0.553018},
  {128 / 255.0, 0.127568, 0.566949, 0.550556},
  {132 / 255.0, 0.123463, 0.581687, 0.547445},
  {136 / 255.0, 0.120565, 0.596422, 0.543611},
  {140 / 255.0, 0.119423, 0.611141, 0.538982},
  {144 / 255.0, 0.120638, 0.625828, 0.533488},
  {148 / 255.0, 0.124780, 0.640461, 0.527068},
  {152 / 255.0, 0.132268, 0.655014, 0.519661},
  {156 / 255.0, 0.143303, 0.669459, 0.511215},
  {160 / 255.0, 0.157851, 0.683765, 0.501686},
  {164 / 255.0, 0.175707, 0.697900, 0.491033},
  {168 / 255.0, 0.196571, 0.711827, 0.479221},
  {172 / 255.0, 0.220124, 0.725509, 0.466226},
  {176 / 255.0, 0.246070, 0.738910, 0.452024},
  {180 / 255.0, 0.274149, 0.751988, 0.436601},
  {184 / 255.0, 0.304148, 0.764704, 0.419943},
  {188 / 255.0, 0.335885, 0.777018, 0.402049},
  {192 / 255.0, 0.369214, 0.788888, 0.382914},
  {196 / 255.0, 0.404001, 0.800275, 0.362552},
  {200 / 255.0, 0.440137, 0.811138, 0.340967},
  {204 / 255.0, 0.477504, 0.821444, 0.318195},
  {208 / 255.0, 0.515992, 0.831158, 0.294279},
  {212 / 255.0, 0.555484, 0.840254, 0.269281},
  {216 / 255.0, 0.595839, 0.848717, 0.243329},
  {220 / 255.0, 0.636902, 0.856542, 0.216620},
  {224 / 255.0, 0.678489, 0.863742, 0.189503},
  {228 / 255.0, 0.720391, 0.870350, 0.162603},
  {232 / 255.0, 0.762373, 0.876424, 0.137064},
  {236 / 255.0, 0.804182, 0.882046, 0.114965},
  {240 / 255.0, 0.845561, 0.887322, 0.099702},
  {244 / 255.0, 0.886271, 0.892374, 0.095374},
  {248 / 255.0, 0.926106, 0.897330, 0.104071},
  {252 / 255.0, 0.964894, 0.902323, 0.123941},
  {255 / 255.0, 0.993248, 0.906157, 0.143936},
};

#define MAP(name, label, points, lab) { name, label, points, G_N_ELEMENTS(points), lab, { 0 } }

static PatinaColormap colormaps[] = {
  MAP("blue_RGB", "Blue RGB", blue_rgb_points, TRUE),
  MAP("aqua", "Aqua", aqua_points, TRUE),
  MAP("moonlight", "Moonlight", moonlight_points, TRUE),
  MAP("bronze", "Bronze", bronze_points, TRUE),
  MAP("red_lava", "Red lava", red_lava_points, TRUE),
  MAP("bone", "Bone", bone_points, FALSE),
  MAP("gray", "Gray", gray_points, FALSE),
  MAP("viridis", "Viridis", viridis_points, FALSE),
};

static const char *const all_names[] = {
  "blue_RGB", "aqua", "moonlight", "bronze", "red_lava", "bone", "gray", "viridis", NULL,
};

static const char *const paper_names[] = {
  "blue_RGB", "aqua", "moonlight", "bronze", "red_lava", "bone", NULL,
};

/* ---- sRGB (D65) ↔ CIE L*a*b* ---- */

static const double white[3] = {0.95047, 1.0, 1.08883};

static double srgb_to_linear(double c)
{
  return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double linear_to_srgb(double c)
{
  c = CLAMP(c, 0.0, 1.0);
  return c <= 0.0031308 ? 12.92 * c : 1.055 * pow(c, 1 / 2.4) - 0.055;
}

static double lab_f(double t)
{
  return t > 216.0 / 24389.0 ? cbrt(t) : (24389.0 / 27.0 * t + 16.0) / 116.0;
}

static double lab_f_inverse(double t)
{
  return t * t * t > 216.0 / 24389.0 ? t * t * t : (116.0 * t - 16.0) / (24389.0 / 27.0);
}

static void rgb_to_lab(const double rgb[3], double lab[3])
{
  double r = srgb_to_linear(rgb[0]), g = srgb_to_linear(rgb[1]), b = srgb_to_linear(rgb[2]);
  double xyz[3] = {0.4124564 * r + 0.3575761 * g + 0.1804375 * b,
                   0.2126729 * r + 0.7151522 * g + 0.0721750 * b,
                   0.0193339 * r + 0.1191920 * g + 0.9503041 * b};
  double f[3];
  for (int i = 0; i < 3; i++)
    f[i] = lab_f(xyz[i] / white[i]);
  lab[0] = 116 * f[1] - 16, lab[1] = 500 * (f[0] - f[1]), lab[2] = 200 * (f[1] - f[2]);
}

static void lab_to_rgb(const double lab[3], double rgb[3])
{
  double fy = (lab[0] + 16) / 116, fx = fy + lab[1] / 500, fz = fy - lab[2] / 200;
  double x = lab_f_inverse(fx) * white[0], y = lab_f_inverse(fy) * white[1],
         z = lab_f_inverse(fz) * white[2];
  /* a line between two displayable colours can leave the gamut a little: clamp */
  rgb[0] = linear_to_srgb(3.2404542 * x - 1.5371385 * y - 0.4985314 * z);
  rgb[1] = linear_to_srgb(-0.9692660 * x + 1.8760108 * y + 0.0415560 * z);
  rgb[2] = linear_to_srgb(0.0556434 * x - 0.2040259 * y + 1.0572252 * z);
}

static void build_table_srgb(PatinaColormap *cmap)
{
  int seg = 0;
  for (int i = 0; i < PATINA_COLORMAP_SIZE; i++) {
    double t = (double) i / (PATINA_COLORMAP_SIZE - 1);
    while (seg < cmap->n_points - 2 && t > cmap->points[seg + 1].x)
      seg++;
    const ControlPoint *a = &cmap->points[seg], *b = &cmap->points[seg + 1];
    double f = b->x > a->x ? CLAMP((t - a->x) / (b->x - a->x), 0.0, 1.0) : 0.0;
    double rgb[3] = {a->r + f * (b->r - a->r), a->g + f * (b->g - a->g), a->b + f * (b->b - a->b)};
    for (int c = 0; c < 3; c++)
      cmap->table[i * 3 + c] = (guint8) lround(CLAMP(rgb[c], 0.0, 1.0) * 255.0);
  }
}

/* Lines in L*a*b* between the control colours, each placed at (L* − L*first) / (L*last −
 * L*first), so L* is linear in the position. */
static void build_table_lab(PatinaColormap *cmap)
{
  int n = cmap->n_points;
  double lab[8][3], at[8];
  g_assert(n <= 8);
  for (int k = 0; k < n; k++)
    rgb_to_lab((const double[3]){cmap->points[k].r, cmap->points[k].g, cmap->points[k].b}, lab[k]);
  for (int k = 0; k < n; k++)
    at[k] = (lab[k][0] - lab[0][0]) / (lab[n - 1][0] - lab[0][0]);
  int seg = 0;
  for (int i = 0; i < PATINA_COLORMAP_SIZE; i++) {
    double t = (double) i / (PATINA_COLORMAP_SIZE - 1);
    while (seg < n - 2 && t > at[seg + 1])
      seg++;
    double f = at[seg + 1] > at[seg] ? CLAMP((t - at[seg]) / (at[seg + 1] - at[seg]), 0.0, 1.0)
                                     : 0.0;
    double mixed[3], rgb[3];
    for (int c = 0; c < 3; c++)
      mixed[c] = lab[seg][c] + f * (lab[seg + 1][c] - lab[seg][c]);
    lab_to_rgb(mixed, rgb);
    for (int c = 0; c < 3; c++)
      cmap->table[i * 3 + c] = (guint8) lround(CLAMP(rgb[c], 0.0, 1.0) * 255.0);
  }
}

static void build_table(PatinaColormap *cmap)
{
  if (cmap->uniform_lightness)
    build_table_lab(cmap);
  else
    build_table_srgb(cmap);
}

static void ensure_tables(void)
{
  static gsize built = 0;
  if (g_once_init_enter(&built)) {
    for (guint i = 0; i < G_N_ELEMENTS(colormaps); i++)
      build_table(&colormaps[i]);
    g_once_init_leave(&built, 1);
  }
}

const char *const *patina_colormap_names(void)
{
  return all_names;
}

const char *const *patina_colormap_paper_names(void)
{
  return paper_names;
}

/* "Red lava", "red-lava" and "RED_LAVA" all mean red_lava. */
static gboolean same_name(const char *a, const char *b)
{
  for (; *a && *b; a++, b++) {
    char ca = (*a == ' ' || *a == '-') ? '_' : g_ascii_tolower(*a);
    char cb = (*b == ' ' || *b == '-') ? '_' : g_ascii_tolower(*b);
    if (ca != cb)
      return FALSE;
  }
  return *a == *b;
}

const PatinaColormap *patina_colormap_lookup(const char *name, GError **error)
{
  ensure_tables();
  for (guint i = 0; name && i < G_N_ELEMENTS(colormaps); i++)
    if (same_name(name, colormaps[i].name))
      return &colormaps[i];
  g_autofree char *valid = g_strjoinv(", ", (char **) all_names);
  g_set_error(error, PATINA_ERROR, PATINA_ERROR_INVALID, "unknown colormap \"%s\"; choose one of %s",
              name ? name : "", valid);
  return NULL;
}

const char *patina_colormap_get_name(const PatinaColormap *cmap)
{
  return cmap->name;
}

const char *patina_colormap_get_label(const PatinaColormap *cmap)
{
  return cmap->label;
}

const guint8 *patina_colormap_get_table(const PatinaColormap *cmap)
{
  return cmap->table;
}

static inline int entry_of(float t, gboolean reversed)
{
  if (!(t > 0.0f)) /* also NaN */
    t = 0.0f;
  if (t > 1.0f)
    t = 1.0f;
  if (reversed)
    t = 1.0f - t;
  return (int) lrintf(t * (PATINA_COLORMAP_SIZE - 1));
}

void patina_colormap_map(const PatinaColormap *cmap, float t, gboolean reversed, guint8 rgb[3])
{
  memcpy(rgb, cmap->table + 3 * entry_of(t, reversed), 3);
}

static inline guint32 pixel_of_entry(const PatinaColormap *cmap, int e)
{
  const guint8 *c = cmap->table + 3 * e;
  return 0xff000000u | (guint32) c[0] << 16 | (guint32) c[1] << 8 | c[2];
}

guint32 patina_colormap_pixel(const PatinaColormap *cmap, float t, gboolean reversed)
{
  return pixel_of_entry(cmap, entry_of(t, reversed));
}

void patina_colormap_apply(const PatinaColormap *cmap, const float *values, gsize n, float lo,
                           float hi, gboolean reversed, guint32 *pixels)
{
  float range = hi - lo;
  float scale = isfinite(range) && range > 0.0f ? 1.0f / range : 0.0f;
  for (gsize i = 0; i < n; i++) {
    float t = isfinite(values[i]) ? (values[i] - lo) * scale : 0.0f;
    pixels[i] = pixel_of_entry(cmap, entry_of(t, reversed));
  }
}

cairo_surface_t *patina_colormap_render(const PatinaColormap *cmap, const float *plane,
                                        int width, int height, float lo, float hi,
                                        gboolean reversed)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    return NULL;
  }
  cairo_surface_flush(s);
  guint8 *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < height; y++)
    patina_colormap_apply(cmap, plane + (gsize) y * width, width, lo, hi, reversed,
                          (guint32 *) (data + (gsize) y * stride));
  cairo_surface_mark_dirty(s);
  return s;
}

cairo_surface_t *patina_colormap_swatch(const PatinaColormap *cmap, int width, int height,
                                        gboolean reversed)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    return NULL;
  }
  cairo_surface_flush(s);
  guint8 *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  for (int x = 0; x < width; x++) {
    guint32 px = patina_colormap_pixel(cmap, width > 1 ? (float) x / (width - 1) : 0.0f, reversed);
    for (int y = 0; y < height; y++)
      ((guint32 *) (data + (gsize) y * stride))[x] = px;
  }
  cairo_surface_mark_dirty(s);
  return s;
}

double patina_colormap_lightness(const guint8 rgb[3])
{
  double y = 0.2126 * srgb_to_linear(rgb[0] / 255.0) + 0.7152 * srgb_to_linear(rgb[1] / 255.0) +
             0.0722 * srgb_to_linear(rgb[2] / 255.0);
  double f = y > 216.0 / 24389.0 ? cbrt(y) : (24389.0 / 27.0 * y + 16.0) / 116.0;
  return 116.0 * f - 16.0;
}
