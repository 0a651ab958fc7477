/* Each optimizer's first three steps against values computed independently
 * by tests/ref/optim_ref.py (TensorFlow 1.x update rules written out in
 * Python): w0 = (1, -2), fixed gradients, lr 0.1, weight decay 0.1, the
 * other hyperparameters at their defaults. Tolerance 1e-14 relative: the
 * same arithmetic in the same order, up to libm rounding of sqrt/pow. */
#include "check.h"
#include "overparam/optim.h"
#include "overparam/parallel.h"
#include "overparam/rng.h"

#include <stdlib.h>

/* A step split across threads (opt.pool) gives each parameter the bits of
 * the one-thread step: every optimizer, three steps, n past PAR_SPLIT_DOUBLES and
 * not a multiple of the split's task size. */
static void split_case(enum optim_kind kind, struct par_pool *pool)
{
	enum { N = PAR_SPLIT_DOUBLES + 5 };
	static double w1[N], w2[N], g1[N], g2[N];
	struct rng r;
	rng_seed(&r, 5 + kind);
	for (int i = 0; i < N; i++)
		w1[i] = w2[i] = rng_normal(&r);
	struct optim_spec spec;
	optim_spec_defaults(&spec, kind);
	spec.weight_decay = 0.01;
	struct optim one, many;
	optim_create(&one, &spec, N);
	optim_create(&many, &spec, N);
	many.pool = pool;
	for (int t = 0; t < 3; t++) {
		for (int i = 0; i < N; i++)
			g1[i] = g2[i] = rng_normal(&r);
		optim_step(&one, w1, g1);
		optim_step(&many, w2, g2);
	}
	char label[96];
	snprintf(label, sizeof(label), "%s: a step split over 2 threads = one thread (bitwise)",
		 optim_kind_names.names[kind]);
	check_true(label, memcmp(w1, w2, sizeof(w1)) == 0 && memcmp(g1, g2, sizeof(g1)) == 0);
	optim_release(&one);
	optim_release(&many);
}

static const struct {
	const char *name;
	double want[2];
} ref[] = {
	/* output of: python3 tests/ref/optim_ref.py */
	{"gd", {0.93354399999999993, -2.0141005000000001}},
	{"momentum", {0.84552399999999994, -2.0945604999999996}},
	{"nesterov", {0.79715614599999995, -2.0975955295000004}},
	{"adagrad", {0.90441723361523862, -2.0447341274211914}},
	{"adadelta", {0.99994799407445256, -2.0000485878447019}},
	{"rmsprop", {0.92977031378445518, -2.0132739900786771}},
	{"adam", {0.80056956810492119, -2.1805070661485972}},
	{"group_rmsprop", {0.89276028941746177, -2.0217363349876627}},
};

int main(void)
{
	static const double grads[3][2] = {{0.5, 0.25}, {-0.25, 1.0}, {0.125, -0.5}};
	for (size_t i = 0; i < sizeof(ref) / sizeof(ref[0]); i++) {
		enum optim_kind kind;
		check_true("optimizer name parses", optim_kind_parse(ref[i].name, &kind) == 0);
		struct optim_spec spec;
		optim_spec_defaults(&spec, kind);
		spec.lr = 0.1;
		spec.weight_decay = 0.1;
		struct optim opt;
		optim_create(&opt, &spec, 2);
		double w[2] = {1.0, -2.0};
		for (int t = 0; t < 3; t++) {
			double g[2] = {grads[t][0], grads[t][1]};
			optim_step(&opt, w, g);
		}
		char label[64];
		snprintf(label, sizeof(label), "%s after 3 steps", ref[i].name);
		check_close(label, w, ref[i].want, 2, 0, 1e-14);
		optim_release(&opt);
	}
	/* TensorFlow defaults the config falls back on. */
	struct optim_spec s;
	optim_spec_defaults(&s, OPTIM_ADAM);
	check_true("adam defaults 1e-3, 0.9, 0.999, 1e-8",
		   s.lr == 1e-3 && s.beta1 == 0.9 && s.beta2 == 0.999 && s.eps == 1e-8);
	optim_spec_defaults(&s, OPTIM_ADADELTA);
	check_true("adadelta defaults 1e-3, 0.95, 1e-8",
		   s.lr == 1e-3 && s.rho == 0.95 && s.eps == 1e-8);
	optim_spec_defaults(&s, OPTIM_ADAGRAD);
	check_true("adagrad initial accumulator 0.1", s.initial_accumulator == 0.1);
	optim_spec_defaults(&s, OPTIM_GROUP_RMSPROP);
	check_true("group_rmsprop defaults alpha 0.99, eps 1e-4 (their main.py)",
		   s.rho == 0.99 && s.eps == 1e-4);
	struct par_pool *pool;
	if (check_true("pool of 2 threads", par_create(&pool, 2) == 0)) {
		par_fix_near(pool, 1); /* split on any machine */
		for (int kind = 0; kind <= OPTIM_GROUP_RMSPROP; kind++)
			split_case(kind, pool);
		par_free(pool);
	}
	return check_done("test_optim");
}
