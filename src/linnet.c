/* linnet: weights, initialization, end-to-end product and per-layer
 * gradients of a deep linear network (see linnet.h for the math). */
#include "overparam/linnet.h"
#include "overparam/error.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int linnet_create(struct linnet *net, int N, int d, int k, const int *hidden)
{
	memset(net, 0, sizeof(*net));
	net->N = N;
	net->d = d;
	net->k = k;
	net->n = malloc((N + 1) * sizeof(int));
	net->offset = malloc((N + 1) * sizeof(size_t));
	net->a_off = malloc((N + 1) * sizeof(size_t));
	if (!net->n || !net->offset || !net->a_off)
		goto oom;
	net->n[0] = d;
	net->n[N] = k;
	for (int j = 1; j < N; j++)
		net->n[j] = hidden[j - 1];
	size_t total = 0, a_total = 0;
	int max_n = 0;
	for (int j = 1; j <= N; j++) {
		net->offset[j - 1] = total;
		total += (size_t)net->n[j] * net->n[j - 1];
	}
	net->offset[N] = total;
	for (int j = 0; j <= N; j++) {
		net->a_off[j] = a_total;
		a_total += (size_t)k * net->n[j];
		if (net->n[j] > max_n)
			max_n = net->n[j];
	}
	net->n_params = total;
	net->params = calloc(total, sizeof(double));
	net->A = calloc(a_total, sizeof(double));
	net->B = calloc((size_t)k * max_n, sizeof(double));
	net->B2 = calloc((size_t)k * max_n, sizeof(double));
	net->sq = calloc((size_t)max_n * max_n * 2, sizeof(double));
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

static int init_balanced(struct linnet *net, double std, struct rng *g)
{
	int k = net->k, d = net->d, N = net->N;
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
				W[(size_t)a * cols + b] = eye + std * rng_normal(g);
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
		if (k == 1)
			cblas_dgemv(CblasRowMajor, CblasTrans, nj, njm1, 1.0,
				    linnet_layer(net, j), njm1, Aj, 1, 0.0, Ajm1, 1);
		else
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, njm1,
				    nj, 1.0, Aj, nj, linnet_layer(net, j), njm1, 0.0,
				    Ajm1, njm1);
	}
	memcpy(We, net->A + net->a_off[0], (size_t)k * net->d * sizeof(double));
}

void linnet_grad(struct linnet *net, const double *G, double *grad)
{
	int N = net->N, k = net->k;
	const double *Bj = G; /* B_1 = G (k, d) */
	double *next = net->B, *spare = net->B2;
	for (int j = 1; j <= N; j++) {
		int nj = net->n[j], njm1 = net->n[j - 1];
		const double *Aj = net->A + net->a_off[j];
		double *gj = grad + net->offset[j - 1];
		/* grad_j (n_j, n_{j-1}) = A_j^T (n_j, k) B_j (k, n_{j-1}) */
		if (k == 1) {
			memset(gj, 0, (size_t)nj * njm1 * sizeof(double));
			cblas_dger(CblasRowMajor, nj, njm1, 1.0, Aj, 1, Bj, 1, gj, njm1);
		} else {
			cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, nj, njm1, k,
				    1.0, Aj, nj, Bj, njm1, 0.0, gj, njm1);
		}
		if (j == N)
			break;
		/* B_{j+1} (k, n_j) = B_j (k, n_{j-1}) W_j^T */
		if (k == 1)
			cblas_dgemv(CblasRowMajor, CblasNoTrans, nj, njm1, 1.0,
				    linnet_layer(net, j), njm1, Bj, 1, 0.0, next, 1);
		else
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, k, nj, njm1,
				    1.0, Bj, njm1, linnet_layer(net, j), njm1, 0.0, next, nj);
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
		int nj = net->n[j];
		double *P = net->sq, *Q = net->sq + (size_t)nj * nj;
		/* P = W_{j+1}^T W_{j+1}, Q = W_j W_j^T, both (n_j, n_j) */
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, nj, nj,
			    net->n[j + 1], 1.0, linnet_layer(net, j + 1), nj,
			    linnet_layer(net, j + 1), nj, 0.0, P, nj);
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nj, nj,
			    net->n[j - 1], 1.0, linnet_layer(net, j), net->n[j - 1],
			    linnet_layer(net, j), net->n[j - 1], 0.0, Q, nj);
		double s = 0.0;
		for (size_t i = 0; i < (size_t)nj * nj; i++) {
			double t = P[i] - Q[i];
			s += t * t;
		}
		if (sqrt(s) > worst)
			worst = sqrt(s);
	}
	return worst;
}
