/* optim: first-order optimizers on one flat parameter array, following
 * TensorFlow 1.x definitions and defaults (the paper used TensorFlow).
 * With g the gradient plus weight_decay * w (coupled L2 decay, so plain GD
 * is the paper's Eq. 4: w <- (1 - lr lambda) w - lr g):
 *
 *   gd        w -= lr g
 *   momentum  a = mu a + g;  w -= lr a                       (mu = 0.9)
 *   nesterov  a = mu a + g;  w -= lr (g + mu a)              (mu = 0.9)
 *   adagrad   a += g^2;  w -= lr g / sqrt(a)                 (a0 = 0.1)
 *   adadelta  a = rho a + (1-rho) g^2;
 *             u = sqrt(b + eps) / sqrt(a + eps) g;
 *             b = rho b + (1-rho) u^2;  w -= lr u     (lr 1e-3, rho 0.95, eps 1e-8)
 *   rmsprop   a = rho a + (1-rho) g^2 (a0 = 1);
 *             b = mu b + lr g / sqrt(a + eps);  w -= b (rho 0.9, mu 0, eps 1e-10)
 *   adam      t += 1; lr_t = lr sqrt(1-b2^t) / (1-b1^t);
 *             m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 *             w -= lr_t m / (sqrt(v) + eps)     (lr 1e-3, 0.9, 0.999, 1e-8)
 *   group_rmsprop (Arora, Cohen, Hu & Luo's GroupRMSprop: one rate for all
 *             parameters; rho is their alpha) t += 1;
 *             s = rho s + (1-rho) sum_i g_i^2 (s0 = 0; the sum in index order);
 *             w -= lr / (sqrt(s / (1-rho^t)) + eps) g   (rho 0.99, eps 1e-4, as
 *             their main.py passes) */
#ifndef OVERPARAM_OPTIM_H
#define OVERPARAM_OPTIM_H

#include "overparam/names.h"

#include <stddef.h>

struct par_pool;

enum optim_kind {
	OPTIM_GD,
	OPTIM_MOMENTUM,
	OPTIM_NESTEROV,
	OPTIM_ADAGRAD,
	OPTIM_ADADELTA,
	OPTIM_RMSPROP,
	OPTIM_ADAM,
	OPTIM_GROUP_RMSPROP,
};

/* Hyperparameters, as the config gives them. */
struct optim_spec {
	enum optim_kind kind;
	double lr;
	double weight_decay;
	double momentum;      /* momentum, nesterov, rmsprop */
	double rho;           /* adadelta, rmsprop decay */
	double eps;           /* adadelta, rmsprop, adam */
	double beta1, beta2;  /* adam */
	double initial_accumulator; /* adagrad; rmsprop's initial mean square */
};

struct optim {
	struct optim_spec spec;
	size_t n;
	double *a, *b; /* per-parameter state, NULL when unused */
	long t;        /* steps taken */
	double s;      /* group_rmsprop: the mean square of the whole gradient */
	double rate;   /* this step's rate (lr; Adam's and group_rmsprop's as above) */
	struct par_pool *pool; /* splits large steps across threads; NULL: one. Not owned */
};

/* The optimizers' names, in enum order ("gd", "momentum", ...). */
extern const struct name_map optim_kind_names;

/* Parses an optimizer name; -1 if unknown. */
int optim_kind_parse(const char *name, enum optim_kind *out);

/* Arrays of n parameters the optimizer keeps (0, 1 or 2). */
int optim_state_slots(enum optim_kind kind);
const char *optim_kind_name(enum optim_kind kind);

/* Fills spec with TensorFlow's defaults for kind (lr 1e-3 for every kind;
 * TensorFlow has no default for gd, momentum and adagrad). */
void optim_spec_defaults(struct optim_spec *spec, enum optim_kind kind);

/* Allocates state for n parameters. */
int optim_create(struct optim *opt, const struct optim_spec *spec, size_t n);
void optim_release(struct optim *opt);

/* One step: w (n) updated in place from grad (n); grad is used as scratch
 * (weight decay is added into it). Split across opt->pool, if set, from
 * PAR_SPLIT_DOUBLES parameters and while its threads are near (par_near);
 * else on the calling thread, which reads the parameters next. */
void optim_step(struct optim *opt, double *w, double *grad);

/* The same step for a caller that makes the gradient a piece at a time
 * (a deep model's layer rows, fused with the update): optim_begin_step
 * once (t += 1 and the step's rate), then optim_update for disjoint pieces
 * [i0, i0 + n) that cover all the parameters, in any order and on any
 * threads; g holds the piece's n gradient values and is used as scratch.
 * The same bits as optim_step. Only where optim_elementwise holds:
 * group_rmsprop's rate needs the whole gradient first. */
int optim_elementwise(const struct optim *opt);
void optim_begin_step(struct optim *opt);
void optim_update(const struct optim *opt, double *w, double *g, size_t i0, size_t n);

/* optim_update for rows parameters w[i0 + r n + c] whose gradient is the
 * outer product s_r B_c (a one-output layer's rows), never stored: GD
 * without decay in one kernel (outer_sub), the others through small
 * pieces on the stack. The same bits as optim_update of the stored rows.
 * share (rows) or NULL: first share_r = dot(w_r, B) (kern_matvec's bits)
 * from the rows before the update, in the same pass for GD. */
void optim_update_rows(const struct optim *opt, double *w, size_t i0, const double *s, int rows,
		       const double *B, int n, double *share);

#endif
