/* train: runs one model with one optimizer for a fixed number of
 * iterations (see train.h). No allocation happens inside the loop. */
#include "overparam/train.h"
#include "overparam/clock.h"
#include "overparam/error.h"
#include "overparam/lines.h"
#include "overparam/matrix.h"
#include "overparam/model.h"
#include "overparam/optim.h"
#include "overparam/parallel.h"

#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *run_status_name(enum run_status s)
{
	static const char *names[] = {"ok", "diverged", "interrupted", "converged"};
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
static void optim_state_out(const struct optim *o, double **a, double **b, long *t, double *s)
{
	*a = dup_array(o->a, o->n);
	*b = dup_array(o->b, o->n);
	*t = o->t;
	*s = o->s;
}

static void optim_state_in(struct optim *o, const double *a, const double *b, long t, double s)
{
	o->s = s;
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

/* The optimizer of a model of the given kind for run r: an e2e model
 * carries the weight decay as (1 - eta lambda N) W_e (Eq. 10). */
static int optim_create_for(struct optim *opt, const struct run_spec *r,
			    enum model_kind kind, size_t n)
{
	struct optim_spec spec = r->optim;
	if (kind == MODEL_E2E)
		spec.weight_decay *= r->depth;
	return optim_create(opt, &spec, n);
}

/* Optional per-row diagnostics and their workspace (allocated once). */
struct diag {
	struct model twin; /* emulate: the Eq. 10/12 twin */
	struct optim twin_opt;
	double twin_loss;
	int emulate, n_sv;
	double *svd_a, *svd_s, *svd_superb;
	const struct dataset_modes *modes; /* diagnostics.modes: the data's */
	double margin, L0;                  /* of the start (flow_bound) */
	double flow_rate;                   /* 2 c^(2-2/N) lr, or NAN: no bound */
	double gd_lr;                       /* the run's lr under GD, else NAN */
	int depth;
	const struct dataset_matrix *matrix; /* a matrix problem's metrics (matrix.h) */
	struct matrix_metrics_work mw;
	int n_matrix;                        /* their columns */
};

/* The flow bound's rate from the margin (see record_modes). */
static void set_flow_rate(struct diag *dg)
{
	dg->flow_rate = dg->margin > 0 && !isnan(dg->gd_lr)
				? 2 * pow(dg->margin, 2.0 - 2.0 / dg->depth) * dg->gd_lr
				: NAN;
}

static int diag_create(struct diag *dg, const struct run_spec *r,
		       const struct dataset *ds, struct run_result *res, size_t max_rec)
{
	memset(dg, 0, sizeof(*dg));
	int k = ds->k, d = ds->d, rc;
	dg->emulate = r->emulate;
	dg->n_sv = r->singular_values ? (k < d ? k : d) : 0;
	if (r->modes && !ds->modes)
		return err_set(ERR_INPUT, "diagnostics.modes needs data.source \"whitened\"");
	dg->modes = r->modes ? ds->modes : NULL;
	dg->flow_rate = NAN;
	dg->gd_lr = r->optim.kind == OPTIM_GD ? r->optim.lr : NAN;
	dg->depth = r->depth;
	dg->matrix = ds->matrix;
	dg->n_matrix = ds->matrix ? matrix_metric_count(ds->matrix) : 0;
	res->n_extra = train_extra_columns(r, ds);
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
		if ((rc = model_create(&dg->twin, &twin, ds->m, d, k)) ||
		    (r->init == LINNET_INIT_DECOUPLED &&
		     (rc = model_init_decoupled(&dg->twin, ds->modes, NULL, r->init_std))))
			return rc;
		if ((rc = optim_create_for(&dg->twin_opt, r, MODEL_E2E, dg->twin.n_params)))
			return rc;
		res->extra_names[col++] = strdup("e2e_loss");
		res->extra_names[col++] = strdup("e2e_gap");
	}
	for (int i = 0; i < dg->n_sv; i++) {
		snprintf(name, sizeof(name), "sv%d", i + 1);
		res->extra_names[col++] = strdup(name);
	}
	for (int i = 0; dg->modes && i < dg->modes->r; i++) {
		snprintf(name, sizeof(name), "mode%d", i + 1);
		res->extra_names[col++] = strdup(name);
	}
	if (dg->modes) {
		res->extra_names[col++] = strdup("margin");
		res->extra_names[col++] = strdup("flow_bound");
	}
	for (int i = 0; i < dg->n_matrix; i++) {
		matrix_metric_name(i, name, sizeof(name));
		res->extra_names[col++] = strdup(name);
	}
	if (dg->matrix && (rc = matrix_metrics_work_create(&dg->mw, dg->matrix)))
		return rc;
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
	matrix_metrics_work_release(&dg->mw);
	memset(dg, 0, sizeof(*dg));
}

/* The Eq. 7 imbalance costs sum_j n_j^2 (n_{j-1} + n_{j+1}) flops per row
 * and a step about 2 m d k + 6 k sum_j n_j n_{j-1}, so wide layers can make
 * the column cost more than the training. It is kept under 10% of the
 * training by shapes alone (so every machine, batch and resume logs the same
 * rows): every logged row when one costs at most a tenth of the log_every
 * steps between rows; otherwise only at iterations t that are multiples of
 * the smallest period P (a multiple of log_every) over which it does, and
 * whose period is trained (t + P <= T); NAN at the other rows. Returns P,
 * or 0 for every row. */
static long imbalance_period_of(const int *n, int N, int k, int m, long log_every)
{
	double imb = 0, chain = 0;
	for (int j = 1; j < N; j++)
		imb += (double)n[j] * n[j] * (n[j - 1] + n[j + 1]);
	for (int j = 1; j <= N; j++)
		chain += (double)n[j] * n[j - 1];
	double step = 2.0 * m * n[0] * k + 6.0 * k * chain;
	double budget = 0.1 * (double)log_every * step;
	if (imb <= budget)
		return 0;
	double periods = ceil(imb / budget);
	return periods * log_every > 4e18 ? LONG_MAX : (long)periods * log_every;
}

static long imbalance_period(const struct model *mod, const struct run_spec *r, int m)
{
	if (mod->kind != MODEL_DEEP)
		return 0;
	return imbalance_period_of(mod->net.n, mod->net.N, mod->k, m, r->log_every);
}

int train_extra_columns(const struct run_spec *r, const struct dataset *ds)
{
	int k = ds->k, d = ds->d;
	return 2 * r->emulate + (r->singular_values ? (k < d ? k : d) : 0) +
	       (r->modes && ds->modes ? ds->modes->r + 2 : 0) +
	       (ds->matrix ? matrix_metric_count(ds->matrix) : 0);
}

double train_bytes_needed(const struct run_spec *r, const struct dataset *ds)
{
	int N = r->depth, k = ds->k, d = ds->d;
	int *n = malloc((N + 1) * sizeof(int));
	if (!n)
		return INFINITY;
	n[0] = d;
	n[N] = k;
	for (int j = 1; j < N; j++)
		n[j] = r->hidden[j - 1];
	double T = 0, sum_n = 0, max_n = 0, max_layer = 1;
	for (int j = 1; j <= N; j++) {
		T += (double)n[j] * n[j - 1];
		max_layer = fmax(max_layer, (double)n[j] * n[j - 1]);
	}
	for (int j = 0; j <= N; j++) {
		sum_n += n[j];
		max_n = fmax(max_n, n[j]);
	}
	double P = r->model == MODEL_DEEP ? T : (double)k * d;
	free(n);
	/* The log: a row (iteration, loss, |W_e|, imbalance) per log_every
	 * iterations, and the first and last, with the diagnostics' columns. */
	double extra = train_extra_columns(r, ds);
	double rows = (double)r->iterations / (double)r->log_every + 2;
	/* weights, gradient, optimizer state, a checkpoint copy; A_j, B_j, the
	 * imbalance workspace (the largest layer, linnet.c: allocated for every
	 * deep net); W_e, G, the row scratch; an Eq. 12 twin; the log. */
	double doubles = T + P * (1 + optim_state_slots(r->optim.kind)) +
			 P * (1 + optim_state_slots(r->optim.kind)) + k * sum_n + 2.0 * k * max_n +
			 (r->model == MODEL_DEEP ? max_layer : 0) + 3.0 * k * d + (double)ds->m * k +
			 rows * (4 + extra);
	if (r->emulate)
		doubles += 4.0 * k * d;
	return 8.0 * doubles;
}

/* diagnostics.modes into x: each mode's strength u_q^T W_e v_q, the
 * start's deficiency margin c = s_min(Phi) - |W_e(0) - Phi|_F (Phi =
 * U S V^T; s_min 0 unless the modes span min(k, d)), and the bound the
 * gradient flow keeps the loss under from a balanced start with c > 0:
 * along the flow dL/dtau = -<grad, P(grad)> <= -2 s_min(W_e)^(2-2/N) L
 * (Eq. 10's preconditioner P has no eigenvalue below s_min^(2-2/N), and
 * |grad|^2 = 2 L here), and s_min(W_e) >= c while |W_e - Phi| does not
 * grow, so L(t) <= L(0) exp(-2 c^(2-2/N) lr t). NAN where it does not
 * apply (c <= 0, or an optimizer other than GD). */
static void record_modes(struct diag *dg, const struct model *mod, long t, double loss, double *x)
{
	const struct dataset_modes *md = dg->modes;
	int r = md->r, k = mod->k, d = mod->d;
	for (int q = 0; q < r; q++)
		x[q] = dataset_mode_strength(md, mod->We, k, d, q);
	if (t == 0) {
		double dist = 0, smin = r == (k < d ? k : d) ? INFINITY : 0;
		for (int q = 0; q < r; q++)
			smin = fmin(smin, md->s[q]);
		for (int i = 0; i < k; i++)
			for (int j = 0; j < d; j++) {
				double phi = 0;
				for (int q = 0; q < r; q++)
					phi += md->U[(size_t)i * r + q] * md->s[q] * md->V[(size_t)j * r + q];
				double e = mod->We[(size_t)i * d + j] - phi;
				dist += e * e;
			}
		dg->margin = smin - sqrt(dist);
		dg->L0 = loss;
		set_flow_rate(dg);
	}
	x[r] = dg->margin;
	x[r + 1] = isnan(dg->flow_rate) ? NAN : dg->L0 * exp(-dg->flow_rate * (double)t);
}

static void record(struct run_result *res, struct model *mod, struct diag *dg,
		   long t, double loss, long imb_period, long T)
{
	double *x = res->n_extra ? res->extra + (size_t)res->n_rec * res->n_extra : NULL;
	struct train_record *rec = &res->rec[res->n_rec++];
	rec->iter = t;
	rec->loss = loss;
	rec->we_norm = model_we_norm(mod);
	rec->imbalance = imb_period == 0 || (t % imb_period == 0 && T - t >= imb_period)
				 ? model_imbalance(mod)
				 : NAN;
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
	if (dg->n_sv == 1 && mod->k == 1) {
		x[col++] = rec->we_norm; /* one output: the only singular value, no LAPACK */
	} else if (dg->n_sv) {
		memcpy(dg->svd_a, mod->We, kd * sizeof(double));
		lapack_int info = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'N', 'N', mod->k, mod->d,
						 dg->svd_a, mod->d, dg->svd_s, NULL, 1,
						 NULL, 1, dg->svd_superb);
		for (int i = 0; i < dg->n_sv; i++)
			x[col++] = info == 0 ? dg->svd_s[i] : NAN;
	}
	if (dg->modes) {
		record_modes(dg, mod, t, loss, x + col);
		col += dg->modes->r + 2;
	}
	if (dg->matrix)
		matrix_metrics(dg->matrix, mod->We, dg->depth, &dg->mw, x + col);
}

