/* plan: what a linear experiment's config says, as data: the data to
 * load, the loss, each run (model, init, optimizer, training), how a
 * grid's winner is chosen, the claims to check. config.h parses a file
 * into it; the runner (run.c) executes it; output.h writes it with
 * the run context (what the command line and the running added). No
 * parser and no runtime state live here: no JSON, no threads, no
 * prepared loss. */
#ifndef OVERPARAM_PLAN_H
#define OVERPARAM_PLAN_H

#include "overparam/gridpoint.h"
#include "overparam/linnet.h"
#include "overparam/loss.h"
#include "overparam/names.h"
#include "overparam/optim.h"
#include "overparam/preprocess.h"

enum data_source { DATA_GAS_DRIFT, DATA_CSV, DATA_INLINE, DATA_SYNTHETIC, DATA_WHITENED,
		   DATA_MATRIX_COMPLETION, DATA_MATRIX_SENSING };

/* "gas_drift", "csv", "inline", "synthetic", "whitened", "matrix_completion",
 * "matrix_sensing" */
extern const struct name_map data_source_names;

struct data_spec {
	enum data_source source;
	char *path;          /* gas_drift: directory; csv: file (resolved) */
	int batches[GAS_DRIFT_BATCHES];
	int n_batches;
	int batches_all;     /* "all": load whichever batch files exist */
	int gas_class;       /* 1..6 */
	int labels;          /* csv: label columns at the end of each row */
	int m, d, k;         /* inline and synthetic shapes; matrix problems: m
				observations, d = k = n */
	int rank;            /* matrix problems: the ground truth's */
	int one_based;       /* matrix_completion from a file: indices from 1 */
	double held_out;     /* matrix_completion from a file: the share held out */
	double *X, *Y;       /* inline data, owned */
	double noise;        /* synthetic */
	unsigned long long seed; /* synthetic, whitened, matrix problems */
	double *modes;       /* whitened: the targets' singular values, owned */
	int n_modes;
	enum preprocess_mode preprocess;
};

enum model_kind { MODEL_DEEP, MODEL_E2E };

/* "deep", "e2e" */
extern const struct name_map model_kind_names;

struct run_spec {
	char *label;        /* unique; "group [lr=...]" for grid points */
	char *group;        /* the label written in the config */
	struct grid_point grid; /* the values it varies (n == 0: not a grid point) */
	enum model_kind model;
	int depth;          /* N >= 1 */
	int *hidden;        /* depth - 1 hidden widths (deep: the network;
			       e2e: the network whose initial W_e it starts from) */
	enum linnet_init init;
	double init_std;
	double init_scale;  /* > 0: the end-to-end scale that sets the init
			       instead of init_std (model.c's init_layers) */
	unsigned long long seed;
	struct optim_spec optim;
	long iterations;
	long log_every;
	double diverge_factor; /* loss > factor * initial loss -> diverged */
	double stop_below;  /* > 0: the run ends at its first loss <= this */
	long save_every;    /* > 0: also save weights every save_every steps */
	int emulate;        /* deep runs: step an Eq. 10/12 twin alongside and
			       log its loss and its distance to W_e */
	int singular_values; /* log the singular values of W_e */
	int modes;          /* whitened data: log each mode's strength, the
			       deficiency margin and the gradient-flow bound */
	int replicate;      /* 0..replicates-1: over seeds, init seed = seed +
			       replicate; over batches, the data without the
			       replicate-th batch file */
};

enum select_by {
	SELECT_FINAL_LOSS,    /* lowest loss at the last iteration */
	SELECT_TIME_TO_TARGET /* fewest iterations to reach loss <= target */
};

/* What varies between replicates: the init seed (seed + r), or the data
 * (gas_drift without its r-th batch file: leave one batch out, same seed). */
enum replicate_over { REPLICATE_SEEDS, REPLICATE_BATCHES };

/* "seeds", "batches" */
extern const struct name_map replicate_over_names;

/* "final_loss", "time_to_target" */
extern const struct name_map select_by_names;

struct select_spec {
	enum select_by by;
	double target;
	int extend;  /* rounds that add a rate beyond a winner at its grid's edge */
	int refine;  /* rounds that add rates between every winner and its neighbours */
};

