/* theory: numerical demonstrations of the paper's theoretical claims, run
 * by `overparam check`. Each prints its numbers to out and returns ERR_OK
 * when the claim is borne out, ERR_RUNTIME when it is not.
 *
 * Claim 1: the preconditioner of Eq. 10, built explicitly as the
 *   (kd, kd) matrix P = sum_j [W^T W]^((N-j)/N) (x) [W W^T]^((j-1)/N)
 *   (Kronecker product, column-first vec; fractional powers from symmetric
 *   eigendecompositions), is symmetric positive semidefinite, has the
 *   eigenvectors vec(u_r v_r'^T) with eigenvalues
 *   sum_j s_r^(2(N-j)/N) s_r'^(2(j-1)/N), and P vec(G) equals e2e's
 *   rotated computation, for random W (full rank and rank-deficient).
 * Theorem 2: on an l4 regression loss, the field
 *   F(W) = ||W||^(2-2/N) (dL/dW + (N-1) <dL/dW, u> u)   (Eq. 14, k = 1)
 *   has a non-zero circulation around a small closed curve near W = 0 in a
 *   plane holding dL/dW(0): radially out along e = dL/dW(0)/|dL/dW(0)| from
 *   r to R, a quarter arc of radius R to a unit f orthogonal to e, back in
 *   along f, and the quarter arc of radius r home. For the constant part
 *   kappa = dL/dW(0) this integral is |kappa| (R^a - r^a)(N-1)(N-2)/(3N-2),
 *   a = 3 - 2/N (non-zero exactly when N > 2), while the plain gradient
 *   field's circulation is zero up to quadrature error. */
#ifndef OVERPARAM_THEORY_H
#define OVERPARAM_THEORY_H

#include <stdio.h>

int theory_check_claim1(FILE *out);
int theory_check_theorem2(FILE *out);

/* Is what one of "claim1", "theorem2", "all"? */
int theory_check_known(const char *what);

/* overparam check WHAT: runs the named checks (both for "all"), printing
 * to out; ERR_RUNTIME with a message if one fails. */
int theory_check(FILE *out, const char *what);

#endif
