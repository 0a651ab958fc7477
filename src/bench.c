/* bench: the step-cost table of `overparam bench` (see bench.h). */
#include "overparam/bench.h"
#include "overparam/clock.h"
#include "overparam/plan.h"
#include "overparam/dataset.h"
#include "overparam/error.h"
#include "overparam/kernels.h"
#include "overparam/model.h"
#include "overparam/optim.h"
#include "overparam/parallel.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Seconds per step of GD on one model. */
static double time_steps(const struct dataset *ds, struct loss *loss, int depth,
			 int width, long steps)
{
	int hidden[8] = {width, width, width, width, width, width, width, width};
	struct run_spec r = {.model = MODEL_DEEP, .depth = depth, .hidden = hidden,
			     .init = LINNET_INIT_BALANCED, .init_std = 0.01, .seed = 1};
	optim_spec_defaults(&r.optim, OPTIM_GD);
	r.optim.lr = 1e-6;
	struct model mod;
	struct optim opt;
	if (model_create(&mod, &r, ds->m, ds->d, ds->k) ||
	    optim_create(&opt, &r.optim, mod.n_params))
		return -1;
	double L, t0 = 0;
	long warm = steps / 10 + 1;
	for (long t = 0; t < warm + steps; t++) {
		if (t == warm)
			t0 = clock_seconds();
		model_loss_grad(&mod, loss, ds, &L);
		optim_step(&opt, mod.params, mod.grad);
	}
	double per = (clock_seconds() - t0) / steps;
	optim_release(&opt);
	model_release(&mod);
	return per;
}

/* Seconds per step per model of `batch` models stepped together. */
static double time_batch(const struct dataset *ds, struct loss *loss, int depth,
			 int width, int batch, long steps)
{
	int hidden[8] = {width, width, width, width, width, width, width, width};
	struct run_spec r = {.model = MODEL_DEEP, .depth = depth, .hidden = hidden,
			     .init = LINNET_INIT_BALANCED, .init_std = 0.01, .seed = 1};
	optim_spec_defaults(&r.optim, OPTIM_GD);
	r.optim.lr = 1e-6;
	struct model *mods = calloc(batch, sizeof(*mods));
	struct optim *opts = calloc(batch, sizeof(*opts));
	double *Wb = malloc((size_t)batch * ds->d * sizeof(double));
	double *Gb = malloc((size_t)batch * ds->d * sizeof(double));
	double *Lb = malloc(batch * sizeof(double));
	double *scratch = malloc((size_t)ds->m * batch * sizeof(double));
	double per = -1;
	if (!mods || !opts || !Wb || !Gb || !Lb || !scratch ||
	    loss_reserve_batch(loss, ds, batch))
		goto out;
	for (int j = 0; j < batch; j++) {
		r.seed = 1 + j;
		if (model_create(&mods[j], &r, ds->m, ds->d, 1) ||
		    optim_create(&opts[j], &r.optim, mods[j].n_params))
			goto out;
	}
	double t0 = 0;
	long warm = steps / 10 + 1;
	for (long t = 0; t < warm + steps; t++) {
		if (t == warm)
			t0 = clock_seconds();
		for (int j = 0; j < batch; j++) {
			model_end_to_end(&mods[j]);
			memcpy(Wb + (size_t)j * ds->d, mods[j].We, ds->d * sizeof(double));
		}
		loss_eval_batch(loss, ds, batch, Wb, Lb, Gb, scratch);
		for (int j = 0; j < batch; j++) {
			memcpy(mods[j].G, Gb + (size_t)j * ds->d, ds->d * sizeof(double));
			model_grad_from_G(&mods[j]);
			optim_step(&opts[j], mods[j].params, mods[j].grad);
		}
	}
	per = (clock_seconds() - t0) / steps / batch;
out:
	for (int j = 0; mods && opts && j < batch; j++) {
		model_release(&mods[j]);
		optim_release(&opts[j]);
	}
	free(mods);
	free(opts);
	free(Wb);
	free(Gb);
	free(Lb);
	free(scratch);
	return per;
}

/* The compute roof of our kernels on this machine: GFLOP/s of the batched
 * l4 pass over 16 rows that stay in L1 (4 flops per row, column and model:
 * the dot's and the gradient's fma). */
