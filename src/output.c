/* output: run CSVs, the summary and the metadata (see output.h). */
#include "overparam/output.h"
#include "overparam/clock.h"
#include "overparam/error.h"
#include "overparam/kernels.h"
#include "overparam/manifest.h"
#include "overparam/fileio.h"
#include "overparam/config_keys.h"
#include "overparam/jsonget.h"
#include "overparam/keytable.h"
#include "overparam/sha256.h"
#include "overparam/sweep.h"

#include <cblas.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *output_run_filename(int i, const char *label)
{
	char slug[64];
	int n = 0, dash = 0;
	for (const char *p = label; *p && n < (int)sizeof(slug) - 1; p++) {
		if (isalnum((unsigned char)*p)) {
			slug[n++] = (char)tolower((unsigned char)*p);
			dash = 0;
		} else if (!dash && n > 0) {
			slug[n++] = '-';
			dash = 1;
		}
	}
	while (n > 0 && slug[n - 1] == '-')
		n--;
	slug[n] = '\0';
	char *name = malloc(sizeof(slug) + 32);
	if (name)
		snprintf(name, sizeof(slug) + 32, "runs/%02d-%s.csv", i + 1, slug);
	return name;
}

/* Prints x so that strtod gives it back exactly ("nan", "inf" as such). */
void output_put_num(FILE *f, double x)
{
	if (isnan(x))
		fputs("nan", f);
	else if (isinf(x))
		fputs(x > 0 ? "inf" : "-inf", f);
	else {
		/* The shortest of 15..17 digits that reads back exactly. */
		char buf[32];
		for (int digits = 15; digits <= 17; digits++) {
			snprintf(buf, sizeof(buf), "%.*g", digits, x);
			if (strtod(buf, NULL) == x)
				break;
		}
		fputs(buf, f);
	}
}

int output_run_csv(const char *path, const struct run_result *res)
{
	struct afile af = {0};
	int rc = afile_open(&af, path);
	if (rc)
		return rc;
	fputs("iteration,loss,we_norm,imbalance", af.f);
	for (int j = 0; j < res->n_extra; j++)
		fprintf(af.f, ",%s", res->extra_names[j]);
	fputc('\n', af.f);
	for (int i = 0; i < res->n_rec; i++) {
		const struct train_record *r = &res->rec[i];
		fprintf(af.f, "%ld,", r->iter);
		output_put_num(af.f, r->loss);
		fputc(',', af.f);
		output_put_num(af.f, r->we_norm);
		fputc(',', af.f);
		output_put_num(af.f, r->imbalance);
		for (int j = 0; j < res->n_extra; j++) {
			fputc(',', af.f);
			output_put_num(af.f, res->extra[(size_t)i * res->n_extra + j]);
		}
		fputc('\n', af.f);
	}
	return afile_commit(&af);
}

/* Writes s as a CSV field, quoted when it holds a comma or a quote. */
void output_put_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void widths_string(const struct run_spec *r, char *buf, size_t n)
{
	buf[0] = '\0';
	for (int j = 0; j < r->depth - 1; j++) {
		size_t len = strlen(buf);
		snprintf(buf + len, n - len, "%s%d", j ? "x" : "", r->hidden[j]);
	}
}

int output_summary(const char *path, const struct experiment *ex,
		   const struct run_subset *sub, const struct run_result *res,
		   const int *selected, char *const *csv_names)
{
	struct afile af = {0};
	int rc = afile_open(&af, path);
	if (rc)
		return rc;
	FILE *f = af.f;
	fputs(SUMMARY_HEADER "\n", f);
	for (int row = 0; row < sub->n; row++) {
		int i = sub->rows[row];
		const struct run_spec *r = &ex->runs[i];
		const struct run_result *s = &res[i];
		char widths[256];
		widths_string(r, widths, sizeof(widths));
		fprintf(f, "%d,", i + 1);
		output_put_field(f, r->label);
		fputc(',', f);
		output_put_field(f, r->group);
		fputc(',', f);
		char text[512];
		grid_point_format(&r->grid, text, sizeof(text));
		output_put_field(f, text);
		fprintf(f, ",%s,%d,%s,%s,", name_map_name(&model_kind_names, r->model),
			r->depth, widths, optim_kind_name(r->optim.kind));
		output_put_num(f, r->optim.lr);
		fputc(',', f);
		output_put_num(f, r->optim.weight_decay);
		/* with init.scale the scheme's column names it (std is then unused) */
		fprintf(f, ",%s", name_map_name(&linnet_init_names, r->init));
		if (r->init_scale > 0) {
			fputs(" scale=", f);
			output_put_num(f, r->init_scale);
		}
		fputc(',', f);
		output_put_num(f, r->init_std);
		fprintf(f, ",%llu,%ld,%s,%ld,%ld,%ld,", r->seed, r->iterations,
			run_status_name(s->status), s->last_iter, s->diverged_at,
			s->reached_at);
		output_put_num(f, s->initial_loss);
		fputc(',', f);
		output_put_num(f, s->final_loss);
		fputc(',', f);
		output_put_num(f, s->min_loss);
		enum grid_side side[GRID_MAX_AXES];
		char edge[512];
		sweep_edge(ex, selected, i, side);
		grid_edge_format(&r->grid, side, edge, sizeof(edge));
		fprintf(f, ",%d,%s,%s,%d\n", selected[i], csv_names[i], edge, r->replicate + 1);
	}
	return afile_commit(&af);
}

