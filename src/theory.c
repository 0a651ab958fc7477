/* theory: Claim 1 and Theorem 2 checked numerically (see theory.h). */
#include "overparam/theory.h"
#include "overparam/saxe.h"
#include "overparam/dataset.h"
#include "overparam/e2e.h"
#include "overparam/error.h"
#include "overparam/loss.h"
#include "overparam/rng.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HALF_PI 1.5707963267948966

/* P (n, n) = S^a for symmetric PSD S (n, n) via LAPACKE_dsyev; eigenvalues
 * below n eps of the largest count as 0, and 0^0 = 1. */
static int sym_power(const double *S, int n, double a, double *P)
{
	double *Q = malloc((size_t)n * n * sizeof(double));
	double *lam = malloc(n * sizeof(double));
	int rc = ERR_OK;
	if (!Q || !lam) {
		rc = err_set(ERR_RUNTIME, "out of memory");
		goto out;
	}
	memcpy(Q, S, (size_t)n * n * sizeof(double));
	lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', n, Q, n, lam);
	if (info != 0) {
		rc = err_set(ERR_RUNTIME, "LAPACKE_dsyev failed (info %d)", (int)info);
		goto out;
	}
	double tol = n * 2.2e-16 * fabs(lam[n - 1]);
	memset(P, 0, (size_t)n * n * sizeof(double));
	for (int e = 0; e < n; e++) {
		double l = lam[e] > tol ? lam[e] : 0.0;
		double f = a == 0.0 ? 1.0 : pow(l, a);
		for (int r = 0; r < n; r++)
			for (int c = 0; c < n; c++)
				P[(size_t)r * n + c] += f * Q[(size_t)r * n + e] * Q[(size_t)c * n + e];
	}
out:
	free(Q);
	free(lam);
	return rc;
}

/* One Claim 1 case; returns the worst of the three residuals (relative). */
/* W (k, d), zeroed by the caller, += `rank` random outer products a b^T
 * (k, d <= 64). */
static void random_rank(double *W, int k, int d, int rank, struct rng *g)
{
	for (int q = 0; q < rank; q++) {
		double a[64], b[64];
		for (int i = 0; i < k; i++)
			a[i] = rng_normal(g);
		for (int i = 0; i < d; i++)
			b[i] = rng_normal(g);
		for (int i = 0; i < k; i++)
			for (int j = 0; j < d; j++)
				W[i * d + j] += a[i] * b[j];
	}
}

/* Claim 1's eigenpairs from the SVD W = U S V^T: P vec(u_r v_r'^T) =
 * lambda vec(u_r v_r'^T) with lambda = sum_j s_r^(2(N-j)/N) s_r'^(2(j-1)/N)
 * (0^0 = 1). Returns the largest |P v - lambda v| over all (r, r');
 * v and Pv are (k d) work space. */
static double eigenpair_residual(const double *P, const double *U, const double *Vt,
				 const double *s, int k, int d, int N, double *v, double *Pv)
{
	int kd = k * d;
	double worst = 0;
	for (int r = 0; r < k; r++)
		for (int r2 = 0; r2 < d; r2++) {
			for (int c = 0; c < d; c++)
				for (int a = 0; a < k; a++)
					v[c * k + a] = U[a * k + r] * Vt[r2 * d + c];
			double lam = 0;
			for (int j = 1; j <= N; j++) {
				double e1 = 2.0 * (N - j) / N, e2 = 2.0 * (j - 1) / N;
				lam += (e1 == 0 ? 1 : pow(s[r], e1)) * (e2 == 0 ? 1 : pow(s[r2], e2));
			}
			cblas_dgemv(CblasRowMajor, CblasNoTrans, kd, kd, 1, P, kd, v, 1, 0, Pv, 1);
			for (int i = 0; i < kd; i++)
				worst = fmax(worst, fabs(Pv[i] - lam * v[i]));
		}
	return worst;
}

