/* config: parses and validates an experiment file (see config.h). Values
 * are read with small typed getters that know the key path, so every error
 * says where it is. Defaults merge into runs before validation; grid lists
 * expand runs after merging. */
#include "overparam/config.h"
#include "overparam/detmath.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/jsonget.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GRID_RUNS 10000
#define MAX_DEPTH 1000
#define MAX_WIDTH 100000

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

static int parse_data(const struct json_ctx *c, const cJSON *obj, struct data_spec *ds)
{
	const char *source = NULL, *pre = NULL;
	int rc = json_get_string(c, obj, "data", "source", 1, NULL, &source);
	if (rc)
		return rc;
	rc = json_get_string(c, obj, "data", "preprocess", 0, "standardize", &pre);
	if (rc)
		return rc;
	if (preprocess_mode_parse(pre, &ds->preprocess))
		return json_fail(c, "data.preprocess",
			    "unknown mode '%s' (none, features, standardize, whiten)", pre);
	if (strcmp(source, "gas_drift") == 0) {
		static const char *const keys[] = {"source", "preprocess", "dir",
						   "batches", "gas", "target", NULL};
		const char *dir;
		if ((rc = json_check_keys(c, obj, "data", keys)) ||
		    (rc = json_get_string(c, obj, "data", "dir", 1, NULL, &dir)))
			return rc;
		ds->source = DATA_GAS_DRIFT;
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
		ds->gas_class = 1;
		if (g && cJSON_IsString(g)) {
			ds->gas_class = gas_drift_class(g->valuestring);
			if (!ds->gas_class)
				return json_fail(c, "data.gas",
					    "unknown gas '%s' (ethanol, ethylene, ammonia, acetaldehyde, acetone, toluene)",
					    g->valuestring);
		} else if (g) {
			rc = json_get_int(c, obj, "data", "gas", 1, 1, 1, 6, &ds->gas_class);
			if (rc)
				return rc;
		}
		const char *target;
		if ((rc = json_get_string(c, obj, "data", "target", 0, "concentration", &target)))
			return rc;
		if (strcmp(target, "gas") == 0) {
			if (g)
				return json_fail(c, "data.gas",
					    "not used with \"target\": \"gas\" (every gas is a class)");
			ds->gas_class = 0;
			ds->k = 6;
		} else if (strcmp(target, "concentration") == 0) {
			ds->k = 1;
		} else {
			return json_fail(c, "data.target", "unknown target '%s' (concentration, gas)", target);
		}
	} else if (strcmp(source, "csv") == 0) {
		static const char *const keys[] = {"source", "preprocess", "path",
						   "labels", NULL};
		const char *p;
		if ((rc = json_check_keys(c, obj, "data", keys)) ||
		    (rc = json_get_string(c, obj, "data", "path", 1, NULL, &p)) ||
		    (rc = json_get_int(c, obj, "data", "labels", 0, 1, 1, 100000, &ds->labels)))
			return rc;
		ds->k = ds->labels;
		ds->source = DATA_CSV;
		ds->path = resolve_path(c, p);
	} else if (strcmp(source, "inline") == 0) {
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
		ds->source = DATA_INLINE;
	} else if (strcmp(source, "synthetic") == 0) {
		static const char *const keys[] = {"source", "preprocess", "m", "d",
						   "k", "noise", "seed", NULL};
		long seed;
		if ((rc = json_check_keys(c, obj, "data", keys)) ||
		    (rc = json_get_int(c, obj, "data", "m", 1, 0, 1, 10000000, &ds->m)) ||
		    (rc = json_get_int(c, obj, "data", "d", 1, 0, 1, 100000, &ds->d)) ||
		    (rc = json_get_int(c, obj, "data", "k", 0, 1, 1, 100000, &ds->k)) ||
		    (rc = json_get_number(c, obj, "data", "noise", 0, 0.0, 0, JSON_CLOSED, 1e300,
				     &ds->noise)) ||
		    (rc = json_get_long(c, obj, "data", "seed", 0, (long)c->seed, 0, 1L << 53,
				   &seed)))
			return rc;
		if ((double)ds->m * ds->d > 1e9)
			return json_fail(c, "data", "synthetic m * d is too large");
		ds->seed = (unsigned long long)seed;
		ds->source = DATA_SYNTHETIC;
	} else {
		return json_fail(c, "data.source",
			    "unknown source '%s' (gas_drift, csv, inline, synthetic)", source);
	}
	return ERR_OK;
}

