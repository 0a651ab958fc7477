/* matrix: generated matrix completion and sensing problems, and the
 * metrics of a candidate against them (see matrix.h). */
#include "overparam/matrix.h"
#include "overparam/error.h"
#include "overparam/rng.h"
#include "overparam/sha256.h"

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest n: W and the metrics' workspace stay small, and a sensing
 * problem's A (m n^2 doubles) stays under memory a machine has. */
#define MATRIX_MAX_N 4096

/* W* (n, n) of rank r from g: U, V (n, r) with N(0, 1) entries (U first,
 * row-major), W* = U V^T / sqrt(r), rescaled to ||W*||_F = n. */
static int ground_truth(double *W, int n, int r, struct rng *g)
{
	double *U = malloc((size_t)n * r * sizeof(double));
	double *V = malloc((size_t)n * r * sizeof(double));
	if (!U || !V) {
		free(U);
		free(V);
		return err_set(ERR_RUNTIME, "out of memory");
	}
	for (size_t i = 0; i < (size_t)n * r; i++)
		U[i] = rng_normal(g);
	for (size_t i = 0; i < (size_t)n * r; i++)
		V[i] = rng_normal(g);
	double fro = 0;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			double s = 0;
			for (int q = 0; q < r; q++)
				s += U[(size_t)i * r + q] * V[(size_t)j * r + q];
			s /= sqrt((double)r);
			W[(size_t)i * n + j] = s;
			fro += s * s;
		}
	double scale = n / sqrt(fro);
	for (size_t i = 0; i < (size_t)n * n; i++)
		W[i] *= scale;
	free(U);
	free(V);
	return ERR_OK;
}

/* The problem's common part: sizes checked, truth drawn from seed. */
static int problem_begin(struct dataset *ds, enum matrix_task task, int n, int rank, int m,
			 unsigned long long seed, struct rng *g)
{
	memset(ds, 0, sizeof(*ds));
	if (n < 1 || n > MATRIX_MAX_N || rank < 1 || rank > n || m < 1)
		return err_set(ERR_INPUT, "a matrix problem needs 1 <= rank <= n <= %d and m >= 1, got n %d, rank %d, m %d",
			       MATRIX_MAX_N, n, rank, m);
	if (task == MATRIX_COMPLETION && (double)m > (double)n * n)
		return err_set(ERR_INPUT, "matrix completion: %d observations, but the matrix has %d entries",
			       m, n * n);
	struct dataset_matrix *mp = calloc(1, sizeof(*mp));
	ds->matrix = mp;
	if (!mp || !(mp->y = malloc((size_t)m * sizeof(double))) ||
	    !(mp->truth = malloc((size_t)n * n * sizeof(double)))) {
		dataset_release(ds);
		return err_set(ERR_RUNTIME, "out of memory");
	}
	mp->task = task;
	mp->n = n;
	mp->rank = rank;
	mp->m = m;
	ds->m = m;
	ds->d = ds->k = n;
	rng_seed(g, seed);
	int rc = ground_truth(mp->truth, n, rank, g);
	if (rc)
		dataset_release(ds);
	return rc;
}

/* The digest of what was generated: entries or A, then y, then W*. */
static void problem_digest(struct dataset_matrix *mp)
{
	struct sha256 h;
	sha256_init(&h);
	size_t nn = (size_t)mp->n * mp->n;
	if (mp->entry)
		sha256_update(&h, mp->entry, (size_t)mp->m * sizeof(int));
	if (mp->A)
		sha256_update(&h, mp->A, (size_t)mp->m * nn * sizeof(double));
	sha256_update(&h, mp->y, (size_t)mp->m * sizeof(double));
	if (mp->truth)
		sha256_update(&h, mp->truth, nn * sizeof(double));
	sha256_final_hex(&h, mp->digest);
}

