/* config_data: the "data" section of an experiment file, by source
 * (gas_drift, csv, inline, synthetic), into a data_spec; its paths are
 * resolved against the config file's directory. Part of the config parser
 * (config.c reads the rest); errors name the key path. */
#include "overparam/config_data.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/jsonget.h"
#include "overparam/keytable.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads a numeric array (or, with allow_matrix, an array of equal-length
 * numeric arrays) into a malloc'ed row-major buffer. */
static int get_matrix(const struct json_ctx *c, const cJSON *v, const char *path,
		      int *rows, int *cols, double **out)
{
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
		return json_fail(c, path, "must be a non-empty array");
	int m = cJSON_GetArraySize(v), n = -1, i = 0;
	for (const cJSON *r = v->child; r; r = r->next, i++) {
		int len = cJSON_IsArray(r) ? cJSON_GetArraySize(r) : 0;
		if (!cJSON_IsArray(r) && !cJSON_IsNumber(r))
			return json_fail(c, path, "element %d must be a number or an array", i);
		if (cJSON_IsArray(r) && len == 0)
			return json_fail(c, path, "row %d is empty", i);
		int w = cJSON_IsArray(r) ? len : 0;
		if (n < 0)
			n = w;
		else if (n != w)
			return json_fail(c, path, "row %d has %d entries, row 0 has %d", i, w, n);
	}
	int width = n == 0 ? 1 : n;
	double *buf = malloc((size_t)m * width * sizeof(double));
	if (!buf)
		return err_set(ERR_RUNTIME, "out of memory");
	i = 0;
	for (const cJSON *r = v->child; r; r = r->next, i++) {
		const cJSON *e = cJSON_IsArray(r) ? r->child : r;
		for (int j = 0; j < width; j++, e = e->next) {
			if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble)) {
				free(buf);
				return json_fail(c, path, "row %d, entry %d: must be a finite number", i, j);
			}
			buf[(size_t)i * width + j] = e->valuedouble;
		}
	}
	*rows = m;
	*cols = width;
	*out = buf;
	return ERR_OK;
}

static char *resolve_path(const struct json_ctx *c, const char *p)
{
	return path_join(c->base_dir, p);
}

/* data of source gas_drift: dir, batches ("all" or a list), gas, target. */
static int parse_gas_drift(const struct json_ctx *c, const cJSON *obj, struct data_spec *ds)
{
	int rc;
	static const char *const keys[] = {"source", "preprocess", "dir",
					   "batches", "gas", "target", NULL};
	const char *dir;
	if ((rc = json_check_keys(c, obj, "data", keys)) ||
	    (rc = json_get_string(c, obj, "data", "dir", 1, NULL, &dir)))
		return rc;
	ds->path = resolve_path(c, dir);
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(obj, "batches");
	if (!b || (cJSON_IsString(b) && strcmp(b->valuestring, "all") == 0)) {
		ds->batches_all = 1;
		ds->n_batches = GAS_DRIFT_BATCHES;
		for (int i = 0; i < GAS_DRIFT_BATCHES; i++)
			ds->batches[i] = i + 1;
	} else if (cJSON_IsArray(b) && cJSON_GetArraySize(b) > 0 &&
		   cJSON_GetArraySize(b) <= GAS_DRIFT_BATCHES) {
		int i = 0;
		for (const cJSON *e = b->child; e; e = e->next, i++) {
			if (!cJSON_IsNumber(e) || e->valuedouble != floor(e->valuedouble) ||
			    e->valuedouble < 1 || e->valuedouble > GAS_DRIFT_BATCHES)
				return json_fail(c, "data.batches",
					    "entry %d must be an integer 1..%d", i,
					    GAS_DRIFT_BATCHES);
			ds->batches[i] = (int)e->valuedouble;
			for (int j = 0; j < i; j++)
				if (ds->batches[j] == ds->batches[i])
					return json_fail(c, "data.batches",
						    "batch %d listed twice", ds->batches[i]);
		}
		ds->n_batches = i;
	} else {
		return json_fail(c, "data.batches",
			    "must be \"all\" or a non-empty list of batch numbers 1..10");
	}
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(obj, "gas");
	char list[128];
	ds->gas_class = 1;
	if (g && cJSON_IsString(g)) {
		ds->gas_class = gas_drift_class(g->valuestring);
		if (!ds->gas_class)
			return json_fail(c, "data.gas", "unknown gas '%s' (%s)", g->valuestring,
					 name_map_list(&gas_drift_names, list, sizeof(list)));
	} else if (g) {
		rc = json_get_int(c, obj, "data", "gas", 1, 1, 1, 6, &ds->gas_class);
		if (rc)
			return rc;
	}
	/* target: the concentration of one gas (k = 1), or the gas itself
	 * as a one-hot class (k = 6). */
	static const char *const targets[] = {"concentration", "gas"};
	static const struct name_map target_names = NAME_MAP("target", targets);
	static const struct config_key target_key = {
		"target", KEY_ENUM, 0, 0, 0, 0, JSON_NONE, JSON_NONE, &target_names, 0, 0,
		"what is regressed", NULL};
	int by_gas = 0; /* the index of the target's name */
	if ((rc = key_read(c, obj, "data", &target_key, &by_gas)))
		return rc;
	if (by_gas && g)
		return json_fail(c, "data.gas",
				 "not used with \"target\": \"gas\" (every gas is a class)");
	ds->gas_class = by_gas ? 0 : ds->gas_class;
	ds->k = by_gas ? 6 : 1;
	return ERR_OK;
}