static double claim1_case(FILE *out, int k, int d, int N, int rank, struct rng *g)
{
	int kd = k * d;
	double *W = calloc((size_t)k * d, sizeof(double));
	double *WWt = malloc((size_t)k * k * sizeof(double));
	double *WtW = malloc((size_t)d * d * sizeof(double));
	double *L = malloc((size_t)k * k * sizeof(double));
	double *R = malloc((size_t)d * d * sizeof(double));
	double *P = calloc((size_t)kd * kd, sizeof(double));
	double *Pc = malloc((size_t)kd * kd * sizeof(double));
	double *ev = malloc(kd * sizeof(double));
	double *U = malloc((size_t)k * k * sizeof(double));
	double *Vt = malloc((size_t)d * d * sizeof(double));
	double *s = calloc(k > d ? k : d, sizeof(double));
	double *sup = malloc((k < d ? k : d) * sizeof(double));
	double *Wc = malloc((size_t)k * d * sizeof(double));
	double *G = malloc((size_t)k * d * sizeof(double));
	double *PG = malloc((size_t)k * d * sizeof(double));
	double *v = malloc(kd * sizeof(double)), *Pv = malloc(kd * sizeof(double));
	double worst = INFINITY;
	random_rank(W, k, d, rank, g);
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, k, k, d, 1, W, d, W, d, 0, WWt, k);
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, d, k, 1, W, d, W, d, 0, WtW, d);
	for (int j = 1; j <= N; j++) {
		if (sym_power(WWt, k, (double)(j - 1) / N, L) ||
		    sym_power(WtW, d, (double)(N - j) / N, R))
			goto out;
		/* P[(c k + r), (c' k + r')] += R[c][c'] L[r][r'] */
		for (int c = 0; c < d; c++)
			for (int r = 0; r < k; r++)
				for (int c2 = 0; c2 < d; c2++)
					for (int r2 = 0; r2 < k; r2++)
						P[(size_t)(c * k + r) * kd + c2 * k + r2] +=
							R[c * d + c2] * L[r * k + r2];
	}
	double pmax = 0, asym = 0;
	for (int i = 0; i < kd * kd; i++)
		pmax = fmax(pmax, fabs(P[i]));
	for (int i = 0; i < kd; i++)
		for (int j = 0; j < kd; j++)
			asym = fmax(asym, fabs(P[(size_t)i * kd + j] - P[(size_t)j * kd + i]));
	memcpy(Pc, P, (size_t)kd * kd * sizeof(double));
	if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', kd, Pc, kd, ev) != 0)
		goto out;
	double min_ev = ev[0] / pmax;
	/* Eigenpairs from the SVD */
	memcpy(Wc, W, (size_t)k * d * sizeof(double));
	if (LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'A', 'A', k, d, Wc, d, s, U, k, Vt, d, sup) != 0)
		goto out;
	double tol_rank = (k > d ? k : d) * 2.2e-16 * s[0];
	for (int i = 0; i < (k < d ? k : d); i++)
		if (s[i] <= tol_rank)
			s[i] = 0;
	double eig_res = eigenpair_residual(P, U, Vt, s, k, d, N, v, Pv) / pmax;
	/* P vec(G) against e2e_precondition */
	for (int i = 0; i < k * d; i++)
		G[i] = rng_normal(g);
	struct e2e_work ws;
	if (e2e_work_create(&ws, k, d))
		goto out;
	int rc = e2e_precondition(W, G, k, d, N, &ws, PG);
	e2e_work_release(&ws);
	if (rc)
		goto out;
	double app_res = 0, gmax = 0;
	for (int c = 0; c < d; c++)
		for (int r = 0; r < k; r++)
			v[c * k + r] = G[r * d + c];
	cblas_dgemv(CblasRowMajor, CblasNoTrans, kd, kd, 1, P, kd, v, 1, 0, Pv, 1);
	for (int c = 0; c < d; c++)
		for (int r = 0; r < k; r++) {
			app_res = fmax(app_res, fabs(Pv[c * k + r] - PG[r * d + c]));
			gmax = fmax(gmax, fabs(Pv[c * k + r]));
		}
	app_res /= gmax;
	worst = fmax(fmax(asym / pmax, -min_ev), fmax(eig_res, app_res));
	fprintf(out, "  k=%d d=%d N=%d rank %d: asymmetry %.1e, min eigenvalue %+.1e, eigenpair residual %.1e, P vec(G) vs Eq. 10 %.1e\n",
		k, d, N, rank, asym / pmax, min_ev, eig_res, app_res);
