/* matrix: matrix completion and matrix sensing, the problems of deep
 * matrix factorization (Arora, Cohen, Hu & Luo, NeurIPS 2019), generated
 * from a seed as the authors' code does (roosephu/deep_matrix_factorization,
 * read, not copied), and the metrics of a candidate W (n, n) against them.
 *
 * Ground truth: U, V (n, r) with N(0, 1) entries, W* = U V^T / sqrt(r),
 * rescaled so that ||W*||_F = n (entries of mean square 1).
 * Completion: m distinct entries drawn uniformly without replacement,
 * y_i = W*[entry_i]. Sensing: A_i (n, n) with N(0, 1) / n entries,
 * y_i = <A_i, W*>. The training loss (loss.h, "mse") is
 * (1/m) sum_i (prediction_i - y_i)^2; the test error is
 * (1/n^2) ||W - W*||_F^2 for both. */
#ifndef OVERPARAM_MATRIX_H
#define OVERPARAM_MATRIX_H

#include "overparam/dataset.h"

#include <stddef.h>

/* Singular values logged per row (sv1..): the top ones, at most this many. */
#define MATRIX_TOP_SV 10

/* Fills ds with an (n, n) rank-r problem of m observations, deterministic
 * in seed: ds->matrix set, X and Y NULL, ds->m = m, ds->d = ds->k = n.
 * Completion needs m <= n^2. ERR_INPUT on bad sizes. */
int matrix_completion_generate(struct dataset *ds, int n, int rank, int m,
			       unsigned long long seed);
int matrix_sensing_generate(struct dataset *ds, int n, int rank, int m,
			    unsigned long long seed);

/* The metric columns of a matrix problem's rows, in order: test_error,
 * eff_rank (exp of the entropy of sigma / sum sigma), nuclear (sum sigma),
 * schatten (the Schatten 2/N quasi-norm (sum sigma^(2/N))^(N/2) of a depth-N
 * model), unobserved_max (the largest |W_ij| over the entries not observed;
 * completion, else NaN), sv1..svK (K = min(n, MATRIX_TOP_SV), largest
 * first). */
int matrix_metric_count(const struct dataset_matrix *mp);
void matrix_metric_name(int i, char *buf, size_t n);

/* Workspace of matrix_metrics for mp's (rows, cols) matrices. */
struct matrix_metrics_work {
	double *a, *s, *superb;
	unsigned char *observed; /* (rows, cols): 1 at completion's observed entries */
};
int matrix_metrics_work_create(struct matrix_metrics_work *w, const struct dataset_matrix *mp);
void matrix_metrics_work_release(struct matrix_metrics_work *w);

/* The columns above for W (n, n) row-major and a depth-N model into
 * out[0..matrix_metric_count). The singular values come from LAPACK (its
 * last bits may vary with the BLAS kernel, as for sv1.. of other data);
 * a failing SVD gives NaN for all but test_error. */
void matrix_metrics(const struct dataset_matrix *mp, const double *W, int depth,
		    struct matrix_metrics_work *w, double *out);

/* A completion problem of the user's m entries: triples (row, column,
 * value) row-major (m, 3), 0-based, distinct, in the n x n matrix. No
 * ground truth: rank 0, test_error NaN. ERR_INPUT on a bad entry. */
int matrix_completion_from_entries(struct dataset *ds, int n, int m, const double *triples);

/* A completion problem from a file of (row, column, value) lines
 * (MovieLens style: fields split by blanks, tabs, commas or semicolons,
 * extra fields such as a timestamp ignored, a first line with a
 * non-number a header; indices from 1 when one_based, else from 0), of
 * shape (max row + 1, max column + 1). The entries (each at most once)
 * are split by seed: round(held_out * count) of them, drawn uniformly,
 * are held out for the test error, the rest observed. Errors name
 * path:line (ERR_INPUT). */
int matrix_completion_load(struct dataset *ds, const char *path, int one_based, double held_out,
			   unsigned long long seed);

/* (1/n^2) ||W - W*||_F^2, summed in row-major order; without W*, the mean
 * squared error over a file's held-out entries; else NaN. */
double matrix_test_error(const struct dataset_matrix *mp, const double *W);

#endif
