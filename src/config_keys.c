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
	{"type", KEY_ENUM, RUN(model), MODEL_DEEP, 0, 0, JSON_NONE, JSON_NONE, &model_kind_names, 0, 0,
	 "deep network, or the end-to-end update (Eq. 12; Eq. 10 for k > 1)", NULL},
	{"depth", KEY_INT, RUN(depth), 1, 1, MAX_DEPTH, JSON_CLOSED, JSON_CLOSED, NULL,
	 KEY_REQUIRED, 0, "N", NULL},
};

static const struct config_key init_rows[] = {
	{"scheme", KEY_ENUM, RUN(init), LINNET_INIT_NORMAL, 0, 0, JSON_NONE, JSON_NONE,
	 &linnet_init_names, 0, 0, "see below", NULL},
	{"std", KEY_NUM, RUN(init_std), 0.01, 0, 1e6, JSON_CLOSED, JSON_CLOSED, NULL, KEY_GRID, 0,
	 "scale", NULL},
	{"seed", KEY_SEED, RUN(seed), 1, 0, 9007199254740992.0, JSON_CLOSED, JSON_CLOSED, NULL,
	 KEY_GRID, 0, "the generator's seed", "top-level `seed`"},
};

static void optimizer_defaults(void *base, int kind)
{
	optim_spec_defaults(base, (enum optim_kind)kind);
}

static const struct config_key optimizer_rows[] = {
	{"name", KEY_ENUM, OPT(kind), OPTIM_GD, 0, 0, JSON_NONE, JSON_NONE, &optim_kind_names, 0, 0,
	 "TensorFlow 1.x's definitions and defaults (`include/overparam/optim.h`)", "`\"gd\"`"},
	{"lr", KEY_NUM, OPT(lr), 0, 0, 1e6, JSON_OPEN, JSON_CLOSED, NULL, KEY_GRID, 0,
	 "learning rate", NULL},
	{"weight_decay", KEY_NUM, OPT(weight_decay), 0, 0, 1e6, JSON_CLOSED, JSON_CLOSED, NULL,
	 KEY_GRID, 0, "lambda of Eq. 4 (e2e runs use lambda N, Eq. 10)", NULL},
	{"momentum", KEY_NUM, OPT(momentum), 0, 0, 1, JSON_CLOSED, JSON_CLOSED, NULL, KEY_GRID,
	 ONLY(OPTIM_MOMENTUM) | ONLY(OPTIM_NESTEROV) | ONLY(OPTIM_RMSPROP), "momentum", NULL},
	{"rho", KEY_NUM, OPT(rho), 0, 0, 1, JSON_CLOSED, JSON_CLOSED, NULL, KEY_GRID,
	 ONLY(OPTIM_ADADELTA) | ONLY(OPTIM_RMSPROP), "decay of the mean square", NULL},
	{"eps", KEY_NUM, OPT(eps), 0, 0, 1, JSON_CLOSED, JSON_CLOSED, NULL, KEY_GRID,
	 ONLY(OPTIM_ADADELTA) | ONLY(OPTIM_RMSPROP) | ONLY(OPTIM_ADAM),
	 "added to the mean square (adadelta: > 0)", NULL},
	{"beta1", KEY_NUM, OPT(beta1), 0, 0, 1, JSON_CLOSED, JSON_OPEN, NULL, KEY_GRID,
	 ONLY(OPTIM_ADAM), "decay of the first moment", NULL},
	{"beta2", KEY_NUM, OPT(beta2), 0, 0, 1, JSON_CLOSED, JSON_OPEN, NULL, KEY_GRID,
	 ONLY(OPTIM_ADAM), "decay of the second moment", NULL},
	{"initial_accumulator", KEY_NUM, OPT(initial_accumulator), 0, 0, 1e300, JSON_OPEN,
	 JSON_CLOSED, NULL, KEY_GRID, ONLY(OPTIM_ADAGRAD) | ONLY(OPTIM_RMSPROP),
	 "initial sum (adagrad) or mean (rmsprop) of squares", NULL},
};

