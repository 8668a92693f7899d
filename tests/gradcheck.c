#include "gradcheck.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

void pt_fail(const char *format, ...)
{
  va_list ap;
  va_start(ap, format);
  g_autofree char *msg = g_strdup_vprintf(format, ap);
  va_end(ap);
  g_test_message("FAIL: %s", msg);
  g_test_fail_printf("%s", msg);
}

char *pt_fixture_path(const char *name)
{
  g_autofree char *file = g_strconcat(name, ".safetensors", NULL);
  const char *src = g_getenv("PATINA_SOURCE_DIR");
  if (src != NULL && *src != '\0')
    return g_build_filename(src, "tests", "fixtures", "golden", file, NULL);
  return g_test_build_filename(G_TEST_DIST, "fixtures", "golden", file, NULL);
}

PatinaSafetensors *pt_fixture_load(const char *name)
{
  g_autofree char *path = pt_fixture_path(name);
  g_autoptr(GError) error = NULL;
  PatinaSafetensors *st = patina_safetensors_load(path, &error);
  if (st == NULL)
    pt_fail("cannot load fixture %s: %s", path,
            error ? error->message : "(no error set)");
  return st;
}

const PatinaTensorView *pt_view(const PatinaSafetensors *st, const char *name)
{
  const PatinaTensorView *v = patina_safetensors_get(st, name);
  if (v == NULL)
    g_error("fixture has no tensor '%s'", name);
  return v;
}

float *pt_tensor(const PatinaSafetensors *st, const char *name, gsize n_expected)
{
  const PatinaTensorView *v = patina_safetensors_get(st, name);
  if (v == NULL) {
    pt_fail("fixture has no tensor '%s'", name);
    return g_new0(float, MAX(n_expected, 1));
  }
  if ((gsize) v->n_elements != n_expected) {
    pt_fail("tensor '%s' has %" G_GINT64_FORMAT " elements, expected %" G_GSIZE_FORMAT,
            name, v->n_elements, n_expected);
    return g_new0(float, MAX(n_expected, 1));
  }
  g_autoptr(GError) error = NULL;
  float *data = patina_safetensors_get_f32(st, name, v->ndim, v->shape, &error);
  if (data == NULL) {
    pt_fail("tensor '%s': %s", name, error ? error->message : "(no error set)");
    return g_new0(float, MAX(n_expected, 1));
  }
  return data;
}

gboolean pt_close(const char *what, const float *got, const float *want, gsize n, double rtol)
{
  double maxw = 0, worst = -1;
  gsize wi = 0;
  for (gsize i = 0; i < n; i++)
    maxw = MAX(maxw, fabs((double) want[i]));
  double tol = rtol * MAX(maxw, 1e-30);
  gboolean ok = TRUE;
  for (gsize i = 0; i < n; i++) {
    double d = fabs((double) got[i] - (double) want[i]);
    if (!(d <= tol)) {
      ok = FALSE;
      if (!(d <= worst)) {
        worst = isnan(d) ? INFINITY : d;
        wi = i;
      }
    }
  }
  if (!ok)
    pt_fail("%s: element %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " is %.9g, expected "
            "%.9g (|diff| %.3g > %.3g = %.1g x max|expected| %.3g)",
            what, wi, n, got[wi], want[wi], fabs((double) got[wi] - want[wi]), tol, rtol,
            maxw);
  else
    g_test_message("%s: ok (%" G_GSIZE_FORMAT " values)", what, n);
  return ok;
}

gboolean pt_close_l2(const char *what, const float *got, const float *want, gsize n, double rtol)
{
  double dd = 0, ww = 0;
  for (gsize i = 0; i < n; i++) {
    double d = (double) got[i] - want[i];
    dd += d * d;
    ww += (double) want[i] * want[i];
  }
  double rel = sqrt(dd) / MAX(sqrt(ww), 1e-30);
  if (!(rel <= rtol)) {
    pt_fail("%s: |got - expected| / |expected| = %.3g > %.3g (L2 over %" G_GSIZE_FORMAT " values)",
            what, rel, rtol, n);
    return FALSE;
  }
  g_test_message("%s: ok (relative L2 error %.2g, %" G_GSIZE_FORMAT " values)", what, rel, n);
  return TRUE;
}

