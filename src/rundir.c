/* rundir: parses summary.csv (by header names) and metadata.json of a run
 * directory, and run CSVs (see rundir.h). */
#include "overparam/rundir.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/manifest.h"
#include "overparam/output.h"
#include "overparam/table.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int rundir_run_finished(const struct rundir_run *r)
{
	return !strcmp(r->status, "ok") || !strcmp(r->status, "diverged") ||
	       !strcmp(r->status, "converged");
}

void rundir_run_result(const struct rundir_run *r, struct run_result *res)
{
	memset(res, 0, sizeof(*res));
	res->status = RUN_OK;
	if (strcmp(r->status, "diverged") == 0)
		res->status = RUN_DIVERGED;
	else if (strcmp(r->status, "interrupted") == 0)
		res->status = RUN_INTERRUPTED;
	else if (strcmp(r->status, "converged") == 0)
		res->status = RUN_CONVERGED;
	res->last_iter = r->last_iter;
	res->diverged_at = r->diverged_at;
	res->reached_at = r->reached_at;
	res->initial_loss = r->initial_loss;
	res->final_loss = r->final_loss;
	res->min_loss = r->min_loss;
}

void rundir_release(struct rundir *rd)
{
	for (int i = 0; i < rd->n_runs; i++) {
		struct rundir_run *r = &rd->runs[i];
		free(r->label);
		free(r->group);
		free(r->grid_point);
		free(r->model);
		free(r->status);
		free(r->csv);
		free(r->grid_edge);
	}
	claims_release(rd->claims, rd->n_claims);
	free(rd->modes);
	free(rd->runs);
	free(rd->dir);
	free(rd->title);
	free(rd->description);
	free(rd->data_note);
	free(rd->subset_floor);
	memset(rd, 0, sizeof(*rd));
}

enum { C_INDEX, C_LABEL, C_GROUP, C_GRID, C_MODEL, C_STATUS, C_LAST, C_DIV, C_REACH,
       C_INIT, C_FINAL, C_MIN, C_SEL, C_CSV, N_COLS };
static const char *const col_names[N_COLS] = {
	"index", "label", "group", "grid_point", "model", "status", "last_iter",
	"diverged_at", "reached_at", "initial_loss", "final_loss", "min_loss",
	"selected", "csv"};

/* summary.csv's columns that older directories lack (-1: absent). */
struct optional_cols {
	int edge, rep, iter, depth, lr, opt;
};

static void optional_columns(char **fields, int n, struct optional_cols *o)
{
	static const char *const names[] = {"grid_edge", "replicate", "iterations", "depth", "lr",
					    "optimizer"};
	int *at[] = {&o->edge, &o->rep, &o->iter, &o->depth, &o->lr, &o->opt};
	for (int i = 0; i < n; i++)
		for (int c = 0; c < 6; c++)
			if (strcmp(fields[i], names[c]) == 0)
				*at[c] = i;
}

