/* nucnorm: the convex baseline of deep matrix factorization, the matrix of
 * least nuclear norm that fits a matrix problem's observations (matrix.h):
 *
 *   minimize ||X||_*  subject to  P(X) = y,
 *
 * P(X) the observed entries (completion) or <A_i, X> (sensing). Solved by
 * ADMM on the split X = Z (Douglas-Rachford), with the scaled dual U:
 *
 *   X <- SVT_{1/rho}(Z - U)    (soft-thresholding of the singular values)
 *   Z <- the projection of X + U on {P(Z) = y}
 *       (completion: the observed entries set to y; sensing:
 *        z + A^T (A A^T)^{-1} (y - A z), A A^T factored once by Cholesky)
 *   U <- U + X - Z
 *
 * rho adapted by residual balancing (Boyd et al. 2011, Sec. 3.4.1). It stops
 * when the primal residual ||X - Z||_F <= tol max(||X||_F, ||Z||_F) and the
 * dual residual rho ||Z - Z_prev||_F <= tol rho ||U||_F. The answer is X
 * (low rank by construction); its largest violation |P(X) - y|_inf is
 * reported beside it, the stated tolerance of the value (the authors solved
 * with cvxpy/SCS under |X_ij - y_ij| <= 1e-3). Singular values from LAPACK:
 * reproducible on one machine, not bit for bit across BLAS kernels. */
#ifndef OVERPARAM_NUCNORM_H
#define OVERPARAM_NUCNORM_H

#include "overparam/dataset.h"

#define NUCNORM_TOL 1e-7
#define NUCNORM_MAX_ITER 20000

struct nucnorm_result {
	double nuclear;       /* ||X||_* */
	double test_error;    /* (1/n^2) ||X - W*||_F^2 */
	double eff_rank;      /* as the run columns (matrix.h) */
	double violation;     /* max_i |P(X)_i - y_i| */
	int iterations;
	int converged;        /* 0: stopped at max_iter */
	double seconds;
	double *X;            /* (n, n) row-major, owned; NULL unless asked */
	char failure[256];    /* why there is none (set by the caller), or "" */
};

/* Solves for mp; keep_x: keep X in res->X (free it). ERR_RUNTIME on a
 * failing SVD or Cholesky, or out of memory. */
int nucnorm_solve(const struct dataset_matrix *mp, double tol, int max_iter, int keep_x,
		  struct nucnorm_result *res);

#endif
