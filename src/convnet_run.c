/* convnet_run: `overparam run` for a convnet config (Figure 5 right).
 *
 * Trains each run with the tutorial's protocol: step t takes the batch of
 * training images at offset (t B) mod (n_train - B), in order, without
 * shuffling; lr_t = lr decay^floor(t B / n_train); momentum. Each row of
 * runs/NN-label.csv is one step: the batch loss (cross-entropy + L2 term)
 * and its parts at the parameters before the step, which is what the paper
 * plots; validation_error (after the step) every eval_every steps and at the
 * last, nan elsewhere. The test error comes at the end. Weights (float64
 * .npy, one per tensor) go to weights/NN-label/{init,final}/.
 *
 * The output directory follows the rules of linear runs (outdir.c): one
 * writer at a time (a lock on the directory), --force only over a run
 * directory (what else is in it stays), --resume only of a directory
 * started with the same config and --iterations. It is written under
 * OUT.run.PID and renamed into place when done (or stopped by
 * SIGINT/SIGTERM, status "interrupted"), so a failure
 * leaves no half-written directory. summary.csv has the linear runs'
 * columns, so plot, report and compare read it as they read theirs.
 * A run stopped by SIGINT/SIGTERM saves a checkpoint (weights, momentum,
 * dropout generator, next step); `--resume` works on a copy of the
 * directory, keeps the finished runs and continues the others to the
 * bytes of an uninterrupted run. Not for convnet configs: --continue,
 * --shard, --init-from (exit 2); a SIGKILL loses the unfinished run's
 * progress (no periodic checkpoints). */
#include "overparam/commands.h"
#include "overparam/clock.h"
#include "overparam/convnet.h"
#include "overparam/convnet_config.h"
#include "overparam/convnet_files.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/idx.h"
#include "overparam/manifest.h"
#include "overparam/outdir.h"
#include "overparam/rundir.h"
#include "overparam/output.h"
#include "overparam/plot.h"
#include "overparam/stop.h"
#include "overparam/table.h"
#include "overparam/weights.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The split the runs train and are judged on (views into the loaded set). */
struct split {
	const unsigned char *images, *labels;
	int n;
};

/* Trains run r; its weights go to wdir/{init,final}/. With resume, a
 * checkpoint in wdir (and the rows before it in csv_path) continues it to
 * the bytes of an uninterrupted run. Stopped by a signal, it leaves a
 * checkpoint instead of final weights. */
