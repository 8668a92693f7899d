/* patina-cli layers as a user and a script see it: --list, the figure kinds in each format,
 * exit codes (0 ok, 1 failure, 2 usage) and messages that name what is wrong: an unknown layer
 * (listing the valid ones), colormap, normalisation or order, an image of another size (resized)
 * or one that cannot be read, a model without conv layers, an unwritable output. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <stdio.h>
#include <string.h>

#include "cli-run.h"
#include "nn/model.h"
#include "testutil.h"

static char *tmp;

static char *in_tmp(const char *name)
{
  return g_build_filename(tmp, name, NULL);
}

static void expect_ok(const CliRun *r)
{
  if (r->status != 0)
    g_error("exit code %d; stderr:\n%s", r->status, r->err);
}

static void test_list(void)
{
  g_autoptr(CliRun) r = cli_run(tmp, "layers", "model.safetensors", "--list", NULL);
  expect_ok(r);
  const char *lines[] = {"conv1", "32×44×44", "relu1", "pool1", "32×22×22", "conv4", "dense1",
                         "512", "dropout1", "dense2"};
  for (guint i = 0; i < G_N_ELEMENTS(lines); i++)
    cli_run_assert_contains(r->out, lines[i]);
}

static void test_figures(void)
{
  {
    g_autoptr(CliRun) r = cli_run(tmp, "layers", "model.safetensors", "surface.png", "--layer",
                                  "relu2", "--colormap", "bronze", "--normalise", "layer",
                                  "--sort", "active", "-o", "fig.pdf", NULL);
    expect_ok(r);
    cli_run_assert_contains(r->out, "relu2");
    cli_run_assert_contains(r->out, "no scale bar");
    g_autofree char *pdf = in_tmp("fig.pdf"), *bytes = NULL;
    g_assert_true(g_file_get_contents(pdf, &bytes, NULL, NULL));
    g_assert_cmpint(memcmp(bytes, "%PDF-", 5), ==, 0);
  }
  {
    /* --dpi sets the PNG's size: 178 mm at 100 dpi is 701 pixels. */
    g_autoptr(CliRun) r = cli_run(tmp, "layers", "model.safetensors", "surface.png", "--layer",
                                  "4", "--dpi", "100", "-o", "fig.png", NULL);
    expect_ok(r);
    g_autofree char *png = in_tmp("fig.png");
    int w = 0, h = 0;
    g_assert_nonnull(gdk_pixbuf_get_file_info(png, &w, &h));
    g_assert_cmpint(w, ==, 700);
  }
  {
    g_autoptr(CliRun) r = cli_run(tmp, "layers", "model.safetensors", "surface.png", "--layer",
                                  "pool1", "--six-colormaps", "--max-maps", "9", "-o", "six.svg",
                                  NULL);
    expect_ok(r);
    cli_run_assert_contains(r->out, "six colormaps");
    g_autofree char *svg = in_tmp("six.svg");
    g_assert_true(g_file_test(svg, G_FILE_TEST_IS_REGULAR));
  }
  {
    g_autoptr(CliRun) r = cli_run(tmp, "layers", "model.safetensors", "--filters", "--width-mm",
                                  "85", "--dpi", "72", "-o", "filters.png", NULL);
    expect_ok(r);
    g_autofree char *png = in_tmp("filters.png");
    int w = 0, h = 0;
    g_assert_nonnull(gdk_pixbuf_get_file_info(png, &w, &h));
    g_assert_cmpint(w, ==, 241); /* 85 mm at 72 dpi */
  }
  {
    /* An image of another size and shape is resized as for training; dense layers are bars. */
    g_autoptr(CliRun) r = cli_run(tmp, "layers", "model.safetensors", "wide.png", "--layer",
                                  "dense1", "-o", "dense.png", NULL);
    expect_ok(r);
    cli_run_assert_contains(r->out, "dense1");
  }
}

static void test_stats(void)
{
  g_autoptr(CliRun) r = cli_run(tmp, "layers", "model.safetensors", "surface.png", "--layer",
                                "relu1", "--stats", "--sort", "max", NULL);
  expect_ok(r);
  g_auto(GStrv) lines = g_strsplit(r->out, "\n", -1);
  cli_run_assert_contains(lines[0], "relu1 of surface.png: 32 channels of 44×44");
  /* 32 channels, largest maximum first, ReLU outputs are never negative */
  double previous = G_MAXDOUBLE;
  int rows = 0;
  for (int i = 2; lines[i] && *lines[i]; i++, rows++) {
    int channel;
    double mean, min, max, active;
    g_assert_cmpint(sscanf(lines[i], "%d %lf %lf %lf %lf", &channel, &mean, &min, &max, &active),
                    ==, 5);
    g_assert_cmpfloat(max, <=, previous);
    g_assert_cmpfloat(min, >=, 0.0);
    g_assert_cmpfloat(active, <=, 1.0);
    previous = max;
  }
  g_assert_cmpint(rows, ==, 32);
  g_autoptr(CliRun) both = cli_run(tmp, "layers", "model.safetensors", "--filters", "--stats",
                                   NULL);
  cli_run_expect_fail(both, 2, "choose one");
}

