/* Matrix completion and sensing (matrix.h, loss "mse"): the generated
 * problems' stated properties, the loss and its gradient against a hand
 * computation, against naive sums in long double and against central
 * differences, thread counts, and the logged metrics against closed forms. */
#include "check.h"
#include "overparam/error.h"
#include "overparam/loss.h"
#include "overparam/matrix.h"
#include "overparam/nucnorm.h"
#include "overparam/parallel.h"
#include "overparam/rng.h"

#include <lapacke.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static double eval(const struct dataset *ds, struct par_pool *pool, const double *W, double *G)
{
	struct loss loss;
	loss_init(&loss, LOSS_MSE, 2, LOSS_FORM_AUTO);
	if (loss_prepare(&loss, ds, pool) != ERR_OK) {
		check_true("loss_prepare on a matrix problem", 0);
		return NAN;
	}
	double L = loss_eval(&loss, ds, W, G, NULL);
	loss_release(&loss);
	return L;
}

/* n = 12, rank 3: |W*|_F = n, rank exactly 3 (sigma_4 / sigma_1 at
 * rounding), observations distinct and equal to W*'s entries, the same
 * problem (digest, bytes) from the same seed, another from another. */
static void generation_case(void)
{
	enum { n = 12, r = 3, m = 50 };
	struct dataset a, b, c;
	check_true("completion generates", matrix_completion_generate(&a, n, r, m, 7) == ERR_OK);
	check_true("same seed generates", matrix_completion_generate(&b, n, r, m, 7) == ERR_OK);
	check_true("other seed generates", matrix_completion_generate(&c, n, r, m, 8) == ERR_OK);
	const struct dataset_matrix *mp = a.matrix;
	double fro = 0;
	for (int i = 0; i < n * n; i++)
		fro += mp->truth[i] * mp->truth[i];
	double want = n;
	fro = sqrt(fro);
	check_close("|W*|_F = n", &fro, &want, 1, 0, 1e-13);
	double M[n * n], s[n], superb[n];
	memcpy(M, mp->truth, sizeof(M));
	LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'N', 'N', n, n, M, n, s, NULL, 1, NULL, 1, superb);
	check_true("W* has rank 3: sigma_3 / sigma_1 > 1e-3, sigma_4 / sigma_1 < 1e-13",
		   s[2] / s[0] > 1e-3 && s[3] / s[0] < 1e-13);
	int seen[n * n] = {0}, ok = 1;
	for (int i = 0; i < m; i++) {
		int e = mp->entry[i];
		ok &= e >= 0 && e < n * n && !seen[e] && mp->y[i] == mp->truth[e];
		if (e >= 0 && e < n * n)
			seen[e] = 1;
	}
	check_true("observed entries distinct, in range, y = W*[entry]", ok);
	check_true("shape: m observations, d = k = n, no X",
		   a.m == m && a.d == n && a.k == n && !a.X && !a.Y);
	check_true("same seed: same digest and entries",
		   !strcmp(mp->digest, b.matrix->digest) &&
			   !memcmp(mp->entry, b.matrix->entry, m * sizeof(int)) &&
			   !memcmp(mp->truth, b.matrix->truth, sizeof(double) * n * n));
	check_true("another seed: another digest", strcmp(mp->digest, c.matrix->digest) != 0);
	dataset_release(&a);
	dataset_release(&b);
	dataset_release(&c);
	struct dataset all;
	check_true("m = n^2 observes every entry once",
		   matrix_completion_generate(&all, 5, 1, 25, 3) == ERR_OK);
	int every[25] = {0}, count = 0;
	for (int i = 0; i < 25; i++)
		every[all.matrix->entry[i]]++;
	for (int i = 0; i < 25; i++)
		count += every[i] == 1;
	check_true("... a permutation of the 25 entries", count == 25);
	dataset_release(&all);
	check_true("m > n^2 refused", matrix_completion_generate(&all, 5, 1, 26, 3) == ERR_INPUT);
	err_clear();
	check_true("rank > n refused", matrix_sensing_generate(&all, 5, 6, 10, 3) == ERR_INPUT);
	err_clear();
}

