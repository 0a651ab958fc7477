/* lpfloor: the lowest l_p loss any linear predictor reaches on a dataset,
 *
 *   floor = min over W (k, d) of L(W) = (1/m) sum_i (1/p) sum_r |W_r x_i - y_ir|^p
 *
 * (loss.h's l_p loss). A depth-N linear network expresses one matrix W
 * (of lower rank where a hidden layer is narrower than the output), so no
 * depth, width or optimizer goes below it: a report
 * compares final losses with it to say how much the data allow. L is convex
 * and separable over the rows W_r, so each row is solved on its own by
 * Newton's method with a backtracking line search, from W_r = 0:
 *
 *   g = (1/m) sum_i |e_i|^(p-2) e_i x_i,   H = ((p-1)/m) sum_i |e_i|^(p-2) x_i x_i^T,
 *
 * e_i = W_r x_i - y_ir; H gets a ridge of 1e-12 trace(H)/d (+1e-300) so a
 * rank-deficient X or an exact fit still gives a descent step. For p = 2
 * the first step is exact. H comes from BLAS dsyrk and the step from
 * LAPACKE_dposv, so the last bits may depend on the BLAS kernel: a report
 * figure, never a training value. */
#ifndef OVERPARAM_LPFLOOR_H
#define OVERPARAM_LPFLOOR_H

#include "overparam/dataset.h"

struct lp_floor {
	int skipped;      /* 1: m d^2 > LP_FLOOR_MAX_WORK, nothing computed */
	double loss;      /* min L(W) */
	double at_zero;   /* L(0), for scale */
	int newton_steps; /* the most any row took */
	int converged;    /* 1: every row's squared Newton decrement g.H^-1 g
			     (about twice the gap to the floor) fell below
			     1e-20 of its loss, or below 1e-10 where double
			     precision allows no further decrease; or the
			     row's loss fell to LP_FLOOR_EXACT of its L(0)
			     (an exact fit) */
};

#define LP_FLOOR_EXACT 1e-32

/* H is summed over chunks of this many rows, so the work space is
 * O(LP_FLOOR_CHUNK d + d^2) beside the data. A Newton step costs about
 * m d^2 flops; above LP_FLOOR_MAX_WORK (seconds a step) the floor is
 * skipped rather than add minutes to a run. */
#define LP_FLOOR_CHUNK 1024
#define LP_FLOOR_MAX_WORK 1e10

/* Solves the floor of ds for p >= 2 into *out; W (k, d) row-major receives
 * the minimizer when not NULL. Returns ERR_OK, or ERR_RUNTIME (out of memory,
 * or dposv failing on a non-finite H). Runs at most LP_FLOOR_MAX_STEPS
 * Newton steps per row; out->converged says whether that sufficed. */
#define LP_FLOOR_MAX_STEPS 200
int lp_floor(const struct dataset *ds, double p, struct lp_floor *out, double *W);

#endif
