/* dataset: labelled examples in memory, and their loaders.
 *
 * Shapes (fixed for the whole project): m examples, d input features, k
 * outputs. X is (m, d) row-major, Y is (m, k) row-major. Loaders validate
 * every field and report errors as "file:line: problem" (exit code 2). They
 * do not preprocess: see preprocess.h. */
#ifndef OVERPARAM_DATASET_H
#define OVERPARAM_DATASET_H

#include "overparam/names.h"

#include <stddef.h>

#define GAS_DRIFT_FEATURES 128
#define GAS_DRIFT_BATCHES 10

/* One file a loader read, for the run metadata. */
struct dataset_file {
	char *path;    /* as opened (owned) */
	int present;   /* 0 when an optional file was missing */
	int rows_read; /* data lines in the file */
	int rows_used; /* rows kept (e.g. of the selected gas) */
};

/* The targets' modes of whitened data: Y = X V S U^T, S = diag(s). */
struct dataset_modes {
	int r;
	double *s; /* (r) */
	double *U; /* (k, r) row-major, orthonormal columns */
	double *V; /* (d, r) row-major, orthonormal columns */
};

/* A matrix problem's observations (deep matrix factorization, matrix.h):
 * the model's end-to-end matrix W_e (rows, cols) is the unknown matrix
 * itself, observed through m entries (completion) or m linear measurements
 * <A_i, W> (sensing). Generated problems are square (rows = cols = n). */
enum matrix_task { MATRIX_COMPLETION, MATRIX_SENSING };

struct dataset_matrix {
	enum matrix_task task;
	int rows, cols;    /* W's shape */
	int rank;          /* W*'s; 0: no W* (the user's entries) */
	int m;             /* observations */
	int *entry;        /* completion: (m) observed entries i * cols + j, ascending */
	double *A;         /* sensing: (m, rows * cols) row-major, each row one A_i row-major */
	double *y;         /* (m) observed values */
	double *truth;     /* (rows, cols) W* row-major, or NULL */
	int m_test;        /* held-out entries (a file's split), else 0 */
	int *test_entry;   /* (m_test) ascending */
	double *test_y;    /* (m_test) */
	char digest[65];   /* SHA-256 of entry or A, y and truth as generated */
};

struct dataset {
	int m, d, k;
	double *X; /* (m, d) row-major, owned */
	double *Y; /* (m, k) row-major, owned */
	struct dataset_file *files; /* files read, owned; NULL for generated data */
	int n_files;
	struct dataset_modes *modes; /* whitened data's, owned; else NULL */
	struct dataset_matrix *matrix; /* a matrix problem's, owned (then X and Y
					  are NULL, m the observations, d = k = n) */
};

/* Records a file a loader read (ds->files), for the metadata and the
 * checks on resume. */
int dataset_add_file(struct dataset *ds, const char *path, int present);

/* Releases everything the dataset owns and zeroes it. Accepts a zeroed one. */
void dataset_release(struct dataset *ds);

/* Gas names of the UCI gas-drift data: class c (1..6) is names[c - 1]
 * ("ethanol" is 1). gas_drift_class returns the class for a
 * case-insensitive name, or 0 if unknown. */
extern const struct name_map gas_drift_names;
int gas_drift_class(const char *name);
const char *gas_drift_name(int gas_class);

/* Loads the UCI "Gas Sensor Array Drift at Different Concentrations" batch
 * files dir/batchB.dat for the B in batches[0..n_batches) (values 1..10),
 * keeping rows of gas_class (1..6) with the concentration as the label
 * (k = 1, d = 128); gas_class 0 keeps every row with its gas as a one-hot
 * label (k = 6, classification). Line format: "CLASS;CONC 1:f1 ... 128:f128", "\n" or
 * "\r\n" endings, trailing blanks allowed. When required is 0, missing
 * files are skipped and recorded as not present; at least one file must
 * exist and at least one row must be kept. */
int dataset_load_gas_drift(struct dataset *ds, const char *dir,
			   const int *batches, int n_batches, int gas_class,
			   int required);

/* Loads a comma-separated file: each row holds d features then n_labels
 * labels. A first line with any non-numeric field is a header. */
int dataset_load_csv(struct dataset *ds, const char *path, int n_labels);

/* Takes copies of X (m, d) and Y (m, k). */
int dataset_from_arrays(struct dataset *ds, int m, int d, int k,
			const double *X, const double *Y);

/* Synthetic regression: X ~ N(0, 1) entries, a teacher matrix W* (k, d) with
 * N(0, 1/d) entries, Y = X W*^T + noise * N(0, 1). Deterministic in seed. */
int dataset_synthetic(struct dataset *ds, int m, int d, int k, double noise,
		      unsigned long long seed);

/* Whitened data with targets of chosen singular values (saxe.h): X =
 * sqrt(m) Q with Q's d columns orthonormal, so (1/m) X^T X = I (to
 * rounding); U (k, r) and V (d, r) with orthonormal columns; y = U S V^T x
 * exactly (no noise), S = diag(s[0..r)). Needs m >= d and r <= min(k, d);
 * deterministic in seed. ds->modes keeps s, U and V. */
int dataset_whitened(struct dataset *ds, int m, int d, int k, const double *s, int r,
		     unsigned long long seed);

/* Mode q's strength in W (k, d) row-major: u_q^T W v_q. */
double dataset_mode_strength(const struct dataset_modes *md, const double *W, int k, int d, int q);

#endif