/* One run's state between steps, so that runs can be stepped one at a
 * time (train_run) or side by side over a shared data pass (train_batch). */
struct run_state {
	const struct run_spec *r;
	const struct train_opts *opts;
	struct run_result *res;
	struct model mod;
	struct optim opt;
	struct diag dg;
	long t, T, K, max_rec;
	long imb_period; /* see imbalance_period */
	int done;
	double start;
};

static void state_release(struct run_state *s)
{
	diag_release(&s->dg);
	optim_release(&s->opt);
	model_release(&s->mod);
}

/* The parameter work of a step (layer gradients, the update) on the data
 * pass's threads: large layers are split, with the bits of one thread. */
static void state_use_pool(struct run_state *s, struct par_pool *pool)
{
	model_use_pool(&s->mod, pool);
	s->opt.pool = pool;
	if (s->dg.emulate) {
		model_use_pool(&s->dg.twin, pool);
		s->dg.twin_opt.pool = pool;
	}
}

/* Everything before the first step: model, optimizer, diagnostics, initial
 * weights, a checkpoint to resume from, the parameter work on pool (the data
 * pass's; NULL: one thread). On failure releases all. */
static int state_begin(struct run_state *s, const struct run_spec *r,
		       const struct dataset *ds, struct par_pool *pool,
		       const struct train_opts *opts, struct run_result *res)
{
	memset(s, 0, sizeof(*s));
	memset(res, 0, sizeof(*res));
	s->r = r;
	s->opts = opts;
	s->res = res;
	res->diverged_at = res->reached_at = -1;
	s->T = r->iterations;
	s->K = r->log_every;
	s->max_rec = s->T / s->K + 2;
	res->rec = malloc(s->max_rec * sizeof(*res->rec));
	if (!res->rec)
		return err_set(ERR_RUNTIME, "out of memory");
	int rc = model_create(&s->mod, r, ds->m, ds->d, ds->k);
	if (!rc && r->init == LINNET_INIT_DECOUPLED &&
	    (rc = model_init_decoupled(&s->mod, ds->modes, NULL, r->init_std)))
		model_release(&s->mod);
	if (rc) {
		run_result_release(res);
		return rc;
	}
	s->imb_period = imbalance_period(&s->mod, r, ds->m);
	if ((rc = optim_create_for(&s->opt, r, r->model, s->mod.n_params)) ||
	    (rc = diag_create(&s->dg, r, ds, res, s->max_rec)))
		goto fail;
	if (opts->load_init && (rc = opts->load_init(opts->user, &s->mod)))
		goto fail;
	if (s->dg.emulate && opts->load_init && (rc = opts->load_init(opts->user, &s->dg.twin)))
		goto fail;
	const struct checkpoint *ck = opts->resume;
	if (ck) {
		struct diag *dg = &s->dg;
		if (ck->n_params != s->mod.n_params ||
		    ck->n_twin != (dg->emulate ? dg->twin.n_params : 0)) {
			rc = err_set(ERR_INPUT, "checkpoint has %zu parameters, the run has %zu",
				     ck->n_params, s->mod.n_params);
			goto fail;
		}
		memcpy(s->mod.params, ck->params, s->mod.n_params * sizeof(double));
		optim_state_in(&s->opt, ck->opt_a, ck->opt_b, ck->opt_t, ck->opt_s);
		if (dg->emulate) {
			memcpy(dg->twin.params, ck->twin_params, dg->twin.n_params * sizeof(double));
			optim_state_in(&dg->twin_opt, ck->twin_a, ck->twin_b, ck->twin_t, ck->twin_s);
		}
		s->t = ck->t;
		res->initial_loss = ck->initial_loss;
		res->min_loss = ck->min_loss;
		res->reached_at = ck->reached_at;
		for (int i = 0; i < opts->n_prior && res->n_rec < s->max_rec; i++) {
			res->rec[res->n_rec] = opts->prior[i];
			if (res->n_extra)
				memcpy(res->extra + (size_t)res->n_rec * res->n_extra,
				       opts->prior_extra + (size_t)i * res->n_extra,
				       res->n_extra * sizeof(double));
			res->n_rec++;
		}
		if (dg->modes && opts->n_prior > 0) { /* the start's, from its row */
			dg->margin = opts->prior_extra[res->n_extra - 2];
			dg->L0 = opts->prior[0].loss;
			set_flow_rate(dg);
		}
	}
	state_use_pool(s, pool);
	s->start = clock_seconds();
	return ERR_OK;
fail:
	state_release(s);
	run_result_release(res);
	return rc;
}

