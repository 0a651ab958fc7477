/* run: what `overparam run` does with a linear config, from the config's
 * text to files on disk, in the phases of linear_cmd_run (plan,
 * directory, data, first records, training, finish; run_command.c sends a
 * convnet config to convnet_run.c instead). Data are loaded and
 * preprocessed once;
 * runs go one after another (grid points of a group in blocks stepped
 * together), each CSV written as soon as its run or block ends, so an
 * interruption keeps every finished run and checkpoints the others. */
#include "overparam/commands.h"
#include "overparam/blocks.h"
#include "overparam/dryrun.h"
#include "overparam/manifest.h"
#include "overparam/outdir.h"
#include "overparam/addrspace.h"
#include "overparam/rundata.h"
#include "overparam/clock.h"
#include "overparam/config.h"
#include "overparam/refine.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/output.h"
#include "overparam/parallel.h"
#include "overparam/plot.h"
#include "overparam/progress.h"
#include "overparam/rundir.h"
#include "overparam/shard.h"
#include "overparam/sweep.h"
#include "overparam/table.h"
#include "overparam/stop.h"
#include "overparam/train.h"
#include "overparam/weights.h"

#include <cblas.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One run's callbacks' state (train_opts.user). */
struct progress_state {
	int index;                 /* the run's index in the plan */
	int slot;                  /* its place in its block (progress) */
	struct progress *disp; /* its block's, shared */
	const char *weights_dir;   /* this run's weights/<stem> */
	const char *init_from_dir; /* --init-from: <dir>/weights/<stem>, or NULL */
	const char *csv_path;      /* this run's CSV */
	long log_every;            /* its rows' cadence (the checkpoint records them) */
	double checkpoint_every;   /* seconds; 0: every 4096 iterations */
	double last_checkpoint;
};

static int checkpoint_due(void *user)
{
	struct progress_state *p = user;
	double now = clock_seconds();
	if (now - p->last_checkpoint < p->checkpoint_every)
		return 0;
	p->last_checkpoint = now;
	return 1;
}

/* A periodic checkpoint: the rows so far first, then the checkpoint, so
 * that any checkpoint on disk has its rows (a resume reads the rows before
 * its iteration from the CSV). */
static int write_checkpoint(void *user, const struct checkpoint *ck,
			    const struct run_result *res)
{
	struct progress_state *p = user;
	int rc = output_run_csv(p->csv_path, res);
	return rc ? rc : checkpoint_save(p->weights_dir, ck, p->csv_path, p->log_every);
}

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

static void on_progress(void *user, long iter, double loss)
{
	struct progress_state *p = user;
	stop_test_raise_tick(p->index, iter);
	progress_tick(p->disp, p->slot, iter, loss);
}

#define MAX_BATCH BLOCK_MAX_RUNS

/* What training the runs reads: the plan, the prepared data and loss, the
 * run directory, and each run's result and CSV name (indexed like
 * ex->runs). */
struct run_ctx {
	const struct experiment *ex;
	const struct run_options *o;
	const struct run_context *facts; /* for metadata.json */
	const char *outdir;
	const struct dataset *ds;  /* ds[data_index(c, run)]: one dataset, or one
				      per replicate (replicate_over "batches") */
	const struct loss *loss;   /* prepared for each of ds, same index */
	struct run_result *res;
	char **csv_names;
	char **init_dirs; /* --init-from: each run's weights/<stem> there, or NULL */
	int interactive;
	struct progress_total *total; /* the command's work, for the time left */
	struct manifest *manifest;           /* SHA256SUMS as written so far */
	const struct manifest *prev_manifest; /* the resumed directory's (checked), or NULL */
};

/* Which of c->ds (and c->loss) run r trains on. */
static int data_index(const struct run_ctx *c, const struct run_spec *r)
{
	return blocks_data_index(c->ex, r);
}

static struct train_opts make_opts(const struct run_ctx *c, const struct run_spec *r,
				   struct progress_state *ps)
{
	struct train_opts t = {
		.target = c->ex->select.by == SELECT_TIME_TO_TARGET ? c->ex->select.target : 0,
		.progress = on_progress, .user = ps, .stop = &stop_requested,
		.save = save_weights, .save_every = r->save_every,
		.load_init = ps->init_from_dir ? load_weights : NULL,
		.checkpoint_due = c->o->checkpoint_every >= 0 ? checkpoint_due : NULL,
		.checkpoint = write_checkpoint};
	return t;
}

