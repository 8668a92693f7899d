/* SEM metadata: the Zeiss and FEI TIFF tags and the JEOL and Hitachi sidecars, parsed from
 * text and read from fixture files (TIFFs written by libtiff with the tags, sidecars beside
 * them). Values are checked in SI: metres per pixel, kV. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <tiffio.h>

#include "data/image.h"
#include "data/sem.h"
#include "data/tiff.h"
#include "tiff-fixture.h"
#include "testutil.h"

static char *tmp_dir;

static char *tmp_path(const char *name)
{
  return g_build_filename(tmp_dir, name, NULL);
}

#define assert_rel(got, want) g_assert_cmpfloat_with_epsilon((got), (want), fabs(want) * 1e-9)

/* As SmartSEM writes it: CRLF lines, Latin-1 µ, "K X" magnification. */
static const char zeiss_text[] =
    "\r\n0\r\n"
    "AP_PIXEL_SIZE\r\nPixel Size = 4.96 nm\r\n"
    "AP_IMAGE_PIXEL_SIZE\r\nImage Pixel Size = 2.5 nm\r\n"
    "AP_WD\r\nWD = 8.5 mm\r\n"
    "AP_MAG\r\nMag = 1.50 K X\r\n"
    "AP_EHT\r\nEHT = 20.00 kV\r\n"
    "AP_HEIGHT\r\nHeight = 1.14 \xb5m\r\n"
    "DP_DETECTOR_TYPE\r\nDetector = SE2\r\n"
    "SV_SERIAL_NUMBER\r\nSerial No. = SUPRA 40-25-86\r\n"
    "SV_USER_NAME\r\nUser Name = M\xfcller\r\n";

static const char fei_text[] =
    "[User]\r\nDate=03/14/2019\r\nUser=supervisor\r\n"
    "[System]\r\nType=SEM\r\nDnumber=D8439\r\nSystemType=Quanta FEG 250\r\n"
    "[Beam]\r\nHV=15000\r\nSpot=3\r\n"
    "[Scan]\r\nPixelWidth=1.2e-08\r\nPixelHeight=1.25e-08\r\nHorFieldsize=1.2288e-05\r\n"
    "[Image]\r\nResolutionX=1024\r\nResolutionY=884\r\nMagCanvasRealWidth=0.12288\r\n"
    "[Detectors]\r\nNumber=1\r\nName=ETD\r\n"
    "[PrivateFei]\r\nBitShift=0\r\nDataBarSelected=DateTime dwell HV HFW pressure Label MAG\r\n"
    "DatabarHeight=59\r\n";

static const char jeol_text[] = "$CM_FORMAT JEOL/SEM\n"
                                "$CM_VERSION 1.0\n"
                                "$CM_INSTRUMENT JSM-6380\n"
                                "$CM_FULL_SIZE 1280 960\n"
                                "$CM_MAG 500\n"
                                "$CM_ACCEL_VOLT 20.00\n"
                                "$CM_SIGNAL SEI\n"
                                "$$SM_MICRON_BAR 120\n"
                                "$$SM_MICRON_MARKER 10um\n";

static const char hitachi_text[] = "[SemImageFile]\r\n"
                                   "InstructName=S-4800\r\n"
                                   "SerialNumber=3456-01\r\n"
                                   "DataSize=1280x960\r\n"
                                   "PixelSize=49.6\r\n"
                                   "Magnification=500\r\n"
                                   "AcceleratingVoltage=20000 Volt\r\n"
                                   "SignalName=SE(U)\r\n";

