/* export: one long table of a run directory (see export.h). */
#include "overparam/export.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/output.h"
#include "overparam/rundir.h"
#include "overparam/table.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NAMES 512

/* A list of column names, each once, in first-seen order. */
struct names {
	char *name[MAX_NAMES];
	int n;
};

static int names_index(const struct names *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->name[i], name) == 0)
			return i;
	return -1;
}

static int names_add(struct names *s, const char *name)
{
	if (names_index(s, name) >= 0)
		return ERR_OK;
	if (s->n == MAX_NAMES)
		return err_set(ERR_INPUT, "export: more than %d distinct columns", MAX_NAMES);
	if (!(s->name[s->n] = str_dup(name)))
		return err_set(ERR_RUNTIME, "out of memory");
	s->n++;
	return ERR_OK;
}

static void names_release(struct names *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->name[i]);
	s->n = 0;
}

static void put_json_num(FILE *f, double x)
{
	if (isfinite(x))
		output_put_num(f, x);
	else
		fputs("null", f);
}

static void put_json_str(FILE *f, const char *s)
{
	cJSON *item = cJSON_CreateStringReference(s); /* s is not copied, nor freed */
	char *q = item ? cJSON_PrintUnformatted(item) : NULL;
	fputs(q ? q : "null", f);
	cJSON_free(q);
	cJSON_Delete(item);
}

/* The rows of run i (its CSV loaded as t) in the chosen format. */
static void write_run(FILE *f, int jsonl, const struct rundir_run *r, const struct table *t,
		      const struct names *grid, const struct names *cols)
{
	static const char *const fixed[] = {"run", "group", "grid_point", "replicate", "status", "selected"};
	int col_of[MAX_NAMES]; /* cols -> this CSV's column, or -1 */
	for (int c = 0; c < cols->n; c++)
		col_of[c] = table_column(t, cols->name[c]);
	for (int row = 0; row < t->n_rows; row++) {
		const double *v = t->v + (size_t)row * t->n_cols;
		if (jsonl) {
			const char *text[] = {r->label, r->group, r->grid_point, NULL, r->status};
			fputc('{', f);
			for (int k = 0; k < 6; k++) {
				fprintf(f, "%s\"%s\":", k ? "," : "", fixed[k]);
				if (k == 3)
					fprintf(f, "%d", r->replicate);
				else if (k == 5)
					fputs(r->selected ? "true" : "false", f);
				else
					put_json_str(f, text[k]);
			}
			for (int g = 0; g < grid->n; g++) {
				double x = NAN;
				grid_point_value(&r->grid, grid->name[g] + 5, &x);
				fprintf(f, ",\"%s\":", grid->name[g]);
				put_json_num(f, x);
			}
			for (int c = 0; c < cols->n; c++) {
				fputs(",", f);
				put_json_str(f, cols->name[c]);
				fputc(':', f);
				put_json_num(f, col_of[c] >= 0 ? v[col_of[c]] : NAN);
			}
			fputs("}\n", f);
			continue;
		}
		output_put_field(f, r->label);
		fputc(',', f);
		output_put_field(f, r->group);
		fputc(',', f);
		output_put_field(f, r->grid_point);
		fprintf(f, ",%d,%s,%d", r->replicate, r->status, r->selected);
		for (int g = 0; g < grid->n; g++) {
			double x;
			fputc(',', f);
			if (grid_point_value(&r->grid, grid->name[g] + 5, &x))
				output_put_num(f, x);
		}
		for (int c = 0; c < cols->n; c++) {
			fputc(',', f);
			if (col_of[c] >= 0)
				output_put_num(f, v[col_of[c]]);
		}
		fputc('\n', f);
	}
}

int export_dir(const char *dir, const char *format, const char *out)
{
	int jsonl = !strcmp(format, "jsonl");
	if (!jsonl && strcmp(format, "csv") != 0)
		return err_set(ERR_INPUT, "--format must be csv or jsonl, got '%s'", format);
	struct rundir rd;
	int rc = rundir_load(&rd, dir, 0);
	if (rc)
		return rc;
	struct table *t = calloc((size_t)rd.n_runs + 1, sizeof(*t));
	struct names grid = {0}, cols = {0};
	struct afile af = {0};
	int skipped = 0;
	if (!t)
		rc = err_set(ERR_RUNTIME, "out of memory");
	if (!rc)
		rc = rundir_check_curves(&rd);
	for (int i = 0; i < rd.n_runs && !rc; i++) {
		const struct rundir_run *r = &rd.runs[i];
		if (!rundir_run_finished(r)) {
			skipped++;
			continue;
		}
		char *path = path_join(rd.dir, r->csv), key[GRID_KEY_MAX + 8];
		rc = path ? table_load(&t[i], path) : err_set(ERR_RUNTIME, "out of memory");
		free(path);
		for (int g = 0; g < r->grid.n && !rc; g++) {
			snprintf(key, sizeof(key), "grid_%s", r->grid.key[g]);
			rc = names_add(&grid, key);
		}
		for (int c = 0; c < t[i].n_cols && !rc; c++)
			rc = names_add(&cols, t[i].names[c]);
	}
	FILE *f = stdout;
	if (!rc && out && !(rc = afile_open(&af, out)))
		f = af.f;
	if (!rc && !jsonl) {
		fputs("run,group,grid_point,replicate,status,selected", f);
		for (int g = 0; g < grid.n; g++)
			fprintf(f, ",%s", grid.name[g]);
		for (int c = 0; c < cols.n; c++) {
			fputc(',', f);
			output_put_field(f, cols.name[c]);
		}
		fputc('\n', f);
	}
	for (int i = 0; i < rd.n_runs && !rc; i++)
		if (rundir_run_finished(&rd.runs[i]))
			write_run(f, jsonl, &rd.runs[i], &t[i], &grid, &cols);
	if (!rc && out)
		rc = afile_commit(&af);
	else if (out && f != stdout)
		afile_abort(&af);
	else if (!rc && fflush(stdout) != 0)
		rc = err_set(ERR_RUNTIME, "cannot write the table to standard output");
	if (!rc && skipped)
		fprintf(stderr, "overparam: export: %d run(s) of '%s' not finished, left out\n", skipped, dir);
	for (int i = 0; t && i < rd.n_runs; i++)
		table_release(&t[i]);
	free(t);
	names_release(&grid);
	names_release(&cols);
	rundir_release(&rd);
	return rc;
}