static int load_summary(struct rundir *rd)
{
	char *path = path_join(rd->dir, "summary.csv");
	FILE *f = path ? fopen(path, "r") : NULL;
	if (!f) {
		int rc = err_set(ERR_INPUT, "cannot open '%s': not a run directory",
				 path ? path : rd->dir);
		free(path);
		return rc;
	}
	char *line = NULL, *fields[64];
	size_t cap = 0;
	long lineno = 0;
	int col[N_COLS], rc = ERR_OK, alloc = 0;
	struct optional_cols o = {-1, -1, -1, -1, -1, -1};
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		int n = csv_split(line, fields, 64);
		if (lineno == 1) {
			for (int c = 0; c < N_COLS; c++) {
				col[c] = -1;
				for (int i = 0; i < n && i < 64; i++)
					if (strcmp(fields[i], col_names[c]) == 0)
						col[c] = i;
				if (col[c] < 0) {
					rc = err_set(ERR_INPUT, "%s:1: no column '%s'", path, col_names[c]);
					goto out;
				}
			}
			optional_columns(fields, n < 64 ? n : 64, &o);
			continue;
		}
		int need = 0;
		for (int c = 0; c < N_COLS; c++)
			if (col[c] > need)
				need = col[c];
		if (n <= need) {
			rc = err_set(ERR_INPUT, "%s:%ld: too few columns", path, lineno);
			goto out;
		}
		if (rd->n_runs == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			struct rundir_run *nr = realloc(rd->runs, alloc * sizeof(*nr));
			if (!nr) {
				rc = err_set(ERR_RUNTIME, "out of memory");
				goto out;
			}
			rd->runs = nr;
		}
		struct rundir_run *r = &rd->runs[rd->n_runs++];
		memset(r, 0, sizeof(*r));
		r->label = str_dup(fields[col[C_LABEL]]);
		r->group = str_dup(fields[col[C_GROUP]]);
		r->grid_point = str_dup(fields[col[C_GRID]]);
		r->model = str_dup(fields[col[C_MODEL]]);
		r->status = str_dup(fields[col[C_STATUS]]);
		r->csv = str_dup(fields[col[C_CSV]]);
		r->grid_edge = str_dup(o.edge >= 0 && o.edge < n ? fields[o.edge] : "");
		r->index = (int)strtol(fields[col[C_INDEX]], NULL, 10);
		r->replicate = o.rep >= 0 && o.rep < n ? (int)strtol(fields[o.rep], NULL, 10) : 1;
		if (r->replicate > rd->n_replicates)
			rd->n_replicates = r->replicate;
		r->iterations = o.iter >= 0 && o.iter < n ? strtol(fields[o.iter], NULL, 10) : -1;
		r->last_iter = strtol(fields[col[C_LAST]], NULL, 10);
		r->diverged_at = strtol(fields[col[C_DIV]], NULL, 10);
		r->reached_at = strtol(fields[col[C_REACH]], NULL, 10);
		r->initial_loss = strtod(fields[col[C_INIT]], NULL);
		r->final_loss = strtod(fields[col[C_FINAL]], NULL);
		r->min_loss = strtod(fields[col[C_MIN]], NULL);
		r->selected = strcmp(fields[col[C_SEL]], "1") == 0;
		r->seconds = NAN;
		r->depth = o.depth >= 0 && o.depth < n ? (int)strtol(fields[o.depth], NULL, 10) : 0;
		r->lr = o.lr >= 0 && o.lr < n ? strtod(fields[o.lr], NULL) : NAN;
		r->gd = o.opt >= 0 && o.opt < n && strcmp(fields[o.opt], "gd") == 0;
		if (!r->label || !r->group || !r->grid_point || !r->model || !r->status ||
		    !r->csv || !r->grid_edge) {
			rc = err_set(ERR_RUNTIME, "out of memory");
			goto out;
		}
		if (grid_point_parse(&r->grid, r->grid_point)) {
			rc = err_set(ERR_INPUT, "%s:%ld: grid_point '%s' is not key=number[,key=number...]",
				     path, lineno, r->grid_point);
			goto out;
		}
	}
	if (lineno == 0)
		rc = err_set(ERR_INPUT, "%s: empty file", path);
out:
	free(line);
	fclose(f);
	free(path);
	return rc;
}


/* "Data: gas_drift, gas ethanol, target concentration: 1316 examples, 128
 * features; files not found: batch7.dat, batch10.dat." and, for l_p losses, the
 * floor of the data ("The lowest loss any linear model reaches ..."), from
 * metadata.json's "data" (and "replicate_data" for replicates over data
 * subsets), so a report says what each figure ran on and how low its
 * losses can go. NULL when the metadata has no data block. */
/* The columns a matrix problem's baseline has (metadata.json's
 * data.nuclear_baseline), in rundir.baseline's order. */
static const char *const baseline_columns[3] = {"nuclear", "test_error", "eff_rank"};

