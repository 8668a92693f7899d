#include "rng.h"

#include <math.h>

static guint64 splitmix64(guint64 *x)
{
  guint64 z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void patina_rng_init(PatinaRng *rng, guint64 seed)
{
  guint64 x = seed;
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64(&x);
}

static inline guint64 rotl(guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

guint64 patina_rng_next(PatinaRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl(s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

float patina_rng_uniform(PatinaRng *rng)
{
  return (float) (patina_rng_next(rng) >> 40) * (1.0f / 16777216.0f);
}

float patina_rng_range(PatinaRng *rng, float lo, float hi)
{
  return lo + (hi - lo) * patina_rng_uniform(rng);
}

float patina_rng_normal(PatinaRng *rng)
{
  double u1 = ((double) (patina_rng_next(rng) >> 11) + 1.0) * (1.0 / 9007199254740993.0);
  double u2 = (double) (patina_rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
  return (float) (sqrt(-2.0 * log(u1)) * cos(2.0 * G_PI * u2));
}

guint32 patina_rng_below(PatinaRng *rng, guint32 n)
{
  /* Lemire's multiply-shift with rejection. */
  guint64 m = (patina_rng_next(rng) >> 32) * n;
  guint32 low = (guint32) m;
  if (low < n) {
    guint32 threshold = (guint32) (-n) % n;
    while (low < threshold) {
      m = (patina_rng_next(rng) >> 32) * n;
      low = (guint32) m;
    }
  }
  return (guint32) (m >> 32);
}

void patina_rng_shuffle(PatinaRng *rng, int *v, int n)
{
  for (int i = n - 1; i > 0; i--) {
    int j = (int) patina_rng_below(rng, (guint32) i + 1);
    int t = v[i];
    v[i] = v[j];
    v[j] = t;
  }
}

void patina_rng_fork(PatinaRng *rng, PatinaRng *child)
{
  patina_rng_init(child, patina_rng_next(rng));
}
