/* loss: l_p and softmax cross-entropy values and end-to-end gradients.
 * One output (k = 1), l_p: per chunk of rows one fused pass of the
 * fixed-order kernels (kernels.h): predictions, loss terms and the chunk's
 * share of G while the rows are in cache; chunk sums reduced in chunk
 * order, so the bits depend on neither the thread count, the batch nor the
 * CPU. k > 1 (and softmax): predictions R = X_c W^T through BLAS, R turned
 * into dl/dyhat / m in place, G_c = R^T X_c; reproducible on one machine,
 * not across BLAS kernels. The l2 Gram form skips the data, with A, B and
 * each step's products in the fixed-order kernels too. */
#include "overparam/loss.h"
#include "overparam/error.h"
#include "overparam/kernels.h"
#include "overparam/lines.h"
#include "overparam/parallel.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void loss_init(struct loss *loss, enum loss_kind kind, double p, enum loss_form form)
{
	memset(loss, 0, sizeof(*loss));
	loss->kind = kind;
	loss->p = p;
	loss->form = form;
	if (kind == LOSS_MSE) /* the l2 pass's rule, doubled (matrix sensing) */
		loss->p = 2.0;
}

int loss_prepare(struct loss *loss, const struct dataset *ds, struct par_pool *pool)
{
	loss->gram = loss->xty = loss->part_G = loss->part_L = loss->batch_work = NULL;
	loss->yty = 0;
	loss->pool = pool;
	lp_rule_init(&loss->lp, loss->p); /* from p, however the struct was filled */
	if (loss->form == LOSS_FORM_GRAM && loss->p != 2.0)
		return err_set(ERR_INPUT, "the Gram form needs p = 2, got p = %g", loss->p);
	if ((loss->kind == LOSS_MSE) != (ds->matrix != NULL))
		return err_set(ERR_INPUT, ds->matrix ? "a matrix problem's loss is \"mse\""
						     : "loss \"mse\" is for matrix problems (data.source matrix_completion or matrix_sensing)");
	if (ds->matrix && loss->form == LOSS_FORM_GRAM)
		return err_set(ERR_INPUT, "a matrix problem has no Gram form");
	int m = ds->m, d = ds->d, k = ds->k;
	loss->n_chunks = (m + LOSS_CHUNK_ROWS - 1) / LOSS_CHUNK_ROWS;
	loss->part_G = lines_alloc((size_t)loss->n_chunks * k * d);
	loss->part_L = malloc(loss->n_chunks * sizeof(double));
	if (!loss->part_G || !loss->part_L) {
		loss_release(loss);
		return err_set(ERR_RUNTIME, "out of memory");
	}
	if (loss->form == LOSS_FORM_DATA || loss->kind != LOSS_LP || loss->p != 2.0)
		return ERR_OK; /* mse (matrix problems): passes over the observations */
	loss->gram = lines_alloc((size_t)d * d);
	loss->xty = lines_alloc((size_t)k * d);
	if (!loss->gram || !loss->xty) {
		loss_release(loss);
		return err_set(ERR_RUNTIME, "out of memory for the Gram matrix");
	}
	/* A (d, d) = X^T X / m and B (k, d) = Y^T X / m, each entry summed over
	 * the rows in order (kern_vecmat_acc); A is exactly symmetric since
	 * fma(a, b, c) = fma(b, a, c). */
	double *col = malloc((size_t)m * sizeof(double));
	if (!col) {
		loss_release(loss);
		return err_set(ERR_RUNTIME, "out of memory for the Gram matrix");
	}
	memset(loss->gram, 0, (size_t)d * d * sizeof(double));
	memset(loss->xty, 0, (size_t)k * d * sizeof(double));
	for (int a = 0; a < d + k; a++) {
		const double *src = a < d ? ds->X + a : ds->Y + (a - d);
		int stride = a < d ? d : k;
		for (int i = 0; i < m; i++)
			col[i] = src[(size_t)i * stride];
		double *row = a < d ? loss->gram + (size_t)a * d : loss->xty + (size_t)(a - d) * d;
		kern_vecmat_acc(row, col, ds->X, m, d);
	}
	free(col);
	for (size_t i = 0; i < (size_t)(d + k) * d; i++) {
		double *v = i < (size_t)d * d ? &loss->gram[i] : &loss->xty[i - (size_t)d * d];
		*v /= m;
	}
	double c = 0;
	for (size_t i = 0; i < (size_t)m * k; i++)
		c += ds->Y[i] * ds->Y[i];
	loss->yty = c / m;
	return ERR_OK;
}

static const char *const kind_names[] = {"lp", "softmax_ce", "mse"};
static const char *const form_names[] = {"auto", "data", "gram"};
const struct name_map loss_kind_names = NAME_MAP("loss", kind_names);
const struct name_map loss_form_names = NAME_MAP("form", form_names);