static int parse_model(const struct json_ctx *c, const cJSON *obj, const char *path,
		       struct run_spec *r)
{
	static const char *const keys[] = {"type", "depth", "width", "widths", NULL};
	const char *type;
	int rc, depth;
	char p[512];
	if ((rc = json_check_keys(c, obj, path, keys)) ||
	    (rc = json_get_string(c, obj, path, "type", 0, "deep", &type)) ||
	    (rc = json_get_int(c, obj, path, "depth", 1, 1, 1, MAX_DEPTH, &depth)))
		return rc;
	if (strcmp(type, "deep") == 0)
		r->model = MODEL_DEEP;
	else if (strcmp(type, "e2e") == 0)
		r->model = MODEL_E2E;
	else
		return json_fail(c, json_key_path(p, sizeof(p), path, "type"),
			    "unknown model type '%s' (deep, e2e)", type);
	r->depth = depth;
	r->hidden = malloc((depth > 1 ? depth - 1 : 1) * sizeof(int));
	if (!r->hidden)
		return err_set(ERR_RUNTIME, "out of memory");
	const cJSON *ws = cJSON_GetObjectItemCaseSensitive(obj, "widths");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(obj, "width");
	if (ws && w)
		return json_fail(c, path, "give 'width' or 'widths', not both");
	if (ws) {
		json_key_path(p, sizeof(p), path, "widths");
		if (!cJSON_IsArray(ws) || cJSON_GetArraySize(ws) != depth - 1)
			return json_fail(c, p, "must be a list of depth - 1 = %d hidden widths",
				    depth - 1);
		int i = 0;
		for (const cJSON *e = ws->child; e; e = e->next, i++) {
			if (!cJSON_IsNumber(e) || e->valuedouble != floor(e->valuedouble) ||
			    e->valuedouble < 1 || e->valuedouble > MAX_WIDTH)
				return json_fail(c, p, "entry %d must be an integer 1..%d", i, MAX_WIDTH);
			r->hidden[i] = (int)e->valuedouble;
		}
	} else {
		int width;
		if ((rc = json_get_int(c, obj, path, "width", 0, 1, 1, MAX_WIDTH, &width)))
			return rc;
		for (int i = 0; i < depth - 1; i++)
			r->hidden[i] = width;
	}
	return ERR_OK;
}

static int parse_init(const struct json_ctx *c, const cJSON *obj, const char *path,
		      struct run_spec *r)
{
	static const char *const keys[] = {"scheme", "std", "seed", NULL};
	const char *scheme;
	long seed;
	int rc;
	char p[512];
	if ((rc = json_check_keys(c, obj, path, keys)) ||
	    (rc = json_get_string(c, obj, path, "scheme", 0, "normal", &scheme)) ||
	    (rc = json_get_number(c, obj, path, "std", 0, 0.01, 0, JSON_CLOSED, 1e6, &r->init_std)) ||
	    (rc = json_get_long(c, obj, path, "seed", 0, (long)c->seed, 0, 1L << 53, &seed)))
		return rc;
	r->seed = (unsigned long long)seed;
	if (strcmp(scheme, "normal") == 0)
		r->init = LINNET_INIT_NORMAL;
	else if (strcmp(scheme, "identity") == 0)
		r->init = LINNET_INIT_IDENTITY;
	else if (strcmp(scheme, "balanced") == 0)
		r->init = LINNET_INIT_BALANCED;
	else
		return json_fail(c, json_key_path(p, sizeof(p), path, "scheme"),
			    "unknown scheme '%s' (normal, identity, balanced)", scheme);
	return ERR_OK;
}

static int parse_optimizer(const struct json_ctx *c, const cJSON *obj, const char *path,
			   struct optim_spec *o)
{
	const char *name;
	enum optim_kind kind;
	char p[512];
	int rc = json_get_string(c, obj, path, "name", 0, "gd", &name);
	if (rc)
		return rc;
	if (optim_kind_parse(name, &kind))
		return json_fail(c, json_key_path(p, sizeof(p), path, "name"),
			    "unknown optimizer '%s' (gd, momentum, nesterov, adagrad, adadelta, rmsprop, adam)",
			    name);
	optim_spec_defaults(o, kind);
	static const char *const k_gd[] = {"name", "lr", "weight_decay", NULL};
	static const char *const k_mom[] = {"name", "lr", "weight_decay", "momentum", NULL};
	static const char *const k_ada[] = {"name", "lr", "weight_decay",
					    "initial_accumulator", NULL};
	static const char *const k_delta[] = {"name", "lr", "weight_decay", "rho", "eps", NULL};
	static const char *const k_rms[] = {"name", "lr", "weight_decay", "rho",
					    "momentum", "eps", "initial_accumulator", NULL};
	static const char *const k_adam[] = {"name", "lr", "weight_decay", "beta1",
					     "beta2", "eps", NULL};
	const char *const *keys = k_gd;
	switch (kind) {
	case OPTIM_GD: keys = k_gd; break;
	case OPTIM_MOMENTUM:
	case OPTIM_NESTEROV: keys = k_mom; break;
	case OPTIM_ADAGRAD: keys = k_ada; break;
	case OPTIM_ADADELTA: keys = k_delta; break;
	case OPTIM_RMSPROP: keys = k_rms; break;
	case OPTIM_ADAM: keys = k_adam; break;
	}
	if ((rc = json_check_keys(c, obj, path, keys)) ||
	    (rc = json_get_number(c, obj, path, "lr", 0, o->lr, 0, JSON_OPEN, 1e6, &o->lr)) ||
	    (rc = json_get_number(c, obj, path, "weight_decay", 0, 0, 0, JSON_CLOSED, 1e6,
			     &o->weight_decay)) ||
	    (rc = json_get_number(c, obj, path, "momentum", 0, o->momentum, 0, JSON_CLOSED, 1,
			     &o->momentum)) ||
	    (rc = json_get_number(c, obj, path, "rho", 0, o->rho, 0, JSON_CLOSED, 1, &o->rho)) ||
	    (rc = json_get_number(c, obj, path, "eps", 0, o->eps, 0, JSON_CLOSED, 1, &o->eps)) ||
	    (rc = json_get_number(c, obj, path, "beta1", 0, o->beta1, 0, JSON_CLOSED, 1, &o->beta1)) ||
	    (rc = json_get_number(c, obj, path, "beta2", 0, o->beta2, 0, JSON_CLOSED, 1, &o->beta2)) ||
	    (rc = json_get_number(c, obj, path, "initial_accumulator", 0,
			     o->initial_accumulator, 0, JSON_OPEN, 1e300,
			     &o->initial_accumulator)))
		return rc;
	if (o->beta1 >= 1 || o->beta2 >= 1)
		return json_fail(c, path, "beta1 and beta2 must be < 1");
	if (kind == OPTIM_ADADELTA && o->eps == 0)
		return json_fail(c, json_key_path(p, sizeof(p), path, "eps"),
			    "must be > 0 for adadelta");
	return ERR_OK;
}

