/* linnet: weights, initialization, end-to-end product and per-layer
 * gradients of a deep linear network (see linnet.h for the math). For one
 * output (k = 1) every product is a fixed-order kernel (kernels.h), so the
 * bits do not depend on BLAS; k > 1 goes through BLAS. */
#include "overparam/linnet.h"
#include "overparam/detmath.h"
#include "overparam/error.h"
#include "overparam/kernels.h"
#include "overparam/lines.h"
#include "overparam/parallel.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const init_names[] = {"normal", "identity", "balanced", "decoupled"};
const struct name_map linnet_init_names = NAME_MAP("scheme", init_names);

int linnet_create(struct linnet *net, int N, int d, int k, const int *hidden)
{
	memset(net, 0, sizeof(*net));
	net->N = N;
	net->d = d;
	net->k = k;
	net->split_entries = PAR_SPLIT_DOUBLES;
	net->n = malloc((N + 1) * sizeof(int));
	net->offset = malloc((N + 1) * sizeof(size_t));
	net->a_off = malloc((N + 1) * sizeof(size_t));
	if (!net->n || !net->offset || !net->a_off)
		goto oom;
	net->n[0] = d;
	net->n[N] = k;
	for (int j = 1; j < N; j++)
		net->n[j] = hidden[j - 1];
	size_t total = 0, a_total = 0, max_layer = 1;
	int max_n = 0;
	for (int j = 1; j <= N; j++) {
		net->offset[j - 1] = total;
		total += (size_t)net->n[j] * net->n[j - 1];
		if ((size_t)net->n[j] * net->n[j - 1] > max_layer)
			max_layer = (size_t)net->n[j] * net->n[j - 1];
	}
	net->offset[N] = total;
	for (int j = 0; j <= N; j++) {
		net->a_off[j] = a_total;
		a_total += (size_t)k * net->n[j];
		if (net->n[j] > max_n)
			max_n = net->n[j];
	}
	net->n_params = total;
	net->params = lines_calloc(total);
	net->A = lines_calloc(a_total);
	net->B = lines_calloc((size_t)k * max_n);
	net->B2 = lines_calloc((size_t)k * max_n);
	net->sq = calloc(max_layer, sizeof(double)); /* W_{j+1}^T, for the imbalance */
	if (!net->params || !net->A || !net->B || !net->B2 || !net->sq)
		goto oom;
	return ERR_OK;
oom:
	linnet_release(net);
	return err_set(ERR_RUNTIME, "out of memory for a depth-%d network", N);
}

void linnet_release(struct linnet *net)
{
	free(net->n);
	free(net->offset);
	free(net->a_off);
	free(net->params);
	free(net->A);
	free(net->B);
	free(net->B2);
	free(net->sq);
	memset(net, 0, sizeof(*net));
}

double *linnet_layer(const struct linnet *net, int j)
{
	return net->params + net->offset[j - 1];
}

/* Balanced init for one output: M = v (1, d) has the SVD ||v|| * 1 * (v /
 * ||v||)^T, so no LAPACK (whose sign and last bits vary with the kernel):
 * W_1 = e_1 s^(1/N) (v/||v||)^T, W_j = s^(1/N) e_1 e_1^T, W_N = s^(1/N) e_1^T. */
static void init_balanced_single(struct linnet *net, double std, struct rng *g)
{
	int d = net->d, N = net->N;
	double *v = linnet_layer(net, 1); /* row 0 of W_1, overwritten below */
	memset(net->params, 0, net->n_params * sizeof(double));
	for (int b = 0; b < d; b++)
		v[b] = std * rng_normal(g);
	double s = sqrt(kern_dot(v, v, d));
	if (N == 1 || s == 0.0)
		return;
	double root = det_root(s, N);
	for (int b = 0; b < d; b++)
		v[b] = v[b] / s * root;
	for (int j = 2; j <= N; j++)
		linnet_layer(net, j)[0] = root;
}