gboolean pt_close_elem(const char *what, const float *got, const float *want, gsize n, double rtol,
                       double atol)
{
  for (gsize i = 0; i < n; i++) {
    double d = fabs((double) got[i] - (double) want[i]);
    if (!(d <= atol + rtol * fabs((double) want[i]))) {
      pt_fail("%s: element %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " is %.9g, "
              "expected %.9g (|diff| %.3g, tolerance %.3g + %.3g*|expected|)",
              what, i, n, got[i], want[i], d, atol, rtol);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean pt_doubled(const char *what, const float *once, const float *twice, gsize n)
{
  g_autofree float *want = g_new(float, MAX(n, 1));
  double maxw = 0;
  for (gsize i = 0; i < n; i++) {
    want[i] = 2.0f * once[i];
    maxw = MAX(maxw, fabs(once[i]));
  }
  if (n > 0 && maxw == 0) {
    pt_fail("%s: the gradient is all zero, nothing to accumulate", what);
    return FALSE;
  }
  g_autofree char *label = g_strdup_printf("%s accumulates (2 backward calls = 2x one)", what);
  return pt_close(label, twice, want, n, 1e-5);
}

gboolean pt_gradcheck(const char *what, PtLossFunc f, gpointer ctx, float *p, gsize len,
                      const float *analytic, const PtGradcheckOpts *o, PatinaRng *rng)
{
  gsize n_idx = len <= (gsize) o->max_checks ? len : (gsize) o->max_checks;
  g_autofree gsize *idx = g_new(gsize, MAX(n_idx, 1));
  for (gsize k = 0; k < n_idx; k++)
    idx[k] = n_idx == len ? k : patina_rng_below(rng, (guint32) len);
  g_autofree double *num = g_new(double, MAX(n_idx, 1));
  g_autofree gboolean *kink = g_new0(gboolean, MAX(n_idx, 1));
  g_autofree double *slope_gap = g_new0(double, MAX(n_idx, 1));
  double f0 = o->max_kink_fraction > 0 ? f(ctx) : 0;
  double maxnum = 0, maxana = 0;
  for (gsize k = 0; k < n_idx; k++) {
    gsize i = idx[k];
    float v = p[i];
    float hi = v + o->eps, lo = v - o->eps;
    p[i] = hi;
    double fp = f(ctx);
    p[i] = lo;
    double fm = f(ctx);
    p[i] = v;
    num[k] = (fp - fm) / ((double) hi - (double) lo);
    if (o->max_kink_fraction > 0) /* one-sided slopes: they differ when a kink is crossed */
      slope_gap[k] = fabs((fp - f0) / ((double) hi - v) - (f0 - fm) / ((double) v - lo));
    maxnum = MAX(maxnum, fabs(num[k]));
    maxana = MAX(maxana, fabs((double) analytic[i]));
  }
  double atol = MAX(1e-3 * maxnum, o->atol_floor) + 1e-9;
  int n_kinks = 0;
  /* With a kink at distance d < e and slopes s1, s2 on either side, the one-sided slopes differ
   * by g = |s2 - s1| (e - d) / e and the central difference is off by exactly g / 2: skip an
   * element once that could exceed the tolerance. */
  for (gsize k = 0; k < n_idx && o->max_kink_fraction > 0; k++)
    if (slope_gap[k] > o->rtol * fabs(num[k]) + atol) {
      kink[k] = TRUE;
      n_kinks++;
    }
  int bad = 0;
  gsize worst = 0;
  double worst_excess = -1;
  for (gsize k = 0; k < n_idx; k++) {
    if (kink[k])
      continue;
    double a = analytic[idx[k]], d = fabs(a - num[k]);
    double tol = o->rtol * MAX(fabs(a), fabs(num[k])) + atol;
    if (!(d <= tol)) {
      bad++;
      double excess = isnan(d) ? INFINITY : d / tol;
      if (excess > worst_excess) {
        worst_excess = excess;
        worst = k;
      }
    }
  }
  gboolean ok = TRUE;
  if (bad > 0) {
    pt_fail("%s: %d of %" G_GSIZE_FORMAT " checked gradients wrong; worst at [%" G_GSIZE_FORMAT
            "]: analytic %.7g, numeric %.7g (eps %g, rtol %g, atol %.3g, max|numeric| %.3g)",
            what, bad, n_idx - n_kinks, idx[worst], analytic[idx[worst]], num[worst], o->eps,
            o->rtol, atol, maxnum);
    ok = FALSE;
  }
  if (n_kinks > o->max_kink_fraction * n_idx) {
    pt_fail("%s: %d of %" G_GSIZE_FORMAT " checked elements sit on a kink (one-sided slopes "
            "differ), more than %.0f%%: the check says nothing",
            what, n_kinks, n_idx, 100 * o->max_kink_fraction);
    ok = FALSE;
  }
  if (!ok)
    return FALSE;
  if (n_idx > 0 && maxnum == 0 && maxana == 0)
    g_test_message("%s: gradient is zero everywhere checked", what);
  g_test_message("%s: ok (%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " checked, %d skipped on a "
                 "kink, max|grad| %.3g, atol %.3g)",
                 what, n_idx, len, n_kinks, maxnum, atol);
  return TRUE;
}

void pt_fill_normal(PatinaRng *rng, float *v, gsize len, float scale)
{
  for (gsize i = 0; i < len; i++)
    v[i] = scale * patina_rng_normal(rng);
}

double pt_dot(const float *w, const float *y, gsize len)
{
  double s = 0;
  for (gsize i = 0; i < len; i++)
    s += (double) w[i] * (double) y[i];
  return s;
}
