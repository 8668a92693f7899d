/* patina-cli dataset: the data set manifest (init, check, update), and the data set side of
 * train and evaluate (a folder with or without a manifest; k-fold cross-validation). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "data/phash.h"

/* ---- the data set DATA names, for train and evaluate ---- */

static void print_issue(FILE *out, const PatinaManifestIssue *issue)
{
  fprintf(out, "  %-10s %s: %s\n", patina_issue_kind_name(issue->kind), issue->path,
          issue->detail);
}

gboolean cli_data_open(const char *dir, PatinaManifestUse use, PatinaDataSource *d,
                       GError **error)
{
  g_autoptr(GArray) issues = patina_manifest_issues_new();
  g_autoptr(GPtrArray) outside = g_ptr_array_new_with_free_func(g_free);
  if (!patina_data_source_open(dir, use, d, issues, outside, error))
    return FALSE;
  for (guint i = 0; i < outside->len; i++)
    fprintf(stderr, "patina-cli: skipped %s: it lies outside %s (through a symbolic link)\n",
            (char *) g_ptr_array_index(outside, i), dir);
  if (issues->len > 0) {
    fprintf(stderr, "patina-cli: %u images of %s skipped:\n", issues->len, d->manifest_path);
    for (guint i = 0; i < issues->len; i++)
      print_issue(stderr, &g_array_index(issues, PatinaManifestIssue, i));
  }
  return TRUE;
}

void cli_data_print(const PatinaDataSource *d, const char *dir)
{
  const PatinaDataset *ds = d->ds;
  printf("data: %s, %u images in %u classes", dir, ds->samples->len, ds->class_names->len);
  for (guint i = 0; i < ds->class_names->len; i++)
    printf("%s%s %d", i ? ", " : " (", (char *) g_ptr_array_index(ds->class_names, i),
           patina_dataset_count_class(ds, (int) i));
  printf(")\n");
  if (d->manifest) {
    int excluded = 0;
    for (guint i = 0; i < d->manifest->images->len; i++)
      excluded += g_array_index(d->manifest->images, PatinaManifestImage, i).excluded;
    printf("data: manifest %s: train %u, val %u, test %u", d->manifest_path,
           d->splits[PATINA_SPLIT_TRAIN]->len, d->splits[PATINA_SPLIT_VAL]->len,
           d->splits[PATINA_SPLIT_TEST]->len);
    if (excluded)
      printf(", %d excluded", excluded);
    printf("\n");
  }
}

/* ---- k-fold cross-validation ---- */

/* user_data is the progress callback's; the fold lines need none */
static void on_fold(const PatinaFoldEvent *ev, gpointer user_data)
{
  (void) user_data;
  if (!ev->done)
    printf("fold %d/%d: train %d, val %d -> %s\n", ev->fold, ev->folds, ev->n_train, ev->n_val,
           ev->output);
  else if (!ev->error) /* a fold cut short is reported by the caller's error */
    printf("fold %d/%d: best val_acc %.4f (epoch %d)\n", ev->fold, ev->folds,
           ev->result->best_val_acc, ev->result->best_epoch);
  fflush(stdout);
}

int cli_train_folds(const PatinaTrainConfig *base, const PatinaDataSource *d, int k,
                    PatinaProgressFunc progress, gpointer user_data, GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  /* With a manifest, the folds cover its train and val images; its test images stay unseen. */
  g_autoptr(GArray) pool = patina_data_source_fold_pool(d);
  printf("cross-validation: %d folds over %u images (stratified; byte-identical files share a "
         "fold)%s\n",
         k, pool ? pool->len : d->ds->samples->len,
         d->manifest ? "; the manifest's test images are left out" : "");
  PatinaTrainConfig cfg = *base;
  cfg.folds = k;
  PatinaFoldsResult result;
  gboolean ok = patina_train_folds(&cfg, d->ds, pool ? (const int *) pool->data : NULL,
                                   pool ? (int) pool->len : 0, on_fold, progress, user_data,
                                   cancellable, &result, &error);
  if (!ok) {
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      fprintf(stderr, "patina-cli: interrupted in fold %d; the model so far is in %s\n",
              result.failed_fold, result.failed_last_path);
    else
      cli_fail(error);
    patina_folds_result_clear(&result);
    return CLI_FAILURE;
  }
  printf("cross-validation:");
  for (int f = 0; f < k; f++)
    printf(" %.4f", result.best_val_acc[f]);
  printf("\ncross-validation: val_acc %.4f ± %.4f (mean ± sd over %d folds)\n", result.mean,
         result.sd, k);
  patina_folds_result_clear(&result);
  return CLI_OK;
}