/* After run i ended: a line on stderr, its CSV, and its checkpoint if
 * interrupted. */
static int finish_run(const struct run_ctx *c, int i, const char *wdir)
{
	struct run_result *res = &c->res[i];
	if (c->interactive)
		fputs("\r\033[K", stderr);
	if (!c->o->quiet)
		fprintf(stderr, "overparam: [%d/%d] %s: %s, loss %.6g -> %.6g at iteration %ld (%.2f s)\n",
			i + 1, c->ex->n_runs, c->ex->runs[i].label, run_status_name(res->status),
			res->initial_loss, res->final_loss, res->last_iter, res->seconds);
	/* the CSV first: the checkpoint records the rows a resume reads */
	char *path = path_join(c->outdir, c->csv_names[i]);
	int rc = path ? output_run_csv(path, res) : err_set(ERR_RUNTIME, "out of memory");
	if (!rc && res->status == RUN_INTERRUPTED)
		rc = checkpoint_save(wdir, &res->ckpt, path, c->ex->runs[i].log_every);
	free(path);
	return rc;
}

/* One run's training options, and for --resume its checkpoint and the rows
 * it logged before it; released by member_release. */
struct member {
	int i;
	char *wdir, *idir, *csv;
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
	mb->wdir = weights_run_dir(c->outdir, c->csv_names[i]);
	mb->csv = path_join(c->outdir, c->csv_names[i]);
	if (c->init_dirs && c->init_dirs[i])
		mb->idir = strdup(c->init_dirs[i]);
	if (!mb->wdir || !mb->csv || (c->init_dirs && c->init_dirs[i] && !mb->idir))
		return err_set(ERR_RUNTIME, "out of memory");
	mb->ps = (struct progress_state){i, 0, NULL, mb->wdir, mb->idir, mb->csv, r->log_every,
					 c->o->checkpoint_every, clock_seconds()};
	mb->opts = make_opts(c, r, &mb->ps);
	if (!resume || !checkpoint_exists(mb->wdir))
		return ERR_OK;
	const struct dataset *ds = &c->ds[data_index(c, r)];
	int n_extra = train_extra_columns(r, ds);
	int rc = checkpoint_load(mb->wdir, &mb->ck, mb->csv);
	if (!rc)
		rc = load_prior_rows(mb->csv, mb->ck.t, r->log_every, n_extra, &mb->prior,
				     &mb->prior_extra, &mb->opts.n_prior);
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
	free(mb->csv);
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
	const struct run_spec *r0 = &c->ex->runs[idx[0]];
	struct progress disp = {
		.mode = c->o->quiet ? 0 : c->interactive ? 1 : 2, .first = idx[0], .n_members = n,
		.n_runs = c->ex->n_runs, .label = n > 1 ? r0->group : r0->label,
		.total = r0->iterations, .all = c->total};
	progress_begin(&disp);
	for (; !rc && made < n; made++) {
		rc = member_prepare(c, idx[made], resume, &mb[made]);
		mb[made].ps.disp = &disp;
		mb[made].ps.slot = made;
		opts[made] = mb[made].opts;
		runs[made] = &c->ex->runs[idx[made]];
		if (runs[made]->iterations > disp.total)
			disp.total = runs[made]->iterations;
	}
	int d = data_index(c, r0);
	if (!rc && !batched)
		rc = train_run(runs[0], &c->loss[d], &c->ds[d], &opts[0], &res[0]);
	else if (!rc)
		rc = train_batch(runs, n, &c->loss[d], &c->ds[d], opts, res);
	progress_end(&disp);
	for (int b = 0; b < n && res; b++)
		c->res[idx[b]] = res[b]; /* moved: the results are c->res's now */
	for (int b = 0; !rc && b < n; b++) {
		rc = finish_run(c, idx[b], mb[b].wdir);
		if (!rc && c->res[idx[b]].status != RUN_INTERRUPTED)
			checkpoint_remove(mb[b].wdir); /* periodic or resumed from */
	}
	for (int b = 0; mb && b < made; b++)
		member_release(&mb[b]);
	free(mb);
	free(opts);
	free(runs);
	free(res);
	return rc;
}

