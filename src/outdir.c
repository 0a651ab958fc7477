/* outdir: what a linear run may do with its output directory (see
 * outdir.h). */
#include "overparam/outdir.h"
#include "overparam/manifest.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/weights.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The PID holding a flock on the file with inode ino, from /proc/locks
 * (lines "N: FLOCK ADVISORY WRITE PID MAJ:MIN:INODE START END"); 0 when
 * unknown. */
static long flock_holder(unsigned long long ino)
{
	FILE *f = fopen("/proc/locks", "r");
	char line[256];
	long pid = 0;
	while (f && !pid && fgets(line, sizeof(line), f)) {
		char kind[16], dev[64];
		long p;
		unsigned long long i;
		if (sscanf(line, "%*s %15s %*s %*s %ld %63s", kind, &p, dev) == 3 &&
		    strcmp(kind, "FLOCK") == 0) {
			const char *colon = strrchr(dev, ':');
			if (colon && sscanf(colon + 1, "%llu", &i) == 1 && i == ino)
				pid = p;
		}
	}
	if (f)
		fclose(f);
	return pid;
}

long outdir_writer(const char *dir)
{
	struct stat st;
	return stat(dir, &st) == 0 ? flock_holder(st.st_ino) : 0;
}

int outdir_lock(const char *dir, int *fd)
{
	*fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return err_set(ERR_INPUT, "cannot open '%s': %s", dir, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return ERR_OK;
	int e = errno;
	struct stat st;
	long pid = e == EWOULDBLOCK && fstat(*fd, &st) == 0 ? flock_holder(st.st_ino) : 0;
	close(*fd);
	*fd = -1;
	if (e != EWOULDBLOCK)
		return err_set(ERR_RUNTIME, "cannot lock '%s': %s", dir, strerror(e));
	if (pid)
		return err_set(ERR_INPUT, "'%s' is being written by another overparam (PID %ld): one writer per directory",
			       dir, pid);
	return err_set(ERR_INPUT, "'%s' is being written by another overparam: one writer per directory",
		       dir);
}

/* Removes the files a previous run wrote into dir (for --force). */
void outdir_clear(const char *dir)
{
	/* config.json first: it marks a run directory, so one cleared only
	 * in part is never taken for a run to resume */
	static const char *const files[] = {"config.json", "metadata.json", "summary.csv",
					    MANIFEST_NAME,
					    "plot.gp", "loss.png", "lr.png", "loss.svg",
					    "lr.svg", "loss.pdf", "lr.pdf"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *p = path_join(dir, files[i]);
		if (p)
			unlink(p);
		free(p);
	}
	char *weights = path_join(dir, "weights");
	if (weights)
		tree_remove(weights);
	free(weights);
	char *runs = path_join(dir, "runs");
	DIR *d = runs ? opendir(runs) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (str_ends_with(e->d_name, ".csv")) {
			char *p = path_join(runs, e->d_name);
			if (p)
				unlink(p);
			free(p);
		}
	}
	if (d)
		closedir(d);
	free(runs);
}

static const char *cont_verb(const struct run_options *o)
{
	return o->resume ? "resume" : "continue";
}

/* The command-line facts that change what a directory's runs are must be
 * the ones it was started with; *complete says whether it finished. */
static int check_same_options(const char *outdir, const struct run_options *o,
			      const struct run_subset *sub, int *complete)
{
	char *path = path_join(outdir, "metadata.json");
	char *text = path ? file_read_all(path, NULL) : NULL;
	cJSON *root = text ? cJSON_Parse(text) : NULL;
	int rc = ERR_OK;
	if (!root) {
		rc = err_set(ERR_INPUT, "cannot %s '%s': no readable metadata.json", cont_verb(o),
			     outdir);
		goto out;
	}
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, "iterations_override");
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(root, "init_from");
	const cJSON *sh = cJSON_GetObjectItemCaseSensitive(root, "shard");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "status");
	long iters = cJSON_IsNumber(it) ? (long)it->valuedouble : 0;
	const char *was_from = cJSON_IsString(from) ? from->valuestring : "";
	int si = 0, sc = 0;
	if (sh) {
		const cJSON *i = cJSON_GetObjectItemCaseSensitive(sh, "index");
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(sh, "count");
		si = cJSON_IsNumber(i) ? i->valueint : -1;
		sc = cJSON_IsNumber(n) ? n->valueint : -1;
	}
	if (iters != o->iterations)
		rc = err_set(ERR_INPUT, "cannot %s '%s': it was started with --iterations %ld, this run has %ld (0: none)",
			     cont_verb(o), outdir, iters, o->iterations);
	else if (strcmp(was_from, o->init_from ? o->init_from : "") != 0)
		rc = err_set(ERR_INPUT, "cannot %s '%s': it was started with --init-from '%s', this run has '%s'",
			     cont_verb(o), outdir, was_from, o->init_from ? o->init_from : "");
	else if (si != sub->shard.index || sc != sub->shard.count)
		rc = err_set(ERR_INPUT, "cannot %s '%s': it holds shard %d/%d, this run is shard %d/%d (0/0: no shard)",
			     cont_verb(o), outdir, si, sc, sub->shard.index, sub->shard.count);
	*complete = cJSON_IsString(st) && strcmp(st->valuestring, "complete") == 0;