/* ---- patina-cli dataset ---- */

static const char *rel(const PatinaDataset *ds, const char *path)
{
  size_t n = strlen(ds->root);
  return strncmp(path, ds->root, n) == 0 && path[n] == '/' ? path + n + 1 : path;
}

static int dataset_init(int argc, char **argv)
{
  double val = 0.15, test = 0.15;
  gint64 seed = 0;
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
    {"val", 0, 0, G_OPTION_ARG_DOUBLE, &val, "Share of each class for validation (default 0.15)",
     "F"},
    {"test", 0, 0, G_OPTION_ARG_DOUBLE, &test, "Share of each class for testing (default 0.15)",
     "F"},
    {"seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Seed of the split (default 0)", "S"},
    {"force", 'f', 0, G_OPTION_ARG_NONE, &force,
     "Replace an existing manifest (its split, exclusions and crops are lost)", NULL},
    {NULL},
  };
  if (!cli_parse(&argc, &argv, "DATA",
                 "Writes DATA/" PATINA_MANIFEST_NAME ": every image of the class folders with "
                 "its content hash, and a stratified train/val/test split drawn from the seed "
                 "(byte-identical images always share a split). Files that resolve outside DATA "
                 "through symlinks are left out and named.",
                 entries))
    return CLI_USAGE;
  if (argc != 2)
    return cli_usage_error("dataset init", "expected one data folder, got %d arguments",
                           argc - 1);
  if (!(val >= 0.0 && test >= 0.0 && val + test < 1.0))
    return cli_usage_error("dataset init", "--val and --test must be at least 0 and add up to "
                                           "less than 1");
  if (seed < 0)
    return cli_usage_error("dataset init", "--seed must be at least 0");
  const char *dir = argv[1];
  g_autofree char *path = patina_manifest_path_in(dir);
  if (!force && g_file_test(path, G_FILE_TEST_EXISTS)) {
    fprintf(stderr, "patina-cli: %s exists; 'patina-cli dataset update %s' adds new images to "
                    "it, --force replaces it\n",
            path, dir);
    return CLI_FAILURE;
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(PatinaDataset) ds =
      patina_dataset_open_full(dir, PATINA_DATASET_OPEN_CONTAINED, skipped, &error);
  if (!ds)
    return cli_fail(error);
  g_autoptr(PatinaManifest) m = patina_manifest_create(ds, val, test, (guint64) seed, &error);
  if (!m || !patina_manifest_save(m, path, &error))
    return cli_fail(error);
  int per[PATINA_N_SPLITS] = {0};
  for (guint i = 0; i < m->images->len; i++)
    per[g_array_index(m->images, PatinaManifestImage, i).split]++;
  printf("wrote %s: %u images in %u classes; train %d, val %d, test %d (seed %" G_GINT64_FORMAT
         ")\n",
         path, m->images->len, m->classes->len, per[0], per[1], per[2], seed);
  if (ds->n_duplicate_groups)
    printf("%d groups of byte-identical images, each kept in one split ('patina-cli dataset "
           "check' lists them)\n",
           ds->n_duplicate_groups);
  for (guint k = 0; k < skipped->len; k++) {
    g_autofree char *target = realpath(skipped->pdata[k], NULL);
    printf("left out %s: resolves to %s, outside the data folder\n", rel(ds, skipped->pdata[k]),
           target ? target : "?");
  }
  return CLI_OK;
}

