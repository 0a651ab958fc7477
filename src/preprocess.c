/* preprocess: standardization and PCA whitening (see preprocess.h). Sums
 * are accumulated in double over rows in a fixed order. */
#include "overparam/preprocess.h"
#include "overparam/error.h"
#include "overparam/lines.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const mode_names[] = {"none", "features", "standardize", "whiten"};
const struct name_map preprocess_mode_names = NAME_MAP("mode", mode_names);

int preprocess_mode_parse(const char *name, enum preprocess_mode *out)
{
	int v = name_map_find(&preprocess_mode_names, name);
	if (v < 0)
		return -1;
	*out = (enum preprocess_mode)v;
	return 0;
}

const char *preprocess_mode_name(enum preprocess_mode mode)
{
	return name_map_name(&preprocess_mode_names, mode);
}

void preprocess_info_release(struct preprocess_info *info)
{
	free(info->x_mean);
	free(info->x_std);
	free(info->y_mean);
	free(info->y_std);
	memset(info, 0, sizeof(*info));
}

/* Column means and population standard deviations of A (m, n) row-major. */
static void column_stats(const double *A, int m, int n, double *mean, double *sd)
{
	for (int j = 0; j < n; j++)
		mean[j] = sd[j] = 0;
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++)
			mean[j] += A[(size_t)i * n + j];
	for (int j = 0; j < n; j++)
		mean[j] /= m;
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			double c = A[(size_t)i * n + j] - mean[j];
			sd[j] += c * c;
		}
	for (int j = 0; j < n; j++)
		sd[j] = sqrt(sd[j] / m);
}

/* Centres each column and divides by its sd (sd 0: centring only). Returns
 * the number of constant columns. */
static int standardize_columns(double *A, int m, int n, const double *mean,
			       const double *sd)
{
	int constant = 0;
	for (int j = 0; j < n; j++)
		constant += sd[j] == 0;
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			double *a = &A[(size_t)i * n + j];
			*a -= mean[j];
			if (sd[j] > 0)
				*a /= sd[j];
		}
	return constant;
}

/* PCA whitening of X (m, d), already centred: X <- X Q diag(lambda^-1/2)
 * with C = X^T X / m = Q diag(lambda) Q^T. */
static int whiten_features(struct dataset *ds, struct preprocess_info *info)
{
	int m = ds->m, d = ds->d;
	double *C = malloc((size_t)d * d * sizeof(double));
	double *lambda = malloc(d * sizeof(double));
	double *Xw = lines_alloc((size_t)m * d);
	int rc = ERR_OK;
	if (!C || !lambda || !Xw) {
		rc = err_set(ERR_RUNTIME, "out of memory");
		goto out;
	}
	/* C (d, d) = X^T X / m */
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, d, m, 1.0 / m, ds->X,
		    d, 0.0, C, d);
	lapack_int info_ev = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', d, C, d, lambda);
	if (info_ev != 0) {
		rc = err_set(ERR_RUNTIME, "LAPACKE_dsyevd failed in whitening (info %d)",
			     (int)info_ev);
		goto out;
	}
	/* Columns of C are eigenvectors, eigenvalues ascending. */
	double top = lambda[d - 1];
	for (int j = 0; j < d; j++) {
		double s = 0;
		if (lambda[j] > 1e-12 * top)
			s = 1.0 / sqrt(lambda[j]);
		else
			info->n_dropped++;
		for (int i = 0; i < d; i++)
			C[(size_t)i * d + j] *= s;
	}
	/* Xw (m, d) = X (m, d) * C (d, d) */
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, d, d, 1.0, ds->X,
		    d, C, d, 0.0, Xw, d);
	free(ds->X);
	ds->X = Xw;
	Xw = NULL;
out:
	free(C);
	free(lambda);
	free(Xw);
	return rc;
}

int preprocess_apply(struct dataset *ds, enum preprocess_mode mode,
		     struct preprocess_info *info)
{
	memset(info, 0, sizeof(*info));
	info->mode = mode;
	info->d = ds->d;
	info->k = ds->k;
	info->y_scale = 1.0;
	if (mode == PREPROCESS_NONE)
		return ERR_OK;
	int m = ds->m, d = ds->d, k = ds->k;
	info->x_mean = malloc(d * sizeof(double));
	info->x_std = malloc(d * sizeof(double));
	info->y_mean = malloc(k * sizeof(double));
	info->y_std = malloc(k * sizeof(double));
	if (!info->x_mean || !info->x_std || !info->y_mean || !info->y_std) {
		preprocess_info_release(info);
		return err_set(ERR_RUNTIME, "out of memory");
	}
	column_stats(ds->X, m, d, info->x_mean, info->x_std);
	column_stats(ds->Y, m, k, info->y_mean, info->y_std);
	if (mode == PREPROCESS_WHITEN) {
		double *zero_sd = calloc(d, sizeof(double));
		if (!zero_sd) {
			preprocess_info_release(info);
			return err_set(ERR_RUNTIME, "out of memory");
		}
		info->n_constant = standardize_columns(ds->X, m, d, info->x_mean, zero_sd);
		free(zero_sd);
		int rc = whiten_features(ds, info);
		if (rc) {
			preprocess_info_release(info);
			return rc;
		}
		/* Centre labels, then scale so ||(1/m) sum y_i x_i^T||_F = 1. */
		double *zero_k = calloc(k, sizeof(double));
		double *cross = calloc((size_t)k * d, sizeof(double));
		if (!zero_k || !cross) {
			free(zero_k);
			free(cross);
			preprocess_info_release(info);
			return err_set(ERR_RUNTIME, "out of memory");
		}
		standardize_columns(ds->Y, m, k, info->y_mean, zero_k);
		/* cross (k, d) = Y^T X / m */
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, d, m, 1.0 / m,
			    ds->Y, k, ds->X, d, 0.0, cross, d);
		double norm = cblas_dnrm2(k * d, cross, 1);
		free(zero_k);
		free(cross);
		if (norm > 0) {
			info->y_scale = 1.0 / norm;
			cblas_dscal(m * k, info->y_scale, ds->Y, 1);
		}
		return ERR_OK;
	}
	info->n_constant = standardize_columns(ds->X, m, d, info->x_mean, info->x_std);
	if (mode == PREPROCESS_STANDARDIZE) {
		standardize_columns(ds->Y, m, k, info->y_mean, info->y_std);
	} else {
		free(info->y_mean);
		free(info->y_std);
		info->y_mean = info->y_std = NULL;
	}
	return ERR_OK;
}