static cJSON *num_array(const double *x, int n)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; i < n && x; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(x[i]));
	return a;
}

static cJSON *data_json(const struct experiment *ex, const struct run_context *rc,
			const struct dataset *ds, const struct preprocess_info *pre)
{
	const struct data_spec *d = &ex->data;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "source", name_map_name(&data_source_names, d->source));
	if (d->path)
		cJSON_AddStringToObject(o, "path", d->path);
	if (d->source == DATA_GAS_DRIFT) {
		cJSON_AddStringToObject(o, "target", d->gas_class ? "concentration" : "gas (one-hot, 6 classes)");
		cJSON_AddStringToObject(o, "gas", d->gas_class ? gas_drift_name(d->gas_class) : "all");
		cJSON_AddNumberToObject(o, "gas_class", d->gas_class);
		cJSON_AddStringToObject(o, "batches_requested",
					d->batches_all ? "all present" : "listed");
	}
	if (d->source == DATA_SYNTHETIC) {
		cJSON_AddNumberToObject(o, "noise", d->noise);
		cJSON_AddItemToObject(o, "seed", json_seed_item(d->seed));
	}
	if (d->source == DATA_WHITENED) {
		cJSON_AddItemToObject(o, "modes", cJSON_CreateDoubleArray(d->modes, d->n_modes));
		cJSON_AddItemToObject(o, "seed", json_seed_item(d->seed));
		cJSON_AddStringToObject(o, "construction",
					"X = sqrt(m) Q, Q's columns orthonormal ((1/m) X^T X = I); y = U diag(modes) V^T x, U, V orthonormal from seed; no noise");
	}
	if (ds->matrix) {
		const struct dataset_matrix *mp = ds->matrix;
		cJSON_AddNumberToObject(o, "rows", mp->rows);
		cJSON_AddNumberToObject(o, "cols", mp->cols);
		cJSON_AddNumberToObject(o, "rank", mp->rank);
		cJSON_AddNumberToObject(o, "observations", mp->m);
		if (mp->m_test)
			cJSON_AddNumberToObject(o, "held_out_entries", mp->m_test);
		if (mp->truth || ds->n_files)
			cJSON_AddItemToObject(o, "seed", json_seed_item(d->seed));
		if (ds->n_files)
			cJSON_AddStringToObject(o, "construction", "the file's (row, column, value) lines, split by the seed into observed entries and held-out ones (data.held_out of them); test_error is the mean squared error over the held-out entries (src/matrix.c)");
		else if (!mp->truth)
			cJSON_AddStringToObject(o, "construction", "the config's entries (data.entries); no ground truth, so no test error");
		else
			cJSON_AddStringToObject(o, "construction",
					mp->task == MATRIX_COMPLETION
						? "W* = U V^T / sqrt(rank) rescaled to |W*|_F = n, U, V N(0, 1) from seed; entries drawn uniformly without replacement (src/matrix.c)"
						: "W* = U V^T / sqrt(rank) rescaled to |W*|_F = n, U, V N(0, 1) from seed; y_i = <A_i, W*>, A_i entries N(0, 1) / n (src/matrix.c)");
		cJSON_AddStringToObject(o, "sha256", mp->digest);
	}
	cJSON *files = cJSON_AddArrayToObject(o, "files");
	for (int i = 0; i < ds->n_files; i++) {
		cJSON *fo = cJSON_CreateObject();
		cJSON_AddStringToObject(fo, "path", ds->files[i].path);
		cJSON_AddBoolToObject(fo, "present", ds->files[i].present);
		cJSON_AddNumberToObject(fo, "rows_read", ds->files[i].rows_read);
		cJSON_AddNumberToObject(fo, "rows_used", ds->files[i].rows_used);
		char hex[65];
		if (ds->files[i].present && sha256_file(ds->files[i].path, hex) == ERR_OK)
			cJSON_AddStringToObject(fo, "sha256", hex);
		cJSON_AddItemToArray(files, fo);
	}
	cJSON_AddNumberToObject(o, "m", ds->m);
	cJSON_AddNumberToObject(o, "d", ds->d);
	cJSON_AddNumberToObject(o, "k", ds->k);
	if (rc->baseline && rc->baseline->failure[0]) {
		cJSON *nb = cJSON_AddObjectToObject(o, "nuclear_baseline");
		cJSON_AddStringToObject(nb, "skipped", rc->baseline->failure);
	} else if (rc->baseline) {
		const struct nucnorm_result *b = rc->baseline;
		cJSON *nb = cJSON_AddObjectToObject(o, "nuclear_baseline");
		cJSON_AddNumberToObject(nb, "nuclear", b->nuclear);
		cJSON_AddNumberToObject(nb, "test_error", b->test_error);
		cJSON_AddNumberToObject(nb, "eff_rank", b->eff_rank);
		cJSON_AddNumberToObject(nb, "max_violation", b->violation);
		cJSON_AddNumberToObject(nb, "admm_steps", b->iterations);
		cJSON_AddBoolToObject(nb, "converged", b->converged);
		cJSON_AddNumberToObject(nb, "tolerance", NUCNORM_TOL);
		cJSON_AddStringToObject(nb, "note",
					"min |X|_* subject to the observations, by ADMM (src/nucnorm.c) to relative residuals below the tolerance; max_violation is its largest misfit of an observation (the authors' cvxpy/SCS: 1e-3); LAPACK SVDs, so the last bits may depend on the BLAS kernel");
	}
	if (rc->loss_floor && rc->loss_floor->skipped) {
		cJSON *lf = cJSON_AddObjectToObject(o, "loss_floor");
		char why[96];
		snprintf(why, sizeof(why), "m d^2 above %g: a Newton step would take seconds",
			 LP_FLOOR_MAX_WORK);
		cJSON_AddStringToObject(lf, "skipped", why);
	} else if (rc->loss_floor) {
		const struct lp_floor *f = rc->loss_floor;
		cJSON *lf = cJSON_AddObjectToObject(o, "loss_floor");
		cJSON_AddNumberToObject(lf, "value", f->loss);
		cJSON_AddNumberToObject(lf, "at_zero", f->at_zero);
		cJSON_AddNumberToObject(lf, "newton_steps", f->newton_steps);
		cJSON_AddBoolToObject(lf, "converged", f->converged);
		cJSON_AddStringToObject(lf, "note",
					"min over one matrix W of the l_p loss on these (preprocessed) data: "
					"no depth, width or optimizer goes below it; Newton's method with "
					"BLAS/LAPACK, so the last bits may depend on the BLAS kernel");
	}
	cJSON *p = cJSON_AddObjectToObject(o, "preprocess");
	cJSON_AddStringToObject(p, "mode", preprocess_mode_name(pre->mode));
	cJSON_AddStringToObject(p, "std_convention", "population (divide by m)");
	cJSON_AddItemToObject(p, "feature_mean", num_array(pre->x_mean, pre->d));
	cJSON_AddItemToObject(p, "feature_std", num_array(pre->x_std, pre->d));
	cJSON_AddItemToObject(p, "label_mean", num_array(pre->y_mean, pre->k));
	cJSON_AddItemToObject(p, "label_std", num_array(pre->y_std, pre->k));
	cJSON_AddNumberToObject(p, "label_scale_whiten", pre->y_scale);
	cJSON_AddNumberToObject(p, "constant_features", pre->n_constant);
	cJSON_AddNumberToObject(p, "whiten_dropped_directions", pre->n_dropped);
	return o;
}

