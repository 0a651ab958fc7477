/* config: parses and validates an experiment file (see config.h). Values
 * are read with small typed getters that know the key path, so every error
 * says where it is. Defaults merge into runs before validation; grid lists
 * expand runs after merging. */
#include "overparam/claims.h"
#include "overparam/config.h"
#include "overparam/config_data.h"
#include "overparam/config_keys.h"
#include "overparam/detmath.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/jsonget.h"
#include "overparam/keytable.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GRID_RUNS 10000


static int parse_model(const struct json_ctx *c, const cJSON *obj, const char *path,
		       struct run_spec *r)
{
	static const char *const extra[] = {"width", "widths", NULL};
	int rc;
	char p[512];
	keys_set_defaults(&config_model_keys, -1, r);
	if ((rc = keys_read(c, obj, path, &config_model_keys, -1, extra, r)))
		return rc;
	int depth = r->depth;
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
	keys_set_defaults(&config_init_keys, -1, r);
	r->seed = c->seed;
	return keys_read(c, obj, path, &config_init_keys, -1, NULL, r);
}

static int parse_optimizer(const struct json_ctx *c, const cJSON *obj, const char *path,
			   struct optim_spec *o)
{
	char p[512];
	o->kind = OPTIM_GD;
	int rc = key_read(c, obj, path, keys_find(&config_optimizer_keys, "name"), o);
	if (rc)
		return rc;
	enum optim_kind kind = o->kind;
	keys_set_defaults(&config_optimizer_keys, kind, o);
	if ((rc = keys_read(c, obj, path, &config_optimizer_keys, kind, NULL, o)))
		return rc;
	if (kind == OPTIM_ADADELTA && o->eps == 0)
		return json_fail(c, json_key_path(p, sizeof(p), path, "eps"),
			    "must be > 0 for adadelta");
	return ERR_OK;
}

