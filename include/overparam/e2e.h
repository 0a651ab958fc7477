/* e2e: the end-to-end update of a depth-N linear network written on W_e
 * alone (paper Eqs. 10-12):
 *
 *   W_e <- (1 - eta lambda N) W_e - eta P_{W_e}(G),
 *   P_{W_e}(G) = sum_{j=1..N} [W_e W_e^T]^((j-1)/N) G [W_e^T W_e]^((N-j)/N).
 *
 * k = 1 (Eq. 12): P(G) = ||W_e||^(2-2/N) (G + (N-1) <G,u> u), u = W_e/||W_e||,
 * and P(G) = 0 at W_e = 0.
 * Any k (Eq. 10 via Claim 1): with the full SVD W_e = U S V^T, rotate
 * Gr = U^T G V, scale entry (r, r') by sum_j s_r^(2(N-j)/N) s_r'^(2(j-1)/N)
 * (s = 0 beyond min(k, d), 0^0 = 1), rotate back. The weight-decay term is
 * not part of P: callers add lambda N W_e. */
#ifndef OVERPARAM_E2E_H
#define OVERPARAM_E2E_H

/* Workspace for the SVD form; zeroed struct means "not allocated". */
struct e2e_work {
	int k, d;
	double *U, *Vt, *s, *superb, *Wcopy, *T, *C;
};

int e2e_work_create(struct e2e_work *w, int k, int d);
void e2e_work_release(struct e2e_work *w);

/* out (k, d) = P_{W_e}(G) for depth N. We and G are (k, d) row-major.
 * k = 1 uses the closed form (w may be NULL); 1 < k <= d the thin SVD
 * (O(k^2 d), see e2e.c); k > d the full SVD. k > 1 needs w. Returns ERR_OK
 * or ERR_RUNTIME when the SVD fails (message names LAPACKE_dgesvd and its
 * info). */
int e2e_precondition(const double *We, const double *G, int k, int d, int N,
		     struct e2e_work *w, double *out);

/* Eq. 12 for k = 1, exposed for tests: out (d) = P_w(g). */
void e2e_precondition_single(const double *w, const double *g, int d, int N,
			     double *out);

/* Eq. 10 through the full SVD (U (k, k), V (d, d)) for any k: the
 * reference form, exposed so tests can compare it with Eq. 12 at k = 1 and
 * with the thin form. */
int e2e_precondition_svd(const double *We, const double *G, int k, int d,
			 int N, struct e2e_work *w, double *out);

#endif
