/* patina-cli as a user and a script see it: exit codes (0 ok, 1 failure, 2 usage), error
 * messages that name the file or argument at fault, outputs that are not created or not
 * clobbered when a run fails, and one happy path demo-data → train → evaluate → predict → info
 * with the JSON outputs parsed.
 *
 * Runs the built binary ($PATINA_BUILD_DIR/src/cli/patina-cli) on tiny data sets at 46×46, the
 * smallest input the paper's CNN fits. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "data/demo.h"
#include "testutil.h"

static char *cli;       /* the binary */
static char *tmp_root;  /* removed at exit */
static char *demo_dir;  /* 6 images per class */
static char *model;     /* trained once on demo_dir, see shared_model() */

typedef struct {
  int status;           /* exit code */
  char *out, *err;
} Run;

static void run_free(Run *r)
{
  g_free(r->out);
  g_free(r->err);
  g_free(r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Run, run_free)

/* Runs patina-cli with the arguments (NULL-terminated); it must exit, not crash. */
static Run *run_cli(const char *arg, ...)
{
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

  Run *r = g_new0(Run, 1);
  int wait_status = 0;
  g_autoptr(GError) error = NULL;
  gboolean ok = g_spawn_sync(tmp_root, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
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

static void assert_contains(const char *haystack, const char *needle)
{
  if (!strstr(haystack, needle))
    g_error("expected \"%s\" in:\n%s", needle, haystack);
}

/* Exits with code and names `what` on stderr. */
static void expect_fail(Run *r, int code, const char *what)
{
  if (r->status != code)
    g_error("exit code %d, expected %d; stderr:\n%s", r->status, code, r->err);
  if (what)
    assert_contains(r->err, what);
  /* a failure is one or two lines, never a crash dump or a GLib critical */
  g_assert_null(strstr(r->err, "CRITICAL"));
  g_assert_null(strstr(r->err, "WARNING"));
}

static void expect_ok(Run *r)
{
  if (r->status != 0)
    g_error("exit code %d; stderr:\n%s", r->status, r->err);
}

/* A fresh empty folder under tmp_root. */
static char *fresh_dir(const char *name)
{
  char *dir = g_build_filename(tmp_root, name, NULL);
  test_remove_tree(dir);
  g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
  return dir;
}

static int count_entries(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  int n = 0;
  while (g_dir_read_name(d))
    n++;
  return n;
}

static void demo_data(const char *dir, int per_class, guint64 seed)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(patina_demo_generate(dir, per_class, seed, &error));
  g_assert_no_error(error);
}

/* A noisy JPEG (so it is large enough to truncate in its entropy-coded data). */
static void write_jpeg(const char *path, int size, guint32 seed)
{
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, size, size);
  guchar *px = gdk_pixbuf_get_pixels(pb);
  int stride = gdk_pixbuf_get_rowstride(pb);
  g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size * 3; x++)
      px[y * stride + x] = (guchar) g_rand_int_range(rand, 0, 256);
  g_autoptr(GError) error = NULL;
  g_assert_true(gdk_pixbuf_save(pb, path, "jpeg", &error, "quality", "90", NULL));
  g_assert_no_error(error);
}

static void write_truncated_jpeg(const char *path)
{
  g_autofree char *full = g_strconcat(path, ".full", NULL);
  write_jpeg(full, 96, 5);
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(full, &bytes, &len, NULL));
  g_assert_cmpuint(len, >, 4000);
  g_assert_true(g_file_set_contents(path, bytes, (gssize) len / 2, NULL));
  g_remove(full);
}

/* The model every test that needs one shares: trained once, 1 epoch at 46×46. */
static const char *shared_model(void)
{
  if (model)
    return model;
  char *path = g_build_filename(tmp_root, "shared", "model.safetensors", NULL);
  g_autofree char *dir = g_path_get_dirname(path);
  g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
  g_autoptr(Run) r = run_cli("train", "--size", "46", "--epochs", "1", "--batch", "8", "-o", path,
                             demo_dir, NULL);
  expect_ok(r);
  model = path;
  return model;
}

/* ---- usage ---- */