/* The 2 x 2 case by hand: observed (0,1) = 1 and (1,0) = 1, W = [[0.5, 2],
 * [3, 7]]: residuals 1 and 2, L = (1 + 4) / 2 = 2.5, G = 2 r / m at the
 * observed entries: [[0, 1], [2, 0]]. */
static void hand_case(void)
{
	int entry[2] = {1, 2};
	double y[2] = {1, 1}, truth[4] = {0};
	struct dataset_matrix mp = {.task = MATRIX_COMPLETION, .rows = 2, .cols = 2, .rank = 1, .m = 2,
				    .entry = entry, .y = y, .truth = truth};
	struct dataset ds = {.m = 2, .d = 2, .k = 2, .matrix = &mp};
	double W[4] = {0.5, 2, 3, 7}, G[4] = {9, 9, 9, 9};
	double L = eval(&ds, NULL, W, G), wantL = 2.5, wantG[4] = {0, 1, 2, 0};
	check_close("completion by hand: L", &L, &wantL, 1, 0, 0);
	check_close("completion by hand: G", G, wantG, 4, 0, 0);
	struct matrix_metrics_work w;
	double out[7];
	if (check_true("metrics work", matrix_metrics_work_create(&w, &mp) == ERR_OK)) {
		matrix_metrics(&mp, W, 1, &w, out);
		check_true("unobserved_max: max(|0.5|, |7|) = 7", out[4] == 7);
		matrix_metrics_work_release(&w);
	}
	/* the user's entries: sorted with their values, no truth (test error NaN),
	 * bad ones refused */
	struct dataset u;
	double tri[9] = {1, 1, 0, 0, 1, 1, 1, 0, 1};
	if (check_true("entries given", matrix_completion_from_entries(&u, 2, 3, tri) == ERR_OK)) {
		const struct dataset_matrix *q = u.matrix;
		check_true("entries sorted with their values",
			   q->entry[0] == 1 && q->entry[1] == 2 && q->entry[2] == 3 && q->y[0] == 1 &&
				   q->y[1] == 1 && q->y[2] == 0 && !q->truth);
		check_true("no truth: test error NaN", isnan(matrix_test_error(q, W)));
		dataset_release(&u);
	}
	double twice[6] = {0, 1, 1, 0, 1, 2};
	check_true("an entry given twice is refused", matrix_completion_from_entries(&u, 2, 2, twice) == ERR_INPUT);
	err_clear();
	double outside[3] = {2, 0, 1};
	check_true("an entry outside the matrix is refused",
		   matrix_completion_from_entries(&u, 2, 1, outside) == ERR_INPUT);
	err_clear();
}