/* Writes summary.csv and (with a status) metadata.json for the runs of sub. */
static int write_records(const struct run_ctx *c, const struct run_subset *sub,
			 const struct preprocess_info *pre, const int *selected,
			 const char *status)
{
	/* SHA256SUMS before summary.csv: every run the summary calls
	 * finished is in it (manifest.h) */
	int rc = ERR_OK;
	for (int p = 0; !rc && p < sub->n; p++) {
		int i = sub->rows[p];
		if (c->res[i].status != RUN_INTERRUPTED)
			rc = manifest_cover_run(c->manifest, c->prev_manifest, c->outdir,
						c->csv_names[i]);
	}
	if (!rc)
		rc = manifest_write(c->manifest, c->outdir);
	char *path = rc ? NULL : path_join(c->outdir, "summary.csv");
	if (!rc)
		rc = path ? output_summary(path, c->ex, sub, c->res, selected, c->csv_names)
			  : err_set(ERR_RUNTIME, "out of memory");
	free(path);
	if (rc || !status)
		return rc;
	path = path_join(c->outdir, "metadata.json");
	rc = path ? output_metadata(path, c->ex, c->facts, sub, c->ds, pre, c->res, selected,
				    c->csv_names, status)
		  : err_set(ERR_RUNTIME, "out of memory");
	free(path);
	return rc;
}

/* The end of the block of runs that starts at sub's position p (blocks.h). */
static int block_end(const struct run_ctx *c, const struct run_subset *sub, int p)
{
	return blocks_end(c->ex, sub, c->ds, c->o->no_batch, p);
}

/* Trains the runs of sub whose status is RUN_INTERRUPTED (not yet run, or
 * to be resumed), in blocks, rewriting summary.csv after each block so that
 * a killed run leaves a directory --continue can resume. *interrupted is
 * set when a signal stopped a run. */
static int train_runs(const struct run_ctx *c, const struct run_subset *sub,
		      const struct run_subset *all, const struct preprocess_info *pre,
		      const int *selected, int resume, int *interrupted)
{
	struct run_result *res = c->res;
	int rc = ERR_OK;
	for (int p = 0, q; c->total && p < sub->n; p = q) { /* the work, for the time left */
		long most = 0;
		q = block_end(c, sub, p);
		for (int b = p; b < q; b++)
			if (res[sub->rows[b]].status == RUN_INTERRUPTED && c->ex->runs[sub->rows[b]].iterations > most)
				most = c->ex->runs[sub->rows[b]].iterations;
		c->total->work += (double)most;
	}
	for (int p = 0, q; !rc && p < sub->n; p = q) {
		q = block_end(c, sub, p);
		int todo[MAX_BATCH], n = 0;
		for (int b = p; b < q; b++) {
			int i = sub->rows[b];
			if (res[i].status == RUN_INTERRUPTED && !*interrupted)
				todo[n++] = i;
		}
		if (!n)
			continue;
		rc = run_members(c, todo, n, q - p > 1, resume);
		for (int b = 0; !rc && b < n; b++)
			*interrupted |= res[todo[b]].status == RUN_INTERRUPTED;
		if (!rc)
			rc = write_records(c, all, pre, selected, NULL);
	}
	return rc;
}

/* A run a grid round appends, on --resume or --continue: the result the
 * directory recorded for it (prev's row of the same plan index, which
 * must have the same label: the rounds are replayed from the same results,
 * so they append the same runs), or RUN_INTERRUPTED to train it (from its
 * checkpoint when it has one). */