static void test_usage_errors(void)
{
  static const struct {
    const char *args[8];
    const char *says;
  } cases[] = {
    {{"--layer", "conv9", "-o", "x.png"}, "\"conv9\""},
    {{"--layer", "conv9", "-o", "x.png"}, "conv1 32×44×44"},
    {{"--colormap", "jet", "-o", "x.png"}, "red_lava"},
    {{"--normalise", "global", "-o", "x.png"}, "channel or layer"},
    {{"--sort", "median", "-o", "x.png"}, "index, mean, max or active"},
    {{"-o", "x.jpg"}, ".png, .svg or .pdf"},
    {{"--dpi", "5", "-o", "x.png"}, "--dpi"},
    {{NULL}, "-o FILE is required"},
    {{"--six-colormaps", "--filters", "-o", "x.png"}, "choose one"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    const char *const *a = cases[i].args;
    g_autoptr(CliRun) r = cli_run(tmp, "layers", "model.safetensors", "surface.png", a[0], a[1],
                                  a[2], a[3], NULL);
    cli_run_expect_fail(r, 2, cases[i].says);
  }
  g_autofree char *x = in_tmp("x.png");
  g_assert_false(g_file_test(x, G_FILE_TEST_EXISTS));
  g_autoptr(CliRun) help = cli_run(tmp, "layers", "--help", NULL);
  expect_ok(help);
  cli_run_assert_contains(help->out, "--six-colormaps");
}

static void test_failures(void)
{
  {
    g_autoptr(CliRun) r = cli_run(tmp, "layers", "model.safetensors", "broken.png", "-o",
                                  "out.png", NULL);
    cli_run_expect_fail(r, 1, "broken.png");
    g_autofree char *out = in_tmp("out.png");
    g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  }
  {
    g_autoptr(CliRun) r = cli_run(tmp, "layers", "model.safetensors", "surface.png", "-o",
                                  "no-such-folder/out.pdf", NULL);
    cli_run_expect_fail(r, 1, "no-such-folder");
  }
  {
    /* No conv layers: no maps, no filters; its dense layers can still be drawn. */
    g_autoptr(CliRun) r = cli_run(tmp, "layers", "dense.safetensors", "surface.png", "-o",
                                  "out.png", NULL);
    cli_run_expect_fail(r, 1, "no convolution layers");
    g_autoptr(CliRun) f = cli_run(tmp, "layers", "dense.safetensors", "--filters", "-o",
                                  "out.png", NULL);
    cli_run_expect_fail(f, 1, "no convolution layers");
    g_autoptr(CliRun) d = cli_run(tmp, "layers", "dense.safetensors", "surface.png", "--layer",
                                  "dense1", "-o", "out.png", NULL);
    expect_ok(d);
  }
  {
    g_autoptr(CliRun) r = cli_run(tmp, "layers", "missing.safetensors", "surface.png", "-o",
                                  "out.png", NULL);
    cli_run_expect_fail(r, 1, "missing.safetensors");
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_autoptr(GError) error = NULL;
  tmp = g_dir_make_tmp("patina-cli-layers-XXXXXX", &error);
  g_assert_no_error(error);
  g_autofree char *spec = patina_spec_paper(2, 46, 3);
  g_autofree char *model = in_tmp("model.safetensors");
  cli_fixture_model(model, spec, 3);
  g_autofree char *dense = in_tmp("dense.safetensors");
  cli_fixture_model(dense,
                    "{\"input\": [3, 46, 46], \"layers\": [{\"type\": \"flatten\"},"
                    "{\"type\": \"dense\", \"out_features\": 8}, {\"type\": \"relu\"},"
                    "{\"type\": \"dense\", \"out_features\": 1}]}",
                    4);
  float pixels[60 * 60], wide[40 * 120];
  for (int i = 0; i < 60 * 60; i++)
    pixels[i] = ((i % 60) / 6 + (i / 360)) % 2 ? 0.8f : 0.2f;
  for (int i = 0; i < 40 * 120; i++)
    wide[i] = (i % 120) / 120.0f;
  g_autofree char *surface = in_tmp("surface.png"), *wide_png = in_tmp("wide.png");
  cli_fixture_png(surface, pixels, 60, 60);
  cli_fixture_png(wide_png, wide, 120, 40);
  g_autofree char *broken = in_tmp("broken.png");
  g_assert_true(g_file_set_contents(broken, "\x89PNG but not really", -1, NULL));

  g_test_add_func("/cli-layers/list", test_list);
  g_test_add_func("/cli-layers/figures", test_figures);
  g_test_add_func("/cli-layers/stats", test_stats);
  g_test_add_func("/cli-layers/usage-errors", test_usage_errors);
  g_test_add_func("/cli-layers/failures", test_failures);
  int rc = g_test_run();
  test_remove_tree(tmp);
  g_free(tmp);
  return rc;
}
