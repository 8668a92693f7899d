/* A fixed set of worker threads that run one function over [0, threads) and wait for all of
 * them: the model's batch split. The calling thread is worker 0, so a pool of 1 runs inline. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef struct _PatinaPool PatinaPool;
typedef void (*PatinaPoolFunc)(int worker, int n_workers, gpointer data);

PatinaPool *patina_pool_new(int n_workers);
void patina_pool_free(PatinaPool *pool);
int patina_pool_size(const PatinaPool *pool);
void patina_pool_run(PatinaPool *pool, PatinaPoolFunc func, gpointer data);

G_END_DECLS
