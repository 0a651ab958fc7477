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
 * The directory is written under OUT.run.PID and renamed into place when
 * done (or stopped by SIGINT/SIGTERM, status "interrupted"), so a failure
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
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/idx.h"
#include "overparam/npy.h"
#include "overparam/output.h"
#include "overparam/plot.h"
#include "overparam/sha256.h"
#include "overparam/table.h"
#include "overparam/weights.h"

#include <cjson/cJSON.h>
#include <math.h>
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
	if (stop_requested)
		_exit(ERR_RUNTIME);
	stop_requested = 1;
}

struct row {
	long step;
	double epoch, lr, loss, ce, l2, error, validation_error;
};

struct result {
	struct row *rows;
	long n_rows;
	const char *status;   /* "ok", "diverged", "interrupted" (static) */
	long diverged_at;
	double test_error, seconds;
	size_t n_params;
};

/* The split the runs train and are judged on (views into the loaded set). */
struct split {
	const unsigned char *images, *labels;
	int n;
};

/* wdir/tag/<tensor>.npy for every tensor of net, as float64. */
static int save_weights(const char *wdir, const char *tag, const struct convnet *net)
{
	char *dir = path_join(wdir, tag);
	double *p = malloc(net->n_params * sizeof(double));
	int rc = !dir || !p ? err_set(ERR_RUNTIME, "out of memory") : path_mkdirs(dir);
	if (!rc)
		convnet_params_get(net, p);
	for (int t = 0; !rc && t < CN_N_TENSORS; t++) {
		int rows, cols;
		convnet_tensor_shape(net, (enum convnet_tensor)t, &rows, &cols);
		if (!rows)
			continue;
		char name[64];
		snprintf(name, sizeof(name), "%s.npy", convnet_tensor_name((enum convnet_tensor)t));
		char *path = path_join(dir, name);
		rc = path ? npy_write(path, rows, cols, p + net->off[t]) : err_set(ERR_RUNTIME, "out of memory");
		free(path);
	}
	free(p);
	free(dir);
	return rc;
}

/* An interrupted run's state, in wdir/checkpoint/: params.npy and
 * accum.npy (1, n_params) as float64 (exact for float32 values too),
 * state.txt: the next step, the dropout generator and the seconds spent. */
static int save_checkpoint(const char *wdir, const struct convnet *net, long t, double seconds)
{
	char *dir = path_join(wdir, "checkpoint");
	double *p = malloc(net->n_params * sizeof(double));
	int rc = !dir || !p ? err_set(ERR_RUNTIME, "out of memory") : path_mkdirs(dir);
	for (int k = 0; !rc && k < 2; k++) {
		for (size_t i = 0; i < net->n_params; i++)
			p[i] = net->spec.precision == CONVNET_F32
				       ? (double)((const float *)(k ? net->accum : net->params))[i]
				       : ((const double *)(k ? net->accum : net->params))[i];
		char *path = path_join(dir, k ? "accum.npy" : "params.npy");
		rc = path ? npy_write(path, 1, (int)net->n_params, p) : err_set(ERR_RUNTIME, "out of memory");
		free(path);
	}
	if (!rc) {
		char text[256], *path = path_join(dir, "state.txt");
		const uint64_t *s = net->drop_rng.s;
		snprintf(text, sizeof(text), "step %ld\nrng %llx %llx %llx %llx\nseconds %.17g\n", t,
			 (unsigned long long)s[0], (unsigned long long)s[1], (unsigned long long)s[2],
			 (unsigned long long)s[3], seconds);
		rc = path ? afile_write_text(path, text) : err_set(ERR_RUNTIME, "out of memory");
		free(path);
	}
	free(p);
	free(dir);
	return rc;
}

