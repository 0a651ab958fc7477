/* blocks: how the runs of a run directory train. In plan order, a block is
 * up to BLOCK_MAX_RUNS consecutive runs of one group on one data subset
 * that step together over each data pass (train_batch), or one run alone
 * (--no-batch, or runs train_batch cannot take). The trainer (run.c) and
 * the dry run (dryrun.c) cut the same blocks. */
#ifndef OVERPARAM_BLOCKS_H
#define OVERPARAM_BLOCKS_H

#include "overparam/dataset.h"
#include "overparam/plan.h"
#include "overparam/shard.h"

#define BLOCK_MAX_RUNS 32

/* Which dataset run r trains on: its replicate under replicate_over
 * "batches" (one dataset per replicate), else 0. */
int blocks_data_index(const struct experiment *ex, const struct run_spec *r);

/* The end (exclusive) of the block that starts at position p of sub; ds is
 * indexed by blocks_data_index. */
int blocks_end(const struct experiment *ex, const struct run_subset *sub,
	       const struct dataset *ds, int no_batch, int p);

/* The bytes the largest block needs (its runs' train_bytes_needed summed),
 * and in *big the run that needs the most within it. */
double blocks_largest(const struct experiment *ex, const struct run_subset *sub,
		      const struct dataset *ds, int no_batch, int *big, int *n_in_block);

/* Refuses (ERR_INPUT, naming the run) a plan whose largest block needs more
 * than this machine's memory, before anything runs. */
int blocks_check_memory(const struct experiment *ex, const struct run_subset *sub,
			const struct dataset *ds, int no_batch);

#endif
