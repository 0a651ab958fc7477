/* train: the training loop of one run, with its logging cadence and
 * divergence detection.
 *
 * Iteration t (0..T) evaluates the loss at the parameters after t steps;
 * rows are recorded at t = 0, every log_every iterations and at the last
 * one. A run whose loss becomes NaN/Inf or exceeds diverge_factor times its
 * initial loss stops there with status "diverged" and that iteration.
 * Diagnostics switched on in the run add columns to every row (extra):
 * emulate: e2e_loss and e2e_gap = ||W_e - W_e'||_F / ||W_e||_F of an
 * Eq. 10/12 twin stepped alongside; singular_values: sv1..svr of W_e,
 * r = min(k, d). */
#ifndef OVERPARAM_TRAIN_H
#define OVERPARAM_TRAIN_H

#include <signal.h>

#include "overparam/plan.h"
#include "overparam/dataset.h"
#include "overparam/loss.h"

struct train_record {
	long iter;
	double loss;
	double we_norm;   /* ||W_e||_F */
	double imbalance; /* Eq. 7 imbalance (deep runs), NAN for e2e */
};

/* Everything needed to continue an interrupted run to the same result as
 * an uninterrupted one: the state at iteration t, whose loss was evaluated
 * and whose step was not yet taken. Arrays are owned. */
struct checkpoint {
	long t;
	double initial_loss, min_loss;
	long reached_at;
	size_t n_params;
	double *params, *opt_a, *opt_b; /* opt_a/opt_b NULL when unused */
	long opt_t;
	double opt_s;                   /* the optimizer's scalar state (optim.h) */
	size_t n_twin;                  /* emulate: the twin's state, else 0 */
	double *twin_params, *twin_a, *twin_b;
	long twin_t;
	double twin_s;
};

void checkpoint_release(struct checkpoint *c);

/* converged: the run ended early, at its first iteration with loss <=
 * train.stop_below (a finished run, like ok). */
enum run_status { RUN_OK, RUN_DIVERGED, RUN_INTERRUPTED, RUN_CONVERGED };

struct run_result {
	enum run_status status;
	long last_iter;     /* last iteration evaluated */
	long diverged_at;   /* iteration, or -1 */
	long reached_at;    /* first iteration with loss <= target, or -1 */
	double initial_loss, final_loss, min_loss;
	double seconds;
	struct train_record *rec; /* owned */
	int n_rec;
	int n_extra;        /* extra columns per row */
	char **extra_names; /* (n_extra), owned */
	double *extra;      /* (n_rec, n_extra) row-major, owned */
	char *failure;      /* why a run diverged without a NaN loss (a failing
			       SVD), owned, or NULL */
	struct checkpoint ckpt; /* RUN_INTERRUPTED: where to resume */
};

struct model;

/* Called at each progress tick (every 64 iterations; at multiples of 4096
 * after the periodic checkpoint due there) with the iteration and loss. */
typedef void (*train_progress_fn)(void *user, long iter, double loss);
/* Weight snapshots: tag is "init", "final" or "iter_000001000". Returns an
 * error code; a failure ends the run with that error. */
typedef int (*train_save_fn)(void *user, const char *tag, const struct model *mod);
/* Overwrites the freshly initialized weights (e.g. from saved files). */
typedef int (*train_load_fn)(void *user, struct model *mod);
/* Periodic checkpoints: asked every 4096 iterations whether one is due. */
typedef int (*train_due_fn)(void *user);
/* Writes ck (the state at iteration ck->t: loss evaluated and recorded,
 * step not yet taken) with res holding the rows logged so far. */
typedef int (*train_checkpoint_fn)(void *user, const struct checkpoint *ck,
				   const struct run_result *res);

struct train_opts {
	double target;                 /* for reached_at; <= 0 disables */
	train_progress_fn progress;    /* may be NULL */
	void *user;
	volatile sig_atomic_t *stop;   /* set by a signal handler, may be NULL */
	train_save_fn save;            /* may be NULL */
	long save_every;               /* > 0: also every save_every iterations */
	train_load_fn load_init;       /* may be NULL */
	train_due_fn checkpoint_due;   /* may be NULL: no periodic checkpoints */
	train_checkpoint_fn checkpoint;
	/* Resume: the checkpoint and the rows logged before it (iterations
	 * below resume->t), with their extra columns. */
	const struct checkpoint *resume;
	const struct train_record *prior;
	const double *prior_extra;
	int n_prior;
};

/* Trains run r on ds with loss; fills res (release it after). Numerical
 * trouble is a status, not an error: returns ERR_RUNTIME only when memory
 * cannot be had; a failing SVD ends the run as diverged, with the message
 * in res->failure. */
int train_run(const struct run_spec *r, const struct loss *loss,
	      const struct dataset *ds, const struct train_opts *opts,
	      struct run_result *res);

/* Grid runs stepped side by side: runs[0..n) share one data pass per step
 * (each chunk of X read once for the (n, d) block of their end-to-end
 * matrices, see loss_eval_batch), each with its own opts and result. Runs
 * leave the batch as they end. Each run's curve is train_run's, byte for
 * byte (the fixed-order kernels give every model its single pass's bits),
 * for any batch and thread count. Matrix completion's runs share no pass:
 * each run's step goes to one of the loss pool's threads (two cores, two
 * runs at a time), with train_run's bytes too. Only for runs with
 * train_batch_eligible(). */
int train_batch(const struct run_spec *const *runs, int n, const struct loss *loss,
		const struct dataset *ds, const struct train_opts *opts,
		struct run_result *res);

/* An upper estimate of the bytes run r holds while it trains on ds (weights,
 * gradient, optimizer state, a checkpoint copy, workspaces), to refuse a
 * run that cannot fit before any starts. */
double train_bytes_needed(const struct run_spec *r, const struct dataset *ds);

/* The columns run r logs on ds after iteration, loss, we_norm and
 * imbalance: its diagnostics' and a matrix problem's metrics. */
int train_extra_columns(const struct run_spec *r, const struct dataset *ds);

/* 1 if r can be stepped in a batch: one output, no diagnostics; or a deep
 * model on matrix completion (side by side). */
int train_batch_eligible(const struct run_spec *r, const struct dataset *ds);

void run_result_release(struct run_result *res);

const char *run_status_name(enum run_status s);

#endif
