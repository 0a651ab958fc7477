/* loss: l_p and softmax cross-entropy values and end-to-end gradients.
 * Per chunk of rows: predictions R = X_c W^T, R turned into dl/dyhat / m in
 * place, then G_c = R^T X_c while X_c is in cache; the chunks' sums are
 * reduced in order. The l2 Gram form skips the data. */
#include "overparam/loss.h"
#include "overparam/error.h"
#include "overparam/parallel.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

void loss_init(struct loss *loss, enum loss_kind kind, double p, enum loss_form form)
{
	memset(loss, 0, sizeof(*loss));
	loss->kind = kind;
	loss->p = p;
	loss->form = form;
}

int loss_prepare(struct loss *loss, const struct dataset *ds, struct par_pool *pool)
{
	loss->gram = loss->xty = loss->part_G = loss->part_L = NULL;
	loss->yty = 0;
	loss->pool = pool;
	if (loss->form == LOSS_FORM_GRAM && loss->p != 2.0)
		return err_set(ERR_INPUT, "the Gram form needs p = 2, got p = %g", loss->p);
	int m = ds->m, d = ds->d, k = ds->k;
	loss->n_chunks = (m + LOSS_CHUNK_ROWS - 1) / LOSS_CHUNK_ROWS;
	loss->part_G = malloc((size_t)loss->n_chunks * k * d * sizeof(double));
	loss->part_L = malloc(loss->n_chunks * sizeof(double));
	if (!loss->part_G || !loss->part_L) {
		loss_release(loss);
		return err_set(ERR_RUNTIME, "out of memory");
	}
	if (loss->form == LOSS_FORM_DATA || loss->kind != LOSS_LP || loss->p != 2.0)
		return ERR_OK;
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
	free(loss->part_G);
	free(loss->part_L);
	loss->gram = loss->xty = loss->part_G = loss->part_L = NULL;
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

struct chunk_job {
	const struct loss *loss;
	const struct dataset *ds;
	const double *W;
	double *R; /* (m, k) scratch */
	int want_grad;
};

/* Chunk c: rows [c B, min(m, (c+1) B)). Writes part_L[c] (the sum of the
 * rows' loss terms) and part_G[c] = sum over the rows of dl/dyhat_i x_i^T / m. */
static void chunk_task(void *arg, int c)
{
	const struct chunk_job *job = arg;
	const struct loss *loss = job->loss;
	const struct dataset *ds = job->ds;
	int d = ds->d, k = ds->k, r0 = c * LOSS_CHUNK_ROWS;
	int rows = ds->m - r0 < LOSS_CHUNK_ROWS ? ds->m - r0 : LOSS_CHUNK_ROWS;
	const double *X = ds->X + (size_t)r0 * d, *Y = ds->Y + (size_t)r0 * k;
	double *R = job->R + (size_t)r0 * k, inv_m = 1.0 / ds->m, sum = 0.0;
	/* R (rows, k) = X_c W^T */
	if (k == 1)
		cblas_dgemv(CblasRowMajor, CblasNoTrans, rows, d, 1.0, X, d, job->W, 1, 0.0,
			    R, 1);
	else
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, k, d, 1.0, X, d,
			    job->W, d, 0.0, R, k);
	size_t n = (size_t)rows * k;
	if (loss->kind == LOSS_SOFTMAX_CE) {
		for (int i = 0; i < rows; i++)
			sum += softmax_ce_row(R + (size_t)i * k, Y + (size_t)i * k, k);
		for (size_t i = 0; i < n; i++)
			R[i] *= inv_m;
	} else {
		for (size_t i = 0; i < n; i++) {
			double dr;
			sum += lp_term(R[i] - Y[i], loss->p, &dr);
			R[i] = dr * inv_m;
		}
	}
	loss->part_L[c] = sum;
	if (!job->want_grad)
		return;
	/* part_G[c] (k, d) = R^T X_c */
	double *Gc = loss->part_G + (size_t)c * k * d;
	if (k == 1)
		cblas_dgemv(CblasRowMajor, CblasTrans, rows, d, 1.0, X, d, R, 1, 0.0, Gc, 1);
	else
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, d, rows, 1.0, R, k, X,
			    d, 0.0, Gc, d);
}

/* 1/2 w.Aw - w.b + c/2 for n = k d entries of W and G = W A - B:
 * 1/2 w.(G + b) - w.b = 1/2 (w.G - w.b). */
static double gram_value(const struct loss *loss, int n, const double *W,
			 const double *G)
{
	double wg = cblas_ddot(n, W, 1, G, 1);
	double wb = cblas_ddot(n, W, 1, loss->xty, 1);
	return 0.5 * (wg - wb) + 0.5 * loss->yty;
}

/* Near an exact fit the Gram form's cancellation (relative error ~ eps c / L)
 * swamps L: "auto" then takes the data passes for the value. */