static void test_zeiss(void)
{
  PatinaSemInfo s = {0};
  g_assert_true(patina_sem_parse_zeiss(zeiss_text, sizeof zeiss_text - 1, &s));
  g_assert_cmpuint(s.sources, ==, PATINA_SEM_ZEISS);
  /* The stored image's pixel size wins over AP_PIXEL_SIZE, whichever comes first. */
  assert_rel(s.pixel_size, 2.5e-9);
  g_assert_cmpuint(s.pixel_size_source, ==, PATINA_SEM_ZEISS);
  assert_rel(s.magnification, 1500.0);
  assert_rel(s.kv, 20.0);
  g_assert_cmpstr(s.detector, ==, "SE2");
  g_assert_cmpstr(s.instrument, ==, "SUPRA 40-25-86");
  g_assert_cmpint(s.databar_height, ==, 0); /* Zeiss does not say */

  /* AP_PIXEL_SIZE alone, in µm as UTF-8, Greek mu and Latin-1; "Mag = 500 X"; volts. */
  const char *units[] = {"\xc2\xb5m", "\xce\xbcm", "\xb5m", "um"};
  for (guint i = 0; i < G_N_ELEMENTS(units); i++) {
    g_autofree char *t = g_strdup_printf(
        "AP_PIXEL_SIZE\nPixel Size = 0.125 %s\nAP_MAG\nMag = 500 X\nAP_EHT\nEHT = 5000 V\n",
        units[i]);
    PatinaSemInfo u = {0};
    g_assert_true(patina_sem_parse_zeiss(t, strlen(t), &u));
    assert_rel(u.pixel_size, 0.125e-6);
    assert_rel(u.magnification, 500.0);
    assert_rel(u.kv, 5.0);
  }
  const struct {
    const char *text;
    double metres;
  } lengths[] = {{"Image Pixel Size = 750 pm", 750e-12},
                 {"Image Pixel Size = 1.5 mm", 1.5e-3},
                 {"Image Pixel Size = 3e1 nm", 30e-9}};
  for (guint i = 0; i < G_N_ELEMENTS(lengths); i++) {
    PatinaSemInfo u = {0};
    g_assert_true(patina_sem_parse_zeiss(lengths[i].text, strlen(lengths[i].text), &u));
    assert_rel(u.pixel_size, lengths[i].metres);
  }
}

static void test_fei(void)
{
  PatinaSemInfo s = {0};
  g_assert_true(patina_sem_parse_fei(fei_text, sizeof fei_text - 1, &s));
  g_assert_cmpuint(s.sources, ==, PATINA_SEM_FEI);
  assert_rel(s.pixel_size, 1.2e-8);
  assert_rel(s.pixel_size_y, 1.25e-8);
  assert_rel(s.kv, 15.0);
  assert_rel(s.magnification, 0.12288 / 1.2288e-05);
  g_assert_cmpint(s.databar_height, ==, 59);
  g_assert_cmpint(s.image_height, ==, 884);
  g_assert_cmpstr(s.instrument, ==, "Quanta FEG 250");
  g_assert_cmpstr(s.detector, ==, "ETD");
  /* A key outside its section is not that key. */
  const char *wrong = "[Beam]\nPixelWidth=1e-9\n[Scan]\nHV=20000\n";
  PatinaSemInfo w = {0};
  g_assert_false(patina_sem_parse_fei(wrong, strlen(wrong), &w));
  g_assert_cmpfloat(w.pixel_size, ==, 0.0);
}

static void test_jeol(void)
{
  PatinaSemInfo s = {0};
  g_assert_true(patina_sem_parse_sidecar(jeol_text, sizeof jeol_text - 1, &s));
  g_assert_cmpuint(s.sources, ==, PATINA_SEM_JEOL);
  assert_rel(s.pixel_size, 10e-6 / 120);
  assert_rel(s.magnification, 500.0);
  assert_rel(s.kv, 20.0);
  g_assert_cmpstr(s.instrument, ==, "JSM-6380");
  g_assert_cmpstr(s.detector, ==, "SEI");
  g_assert_cmpint(s.full_width, ==, 1280);

  /* Saved at half size: the micron bar was measured on the 1280-wide frame. */
  PatinaSemInfo half = s;
  patina_sem_finish(&half, 640, 480);
  assert_rel(half.pixel_size, 2 * 10e-6 / 120);
  g_assert_cmpint(half.full_width, ==, 640);
  /* Settled once: a second finish changes nothing. */
  patina_sem_finish(&half, 640, 480);
  assert_rel(half.pixel_size, 2 * 10e-6 / 120);
  PatinaSemInfo same = s;
  patina_sem_finish(&same, 1280, 960);
  assert_rel(same.pixel_size, 10e-6 / 120);
}