static char *data_note(const cJSON *root)
{
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
	const cJSON *source = cJSON_GetObjectItemCaseSensitive(data, "source");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(data, "m");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(data, "d");
	if (!cJSON_IsString(source) || !cJSON_IsNumber(m) || !cJSON_IsNumber(d))
		return NULL;
	char buf[2048] = "";
	str_append(buf, sizeof(buf), "Data: %s", source->valuestring);
	const cJSON *gas = cJSON_GetObjectItemCaseSensitive(data, "gas");
	const cJSON *target = cJSON_GetObjectItemCaseSensitive(data, "target");
	if (cJSON_IsString(gas) && cJSON_IsString(target))
		str_append(buf, sizeof(buf), ", gas %s, target %s", gas->valuestring,
			 target->valuestring);
	const cJSON *rank = cJSON_GetObjectItemCaseSensitive(data, "rank");
	const cJSON *obs = cJSON_GetObjectItemCaseSensitive(data, "observations");
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(data, "rows");
	const cJSON *cols = cJSON_GetObjectItemCaseSensitive(data, "cols");
	const cJSON *held = cJSON_GetObjectItemCaseSensitive(data, "held_out_entries");
	int matrix = cJSON_IsNumber(rank) && cJSON_IsNumber(obs) && cJSON_IsNumber(rows) &&
		     cJSON_IsNumber(cols);
	if (matrix && cJSON_IsNumber(held))
		str_append(buf, sizeof(buf), ": a %.0f x %.0f matrix, %.0f entries observed, %.0f held out for the test error",
			   rows->valuedouble, cols->valuedouble, obs->valuedouble, held->valuedouble);
	else if (matrix && rank->valuedouble == 0) /* given entries */
		str_append(buf, sizeof(buf), ": a %.0f x %.0f matrix, %.0f entries given", rows->valuedouble,
			   cols->valuedouble, obs->valuedouble);
	else if (matrix)
		str_append(buf, sizeof(buf), ": a %.0f x %.0f matrix of rank %.0f, %.0f observations",
			   rows->valuedouble, cols->valuedouble, rank->valuedouble, obs->valuedouble);
	else
		str_append(buf, sizeof(buf), ": %.0f examples, %.0f features", m->valuedouble,
			   d->valuedouble);
	int missing = 0;
	const cJSON *file;
	cJSON_ArrayForEach(file, cJSON_GetObjectItemCaseSensitive(data, "files")) {
		const cJSON *path = cJSON_GetObjectItemCaseSensitive(file, "path");
		if (!cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(file, "present")) ||
		    !cJSON_IsString(path))
			continue;
		const char *base = strrchr(path->valuestring, '/');
		str_append(buf, sizeof(buf), "%s%s", missing++ ? ", " : "; files not found: ",
			 base ? base + 1 : path->valuestring);
	}
	const cJSON *subsets = cJSON_GetObjectItemCaseSensitive(root, "replicate_data");
	if (cJSON_GetArraySize(subsets) > 0) {
		str_append(buf, sizeof(buf), "; replicate r leaves out batch file");
		int r = 0;
		const cJSON *one;
		cJSON_ArrayForEach(one, subsets) {
			const cJSON *b = cJSON_GetObjectItemCaseSensitive(one, "left_out_batch");
			if (cJSON_IsNumber(b))
				str_append(buf, sizeof(buf), "%s %d", r++ ? "," : "", b->valueint);
		}
		str_append(buf, sizeof(buf), " (the counts are replicate 1's)");
	}
	str_append(buf, sizeof(buf), ".");
	const cJSON *lf = cJSON_GetObjectItemCaseSensitive(data, "loss_floor");
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(lf, "value");
	const cJSON *at_zero = cJSON_GetObjectItemCaseSensitive(lf, "at_zero");
	if (cJSON_IsNumber(value) && cJSON_IsNumber(at_zero) && at_zero->valuedouble > 0)
		str_append(buf, sizeof(buf),
			 " The lowest loss any linear model reaches on these data (one matrix W, "
			 "Newton's method; no depth goes below it): %.4g, %.3g%% of the loss at W = 0%s.",
			 value->valuedouble, 100 * value->valuedouble / at_zero->valuedouble,
			 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(lf, "converged"))
			 ? "" : " (Newton did not converge: an upper bound)");
	const cJSON *nb = cJSON_GetObjectItemCaseSensitive(data, "nuclear_baseline");
	const cJSON *nuc = cJSON_GetObjectItemCaseSensitive(nb, "nuclear");
	const cJSON *te = cJSON_GetObjectItemCaseSensitive(nb, "test_error");
	const cJSON *er = cJSON_GetObjectItemCaseSensitive(nb, "eff_rank");
	const cJSON *viol = cJSON_GetObjectItemCaseSensitive(nb, "max_violation");
	/* test_error is null (NaN) without a ground truth */
	if (cJSON_IsNumber(nuc) && cJSON_IsNumber(er) && cJSON_IsNumber(viol))
		str_append(buf, sizeof(buf),
			   " The least nuclear norm of a matrix fitting the observations (the convex baseline, ADMM, largest misfit %.1e%s): %.6g, with test error %.4g and effective rank %.4g.",
			   viol->valuedouble,
			   cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(nb, "converged")) ? ", not converged" : "",
			   nuc->valuedouble, cJSON_IsNumber(te) ? te->valuedouble : NAN, er->valuedouble);
	return str_dup(buf);
}