static int round_run_start(const struct rundir *prev, const struct experiment *ex, int i,
			   struct run_result *r)
{
	memset(r, 0, sizeof(*r));
	r->status = RUN_INTERRUPTED;
	r->diverged_at = r->reached_at = -1;
	for (int p = 0; prev && p < prev->n_runs; p++) {
		const struct rundir_run *q = &prev->runs[p];
		if (q->index != i + 1)
			continue;
		if (strcmp(q->label, ex->runs[i].label) != 0)
			return err_set(ERR_INPUT, "cannot resume '%s': run %d of its grid rounds is '%s', the rounds replayed now make it '%s'",
				       prev->dir, i + 1, q->label, ex->runs[i].label);
		if (strcmp(q->status, "interrupted") != 0)
			rundir_run_result(q, r); /* CSV kept */
		break;
	}
	return ERR_OK;
}

/* Grid rounds (refine.h) after the plan's runs: each appends runs to ex,
 * which are trained and written like the others, until none is added.
 * c->res and c->csv_names (and *selected) grow with ex->runs. With prev
 * (a resumed directory), the rounds are replayed: runs it finished are
 * taken as recorded, the others trained (resumed from a checkpoint). */
static int grid_rounds(struct run_ctx *c, struct experiment *ex, struct run_subset *all,
		       const struct preprocess_info *pre, int **selected, int *interrupted,
		       const struct rundir *prev)
{
	int rc = ERR_OK;
	while (!rc && !*interrupted) {
		int before = ex->n_runs, added;
		sweep_select(ex, c->res, *selected);
		if ((rc = refine_round(ex, *selected, &added)) || !added)
			break;
		int n = ex->n_runs;
		struct run_result *res = realloc(c->res, (size_t)n * sizeof(*res));
		if (res)
			c->res = res;
		int *sel = realloc(*selected, (size_t)n * sizeof(int));
		if (sel)
			*selected = sel;
		char **names = realloc(c->csv_names, (size_t)n * sizeof(char *));
		if (names)
			c->csv_names = names;
		int *rows = realloc(all->rows, (size_t)n * sizeof(int));
		if (rows)
			all->rows = rows;
		if (!res || !sel || !names || !rows) {
			experiment_truncate_runs(ex, before);
			return err_set(ERR_RUNTIME, "out of memory");
		}
		struct run_subset fresh = {.rows = all->rows + before, .n = n - before};
		for (int i = before; i < n; i++)
			c->csv_names[i] = NULL; /* freed with the others on any failure */
		for (int i = before; i < n; i++) {
			if ((rc = round_run_start(prev, ex, i, &c->res[i])))
				return rc;
			(*selected)[i] = 0;
			all->rows[all->n++] = i;
			if (!(c->csv_names[i] = output_run_filename(i, ex->runs[i].label)))
				return err_set(ERR_RUNTIME, "out of memory");
		}
		if (!c->o->quiet)
			fprintf(stderr, "overparam: grid round (%s %d): %d more runs\n",
				ex->rounds_extended && ex->rounds_refined == 0 ? "extension" : "refinement",
				ex->rounds_refined ? ex->rounds_refined : ex->rounds_extended, n - before);
		rc = train_runs(c, &fresh, all, pre, *selected, prev != NULL, interrupted);
	}
	return rc;
}

/* Everything one `overparam run` of a linear config holds, phase to
 * phase (cmd_run): the plan, the command-line facts, the run directory, the
 * prepared data and loss, the results. */
struct run_job {
	const struct run_options *o;
	char *config_text;          /* the config with --set applied (config.json) */
	struct experiment ex;       /* the plan */
	struct run_context facts;   /* what the command line and running add */
	char default_dir[512];
	const char *outdir;
	enum outdir_action act;
	int lock_fd;                /* holds the directory's lock, or -1 */
	struct rundir prev;         /* the directory being resumed */
	struct run_subset sub;      /* the runs of this process (a shard or all) */
	int n_data;                 /* 1, or one per replicate over batches */
	struct dataset *ds;         /* [n_data] */
	struct preprocess_info *pre;
	struct loss *loss;          /* prepared from ex.loss for each ds */
	int *left_out;              /* [n_data] over batches: the batch left out */
	struct lp_floor floor;      /* the l_p floor of ds[0] (metadata, report) */
	struct nucnorm_result baseline; /* a matrix problem's (metadata, report) */
	double *subset_floor;       /* [n_data]: each one's floor, or NAN */
	struct par_pool *pool;
	struct run_ctx ctx;         /* what training reads (results, CSV names) */
	struct manifest manifest, prev_manifest; /* SHA256SUMS: written, resumed */
	struct progress_total total;             /* the command's work (progress) */
	int *selected;
	int interrupted;
};

