/* report: Markdown summary of run directories with claim verdicts (see
 * report.h). Claim arithmetic:
 *   level   = the larger of the two selected runs' final losses, i.e. the
 *             lowest loss both reached;
 *   t_a,t_b = first logged iteration at which each run's loss <= level;
 *             (or the claim's target when it has one);
 *   speedup = t_b / t_a; a is "faster" when speedup >= 1.25, "slower" when
 *             speedup <= 1/1.25, "similar" otherwise; a run that never
 *             reaches the level is slower than one that does, and a run
 *             whose loss never fell 1% below its start ("stalled") is
 *             slower than one whose loss did;
 *   tracks  = max over common logged iterations of |L_a - L_b| / L_b < 1e-2. */
#include "overparam/report.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/rundir.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SPEEDUP_MARGIN 1.25
#define TRACK_TOL 1e-2

/* Mean of c over its last tenth of rows (at least one). */
static double tail_mean(const struct curve *c)
{
	int k = c->n / 10 > 0 ? c->n / 10 : 1;
	double s = 0;
	for (int i = c->n - k; i < c->n; i++)
		s += c->loss[i];
	return c->n ? s / k : NAN;
}

static long first_reach(const struct curve *c, double level)
{
	for (int i = 0; i < c->n; i++)
		if (c->loss[i] <= level)
			return c->iter[i];
	return -1;
}

/* Evaluates one claim on one replicate's selected runs; writes a sentence
 * with the numbers into buf and a's speed-up over b into *speedup (NAN for
 * tracks). Returns 1 if it holds, 0 if not, -1 if it cannot be checked. */
static int eval_claim(const struct rundir *rd, const struct claim *cl, int rep, char *buf,
		      size_t n, double *speedup_out)
{
	*speedup_out = NAN;
	int ia = rundir_selected(rd, cl->a, rep), ib = rundir_selected(rd, cl->b, rep);
	if (ia < 0 || ib < 0) {
		snprintf(buf, n, "cannot be checked: no selected (non-diverged) run for '%s'",
			 ia < 0 ? cl->a : cl->b);
		return -1;
	}
	struct curve ca, cb;
	if (rundir_curve_column(rd, ia, cl->column, &ca)) {
		snprintf(buf, n, "cannot be checked: %s", err_message());
		return -1;
	}
	if (rundir_curve_column(rd, ib, cl->column, &cb)) {
		snprintf(buf, n, "cannot be checked: %s", err_message());
		curve_release(&ca);
		return -1;
	}
	const struct rundir_run *a = &rd->runs[ia], *b = &rd->runs[ib];
	int holds;
	const char *what = cl->column ? cl->column : "loss";
	if (cl->expect == CLAIM_LOWER) {
		double ma = tail_mean(&ca), mb = tail_mean(&cb);
		holds = mb >= SPEEDUP_MARGIN * ma;
		snprintf(buf, n,
			 "mean %s over the last tenth of the logged rows: '%s' %.4g, '%s' %.4g ('%s' %.2fx lower)",
			 what, a->label, ma, b->label, mb, a->label, mb / ma);
		*speedup_out = mb / ma;
	} else if (cl->expect == CLAIM_TRACKS) {
		double gap = 0;
		long at = 0;
		int common = ca.n < cb.n ? ca.n : cb.n;
		for (int i = 0; i < common && ca.iter[i] == cb.iter[i]; i++) {
			double g = fabs(ca.loss[i] - cb.loss[i]) / fabs(cb.loss[i]);
			if (!(g <= gap)) {
				gap = g;
				at = ca.iter[i];
			}
		}
		holds = gap < TRACK_TOL;
		snprintf(buf, n,
			 "largest relative loss gap between '%s' and '%s' over %d logged iterations: %.2e (at iteration %ld; tolerance %.0e)",
			 a->label, b->label, common, gap, at, TRACK_TOL);
	} else {
		/* Another column than the loss: its own first and last values. */
		double a0 = cl->column && ca.n ? ca.loss[0] : a->initial_loss;
		double b0 = cl->column && cb.n ? cb.loss[0] : b->initial_loss;
		double a1 = cl->column && ca.n ? ca.loss[ca.n - 1] : a->final_loss;
		double b1 = cl->column && cb.n ? cb.loss[cb.n - 1] : b->final_loss;
		double level = cl->target > 0 ? cl->target : fmax(a1, b1) * (1 + 1e-12);
		long ta = first_reach(&ca, level), tb = first_reach(&cb, level);
		double speedup = ta > 0 ? (double)tb / ta : (tb > 0 ? INFINITY : 1.0);
		/* A run that never got 1% below its start is stalled: slower
		 * than any run that did (the common level is then its own). */
		int stall_a = !(a1 < 0.99 * a0);
		int stall_b = !(b1 < 0.99 * b0);
		if (stall_a != stall_b)
			speedup = stall_a ? 0.0 : INFINITY;
		int faster = speedup >= SPEEDUP_MARGIN, slower = speedup <= 1 / SPEEDUP_MARGIN;
		switch (cl->expect) {
		case CLAIM_FASTER: holds = faster; break;
		case CLAIM_SLOWER: holds = slower; break;
		case CLAIM_NOT_FASTER: holds = !faster; break;
		default: holds = !faster && !slower; break;
		}
		if (ta < 0 || tb < 0)
			holds = cl->expect == CLAIM_FASTER ? ta >= 0
				: cl->expect == CLAIM_SIMILAR ? 0 : tb >= 0;
		snprintf(buf, n,
			 "'%s' reaches %s %.4g at iteration %ld, '%s' at iteration %ld: '%s' is %.2fx as fast (final %s %.4g and %.4g)",
			 a->label, what, level, ta, b->label, tb, a->label, speedup,
			 cl->column ? "values" : "losses", a1, b1);
		*speedup_out = speedup;
	}
	curve_release(&ca);
	curve_release(&cb);
	return holds;
}