static void take_checkpoint(struct run_state *s, struct checkpoint *c)
{
	struct run_result *res = s->res;
	c->t = s->t;
	c->initial_loss = res->initial_loss;
	c->min_loss = res->min_loss;
	c->reached_at = res->reached_at;
	c->n_params = s->mod.n_params;
	c->params = dup_array(s->mod.params, s->mod.n_params);
	optim_state_out(&s->opt, &c->opt_a, &c->opt_b, &c->opt_t, &c->opt_s);
	if (s->dg.emulate) {
		c->n_twin = s->dg.twin.n_params;
		c->twin_params = dup_array(s->dg.twin.params, s->dg.twin.n_params);
		optim_state_out(&s->dg.twin_opt, &c->twin_a, &c->twin_b, &c->twin_t, &c->twin_s);
	}
}

/* Bookkeeping after the loss L at iteration s->t was evaluated (and, unless
 * eval_failed, mod.grad filled): records, divergence, snapshots, stop.
 * Sets s->done when the run ends. Returns an error code (I/O). */
static int state_after_eval(struct run_state *s, const struct loss *loss,
			    const struct dataset *ds, double L, int eval_failed)
{
	struct run_result *res = s->res;
	const struct train_opts *opts = s->opts;
	long t = s->t;
	int rc = ERR_OK;
	if (eval_failed) {
		/* A failing SVD (NaN or Inf in W_e) ends the run as diverged. */
		res->status = RUN_DIVERGED;
		res->diverged_at = res->last_iter = t;
		res->final_loss = L;
		res->failure = strdup(err_message());
		if (t == 0)
			res->initial_loss = res->min_loss = L;
		s->done = 1;
		return ERR_OK;
	}
	if (t == 0) {
		res->initial_loss = res->min_loss = L;
		if (opts->save && (rc = opts->save(opts->user, "init", &s->mod)))
			return rc;
	}
	res->final_loss = L;
	res->last_iter = t;
	if (L < res->min_loss)
		res->min_loss = L;
	if (opts->target > 0 && res->reached_at < 0 && L <= opts->target)
		res->reached_at = t;
	int diverged = !isfinite(L) || L > s->r->diverge_factor * res->initial_loss;
	int stop = opts->stop && *opts->stop;
	int converged = !diverged && s->r->stop_below > 0 && L <= s->r->stop_below;
	if (s->dg.emulate && model_loss_grad(&s->dg.twin, loss, ds, &s->dg.twin_loss))
		s->dg.twin_loss = NAN; /* a failing twin SVD shows as NaN */
	if (t % s->K == 0 || t == s->T || diverged || stop || converged)
		record(res, &s->mod, &s->dg, t, L, s->imb_period, s->T);
	if (opts->save && opts->save_every > 0 && t > 0 && t % opts->save_every == 0 &&
	    t != s->T && !diverged) {
		char tag[32];
		snprintf(tag, sizeof(tag), "iter_%09ld", t);
		if ((rc = opts->save(opts->user, tag, &s->mod)))
			return rc;
	}
	if (diverged || t == s->T || converged) {
		if (diverged) {
			res->status = RUN_DIVERGED;
			res->diverged_at = t;
		}
		if (converged)
			res->status = RUN_CONVERGED;
		s->done = 1;
		return opts->save ? opts->save(opts->user, "final", &s->mod) : ERR_OK;
	}
	if (stop) {
		res->status = RUN_INTERRUPTED;
		take_checkpoint(s, &res->ckpt);
		s->done = 1;
		return ERR_OK;
	}
	if ((t & 4095) == 0 && t > 0 && opts->checkpoint_due && opts->checkpoint_due(opts->user)) {
		struct checkpoint ck = {0};
		take_checkpoint(s, &ck);
		rc = ck.params ? opts->checkpoint(opts->user, &ck, res)
			       : err_set(ERR_RUNTIME, "out of memory");
		checkpoint_release(&ck);
	}
	if ((t & 63) == 0 && t > 0 && !rc && opts->progress)
		opts->progress(opts->user, t, L);
	return rc;
}

