/* loss: training losses of a linear predictor x -> W x over a dataset.
 *
 * l_p (p >= 2): l(yhat, y) = (1/p) sum_r |yhat_r - y_r|^p, so p = 2 is half
 * the squared error, and L(W) = (1/m) sum_i l(W x_i, y_i) (the paper's
 * Section 3 form, an average over examples). */
#ifndef OVERPARAM_LOSS_H
#define OVERPARAM_LOSS_H

#include "overparam/dataset.h"

enum loss_kind {
	LOSS_LP,
};

struct loss {
	enum loss_kind kind;
	double p; /* LOSS_LP exponent, >= 2 */
};

/* Returns L(W) and, when G is not NULL, G = dL/dW (k, d) row-major.
 * W is (k, d) row-major; scratch must hold m * k doubles. Costs two passes
 * over X. The result is deterministic (fixed summation order). */
double loss_eval(const struct loss *loss, const struct dataset *ds,
		 const double *W, double *G, double *scratch);

#endif