/* Each run's seconds from metadata.json's runs (matched by label). */
static void run_seconds(struct rundir *rd, const cJSON *runs)
{
	const cJSON *one;
	int i = 0;
	cJSON_ArrayForEach(one, runs) {
		const cJSON *label = cJSON_GetObjectItemCaseSensitive(one, "label");
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(one, "result"), "seconds");
		if (!cJSON_IsString(label) || !cJSON_IsNumber(s))
			continue;
		/* in plan order as summary.csv is; search on when not */
		int j = i < rd->n_runs && !strcmp(rd->runs[i].label, label->valuestring) ? i : 0;
		while (j < rd->n_runs && strcmp(rd->runs[j].label, label->valuestring) != 0)
			j++;
		if (j < rd->n_runs)
			rd->runs[j].seconds = s->valuedouble;
		i = j + 1;
	}
}

static int load_metadata(struct rundir *rd, int required)
{
	char *path = path_join(rd->dir, "metadata.json");
	char *text = path ? file_read_all(path, NULL) : NULL;
	if (!text) {
		free(path);
		if (required)
			return ERR_INPUT;
		err_clear();
		return ERR_OK;
	}
	cJSON *root = cJSON_Parse(text);
	free(text);
	if (!root) {
		int rc = err_set(ERR_INPUT, "%s: malformed JSON", path);
		free(path);
		return rc;
	}
	free(path);
	const cJSON *plot = cJSON_GetObjectItemCaseSensitive(root, "plot");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(plot, "title");
	if (cJSON_IsString(t)) {
		free(rd->title);
		rd->title = str_dup(t->valuestring);
	}
	rd->logx = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(plot, "logx"));
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(plot, "format");
	int f = cJSON_IsString(fmt) ? name_map_find(&plot_format_names, fmt->valuestring) : -1;
	if (f >= 0)
		rd->format = plot_format_names.names[f];
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(root, "description");
	if (cJSON_IsString(desc))
		rd->description = str_dup(desc->valuestring);
	rd->data_note = data_note(root);
	run_seconds(rd, cJSON_GetObjectItemCaseSensitive(root, "runs"));
	const cJSON *modes = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "data"), "modes");
	int nm = cJSON_IsArray(modes) ? cJSON_GetArraySize(modes) : 0;
	if (nm && (rd->modes = malloc((size_t)nm * sizeof(double)))) {
		const cJSON *m;
		cJSON_ArrayForEach(m, modes)
			rd->modes[rd->n_modes++] = cJSON_IsNumber(m) ? m->valuedouble : NAN;
	}
	const cJSON *man = cJSON_GetObjectItemCaseSensitive(root, "manifest");
	rd->manifest_expected = cJSON_IsString(man);
	const cJSON *lf = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "data"),
						 "loss_floor"), "value");
	rd->loss_floor = cJSON_IsNumber(lf) ? lf->valuedouble : NAN;
	const cJSON *nb = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "data"),
							   "nuclear_baseline");
	for (int i = 0; i < 3; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(nb, baseline_columns[i]);
		rd->baseline[i] = cJSON_IsNumber(v) ? v->valuedouble : NAN;
	}
	const cJSON *subsets = cJSON_GetObjectItemCaseSensitive(root, "replicate_data");
	int ns = cJSON_IsArray(subsets) ? cJSON_GetArraySize(subsets) : 0;
	if (ns && (rd->subset_floor = malloc(ns * sizeof(double)))) {
		const cJSON *one;
		cJSON_ArrayForEach(one, subsets) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(one, "loss_floor");
			rd->subset_floor[rd->n_subset_floor++] = cJSON_IsNumber(v) ? v->valuedouble : NAN;
		}
	}
	const cJSON *claims = cJSON_GetObjectItemCaseSensitive(root, "claims");
	int n = cJSON_IsArray(claims) ? cJSON_GetArraySize(claims) : 0;
	rd->claims = calloc(n ? n : 1, sizeof(*rd->claims));
	for (const cJSON *c = n ? claims->child : NULL; c && rd->claims; c = c->next) {
		const cJSON *text_j = cJSON_GetObjectItemCaseSensitive(c, "text");
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(c, "a");
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(c, "b");
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(c, "expect");
		if (!cJSON_IsString(text_j) || !cJSON_IsString(a) || !cJSON_IsString(b) ||
		    !cJSON_IsString(e))
			continue;
		struct claim *cl = &rd->claims[rd->n_claims];
		int expect = name_map_find(&claim_expect_names, e->valuestring);
		if (expect < 0) { /* written by another version: say so, never guess */
			int rc = err_set(ERR_INPUT, "%s/metadata.json: claims[%d].expect: unknown '%s'",
					 rd->dir, rd->n_claims, e->valuestring);
			cJSON_Delete(root);
			return rc;
		}
		cl->expect = (enum claim_expect)expect;
		const cJSON *target = cJSON_GetObjectItemCaseSensitive(c, "target");
		if (cJSON_IsNumber(target))
			cl->target = target->valuedouble;
		const cJSON *after = cJSON_GetObjectItemCaseSensitive(c, "after");
		const cJSON *before = cJSON_GetObjectItemCaseSensitive(c, "before");
		cl->after = cJSON_IsNumber(after) ? after->valuedouble : 0;
		cl->before = cJSON_IsNumber(before) ? before->valuedouble : 0;
		cl->extra = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "extra"));
		const cJSON *column = cJSON_GetObjectItemCaseSensitive(c, "column");
		if (cJSON_IsString(column))
			cl->column = str_dup(column->valuestring);
		cl->text = str_dup(text_j->valuestring);
		cl->a = str_dup(a->valuestring);
		cl->b = str_dup(b->valuestring);
		rd->n_claims++;
	}
	cJSON_Delete(root);
	return ERR_OK;
}