/* A claim over every replicate: holds when it holds in each. With one
 * replicate, eval_claim's sentence; with S, "holds in k/S replicates",
 * the range of a's speed-up, and whether the range comes within 5% of the
 * 1.25 (or 1/1.25) threshold ("at the margin"), then replicate 1's
 * numbers. Returns 1, 0 or -1 (no replicate could be checked). */
static int eval_claim_all(const struct rundir *rd, const struct claim *cl, char *buf,
			  size_t n)
{
	double s;
	int S = rd->n_replicates;
	if (S <= 1)
		return eval_claim(rd, cl, 1, buf, n, &s);
	int holds = 0, checked = 0, margin = 0;
	double lo = INFINITY, hi = -INFINITY;
	char first[600] = "", one[600];
	for (int r = 1; r <= S; r++) {
		int v = eval_claim(rd, cl, r, one, sizeof(one), &s);
		if (r == 1)
			snprintf(first, sizeof(first), "%s", one);
		checked += v >= 0;
		holds += v == 1;
		if (!isnan(s)) {
			lo = fmin(lo, s);
			hi = fmax(hi, s);
			for (int k = -1; k <= 1; k += 2) {
				double t = pow(SPEEDUP_MARGIN, k);
				margin |= s > t / 1.05 && s < t * 1.05;
			}
		}
	}
	int len = snprintf(buf, n, "holds in %d/%d replicates", holds, S);
	if (checked < S)
		len += snprintf(buf + len, n - len, " (%d could not be checked)", S - checked);
	if (lo <= hi)
		len += snprintf(buf + len, n - len, ", speed-up %.2fx-%.2fx", lo, hi);
	if (margin)
		len += snprintf(buf + len, n - len, ", at the margin (within 5%% of %.2fx)",
				SPEEDUP_MARGIN);
	snprintf(buf + len, n - len, "; replicate 1: %s", first);
	if (checked == 0)
		return -1;
	return holds == S ? 1 : 0;
}

static void runs_table(FILE *f, const struct rundir *rd)
{
	double hi = INFINITY, lo = INFINITY;
	for (int i = 0; i < rd->n_runs; i++)
		if (rd->runs[i].selected && rd->runs[i].replicate == 1) {
			hi = fmin(hi, rd->runs[i].initial_loss);
			lo = fmin(lo, rd->runs[i].final_loss);
		}
	if (isfinite(hi) && lo <= 0)
		lo = hi * 1e-12; /* solved to rounding: levels down to 1e-12 of the start */
	if (!isfinite(hi) || !isfinite(lo) || hi <= lo) {
		fputs("(no selected run with a decreasing loss)\n\n", f);
		return;
	}
	double levels[4];
	for (int j = 0; j < 4; j++)
		levels[j] = hi * pow(lo / hi, 0.25 * (j + 1)) * (1 + 1e-12);
	fputs("| run (selected) | grid point | status | final loss |", f);
	for (int j = 0; j < 4; j++)
		fprintf(f, " iterations to %.3g |", levels[j]);
	fputs("\n|---|---|---|---|---|---|---|---|\n", f);
	for (int i = 0; i < rd->n_runs; i++) {
		const struct rundir_run *r = &rd->runs[i];
		if (!r->selected || r->replicate != 1)
			continue;
		fprintf(f, "| %s | %s | %s | %.4g |", r->group,
			*r->grid_point ? r->grid_point : "-", r->status, r->final_loss);
		struct curve c;
		if (rundir_curve(rd, i, &c)) {
			fputs(" ? | ? | ? | ? |\n", f);
			continue;
		}
		for (int j = 0; j < 4; j++) {
			long t = first_reach(&c, levels[j]);
			if (t >= 0)
				fprintf(f, " %ld |", t);
			else
				fputs(" not reached |", f);
		}
		fputc('\n', f);
		curve_release(&c);
	}
	fputc('\n', f);
}

