/* dryrun: the plan, memory and calibrated time of a run, written nowhere
 * (see dryrun.h). The blocks are the trainer's (blocks.h); each kind of
 * block (group, size, data subset) is trained for a moment with the real
 * trainer and its cost per iteration scaled to the block's iterations. */
#include "overparam/dryrun.h"
#include "overparam/blocks.h"
#include "overparam/clock.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A calibration is repeated until it takes this long (seconds). */
#define CALIBRATE_SECONDS 0.05

/* The cost of one kind of block: seconds = setup + per_iter * iterations. */
struct block_cost {
	const char *group;
	int n, data;
	double setup, per_iter;
};

/* Seconds to train runs rows[0..n) (one block) for iters iterations each
 * with the real trainer (no files, no signals); -1 on failure. */
static double time_block(const struct dryrun_input *in, const int *rows, int n, long iters)
{
	struct run_spec copy[BLOCK_MAX_RUNS];
	const struct run_spec *ptr[BLOCK_MAX_RUNS];
	struct run_result res[BLOCK_MAX_RUNS];
	struct train_opts opts[BLOCK_MAX_RUNS];
	if (n < 1 || n > BLOCK_MAX_RUNS)
		return -1;
	memset(res, 0, sizeof(res));
	memset(opts, 0, sizeof(opts));
	for (int j = 0; j < n; j++) {
		copy[j] = in->ex->runs[rows[j]]; /* shallow: its arrays stay the plan's */
		copy[j].iterations = iters;
		copy[j].save_every = 0;
		ptr[j] = &copy[j];
	}
	int d = blocks_data_index(in->ex, &copy[0]);
	double t0 = clock_seconds();
	int rc = n > 1 ? train_batch(ptr, n, &in->loss[d], &in->ds[d], opts, res)
		       : train_run(ptr[0], &in->loss[d], &in->ds[d], &opts[0], &res[0]);
	double t = clock_seconds() - t0;
	for (int j = 0; j < n; j++)
		run_result_release(&res[j]);
	return rc ? -1 : t;
}

/* Calibrates one block of runs that train for iters iterations: a short
 * run gives the fixed cost, a longer one (at least 4x, lengthened until it
 * takes CALIBRATE_SECONDS, or all iters) the cost per iteration. */
static int calibrate(const struct dryrun_input *in, const int *rows, int n, long iters,
		     struct block_cost *bc)
{
	long k0 = iters < 8 ? iters : 8, k = k0;
	double t0 = time_block(in, rows, n, k0), t = t0;
	/* at least two lengths: a slow step (a matrix sensing pass) can take
	 * CALIBRATE_SECONDS in k0 iterations, which alone gives no cost per
	 * iteration */
	while (t >= 0 && k < iters && (t < CALIBRATE_SECONDS || k == k0)) {
		k = k * 4 < iters ? k * 4 : iters;
		t = time_block(in, rows, n, k);
	}
	if (t0 < 0 || t < 0)
		return err_set(ERR_RUNTIME, "dry run: calibrating '%s' failed", in->ex->runs[rows[0]].group);
	bc->per_iter = k > k0 ? fmax(0, t - t0) / (double)(k - k0) : 0;
	bc->setup = k == iters ? t - bc->per_iter * (double)iters : fmax(0, t0 - bc->per_iter * (double)k0);
	return ERR_OK;
}

static void print_seconds(FILE *f, double s)
{
	if (s < 100)
		fprintf(f, "%.2g s", s);
	else if (s < 6000)
		fprintf(f, "%.1f min", s / 60);
	else
		fprintf(f, "%.1f h", s / 3600);
}

/* "lr 1e-05..0.1 (17 values)" for every axis the group's runs vary. */
static void print_grid(FILE *f, const struct experiment *ex, const struct run_subset *sub,
		       const char *group)
{
	const struct run_spec *first = NULL;
	double *v = malloc((size_t)sub->n * sizeof(double));
	for (int i = 0; i < sub->n && !first; i++)
		if (strcmp(ex->runs[sub->rows[i]].group, group) == 0)
			first = &ex->runs[sub->rows[i]];
	if (!v || !first || !first->grid.n) {
		fputs("-", f);
		free(v);
		return;
	}
	for (int a = 0; a < first->grid.n; a++) {
		int n = 0, distinct = 0;
		for (int i = 0; i < sub->n; i++) {
			const struct run_spec *r = &ex->runs[sub->rows[i]];
			if (strcmp(r->group, group) == 0 && grid_point_value(&r->grid, first->grid.key[a], &v[n]))
				n++;
		}
		double lo = INFINITY, hi = -INFINITY;
		for (int i = 0; i < n; i++) {
			int seen = 0;
			for (int j = 0; j < i && !seen; j++)
				seen = v[j] == v[i];
			distinct += !seen;
			lo = fmin(lo, v[i]);
			hi = fmax(hi, v[i]);
		}
		fprintf(f, "%s%s %g..%g (%d values)", a ? ", " : "", first->grid.key[a], lo, hi, distinct);
	}
	free(v);
}