/* Restores what save_checkpoint wrote into net; *t = the next step. */
static int load_checkpoint(const char *wdir, struct convnet *net, long *t, double *seconds)
{
	char *dir = path_join(wdir, "checkpoint");
	char *path = dir ? path_join(dir, "state.txt") : NULL;
	char *text = path ? file_read_all(path, NULL) : NULL;
	unsigned long long s[4];
	int rc = text ? ERR_OK : ERR_INPUT;
	if (!rc && sscanf(text, "step %ld rng %llx %llx %llx %llx seconds %lg", t, &s[0], &s[1],
			  &s[2], &s[3], seconds) != 6)
		rc = err_set(ERR_INPUT, "%s: not a convnet checkpoint state", path);
	for (int k = 0; !rc && k < 2; k++) {
		free(path);
		path = path_join(dir, k ? "accum.npy" : "params.npy");
		int rows, cols;
		double *v = NULL;
		if (!path || (rc = npy_read(path, &rows, &cols, &v)))
			break;
		if ((size_t)rows * (size_t)cols != net->n_params)
			rc = err_set(ERR_INPUT, "%s: %d x %d values, the network has %zu", path, rows,
				     cols, net->n_params);
		for (size_t i = 0; !rc && i < net->n_params; i++) {
			void *dst = k ? net->accum : net->params;
			if (net->spec.precision == CONVNET_F32)
				((float *)dst)[i] = (float)v[i];
			else
				((double *)dst)[i] = v[i];
		}
		free(v);
	}
	for (int i = 0; !rc && i < 4; i++)
		net->drop_rng.s[i] = s[i];
	free(text);
	free(path);
	free(dir);
	return rc;
}

/* The first n rows of a run CSV written by write_run_csv into rows. */
static int load_rows(const char *csv_path, long n, struct row *rows)
{
	struct table t;
	int rc = table_load(&t, csv_path);
	if (!rc && (t.n_cols != 8 || t.n_rows < n))
		rc = err_set(ERR_INPUT, "%s: expected 8 columns and %ld rows to resume from", csv_path, n);
	for (long i = 0; !rc && i < n; i++) {
		const double *v = t.v + (size_t)i * 8;
		rows[i] = (struct row){(long)v[0], v[2], v[3], v[1], v[4], v[5], v[6], v[7]};
	}
	table_release(&t);
	return rc;
}

/* Trains run r; its weights go to wdir/{init,final}/. With resume, a
 * checkpoint in wdir (and the rows before it in csv_path) continues it to
 * the bytes of an uninterrupted run. Stopped by a signal, it leaves a
 * checkpoint instead of final weights. */
static int train_one(const struct convnet_run_spec *r, const struct split *train,
		     const struct split *valid, const struct split *test, long steps,
		     const char *label, const char *wdir, const char *csv_path, int resume,
		     int quiet, struct result *res)
{
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
		rc = load_checkpoint(wdir, &net, &start, &before);
	else
		rc = save_weights(wdir, "init", &net);
	if (!rc && start > steps)
		rc = err_set(ERR_INPUT, "%s: checkpoint at step %ld, past the run's %ld steps", ck, start, steps);
	if (!rc && start)
		rc = load_rows(csv_path, start, res->rows);
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
		struct row *w = &res->rows[res->n_rows++];
		*w = (struct row){t, (double)seen / train->n, lr, st.loss, st.ce, st.l2,
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
		rc = save_checkpoint(wdir, &net, t, res->seconds);
	} else {
		if (test->n)
			res->test_error = (double)convnet_errors(&net, test->images, test->labels,
								 test->n) / test->n;
		rc = save_weights(wdir, "final", &net);
		tree_remove(ck);
	}
	free(ck);
	convnet_release(&net);
	return rc;
}

static int write_run_csv(const char *path, const struct result *res)
{
	struct afile af;
	int rc = afile_open(&af, path);
	if (rc)
		return rc;
	fputs("iteration,loss,epoch,lr,batch_ce,l2_term,batch_error,validation_error\n", af.f);
	for (long i = 0; i < res->n_rows; i++) {
		const struct row *w = &res->rows[i];
		double v[] = {w->loss, w->epoch, w->lr, w->ce, w->l2, w->error, w->validation_error};
		fprintf(af.f, "%ld", w->step);
		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
			fputc(',', af.f);
			output_put_num(af.f, v[k]);
		}
		fputc('\n', af.f);
	}
	return afile_commit(&af);
}

static double final_loss(const struct result *res)
{
	return res->n_rows ? res->rows[res->n_rows - 1].loss : NAN;
}

static double min_loss(const struct result *res)
{
	double m = INFINITY;
	for (long i = 0; i < res->n_rows; i++)
		if (res->rows[i].loss < m)
			m = res->rows[i].loss;
	return res->n_rows ? m : NAN;
}

