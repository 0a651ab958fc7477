/* merge: one run directory from the shard directories of one run
 * (`overparam merge SHARD_DIR... -o OUT`).
 *
 * A pure function of the shards, which it never modifies. It checks that
 * they are the n parts of one plan, each complete, made from the same
 * config bytes with the same options, data and program (and the same
 * OpenBLAS kernel where the curves could depend on it), then writes into a
 * temporary directory beside OUT and renames it into place:
 *   config.json, runs/NN-*.csv, weights/   copied byte for byte
 *   summary.csv   by output_summary, winners by sweep_select (the code of a
 *                 single run), so the bytes of a single-machine run
 *   metadata.json shard 1's, with every shard's run entries in plan order,
 *                 the selection, status "complete", no "shard" block and a
 *                 "merged_from" list of the shards (who ran what, where)
 *   plot.gp, loss.png   by plot_dir, as a single run makes them
 * Fields that differ from a single-machine run's metadata: finished_utc,
 * started_utc (shard 1's), merged_from, each run's result.seconds, and the per-process facts taken
 * from shard 1 (resumed, threads, kernels, libraries).
 * A config with grid rounds (select.extend, select.refine): the shards ran
 * the plan's runs; each round depends on every group's winner, so the
 * merged directory is status "incomplete" (no plot) and
 * `overparam run CONFIG -o OUT --continue` runs the rounds in one process,
 * to the bytes of a single-machine run. */
#include "overparam/commands.h"
#include "overparam/config.h"
#include "overparam/clock.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/jsonget.h"
#include "overparam/output.h"
#include "overparam/plot.h"
#include "overparam/rundir.h"
#include "overparam/shard.h"
#include "overparam/sweep.h"
#include "overparam/manifest.h"
#include "overparam/outdir.h"
#include "overparam/weights.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One shard directory as read. */
struct shard_dir {
	const char *dir;
	char *config;   /* config.json bytes */
	cJSON *meta;    /* metadata.json */
	struct rundir rd;
	int index, count;
};

static void shard_dir_release(struct shard_dir *s)
{
	free(s->config);
	cJSON_Delete(s->meta);
	rundir_release(&s->rd);
}