static int int_ascending(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int matrix_completion_generate(struct dataset *ds, int n, int rank, int m,
			       unsigned long long seed)
{
	struct rng g;
	int rc = problem_begin(ds, MATRIX_COMPLETION, n, rank, m, seed, &g);
	if (rc)
		return rc;
	struct dataset_matrix *mp = ds->matrix;
	size_t nn = (size_t)n * n;
	int *perm = malloc(nn * sizeof(int));
	mp->entry = malloc((size_t)m * sizeof(int));
	if (!perm || !mp->entry) {
		free(perm);
		dataset_release(ds);
		return err_set(ERR_RUNTIME, "out of memory");
	}
	/* The first m draws of a Fisher-Yates shuffle: m distinct entries, each
	 * subset equally likely (up to the modulo's bias, below 2^-40 for
	 * n^2 <= 2^24). */
	for (size_t i = 0; i < nn; i++)
		perm[i] = (int)i;
	for (int i = 0; i < m; i++) {
		size_t j = i + (size_t)(rng_u64(&g) % (nn - i));
		int t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
		mp->entry[i] = perm[i];
	}
	free(perm);
	/* kept in ascending order (row by row): the loss and the layer
	 * gradients go over them in this order */
	qsort(mp->entry, (size_t)m, sizeof(int), int_ascending);
	for (int i = 0; i < m; i++)
		mp->y[i] = mp->truth[mp->entry[i]];
	problem_digest(mp);
	return ERR_OK;
}

/* For sorting user entries with their values. */
struct entry_value {
	int e;
	double v;
};

static int entry_ascending(const void *a, const void *b)
{
	int x = ((const struct entry_value *)a)->e, y = ((const struct entry_value *)b)->e;
	return (x > y) - (x < y);
}

int matrix_completion_from_entries(struct dataset *ds, int n, int m, const double *triples)
{
	memset(ds, 0, sizeof(*ds));
	if (n < 1 || n > MATRIX_MAX_N || m < 1 || (double)m > (double)n * n)
		return err_set(ERR_INPUT, "matrix completion: %d entries of a %d x %d matrix", m, n, n);
	struct entry_value *ev = malloc((size_t)m * sizeof(*ev));
	struct dataset_matrix *mp = calloc(1, sizeof(*mp));
	ds->matrix = mp;
	if (!ev || !mp || !(mp->entry = malloc((size_t)m * sizeof(int))) ||
	    !(mp->y = malloc((size_t)m * sizeof(double)))) {
		free(ev);
		dataset_release(ds);
		return err_set(ERR_RUNTIME, "out of memory");
	}
	for (int i = 0; i < m; i++) {
		double r = triples[3 * i], c = triples[3 * i + 1], v = triples[3 * i + 2];
		if (!(r >= 0 && r < n && c >= 0 && c < n) || r != floor(r) || c != floor(c) || !isfinite(v)) {
			free(ev);
			dataset_release(ds);
			return err_set(ERR_INPUT, "matrix completion: entry %d: (%g, %g, %g) is not a row and column in 0..%d and a finite value",
				       i, r, c, v, n - 1);
		}
		ev[i] = (struct entry_value){(int)r * n + (int)c, v};
	}
	qsort(ev, (size_t)m, sizeof(*ev), entry_ascending);
	for (int i = 0; i < m; i++) {
		if (i > 0 && ev[i].e == ev[i - 1].e) {
			int e = ev[i].e;
			free(ev);
			dataset_release(ds);
			return err_set(ERR_INPUT, "matrix completion: entry (%d, %d) given twice", e / n, e % n);
		}
		mp->entry[i] = ev[i].e;
		mp->y[i] = ev[i].v;
	}
	free(ev);
	mp->task = MATRIX_COMPLETION;
	mp->n = n;
	mp->m = m;
	ds->m = m;
	ds->d = ds->k = n;
	problem_digest(mp);
	return ERR_OK;
}

int matrix_sensing_generate(struct dataset *ds, int n, int rank, int m,
			    unsigned long long seed)
{
	struct rng g;
	if ((double)m * n * n > 4e8) /* 3.2 GB of A */
		return err_set(ERR_INPUT, "matrix sensing: m n^2 = %.3g doubles of measurements is too large (at most 4e8)",
			       (double)m * n * n);
	int rc = problem_begin(ds, MATRIX_SENSING, n, rank, m, seed, &g);
	if (rc)
		return rc;
	struct dataset_matrix *mp = ds->matrix;
	size_t nn = (size_t)n * n;
	if (!(mp->A = dataset_rows_alloc((size_t)m * nn))) {
		dataset_release(ds);
		return err_set(ERR_RUNTIME, "out of memory for %d measurement matrices", m);
	}
	for (int i = 0; i < m; i++) {
		double *a = mp->A + (size_t)i * nn, s = 0;
		for (size_t e = 0; e < nn; e++) {
			a[e] = rng_normal(&g) / n;
			s += a[e] * mp->truth[e];
		}
		mp->y[i] = s;
	}
	problem_digest(mp);
	return ERR_OK;
}

/* The metrics before sv1.. */
enum { FIXED_METRICS = 5 };

int matrix_metric_count(const struct dataset_matrix *mp)
{
	return FIXED_METRICS + (mp->n < MATRIX_TOP_SV ? mp->n : MATRIX_TOP_SV);
}

void matrix_metric_name(int i, char *buf, size_t n)
{
	static const char *const fixed[FIXED_METRICS] = {"test_error", "eff_rank", "nuclear",
							 "schatten", "unobserved_max"};
	if (i < FIXED_METRICS)
		snprintf(buf, n, "%s", fixed[i]);
	else
		snprintf(buf, n, "sv%d", i - FIXED_METRICS + 1);
}

int matrix_metrics_work_create(struct matrix_metrics_work *w, const struct dataset_matrix *mp)
{
	int n = mp->n;
	w->n = n;
	w->a = malloc((size_t)n * n * sizeof(double));
	w->s = malloc((size_t)n * sizeof(double));
	w->superb = malloc((size_t)n * sizeof(double));
	w->observed = calloc((size_t)n * n, 1);
	if (w->observed && mp->entry)
		for (int i = 0; i < mp->m; i++)
			w->observed[mp->entry[i]] = 1;
	if (w->a && w->s && w->superb && w->observed)
		return ERR_OK;
	matrix_metrics_work_release(w);
	return err_set(ERR_RUNTIME, "out of memory");
}

void matrix_metrics_work_release(struct matrix_metrics_work *w)
{
	free(w->a);
	free(w->s);
	free(w->superb);
	free(w->observed);
	memset(w, 0, sizeof(*w));
}

double matrix_test_error(const struct dataset_matrix *mp, const double *W)
{
	if (!mp->truth)
		return NAN;
	size_t nn = (size_t)mp->n * mp->n;
	double sum = 0;
	for (size_t i = 0; i < nn; i++) {
		double e = W[i] - mp->truth[i];
		sum += e * e;
	}
	return sum / (double)nn;
}

void matrix_metrics(const struct dataset_matrix *mp, const double *W, int depth,
		    struct matrix_metrics_work *w, double *out)
{
	int n = mp->n, cols = matrix_metric_count(mp);
	out[0] = matrix_test_error(mp, W);
	double most = mp->task == MATRIX_COMPLETION ? 0 : NAN;
	for (size_t i = 0; mp->task == MATRIX_COMPLETION && i < (size_t)n * n; i++)
		if (!w->observed[i])
			most = fmax(most, fabs(W[i]));
	out[4] = most;
	memcpy(w->a, W, (size_t)n * n * sizeof(double));
	lapack_int info = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'N', 'N', n, n, w->a, n, w->s,
					 NULL, 1, NULL, 1, w->superb);
	if (info != 0) {
		for (int i = 1; i < cols; i++)
			if (i != 4)
				out[i] = NAN;
		return;
	}
	double nuclear = 0, quasi = 0, entropy = 0, p = 2.0 / depth;
	for (int i = 0; i < n; i++) {
		nuclear += w->s[i];
		quasi += pow(w->s[i], p);
	}
	for (int i = 0; i < n; i++) {
		double q = w->s[i] / nuclear;
		if (q > 0)
			entropy -= q * log(q);
	}
	out[1] = nuclear > 0 ? exp(entropy) : NAN;
	out[2] = nuclear;
	out[3] = pow(quasi, 1.0 / p);
	for (int i = FIXED_METRICS; i < cols; i++)
		out[i] = w->s[i - FIXED_METRICS];
}
