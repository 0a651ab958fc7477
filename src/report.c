/* report: Markdown summary of run directories with claim verdicts (see
 * report.h); the verdicts are claims.c's. */
#include "overparam/report.h"
#include "overparam/claims.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/rundir.h"
#include "overparam/sidebyside.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void runs_table(FILE *f, const struct rundir *rd)
{
	double levels[4];
	if (!rundir_levels(&rd, 1, levels)) {
		fputs("(no selected run with a decreasing loss)\n\n", f);
		return;
	}
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
			long t = curve_first_reach(&c, levels[j]);
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

/* An image of run directory dir, when it exists, as a Markdown image line
 * whose path works from the report's directory link_base (NULL: the
 * working directory, for a report on stdout). Returns whether it wrote one. */
static int image_link(FILE *f, const char *alt, const char *dir, const char *name,
		      const char *link_base)
{
	char *file = path_join(dir, name);
	int exists = file && access(file, F_OK) == 0;
	char *link = exists && link_base ? path_relative(link_base, file) : NULL;
	if (exists)
		fprintf(f, "![%s](%s)\n\n", alt, link ? link : file);
	free(link);
	free(file);
	return exists;
}

/* Winners at the edge of their grid, and the loss-versus-rate plot. */
/* A matrix problem's numbers (metadata.json has its nuclear-norm
 * baseline): per group, the run with the lowest last test error over its
 * finished runs (over the grid: the figure's best, not a selection rule),
 * with its last nuclear norm and effective rank, beside the baseline's; and
 * the matrix figures when drawn. */
static void matrix_table(FILE *f, const struct rundir *rd, const char *link_base)
{
	static const char *const cols[3] = {"test_error", "nuclear", "eff_rank"};
	if (isnan(rundir_baseline(rd, "nuclear")))
		return;
	fputs("| group | its lowest last test error (run) | nuclear norm | effective rank |\n|---|---|---|---|\n", f);
	for (int i = 0; i < rd->n_runs; i++) {
		const struct rundir_run *r = &rd->runs[i];
		if (r->replicate != 1 || !rundir_group_first(rd, i))
			continue;
		int best = -1;
		double v[3] = {NAN, NAN, NAN}, bv[3] = {NAN, NAN, NAN};
		for (int j = i; j < rd->n_runs; j++) {
			const struct rundir_run *q = &rd->runs[j];
			if (strcmp(q->group, r->group) || q->replicate != 1 || !rundir_run_finished(q) ||
			    !strcmp(q->status, "diverged"))
				continue;
			int ok = 1;
			for (int c = 0; c < 3 && ok; c++) {
				struct curve cv;
				ok = rundir_curve_column(rd, j, cols[c], &cv) == ERR_OK && cv.n > 0;
				if (ok)
					v[c] = cv.loss[cv.n - 1];
				curve_release(&cv); /* zeroed on failure too */
			}
			err_clear();
			if (ok && (best < 0 || v[0] < bv[0])) {
				best = j;
				memcpy(bv, v, sizeof(v));
			}
		}
		if (best < 0)
			fprintf(f, "| %s | - | - | - |\n", r->group);
		else
			fprintf(f, "| %s | %.4g (%s) | %.6g | %.4g |\n", r->group, bv[0], rd->runs[best].label,
				bv[1], bv[2]);
	}
	fprintf(f, "| minimum nuclear norm (ADMM) | %.4g | %.6g | %.4g |\n\n",
		rundir_baseline(rd, "test_error"), rundir_baseline(rd, "nuclear"),
		rundir_baseline(rd, "eff_rank"));
	static const char *const figures[2] = {"scale", "sv"};
	static const char *const captions[2] = {"last test error per init.scale",
						"singular values of W_e"};
	for (int k = 0; k < 2; k++) {
		char name[32];
		snprintf(name, sizeof(name), "%s.%s", figures[k], rd->format);
		char *path = path_join(rd->dir, name);
		if (path && access(path, F_OK) == 0)
			image_link(f, captions[k], rd->dir, name, link_base);
		free(path);
	}
}

static void grid_edge_notes(FILE *f, const struct rundir *rd, const char *link_base)
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
	image_link(f, "final loss per learning rate", rd->dir, name, link_base);
}

/* How close to divergence each grid's winner was: the smallest learning
 * rate above the winner's that diverged (other coordinates equal). */
