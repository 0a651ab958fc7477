/* parallel: persistent workers fed through a generation counter (see
 * parallel.h). Tasks are claimed with an atomic counter. */
#include "overparam/parallel.h"
#include "overparam/clock.h"
#include "overparam/error.h"

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
	atomic_int next_task, done_workers;
	atomic_int sleepers; /* workers in (or entering) pthread_cond_wait */
	int n_tasks;
	par_task_fn fn;
	void *arg;
	int quit;
};

static void run_tasks(struct par_pool *p)
{
	for (;;) {
		int t = atomic_fetch_add(&p->next_task, 1);
		if (t >= p->n_tasks)
			return;
		p->fn(p->arg, t);
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
		atomic_fetch_add(&p->done_workers, 1);
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
	atomic_init(&p->next_task, 0);
	atomic_init(&p->done_workers, 0);
	atomic_init(&p->sleepers, 0);
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
	p->n_tasks = n_tasks;
	atomic_store(&p->next_task, 0);
	atomic_store(&p->done_workers, 0);
	atomic_fetch_add(&p->generation, 1);
	if (atomic_load(&p->sleepers) > 0) {
		pthread_mutex_lock(&p->mu);
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	run_tasks(p);
	/* Waiting for the workers' last tasks: a worker that shares this CPU
	 * (just created, or placed here by a loaded scheduler) runs only when
	 * this thread yields, so it does every so often. */
	for (int spins = 1; atomic_load(&p->done_workers) < p->threads - 1; spins++) {
		cpu_relax();
		if (spins % 1024 == 0)
			sched_yield();
	}
}
