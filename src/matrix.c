/* matrix: generated matrix completion and sensing problems, and the
 * metrics of a candidate against them (see matrix.h). */
#include "overparam/matrix.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/lines.h"
#include "overparam/rng.h"
#include "overparam/sha256.h"

#include <errno.h>
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
	mp->rows = mp->cols = n;
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
	size_t nn = (size_t)mp->rows * mp->cols;
	if (mp->entry)
		sha256_update(&h, mp->entry, (size_t)mp->m * sizeof(int));
	if (mp->test_entry) {
		sha256_update(&h, mp->test_entry, (size_t)mp->m_test * sizeof(int));
		sha256_update(&h, mp->test_y, (size_t)mp->m_test * sizeof(double));
	}
	if (mp->A)
		sha256_update(&h, mp->A, (size_t)mp->m * nn * sizeof(double));
	sha256_update(&h, mp->y, (size_t)mp->m * sizeof(double));
	if (mp->truth)
		sha256_update(&h, mp->truth, nn * sizeof(double));
	sha256_final_hex(&h, mp->digest);
}

/* perm = 0..n-1, then the first k swaps of a Fisher-Yates shuffle from g:
 * perm[0..k) is a uniformly drawn k-subset in draw order (up to the
 * modulo's bias, below 2^-40 for n <= 2^24), the same whatever n - k. */
static void shuffle_prefix(int *perm, size_t n, size_t k, struct rng *g)
{
	for (size_t i = 0; i < n; i++)
		perm[i] = (int)i;
	for (size_t i = 0; i < k && i + 1 < n; i++) {
		size_t j = i + (size_t)(rng_u64(g) % (n - i));
		int t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
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
	/* m distinct entries, each subset equally likely */
	shuffle_prefix(perm, nn, (size_t)m, &g);
	memcpy(mp->entry, perm, (size_t)m * sizeof(int));
	free(perm);
	/* kept in ascending order (row by row): the loss and the layer
	 * gradients go over them in this order */
	qsort(mp->entry, (size_t)m, sizeof(int), int_ascending);
	for (int i = 0; i < m; i++)
		mp->y[i] = mp->truth[mp->entry[i]];
	problem_digest(mp);
	return ERR_OK;
}

/* An entry given by the user (the config's, or a file's line), sorted by
 * its index e to find repeats and to keep the observations ascending. */
struct file_entry {
	long e;         /* row * cols + column */
	int r, c, line; /* line: the file's, or the entry's position in the config */
	double v;
};

static int file_entry_ascending(const void *a, const void *b)
{
	long x = ((const struct file_entry *)a)->e, y = ((const struct file_entry *)b)->e;
	return (x > y) - (x < y);
}

int matrix_completion_from_entries(struct dataset *ds, int n, int m, const double *triples)
{
	memset(ds, 0, sizeof(*ds));
	if (n < 1 || n > MATRIX_MAX_N || m < 1 || (double)m > (double)n * n)
		return err_set(ERR_INPUT, "matrix completion: %d entries of a %d x %d matrix", m, n, n);
	struct file_entry *ev = malloc((size_t)m * sizeof(*ev));
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
		ev[i] = (struct file_entry){(long)r * n + (long)c, (int)r, (int)c, i, v};
	}
	qsort(ev, (size_t)m, sizeof(*ev), file_entry_ascending);
	for (int i = 0; i < m; i++) {
		if (i > 0 && ev[i].e == ev[i - 1].e) {
			int r = ev[i].r, c = ev[i].c;
			free(ev);
			dataset_release(ds);
			return err_set(ERR_INPUT, "matrix completion: entry (%d, %d) given twice", r, c);
		}
		mp->entry[i] = (int)ev[i].e;
		mp->y[i] = ev[i].v;
	}
	free(ev);
	mp->task = MATRIX_COMPLETION;
	mp->rows = mp->cols = n;
	mp->m = m;
	ds->m = m;
	ds->d = ds->k = n;
	problem_digest(mp);
	return ERR_OK;
}

/* The largest matrix a file may describe: W and its workspaces stay near
 * a gigabyte. */
#define MATRIX_FILE_MAX_ENTRIES 25000000.0

/* Splits line s at blanks, tabs, commas and semicolons into up to max
 * fields (NUL-terminated in place); returns the count. */
static int split_fields(char *s, char **f, int max)
{
	int n = 0;
	for (char *p = strtok(s, " \t,;\r"); p && n < max; p = strtok(NULL, " \t,;\r"))
		f[n++] = p;
	return n;
}

static int parse_index(const char *s, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *end || errno)
		return -1;
	*out = v;
	return 0;
}

