/* rundir: reads back a run directory written by `overparam run`: the rows
 * of summary.csv, the plot settings, description and claims of
 * metadata.json, and any run's loss curve. Used by plot and report. */
#ifndef OVERPARAM_RUNDIR_H
#define OVERPARAM_RUNDIR_H

#include "overparam/plan.h"
#include "overparam/train.h"

struct rundir_run {
	char *label, *group, *grid_point, *model, *status, *csv; /* owned */
	struct grid_point grid; /* grid_point's values (checked at load) */
	char *grid_edge; /* "lr=largest" etc. for a winner at its grid's edge, or "" (owned) */
	int index; /* 1-based, in the plan of the whole config */
	int replicate; /* 1..n_replicates (1 without replicates) */
	long iterations; /* the run's planned iterations, or -1 (not in the summary) */
	int depth;       /* N, or 0 (not in the summary) */
	double lr;       /* its learning rate, or NAN */
	int gd;          /* its optimizer is plain GD */
	long last_iter, diverged_at, reached_at;
	double initial_loss, final_loss, min_loss;
	double seconds; /* its training time (metadata.json; for a grid point
			   stepped in a batch, the batch's), or NAN */
	int selected;
};

struct rundir {
	char *dir;
	char *title, *description; /* from metadata.json; title defaults to dir */
	char *data_note;           /* "Data: ...: M examples, ..." or NULL */
	int logx;
	const char *format; /* plot format: "png" (default), "svg" or "pdf"; static */
	struct rundir_run *runs;
	int n_runs;
	int n_replicates; /* the largest replicate number in the summary */
	double loss_floor;    /* the data's l_p floor (metadata.json), or NAN */
	double baseline[3];   /* a matrix problem's minimum nuclear-norm fit:
				 nuclear, test_error, eff_rank (NAN: none) */
	double *subset_floor; /* replicates over data subsets: replicate r's
				 floor at [r - 1] (NAN unknown), owned; or NULL */
	int n_subset_floor;
	int manifest_expected; /* metadata.json says it has SHA256SUMS (manifest.h) */
	double *modes;         /* whitened data's singular values (metadata.json), owned, or NULL */
	int n_modes;
	struct claim *claims; /* from metadata.json, owned */
	int n_claims;
};

/* A loss curve: the rows of one run CSV. */
struct curve {
	long *iter;
	double *loss;
	int n;
};

/* Loads dir/summary.csv (required) and dir/metadata.json (optional when
 * need_metadata is 0). Errors name the file and line. */
int rundir_load(struct rundir *rd, const char *dir, int need_metadata);
void rundir_release(struct rundir *rd);

/* Checks every run that finished (status ok or diverged): its files
 * against the directory's SHA256SUMS (manifest.h; required when
 * metadata.json names it), then its CSV against its summary row: a file
 * missing, cut or changed after it was written is ERR_INPUT naming it. For the commands that read a directory back (report, plot,
 * merge, resume) before they use it. */
int rundir_check_curves(const struct rundir *rd);

/* Whether the row's run finished (status ok or diverged): its files are
 * final and listed in SHA256SUMS. */
int rundir_run_finished(const struct rundir_run *r);

/* The report's four loss levels over rds[0..n): geometric steps from the
 * lowest initial to the lowest final loss of their selected runs
 * (replicate 1), a loss of 0 counting as 1e-12 of the start; each a hair
 * above its value (1 + 1e-12), so a run that lands on it reaches it.
 * Returns 0 when no selected run decreased. */
int rundir_levels(const struct rundir *const *rds, int n, double levels[4]);

/* Titles that two of rds[0..n) share get " (DIR)", the directory's name,
 * so panels and report sections tell them apart. ERR_RUNTIME without
 * memory. */
int rundir_titles_apart(struct rundir *rds, int n);

/* The result a summary row records (no curve). */
void rundir_run_result(const struct rundir_run *r, struct run_result *res);

/* The l_p floor of the data replicate (1-based) ran on: its subset's for
 * replicates over data subsets, else the data's; NAN when unknown. */
double rundir_loss_floor(const struct rundir *rd, int replicate);

/* The minimum nuclear-norm fit's value of column ("nuclear", "test_error",
 * "eff_rank"), or NAN (another column, not a matrix problem, or no ground
 * truth for test_error): "nuclear" tells a matrix problem's directory. */
double rundir_baseline(const struct rundir *rd, const char *column);

/* Index of the selected run of group in replicate (1-based), or -1. */
int rundir_selected(const struct rundir *rd, const char *group, int replicate);

/* 1 if run i is the first row of its group in rd (the row a per-group
 * table or figure starts from). */
int rundir_group_first(const struct rundir *rd, int i);

/* Reads run i's CSV (iteration and loss columns). */
int rundir_curve(const struct rundir *rd, int i, struct curve *c);

/* The same with column (NULL: "loss") in c->loss; rows where it is nan
 * are kept. ERR_INPUT when the CSV's last iteration is not the summary
 * row's last_iter (the file was cut or changed). */
int rundir_curve_column(const struct rundir *rd, int i, const char *column, struct curve *c);
void curve_release(struct curve *c);

#endif
