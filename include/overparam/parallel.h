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

/* Whether the pool's threads hand data to each other cheaply: a cache
 * line's round trip between the calling thread and a worker under
 * PAR_NEAR_NS, as between cores that share a cache (40-140 ns on this
 * project's machine, 350-450 when the host placed its two cores apart,
 * which it did and undid within minutes). Measured by a bounce through the
 * pool at most once every PAR_PROBE_SECONDS; a worker that does not answer
 * (within 10 ms for the first exchange, 1 ms after) makes it far. 0 for no
 * pool or one thread. For deciding whether to split work whose data the
 * threads would then pass back and forth; what is computed never depends
 * on it. Call it where par_for may be called (not from a task). */
#define PAR_NEAR_NS 250.0
#define PAR_PROBE_SECONDS 1.0
int par_near(struct par_pool *pool);

/* The round trip of par_near's last measurement, in ns (INFINITY when a
 * bounce went unanswered, 0 before any); for the bench's report. */
double par_round_trip_ns(const struct par_pool *pool);

/* near 1 or 0: par_near answers that without measuring; -1: it measures
 * again. For tests and the bench, which must take a path on any machine. */
void par_fix_near(struct par_pool *pool, int near);

/* Doubles (512 KB) from which work on an array that the calling thread
 * reads next (a deep model's layers and parameters: the end-to-end product
 * reads them all) is split across a pool, and then only while par_near:
 * below it, or with the cores far, handing half the array between the
 * cores each step cost more than the second core saved (measured in
 * linnet.h; the optimizer's step of nets of 23,000 and 130,000 parameters
 * was as fast or faster on the calling thread with the cores far). */
#define PAR_SPLIT_DOUBLES 65536

#endif
