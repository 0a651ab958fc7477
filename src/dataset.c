/* dataset: loaders for the gas-drift batch files, CSV files, arrays and
 * synthetic data. Every field is validated; errors name file:line. No
 * preprocessing happens here. */
#include "overparam/dataset.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/lines.h"
#include "overparam/rng.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const gas_names[] = {
	"ethanol", "ethylene", "ammonia", "acetaldehyde", "acetone", "toluene",
};
const struct name_map gas_drift_names = NAME_MAP("gas", gas_names);

int gas_drift_class(const char *name)
{
	for (int c = 0; c < gas_drift_names.n; c++)
		if (strcasecmp(name, gas_names[c]) == 0)
			return c + 1;
	return 0;
}

const char *gas_drift_name(int gas_class)
{
	return name_map_name(&gas_drift_names, gas_class - 1);
}

void dataset_release(struct dataset *ds)
{
	if (ds->modes) {
		free(ds->modes->s);
		free(ds->modes->U);
		free(ds->modes->V);
		free(ds->modes);
	}
	if (ds->matrix) {
		free(ds->matrix->entry);
		free(ds->matrix->A);
		free(ds->matrix->y);
		free(ds->matrix->truth);
		free(ds->matrix->test_entry);
		free(ds->matrix->test_y);
		free(ds->matrix);
	}
	free(ds->X);
	free(ds->Y);
	for (int i = 0; i < ds->n_files; i++)
		free(ds->files[i].path);
	free(ds->files);
	memset(ds, 0, sizeof(*ds));
}

/* Growable row storage shared by the file loaders. */
struct rows {
	double *X, *Y;
	int m, cap, d, k;
};

static int rows_push(struct rows *r, const double *x, const double *y)
{
	if (r->m == r->cap) {
		int cap = r->cap ? 2 * r->cap : 256;
		double *nx = realloc(r->X, (size_t)cap * r->d * sizeof(double));
		if (nx)
			r->X = nx;
		double *ny = realloc(r->Y, (size_t)cap * r->k * sizeof(double));
		if (ny)
			r->Y = ny;
		if (!nx || !ny)
			return err_set(ERR_RUNTIME, "out of memory");
		r->cap = cap;
	}
	memcpy(r->X + (size_t)r->m * r->d, x, r->d * sizeof(double));
	memcpy(r->Y + (size_t)r->m * r->k, y, r->k * sizeof(double));
	r->m++;
	return ERR_OK;
}

int dataset_add_file(struct dataset *ds, const char *path, int present)
{
	struct dataset_file *nf =
		realloc(ds->files, (ds->n_files + 1) * sizeof(*nf));
	if (!nf)
		return err_set(ERR_RUNTIME, "out of memory");
	ds->files = nf;
	struct dataset_file *f = &ds->files[ds->n_files++];
	memset(f, 0, sizeof(*f));
	f->path = malloc(strlen(path) + 1);
	if (!f->path)
		return err_set(ERR_RUNTIME, "out of memory");
	strcpy(f->path, path);
	f->present = present;
	return ERR_OK;
}

/* Strips a trailing "\n", "\r\n" and blanks in place; returns the length. */
static size_t chomp(char *line)
{
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
			 line[n - 1] == ' ' || line[n - 1] == '\t'))
		line[--n] = '\0';
	return n;
}

/* Parses a finite double from s up to *end; 0 on success. */
static int parse_finite(const char *s, char **end, double *out)
{
	errno = 0;
	*out = strtod(s, end);
	if (*end == s)
		return -1;
	if (!isfinite(*out))
		return -2;
	return 0;
}

/* Parses one gas-drift line into cls, conc and x[128]. Returns ERR_OK or
 * ERR_INPUT with a message (without the file:line prefix). */
