/* output: the files of a run directory, each written atomically.
 *
 *   runs/NN-<slug>.csv  iteration,loss,we_norm,imbalance   (one per run)
 *   summary.csv         one row per run: spec, status, losses, selection
 *   metadata.json       the resolved configuration, data provenance,
 *                       preprocessing statistics, library versions, timings
 * Numbers are printed with 17 significant digits, so the same run gives the
 * same bytes and values read back exactly. */
#ifndef OVERPARAM_OUTPUT_H
#define OVERPARAM_OUTPUT_H

#include "overparam/plan.h"
#include "overparam/dataset.h"
#include "overparam/lpfloor.h"
#include "overparam/nucnorm.h"
#include "overparam/preprocess.h"
#include "overparam/shard.h"
#include "overparam/train.h"

#define SUMMARY_HEADER                                                          \
	"index,label,group,grid_point,model,depth,widths,optimizer,lr,"          \
	"weight_decay,init,init_std,seed,iterations,status,last_iter,"           \
	"diverged_at,reached_at,initial_loss,final_loss,min_loss,selected,csv," \
	"grid_edge,replicate"

/* Relative file name "runs/NN-<slug>.csv" for run index i (0-based);
 * malloc'ed. */
char *output_run_filename(int i, const char *label);

int output_run_csv(const char *path, const struct run_result *res);

/* One row per run of sub (indices into ex->runs; res, selected and
 * csv_names are indexed like ex->runs). */
int output_summary(const char *path, const struct experiment *ex,
		   const struct run_subset *sub, const struct run_result *res,
		   const int *selected, char *const *csv_names);

/* What the command line and the running add to the plan: written into
 * metadata.json beside it, never part of it. */
struct run_context {
	long iterations_override; /* `run --iterations`, 0 if not given */
	int resumed;              /* `run --resume` or --continue of a started run */
	int threads;              /* data-pass threads */
	int batched;              /* up to this many grid points stepped together;
				     0: each alone (--no-batch) */
	const char *init_from;    /* `run --init-from` DIR, or NULL; not owned */
	const char *loss_form;    /* "data" or "gram": what loss_prepare chose */
	int n_subsets;            /* replicate_over "batches": replicate r ran on
				     the data without batch left_out_batch[r] */
	const int *left_out_batch;
	const double *subset_floor; /* [n_subsets]: each subset's l_p floor, or NAN */
	const struct nucnorm_result *baseline; /* a matrix problem's minimum
						  nuclear-norm fit, or NULL */
	const struct lp_floor *loss_floor; /* the l_p floor of replicate 1's
					      data (lpfloor.h), or NULL */
};

/* Everything needed to rerun and to audit the run, for the runs of sub
 * (with a "shard" block when sub is a shard). status is "complete",
 * "interrupted" (stopped by a signal, checkpointed) or "incomplete"
 * (started and not finished: running, or killed). */
int output_metadata(const char *path, const struct experiment *ex,
		    const struct run_context *rc,
		    const struct run_subset *sub, const struct dataset *ds,
		    const struct preprocess_info *pre, const struct run_result *res,
		    const int *selected, char *const *csv_names, const char *status);

/* The versions of the libraries this process runs with. */
struct lib_versions {
	const char *openblas; /* openblas_get_config(): version, core, threads */
	char lapack[32];
	const char *cjson;
};
void lib_versions_get(struct lib_versions *v);

/* 1 if the curves of this data are the same bytes under every BLAS: one
 * output and no whitening (see kernels.h); else they may differ in the last
 * bits between OpenBLAS kernels. */
int output_blas_independent(const struct dataset *ds, const struct experiment *ex);

/* Prints x so that strtod gives it back exactly ("nan", "inf" as such). */
void output_put_num(FILE *f, double x);

/* Prints s as one CSV field (quoted when it holds a comma, quote or newline). */
void output_put_field(FILE *f, const char *s);

struct cJSON;
/* The "claims" array of metadata.json (what rundir_load reads back). */
struct cJSON *output_claims_json(const struct claim *claims, int n);

/* Writes root, pretty-printed with a final newline, atomically to path, and
 * deletes root. */
int output_json(const char *path, struct cJSON *root);

#endif