int rundir_load(struct rundir *rd, const char *dir, int need_metadata)
{
	memset(rd, 0, sizeof(*rd));
	if (!path_is_dir(dir))
		return err_set(ERR_INPUT, "'%s' is not a directory", dir);
	rd->dir = str_dup(dir);
	rd->title = str_dup(dir);
	rd->format = "png";
	rd->n_replicates = 1;
	rd->loss_floor = NAN;
	for (int i = 0; i < 3; i++)
		rd->baseline[i] = NAN;
	int rc = load_summary(rd);
	if (!rc)
		rc = load_metadata(rd, need_metadata);
	if (rc)
		rundir_release(rd);
	return rc;
}

int rundir_levels(const struct rundir *const *rds, int n, double levels[4])
{
	double hi = INFINITY, lo = INFINITY;
	for (int d = 0; d < n; d++)
		for (int i = 0; i < rds[d]->n_runs; i++)
			if (rds[d]->runs[i].selected && rds[d]->runs[i].replicate == 1) {
				hi = fmin(hi, rds[d]->runs[i].initial_loss);
				lo = fmin(lo, rds[d]->runs[i].final_loss);
			}
	if (isfinite(hi) && lo <= 0)
		lo = hi * 1e-12; /* solved to rounding: levels down to 1e-12 of the start */
	if (!isfinite(hi) || !isfinite(lo) || hi <= lo)
		return 0;
	for (int j = 0; j < 4; j++)
		levels[j] = hi * pow(lo / hi, 0.25 * (j + 1)) * (1 + 1e-12);
	return 1;
}