/* data of source csv: path and the label columns at the end of each row. */
static int parse_csv(const struct json_ctx *c, const cJSON *obj, struct data_spec *ds)
{
	int rc;
	static const char *const keys[] = {"source", "preprocess", "path",
					   "labels", NULL};
	const char *p;
	if ((rc = json_check_keys(c, obj, "data", keys)) ||
	    (rc = json_get_string(c, obj, "data", "path", 1, NULL, &p)) ||
	    (rc = json_get_int(c, obj, "data", "labels", 0, 1, 1, 100000, &ds->labels)))
		return rc;
	ds->k = ds->labels;
	ds->path = resolve_path(c, p);
	return ERR_OK;
}

/* data of source inline: x (rows) and y (numbers or rows). */
static int parse_inline(const struct json_ctx *c, const cJSON *obj, struct data_spec *ds)
{
	int rc;
	static const char *const keys[] = {"source", "preprocess", "x", "y", NULL};
	if ((rc = json_check_keys(c, obj, "data", keys)))
		return rc;
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(obj, "x");
	const cJSON *y = cJSON_GetObjectItemCaseSensitive(obj, "y");
	if (!x)
		return json_fail(c, "data.x", "missing (required)");
	if (!y)
		return json_fail(c, "data.y", "missing (required)");
	int my;
	if ((rc = get_matrix(c, x, "data.x", &ds->m, &ds->d, &ds->X)) ||
	    (rc = get_matrix(c, y, "data.y", &my, &ds->k, &ds->Y)))
		return rc;
	if (my != ds->m)
		return json_fail(c, "data.y", "has %d rows, data.x has %d", my, ds->m);
	return ERR_OK;
}

/* data of source synthetic: m, d, k, noise and seed. */
static int parse_synthetic(const struct json_ctx *c, const cJSON *obj, struct data_spec *ds)
{
	int rc;
	static const char *const keys[] = {"source", "preprocess", "m", "d",
					   "k", "noise", "seed", NULL};
	if ((rc = json_check_keys(c, obj, "data", keys)) ||
	    (rc = json_get_int(c, obj, "data", "m", 1, 0, 1, 10000000, &ds->m)) ||
	    (rc = json_get_int(c, obj, "data", "d", 1, 0, 1, 100000, &ds->d)) ||
	    (rc = json_get_int(c, obj, "data", "k", 0, 1, 1, 100000, &ds->k)) ||
	    (rc = json_get_number(c, obj, "data", "noise", 0, 0.0, 0, JSON_CLOSED, 1e300,
			     &ds->noise)) ||
	    (rc = json_get_seed(c, obj, "data", "seed", 0, c->seed, &ds->seed)))
		return rc;
	if ((double)ds->m * ds->d > 1e9)
		return json_fail(c, "data", "synthetic m * d is too large");
	return ERR_OK;
}

/* data of source whitened: m, d, k, modes (the targets' singular values)
 * and seed; preprocess is "none" (the default here: any other would undo
 * the whitening). */