/* state_after_eval, and the run's wall time when it ends there. */
static int state_after_eval_timed(struct run_state *s, const struct loss *loss,
				  const struct dataset *ds, double L, int eval_failed)
{
	int rc = state_after_eval(s, loss, ds, L, eval_failed);
	if (s->done)
		s->res->seconds = clock_seconds() - s->start;
	return rc;
}

static void state_step(struct run_state *s)
{
	model_step(&s->mod, &s->opt);
	if (s->dg.emulate)
		model_step(&s->dg.twin, &s->dg.twin_opt);
	s->t++;
}

/* Ends a run: timing, release; on error the result is released too. */
static int state_end(struct run_state *s, int rc)
{
	if (!s->done) /* else set when it ended (runs stepped together end apart) */
		s->res->seconds = clock_seconds() - s->start;
	state_release(s);
	if (rc)
		run_result_release(s->res);
	return rc;
}

int train_run(const struct run_spec *r, const struct loss *loss,
	      const struct dataset *ds, const struct train_opts *opts,
	      struct run_result *res)
{
	struct run_state s;
	int rc = state_begin(&s, r, ds, loss->pool, opts, res);
	if (rc)
		return rc;
	while (!rc && !s.done) {
		double L;
		int failed = model_eval(&s.mod, &s.opt, loss, ds, &L) != ERR_OK;
		rc = state_after_eval_timed(&s, loss, ds, L, failed);
		if (!rc && !s.done)
			state_step(&s);
	}
	return state_end(&s, rc);
}

