/* refine: grid rounds that no grid can game (select.extend, select.refine).
 *
 * After a grid search, each round appends runs to the experiment:
 *   extension  for every group (and replicate) whose winner sits at the
 *              learning-rate edge of its grid (sweep_edge: every other rate
 *              on one side, and no larger rate that diverged), one rate
 *              beyond the winner at the grid's spacing there (w^2 / lo or
 *              w^2 / hi); while any group is at an edge, up to
 *              select.extend rounds;
 *   refinement then, select.refine rounds: for every group's winner the
 *              geometric midpoints sqrt(w lo) and sqrt(w hi) with its
 *              neighbours, so each round halves every group's spacing
 *              around its winner in log scale: from one log grid, every
 *              model gets the same resolution.
 * New rates are rounded to 6 significant digits (as log grids are); a
 * rate the group already has is not added again. Only groups whose grid
 * points vary the learning rate alone take part. New runs copy their
 * group winner's spec with the new rate, labelled "group [lr=x]" (and
 * " #r" with replicates). */
#ifndef OVERPARAM_REFINE_H
#define OVERPARAM_REFINE_H

#include "overparam/plan.h"

/* Appends the next round's runs to ex (ex->runs may move) given the
 * winners selected[0..ex->n_runs); counts the round in
 * ex->rounds_extended or ex->rounds_refined. *added = 0 when no round is
 * left. Returns ERR_RUNTIME without memory. */
int refine_round(struct experiment *ex, const int *selected, int *added);

#endif
