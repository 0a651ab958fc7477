/* lpfloor: Newton's method for the l_p floor of a dataset (see lpfloor.h). */
#include "overparam/lpfloor.h"
#include "overparam/error.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* (1/(p m)) sum_i |x_i . w - y_i|^p for output column r of Y; e (m) gets the
 * residuals. */
static double row_loss(const struct dataset *ds, int r, double p, const double *w, double *e)
{
	double sum = 0;
	for (int i = 0; i < ds->m; i++) {
		const double *x = ds->X + (size_t)i * ds->d;
		double yhat = 0;
		for (int j = 0; j < ds->d; j++)
			yhat += x[j] * w[j];
		e[i] = yhat - ds->Y[(size_t)i * ds->k + r];
		sum += pow(fabs(e[i]), p);
	}
	return sum / (p * ds->m);
}

struct newton_work {
	double *w, *trial, *e, *g, *s, *H, *Z;
};

/* Minimizes row r's loss from w = 0 into *loss (*at_zero: its loss at
 * w = 0); returns ERR_OK or ERR_RUNTIME. */
static int solve_row(const struct dataset *ds, int r, double p, struct newton_work *nw,
		     double *loss, double *at_zero, int *steps, int *converged)
{
	int m = ds->m, d = ds->d;
	memset(nw->w, 0, (size_t)d * sizeof(double));
	double L = row_loss(ds, r, p, nw->w, nw->e), L0 = L;
	*at_zero = L0;
	*steps = 0;
	*converged = 0;
	while (*steps < LP_FLOOR_MAX_STEPS) {
		/* an exact fit: H -> 0 there and Newton only gains a factor
		 * (p-2)/(p-1) of the residual a step, so stop at a zero loss for
		 * any report's purpose */
		if (L <= LP_FLOOR_EXACT * L0) {
			*converged = 1;
			break;
		}
		/* g, and H = (p-1)/m sum over chunks of Z^T Z with rows
		 * Z_i = sqrt(c_i) x_i, c_i = |e_i|^(p-2) (Z holds one chunk) */
		memset(nw->g, 0, (size_t)d * sizeof(double));
		for (int i0 = 0; i0 < m; i0 += LP_FLOOR_CHUNK) {
			int rows = m - i0 < LP_FLOOR_CHUNK ? m - i0 : LP_FLOOR_CHUNK;
			for (int i = i0; i < i0 + rows; i++) {
				const double *x = ds->X + (size_t)i * d;
				double c = p == 2 ? 1 : pow(fabs(nw->e[i]), p - 2);
				double gc = c * nw->e[i] / m, zc = sqrt(c);
				double *z = nw->Z + (size_t)(i - i0) * d;
				for (int j = 0; j < d; j++) {
					nw->g[j] += gc * x[j];
					z[j] = zc * x[j];
				}
			}
			cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, d, rows, (p - 1) / m,
				    nw->Z, d, i0 ? 1.0 : 0.0, nw->H, d);
		}
		double trace = 0;
		for (int j = 0; j < d; j++)
			trace += nw->H[(size_t)j * d + j];
		for (int j = 0; j < d; j++)
			nw->H[(size_t)j * d + j] += 1e-12 * trace / d + 1e-300;
		memcpy(nw->s, nw->g, (size_t)d * sizeof(double));
		lapack_int info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', d, 1, nw->H, d, nw->s, 1);
		if (info != 0)
			return err_set(ERR_RUNTIME, "l_p floor: LAPACKE_dposv failed (info %d)",
				       (int)info);
		double dec = 0; /* Newton decrement squared: g . H^-1 g */
		for (int j = 0; j < d; j++)
			dec += nw->g[j] * nw->s[j];
		(*steps)++;
		if (!(dec > 1e-20 * L)) {
			*converged = 1;
			break;
		}
		/* backtracking (Armijo, 1/4) on w - t s */
		double t = 1, Lt = L;
		for (; t > 1e-12; t *= 0.5) {
			for (int j = 0; j < d; j++)
				nw->trial[j] = nw->w[j] - t * nw->s[j];
			Lt = row_loss(ds, r, p, nw->trial, nw->e);
			if (Lt <= L - 0.25 * t * dec)
				break;
		}
		if (!(t > 1e-12)) { /* no decrease left at double precision */
			*converged = dec <= 1e-10 * L;
			break;
		}
		memcpy(nw->w, nw->trial, (size_t)d * sizeof(double));
		L = Lt;
	}
	*loss = L;
	return ERR_OK;
}

int lp_floor(const struct dataset *ds, double p, struct lp_floor *out, double *W)
{
	int m = ds->m, d = ds->d;
	memset(out, 0, sizeof(*out));
	if ((double)m * d * d > LP_FLOOR_MAX_WORK) {
		out->skipped = 1;
		return ERR_OK;
	}
	int chunk = m < LP_FLOOR_CHUNK ? m : LP_FLOOR_CHUNK;
	struct newton_work nw = {
		calloc(d, sizeof(double)), calloc(d, sizeof(double)), calloc(m, sizeof(double)),
		calloc(d, sizeof(double)), calloc(d, sizeof(double)),
		calloc((size_t)d * d, sizeof(double)), calloc((size_t)chunk * d, sizeof(double)),
	};
	int rc = nw.w && nw.trial && nw.e && nw.g && nw.s && nw.H && nw.Z
		 ? ERR_OK : err_set(ERR_RUNTIME, "l_p floor: out of memory");
	out->converged = 1;
	for (int r = 0; r < ds->k && !rc; r++) {
		double loss = 0, at_zero = 0;
		int steps = 0, converged = 0;
		rc = solve_row(ds, r, p, &nw, &loss, &at_zero, &steps, &converged);
		out->loss += loss;
		out->at_zero += at_zero;
		if (steps > out->newton_steps)
			out->newton_steps = steps;
		out->converged &= converged;
		if (W && !rc)
			memcpy(W + (size_t)r * d, nw.w, (size_t)d * sizeof(double));
	}
	free(nw.w);
	free(nw.trial);
	free(nw.e);
	free(nw.g);
	free(nw.s);
	free(nw.H);
	free(nw.Z);
	return rc;
}
