/* train: runs one model with one optimizer for a fixed number of
 * iterations (see train.h). No allocation happens inside the loop. */
#include "overparam/train.h"
#include "overparam/error.h"
#include "overparam/model.h"
#include "overparam/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *run_status_name(enum run_status s)
{
	static const char *names[] = {"ok", "diverged", "interrupted", "failed"};
	return names[s];
}

void run_result_release(struct run_result *res)
{
	free(res->rec);
	free(res->failure);
	memset(res, 0, sizeof(*res));
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void record(struct run_result *res, struct model *mod, long t, double loss)
{
	struct train_record *rec = &res->rec[res->n_rec++];
	rec->iter = t;
	rec->loss = loss;
	rec->we_norm = model_we_norm(mod);
	rec->imbalance = model_imbalance(mod);
}

int train_run(const struct run_spec *r, const struct loss *loss,
	      const struct dataset *ds, const struct train_opts *opts,
	      struct run_result *res)
{
	memset(res, 0, sizeof(*res));
	res->diverged_at = res->reached_at = -1;
	long T = r->iterations, K = r->log_every;
	long max_rec = T / K + 2;
	res->rec = malloc(max_rec * sizeof(*res->rec));
	if (!res->rec)
		return err_set(ERR_RUNTIME, "out of memory");
	struct model mod;
	int rc = model_create(&mod, r, ds->m, ds->d, ds->k);
	if (rc) {
		run_result_release(res);
		return rc;
	}
	/* The e2e rule carries the weight decay as (1 - eta lambda N) W_e. */
	struct optim_spec spec = r->optim;
	if (r->model == MODEL_E2E)
		spec.weight_decay *= r->depth;
	struct optim opt;
	if ((rc = optim_create(&opt, &spec, mod.n_params))) {
		model_release(&mod);
		run_result_release(res);
		return rc;
	}
	double start = now_seconds();
	for (long t = 0;; t++) {
		double L;
		if (model_loss_grad(&mod, loss, ds, &L)) {
			res->status = RUN_FAILED;
			res->failure = malloc(strlen(err_message()) + 1);
			if (res->failure)
				strcpy(res->failure, err_message());
			res->last_iter = t;
			break;
		}
		if (t == 0)
			res->initial_loss = res->min_loss = L;
		res->final_loss = L;
		res->last_iter = t;
		if (L < res->min_loss)
			res->min_loss = L;
		if (opts->target > 0 && res->reached_at < 0 && L <= opts->target)
			res->reached_at = t;
		int diverged = !isfinite(L) || L > r->diverge_factor * res->initial_loss;
		int stop = opts->stop && *opts->stop;
		if (t % K == 0 || t == T || diverged || stop)
			record(res, &mod, t, L);
		if (diverged) {
			res->status = RUN_DIVERGED;
			res->diverged_at = t;
			break;
		}
		if (t == T)
			break;
		if (stop) {
			res->status = RUN_INTERRUPTED;
			break;
		}
		if (opts->progress && (t & 4095) == 0 && t > 0)
			opts->progress(opts->user, t, L);
		optim_step(&opt, mod.params, mod.grad);
	}
	res->seconds = now_seconds() - start;
	optim_release(&opt);
	model_release(&mod);
	return ERR_OK;
}
