#include "cli-run.h"

#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>

#include <cairo.h>

#include "train/checkpoint.h"

void cli_run_free(CliRun *r)
{
  g_free(r->out);
  g_free(r->err);
  g_free(r);
}

CliRun *cli_run(const char *dir, const char *arg, ...)
{
  const char *build = g_getenv("PATINA_BUILD_DIR");
  g_autofree char *cli = g_build_filename(build ? build : ".", "src", "cli", "patina-cli", NULL);
  GPtrArray *argv = g_ptr_array_new();
  g_ptr_array_add(argv, cli);
  va_list ap;
  va_start(ap, arg);
  for (const char *a = arg; a; a = va_arg(ap, const char *))
    g_ptr_array_add(argv, (char *) a);
  va_end(ap);
  g_ptr_array_add(argv, NULL);
  g_autofree char *line = g_strjoinv(" ", (char **) argv->pdata);
  g_test_message("$ %s", line);
  CliRun *r = g_new0(CliRun, 1);
  int wait_status = 0;
  g_autoptr(GError) error = NULL;
  gboolean ok = g_spawn_sync(dir, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                             &r->out, &r->err, &wait_status, &error);
  g_ptr_array_unref(argv);
  g_assert_no_error(error);
  g_assert_true(ok);
  if (!WIFEXITED(wait_status))
    g_error("%s: did not exit normally (wait status %d); stderr:\n%s", line, wait_status, r->err);
  r->status = WEXITSTATUS(wait_status);
  if (*r->err)
    g_test_message("stderr: %s", r->err);
  return r;
}

void cli_run_assert_contains(const char *haystack, const char *needle)
{
  if (!strstr(haystack, needle))
    g_error("expected \"%s\" in:\n%s", needle, haystack);
}

void cli_run_expect_fail(const CliRun *r, int code, const char *what)
{
  if (r->status != code)
    g_error("exit code %d, expected %d; stderr:\n%s", r->status, code, r->err);
  if (what)
    cli_run_assert_contains(r->err, what);
  g_assert_null(strstr(r->err, "CRITICAL"));
  g_assert_null(strstr(r->err, "WARNING"));
}

void cli_fixture_png(const char *path, const float *pixels, int w, int h)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  guint8 *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      guint32 v = (guint32) CLAMP(pixels[(gsize) y * w + x] * 255.0f + 0.5f, 0.0f, 255.0f);
      ((guint32 *) (data + (gsize) y * stride))[x] = 0xFF000000u | v << 16 | v << 8 | v;
    }
  cairo_surface_mark_dirty(s);
  g_assert_cmpint(cairo_surface_write_to_png(s, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy(s);
}

void cli_fixture_model(const char *path, const char *spec, guint64 seed)
{
  g_autoptr(GError) error = NULL;
  PatinaModel *m = patina_model_new(spec, &error);
  g_assert_no_error(error);
  PatinaRng rng;
  patina_rng_init(&rng, seed);
  patina_model_init(m, &rng);
  char *two[] = { "316L", "AZ31B", NULL };
  PatinaCheckpointMeta meta = { .class_names = patina_model_n_classes(m) == 2 ? two : NULL };
  g_assert_true(patina_checkpoint_save(m, &meta, path, &error));
  g_assert_no_error(error);
  patina_model_free(m);
}