static cJSON *run_json(const struct run_spec *r, const struct run_result *s,
		       int selected, const char *csv)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "label", r->label);
	cJSON_AddStringToObject(o, "group", r->group);
	char text[512];
	grid_point_format(&r->grid, text, sizeof(text));
	cJSON_AddStringToObject(o, "grid_point", text);
	cJSON_AddNumberToObject(o, "replicate", r->replicate + 1);
	cJSON *m = cJSON_AddObjectToObject(o, "model");
	cJSON_AddStringToObject(m, "type", name_map_name(&model_kind_names, r->model));
	cJSON_AddNumberToObject(m, "depth", r->depth);
	cJSON *w = cJSON_AddArrayToObject(m, "widths");
	for (int j = 0; j < r->depth - 1; j++)
		cJSON_AddItemToArray(w, cJSON_CreateNumber(r->hidden[j]));
	if (r->model == MODEL_E2E)
		cJSON_AddStringToObject(m, "start",
					"end-to-end matrix of the deep network with these widths, init and seed");
	keys_to_json(cJSON_AddObjectToObject(o, "init"), &config_init_keys, -1, r);
	keys_to_json(cJSON_AddObjectToObject(o, "optimizer"), &config_optimizer_keys,
		     r->optim.kind, &r->optim);
	keys_to_json(cJSON_AddObjectToObject(o, "train"), &config_train_keys, -1, r);
	keys_to_json(cJSON_AddObjectToObject(o, "diagnostics"), &config_diagnostics_keys, -1, r);
	cJSON *res = cJSON_AddObjectToObject(o, "result");
	cJSON_AddStringToObject(res, "status", run_status_name(s->status));
	if (s->failure)
		cJSON_AddStringToObject(res, "failure", s->failure);
	cJSON_AddNumberToObject(res, "last_iter", (double)s->last_iter);
	cJSON_AddNumberToObject(res, "diverged_at", (double)s->diverged_at);
	cJSON_AddNumberToObject(res, "reached_at", (double)s->reached_at);
	/* cJSON prints non-finite numbers as null. */
	cJSON_AddNumberToObject(res, "initial_loss", s->initial_loss);
	cJSON_AddNumberToObject(res, "final_loss", s->final_loss);
	cJSON_AddNumberToObject(res, "min_loss", s->min_loss);
	cJSON_AddNumberToObject(res, "seconds", s->seconds);
	cJSON_AddBoolToObject(res, "selected", selected);
	cJSON_AddStringToObject(o, "csv", csv);
	return o;
}

