/* config_keys: the key tables of the config's flat sections (model,
 * init, optimizer, train, diagnostics, loss, select), one row per key
 * (keytable.h): what the parser reads, the defaults, the messages, what
 * metadata.json records and `overparam keys` prints. Data only, below the
 * parser (config.c) and the writers (output.c) that read them. */
#include "overparam/config_keys.h"
#include "overparam/keytable.h"
#include "overparam/plan.h"

#include <stddef.h>

/* The flat sections' keys, one row each (keytable.h). Which optimizer
 * takes which hyperparameter is the rows' variants; which numbers a grid
 * list may replace is their KEY_GRID flag. */

#define RUN(field) offsetof(struct run_spec, field)
#define OPT(field) offsetof(struct optim_spec, field)
#define ONLY(k) (1u << (k))

static const struct config_key model_rows[] = {
	{.name = "type", .type = KEY_ENUM, .offset = RUN(model), .def = MODEL_DEEP,
	 .names = &model_kind_names,
	 .doc = "deep network, or the end-to-end update (Eq. 12; Eq. 10 for k > 1)"},
	{.name = "depth", .type = KEY_INT, .offset = RUN(depth), .def = 1, .lo = 1, .hi = MAX_DEPTH,
	 .flags = KEY_REQUIRED, .doc = "N"},
};

static const struct config_key init_rows[] = {
	{.name = "scheme", .type = KEY_ENUM, .offset = RUN(init), .def = LINNET_INIT_NORMAL,
	 .names = &linnet_init_names, .doc = "see below"},
	{.name = "std", .type = KEY_NUM, .offset = RUN(init_std), .def = 0.01, .lo = 0, .hi = 1e6,
	 .lo_b = JSON_CLOSED, .hi_b = JSON_CLOSED, .flags = KEY_GRID, .doc = "scale"},
	{.name = "scale", .type = KEY_NUM, .offset = RUN(init_scale), .def = 0, .lo = 0, .hi = 1e6,
	 .lo_b = JSON_CLOSED, .hi_b = JSON_CLOSED, .flags = KEY_GRID,
	 .doc = "> 0: the end-to-end scale c in place of `std` (Arora, Cohen, Hu & Luo 2019): normal, every entry N(0, c^(2/N) / d); identity, every layer c^(1/N) I; balanced, W_e N(0, c^2 / d) balanced; so |W_e|_F is about c sqrt(n) for square n x n layers"},
	{.name = "seed", .type = KEY_SEED, .offset = RUN(seed), .def = 1, .lo = 0,
	 .hi = 9007199254740992.0, .flags = KEY_GRID, .doc = "the generator's seed",
	 .def_text = "top-level `seed`"},
};

static void optimizer_defaults(void *base, int kind)
{
	optim_spec_defaults(base, (enum optim_kind)kind);
}