/* The groups of sub in order of first appearance; returns how many. */
static int list_groups(const struct experiment *ex, const struct run_subset *sub, const char **groups)
{
	int n = 0;
	for (int i = 0; i < sub->n; i++) {
		const char *g = ex->runs[sub->rows[i]].group;
		int seen = 0;
		for (int j = 0; j < n && !seen; j++)
			seen = strcmp(groups[j], g) == 0;
		if (!seen)
			groups[n++] = g;
	}
	return n;
}

/* The calibrated kinds of block (group, size, data subset) so far. */
struct cost_cache {
	struct block_cost *kind;
	int n, cap;
	double spent; /* seconds of calibration */
};

/* Estimated seconds of the block of runs rows[0..n) trained for iters
 * iterations, calibrated once per kind; -1 (error recorded) on failure. */
static double block_seconds(const struct dryrun_input *in, struct cost_cache *cc, const int *rows,
			    int n, long iters)
{
	const struct run_spec *r0 = &in->ex->runs[rows[0]];
	int d = blocks_data_index(in->ex, r0), k = 0;
	while (k < cc->n && !(strcmp(cc->kind[k].group, r0->group) == 0 && cc->kind[k].n == n &&
			      cc->kind[k].data == d))
		k++;
	if (k == cc->n) {
		if (k == cc->cap)
			return err_set(ERR_RUNTIME, "dry run: too many kinds of block"), -1;
		double t0 = clock_seconds();
		cc->kind[k] = (struct block_cost){.group = r0->group, .n = n, .data = d};
		if (calibrate(in, rows, n, iters, &cc->kind[k]))
			return -1;
		cc->spent += clock_seconds() - t0;
		cc->n++;
	}
	return cc->kind[k].setup + cc->kind[k].per_iter * (double)iters;
}

/* Every block's estimated seconds into group_s, its runs into group_runs
 * and the longest iterations into group_iters (by group index). */
static int estimate(const struct dryrun_input *in, struct cost_cache *cc, const char **groups,
		    double *group_s, int *group_runs, long *group_iters)
{
	const struct experiment *ex = in->ex;
	for (int p = 0, q; p < in->sub->n; p = q) {
		q = blocks_end(ex, in->sub, in->ds, in->no_batch, p);
		const struct run_spec *r0 = &ex->runs[in->sub->rows[p]];
		long iters = 0;
		for (int b = p; b < q; b++)
			if (ex->runs[in->sub->rows[b]].iterations > iters)
				iters = ex->runs[in->sub->rows[b]].iterations;
		double s = block_seconds(in, cc, in->sub->rows + p, q - p, iters);
		if (s < 0)
			return ERR_RUNTIME;
		int g = 0;
		while (strcmp(groups[g], r0->group) != 0)
			g++;
		group_s[g] += s;
		group_runs[g] += q - p;
		group_iters[g] = iters > group_iters[g] ? iters : group_iters[g];
	}
	return ERR_OK;
}

/* An upper estimate of the grid rounds: each round adds, per group whose
 * grid points vary the rate alone and per replicate, at most one rate
 * (extension) or two (refinement), trained as blocks of the trainer's
 * sizes; a block of the group's first runs stands in for them. *more gets
 * the runs; returns the seconds, or -1 on failure. */
static double rounds_seconds(const struct dryrun_input *in, struct cost_cache *cc,
			     const char *group, int *more)
{
	const struct experiment *ex = in->ex;
	int rows[BLOCK_MAX_RUNS], n = 0;
	long iters = 0;
	for (int i = 0; i < in->sub->n && n < BLOCK_MAX_RUNS; i++) {
		const struct run_spec *r = &ex->runs[in->sub->rows[i]];
		if (strcmp(r->group, group) == 0) {
			rows[n++] = in->sub->rows[i];
			iters = r->iterations > iters ? r->iterations : iters;
		}
	}
	if (!n || !grid_point_lr_only(&ex->runs[rows[0]].grid))
		return 0;
	double total = 0;
	for (int per = 1; per <= 2; per++) { /* extension rounds, then refinement rounds */
		int rounds = per == 1 ? ex->select.extend : ex->select.refine;
		int runs = per * ex->replicates, size, blocks;
		if (ex->replicate_over == REPLICATE_BATCHES || in->no_batch) {
			size = in->no_batch ? 1 : per; /* one data subset per replicate */
			blocks = runs / size;
		} else {
			size = runs < BLOCK_MAX_RUNS ? runs : BLOCK_MAX_RUNS;
			blocks = (runs + size - 1) / size;
		}
		size = size < n ? size : n;
		double s = rounds ? block_seconds(in, cc, rows, size, iters) : 0;
		if (s < 0)
			return -1;
		total += rounds * blocks * s;
		*more += rounds * runs;
	}
	return total;
}

