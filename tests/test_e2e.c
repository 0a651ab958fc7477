/* The end-to-end update (Eqs. 10 and 12) checked three ways:
 *  1. Eq. 12 (closed form, k = 1) equals Eq. 10 through the SVD to rounding.
 *  2. Eq. 10 through the SVD equals the sum of matrix fractional powers
 *     sum_j [W W^T]^((j-1)/N) G [W^T W]^((N-j)/N), with the powers built
 *     independently from symmetric eigendecompositions (LAPACKE_dsyev).
 *  3. Trained by GD at a small learning rate from a balanced init, a deep
 *     network's W_e and its e2e emulation stay together. Both are Euler
 *     discretizations of the same flow (Theorem 1), so their gap is O(lr):
 *     we check the gap is below 5e-3 relative (measured 2.4e-3 at most) at lr = 1e-3 and that halving
 *     lr (doubling steps, same time) roughly halves it (ratio in 1.6..2.4). */
#include "check.h"
#include "overparam/config.h"
#include "overparam/dataset.h"
#include "overparam/e2e.h"
#include "overparam/error.h"
#include "overparam/linnet.h"
#include "overparam/loss.h"
#include "overparam/model.h"
#include "overparam/optim.h"
#include "overparam/rng.h"

#include <cblas.h>
#include <lapacke.h>

/* P (n, n) = S^a for symmetric PSD S (n, n), eigenvalues below 1e-12 of the
 * largest taken as 0, and 0^0 = 1. */
static void sym_power(const double *S, int n, double a, double *P)
{
	double *Q = malloc(n * n * sizeof(double)), *lam = malloc(n * sizeof(double));
	memcpy(Q, S, n * n * sizeof(double));
	int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', n, Q, n, lam);
	check_true("dsyev info == 0", info == 0);
	double top = fabs(lam[n - 1]);
	memset(P, 0, n * n * sizeof(double));
	for (int e = 0; e < n; e++) {
		double l = lam[e] > 1e-12 * top ? lam[e] : 0.0;
		double f = a == 0 ? 1.0 : pow(l, a);
		for (int r = 0; r < n; r++)
			for (int c = 0; c < n; c++)
				P[r * n + c] += f * Q[r * n + e] * Q[c * n + e];
	}
	free(Q);
	free(lam);
}

static void reference_eq10(const double *W, const double *G, int k, int d, int N,
			   double *out)
{
	double *WWt = malloc(k * k * sizeof(double)), *WtW = malloc(d * d * sizeof(double));
	double *L = malloc(k * k * sizeof(double)), *R = malloc(d * d * sizeof(double));
	double *T = malloc(k * d * sizeof(double));
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, k, k, d, 1, W, d, W, d, 0, WWt, k);
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, d, k, 1, W, d, W, d, 0, WtW, d);
	memset(out, 0, k * d * sizeof(double));
	for (int j = 1; j <= N; j++) {
		sym_power(WWt, k, (double)(j - 1) / N, L);
		sym_power(WtW, d, (double)(N - j) / N, R);
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, d, k, 1, L, k, G, d, 0, T, d);
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, d, d, 1, T, d, R, d, 1, out, d);
	}
	free(WWt);
	free(WtW);
	free(L);
	free(R);
	free(T);
}

static void fill(double *x, int n, struct rng *g)
{
	for (int i = 0; i < n; i++)
		x[i] = rng_normal(g);
}