/* Phase 1: the plan. Parses the config and applies --iterations; grid
 * rounds are refused where they cannot run. */
static int job_plan(struct run_job *j)
{
	const struct run_options *o = j->o;
	int rc = config_parse(&j->ex, j->config_text, o->config);
	if (rc)
		return rc;
	experiment_override_iterations(&j->ex, o->iterations);
	j->facts.iterations_override = o->iterations > 0 ? o->iterations : 0;
	j->facts.threads = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (j->facts.threads < 1)
		j->facts.threads = 1;
	j->facts.init_from = o->init_from;
	j->facts.batched = o->no_batch ? 0 : MAX_BATCH;
	/* Under --shard a shard runs its part of the plan; the rounds run after
	 * the merge (merge.c), in one process. */
	if (experiment_has_rounds(&j->ex) && o->init_from)
		return err_set(ERR_INPUT,
			       "%s: select.extend and select.refine add runs that --init-from has no weights for: not with --init-from",
			       o->config);
	if (j->ex.replicate_over == REPLICATE_BATCHES &&
	    (o->shard.count || o->shard_plan || o->resume || o->cont))
		return err_set(ERR_INPUT,
			       "%s: replicate_over \"batches\" loads a dataset per replicate in one process: not with --shard, --resume or --continue",
			       o->config);
	j->outdir = o->outdir;
	if (!j->outdir) {
		snprintf(j->default_dir, sizeof(j->default_dir), "results/%s", j->ex.name);
		j->outdir = j->default_dir;
	}
	return stop_test_raise_parse();
}

/* Phase 2: the run directory. What --resume / --continue find there, the
 * rows of a resumed directory, and the --init-from weights of each run. */
static int job_directory(struct run_job *j)
{
	const struct run_options *o = j->o;
	/* one writer: a directory that exists is locked before it is judged;
	 * a new one when it is made (job_start_records) */
	int rc = path_is_dir(j->outdir) ? outdir_lock(j->outdir, &j->lock_fd) : ERR_OK;
	if (!rc)
		rc = outdir_decide(o, j->outdir, j->config_text, &j->sub, &j->act);
	if (rc)
		return rc;
	/* what is there is read back and checked, also when it is complete
	 * and nothing is left to do */
	if (j->act != OUTDIR_START && ((rc = rundir_load(&j->prev, j->outdir, 0)) ||
				       (rc = outdir_check_rows(&j->prev, &j->sub, j->outdir,
							      experiment_has_rounds(&j->ex))) ||
				       (rc = rundir_check_curves(&j->prev)) ||
				       (rc = outdir_check_checkpoints(&j->prev))))
		return rc;
	/* its finished runs' digests, checked just now, are kept as they are */
	char *mpath = j->act != OUTDIR_START ? path_join(j->outdir, MANIFEST_NAME) : NULL;
	if (mpath && access(mpath, F_OK) == 0 && (rc = manifest_load(&j->prev_manifest, j->outdir))) {
		free(mpath);
		return rc;
	}
	free(mpath);
	if (j->act == OUTDIR_COMPLETE)
		return ERR_OK;
	j->facts.resumed = j->act == OUTDIR_RESUME;
	if (o->init_from) {
		j->ctx.init_dirs = calloc(j->ex.n_runs ? j->ex.n_runs : 1, sizeof(char *));
		if (!j->ctx.init_dirs)
			return err_set(ERR_RUNTIME, "out of memory");
		return outdir_init_dirs(o->init_from, &j->ex, &j->sub, j->ctx.init_dirs);
	}
	return ERR_OK;
}

/* Phase 3: the data, preprocessed, and the loss prepared for it on the
 * thread pool (one per replicate over batches, each preprocessed on its
 * own rows); refuses runs larger than this machine's memory. */