/* A claim of the paper about two runs (by group label), checked by
 * `overparam report` on the groups' selected runs, one rule per kind
 * (claims.c states it and prints it into every report):
 *   faster      a reaches each threshold L* + eps (L(0) - L*) in at most
 *               1/1.25 of the iterations b needs (eps 0.5, 0.1, 0.01, 0.001;
 *               L* the data's l_p floor, else the lowest final loss of the
 *               figure), or a target level instead when the claim has one
 *   slower      the same with a and b swapped
 *   similar     neither is faster at any threshold
 *   not_faster  a is not faster at any threshold (the paper's "(slightly)
 *               slower", "no acceleration")
 *   tracks      the losses agree within 1e-2 relative at every logged
 *               iteration
 *   lower       a's mean over the last tenth of the logged rows is at most
 *               1/1.25 of b's (for noisy curves, such as a batch loss)
 *   escapes     a's loss first falls below 0.99 L(0) within [after, before]
 *   stuck       a's loss never falls below 0.99 L(0)
 *   exact_curve whitened data, GD: every mode's strength (columns mode1..)
 *               lies within twice Euler's first-order gap of its exact
 *               flow at every logged iteration (saxe.h); b is a again
 *   under_bound whitened data, GD, a start with a deficiency margin: the
 *               loss stays under its gradient-flow bound (flow_bound) at
 *               every logged iteration; b is a again
 *   above_baseline  matrix problems: a's last value of column (nuclear,
 *               test_error or eff_rank) exceeds the minimum nuclear-norm
 *               fit's by more than 1e-3 relative (its ADMM tolerance is
 *               1e-7); b is a again
 *   below_baseline  the same column at most 1/1.25 of the fit's
 *   grows       a's last value of column is at least 1.25 times its
 *               first (e.g. an unobserved entry as the loss falls); b is a
 *               again */
enum claim_expect { CLAIM_FASTER, CLAIM_SLOWER, CLAIM_SIMILAR, CLAIM_NOT_FASTER,
		    CLAIM_TRACKS, CLAIM_LOWER, CLAIM_ESCAPES, CLAIM_STUCK, CLAIM_EXACT_CURVE,
		    CLAIM_UNDER_BOUND, CLAIM_ABOVE_BASELINE, CLAIM_BELOW_BASELINE, CLAIM_GROWS };

struct claim {
	char *text;
	char *a, *b; /* group labels */
	enum claim_expect expect;
	double target; /* loss level; 0: the thresholds */
	char *column;  /* the run CSV column compared; NULL: "loss" */
	double after, before; /* escapes: the window of a's escape (0: open) */
	int extra;     /* 1: our own check, not a statement of the paper (the
			  report counts the two apart) */
};

/* The plot output formats, "png" (the default), "svg", "pdf": the config's
 * plot.format and a panel figure's extension (a table of names here, below
 * the parsers and the readers that use it). */
extern const struct name_map plot_format_names;

/* "faster", "slower", ... in enum order */
extern const struct name_map claim_expect_names;
const char *claim_expect_name(enum claim_expect e);

/* Frees claims[0..n) and the array. */
void claims_release(struct claim *claims, int n);

struct experiment {
	char *config_path;
	char *config_dir; /* where its relative paths resolve (config_base_dir) */
	char *name;
	char *description;
	unsigned long long seed;
	int replicates;     /* S >= 1: every run repeated S times */
	enum replicate_over replicate_over;
	struct data_spec data;
	struct loss_spec loss;
	struct select_spec select;
	char *plot_title;
	int plot_logx;
	const char *plot_format; /* "png", "svg" or "pdf" (static) */
	struct run_spec *runs;
	int n_runs;
	struct claim *claims;
	int n_claims;
	int plan_runs;            /* runs of the config itself; grid rounds
				     (refine.h) append more after them */
	int rounds_extended;      /* grid rounds that grew the plan */
	int rounds_refined;
};

/* `run --iterations N` (N > 0; 0 leaves ex as it is): every run trains N
 * iterations, log_every capped at N. */
void experiment_override_iterations(struct experiment *ex, long iterations);

/* Whether ex has grid rounds (select.extend or select.refine): runs added
 * after the plan's, from its results (refine.h). */
int experiment_has_rounds(const struct experiment *ex);

/* Releases runs [n, n_runs) and keeps the first n. */
void experiment_truncate_runs(struct experiment *ex, int n);

/* Frees r's strings and widths and zeroes it. */
void run_spec_release(struct run_spec *r);

void experiment_release(struct experiment *ex);

#endif