static const char *const train_keys[] = {"iterations", "log_every",
					 "diverge_factor", "save_every", NULL};

/* Reads train settings from obj over the values already in r. */
static int parse_train(const struct json_ctx *c, const cJSON *obj, const char *path,
		       struct run_spec *r)
{
	int rc;
	if ((rc = json_check_keys(c, obj, path, train_keys)) ||
	    (rc = json_get_long(c, obj, path, "iterations", 0, r->iterations, 0,
			   1000000000L, &r->iterations)) ||
	    (rc = json_get_long(c, obj, path, "log_every", 0, r->log_every, 1,
			   1000000000L, &r->log_every)) ||
	    (rc = json_get_number(c, obj, path, "diverge_factor", 0, r->diverge_factor, 1,
			     JSON_OPEN, 1e300, &r->diverge_factor)) ||
	    (rc = json_get_long(c, obj, path, "save_every", 0, r->save_every, 0, 1000000000L,
			   &r->save_every)))
		return rc;
	return ERR_OK;
}

/* Shallow-merges defaults[section] under run[section] into out[section]
 * (out is a copy of run). A non-object run[section] is left for the
 * parser to reject. */
static int merge_section(const cJSON *defaults, const cJSON *run,
			 const char *section, cJSON *out)
{
	const cJSON *d = defaults ? cJSON_GetObjectItemCaseSensitive(defaults, section) : NULL;
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(run, section);
	if (!d || (r && !cJSON_IsObject(r)))
		return ERR_OK;
	cJSON *m = cJSON_Duplicate(d, 1);
	if (!m)
		return err_set(ERR_RUNTIME, "out of memory");
	for (const cJSON *it = r ? r->child : NULL; it; it = it->next) {
		cJSON *copy = cJSON_Duplicate(it, 1);
		if (cJSON_GetObjectItemCaseSensitive(m, it->string))
			cJSON_ReplaceItemInObjectCaseSensitive(m, it->string, copy);
		else
			cJSON_AddItemToObject(m, it->string, copy);
	}
	if (r)
		cJSON_ReplaceItemInObjectCaseSensitive(out, section, m);
	else
		cJSON_AddItemToObject(out, section, m);
	return ERR_OK;
}

/* The numbers that a list may replace to form a grid. */
static const char *const grid_keys[][2] = {
	{"optimizer", "lr"},   {"optimizer", "weight_decay"},
	{"optimizer", "momentum"}, {"optimizer", "rho"},
	{"optimizer", "eps"},  {"optimizer", "beta1"},
	{"optimizer", "beta2"}, {"optimizer", "initial_accumulator"},
	{"init", "std"},       {"init", "seed"},
};
#define N_GRID_KEYS (sizeof(grid_keys) / sizeof(grid_keys[0]))

struct grid_axis {
	cJSON *list; /* the array in the merged run */
	const char *section, *key;
	int n;
};

/* Parses one fully-resolved run object (no lists left) into r. */
/* A log grid {"from": a, "to": b, "per_decade": n} in place of a grid list
 * becomes the list a 10^(k/n), k = 0, 1, ... while <= b (within 1e-9),
 * each rounded to 6 significant digits. The powers come from detmath, so
 * the values (and the runs' bytes) are the same on every machine; the
 * same spec gives every model the same rates. Replaces sec[key]. */
static int expand_log_grid(const struct json_ctx *c, const char *path, cJSON *sec,
			   const char *key, const cJSON *spec)
{
	static const char *const keys[] = {"from", "to", "per_decade", NULL};
	double from, to;
	int per;
	int rc;
	if ((rc = json_check_keys(c, spec, path, keys)) ||
	    (rc = json_get_number(c, spec, path, "from", 1, 0, 0, JSON_OPEN, 1e6, &from)) ||
	    (rc = json_get_number(c, spec, path, "to", 1, 0, 0, JSON_OPEN, 1e6, &to)) ||
	    (rc = json_get_int(c, spec, path, "per_decade", 1, 0, 1, 100, &per)))
		return rc;
	if (to < from)
		return json_fail(c, path, "'to' (%g) must be >= 'from' (%g)", to, from);
	double step = det_root(10.0, per);
	cJSON *list = cJSON_CreateArray();
	if (!list)
		return err_set(ERR_RUNTIME, "out of memory");
	for (long k = 0;; k++) {
		double x = from * det_powi(step, k);
		if (x > to * (1 + 1e-9))
			break;
		if (k >= 1000) {
			cJSON_Delete(list);
			return json_fail(c, path, "more than 1000 values");
		}
		char buf[32];
		snprintf(buf, sizeof(buf), "%.6g", x);
		cJSON_AddItemToArray(list, cJSON_CreateNumber(strtod(buf, NULL)));
	}
	cJSON_ReplaceItemInObjectCaseSensitive(sec, key, list);
	return ERR_OK;
}