static int train_one(const struct convnet_run_spec *r, const struct split *train,
		     const struct split *valid, const struct split *test, long steps,
		     int run_index, const char *wdir, const char *csv_path, int resume,
		     int quiet, struct convnet_result *res)
{
	const char *label = r->label;
	struct convnet net;
	int rc = convnet_create(&net, &r->net);
	if (rc)
		return rc;
	res->rows = malloc((size_t)(steps > 0 ? steps : 1) * sizeof(*res->rows));
	if (!res->rows) {
		convnet_release(&net);
		return err_set(ERR_RUNTIME, "out of memory");
	}
	long start = 0;
	double before = 0;
	char *ck = path_join(wdir, "checkpoint");
	if (!ck)
		rc = err_set(ERR_RUNTIME, "out of memory");
	else if (resume && path_is_dir(ck))
		rc = convnet_load_checkpoint(wdir, &net, &start, &before);
	else
		rc = convnet_save_weights(wdir, "init", &net);
	if (!rc && start > steps)
		rc = err_set(ERR_INPUT, "%s: checkpoint at step %ld, past the run's %ld steps", ck, start, steps);
	if (!rc && start)
		rc = convnet_load_rows(csv_path, start, res->rows);
	if (rc) {
		free(ck);
		convnet_release(&net);
		return rc;
	}
	res->n_rows = start;
	res->status = "ok";
	res->diverged_at = -1;
	res->n_params = net.n_params;
	const size_t image = 28 * 28;
	int B = r->batch;
	double t0 = clock_seconds();
	long t = start;
	for (; t < steps; t++) {
		stop_test_raise_tick(run_index, t);
		if (stop_requested) {
			res->status = "interrupted";
			break;
		}
		long offset = (long)((t * (long long)B) % (train->n - B));
		convnet_load_batch(&net, train->images + (size_t)offset * image, B);
		struct convnet_stats st;
		convnet_grad(&net, train->labels + offset, B, NULL, &st);
		long long seen = t * (long long)B;
		double lr = r->lr * pow(r->decay, (double)(seen / train->n));
		struct convnet_row *w = &res->rows[res->n_rows++];
		*w = (struct convnet_row){t, (double)seen / train->n, lr, st.loss, st.ce, st.l2,
				  st.error, NAN};
		if (!isfinite(st.loss)) {
			res->status = "diverged";
			res->diverged_at = t;
			break;
		}
		convnet_step(&net, lr, r->momentum);
		if (t % r->eval_every == 0 || t == steps - 1) {
			w->validation_error = valid->n ? (double)convnet_errors(&net, valid->images,
									      valid->labels, valid->n) /
								 valid->n
						       : NAN;
			if (!quiet)
				fprintf(stderr,
					"overparam: %s: step %ld/%ld  batch loss %.4f (ce %.4f + l2 %.4f)  validation error %.2f%%  %.1f ms/step\n",
					label, t + 1, steps, st.loss, st.ce, st.l2,
					100 * w->validation_error,
					1e3 * (clock_seconds() - t0) / (double)(t + 1 - start));
		}
	}
	res->seconds = before + clock_seconds() - t0;
	res->test_error = NAN;
	if (strcmp(res->status, "interrupted") == 0) {
		rc = convnet_save_checkpoint(wdir, &net, t, res->seconds);
	} else {
		if (test->n)
			res->test_error = (double)convnet_errors(&net, test->images, test->labels,
								 test->n) / test->n;
		rc = convnet_save_weights(wdir, "final", &net);
		tree_remove(ck);
	}
	free(ck);
	convnet_release(&net);
	return rc;
}

/* Loads MNIST and checks that the config's split fits it. */
static int load_splits(const struct convnet_experiment *ex, struct mnist *m,
		       struct split *train, struct split *valid, struct split *test, int batch)
{
	int rc = mnist_load(ex->data_path, m);
	if (rc)
		return rc;
	int n_train = ex->n_train ? ex->n_train : m->train.n - ex->n_validation;
	if (ex->n_validation + n_train > m->train.n || n_train <= batch)
		return err_set(ERR_INPUT,
			       "%s: data: validation %d + train %d needs more than the %d training images (and train > batch %d)",
			       ex->config_path, ex->n_validation, n_train, m->train.n, batch);
	if (ex->n_test > m->test.n)
		return err_set(ERR_INPUT, "%s: data.test: %d is more than the %d test images",
			       ex->config_path, ex->n_test, m->test.n);
	*valid = (struct split){m->train.images, m->train.labels, ex->n_validation};
	*train = (struct split){m->train.images + (size_t)ex->n_validation * 784,
				m->train.labels + ex->n_validation, n_train};
	*test = (struct split){m->test.images, m->test.labels, ex->n_test ? ex->n_test : m->test.n};
	return ERR_OK;
}

/* Seconds of one training step of run r, and of its evaluation on n images,
 * from a few steps and a slice of the validation images (calibration). */
static int time_convnet(const struct convnet_run_spec *r, const struct split *train,
			const struct split *valid, double *step_s, double *image_s, size_t *n_params)
{
	struct convnet net;
	int rc = convnet_create(&net, &r->net);
	if (rc)
		return rc;
	const int B = r->batch, warm = 1, steps = 4, n_eval = valid->n < 256 ? valid->n : 256;
	double t0 = 0;
	for (int t = 0; t < warm + steps; t++) {
		if (t == warm)
			t0 = clock_seconds();
		long offset = (long)((t * (long long)B) % (train->n - B));
		struct convnet_stats st;
		convnet_load_batch(&net, train->images + (size_t)offset * 784, B);
		convnet_grad(&net, train->labels + offset, B, NULL, &st);
		convnet_step(&net, r->lr, r->momentum);
	}
	*step_s = (clock_seconds() - t0) / steps;
	t0 = clock_seconds();
	if (n_eval)
		convnet_errors(&net, valid->images, valid->labels, n_eval);
	*image_s = n_eval ? (clock_seconds() - t0) / n_eval : 0;
	*n_params = net.n_params;
	convnet_release(&net);
	return ERR_OK;
}