static int job_data(struct run_job *j)
{
	const struct experiment *ex = &j->ex;
	const struct loss_spec *ls = &ex->loss;
	j->n_data = ex->replicate_over == REPLICATE_BATCHES ? ex->replicates : 1;
	j->ds = calloc(j->n_data, sizeof(*j->ds));
	j->pre = calloc(j->n_data, sizeof(*j->pre));
	j->loss = calloc(j->n_data, sizeof(*j->loss));
	j->left_out = calloc(j->n_data, sizeof(int));
	j->subset_floor = malloc(j->n_data * sizeof(double));
	if (!j->ds || !j->pre || !j->loss || !j->left_out || !j->subset_floor)
		return err_set(ERR_RUNTIME, "out of memory");
	/* before the first BLAS call (the l_p floor): OpenBLAS would hang */
	int rc = addrspace_check(j->facts.threads + 1, 0);
	if (!rc)
		rc = par_create(&j->pool, j->facts.threads);
	for (int d = 0; d < j->n_data; d++)
		j->subset_floor[d] = NAN;
	for (int d = 0; d < j->n_data && !rc; d++) {
		struct data_spec spec = ex->data;
		if (ex->replicate_over == REPLICATE_BATCHES &&
		    (rc = rundata_subset(ex, d, &spec, &j->left_out[d])))
			break;
		if ((rc = rundata_load(&spec, &j->ds[d])))
			break;
		/* a resumed directory's rows were trained on the data recorded at
		 * its start (replicates over batches are not resumed) */
		if (j->facts.resumed && (rc = rundata_check_unchanged(&j->ds[d], j->outdir)))
			break;
		if (d == 0)
			rundata_report(ex, &j->ds[d], j->o->quiet);
		loss_init(&j->loss[d], ls->kind, ls->p, ls->form);
		if ((rc = preprocess_apply(&j->ds[d], ex->data.preprocess, &j->pre[d])) ||
		    (rc = loss_prepare(&j->loss[d], &j->ds[d], j->pool)))
			break;
		/* informational: a failure leaves the metadata without a floor;
		 * each data subset of a replicate has its own (the report's
		 * thresholds are set from it) */
		if (ls->kind == LOSS_LP) {
			struct lp_floor f;
			int ok = lp_floor(&j->ds[d], ls->p, &f, NULL) == ERR_OK;
			if (!ok)
				err_clear();
			if (ok && d == 0) {
				j->floor = f;
				j->facts.loss_floor = &j->floor;
			}
			j->subset_floor[d] = ok && !f.skipped ? f.loss : NAN;
		}
		/* a matrix problem's convex baseline, beside every run's metrics
		 * (for the records: not for a dry run or a shard plan, which write
		 * none; sensing's takes tens of seconds) */
		if (d == 0 && j->ds[d].matrix && !j->o->dry_run && !j->o->shard_plan) {
			j->facts.baseline = &j->baseline;
			if (nucnorm_solve(j->ds[d].matrix, NUCNORM_TOL, NUCNORM_MAX_ITER, 0, &j->baseline)) {
				/* informational, like the l_p floor: recorded as skipped */
				snprintf(j->baseline.failure, sizeof(j->baseline.failure), "%s", err_message());
				err_clear();
				fprintf(stderr, "overparam: warning: %s: no nuclear-norm baseline\n",
					j->baseline.failure);
			} else if (!j->o->quiet)
				fprintf(stderr, "overparam: data: least nuclear norm fitting the observations %.6g (test error %.4g, effective rank %.4g; %d ADMM steps, %.2f s)\n",
					j->baseline.nuclear, j->baseline.test_error, j->baseline.eff_rank,
					j->baseline.iterations, j->baseline.seconds);
		}
		if (!j->o->quiet && ex->replicate_over == REPLICATE_BATCHES)
			fprintf(stderr, "overparam: replicate %d: the data without batch%d.dat, %d rows\n",
				d + 1, j->left_out[d], j->ds[d].m);
	}
	if (rc)
		return rc;
	j->facts.loss_form = loss_form_used(&j->loss[0]);
	j->facts.n_subsets = ex->replicate_over == REPLICATE_BATCHES ? j->n_data : 0;
	j->facts.left_out_batch = j->left_out;
	j->facts.subset_floor = j->subset_floor;
	j->ctx.ex = ex;
	j->ctx.o = j->o;
	j->ctx.facts = &j->facts;
	j->ctx.outdir = j->outdir;
	j->ctx.ds = j->ds;
	j->ctx.loss = j->loss;
	j->ctx.manifest = &j->manifest;
	j->ctx.total = &j->total;
	j->ctx.prev_manifest = j->prev_manifest.n ? &j->prev_manifest : NULL;
	return blocks_check_memory(ex, &j->sub, j->ds, j->o->no_batch);
}

