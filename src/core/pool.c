#include "pool.h"

struct _PatinaPool {
  int n_workers;
  GThread **threads;
  GMutex lock;
  GCond start_cond, done_cond;
  guint generation;   /* bumped per run; workers wait for a new one */
  int pending;        /* workers still running the current job */
  gboolean quit;
  PatinaPoolFunc func;
  gpointer data;
};

typedef struct {
  PatinaPool *pool;
  int worker;
} WorkerArg;

static gpointer worker_main(gpointer p)
{
  WorkerArg *arg = p;
  PatinaPool *pool = arg->pool;
  int worker = arg->worker;
  g_free(arg);
  guint seen = 0;
  for (;;) {
    g_mutex_lock(&pool->lock);
    while (pool->generation == seen && !pool->quit)
      g_cond_wait(&pool->start_cond, &pool->lock);
    if (pool->quit) {
      g_mutex_unlock(&pool->lock);
      return NULL;
    }
    seen = pool->generation;
    PatinaPoolFunc func = pool->func;
    gpointer data = pool->data;
    g_mutex_unlock(&pool->lock);

    func(worker, pool->n_workers, data);

    g_mutex_lock(&pool->lock);
    if (--pool->pending == 0)
      g_cond_signal(&pool->done_cond);
    g_mutex_unlock(&pool->lock);
  }
}

PatinaPool *patina_pool_new(int n_workers)
{
  PatinaPool *pool = g_new0(PatinaPool, 1);
  pool->n_workers = MAX(1, n_workers);
  g_mutex_init(&pool->lock);
  g_cond_init(&pool->start_cond);
  g_cond_init(&pool->done_cond);
  pool->threads = g_new0(GThread *, pool->n_workers);
  for (int i = 1; i < pool->n_workers; i++) {
    WorkerArg *arg = g_new(WorkerArg, 1);
    arg->pool = pool;
    arg->worker = i;
    pool->threads[i] = g_thread_new("patina-worker", worker_main, arg);
  }
  return pool;
}

void patina_pool_free(PatinaPool *pool)
{
  if (!pool)
    return;
  g_mutex_lock(&pool->lock);
  pool->quit = TRUE;
  g_cond_broadcast(&pool->start_cond);
  g_mutex_unlock(&pool->lock);
  for (int i = 1; i < pool->n_workers; i++)
    g_thread_join(pool->threads[i]);
  g_free(pool->threads);
  g_mutex_clear(&pool->lock);
  g_cond_clear(&pool->start_cond);
  g_cond_clear(&pool->done_cond);
  g_free(pool);
}

int patina_pool_size(const PatinaPool *pool)
{
  return pool->n_workers;
}

void patina_pool_run(PatinaPool *pool, PatinaPoolFunc func, gpointer data)
{
  if (pool->n_workers == 1) {
    func(0, 1, data);
    return;
  }
  g_mutex_lock(&pool->lock);
  pool->func = func;
  pool->data = data;
  pool->pending = pool->n_workers - 1;
  pool->generation++;
  g_cond_broadcast(&pool->start_cond);
  g_mutex_unlock(&pool->lock);

  func(0, pool->n_workers, data);

  g_mutex_lock(&pool->lock);
  while (pool->pending > 0)
    g_cond_wait(&pool->done_cond, &pool->lock);
  g_mutex_unlock(&pool->lock);
}