static int dataset_update(int argc, char **argv)
{
  gboolean drop = FALSE;
  const GOptionEntry entries[] = {
    {"drop-missing", 0, 0, G_OPTION_ARG_NONE, &drop,
     "Remove entries whose file is gone (otherwise they are only reported)", NULL},
    {NULL},
  };
  if (!cli_parse(&argc, &argv, "DATA",
                 "Brings DATA/" PATINA_MANIFEST_NAME " up to date with the folder: new images "
                 "are added to the train split (new class folders become classes), changed "
                 "images get their new hash, missing ones are reported (or removed with "
                 "--drop-missing). The split of the images already listed is kept.",
                 entries))
    return CLI_USAGE;
  if (argc != 2)
    return cli_usage_error("dataset update", "expected one data folder, got %d arguments",
                           argc - 1);
  const char *dir = argv[1];
  g_autofree char *path = patina_manifest_path_in(dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaManifest) m = patina_manifest_load(path, &error);
  if (!m)
    return cli_fail(error);
  g_autoptr(GArray) issues = patina_manifest_issues_new();
  PatinaReconcileFlags flags = PATINA_RECONCILE_ADD_NEW | PATINA_RECONCILE_UPDATE_HASHES |
                               (drop ? PATINA_RECONCILE_DROP_MISSING : 0);
  if (!patina_manifest_reconcile(m, dir, flags, issues, &error) ||
      !patina_manifest_save(m, path, &error))
    return cli_fail(error);
  for (guint i = 0; i < issues->len; i++)
    print_issue(stdout, &g_array_index(issues, PatinaManifestIssue, i));
  printf("wrote %s: %u images in %u classes\n", path, m->images->len, m->classes->len);
  return CLI_OK;
}

/* For `check`: how one group or pair of images sits in the split. */
static const char *split_of(const int *split, int i)
{
  return split[i] >= 0 ? patina_split_name((PatinaSplit) split[i]) : "-";
}