/* Begins runs[0..n) into st (their parameter work on pool); on failure
 * ends the ones begun and returns the error. */
static int states_begin(struct run_state *st, const struct run_spec *const *runs, int n,
			const struct dataset *ds, struct par_pool *pool,
			const struct train_opts *opts, struct run_result *res)
{
	int rc = ERR_OK, begun = 0;
	for (; !rc && begun < n; begun++)
		rc = state_begin(&st[begun], runs[begun], ds, pool, &opts[begun], &res[begun]);
	for (int j = 0; rc && j < begun - 1; j++) /* the failing one released itself */
		state_end(&st[j], rc);
	return rc;
}

/* The runs not done yet, into active; their count. */
static int states_active(const struct run_state *st, int n, int *active)
{
	int na = 0;
	for (int j = 0; j < n; j++)
		if (!st[j].done)
			active[na++] = j;
	return na;
}

/* Matrix completion's runs share no data pass (a step is its own matrix
 * products and a loop over the observed entries, with no shared scratch),
 * so a block of them is stepped side by side instead: each step of each
 * run on one of the pool's threads, the bookkeeping in order after. */
static int side_by_side(const struct dataset *ds)
{
	return ds->matrix && ds->matrix->task == MATRIX_COMPLETION;
}

int train_batch_eligible(const struct run_spec *r, const struct dataset *ds)
{
	if (side_by_side(ds)) /* deep models: their step cannot fail (no SVD) */
		return r->model == MODEL_DEEP;
	return ds->k == 1 && !ds->matrix && !r->emulate && !r->singular_values && !r->modes;
}