static int parse_gas_line(char *line, int *cls, double *conc, double *x)
{
	char *p = line, *end;
	long c = strtol(p, &end, 10);
	if (end == p || *end != ';')
		return err_set(ERR_INPUT, "expected 'CLASS;CONCENTRATION' at the start of the line");
	if (c < 1 || c > 6)
		return err_set(ERR_INPUT, "gas class must be 1..6, got %ld", c);
	*cls = (int)c;
	p = end + 1;
	int rc = parse_finite(p, &end, conc);
	if (rc)
		return err_set(ERR_INPUT, rc == -2 ? "non-finite concentration"
						    : "concentration is not a number");
	p = end;
	unsigned char seen[GAS_DRIFT_FEATURES + 1] = {0};
	int count = 0;
	while (*p) {
		if (*p != ' ' && *p != '\t')
			return err_set(ERR_INPUT, "expected a blank before feature %d", count + 1);
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		long idx = strtol(p, &end, 10);
		if (end == p || *end != ':')
			return err_set(ERR_INPUT, "expected 'INDEX:VALUE' for feature %d", count + 1);
		if (idx < 1 || idx > GAS_DRIFT_FEATURES)
			return err_set(ERR_INPUT, "feature index %ld out of range 1..%d",
				       idx, GAS_DRIFT_FEATURES);
		if (seen[idx])
			return err_set(ERR_INPUT, "duplicate feature index %ld", idx);
		seen[idx] = 1;
		p = end + 1;
		double v;
		rc = parse_finite(p, &end, &v);
		if (rc)
			return err_set(ERR_INPUT, "feature %ld: %s", idx,
				       rc == -2 ? "non-finite value" : "value is not a number");
		x[idx - 1] = v;
		p = end;
		count++;
	}
	if (count != GAS_DRIFT_FEATURES)
		return err_set(ERR_INPUT, "expected %d features, got %d",
			       GAS_DRIFT_FEATURES, count);
	return ERR_OK;
}

static int load_gas_file(struct rows *r, FILE *f, const char *path,
			 int gas_class, struct dataset_file *info)
{
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	int rc = ERR_OK;
	double x[GAS_DRIFT_FEATURES];
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		if (chomp(line) == 0)
			continue;
		int cls = 0;
		double conc;
		rc = parse_gas_line(line, &cls, &conc, x);
		if (rc) {
			err_prefix(rc, "%s:%ld", path, lineno);
			break;
		}
		info->rows_read++;
		if (gas_class && cls != gas_class)
			continue;
		double onehot[6] = {0};
		onehot[cls - 1] = 1.0;
		rc = rows_push(r, x, gas_class ? &conc : onehot);
		if (rc)
			break;
		info->rows_used++;
	}
	if (!rc && ferror(f))
		rc = err_set(ERR_INPUT, "%s: read error", path);
	free(line);
	return rc;
}

/* Moves the rows into ds, X into aligned storage (realloc's is not). */
static int rows_to_dataset(struct dataset *ds, struct rows *r)
{
	double *X = lines_alloc((size_t)r->m * r->d);
	if (!X)
		return err_set(ERR_RUNTIME, "out of memory");
	memcpy(X, r->X, (size_t)r->m * r->d * sizeof(double));
	free(r->X);
	ds->m = r->m;
	ds->d = r->d;
	ds->k = r->k;
	ds->X = X;
	ds->Y = r->Y;
	r->X = r->Y = NULL;
	return ERR_OK;
}

int dataset_load_gas_drift(struct dataset *ds, const char *dir,
			   const int *batches, int n_batches, int gas_class,
			   int required)
{
	memset(ds, 0, sizeof(*ds));
	struct rows r = {.d = GAS_DRIFT_FEATURES, .k = gas_class ? 1 : 6};
	int rc = ERR_OK, n_present = 0;
	for (int b = 0; b < n_batches && !rc; b++) {
		char name[32];
		snprintf(name, sizeof(name), "batch%d.dat", batches[b]);
		char *path = path_join(dir, name);
		if (!path) {
			rc = err_set(ERR_RUNTIME, "out of memory");
			break;
		}
		FILE *f = fopen(path, "r");
		if (!f && (required || errno != ENOENT)) {
			rc = err_set(ERR_INPUT, "cannot open '%s': %s", path, strerror(errno));
		} else {
			rc = dataset_add_file(ds, path, f != NULL);
			if (!rc && f) {
				n_present++;
				rc = load_gas_file(&r, f, path, gas_class,
						   &ds->files[ds->n_files - 1]);
			}
		}
		if (f)
			fclose(f);
		free(path);
	}
	if (!rc && n_present == 0)
		rc = err_set(ERR_INPUT, "'%s': no batch files found (scripts/fetch-data.sh puts them in the checkout's data/gas-drift; or set data.dir)", dir);
	if (!rc && r.m == 0)
		rc = err_set(ERR_INPUT, "'%s': no rows of gas '%s' in the batch files read",
			     dir, gas_class ? gas_drift_name(gas_class) : "any");
	if (!rc)
		rc = rows_to_dataset(ds, &r);
	free(r.X);
	free(r.Y);
	if (rc)
		dataset_release(ds);
	return rc;
}