static int init_balanced(struct linnet *net, double std, struct rng *g)
{
	int k = net->k, d = net->d, N = net->N;
	if (k == 1) {
		init_balanced_single(net, std, g);
		return ERR_OK;
	}
	int r = k < d ? k : d;
	for (int j = 1; j < N; j++)
		if (net->n[j] < r)
			r = net->n[j];
	int rmax = k < d ? k : d;
	double *M = malloc((size_t)k * d * sizeof(double));
	double *U = malloc((size_t)k * rmax * sizeof(double));
	double *Vt = malloc((size_t)rmax * d * sizeof(double));
	double *s = malloc(rmax * sizeof(double));
	double *superb = malloc(rmax * sizeof(double));
	int rc = ERR_OK;
	if (!M || !U || !Vt || !s || !superb) {
		rc = err_set(ERR_RUNTIME, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < (size_t)k * d; i++)
		M[i] = std * rng_normal(g);
	lapack_int info = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'S', 'S', k, d, M, d, s,
					 U, rmax, Vt, d, superb);
	if (info != 0) {
		rc = err_set(ERR_RUNTIME, "LAPACKE_dgesvd failed in balanced init (info %d)",
			     (int)info);
		goto out;
	}
	memset(net->params, 0, net->n_params * sizeof(double));
	for (int q = 0; q < r; q++) {
		double root = pow(s[q], 1.0 / N);
		for (int j = 1; j <= N; j++) {
			double *W = linnet_layer(net, j);
			int rows = net->n[j], cols = net->n[j - 1];
			/* Left factor column q: U[:, q] for the top layer, e_q else;
			 * right factor row q: Vt[q, :] for layer 1, e_q^T else. */
			for (int a = 0; a < rows; a++) {
				double left = j == N ? U[(size_t)a * rmax + q] : (a == q);
				if (left == 0)
					continue;
				for (int b = 0; b < cols; b++) {
					double right = j == 1 ? Vt[(size_t)q * d + b] : (b == q);
					W[(size_t)a * cols + b] += left * root * right;
				}
			}
		}
	}
out:
	free(M);
	free(U);
	free(Vt);
	free(s);
	free(superb);
	return rc;
}

int linnet_init(struct linnet *net, enum linnet_init scheme, double std,
		struct rng *g)
{
	if (scheme == LINNET_INIT_BALANCED)
		return init_balanced(net, std, g);
	for (int j = 1; j <= net->N; j++) {
		double *W = linnet_layer(net, j);
		int rows = net->n[j], cols = net->n[j - 1];
		for (int a = 0; a < rows; a++)
			for (int b = 0; b < cols; b++) {
				double eye = scheme == LINNET_INIT_IDENTITY && a == b;
				W[(size_t)a * cols + b] =
					scheme == LINNET_INIT_DECOUPLED ? 0 : eye + std * rng_normal(g);
			}
	}
	return ERR_OK;
}

void linnet_end_to_end(struct linnet *net, double *We)
{
	int N = net->N, k = net->k;
	/* A_N = I_k, A_{N-1} = W_N, A_{j-1} = A_j (k, n_j) W_j (n_j, n_{j-1}). */
	double *AN = net->A + net->a_off[N];
	memset(AN, 0, (size_t)k * k * sizeof(double));
	for (int r = 0; r < k; r++)
		AN[(size_t)r * k + r] = 1.0;
	memcpy(net->A + net->a_off[N - 1], linnet_layer(net, N),
	       (size_t)k * net->n[N - 1] * sizeof(double));
	for (int j = N - 1; j >= 1; j--) {
		const double *Aj = net->A + net->a_off[j];
		double *Ajm1 = net->A + net->a_off[j - 1];
		int nj = net->n[j], njm1 = net->n[j - 1];
		if (k == 1) { /* A_{j-1} = sum_a A_j[a] (row a of W_j), rows in order */
			memset(Ajm1, 0, (size_t)njm1 * sizeof(double));
			kern_vecmat_acc(Ajm1, Aj, linnet_layer(net, j), nj, njm1);
		} else
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, njm1,
				    nj, 1.0, Aj, nj, linnet_layer(net, j), njm1, 0.0,
				    Ajm1, njm1);
	}
	memcpy(We, net->A + net->a_off[0], (size_t)k * net->d * sizeof(double));
}

struct store_rows {
	const double *params;
	double *grad;
};

/* One output's gradient rows s_r B stored at off (each entry one product,
 * the same bits for any split), after their share of B_{j+1}. */
static void store_rows(void *user, size_t off, const double *s, int rows, const double *B,
		       int n, double *share)
{
	const struct store_rows *sr = user;
	if (share)
		kern_matvec(share, sr->params + off, rows, n, B);
	for (int r = 0; r < rows; r++)
		kern_scale(sr->grad + off + (size_t)r * n, s[r], B, n);
}