static int parse_run_object(const struct json_ctx *c, const cJSON *run, const char *path,
			    const struct run_spec *train_defaults, struct run_spec *r)
{
	static const char *const keys[] = {"label", "model", "init", "optimizer",
					   "train", "diagnostics", NULL};
	char p[512];
	int rc;
	const cJSON *model, *init, *opt, *train, *diag;
	if ((rc = json_check_keys(c, run, path, keys)) ||
	    (rc = json_get_object(c, run, path, "model", 1, &model)) ||
	    (rc = json_get_object(c, run, path, "init", 0, &init)) ||
	    (rc = json_get_object(c, run, path, "optimizer", 0, &opt)) ||
	    (rc = json_get_object(c, run, path, "train", 0, &train)) ||
	    (rc = json_get_object(c, run, path, "diagnostics", 0, &diag)))
		return rc;
	if ((rc = parse_model(c, model, json_key_path(p, sizeof(p), path, "model"), r)))
		return rc;
	if (diag) {
		static const char *const dkeys[] = {"emulate", "singular_values", NULL};
		json_key_path(p, sizeof(p), path, "diagnostics");
		if ((rc = json_check_keys(c, diag, p, dkeys)) ||
		    (rc = json_get_bool(c, diag, p, "emulate", 0, &r->emulate)) ||
		    (rc = json_get_bool(c, diag, p, "singular_values", 0, &r->singular_values)))
			return rc;
		if (r->emulate && r->model != MODEL_DEEP)
			return json_fail(c, p, "\"emulate\" is for deep runs (an e2e run is the emulation)");
	}
	cJSON *empty = cJSON_CreateObject();
	rc = parse_init(c, init ? init : empty, json_key_path(p, sizeof(p), path, "init"), r);
	if (!rc)
		rc = parse_optimizer(c, opt ? opt : empty,
				     json_key_path(p, sizeof(p), path, "optimizer"), &r->optim);
	cJSON_Delete(empty);
	if (rc)
		return rc;
	r->iterations = train_defaults->iterations;
	r->log_every = train_defaults->log_every;
	r->diverge_factor = train_defaults->diverge_factor;
	r->save_every = train_defaults->save_every;
	if (train && (rc = parse_train(c, train, json_key_path(p, sizeof(p), path, "train"), r)))
		return rc;
	return ERR_OK;
}

static void default_label(const struct run_spec *r, char *buf, size_t n)
{
	if (r->model == MODEL_E2E)
		snprintf(buf, n, "Eq. 12, N=%d", r->depth);
	else if (r->depth == 1)
		snprintf(buf, n, "depth 1");
	else
		snprintf(buf, n, "depth %d, width %d", r->depth, r->hidden[0]);
}

static void run_spec_release(struct run_spec *r)
{
	free(r->label);
	free(r->group);
	free(r->grid_point);
	free(r->hidden);
	memset(r, 0, sizeof(*r));
}

static int push_run(struct experiment *ex, int *cap, struct run_spec *r)
{
	if (ex->n_runs == *cap) {
		int nc = *cap ? 2 * *cap : 16;
		struct run_spec *nr = realloc(ex->runs, nc * sizeof(*nr));
		if (!nr)
			return err_set(ERR_RUNTIME, "out of memory");
		ex->runs = nr;
		*cap = nc;
	}
	ex->runs[ex->n_runs++] = *r;
	memset(r, 0, sizeof(*r));
	return ERR_OK;
}

/* "replicates": S > 1 repeats every run S times with init seeds seed + r
 * (r = 0..S-1), labelled "label #r+1": per group, all of replicate 1's grid
 * points, then replicate 2's, ... (so a replicate's grid is stepped in one
 * batch). Selection and claims then work per replicate. */
static int replicate_runs(struct experiment *ex)
{
	int S = ex->replicates, n = ex->n_runs;
	if ((long)n * S > MAX_GRID_RUNS * 10L)
		return err_set(ERR_INPUT, "%s: replicates: %d runs x %d replicates is more than %d runs",
			       ex->config_path, n, S, MAX_GRID_RUNS * 10);
	struct run_spec *out = calloc((size_t)n * S, sizeof(*out));
	if (!out)
		return err_set(ERR_RUNTIME, "out of memory");
	int m = 0, rc = ERR_OK;
	for (int lo = 0, hi; lo < n; lo = hi) {
		for (hi = lo + 1; hi < n && !strcmp(ex->runs[hi].group, ex->runs[lo].group); hi++)
			;
		for (int r = 0; r < S && !rc; r++)
			for (int i = lo; i < hi && !rc; i++) {
				const struct run_spec *src = &ex->runs[i];
				struct run_spec *dst = &out[m++];
				*dst = *src;
				char label[700];
				snprintf(label, sizeof(label), "%s #%d", src->label, r + 1);
				dst->label = str_dup(label);
				dst->group = str_dup(src->group);
				dst->grid_point = str_dup(src->grid_point);
				dst->hidden = malloc((src->depth > 1 ? src->depth - 1 : 1) * sizeof(int));
				if (dst->hidden)
					memcpy(dst->hidden, src->hidden,
					       (src->depth > 1 ? src->depth - 1 : 0) * sizeof(int));
				dst->seed = src->seed + (unsigned long long)r;
				dst->replicate = r;
				if (!dst->label || !dst->group || !dst->grid_point || !dst->hidden)
					rc = err_set(ERR_RUNTIME, "out of memory");
			}
	}
	for (int i = 0; i < n; i++)
		run_spec_release(&ex->runs[i]);
	free(ex->runs);
	ex->runs = out;
	ex->n_runs = m;
	return rc;
}