static void test_usage(void)
{
  {
    g_autoptr(Run) r = run_cli(NULL);
    expect_fail(r, 2, "Usage");
    for (const char *c = "demo-data\0train\0evaluate\0predict\0info\0"; *c; c += strlen(c) + 1)
      assert_contains(r->err, c);
  }
  {
    g_autoptr(Run) r = run_cli("frobnicate", NULL);
    expect_fail(r, 2, "frobnicate");
  }
  {
    g_autoptr(Run) r = run_cli("--help", NULL);
    expect_ok(r);
    assert_contains(r->out, "Usage");
    assert_contains(r->out, "train");
  }
  {
    g_autoptr(Run) r = run_cli("--version", NULL);
    expect_ok(r);
    assert_contains(r->out, "patina-cli ");
  }
  const char *commands[] = {"demo-data", "train", "evaluate", "predict", "info"};
  for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
    g_autoptr(Run) r = run_cli(commands[i], "--help", NULL);
    expect_ok(r);
    g_autofree char *usage = g_strdup_printf("patina-cli %s [OPTION", commands[i]);
    assert_contains(r->out, "Usage:");
    assert_contains(r->out, usage);
    /* an unknown option is a usage error that names it and points to --help */
    g_autoptr(Run) u = run_cli(commands[i], "--no-such-option", NULL);
    expect_fail(u, 2, "--no-such-option");
    g_autofree char *hint = g_strdup_printf("patina-cli %s --help", commands[i]);
    assert_contains(u->err, hint);
    /* so is a missing positional argument */
    g_autoptr(Run) m = run_cli(commands[i], NULL);
    expect_fail(m, 2, hint);
  }
}

