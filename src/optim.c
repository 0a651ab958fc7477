/* optim: the update rules listed in optim.h, each one flat loop. */
#include "overparam/optim.h"
#include "overparam/detmath.h"
#include "overparam/error.h"
#include "overparam/kernels.h"
#include "overparam/lines.h"
#include "overparam/parallel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"gd",       "momentum", "nesterov", "adagrad",
					 "adadelta", "rmsprop",  "adam",     "group_rmsprop"};
const struct name_map optim_kind_names = NAME_MAP("optimizer", kind_names);

int optim_kind_parse(const char *name, enum optim_kind *out)
{
	int v = name_map_find(&optim_kind_names, name);
	if (v < 0)
		return -1;
	*out = (enum optim_kind)v;
	return 0;
}

const char *optim_kind_name(enum optim_kind kind)
{
	return name_map_name(&optim_kind_names, kind);
}

void optim_spec_defaults(struct optim_spec *spec, enum optim_kind kind)
{
	memset(spec, 0, sizeof(*spec));
	spec->kind = kind;
	spec->lr = 1e-3;
	spec->momentum = kind == OPTIM_RMSPROP ? 0.0 : 0.9;
	spec->rho = kind == OPTIM_RMSPROP ? 0.9 : kind == OPTIM_GROUP_RMSPROP ? 0.99 : 0.95;
	spec->eps = kind == OPTIM_RMSPROP ? 1e-10 : kind == OPTIM_GROUP_RMSPROP ? 1e-4 : 1e-8;
	spec->beta1 = 0.9;
	spec->beta2 = 0.999;
	spec->initial_accumulator = kind == OPTIM_RMSPROP ? 1.0 : 0.1;
}

int optim_state_slots(enum optim_kind kind)
{
	switch (kind) {
	case OPTIM_GD:
	case OPTIM_GROUP_RMSPROP: return 0; /* its state is the scalar s */
	case OPTIM_MOMENTUM:
	case OPTIM_NESTEROV:
	case OPTIM_ADAGRAD: return 1;
	case OPTIM_ADADELTA:
	case OPTIM_RMSPROP:
	case OPTIM_ADAM: return 2;
	}
	return 2;
}

int optim_create(struct optim *opt, const struct optim_spec *spec, size_t n)
{
	memset(opt, 0, sizeof(*opt));
	opt->spec = *spec;
	opt->n = n;
	int slots = optim_state_slots(spec->kind);
	if (slots >= 1 && !(opt->a = lines_calloc(n)))
		goto oom;
	if (slots >= 2 && !(opt->b = lines_calloc(n)))
		goto oom;
	if (spec->kind == OPTIM_ADAGRAD || spec->kind == OPTIM_RMSPROP)
		for (size_t i = 0; i < n; i++)
			opt->a[i] = spec->initial_accumulator;
	return ERR_OK;
oom:
	optim_release(opt);
	return err_set(ERR_RUNTIME, "out of memory for optimizer state");
}

void optim_release(struct optim *opt)
{
	free(opt->a);
	free(opt->b);
	memset(opt, 0, sizeof(*opt));
}

/* The per-parameter update of the n parameters w (their state a, b: the
 * same offset into opt's arrays, NULL when unused) from their gradient g:
 * every parameter's arithmetic depends on it alone, so any split into
 * pieces gives the same bits. opt->rate is the step's rate (Adam's
 * bias-corrected rate, group_rmsprop's). */