/* Phase 4: the directory's first records. config.json, and every run not
 * finished before as RUN_INTERRUPTED until it has run: that is what the
 * records say if this process is killed. */
static int job_start_records(struct run_job *j)
{
	struct experiment *ex = &j->ex;
	if (j->o->force)
		outdir_clear(j->outdir);
	afile_sweep(j->outdir); /* what an earlier run killed mid-write left */
	char *path = path_join(j->outdir, "runs");
	int rc = !path ? err_set(ERR_RUNTIME, "out of memory") : path_mkdirs(path);
	if (!rc && j->lock_fd < 0) {
		/* made just now: locked now, and still empty but for runs/ (a
		 * second `run` into the same new directory that got here first
		 * holds the lock, or has written its records) */
		if (!(rc = outdir_lock(j->outdir, &j->lock_fd)) && path_dir_nonempty(path))
			rc = err_set(ERR_INPUT, "'%s' was started by another overparam meanwhile: one writer per directory",
				     j->outdir);
		char *copy = rc ? NULL : path_join(j->outdir, "config.json");
		if (copy && access(copy, F_OK) == 0)
			rc = err_set(ERR_INPUT, "'%s' was started by another overparam meanwhile: one writer per directory",
				     j->outdir);
		free(copy);
	}
	if (!rc)
		afile_sweep(path);
	free(path);
	if (rc)
		return rc;
	path = path_join(j->outdir, "config.json");
	rc = !path ? err_set(ERR_RUNTIME, "out of memory")
		   : j->facts.resumed ? ERR_OK : afile_write_text(path, j->config_text);
	free(path);
	if (rc)
		return rc;
	int n = ex->n_runs ? ex->n_runs : 1;
	j->ctx.res = calloc(n, sizeof(*j->ctx.res));
	j->selected = calloc(n, sizeof(int));
	j->ctx.csv_names = calloc(n, sizeof(char *));
	if (!j->ctx.res || !j->selected || !j->ctx.csv_names)
		return err_set(ERR_RUNTIME, "out of memory");
	for (int i = 0; i < ex->n_runs; i++)
		if (!(j->ctx.csv_names[i] = output_run_filename(i, ex->runs[i].label)))
			return err_set(ERR_RUNTIME, "out of memory");
	for (int p = 0; p < j->sub.n; p++) {
		struct run_result *r = &j->ctx.res[j->sub.rows[p]];
		if (j->facts.resumed && strcmp(j->prev.runs[p].status, "interrupted") != 0) {
			rundir_run_result(&j->prev.runs[p], r); /* CSV kept */
		} else {
			r->status = RUN_INTERRUPTED;
			r->diverged_at = r->reached_at = -1;
		}
	}
	return write_records(&j->ctx, &j->sub, j->pre, j->selected, "incomplete");
}

/* Phase 5: training, block by block, then the grid rounds. */
static int job_train(struct run_job *j)
{
	stop_signals_install();
	j->ctx.interactive = !j->o->quiet && isatty(STDERR_FILENO);
	int rc = ERR_OK;
	for (int d = 0; d < j->n_data && !j->o->no_batch; d++)
		if ((rc = loss_reserve_batch(&j->loss[d], &j->ds[d], MAX_BATCH)))
			return rc;
	if ((rc = train_runs(&j->ctx, &j->sub, &j->sub, j->pre, j->selected, j->facts.resumed,
			     &j->interrupted)))
		return rc;
	if (experiment_has_rounds(&j->ex) && !j->sub.shard.count)
		rc = grid_rounds(&j->ctx, &j->ex, &j->sub, j->pre, &j->selected, &j->interrupted,
				 j->facts.resumed ? &j->prev : NULL);
	return rc;
}