static int parse_field(const char *s, double *out)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end;
	int rc = parse_finite(s, &end, out);
	if (rc)
		return rc;
	while (isspace((unsigned char)*end))
		end++;
	return *end ? -1 : 0;
}

int dataset_load_csv(struct dataset *ds, const char *path, int n_labels)
{
	memset(ds, 0, sizeof(*ds));
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(ERR_INPUT, "cannot open '%s': %s", path, strerror(errno));
	int rc = dataset_add_file(ds, path, 1);
	struct rows r = {0};
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	int n_cols = 0, max_fields = 0;
	char **fields = NULL;
	double *vals = NULL;
	while (!rc && getline(&line, &cap, f) != -1) {
		lineno++;
		if (chomp(line) == 0)
			continue;
		int most = 1; /* fields of this line at most: one more than its commas */
		for (const char *p = line; *p; p++)
			most += *p == ',';
		if (most > max_fields) {
			free(fields);
			free(vals);
			max_fields = most;
			fields = malloc(most * sizeof(*fields));
			vals = malloc(most * sizeof(*vals));
			if (!fields || !vals) {
				rc = err_set(ERR_RUNTIME, "out of memory");
				break;
			}
		}
		int n = csv_split(line, fields, max_fields);
		int bad = -1, bad_rc = 0;
		for (int i = 0; i < n && bad < 0; i++) {
			bad_rc = parse_field(fields[i], &vals[i]);
			if (bad_rc)
				bad = i;
		}
		if (bad >= 0 && n_cols == 0 && r.m == 0 && bad_rc == -1) {
			n_cols = n; /* header line */
			continue;
		}
		if (bad >= 0) {
			rc = err_set(ERR_INPUT, "%s:%ld: column %d: %s", path, lineno,
				     bad + 1, bad_rc == -2 ? "non-finite value"
							   : "not a number");
			break;
		}
		if (n_cols == 0)
			n_cols = n;
		if (n != n_cols) {
			rc = err_set(ERR_INPUT, "%s:%ld: expected %d columns, got %d",
				     path, lineno, n_cols, n);
			break;
		}
		if (r.d == 0) {
			if (n_cols <= n_labels) {
				rc = err_set(ERR_INPUT, "%s:%ld: %d columns leave no features beside %d label(s)",
					     path, lineno, n_cols, n_labels);
				break;
			}
			r.d = n_cols - n_labels;
			r.k = n_labels;
		}
		rc = rows_push(&r, vals, vals + r.d);
		if (!rc)
			ds->files[0].rows_read = ds->files[0].rows_used = r.m;
	}
	if (!rc && ferror(f))
		rc = err_set(ERR_INPUT, "%s: read error", path);
	if (!rc && r.m == 0)
		rc = err_set(ERR_INPUT, "%s: no data rows", path);
	if (!rc)
		rc = rows_to_dataset(ds, &r);
	free(line);
	free(fields);
	free(vals);
	free(r.X);
	free(r.Y);
	fclose(f);
	if (rc)
		dataset_release(ds);
	return rc;
}

static int dataset_alloc(struct dataset *ds, int m, int d, int k)
{
	memset(ds, 0, sizeof(*ds));
	ds->m = m;
	ds->d = d;
	ds->k = k;
	ds->X = lines_alloc((size_t)m * d);
	ds->Y = malloc((size_t)m * k * sizeof(double));
	if (!ds->X || !ds->Y) {
		dataset_release(ds);
		return err_set(ERR_RUNTIME, "out of memory");
	}
	return ERR_OK;
}

int dataset_from_arrays(struct dataset *ds, int m, int d, int k,
			const double *X, const double *Y)
{
	int rc = dataset_alloc(ds, m, d, k);
	if (rc)
		return rc;
	memcpy(ds->X, X, (size_t)m * d * sizeof(double));
	memcpy(ds->Y, Y, (size_t)m * k * sizeof(double));
	return ERR_OK;
}

