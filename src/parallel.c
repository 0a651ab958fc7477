/* parallel: persistent workers fed through a generation counter (see
 * parallel.h). Tasks are claimed from a count of those left, and a call
 * returns when all are done, not when every worker has checked in: a
 * worker the scheduler left off its core (a loaded machine) holds a call
 * up only if it holds one of its tasks. */
#include "overparam/parallel.h"
#include "overparam/clock.h"
#include "overparam/error.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

/* A worker polls (with a pause hint) this long before it sleeps: much
 * longer than a step's serial parameter work at width 100 (about 10 us)
 * and than the gaps a loaded machine's scheduler leaves between a run's
 * steps (at 100 us a loaded machine made every step wait for a futex
 * wake-up: 280 us a step instead of 35), so during training par_for needs
 * no system call to start it; an idle pool still gives its core back
 * within milliseconds. Timed, since a pause lasts 1 to 200 cycles
 * depending on the CPU. */
#define SPIN_SECONDS 2e-3

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

struct par_pool {
	int threads;
	pthread_t *workers;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_long generation; /* bumped for each par_for call */
	atomic_int left;      /* tasks of the current call not yet claimed */
	atomic_int completed; /* tasks of the current call done */
	atomic_int sleepers; /* workers in (or entering) pthread_cond_wait */
	par_task_fn fn;
	void *arg;
	int quit;
	/* par_near's state, the calling thread's alone */
	int fixed_near;      /* -1: measured; 0 or 1: par_fix_near's */
	double probed_at;    /* clock_seconds() of the last measurement, -inf before */
	double round_trip_ns; /* its result, 0 before */
};

/* Claims and runs tasks of the current call until none is left. A claim
 * takes one of the tasks left (never below zero) and reads the call after
 * it: the claimed task is not done, so its call is still the current one
 * and fn and arg (stored before left was) are its. A worker that wakes
 * late finds none left, or helps with whatever call is current. */
static void run_tasks(struct par_pool *p)
{
	int left = atomic_load(&p->left);
	for (;;) {
		if (left <= 0)
			return;
		if (!atomic_compare_exchange_weak(&p->left, &left, left - 1))
			continue; /* left now holds the count another claim left */
		p->fn(p->arg, left - 1);
		atomic_fetch_add(&p->completed, 1);
		left = atomic_load(&p->left);
	}
}

static void *worker(void *arg)
{
	struct par_pool *p = arg;
	long seen = 0;
	for (;;) {
		long g;
		double until = clock_seconds() + SPIN_SECONDS;
		for (int spins = 1; (g = atomic_load(&p->generation)) == seen; spins++) {
			cpu_relax();
			if (spins % 64 == 0 && clock_seconds() > until)
				break;
		}
		if (g == seen) {
			/* sleepers is raised before generation is read again (both
			 * seq_cst), and par_for bumps generation before it reads
			 * sleepers: one of the two sees the other, so a wake-up is
			 * never lost. */
			pthread_mutex_lock(&p->mu);
			atomic_fetch_add(&p->sleepers, 1);
			while ((g = atomic_load(&p->generation)) == seen && !p->quit)
				pthread_cond_wait(&p->cv, &p->mu);
			atomic_fetch_sub(&p->sleepers, 1);
			pthread_mutex_unlock(&p->mu);
		}
		if (p->quit)
			return NULL;
		seen = g;
		run_tasks(p);
	}
}

int par_create(struct par_pool **pool, int threads)
{
	struct par_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return err_set(ERR_RUNTIME, "out of memory");
	p->threads = threads < 1 ? 1 : threads;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	atomic_init(&p->generation, 0);
	atomic_init(&p->left, 0);
	atomic_init(&p->completed, 0);
	atomic_init(&p->sleepers, 0);
	p->fixed_near = -1;
	p->probed_at = -INFINITY;
	if (p->threads > 1) {
		p->workers = calloc(p->threads - 1, sizeof(pthread_t));
		if (!p->workers) {
			free(p);
			return err_set(ERR_RUNTIME, "out of memory");
		}
		for (int i = 0; i < p->threads - 1; i++)
			if (pthread_create(&p->workers[i], NULL, worker, p) != 0) {
				p->threads = i + 1;
				par_free(p);
				return err_set(ERR_RUNTIME, "cannot start worker threads");
			}
	}
	*pool = p;
	return ERR_OK;
}

void par_free(struct par_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	atomic_fetch_add(&p->generation, 1);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->threads - 1; i++)
		pthread_join(p->workers[i], NULL);
	free(p->workers);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}

