/* Helpers shared by test-golden.c and test-gradcheck.c: fixture loading, tolerant comparison
 * that fails the running GLib test (and keeps going, so one run reports every mismatch), and a
 * central-difference gradient check. */
#pragma once
#include <glib.h>

#include "nn/safetensors.h"
#include "rng.h"

G_BEGIN_DECLS

/* Marks the running test failed and logs the message (g_test_fail_printf alone keeps only the
 * last message of a test, so every failure is also written with g_test_message). */
void pt_fail(const char *format, ...) G_GNUC_PRINTF(1, 2);

/* tests/fixtures/golden/<name>.safetensors (from $PATINA_SOURCE_DIR, else G_TEST_DIST). */
char *pt_fixture_path(const char *name);
/* Loads a golden fixture; a missing or unreadable file fails the test (returns NULL). */
PatinaSafetensors *pt_fixture_load(const char *name);
/* A new copy (g_free) of an F32 tensor that must hold exactly n_expected elements. On error
 * the test fails and a zero-filled array is returned, so callers need no error path. */
float *pt_tensor(const PatinaSafetensors *st, const char *name, gsize n_expected);
/* The shape of a tensor (asserts that it exists). */
const PatinaTensorView *pt_view(const PatinaSafetensors *st, const char *name);

/* max_i |got_i - want_i| <= rtol * max_i |want_i| (a NaN always fails). On failure marks the
 * test failed with the worst element and returns FALSE. */
gboolean pt_close(const char *what, const float *got, const float *want, gsize n, double rtol);
/* |got - want|_2 <= rtol * |want|_2: for tensors where a few elements may legitimately move. */
gboolean pt_close_l2(const char *what, const float *got, const float *want, gsize n, double rtol);
/* Per element: |got_i - want_i| <= atol + rtol * |want_i|. */
gboolean pt_close_elem(const char *what, const float *got, const float *want, gsize n, double rtol,
                       double atol);
/* got == 2 * once (to rtol of the tensor's max): a backward called twice must add twice. */
gboolean pt_doubled(const char *what, const float *once, const float *twice, gsize n);

/* The loss whose gradient is checked, evaluated in double at the current parameters. */
typedef double (*PtLossFunc)(gpointer ctx);

typedef struct {
  float eps;                /* the step */
  double rtol;              /* relative tolerance */
  double atol_floor;        /* the noise of a numeric derivative (float32 rounding of f over 2
                             * eps) where it matters, else 0 */
  int max_checks;           /* elements checked at most (chosen at random beyond) */
  double max_kink_fraction; /* 0: every element counts. Else elements whose one-sided slopes
                             * differ (a ReLU or max-pool kink within ±eps) are skipped, and
                             * the check fails if more than this fraction is skipped */
} PtGradcheckOpts;

/* Central differences of f around each checked element of p (all when len <= max_checks, else
 * max_checks elements chosen by rng): num = (f(p+e) - f(p-e)) / (2e), with e the step after
 * float rounding. Passes when |ana - num| <= rtol * max(|ana|, |num|) + atol for every
 * checked element, atol = max(1e-3 * max|num|, atol_floor). Only f's values decide what is
 * skipped as a kink, so a wrong analytic gradient is never skipped. */
gboolean pt_gradcheck(const char *what, PtLossFunc f, gpointer ctx, float *p, gsize len,
                      const float *analytic, const PtGradcheckOpts *o, PatinaRng *rng);

/* Fills v with normal(0, scale) from rng. */
void pt_fill_normal(PatinaRng *rng, float *v, gsize len, float scale);
/* Σ w_i y_i in double: the random linear loss the gradient checks differentiate. */
double pt_dot(const float *w, const float *y, gsize len);

G_END_DECLS