static void test_train_usage(void)
{
  g_autofree char *dir = fresh_dir("train-usage");
  g_autofree char *out = g_build_filename(dir, "m.safetensors", NULL);
  struct {
    const char *args[4];
    const char *named;
  } cases[] = {
    {{NULL}, "-o"},
    {{"-o", out, "--epochs", "0"}, "--epochs"},
    {{"-o", out, "--batch", "0"}, "--batch"},
    {{"-o", out, "--lr", "0"}, "--lr"},
    {{"-o", out, "--lr", "-1"}, "--lr"},
    {{"-o", out, "--val-fraction", "1"}, "--val-fraction"},
    {{"-o", out, "--size", "8"}, "--size"},
    {{"-o", out, "--threads", "0"}, "--threads"},
    {{"-o", out, "--model", "vgg"}, "vgg"},
    {{"-o", out, "--optimizer", "rmsprop"}, "rmsprop"},
    {{"-o", out, "--epochs", "many"}, "many"},
    {{"-o", out, "--crop", "bogus"}, "--crop"},
    {{"-o", out, "--crop", "-3"}, "--crop"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    const char *const *a = cases[i].args;
    g_autoptr(Run) r = a[0] ? run_cli("train", a[0], a[1], a[2], a[3], demo_dir, NULL)
                            : run_cli("train", demo_dir, NULL);
    expect_fail(r, 2, cases[i].named);
  }
  {
    g_autoptr(Run) r = run_cli("train", "-o", out, demo_dir, demo_dir, NULL);
    expect_fail(r, 2, "one data folder");
  }
  g_assert_cmpint(count_entries(dir), ==, 0);
}

/* ---- train on bad data ---- */

/* Trains on data, which must fail with exit 1 naming `named`, writing nothing beside out. */
static void train_fails(const char *data, const char *named)
{
  g_autofree char *dir = fresh_dir("train-out");
  g_autofree char *out = g_build_filename(dir, "m.safetensors", NULL);
  g_autoptr(Run) r = run_cli("train", "--size", "46", "--epochs", "1", "-o", out, data, NULL);
  expect_fail(r, 1, named);
  g_assert_cmpint(count_entries(dir), ==, 0);
}

static void test_train_bad_data(void)
{
  g_autofree char *empty = fresh_dir("empty");
  train_fails(empty, empty);

  g_autofree char *missing = g_build_filename(tmp_root, "no-such-folder", NULL);
  train_fails(missing, missing);

  /* a file, not a folder */
  g_autofree char *file = g_build_filename(tmp_root, "plain-file", NULL);
  g_assert_true(g_file_set_contents(file, "x", -1, NULL));
  train_fails(file, file);

  /* one class */
  g_autofree char *one = fresh_dir("one-class");
  g_autofree char *one_class = g_build_filename(one, "316L", NULL);
  g_assert_cmpint(g_mkdir(one_class, 0755), ==, 0);
  for (int i = 0; i < 3; i++) {
    g_autofree char *name = g_strdup_printf("%d.jpg", i);
    g_autofree char *path = g_build_filename(one_class, name, NULL);
    write_jpeg(path, 32, (guint32) i);
  }
  train_fails(one, one);

  /* a class folder without images */
  g_autofree char *hollow = fresh_dir("hollow-class");
  demo_data(hollow, 3, 9);
  g_autofree char *extra = g_build_filename(hollow, "zinc", NULL);
  g_assert_cmpint(g_mkdir(extra, 0755), ==, 0);
  train_fails(hollow, "zinc");

  /* a text file dressed as a PNG */
  g_autofree char *fake = fresh_dir("fake-png");
  demo_data(fake, 3, 9);
  g_autofree char *fake_file = g_build_filename(fake, "AZ31B", "notes.png", NULL);
  g_assert_true(g_file_set_contents(fake_file, "these are my notes\n", -1, NULL));
  train_fails(fake, "notes.png");

  /* a truncated JPEG */
  g_autofree char *trunc = fresh_dir("truncated-jpeg");
  demo_data(trunc, 3, 9);
  g_autofree char *trunc_file = g_build_filename(trunc, "316L", "cut.jpg", NULL);
  write_truncated_jpeg(trunc_file);
  train_fails(trunc, "cut.jpg");

  /* an existing model is not overwritten by a run that fails early */
  g_autofree char *dir = fresh_dir("keep-output");
  g_autofree char *out = g_build_filename(dir, "precious.safetensors", NULL);
  const char *precious = "not really a model, but mine";
  g_assert_true(g_file_set_contents(out, precious, -1, NULL));
  g_autoptr(Run) r = run_cli("train", "--size", "46", "--epochs", "1", "-o", out, trunc, NULL);
  expect_fail(r, 1, "cut.jpg");
  g_autofree char *now = NULL;
  g_assert_true(g_file_get_contents(out, &now, NULL, NULL));
  g_assert_cmpstr(now, ==, precious);
  g_assert_cmpint(count_entries(dir), ==, 1);
}

static void test_train_bad_output(void)
{
  g_autofree char *plain = g_build_filename(tmp_root, "plain", NULL);
  g_assert_true(g_file_set_contents(plain, "x", -1, NULL));
  g_autofree char *under_file = g_build_filename(plain, "m.safetensors", NULL);
  g_autofree char *no_dir = g_build_filename(tmp_root, "no", "such", "dir", "m.safetensors", NULL);
  g_autofree char *is_dir = fresh_dir("a-folder");
  const char *outputs[] = {"/proc/patina-test.safetensors", under_file, no_dir, is_dir};
  for (guint i = 0; i < G_N_ELEMENTS(outputs); i++) {
    GTimer *timer = g_timer_new();
    g_autoptr(Run) r = run_cli("train", "--size", "46", "--epochs", "1", "-o", outputs[i],
                               demo_dir, NULL);
    /* refused before any training */
    g_assert_cmpfloat(g_timer_elapsed(timer, NULL), <, 5.0);
    g_timer_destroy(timer);
    expect_fail(r, 1, outputs[i]);
    g_assert_null(strstr(r->out, "epoch"));
  }
  g_assert_false(g_file_test("/proc/patina-test.csv", G_FILE_TEST_EXISTS));
  g_assert_cmpint(count_entries(is_dir), ==, 0);
}

/* 46 is the smallest input the paper's CNN fits; 45 fails with a message about the size. */
static void test_train_size_too_small(void)
{
  g_autofree char *dir = fresh_dir("too-small");
  g_autofree char *out = g_build_filename(dir, "m.safetensors", NULL);
  g_autoptr(Run) r = run_cli("train", "--size", "45", "--epochs", "1", "-o", out, demo_dir, NULL);
  g_assert_cmpint(r->status, !=, 0);
  expect_fail(r, r->status, "size");
  g_assert_cmpint(count_entries(dir), ==, 0);
}

/* ---- broken and mismatched models ---- */

static char *write_file(const char *name, const void *bytes, gsize len)
{
  char *path = g_build_filename(tmp_root, name, NULL);
  g_assert_true(g_file_set_contents(path, bytes, (gssize) len, NULL));
  return path;
}

/* Replaces every occurrence of from by to (the same length) in a copy of src. */
static char *patch_copy(const char *src, const char *name, const char *from, const char *to)
{
  g_assert_cmpuint(strlen(from), ==, strlen(to));
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(src, &bytes, &len, NULL));
  int hits = 0;
  for (char *p = bytes; p + strlen(from) <= bytes + len; p++)
    if (!memcmp(p, from, strlen(from))) {
      memcpy(p, to, strlen(to));
      hits++;
    }
  g_assert_cmpint(hits, >, 0);
  return write_file(name, bytes, len);
}