static int dataset_check(int argc, char **argv)
{
  int distance = PATINA_PHASH_DEFAULT_DISTANCE, threads = 2;
  gboolean no_phash = FALSE;
  const GOptionEntry entries[] = {
    {"distance", 'd', 0, G_OPTION_ARG_INT, &distance,
     "Report images whose perceptual hashes differ in at most this many of 64 bits (default 8)",
     "BITS"},
    {"no-near-duplicates", 0, 0, G_OPTION_ARG_NONE, &no_phash,
     "Skip the perceptual hashes (they decode every image)", NULL},
    {"threads", 't', 0, G_OPTION_ARG_INT, &threads, "Worker threads (default 2)", "T"},
    {NULL},
  };
  if (!cli_parse(&argc, &argv, "DATA",
                 "Reports on the data set DATA: class sizes and imbalance, byte-identical "
                 "duplicates, near-duplicates (perceptual hash), and problems: with a manifest, "
                 "files missing, changed, unreadable, outside the folder, new or not decodable, "
                 "and duplicates split across train/val/test. Exits with 1 when it finds "
                 "problems, 0 otherwise.",
                 entries))
    return CLI_USAGE;
  if (argc != 2)
    return cli_usage_error("dataset check", "expected one data folder, got %d arguments",
                           argc - 1);
  if (distance < 0 || distance > 64 || threads < 1 || threads > 256)
    return cli_usage_error("dataset check", "--distance must be 0 to 64 and --threads 1 to 256");
  const char *dir = argv[1];
  g_autofree char *path = patina_manifest_path_in(dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) issues = patina_manifest_issues_new();
  g_autoptr(PatinaManifest) m = NULL;
  g_autoptr(PatinaDataset) ds = NULL;
  GArray *splits[PATINA_N_SPLITS] = {NULL};

  if (g_file_test(path, G_FILE_TEST_EXISTS)) {
    m = patina_manifest_load(path, &error);
    if (!m)
      return cli_fail(error);
    if (!patina_manifest_reconcile(m, dir, PATINA_RECONCILE_VERIFY_HASHES, issues, &error))
      return cli_fail(error);
    for (int s = 0; s < PATINA_N_SPLITS; s++)
      splits[s] = g_array_new(FALSE, FALSE, sizeof(int));
    /* Missing and outside files were reported by reconcile already. */
    g_autoptr(GArray) again = patina_manifest_issues_new();
    ds = patina_manifest_open_dataset(m, dir, splits, again, &error);
    for (guint i = 0; i < again->len; i++) {
      PatinaManifestIssue *issue = &g_array_index(again, PatinaManifestIssue, i);
      if (issue->kind == PATINA_ISSUE_UNREADABLE) {
        PatinaManifestIssue copy = {issue->kind, g_strdup(issue->path), g_strdup(issue->detail)};
        g_array_append_val(issues, copy);
      }
    }
    if (ds)
      patina_manifest_find_straddles(ds, splits, issues);
  } else {
    g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func(g_free);
    ds = patina_dataset_open_full(dir, PATINA_DATASET_OPEN_CONTAINED, skipped, &error);
    if (ds)
      for (guint k = 0; k < skipped->len; k++) {
        g_autofree char *target = realpath(skipped->pdata[k], NULL);
        PatinaManifestIssue issue = {
            PATINA_ISSUE_OUTSIDE, g_strdup(rel(ds, skipped->pdata[k])),
            g_strdup_printf("resolves to %s, outside the data folder; not read",
                            target ? target : "?")};
        g_array_append_val(issues, issue);
      }
  }
  if (!ds) {
    for (guint i = 0; i < issues->len; i++)
      print_issue(stderr, &g_array_index(issues, PatinaManifestIssue, i));
    return cli_fail(error);
  }

  int n = (int) ds->samples->len, nc = (int) ds->class_names->len;
  g_autofree int *split = g_new(int, MAX(n, 1));
  for (int i = 0; i < n; i++)
    split[i] = -1;
  for (int s = 0; s < PATINA_N_SPLITS; s++)
    for (guint k = 0; splits[s] && k < splits[s]->len; k++)
      split[g_array_index(splits[s], int, k)] = s;

  /* Classes and imbalance. */
  printf("data: %s, %d images in %d classes%s\n", ds->root, n, nc,
         m ? "" : " (no manifest: 'patina-cli dataset init' writes one)");
  if (m) {
    int excluded = 0;
    for (guint i = 0; i < m->images->len; i++)
      excluded += g_array_index(m->images, PatinaManifestImage, i).excluded;
    printf("manifest: %s (%u entries, %d excluded)\n", path, m->images->len, excluded);
  }
  int width = 5;
  for (int c = 0; c < nc; c++)
    width = MAX(width, (int) strlen(ds->class_names->pdata[c]));
  printf("\n%-*s  images%s\n", width, "class", m ? "  train    val   test" : "");
  g_autofree int *counts = g_new0(int, MAX(nc, 1));
  int largest, smallest;
  double ratio = patina_dataset_imbalance(ds, NULL, 0, counts, &largest, &smallest);
  for (int c = 0; c < nc; c++) {
    printf("%-*s  %6d", width, (char *) ds->class_names->pdata[c], counts[c]);
    if (m) {
      int per[PATINA_N_SPLITS] = {0};
      for (int i = 0; i < n; i++)
        if (g_array_index(ds->samples, PatinaSample, i).label == c && split[i] >= 0)
          per[split[i]]++;
      printf("  %5d  %5d  %5d", per[0], per[1], per[2]);
    }
    printf("\n");
  }
  if (isinf(ratio))
    printf("\nimbalance: class %s has no usable images\n",
           (char *) ds->class_names->pdata[smallest]);
  else
    printf("\nimbalance: %.2f (largest %s %d / smallest %s %d)%s\n", ratio,
           (char *) ds->class_names->pdata[largest], counts[largest],
           (char *) ds->class_names->pdata[smallest], counts[smallest],
           ratio >= 1.5 ? "; consider 'patina-cli train --class-weighting'" : "");

  /* Byte-identical groups. */
  g_autofree int *members = g_new0(int, MAX(n, 1));
  for (int i = 0; i < n; i++)
    members[g_array_index(ds->samples, PatinaSample, i).group]++;
  printf("\nbyte-identical: %d groups%s\n", ds->n_duplicate_groups,
         ds->n_duplicate_groups ? " (each kept in one split or fold)" : "");
  for (int g = 0; g < n; g++) {
    if (members[g] < 2)
      continue;
    printf(" ");
    for (int i = 0; i < n; i++) {
      const PatinaSample *s = &g_array_index(ds->samples, PatinaSample, i);
      if (s->group == g)
        printf(" %s%s%s%s", rel(ds, s->path), m ? " (" : "", m ? split_of(split, i) : "",
               m ? ")" : "");
    }
    printf("\n");
  }

  /* Near-duplicates. */
  if (!no_phash) {
    g_autofree const char **paths = g_new(const char *, MAX(n, 1));
    g_autofree guint64 *hashes = g_new(guint64, MAX(n, 1));
    g_autofree gboolean *ok = g_new(gboolean, MAX(n, 1));
    g_autofree char **errors = g_new0(char *, MAX(n, 1));
    for (int i = 0; i < n; i++)
      paths[i] = g_array_index(ds->samples, PatinaSample, i).path;
    patina_phash_files(paths, n, threads, hashes, ok, errors);
    for (int i = 0; i < n; i++)
      if (!ok[i]) {
        PatinaManifestIssue issue = {PATINA_ISSUE_UNREADABLE, g_strdup(rel(ds, paths[i])),
                                     g_strdup_printf("cannot be decoded: %s", errors[i])};
        g_array_append_val(issues, issue);
        g_free(errors[i]);
      }
    g_autoptr(GArray) pairs = patina_phash_pairs(hashes, ok, n, distance);
    int shown = 0, across = 0;
    GString *lines = g_string_new(NULL);
    for (guint k = 0; k < pairs->len; k++) {
      PatinaPhashPair p = g_array_index(pairs, PatinaPhashPair, k);
      const PatinaSample *a = &g_array_index(ds->samples, PatinaSample, p.a);
      const PatinaSample *b = &g_array_index(ds->samples, PatinaSample, p.b);
      if (a->group == b->group)
        continue; /* listed above */
      shown++;
      gboolean leak = m && split[p.a] != split[p.b];
      across += leak;
      g_string_append_printf(lines, "  %2d  %s%s%s%s  %s%s%s%s%s%s\n", p.distance,
                             rel(ds, a->path), m ? " (" : "", m ? split_of(split, p.a) : "",
                             m ? ")" : "", rel(ds, b->path), m ? " (" : "",
                             m ? split_of(split, p.b) : "", m ? ")" : "",
                             a->label != b->label ? "  different classes" : "",
                             leak ? "  different splits" : "");
    }
    printf("\nnear-duplicates (perceptual hash within %d of 64 bits): %d pairs%s\n", distance,
           shown, across ? "" : "");
    if (shown)
      printf("  bits  image  image\n%s", lines->str);
    if (across)
      printf("  %d pairs are in different splits: a near copy in val or test flatters the "
             "score; exclude one of each or move it\n",
             across);
    g_string_free(lines, TRUE);
  }

  /* Problems. */
  int problems = 0;
  for (guint i = 0; i < issues->len; i++)
    problems += g_array_index(issues, PatinaManifestIssue, i).kind != PATINA_ISSUE_NEW;
  printf("\nproblems: %d", problems);
  if (issues->len > (guint) problems)
    printf(" (and %u new images not in the manifest: 'patina-cli dataset update' adds them)",
           issues->len - problems);
  printf("\n");
  for (guint i = 0; i < issues->len; i++)
    print_issue(stdout, &g_array_index(issues, PatinaManifestIssue, i));
  for (int s = 0; s < PATINA_N_SPLITS; s++)
    if (splits[s])
      g_array_unref(splits[s]);
  return problems ? CLI_FAILURE : CLI_OK;
}

