/* dryrun: what `overparam run CONFIG --dry-run` prints once the config and
 * the data have been checked as a run checks them: the plan (groups, grid
 * points, replicates, grid rounds, the shard), the memory of the largest
 * block, and the time the runs will take on this machine, measured by
 * running every kind of block for a moment (calibration) and scaled to its
 * iterations. Nothing is written to disk. */
#ifndef OVERPARAM_DRYRUN_H
#define OVERPARAM_DRYRUN_H

#include "overparam/dataset.h"
#include "overparam/loss.h"
#include "overparam/plan.h"
#include "overparam/shard.h"

#include <stdio.h>

struct dryrun_input {
	const char *config, *outdir;
	const struct experiment *ex;
	const struct run_subset *sub; /* the runs to do (a shard's, or all) */
	const struct dataset *ds;     /* indexed by blocks_data_index */
	struct loss *loss;            /* prepared for each of ds (the batch
					 workspace is reserved here) */
	int no_batch, threads;
};

/* Prints the dry run's account to f. Returns ERR_RUNTIME without memory. */
int dryrun_print(FILE *f, const struct dryrun_input *in);

#endif
