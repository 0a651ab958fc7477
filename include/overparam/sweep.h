/* sweep: picks the winner of each group of grid-search runs.
 *
 * Runs expanded from one config entry share a group; with "replicates",
 * each replicate of a group is selected on its own. Criterion (config
 * "select"): final_loss, the lowest loss at the last iteration; or
 * time_to_target, the fewest iterations to reach loss <= target (ties: lower
 * final loss; when no run reaches the target, the lowest final loss).
 * Diverged (or interrupted) runs never win: a group whose runs all diverged,
 * a lone run among them, has no winner (plot and report say so). */
#ifndef OVERPARAM_SWEEP_H
#define OVERPARAM_SWEEP_H

#include "overparam/plan.h"
#include "overparam/train.h"

#include <stddef.h>
#include <stdio.h>

/* selected[i] = 1 for each group's winner, else 0. */
void sweep_select(const struct experiment *ex, const struct run_result *res,
		  int *selected);

/* Whether run i, a group's winner, sits at the edge of its grid: side[a]
 * for each axis a of its grid point where every other tried value of the
 * group (with its other coordinates) lies on one side (GRID_LARGEST: i has
 * the largest value tried, GRID_SMALLEST the smallest); GRID_INSIDE
 * elsewhere, and on every axis when i is not a winner. The grid should
 * then be extended that way (grid_edge_format gives "lr=largest"). */
void sweep_edge(const struct experiment *ex, const int *selected, int i,
		enum grid_side side[GRID_MAX_AXES]);

/* A warning line on f for each winner at the edge of its grid (its grid
 * should be extended that way). */
void sweep_warn_edges(FILE *f, const struct experiment *ex, const int *selected);

#endif
