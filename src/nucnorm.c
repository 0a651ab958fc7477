/* nucnorm: the minimum nuclear-norm fit of a matrix problem by ADMM (see
 * nucnorm.h). */
#include "overparam/nucnorm.h"
#include "overparam/clock.h"
#include "overparam/error.h"
#include "overparam/matrix.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct admm {
	const struct dataset_matrix *mp;
	int rows, cols, p;              /* p = min(rows, cols) */
	size_t nn;                      /* rows * cols */
	double *X, *Z, *U, *Zprev, *W;  /* (rows, cols) each; W workspace */
	double *Us, *s, *Vt, *superb;   /* SVD of W: (rows, p), (p), (p, cols) */
	double *L;                      /* sensing: Cholesky factor of A A^T (m, m) */
	double *r;                      /* sensing: (m) */
};

static double fro(const double *a, size_t n)
{
	return cblas_dnrm2((int)n, a, 1);
}

/* X = SVT_tau(W): W's singular values shrunk by tau, the rest dropped;
 * returns the nuclear norm of X. */
static int svt(struct admm *a, double tau, double *nuclear)
{
	int rows = a->rows, cols = a->cols, p = a->p;
	memcpy(a->W, a->Z, a->nn * sizeof(double));
	for (size_t i = 0; i < a->nn; i++)
		a->W[i] -= a->U[i];
	lapack_int info = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'S', 'S', rows, cols, a->W, cols, a->s,
					 a->Us, p, a->Vt, cols, a->superb);
	if (info != 0)
		return err_set(ERR_RUNTIME, "nuclear-norm baseline: SVD failed (info %d)", (int)info);
	int k = 0;
	double sum = 0;
	for (int i = 0; i < p; i++) {
		double v = a->s[i] - tau;
		if (v <= 0)
			break;
		a->s[i] = v;
		sum += v;
		k++;
	}
	/* X = Us[:, :k] diag(s) Vt[:k, :] */
	for (int i = 0; i < rows; i++)
		for (int q = 0; q < k; q++)
			a->Us[(size_t)i * p + q] *= a->s[q];
	memset(a->X, 0, a->nn * sizeof(double));
	if (k > 0)
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, cols, k, 1.0, a->Us, p,
			    a->Vt, cols, 0.0, a->X, cols);
	*nuclear = sum;
	return ERR_OK;
}

/* Z = the projection of V = X + U on {P(Z) = y}. */
static void project(struct admm *a)
{
	const struct dataset_matrix *mp = a->mp;
	for (size_t i = 0; i < a->nn; i++)
		a->Z[i] = a->X[i] + a->U[i];
	if (mp->task == MATRIX_COMPLETION) {
		for (int i = 0; i < mp->m; i++)
			a->Z[mp->entry[i]] = mp->y[i];
		return;
	}
	/* r = y - A z; solve (A A^T) w = r; z += A^T w */
	int m = mp->m, nn = (int)a->nn;
	memcpy(a->r, mp->y, (size_t)m * sizeof(double));
	cblas_dgemv(CblasRowMajor, CblasNoTrans, m, nn, -1.0, mp->A, nn, a->Z, 1, 1.0, a->r, 1);
	LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', m, 1, a->L, m, a->r, 1);
	cblas_dgemv(CblasRowMajor, CblasTrans, m, nn, 1.0, mp->A, nn, a->r, 1, 1.0, a->Z, 1);
}

/* max_i |P(X)_i - y_i| */
static double violation(const struct admm *a)
{
	const struct dataset_matrix *mp = a->mp;
	double worst = 0;
	for (int i = 0; i < mp->m; i++) {
		double p = mp->task == MATRIX_COMPLETION
				   ? a->X[mp->entry[i]]
				   : cblas_ddot((int)a->nn, mp->A + (size_t)i * a->nn, 1, a->X, 1);
		worst = fmax(worst, fabs(p - mp->y[i]));
	}
	return worst;
}

static void admm_release(struct admm *a)
{
	free(a->X);
	free(a->Z);
	free(a->U);
	free(a->Zprev);
	free(a->W);
	free(a->Us);
	free(a->s);
	free(a->Vt);
	free(a->superb);
	free(a->L);
	free(a->r);
}