/* Expands runs[idx] (merged with defaults) over its grid lists. */
static int expand_run(const struct json_ctx *c, struct experiment *ex, int *cap,
		      const cJSON *defaults, const cJSON *run, int idx,
		      const struct run_spec *train_defaults)
{
	char path[64], p[512];
	snprintf(path, sizeof(path), "runs[%d]", idx);
	if (!cJSON_IsObject(run))
		return json_fail(c, path, "must be an object, got %s", json_type_name(run));
	const char *label = NULL;
	int rc = json_get_string(c, run, path, "label", 0, NULL, &label);
	if (rc)
		return rc;
	for (const char *q = label; q && *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			return json_fail(c, json_key_path(p, sizeof(p), path, "label"),
				    "must not hold line breaks or other control characters");
	if (label && !*label)
		return json_fail(c, json_key_path(p, sizeof(p), path, "label"), "must not be empty");
	cJSON *merged = cJSON_Duplicate(run, 1);
	if (!merged)
		return err_set(ERR_RUNTIME, "out of memory");
	static const char *const sections[] = {"model", "init", "optimizer", "diagnostics"};
	for (int s = 0; s < 4 && !rc; s++) {
		const cJSON *sec = cJSON_GetObjectItemCaseSensitive(run, sections[s]);
		if (sec && !cJSON_IsObject(sec))
			rc = json_fail(c, json_key_path(p, sizeof(p), path, sections[s]),
				  "must be an object, got %s", json_type_name(sec));
		else
			rc = merge_section(defaults, run, sections[s], merged);
	}
	for (size_t g = 0; g < N_GRID_KEYS && !rc; g++) {
		cJSON *sec = cJSON_GetObjectItemCaseSensitive(merged, grid_keys[g][0]);
		cJSON *v = sec ? cJSON_GetObjectItemCaseSensitive(sec, grid_keys[g][1]) : NULL;
		if (v && cJSON_IsObject(v)) {
			snprintf(p, sizeof(p), "%s.%s.%s", path, grid_keys[g][0], grid_keys[g][1]);
			rc = expand_log_grid(c, p, sec, grid_keys[g][1], v);
		}
	}
	struct grid_axis axes[N_GRID_KEYS];
	int n_axes = 0;
	long total = 1;
	for (size_t g = 0; g < N_GRID_KEYS && !rc; g++) {
		cJSON *sec = cJSON_GetObjectItemCaseSensitive(merged, grid_keys[g][0]);
		cJSON *v = sec ? cJSON_GetObjectItemCaseSensitive(sec, grid_keys[g][1]) : NULL;
		if (!v || !cJSON_IsArray(v))
			continue;
		snprintf(p, sizeof(p), "%s.%s.%s", path, grid_keys[g][0], grid_keys[g][1]);
		int n = cJSON_GetArraySize(v);
		if (n == 0) {
			rc = json_fail(c, p, "grid list is empty");
			break;
		}
		for (const cJSON *e = v->child; e && !rc; e = e->next)
			if (!cJSON_IsNumber(e))
				rc = json_fail(c, p, "grid list entries must be numbers, got %s",
					  json_type_name(e));
		axes[n_axes++] = (struct grid_axis){v, grid_keys[g][0], grid_keys[g][1], n};
		total *= n;
		if (total > MAX_GRID_RUNS)
			rc = json_fail(c, path, "grid expands to more than %d runs", MAX_GRID_RUNS);
	}
	for (long combo = 0; combo < total && !rc; combo++) {
		cJSON *point = cJSON_Duplicate(merged, 1);
		char grid[512] = "";
		long rest = combo;
		for (int a = n_axes - 1; a >= 0; a--) {
			int pick = (int)(rest % axes[a].n);
			rest /= axes[a].n;
			cJSON *sec = cJSON_GetObjectItemCaseSensitive(point, axes[a].section);
			double val = cJSON_GetArrayItem(axes[a].list, pick)->valuedouble;
			cJSON_ReplaceItemInObjectCaseSensitive(sec, axes[a].key, cJSON_CreateNumber(val));
			/* axes are walked backwards: prepend */
			char tmp[512];
			snprintf(tmp, sizeof(tmp), "%s=%g%s%s", axes[a].key, val,
				 grid[0] ? "," : "", grid);
			strcpy(grid, tmp);
		}
		struct run_spec r = {0};
		rc = parse_run_object(c, point, path, train_defaults, &r);
		cJSON_Delete(point);
		if (!rc) {
			char auto_label[128], full[700];
			default_label(&r, auto_label, sizeof(auto_label));
			const char *group = label ? label : auto_label;
			if (n_axes)
				snprintf(full, sizeof(full), "%s [%s]", group, grid);
			else
				snprintf(full, sizeof(full), "%s", group);
			r.group = str_dup(group);
			r.label = str_dup(full);
			r.grid_point = str_dup(grid);
			if (!r.group || !r.label || !r.grid_point)
				rc = err_set(ERR_RUNTIME, "out of memory");
		}
		for (int i = 0; i < ex->n_runs && !rc; i++)
			if (strcmp(ex->runs[i].label, r.label) == 0)
				rc = json_fail(c, path, "duplicate run label '%s'", r.label);
		if (!rc)
			rc = push_run(ex, cap, &r);
		run_spec_release(&r);
	}
	cJSON_Delete(merged);
	return rc;
}

const char *claim_expect_name(enum claim_expect e)
{
	static const char *names[CLAIM_N_EXPECT] = {"faster", "slower", "similar",
						    "not_faster", "tracks", "lower"};
	return names[e];
}

void claims_release(struct claim *claims, int n)
{
	for (int i = 0; i < n; i++) {
		free(claims[i].text);
		free(claims[i].a);
		free(claims[i].b);
		free(claims[i].column);
	}
	free(claims);
}

static int has_group(const char *const *groups, int n, const char *group)
{
	for (int i = 0; i < n; i++)
		if (strcmp(groups[i], group) == 0)
			return 1;
	return 0;
}

int claims_parse(const struct json_ctx *c, const cJSON *arr, const char *const *groups,
		 int n_groups, struct claim **out, int *n_out)
{
	if (!cJSON_IsArray(arr))
		return json_fail(c, "claims", "must be an array, got %s", json_type_name(arr));
	int n = cJSON_GetArraySize(arr), i = 0;
	*out = calloc(n ? n : 1, sizeof(**out));
	*n_out = 0;
	if (!*out)
		return err_set(ERR_RUNTIME, "out of memory");
	static const char *const keys[] = {"text", "a", "b", "expect", "target", "column", NULL};
	for (const cJSON *it = arr->child; it; it = it->next, i++) {
		char path[64], p[128];
		snprintf(path, sizeof(path), "claims[%d]", i);
		if (!cJSON_IsObject(it))
			return json_fail(c, path, "must be an object, got %s", json_type_name(it));
		const char *text, *a, *b, *expect;
		int rc;
		if ((rc = json_check_keys(c, it, path, keys)) ||
		    (rc = json_get_string(c, it, path, "text", 1, NULL, &text)) ||
		    (rc = json_get_string(c, it, path, "a", 1, NULL, &a)) ||
		    (rc = json_get_string(c, it, path, "b", 1, NULL, &b)) ||
		    (rc = json_get_string(c, it, path, "expect", 1, NULL, &expect)))
			return rc;
		struct claim *cl = &(*out)[*n_out];
		int e = -1;
		for (int k = 0; k < CLAIM_N_EXPECT; k++)
			if (strcmp(expect, claim_expect_name((enum claim_expect)k)) == 0)
				e = k;
		if (e < 0)
			return json_fail(c, json_key_path(p, sizeof(p), path, "expect"),
				    "unknown '%s' (faster, slower, similar, not_faster, tracks, lower)",
				    expect);
		const char *column;
		if ((rc = json_get_number(c, it, path, "target", 0, 0, 0, JSON_OPEN, 1e300, &cl->target)) ||
		    (rc = json_get_string(c, it, path, "column", 0, NULL, &column)))
			return rc;
		if (column && (!*column || !strcmp(column, "iteration")))
			return json_fail(c, json_key_path(p, sizeof(p), path, "column"),
					 "must name a column of the run CSVs other than 'iteration'");
		if (!has_group(groups, n_groups, a))
			return json_fail(c, json_key_path(p, sizeof(p), path, "a"), "no run labelled '%s'", a);
		if (!has_group(groups, n_groups, b))
			return json_fail(c, json_key_path(p, sizeof(p), path, "b"), "no run labelled '%s'", b);
		cl->expect = (enum claim_expect)e;
		cl->text = str_dup(text);
		cl->a = str_dup(a);
		cl->b = str_dup(b);
		cl->column = column ? str_dup(column) : NULL;
		(*n_out)++;
		if (!cl->text || !cl->a || !cl->b || (column && !cl->column))
			return err_set(ERR_RUNTIME, "out of memory");
	}
	return ERR_OK;
}

/* Line and column of byte offset off in text, for parse errors. */
static void line_col(const char *text, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && text[i]; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int config_parse(struct experiment *ex, const char *text, const char *path)
{
	memset(ex, 0, sizeof(*ex));
	struct json_ctx c = {.file = path, .base_dir = path_dirname(path)};
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
	int rc = ERR_OK, cap = 0;
	if (!root) {
		int line, col;
		/* cJSON reports where parsing stopped through end (and the
		 * global error pointer, which is the same place). */
		const char *at = end ? end : cJSON_GetErrorPtr();
		line_col(text, at ? (size_t)(at - text) : 0, &line, &col);
		rc = err_set(ERR_INPUT, "%s:%d:%d: malformed JSON", path, line, col);
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		rc = json_fail(&c, "", "the top level must be an object");
		goto out;
	}
	static const char *const keys[] = {"name",  "description", "seed", "data",
					   "loss", "train", "select", "plot",
					   "defaults", "runs", "claims", "replicates", NULL};
	const cJSON *data, *loss, *train, *select, *plot, *defaults;
	const char *name, *desc;
	long seed;
	if ((rc = json_check_keys(&c, root, "", keys)) ||
	    (rc = json_get_string(&c, root, "", "name", 0, NULL, &name)) ||
	    (rc = json_get_string(&c, root, "", "description", 0, "", &desc)) ||
	    (rc = json_get_long(&c, root, "", "seed", 0, 1, 0, 1L << 53, &seed)) ||
	    (rc = json_get_int(&c, root, "", "replicates", 0, 1, 1, 100, &ex->replicates)) ||
	    (rc = json_get_object(&c, root, "", "data", 1, &data)) ||
	    (rc = json_get_object(&c, root, "", "loss", 0, &loss)) ||
	    (rc = json_get_object(&c, root, "", "train", 0, &train)) ||
	    (rc = json_get_object(&c, root, "", "select", 0, &select)) ||
	    (rc = json_get_object(&c, root, "", "plot", 0, &plot)) ||
	    (rc = json_get_object(&c, root, "", "defaults", 0, &defaults)))
		goto out;
	c.seed = ex->seed = (unsigned long long)seed;
	if (!name) {
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		char buf[256];
		snprintf(buf, sizeof(buf), "%s", base);
		char *dot = strrchr(buf, '.');
		if (dot && dot != buf)
			*dot = '\0';
		ex->name = str_dup(buf);
	} else {
		if (!*name || strchr(name, '/')) {
			rc = json_fail(&c, "name", "must be a non-empty name without '/'");
			goto out;
		}
		ex->name = str_dup(name);
	}
	ex->description = str_dup(desc);
	ex->config_path = str_dup(path);
	if ((rc = parse_data(&c, data, &ex->data)))
		goto out;

	ex->loss.kind = LOSS_LP;
	ex->loss.p = 2;
	if (loss) {
		static const char *const lkeys[] = {"type", "p", "form", NULL};
		const char *type, *form;
		if ((rc = json_check_keys(&c, loss, "loss", lkeys)) ||
		    (rc = json_get_string(&c, loss, "loss", "type", 0, "lp", &type)) ||
		    (rc = json_get_string(&c, loss, "loss", "form", 0, "auto", &form)))
			goto out;
		if (strcmp(form, "auto") == 0) {
			ex->loss.form = LOSS_FORM_AUTO;
		} else if (strcmp(form, "data") == 0) {
			ex->loss.form = LOSS_FORM_DATA;
		} else if (strcmp(form, "gram") == 0) {
			ex->loss.form = LOSS_FORM_GRAM;
		} else {
			rc = json_fail(&c, "loss.form", "unknown form '%s' (auto, data, gram)", form);
			goto out;
		}
		if (strcmp(type, "softmax_ce") == 0) {
			ex->loss.kind = LOSS_SOFTMAX_CE;
			if (cJSON_GetObjectItemCaseSensitive(loss, "p")) {
				rc = json_fail(&c, "loss.p", "only used with \"type\": \"lp\"");
				goto out;
			}
			if (ex->loss.form == LOSS_FORM_GRAM) {
				rc = json_fail(&c, "loss.form", "\"gram\" is for l2 only");
				goto out;
			}
			if (ex->data.k < 2) {
				rc = json_fail(&c, "loss.type",
					  "softmax_ce needs at least 2 outputs, the data have %d", ex->data.k);
				goto out;
			}
			if (ex->data.preprocess == PREPROCESS_STANDARDIZE ||
			    ex->data.preprocess == PREPROCESS_WHITEN) {
				rc = json_fail(&c, "data.preprocess",
					  "'%s' rescales the labels, which softmax_ce needs as class probabilities (use \"features\" or \"none\")",
					  preprocess_mode_name(ex->data.preprocess));
				goto out;
			}
		} else if (strcmp(type, "lp") != 0) {
			rc = json_fail(&c, "loss.type", "unknown loss '%s' (lp, softmax_ce)", type);
			goto out;
		}
		if ((rc = json_get_number(&c, loss, "loss", "p", 0, 2, 2, JSON_CLOSED, 64, &ex->loss.p)))
			goto out;
		if (ex->loss.form == LOSS_FORM_GRAM && ex->loss.p != 2) {
			rc = json_fail(&c, "loss.form", "\"gram\" needs p = 2, got p = %g", ex->loss.p);
			goto out;
		}
	}

	struct run_spec train_defaults = {.iterations = 1000, .log_every = 10,
					  .diverge_factor = 100};
	if (train && (rc = parse_train(&c, train, "train", &train_defaults)))
		goto out;

	ex->select.by = SELECT_FINAL_LOSS;
	if (select) {
		static const char *const skeys[] = {"by", "target", "extend", "refine", NULL};
		const char *by;
		if ((rc = json_check_keys(&c, select, "select", skeys)) ||
		    (rc = json_get_string(&c, select, "select", "by", 0, "final_loss", &by)) ||
		    (rc = json_get_int(&c, select, "select", "extend", 0, 0, 0, 100, &ex->select.extend)) ||
		    (rc = json_get_int(&c, select, "select", "refine", 0, 0, 0, 10, &ex->select.refine)))
			goto out;
		if (strcmp(by, "final_loss") == 0) {
			ex->select.by = SELECT_FINAL_LOSS;
		} else if (strcmp(by, "time_to_target") == 0) {
			ex->select.by = SELECT_TIME_TO_TARGET;
			if ((rc = json_get_number(&c, select, "select", "target", 1, 0, 0, JSON_CLOSED,
					     1e300, &ex->select.target)))
				goto out;
		} else {
			rc = json_fail(&c, "select.by", "unknown criterion '%s' (final_loss, time_to_target)", by);
			goto out;
		}
		if (ex->select.by == SELECT_FINAL_LOSS &&
		    cJSON_GetObjectItemCaseSensitive(select, "target")) {
			rc = json_fail(&c, "select.target", "only used with \"by\": \"time_to_target\"");
			goto out;
		}
	}

	const char *title = ex->name, *format = "png";
	ex->plot_format = "png";
	if (plot) {
		static const char *const pkeys[] = {"title", "logx", "format", NULL};
		if ((rc = json_check_keys(&c, plot, "plot", pkeys)) ||
		    (rc = json_get_string(&c, plot, "plot", "title", 0, ex->name, &title)) ||
		    (rc = json_get_bool(&c, plot, "plot", "logx", 0, &ex->plot_logx)) ||
		    (rc = json_get_string(&c, plot, "plot", "format", 0, "png", &format)))
			goto out;
		static const char *const formats[] = {"png", "svg", "pdf"};
		ex->plot_format = NULL;
		for (int i = 0; i < 3; i++)
			if (!strcmp(format, formats[i]))
				ex->plot_format = formats[i];
		if (!ex->plot_format) {
			rc = json_fail(&c, "plot.format", "must be png, svg or pdf, got '%s'", format);
			goto out;
		}
	}
	ex->plot_title = str_dup(title);

	if (defaults) {
		static const char *const dkeys[] = {"model", "init", "optimizer",
						    "diagnostics", NULL};
		if ((rc = json_check_keys(&c, defaults, "defaults", dkeys)))
			goto out;
		for (const cJSON *it = defaults->child; it; it = it->next)
			if (!cJSON_IsObject(it)) {
				char p[128];
				rc = json_fail(&c, json_key_path(p, sizeof(p), "defaults", it->string),
					  "must be an object, got %s", json_type_name(it));
				goto out;
			}
	}
	const cJSON *runs = cJSON_GetObjectItemCaseSensitive(root, "runs");
	if (!runs) {
		rc = json_fail(&c, "runs", "missing (required)");
		goto out;
	}
	if (!cJSON_IsArray(runs) || cJSON_GetArraySize(runs) == 0) {
		rc = json_fail(&c, "runs", "must be a non-empty array of runs");
		goto out;
	}
	int idx = 0;
	for (const cJSON *r = runs->child; r && !rc; r = r->next, idx++)
		rc = expand_run(&c, ex, &cap, defaults, r, idx, &train_defaults);
	if (!rc && ex->replicates > 1)
		rc = replicate_runs(ex);
	ex->plan_runs = ex->n_runs;
	if (rc)
		goto out;
	const cJSON *claims = cJSON_GetObjectItemCaseSensitive(root, "claims");
	if (claims) {
		const char **groups = malloc((ex->n_runs ? ex->n_runs : 1) * sizeof(char *));
		if (!groups) {
			rc = err_set(ERR_RUNTIME, "out of memory");
			goto out;
		}
		for (int i = 0; i < ex->n_runs; i++)
			groups[i] = ex->runs[i].group;
		rc = claims_parse(&c, claims, groups, ex->n_runs, &ex->claims, &ex->n_claims);
		free(groups);
	}
out:
	cJSON_Delete(root);
	free(c.base_dir);
	if (rc)
		experiment_release(ex);
	return rc;
}

int config_load(struct experiment *ex, const char *path)
{
	memset(ex, 0, sizeof(*ex));
	char *text = file_read_all(path, NULL);
	if (!text)
		return ERR_INPUT;
	if (strlen(text) == 0) {
		free(text);
		return err_set(ERR_INPUT, "%s: empty file", path);
	}
	int rc = config_parse(ex, text, path);
	free(text);
	return rc;
}

void experiment_override_iterations(struct experiment *ex, long iterations)
{
	if (iterations <= 0)
		return;
	ex->iterations_override = iterations;
	for (int i = 0; i < ex->n_runs; i++) {
		ex->runs[i].iterations = iterations;
		if (ex->runs[i].log_every > iterations)
			ex->runs[i].log_every = iterations;
	}
}

void experiment_truncate_runs(struct experiment *ex, int n)
{
	while (ex->n_runs > n)
		run_spec_release(&ex->runs[--ex->n_runs]);
}

void experiment_release(struct experiment *ex)
{
	free(ex->config_path);
	free(ex->name);
	free(ex->description);
	free(ex->plot_title);
	free(ex->data.path);
	free(ex->data.X);
	free(ex->data.Y);
	for (int i = 0; i < ex->n_runs; i++)
		run_spec_release(&ex->runs[i]);
	free(ex->runs);
	claims_release(ex->claims, ex->n_claims);
	memset(ex, 0, sizeof(*ex));
}
