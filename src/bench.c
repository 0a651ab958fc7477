/* bench: the step-cost table of `overparam bench` (see bench.h). */
#include "overparam/bench.h"
#include "overparam/clock.h"
#include "overparam/lines.h"
#include "overparam/plan.h"
#include "overparam/dataset.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/kernels.h"
#include "overparam/model.h"
#include "overparam/optim.h"
#include "overparam/parallel.h"
#include "overparam/plot.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The work outside the data pass is timed on every PASS_SAMPLE-th step
 * (four clock reads; a count, no division), so that the clock's own cost
 * stays out of the 1 us rows. */
#define PASS_SAMPLE 16

/* Seconds per step of GD on one model, the steps train takes (model_eval's
 * three parts, then model_step); *outside: of those, the mean seconds
 * outside the data pass (the end-to-end product, the layer gradients, the
 * update) over the sampled steps. split: every layer's rows split across
 * the pool, however small (else as train splits them). */
static double time_steps(const struct dataset *ds, struct loss *loss, int depth,
			 int width, long steps, int split, double *outside)
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
	model_use_pool(&mod, loss->pool); /* the parameter work on the threads, as train does */
	if (split) {
		mod.net.split_entries = 0;
		par_fix_near(loss->pool, 1);
	}
	opt.pool = loss->pool;
	double t0 = 0, out = 0;
	long warm = steps / 10 + 1, sampled = 0;
	int skip = PASS_SAMPLE - 1;
	for (long t = 0; t < warm + steps; t++) {
		if (t == warm) {
			t0 = clock_seconds();
			out = 0;
			sampled = 0;
		}
		int sample = t >= warm && ++skip == PASS_SAMPLE; /* the first timed step is */
		double c0 = sample ? clock_seconds() : 0;
		model_end_to_end(&mod);
		double c1 = sample ? clock_seconds() : 0;
		loss_eval(loss, ds, mod.We, mod.G, mod.scratch);
		double c2 = sample ? clock_seconds() : 0;
		model_grad_for_step(&mod, &opt);
		model_step(&mod, &opt);
		if (sample) {
			out += (c1 - c0) + (clock_seconds() - c2);
			sampled++;
			skip = 0;
		}
	}
	double per = (clock_seconds() - t0) / steps;
	*outside = sampled ? out / sampled : NAN;
	if (split)
		par_fix_near(loss->pool, -1);
	optim_release(&opt);
	model_release(&mod);
	return per;
}

/* Seconds per step per model of `batch` models stepped together. */
static double time_batch(const struct dataset *ds, struct loss *loss, int depth,
			 int width, int batch, long steps, double *outside)
{
	int hidden[8] = {width, width, width, width, width, width, width, width};
	struct run_spec r = {.model = MODEL_DEEP, .depth = depth, .hidden = hidden,
			     .init = LINNET_INIT_BALANCED, .init_std = 0.01, .seed = 1};
	optim_spec_defaults(&r.optim, OPTIM_GD);
	r.optim.lr = 1e-6;
	struct model *mods = calloc(batch, sizeof(*mods));
	struct optim *opts = calloc(batch, sizeof(*opts));
	double *Wb = lines_alloc((size_t)batch * ds->d);
	double *Gb = lines_alloc((size_t)batch * ds->d);
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
		model_use_pool(&mods[j], loss->pool);
		opts[j].pool = loss->pool;
	}
	double t0 = 0, outside_sum = 0;
	long warm = steps / 10 + 1;
	for (long t = 0; t < warm + steps; t++) {
		if (t == warm) {
			t0 = clock_seconds();
			outside_sum = 0;
		}
		double c0 = clock_seconds(); /* four clock reads per 32 models' step: negligible */
		for (int j = 0; j < batch; j++) {
			model_end_to_end(&mods[j]);
			memcpy(Wb + (size_t)j * ds->d, mods[j].We, ds->d * sizeof(double));
		}
		double c1 = clock_seconds();
		loss_eval_batch(loss, ds, batch, Wb, Lb, Gb, scratch);
		double c2 = clock_seconds();
		for (int j = 0; j < batch; j++) {
			memcpy(mods[j].G, Gb + (size_t)j * ds->d, ds->d * sizeof(double));
			model_grad_for_step(&mods[j], &opts[j]);
			model_step(&mods[j], &opts[j]);
		}
		outside_sum += (c1 - c0) + (clock_seconds() - c2);
	}
	per = (clock_seconds() - t0) / steps / batch;
	*outside = outside_sum / steps / batch;
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

