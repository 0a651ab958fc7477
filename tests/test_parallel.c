/* test_parallel: the pool's contract (parallel.h): par_for(pool, n, fn,
 * arg) runs fn(arg, t) exactly once for every t in [0, n), none outside it,
 * and returns only when all have run, for pools of 1 to 4 threads and calls
 * of 0 to 9 tasks back to back (a worker that wakes late must neither run
 * an old call's task nor miss the current one's), some tasks yielding
 * their CPU so that the threads interleave differently; and the pool
 * sleeps and wakes (calls apart by more than its polling time). par_near
 * measures a round trip that ends (answered or not), at most once per
 * PAR_PROBE_SECONDS, and its fixed answers hold. */
#include "check.h"
#include "overparam/clock.h"
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

/* par_near on a pool of threads: far for one thread, unmeasured; else a
 * measured round trip (positive; infinite when the worker did not answer)
 * that a second call within PAR_PROBE_SECONDS keeps, and the answer agrees
 * with it; fixed answers hold until unfixed; and calls amid storms of
 * par_for never hang. */
static void near_case(struct par_pool *pool, int threads)
{
	char label[96];
	int near = par_near(pool);
	double rt = par_round_trip_ns(pool);
	if (threads == 1) {
		check_true("1 thread: par_near 0, nothing measured", near == 0 && rt == 0);
		return;
	}
	snprintf(label, sizeof(label), "%d threads: a round trip measured (%.0f ns), near = it < %.0f",
		 threads, rt, PAR_NEAR_NS);
	check_true(label, rt > 0 && near == (rt < PAR_NEAR_NS));
	double t0 = clock_seconds();
	int again = par_near(pool);
	if (clock_seconds() - t0 < PAR_PROBE_SECONDS / 2) /* the check came soon enough */
		check_true("a second call within the probe's period keeps the measurement",
			   again == near && par_round_trip_ns(pool) == rt);
	par_fix_near(pool, 1);
	int fixed1 = par_near(pool);
	par_fix_near(pool, 0);
	int fixed0 = par_near(pool);
	par_fix_near(pool, -1);
	check_true("par_fix_near's answers hold", fixed1 == 1 && fixed0 == 0);
	long bad = 0;
	for (int k = 0; k < 200; k++) {
		bad += storm(pool, 5);
		par_near(pool);
	}
	snprintf(label, sizeof(label), "%d threads: par_near amid calls", threads);
	check_true(label, bad == 0);
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
		near_case(pool, threads);
		par_free(pool);
	}
	check_true("par_threads of no pool", par_threads(NULL) == 1);
	check_true("par_near of no pool", par_near(NULL) == 0 && par_round_trip_ns(NULL) == 0);
	return check_done("test_parallel");
}