static void expect_model_refused(const char *path, const char *named)
{
  g_autofree char *image = g_build_filename(demo_dir, "316L", "316L_000.png", NULL);
  g_autoptr(Run) e = run_cli("evaluate", path, demo_dir, NULL);
  expect_fail(e, 1, named);
  g_assert_cmpstr(e->out, ==, "");
  g_autoptr(Run) p = run_cli("predict", path, image, NULL);
  expect_fail(p, 1, named);
  g_assert_cmpstr(p->out, ==, "");
  g_autoptr(Run) i = run_cli("info", path, NULL);
  expect_fail(i, 1, named);
}

static void test_bad_models(void)
{
  const char *good = shared_model();
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(good, &bytes, &len, NULL));

  g_autofree char *empty = write_file("empty.safetensors", "", 0);
  expect_model_refused(empty, empty);
  g_autofree char *text = write_file("text.safetensors", "hello world\n", 12);
  expect_model_refused(text, text);
  g_autofree char *short_header = write_file("short.safetensors", bytes, 1000);
  expect_model_refused(short_header, short_header);
  g_autofree char *short_data = write_file("short-data.safetensors", bytes, len - 100);
  expect_model_refused(short_data, short_data);
  /* a header length of 2^63 - 1 */
  g_autofree char *huge = write_file("huge.safetensors", "\xff\xff\xff\xff\xff\xff\xff\x7f{}", 10);
  expect_model_refused(huge, huge);
  /* a header that is not JSON */
  g_autofree char *garbage = g_memdup2(bytes, len);
  memset(garbage + 8, '#', 40);
  g_autofree char *not_json = write_file("not-json.safetensors", garbage, len);
  expect_model_refused(not_json, not_json);
  g_autofree char *missing = g_build_filename(tmp_root, "missing.safetensors", NULL);
  expect_model_refused(missing, missing);

  /* a checkpoint claiming another input size than its tensors have: the dense layer's
   * weight no longer fits, and the message says which tensor */
  g_autofree char *step = patch_copy(good, "step.safetensors", "[3,46,46]", "[3,64,64]");
  g_autofree char *resized = patch_copy(step, "resized.safetensors", "[3, 46, 46]", "[3, 64, 64]");
  expect_model_refused(resized, resized);
  g_autoptr(Run) r = run_cli("info", resized, NULL);
  assert_contains(r->err, "13.weight");
}