/* L and G against long-double sums, and G against central differences. */
static void against_naive(const char *what, const struct dataset *ds, struct par_pool *pool)
{
	const struct dataset_matrix *mp = ds->matrix;
	int n = mp->rows, nn = n * n;
	double *W = malloc(nn * sizeof(double)), *G = malloc(nn * sizeof(double));
	double *Gn = malloc(nn * sizeof(double)), *G2 = malloc(nn * sizeof(double));
	struct rng g;
	rng_seed(&g, 11);
	for (int i = 0; i < nn; i++)
		W[i] = mp->truth[i] + 0.3 * rng_normal(&g);
	double L = eval(ds, NULL, W, G);
	long double sum = 0;
	for (int i = 0; i < nn; i++)
		Gn[i] = 0;
	for (int i = 0; i < mp->m; i++) {
		long double pred = 0;
		if (mp->task == MATRIX_COMPLETION)
			pred = W[mp->entry[i]];
		else
			for (int e = 0; e < nn; e++)
				pred += (long double)mp->A[(size_t)i * nn + e] * W[e];
		long double res = pred - mp->y[i];
		sum += res * res;
		for (int e = 0; e < nn; e++) {
			long double a = mp->task == MATRIX_COMPLETION ? (e == mp->entry[i])
								      : mp->A[(size_t)i * nn + e];
			Gn[e] += (double)(2 * res * a / mp->m);
		}
	}
	double Ln = (double)(sum / mp->m), gmax = 0;
	for (int i = 0; i < nn; i++)
		gmax = fmax(gmax, fabs(Gn[i]));
	char label[128];
	snprintf(label, sizeof(label), "%s: L against a long-double sum", what);
	check_close(label, &L, &Ln, 1, 0, 1e-12);
	snprintf(label, sizeof(label), "%s: G against a long-double sum", what);
	check_close(label, G, Gn, nn, 1e-12 * gmax, 1e-10);
	/* central differences on 6 entries: error O(h^2) = 0 for a quadratic,
	 * so only rounding, about eps L / h */
	double h = 1e-4, fd[6], at[6];
	for (int t = 0; t < 6; t++) {
		int e = (int)(rng_u64(&g) % nn);
		double w0 = W[e];
		W[e] = w0 + h;
		double up = eval(ds, NULL, W, NULL);
		W[e] = w0 - h;
		double down = eval(ds, NULL, W, NULL);
		W[e] = w0;
		fd[t] = (up - down) / (2 * h);
		at[t] = G[e];
	}
	snprintf(label, sizeof(label), "%s: G against central differences", what);
	check_close(label, at, fd, 6, 1e-9 * (1 + L), 1e-7);
	if (pool) {
		double L2 = eval(ds, pool, W, G2);
		snprintf(label, sizeof(label), "%s: 2 threads = 1 thread (bitwise)", what);
		check_true(label, L2 == L && !memcmp(G, G2, nn * sizeof(double)));
	}
	free(W);
	free(G);
	free(Gn);
	free(G2);
}

/* At W = W* the loss is a few ulps of y's mean square, the test error 0. */
static void at_truth(const char *what, const struct dataset *ds)
{
	const struct dataset_matrix *mp = ds->matrix;
	double L = eval(ds, NULL, mp->truth, NULL), te = matrix_test_error(mp, mp->truth);
	char label[96];
	snprintf(label, sizeof(label), "%s: L(W*) < 1e-25, test error 0", what);
	check_true(label, L < 1e-25 && te == 0);
}

/* W = diag(3, 1, 0, 0) against W* = 0: test error (9 + 1) / 16; nuclear 4;
 * effective rank exp(H(3/4, 1/4)); Schatten 2/N quasi-norm at N = 2 (the
 * nuclear norm) and N = 4 ((sqrt 3 + 1)^2); sv1..sv4 = 3, 1, 0, 0. */
static void metrics_case(void)
{
	double truth[16] = {0}, W[16] = {0}, out[9];
	W[0] = 3;
	W[5] = 1;
	struct dataset_matrix mp = {.task = MATRIX_COMPLETION, .rows = 4, .cols = 4, .rank = 1, .truth = truth};
	struct matrix_metrics_work w;
	check_true("metrics work", matrix_metrics_work_create(&w, &mp) == ERR_OK);
	check_true("5 + min(n, 10) columns", matrix_metric_count(&mp) == 9);
	char name[16];
	matrix_metric_name(5, name, sizeof(name));
	check_true("column 5 is sv1", !strcmp(name, "sv1"));
	matrix_metrics(&mp, W, 2, &w, out);
	double H = -(0.75 * log(0.75) + 0.25 * log(0.25));
	/* no entry observed: unobserved_max is max |W_ij| = 3 */
	double want[9] = {10.0 / 16, exp(H), 4, 4, 3, 3, 1, 0, 0};
	check_close("metrics at depth 2", out, want, 9, 1e-14, 1e-14);
	matrix_metrics(&mp, W, 4, &w, out);
	double s4 = (sqrt(3.0) + 1) * (sqrt(3.0) + 1);
	check_close("Schatten 1/2 quasi-norm at depth 4", &out[3], &s4, 1, 0, 1e-14);
	matrix_metrics_work_release(&w);
}