/* Reads the file's entries into *out (*n of them); *rows, *cols the shape. */
static int read_entries(const char *path, int one_based, struct file_entry **out, int *n,
			int *rows, int *cols, int *lines_read)
{
	char *text = file_read_all(path, NULL);
	if (!text)
		return ERR_INPUT;
	struct file_entry *e = NULL;
	int cap = 0, count = 0, line = 0, rc = ERR_OK;
	long max_r = -1, max_c = -1;
	*lines_read = 0;
	for (char *s = text, *next; s && *s && !rc; s = next) {
		next = strchr(s, '\n');
		if (next)
			*next++ = '\0';
		line++;
		char *f[8];
		int nf = split_fields(s, f, 8);
		if (nf == 0)
			continue;
		long r, c;
		char *end;
		int numeric = parse_index(f[0], &r) == 0;
		if (line == 1 && !numeric)
			continue; /* a header */
		if (nf < 3) {
			rc = err_set(ERR_INPUT, "%s:%d: expected row, column and value, got %d field%s", path,
				     line, nf, nf == 1 ? "" : "s");
			break;
		}
		double v = strtod(f[2], &end);
		if (!numeric || parse_index(f[1], &c)) {
			rc = err_set(ERR_INPUT, "%s:%d: the row and column must be integers, got '%s' and '%s'",
				     path, line, f[0], f[1]);
			break;
		}
		if (end == f[2] || *end || !isfinite(v)) {
			rc = err_set(ERR_INPUT, "%s:%d: the value must be a finite number, got '%s'", path, line,
				     f[2]);
			break;
		}
		r -= one_based;
		c -= one_based;
		if (r < 0 || c < 0 || r >= 1000000 || c >= 1000000) {
			rc = err_set(ERR_INPUT, "%s:%d: row %ld, column %ld: indices from %d up to 999999%s", path,
				     line, r + one_based, c + one_based, one_based,
				     one_based ? "" : " (data.one_based: true for files counted from 1)");
			break;
		}
		if (count == cap) {
			cap = cap ? 2 * cap : 1024;
			struct file_entry *ne = realloc(e, (size_t)cap * sizeof(*e));
			if (!ne) {
				rc = err_set(ERR_RUNTIME, "out of memory");
				break;
			}
			e = ne;
		}
		e[count++] = (struct file_entry){0, (int)r, (int)c, line, v};
		(*lines_read)++;
		max_r = r > max_r ? r : max_r;
		max_c = c > max_c ? c : max_c;
	}
	free(text);
	if (!rc && count < 2)
		rc = err_set(ERR_INPUT, "%s: %d entries: at least 2 are needed (observed and held out)", path,
			     count);
	if (!rc && (double)(max_r + 1) * (max_c + 1) > MATRIX_FILE_MAX_ENTRIES)
		rc = err_set(ERR_INPUT, "%s: a %ld x %ld matrix is too large (at most %.0f entries)", path,
			     max_r + 1, max_c + 1, MATRIX_FILE_MAX_ENTRIES);
	if (rc) {
		free(e);
		return rc;
	}
	for (int i = 0; i < count; i++)
		e[i].e = (long)e[i].r * (max_c + 1) + e[i].c;
	qsort(e, (size_t)count, sizeof(*e), file_entry_ascending);
	for (int i = 1; i < count; i++)
		if (e[i].e == e[i - 1].e) {
			rc = err_set(ERR_INPUT, "%s:%d: row %d, column %d also on line %d", path,
				     e[i].line > e[i - 1].line ? e[i].line : e[i - 1].line, e[i].r + one_based,
				     e[i].c + one_based, e[i].line > e[i - 1].line ? e[i - 1].line : e[i].line);
			free(e);
			return rc;
		}
	*out = e;
	*n = count;
	*rows = (int)max_r + 1;
	*cols = (int)max_c + 1;
	return ERR_OK;
}