/* run --dry-run: the config and MNIST checked as a run checks them, then
 * each run's steps, parameters and time (calibrated here); writes nothing. */
static int convnet_dry_run(const struct run_options *o, struct convnet_experiment *ex,
			   const char *outdir)
{
	struct mnist m = {0};
	struct split train = {0}, valid = {0}, test = {0};
	int max_batch = 1, threads = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	for (int i = 0; i < ex->n_runs; i++)
		max_batch = ex->runs[i].batch > max_batch ? ex->runs[i].batch : max_batch;
	int rc = load_splits(ex, &m, &train, &valid, &test, max_batch);
	if (rc)
		return rc;
	printf("# dry run of %s: nothing written (a run would write '%s'%s)\n", o->config, outdir,
	       path_dir_nonempty(outdir) ? ", which exists and is not empty: --force or --resume" : "");
	printf("data: MNIST from '%s': %d training, %d validation, %d test images\n\n", ex->data_path,
	       train.n, valid.n, test.n);
	puts("| run | steps | batch | parameters | time (estimate) |\n|---|---|---|---|---|");
	double total = 0, t_start = clock_seconds();
	for (int i = 0; i < ex->n_runs && !rc; i++) {
		struct convnet_run_spec *r = &ex->runs[i];
		r->net.threads = threads < 1 ? 1 : threads;
		long steps = convnet_run_steps(r, train.n, o->iterations);
		double step_s, image_s;
		size_t n_params;
		if ((rc = time_convnet(r, &train, &valid, &step_s, &image_s, &n_params)))
			break;
		long evals = steps > 0 ? (steps - 1) / r->eval_every + 1 + ((steps - 1) % r->eval_every != 0) : 0;
		double s = (double)steps * step_s + image_s * ((double)evals * valid.n + test.n);
		total += s;
		printf("| %s | %ld | %d | %zu | %.3g min |\n", r->label, steps, r->batch,
		       n_params, s / 60);
	}
	if (!rc)
		printf("\ntime: about %.3g min on %d thread%s (every step and evaluation timed on a few steps and images of each run: %.2g s in all)\n",
		       total / 60, threads, threads > 1 ? "s" : "", clock_seconds() - t_start);
	mnist_release(&m);
	if (!rc && fflush(stdout) != 0)
		rc = err_set(ERR_RUNTIME, "cannot write the dry run to standard output");
	return rc;
}

/* Run i of a directory being resumed, if it had finished (ok or
 * diverged): its rows from its CSV and its results from metadata.json.
 * *done = 0 when it had not. */
static int load_finished(const char *dir, const cJSON *meta, int i, const char *csv,
			 struct convnet_result *res, int *done)
{
	const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(meta, "runs"), i);
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(run, "result");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(r, "status");
	*done = cJSON_IsString(st) && (!strcmp(st->valuestring, "ok") || !strcmp(st->valuestring, "diverged"));
	if (!*done)
		return ERR_OK;
	res->status = !strcmp(st->valuestring, "ok") ? "ok" : "diverged";
	const cJSON *te = cJSON_GetObjectItemCaseSensitive(r, "test_error");
	res->test_error = cJSON_IsNumber(te) ? te->valuedouble : NAN;
	res->seconds = cJSON_GetObjectItemCaseSensitive(r, "seconds")
			       ? cJSON_GetObjectItemCaseSensitive(r, "seconds")->valuedouble : 0;
	res->diverged_at = (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r, "diverged_at"));
	res->n_params = (size_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(run, "parameters"));
	char *path = path_join(dir, csv);
	struct table t;
	int rc = path ? table_load(&t, path) : err_set(ERR_RUNTIME, "out of memory");
	if (!rc) {
		res->rows = malloc((size_t)(t.n_rows ? t.n_rows : 1) * sizeof(*res->rows));
		res->n_rows = t.n_rows;
		table_release(&t);
		rc = res->rows ? convnet_load_rows(path, res->n_rows, res->rows) : err_set(ERR_RUNTIME, "out of memory");
	}
	free(path);
	return rc;
}