static void test_hitachi(void)
{
  PatinaSemInfo s = {0};
  g_assert_true(patina_sem_parse_sidecar(hitachi_text, sizeof hitachi_text - 1, &s));
  g_assert_cmpuint(s.sources, ==, PATINA_SEM_HITACHI);
  assert_rel(s.pixel_size, 49.6e-9);
  assert_rel(s.magnification, 500.0);
  assert_rel(s.kv, 20.0);
  g_assert_cmpstr(s.instrument, ==, "S-4800");
  g_assert_cmpstr(s.detector, ==, "SE(U)");
  g_autofree char *d = patina_sem_describe(&s);
  g_assert_cmpstr(d, ==, "Hitachi: 49.6 nm/px, 20 kV, 500×, S-4800, SE(U)");
}

/* Whatever is malformed is skipped; what is well-formed beside it is still read. */
static void test_malformed(void)
{
  const char *junk[] = {
    "",
    "\n\n\r\r",
    "Image Pixel Size = nan nm\nMag = inf X\nEHT = -20 kV\nImage Pixel Size = 2.5 furlongs\n",
    "Image Pixel Size = \nMag = K X\nEHT =\n=\n:\nAP_MAG\n",
    ("[Scan]\nPixelWidth=1e999\nPixelWidth=-1e-8\nPixelWidth=0x1p-20\n[PrivateFei]\n"
     "DatabarHeight=-4\nDatabarHeight=1e12\nDatabarHeight=5.5\n"),
    "$CM_MAG\n$$SM_MICRON_BAR 0\n$$SM_MICRON_MARKER 10\n$CM_FULL_SIZE 1280\n$\n$$$$$\n",
    "PixelSize=\nPixelSize=-3\nAcceleratingVoltage=20000 furlongs\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS(junk); i++) {
    PatinaSemInfo s = {0};
    gsize len = strlen(junk[i]);
    patina_sem_parse_zeiss(junk[i], len, &s);
    patina_sem_parse_fei(junk[i], len, &s);
    patina_sem_parse_sidecar(junk[i], len, &s);
    g_assert_cmpfloat(s.pixel_size, ==, 0.0);
    g_assert_cmpfloat(s.magnification, ==, 0.0);
    g_assert_cmpfloat(s.kv, ==, 0.0);
    g_assert_cmpint(s.databar_height, ==, 0);
  }
  /* NUL bytes and an overlong line between good ones. */
  GString *t = g_string_new("Mag = 200 X");
  g_string_append_c(t, '\0');
  for (int i = 0; i < 5000; i++)
    g_string_append_c(t, 'x');
  g_string_append(t, "\nEHT = 3 kV\nDetector = ");
  for (int i = 0; i < 100; i++)
    g_string_append(t, "\xe2\x82\xac"); /* longer than the field: cut at a character */
  g_string_append(t, "\n");
  PatinaSemInfo s = {0};
  g_assert_true(patina_sem_parse_zeiss(t->str, t->len, &s));
  assert_rel(s.magnification, 200.0);
  assert_rel(s.kv, 3.0);
  g_assert_true(g_utf8_validate(s.detector, -1, NULL));
  g_assert_cmpuint(strlen(s.detector) % 3, ==, 0);
  g_assert_cmpuint(strlen(s.detector), >, 20);
  g_string_free(t, TRUE);
}