/* The nuclear norm of a 3 x 3 matrix (LAPACK, the checks' own call). */
static double nuclear3(const double *X)
{
	double M[9], s[3], superb[3];
	memcpy(M, X, sizeof(M));
	LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'N', 'N', 3, 3, M, 3, s, NULL, 1, NULL, 1, superb);
	return s[0] + s[1] + s[2];
}

/* min over b of the nuclear norm of X with X[e1] = a, X[e2] = b, by golden
 * section (convex in b); *arg gets the minimizer. */
static double inner_min(double *X, int e1, int e2, double a, double *arg)
{
	const double g = (sqrt(5.0) - 1) / 2;
	double lo = -20, hi = 20;
	X[e1] = a;
	for (int it = 0; it < 120; it++) {
		double c = hi - g * (hi - lo), d = lo + g * (hi - lo);
		X[e2] = c;
		double fc = nuclear3(X);
		X[e2] = d;
		double fd = nuclear3(X);
		if (fc < fd)
			hi = d;
		else
			lo = c;
	}
	*arg = (lo + hi) / 2;
	X[e2] = *arg;
	return nuclear3(X);
}

/* A completion problem given by its entries (no ground truth: W* = 0). */
struct hand {
	int entry[16];
	double y[16], truth[16];
	struct dataset_matrix mp;
};

static void hand_problem(struct hand *h, int n, int m, const int *entry, const double *y)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->entry, entry, m * sizeof(int));
	memcpy(h->y, y, m * sizeof(double));
	h->mp = (struct dataset_matrix){.task = MATRIX_COMPLETION, .rows = n, .cols = n, .rank = 1, .m = m,
					.entry = h->entry, .y = h->y, .truth = h->truth};
}

/* A 2 x 2 completion of three entries whose least nuclear norm is 2, with
 * the free entry at want. */
static void two_by_two(const char *what, const int *entry, const double *y, int free_entry,
		       double want)
{
	struct hand h;
	struct nucnorm_result res;
	char label[96];
	hand_problem(&h, 2, 3, entry, y);
	snprintf(label, sizeof(label), "%s: the baseline solves", what);
	if (!check_true(label, nucnorm_solve(&h.mp, NUCNORM_TOL, NUCNORM_MAX_ITER, 1, &res) == ERR_OK &&
				       res.converged))
		return;
	double two = 2;
	snprintf(label, sizeof(label), "%s: |X|_* = 2", what);
	check_close(label, &res.nuclear, &two, 1, 0, 1e-6);
	snprintf(label, sizeof(label), "%s: the free entry", what);
	check_close(label, &res.X[free_entry], &want, 1, 1e-5, 0);
	free(res.X);
}

/* The nuclear-norm baseline against closed forms and another method:
 * - 2 x 2, (0,0) = (0,1) = (1,0) = 1: |X|_* = sqrt(3 + x^2 + 2 |x - 1|) is
 *   least at x = 1 (the rank-1 completion), value 2;
 * - 2 x 2, Razin & Cohen's (0,1) = (1,0) = 1, (1,1) = 0: |X|_* =
 *   sqrt(x^2 + 4), least at x = 0, value 2;
 * - every entry observed: X = W*;
 * - 3 x 3 with two entries free: nested golden sections (the partial
 *   minimum of a convex function is convex);
 * - sensing of a rank-1 8 x 8 matrix from 48 measurements: exact recovery
 *   (m well above the 3 r n of the theory). */