/* One step of the side-by-side runs: run active[a]'s pending update, then
 * its next evaluation, on a thread of its own. */
struct side_job {
	struct run_state *st;
	const int *active;
	int *pending;
	double *L;
	const struct loss *loss;
	const struct dataset *ds;
};

static void side_task(void *arg, int a)
{
	const struct side_job *j = arg;
	int i = j->active[a];
	struct run_state *s = &j->st[i];
	if (j->pending[i]) {
		state_step(s);
		j->pending[i] = 0;
	}
	model_eval(&s->mod, &s->opt, j->loss, j->ds, &j->L[a]); /* deep, no SVD: cannot fail */
}

/* train_batch for a matrix completion block: every run's steps are
 * train_run's (one thread each, the same BLAS calls and loops), so its
 * bytes are too; the runs' bookkeeping (rows, metrics, checkpoints,
 * saves) runs in order on this thread. */
static int train_side_by_side(const struct run_spec *const *runs, int n, const struct loss *loss,
			      const struct dataset *ds, const struct train_opts *opts,
			      struct run_result *res)
{
	struct run_state *st = calloc(n, sizeof(*st));
	int *active = malloc(n * sizeof(int)), *pending = calloc(n, sizeof(int));
	double *L = malloc(n * sizeof(double));
	int rc = st && active && pending && L ? ERR_OK : err_set(ERR_RUNTIME, "out of memory");
	/* no pool inside a run: the runs are the threads' tasks */
	if (rc || (rc = states_begin(st, runs, n, ds, NULL, opts, res)))
		goto out;
	struct side_job job = {st, active, pending, L, loss, ds};
	for (;;) {
		int na = states_active(st, n, active);
		if (na == 0 || rc)
			break;
		par_for(loss->pool, na, side_task, &job);
		for (int a = 0; a < na && !rc; a++) {
			struct run_state *s = &st[active[a]];
			rc = state_after_eval_timed(s, loss, ds, L[a], 0);
			pending[active[a]] = !rc && !s->done;
		}
	}
	for (int j = 0; j < n; j++)
		state_end(&st[j], rc);
out:
	free(st);
	free(active);
	free(pending);
	free(L);
	return rc;
}