/* Phase 6: each group's winner, the final records, the plot. */
static int job_finish(struct run_job *j)
{
	const struct run_options *o = j->o;
	struct run_subset *sub = &j->sub;
	/* A shard holds part of each group: its runs are selected by merge. */
	if (!sub->shard.count) {
		sweep_select(&j->ex, j->ctx.res, j->selected);
		sweep_warn_edges(stderr, &j->ex, j->selected);
	}
	int rc = write_records(&j->ctx, sub, j->pre, j->selected,
			       j->interrupted ? "interrupted" : "complete");
	if (rc)
		return rc;
	if (j->interrupted)
		return err_set(ERR_RUNTIME, "interrupted: finished runs are in '%s'", j->outdir);
	if (!o->no_plot && !sub->shard.count) {
		rc = plot_dir(j->outdir);
		if (!rc && !o->quiet)
			fprintf(stderr, "overparam: wrote '%s/loss.png'\n", j->outdir);
	}
	if (!rc && !o->quiet && sub->shard.count)
		fprintf(stderr, "overparam: shard %d/%d (%d of %d runs) in '%s'; merge the shards with 'overparam merge'\n",
			sub->shard.index, sub->shard.count, sub->n, j->ex.n_runs, j->outdir);
	else if (!rc && !o->quiet)
		fprintf(stderr, "overparam: results in '%s'\n", j->outdir);
	return rc;
}

static void job_release(struct run_job *j)
{
	int n = j->ex.n_runs;
	for (int i = 0; j->ctx.res && i < n; i++)
		run_result_release(&j->ctx.res[i]);
	for (int i = 0; j->ctx.csv_names && i < n; i++)
		free(j->ctx.csv_names[i]);
	for (int i = 0; j->ctx.init_dirs && i < n; i++)
		free(j->ctx.init_dirs[i]);
	free(j->ctx.init_dirs);
	free(j->ctx.res);
	free(j->ctx.csv_names);
	free(j->selected);
	run_subset_release(&j->sub);
	rundir_release(&j->prev);
	manifest_release(&j->manifest);
	manifest_release(&j->prev_manifest);
	for (int d = 0; d < j->n_data; d++) {
		if (j->pre)
			preprocess_info_release(&j->pre[d]);
		if (j->loss)
			loss_release(&j->loss[d]);
		if (j->ds)
			dataset_release(&j->ds[d]);
	}
	free(j->pre);
	free(j->loss);
	free(j->ds);
	free(j->left_out);
	free(j->subset_floor);
	par_free(j->pool);
	experiment_release(&j->ex);
	free(j->config_text);
	if (j->lock_fd >= 0)
		close(j->lock_fd); /* releases the lock */
}

int linear_cmd_run(const struct run_options *o, char *config_text)
{
	struct run_job j = {.o = o, .config_text = config_text, .lock_fd = -1};
	int rc = job_plan(&j);
	if (rc)
		goto out;
	/* BLAS calls are single-threaded: the data pass has its own threads,
	 * whose chunked sums do not depend on the thread count. */
	openblas_set_num_threads(1);
	if ((rc = shard_subset(&j.ex, &o->shard, &j.sub)))
		goto out;
	if (o->shard_plan || o->dry_run) { /* the data is checked, as a run would */
		if ((rc = job_data(&j)))
			goto out;
		if (o->shard_plan) {
			shard_print_plan(stdout, &j.ex, &o->shard);
			goto out;
		}
		struct dryrun_input in = {.config = o->config, .outdir = j.outdir, .ex = &j.ex, .sub = &j.sub,
					  .ds = j.ds, .loss = j.loss, .no_batch = o->no_batch,
					  .threads = j.facts.threads};
		rc = dryrun_print(stdout, &in);
		goto out;
	}
	if ((rc = job_directory(&j)))
		goto out;
	if (j.act == OUTDIR_COMPLETE) {
		if (!o->quiet)
			fprintf(stderr, "overparam: '%s' is complete: nothing to do\n", j.outdir);
		goto out;
	}
	if (!(rc = job_data(&j)) && !(rc = job_start_records(&j)) && !(rc = job_train(&j)))
		rc = job_finish(&j);
out:
	job_release(&j);
	return rc;
}