static const struct config_key train_rows[] = {
	{"iterations", KEY_LONG, RUN(iterations), 1000, 0, 1e9, JSON_CLOSED, JSON_CLOSED, NULL, 0, 0,
	 "gradient steps", NULL},
	{"log_every", KEY_LONG, RUN(log_every), 10, 1, 1e9, JSON_CLOSED, JSON_CLOSED, NULL, 0, 0,
	 "CSV row cadence", NULL},
	{"diverge_factor", KEY_NUM, RUN(diverge_factor), 100, 1, 0, JSON_OPEN, JSON_NONE, NULL, 0, 0,
	 "diverged when loss > factor x initial loss (or NaN/Inf, or a failing SVD)", NULL},
	{"save_every", KEY_LONG, RUN(save_every), 0, 0, 1e9, JSON_CLOSED, JSON_CLOSED, NULL, 0, 0,
	 "also save the weights every so many iterations", NULL},
};

static const struct config_key diagnostics_rows[] = {
	{"emulate", KEY_BOOL, RUN(emulate), 0, 0, 0, JSON_NONE, JSON_NONE, NULL, 0, 0,
	 "deep runs: step an Eq. 10/12 twin alongside; adds columns `e2e_loss`, `e2e_gap` = `||W_e - W_e'||_F / ||W_e||_F`",
	 NULL},
	{"singular_values", KEY_BOOL, RUN(singular_values), 0, 0, 0, JSON_NONE, JSON_NONE, NULL, 0,
	 0, "adds columns `sv1..svr` (singular values of `W_e`, r = min(k, d))", NULL},
};

static const struct config_key loss_rows[] = {
	{"type", KEY_ENUM, offsetof(struct loss_spec, kind), LOSS_LP, 0, 0, JSON_NONE, JSON_NONE,
	 &loss_kind_names, 0, 0,
	 "l_p: `(1/m) sum_i (1/p) sum_r |(W x_i - y_i)_r|^p`; softmax cross-entropy on one-hot (or probability) labels, k >= 2",
	 NULL},
	{"p", KEY_NUM, offsetof(struct loss_spec, p), 2, 2, 64, JSON_CLOSED, JSON_CLOSED, NULL, 0, 0,
	 "the exponent (2 and 4 in the paper)", NULL},
	{"form", KEY_ENUM, offsetof(struct loss_spec, form), LOSS_FORM_AUTO, 0, 0, JSON_NONE, JSON_NONE,
	 &loss_form_names, 0, 0,
	 "l2 through the Gram matrix (`auto`: for p = 2, with exact data passes where L < 1e-6 of the labels' mean square) or by passes over the data",
	 NULL},
};

static const struct config_key select_rows[] = {
	{"by", KEY_ENUM, offsetof(struct select_spec, by), SELECT_FINAL_LOSS, 0, 0, JSON_NONE,
	 JSON_NONE, &select_by_names, 0, 0, "how a grid's winner is chosen", NULL},
	{"target", KEY_NUM, offsetof(struct select_spec, target), 0, 0, 0, JSON_CLOSED, JSON_NONE,
	 NULL, 0, 0, "loss level to reach", "required for `time_to_target`"},
	{"extend", KEY_INT, offsetof(struct select_spec, extend), 0, 0, 100, JSON_CLOSED,
	 JSON_CLOSED, NULL, 0, 0,
	 "grid rounds: while a group's winner sits at the learning-rate edge of its grid (no larger rate diverged), add the next rate beyond it at the grid's spacing there; at most this many rounds",
	 NULL},
	{"refine", KEY_INT, offsetof(struct select_spec, refine), 0, 0, 10, JSON_CLOSED, JSON_CLOSED,
	 NULL, 0, 0,
	 "then this many rounds adding, for every group's winner, the geometric midpoints with its neighbours: each round halves every group's log spacing around its winner, so from one log grid every model is resolved equally (`src/refine.c`); added runs come after the plan's in `summary.csv` (metadata.json: `select.plan_runs`)",
	 NULL},
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
