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

void checkpoint_release(struct checkpoint *c)
{
	free(c->params);
	free(c->opt_a);
	free(c->opt_b);
	free(c->twin_params);
	free(c->twin_a);
	free(c->twin_b);
	memset(c, 0, sizeof(*c));
}

static double *dup_array(const double *x, size_t n)
{
	if (!x)
		return NULL;
	double *y = malloc(n * sizeof(double));
	if (y)
		memcpy(y, x, n * sizeof(double));
	return y;
}

/* Copies the optimizer's state out of / into a checkpoint. */
static void optim_state_out(const struct optim *o, double **a, double **b, long *t)
{
	*a = dup_array(o->a, o->n);
	*b = dup_array(o->b, o->n);
	*t = o->t;
}

static void optim_state_in(struct optim *o, const double *a, const double *b, long t)
{
	if (o->a && a)
		memcpy(o->a, a, o->n * sizeof(double));
	if (o->b && b)
		memcpy(o->b, b, o->n * sizeof(double));
	o->t = t;
}

void run_result_release(struct run_result *res)
{
	checkpoint_release(&res->ckpt);
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
	long t0 = 0;
	if (opts->load_init && (rc = opts->load_init(opts->user, &mod)))
		goto fail;
	if (dg.emulate && opts->load_init && (rc = opts->load_init(opts->user, &dg.twin)))
		goto fail;
	const struct checkpoint *ck = opts->resume;
	if (ck) {
		if (ck->n_params != mod.n_params || ck->n_twin != (dg.emulate ? dg.twin.n_params : 0)) {
			rc = err_set(ERR_INPUT, "checkpoint has %zu parameters, the run has %zu",
				     ck->n_params, mod.n_params);
			goto fail;
		}
		memcpy(mod.params, ck->params, mod.n_params * sizeof(double));
		optim_state_in(&opt, ck->opt_a, ck->opt_b, ck->opt_t);
		if (dg.emulate) {
			memcpy(dg.twin.params, ck->twin_params, dg.twin.n_params * sizeof(double));
			optim_state_in(&dg.twin_opt, ck->twin_a, ck->twin_b, ck->twin_t);
		}
		t0 = ck->t;
		res->initial_loss = ck->initial_loss;
		res->min_loss = ck->min_loss;
		res->reached_at = ck->reached_at;
		for (int i = 0; i < opts->n_prior && res->n_rec < max_rec; i++) {
			res->rec[res->n_rec] = opts->prior[i];
			if (res->n_extra)
				memcpy(res->extra + (size_t)res->n_rec * res->n_extra,
				       opts->prior_extra + (size_t)i * res->n_extra,
				       res->n_extra * sizeof(double));
			res->n_rec++;
		}
	}
	double start = now_seconds();
	for (long t = t0;; t++) {
		double L;
		if (model_loss_grad(&mod, loss, ds, &L)) {
			rc = ERR_OK;
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
		if (t == 0) {
			res->initial_loss = res->min_loss = L;
			if (opts->save && (rc = opts->save(opts->user, "init", &mod)))
				break;
		}
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
		if (opts->save && opts->save_every > 0 && t > 0 && t % opts->save_every == 0 &&
		    t != T && !diverged) {
			char tag[32];
			snprintf(tag, sizeof(tag), "iter_%09ld", t);
			if ((rc = opts->save(opts->user, tag, &mod)))
				break;
		}
		if (diverged || t == T) {
			if (diverged) {
				res->status = RUN_DIVERGED;
				res->diverged_at = t;
			}
			if (opts->save)
				rc = opts->save(opts->user, "final", &mod);
			break;
		}
		if (stop) {
			res->status = RUN_INTERRUPTED;
			struct checkpoint *c = &res->ckpt;
			c->t = t;
			c->initial_loss = res->initial_loss;
			c->min_loss = res->min_loss;
			c->reached_at = res->reached_at;
			c->n_params = mod.n_params;
			c->params = dup_array(mod.params, mod.n_params);
			optim_state_out(&opt, &c->opt_a, &c->opt_b, &c->opt_t);
			if (dg.emulate) {
				c->n_twin = dg.twin.n_params;
				c->twin_params = dup_array(dg.twin.params, dg.twin.n_params);
				optim_state_out(&dg.twin_opt, &c->twin_a, &c->twin_b, &c->twin_t);
			}
			break;
		}
		if (opts->progress && (t & 4095) == 0 && t > 0)
			opts->progress(opts->user, t, L);
		optim_step(&opt, mod.params, mod.grad);
		if (dg.emulate)
			optim_step(&dg.twin_opt, dg.twin.params, dg.twin.grad);
	}
	res->seconds = now_seconds() - start;
fail:
	diag_release(&dg);
	optim_release(&opt);
	model_release(&mod);
	if (rc)
		run_result_release(res);
	return rc;
}