static void baseline_case(void)
{
	struct hand h;
	struct nucnorm_result res;
	two_by_two("rank-1 2 x 2", (int[]){0, 1, 2}, (double[]){1, 1, 1}, 3, 1);
	two_by_two("Razin & Cohen's 2 x 2", (int[]){1, 2, 3}, (double[]){1, 1, 0}, 0, 0);

	struct rng g;
	rng_seed(&g, 21);
	double X[9];
	int entry[7], m = 0, free1 = 2, free2 = 6;
	double y[7];
	for (int e = 0; e < 9; e++) {
		X[e] = rng_normal(&g);
		if (e != free1 && e != free2) {
			entry[m] = e;
			y[m++] = X[e];
		}
	}
	hand_problem(&h, 3, 7, entry, y);
	check_true("baseline solves (3 x 3, two free entries)",
		   nucnorm_solve(&h.mp, NUCNORM_TOL, NUCNORM_MAX_ITER, 1, &res) == ERR_OK && res.converged);
	const double gr = (sqrt(5.0) - 1) / 2;
	double lo = -20, hi = 20, b;
	for (int it = 0; it < 120; it++) {
		double c = hi - gr * (hi - lo), d = lo + gr * (hi - lo);
		if (inner_min(X, free1, free2, c, &b) < inner_min(X, free1, free2, d, &b))
			hi = d;
		else
			lo = c;
	}
	double best = inner_min(X, free1, free2, (lo + hi) / 2, &b);
	check_close("3 x 3: ADMM's |X|_* = nested golden sections'", &res.nuclear, &best, 1, 0, 1e-6);
	check_true("3 x 3: observed entries kept within 1e-6", res.violation < 1e-6);
	free(res.X);

	struct dataset ds;
	if (check_true("all observed", matrix_completion_generate(&ds, 6, 2, 36, 4) == ERR_OK)) {
		nucnorm_solve(ds.matrix, NUCNORM_TOL, NUCNORM_MAX_ITER, 0, &res);
		check_true("all observed: X = W* (test error < 1e-12)", res.test_error < 1e-12);
		dataset_release(&ds);
	}
	if (check_true("sensing 8 x 8 rank 1, 48 measurements",
		       matrix_sensing_generate(&ds, 8, 1, 48, 4) == ERR_OK)) {
		nucnorm_solve(ds.matrix, NUCNORM_TOL, NUCNORM_MAX_ITER, 0, &res);
		check_true("sensing: exact recovery (test error < 1e-10), effective rank 1",
			   res.converged && res.test_error < 1e-10 && fabs(res.eff_rank - 1) < 1e-4);
		dataset_release(&ds);
	}
}

/* Writes text to a temporary file; returns its path (static). */
static const char *temp_file(const char *text)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/test_matrix_XXXXXX");
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

/* A file of MovieLens-style lines: the shape from the largest indices,
 * counted from 1, a header and a timestamp skipped; the split by the seed
 * holds out round(0.25 * 8) = 2 entries, the same 2 for the same seed and
 * whatever the lines' order; the test error is the held-out entries' mean
 * squared error; bad lines are refused by file and line. */