/* Winners at the edge of their grid, and the loss-versus-rate plot. */
static void grid_edge_notes(FILE *f, const struct rundir *rd)
{
	int any = 0;
	for (int i = 0; i < rd->n_runs; i++) {
		const struct rundir_run *r = &rd->runs[i];
		if (!*r->grid_edge)
			continue;
		if (!any)
			fputs("Winners at the edge of their grid (extend the grid that way):\n\n", f);
		any = 1;
		fprintf(f, "- %s: winner %s:", rd->n_replicates > 1 ? r->label : r->group,
			r->grid_point);
		/* "lr=largest;std=smallest" -> " the largest lr tried; ..." */
		char edge[256];
		snprintf(edge, sizeof(edge), "%s", r->grid_edge);
		int k = 0;
		for (char *part = strtok(edge, ";"); part; part = strtok(NULL, ";"), k++) {
			char *eq = strchr(part, '=');
			if (eq)
				*eq = '\0';
			fprintf(f, "%s the %s %s tried", k ? ";" : "", eq ? eq + 1 : "", part);
		}
		fputc('\n', f);
	}
	if (any)
		fputc('\n', f);
	char name[16];
	snprintf(name, sizeof(name), "lr.%s", rd->format);
	char *png = path_join(rd->dir, name);
	if (png && access(png, F_OK) == 0)
		fprintf(f, "![final loss per learning rate](%s/%s)\n\n", rd->dir, name);
	free(png);
}

/* How close to divergence each grid's winner was: the smallest learning
 * rate above the winner's that diverged (other coordinates equal). */
static void stability_notes(FILE *f, const struct rundir *rd)
{
	int any = 0;
	for (int i = 0; i < rd->n_runs; i++) {
		const struct rundir_run *w = &rd->runs[i];
		double lr;
		if (!w->selected || w->replicate != 1 || !rundir_grid_value(w->grid_point, "lr", &lr))
			continue;
		double div = INFINITY;
		int larger = 0;
		for (int j = 0; j < rd->n_runs; j++) {
			const struct rundir_run *q = &rd->runs[j];
			double v;
			if (j == i || strcmp(q->group, w->group) != 0 || q->replicate != 1 ||
			    !rundir_grid_value(q->grid_point, "lr", &v) || v <= lr)
				continue;
			larger++;
			if (strcmp(q->status, "diverged") == 0 && v < div)
				div = v;
		}
		if (!any)
			fputs("Stability of each winner (selection by the final loss: a rate that diverged before the last iteration never wins):\n\n", f);
		any = 1;
		if (isfinite(div))
			fprintf(f, "- %s: winner lr=%g; the smallest rate that diverged is %g (%.3gx the winner's)\n",
				w->group, lr, div, div / lr);
		else
			fprintf(f, "- %s: winner lr=%g; %s\n", w->group, lr,
				larger ? "no larger rate of the grid diverged" : "no larger rate was tried");
	}
	if (any)
		fputc('\n', f);
}

/* Groups with no winner: every run diverged. */
static void no_winner_notes(FILE *f, const struct rundir *rd)
{
	int any = 0;
	for (int i = 0; i < rd->n_runs; i++) {
		const struct rundir_run *r = &rd->runs[i];
		int first = 1, size = 0;
		long earliest = -1, latest = -1;
		for (int j = 0; j < i && first; j++)
			first = strcmp(rd->runs[j].group, r->group) != 0;
		if (!first || r->replicate != 1 || rundir_selected(rd, r->group, 1) >= 0)
			continue;
		for (int j = i; j < rd->n_runs; j++) {
			const struct rundir_run *q = &rd->runs[j];
			if (strcmp(q->group, r->group) != 0 || q->replicate != 1)
				continue;
			size++;
			if (earliest < 0 || q->diverged_at < earliest)
				earliest = q->diverged_at;
			if (q->diverged_at > latest)
				latest = q->diverged_at;
		}
		if (!any)
			fputs("Models with no winner (no run survived):\n\n", f);
		any = 1;
		if (size == 1)
			fprintf(f, "- %s: **no winner**: its run diverged at iteration %ld\n", r->group,
				earliest);
		else
			fprintf(f, "- %s: **no winner**: all %d grid points diverged (iterations %ld to %ld)\n",
				r->group, size, earliest, latest);
	}
	if (any)
		fputc('\n', f);
}