void lib_versions_get(struct lib_versions *v)
{
	v->openblas = openblas_get_config();
	lapack_int maj, min, pat;
	LAPACKE_ilaver(&maj, &min, &pat);
	snprintf(v->lapack, sizeof(v->lapack), "%d.%d.%d", (int)maj, (int)min, (int)pat);
	v->cjson = cJSON_Version();
}

int output_blas_independent(const struct dataset *ds, const struct experiment *ex)
{
	return ds->k == 1 && ex->data.preprocess != PREPROCESS_WHITEN;
}

/* metadata.json's "loss" and "select": what is minimized and how each
 * group's winner is chosen (and the grid rounds that ran). */
static void add_loss_select(cJSON *root, const struct experiment *ex,
			    const struct run_context *rc)
{
	cJSON *l = cJSON_AddObjectToObject(root, "loss");
	if (ex->loss.kind == LOSS_SOFTMAX_CE) {
		cJSON_AddStringToObject(l, "type", name_map_name(&loss_kind_names, LOSS_SOFTMAX_CE));
		cJSON_AddStringToObject(l, "definition",
					"L(W) = (1/m) sum_i [logsumexp(W x_i) - <y_i, W x_i>]");
	} else {
		cJSON_AddStringToObject(l, "type", name_map_name(&loss_kind_names, LOSS_LP));
		cJSON_AddNumberToObject(l, "p", ex->loss.p);
		cJSON_AddStringToObject(l, "definition",
					"L(W) = (1/m) sum_i (1/p) sum_r |(W x_i - y_i)_r|^p");
	}
	cJSON_AddStringToObject(l, "form", rc->loss_form);
	cJSON *s = cJSON_AddObjectToObject(root, "select");
	cJSON_AddStringToObject(s, "by", name_map_name(&select_by_names, ex->select.by));
	if (ex->select.by == SELECT_TIME_TO_TARGET)
		cJSON_AddNumberToObject(s, "target", ex->select.target);
	if (experiment_has_rounds(ex)) {
		cJSON_AddNumberToObject(s, "extend", ex->select.extend);
		cJSON_AddNumberToObject(s, "refine", ex->select.refine);
		cJSON_AddNumberToObject(s, "plan_runs", ex->plan_runs);
		cJSON_AddNumberToObject(s, "extension_rounds_run", ex->rounds_extended);
		cJSON_AddNumberToObject(s, "refine_rounds_run", ex->rounds_refined);
		cJSON_AddStringToObject(s, "rounds",
					"runs after the first plan_runs were added by grid rounds (see refine.h)");
	}
}

