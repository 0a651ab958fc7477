/* commands: what `overparam run` and `overparam plot` do, from a parsed
 * command line to files on disk. Data are loaded and preprocessed once;
 * runs go one after another (grid points of a group in blocks stepped
 * together), each CSV written as soon as its run or block ends, so an
 * interruption keeps every finished run and checkpoints the others. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "overparam/commands.h"
#include "overparam/config.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/output.h"
#include "overparam/parallel.h"
#include "overparam/plot.h"
#include "overparam/rundir.h"
#include "overparam/sweep.h"
#include "overparam/table.h"
#include "overparam/train.h"
#include "overparam/weights.h"

#include <cblas.h>
#include <dirent.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int load_data(const struct data_spec *spec, struct dataset *ds)
{
	switch (spec->source) {
	case DATA_GAS_DRIFT:
		return dataset_load_gas_drift(ds, spec->path, spec->batches,
					      spec->n_batches, spec->gas_class,
					      !spec->batches_all);
	case DATA_CSV:
		return dataset_load_csv(ds, spec->path, spec->labels);
	case DATA_INLINE:
		return dataset_from_arrays(ds, spec->m, spec->d, spec->k, spec->X,
					   spec->Y);
	case DATA_SYNTHETIC:
		return dataset_synthetic(ds, spec->m, spec->d, spec->k, spec->noise,
					 spec->seed);
	}
	return err_set(ERR_INPUT, "unknown data source");
}

static void report_data(const struct experiment *ex, const struct dataset *ds)
{
	if (ex->data.source == DATA_GAS_DRIFT) {
		fprintf(stderr, "overparam: data: gas '%s' from '%s':",
			ex->data.gas_class ? gas_drift_name(ex->data.gas_class) : "all (one-hot)",
			ex->data.path);
		int missing = 0;
		for (int i = 0; i < ds->n_files; i++) {
			const char *base = strrchr(ds->files[i].path, '/');
			base = base ? base + 1 : ds->files[i].path;
			if (ds->files[i].present)
				fprintf(stderr, " %s %d", base, ds->files[i].rows_used);
			else
				missing++;
		}
		fputc('\n', stderr);
		if (missing) {
			fprintf(stderr, "overparam: data: not found:");
			for (int i = 0; i < ds->n_files; i++)
				if (!ds->files[i].present) {
					const char *base = strrchr(ds->files[i].path, '/');
					fprintf(stderr, " %s", base ? base + 1 : ds->files[i].path);
				}
			fputc('\n', stderr);
		}
	}
	fprintf(stderr, "overparam: data: %d rows, %d features, %d output(s), preprocess '%s'\n",
		ds->m, ds->d, ds->k, preprocess_mode_name(ex->data.preprocess));
}

struct progress_state {
	int quiet, index, n_runs;
	const char *label;
	long total;
	double last;
	const char *weights_dir;   /* this run's weights/<stem> */
	const char *init_from_dir; /* --init-from: <dir>/weights/<stem>, or NULL */
};

static int save_weights(void *user, const char *tag, const struct model *mod)
{
	struct progress_state *p = user;
	return weights_save(p->weights_dir, tag, mod);
}

static int load_weights(void *user, struct model *mod)
{
	struct progress_state *p = user;
	return weights_load(p->init_from_dir, "final", mod);
}

/* "runs/03-x.csv" -> "<dir>/weights/03-x" (malloc'ed). */
static char *weights_dir_of(const char *dir, const char *csv)
{
	const char *base = strrchr(csv, '/');
	base = base ? base + 1 : csv;
	char stem[256];
	snprintf(stem, sizeof(stem), "weights/%.*s", (int)(strlen(base) - 4), base);
	return path_join(dir, stem);
}

/* Rows of an interrupted run's CSV that an uninterrupted run would have
 * logged before iteration t (t % log_every == 0), for --resume. */