/* Grid points that beat their group's winner before diverging. */
static void grid_notes(FILE *f, const struct rundir *rd)
{
	int any = 0, diverged = 0, grid = 0;
	for (int i = 0; i < rd->n_runs; i++) {
		const struct rundir_run *r = &rd->runs[i];
		grid += *r->grid_point != '\0';
		diverged += strcmp(r->status, "diverged") == 0;
		int w = rundir_selected(rd, r->group, r->replicate);
		if (w < 0 || strcmp(r->status, "diverged") != 0 ||
		    !(r->min_loss < rd->runs[w].final_loss))
			continue;
		if (!any)
			fputs("Grid points that went below their winner's final loss and then diverged:\n\n", f);
		any = 1;
		fprintf(f, "- %s: loss %.4g before diverging at iteration %ld (winner %s: %.4g)\n",
			r->label, r->min_loss, r->diverged_at, rd->runs[w].label,
			rd->runs[w].final_loss);
	}
	if (any)
		fputc('\n', f);
	if (grid)
		fprintf(f, "%d runs in all (%d diverged); every grid point is in `%s/summary.csv`.\n\n",
			rd->n_runs, diverged, rd->dir);
}

int report_write(char *const *dirs, int n, const char *out_path, int *n_hold,
		 int *n_claims)
{
	struct rundir *rds = calloc(n, sizeof(*rds));
	if (!rds)
		return err_set(ERR_RUNTIME, "out of memory");
	int rc = ERR_OK, loaded = 0;
	for (; loaded < n && !rc; loaded++)
		rc = rundir_load(&rds[loaded], dirs[loaded], 1);
	if (rc) {
		loaded--;
		goto out;
	}
	struct afile af = {0};
	FILE *f = stdout;
	if (out_path) {
		if ((rc = afile_open(&af, out_path)))
			goto out;
		f = af.f;
	}
	int hold = 0, total = 0;
	char buf[1024];
	/* The rule, printed from the constants eval_claim uses. */
	fprintf(f, "# overparam report\n\n"
		"Each claim in the configs is checked on the selected (best, non-diverged) run of each model: "
		"'faster' means reaching the level both reached (the larger of the two final losses, or the claim's target) in at most 1/%g of the iterations; "
		"'tracks' means losses within %g relative at every logged iteration; "
		"'lower' means a mean over the last tenth of the logged rows at most 1/%g of the other's.\n\n"
		"| figure | claim | verdict |\n|---|---|---|\n",
		SPEEDUP_MARGIN, TRACK_TOL, SPEEDUP_MARGIN);
	for (int d = 0; d < n; d++)
		for (int c = 0; c < rds[d].n_claims; c++) {
			int v = eval_claim_all(&rds[d], &rds[d].claims[c], buf, sizeof(buf));
			hold += v == 1;
			total++;
			fprintf(f, "| %s | %s | %s |\n", rds[d].title, rds[d].claims[c].text,
				v == 1 ? "holds" : v == 0 ? "**does not hold**" : "not checked");
		}
	fprintf(f, "\n%d of %d claims hold.\n\n", hold, total);
	for (int d = 0; d < n; d++) {
		const struct rundir *rd = &rds[d];
		fprintf(f, "## %s\n\n", rd->title);
		if (rd->description && *rd->description)
			fprintf(f, "%s\n\n", rd->description);
		char name[16];
		snprintf(name, sizeof(name), "loss.%s", rd->format);
		char *png = path_join(rd->dir, name);
		if (png && access(png, F_OK) == 0)
			fprintf(f, "![%s](%s/%s)\n\n", rd->title, rd->dir, name);
		else
			fprintf(f, "(no plot: `overparam plot %s` draws it)\n\n", rd->dir);
		free(png);
		runs_table(f, rd);
		no_winner_notes(f, rd);
		grid_edge_notes(f, rd);
		stability_notes(f, rd);
		for (int c = 0; c < rd->n_claims; c++) {
			int v = eval_claim_all(rd, &rd->claims[c], buf, sizeof(buf));
			fprintf(f, "- **%s** (expected: %s) %s: %s.\n",
				v == 1 ? "holds" : v == 0 ? "does not hold" : "not checked",
				claim_expect_name(rd->claims[c].expect), rd->claims[c].text, buf);
		}
		if (rd->n_claims)
			fputc('\n', f);
		grid_notes(f, rd);
	}
	if (n_hold)
		*n_hold = hold;
	if (n_claims)
		*n_claims = total;
	if (out_path)
		rc = afile_commit(&af);
	else if (fflush(stdout) != 0)
		rc = err_set(ERR_RUNTIME, "cannot write the report to standard output");
out:
	for (int d = 0; d < loaded; d++)
		rundir_release(&rds[d]);
	free(rds);
	return rc;
}