static int gram_value_usable(const struct loss *loss, double L)
{
	return loss->form == LOSS_FORM_GRAM || L > 1e-6 * loss->yty;
}

/* G (n) = sum of the chunks' part_G slots, in chunk order. */
static void reduce_parts(const struct loss *loss, size_t n, double *G)
{
	memcpy(G, loss->part_G, n * sizeof(double));
	for (int c = 1; c < loss->n_chunks; c++)
		cblas_daxpy((int)n, 1.0, loss->part_G + c * n, 1, G, 1);
}

struct batch_job {
	const struct loss *loss;
	const struct dataset *ds;
	const double *Wb; /* (n, d) */
	double *R;        /* (m, n) scratch */
	int n;
};

/* Chunk c of a batch: R_c (rows, n) = X_c Wb^T, per-model loss sums into
 * part_L[c][j], dl/dyhat / m in place, part_G[c] (n, d) = R_c^T X_c. */
static void chunk_batch_task(void *arg, int c)
{
	const struct batch_job *job = arg;
	const struct loss *loss = job->loss;
	const struct dataset *ds = job->ds;
	int d = ds->d, n = job->n, r0 = c * LOSS_CHUNK_ROWS;
	int rows = ds->m - r0 < LOSS_CHUNK_ROWS ? ds->m - r0 : LOSS_CHUNK_ROWS;
	const double *X = ds->X + (size_t)r0 * d, *Y = ds->Y + r0;
	double *R = job->R + (size_t)r0 * n, inv_m = 1.0 / ds->m;
	double *Lc = loss->part_L + (size_t)c * n;
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, n, d, 1.0, X, d, job->Wb,
		    d, 0.0, R, n);
	for (int j = 0; j < n; j++)
		Lc[j] = 0.0;
	for (int i = 0; i < rows; i++)
		for (int j = 0; j < n; j++) {
			double dr, *x = &R[(size_t)i * n + j];
			Lc[j] += lp_term(*x - Y[i], loss->p, &dr);
			*x = dr * inv_m;
		}
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, d, rows, 1.0, R, n, X, d,
		    0.0, loss->part_G + (size_t)c * n * d, d);
}

int loss_reserve_batch(struct loss *loss, const struct dataset *ds, int n)
{
	size_t per = (size_t)(n > ds->k ? n : ds->k) * ds->d;
	double *g = realloc(loss->part_G, loss->n_chunks * per * sizeof(double));
	if (g)
		loss->part_G = g;
	double *l = realloc(loss->part_L, (size_t)loss->n_chunks * (n > 1 ? n : 1) * sizeof(double));
	if (l)
		loss->part_L = l;
	return g && l ? ERR_OK : err_set(ERR_RUNTIME, "out of memory");
}

void loss_eval_batch(const struct loss *loss, const struct dataset *ds, int n,
		     const double *Wb, double *Lb, double *Gb, double *scratch)
{
	int d = ds->d;
	if (loss->gram) {
		/* Gb (n, d) = Wb A - B, then per model as in gram_eval. */
		for (int j = 0; j < n; j++)
			memcpy(Gb + (size_t)j * d, loss->xty, d * sizeof(double));
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, d, d, 1.0, Wb, d,
			    loss->gram, d, -1.0, Gb, d);
		for (int j = 0; j < n; j++) {
			const double *w = Wb + (size_t)j * d;
			Lb[j] = gram_value(loss, d, w, Gb + (size_t)j * d);
			if (!gram_value_usable(loss, Lb[j]))
				Lb[j] = loss_eval(loss, ds, w, NULL, scratch);
		}
		return;
	}
	struct batch_job job = {loss, ds, Wb, scratch, n};
	par_for(loss->pool, loss->n_chunks, chunk_batch_task, &job);
	reduce_parts(loss, (size_t)n * d, Gb);
	for (int j = 0; j < n; j++) {
		double sum = 0.0;
		for (int c = 0; c < loss->n_chunks; c++)
			sum += loss->part_L[(size_t)c * n + j];
		Lb[j] = sum / ds->m;
	}
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
	return gram_value(loss, k * d, W, G);
}

double loss_eval(const struct loss *loss, const struct dataset *ds,
		 const double *W, double *G, double *scratch)
{
	int d = ds->d, k = ds->k;
	if (loss->gram && G) {
		double L = gram_eval(loss, d, k, W, G);
		if (gram_value_usable(loss, L))
			return L;
	}
	struct chunk_job job = {loss, ds, W, scratch, G != NULL};
	par_for(loss->pool, loss->n_chunks, chunk_task, &job);
	/* Reduce the chunks' slots in chunk order. */
	double sum = 0.0;
	for (int c = 0; c < loss->n_chunks; c++)
		sum += loss->part_L[c];
	if (G)
		reduce_parts(loss, (size_t)k * d, G);
	return sum / ds->m;
}
