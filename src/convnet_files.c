/* convnet_files: a convnet run directory's files (see convnet_files.h). */
#include "overparam/convnet_files.h"
#include "overparam/clock.h"
#include "overparam/jsonget.h"
#include "overparam/manifest.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/npy.h"
#include "overparam/output.h"
#include "overparam/sha256.h"
#include "overparam/table.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* wdir/tag/<tensor>.npy for every tensor of net, as float64. */
int convnet_save_weights(const char *wdir, const char *tag, const struct convnet *net)
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
int convnet_save_checkpoint(const char *wdir, const struct convnet *net, long t, double seconds)
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
int convnet_load_checkpoint(const char *wdir, struct convnet *net, long *t, double *seconds)
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
int convnet_load_rows(const char *csv_path, long n, struct convnet_row *rows)
{
	struct table t;
	int rc = table_load(&t, csv_path);
	if (!rc && (t.n_cols != 8 || t.n_rows < n))
		rc = err_set(ERR_INPUT, "%s: expected 8 columns and %ld rows to resume from", csv_path, n);
	for (long i = 0; !rc && i < n; i++) {
		const double *v = t.v + (size_t)i * 8;
		rows[i] = (struct convnet_row){(long)v[0], v[2], v[3], v[1], v[4], v[5], v[6], v[7]};
	}
	table_release(&t);
	return rc;
}

int convnet_write_run_csv(const char *path, const struct convnet_result *res)
{
	struct afile af;
	int rc = afile_open(&af, path);
	if (rc)
		return rc;
	fputs("iteration,loss,epoch,lr,batch_ce,l2_term,batch_error,validation_error\n", af.f);
	for (long i = 0; i < res->n_rows; i++) {
		const struct convnet_row *w = &res->rows[i];
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

double convnet_final_loss(const struct convnet_result *res)
{
	return res->n_rows ? res->rows[res->n_rows - 1].loss : NAN;
}

double convnet_min_loss(const struct convnet_result *res)
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
int convnet_write_summary(const char *path, const struct convnet_experiment *ex,
			 const struct convnet_result *res, char *const *csv, const long *steps)
{
	struct afile af;
	int rc = afile_open(&af, path);
	if (rc)
		return rc;
	fputs(SUMMARY_HEADER "\n", af.f);
	for (int i = 0; i < ex->n_runs; i++) {
		const struct convnet_run_spec *r = &ex->runs[i];
		const struct convnet_result *s = &res[i];
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
		output_put_num(af.f, convnet_final_loss(s));
		fputc(',', af.f);
		output_put_num(af.f, convnet_min_loss(s));
		fprintf(af.f, ",%d,%s,,1\n", strcmp(s->status, "ok") == 0, csv[i]);
	}
	return afile_commit(&af);
}

static const char *const mnist_files[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
					  "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

int convnet_check_data(const cJSON *meta, const char *data_path, const char *outdir)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(meta, "data");
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(d, "sha256");
	if (!cJSON_IsObject(files) || !files->child)
		return err_set(ERR_INPUT, "cannot resume '%s': its metadata.json records no data digests",
			       outdir);
	for (int i = 0; i < 4; i++) {
		const char *found = NULL;
		char name[64], hex[65];
		for (int gz = 0; gz < 2 && !found; gz++) {
			snprintf(name, sizeof(name), "%s%s", mnist_files[i], gz ? ".gz" : "");
			char *p = path_join(data_path, name);
			if (p && access(p, R_OK) == 0) {
				int rc = sha256_file(p, hex);
				free(p);
				if (rc)
					return rc;
				found = name;
			} else {
				free(p);
			}
		}
		const cJSON *rec = found ? cJSON_GetObjectItemCaseSensitive(files, found) : NULL;
		if (found && (!cJSON_IsString(rec) || strcmp(rec->valuestring, hex) != 0))
			return err_set(ERR_INPUT, "cannot resume '%s': data file '%s/%s' %s since it was started",
				       outdir, data_path, found, rec ? "changed" : "is not the one read");
	}
	return ERR_OK;
}

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

int convnet_write_metadata(const char *path, const struct convnet_experiment *ex,
			  const struct convnet_result *res, char *const *csv, const long *steps,
			  const struct convnet_facts *facts)
{
	cJSON *root = cJSON_CreateObject();
	if (!root)
		return err_set(ERR_RUNTIME, "out of memory");
	char stamp[64];
	clock_utc_now(stamp, sizeof(stamp));
	cJSON_AddStringToObject(root, "overparam_version", OVERPARAM_VERSION);
	cJSON_AddStringToObject(root, "finished_utc", stamp);
	cJSON_AddStringToObject(root, "started_utc", clock_started_utc());
	cJSON_AddStringToObject(root, "status", facts->status);
	cJSON_AddStringToObject(root, "model", "convnet");
	if (facts->iterations_override)
		cJSON_AddNumberToObject(root, "iterations_override", (double)facts->iterations_override);
	cJSON_AddStringToObject(root, "config_file", ex->config_path);
	cJSON_AddStringToObject(root, "config_dir", ex->config_dir);
	cJSON_AddStringToObject(root, "config_copy", "config.json");
	cJSON_AddStringToObject(root, "manifest", MANIFEST_NAME);
	cJSON_AddStringToObject(root, "weights",
				"weights/<run>/{init,final}/{conv1_w,conv1_b,conv2_w,conv2_b,dense1_a,dense1_b,bias1,dense2_a,dense2_b,bias2}.npy (float64; dense*_b only when overparameterized)");
	cJSON_AddStringToObject(root, "name", ex->name);
	cJSON_AddStringToObject(root, "description", ex->description);
	cJSON_AddItemToObject(root, "seed", json_seed_item(ex->seed));
	cJSON_AddItemToObject(root, "data", data_json(ex, facts->n_train, facts->n_test));
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
		const struct convnet_result *s = &res[i];
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
		cJSON_AddNumberToObject(r, "final_loss", convnet_final_loss(s));
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
	cJSON_AddNumberToObject(root, "threads", facts->threads);
	cJSON_AddStringToObject(root, "threads_note",
				"BLAS threads; the same config, seed and machine give the same bytes for any thread count");
	cJSON_AddBoolToObject(root, "blas_independent", 0);
	cJSON_AddStringToObject(root, "kernels_note",
				"convolutions and dense layers are BLAS GEMMs: another OpenBLAS kernel (CPU or OPENBLAS_CORETYPE) changes the last bits, and over thousands of steps the curves drift apart at the noise level");
	return output_json(path, root);
}