/* metadata.json's facts of the machine and the build: libraries, threads,
 * batching, kernel variant, and whether the results depend on BLAS. */
static void add_machine_facts(cJSON *root, const struct experiment *ex,
			      const struct run_context *rc, const struct dataset *ds)
{
	cJSON *lib = cJSON_AddObjectToObject(root, "libraries");
	struct lib_versions v;
	lib_versions_get(&v);
	cJSON_AddStringToObject(lib, "openblas", v.openblas);
	cJSON_AddStringToObject(lib, "lapack", v.lapack);
	cJSON_AddStringToObject(lib, "cjson", v.cjson);
	cJSON_AddNumberToObject(lib, "blas_threads", openblas_get_num_threads());
	cJSON_AddNumberToObject(root, "threads", rc->threads);
	char batching[256] = "off: every run stepped alone";
	if (rc->batched)
		snprintf(batching, sizeof(batching),
			 "on: up to %d grid points of a group (one output, no diagnostics) share one data pass per step; each gives the same bytes as when run alone",
			 rc->batched);
	cJSON_AddStringToObject(root, "grid_batching", batching);
	cJSON_AddStringToObject(root, "threads_note",
				"data-pass threads; results are identical for any thread count");
	cJSON_AddStringToObject(root, "kernels", kern_variant());
	cJSON_AddStringToObject(root, "kernels_note",
				"one output: the training step runs in fixed-order kernels (not BLAS), so CSVs and weights are the same bytes for any kernel variant, OpenBLAS core type, thread count, batching and compiler; k > 1 and whitening use BLAS/LAPACK");
	cJSON_AddBoolToObject(root, "blas_independent", output_blas_independent(ds, ex));
}

