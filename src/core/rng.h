/* PatinaRng: one seedable random stream per run (xoshiro256**, seeded by splitmix64), so the
 * same seed gives the same model, and nothing in Patina touches rand(). */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64 s[4];
} PatinaRng;

void patina_rng_init(PatinaRng *rng, guint64 seed);
guint64 patina_rng_next(PatinaRng *rng);
/* Uniform in [0, 1) with 24 random bits, exactly representable as float. */
float patina_rng_uniform(PatinaRng *rng);
/* Uniform in [lo, hi). */
float patina_rng_range(PatinaRng *rng, float lo, float hi);
/* Standard normal (Box-Muller). */
float patina_rng_normal(PatinaRng *rng);
/* Uniform integer in [0, n) without modulo bias; n > 0. */
guint32 patina_rng_below(PatinaRng *rng, guint32 n);
/* Fisher-Yates shuffle of n ints. */
void patina_rng_shuffle(PatinaRng *rng, int *v, int n);
/* A new independent stream derived from this one (for per-thread or per-purpose streams). */
void patina_rng_fork(PatinaRng *rng, PatinaRng *child);

G_END_DECLS