static int refuse_options(const struct run_options *o)
{
	const char *opt = o->cont ? "--continue"
		: o->shard.count || o->shard_plan ? "--shard" : o->init_from ? "--init-from" : NULL;
	if (opt)
		return err_set(ERR_INPUT, "%s: %s is not supported for convnet configs", o->config, opt);
	return ERR_OK;
}

/* The output directory, by the rules linear runs follow (outdir.c): one
 * writer (the directory is made if need be and locked; *made when this
 * call made it, so a failure removes it again), and what --resume and
 * --force may do there. *act: OUTDIR_START or OUTDIR_RESUME; with
 * OUTDIR_RESUME, *meta is the directory's metadata.json (delete it after)
 * and *complete whether it finished. */
static int open_outdir(const struct run_options *o, const char *outdir, const char *config_text,
		       int *lock_fd, int *made, enum outdir_action *act, cJSON **meta,
		       int *complete)
{
	*meta = NULL;
	*complete = 0;
	*made = !path_is_dir(outdir);
	if (*made && path_mkdirs(outdir))
		return err_set(ERR_INPUT, "cannot make output directory '%s'", outdir);
	struct run_subset whole = {0}; /* no shards for convnet configs */
	int rc = outdir_lock(outdir, lock_fd);
	if (!rc)
		rc = outdir_decide(o, outdir, config_text, &whole, act);
	if (rc || *act != OUTDIR_RESUME)
		return rc;
	char *mpath = path_join(outdir, "metadata.json");
	char *mtext = mpath ? file_read_all(mpath, NULL) : NULL;
	if (!mtext || !(*meta = cJSON_Parse(mtext)))
		rc = err_set(ERR_INPUT, "cannot resume '%s': no readable metadata.json", outdir);
	else {
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(*meta, "status");
		*complete = cJSON_IsString(st) && strcmp(st->valuestring, "complete") == 0;
	}
	free(mpath);
	free(mtext);
	/* the finished runs are checked before they are kept (SHA256SUMS,
	 * summary rows against CSVs), as for linear runs */
	struct rundir rd;
	if (!rc && !(rc = rundir_load(&rd, outdir, 1))) {
		rc = rundir_check_curves(&rd);
		rundir_release(&rd);
	}
	return rc;
}

/* SHA256SUMS of the work directory tmp: every finished run of res; those
 * a resume kept with the digests of the directory it copied (prev). */
static int write_manifest(const struct convnet_experiment *ex, const struct convnet_result *res,
			  char *const *csv, const char *tmp, int resumed)
{
	struct manifest m = {0}, prev = {0};
	char *ppath = resumed ? path_join(tmp, MANIFEST_NAME) : NULL;
	int rc = ppath && access(ppath, F_OK) == 0 ? manifest_load(&prev, tmp) : ERR_OK;
	free(ppath);
	for (int i = 0; !rc && i < ex->n_runs; i++)
		if (!strcmp(res[i].status, "ok") || !strcmp(res[i].status, "diverged"))
			rc = manifest_cover_run(&m, prev.n ? &prev : NULL, tmp, csv[i]);
	if (!rc)
		rc = manifest_write(&m, tmp);
	manifest_release(&m);
	manifest_release(&prev);
	return rc;
}

/* The work directory tmp, renamed into place at the end: a copy of the
 * directory being resumed (which stays as it was until done); for a new
 * start, runs/ and config.json, in a copy of outdir with the earlier run's
 * files removed (outdir_clear) when --force replaces one, so what else the
 * user keeps there stays, as with linear runs. */
