/* e2e: preconditioned end-to-end gradient of Eq. 10 / Eq. 12 (see e2e.h). */
#include "overparam/e2e.h"
#include "overparam/error.h"

#include <cblas.h>
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
	if (!w->U || !w->Vt || !w->s || !w->superb || !w->Wcopy || !w->T) {
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
	memset(w, 0, sizeof(*w));
}

void e2e_precondition_single(const double *w, const double *g, int d, int N,
			     double *out)
{
	double norm = cblas_dnrm2(d, w, 1);
	if (norm == 0.0) {
		memset(out, 0, d * sizeof(double));
		return;
	}
	double scale = pow(norm, 2.0 - 2.0 / N);
	double proj = cblas_ddot(d, g, 1, w, 1) / (norm * norm); /* <g,u>/||w|| */
	for (int i = 0; i < d; i++)
		out[i] = scale * (g[i] + (N - 1) * proj * w[i]);
}

/* s^a with the convention 0^0 = 1 (the identity on null spaces). */
static double pow00(double s, double a)
{
	return a == 0.0 ? 1.0 : pow(s, a);
}

int e2e_precondition_svd(const double *We, const double *G, int k, int d,
			 int N, struct e2e_work *w, double *out)
{
	int r = k < d ? k : d;
	memcpy(w->Wcopy, We, (size_t)k * d * sizeof(double));
	lapack_int info = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'A', 'A', k, d, w->Wcopy,
					 d, w->s, w->U, k, w->Vt, d, w->superb);
	if (info != 0)
		return err_set(ERR_RUNTIME, "LAPACKE_dgesvd failed (info %d)", (int)info);
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
	return e2e_precondition_svd(We, G, k, d, N, w, out);
}