static const struct config_key optimizer_rows[] = {
	{.name = "name", .type = KEY_ENUM, .offset = OPT(kind), .def = OPTIM_GD,
	 .names = &optim_kind_names,
	 .doc = "TensorFlow 1.x's definitions and defaults (`include/overparam/optim.h`)",
	 .def_text = "`\"gd\"`"},
	{.name = "lr", .type = KEY_NUM, .offset = OPT(lr), .lo = 0, .hi = 1e6, .lo_b = JSON_OPEN,
	 .hi_b = JSON_CLOSED, .flags = KEY_GRID, .doc = "learning rate"},
	{.name = "weight_decay", .type = KEY_NUM, .offset = OPT(weight_decay), .lo = 0, .hi = 1e6,
	 .lo_b = JSON_CLOSED, .hi_b = JSON_CLOSED, .flags = KEY_GRID,
	 .doc = "lambda of Eq. 4 (e2e runs use lambda N, Eq. 10)"},
	{.name = "momentum", .type = KEY_NUM, .offset = OPT(momentum), .lo = 0, .hi = 1,
	 .lo_b = JSON_CLOSED, .hi_b = JSON_CLOSED, .flags = KEY_GRID,
	 .variants = ONLY(OPTIM_MOMENTUM) | ONLY(OPTIM_NESTEROV) | ONLY(OPTIM_RMSPROP),
	 .doc = "momentum"},
	{.name = "rho", .type = KEY_NUM, .offset = OPT(rho), .lo = 0, .hi = 1, .lo_b = JSON_CLOSED,
	 .hi_b = JSON_CLOSED, .flags = KEY_GRID,
	 .variants = ONLY(OPTIM_ADADELTA) | ONLY(OPTIM_RMSPROP) | ONLY(OPTIM_GROUP_RMSPROP),
	 .doc = "decay of the mean square (group_rmsprop: their alpha)"},
	{.name = "eps", .type = KEY_NUM, .offset = OPT(eps), .lo = 0, .hi = 1, .lo_b = JSON_CLOSED,
	 .hi_b = JSON_CLOSED, .flags = KEY_GRID,
	 .variants = ONLY(OPTIM_ADADELTA) | ONLY(OPTIM_RMSPROP) | ONLY(OPTIM_ADAM) |
		     ONLY(OPTIM_GROUP_RMSPROP),
	 .doc = "added to the mean square (adadelta: > 0)"},
	{.name = "beta1", .type = KEY_NUM, .offset = OPT(beta1), .lo = 0, .hi = 1,
	 .lo_b = JSON_CLOSED, .hi_b = JSON_OPEN, .flags = KEY_GRID, .variants = ONLY(OPTIM_ADAM),
	 .doc = "decay of the first moment"},
	{.name = "beta2", .type = KEY_NUM, .offset = OPT(beta2), .lo = 0, .hi = 1,
	 .lo_b = JSON_CLOSED, .hi_b = JSON_OPEN, .flags = KEY_GRID, .variants = ONLY(OPTIM_ADAM),
	 .doc = "decay of the second moment"},
	{.name = "initial_accumulator", .type = KEY_NUM, .offset = OPT(initial_accumulator),
	 .lo = 0, .hi = 1e300, .lo_b = JSON_OPEN, .hi_b = JSON_CLOSED, .flags = KEY_GRID,
	 .variants = ONLY(OPTIM_ADAGRAD) | ONLY(OPTIM_RMSPROP),
	 .doc = "initial sum (adagrad) or mean (rmsprop) of squares"},
};

static const struct config_key train_rows[] = {
	{.name = "iterations", .type = KEY_LONG, .offset = RUN(iterations), .def = 1000, .lo = 1,
	 .hi = 1e9, .doc = "gradient steps"},
	{.name = "log_every", .type = KEY_LONG, .offset = RUN(log_every), .def = 10, .lo = 1,
	 .hi = 1e9, .doc = "CSV row cadence"},
	{.name = "diverge_factor", .type = KEY_NUM, .offset = RUN(diverge_factor), .def = 100,
	 .lo = 1, .hi = 0, .lo_b = JSON_OPEN, .hi_b = JSON_NONE,
	 .doc = "diverged when loss > factor x initial loss (or NaN/Inf, or a failing SVD)"},
	{.name = "stop_below", .type = KEY_NUM, .offset = RUN(stop_below), .lo = 0, .hi = 0,
	 .lo_b = JSON_CLOSED, .hi_b = JSON_NONE,
	 .doc = "> 0: the run ends at its first iteration with loss <= this, status `converged` (a finished run)"},
	{.name = "save_every", .type = KEY_LONG, .offset = RUN(save_every), .lo = 0, .hi = 1e9,
	 .doc = "also save the weights every so many iterations"},
};