static int start_workdir(const struct run_options *o, enum outdir_action act,
			 const char *outdir, const char *tmp, const char *config_text)
{
	if (act == OUTDIR_RESUME)
		return tree_copy(outdir, tmp);
	int rc = ERR_OK;
	if (o->force && path_dir_nonempty(outdir)) {
		if (!(rc = tree_copy(outdir, tmp)))
			outdir_clear(tmp);
		afile_sweep(tmp);
	}
	char *path = path_join(tmp, "runs");
	if (!rc)
		rc = path ? path_mkdirs(path) : err_set(ERR_RUNTIME, "out of memory");
	free(path);
	if (rc)
		return rc;
	path = path_join(tmp, "config.json");
	rc = path ? afile_write_text(path, config_text) : err_set(ERR_RUNTIME, "out of memory");
	free(path);
	return rc;
}

struct splits {
	const struct split *train, *valid, *test;
};

/* Trains (or with --resume keeps or continues) every run of ex in the
 * work directory tmp, writing each run's CSV as it ends; csv[i] and
 * steps[i] are set for every run, *interrupted when a signal stopped one. */
static int train_runs(const struct run_options *o, const struct convnet_experiment *ex,
		      const struct splits *data, const char *tmp, const cJSON *meta,
		      struct convnet_result *res, char **csv, long *steps, int *interrupted)
{
	int rc = ERR_OK;
	for (int i = 0; i < ex->n_runs && !rc; i++) {
		steps[i] = convnet_run_steps(&ex->runs[i], data->train->n, o->iterations);
		if (!(csv[i] = output_run_filename(i, ex->runs[i].label)))
			return err_set(ERR_RUNTIME, "out of memory");
		int done = 0;
		if (meta && (rc = load_finished(tmp, meta, i, csv[i], &res[i], &done)))
			break;
		if (done)
			continue; /* its CSV is in the copy as it was */
		char *wdir = weights_run_dir(tmp, csv[i]);
		char *cpath = path_join(tmp, csv[i]);
		if (!wdir || !cpath) {
			rc = err_set(ERR_RUNTIME, "out of memory");
		} else if (stop_requested) {
			res[i].status = "interrupted";
			res[i].diverged_at = -1;
		} else {
			rc = train_one(&ex->runs[i], data->train, data->valid, data->test, steps[i], i,
				       wdir, cpath, meta != NULL, o->quiet, &res[i]);
		}
		if (!rc) {
			*interrupted |= strcmp(res[i].status, "interrupted") == 0;
			rc = convnet_write_run_csv(cpath, &res[i]);
		}
		free(wdir);
		free(cpath);
	}
	return rc;
}

/* The records of the work directory tmp, in this order: SHA256SUMS (every
 * finished run's files), summary.csv, metadata.json. */
static int write_records(const struct convnet_experiment *ex, const struct convnet_result *res,
			 char *const *csv, const long *steps, const char *tmp, int resumed,
			 const struct convnet_facts *facts)
{
	int rc = write_manifest(ex, res, csv, tmp, resumed);
	char *path = rc ? NULL : path_join(tmp, "summary.csv");
	if (!rc)
		rc = path ? convnet_write_summary(path, ex, res, csv, steps)
			  : err_set(ERR_RUNTIME, "out of memory");
	free(path);
	path = rc ? NULL : path_join(tmp, "metadata.json");
	if (!rc)
		rc = path ? convnet_write_metadata(path, ex, res, csv, steps, facts)
			  : err_set(ERR_RUNTIME, "out of memory");
	free(path);
	return rc;
}