void linnet_grad(struct linnet *net, const double *G, double *grad)
{
	int N = net->N, k = net->k;
	if (k == 1) { /* one product per entry, one dot per entry of B: exact order */
		struct store_rows sr = {net->params, grad};
		linnet_grad_rows(net, G, store_rows, &sr);
		return;
	}
	const double *Bj = G; /* B_1 = G (k, d) */
	double *next = net->B, *spare = net->B2;
	for (int j = 1; j <= N; j++) {
		int nj = net->n[j], njm1 = net->n[j - 1];
		const double *Aj = net->A + net->a_off[j];
		double *gj = grad + net->offset[j - 1];
		/* grad_j (n_j, n_{j-1}) = A_j^T (n_j, k) B_j (k, n_{j-1}) */
		if (j == N) { /* A_N = I_k: grad_N = B_N, no product */
			memcpy(gj, Bj, (size_t)k * njm1 * sizeof(double));
			break;
		}
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, nj, njm1, k, 1.0, Aj, nj, Bj,
			    njm1, 0.0, gj, njm1);
		/* B_{j+1} (k, n_j) = B_j (k, n_{j-1}) W_j^T */
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, k, nj, njm1, 1.0, Bj, njm1,
			    linnet_layer(net, j), njm1, 0.0, next, nj);
		Bj = next;
		double *t = next;
		next = spare;
		spare = t;
	}
}

/* Rows of a layer per visit of linnet_grad_rows (and the unit its threads'
 * shares are made of): kern_matvec and kern_outer_sub take rows eight at a
 * time, and a visit that reads a group twice finds it in L1. */
#define ROWS_GROUP 8

struct rows_job {
	struct linnet *net;
	int j;
	const double *Bj;
	double *next; /* B_{j+1}, or NULL for the last layer */
	linnet_row_visit visit;
	void *user;
};

/* Rows [a0, a1) of layer j to visit, a group at a time, with the group's
 * share of B_{j+1} = W_j B_j to fill. */
static void rows_range(const struct rows_job *job, int a0, int a1)
{
	struct linnet *net = job->net;
	int j = job->j, cols = net->n[job->j - 1];
	const double *Aj = net->A + net->a_off[j];
	size_t off = net->offset[j - 1];
	for (int a = a0; a < a1; a += ROWS_GROUP) {
		int nr = a1 - a < ROWS_GROUP ? a1 - a : ROWS_GROUP;
		job->visit(job->user, off + (size_t)a * cols, Aj + a, nr, job->Bj, cols,
			   job->next ? job->next + a : NULL);
	}
}

/* Groups [g0, g1) of the layer's rows (par_runs: a thread streams its
 * share of the layer as one stretch). */
static void groups_range(void *arg, int g0, int g1)
{
	const struct rows_job *job = arg;
	int rows = job->net->n[job->j], a1 = g1 * ROWS_GROUP;
	rows_range(job, g0 * ROWS_GROUP, a1 < rows ? a1 : rows);
}

void linnet_grad_rows(struct linnet *net, const double *G, linnet_row_visit visit, void *user)
{
	int N = net->N;
	const double *Bj = G; /* B_1 = G (1, d) */
	double *next = net->B, *spare = net->B2;
	for (int j = 1; j <= N; j++) {
		int nj = net->n[j], njm1 = net->n[j - 1];
		struct rows_job job = {net, j, Bj, j < N ? next : NULL, visit, user};
		if ((size_t)nj * njm1 >= net->split_entries && par_near(net->pool))
			par_runs(net->pool, (nj + ROWS_GROUP - 1) / ROWS_GROUP, groups_range, &job);
		else
			rows_range(&job, 0, nj);
		Bj = next;
		double *t = next;
		next = spare;
		spare = t;
	}
}

double linnet_imbalance(struct linnet *net)
{
	double worst = 0.0;
	for (int j = 1; j < net->N; j++) {
		int nj = net->n[j], nn = net->n[j + 1], np = net->n[j - 1];
		const double *Wn = linnet_layer(net, j + 1), *Wj = linnet_layer(net, j);
		/* P = W_{j+1}^T W_{j+1} and Q = W_j W_j^T (n_j, n_j), entry by entry
		 * as fixed-order dots of rows: T = W_{j+1}^T (n_j, n_{j+1}) in sq. */
		double *T = net->sq;
		for (int r = 0; r < nn; r++)
			for (int a = 0; a < nj; a++)
				T[(size_t)a * nn + r] = Wn[(size_t)r * nj + a];
		double s = 0.0;
		for (int a = 0; a < nj; a++)
			for (int b = a; b < nj; b++) {
				double t = kern_dot(T + (size_t)a * nn, T + (size_t)b * nn, nn) -
					   kern_dot(Wj + (size_t)a * np, Wj + (size_t)b * np, np);
				s += (b == a ? 1.0 : 2.0) * (t * t);
			}
		if (sqrt(s) > worst)
			worst = sqrt(s);
	}
	return worst;
}