static void stability_notes(FILE *f, const struct rundir *rd)
{
	int any = 0;
	for (int i = 0; i < rd->n_runs; i++) {
		const struct rundir_run *w = &rd->runs[i];
		double lr;
		if (!w->selected || w->replicate != 1 || !grid_point_value(&w->grid, "lr", &lr))
			continue;
		double div = INFINITY;
		int larger = 0;
		for (int j = 0; j < rd->n_runs; j++) {
			const struct rundir_run *q = &rd->runs[j];
			double v;
			if (j == i || strcmp(q->group, w->group) != 0 || q->replicate != 1 ||
			    !grid_point_value(&q->grid, "lr", &v) || v <= lr)
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
		int size = 0;
		long earliest = -1, latest = -1;
		if (!rundir_group_first(rd, i) || r->replicate != 1 || rundir_selected(rd, r->group, 1) >= 0)
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
		grid += r->grid.n > 0;
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

/* The table of every claim of every directory, counted by verdict into
 * count[extra][verdict], and the counts; returns how many claims. */
static int claims_table(FILE *f, const struct rundir *rds, int n, int count[2][N_VERDICTS])
{
	struct claim_outcome outcome;
	int total = 0;
	fputs("\n\n| figure | claim | verdict | numbers (a vs b; ranges over replicates) | why (verdicts other than reproduced) |\n|---|---|---|---|---|\n", f);
	for (int d = 0; d < n; d++)
		for (int c = 0; c < rds[d].n_claims; c++) {
			const struct claim *cl = &rds[d].claims[c];
			enum verdict v = claims_verdict(&rds[d], cl, &outcome);
			count[cl->extra][v]++;
			total++;
			fprintf(f, "| %s | %s%s | %s%s%s | %s | %s |\n", rds[d].title,
				cl->extra ? "(extra) " : "", cl->text, v == VERDICT_REPRODUCED ? "" : "**",
				claims_verdict_word(v), v == VERDICT_REPRODUCED ? "" : "**",
				outcome.brief, outcome.reason);
		}
	fputc('\n', f);
	for (int e = 0; e < 2; e++) { /* the counts, the paper's and ours apart */
		int all = 0;
		for (int v = 0; v < N_VERDICTS; v++)
			all += count[e][v];
		if (!all)
			continue;
		fprintf(f, "%s: %d;", e ? "Our extra checks (not the paper's, counted apart)"
					: "The paper's statements", all);
		for (int v = 0; v < N_VERDICTS; v++)
			fprintf(f, " %s %d%s", claims_verdict_word((enum verdict)v), count[e][v],
				v + 1 < N_VERDICTS ? "," : ".\n");
	}
	fputc('\n', f);
	return total;
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
	for (int i = 0; i < loaded && !rc; i++)
		rc = rundir_check_curves(&rds[i]);
	if (!rc)
		rc = rundir_titles_apart(rds, loaded);
	if (rc)
		goto out;
	struct afile af = {0};
	FILE *f = stdout;
	char *link_base = NULL; /* the report's directory, for image links */
	if (out_path) {
		if ((rc = afile_open(&af, out_path)))
			goto out;
		f = af.f;
		if (!(link_base = path_dirname(out_path))) {
			afile_abort(&af);
			rc = err_set(ERR_RUNTIME, "out of memory");
			goto out;
		}
	}
	int count[2][N_VERDICTS] = {{0}}, total = 0;
	struct claim_outcome outcome;
	fputs("# overparam report\n\n", f);
	claims_print_rule(f);
	total = claims_table(f, rds, n, count);
	if (n == 2) {
		fprintf(f, "## Side by side: A %s, B %s\n\n", rds[0].dir, rds[1].dir);
		if ((rc = sidebyside_table(f, &rds[0], &rds[1])))
			goto abort;
		fputc('\n', f);
	}
	for (int d = 0; d < n; d++) {
		const struct rundir *rd = &rds[d];
		fprintf(f, "## %s\n\n", rd->title);
		if (rd->description && *rd->description)
			fprintf(f, "%s\n\n", rd->description);
		if (rd->data_note)
			fprintf(f, "%s\n\n", rd->data_note);
		char name[16];
		snprintf(name, sizeof(name), "loss.%s", rd->format);
		if (!image_link(f, rd->title, rd->dir, name, link_base))
			fprintf(f, "(no plot: `overparam plot %s` draws it)\n\n", rd->dir);
		runs_table(f, rd);
		matrix_table(f, rd, link_base);
		no_winner_notes(f, rd);
		grid_edge_notes(f, rd, link_base);
		stability_notes(f, rd);
		for (int c = 0; c < rd->n_claims; c++) {
			const struct claim *cl = &rd->claims[c];
			enum verdict v = claims_verdict(rd, cl, &outcome);
			fprintf(f, "- **%s** (expected: %s) %s%s: %s.\n", claims_verdict_word(v),
				claim_expect_name(cl->expect), cl->extra ? "(extra) " : "", cl->text,
				outcome.detail);
		}
		if (rd->n_claims)
			fputc('\n', f);
		grid_notes(f, rd);
	}
	if (n_hold)
		*n_hold = count[0][VERDICT_REPRODUCED] + count[1][VERDICT_REPRODUCED];
	if (n_claims)
		*n_claims = total;
	free(link_base);
	if (out_path)
		rc = afile_commit(&af);
	else if (fflush(stdout) != 0)
		rc = err_set(ERR_RUNTIME, "cannot write the report to standard output");
	goto out;
abort:
	free(link_base);
	if (out_path)
		afile_abort(&af);
out:
	for (int d = 0; d < loaded; d++)
		rundir_release(&rds[d]);
	free(rds);
	return rc;
}