/* The fastest and slowest of a figure's repetitions. */
struct figure {
	double lo, hi;
};

static void figure_add(struct figure *f, double x)
{
	if (!(f->lo <= x))
		f->lo = x;
	if (!(f->hi >= x))
		f->hi = x;
}

/* (slowest - fastest) / fastest, in percent. */
static double spread(const struct figure *f)
{
	return 100 * (f->hi - f->lo) / f->lo;
}

#define BENCH_REPS 5
#define PROBE_ROUNDS 1000000L

static const struct bench_case {
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
#define N_CASES (int)(sizeof(cases) / sizeof(cases[0]))
/* a row: case c on 1 or 2 threads, alone (batch 1) or as one of 32 */
#define N_ROWS (2 * 2 * N_CASES)
#define ROW(c, threads, batched) (((threads) - 1) * 2 * N_CASES + 2 * (c) + (batched))

/* One repetition of every row (the rows that exist: batches of 32 for the
 * width-1 data passes), each timed for steps steps, into fig (and the time
 * outside the data pass into outside); the two-thread
 * rows on pool2, made once for the whole bench (a new worker starts on its
 * maker's core, and the scheduler takes milliseconds to move it). split[0]
 * and [1]: the wide l4 row on two threads again with every layer split
 * across them, its step and params. */
static int time_rows(const struct dataset *ds, struct par_pool *pool2, long steps,
		     struct figure *fig, struct figure *outside, struct figure *split)
{
	int rc = ERR_OK;
	for (int threads = 1; threads <= 2 && !rc; threads++) {
		struct par_pool *pool = threads == 2 ? pool2 : NULL;
		for (int c = 0; c < N_CASES && !rc; c++) {
			struct loss loss;
			loss_init(&loss, LOSS_LP, cases[c].p, cases[c].form);
			if ((rc = loss_prepare(&loss, ds, pool)))
				break;
			double out;
			figure_add(&fig[ROW(c, threads, 0)],
				   time_steps(ds, &loss, cases[c].depth, cases[c].width, steps, 0,
					      &out));
			figure_add(&outside[ROW(c, threads, 0)], out);
			if (threads == 2 && cases[c].width > 1 && cases[c].p == 4) {
				figure_add(&split[0], time_steps(ds, &loss, cases[c].depth,
								 cases[c].width, steps, 1, &out));
				figure_add(&split[1], out);
			}
			if (cases[c].form == LOSS_FORM_DATA && cases[c].width == 1) {
				figure_add(&fig[ROW(c, threads, 1)],
					   time_batch(ds, &loss, cases[c].depth, 1, 32, steps / 4 + 1,
						      &out));
				figure_add(&outside[ROW(c, threads, 1)], out);
			}
			loss_release(&loss);
		}
	}
	return rc;
}

/* The roofline figure: each data-pass row's GFLOP/s per model at its
 * intensity (flops per byte of X read: 0.5 alone, 16 for one of 32 sharing
 * the read) under the one-core roofs of the read bandwidth and the FMA
 * peak measured in the same run, and the two-core FMA peak. */
static int write_plot(const char *path, const struct figure *fig, double flops, double bw,
		      double peak)
{
	size_t n = strlen(path) + 4;
	char *gp = malloc(n);
	if (!gp)
		return err_set(ERR_RUNTIME, "out of memory");
	snprintf(gp, n, "%s.gp", path);
	struct afile af = {0};
	int rc = afile_open(&af, gp);
	if (rc) {
		free(gp);
		return rc;
	}
	FILE *f = af.f;
	fprintf(f, "# overparam bench --plot: the roofline of this run; rerun with: gnuplot %s\n"
		   "set terminal pngcairo size 1000,700 noenhanced font 'Sans,10'\nset output '%s'\n"
		   "set logscale xy\nset xlabel 'flops per byte of X read'\nset ylabel 'GFLOP/s'\n"
		   "set grid\nset key top left\nset xrange [0.1:100]\n"
		   "set title 'overparam bench: the data passes under the read (%.1f GB/s) and FMA (%.1f GFLOP/s) roofs'\n"
		   "roof(x) = x * %.6g < %.6g ? x * %.6g : %.6g\n$rows << EOD\n",
		gp, path, bw, peak, bw, peak, bw, peak);
	for (int c = 0; c < N_CASES; c++)
		for (int threads = 1; threads <= 2; threads++)
			for (int b = 0; b < 2; b++) {
				const struct figure *g = &fig[ROW(c, threads, b)];
				if (cases[c].form != LOSS_FORM_DATA || !(g->lo > 0))
					continue;
				double per_model = g->lo, intensity = b ? 16 : 0.5;
				fprintf(f, "%g %g %d # depth %d width %d %s%s\n", intensity,
					flops / per_model / 1e9, threads, cases[c].depth, cases[c].width,
					cases[c].name, b ? ", batch 32" : "");
			}
	fprintf(f, "EOD\nplot roof(x) with lines lw 2 lc rgb 'black' title 'one core: read and FMA peak', \\\n"
		   "     %.6g with lines dt 2 lc rgb 'black' title 'two cores: FMA peak', \\\n"
		   "     $rows using 1:($3 == 1 ? $2 : 1/0) with points pt 7 ps 1.3 title 'our steps per model, 1 thread', \\\n"
		   "     $rows using 1:($3 == 2 ? $2 : 1/0) with points pt 5 ps 1.3 title 'our steps per model, 2 threads'\n",
		2 * peak);
	rc = afile_commit(&af);
	if (!rc)
		rc = plot_gnuplot(NULL, gp);
	free(gp);
	return rc;
}

/* The floor under the single pass's ratio to the read: the depth-1 l4 step
 * with X small enough to stay in L2 (L2_ROWS rows: 0.5 MB at d = 128), the
 * pass's loads and fmas without the wait for L3, timed in each repetition
 * like the rows, on data made and freed each time (kept, its blocks moved
 * the rows' buffers, and the batched rows measured 3-5% slower). */
#define L2_ROWS 512

static int time_l2(long steps, struct figure *step)
{
	struct dataset ds;
	struct loss loss;
	int rc = dataset_synthetic(&ds, L2_ROWS, 128, 1, 0.1, 2);
	if (rc)
		return rc;
	loss_init(&loss, LOSS_LP, 4, LOSS_FORM_DATA);
	if (!(rc = loss_prepare(&loss, &ds, NULL))) {
		double outside;
		figure_add(step, time_steps(&ds, &loss, 1, 1, 5 * steps, 0, &outside));
	}
	loss_release(&loss);
	dataset_release(&ds);
	return rc;
}

/* One streaming read of X as two ddots over halves of the rows: on a pool
 * of two, one half per thread (ours: OpenBLAS's own threads would keep
 * spinning into the rows timed after); on none (NULL), one after the other. */
struct read_job {
	const struct dataset *ds;
	double half[2];
};

static void read_half(void *arg, int t)
{
	struct read_job *job = arg;
	size_t rows = (size_t)job->ds->m / 2, r0 = t ? rows : 0;
	size_t nr = t ? (size_t)job->ds->m - rows : rows;
	job->half[t] = cblas_ddot((int)(nr * job->ds->d), job->ds->X + r0 * job->ds->d, 1,
				  job->ds->X + r0 * job->ds->d, 1);
}

static void time_read(struct par_pool *pool, const struct dataset *ds, struct figure *f,
		      volatile double *sink)
{
	struct read_job job = {ds, {0, 0}};
	for (int i = 0; i < 5; i++) /* warm, and a worker awake */
		par_for(pool, 2, read_half, &job);
	double t0 = clock_seconds();
	for (int i = 0; i < 50; i++) {
		par_for(pool, 2, read_half, &job);
		*sink += job.half[0] + job.half[1];
	}
	figure_add(f, (clock_seconds() - t0) / 50);
}

int bench_run(FILE *out, long steps, const char *plot_path)
{
	openblas_set_num_threads(1);
	struct dataset ds;
	int rc = dataset_synthetic(&ds, 2565, 128, 1, 0.1, 1);
	if (rc)
		return rc;
	double flops = 4.0 * ds.m * ds.d, bytes = 8.0 * ds.m * ds.d;
	/* read[t - 1]: the read on t threads */
	struct figure read[2] = {{NAN, NAN}, {NAN, NAN}}, peak_time = {NAN, NAN}, fig[N_ROWS],
		      outside[N_ROWS];
	for (int r = 0; r < N_ROWS; r++)
		fig[r] = outside[r] = (struct figure){NAN, NAN};
	struct figure l2_step = {NAN, NAN}, split[2] = {{NAN, NAN}, {NAN, NAN}},
		      round_trip = {NAN, NAN};
	volatile double sink = 0;
	/* Every figure in every repetition: what the machine's state does to
	 * one does to all, and the fastest of each is compared. */
	long per_rep = steps / BENCH_REPS + 1;
	struct par_pool *pool;
	if ((rc = par_create(&pool, 2))) {
		dataset_release(&ds);
		return rc;
	}
	struct figure first = {NAN, NAN};
	time_read(pool, &ds, &first, &sink); /* a new thread's first BLAS calls set it up */
	for (int rep = 0; rep < BENCH_REPS && !rc; rep++) {
		time_read(NULL, &ds, &read[0], &sink);
		time_read(pool, &ds, &read[1], &sink);
		double t0 = clock_seconds();
		sink += kern_fma_probe(PROBE_ROUNDS);
		figure_add(&peak_time, clock_seconds() - t0);
		rc = time_rows(&ds, pool, per_rep, fig, outside, split);
		/* after the two-thread rows, with both threads at work as in
		 * training; par_near measures at most once a second, so some
		 * repetitions repeat the last figure */
		par_near(pool);
		figure_add(&round_trip, par_round_trip_ns(pool));
		if (!rc)
			rc = time_l2(per_rep, &l2_step);
	}
	par_free(pool);
	(void)sink;
	if (rc) {
		dataset_release(&ds);
		return rc;
	}
	double bw = bytes / read[0].lo / 1e9, peak = 192.0 * PROBE_ROUNDS / peak_time.lo / 1e9;
	double bw_threads[2] = {bw, bytes / read[1].lo / 1e9};
	fprintf(out, "overparam bench: m = %d, d = %d, k = 1 (synthetic), kernels '%s'; %d repetitions, each timing the read, the FMA peak and every row (%ld steps each); every figure is its fastest repetition, with the spread (slowest - fastest) / fastest\n",
		ds.m, ds.d, kern_variant(), BENCH_REPS, per_rep);
	fprintf(out, "streaming read of X (%.1f MB, OpenBLAS ddot): %.1f us = %.1f GB/s (spread %.0f%%)\n",
		bytes / 1e6, read[0].lo * 1e6, bw, spread(&read[0]));
	fprintf(out, "the same read on 2 threads (half the rows each): %.1f us = %.1f GB/s (spread %.0f%%)\n",
		read[1].lo * 1e6, bw_threads[1], spread(&read[1]));
	fprintf(out, "FMA peak (12 independent chains of 8-lane fmas, one core): %.1f GFLOP/s (spread %.0f%%)\n",
		peak, spread(&peak_time));
	char rt[2][32];
	for (int i = 0; i < 2; i++) {
		double ns = i ? round_trip.hi : round_trip.lo;
		if (isfinite(ns))
			snprintf(rt[i], sizeof(rt[i]), "%.0f ns", ns);
		else
			snprintf(rt[i], sizeof(rt[i]), "no answer");
	}
	fprintf(out, "a cache line's round trip between the two threads: %s to %s (under %.0f ns the\n"
		     "cores are near, and train splits layers of %d entries and up across them)\n",
		rt[0], rt[1], PAR_NEAR_NS, PAR_SPLIT_DOUBLES);
	fprintf(out, "a data-pass step per model: %.2f MB read once, %.2f MFLOP (an fma for the\n"
		     "prediction and one for the gradient per entry of X): floor max(read %.1f, flops at peak %.1f) us;\n"
		     "a grid point of a batch of 32 shares the read: its floor is the flops, %.1f us\n\n",
		bytes / 1e6, flops / 1e6, read[0].lo * 1e6, flops / peak / 1e3, flops / peak / 1e3);
	double l2 = l2_step.lo * ds.m / L2_ROWS;
	fprintf(out, "the depth-1 l4 step with X in L2 (m = %d, %.2f MB): %.2f us (spread %.0f%%), the pass's\n"
		     "loads and fmas without the wait for L3; scaled to m = %d, %.1f us = %.2fx the read above\n\n",
		L2_ROWS, 8.0 * L2_ROWS * ds.d / 1e6, l2_step.lo * 1e6, spread(&l2_step), ds.m, l2 * 1e6,
		l2 / read[0].lo);
	fprintf(out, "%-6s %-6s %-8s %-8s %-6s %10s %7s %8s %8s %8s %8s %8s %8s\n", "depth", "width",
		"loss", "threads", "batch", "us/model", "spread", "params", "x read", "GB/s", "GFLOP/s",
		"of read", "of peak");
	fputs("(params: of us/model, the time outside the data pass: the end-to-end product, the layer\n"
	      " gradients and the update; x read: to the one-thread read; of read: of the read's bandwidth\n"
	      " on the row's threads; of peak: of the FMA peak times the threads)\n", out);
	for (int threads = 1; threads <= 2; threads++)
		for (int c = 0; c < N_CASES; c++)
			for (int b = 0; b < 2; b++) {
				const struct figure *g = &fig[ROW(c, threads, b)];
				if (!(g->lo > 0))
					continue;
				int data = cases[c].form == LOSS_FORM_DATA;
				double per = g->lo, model_bytes = b ? bytes / 32 : bytes;
				fprintf(out, "%-6d %-6d %-8s %-8d %-6d %10.2f %6.0f%% %8.2f %8.2f",
					cases[c].depth, cases[c].width, cases[c].name, threads, b ? 32 : 1,
					per * 1e6, spread(g), outside[ROW(c, threads, b)].lo * 1e6,
					per / read[0].lo);
				if (data)
					fprintf(out, " %8.1f %8.1f %7.0f%% %7.0f%%\n", model_bytes / per / 1e9,
						flops / per / 1e9,
						100 * model_bytes / per / 1e9 / bw_threads[threads - 1],
						100 * flops / per / 1e9 / (peak * threads));
				else
					fputs("        -        -        -        -\n", out);
			}
	fprintf(out, "\nthe depth-3 width-100 l4 row on 2 threads with every layer's rows split across\n"
		     "both (train splits layers of %d entries and up, with the cores near): %.2f us\n"
		     "(spread %.0f%%), params %.2f\n",
		PAR_SPLIT_DOUBLES, split[0].lo * 1e6, spread(&split[0]), split[1].lo * 1e6);
	if (plot_path)
		rc = write_plot(plot_path, fig, flops, bw, peak);
	dataset_release(&ds);
	return rc;
}
