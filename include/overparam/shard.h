/* shard: one experiment's plan (every run and grid point, in config order)
 * split into n parts for n machines, and which runs a run directory holds.
 *
 * The split is contiguous in plan order (so a shard's grid points of one
 * group still share data passes) and balanced by cost = iterations: run i
 * goes to shard floor(n (C_i + c_i / 2) / C), where C_i is the cost of the
 * runs before it, c_i its own and C the total. Integer arithmetic only: the
 * same assignment on every machine. No shard's cost exceeds C / n by more
 * than the largest run's cost. */
#ifndef OVERPARAM_SHARD_H
#define OVERPARAM_SHARD_H

#include "overparam/plan.h"

#include <stdio.h>

struct shard_spec {
	int index; /* 1..count */
	int count; /* 0: not a shard */
};

/* Parses "i/n" (1 <= i <= n <= 100000). Returns ERR_OK or ERR_INPUT. */
int shard_parse(const char *text, struct shard_spec *s);

/* owner[r] = the 1-based shard of run r of ex (n_runs entries). */
void shard_assign(const struct experiment *ex, int count, int *owner);

/* The runs of a run directory: rows[0..n) ascending run indices (0-based)
 * of the plan; a whole run has them all, a shard its own. */
struct run_subset {
	int *rows; /* owned */
	int n;
	struct shard_spec shard;
};

/* The runs of shard s of ex (all runs when s->count is 0). */
int shard_subset(const struct experiment *ex, const struct shard_spec *s,
		 struct run_subset *out);

void run_subset_release(struct run_subset *s);

/* Prints the assignment to f: per shard its runs and cost, marking s. */
void shard_print_plan(FILE *f, const struct experiment *ex, const struct shard_spec *s);

#endif
