/* test_kernels: every kernel variant this CPU runs gives the bits of the
 * naive reference loops (kernels.h states the order), the batched pass
 * gives each model the single pass's bits, the kernels compute what they
 * claim (against long-double sums), and detmath's functions are within a
 * few ulps of libm's. */
#include "check.h"
#include "overparam/detmath.h"
#include "overparam/error.h"
#include "overparam/kernels.h"
#include "overparam/rng.h"

#include <float.h>
#include <stdint.h>

static struct rng g;

/* Values over a wide range of magnitudes and both signs. */
static void fill(double *x, int n)
{
	for (int i = 0; i < n; i++)
		x[i] = (rng_uniform(&g) - 0.5) * ldexp(1.0, (int)(rng_u64(&g) % 12) - 6);
}

static int same_bits(const double *a, const double *b, int n)
{
	return memcmp(a, b, (size_t)n * sizeof(double)) == 0;
}

static void check_bits(const char *variant, const char *what, int a, int b,
		       const double *got, const double *want, int n)
{
	char label[160];
	snprintf(label, sizeof(label), "%s: %s (%d, %d) bit-identical to the reference",
		 variant, what, a, b);
	if (!check_true(label, same_bits(got, want, n)))
		check_close(label, got, want, n, 0, 0);
}

static void test_variant(const char *v)
{
	enum { MAXD = 140, MAXR = 140, MAXN = 33 };
	static double X[MAXR * MAXD], y[MAXR], W[MAXN * MAXD], G[MAXN * MAXD],
		Gref[MAXD], out[MAXR], L[MAXN], work[16 * 40];
	static const int dims[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65, 100, 127, 128, 131};
	check_true("work buffer fits the batch of 33", kern_batch_work(MAXN) <= 16 * 40);
	for (size_t a = 0; a < sizeof(dims) / sizeof(dims[0]); a++) {
		int d = dims[a];
		fill(X, MAXR * d);
		fill(W, MAXN * d);
		fill(y, MAXR);
		double want = kern_ref_dot(X, W, d), got = kern_dot(X, W, d);
		check_bits(v, "dot", d, 0, &got, &want, 1);
		/* matvec: rows 1..9 */
		for (int rows = 1; rows <= 9; rows++) {
			double ref[9];
			kern_matvec(out, X, rows, d, W);
			for (int r = 0; r < rows; r++)
				ref[r] = kern_ref_dot(X + (size_t)r * d, W, d);
			check_bits(v, "matvec", rows, d, out, ref, rows);
		}
		/* the elementwise pair, against their plain loops */
		{
			double sref[MAXD], wref[MAXD], wv[MAXD];
			kern_scale(out, W[0], X, d);
			kern_ref_scale(sref, W[0], X, d);
			check_bits(v, "scale", d, 0, out, sref, d);
			memcpy(wv, X + d, d * sizeof(double));
			memcpy(wref, X + d, d * sizeof(double));
			kern_sub_scaled(wv, W[1], X + 2 * d, d);
			kern_ref_sub_scaled(wref, W[1], X + 2 * d, d);
			check_bits(v, "sub_scaled", d, 0, wv, wref, d);
			/* 1..11 rows of W (rows, d): whole blocks of rows and the
			 * rows past them, with and without the dots, whose bits
			 * are kern_matvec's too */
			static double Wv[11 * MAXD], Wr[11 * MAXD];
			double sh[11], shr[11], shm[11];
			for (int rows = 1; rows <= 11; rows++)
				for (int dots = 0; dots <= 1; dots++) {
					memcpy(Wv, X + 3 * d, rows * d * sizeof(double));
					memcpy(Wr, X + 3 * d, rows * d * sizeof(double));
					kern_matvec(shm, Wv, rows, d, X);
					kern_outer_sub(dots ? sh : NULL, Wv, W[2], y, rows, X, d);
					kern_ref_outer_sub(dots ? shr : NULL, Wr, W[2], y, rows, X, d);
					check_bits(v, "outer_sub", rows, d, Wv, Wr, rows * d);
					if (dots) {
						check_bits(v, "outer_sub dots", rows, d, sh, shr, rows);
						check_bits(v, "outer_sub dots = matvec", rows, d, sh, shm,
							   rows);
					}
				}
		}
		/* vecmat_acc onto a non-zero start */
		for (int rows = 1; rows <= 9; rows++) {
			memcpy(G, W, d * sizeof(double));
			memcpy(Gref, W, d * sizeof(double));
			kern_vecmat_acc(G, y, X, rows, d);
			kern_ref_vecmat_acc(Gref, y, X, rows, d);
			check_bits(v, "vecmat_acc", rows, d, G, Gref, d);
		}
		static const double ps[] = {2, 4, 3, 6, 2.5};
		static const int row_counts[] = {1, 3, 4, 5, 8, 16, 17, 33, 127, 128};
		for (size_t pi = 0; pi < sizeof(ps) / sizeof(ps[0]); pi++) {
			struct lp_rule lp;
			lp_rule_init(&lp, ps[pi]);
			for (size_t ri = 0; ri < sizeof(row_counts) / sizeof(row_counts[0]); ri++) {
				int rows = row_counts[ri];
				double s = kern_lp_chunk(&lp, rows, d, X, y, W, 1.0 / 300, G);
				double sref = kern_ref_lp_chunk(&lp, rows, d, X, y, W, 1.0 / 300, Gref);
				check_bits(v, "lp_chunk loss", rows, d, &s, &sref, 1);
				check_bits(v, "lp_chunk G", rows, d, G, Gref, d);
				double s0 = kern_lp_chunk(&lp, rows, d, X, y, W, 1.0 / 300, NULL);
				check_bits(v, "lp_chunk loss without G", rows, d, &s0, &sref, 1);
				/* the batch: each model's bits are its single pass's */
				static const int ns[] = {1, 5, 8, 9, 17, 33};
				for (size_t ni = 0; ni < sizeof(ns) / sizeof(ns[0]); ni++) {
					int n = ns[ni];
					kern_lp_chunk_batch(&lp, rows, d, X, y, n, W, 1.0 / 300, L, G,
							    work);
					for (int j = 0; j < n; j++) {
						double sj = kern_ref_lp_chunk(&lp, rows, d, X, y,
									      W + (size_t)j * d,
									      1.0 / 300, Gref);
						check_bits(v, "batch loss", n, j, L + j, &sj, 1);
						check_bits(v, "batch G", n, j, G + (size_t)j * d, Gref, d);
					}
				}
			}
		}
	}
	/* Inf and NaN travel as in the reference. */
	double a[11] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, b[11];
	memcpy(b, a, sizeof(b));
	b[9] = INFINITY;
	double got = kern_dot(a, b, 11), want = kern_ref_dot(a, b, 11);
	check_bits(v, "dot with Inf", 11, 0, &got, &want, 1);
	b[3] = NAN;
	got = kern_dot(a, b, 11);
	check_true("dot with NaN is NaN", isnan(got));
}