static void test_class_mismatch(void)
{
  const char *good = shared_model();
  /* the same images, other class names */
  g_autofree char *renamed = fresh_dir("renamed-classes");
  demo_data(renamed, 2, 1);
  g_autofree char *from = g_build_filename(renamed, "AZ31B", NULL);
  g_autofree char *to = g_build_filename(renamed, "Mg", NULL);
  g_assert_cmpint(g_rename(from, to), ==, 0);
  g_autoptr(Run) r = run_cli("evaluate", good, renamed, NULL);
  expect_fail(r, 1, good);
  assert_contains(r->err, "AZ31B");
  assert_contains(r->err, "Mg");
  g_assert_cmpstr(r->out, ==, "");

  /* a third class */
  g_autofree char *three = fresh_dir("three-classes");
  demo_data(three, 2, 1);
  g_autofree char *zinc = g_build_filename(three, "Zn", NULL);
  g_assert_cmpint(g_mkdir(zinc, 0755), ==, 0);
  g_autofree char *zimg = g_build_filename(zinc, "z.jpg", NULL);
  write_jpeg(zimg, 32, 1);
  g_autoptr(Run) t = run_cli("evaluate", "--json", good, three, NULL);
  expect_fail(t, 1, "Zn");
  g_assert_cmpstr(t->out, ==, "");

  /* data at another resolution than the model is fine: images are resized to its input */
  g_autofree char *small = fresh_dir("small-images");
  for (int k = 0; k < 2; k++) {
    g_autofree char *cdir = g_build_filename(small, k ? "AZ31B" : "316L", NULL);
    g_assert_cmpint(g_mkdir(cdir, 0755), ==, 0);
    g_autofree char *img = g_build_filename(cdir, "a.jpg", NULL);
    write_jpeg(img, 20, (guint32) k);
  }
  g_autoptr(Run) s = run_cli("evaluate", good, small, NULL);
  expect_ok(s);
  assert_contains(s->out, "images: 2");
}

/* ---- predict, info, demo-data ---- */

static void test_predict_partial(void)
{
  const char *good = shared_model();
  g_autofree char *a = g_build_filename(demo_dir, "316L", "316L_001.png", NULL);
  g_autofree char *b = g_build_filename(demo_dir, "AZ31B", "AZ31B_002.png", NULL);
  g_autofree char *text = write_file("readme.png", "not an image", 12);
  g_autofree char *cut = g_build_filename(tmp_root, "cut.jpg", NULL);
  write_truncated_jpeg(cut);
  g_autofree char *missing = g_build_filename(tmp_root, "gone.png", NULL);

  g_autoptr(Run) r = run_cli("predict", good, a, text, cut, missing, b, NULL);
  expect_fail(r, 1, text);
  assert_contains(r->err, cut);
  assert_contains(r->err, missing);
  /* the readable images are still predicted */
  g_auto(GStrv) lines = g_strsplit(r->out, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 3);
  g_assert_true(g_str_has_prefix(lines[0], a));
  g_assert_true(g_str_has_prefix(lines[1], b));
  g_assert_null(strstr(r->out, "readme.png"));

  /* and in JSON the output is still a valid array of the good ones */
  g_autoptr(Run) j = run_cli("predict", "--json", good, a, text, b, NULL);
  expect_fail(j, 1, text);
  g_autoptr(JsonParser) p = json_parser_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(json_parser_load_from_data(p, j->out, -1, &error));
  g_assert_no_error(error);
  g_assert_true(JSON_NODE_HOLDS_ARRAY(json_parser_get_root(p)));
  g_assert_cmpuint(json_array_get_length(json_node_get_array(json_parser_get_root(p))), ==, 2);
}

static void test_info(void)
{
  const char *good = shared_model();
  {
    g_autoptr(Run) r = run_cli("info", good, NULL);
    expect_ok(r);
    assert_contains(r->out, "parameters:");
    assert_contains(r->out, "input: 3×46×46");
    assert_contains(r->out, "classes: 316L, AZ31B");
    assert_contains(r->out, "history:");
  }
  {
    g_autofree char *img = g_build_filename(demo_dir, "316L", "316L_000.png", NULL);
    g_autoptr(Run) r = run_cli("info", img, NULL);
    expect_ok(r);
    assert_contains(r->out, "format: png");
    assert_contains(r->out, "256×256");
  }
  {
    g_autoptr(Run) r = run_cli("info", demo_dir, NULL);
    expect_ok(r);
    assert_contains(r->out, "images: 12");
    assert_contains(r->out, "classes: 2");
  }
  {
    g_autofree char *missing = g_build_filename(tmp_root, "nothing-here", NULL);
    g_autoptr(Run) r = run_cli("info", missing, NULL);
    expect_fail(r, 1, missing);
  }
  {
    g_autofree char *text = write_file("notes.txt", "hello", 5);
    g_autoptr(Run) r = run_cli("info", text, NULL);
    expect_fail(r, 1, text);
  }
  {
    g_autofree char *empty = fresh_dir("info-empty");
    g_autoptr(Run) r = run_cli("info", empty, NULL);
    expect_fail(r, 1, empty);
  }
}

