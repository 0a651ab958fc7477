/* The l_p floor (lpfloor.h) against independent references:
 * - closed forms: one feature x = 1 and labels 0, 2 put the minimizer at
 *   w = 1 with every residual +-1, so the floor is 2 / (p m) = 1/p;
 * - p = 2: least squares by QR (LAPACKE_dgels), not by Newton's normal
 *   equations, with m below and above LP_FLOOR_CHUNK; rtol 1e-12 on the
 *   loss, 1e-9 on W;
 * - p = 4: plain gradient descent written here, 200,000 steps on a small
 *   problem (strongly convex near its minimizer, so GD converges linearly):
 *   the floor is never above GD's loss and agrees to 1e-10 relative, and
 *   the gradient at the returned W vanishes to 1e-9 of its size at W = 0;
 * - an exact fit (Y = X w*) for p = 4, where H -> 0 at the minimizer: the
 *   floor is at most LP_FLOOR_EXACT of L(0), and counts as converged;
 * - a duplicated feature (rank-deficient X), p = 2: the floor of the data
 *   without the copy. */
#include "check.h"
#include "overparam/lpfloor.h"
#include "overparam/rng.h"

#include <lapacke.h>

static double lp_loss(const struct dataset *ds, double p, const double *W)
{
	double sum = 0;
	for (int i = 0; i < ds->m; i++)
		for (int r = 0; r < ds->k; r++) {
			double e = -ds->Y[i * ds->k + r];
			for (int j = 0; j < ds->d; j++)
				e += W[r * ds->d + j] * ds->X[i * ds->d + j];
			sum += pow(fabs(e), p);
		}
	return sum / (p * ds->m);
}

/* dL/dW (k, d) into G. */
static void lp_grad(const struct dataset *ds, double p, const double *W, double *G)
{
	memset(G, 0, sizeof(double) * ds->k * ds->d);
	for (int i = 0; i < ds->m; i++)
		for (int r = 0; r < ds->k; r++) {
			double e = -ds->Y[i * ds->k + r];
			for (int j = 0; j < ds->d; j++)
				e += W[r * ds->d + j] * ds->X[i * ds->d + j];
			double c = pow(fabs(e), p - 2) * e / ds->m;
			for (int j = 0; j < ds->d; j++)
				G[r * ds->d + j] += c * ds->X[i * ds->d + j];
		}
}

static double norm(const double *x, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += x[i] * x[i];
	return sqrt(s);
}

static void random_data(struct dataset *ds, int m, int d, int k, uint64_t seed)
{
	struct rng g;
	rng_seed(&g, seed);
	ds->m = m, ds->d = d, ds->k = k;
	ds->X = calloc((size_t)m * d, sizeof(double));
	ds->Y = calloc((size_t)m * k, sizeof(double));
	for (int i = 0; i < m * d; i++)
		ds->X[i] = rng_normal(&g);
	for (int i = 0; i < m * k; i++)
		ds->Y[i] = rng_normal(&g) + 0.5;
}

static void closed_form(void)
{
	double X[2] = {1, 1}, Y[2] = {0, 2};
	struct dataset ds = {.m = 2, .d = 1, .k = 1, .X = X, .Y = Y};
	for (double p = 2; p <= 6; p += 1) {
		struct lp_floor f;
		double W, want = 1 / p, one = 1, at_zero = pow(2, p) / (2 * p);
		char label[80];
		check_true("closed form: solved", lp_floor(&ds, p, &f, &W) == 0 && f.converged);
		snprintf(label, sizeof(label), "closed form p=%g: floor 1/p", p);
		check_close(label, &f.loss, &want, 1, 0, 1e-12);
		snprintf(label, sizeof(label), "closed form p=%g: w = 1", p);
		check_close(label, &W, &one, 1, 0, 1e-6);
		snprintf(label, sizeof(label), "closed form p=%g: L(0) = 2^p / (2p)", p);
		check_close(label, &f.at_zero, &at_zero, 1, 0, 1e-15);
	}
}

/* Least squares by QR: W (k, d) minimizing ||X W^T - Y||. */
static void qr_least_squares(const struct dataset *ds, double *W)
{
	double *A = malloc(sizeof(double) * ds->m * ds->d);
	double *B = malloc(sizeof(double) * ds->m * ds->k);
	memcpy(A, ds->X, sizeof(double) * ds->m * ds->d);
	memcpy(B, ds->Y, sizeof(double) * ds->m * ds->k);
	check_true("dgels", LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', ds->m, ds->d, ds->k, A, ds->d,
					  B, ds->k) == 0);
	for (int r = 0; r < ds->k; r++)
		for (int j = 0; j < ds->d; j++)
			W[r * ds->d + j] = B[j * ds->k + r];
	free(A);
	free(B);
}