int rundir_titles_apart(struct rundir *rds, int n)
{
	int *clash = calloc((size_t)n + 1, sizeof(int)), rc = ERR_OK;
	if (!clash)
		return err_set(ERR_RUNTIME, "out of memory");
	for (int d = 0; d < n; d++) /* before any title changes */
		for (int e = 0; e < n; e++)
			clash[d] |= e != d && strcmp(rds[e].title, rds[d].title) == 0;
	for (int d = 0; d < n && !rc; d++) {
		if (!clash[d])
			continue;
		size_t len = strlen(rds[d].title) + strlen(rds[d].dir) + 4;
		char *t = malloc(len);
		if (!t) {
			rc = err_set(ERR_RUNTIME, "out of memory");
			break;
		}
		snprintf(t, len, "%s (%s)", rds[d].title, rds[d].dir);
		free(rds[d].title);
		rds[d].title = t;
	}
	free(clash);
	return rc;
}

int rundir_group_first(const struct rundir *rd, int i)
{
	for (int j = 0; j < i; j++)
		if (strcmp(rd->runs[j].group, rd->runs[i].group) == 0)
			return 0;
	return 1;
}

int rundir_selected(const struct rundir *rd, const char *group, int replicate)
{
	for (int i = 0; i < rd->n_runs; i++)
		if (rd->runs[i].selected && rd->runs[i].replicate == replicate &&
		    strcmp(rd->runs[i].group, group) == 0)
			return i;
	return -1;
}

void curve_release(struct curve *c)
{
	free(c->iter);
	free(c->loss);
	memset(c, 0, sizeof(*c));
}

int rundir_curve(const struct rundir *rd, int i, struct curve *c)
{
	return rundir_curve_column(rd, i, NULL, c);
}

int rundir_curve_column(const struct rundir *rd, int i, const char *column, struct curve *c)
{
	memset(c, 0, sizeof(*c));
	char *path = path_join(rd->dir, rd->runs[i].csv);
	if (!path)
		return err_set(ERR_RUNTIME, "out of memory");
	struct table t;
	int rc = table_load(&t, path);
	int col = 1;
	if (!rc && (t.n_cols < 2 || table_column(&t, "iteration") != 0 ||
		    table_column(&t, "loss") != 1))
		rc = err_set(ERR_INPUT, "%s:1: expected 'iteration,loss,...'", path);
	if (!rc && column && (col = table_column(&t, column)) < 0)
		rc = err_set(ERR_INPUT, "%s:1: no column '%s'", path, column);
	free(path);
	if (rc) {
		table_release(&t);
		return rc;
	}
	c->iter = malloc((t.n_rows ? t.n_rows : 1) * sizeof(long));
	c->loss = malloc((t.n_rows ? t.n_rows : 1) * sizeof(double));
	if (!c->iter || !c->loss) {
		table_release(&t);
		curve_release(c);
		return err_set(ERR_RUNTIME, "out of memory");
	}
	for (int r = 0; r < t.n_rows; r++) {
		c->iter[r] = (long)t.v[(size_t)r * t.n_cols];
		c->loss[r] = t.v[(size_t)r * t.n_cols + col];
	}
	c->n = t.n_rows;
	table_release(&t);
	/* The CSV agrees with its summary row: a file cut or swapped after
	 * the summary was written is refused, not read as a shorter run. */
	const struct rundir_run *run = &rd->runs[i];
	long last = c->n ? c->iter[c->n - 1] : -1;
	if (run->last_iter >= 0 && last != run->last_iter) {
		rc = err_set(ERR_INPUT, "%s/%s: its last row is iteration %ld, summary.csv says the run %s at %ld: the file was cut or changed (run the config again to recompute it)",
			     rd->dir, run->csv, last, run->status, run->last_iter);
		curve_release(c);
		return rc;
	}
	return ERR_OK;
}