static void update_piece(const struct optim *opt, double *w, double *g, double *a, double *b,
			 size_t n)
{
	const struct optim_spec *s = &opt->spec;
	double lr = s->lr;
	if (s->weight_decay != 0.0 && s->kind != OPTIM_GROUP_RMSPROP) /* its step adds it first */
		for (size_t i = 0; i < n; i++)
			g[i] += s->weight_decay * w[i];
	switch (s->kind) {
	case OPTIM_GD:
		kern_sub_scaled(w, lr, g, n);
		break;
	case OPTIM_MOMENTUM:
		for (size_t i = 0; i < n; i++) {
			a[i] = s->momentum * a[i] + g[i];
			w[i] -= lr * a[i];
		}
		break;
	case OPTIM_NESTEROV:
		for (size_t i = 0; i < n; i++) {
			a[i] = s->momentum * a[i] + g[i];
			w[i] -= lr * (g[i] + s->momentum * a[i]);
		}
		break;
	case OPTIM_ADAGRAD:
		for (size_t i = 0; i < n; i++) {
			a[i] += g[i] * g[i];
			w[i] -= lr * g[i] / sqrt(a[i]);
		}
		break;
	case OPTIM_ADADELTA:
		for (size_t i = 0; i < n; i++) {
			a[i] = s->rho * a[i] + (1.0 - s->rho) * g[i] * g[i];
			double u = sqrt(b[i] + s->eps) / sqrt(a[i] + s->eps) * g[i];
			b[i] = s->rho * b[i] + (1.0 - s->rho) * u * u;
			w[i] -= lr * u;
		}
		break;
	case OPTIM_RMSPROP:
		for (size_t i = 0; i < n; i++) {
			a[i] = s->rho * a[i] + (1.0 - s->rho) * g[i] * g[i];
			b[i] = s->momentum * b[i] + lr * g[i] / sqrt(a[i] + s->eps);
			w[i] -= b[i];
		}
		break;
	case OPTIM_ADAM:
		for (size_t i = 0; i < n; i++) {
			a[i] = s->beta1 * a[i] + (1.0 - s->beta1) * g[i];
			b[i] = s->beta2 * b[i] + (1.0 - s->beta2) * g[i] * g[i];
			w[i] -= opt->rate * a[i] / (sqrt(b[i]) + s->eps);
		}
		break;
	case OPTIM_GROUP_RMSPROP:
		for (size_t i = 0; i < n; i++)
			w[i] -= opt->rate * g[i];
		break;
	}
}

int optim_elementwise(const struct optim *opt)
{
	return opt->spec.kind != OPTIM_GROUP_RMSPROP;
}

void optim_begin_step(struct optim *opt)
{
	const struct optim_spec *s = &opt->spec;
	opt->t++;
	opt->rate = s->lr;
	if (s->kind == OPTIM_ADAM) /* beta^t by binary powering (detmath), not libm's pow */
		opt->rate = s->lr * sqrt(1.0 - det_powi(s->beta2, opt->t)) /
			    (1.0 - det_powi(s->beta1, opt->t));
}

void optim_update(const struct optim *opt, double *w, double *g, size_t i0, size_t n)
{
	update_piece(opt, w + i0, g, opt->a ? opt->a + i0 : NULL, opt->b ? opt->b + i0 : NULL, n);
}

/* optim_update_rows' pieces: a few KB, in L1 between the two passes. */
#define ROWS_PIECE 512

void optim_update_rows(const struct optim *opt, double *w, size_t i0, const double *s, int rows,
		       const double *B, int n, double *share)
{
	if (opt->spec.kind == OPTIM_GD && opt->spec.weight_decay == 0.0) {
		kern_outer_sub(share, w + i0, opt->rate, s, rows, B, n);
		return;
	}
	if (share)
		kern_matvec(share, w + i0, rows, n, B);
	double g[ROWS_PIECE];
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < n; c += ROWS_PIECE) {
			int nc = n - c < ROWS_PIECE ? n - c : ROWS_PIECE;
			kern_scale(g, s[r], B + c, nc);
			optim_update(opt, w, g, i0 + (size_t)r * n + c, nc);
		}
}

struct optim_job {
	const struct optim *opt;
	double *w, *g;
};

/* Parameters per task of a split step: a few pages of each array. */
#define OPTIM_TASK 4096

static void optim_task(void *arg, int task)
{
	const struct optim_job *job = arg;
	size_t i0 = (size_t)task * OPTIM_TASK, n = job->opt->n - i0;
	optim_update(job->opt, job->w, job->g + i0, i0, n < OPTIM_TASK ? n : OPTIM_TASK);
}

void optim_step(struct optim *opt, double *w, double *g)
{
	const struct optim_spec *s = &opt->spec;
	optim_begin_step(opt);
	if (s->kind == OPTIM_GROUP_RMSPROP) {
		/* the whole gradient's sum of squares, in index order on one
		 * thread (the same bits for any split of the update) */
		double sq = 0;
		for (size_t i = 0; i < opt->n; i++) {
			g[i] += s->weight_decay * w[i];
			sq += g[i] * g[i];
		}
		opt->s = s->rho * opt->s + (1.0 - s->rho) * sq;
		opt->rate = s->lr / (sqrt(opt->s / (1.0 - det_powi(s->rho, opt->t))) + s->eps);
	}
	struct optim_job job = {opt, w, g};
	int tasks = (int)((opt->n + OPTIM_TASK - 1) / OPTIM_TASK);
	if (opt->pool && opt->n >= PAR_SPLIT_DOUBLES && par_near(opt->pool))
		par_for(opt->pool, tasks, optim_task, &job);
	else
		optim_update(opt, w, g, 0, opt->n);
}
