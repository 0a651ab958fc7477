/* e2e: preconditioned end-to-end gradient of Eq. 10 / Eq. 12 (see e2e.h). */
#include "overparam/e2e.h"
#include "overparam/detmath.h"
#include "overparam/error.h"
#include "overparam/kernels.h"

#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int e2e_work_create(struct e2e_work *w, int k, int d)
{
	memset(w, 0, sizeof(*w));
	w->k = k;
	w->d = d;
	int r = k < d ? k : d;
	w->U = malloc((size_t)k * k * sizeof(double));
	w->Vt = malloc((size_t)d * d * sizeof(double));
	w->s = malloc(r * sizeof(double));
	w->superb = malloc(r * sizeof(double));
	w->Wcopy = malloc((size_t)k * d * sizeof(double));
	w->T = malloc((size_t)k * d * sizeof(double));
	w->C = malloc((size_t)k * k * sizeof(double));
	if (!w->U || !w->Vt || !w->s || !w->superb || !w->Wcopy || !w->T || !w->C) {
		e2e_work_release(w);
		return err_set(ERR_RUNTIME, "out of memory");
	}
	return ERR_OK;
}

void e2e_work_release(struct e2e_work *w)
{
	free(w->U);
	free(w->Vt);
	free(w->s);
	free(w->superb);
	free(w->Wcopy);
	free(w->T);
	free(w->C);
	memset(w, 0, sizeof(*w));
}

void e2e_precondition_single(const double *w, const double *g, int d, int N,
			     double *out)
{
	/* Fixed-order kernels and detmath only: the same bits on any machine. */
	double norm = sqrt(kern_dot(w, w, d));
	if (norm == 0.0) {
		memset(out, 0, d * sizeof(double));
		return;
	}
	/* ||w||^(2 - 2/N) = (||w|| / ||w||^(1/N))^2 */
	double f = norm / det_root(norm, N), scale = f * f;
	double proj = kern_dot(g, w, d) / (norm * norm); /* <g,u>/||w|| */
	for (int i = 0; i < d; i++)
		out[i] = scale * (g[i] + (N - 1) * proj * w[i]);
}

/* Zeroes singular values below the numerical-rank tolerance
 * max(k, d) * eps * s_max: s^(2/N) is not Lipschitz at 0, so rounding-level
 * singular values (~1e-16) would otherwise come out as ~1e-8 factors. */
static void clamp_rank(double *s, int r, int k, int d)
{
	double tol = (k > d ? k : d) * DBL_EPSILON * (r > 0 ? s[0] : 0.0);
	for (int i = 0; i < r; i++)
		if (s[i] <= tol)
			s[i] = 0.0;
}

/* s^a with the convention 0^0 = 1 (the identity on null spaces). */
static double pow00(double s, double a)
{
	return a == 0.0 ? 1.0 : pow(s, a);
}

/* SVD of We (k, d) into w: U (k, k), s, and Vt (d, d) for jobvt 'A' or
 * (min(k, d), d) for 'S'; singular values below the rank tolerance are 0. */
static int svd(const double *We, int k, int d, char jobvt, struct e2e_work *w)
{
	memcpy(w->Wcopy, We, (size_t)k * d * sizeof(double));
	lapack_int info = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'A', jobvt, k, d, w->Wcopy,
					 d, w->s, w->U, k, w->Vt, d, w->superb);
	if (info != 0)
		return err_set(ERR_RUNTIME, "LAPACKE_dgesvd failed (info %d)", (int)info);
	clamp_rank(w->s, k < d ? k : d, k, d);
	return ERR_OK;
}

int e2e_precondition_svd(const double *We, const double *G, int k, int d,
			 int N, struct e2e_work *w, double *out)
{
	int r = k < d ? k : d, rc = svd(We, k, d, 'A', w);
	if (rc)
		return rc;
	/* T (k, d) = U^T G */
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, d, k, 1.0, w->U, k,
		    G, d, 0.0, w->T, d);
	/* out (k, d) = T V = T Vt^T */
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, k, d, d, 1.0, w->T, d,
		    w->Vt, d, 0.0, out, d);
	for (int a = 0; a < k; a++) {
		double sa = a < r ? w->s[a] : 0.0;
		for (int b = 0; b < d; b++) {
			double sb = b < r ? w->s[b] : 0.0, f = 0.0;
			for (int j = 1; j <= N; j++)
				f += pow00(sa, 2.0 * (N - j) / N) *
				     pow00(sb, 2.0 * (j - 1) / N);
			out[(size_t)a * d + b] *= f;
		}
	}
	/* out <- U out V^T */
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, d, k, 1.0, w->U, k,
		    out, d, 0.0, w->T, d);
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, d, d, 1.0, w->T, d,
		    w->Vt, d, 0.0, out, d);
	return ERR_OK;
}

/* Eq. 10 for k <= d with the thin SVD W = U S V1^T (V1 is (d, k)): with
 * T = U^T G split as T = C V1^T + T_perp (C = T V1, T_perp orthogonal to
 * the row space), the rotated factors give
 *   P(G) = U [ (F o C) V1^T + diag(s_r^(2(N-1)/N)) T_perp ],
 * F[r][r'] = sum_j s_r^(2(N-j)/N) s_r'^(2(j-1)/N): on the right null space
 * s_r' = 0 and only j = 1 survives (0^0 = 1). Costs O(k^2 d), no (d, d). */
static int precondition_thin(const double *We, const double *G, int k, int d,
			     int N, struct e2e_work *w, double *out)
{
	int rc = svd(We, k, d, 'S', w);
	if (rc)
		return rc;
	double *T = w->T, *C = w->C, *V1t = w->Vt; /* V1t is (k, d) */
	/* T (k, d) = U^T G; C (k, k) = T V1; T <- T - C V1^T (= T_perp) */
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, d, k, 1.0, w->U, k,
		    G, d, 0.0, T, d);
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, k, k, d, 1.0, T, d, V1t,
		    d, 0.0, C, k);
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, d, k, -1.0, C, k,
		    V1t, d, 1.0, T, d);
	for (int a = 0; a < k; a++) {
		double f_null = pow00(w->s[a], 2.0 * (N - 1) / N);
		cblas_dscal(d, f_null, T + (size_t)a * d, 1);
		for (int b = 0; b < k; b++) {
			double f = 0.0;
			for (int j = 1; j <= N; j++)
				f += pow00(w->s[a], 2.0 * (N - j) / N) *
				     pow00(w->s[b], 2.0 * (j - 1) / N);
			C[(size_t)a * k + b] *= f;
		}
	}
	/* T <- (F o C) V1^T + diag(f) T_perp; out = U T */
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, d, k, 1.0, C, k,
		    V1t, d, 1.0, T, d);
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, d, k, 1.0, w->U, k,
		    T, d, 0.0, out, d);
	return ERR_OK;
}

int e2e_precondition(const double *We, const double *G, int k, int d, int N,
		     struct e2e_work *w, double *out)
{
	if (N == 1) {
		memcpy(out, G, (size_t)k * d * sizeof(double));
		return ERR_OK;
	}
	if (k == 1) {
		e2e_precondition_single(We, G, d, N, out);
		return ERR_OK;
	}
	if (k <= d)
		return precondition_thin(We, G, k, d, N, w, out);
	return e2e_precondition_svd(We, G, k, d, N, w, out);
}