/* summary.csv with the columns of output.h's SUMMARY_HEADER: depth is the
 * number of factors per dense layer, widths the conv channels and hidden
 * width, weight_decay the L2 weight. */
static int write_summary(const char *path, const struct convnet_experiment *ex,
			 const struct result *res, char *const *csv, const long *steps)
{
	struct afile af;
	int rc = afile_open(&af, path);
	if (rc)
		return rc;
	fputs(SUMMARY_HEADER "\n", af.f);
	for (int i = 0; i < ex->n_runs; i++) {
		const struct convnet_run_spec *r = &ex->runs[i];
		const struct result *s = &res[i];
		char widths[64];
		snprintf(widths, sizeof(widths), "%d;%d;%d", r->net.shape.C1, r->net.shape.C2,
			 r->net.shape.D);
		fprintf(af.f, "%d,", i + 1);
		output_put_field(af.f, r->label);
		fputc(',', af.f);
		output_put_field(af.f, r->label);
		fprintf(af.f, ",,convnet,%d,%s,momentum,", r->net.overparam ? 2 : 1, widths);
		output_put_num(af.f, r->lr);
		fputc(',', af.f);
		output_put_num(af.f, r->net.l2);
		fputs(",truncated_normal,", af.f);
		output_put_num(af.f, r->net.init_std);
		fprintf(af.f, ",%llu,%ld,%s,%ld,%ld,-1,", (unsigned long long)r->net.seed, steps[i],
			s->status, s->n_rows ? s->rows[s->n_rows - 1].step : -1, s->diverged_at);
		output_put_num(af.f, s->n_rows ? s->rows[0].loss : NAN);
		fputc(',', af.f);
		output_put_num(af.f, final_loss(s));
		fputc(',', af.f);
		output_put_num(af.f, min_loss(s));
		fprintf(af.f, ",%d,%s,,1\n", strcmp(s->status, "ok") == 0, csv[i]);
	}
	return afile_commit(&af);
}

static const char *const mnist_files[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
					  "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

static cJSON *data_json(const struct convnet_experiment *ex, int n_train, int n_test)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "source", "mnist");
	cJSON_AddStringToObject(d, "dir", ex->data_path);
	cJSON *files = cJSON_AddObjectToObject(d, "sha256");
	for (int i = 0; i < 4; i++) {
		char name[64], hex[65];
		for (int gz = 0; gz < 2; gz++) {
			snprintf(name, sizeof(name), "%s%s", mnist_files[i], gz ? ".gz" : "");
			char *p = path_join(ex->data_path, name);
			int ok = p && access(p, R_OK) == 0 && sha256_file(p, hex) == 0;
			free(p);
			if (ok) {
				cJSON_AddStringToObject(files, name, hex);
				break;
			}
		}
	}
	err_clear();
	cJSON_AddNumberToObject(d, "validation", ex->n_validation);
	cJSON_AddNumberToObject(d, "train", n_train);
	cJSON_AddNumberToObject(d, "test", n_test);
	cJSON_AddStringToObject(d, "split",
				"validation = training images 0..validation-1, training = the next 'train', test = the first 'test' of t10k (the tutorial: 5,000 / 55,000 / 10,000)");
	cJSON_AddStringToObject(d, "pixels", "(p - 127.5) / 255");
	return d;
}