int matrix_completion_load(struct dataset *ds, const char *path, int one_based, double held_out,
			   unsigned long long seed)
{
	memset(ds, 0, sizeof(*ds));
	struct file_entry *e = NULL;
	int n = 0, rows = 0, cols = 0, lines = 0;
	int rc = read_entries(path, one_based, &e, &n, &rows, &cols, &lines);
	if (rc)
		return rc;
	int m_test = (int)floor(held_out * n + 0.5);
	if (m_test < 1 || m_test >= n) {
		free(e);
		return err_set(ERR_INPUT, "%s: held_out %g of %d entries leaves %d held out and %d observed: both must be at least 1",
			       path, held_out, n, m_test, n - m_test);
	}
	struct dataset_matrix *mp = calloc(1, sizeof(*mp));
	int *perm = malloc((size_t)n * sizeof(int));
	ds->matrix = mp;
	if (!mp || !perm || !(mp->entry = malloc((size_t)(n - m_test) * sizeof(int))) ||
	    !(mp->y = malloc((size_t)(n - m_test) * sizeof(double))) ||
	    !(mp->test_entry = malloc((size_t)m_test * sizeof(int))) ||
	    !(mp->test_y = malloc((size_t)m_test * sizeof(double))) ||
	    dataset_add_file(ds, path, 1)) {
		free(e);
		free(perm);
		dataset_release(ds);
		return err_set(ERR_RUNTIME, "out of memory");
	}
	/* the entries in ascending order, shuffled by the seed (Fisher-Yates):
	 * the first m_test held out, so the split depends on the set of
	 * entries and the seed, not on the file's order */
	struct rng g;
	rng_seed(&g, seed);
	shuffle_prefix(perm, (size_t)n, (size_t)m_test, &g);
	int *held = calloc((size_t)n, sizeof(int));
	if (!held) {
		free(e);
		free(perm);
		dataset_release(ds);
		return err_set(ERR_RUNTIME, "out of memory");
	}
	for (int i = 0; i < m_test; i++)
		held[perm[i]] = 1;
	int a = 0, b = 0;
	for (int i = 0; i < n; i++) { /* both in ascending order */
		if (held[i]) {
			mp->test_entry[b] = (int)e[i].e;
			mp->test_y[b++] = e[i].v;
		} else {
			mp->entry[a] = (int)e[i].e;
			mp->y[a++] = e[i].v;
		}
	}
	free(held);
	free(perm);
	free(e);
	mp->task = MATRIX_COMPLETION;
	mp->rows = rows;
	mp->cols = cols;
	mp->m = n - m_test;
	mp->m_test = m_test;
	ds->m = mp->m;
	ds->d = cols;
	ds->k = rows;
	ds->files[0].rows_read = lines;
	ds->files[0].rows_used = n;
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
	if (!(mp->A = lines_alloc((size_t)m * nn))) {
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
	int p = mp->rows < mp->cols ? mp->rows : mp->cols;
	return FIXED_METRICS + (p < MATRIX_TOP_SV ? p : MATRIX_TOP_SV);
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
	size_t size = (size_t)mp->rows * mp->cols;
	int p = mp->rows < mp->cols ? mp->rows : mp->cols;
	w->a = malloc(size * sizeof(double));
	w->s = malloc((size_t)p * sizeof(double));
	w->superb = malloc((size_t)p * sizeof(double));
	w->observed = calloc(size, 1);
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
	double sum = 0;
	if (!mp->truth && mp->m_test) { /* a file's held-out entries, in order */
		for (int i = 0; i < mp->m_test; i++) {
			double e = W[mp->test_entry[i]] - mp->test_y[i];
			sum += e * e;
		}
		return sum / mp->m_test;
	}
	if (!mp->truth)
		return NAN;
	size_t nn = (size_t)mp->rows * mp->cols;
	for (size_t i = 0; i < nn; i++) {
		double e = W[i] - mp->truth[i];
		sum += e * e;
	}
	return sum / (double)nn;
}

void matrix_metrics(const struct dataset_matrix *mp, const double *W, int depth,
		    struct matrix_metrics_work *w, double *out)
{
	int rows = mp->rows, cols = mp->cols, p = rows < cols ? rows : cols;
	int n_out = matrix_metric_count(mp);
	size_t size = (size_t)rows * cols;
	out[0] = matrix_test_error(mp, W);
	double most = mp->task == MATRIX_COMPLETION ? 0 : NAN;
	for (size_t i = 0; mp->task == MATRIX_COMPLETION && i < size; i++)
		if (!w->observed[i])
			most = fmax(most, fabs(W[i]));
	out[4] = most;
	memcpy(w->a, W, size * sizeof(double));
	lapack_int info = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'N', 'N', rows, cols, w->a, cols, w->s,
					 NULL, 1, NULL, 1, w->superb);
	if (info != 0) {
		for (int i = 1; i < n_out; i++)
			if (i != 4)
				out[i] = NAN;
		return;
	}
	double nuclear = 0, quasi = 0, entropy = 0, q2 = 2.0 / depth;
	for (int i = 0; i < p; i++) {
		nuclear += w->s[i];
		quasi += pow(w->s[i], q2);
	}
	for (int i = 0; i < p; i++) {
		double q = w->s[i] / nuclear;
		if (q > 0)
			entropy -= q * log(q);
	}
	out[1] = nuclear > 0 ? exp(entropy) : NAN;
	out[2] = nuclear;
	out[3] = pow(quasi, 1.0 / q2);
	for (int i = FIXED_METRICS; i < n_out; i++)
		out[i] = w->s[i - FIXED_METRICS];
}