out:
	free(W); free(WWt); free(WtW); free(L); free(R); free(P); free(Pc); free(ev);
	free(U); free(Vt); free(s); free(sup); free(Wc); free(G); free(PG); free(v); free(Pv);
	return worst;
}

int theory_check_claim1(FILE *out)
{
	static const int cases[][4] = {
		/* k, d, N, rank */
		{1, 6, 2, 1}, {2, 5, 3, 2}, {3, 4, 4, 3}, {4, 3, 3, 3},
		{3, 5, 3, 1}, {2, 2, 5, 2}, {4, 6, 8, 2},
	};
	struct rng g;
	rng_seed(&g, 2018);
	double worst = 0;
	fprintf(out, "Claim 1: P = sum_j [W^T W]^((N-j)/N) (x) [W W^T]^((j-1)/N), built explicitly\n");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double w = claim1_case(out, cases[i][0], cases[i][1], cases[i][2], cases[i][3], &g);
		worst = fmax(worst, isnan(w) ? INFINITY : w);
	}
	int ok = worst < 1e-9;
	fprintf(out, "Claim 1 %s: worst relative residual %.1e (tolerance 1e-9)\n",
		ok ? "holds" : "FAILS", worst);
	return ok ? ERR_OK : ERR_RUNTIME;
}

/* Theorem 2 */

struct field_ctx {
	const struct loss *loss;
	const struct dataset *ds;
	double *scratch, *grad, *W;
	int N, d, use_F;
};

/* <V(W), t> for V = F (use_F) or the gradient, W = point (d). */
static double field_dot(struct field_ctx *c, const double *point, const double *t)
{
	loss_eval(c->loss, c->ds, point, c->grad, c->scratch);
	if (!c->use_F)
		return cblas_ddot(c->d, c->grad, 1, t, 1);
	e2e_precondition_single(point, c->grad, c->d, c->N, c->W);
	return cblas_ddot(c->d, c->W, 1, t, 1);
}

/* Circulation of the field around the closed curve of theory.h, by
 * composite Gauss-Legendre quadrature (4 nodes on each of n panels). */
static double circulation(struct field_ctx *c, const double *e, const double *f,
			  double r, double R, int n)
{
	static const double x4[4] = {-0.8611363115940526, -0.3399810435848563,
				     0.3399810435848563, 0.8611363115940526};
	static const double w4[4] = {0.3478548451374538, 0.6521451548625461,
				     0.6521451548625461, 0.3478548451374538};
	int d = c->d;
	double *p = malloc(d * sizeof(double)), *t = malloc(d * sizeof(double));
	double total = 0;
	for (int seg = 0; seg < 4; seg++) {
		for (int panel = 0; panel < n; panel++)
			for (int q = 0; q < 4; q++) {
				double s = (panel + 0.5 * (x4[q] + 1)) / n; /* in [0, 1] */
				double ws = w4[q] * 0.5 / n;
				double rho, th, drho = 0, dth = 0;
				switch (seg) {
				case 0: rho = r + (R - r) * s; th = 0; drho = R - r; break;
				case 1: rho = R; th = HALF_PI * s; dth = HALF_PI; break;
				case 2: rho = R - (R - r) * s; th = HALF_PI; drho = -(R - r); break;
				default: rho = r; th = HALF_PI * (1 - s); dth = -HALF_PI; break;
				}
				for (int i = 0; i < d; i++) {
					double u = cos(th) * e[i] + sin(th) * f[i];
					double du = -sin(th) * e[i] + cos(th) * f[i];
					p[i] = rho * u;
					t[i] = drho * u + rho * dth * du; /* dW/ds */
				}
				total += ws * field_dot(c, p, t);
			}
	}
	free(p);
	free(t);
	return total;
}

