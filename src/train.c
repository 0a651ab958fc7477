/* train: runs one model with one optimizer for a fixed number of
 * iterations (see train.h). No allocation happens inside the loop. */
#include "overparam/train.h"
#include "overparam/error.h"
#include "overparam/model.h"
#include "overparam/optim.h"

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *run_status_name(enum run_status s)
{
	static const char *names[] = {"ok", "diverged", "interrupted"};
	return names[s];
}

void run_result_release(struct run_result *res)
{
	for (int i = 0; i < res->n_extra; i++)
		free(res->extra_names[i]);
	free(res->extra_names);
	free(res->extra);
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

/* Optional per-row diagnostics and their workspace (allocated once). */
struct diag {
	struct model twin; /* emulate: the Eq. 10/12 twin */
	struct optim twin_opt;
	double twin_loss;
	int emulate, n_sv;
	double *svd_a, *svd_s, *svd_superb;
};

static int diag_create(struct diag *dg, const struct run_spec *r,
		       const struct dataset *ds, struct run_result *res, size_t max_rec)
{
	memset(dg, 0, sizeof(*dg));
	int k = ds->k, d = ds->d, rc;
	dg->emulate = r->emulate;
	dg->n_sv = r->singular_values ? (k < d ? k : d) : 0;
	res->n_extra = 2 * dg->emulate + dg->n_sv;
	if (res->n_extra == 0)
		return ERR_OK;
	res->extra_names = calloc(res->n_extra, sizeof(char *));
	res->extra = malloc(max_rec * res->n_extra * sizeof(double));
	if (!res->extra_names || !res->extra)
		return err_set(ERR_RUNTIME, "out of memory");
	int col = 0;
	char name[32];
	if (dg->emulate) {
		struct run_spec twin = *r;
		twin.model = MODEL_E2E;
		if ((rc = model_create(&dg->twin, &twin, ds->m, d, k)))
			return rc;
		struct optim_spec spec = r->optim;
		spec.weight_decay *= r->depth;
		if ((rc = optim_create(&dg->twin_opt, &spec, dg->twin.n_params)))
			return rc;
		res->extra_names[col++] = strdup("e2e_loss");
		res->extra_names[col++] = strdup("e2e_gap");
	}
	for (int i = 0; i < dg->n_sv; i++) {
		snprintf(name, sizeof(name), "sv%d", i + 1);
		res->extra_names[col++] = strdup(name);
	}
	for (int i = 0; i < res->n_extra; i++)
		if (!res->extra_names[i])
			return err_set(ERR_RUNTIME, "out of memory");
	if (dg->n_sv) {
		dg->svd_a = malloc((size_t)k * d * sizeof(double));
		dg->svd_s = malloc(dg->n_sv * sizeof(double));
		dg->svd_superb = malloc(dg->n_sv * sizeof(double));
		if (!dg->svd_a || !dg->svd_s || !dg->svd_superb)
			return err_set(ERR_RUNTIME, "out of memory");
	}
	return ERR_OK;
}

static void diag_release(struct diag *dg)
{
	model_release(&dg->twin);
	optim_release(&dg->twin_opt);
	free(dg->svd_a);
	free(dg->svd_s);
	free(dg->svd_superb);
	memset(dg, 0, sizeof(*dg));
}

static void record(struct run_result *res, struct model *mod, struct diag *dg,
		   long t, double loss)
{
	double *x = res->n_extra ? res->extra + (size_t)res->n_rec * res->n_extra : NULL;
	struct train_record *rec = &res->rec[res->n_rec++];
	rec->iter = t;
	rec->loss = loss;
	rec->we_norm = model_we_norm(mod);
	rec->imbalance = model_imbalance(mod);
	int col = 0, kd = mod->k * mod->d;
	if (dg->emulate) {
		double diff = 0, norm = 0;
		for (int i = 0; i < kd; i++) {
			double e = mod->We[i] - dg->twin.We[i];
			diff += e * e;
			norm += mod->We[i] * mod->We[i];
		}
		x[col++] = dg->twin_loss;
		x[col++] = sqrt(diff / norm);
	}
	if (dg->n_sv) {
		memcpy(dg->svd_a, mod->We, kd * sizeof(double));
		lapack_int info = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'N', 'N', mod->k, mod->d,
						 dg->svd_a, mod->d, dg->svd_s, NULL, 1,
						 NULL, 1, dg->svd_superb);
		for (int i = 0; i < dg->n_sv; i++)
			x[col++] = info == 0 ? dg->svd_s[i] : NAN;
	}
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
	struct diag dg;
	if ((rc = optim_create(&opt, &spec, mod.n_params)) ||
	    (rc = diag_create(&dg, r, ds, res, max_rec))) {
		diag_release(&dg);
		optim_release(&opt);
		model_release(&mod);
		run_result_release(res);
		return rc;
	}
	double start = now_seconds();
	for (long t = 0;; t++) {
		double L;
		if (model_loss_grad(&mod, loss, ds, &L)) {
			/* A failing SVD (NaN or Inf in W_e) ends the run as diverged. */
			res->status = RUN_DIVERGED;
			res->diverged_at = res->last_iter = t;
			res->final_loss = L;
			res->failure = malloc(strlen(err_message()) + 1);
			if (res->failure)
				strcpy(res->failure, err_message());
			if (t == 0)
				res->initial_loss = res->min_loss = L;
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
		if (dg.emulate && model_loss_grad(&dg.twin, loss, ds, &dg.twin_loss))
			dg.twin_loss = NAN; /* a failing twin SVD shows as NaN */
		if (t % K == 0 || t == T || diverged || stop)
			record(res, &mod, &dg, t, L);
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
		if (dg.emulate)
			optim_step(&dg.twin_opt, dg.twin.params, dg.twin.grad);
	}
	res->seconds = now_seconds() - start;
	diag_release(&dg);
	optim_release(&opt);
	model_release(&mod);
	return ERR_OK;
}
