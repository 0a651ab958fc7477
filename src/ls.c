/* ls: the run directories and where each stands (see ls.h). */
#include "overparam/ls.h"
#include "overparam/clock.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/outdir.h"
#include "overparam/rundir.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One run directory as its metadata.json tells it. */
struct ls_row {
	char *dir;
	char name[128], status[64], started[32], finished[32];
	int done, total;
	long pid;           /* the writer on this machine, or 0 */
	double elapsed, eta; /* seconds; -1: not known */
	cJSON *best;        /* {group: best final loss}, owned */
	char problem[160];  /* why metadata.json could not be read, or "" */
};

/* Seconds since 1970 of "YYYY-MM-DDTHH:MM:SS[.fff]Z" (UTC), or -1. */
static double utc_seconds(const char *s)
{
	int y, mo, d, h, mi;
	double se;
	char z;
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%lf%c", &y, &mo, &d, &h, &mi, &se, &z) != 7 || z != 'Z')
		return -1;
	/* days from civil (proleptic Gregorian), March-based years */
	y -= mo <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400, mp = (mo + 9) % 12;
	long doy = (153 * mp + 2) / 5 + d - 1, doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	double days = (double)(era * 146097 + doe - 719468);
	return days * 86400 + h * 3600 + mi * 60 + se;
}

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Fills row from dir's metadata.json (name, status, times) and its
 * summary.csv (each run's status and final loss: rewritten after every
 * block, so it is current while the directory is written); row->problem
 * says why either could not be read. */
static void read_row(struct ls_row *row, const char *dir)
{
	char *path = path_join(dir, "metadata.json");
	char *text = path ? file_read_all(path, NULL) : NULL;
	cJSON *m = text ? cJSON_Parse(text) : NULL;
	err_clear();
	row->elapsed = row->eta = -1;
	row->pid = outdir_writer(dir);
	struct rundir rd;
	int loaded = 0;
	if (!cJSON_IsObject(m) || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(m, "runs"))) {
		snprintf(row->problem, sizeof(row->problem), "%s",
			 !text ? "no metadata.json (not started, or killed at its start)" : "metadata.json is not a run's");
	} else if (rundir_load(&rd, dir, 0)) {
		snprintf(row->problem, sizeof(row->problem), "%s", err_message());
		err_clear();
	} else {
		loaded = 1;
	}
	if (!loaded) {
		snprintf(row->status, sizeof(row->status), "%s", row->pid ? "running" : "unreadable");
		goto out;
	}
	snprintf(row->name, sizeof(row->name), "%s", json_str(m, "name") ? json_str(m, "name") : "?");
	const char *status = json_str(m, "status") ? json_str(m, "status") : "?";
	snprintf(row->started, sizeof(row->started), "%s", json_str(m, "started_utc") ? json_str(m, "started_utc") : "-");
	snprintf(row->finished, sizeof(row->finished), "%s", json_str(m, "finished_utc") ? json_str(m, "finished_utc") : "-");
	if (row->pid)
		snprintf(row->status, sizeof(row->status), "running (PID %ld)", row->pid);
	else if (!strcmp(status, "incomplete"))
		snprintf(row->status, sizeof(row->status), "stopped (incomplete)");
	else
		snprintf(row->status, sizeof(row->status), "%s", status);
	double done_it = 0, left_it = 0;
	row->best = cJSON_CreateObject();
	for (int i = 0; i < rd.n_runs; i++) {
		const struct rundir_run *r = &rd.runs[i];
		int finished = rundir_run_finished(r);
		row->total++;
		row->done += finished;
		if (r->iterations > 0)
			*(finished ? &done_it : &left_it) += (double)r->iterations;
		if (finished && strcmp(r->status, "diverged") != 0 && isfinite(r->final_loss) && row->best) {
			cJSON *have = cJSON_GetObjectItemCaseSensitive(row->best, r->group);
			if (!have)
				cJSON_AddNumberToObject(row->best, r->group, r->final_loss);
			else if (r->final_loss < have->valuedouble)
				cJSON_SetNumberValue(have, r->final_loss);
		}
	}
	rundir_release(&rd);
	double t0 = utc_seconds(row->started), t1 = utc_seconds(row->finished);
	double now = clock_wall_seconds();
	if (t0 >= 0)
		row->elapsed = row->pid ? now - t0 : t1 >= t0 ? t1 - t0 : -1;
	if (row->pid && row->elapsed > 0 && done_it > 0)
		row->eta = left_it * row->elapsed / done_it;
out:
	cJSON_Delete(m);
	free(text);
	free(path);
}