static void test_demo_data_errors(void)
{
  g_autofree char *plain = g_build_filename(tmp_root, "regular-file", NULL);
  g_assert_true(g_file_set_contents(plain, "x", -1, NULL));
  g_autofree char *under = g_build_filename(plain, "data", NULL);
  {
    g_autoptr(Run) r = run_cli("demo-data", "-n", "2", under, NULL);
    expect_fail(r, 1, plain);
  }
  {
    g_autoptr(Run) r = run_cli("demo-data", "-n", "2", plain, NULL);
    expect_fail(r, 1, plain);
  }
  {
    g_autofree char *dir = g_build_filename(tmp_root, "demo-zero", NULL);
    g_autoptr(Run) r = run_cli("demo-data", "-n", "0", dir, NULL);
    expect_fail(r, 2, "--per-class");
    g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
  }
}

/* ---- the happy path ---- */

static JsonNode *parse_json(const char *text)
{
  g_autoptr(JsonParser) p = json_parser_new();
  g_autoptr(GError) error = NULL;
  if (!json_parser_load_from_data(p, text, -1, &error))
    g_error("not JSON (%s):\n%s", error->message, text);
  return json_node_copy(json_parser_get_root(p));
}

static void check_evaluation(JsonObject *o, int images)
{
  g_assert_cmpint(json_object_get_int_member(o, "images"), ==, images);
  double acc = json_object_get_double_member(o, "accuracy");
  g_assert_cmpfloat(acc, >=, 0.0);
  g_assert_cmpfloat(acc, <=, 1.0);
  g_assert_true(isfinite(json_object_get_double_member(o, "loss")));
  JsonArray *classes = json_object_get_array_member(o, "classes");
  g_assert_cmpuint(json_array_get_length(classes), ==, 2);
  g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(classes, 0), "name"),
                  ==, "316L");
  JsonArray *confusion = json_object_get_array_member(o, "confusion");
  g_assert_cmpuint(json_array_get_length(confusion), ==, 2);
  gint64 sum = 0, diagonal = 0;
  for (guint i = 0; i < 2; i++) {
    JsonArray *row = json_array_get_array_element(confusion, i);
    g_assert_cmpuint(json_array_get_length(row), ==, 2);
    gint64 support = 0;
    for (guint j = 0; j < 2; j++) {
      gint64 v = json_array_get_int_element(row, j);
      g_assert_cmpint(v, >=, 0);
      sum += v, support += v;
      if (i == j)
        diagonal += v;
    }
    JsonObject *c = json_array_get_object_element(classes, i);
    g_assert_cmpint(json_object_get_int_member(c, "support"), ==, support);
  }
  g_assert_cmpint(sum, ==, images);
  g_assert_cmpfloat_with_epsilon(acc, (double) diagonal / images, 1e-9);
}

