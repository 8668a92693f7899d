#include <math.h>

#include "rng.h"

static void test_deterministic(void)
{
  PatinaRng a, b;
  patina_rng_init(&a, 42);
  patina_rng_init(&b, 42);
  for (int i = 0; i < 1000; i++)
    g_assert_cmpuint(patina_rng_next(&a), ==, patina_rng_next(&b));
  patina_rng_init(&b, 43);
  g_assert_cmpuint(patina_rng_next(&a), !=, patina_rng_next(&b));
}

static void test_uniform_moments(void)
{
  PatinaRng r;
  patina_rng_init(&r, 1);
  double sum = 0, sum2 = 0, nsum = 0, nsum2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; i++) {
    float u = patina_rng_uniform(&r);
    g_assert_true(u >= 0.0f && u < 1.0f);
    sum += u;
    sum2 += u * u;
    float z = patina_rng_normal(&r);
    nsum += z;
    nsum2 += z * z;
  }
  g_assert_cmpfloat(fabs(sum / n - 0.5), <, 0.005);
  g_assert_cmpfloat(fabs(sum2 / n - sum * sum / n / n - 1.0 / 12), <, 0.002);
  g_assert_cmpfloat(fabs(nsum / n), <, 0.01);
  g_assert_cmpfloat(fabs(nsum2 / n - 1.0), <, 0.02);
}

static void test_below_and_shuffle(void)
{
  PatinaRng r;
  patina_rng_init(&r, 7);
  int counts[5] = {0};
  for (int i = 0; i < 50000; i++)
    counts[patina_rng_below(&r, 5)]++;
  for (int i = 0; i < 5; i++)
    g_assert_cmpint(abs(counts[i] - 10000), <, 500);
  int v[100], seen[100] = {0};
  for (int i = 0; i < 100; i++)
    v[i] = i;
  patina_rng_shuffle(&r, v, 100);
  int moved = 0;
  for (int i = 0; i < 100; i++) {
    seen[v[i]]++;
    moved += v[i] != i;
  }
  for (int i = 0; i < 100; i++)
    g_assert_cmpint(seen[i], ==, 1);
  g_assert_cmpint(moved, >, 80);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/rng/deterministic", test_deterministic);
  g_test_add_func("/rng/uniform-moments", test_uniform_moments);
  g_test_add_func("/rng/below-and-shuffle", test_below_and_shuffle);
  return g_test_run();
}
