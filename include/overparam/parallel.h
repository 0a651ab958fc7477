/* parallel: a small persistent thread pool for the data pass and a deep
 * model's parameter work.
 *
 * par_for(pool, n, fn, arg) runs fn(arg, task) for every task in [0, n)
 * and returns when all are done. Which thread runs which task is not
 * specified, so callers write each task's result to its own slot and
 * reduce the slots in task order: results are then identical for any
 * thread count. Workers poll for 2 ms between calls (a training step is
 * tens of microseconds, so during training a call starts without a system
 * call) and then sleep on a condition variable. */
#ifndef OVERPARAM_PARALLEL_H
#define OVERPARAM_PARALLEL_H

struct par_pool;

typedef void (*par_task_fn)(void *arg, int task);

/* threads >= 1 (1: no worker threads, par_for runs inline). */
int par_create(struct par_pool **pool, int threads);
void par_free(struct par_pool *pool);
int par_threads(const struct par_pool *pool);

void par_for(struct par_pool *pool, int n_tasks, par_task_fn fn, void *arg);

/* [0, n) cut into one run of consecutive items per thread (fewer when n
 * is smaller), fn(arg, i0, i1) once per run, on the pool: a thread goes
 * through its share as one stretch (prefetchers keep streaming; items
 * dealt out one at a time made each thread jump at every item). */
typedef void (*par_run_fn)(void *arg, int i0, int i1);
void par_runs(struct par_pool *pool, int n, par_run_fn fn, void *arg);

#endif