/* The reference dot is a dot product: within a few ulps of the sum in
 * long double over terms of one sign. */
static void test_reference_is_a_dot(void)
{
	double a[200], b[200];
	for (int i = 0; i < 200; i++) {
		a[i] = rng_uniform(&g);
		b[i] = rng_uniform(&g) + 0.5;
	}
	long double s = 0;
	for (int i = 0; i < 200; i++)
		s += (long double)a[i] * b[i];
	double want = (double)s, got = kern_ref_dot(a, b, 200);
	check_close("reference dot vs long double", &got, &want, 1, 0, 8 * DBL_EPSILON);
	double G[3] = {0}, X[6] = {1, 2, 3, 4, 5, 6}, s2[2] = {2, -1}, wantG[3] = {-2, -1, 0};
	kern_ref_vecmat_acc(G, s2, X, 2, 3);
	check_close("reference vecmat_acc: 2 x1 - x2", G, wantG, 3, 0, 0);
	/* l4 on one row: y = 0, x = (1, 1), w = (1, 0.5): r = 1.5, term r^4/4,
	 * g = r^3 / m, G = g x. */
	struct lp_rule lp;
	lp_rule_init(&lp, 4);
	double x[2] = {1, 1}, w[2] = {1, 0.5}, y = 0, Gd[2];
	double term = kern_ref_lp_chunk(&lp, 1, 2, x, &y, w, 0.5, Gd);
	double want_term = 1.5 * 1.5 * 1.5 * 1.5 / 4, want_G[2] = {1.6875, 1.6875};
	check_close("reference l4 term", &term, &want_term, 1, 0, 1e-15);
	check_close("reference l4 G", Gd, want_G, 2, 0, 1e-15);
}