/* Whether dir holds a run (its config.json marks it). */
static int is_run_dir(const char *dir)
{
	char *p = path_join(dir, "config.json");
	int yes = p && access(p, F_OK) == 0 && !path_is_dir(p);
	free(p);
	return yes;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the run directories at dir and below it (depth levels) to
 * *rows, sorted by path within each directory. */
static int collect(const char *dir, int depth, struct ls_row **rows, int *n, int *cap)
{
	if (is_run_dir(dir)) {
		if (*n == *cap) {
			int c = *cap ? 2 * *cap : 16;
			struct ls_row *more = realloc(*rows, (size_t)c * sizeof(**rows));
			if (!more)
				return err_set(ERR_RUNTIME, "out of memory");
			*rows = more;
			*cap = c;
		}
		memset(&(*rows)[*n], 0, sizeof(**rows));
		if (!((*rows)[*n].dir = str_dup(dir)))
			return err_set(ERR_RUNTIME, "out of memory");
		read_row(&(*rows)[(*n)++], dir);
		return ERR_OK;
	}
	DIR *d = depth > 0 ? opendir(dir) : NULL;
	if (!d)
		return ERR_OK;
	char **names = NULL;
	int k = 0, kcap = 0, rc = ERR_OK;
	for (struct dirent *e; (e = readdir(d)) != NULL && !rc;) {
		if (e->d_name[0] == '.')
			continue;
		char *sub = path_join(dir, e->d_name);
		if (!sub || !path_is_dir(sub)) {
			free(sub);
			continue;
		}
		if (k == kcap) {
			kcap = kcap ? 2 * kcap : 16;
			char **more = realloc(names, (size_t)kcap * sizeof(char *));
			if (!more) {
				free(sub);
				rc = err_set(ERR_RUNTIME, "out of memory");
				break;
			}
			names = more;
		}
		names[k++] = sub;
	}
	closedir(d);
	if (k)
		qsort(names, (size_t)k, sizeof(char *), compare_names);
	for (int i = 0; i < k; i++) {
		if (!rc)
			rc = collect(names[i], depth - 1, rows, n, cap);
		free(names[i]);
	}
	free(names);
	return rc;
}

static void print_seconds(char *buf, size_t n, double s)
{
	if (s < 0)
		snprintf(buf, n, "-");
	else if (s < 10)
		snprintf(buf, n, "%.1f s", s);
	else if (s < 100)
		snprintf(buf, n, "%.0f s", s);
	else if (s < 6000)
		snprintf(buf, n, "%.1f min", s / 60);
	else
		snprintf(buf, n, "%.1f h", s / 3600);
}

static void print_json(FILE *f, const struct ls_row *rows, int n)
{
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; arr && i < n; i++) {
		const struct ls_row *r = &rows[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "dir", r->dir);
		cJSON_AddStringToObject(o, "status", r->status);
		if (*r->problem) {
			cJSON_AddStringToObject(o, "problem", r->problem);
		} else {
			cJSON_AddStringToObject(o, "name", r->name);
			cJSON_AddNumberToObject(o, "runs_done", r->done);
			cJSON_AddNumberToObject(o, "runs_total", r->total);
			cJSON_AddStringToObject(o, "started_utc", r->started);
			cJSON_AddStringToObject(o, "last_written_utc", r->finished);
		}
		if (r->pid)
			cJSON_AddNumberToObject(o, "writer_pid", (double)r->pid);
		if (r->elapsed >= 0)
			cJSON_AddNumberToObject(o, "elapsed_seconds", r->elapsed);
		if (r->eta >= 0)
			cJSON_AddNumberToObject(o, "eta_seconds", r->eta);
		if (r->best)
			cJSON_AddItemToObject(o, "best_final_loss", cJSON_Duplicate(r->best, 1));
		cJSON_AddItemToArray(arr, o);
	}
	char *text = arr ? cJSON_Print(arr) : NULL;
	if (text)
		fprintf(f, "%s\n", text);
	free(text);
	cJSON_Delete(arr);
}

static void print_table(FILE *f, const struct ls_row *rows, int n)
{
	int wd = 9, wn = 6, ws = 6;
	for (int i = 0; i < n; i++) {
		wd = (int)strlen(rows[i].dir) > wd ? (int)strlen(rows[i].dir) : wd;
		wn = (int)strlen(rows[i].name) > wn ? (int)strlen(rows[i].name) : wn;
		ws = (int)strlen(rows[i].status) > ws ? (int)strlen(rows[i].status) : ws;
	}
	fprintf(f, "%-*s  %-*s  %-*s  %9s  %-24s  %9s  %9s  %s\n", wd, "DIRECTORY", wn, "CONFIG", ws,
		"STATUS", "RUNS", "STARTED (UTC)", "ELAPSED", "LEFT", "BEST FINAL LOSS PER GROUP");
	for (int i = 0; i < n; i++) {
		const struct ls_row *r = &rows[i];
		char runs[32], el[32], eta[32];
		snprintf(runs, sizeof(runs), "%d/%d", r->done, r->total);
		print_seconds(el, sizeof(el), r->elapsed);
		print_seconds(eta, sizeof(eta), r->eta);
		if (*r->problem) {
			fprintf(f, "%-*s  %-*s  %-*s  %s\n", wd, r->dir, wn, "-", ws, r->status, r->problem);
			continue;
		}
		fprintf(f, "%-*s  %-*s  %-*s  %9s  %-24s  %9s  %9s  ", wd, r->dir, wn, r->name, ws, r->status,
			runs, r->started, el, eta);
		int k = 0;
		for (const cJSON *b = r->best ? r->best->child : NULL; b; b = b->next, k++)
			fprintf(f, "%s%s %.4g", k ? "; " : "", b->string, b->valuedouble);
		fputs(k ? "\n" : "-\n", f);
	}
}

int ls_print(FILE *f, char *const *dirs, int n, int json)
{
	static char *const fallback[] = {"results"};
	struct ls_row *rows = NULL;
	int n_rows = 0, cap = 0, rc = ERR_OK;
	for (int i = 0; i < n && !rc; i++)
		if (!path_is_dir(dirs[i]))
			rc = err_set(ERR_INPUT, "'%s' is not a directory", dirs[i]);
	for (int i = 0; i < (n ? n : 1) && !rc; i++)
		rc = collect(n ? dirs[i] : fallback[0], 2, &rows, &n_rows, &cap);
	if (!rc && json)
		print_json(f, rows, n_rows);
	else if (!rc && !n_rows)
		fprintf(f, "no run directories in %s\n", n == 1 ? dirs[0] : n ? "those directories" : "results/");
	else if (!rc)
		print_table(f, rows, n_rows);
	if (!rc && fflush(f) != 0)
		rc = err_set(ERR_RUNTIME, "cannot write the listing");
	for (int i = 0; i < n_rows; i++) {
		free(rows[i].dir);
		cJSON_Delete(rows[i].best);
	}
	free(rows);
	return rc;
}