static int load_prior_rows(const char *path, long t, long K, int n_extra,
			   struct train_record **rec, double **extra, int *n)
{
	struct table tb;
	int rc = table_load(&tb, path);
	if (rc)
		return rc;
	*n = 0;
	*rec = malloc((tb.n_rows ? tb.n_rows : 1) * sizeof(**rec));
	*extra = malloc(((size_t)tb.n_rows * n_extra + 1) * sizeof(double));
	if (!*rec || !*extra)
		rc = err_set(ERR_RUNTIME, "out of memory");
	else if (tb.n_cols != 4 + n_extra)
		rc = err_set(ERR_INPUT, "%s: %d columns, the run logs %d", path, tb.n_cols,
			     4 + n_extra);
	for (int r = 0; !rc && r < tb.n_rows; r++) {
		const double *v = tb.v + (size_t)r * tb.n_cols;
		long it = (long)v[0];
		if (it >= t || it % K != 0)
			continue;
		(*rec)[*n] = (struct train_record){it, v[1], v[2], v[3]};
		memcpy(*extra + (size_t)*n * n_extra, v + 4, n_extra * sizeof(double));
		(*n)++;
	}
	table_release(&tb);
	return rc;
}

/* A finished run's result from the summary of the directory being resumed. */
static void result_from_summary(const struct rundir_run *r, struct run_result *res)
{
	memset(res, 0, sizeof(*res));
	res->status = strcmp(r->status, "diverged") == 0 ? RUN_DIVERGED : RUN_OK;
	res->last_iter = r->last_iter;
	res->diverged_at = r->diverged_at;
	res->reached_at = r->reached_at;
	res->initial_loss = r->initial_loss;
	res->final_loss = r->final_loss;
	res->min_loss = r->min_loss;
}