int output_metadata(const char *path, const struct experiment *ex,
		    const struct run_context *rc,
		    const struct run_subset *sub, const struct dataset *ds,
		    const struct preprocess_info *pre, const struct run_result *res,
		    const int *selected, char *const *csv_names, const char *status)
{
	cJSON *root = cJSON_CreateObject();
	if (!root)
		return err_set(ERR_RUNTIME, "out of memory");
	cJSON_AddStringToObject(root, "overparam_version", OVERPARAM_VERSION);
	char stamp[64];
	clock_utc_now(stamp, sizeof(stamp));
	cJSON_AddStringToObject(root, "finished_utc", stamp);
	cJSON_AddStringToObject(root, "started_utc", clock_started_utc());
	cJSON_AddStringToObject(root, "status", status);
	cJSON_AddStringToObject(root, "config_file", ex->config_path);
	cJSON_AddStringToObject(root, "config_dir", ex->config_dir);
	cJSON_AddStringToObject(root, "config_copy", "config.json");
	cJSON_AddStringToObject(root, "manifest", MANIFEST_NAME);
	cJSON_AddStringToObject(root, "name", ex->name);
	cJSON_AddStringToObject(root, "description", ex->description);
	cJSON_AddItemToObject(root, "seed", json_seed_item(ex->seed));
	cJSON_AddNumberToObject(root, "replicates", ex->replicates);
	cJSON_AddStringToObject(root, "replicate_over",
				name_map_name(&replicate_over_names, ex->replicate_over));
	if (rc->n_subsets) {
		cJSON *subsets = cJSON_AddArrayToObject(root, "replicate_data");
		for (int r = 0; r < rc->n_subsets; r++) {
			cJSON *one = cJSON_CreateObject();
			cJSON_AddNumberToObject(one, "replicate", r + 1);
			cJSON_AddNumberToObject(one, "left_out_batch", rc->left_out_batch[r]);
			if (rc->subset_floor && !isnan(rc->subset_floor[r]))
				cJSON_AddNumberToObject(one, "loss_floor", rc->subset_floor[r]);
			cJSON_AddItemToArray(subsets, one);
		}
		cJSON_AddStringToObject(root, "replicate_data_note",
					"replicate r trains on the data without that batch file, preprocessed on its own rows, from the same init seed; \"data\" describes replicate 1's");
	}
	cJSON_AddBoolToObject(root, "resumed", rc->resumed);
	if (rc->init_from)
		cJSON_AddStringToObject(root, "init_from", rc->init_from);
	cJSON_AddStringToObject(root, "weights", "weights/<run>/{init,final,iter_N}/W1.npy..WN.npy or We.npy");
	if (rc->iterations_override)
		cJSON_AddNumberToObject(root, "iterations_override",
					(double)rc->iterations_override);
	cJSON_AddItemToObject(root, "data", data_json(ex, rc, ds, pre));
	add_loss_select(root, ex, rc);
	cJSON *pl = cJSON_AddObjectToObject(root, "plot");
	cJSON_AddStringToObject(pl, "title", ex->plot_title);
	cJSON_AddBoolToObject(pl, "logx", ex->plot_logx);
	cJSON_AddStringToObject(pl, "format", ex->plot_format);
	cJSON_AddItemToObject(root, "claims", output_claims_json(ex->claims, ex->n_claims));
	cJSON *ch = cJSON_AddObjectToObject(root, "choices");
	cJSON_AddStringToObject(ch, "bias", "none: the model is x -> W_N...W_1 x");
	cJSON_AddStringToObject(ch, "batch", "full batch, every step");
	cJSON_AddStringToObject(ch, "weight_decay",
				"coupled L2: lambda*W added to the gradient (Eq. 4); e2e runs use lambda*N (Eq. 10)");
	cJSON_AddStringToObject(ch, "gradient",
				"per-layer gradients from the end-to-end gradient by the exact chain rule");
	cJSON *runs = cJSON_AddArrayToObject(root, "runs");
	for (int row = 0; row < sub->n; row++) {
		int i = sub->rows[row];
		cJSON_AddItemToArray(runs, run_json(&ex->runs[i], &res[i], selected[i],
						    csv_names[i]));
	}
	add_machine_facts(root, ex, rc, ds);
	if (sub->shard.count) {
		cJSON *sh = cJSON_AddObjectToObject(root, "shard");
		cJSON_AddNumberToObject(sh, "index", sub->shard.index);
		cJSON_AddNumberToObject(sh, "count", sub->shard.count);
		cJSON *rows = cJSON_AddArrayToObject(sh, "runs");
		for (int row = 0; row < sub->n; row++)
			cJSON_AddItemToArray(rows, cJSON_CreateNumber(sub->rows[row] + 1));
		cJSON_AddStringToObject(sh, "split",
					"contiguous in plan order, balanced by iterations (see shard.h); merge with overparam merge");
	}
	return output_json(path, root);
}

cJSON *output_claims_json(const struct claim *claims, int n)
{
	cJSON *cl = cJSON_CreateArray();
	for (int i = 0; cl && i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "text", claims[i].text);
		cJSON_AddStringToObject(o, "a", claims[i].a);
		cJSON_AddStringToObject(o, "b", claims[i].b);
		cJSON_AddStringToObject(o, "expect", claim_expect_name(claims[i].expect));
		if (claims[i].target > 0)
			cJSON_AddNumberToObject(o, "target", claims[i].target);
		if (claims[i].column)
			cJSON_AddStringToObject(o, "column", claims[i].column);
		if (claims[i].after > 0)
			cJSON_AddNumberToObject(o, "after", claims[i].after);
		if (claims[i].before > 0)
			cJSON_AddNumberToObject(o, "before", claims[i].before);
		if (claims[i].extra)
			cJSON_AddBoolToObject(o, "extra", 1);
		cJSON_AddItemToArray(cl, o);
	}
	return cl;
}

int output_json(const char *path, cJSON *root)
{
	char *text = json_print_exact(root);
	cJSON_Delete(root);
	if (!text)
		return err_set(ERR_RUNTIME, "out of memory");
	size_t n = strlen(text);
	char *with_nl = malloc(n + 2);
	int rc;
	if (!with_nl) {
		rc = err_set(ERR_RUNTIME, "out of memory");
	} else {
		memcpy(with_nl, text, n);
		with_nl[n] = '\n';
		with_nl[n + 1] = '\0';
		rc = afile_write_text(path, with_nl);
	}
	free(with_nl);
	cJSON_free(text);
	return rc;
}
