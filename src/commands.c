/* commands: what `overparam run` and `overparam plot` do, from a parsed
 * command line to files on disk. Data are loaded and preprocessed once;
 * runs go one after another, each CSV written as soon as its run ends, so
 * an interruption keeps every finished run. */
#include "overparam/commands.h"
#include "overparam/config.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/output.h"
#include "overparam/plot.h"
#include "overparam/sweep.h"
#include "overparam/train.h"

#include <cblas.h>
#include <dirent.h>
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
};

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

/* Removes the files a previous run wrote into dir (for --force). */
static void clear_run_dir(const char *dir)
{
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
	/* One BLAS thread: the same bytes whatever the machine. */
	openblas_set_num_threads(1);
	char default_dir[512];
	const char *outdir = o->outdir;
	if (!outdir) {
		snprintf(default_dir, sizeof(default_dir), "results/%s", ex.name);
		outdir = default_dir;
	}
	struct dataset ds = {0};
	struct preprocess_info pre = {0};
	struct run_result *res = NULL;
	int *selected = NULL;
	char **csv_names = NULL;
	char *path = NULL;
	if (path_dir_nonempty(outdir) && !o->force) {
		rc = err_set(ERR_INPUT,
			     "output directory '%s' exists and is not empty (use --force to replace it, or -o DIR)",
			     outdir);
		goto out;
	}
	if ((rc = load_data(&ex.data, &ds)))
		goto out;
	if (!o->quiet)
		report_data(&ex, &ds);
	if ((rc = preprocess_apply(&ds, ex.data.preprocess, &pre)) ||
	    (rc = loss_prepare(&ex.loss, &ds)))
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
	rc = afile_write_text(path, text);
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
	for (int i = 0; i < ex.n_runs; i++) {
		const struct run_spec *r = &ex.runs[i];
		csv_names[i] = output_run_filename(i, r->label);
		if (!csv_names[i]) {
			rc = err_set(ERR_RUNTIME, "out of memory");
			goto out;
		}
		if (interrupted) {
			res[i].status = RUN_INTERRUPTED;
			res[i].diverged_at = res[i].reached_at = -1;
			continue;
		}
		struct progress_state ps = {!interactive, i, ex.n_runs, r->label,
					    r->iterations, 0};
		struct train_opts topts = {
			.target = ex.select.by == SELECT_TIME_TO_TARGET ? ex.select.target : 0,
			.progress = on_progress, .user = &ps, .stop = &stop_requested};
		if ((rc = train_run(r, &ex.loss, &ds, &topts, &res[i])))
			goto out;
		if (interactive)
			fputs("\r\033[K", stderr);
		if (!o->quiet)
			fprintf(stderr, "overparam: [%d/%d] %s: %s, loss %.6g -> %.6g at iteration %ld (%.2f s)\n",
				i + 1, ex.n_runs, r->label, run_status_name(res[i].status),
				res[i].initial_loss, res[i].final_loss, res[i].last_iter,
				res[i].seconds);
		free(path);
		path = path_join(outdir, csv_names[i]);
		if (!path) {
			rc = err_set(ERR_RUNTIME, "out of memory");
			goto out;
		}
		if ((rc = output_run_csv(path, &res[i])))
			goto out;
		interrupted = res[i].status == RUN_INTERRUPTED;
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