static int parse_whitened(const struct json_ctx *c, const cJSON *obj, struct data_spec *ds)
{
	static const char *const keys[] = {"source", "preprocess", "m", "d", "k", "modes", "seed", NULL};
	int rc;
	if ((rc = json_check_keys(c, obj, "data", keys)) ||
	    (rc = json_get_int(c, obj, "data", "m", 1, 0, 1, 1000000, &ds->m)) ||
	    (rc = json_get_int(c, obj, "data", "d", 1, 0, 1, 10000, &ds->d)) ||
	    (rc = json_get_int(c, obj, "data", "k", 0, 1, 1, 10000, &ds->k)) ||
	    (rc = json_get_seed(c, obj, "data", "seed", 0, c->seed, &ds->seed)))
		return rc;
	if (!cJSON_GetObjectItemCaseSensitive(obj, "preprocess"))
		ds->preprocess = PREPROCESS_NONE; /* its default here */
	else if (ds->preprocess != PREPROCESS_NONE)
		return json_fail(c, "data.preprocess", "whitened data needs \"none\" (preprocessing would undo the whitening)");
	if (ds->m < ds->d)
		return json_fail(c, "data.m", "whitened data needs m >= d (%d), got %d", ds->d, ds->m);
	if ((double)ds->m * ds->d > 1e9)
		return json_fail(c, "data", "whitened m * d is too large");
	const cJSON *modes = cJSON_GetObjectItemCaseSensitive(obj, "modes");
	int n = cJSON_IsArray(modes) ? cJSON_GetArraySize(modes) : 0;
	int most = ds->k < ds->d ? ds->k : ds->d;
	if (!modes)
		return json_fail(c, "data.modes", "missing (required): the targets' singular values");
	if (n < 1 || n > most)
		return json_fail(c, "data.modes", "must be a list of 1..%d numbers (min(k, d)), got %s", most,
				 cJSON_IsArray(modes) ? "a list of another length" : json_type_name(modes));
	if (!(ds->modes = malloc((size_t)n * sizeof(double))))
		return err_set(ERR_RUNTIME, "out of memory");
	const cJSON *v;
	cJSON_ArrayForEach(v, modes) {
		char p[32];
		snprintf(p, sizeof(p), "data.modes[%d]", ds->n_modes);
		if (!cJSON_IsNumber(v) || !(v->valuedouble > 0) || !(v->valuedouble <= 1e6))
			return json_fail(c, p, "must be a number in (0, 1e6], got %s", json_type_name(v));
		ds->modes[ds->n_modes++] = v->valuedouble;
	}
	return ERR_OK;
}

/* data of source matrix_completion with "entries": the user's
 * [row, column, value] triples (0-based, distinct) of an n x n matrix. */
static int parse_entries(const struct json_ctx *c, const cJSON *obj, const cJSON *entries,
			 struct data_spec *ds)
{
	int rc, cols;
	if (ds->source != DATA_MATRIX_COMPLETION)
		return json_fail(c, "data.entries", "only for \"matrix_completion\"");
	static const char *const generated[] = {"rank", "observations", "seed", NULL};
	for (const char *const *k = generated; *k; k++)
		if (cJSON_GetObjectItemCaseSensitive(obj, *k))
			return json_fail(c, "data.entries", "given entries replace the generated problem: no \"%s\"", *k);
	if ((rc = get_matrix(c, entries, "data.entries", &ds->m, &cols, &ds->X)))
		return rc;
	if (cols != 3)
		return json_fail(c, "data.entries", "each entry is [row, column, value], got %d numbers", cols);
	if ((double)ds->m > (double)ds->d * ds->d)
		return json_fail(c, "data.entries", "%d entries, but the matrix has n^2 = %d", ds->m, ds->d * ds->d);
	for (int i = 0; i < ds->m; i++) {
		const double *t = ds->X + 3 * i;
		char p[48];
		snprintf(p, sizeof(p), "data.entries[%d]", i);
		for (int a = 0; a < 2; a++)
			if (t[a] != floor(t[a]) || t[a] < 0 || t[a] >= ds->d)
				return json_fail(c, p, "the %s must be an integer in 0..%d (n - 1), got %g",
						 a ? "column" : "row", ds->d - 1, t[a]);
		for (int j = 0; j < i; j++)
			if (ds->X[3 * j] == t[0] && ds->X[3 * j + 1] == t[1])
				return json_fail(c, p, "entry (%g, %g) given twice (also data.entries[%d])",
						 t[0], t[1], j);
	}
	ds->rank = 0;
	return ERR_OK;
}

/* data of source matrix_completion from a file: path, one_based,
 * held_out, seed (the split's). */
static int parse_matrix_file(const struct json_ctx *c, const cJSON *obj, struct data_spec *ds)
{
	static const char *const generated[] = {"n", "rank", "observations", "entries", NULL};
	const char *p;
	int rc;
	if (ds->source != DATA_MATRIX_COMPLETION)
		return json_fail(c, "data.path", "only for \"matrix_completion\"");
	for (const char *const *k = generated; *k; k++)
		if (cJSON_GetObjectItemCaseSensitive(obj, *k))
			return json_fail(c, "data.path", "a file's entries replace the generated problem: no \"%s\" (the shape is the file's)", *k);
	if ((rc = json_get_string(c, obj, "data", "path", 1, NULL, &p)) ||
	    (rc = json_get_bool(c, obj, "data", "one_based", 0, &ds->one_based)) ||
	    (rc = json_get_number(c, obj, "data", "held_out", 0, 0.1, 0, JSON_OPEN, 1, &ds->held_out)) ||
	    (rc = json_get_seed(c, obj, "data", "seed", 0, c->seed, &ds->seed)))
		return rc;
	if (!(ds->held_out < 1))
		return json_fail(c, "data.held_out", "must be below 1 (some entries must be observed), got %g", ds->held_out);
	ds->path = resolve_path(c, p);
	return ds->path ? ERR_OK : err_set(ERR_RUNTIME, "out of memory");
}