out:
	cJSON_Delete(root);
	free(text);
	free(path);
	return rc;
}

/* Whether a run was stopped in its start (SIGKILL, power loss) before it
 * wrote metadata.json: it writes config.json, then summary.csv, then
 * metadata.json, all before the first step, and every later write of
 * metadata.json replaces it whole. So a directory with its config.json but
 * no metadata.json and no run CSV holds nothing trained; one with run CSVs
 * but no metadata.json was damaged otherwise and is refused. */
static int start_was_cut(const char *outdir)
{
	char *meta = path_join(outdir, "metadata.json");
	char *runs = path_join(outdir, "runs");
	int cut = meta && runs && access(meta, F_OK) != 0;
	DIR *d = cut ? opendir(runs) : NULL;
	struct dirent *e;
	while (d && cut && (e = readdir(d)) != NULL)
		cut = !str_ends_with(e->d_name, ".csv");
	if (d)
		closedir(d);
	free(meta);
	free(runs);
	return cut;
}

/* Whether outdir holds only what a run killed before it wrote config.json
 * can leave: an empty runs/ and stale temporaries. */
static int only_start_litter(const char *outdir)
{
	DIR *d = opendir(outdir);
	struct dirent *e;
	int litter = d != NULL;
	while (litter && (e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || afile_is_stale(e->d_name))
			continue;
		char *runs = strcmp(e->d_name, "runs") == 0 ? path_join(outdir, "runs") : NULL;
		litter = runs && path_is_dir(runs) && !path_dir_nonempty(runs);
		free(runs);
	}
	if (d)
		closedir(d);
	return litter;
}

/* Start, resume or leave outdir, by --resume, --continue and --force. */
int outdir_decide(const struct run_options *o, const char *outdir,
		      const char *config_text, const struct run_subset *sub,
		      enum outdir_action *act)
{
	*act = OUTDIR_START;
	if ((o->resume || o->cont) && o->force)
		return err_set(ERR_INPUT, "--%s and --force exclude each other", cont_verb(o));
	char *copy = path_join(outdir, "config.json");
	if (!copy)
		return err_set(ERR_RUNTIME, "out of memory");
	int has_copy = access(copy, F_OK) == 0;
	int rc = ERR_OK;
	if (!o->resume && !o->cont) {
		if (path_dir_nonempty(outdir) && !o->force)
			rc = err_set(ERR_INPUT,
				     "output directory '%s' exists and is not empty (use --force to replace it, --resume to continue it, or -o DIR)",
				     outdir);
		else if (o->force && !has_copy && path_dir_nonempty(outdir) &&
			 !only_start_litter(outdir))
			rc = err_set(ERR_INPUT,
				     "--force: '%s' is not empty and holds no run (no config.json): not replacing it",
				     outdir);
		free(copy);
		return rc;
	}
	if (!has_copy) {
		if (o->resume)
			rc = err_set(ERR_INPUT, "cannot resume '%s': no config.json from an earlier run",
				     outdir);
		else if (path_dir_nonempty(outdir) && !only_start_litter(outdir))
			rc = err_set(ERR_INPUT,
				     "cannot continue '%s': it is not empty and holds no run (no config.json)",
				     outdir);
		free(copy);
		return rc;
	}
	char *old = file_read_all(copy, NULL);
	int complete = 0, cut = 0;
	if (!old)
		rc = ERR_INPUT;
	else if (strcmp(old, config_text) != 0)
		rc = err_set(ERR_INPUT, "cannot %s '%s': '%s' differs from the config it was started with",
			     cont_verb(o), outdir, o->config);
	else if ((cut = start_was_cut(outdir))) {
		/* Nothing trained yet: OUTDIR_START writes the records again. */
		if (!o->quiet)
			fprintf(stderr, "overparam: '%s' was stopped before its first record: starting it over\n",
				outdir);
	} else
		rc = check_same_options(outdir, o, sub, &complete);
	if (!rc && !cut)
		*act = complete && o->cont ? OUTDIR_COMPLETE : OUTDIR_RESUME;
	free(old);
	free(copy);
	return rc;
}