int dryrun_print(FILE *f, const struct dryrun_input *in)
{
	const struct experiment *ex = in->ex;
	const struct run_subset *sub = in->sub;
	const char **groups = calloc((size_t)sub->n + 1, sizeof(char *));
	double *group_s = calloc((size_t)sub->n + 1, sizeof(double));
	int *group_runs = calloc((size_t)sub->n + 1, sizeof(int));
	long *group_iters = calloc((size_t)sub->n + 1, sizeof(long));
	int rc = !groups || !group_s || !group_runs || !group_iters ? err_set(ERR_RUNTIME, "out of memory") : ERR_OK;
	int n_groups = rc ? 0 : list_groups(ex, sub, groups);
	for (int d = 0; !rc && !in->no_batch && d < (ex->replicate_over == REPLICATE_BATCHES ? ex->replicates : 1); d++)
		rc = loss_reserve_batch(&in->loss[d], &in->ds[d], BLOCK_MAX_RUNS);
	struct cost_cache cc = {.cap = sub->n + 2 * n_groups + 1};
	if (!rc && !(cc.kind = calloc((size_t)cc.cap, sizeof(*cc.kind))))
		rc = err_set(ERR_RUNTIME, "out of memory");
	if (!rc)
		rc = estimate(in, &cc, groups, group_s, group_runs, group_iters);
	if (rc)
		goto out;
	double total = 0, iters_all = 0, rounds_s = -1;
	for (int i = 0; i < sub->n; i++)
		iters_all += (double)ex->runs[sub->rows[i]].iterations;
	fprintf(f, "# dry run of %s: nothing written (a run would write '%s'%s)\n", in->config, in->outdir,
		path_dir_nonempty(in->outdir) ? ", which exists and is not empty: --force, --resume or --continue" : "");
	fprintf(f, "plan: %d run%s in %d group%s, %d replicate%s (over %s), %.4g iterations in all",
		sub->n, sub->n > 1 ? "s" : "", n_groups, n_groups > 1 ? "s" : "", ex->replicates,
		ex->replicates > 1 ? "s" : "",
		ex->replicate_over == REPLICATE_BATCHES ? "batches" : "seeds", iters_all);
	if (sub->shard.count)
		fprintf(f, "; shard %d/%d of the plan's %d runs", sub->shard.index, sub->shard.count, ex->n_runs);
	fputs("\n\n| group | runs | grid | iterations | time (estimate) |\n|---|---|---|---|---|\n", f);
	for (int g = 0; g < n_groups; g++) {
		fprintf(f, "| %s | %d | ", groups[g], group_runs[g]);
		print_grid(f, ex, sub, groups[g]);
		fprintf(f, " | %ld | ", group_iters[g]);
		print_seconds(f, group_s[g]);
		fputs(" |\n", f);
		total += group_s[g];
	}
	fputc('\n', f);
	if (experiment_has_rounds(ex) && sub->shard.count) {
		fputs("grid rounds (select.extend, select.refine) run after the merge (`run CONFIG -o OUTDIR --continue`): not in this shard's time\n", f);
	} else if (experiment_has_rounds(ex)) {
		double more_s = 0;
		int more = 0;
		for (int g = 0; g < n_groups && more_s >= 0; g++) {
			double s = rounds_seconds(in, &cc, groups[g], &more);
			more_s = s < 0 ? s : more_s + s;
		}
		if (more_s < 0) {
			rc = ERR_RUNTIME;
			goto out;
		}
		fprintf(f, "grid rounds (select.extend %d, select.refine %d): up to %d more runs\n",
			ex->select.extend, ex->select.refine, more);
		rounds_s = more_s;
	}
	int big, n_block;
	double need = blocks_largest(ex, sub, in->ds, in->no_batch, &big, &n_block);
	double have = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGE_SIZE);
	fprintf(f, "memory: %.3g MiB for the largest block (%d run%s of '%s'), of this machine's %.3g GiB\n",
		need / 1048576.0, n_block, n_block > 1 ? "s" : "", ex->runs[big].group, have / 1073741824.0);
	fputs("time: about ", f);
	print_seconds(f, total);
	if (rounds_s >= 0) {
		fputs(" for the plan's runs, and up to ", f);
		print_seconds(f, rounds_s);
		fputs(" more if every grid round runs,", f);
	}
	fprintf(f, " on %d thread%s: an upper estimate (a run that diverges, or reaches its train.stop_below, ends early), from training each kind of block for a moment (",
		in->threads, in->threads > 1 ? "s" : "");
	print_seconds(f, cc.spent);
	fputs(" in all)\n", f);
	if (fflush(f) != 0)
		rc = err_set(ERR_RUNTIME, "cannot write the dry run to standard output");
out:
	free(cc.kind);
	free(groups);
	free(group_s);
	free(group_runs);
	free(group_iters);
	return rc;
}