static void on_progress(void *user, long iter, double loss)
{
	struct progress_state *p = user;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double now = ts.tv_sec + 1e-9 * ts.tv_nsec;
	if (p->quiet || now - p->last < 0.25)
		return;
	p->last = now;
	fprintf(stderr, "\r[%d/%d] %-32.32s iter %ld/%ld (%3.0f%%) loss %.4g   ",
		p->index + 1, p->n_runs, p->label, iter, p->total,
		100.0 * iter / (p->total ? p->total : 1), loss);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Removes the files a previous run wrote into dir (for --force). */
static void clear_run_dir(const char *dir)
{
	char *weights = path_join(dir, "weights");
	if (weights && path_is_dir(weights))
		nftw(weights, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(weights);
	static const char *const files[] = {"summary.csv", "metadata.json",
					    "plot.gp", "loss.png", "config.json"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *p = path_join(dir, files[i]);
		if (p)
			unlink(p);
		free(p);
	}
	char *runs = path_join(dir, "runs");
	DIR *d = runs ? opendir(runs) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (n > 4 && strcmp(e->d_name + n - 4, ".csv") == 0) {
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

#define MAX_BATCH 32

/* What the per-run helpers of cmd_run share. */
struct run_ctx {
	const struct experiment *ex;
	const struct run_options *o;
	const char *outdir;
	const struct dataset *ds;
	struct run_result *res;
	char **csv_names;
	int interactive;
};

static struct train_opts make_opts(const struct run_ctx *c, const struct run_spec *r,
				   struct progress_state *ps)
{
	struct train_opts t = {
		.target = c->ex->select.by == SELECT_TIME_TO_TARGET ? c->ex->select.target : 0,
		.progress = on_progress, .user = ps, .stop = &stop_requested,
		.save = save_weights, .save_every = r->save_every,
		.load_init = ps->init_from_dir ? load_weights : NULL};
	return t;
}

/* After run i ended: its checkpoint if interrupted, a line on stderr, its
 * CSV. */
static int finish_run(const struct run_ctx *c, int i, const char *wdir)
{
	struct run_result *res = &c->res[i];
	int rc = ERR_OK;
	if (res->status == RUN_INTERRUPTED && (rc = checkpoint_save(wdir, &res->ckpt)))
		return rc;
	if (c->interactive)
		fputs("\r\033[K", stderr);
	if (!c->o->quiet)
		fprintf(stderr, "overparam: [%d/%d] %s: %s, loss %.6g -> %.6g at iteration %ld (%.2f s)\n",
			i + 1, c->ex->n_runs, c->ex->runs[i].label, run_status_name(res->status),
			res->initial_loss, res->final_loss, res->last_iter, res->seconds);
	char *path = path_join(c->outdir, c->csv_names[i]);
	rc = path ? output_run_csv(path, res) : err_set(ERR_RUNTIME, "out of memory");
	free(path);
	return rc;
}

/* One run's training options, and for --resume its checkpoint and the rows
 * it logged before it; released by member_release. */
struct member {
	int i;
	char *wdir, *idir;
	struct progress_state ps;
	struct train_opts opts;
	struct checkpoint ck;
	struct train_record *prior;
	double *prior_extra;
};

static int member_prepare(const struct run_ctx *c, int i, int resume, struct member *mb)
{
	const struct run_spec *r = &c->ex->runs[i];
	memset(mb, 0, sizeof(*mb));
	mb->i = i;
	mb->wdir = weights_dir_of(c->outdir, c->csv_names[i]);
	if (c->o->init_from)
		mb->idir = weights_dir_of(c->o->init_from, c->csv_names[i]);
	if (!mb->wdir || (c->o->init_from && !mb->idir))
		return err_set(ERR_RUNTIME, "out of memory");
	mb->ps = (struct progress_state){!c->interactive, i, c->ex->n_runs, r->label,
					 r->iterations, 0, mb->wdir, mb->idir};
	mb->opts = make_opts(c, r, &mb->ps);
	if (!resume || !checkpoint_exists(mb->wdir))
		return ERR_OK;
	char *csv = path_join(c->outdir, c->csv_names[i]);
	const struct dataset *ds = c->ds;
	int n_extra = 2 * r->emulate + (r->singular_values ? (ds->k < ds->d ? ds->k : ds->d) : 0);
	int rc = csv ? checkpoint_load(mb->wdir, &mb->ck) : err_set(ERR_RUNTIME, "out of memory");
	if (!rc)
		rc = load_prior_rows(csv, mb->ck.t, r->log_every, n_extra, &mb->prior,
				     &mb->prior_extra, &mb->opts.n_prior);
	free(csv);
	mb->opts.resume = &mb->ck;
	mb->opts.prior = mb->prior;
	mb->opts.prior_extra = mb->prior_extra;
	mb->opts.load_init = NULL; /* the checkpoint has the weights */
	return rc;
}

static void member_release(struct member *mb)
{
	checkpoint_release(&mb->ck);
	free(mb->prior);
	free(mb->prior_extra);
	free(mb->wdir);
	free(mb->idir);
}

/* Runs idx[0..n) (one alone, or with batched the members of a block of grid
 * points stepped together by train_batch), each resumed from its checkpoint when resume is set and it
 * has one; then each one's checkpoint, line and CSV. */
static int run_members(const struct run_ctx *c, const int *idx, int n, int batched,
		       int resume)
{
	struct member *mb = calloc(n, sizeof(*mb));
	struct train_opts *opts = calloc(n, sizeof(*opts));
	const struct run_spec **runs = calloc(n, sizeof(*runs));
	struct run_result *res = calloc(n, sizeof(*res));
	int rc = mb && opts && runs && res ? ERR_OK : err_set(ERR_RUNTIME, "out of memory");
	int made = 0;
	for (; !rc && made < n; made++) {
		rc = member_prepare(c, idx[made], resume, &mb[made]);
		opts[made] = mb[made].opts;
		runs[made] = &c->ex->runs[idx[made]];
	}
	if (!rc && !batched)
		rc = train_run(runs[0], &c->ex->loss, c->ds, &opts[0], &res[0]);
	else if (!rc)
		rc = train_batch(runs, n, &c->ex->loss, c->ds, opts, res);
	for (int b = 0; b < n && res; b++)
		c->res[idx[b]] = res[b]; /* moved: the results are c->res's now */
	for (int b = 0; !rc && b < n; b++) {
		if (mb[b].opts.resume && c->res[idx[b]].status != RUN_INTERRUPTED)
			checkpoint_remove(mb[b].wdir);
		rc = finish_run(c, idx[b], mb[b].wdir);
	}
	for (int b = 0; mb && b < made; b++)
		member_release(&mb[b]);
	free(mb);
	free(opts);
	free(runs);
	free(res);
	return rc;
}

int cmd_run(const struct run_options *o)
{
	struct experiment ex;
	int rc = config_load(&ex, o->config);
	if (rc)
		return rc;
	if (o->iterations > 0) {
		ex.iterations_override = o->iterations;
		for (int i = 0; i < ex.n_runs; i++) {
			ex.runs[i].iterations = o->iterations;
			if (ex.runs[i].log_every > o->iterations)
				ex.runs[i].log_every = o->iterations;
		}
	}
	/* BLAS calls are single-threaded: the data pass has its own threads,
	 * whose chunked sums do not depend on the thread count. */
	openblas_set_num_threads(1);
	char default_dir[512];
	const char *outdir = o->outdir;
	if (!outdir) {
		snprintf(default_dir, sizeof(default_dir), "results/%s", ex.name);
		outdir = default_dir;
	}
	struct dataset ds = {0};
	struct preprocess_info pre = {0};
	struct rundir prev = {0};
	struct par_pool *pool = NULL;
	ex.threads = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ex.threads < 1)
		ex.threads = 1;
	ex.resumed = o->resume;
	ex.init_from = o->init_from;
	ex.batched = !o->no_batch;
	struct run_result *res = NULL;
	int *selected = NULL;
	char **csv_names = NULL;
	char *path = NULL;
	if (o->resume && o->force) {
		rc = err_set(ERR_INPUT, "--resume and --force exclude each other");
		goto out;
	}
	if (o->resume) {
		char *copy = path_join(outdir, "config.json");
		char *old = copy ? file_read_all(copy, NULL) : NULL;
		char *now = old ? file_read_all(o->config, NULL) : NULL;
		free(copy);
		if (!old || !now)
			rc = err_set(ERR_INPUT, "cannot resume '%s': no config.json from an earlier run",
				     outdir);
		else if (strcmp(old, now) != 0)
			rc = err_set(ERR_INPUT,
				     "cannot resume '%s': '%s' differs from the config it was started with",
				     outdir, o->config);
		free(old);
		free(now);
		if (!rc)
			rc = rundir_load(&prev, outdir, 0);
		if (!rc && prev.n_runs != ex.n_runs)
			rc = err_set(ERR_INPUT, "cannot resume '%s': %d runs recorded, the config has %d",
				     outdir, prev.n_runs, ex.n_runs);
		if (rc)
			goto out;
	} else if (path_dir_nonempty(outdir) && !o->force) {
		rc = err_set(ERR_INPUT,
			     "output directory '%s' exists and is not empty (use --force to replace it, --resume to continue it, or -o DIR)",
			     outdir);
		goto out;
	}
	if (o->init_from && !path_is_dir(o->init_from)) {
		rc = err_set(ERR_INPUT, "--init-from: '%s' is not a run directory", o->init_from);
		goto out;
	}
	if ((rc = load_data(&ex.data, &ds)))
		goto out;
	if (!o->quiet)
		report_data(&ex, &ds);
	if ((rc = preprocess_apply(&ds, ex.data.preprocess, &pre)) ||
	    (rc = par_create(&pool, ex.threads)) ||
	    (rc = loss_prepare(&ex.loss, &ds, pool)))
		goto out;
	if (o->force)
		clear_run_dir(outdir);
	path = path_join(outdir, "runs");
	if (!path || (rc = path_mkdirs(path)))
		goto out;
	free(path);
	path = path_join(outdir, "config.json");
	char *text = file_read_all(o->config, NULL);
	if (!text) {
		rc = ERR_INPUT;
		goto out;
	}
	rc = o->resume ? ERR_OK : afile_write_text(path, text);
	free(text);
	if (rc)
		goto out;

	res = calloc(ex.n_runs, sizeof(*res));
	selected = calloc(ex.n_runs, sizeof(int));
	csv_names = calloc(ex.n_runs, sizeof(char *));
	if (!res || !selected || !csv_names) {
		rc = err_set(ERR_RUNTIME, "out of memory");
		goto out;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	int interactive = !o->quiet && isatty(STDERR_FILENO);
	int interrupted = 0;
	for (int i = 0; i < ex.n_runs; i++)
		if (!(csv_names[i] = output_run_filename(i, ex.runs[i].label))) {
			rc = err_set(ERR_RUNTIME, "out of memory");
			goto out;
		}
	if (!o->no_batch && (rc = loss_reserve_batch(&ex.loss, &ds, MAX_BATCH)))
		goto out;
	struct run_ctx ctx = {&ex, o, outdir, &ds, res, csv_names, interactive};
	for (int i = 0, j; i < ex.n_runs; i = j) {
		/* Blocks of up to MAX_BATCH grid points of one group step together
		 * over one data pass. Blocks depend on the config alone, so that a
		 * resumed block has the members it had before the interruption. */
		j = i + 1;
		while (!o->no_batch && j < ex.n_runs && j - i < MAX_BATCH &&
		       strcmp(ex.runs[j].group, ex.runs[i].group) == 0 &&
		       train_batch_eligible(&ex.runs[i], &ds) &&
		       train_batch_eligible(&ex.runs[j], &ds))
			j++;
		int todo[MAX_BATCH], n = 0;
		for (int b = i; b < j; b++) {
			if (interrupted) {
				res[b].status = RUN_INTERRUPTED;
				res[b].diverged_at = res[b].reached_at = -1;
			} else if (o->resume && strcmp(prev.runs[b].status, "interrupted") != 0) {
				result_from_summary(&prev.runs[b], &res[b]); /* CSV kept */
			} else {
				todo[n++] = b;
			}
		}
		if (n && (rc = run_members(&ctx, todo, n, j - i > 1, o->resume)))
			goto out;
		for (int b = 0; b < n; b++)
			interrupted |= res[todo[b]].status == RUN_INTERRUPTED;
	}
	sweep_select(&ex, res, selected);
	free(path);
	path = path_join(outdir, "summary.csv");
	if ((rc = output_summary(path, &ex, res, selected, csv_names)))
		goto out;
	free(path);
	path = path_join(outdir, "metadata.json");
	if ((rc = output_metadata(path, &ex, &ds, &pre, res, selected, csv_names,
				  interrupted ? "interrupted" : "complete")))
		goto out;
	if (interrupted) {
		rc = err_set(ERR_RUNTIME, "interrupted: finished runs are in '%s'", outdir);
		goto out;
	}
	if (!o->no_plot) {
		rc = plot_dir(outdir);
		if (!rc && !o->quiet)
			fprintf(stderr, "overparam: wrote '%s/loss.png'\n", outdir);
	}
	if (!rc && !o->quiet)
		fprintf(stderr, "overparam: results in '%s'\n", outdir);
out:
	free(path);
	for (int i = 0; res && i < ex.n_runs; i++)
		run_result_release(&res[i]);
	for (int i = 0; csv_names && i < ex.n_runs; i++)
		free(csv_names[i]);
	free(res);
	free(selected);
	free(csv_names);
	rundir_release(&prev);
	par_free(pool);
	preprocess_info_release(&pre);
	loss_release(&ex.loss);
	dataset_release(&ds);
	experiment_release(&ex);
	return rc;
}

int cmd_plot(const char *dir)
{
	return plot_dir(dir);
}