static void file_case(void)
{
	const char *rows = "u\ti\tr\tt\n1\t1\t1.5\t9\n1\t3\t2\t9\n2\t2\t-1\t9\n2\t4\t4\t9\n"
			   "3\t1\t0.5\t9\n3\t2\t3\t9\n3\t4\t-2\t9\n1\t4\t1\t9\n";
	const char *shuffled = "3,4,-2\n1,4,1\n2,2,-1\n1,1,1.5\n3,2,3\n1,3,2\n3,1,0.5\n2,4,4\n";
	struct dataset a, b;
	char pa[64];
	snprintf(pa, sizeof(pa), "%s", temp_file(rows));
	const char *pb = temp_file(shuffled);
	if (!check_true("file loads", matrix_completion_load(&a, pa, 1, 0.25, 7) == ERR_OK))
		return;
	if (!check_true("shuffled file loads", matrix_completion_load(&b, pb, 1, 0.25, 7) == ERR_OK)) {
		dataset_release(&a);
		return;
	}
	const struct dataset_matrix *mp = a.matrix;
	check_true("3 x 4 from the largest indices; d = 4 columns, k = 3 rows",
		   mp->rows == 3 && mp->cols == 4 && a.d == 4 && a.k == 3);
	check_true("6 observed, 2 held out", mp->m == 6 && mp->m_test == 2 && a.m == 6);
	check_true("the same split whatever the lines' order",
		   !memcmp(mp->test_entry, b.matrix->test_entry, 2 * sizeof(int)) &&
			   !memcmp(mp->entry, b.matrix->entry, 6 * sizeof(int)) &&
			   !strcmp(mp->digest, b.matrix->digest));
	double W[12] = {0};
	W[mp->test_entry[0]] = 1;
	double want = ((1 - mp->test_y[0]) * (1 - mp->test_y[0]) + mp->test_y[1] * mp->test_y[1]) / 2;
	double got = matrix_test_error(mp, W);
	check_close("test error: the held-out entries' mean squared error", &got, &want, 1, 0, 1e-15);
	struct dataset c;
	int other = 0; /* 28 ways to hold out 2 of 8: some of 8 seeds differ */
	for (unsigned long long seed = 8; seed < 16; seed++)
		if (matrix_completion_load(&c, pa, 1, 0.25, seed) == ERR_OK) {
			other += strcmp(c.matrix->digest, mp->digest) != 0;
			dataset_release(&c);
		}
	check_true("other seeds, other splits", other > 0);
	dataset_release(&a);
	dataset_release(&b);
	remove(pa);
	remove(pb);
	static const struct {
		const char *text, *want;
		int one_based;
	} bad[] = {
		{"1 1 1\n2 2\n", ":2: expected row, column and value, got 2 fields", 1},
		{"1 1 1\n2 x 3\n", ":2: the row and column must be integers", 1},
		{"1 1 1\n2 2 nan\n", ":2: the value must be a finite number", 1},
		{"1 1 1\n0 2 3\n", ":2: row 0, column 2: indices from 1", 1},
		{"0 0 1\n1 1 2\n0 0 3\n", ":3: row 0, column 0 also on line 1", 0},
		{"0 0 1\n", "1 entries: at least 2", 0},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *p = temp_file(bad[i].text);
		char label[96];
		snprintf(label, sizeof(label), "bad file %zu refused", i);
		if (check_true(label, matrix_completion_load(&c, p, bad[i].one_based, 0.25, 1) == ERR_INPUT))
			check_contains(label, err_message(), bad[i].want);
		err_clear();
		remove(p);
	}
}

int main(void)
{
	file_case();
	baseline_case();
	generation_case();
	hand_case();
	metrics_case();
	struct par_pool *pool = NULL;
	check_true("pool of 2 threads", par_create(&pool, 2) == 0);
	struct dataset ds;
	if (check_true("completion n 20, rank 2, 150 entries",
		       matrix_completion_generate(&ds, 20, 2, 150, 5) == ERR_OK)) {
		against_naive("completion", &ds, pool);
		at_truth("completion", &ds);
		dataset_release(&ds);
	}
	/* 300 measurements: 3 chunks of rows, so the reduction is exercised */
	if (check_true("sensing n 9, rank 2, 300 measurements",
		       matrix_sensing_generate(&ds, 9, 2, 300, 5) == ERR_OK)) {
		against_naive("sensing", &ds, pool);
		at_truth("sensing", &ds);
		const struct dataset_matrix *mp = ds.matrix;
		double ms = 0;
		for (int i = 0; i < mp->m; i++)
			ms += mp->y[i] * mp->y[i] / mp->m;
		check_true("sensing: y's mean square about |W*|_F^2 / n^2 = 1 (0.8..1.2)",
			   ms > 0.8 && ms < 1.2);
		dataset_release(&ds);
	}
	par_free(pool);
	return check_done("test_matrix");
}