static void check_formulas(void)
{
	struct rng g;
	rng_seed(&g, 7);
	char label[128];
	for (int N = 1; N <= 5; N++) {
		int d = 9;
		double w[9], gr[9], a[9], b[9];
		fill(w, d, &g);
		fill(gr, d, &g);
		struct e2e_work ws;
		e2e_work_create(&ws, 1, d);
		e2e_precondition_single(w, gr, d, N, a);
		int rc = e2e_precondition_svd(w, gr, 1, d, N, &ws, b);
		check_true("svd rc", rc == 0);
		snprintf(label, sizeof(label), "Eq. 12 vs Eq. 10 (SVD), k=1, N=%d", N);
		check_close(label, a, b, d, 1e-13, 1e-12);
		e2e_work_release(&ws);
	}
	static const int shapes[][2] = {{3, 5}, {4, 2}, {3, 3}, {1, 6}, {2, 6}};
	for (int s = 0; s < 5; s++) {
		int k = shapes[s][0], d = shapes[s][1];
		for (int N = 2; N <= 4; N++) {
			double W[36], G[36], got[36], want[36];
			fill(W, k * d, &g);
			fill(G, k * d, &g);
			struct e2e_work ws;
			e2e_work_create(&ws, k, d);
			e2e_precondition(W, G, k, d, N, &ws, got);
			reference_eq10(W, G, k, d, N, want);
			snprintf(label, sizeof(label),
				 "Eq. 10 (used form) vs fractional powers, k=%d d=%d N=%d", k, d, N);
			check_close(label, got, want, k * d, 1e-9, 1e-9);
			double full[36];
			e2e_precondition_svd(W, G, k, d, N, &ws, full);
			snprintf(label, sizeof(label),
				 "Eq. 10 full SVD vs fractional powers, k=%d d=%d N=%d", k, d, N);
			check_close(label, full, want, k * d, 1e-9, 1e-9);
			e2e_work_release(&ws);
		}
	}
	/* A rank-one W_e (k = 3, d = 5): the null spaces take the 0^0 = 1 path. */
	{
		double a[3] = {1, -2, 0.5}, b[5] = {0.3, 1, -1, 2, 0.1}, W[15], G[15],
		       got[15], want[15];
		for (int r = 0; r < 3; r++)
			for (int c = 0; c < 5; c++)
				W[r * 5 + c] = a[r] * b[c];
		fill(G, 15, &g);
		struct e2e_work ws;
		e2e_work_create(&ws, 3, 5);
		for (int N = 2; N <= 4; N++) {
			e2e_precondition(W, G, 3, 5, N, &ws, got);
			reference_eq10(W, G, 3, 5, N, want);
			snprintf(label, sizeof(label), "Eq. 10 on a rank-one W_e, N=%d", N);
			check_close(label, got, want, 15, 1e-9, 1e-9);
		}
		/* A NaN in W_e: LAPACKE refuses it and the error names the routine. */
		W[4] = NAN;
		int rc = e2e_precondition(W, G, 3, 5, 3, &ws, got);
		check_true("SVD of a NaN matrix fails", rc != 0);
		check_contains("failing SVD message", err_message(), "LAPACKE_dgesvd failed (info");
		e2e_work_release(&ws);
	}
	double zero[4] = {0}, gr[4] = {1, 2, 3, 4}, out[4] = {9, 9, 9, 9};
	e2e_precondition_single(zero, gr, 4, 3, out);
	check_close("Eq. 12 at W_e = 0 is 0", out, zero, 4, 0, 0);
}

/* Largest ||We_deep - We_e2e|| / ||We_deep|| over T GD steps. */
static double emulation_gap(int k, int N, double lr, long T)
{
	struct dataset ds;
	dataset_synthetic(&ds, 40, 6, k, 0.1, 5);
	int hidden[8] = {4, 4, 4, 4, 4, 4, 4, 4};
	struct run_spec r = {.model = MODEL_DEEP, .depth = N, .hidden = hidden,
			     .init = LINNET_INIT_BALANCED, .init_std = 0.3, .seed = 3};
	optim_spec_defaults(&r.optim, OPTIM_GD);
	r.optim.lr = lr;
	struct model deep, e2e;
	model_create(&deep, &r, ds.m, ds.d, k);
	r.model = MODEL_E2E;
	model_create(&e2e, &r, ds.m, ds.d, k);
	struct loss loss;
	loss_init(&loss, LOSS_LP, 4, LOSS_FORM_DATA);
	loss_prepare(&loss, &ds, NULL);
	struct optim o1, o2;
	optim_create(&o1, &r.optim, deep.n_params);
	optim_create(&o2, &r.optim, e2e.n_params);
	double worst = 0, L;
	for (long t = 0; t <= T; t++) {
		model_loss_grad(&deep, &loss, &ds, &L);
		model_loss_grad(&e2e, &loss, &ds, &L);
		double diff = 0, norm = 0;
		for (int i = 0; i < k * ds.d; i++) {
			diff += (deep.We[i] - e2e.We[i]) * (deep.We[i] - e2e.We[i]);
			norm += deep.We[i] * deep.We[i];
		}
		if (sqrt(diff / norm) > worst)
			worst = sqrt(diff / norm);
		optim_step(&o1, deep.params, deep.grad);
		optim_step(&o2, e2e.params, e2e.grad);
	}
	double imbalance = linnet_imbalance(&deep.net);
	check_true("balanced init stays balanced (imbalance < 1e-2)", imbalance < 1e-2);
	optim_release(&o1);
	optim_release(&o2);
	model_release(&deep);
	model_release(&e2e);
	loss_release(&loss);
	dataset_release(&ds);
	return worst;
}

int main(void)
{
	check_formulas();
	char label[128];
	for (int k = 1; k <= 2; k++)
		for (int N = 2; N <= 3; N++) {
			double gap = emulation_gap(k, N, 1e-3, 3000);
			double gap_half = emulation_gap(k, N, 5e-4, 6000);
			printf("emulation k=%d N=%d: max relative gap %.3g (lr 1e-3), %.3g (lr 5e-4)\n",
			       k, N, gap, gap_half);
			snprintf(label, sizeof(label), "deep vs e2e gap < 5e-3, k=%d N=%d", k, N);
			check_true(label, gap < 5e-3);
			snprintf(label, sizeof(label),
				 "gap halves with lr (ratio %.2f in 1.6..2.4), k=%d N=%d",
				 gap / gap_half, k, N);
			check_true(label, gap / gap_half > 1.6 && gap / gap_half < 2.4);
		}
	return check_done("test_e2e");
}