/* data of source matrix_completion or matrix_sensing: n, rank,
 * observations and seed (matrix.h), or (completion) the entries or a file;
 * preprocess "none" (the default here). */
static int parse_matrix(const struct json_ctx *c, const cJSON *obj, struct data_spec *ds)
{
	static const char *const keys[] = {"source", "preprocess", "n", "rank", "observations",
					   "seed", "entries", "path", "one_based", "held_out", NULL};
	int rc;
	if ((rc = json_check_keys(c, obj, "data", keys)))
		return rc;
	if (!cJSON_GetObjectItemCaseSensitive(obj, "preprocess"))
		ds->preprocess = PREPROCESS_NONE;
	else if (ds->preprocess != PREPROCESS_NONE)
		return json_fail(c, "data.preprocess", "a matrix problem needs \"none\" (its values are the matrix's entries)");
	if (cJSON_GetObjectItemCaseSensitive(obj, "path"))
		return parse_matrix_file(c, obj, ds);
	static const char *const file_keys[] = {"one_based", "held_out", NULL};
	for (const char *const *k = file_keys; *k; k++)
		if (cJSON_GetObjectItemCaseSensitive(obj, *k))
			return json_fail(c, "data", "\"%s\" is for entries read from a file (data.path)", *k);
	if ((rc = json_get_int(c, obj, "data", "n", 1, 0, 1, 4096, &ds->d)))
		return rc;
	ds->k = ds->d;
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(obj, "entries");
	if (entries)
		return parse_entries(c, obj, entries, ds);
	if ((rc = json_get_int(c, obj, "data", "rank", 1, 0, 1, 4096, &ds->rank)) ||
	    (rc = json_get_int(c, obj, "data", "observations", 1, 0, 1, 100000000, &ds->m)) ||
	    (rc = json_get_seed(c, obj, "data", "seed", 0, c->seed, &ds->seed)))
		return rc;
	if (ds->rank > ds->d)
		return json_fail(c, "data.rank", "must be at most n = %d, got %d", ds->d, ds->rank);
	if (ds->source == DATA_MATRIX_COMPLETION && (double)ds->m > (double)ds->d * ds->d)
		return json_fail(c, "data.observations", "at most n^2 = %d entries can be observed, got %d",
				 ds->d * ds->d, ds->m);
	if (ds->source == DATA_MATRIX_SENSING && (double)ds->m * ds->d * ds->d > 4e8)
		return json_fail(c, "data.observations", "m n^2 = %.3g doubles of measurement matrices is too large (at most 4e8)",
				 (double)ds->m * ds->d * ds->d);
	return ERR_OK;
}

int config_parse_data(const struct json_ctx *c, const cJSON *obj, struct data_spec *ds)
{
	static const struct config_key source_key = {
		"source", KEY_ENUM, offsetof(struct data_spec, source), 0, 0, 0, JSON_NONE,
		JSON_NONE, &data_source_names, KEY_REQUIRED, 0, "where the data come from", NULL};
	static const struct config_key preprocess_key = {
		"preprocess", KEY_ENUM, offsetof(struct data_spec, preprocess),
		PREPROCESS_STANDARDIZE, 0, 0, JSON_NONE, JSON_NONE, &preprocess_mode_names, 0, 0,
		"what is standardized", NULL};
	ds->preprocess = PREPROCESS_STANDARDIZE;
	int rc;
	if ((rc = key_read(c, obj, "data", &source_key, ds)) ||
	    (rc = key_read(c, obj, "data", &preprocess_key, ds)))
		return rc;
	switch (ds->source) {
	case DATA_GAS_DRIFT: return parse_gas_drift(c, obj, ds);
	case DATA_CSV: return parse_csv(c, obj, ds);
	case DATA_INLINE: return parse_inline(c, obj, ds);
	case DATA_SYNTHETIC: return parse_synthetic(c, obj, ds);
	case DATA_WHITENED: return parse_whitened(c, obj, ds);
	case DATA_MATRIX_COMPLETION:
	case DATA_MATRIX_SENSING: return parse_matrix(c, obj, ds);
	}
	return ERR_OK;
}