static void test_happy_path(void)
{
  g_autofree char *dir = fresh_dir("happy");
  g_autofree char *data = g_build_filename(dir, "data", NULL);
  g_autofree char *out = g_build_filename(dir, "model.safetensors", NULL);
  {
    g_autoptr(Run) r = run_cli("demo-data", "--per-class", "5", "--seed", "3", data, NULL);
    expect_ok(r);
    assert_contains(r->out, data);
  }
  {
    g_autoptr(Run) r = run_cli("info", data, NULL);
    expect_ok(r);
    assert_contains(r->out, "images: 10");
  }
  {
    g_autoptr(Run) r = run_cli("train", "--size", "46", "--epochs", "2", "--batch", "4", "-o", out,
                               data, NULL);
    expect_ok(r);
    assert_contains(r->out, "epoch 1/2");
    assert_contains(r->out, "epoch 2/2");
    assert_contains(r->out, out);
  }
  g_autofree char *last = g_build_filename(dir, "model.last.safetensors", NULL);
  g_autofree char *csv = g_build_filename(dir, "model.csv", NULL);
  g_assert_true(g_file_test(out, G_FILE_TEST_IS_REGULAR));
  g_assert_true(g_file_test(last, G_FILE_TEST_IS_REGULAR));
  g_assert_true(g_file_test(csv, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint(count_entries(dir), ==, 4); /* no temporary files left */
  {
    g_autoptr(Run) r = run_cli("evaluate", "--json", out, data, NULL);
    expect_ok(r);
    g_autoptr(JsonNode) root = parse_json(r->out);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
    check_evaluation(json_node_get_object(root), 10);
  }
  {
    /* the holdout: 1 of each class's 5 */
    g_autoptr(Run) r = run_cli("evaluate", "--json", "--holdout", last, data, NULL);
    expect_ok(r);
    g_autoptr(JsonNode) root = parse_json(r->out);
    check_evaluation(json_node_get_object(root), 2);
  }
  {
    g_autoptr(Run) r = run_cli("evaluate", out, data, NULL);
    expect_ok(r);
    assert_contains(r->out, "accuracy:");
    assert_contains(r->out, "confusion");
  }
  {
    g_autofree char *a = g_build_filename(data, "316L", "316L_000.png", NULL);
    g_autofree char *b = g_build_filename(data, "AZ31B", "AZ31B_004.png", NULL);
    g_autoptr(Run) r = run_cli("predict", "--json", out, a, b, NULL);
    expect_ok(r);
    g_autoptr(JsonNode) root = parse_json(r->out);
    JsonArray *arr = json_node_get_array(root);
    g_assert_cmpuint(json_array_get_length(arr), ==, 2);
    for (guint i = 0; i < 2; i++) {
      JsonObject *o = json_array_get_object_element(arr, i);
      g_assert_cmpstr(json_object_get_string_member(o, "image"), ==, i ? b : a);
      const char *klass = json_object_get_string_member(o, "class");
      g_assert_true(!strcmp(klass, "316L") || !strcmp(klass, "AZ31B"));
      JsonObject *probs = json_object_get_object_member(o, "probabilities");
      double p0 = json_object_get_double_member(probs, "316L");
      double p1 = json_object_get_double_member(probs, "AZ31B");
      g_assert_cmpfloat_with_epsilon(p0 + p1, 1.0, 1e-5);
      g_assert_cmpstr(klass, ==, p1 > p0 ? "AZ31B" : "316L");
    }
    g_autoptr(Run) t = run_cli("predict", out, a, NULL);
    expect_ok(t);
    g_assert_true(g_str_has_prefix(t->out, a));
  }
  {
    g_autoptr(Run) r = run_cli("info", out, NULL);
    expect_ok(r);
    assert_contains(r->out, "model: paper");
    assert_contains(r->out, "\"size\":46");
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  const char *build = g_getenv("PATINA_BUILD_DIR");
  if (!build) {
    g_printerr("PATINA_BUILD_DIR is not set (run through meson test)\n");
    return 77;
  }
  cli = g_build_filename(build, "src", "cli", "patina-cli", NULL);
  if (!g_file_test(cli, G_FILE_TEST_IS_EXECUTABLE)) {
    g_printerr("%s: not built\n", cli);
    return 1;
  }
  tmp_root = g_dir_make_tmp("patina-cli-XXXXXX", NULL);
  g_assert_nonnull(tmp_root);
  demo_dir = g_build_filename(tmp_root, "demo", NULL);
  demo_data(demo_dir, 6, 1);

  g_test_add_func("/cli/usage", test_usage);
  g_test_add_func("/cli/train/usage", test_train_usage);
  g_test_add_func("/cli/train/bad-data", test_train_bad_data);
  g_test_add_func("/cli/train/bad-output", test_train_bad_output);
  g_test_add_func("/cli/train/size-too-small", test_train_size_too_small);
  g_test_add_func("/cli/models/broken", test_bad_models);
  g_test_add_func("/cli/models/class-mismatch", test_class_mismatch);
  g_test_add_func("/cli/predict/partial", test_predict_partial);
  g_test_add_func("/cli/info", test_info);
  g_test_add_func("/cli/demo-data/errors", test_demo_data_errors);
  g_test_add_func("/cli/happy-path", test_happy_path);
  int rc = g_test_run();
  test_remove_tree(tmp_root);
  g_free(tmp_root);
  g_free(demo_dir);
  g_free(model);
  g_free(cli);
  return rc;
}