static const cJSON *item(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static int shard_dir_load(struct shard_dir *s, const char *dir)
{
	memset(s, 0, sizeof(*s));
	s->dir = dir;
	char *cp = path_join(dir, "config.json"), *mp = path_join(dir, "metadata.json");
	char *text = mp ? file_read_all(mp, NULL) : NULL;
	int rc = ERR_OK;
	if (!cp || !mp)
		rc = err_set(ERR_RUNTIME, "out of memory");
	else if (!text)
		rc = err_set(ERR_INPUT, "'%s' is not a run directory (no metadata.json): was its shard run?",
			     dir);
	else if (!(s->meta = cJSON_Parse(text)))
		rc = err_set(ERR_INPUT, "%s: malformed JSON", mp);
	else if (!(s->config = file_read_all(cp, NULL)))
		rc = err_set(ERR_INPUT, "'%s' is not a run directory (no config.json)", dir);
	if (!rc) {
		const cJSON *sh = item(s->meta, "shard");
		const cJSON *i = item(sh, "index"), *n = item(sh, "count");
		if (!cJSON_IsNumber(i) || !cJSON_IsNumber(n))
			rc = err_set(ERR_INPUT, "'%s' is not a shard (metadata.json has no shard block; run with --shard I/N)",
				     dir);
		else {
			s->index = i->valueint;
			s->count = n->valueint;
		}
	}
	if (!rc)
		rc = rundir_load(&s->rd, dir, 0);
	if (!rc) /* a damaged run CSV is refused, not copied */
		rc = rundir_check_curves(&s->rd);
	free(text);
	free(cp);
	free(mp);
	return rc;
}

/* A deep copy of o without its "path" members (at any depth): where the
 * data were is not what they were. */
static cJSON *without_paths(const cJSON *o)
{
	cJSON *c = cJSON_Duplicate(o, 1);
	if (!c)
		return NULL;
	cJSON_DeleteItemFromObjectCaseSensitive(c, "path");
	cJSON *e;
	cJSON_ArrayForEach(e, item(c, "files"))
		cJSON_DeleteItemFromObjectCaseSensitive(e, "path");
	return c;
}

/* 1 if a and b agree on key (both absent counts as agreeing). */
static int same_item(const cJSON *a, const cJSON *b, const char *key)
{
	const cJSON *x = item(a, key), *y = item(b, key);
	if (!x || !y)
		return !x && !y;
	if (strcmp(key, "data") != 0)
		return cJSON_Compare(x, y, 1);
	cJSON *cx = without_paths(x), *cy = without_paths(y);
	int same = cx && cy && cJSON_Compare(cx, cy, 1);
	cJSON_Delete(cx);
	cJSON_Delete(cy);
	return same;
}

static const char *meta_string(const cJSON *meta, const char *key)
{
	const cJSON *v = item(meta, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Checks shard s against the reference shard ref: one plan, one program. */
static int check_compatible(const struct shard_dir *s, const struct shard_dir *ref)
{
	static const char *const keys[][2] = {
		{"overparam_version", "overparam version"},
		{"iterations_override", "--iterations"},
		{"init_from", "--init-from"},
		{"grid_batching", "--no-batch"},
		{"data", "data (files, SHA-256, rows, preprocessing)"},
		{"loss", "loss"},
	};
	if (strcmp(s->config, ref->config) != 0)
		return err_set(ERR_INPUT, "'%s' (shard %d/%d): config.json differs from that of '%s': rerun it from the same config",
			       s->dir, s->index, s->count, ref->dir);
	if (s->count != ref->count)
		return err_set(ERR_INPUT, "'%s' is shard %d/%d, '%s' is shard %d/%d: one run has one shard count",
			       s->dir, s->index, s->count, ref->dir, ref->index, ref->count);
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (!same_item(s->meta, ref->meta, keys[k][0]))
			return err_set(ERR_INPUT, "'%s' (shard %d/%d): %s differs from that of '%s': rerun it like the others",
				       s->dir, s->index, s->count, keys[k][1], ref->dir);
	const cJSON *ind = item(s->meta, "blas_independent");
	if (!cJSON_IsTrue(ind) || !cJSON_IsTrue(item(ref->meta, "blas_independent"))) {
		const char *a = meta_string(item(s->meta, "libraries"), "openblas");
		const char *b = meta_string(item(ref->meta, "libraries"), "openblas");
		if (strcmp(a, b) != 0)
			return err_set(ERR_INPUT, "'%s' (shard %d/%d): OpenBLAS '%s', '%s' has '%s'; these curves depend on the BLAS kernel: rerun it where the others ran",
				       s->dir, s->index, s->count, a, ref->dir, b);
	}
	const char *st = meta_string(s->meta, "status");
	if (strcmp(st, "complete") != 0)
		return err_set(ERR_INPUT, "'%s' (shard %d/%d) is %s: rerun it (overparam run CONFIG --shard %d/%d -o '%s' continues it)",
			       s->dir, s->index, s->count, *st ? st : "not finished", s->index,
			       s->count, s->dir);
	return ERR_OK;
}

/* Checks that shard s holds exactly the runs owner[] gives it. */
static int check_runs(const struct shard_dir *s, const struct experiment *ex,
		      const int *owner, char *const *csv_names)
{
	int p = 0;
	for (int r = 0; r < ex->n_runs; r++) {
		if (owner[r] != s->index)
			continue;
		if (p >= s->rd.n_runs || s->rd.runs[p].index != r + 1)
			return err_set(ERR_INPUT, "'%s' (shard %d/%d) lacks run %d ('%s') of its part of the plan: rerun it",
				       s->dir, s->index, s->count, r + 1, ex->runs[r].label);
		if (strcmp(s->rd.runs[p].label, ex->runs[r].label) != 0 ||
		    strcmp(s->rd.runs[p].csv, csv_names[r]) != 0)
			return err_set(ERR_INPUT, "'%s' (shard %d/%d): run %d is '%s', the config's is '%s'",
				       s->dir, s->index, s->count, r + 1, s->rd.runs[p].label,
				       ex->runs[r].label);
		p++;
	}
	if (p != s->rd.n_runs)
		return err_set(ERR_INPUT, "'%s' (shard %d/%d) holds run %d, which is not in its part of the plan",
			       s->dir, s->index, s->count, s->rd.runs[p].index);
	const cJSON *runs = item(s->meta, "runs");
	if (cJSON_GetArraySize(runs) != s->rd.n_runs)
		return err_set(ERR_INPUT, "'%s': metadata.json has %d runs, summary.csv %d",
			       s->dir, cJSON_GetArraySize(runs), s->rd.n_runs);
	return ERR_OK;
}

/* Copies run r's CSV and weights from its shard into tmp. */
static int copy_run(const char *shard, const char *tmp, const char *csv)
{
	char *from = path_join(shard, csv), *to = path_join(tmp, csv);
	char *wfrom = weights_run_dir(shard, csv), *wto = weights_run_dir(tmp, csv);
	int rc = from && to && wfrom && wto ? file_copy(from, to)
					    : err_set(ERR_RUNTIME, "out of memory");
	if (!rc && path_is_dir(wfrom))
		rc = tree_copy(wfrom, wto);
	free(from);
	free(to);
	free(wfrom);
	free(wto);
	return rc;
}

/* metadata.json of the whole run: shard 1's root with the runs of all. */
static int write_metadata(const char *path, struct shard_dir *sh, int n_shards,
			  const struct shard_dir *first, const struct experiment *ex,
			  const int *owner, const int *selected, const char *status)
{
	cJSON *root = cJSON_Duplicate(first->meta, 1);
	cJSON *runs = cJSON_CreateArray();
	int rc = root && runs ? ERR_OK : err_set(ERR_RUNTIME, "out of memory");
	int *next = calloc(n_shards, sizeof(int));
	for (int r = 0; !rc && r < ex->n_runs; r++) {
		int k = 0;
		while (sh[k].index != owner[r])
			k++;
		cJSON *o = cJSON_Duplicate(cJSON_GetArrayItem(item(sh[k].meta, "runs"), next[k]++), 1);
		cJSON *res = o ? cJSON_GetObjectItemCaseSensitive(o, "result") : NULL;
		if (!res) {
			cJSON_Delete(o);
			rc = err_set(ERR_INPUT, "'%s': metadata.json run %d has no result", sh[k].dir,
				     next[k]);
			break;
		}
		cJSON_ReplaceItemInObjectCaseSensitive(res, "selected", cJSON_CreateBool(selected[r]));
		cJSON_AddItemToArray(runs, o);
	}
	if (!rc) {
		cJSON_ReplaceItemInObjectCaseSensitive(root, "runs", runs);
		runs = NULL;
		cJSON_DeleteItemFromObjectCaseSensitive(root, "shard");
		char stamp[64];
		clock_utc_now(stamp, sizeof(stamp));
		cJSON_ReplaceItemInObjectCaseSensitive(root, "finished_utc", cJSON_CreateString(stamp));
		cJSON_ReplaceItemInObjectCaseSensitive(root, "status", cJSON_CreateString(status));
		cJSON *from = cJSON_AddArrayToObject(root, "merged_from");
		for (int i = 1; i <= n_shards; i++) { /* in shard order */
			int k = 0;
			while (sh[k].index != i)
				k++;
			cJSON *o = cJSON_CreateObject();
			char name[32];
			snprintf(name, sizeof(name), "%d/%d", sh[k].index, sh[k].count);
			cJSON_AddStringToObject(o, "shard", name);
			cJSON_AddStringToObject(o, "dir", sh[k].dir);
			static const char *const facts[] = {"finished_utc", "resumed", "threads",
							    "kernels", "libraries"};
			for (size_t f = 0; f < sizeof(facts) / sizeof(facts[0]); f++) {
				const cJSON *v = item(sh[k].meta, facts[f]);
				if (v)
					cJSON_AddItemToObject(o, facts[f], cJSON_Duplicate(v, 1));
			}
			cJSON_AddItemToArray(from, o);
		}
		char *text = json_print_exact(root);
		size_t n = text ? strlen(text) : 0;
		char *with_nl = text ? malloc(n + 2) : NULL;
		if (!with_nl) {
			rc = err_set(ERR_RUNTIME, "out of memory");
		} else {
			memcpy(with_nl, text, n);
			memcpy(with_nl + n, "\n", 2);
			rc = afile_write_text(path, with_nl);
		}
		free(with_nl);
		cJSON_free(text);
	}
	cJSON_Delete(runs);
	cJSON_Delete(root);
	free(next);
	return rc;
}

/* The plan of the shards' config, with the --iterations they ran with. */
static int load_plan(const struct shard_dir *first, struct experiment *ex)
{
	const char *cfg = meta_string(first->meta, "config_file");
	int rc = config_parse(ex, first->config, *cfg ? cfg : "config.json");
	if (rc)
		return rc;
	const cJSON *it = item(first->meta, "iterations_override");
	experiment_override_iterations(ex, cJSON_IsNumber(it) ? (long)it->valuedouble : 0);
	const char *dir = meta_string(first->meta, "config_dir");
	if (*dir) { /* where the shards' relative paths resolved, not this cwd */
		free(ex->config_dir);
		if (!(ex->config_dir = str_dup(dir)))
			return err_set(ERR_RUNTIME, "out of memory");
	}
	return ERR_OK;
}

/* Writes the merged directory into tmp. */
static int write_merged(const char *tmp, struct shard_dir *sh, int n,
			const struct shard_dir *first, const struct experiment *ex,
			const int *owner, char *const *csv_names, int no_plot)
{
	struct run_result *res = calloc(ex->n_runs ? ex->n_runs : 1, sizeof(*res));
	int *selected = calloc(ex->n_runs ? ex->n_runs : 1, sizeof(int));
	struct run_subset all = {0};
	struct shard_spec whole = {0, 0};
	char *runs = path_join(tmp, "runs"), *p = NULL;
	int rc = res && selected && runs ? shard_subset(ex, &whole, &all)
					 : err_set(ERR_RUNTIME, "out of memory");
	if (!rc)
		rc = path_mkdirs(runs);
	struct manifest man = {0}; /* the shards' digests (checked), for the copies */
	for (int k = 0; !rc && k < n; k++) {
		struct manifest shard_man = {0};
		char *mp = path_join(sh[k].dir, MANIFEST_NAME);
		rc = mp && access(mp, F_OK) == 0 ? manifest_load(&shard_man, sh[k].dir) : ERR_OK;
		free(mp);
		for (int j = 0; !rc && j < sh[k].rd.n_runs; j++) {
			const struct rundir_run *q = &sh[k].rd.runs[j];
			int r = q->index - 1;
			rundir_run_result(q, &res[r]);
			rc = copy_run(sh[k].dir, tmp, csv_names[r]);
			if (!rc && rundir_run_finished(q))
				rc = manifest_cover_run(&man, shard_man.n ? &shard_man : NULL, tmp,
							csv_names[r]);
		}
		manifest_release(&shard_man);
	}
	if (!rc)
		rc = manifest_write(&man, tmp);
	manifest_release(&man);
	if (!rc) {
		sweep_select(ex, res, selected);
		p = path_join(tmp, "config.json");
		rc = p ? afile_write_text(p, first->config) : err_set(ERR_RUNTIME, "out of memory");
	}
	if (!rc) {
		free(p);
		p = path_join(tmp, "summary.csv");
		rc = p ? output_summary(p, ex, &all, res, selected, csv_names)
		       : err_set(ERR_RUNTIME, "out of memory");
	}
	if (!rc) {
		free(p);
		p = path_join(tmp, "metadata.json");
		rc = p ? write_metadata(p, sh, n, first, ex, owner, selected,
					experiment_has_rounds(ex) ? "incomplete" : "complete")
		       : err_set(ERR_RUNTIME, "out of memory");
	}
	if (!rc && !no_plot && !experiment_has_rounds(ex)) /* rounds remain */
		rc = plot_dir(tmp);
	free(p);
	free(runs);
	run_subset_release(&all);
	free(res);
	free(selected);
	return rc;
}

int cmd_merge(char *const *dirs, int n, const char *out, int no_plot, int quiet)
{
	struct shard_dir *sh = calloc(n, sizeof(*sh));
	struct experiment ex;
	int have_ex = 0, *owner = NULL;
	char **csv_names = NULL, *tmp = NULL;
	int rc = sh ? ERR_OK : err_set(ERR_RUNTIME, "out of memory");
	/* one writer: OUT is made empty (if absent) and locked, as a run locks
	 * its directory (outdir.c); the result is swapped in at the end */
	int made = !path_is_dir(out), lock_fd = -1;
	if (!rc && made && path_mkdirs(out))
		rc = err_set(ERR_INPUT, "cannot make output directory '%s'", out);
	if (!rc)
		rc = outdir_lock(out, &lock_fd);
	if (!rc && path_dir_nonempty(out))
		rc = err_set(ERR_INPUT, "output directory '%s' exists and is not empty", out);
	for (int k = 0; !rc && k < n; k++)
		rc = shard_dir_load(&sh[k], dirs[k]);
	for (int k = 1; !rc && k < n; k++)
		rc = check_compatible(&sh[k], &sh[0]);
	if (!rc)
		rc = check_compatible(&sh[0], &sh[0]); /* its status */
	const struct shard_dir *first = NULL;
	for (int i = 1; !rc && i <= sh[0].count; i++) {
		const struct shard_dir *found = NULL;
		for (int k = 0; !rc && k < n; k++) {
			if (sh[k].index != i)
				continue;
			if (found)
				rc = err_set(ERR_INPUT, "'%s' and '%s' are both shard %d/%d: give each shard once",
					     found->dir, sh[k].dir, i, sh[0].count);
			found = &sh[k];
		}
		if (!rc && !found)
			rc = err_set(ERR_INPUT, "shard %d/%d is missing: run 'overparam run CONFIG --shard %d/%d -o DIR' and give DIR too",
				     i, sh[0].count, i, sh[0].count);
		if (i == 1)
			first = found;
	}
	if (!rc && n != sh[0].count)
		rc = err_set(ERR_INPUT, "%d directories for %d shards", n, sh[0].count);
	if (!rc && !(rc = load_plan(first, &ex)))
		have_ex = 1;
	if (!rc) {
		owner = malloc((ex.n_runs ? ex.n_runs : 1) * sizeof(int));
		csv_names = calloc(ex.n_runs ? ex.n_runs : 1, sizeof(char *));
		if (!owner || !csv_names)
			rc = err_set(ERR_RUNTIME, "out of memory");
	}
	if (!rc) {
		shard_assign(&ex, sh[0].count, owner);
		for (int i = 0; !rc && i < ex.n_runs; i++)
			if (!(csv_names[i] = output_run_filename(i, ex.runs[i].label)))
				rc = err_set(ERR_RUNTIME, "out of memory");
	}
	for (int k = 0; !rc && k < n; k++)
		rc = check_runs(&sh[k], &ex, owner, csv_names);
	if (!rc) {
		size_t len = strlen(out) + 32;
		tmp = malloc(len);
		if (!tmp)
			rc = err_set(ERR_RUNTIME, "out of memory");
		else
			snprintf(tmp, len, "%s.merge.%ld", out, (long)getpid());
	}
	if (!rc) {
		tree_remove(tmp);
		path_sweep_stale(out, ".merge."); /* of merges killed before */
		rc = write_merged(tmp, sh, n, first, &ex, owner, csv_names, no_plot);
		if (!rc && !(rc = dir_replace(tmp, out))) /* OUT: the locked empty one */
			made = 0;
		if (rc)
			tree_remove(tmp);
	}
	if (made && path_is_dir(out) && !path_dir_nonempty(out))
		rmdir(out); /* made by this merge, which wrote nothing */
	if (lock_fd >= 0)
		close(lock_fd);
	if (!rc && !quiet)
		fprintf(stderr, "overparam: merged %d shards (%d runs) into '%s'\n", n, ex.n_runs, out);
	if (!rc && !quiet && experiment_has_rounds(&ex))
		fprintf(stderr, "overparam: the config's grid rounds (select.extend, select.refine) remain: 'overparam run %s -o %s --continue' runs them\n",
			meta_string(first->meta, "config_file"), out);
	for (int i = 0; csv_names && have_ex && i < ex.n_runs; i++)
		free(csv_names[i]);
	free(csv_names);
	free(owner);
	free(tmp);
	if (have_ex)
		experiment_release(&ex);
	for (int k = 0; sh && k < n; k++)
		shard_dir_release(&sh[k]);
	free(sh);
	return rc;
}