int dataset_synthetic(struct dataset *ds, int m, int d, int k, double noise,
		      unsigned long long seed)
{
	int rc = dataset_alloc(ds, m, d, k);
	if (rc)
		return rc;
	struct rng g;
	rng_seed(&g, seed);
	double *W = malloc((size_t)k * d * sizeof(double));
	if (!W) {
		dataset_release(ds);
		return err_set(ERR_RUNTIME, "out of memory");
	}
	for (int i = 0; i < k * d; i++)
		W[i] = rng_normal(&g) / sqrt((double)d);
	for (size_t i = 0; i < (size_t)m * d; i++)
		ds->X[i] = rng_normal(&g);
	for (int i = 0; i < m; i++)
		for (int r = 0; r < k; r++) {
			double s = 0;
			for (int j = 0; j < d; j++)
				s += ds->X[(size_t)i * d + j] * W[r * d + j];
			ds->Y[(size_t)i * k + r] = s + noise * rng_normal(&g);
		}
	free(W);
	return ERR_OK;
}

/* A's cols columns orthonormal: Gaussian entries, then Gram-Schmidt twice
 * (the second pass removes what rounding left of the first). */
static void orthonormal_columns(double *A, int rows, int cols, struct rng *g)
{
	for (size_t i = 0; i < (size_t)rows * cols; i++)
		A[i] = rng_normal(g);
	for (int pass = 0; pass < 2; pass++)
		for (int c = 0; c < cols; c++) {
			for (int p = 0; p < c; p++) {
				double dot = 0;
				for (int r = 0; r < rows; r++)
					dot += A[(size_t)r * cols + c] * A[(size_t)r * cols + p];
				for (int r = 0; r < rows; r++)
					A[(size_t)r * cols + c] -= dot * A[(size_t)r * cols + p];
			}
			double norm = 0;
			for (int r = 0; r < rows; r++)
				norm += A[(size_t)r * cols + c] * A[(size_t)r * cols + c];
			for (int r = 0; r < rows; r++)
				A[(size_t)r * cols + c] /= sqrt(norm);
		}
}

int dataset_whitened(struct dataset *ds, int m, int d, int k, const double *s, int r,
		     unsigned long long seed)
{
	if (m < d || r < 1 || r > k || r > d)
		return err_set(ERR_INPUT, "whitened data needs m >= d and 1 <= modes <= min(k, d), got m %d, d %d, k %d, %d modes",
			       m, d, k, r);
	int rc = dataset_alloc(ds, m, d, k);
	if (rc)
		return rc;
	struct dataset_modes *md = calloc(1, sizeof(*md));
	if (md) {
		md->r = r;
		md->s = malloc((size_t)r * sizeof(double));
		md->U = malloc((size_t)k * r * sizeof(double));
		md->V = malloc((size_t)d * r * sizeof(double));
	}
	ds->modes = md;
	if (!md || !md->s || !md->U || !md->V) {
		dataset_release(ds);
		return err_set(ERR_RUNTIME, "out of memory");
	}
	struct rng g;
	rng_seed(&g, seed);
	memcpy(md->s, s, (size_t)r * sizeof(double));
	orthonormal_columns(md->U, k, r, &g);
	orthonormal_columns(md->V, d, r, &g);
	orthonormal_columns(ds->X, m, d, &g);
	for (size_t i = 0; i < (size_t)m * d; i++)
		ds->X[i] *= sqrt((double)m);
	memset(ds->Y, 0, (size_t)m * k * sizeof(double));
	for (int i = 0; i < m; i++) /* y_i = sum_q U_q s_q (v_q . x_i) */
		for (int q = 0; q < r; q++) {
			double vx = 0;
			for (int c = 0; c < d; c++)
				vx += md->V[(size_t)c * r + q] * ds->X[(size_t)i * d + c];
			for (int o = 0; o < k; o++)
				ds->Y[(size_t)i * k + o] += md->U[(size_t)o * r + q] * s[q] * vx;
		}
	return ERR_OK;
}

double dataset_mode_strength(const struct dataset_modes *md, const double *W, int k, int d, int q)
{
	int r = md->r;
	double u = 0;
	for (int i = 0; i < k; i++)
		for (int j = 0; j < d; j++)
			u += md->U[(size_t)i * r + q] * W[(size_t)i * d + j] * md->V[(size_t)j * r + q];
	return u;
}