static double compute_roof(const struct dataset *ds)
{
	enum { ROWS = 16, MODELS = 8 };
	double W[MODELS * 128], G[MODELS * 128], L[MODELS], work[16 * 8];
	int d = ds->d < 128 ? ds->d : 128;
	struct lp_rule lp;
	lp_rule_init(&lp, 4);
	for (int i = 0; i < MODELS * d; i++)
		W[i] = 1e-3 * (i % 7);
	double best = 1e30;
	for (int rep = 0; rep < 5; rep++) {
		double t0 = clock_seconds();
		for (int i = 0; i < 2000; i++)
			kern_lp_chunk_batch(&lp, ROWS, d, ds->X, ds->Y, MODELS, W, 1e-3, L, G, work);
		double per = (clock_seconds() - t0) / 2000;
		if (per < best)
			best = per;
	}
	return 4.0 * ROWS * d * MODELS / best / 1e9;
}

int bench_run(FILE *out, long steps)
{
	openblas_set_num_threads(1);
	struct dataset ds;
	int rc = dataset_synthetic(&ds, 2565, 128, 1, 0.1, 1);
	if (rc)
		return rc;
	/* The memory floor: one streaming read of X (best of 5 batches). */
	size_t n = (size_t)ds.m * ds.d;
	double best = 1e30;
	volatile double sink = 0;
	for (int rep = 0; rep < 5; rep++) {
		double t0 = clock_seconds();
		for (int i = 0; i < 200; i++)
			sink += cblas_ddot((int)n, ds.X, 1, ds.X, 1);
		double per = (clock_seconds() - t0) / 200;
		if (per < best)
			best = per;
	}
	(void)sink;
	double roof = compute_roof(&ds), flops = 4.0 * ds.m * ds.d, bytes = 8.0 * n;
	fprintf(out, "overparam bench: m = %d, d = %d, k = 1 (synthetic), %ld timed steps per case, kernels '%s'\n",
		ds.m, ds.d, steps, kern_variant());
	fprintf(out, "streaming read of X (%.1f MB, OpenBLAS ddot): %.1f us = %.1f GB/s\n", bytes / 1e6,
		best * 1e6, bytes / best / 1e9);
	fprintf(out, "compute roof (our batched l4 kernel on L1-resident rows): %.1f GFLOP/s\n", roof);
	fprintf(out, "a data-pass step per model: %.2f MB read once, %.2f MFLOP (an fma for the\n"
		     "prediction and one for the gradient per entry of X): floor max(%.1f, %.1f) us\n\n",
		bytes / 1e6, flops / 1e6, best * 1e6, flops / roof / 1e3);
	fprintf(out, "%-6s %-6s %-12s %-8s %-6s %12s %12s %10s %10s\n", "depth", "width", "loss",
		"threads", "batch", "us/model", "x read", "GB/s", "GFLOP/s");
	static const struct {
		int depth, width;
		double p;
		enum loss_form form;
		const char *name;
	} cases[] = {
		{1, 1, 4, LOSS_FORM_DATA, "l4"},        {3, 1, 4, LOSS_FORM_DATA, "l4"},
		{3, 100, 4, LOSS_FORM_DATA, "l4"},      {1, 1, 2, LOSS_FORM_DATA, "l2 data"},
		{3, 100, 2, LOSS_FORM_DATA, "l2 data"}, {1, 1, 2, LOSS_FORM_GRAM, "l2 gram"},
		{3, 1, 2, LOSS_FORM_GRAM, "l2 gram"},   {3, 100, 2, LOSS_FORM_GRAM, "l2 gram"},
	};
	for (int threads = 1; threads <= 2; threads++) {
		struct par_pool *pool;
		if ((rc = par_create(&pool, threads)))
			break;
		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			struct loss loss;
			loss_init(&loss, LOSS_LP, cases[c].p, cases[c].form);
			if ((rc = loss_prepare(&loss, &ds, pool)))
				break;
			double per = time_steps(&ds, &loss, cases[c].depth, cases[c].width, steps);
			int data = cases[c].form == LOSS_FORM_DATA;
			fprintf(out, "%-6d %-6d %-12s %-8d %-6d %12.2f %12.2f %10.1f %10.1f\n",
				cases[c].depth, cases[c].width, cases[c].name, threads, 1, per * 1e6,
				per / best, data ? bytes / per / 1e9 : 0.0,
				data ? flops / per / 1e9 : 0.0);
			if (cases[c].form == LOSS_FORM_DATA && cases[c].width == 1) {
				per = time_batch(&ds, &loss, cases[c].depth, cases[c].width, 32,
						 steps / 4 + 1);
				fprintf(out, "%-6d %-6d %-12s %-8d %-6d %12.2f %12.2f %10.1f %10.1f\n",
					cases[c].depth, cases[c].width, cases[c].name, threads, 32,
					per * 1e6, per / best, bytes / 32 / per / 1e9, flops / per / 1e9);
			}
			loss_release(&loss);
		}
		par_free(pool);
	}
	dataset_release(&ds);
	return rc;
}