int theory_check_theorem2(FILE *out)
{
	struct dataset ds;
	if (dataset_synthetic(&ds, 50, 6, 1, 0.3, 2))
		return ERR_RUNTIME;
	for (int i = 0; i < ds.m; i++)
		ds.Y[i] += 1.0; /* so that dL/dW(0) is far from 0 */
	struct loss loss;
	loss_init(&loss, LOSS_LP, 4, LOSS_FORM_DATA);
	if (loss_prepare(&loss, &ds, NULL)) {
		dataset_release(&ds);
		return ERR_RUNTIME;
	}
	int d = ds.d, ok = 1;
	double *scratch = malloc(ds.m * sizeof(double)), *grad = malloc(d * sizeof(double));
	double *tmp = malloc(d * sizeof(double)), *e = malloc(d * sizeof(double));
	double *f = malloc(d * sizeof(double)), *zero = calloc(d, sizeof(double));
	loss_eval(&loss, &ds, zero, e, scratch);
	double kappa = cblas_dnrm2(d, e, 1);
	cblas_dscal(d, 1 / kappa, e, 1);
	struct rng g;
	rng_seed(&g, 14);
	for (int i = 0; i < d; i++)
		f[i] = rng_normal(&g);
	cblas_daxpy(d, -cblas_ddot(d, f, 1, e, 1), e, 1, f, 1);
	cblas_dscal(d, 1 / cblas_dnrm2(d, f, 1), f, 1);
	const double r = 5e-4, R = 1e-3;
	fprintf(out, "Theorem 2: l4 regression (m=50, d=6), |dL/dW(0)| = %.4g; curve r = %g, R = %g in span{dL/dW(0), f}\n",
		kappa, r, R);
	struct field_ctx c = {&loss, &ds, scratch, grad, tmp, 0, d, 0};
	double grad_circ = circulation(&c, e, f, r, R, 64);
	/* Scale of the integrands: |gradient| times the curve's length. */
	double scale = kappa * (2 * (R - r) + HALF_PI * (R + r));
	fprintf(out, "  gradient field: circulation %+.3e (%.1e of |grad| x length)\n", grad_circ,
		fabs(grad_circ) / scale);
	ok &= fabs(grad_circ) <= 1e-10 * scale;
	for (int N = 2; N <= 5; N++) {
		c.use_F = 1;
		c.N = N;
		double a = 3.0 - 2.0 / N;
		double circ = circulation(&c, e, f, r, R, 64);
		double predicted = kappa * (pow(R, a) - pow(r, a)) * (N - 1) * (N - 2) / (3.0 * N - 2);
		double fscale = kappa * pow(R, a);
		if (N == 2) {
			fprintf(out, "  N=2: circulation of F %+.3e (leading order 0; the theorem needs N > 2)\n",
				circ);
			continue;
		}
		double rel = fabs(circ - predicted) / fabs(predicted);
		int pass = rel < 0.05 && fabs(circ) > 1e4 * fabs(grad_circ) * fscale / scale;
		fprintf(out, "  N=%d: circulation of F %+.3e, leading-order prediction %+.3e (relative difference %.1e): %s\n",
			N, circ, predicted, rel, pass ? "non-zero, so F is no gradient field" : "FAILS");
		ok &= pass;
	}
	fprintf(out, "Theorem 2 %s\n", ok ? "holds" : "FAILS");
	free(scratch); free(grad); free(tmp); free(e); free(f); free(zero);
	loss_release(&loss);
	dataset_release(&ds);
	return ok ? ERR_OK : ERR_RUNTIME;
}

int theory_check_known(const char *what)
{
	return !strcmp(what, "all") || !strcmp(what, "claim1") || !strcmp(what, "theorem2") ||
	       !strcmp(what, "saxe");
}

int theory_check(FILE *out, const char *what)
{
	int rc = ERR_OK, all = !strcmp(what, "all");
	if (all || !strcmp(what, "claim1"))
		rc = theory_check_claim1(out);
	if (all || !strcmp(what, "theorem2")) {
		int rc2 = theory_check_theorem2(out);
		rc = rc ? rc : rc2;
	}
	if (all || !strcmp(what, "saxe")) {
		int rc3 = saxe_check(out, NULL);
		rc = rc ? rc : rc3;
	}
	if (rc && !*err_message())
		err_set(rc, "a check failed");
	return rc;
}