/* The manifest entry a command-line path names: relative to DATA, or DATA/... as typed. */
static int find_entry(const PatinaManifest *m, const char *dir, const char *arg)
{
  int k = patina_manifest_find(m, arg);
  if (k >= 0)
    return k;
  g_autofree char *root = g_canonicalize_filename(dir, NULL);
  g_autofree char *full = g_canonicalize_filename(arg, NULL);
  size_t n = strlen(root);
  if (strncmp(full, root, n) == 0 && full[n] == '/')
    return patina_manifest_find(m, full + n + 1);
  return -1;
}

static int dataset_exclude(int argc, char **argv, gboolean exclude)
{
  g_autofree char *reason = NULL;
  const GOptionEntry entries[] = {
    {"reason", 'r', 0, G_OPTION_ARG_STRING, &reason, "Why (recorded in the manifest)", "TEXT"},
    {NULL},
  };
  const GOptionEntry none[] = {{NULL}};
  if (!cli_parse(&argc, &argv, "DATA IMAGE...",
                 exclude ? "Marks images of DATA's manifest as excluded: train, evaluate and "
                           "cross-validation leave them out. IMAGE is a path relative to DATA "
                           "(as the manifest lists it) or DATA/..."
                         : "Takes images of DATA's manifest back in (clears excluded and its "
                           "reason).",
                 exclude ? entries : none))
    return CLI_USAGE;
  const char *cmd = exclude ? "dataset exclude" : "dataset include";
  if (argc < 3)
    return cli_usage_error(cmd, "expected a data folder and at least one image");
  const char *dir = argv[1];
  g_autofree char *path = patina_manifest_path_in(dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(PatinaManifest) m = patina_manifest_load(path, &error);
  if (!m)
    return cli_fail(error);
  for (int a = 2; a < argc; a++) {
    int k = find_entry(m, dir, argv[a]);
    if (k < 0) {
      fprintf(stderr, "patina-cli: %s: not in %s; nothing changed\n", argv[a], path);
      return CLI_FAILURE;
    }
    PatinaManifestImage *im = &g_array_index(m->images, PatinaManifestImage, k);
    im->excluded = exclude;
    g_free(im->exclude_reason);
    im->exclude_reason = exclude && reason ? g_strdup(reason) : NULL;
  }
  if (!patina_manifest_save(m, path, &error))
    return cli_fail(error);
  printf("%s %d images in %s\n", exclude ? "excluded" : "included", argc - 2, path);
  return CLI_OK;
}

static int dataset_exclude_cmd(int argc, char **argv)
{
  return dataset_exclude(argc, argv, TRUE);
}

static int dataset_include_cmd(int argc, char **argv)
{
  return dataset_exclude(argc, argv, FALSE);
}

int cli_dataset(int argc, char **argv)
{
  static const struct {
    const char *name;
    int (*run)(int, char **);
    const char *summary;
  } subs[] = {
    {"init", dataset_init, "write DATA/" PATINA_MANIFEST_NAME " with a train/val/test split"},
    {"check", dataset_check, "duplicates, near-duplicates, imbalance and problems"},
    {"update", dataset_update, "add new images to the manifest, refresh changed hashes"},
    {"exclude", dataset_exclude_cmd, "leave images out of training and evaluation (--reason)"},
    {"include", dataset_include_cmd, "take excluded images back in"},
  };
  if (argc >= 2)
    for (guint i = 0; i < G_N_ELEMENTS(subs); i++)
      if (strcmp(argv[1], subs[i].name) == 0) {
        /* "dataset init" as the program name in --help and messages */
        g_autofree char *name = g_strdup_printf("dataset %s", subs[i].name);
        char *saved = argv[1];
        argv[1] = name;
        int rc = subs[i].run(argc - 1, argv + 1);
        argv[1] = saved;
        return rc;
      }
  gboolean help = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
  FILE *out = help ? stdout : stderr;
  if (argc >= 2 && !help)
    fprintf(out, "patina-cli dataset: unknown subcommand \"%s\"\n\n", argv[1]);
  fprintf(out, "Usage: patina-cli dataset SUBCOMMAND [OPTIONS...] DATA\n\nSubcommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS(subs); i++)
    fprintf(out, "  %-8s %s\n", subs[i].name, subs[i].summary);
  fprintf(out, "\nRun 'patina-cli dataset SUBCOMMAND --help' for its options.\n");
  return help ? CLI_OK : CLI_USAGE;
}