int par_threads(const struct par_pool *p)
{
	return p ? p->threads : 1;
}

void par_for(struct par_pool *p, int n_tasks, par_task_fn fn, void *arg)
{
	if (!p || p->threads == 1 || n_tasks == 1) {
		for (int t = 0; t < n_tasks; t++)
			fn(arg, t);
		return;
	}
	p->fn = fn;
	p->arg = arg;
	atomic_store(&p->completed, 0);
	atomic_store(&p->left, n_tasks); /* publishes fn, arg and the call */
	atomic_fetch_add(&p->generation, 1);
	if (atomic_load(&p->sleepers) > 0) {
		pthread_mutex_lock(&p->mu);
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	run_tasks(p);
	/* Waiting for the tasks the workers took: a worker that shares this
	 * CPU (just created, or placed here by a loaded scheduler) runs only
	 * when this thread yields, so it does every so often. */
	for (int spins = 1; atomic_load(&p->completed) < n_tasks; spins++) {
		cpu_relax();
		if (spins % 1024 == 0)
			sched_yield();
	}
}

struct runs_job {
	par_run_fn fn;
	void *arg;
	int n, runs;
};

static void run_task(void *arg, int t)
{
	const struct runs_job *r = arg;
	r->fn(r->arg, (int)((long)t * r->n / r->runs), (int)((long)(t + 1) * r->n / r->runs));
}

void par_runs(struct par_pool *pool, int n, par_run_fn fn, void *arg)
{
	int threads = par_threads(pool);
	struct runs_job r = {fn, arg, n, threads < n ? threads : n};
	if (r.runs <= 1) {
		if (n > 0)
			fn(arg, 0, n);
		return;
	}
	par_for(pool, r.runs, run_task, &r);
}

/* The bounce of par_near: task 1 serves the ball (odd counts) and times
 * it, task 0 returns it (even), once untimed and then PROBE_BOUNCES times;
 * either gives up when the other has not answered within PROBE_WAIT
 * seconds (PROBE_FIRST_WAIT for the first, which may wait for a sleeping
 * worker to wake), so one thread that claims both tasks in turn, or two
 * that share a CPU, end too. */
#define PROBE_BOUNCES 32
#define PROBE_WAIT 1e-3
#define PROBE_FIRST_WAIT 10e-3

struct bounce {
	_Alignas(64) atomic_long ball;
	double ns; /* task 1's mean round trip, INFINITY when unanswered */
};

static int await_ball(atomic_long *ball, long want)
{
	double until = clock_seconds() + (want <= 2 ? PROBE_FIRST_WAIT : PROBE_WAIT);
	for (int spins = 1; atomic_load(ball) != want; spins++) {
		cpu_relax();
		if (spins % 64 == 0 && clock_seconds() > until)
			return 0;
	}
	return 1;
}

static void bounce_task(void *arg, int t)
{
	struct bounce *b = arg;
	if (t == 0) {
		for (long i = 0; i <= PROBE_BOUNCES; i++) {
			if (!await_ball(&b->ball, 2 * i + 1))
				return;
			atomic_store(&b->ball, 2 * i + 2);
		}
		return;
	}
	double t0 = 0;
	for (long i = 0; i <= PROBE_BOUNCES; i++) {
		if (i == 1)
			t0 = clock_seconds();
		atomic_store(&b->ball, 2 * i + 1);
		if (!await_ball(&b->ball, 2 * i + 2)) {
			b->ns = INFINITY;
			return;
		}
	}
	b->ns = (clock_seconds() - t0) / PROBE_BOUNCES * 1e9;
}

int par_near(struct par_pool *p)
{
	if (!p || p->threads == 1)
		return 0;
	if (p->fixed_near >= 0)
		return p->fixed_near;
	if (clock_seconds() - p->probed_at >= PAR_PROBE_SECONDS) {
		struct bounce b = {.ns = INFINITY};
		atomic_init(&b.ball, 0);
		par_for(p, 2, bounce_task, &b);
		p->round_trip_ns = b.ns;
		p->probed_at = clock_seconds();
	}
	return p->round_trip_ns < PAR_NEAR_NS;
}

double par_round_trip_ns(const struct par_pool *p)
{
	return p ? p->round_trip_ns : 0.0;
}

void par_fix_near(struct par_pool *p, int near)
{
	if (p)
		p->fixed_near = near < 0 ? -1 : near != 0;
}
