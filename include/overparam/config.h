/* config: a JSON experiment file -> a validated experiment plan.
 *
 * Parses the linear experiments' files (convnet_config.h parses the
 * convnet's, with the same getters, jsonget.h). Every key is checked
 * against what its object allows; every value's type and range is checked; errors name the
 * file and the key path ("configs/x.json: runs[2].optimizer.lr: must be > 0,
 * got -0.1") and return ERR_INPUT before anything runs. The format is
 * documented in README.md ("Config reference").
 *
 * Grid search: in a run (after "defaults" are merged in), a list of numbers
 * in place of a grid-able number (optimizer hyperparameters, init std and
 * seed) expands the run into one run per combination; the expanded runs
 * share the original's label as their group. */
#ifndef OVERPARAM_CONFIG_H
#define OVERPARAM_CONFIG_H

#include "overparam/linnet.h"
#include "overparam/loss.h"
#include "overparam/optim.h"
#include "overparam/preprocess.h"

enum data_source { DATA_GAS_DRIFT, DATA_CSV, DATA_INLINE, DATA_SYNTHETIC };

struct data_spec {
	enum data_source source;
	char *path;          /* gas_drift: directory; csv: file (resolved) */
	int batches[GAS_DRIFT_BATCHES];
	int n_batches;
	int batches_all;     /* "all": load whichever batch files exist */
	int gas_class;       /* 1..6 */
	int labels;          /* csv: label columns at the end of each row */
	int m, d, k;         /* inline and synthetic shapes */
	double *X, *Y;       /* inline data, owned */
	double noise;        /* synthetic */
	unsigned long long seed; /* synthetic */
	enum preprocess_mode preprocess;
};

enum model_kind { MODEL_DEEP, MODEL_E2E };

struct run_spec {
	char *label;        /* unique; "group [lr=...]" for grid points */
	char *group;        /* the label written in the config */
	char *grid_point;   /* "lr=0.001" or "" when not a grid point */
	enum model_kind model;
	int depth;          /* N >= 1 */
	int *hidden;        /* depth - 1 hidden widths (deep: the network;
			       e2e: the network whose initial W_e it starts from) */
	enum linnet_init init;
	double init_std;
	unsigned long long seed;
	struct optim_spec optim;
	long iterations;
	long log_every;
	double diverge_factor; /* loss > factor * initial loss -> diverged */
	long save_every;    /* > 0: also save weights every save_every steps */
	int emulate;        /* deep runs: step an Eq. 10/12 twin alongside and
			       log its loss and its distance to W_e */
	int singular_values; /* log the singular values of W_e */
	int replicate;      /* 0..replicates-1: init seed = seed + replicate */
};

enum select_by {
	SELECT_FINAL_LOSS,    /* lowest loss at the last iteration */
	SELECT_TIME_TO_TARGET /* fewest iterations to reach loss <= target */
};

struct select_spec {
	enum select_by by;
	double target;
	int extend;  /* rounds that add a rate beyond a winner at its grid's edge */
	int refine;  /* rounds that add rates between every winner and its neighbours */
};

/* A claim of the paper about two runs (by group label), checked by
 * `overparam report` on the groups' selected runs:
 *   faster   a reaches the level both reached (the larger of the two final
 *            losses) in at most 1/1.25 of the iterations b needs to reach it
 *   slower   the same with a and b swapped
 *   similar     neither is faster
 *   not_faster  a is not faster (similar or slower)
 *   tracks      the losses agree within 1e-2 relative at every logged
 *               iteration
 *   lower       a's mean over the last tenth of the logged rows is at most
 *               1/1.25 of b's (for noisy curves, such as a batch loss)
 * With a target the level compared is the target instead of the larger
 * final loss (for problems solved to rounding, where that is noise). */
enum claim_expect { CLAIM_FASTER, CLAIM_SLOWER, CLAIM_SIMILAR, CLAIM_NOT_FASTER,
		    CLAIM_TRACKS, CLAIM_LOWER };
#define CLAIM_N_EXPECT 6

struct claim {
	char *text;
	char *a, *b; /* group labels */
	enum claim_expect expect;
	double target; /* loss level; 0: the larger final loss */
	char *column;  /* the run CSV column compared; NULL: "loss" */
};

const char *claim_expect_name(enum claim_expect e);

struct json_ctx;
struct cJSON;

/* Parses the "claims" array arr: each claim's a and b must be among
 * groups[0..n_groups). *out (n_out claims) is allocated even when parsing
 * fails part-way; release it with claims_release. */
int claims_parse(const struct json_ctx *c, const struct cJSON *arr,
		 const char *const *groups, int n_groups, struct claim **out, int *n_out);

/* Frees claims[0..n) and the array. */
void claims_release(struct claim *claims, int n);

struct experiment {
	char *config_path;
	char *name;
	char *description;
	unsigned long long seed;
	int replicates;     /* S >= 1: every run repeated with S init seeds */
	struct data_spec data;
	struct loss loss;
	struct select_spec select;
	char *plot_title;
	int plot_logx;
	const char *plot_format; /* "png", "svg" or "pdf" (static) */
	struct run_spec *runs;
	int n_runs;
	struct claim *claims;
	int n_claims;
	int plan_runs;            /* runs of the config itself; rounds add more */
	int rounds_extended;      /* grid rounds run (see refine.h) */
	int rounds_refined;
	long iterations_override; /* set by `run --iterations`, 0 if not */
	int resumed;              /* set by `run --resume` */
	int threads;              /* data-pass threads (`run --threads`) */
	int batched;              /* grid points stepped together (not --no-batch) */
	const char *init_from;    /* set by `run --init-from`, not owned */
};

/* Reads and validates path into ex. On failure ex is released and the
 * message names path and the key. */
int config_load(struct experiment *ex, const char *path);

/* Same, from text already in memory; path is used in messages and to
 * resolve relative data paths. */
int config_parse(struct experiment *ex, const char *text, const char *path);

/* `run --iterations N` (N > 0; 0 leaves ex as it is): every run trains N
 * iterations, log_every capped at N; recorded in iterations_override. */
void experiment_override_iterations(struct experiment *ex, long iterations);

/* Releases runs [n, n_runs) and keeps the first n. */
void experiment_truncate_runs(struct experiment *ex, int n);

void experiment_release(struct experiment *ex);

#endif