const char *loss_form_used(const struct loss *loss)
{
	return name_map_name(&loss_form_names, loss->gram ? LOSS_FORM_GRAM : LOSS_FORM_DATA);
}

void loss_release(struct loss *loss)
{
	free(loss->gram);
	free(loss->xty);
	free(loss->part_G);
	free(loss->part_L);
	free(loss->batch_work);
	loss->gram = loss->xty = loss->part_G = loss->part_L = loss->batch_work = NULL;
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

/* Rows of chunk c: [c B, min(m, (c+1) B)). */
static int chunk_rows(const struct dataset *ds, int c)
{
	int r0 = c * LOSS_CHUNK_ROWS;
	return ds->m - r0 < LOSS_CHUNK_ROWS ? ds->m - r0 : LOSS_CHUNK_ROWS;
}

/* Chunk c: writes part_L[c] (the sum of the rows' loss terms) and part_G[c]
 * = sum over the rows of dl/dyhat_i x_i^T / m. */
static void chunk_task(void *arg, int c)
{
	const struct chunk_job *job = arg;
	const struct loss *loss = job->loss;
	const struct dataset *ds = job->ds;
	int d = ds->d, k = ds->k, r0 = c * LOSS_CHUNK_ROWS, rows = chunk_rows(ds, c);
	const double *X = ds->X + (size_t)r0 * d, *Y = ds->Y + (size_t)r0 * k;
	double *Gc = loss->part_G + (size_t)c * k * d, inv_m = 1.0 / ds->m;
	if (k == 1 && loss->kind != LOSS_SOFTMAX_CE) { /* l_p, or mse's l2 pass */
		loss->part_L[c] = kern_lp_chunk(&loss->lp, rows, d, X, Y, job->W, inv_m,
						job->want_grad ? Gc : NULL);
		return;
	}
	/* k > 1: R (rows, k) = X_c W^T through BLAS */
	double *R = job->R + (size_t)r0 * k, sum = 0.0;
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
			sum += lp_rule_term(&loss->lp, R[i] - Y[i], &dr);
			R[i] = dr * inv_m;
		}
	}
	loss->part_L[c] = sum;
	if (job->want_grad) /* part_G[c] (k, d) = R^T X_c */
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, d, rows, 1.0, R, k, X,
			    d, 0.0, Gc, d);
}

/* Chunks [c0, c1) of a pass in order, on one thread. */
struct chunks_job {
	par_task_fn fn;
	void *arg;
};

static void chunks_range(void *arg, int c0, int c1)
{
	const struct chunks_job *job = arg;
	for (int c = c0; c < c1; c++)
		job->fn(job->arg, c);
}

/* Every chunk through fn, one run of consecutive chunks per thread
 * (par_runs: 19 us against 15 for the depth-1 pass on two threads when
 * chunks were dealt out one at a time). Each chunk's result does not
 * depend on the split. */
static void for_chunks(const struct loss *loss, par_task_fn fn, void *arg)
{
	struct chunks_job job = {fn, arg};
	par_runs(loss->pool, loss->n_chunks, chunks_range, &job);
}

/* 1/2 w.Aw - w.b + c/2 for n = k d entries of W and G = W A - B:
 * 1/2 w.(G + b) - w.b = 1/2 (w.G - w.b). */
static double gram_value(const struct loss *loss, int n, const double *W,
			 const double *G)
{
	double wg = kern_dot(W, G, n);
	double wb = kern_dot(W, loss->xty, n);
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
	for (int c = 1; c < loss->n_chunks; c++) {
		const double *part = loss->part_G + c * n;
		for (size_t i = 0; i < n; i++)
			G[i] += part[i];
	}
}

struct batch_job {
	const struct loss *loss;
	const struct dataset *ds;
	const double *Wb; /* (n, d) */
	int n;
};

/* Chunk c of a batch: part_L[c] (n) and part_G[c] (n, d), each model's
 * bits those of chunk_task for it alone. */
static void chunk_batch_task(void *arg, int c)
{
	const struct batch_job *job = arg;
	const struct loss *loss = job->loss;
	const struct dataset *ds = job->ds;
	int d = ds->d, n = job->n, r0 = c * LOSS_CHUNK_ROWS;
	kern_lp_chunk_batch(&loss->lp, chunk_rows(ds, c), d, ds->X + (size_t)r0 * d,
			    ds->Y + r0, n, job->Wb, 1.0 / ds->m,
			    loss->part_L + (size_t)c * n, loss->part_G + (size_t)c * n * d,
			    loss->batch_work + (size_t)c * kern_batch_work(n));
}