/* Reads train settings from obj over the values already in r. */
static int parse_train(const struct json_ctx *c, const cJSON *obj, const char *path,
		       struct run_spec *r)
{
	return keys_read(c, obj, path, &config_train_keys, -1, NULL, r);
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

/* The numbers that a list may replace to form a grid: the rows flagged
 * KEY_GRID of these tables. */
static const struct key_table *const grid_tables[] = {&config_optimizer_keys,
						      &config_init_keys};
#define MAX_GRID_KEYS GRID_MAX_AXES /* every grid key can be an axis */

/* Fills keys[] with {section, key} of every grid-able key; returns the count. */
static int grid_keys(const char *keys[][2])
{
	int n = 0;
	for (size_t t = 0; t < sizeof(grid_tables) / sizeof(grid_tables[0]); t++)
		for (int i = 0; i < grid_tables[t]->n && n < MAX_GRID_KEYS; i++)
			if (grid_tables[t]->keys[i].flags & KEY_GRID) {
				keys[n][0] = grid_tables[t]->section;
				keys[n][1] = grid_tables[t]->keys[i].name;
				n++;
			}
	return n;
}

struct grid_axis {
	cJSON *list; /* the array in the merged run */
	const char *section, *key;
	int n;
};

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

/* Parses one fully-resolved run object (no lists left) into r. */
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
		json_key_path(p, sizeof(p), path, "diagnostics");
		if ((rc = keys_read(c, diag, p, &config_diagnostics_keys, -1, NULL, r)))
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
	keys_copy(&config_train_keys, train_defaults, r); /* the top-level train section */
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

/* "replicates": S > 1 repeats every run S times, with init seeds seed + r
 * (r = 0..S-1; replicate_over "seeds") or with the same seed on the data
 * without its r-th batch file ("batches", run.c loads each subset),
 * labelled "label #r+1": per group, all of replicate 1's grid
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
				dst->hidden = malloc((src->depth > 1 ? src->depth - 1 : 1) * sizeof(int));
				if (dst->hidden)
					memcpy(dst->hidden, src->hidden,
					       (src->depth > 1 ? src->depth - 1 : 0) * sizeof(int));
				dst->seed = src->seed +
					    (ex->replicate_over == REPLICATE_SEEDS ? (unsigned long long)r : 0);
				dst->replicate = r;
				if (!dst->label || !dst->group || !dst->hidden)
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

/* The grid lists of merged (a run with its defaults), as axes[0..*n_axes)
 * in grid_key order; *total their product (the runs they make). */
static int grid_axes(const struct json_ctx *c, const char *path, cJSON *merged,
		     const char *grid_key[][2], int n_grid_keys, struct grid_axis *axes,
		     int *n_axes, long *total)
{
	char p[512];
	int rc = ERR_OK;
	for (int g = 0; g < n_grid_keys && !rc; g++) {
		cJSON *sec = cJSON_GetObjectItemCaseSensitive(merged, grid_key[g][0]);
		cJSON *v = sec ? cJSON_GetObjectItemCaseSensitive(sec, grid_key[g][1]) : NULL;
		if (!v || !cJSON_IsArray(v))
			continue;
		snprintf(p, sizeof(p), "%s.%s.%s", path, grid_key[g][0], grid_key[g][1]);
		int n = cJSON_GetArraySize(v);
		if (n == 0)
			return json_fail(c, p, "grid list is empty");
		for (const cJSON *e = v->child; e && !rc; e = e->next)
			if (!cJSON_IsNumber(e))
				rc = json_fail(c, p, "grid list entries must be numbers, got %s",
					       json_type_name(e));
		axes[(*n_axes)++] = (struct grid_axis){v, grid_key[g][0], grid_key[g][1], n};
		*total *= n;
		if (*total > MAX_GRID_RUNS)
			rc = json_fail(c, path, "grid expands to more than %d runs", MAX_GRID_RUNS);
	}
	return rc;
}

/* Expands runs[idx] (merged with defaults) over its grid lists. */
static int expand_run(const struct json_ctx *c, struct experiment *ex, int *cap,
		      const cJSON *defaults, const cJSON *run, int idx,
		      const struct run_spec *train_defaults)
{
	char path[64], p[512];
	snprintf(path, sizeof(path), "runs[%d]", idx);
	/* errors at a key the run takes from defaults name defaults.KEY */
	struct json_ctx here = *c;
	here.run_path = path;
	here.run = run;
	here.defaults = defaults;
	c = &here;
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
	const char *grid_key[MAX_GRID_KEYS][2];
	int n_grid_keys = grid_keys(grid_key);
	for (int s = 0; s < 4 && !rc; s++) {
		const cJSON *sec = cJSON_GetObjectItemCaseSensitive(run, sections[s]);
		if (sec && !cJSON_IsObject(sec))
			rc = json_fail(c, json_key_path(p, sizeof(p), path, sections[s]),
				  "must be an object, got %s", json_type_name(sec));
		else
			rc = merge_section(defaults, run, sections[s], merged);
	}
	for (int g = 0; g < n_grid_keys && !rc; g++) {
		cJSON *sec = cJSON_GetObjectItemCaseSensitive(merged, grid_key[g][0]);
		cJSON *v = sec ? cJSON_GetObjectItemCaseSensitive(sec, grid_key[g][1]) : NULL;
		if (v && cJSON_IsObject(v)) {
			snprintf(p, sizeof(p), "%s.%s.%s", path, grid_key[g][0], grid_key[g][1]);
			rc = expand_log_grid(c, p, sec, grid_key[g][1], v);
		}
	}
	struct grid_axis axes[MAX_GRID_KEYS];
	int n_axes = 0;
	long total = 1;
	if (!rc)
		rc = grid_axes(c, path, merged, grid_key, n_grid_keys, axes, &n_axes, &total);
	for (long combo = 0; combo < total && !rc; combo++) {
		cJSON *point = cJSON_Duplicate(merged, 1);
		int pick[MAX_GRID_KEYS];
		long rest = combo;
		for (int a = n_axes - 1; a >= 0; a--) { /* the last axis varies fastest */
			pick[a] = (int)(rest % axes[a].n);
			rest /= axes[a].n;
		}
		struct grid_point grid = {0};
		for (int a = 0; a < n_axes; a++) {
			cJSON *sec = cJSON_GetObjectItemCaseSensitive(point, axes[a].section);
			double val = cJSON_GetArrayItem(axes[a].list, pick[a])->valuedouble;
			cJSON_ReplaceItemInObjectCaseSensitive(sec, axes[a].key, cJSON_CreateNumber(val));
			grid_point_add(&grid, axes[a].key, val); /* keys are short; at most MAX_GRID_KEYS */
		}
		struct run_spec r = {0};
		rc = parse_run_object(c, point, path, train_defaults, &r);
		cJSON_Delete(point);
		if (!rc) {
			char auto_label[128], text[512], full[700];
			default_label(&r, auto_label, sizeof(auto_label));
			const char *group = label ? label : auto_label;
			grid_point_format(&grid, text, sizeof(text));
			if (n_axes)
				snprintf(full, sizeof(full), "%s [%s]", group, text);
			else
				snprintf(full, sizeof(full), "%s", group);
			r.group = str_dup(group);
			r.label = str_dup(full);
			r.grid = grid;
			if (!r.group || !r.label)
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

/* The loss section, after data (softmax needs k >= 2 and unscaled labels). */
static int parse_loss(const struct json_ctx *c, const cJSON *obj, struct experiment *ex)
{
	struct loss_spec *l = &ex->loss;
	int rc = keys_read(c, obj, "loss", &config_loss_keys, -1, NULL, l);
	if (rc)
		return rc;
	if (l->kind == LOSS_SOFTMAX_CE) {
		if (cJSON_GetObjectItemCaseSensitive(obj, "p"))
			return json_fail(c, "loss.p", "only used with \"type\": \"lp\"");
		if (l->form == LOSS_FORM_GRAM)
			return json_fail(c, "loss.form", "\"gram\" is for l2 only");
		if (ex->data.k < 2)
			return json_fail(c, "loss.type",
					 "softmax_ce needs at least 2 outputs, the data have %d",
					 ex->data.k);
		if (ex->data.preprocess == PREPROCESS_STANDARDIZE ||
		    ex->data.preprocess == PREPROCESS_WHITEN)
			return json_fail(c, "data.preprocess",
					 "'%s' rescales the labels, which softmax_ce needs as class probabilities (use \"features\" or \"none\")",
					 preprocess_mode_name(ex->data.preprocess));
	}
	if (l->kind == LOSS_MSE && cJSON_GetObjectItemCaseSensitive(obj, "p"))
		return json_fail(c, "loss.p", "only used with \"type\": \"lp\"");
	if (l->kind == LOSS_MSE && l->form == LOSS_FORM_GRAM)
		return json_fail(c, "loss.form", "a matrix problem has no Gram form");
	if (l->kind == LOSS_MSE)
		l->p = 2; /* its rule is the l2 pass's (loss.h) */
	if (l->form == LOSS_FORM_GRAM && l->p != 2)
		return json_fail(c, "loss.form", "\"gram\" needs p = 2, got p = %g", l->p);
	return ERR_OK;
}

static int parse_select(const struct json_ctx *c, const cJSON *obj, struct select_spec *s)
{
	int rc = keys_read(c, obj, "select", &config_select_keys, -1, NULL, s);
	if (rc)
		return rc;
	int has_target = cJSON_GetObjectItemCaseSensitive(obj, "target") != NULL;
	if (s->by == SELECT_TIME_TO_TARGET && !has_target)
		return json_fail(c, "select.target", "missing (required)");
	if (s->by == SELECT_FINAL_LOSS && has_target)
		return json_fail(c, "select.target", "only used with \"by\": \"time_to_target\"");
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

static const struct config_key replicate_over_key = {
	"replicate_over", KEY_ENUM, offsetof(struct experiment, replicate_over), REPLICATE_SEEDS,
	0, 0, JSON_NONE, JSON_NONE, &replicate_over_names, 0, 0,
	"what varies between replicates", NULL};

/* What needs whitened data's modes (init.scheme decoupled, diagnostics
 * modes) has them, and a decoupled deep network has room for them: refused
 * here, before anything is written. */
static int check_mode_runs(const struct json_ctx *c, const struct experiment *ex)
{
	int whitened = ex->data.source == DATA_WHITENED;
	for (int i = 0; i < ex->n_runs; i++) {
		const struct run_spec *r = &ex->runs[i];
		if ((r->init == LINNET_INIT_DECOUPLED || r->modes) && !whitened)
			return json_fail(c, "runs", "'%s': %s needs data.source \"whitened\" (its modes)", r->label,
					 r->modes ? "diagnostics.modes" : "init.scheme \"decoupled\"");
		for (int l = 0; r->init == LINNET_INIT_DECOUPLED && r->model == MODEL_DEEP && l < r->depth - 1; l++)
			if (r->hidden[l] < ex->data.n_modes)
				return json_fail(c, "runs", "'%s': init.scheme \"decoupled\" needs hidden widths >= the data's %d modes, got %d",
						 r->label, ex->data.n_modes, r->hidden[l]);
	}
	return ERR_OK;
}

/* The top level's own keys: name (default: the file name without its
 * extension), description, seed, replicates, replicate_over. */
static int parse_top(struct json_ctx *c, const cJSON *root, struct experiment *ex)
{
	static const char *const keys[] = {"name",  "description", "seed", "data",
					   "loss", "train", "select", "plot",
					   "defaults", "runs", "claims", "replicates",
					   "replicate_over", NULL};
	static const char *const run_sections[] = {"model", "init", "optimizer", "diagnostics", NULL};
	const char *name, *desc;
	int rc;
	for (const char *const *s = run_sections; *s; s++)
		if (cJSON_GetObjectItemCaseSensitive(root, *s))
			return json_fail(c, *s, "not a top-level key: a run's section goes in 'defaults' (every run) or in a run; did you mean defaults.%s?",
					 *s);
	if ((rc = json_check_keys(c, root, "", keys)) ||
	    (rc = json_get_string(c, root, "", "name", 0, NULL, &name)) ||
	    (rc = json_get_string(c, root, "", "description", 0, "", &desc)) ||
	    (rc = json_get_seed(c, root, "", "seed", 0, 1, &ex->seed)) ||
	    (rc = json_get_int(c, root, "", "replicates", 0, 1, 1, 100, &ex->replicates)) ||
	    (rc = key_read(c, root, "", &replicate_over_key, ex)))
		return rc;
	c->seed = ex->seed;
	if (!name) {
		const char *base = strrchr(c->file, '/');
		base = base ? base + 1 : c->file;
		char buf[256];
		snprintf(buf, sizeof(buf), "%s", base);
		char *dot = strrchr(buf, '.');
		if (dot && dot != buf)
			*dot = '\0';
		ex->name = str_dup(buf);
	} else {
		if (!*name || strchr(name, '/'))
			return json_fail(c, "name", "must be a non-empty name without '/'");
		ex->name = str_dup(name);
	}
	ex->description = str_dup(desc);
	ex->config_path = str_dup(c->file);
	ex->config_dir = str_dup(c->base_dir ? c->base_dir : ".");
	if (!ex->name || !ex->description || !ex->config_path || !ex->config_dir)
		return err_set(ERR_RUNTIME, "out of memory");
	return ERR_OK;
}

static int parse_plot(const struct json_ctx *c, const cJSON *plot, struct experiment *ex)
{
	const char *title = ex->name, *format = "png";
	ex->plot_format = "png";
	if (plot) {
		static const char *const keys[] = {"title", "logx", "format", NULL};
		int rc;
		if ((rc = json_check_keys(c, plot, "plot", keys)) ||
		    (rc = json_get_string(c, plot, "plot", "title", 0, ex->name, &title)) ||
		    (rc = json_get_bool(c, plot, "plot", "logx", 0, &ex->plot_logx)) ||
		    (rc = json_get_string(c, plot, "plot", "format", 0, "png", &format)))
			return rc;
		int f = name_map_find(&plot_format_names, format);
		if (f < 0)
			return json_fail(c, "plot.format", "must be png, svg or pdf, got '%s'", format);
		ex->plot_format = plot_format_names.names[f];
	}
	ex->plot_title = str_dup(title);
	return ex->plot_title ? ERR_OK : err_set(ERR_RUNTIME, "out of memory");
}

/* "defaults" holds objects merged under every run's (expand_run). */
static int check_defaults(const struct json_ctx *c, const cJSON *defaults)
{
	static const char *const keys[] = {"model", "init", "optimizer", "diagnostics", NULL};
	int rc = json_check_keys(c, defaults, "defaults", keys);
	for (const cJSON *it = defaults->child; it && !rc; it = it->next)
		if (!cJSON_IsObject(it)) {
			char p[128];
			rc = json_fail(c, json_key_path(p, sizeof(p), "defaults", it->string),
				       "must be an object, got %s", json_type_name(it));
		}
	return rc;
}

/* "runs": each expanded over its grid lists, then over the replicates. */
static int parse_runs(const struct json_ctx *c, const cJSON *root, const cJSON *defaults,
		      const struct run_spec *train_defaults, struct experiment *ex)
{
	const cJSON *runs = cJSON_GetObjectItemCaseSensitive(root, "runs");
	if (!runs)
		return json_fail(c, "runs", "missing (required)");
	if (!cJSON_IsArray(runs) || cJSON_GetArraySize(runs) == 0)
		return json_fail(c, "runs", "must be a non-empty array of runs");
	int idx = 0, cap = 0, rc = ERR_OK;
	for (const cJSON *r = runs->child; r && !rc; r = r->next, idx++)
		rc = expand_run(c, ex, &cap, defaults, r, idx, train_defaults);
	if (!rc && ex->replicates > 1)
		rc = replicate_runs(ex);
	ex->plan_runs = ex->n_runs;
	return rc;
}

/* Parses root in the order a reader checks a file: the top level, data,
 * loss (which needs the data's shape), train, select, plot, defaults,
 * runs, and the claims (which name the runs). */
static int parse_root(struct json_ctx *c, const cJSON *root, struct experiment *ex)
{
	const cJSON *data, *loss, *train, *select, *plot, *defaults;
	int rc;
	if ((rc = parse_top(c, root, ex)) ||
	    (rc = json_get_object(c, root, "", "data", 1, &data)) ||
	    (rc = json_get_object(c, root, "", "loss", 0, &loss)) ||
	    (rc = json_get_object(c, root, "", "train", 0, &train)) ||
	    (rc = json_get_object(c, root, "", "select", 0, &select)) ||
	    (rc = json_get_object(c, root, "", "plot", 0, &plot)) ||
	    (rc = json_get_object(c, root, "", "defaults", 0, &defaults)) ||
	    (rc = config_parse_data(c, data, &ex->data)))
		return rc;
	if (ex->replicate_over == REPLICATE_BATCHES &&
	    (ex->data.source != DATA_GAS_DRIFT || ex->replicates < 2 ||
	     ex->replicates > ex->data.n_batches))
		return json_fail(c, "replicate_over",
				 "\"batches\" needs gas_drift data and 2 <= replicates <= its batch files (%d), got %d replicates",
				 ex->data.source == DATA_GAS_DRIFT ? ex->data.n_batches : 0,
				 ex->replicates);
	keys_set_defaults(&config_loss_keys, -1, &ex->loss);
	int matrix = ex->data.source == DATA_MATRIX_COMPLETION || ex->data.source == DATA_MATRIX_SENSING;
	if (matrix)
		ex->loss.kind = LOSS_MSE; /* the default, and the only loss, of a matrix problem */
	if (loss && (rc = parse_loss(c, loss, ex)))
		return rc;
	if (matrix != (ex->loss.kind == LOSS_MSE))
		return json_fail(c, "loss.type", matrix ? "a matrix problem's loss is \"mse\" (the mean squared error of its observations)"
						      : "\"mse\" is for data.source matrix_completion or matrix_sensing");
	struct run_spec train_defaults;
	keys_set_defaults(&config_train_keys, -1, &train_defaults);
	if (train && (rc = parse_train(c, train, "train", &train_defaults)))
		return rc;
	keys_set_defaults(&config_select_keys, -1, &ex->select);
	if ((select && (rc = parse_select(c, select, &ex->select))) ||
	    (rc = parse_plot(c, plot, ex)) ||
	    (defaults && (rc = check_defaults(c, defaults))) ||
	    (rc = parse_runs(c, root, defaults, &train_defaults, ex)) ||
	    (rc = check_mode_runs(c, ex)))
		return rc;
	const cJSON *claims = cJSON_GetObjectItemCaseSensitive(root, "claims");
	if (!claims)
		return ERR_OK;
	struct label_field groups = {(const char *const *)&ex->runs[0].group,
				     sizeof(ex->runs[0]), ex->n_runs};
	return claims_parse(c, claims, &groups, &ex->claims, &ex->n_claims);
}

int config_parse(struct experiment *ex, const char *text, const char *path)
{
	memset(ex, 0, sizeof(*ex));
	struct json_ctx c = {.file = path, .base_dir = config_base_dir(path)};
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
	int rc;
	if (!root) {
		int line, col;
		/* cJSON reports where parsing stopped through end (and the
		 * global error pointer, which is the same place). */
		const char *at = end ? end : cJSON_GetErrorPtr();
		line_col(text, at ? (size_t)(at - text) : 0, &line, &col);
		rc = err_set(ERR_INPUT, "%s:%d:%d: malformed JSON", path, line, col);
	} else if (!cJSON_IsObject(root)) {
		rc = json_fail(&c, "", "the top level must be an object");
	} else {
		rc = parse_root(&c, root, ex);
	}
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

static const struct key_table *const flat_tables[] = {
	&config_loss_keys, &config_train_keys,     &config_select_keys,      &config_model_keys,
	&config_init_keys, &config_optimizer_keys, &config_diagnostics_keys,
};
#define N_FLAT_TABLES (sizeof(flat_tables) / sizeof(flat_tables[0]))

void config_print_keys(FILE *f)
{
	for (size_t i = 0; i < N_FLAT_TABLES; i++)
		keys_print_markdown(f, flat_tables[i]);
}

void config_print_key_paths(FILE *f)
{
	/* loss, train and select are top-level sections; the run sections are
	 * set for every run under defaults (or one run as runs[N].SECTION.KEY) */
	for (size_t i = 0; i < N_FLAT_TABLES; i++)
		keys_print_paths(f, flat_tables[i], i < 3 ? "" : "defaults.");
}