int train_batch(const struct run_spec *const *runs, int n, const struct loss *loss,
		const struct dataset *ds, const struct train_opts *opts,
		struct run_result *res)
{
	if (side_by_side(ds))
		return train_side_by_side(runs, n, loss, ds, opts, res);
	struct run_state *st = calloc(n, sizeof(*st));
	int *active = malloc(n * sizeof(int));
	double *Wb = lines_alloc((size_t)n * ds->d);
	double *Gb = lines_alloc((size_t)n * ds->d);
	double *Lb = malloc(n * sizeof(double));
	double *scratch = malloc((size_t)ds->m * n * sizeof(double));
	int rc = ERR_OK;
	if (!st || !active || !Wb || !Gb || !Lb || !scratch)
		rc = err_set(ERR_RUNTIME, "out of memory");
	if (rc || (rc = states_begin(st, runs, n, ds, loss->pool, opts, res)))
		goto out;
	int d = ds->d;
	for (;;) {
		int na = states_active(st, n, active);
		if (na == 0 || rc)
			break;
		for (int a = 0; a < na; a++) {
			struct model *mod = &st[active[a]].mod;
			model_end_to_end(mod);
			memcpy(Wb + (size_t)a * d, mod->We, d * sizeof(double));
		}
		loss_eval_batch(loss, ds, na, Wb, Lb, Gb, scratch);
		for (int a = 0; a < na && !rc; a++) {
			struct run_state *s = &st[active[a]];
			memcpy(s->mod.G, Gb + (size_t)a * d, d * sizeof(double));
			int failed = model_grad_for_step(&s->mod, &s->opt) != ERR_OK;
			rc = state_after_eval_timed(s, loss, ds, Lb[a], failed);
			if (!rc && !s->done)
				state_step(s);
		}
	}
	for (int j = 0; j < n; j++)
		state_end(&st[j], rc);
out:
	free(st);
	free(active);
	free(Wb);
	free(Gb);
	free(Lb);
	free(scratch);
	return rc;
}
