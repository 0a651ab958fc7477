/* test_parallel: the pool's contract (parallel.h): par_for(pool, n, fn,
 * arg) runs fn(arg, t) exactly once for every t in [0, n), none outside it,
 * and returns only when all have run, for pools of 1 to 4 threads and calls
 * of 0 to 9 tasks back to back (a worker that wakes late must neither run
 * an old call's task nor miss the current one's), some tasks yielding
 * their CPU so that the threads interleave differently; and the pool
 * sleeps and wakes (calls apart by more than its polling time). */
#include "check.h"
#include "overparam/parallel.h"

#include <sched.h>
#include <stdatomic.h>
#include <time.h>

enum { MAX_TASKS = 9, CALLS = 4000 };

struct call {
	atomic_int hits[MAX_TASKS + 1]; /* the last slot counts indices out of range */
	int n;
	long id;
};

static void task(void *arg, int t)
{
	struct call *c = arg;
	atomic_fetch_add(&c->hits[t >= 0 && t < c->n ? t : MAX_TASKS], 1);
	if ((c->id + t) % 7 == 0)
		sched_yield();
}

/* Every call's tasks ran once each; returns the number of calls that did
 * not. */
static long storm(struct par_pool *pool, long calls)
{
	long bad = 0;
	for (long k = 0; k < calls; k++) {
		struct call c = {.n = (int)(k % (MAX_TASKS + 1)), .id = k};
		for (int t = 0; t <= MAX_TASKS; t++)
			atomic_init(&c.hits[t], 0);
		par_for(pool, c.n, task, &c);
		int ok = atomic_load(&c.hits[MAX_TASKS]) == 0;
		for (int t = 0; t < c.n; t++)
			ok = ok && atomic_load(&c.hits[t]) == 1;
		bad += !ok;
	}
	return bad;
}

int main(void)
{
	for (int threads = 1; threads <= 4; threads++) {
		struct par_pool *pool;
		if (!check_true("pool created", par_create(&pool, threads) == 0))
			continue;
		char label[96];
		snprintf(label, sizeof(label), "%d thread(s): %d calls, every task once", threads, CALLS);
		check_true(label, storm(pool, CALLS) == 0);
		/* calls 5 ms apart: the workers have gone to sleep each time */
		long bad = 0;
		for (int k = 0; k < 20; k++) {
			struct timespec nap = {0, 5000000};
			nanosleep(&nap, NULL);
			bad += storm(pool, 3);
		}
		snprintf(label, sizeof(label), "%d thread(s): calls after the workers slept", threads);
		check_true(label, bad == 0);
		check_true("par_threads", par_threads(pool) == threads);
		par_free(pool);
	}
	check_true("par_threads of no pool", par_threads(NULL) == 1);
	return check_done("test_parallel");
}