int loss_reserve_batch(struct loss *loss, const struct dataset *ds, int n)
{
	size_t per = (size_t)(n > ds->k ? n : ds->k) * ds->d;
	/* part_G and batch_work are written whole by every pass: not copied */
	double *g = lines_alloc(loss->n_chunks * per);
	if (g) {
		free(loss->part_G);
		loss->part_G = g;
	}
	double *l = realloc(loss->part_L, (size_t)loss->n_chunks * (n > 1 ? n : 1) * sizeof(double));
	if (l)
		loss->part_L = l;
	double *w = lines_alloc((size_t)loss->n_chunks * kern_batch_work(n));
	if (w) {
		free(loss->batch_work);
		loss->batch_work = w;
	}
	return g && l && w ? ERR_OK : err_set(ERR_RUNTIME, "out of memory");
}

/* l2 through the Gram form (see loss.h): G (k, d) = W A - B, row by row. */
static double gram_eval(const struct loss *loss, int d, int k, const double *W,
			double *G)
{
	for (int r = 0; r < k; r++) {
		double *g = G + (size_t)r * d;
		const double *b = loss->xty + (size_t)r * d;
		kern_matvec(g, loss->gram, d, d, W + (size_t)r * d); /* A symmetric */
		for (int j = 0; j < d; j++)
			g[j] -= b[j];
	}
	return gram_value(loss, k * d, W, G);
}

void loss_eval_batch(const struct loss *loss, const struct dataset *ds, int n,
		     const double *Wb, double *Lb, double *Gb, double *scratch)
{
	int d = ds->d;
	if (loss->gram) {
		for (int j = 0; j < n; j++) {
			const double *w = Wb + (size_t)j * d;
			Lb[j] = gram_eval(loss, d, 1, w, Gb + (size_t)j * d);
			if (!gram_value_usable(loss, Lb[j]))
				Lb[j] = loss_eval(loss, ds, w, NULL, scratch);
		}
		return;
	}
	struct batch_job job = {loss, ds, Wb, n};
	for_chunks(loss, chunk_batch_task, &job);
	reduce_parts(loss, (size_t)n * d, Gb);
	for (int j = 0; j < n; j++) {
		double sum = 0.0;
		for (int c = 0; c < loss->n_chunks; c++)
			sum += loss->part_L[(size_t)c * n + j];
		Lb[j] = sum / ds->m;
	}
}

/* Completion's mse: the observed entries in ascending order; G (n, n) is
 * 2 (W[e] - y) / m at an observed entry e, zero elsewhere. */
static double completion_eval(const struct dataset_matrix *mp, const double *W, double *G)
{
	double sum = 0, two_m = 2.0 / mp->m;
	if (G)
		memset(G, 0, (size_t)mp->rows * mp->cols * sizeof(double));
	for (int i = 0; i < mp->m; i++) {
		double r = W[mp->entry[i]] - mp->y[i];
		sum += r * r;
		if (G)
			G[mp->entry[i]] = two_m * r;
	}
	return sum / mp->m;
}

/* Sensing's mse: the one-output l2 data pass over rows vec(A_i) and
 * labels y_i with W as the (1, n^2) row vec(W), which gives
 * (1/m) sum r_i^2 / 2 and (1/m) sum r_i vec(A_i); both doubled (exact). */
static double sensing_eval(const struct loss *loss, const struct dataset_matrix *mp,
			   const double *W, double *G)
{
	size_t nn = (size_t)mp->rows * mp->cols;
	struct dataset obs = {.m = mp->m, .d = (int)nn, .k = 1, .X = mp->A, .Y = mp->y};
	struct chunk_job job = {loss, &obs, W, NULL, G != NULL};
	for_chunks(loss, chunk_task, &job);
	double sum = 0.0;
	for (int c = 0; c < loss->n_chunks; c++)
		sum += loss->part_L[c];
	if (G) {
		reduce_parts(loss, nn, G);
		for (size_t i = 0; i < nn; i++)
			G[i] *= 2.0;
	}
	return 2.0 * (sum / mp->m);
}

double loss_eval(const struct loss *loss, const struct dataset *ds,
		 const double *W, double *G, double *scratch)
{
	if (ds->matrix)
		return ds->matrix->task == MATRIX_COMPLETION ? completion_eval(ds->matrix, W, G)
							     : sensing_eval(loss, ds->matrix, W, G);
	int d = ds->d, k = ds->k;
	if (loss->gram && G) {
		double L = gram_eval(loss, d, k, W, G);
		if (gram_value_usable(loss, L))
			return L;
		G = NULL; /* near a fit: the value from the data, G from the Gram form */
	}
	struct chunk_job job = {loss, ds, W, scratch, G != NULL};
	for_chunks(loss, chunk_task, &job);
	/* Reduce the chunks' slots in chunk order. */
	double sum = 0.0;
	for (int c = 0; c < loss->n_chunks; c++)
		sum += loss->part_L[c];
	if (G)
		reduce_parts(loss, (size_t)k * d, G);
	return sum / ds->m;
}
