/* loss: l_p and softmax cross-entropy values and end-to-end gradients.
 * Pass 1: predictions R = X W^T; R turns into dl/dyhat / m in place;
 * pass 2: G = R^T X. The l2 Gram form skips both passes. */
#include "overparam/loss.h"
#include "overparam/error.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>

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

int loss_prepare(struct loss *loss, const struct dataset *ds)
{
	loss->gram = loss->xty = NULL;
	loss->yty = 0;
	if (loss->form == LOSS_FORM_GRAM && loss->p != 2.0)
		return err_set(ERR_INPUT, "the Gram form needs p = 2, got p = %g", loss->p);
	if (loss->form == LOSS_FORM_DATA || loss->kind != LOSS_LP || loss->p != 2.0)
		return ERR_OK;
	int m = ds->m, d = ds->d, k = ds->k;
	loss->gram = malloc((size_t)d * d * sizeof(double));
	loss->xty = malloc((size_t)k * d * sizeof(double));
	if (!loss->gram || !loss->xty) {
		loss_release(loss);
		return err_set(ERR_RUNTIME, "out of memory for the Gram matrix");
	}
	/* Full symmetric A (both triangles) so that the step can use dgemm. */
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, d, m, 1.0 / m, ds->X,
		    d, ds->X, d, 0.0, loss->gram, d);
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, d, m, 1.0 / m, ds->Y,
		    k, ds->X, d, 0.0, loss->xty, d);
	double c = 0;
	for (size_t i = 0; i < (size_t)m * k; i++)
		c += ds->Y[i] * ds->Y[i];
	loss->yty = c / m;
	return ERR_OK;
}

const char *loss_form_used(const struct loss *loss)
{
	return loss->gram ? "gram" : "data";
}

void loss_release(struct loss *loss)
{
	free(loss->gram);
	free(loss->xty);
	loss->gram = loss->xty = NULL;
}

/* Softmax cross-entropy of one row of logits z (k) against y (k): returns
 * logsumexp(z) - <y, z> (for sum y = 1) and puts softmax(z) - y into z. */
static double softmax_ce_row(double *z, const double *y, int k)
{
	double top = z[0];
	for (int r = 1; r < k; r++)
		if (z[r] > top)
			top = z[r];
	double sum = 0, yz = 0, ysum = 0;
	for (int r = 0; r < k; r++) {
		sum += exp(z[r] - top);
		yz += y[r] * z[r];
		ysum += y[r];
	}
	double lse = top + log(sum);
	for (int r = 0; r < k; r++)
		z[r] = exp(z[r] - lse) * ysum - y[r];
	return ysum * lse - yz;
}

/* l2 through the Gram form (see loss.h); G must not be NULL here. */
static double gram_eval(const struct loss *loss, int d, int k, const double *W,
			double *G)
{
	/* G (k, d) = W A - B */
	cblas_dcopy(k * d, loss->xty, 1, G, 1);
	if (k == 1)
		cblas_dgemv(CblasRowMajor, CblasNoTrans, d, d, 1.0, loss->gram, d, W, 1,
			    -1.0, G, 1);
	else
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, d, d, 1.0, W,
			    d, loss->gram, d, -1.0, G, d);
	/* 1/2 w.Aw - w.b = 1/2 w.(G + b) - w.b = 1/2 (w.G - w.b) */
	double wg = cblas_ddot(k * d, W, 1, G, 1);
	double wb = cblas_ddot(k * d, W, 1, loss->xty, 1);
	return 0.5 * (wg - wb) + 0.5 * loss->yty;
}

double loss_eval(const struct loss *loss, const struct dataset *ds,
		 const double *W, double *G, double *scratch)
{
	int m = ds->m, d = ds->d, k = ds->k;
	if (loss->gram && G) {
		double L = gram_eval(loss, d, k, W, G);
		/* Near an exact fit the Gram form's cancellation (relative error
		 * ~ eps c / L) swamps L: "auto" then takes the data passes. */
		if (loss->form == LOSS_FORM_GRAM || L > 1e-6 * loss->yty)
			return L;
	}
	double *R = scratch; /* (m, k) */
	if (k == 1)
		cblas_dgemv(CblasRowMajor, CblasNoTrans, m, d, 1.0, ds->X, d, W, 1,
			    0.0, R, 1);
	else
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, k, d, 1.0,
			    ds->X, d, W, d, 0.0, R, k);
	double sum = 0.0, inv_m = 1.0 / m;
	size_t n = (size_t)m * k;
	if (loss->kind == LOSS_SOFTMAX_CE) {
		for (size_t i = 0; i < (size_t)m; i++)
			sum += softmax_ce_row(R + i * k, ds->Y + i * k, k);
		for (size_t i = 0; i < n; i++)
			R[i] *= inv_m;
	} else {
		for (size_t i = 0; i < n; i++) {
			double dr;
			sum += lp_term(R[i] - ds->Y[i], loss->p, &dr);
			R[i] = dr * inv_m;
		}
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