/* Equal, with NaN equal to NaN. */
static int same_number(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

int rundir_check_curves(const struct rundir *rd)
{
	/* the manifest first: a changed file is named by its digest */
	struct manifest man = {0};
	char *mpath = path_join(rd->dir, MANIFEST_NAME);
	int has = mpath && access(mpath, F_OK) == 0;
	free(mpath);
	if (rd->manifest_expected && !has)
		return err_set(ERR_INPUT, "%s/%s: missing: metadata.json says the directory has one (it lists every finished run's files)",
			       rd->dir, MANIFEST_NAME);
	/* a directory with a manifest was written by a version that always
	 * writes metadata.json beside it */
	char *meta = has ? path_join(rd->dir, "metadata.json") : NULL;
	int no_meta = meta && access(meta, F_OK) != 0;
	free(meta);
	if (no_meta)
		return err_set(ERR_INPUT, "%s/metadata.json: missing (the directory has %s, written with it)",
			       rd->dir, MANIFEST_NAME);
	int rc = has ? manifest_load(&man, rd->dir) : ERR_OK;
	for (int i = 0; !rc && has && i < rd->n_runs; i++)
		if (rundir_run_finished(&rd->runs[i]))
			rc = manifest_check_run(&man, rd->dir, rd->runs[i].csv);
	manifest_release(&man);
	if (rc)
		return rc;
	for (int i = 0; i < rd->n_runs; i++) {
		const struct rundir_run *r = &rd->runs[i];
		const char *st = r->status;
		if (!rundir_run_finished(r))
			continue;
		struct curve c;
		rc = rundir_curve(rd, i, &c);
		if (rc)
			return rc;
		/* the summary row's numbers are the CSV's (both printed to
		 * round-trip), and an ok run ran its iterations */
		const char *wrong = NULL;
		if (c.n && !same_number(c.loss[0], r->initial_loss))
			wrong = "initial_loss is not the loss of its first row";
		else if ((strcmp(st, "ok") == 0 || strcmp(st, "converged") == 0) && c.n &&
			 !same_number(c.loss[c.n - 1], r->final_loss))
			wrong = "final_loss is not the loss of its last row";
		/* a linear run's last row is iteration `iterations`, a convnet's
		 * the last step's index, `iterations` - 1 */
		else if (strcmp(st, "ok") == 0 && r->iterations >= 0 &&
			 r->last_iter != r->iterations && r->last_iter != r->iterations - 1)
			wrong = "status ok, but last_iter is not the run's iterations";
		else if (strcmp(st, "converged") == 0 && r->iterations >= 0 && r->last_iter > r->iterations)
			wrong = "status converged, but last_iter is past the run's iterations";
		curve_release(&c);
		if (wrong)
			return err_set(ERR_INPUT, "%s/summary.csv: run %d ('%s'): %s: the file was changed (run the config again to recompute it)",
				       rd->dir, r->index, r->label, wrong);
	}
	return ERR_OK;
}

double rundir_baseline(const struct rundir *rd, const char *column)
{
	for (int i = 0; column && i < 3; i++)
		if (!strcmp(column, baseline_columns[i]))
			return rd->baseline[i];
	return NAN;
}

double rundir_loss_floor(const struct rundir *rd, int replicate)
{
	if (rd->subset_floor)
		return replicate >= 1 && replicate <= rd->n_subset_floor
			       ? rd->subset_floor[replicate - 1] : NAN;
	return rd->loss_floor;
}