static int write_metadata(const char *path, const struct convnet_experiment *ex,
			  const struct result *res, char *const *csv, const long *steps,
			  int n_train, int n_test, int threads, const char *status)
{
	cJSON *root = cJSON_CreateObject();
	if (!root)
		return err_set(ERR_RUNTIME, "out of memory");
	char stamp[64];
	time_t t = time(NULL);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	cJSON_AddStringToObject(root, "overparam_version", OVERPARAM_VERSION);
	cJSON_AddStringToObject(root, "finished_utc", stamp);
	cJSON_AddStringToObject(root, "status", status);
	cJSON_AddStringToObject(root, "model", "convnet");
	cJSON_AddStringToObject(root, "config_file", ex->config_path);
	cJSON_AddStringToObject(root, "config_copy", "config.json");
	cJSON_AddStringToObject(root, "weights",
				"weights/<run>/{init,final}/{conv1_w,conv1_b,conv2_w,conv2_b,dense1_a,dense1_b,bias1,dense2_a,dense2_b,bias2}.npy (float64; dense*_b only when overparameterized)");
	cJSON_AddStringToObject(root, "name", ex->name);
	cJSON_AddStringToObject(root, "description", ex->description);
	cJSON_AddNumberToObject(root, "seed", (double)ex->seed);
	cJSON_AddItemToObject(root, "data", data_json(ex, n_train, n_test));
	cJSON *pl = cJSON_AddObjectToObject(root, "plot");
	cJSON_AddStringToObject(pl, "title", ex->plot_title);
	cJSON_AddBoolToObject(pl, "logx", 0);
	cJSON_AddStringToObject(pl, "format", ex->plot_format);
	cJSON_AddItemToObject(root, "claims", output_claims_json(ex->claims, ex->n_claims));
	cJSON *ch = cJSON_AddObjectToObject(root, "choices");
	cJSON_AddStringToObject(ch, "network",
				"the TensorFlow MNIST tutorial (convolutional.py): conv5x5x32 SAME, ReLU, maxpool 2, conv5x5x64, ReLU, maxpool 2, dense 512, ReLU, dropout, dense 10");
	cJSON_AddStringToObject(ch, "batch_loss",
				"mean softmax cross-entropy of the step's batch + l2 * (sum of squares / 2 of the dense weights, or of their products, and the dense biases), before the step");
	cJSON_AddStringToObject(ch, "random",
				"our xoshiro256** streams, not TensorFlow's: init from seed (truncated normal, |z| > 2 redrawn), dropout from seed + 1, one uniform per unit per step");
	cJSON_AddStringToObject(ch, "batches", "in order, no shuffling: offset (step * batch) mod (train - batch)");
	cJSON_AddStringToObject(ch, "validation_error",
				"after the step of its row, at steps 0, eval_every, 2 eval_every, ... (as the tutorial) and the last");
	cJSON_AddStringToObject(ch, "maxpool_gradient", "to the first maximum of the window");
	cJSON *runs = cJSON_AddArrayToObject(root, "runs");
	for (int i = 0; i < ex->n_runs; i++) {
		const struct result *s = &res[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "label", ex->runs[i].label);
		cJSON_AddStringToObject(o, "csv", csv[i]);
		cJSON_AddItemToObject(o, "spec", convnet_run_spec_json(&ex->runs[i]));
		cJSON_AddNumberToObject(o, "steps", (double)steps[i]);
		cJSON_AddNumberToObject(o, "parameters", (double)s->n_params);
		cJSON *r = cJSON_AddObjectToObject(o, "result");
		cJSON_AddStringToObject(r, "status", s->status);
		cJSON_AddNumberToObject(r, "steps_done", (double)s->n_rows);
		cJSON_AddNumberToObject(r, "diverged_at", (double)s->diverged_at);
		cJSON_AddNumberToObject(r, "initial_loss", s->n_rows ? s->rows[0].loss : NAN);
		cJSON_AddNumberToObject(r, "final_loss", final_loss(s));
		if (isfinite(s->test_error))
			cJSON_AddNumberToObject(r, "test_error", s->test_error);
		cJSON_AddNumberToObject(r, "seconds", s->seconds);
		cJSON_AddNumberToObject(r, "ms_per_step",
					s->n_rows ? 1e3 * s->seconds / (double)s->n_rows : 0);
		cJSON_AddItemToArray(runs, o);
	}
	struct lib_versions v;
	lib_versions_get(&v);
	cJSON *lib = cJSON_AddObjectToObject(root, "libraries");
	cJSON_AddStringToObject(lib, "openblas", v.openblas);
	cJSON_AddStringToObject(lib, "cjson", v.cjson);
	cJSON_AddNumberToObject(root, "threads", threads);
	cJSON_AddStringToObject(root, "threads_note",
				"BLAS threads; the same config, seed and machine give the same bytes for any thread count");
	cJSON_AddBoolToObject(root, "blas_independent", 0);
	cJSON_AddStringToObject(root, "kernels_note",
				"convolutions and dense layers are BLAS GEMMs: another OpenBLAS kernel (CPU or OPENBLAS_CORETYPE) changes the last bits, and over thousands of steps the curves drift apart at the noise level");
	return output_json(path, root);
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

/* --resume: outdir holds a run of the same config text. *complete: it
 * finished. *meta: its metadata.json, parsed (delete it after). */
static int check_resume(const struct run_options *o, const char *outdir, const char *config_text,
			int *complete, cJSON **meta)
{
	*meta = NULL;
	char *copy = path_join(outdir, "config.json"), *mpath = path_join(outdir, "metadata.json");
	char *old = copy && access(copy, F_OK) == 0 ? file_read_all(copy, NULL) : NULL;
	char *mtext = old && mpath ? file_read_all(mpath, NULL) : NULL;
	int rc = ERR_OK;
	if (!old)
		rc = err_set(ERR_INPUT, "cannot resume '%s': no config.json from an earlier run", outdir);
	else if (strcmp(old, config_text) != 0)
		rc = err_set(ERR_INPUT, "cannot resume '%s': '%s' differs from the config it was started with",
			     outdir, o->config);
	else if (!mtext || !(*meta = cJSON_Parse(mtext)))
		rc = err_set(ERR_INPUT, "cannot resume '%s': no readable metadata.json", outdir);
	if (!rc) {
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(*meta, "status");
		*complete = cJSON_IsString(st) && strcmp(st->valuestring, "complete") == 0;
	}
	free(copy);
	free(mpath);
	free(old);
	free(mtext);
	return rc;
}

/* Run i of a directory being resumed, if it had finished (ok or
 * diverged): its rows from its CSV and its results from metadata.json.
 * *done = 0 when it had not. */
static int load_finished(const char *dir, const cJSON *meta, int i, const char *csv,
			 struct result *res, int *done)
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
		rc = res->rows ? load_rows(path, res->n_rows, res->rows) : err_set(ERR_RUNTIME, "out of memory");
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

int convnet_cmd_run(const struct run_options *o, const char *config_text)
{
	struct convnet_experiment ex;
	int rc = convnet_config_parse(&ex, config_text, o->config);
	if (rc)
		return rc;
	struct mnist m = {0};
	cJSON *meta = NULL; /* --resume: the directory's metadata.json */
	struct split train = {0}, valid = {0}, test = {0};
	struct result *res = calloc((size_t)ex.n_runs, sizeof(*res));
	char **csv = calloc((size_t)ex.n_runs, sizeof(char *));
	long *steps = calloc((size_t)ex.n_runs, sizeof(long));
	char default_dir[512], *tmp = NULL, *path = NULL;
	const char *outdir = o->outdir;
	if (!outdir) {
		snprintf(default_dir, sizeof(default_dir), "results/%s", ex.name);
		outdir = default_dir;
	}
	int interrupted = 0, max_batch = 1;
	if (!res || !csv || !steps) {
		rc = err_set(ERR_RUNTIME, "out of memory");
		goto out;
	}
	for (int i = 0; i < ex.n_runs; i++)
		max_batch = ex.runs[i].batch > max_batch ? ex.runs[i].batch : max_batch;
	if ((rc = refuse_options(o)))
		goto out;
	if (o->resume && o->force) {
		rc = err_set(ERR_INPUT, "--resume and --force exclude each other");
		goto out;
	}
	if (o->resume) {
		int complete = 0;
		if ((rc = check_resume(o, outdir, config_text, &complete, &meta)))
			goto out;
		if (complete) {
			if (!o->quiet)
				fprintf(stderr, "overparam: '%s' is complete: nothing to resume\n", outdir);
			goto out;
		}
	} else if (path_dir_nonempty(outdir)) {
		/* --force replaces a run directory, never another one. */
		char *copy = path_join(outdir, "config.json");
		int is_run = copy && access(copy, F_OK) == 0;
		free(copy);
		if (!o->force)
			rc = err_set(ERR_INPUT,
				     "output directory '%s' exists and is not empty (use --force to replace it, or -o DIR)",
				     outdir);
		else if (!is_run)
			rc = err_set(ERR_INPUT,
				     "--force: '%s' is not empty and holds no run (no config.json): not replacing it",
				     outdir);
		if (rc)
			goto out;
	}
	if ((rc = load_splits(&ex, &m, &train, &valid, &test, max_batch)))
		goto out;
	int threads = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	threads = threads < 1 ? 1 : threads;
	for (int i = 0; i < ex.n_runs; i++)
		ex.runs[i].net.threads = threads;
	size_t len = strlen(outdir) + 32;
	if (!(tmp = malloc(len))) {
		rc = err_set(ERR_RUNTIME, "out of memory");
		goto out;
	}
	snprintf(tmp, len, "%s.run.%ld", outdir, (long)getpid());
	if (o->resume) { /* work on a copy: the directory stays as it was until done */
		if ((rc = tree_copy(outdir, tmp)))
			goto out;
	} else {
		path = path_join(tmp, "runs");
		if (!path || (rc = path_mkdirs(path)))
			goto out;
		free(path);
		if (!(path = path_join(tmp, "config.json")) ||
		    (rc = afile_write_text(path, config_text)))
			goto out;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!o->quiet)
		fprintf(stderr, "overparam: MNIST from '%s': %d training, %d validation, %d test images\n",
			ex.data_path, train.n, valid.n, test.n);
	for (int i = 0; i < ex.n_runs && !rc; i++) {
		steps[i] = convnet_run_steps(&ex.runs[i], train.n, o->iterations);
		if (!(csv[i] = output_run_filename(i, ex.runs[i].label))) {
			rc = err_set(ERR_RUNTIME, "out of memory");
			break;
		}
		int done = 0;
		if (o->resume && (rc = load_finished(tmp, meta, i, csv[i], &res[i], &done)))
			break;
		if (done)
			continue; /* its CSV is in the copy as it was */
		if (stop_requested) {
			res[i].status = "interrupted";
			res[i].diverged_at = -1;
		} else {
			char *wdir = weights_run_dir(tmp, csv[i]);
			char *cpath = path_join(tmp, csv[i]);
			rc = wdir && cpath ? train_one(&ex.runs[i], &train, &valid, &test, steps[i],
						       ex.runs[i].label, wdir, cpath, o->resume,
						       o->quiet, &res[i])
					   : err_set(ERR_RUNTIME, "out of memory");
			free(wdir);
			free(cpath);
			if (rc)
				break;
		}
		interrupted |= strcmp(res[i].status, "interrupted") == 0;
		free(path);
		if (!(path = path_join(tmp, csv[i])))
			rc = err_set(ERR_RUNTIME, "out of memory");
		else
			rc = write_run_csv(path, &res[i]);
	}
	if (rc)
		goto out;
	free(path);
	path = path_join(tmp, "summary.csv");
	if (!path || (rc = write_summary(path, &ex, res, csv, steps)))
		goto out;
	free(path);
	path = path_join(tmp, "metadata.json");
	if (!path || (rc = write_metadata(path, &ex, res, csv, steps, train.n, test.n, threads,
					  interrupted ? "interrupted" : "complete")))
		goto out;
	if (path_is_dir(outdir))
		tree_remove(outdir); /* empty, a run directory under --force, or resumed */
	if (rename(tmp, outdir) != 0) {
		rc = err_set(ERR_RUNTIME, "cannot rename '%s' to '%s'", tmp, outdir);
		goto out;
	}
	free(tmp);
	tmp = NULL;
	if (interrupted) {
		rc = err_set(ERR_RUNTIME, "interrupted: the steps done are in '%s'", outdir);
		goto out;
	}
	if (!o->no_plot && !(rc = plot_dir(outdir)) && !o->quiet)
		fprintf(stderr, "overparam: wrote '%s/loss.%s'\n", outdir, ex.plot_format);
	for (int i = 0; !rc && !o->quiet && i < ex.n_runs; i++)
		fprintf(stderr, "overparam: %s: final batch loss %.4f, test error %.2f%%, %.1f s\n",
			ex.runs[i].label, final_loss(&res[i]), 100 * res[i].test_error, res[i].seconds);
out:
	if (tmp) {
		tree_remove(tmp);
		free(tmp);
	}
	free(path);
	for (int i = 0; res && i < ex.n_runs; i++)
		free(res[i].rows);
	for (int i = 0; csv && i < ex.n_runs; i++)
		free(csv[i]);
	free(res);
	free(csv);
	free(steps);
	mnist_release(&m);
	cJSON_Delete(meta);
	convnet_experiment_release(&ex);
	return rc;
}