/* m rows (more than LP_FLOOR_CHUNK: H summed over chunks, the last partial). */
static void least_squares(int m)
{
	struct dataset ds;
	random_data(&ds, m, 6, 2, 11);
	double W[12], Wqr[12];
	struct lp_floor f;
	check_true("p=2: solved", lp_floor(&ds, 2, &f, W) == 0 && f.converged);
	qr_least_squares(&ds, Wqr);
	double want = lp_loss(&ds, 2, Wqr);
	check_close("p=2: floor = least squares by QR", &f.loss, &want, 1, 0, 1e-12);
	check_close("p=2: W = least squares by QR", W, Wqr, 12, 1e-12, 1e-9);
	check_true("p=2: one Newton step and a check", f.newton_steps <= 2);
	free(ds.X);
	free(ds.Y);
}

static void quartic_against_gd(void)
{
	struct dataset ds;
	random_data(&ds, 40, 3, 1, 5);
	double W[3], G[3], G0[3], zero[3] = {0, 0, 0};
	struct lp_floor f;
	check_true("p=4: solved", lp_floor(&ds, 4, &f, W) == 0 && f.converged);
	double w[3] = {0, 0, 0}, g[3];
	for (int t = 0; t < 200000; t++) {
		lp_grad(&ds, 4, w, g);
		for (int j = 0; j < 3; j++)
			w[j] -= 0.02 * g[j];
	}
	double gd = lp_loss(&ds, 4, w);
	check_true("p=4: the floor is not above GD's loss", f.loss <= gd * (1 + 1e-14));
	check_close("p=4: floor = GD's loss after 200,000 steps", &f.loss, &gd, 1, 0, 1e-10);
	lp_grad(&ds, 4, W, G);
	lp_grad(&ds, 4, zero, G0);
	check_true("p=4: gradient at W vanishes", norm(G, 3) <= 1e-9 * norm(G0, 3));
	double direct = lp_loss(&ds, 4, W);
	check_close("p=4: floor = L(W) recomputed", &f.loss, &direct, 1, 0, 1e-13);
	free(ds.X);
	free(ds.Y);
}

static void exact_fit(void)
{
	struct dataset ds;
	random_data(&ds, 30, 4, 1, 3);
	const double wstar[4] = {0.5, -1, 2, 0.25};
	for (int i = 0; i < ds.m; i++) {
		ds.Y[i] = 0;
		for (int j = 0; j < 4; j++)
			ds.Y[i] += wstar[j] * ds.X[i * 4 + j];
	}
	struct lp_floor f;
	double W[4];
	check_true("exact fit: solved", lp_floor(&ds, 4, &f, W) == 0 && f.converged);
	check_true("exact fit: floor at most LP_FLOOR_EXACT L(0)", f.loss <= LP_FLOOR_EXACT * f.at_zero);
	check_close("exact fit: W = w*", W, wstar, 4, 1e-6, 0);
	free(ds.X);
	free(ds.Y);
}

static void duplicated_feature(void)
{
	struct dataset ds, dup;
	random_data(&ds, 25, 3, 1, 9);
	dup = ds;
	dup.d = 4;
	dup.X = malloc(sizeof(double) * 25 * 4);
	for (int i = 0; i < 25; i++) {
		for (int j = 0; j < 3; j++)
			dup.X[i * 4 + j] = ds.X[i * 3 + j];
		dup.X[i * 4 + 3] = ds.X[i * 3 + 1];
	}
	struct lp_floor f, fdup;
	check_true("rank-deficient: solved", lp_floor(&ds, 2, &f, NULL) == 0 &&
						  lp_floor(&dup, 2, &fdup, NULL) == 0);
	check_close("rank-deficient: floor of the data without the copy", &fdup.loss, &f.loss, 1,
		    0, 1e-9);
	free(dup.X);
	free(ds.X);
	free(ds.Y);
}

int main(void)
{
	closed_form();
	least_squares(40);
	least_squares(2 * LP_FLOOR_CHUNK + 300);
	struct dataset huge = {.m = 1000000, .d = 200, .k = 1}; /* never read */
	struct lp_floor f;
	check_true("m d^2 above LP_FLOOR_MAX_WORK: skipped",
		   lp_floor(&huge, 4, &f, NULL) == 0 && f.skipped);
	quartic_against_gd();
	exact_fit();
	duplicated_feature();
	return check_done("test_lpfloor");
}