static int admm_create(struct admm *a, const struct dataset_matrix *mp)
{
	memset(a, 0, sizeof(*a));
	a->mp = mp;
	a->rows = mp->rows;
	a->cols = mp->cols;
	a->p = mp->rows < mp->cols ? mp->rows : mp->cols;
	a->nn = (size_t)mp->rows * mp->cols;
	size_t b = a->nn * sizeof(double);
	a->X = calloc(1, b);
	a->Z = calloc(1, b);
	a->U = calloc(1, b);
	a->Zprev = malloc(b);
	a->W = malloc(b);
	a->Us = malloc((size_t)a->rows * a->p * sizeof(double));
	a->Vt = malloc((size_t)a->p * a->cols * sizeof(double));
	a->s = malloc((size_t)a->p * sizeof(double));
	a->superb = malloc((size_t)a->p * sizeof(double));
	if (!a->X || !a->Z || !a->U || !a->Zprev || !a->W || !a->Us || !a->Vt || !a->s || !a->superb)
		return err_set(ERR_RUNTIME, "out of memory");
	if (mp->task == MATRIX_COMPLETION)
		return ERR_OK;
	int m = mp->m;
	a->L = malloc((size_t)m * m * sizeof(double));
	a->r = malloc((size_t)m * sizeof(double));
	if (!a->L || !a->r)
		return err_set(ERR_RUNTIME, "out of memory for the measurements' Gram matrix");
	cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, m, (int)a->nn, 1.0, mp->A, (int)a->nn,
		    0.0, a->L, m);
	lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', m, a->L, m);
	if (info != 0)
		return err_set(ERR_RUNTIME, "nuclear-norm baseline: the measurements are linearly dependent (%d of them, n^2 = %zu; Cholesky info %d)",
			       m, a->nn, (int)info);
	return ERR_OK;
}

int nucnorm_solve(const struct dataset_matrix *mp, double tol, int max_iter, int keep_x,
		  struct nucnorm_result *res)
{
	memset(res, 0, sizeof(*res));
	double start = clock_seconds();
	struct admm a;
	int rc = admm_create(&a, mp);
	/* rho: the threshold 1/rho starts at the observations' RMS */
	double ms = 0;
	for (int i = 0; i < mp->m; i++)
		ms += mp->y[i] * mp->y[i] / mp->m;
	double rho = ms > 0 ? 1.0 / sqrt(ms) : 1.0, nuclear = 0;
	if (!rc)
		project(&a); /* Z: a feasible start (from X = U = 0) */
	int it = 0;
	for (; !rc && it < max_iter; it++) {
		memcpy(a.Zprev, a.Z, a.nn * sizeof(double));
		if ((rc = svt(&a, 1.0 / rho, &nuclear)))
			break;
		project(&a);
		double primal = 0, dual = 0;
		for (size_t i = 0; i < a.nn; i++) {
			double d = a.X[i] - a.Z[i], e = a.Z[i] - a.Zprev[i];
			a.U[i] += d;
			primal += d * d;
			dual += e * e;
		}
		primal = sqrt(primal);
		dual = rho * sqrt(dual);
		double scale_p = fmax(fro(a.X, a.nn), fro(a.Z, a.nn));
		double scale_d = rho * fro(a.U, a.nn);
		if (primal <= tol * scale_p && dual <= tol * scale_d) {
			res->converged = 1;
			it++;
			break;
		}
		/* residual balancing; U is scaled by the inverse change */
		double f = primal > 10 * dual ? 2.0 : dual > 10 * primal ? 0.5 : 1.0;
		if (f != 1.0) {
			rho *= f;
			for (size_t i = 0; i < a.nn; i++)
				a.U[i] /= f;
		}
	}
	if (!rc) {
		double cols[5 + MATRIX_TOP_SV];
		struct matrix_metrics_work w;
		rc = matrix_metrics_work_create(&w, mp);
		if (!rc) {
			matrix_metrics(mp, a.X, 1, &w, cols);
			matrix_metrics_work_release(&w);
			res->test_error = cols[0];
			res->eff_rank = cols[1];
			res->nuclear = cols[2];
		}
		res->violation = violation(&a);
		res->iterations = it;
		if (keep_x) {
			res->X = a.X;
			a.X = NULL;
		}
	}
	admm_release(&a);
	res->seconds = clock_seconds() - start;
	return rc;
}