/* --init-from DIR: each run of sub starts from the final weights of the
 * run with its label in DIR; init_dirs[i] gets that run's weights folder. */
int outdir_init_dirs(const char *dir, const struct experiment *ex,
			  const struct run_subset *sub, char **init_dirs)
{
	if (!path_is_dir(dir))
		return err_set(ERR_INPUT, "--init-from: '%s' is not a run directory", dir);
	struct rundir rd = {0};
	char *sum = path_join(dir, "summary.csv");
	int no_sum = sum && access(sum, F_OK) != 0;
	free(sum);
	if (no_sum)
		return err_set(ERR_INPUT, "--init-from: '%s' is not a run directory (no summary.csv)",
			       dir);
	if (rundir_load(&rd, dir, 0)) { /* its message names the file */
		char why[512];
		snprintf(why, sizeof(why), "%s", err_message());
		return err_set(ERR_INPUT, "--init-from: %s", why);
	}
	int rc = rundir_check_curves(&rd); /* the weights read are the ones written */
	for (int p = 0; !rc && p < sub->n; p++) {
		const char *label = ex->runs[sub->rows[p]].label;
		int j = 0;
		while (j < rd.n_runs && strcmp(rd.runs[j].label, label) != 0)
			j++;
		if (j == rd.n_runs) {
			char have[512] = "";
			for (int q = 0; q < rd.n_runs; q++) {
				size_t len = strlen(have);
				if (len + strlen(rd.runs[q].label) + 8 >= sizeof(have)) {
					snprintf(have + len, sizeof(have) - len, "%s...", q ? ", " : "");
					break;
				}
				snprintf(have + len, sizeof(have) - len, "%s'%s'", q ? ", " : "",
					 rd.runs[q].label);
			}
			rc = err_set(ERR_INPUT, "--init-from: run '%s' is not in '%s' (it has: %s)", label,
				     dir, have);
			break;
		}
		char *w = weights_run_dir(dir, rd.runs[j].csv);
		char *final = w ? path_join(w, "final") : NULL;
		if (!final)
			rc = err_set(ERR_RUNTIME, "out of memory");
		else if (!path_is_dir(final))
			rc = err_set(ERR_INPUT, "--init-from: run '%s' in '%s' has no final weights (%s: %s)",
				     label, dir, rd.runs[j].status, final);
		free(final);
		if (rc)
			free(w);
		else
			init_dirs[sub->rows[p]] = w;
	}
	rundir_release(&rd);
	return rc;
}

/* The rows of the directory being resumed are the runs of sub, in order. */
int outdir_check_rows(const struct rundir *prev, const struct run_subset *sub,
			   const char *outdir, int rounds)
{
	if (rounds ? prev->n_runs < sub->n : prev->n_runs != sub->n)
		return err_set(ERR_INPUT, "cannot resume '%s': %d runs recorded, the config has %d",
			       outdir, prev->n_runs, sub->n);
	for (int p = 0; p < sub->n; p++)
		if (prev->runs[p].index != sub->rows[p] + 1)
			return err_set(ERR_INPUT, "cannot resume '%s': summary row %d is run %d, expected run %d",
				       outdir, p + 1, prev->runs[p].index, sub->rows[p] + 1);
	return ERR_OK;
}

/* Every checkpoint of an unfinished run in the directory being resumed is
 * read and checked now (its files' digests, its state, the CSV rows before
 * it), before this process writes anything there: a damaged one is refused
 * with the directory as it was. The runs read them again when they start. */
int outdir_check_checkpoints(const struct rundir *prev)
{
	int rc = ERR_OK;
	for (int p = 0; !rc && p < prev->n_runs; p++) {
		if (strcmp(prev->runs[p].status, "interrupted") != 0)
			continue;
		char *wdir = weights_run_dir(prev->dir, prev->runs[p].csv);
		char *csv = path_join(prev->dir, prev->runs[p].csv);
		struct checkpoint ck;
		if (!wdir || !csv)
			rc = err_set(ERR_RUNTIME, "out of memory");
		else if (checkpoint_exists(wdir) && !(rc = checkpoint_load(wdir, &ck, csv)))
			checkpoint_release(&ck);
		free(wdir);
		free(csv);
	}
	return rc;
}
