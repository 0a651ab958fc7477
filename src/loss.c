/* loss: l_p value and end-to-end gradient. Pass 1: predictions R = X W^T;
 * the residual turns into dl/dyhat / m in place; pass 2: G = R^T X. */
#include "overparam/loss.h"

#include <cblas.h>
#include <math.h>

/* |r|^p / p and, in *dr, d/dr of it = |r|^(p-2) r; exact fast paths for
 * the paper's p = 2 and p = 4. */
static double lp_term(double r, double p, double *dr)
{
	if (p == 2.0) {
		*dr = r;
		return 0.5 * r * r;
	}
	if (p == 4.0) {
		double r2 = r * r;
		*dr = r2 * r;
		return 0.25 * r2 * r2;
	}
	double a = pow(fabs(r), p - 2.0);
	*dr = a * r;
	return a * r * r / p;
}

double loss_eval(const struct loss *loss, const struct dataset *ds,
		 const double *W, double *G, double *scratch)
{
	int m = ds->m, d = ds->d, k = ds->k;
	double *R = scratch; /* (m, k) */
	if (k == 1)
		cblas_dgemv(CblasRowMajor, CblasNoTrans, m, d, 1.0, ds->X, d, W, 1,
			    0.0, R, 1);
	else
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, k, d, 1.0,
			    ds->X, d, W, d, 0.0, R, k);
	double sum = 0.0, inv_m = 1.0 / m;
	size_t n = (size_t)m * k;
	for (size_t i = 0; i < n; i++) {
		double dr;
		sum += lp_term(R[i] - ds->Y[i], loss->p, &dr);
		R[i] = dr * inv_m;
	}
	if (G) {
		if (k == 1)
			cblas_dgemv(CblasRowMajor, CblasTrans, m, d, 1.0, ds->X, d, R, 1,
				    0.0, G, 1);
		else
			cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, d, m, 1.0,
				    R, k, ds->X, d, 0.0, G, d);
	}
	return sum * inv_m;
}