static void write_gray_tiff(const char *path, int w, int h, const char *zeiss, const char *fei,
                            const char *fei_xml)
{
  g_autofree guint16 *px = g_new(guint16, (gsize) w * h);
  for (int i = 0; i < w * h; i++)
    px[i] = (guint16) (i * 131);
  fixture_write_tiff(path, &(FixtureTiff){.width = w, .height = h, .spp = 1, .bps = 16,
                                          .zeiss = zeiss, .fei = fei, .fei_xml = fei_xml},
                     px);
}

static void test_tiff_tags(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *zpath = tmp_path("zeiss.tif");
  write_gray_tiff(zpath, 32, 24, zeiss_text, NULL, NULL);
  g_autoptr(PatinaImage) z = patina_image_load(zpath, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(z->sem.sources, ==, PATINA_SEM_ZEISS);
  assert_rel(z->sem.pixel_size, 2.5e-9);
  assert_rel(z->sem.kv, 20.0);

  g_autofree char *fpath = tmp_path("fei.tif");
  write_gray_tiff(fpath, 32, 24, NULL, fei_text, "<?xml version=\"1.0\"?><Root/>");
  g_autoptr(PatinaImage) f = patina_image_load(fpath, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(f->sem.sources, ==, PATINA_SEM_FEI | PATINA_SEM_FEI_XML);
  assert_rel(f->sem.pixel_size, 1.2e-8);
  g_assert_cmpint(f->sem.databar_height, ==, 59);

  /* Real files may store the Zeiss text as BYTE, without a final NUL (libtiff 4.5 then
   * overwrites the last byte with one: here the final line break). */
  static const char ztext[] = "AP_IMAGE_PIXEL_SIZE\r\nImage Pixel Size = 7.5 nm\n";
  guint32 n = sizeof ztext - 1;
  guint32 off = fixture_raw_tail_offset(9);
  const FixtureEntry e[] = {
    {256, TIFF_LONG, 1, 4},       {257, TIFF_LONG, 1, 2},         {258, TIFF_SHORT, 1, 8},
    {262, TIFF_SHORT, 1, 1},      {273, TIFF_LONG, 1, off + n},   {277, TIFF_SHORT, 1, 1},
    {278, TIFF_LONG, 1, 2},       {279, TIFF_LONG, 1, 8},         {34118, TIFF_BYTE, n, off},
  };
  guint8 tail[sizeof ztext - 1 + 8];
  memcpy(tail, ztext, n);
  memset(tail + n, 100, 8);
  g_autoptr(GBytes) raw = fixture_raw_tiff(e, 9, tail, sizeof tail);
  g_autofree char *bpath = tmp_path("zeiss-byte.tif");
  fixture_write_bytes(bpath, raw);
  g_autoptr(PatinaImage) b = patina_image_load(bpath, NULL, &error);
  g_assert_no_error(error);
  assert_rel(b->sem.pixel_size, 7.5e-9);
  g_assert_cmpfloat(b->data[7], ==, 100 / 255.0f);

  /* No tags, no sidecar: nothing known, and that is not an error. */
  g_autofree char *plain = tmp_path("plain.tif");
  write_gray_tiff(plain, 8, 8, NULL, NULL, NULL);
  g_autoptr(PatinaImage) p = patina_image_load(plain, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(p->sem.sources, ==, 0);
  g_assert_cmpfloat(p->sem.pixel_size, ==, 0.0);
  g_autofree char *d = patina_sem_describe(&p->sem);
  g_assert_cmpstr(d, ==, "");
}

static void save_png(const char *path, int w, int h)
{
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, w, h);
  gdk_pixbuf_fill(pb, 0x80808000);
  g_assert_true(gdk_pixbuf_save(pb, path, "png", NULL, NULL));
}

static void test_sidecars(void)
{
  g_autoptr(GError) error = NULL;
  /* JEOL: a BMP/PNG/TIFF with a same-stem .txt; saved at 640 of the 1280 columns. */
  g_autofree char *jpng = tmp_path("jeol-001.png");
  g_autofree char *jtxt = tmp_path("jeol-001.txt");
  save_png(jpng, 640, 480);
  g_assert_true(g_file_set_contents(jtxt, jeol_text, -1, NULL));
  g_autoptr(PatinaImage) j = patina_image_load(jpng, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(j->sem.sources, ==, PATINA_SEM_JEOL);
  assert_rel(j->sem.pixel_size, 2 * 10e-6 / 120);
  g_assert_cmpstr(j->sem.instrument, ==, "JSM-6380");

  /* Hitachi, upper-case .TXT beside a TIFF that has Zeiss tags: the tag's values stay, the
   * sidecar fills in what they lack. */
  g_autofree char *htif = tmp_path("hitachi.tif");
  g_autofree char *htxt = tmp_path("hitachi.TXT");
  write_gray_tiff(htif, 16, 16, "AP_MAG\nMag = 800 X\n", NULL, NULL);
  g_assert_true(g_file_set_contents(htxt, hitachi_text, -1, NULL));
  g_autoptr(PatinaImage) h = patina_image_load(htif, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(h->sem.sources, ==, PATINA_SEM_ZEISS | PATINA_SEM_HITACHI);
  assert_rel(h->sem.magnification, 800.0);
  assert_rel(h->sem.pixel_size, 49.6e-9);
  g_assert_cmpuint(h->sem.pixel_size_source, ==, PATINA_SEM_HITACHI);

  /* A sidecar that cannot be used is skipped; the image still loads. */
  g_autofree char *bigpng = tmp_path("big-sidecar.png");
  g_autofree char *bigtxt = tmp_path("big-sidecar.txt");
  save_png(bigpng, 4, 4);
  g_autofree char *big = g_strnfill(300 * 1024, 'x');
  g_assert_true(g_file_set_contents(bigtxt, big, -1, NULL));
  PatinaSemInfo s = {0};
  g_assert_false(patina_sem_read_sidecar(bigpng, &s, &error));
  g_assert_nonnull(strstr(error->message, "big-sidecar.txt"));
  g_clear_error(&error);
  g_autoptr(PatinaImage) bi = patina_image_load(bigpng, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(bi->sem.sources, ==, 0);

  g_autofree char *dirpng = tmp_path("dir-sidecar.png");
  g_autofree char *dirtxt = tmp_path("dir-sidecar.txt");
  save_png(dirpng, 4, 4);
  g_assert_cmpint(g_mkdir(dirtxt, 0755), ==, 0);
  g_autoptr(PatinaImage) di = patina_image_load(dirpng, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(di->sem.sources, ==, 0);
  g_assert_null(patina_sem_sidecar_path(dirpng)); /* not a regular file */

  g_autofree char *fifopng = tmp_path("fifo-sidecar.png");
  g_autofree char *fifotxt = tmp_path("fifo-sidecar.txt");
  save_png(fifopng, 4, 4);
  if (mkfifo(fifotxt, 0644) == 0) {
    g_autoptr(PatinaImage) fi = patina_image_load(fifopng, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(fi->sem.sources, ==, 0);
  }

  /* A .txt is nobody's image, and an image without a stem's .txt has no sidecar. */
  g_assert_null(patina_sem_sidecar_path(jtxt));
  g_autofree char *lone = tmp_path("lone.png");
  g_assert_null(patina_sem_sidecar_path(lone));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp("patina-test-sem-XXXXXX", NULL);
  g_assert_nonnull(tmp_dir);

  g_test_add_func("/sem/zeiss", test_zeiss);
  g_test_add_func("/sem/fei", test_fei);
  g_test_add_func("/sem/jeol", test_jeol);
  g_test_add_func("/sem/hitachi", test_hitachi);
  g_test_add_func("/sem/malformed", test_malformed);
  g_test_add_func("/sem/tiff-tags", test_tiff_tags);
  g_test_add_func("/sem/sidecars", test_sidecars);

  int rc = g_test_run();
  test_remove_tree(tmp_dir);
  g_free(tmp_dir);
  return rc;
}