/* The run of a parsed config into outdir (see convnet_cmd_run). */
static int run_parsed(const struct run_options *o, struct convnet_experiment *ex, const char *outdir,
		      const char *config_text)
{
	int rc = ERR_OK;
	struct mnist m = {0};
	cJSON *meta = NULL; /* --resume: the directory's metadata.json */
	struct split train = {0}, valid = {0}, test = {0};
	struct convnet_result *res = calloc((size_t)ex->n_runs, sizeof(*res));
	char **csv = calloc((size_t)ex->n_runs, sizeof(char *));
	long *steps = calloc((size_t)ex->n_runs, sizeof(long));
	char *tmp = NULL;
	int interrupted = 0, max_batch = 1, lock_fd = -1, made = 0;
	enum outdir_action act = OUTDIR_START;
	if (!res || !csv || !steps) {
		rc = err_set(ERR_RUNTIME, "out of memory");
		goto out;
	}
	for (int i = 0; i < ex->n_runs; i++)
		max_batch = ex->runs[i].batch > max_batch ? ex->runs[i].batch : max_batch;
	if ((rc = stop_test_raise_parse()))
		goto out;
	int complete = 0;
	if ((rc = open_outdir(o, outdir, config_text, &lock_fd, &made, &act, &meta, &complete)))
		goto out;
	if (complete) {
		if (!o->quiet)
			fprintf(stderr, "overparam: '%s' is complete: nothing to resume\n", outdir);
		goto out;
	}
	if (meta && (rc = convnet_check_data(meta, ex->data_path, outdir)))
		goto out;
	if ((rc = load_splits(ex, &m, &train, &valid, &test, max_batch)))
		goto out;
	int threads = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	threads = threads < 1 ? 1 : threads;
	for (int i = 0; i < ex->n_runs; i++)
		ex->runs[i].net.threads = threads;
	size_t len = strlen(outdir) + 32;
	if (!(tmp = malloc(len))) {
		rc = err_set(ERR_RUNTIME, "out of memory");
		goto out;
	}
	snprintf(tmp, len, "%s.run.%ld", outdir, (long)getpid());
	path_sweep_stale(outdir, ".run."); /* of runs killed before */
	if ((rc = start_workdir(o, act, outdir, tmp, config_text)))
		goto out;
	stop_signals_install();
	if (!o->quiet)
		fprintf(stderr, "overparam: MNIST from '%s': %d training, %d validation, %d test images\n",
			ex->data_path, train.n, valid.n, test.n);
	struct splits data = {&train, &valid, &test};
	if ((rc = train_runs(o, ex, &data, tmp, act == OUTDIR_RESUME ? meta : NULL, res, csv,
			     steps, &interrupted)))
		goto out;
	struct convnet_facts facts = {train.n, test.n, threads, o->iterations > 0 ? o->iterations : 0,
				      interrupted ? "interrupted" : "complete"};
	if ((rc = write_records(ex, res, csv, steps, tmp, act == OUTDIR_RESUME, &facts)) ||
	    (rc = dir_replace(tmp, outdir)))
		goto out;
	made = 0; /* in place: kept whatever follows */
	free(tmp);
	tmp = NULL;
	if (interrupted) {
		rc = err_set(ERR_RUNTIME, "interrupted: the steps done are in '%s'", outdir);
		goto out;
	}
	if (!o->no_plot && !(rc = plot_dir(outdir)) && !o->quiet)
		fprintf(stderr, "overparam: wrote '%s/loss.%s'\n", outdir, ex->plot_format);
	for (int i = 0; !rc && !o->quiet && i < ex->n_runs; i++)
		fprintf(stderr, "overparam: %s: final batch loss %.4f, test error %.2f%%, %.1f s\n",
			ex->runs[i].label, convnet_final_loss(&res[i]), 100 * res[i].test_error, res[i].seconds);
out:
	if (tmp) {
		tree_remove(tmp);
		free(tmp);
	}
	if (made && !path_dir_nonempty(outdir))
		rmdir(outdir); /* made by this run, which wrote nothing */
	if (lock_fd >= 0)
		close(lock_fd);
	for (int i = 0; res && i < ex->n_runs; i++)
		free(res[i].rows);
	for (int i = 0; csv && i < ex->n_runs; i++)
		free(csv[i]);
	free(res);
	free(csv);
	free(steps);
	mnist_release(&m);
	cJSON_Delete(meta);
	return rc;
}

int convnet_cmd_run(const struct run_options *o, const char *config_text)
{
	struct convnet_experiment ex;
	int rc = convnet_config_parse(&ex, config_text, o->config);
	if (rc)
		return rc;
	char default_dir[512];
	const char *outdir = o->outdir;
	if (!outdir) {
		snprintf(default_dir, sizeof(default_dir), "results/%s", ex.name);
		outdir = default_dir;
	}
	if (!(rc = refuse_options(o)))
		rc = o->dry_run ? convnet_dry_run(o, &ex, outdir) : run_parsed(o, &ex, outdir, config_text);
	convnet_experiment_release(&ex);
	return rc;
}