static const struct config_key diagnostics_rows[] = {
	{.name = "emulate", .type = KEY_BOOL, .offset = RUN(emulate),
	 .doc = "deep runs: step an Eq. 10/12 twin alongside; adds columns `e2e_loss`, `e2e_gap` = `||W_e - W_e'||_F / ||W_e||_F`"},
	{.name = "singular_values", .type = KEY_BOOL, .offset = RUN(singular_values),
	 .doc = "adds columns `sv1..svr` (singular values of `W_e`, r = min(k, d))"},
	{.name = "modes", .type = KEY_BOOL, .offset = RUN(modes),
	 .doc = "whitened data: adds columns `mode1..moder` (u_q^T W_e v_q), `margin` (the start's deficiency margin) and `flow_bound` (the gradient-flow bound on the loss; see \"Exact learning curves\")"},
};

static const struct config_key loss_rows[] = {
	{.name = "type", .type = KEY_ENUM, .offset = offsetof(struct loss_spec, kind),
	 .def = LOSS_LP, .names = &loss_kind_names,
	 .doc = "l_p: `(1/m) sum_i (1/p) sum_r |(W x_i - y_i)_r|^p`; softmax cross-entropy on one-hot (or probability) labels, k >= 2; mse (matrix problems, their default): `(1/m) sum_i (pred_i - y_i)^2` over the observations"},
	{.name = "p", .type = KEY_NUM, .offset = offsetof(struct loss_spec, p), .def = 2, .lo = 2,
	 .hi = 64, .lo_b = JSON_CLOSED, .hi_b = JSON_CLOSED,
	 .doc = "the exponent (2 and 4 in the paper)"},
	{.name = "form", .type = KEY_ENUM, .offset = offsetof(struct loss_spec, form),
	 .def = LOSS_FORM_AUTO, .names = &loss_form_names,
	 .doc = "l2 through the Gram matrix (`auto`: for p = 2, with exact data passes where L < 1e-6 of the labels' mean square) or by passes over the data"},
};

static const struct config_key select_rows[] = {
	{.name = "by", .type = KEY_ENUM, .offset = offsetof(struct select_spec, by),
	 .def = SELECT_FINAL_LOSS, .names = &select_by_names,
	 .doc = "how a grid's winner is chosen"},
	{.name = "target", .type = KEY_NUM, .offset = offsetof(struct select_spec, target), .lo = 0,
	 .hi = 0, .lo_b = JSON_CLOSED, .hi_b = JSON_NONE, .doc = "loss level to reach",
	 .def_text = "required for `time_to_target`"},
	{.name = "extend", .type = KEY_INT, .offset = offsetof(struct select_spec, extend), .lo = 0,
	 .hi = 100,
	 .doc = "grid rounds: while a group's winner sits at the learning-rate edge of its grid (no larger rate diverged), add the next rate beyond it at the grid's spacing there; at most this many rounds"},
	{.name = "refine", .type = KEY_INT, .offset = offsetof(struct select_spec, refine), .lo = 0,
	 .hi = 10,
	 .doc = "then this many rounds adding, for every group's winner, the geometric midpoints with its neighbours: each round halves every group's log spacing around its winner, so from one log grid every model is resolved equally (`src/refine.c`); added runs come after the plan's in `summary.csv` (metadata.json: `select.plan_runs`)"},
};

const struct key_table config_model_keys = KEY_TABLE("model", model_rows, NULL, NULL);
const struct key_table config_init_keys = KEY_TABLE("init", init_rows, NULL, NULL);
const struct key_table config_optimizer_keys =
	KEY_TABLE("optimizer", optimizer_rows, &optim_kind_names, optimizer_defaults);
const struct key_table config_train_keys = KEY_TABLE("train", train_rows, NULL, NULL);
const struct key_table config_diagnostics_keys =
	KEY_TABLE("diagnostics", diagnostics_rows, NULL, NULL);
const struct key_table config_loss_keys = KEY_TABLE("loss", loss_rows, NULL, NULL);
const struct key_table config_select_keys = KEY_TABLE("select", select_rows, NULL, NULL);