static double ulps(double got, double want)
{
	if (got == want)
		return 0;
	double u = nextafter(fabs(want), INFINITY) - fabs(want);
	return fabs(got - want) / u;
}

static void test_detmath(void)
{
	double worst_log = 0, worst_cos = 0, worst_root = 0;
	for (int i = 0; i < 200000; i++) {
		double u = 1.0 - rng_uniform(&g);
		double x = ldexp(u, (int)(rng_u64(&g) % 200) - 100);
		double e = ulps(det_log(x), log(x));
		if (e > worst_log && fabs(log(x)) > 1e-3)
			worst_log = e;
		double v = rng_uniform(&g);
		/* long double references: libm's cos(2 pi v) carries the rounding
		 * of its argument (up to 4.4e-16), so it is no reference here. */
		double c = fabs(det_cos2pi(v) - (double)cosl(6.283185307179586476925286766559L * v));
		if (c > worst_cos)
			worst_cos = c;
		int n = 2 + (int)(rng_u64(&g) % 9);
		double r = ulps(det_root(x, n), (double)powl(x, 1.0L / n));
		if (r > worst_root)
			worst_root = r;
	}
	printf("detmath: log %.2f ulps, cos(2 pi u) %.3g abs, root %.2f ulps (worst over 200000)\n",
	       worst_log, worst_cos, worst_root);
	check_true("det_log within 2 ulps of libm", worst_log <= 2.0);
	check_true("det_cos2pi within 4e-16 of cos(2 pi u)", worst_cos <= 4e-16);
	check_true("det_root within 2 ulps of the root", worst_root <= 2.0);
	double exact[] = {det_root(27, 3), det_root(1024.0 * 1024 * 1024, 3), det_root(16, 4),
			  det_root(0, 5), det_powi(3, 5), det_powi(-2, 3), det_powi(7, 0)};
	double want[] = {3, 1024, 2, 0, 243, -8, 1};
	check_close("exact roots and powers", exact, want, 7, 0, 0);
	double logs[] = {det_log(1), det_log(2), det_log(0.5)};
	double want_logs[] = {0, log(2), -log(2)};
	check_close("det_log at 1, 2, 1/2", logs, want_logs, 3, 0, 2 * DBL_EPSILON);
	double cs[] = {det_cos2pi(0), det_cos2pi(0.25), det_cos2pi(0.5), det_cos2pi(0.125)};
	double want_cs[] = {1, 0, -1, sqrt(0.5)};
	check_close("det_cos2pi at 0, 1/4, 1/2, 1/8", cs, want_cs, 4, 1e-16, 2 * DBL_EPSILON);
}

int main(void)
{
	rng_seed(&g, 2026);
	static const char *names[] = {"portable", "avx2", "avx512"};
	int ran = 0;
	for (int i = 0; i < 3; i++) {
		if (kern_select(names[i]) != ERR_OK) {
			printf("kernels: '%s' not run here (%s)\n", names[i], err_message());
			continue;
		}
		test_variant(names[i]);
		ran++;
	}
	check_true("the portable variant ran", ran >= 1);
	kern_select("auto");
	printf("kernels: %d variant(s) checked; auto picks '%s'\n", ran, kern_variant());
	check_true("an unknown variant is refused", kern_select("sse9") == ERR_INPUT);
	test_reference_is_a_dot();
	test_detmath();
	return check_done("test_kernels");
}
