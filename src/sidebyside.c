/* sidebyside: two run directories group by group (see sidebyside.h). */
#include "overparam/sidebyside.h"
#include "overparam/claims.h"
#include "overparam/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N_LEVELS 4

/* One row: group's selected run in rd ("A"/"B"), or absent. */
static int print_row(FILE *f, const struct rundir *rd, const char *which, const char *group,
		     const double *levels, int have_levels, double ratio)
{
	int i = rundir_selected(rd, group, 1);
	if (i < 0) {
		fprintf(f, "| %s | %s | (absent) | | | |", group, which);
		for (int j = 0; j < N_LEVELS && have_levels; j++)
			fputs(" |", f);
		fputs(" |\n", f);
		return ERR_OK;
	}
	const struct rundir_run *r = &rd->runs[i];
	fprintf(f, "| %s | %s | %s | %s | %.4g | ", group, which, *r->grid_point ? r->grid_point : "-",
		r->status, r->final_loss);
	if (isfinite(ratio))
		fprintf(f, "%.3g |", ratio);
	else
		fputs("|", f);
	if (have_levels) {
		struct curve c;
		int rc = rundir_curve(rd, i, &c);
		if (rc)
			return rc;
		for (int j = 0; j < N_LEVELS; j++) {
			long t = curve_first_reach(&c, levels[j]);
			if (t >= 0)
				fprintf(f, " %ld |", t);
			else
				fputs(" not reached |", f);
		}
		curve_release(&c);
	}
	if (isfinite(r->seconds))
		fprintf(f, " %.3g |\n", r->seconds);
	else
		fputs(" ? |\n", f);
	return ERR_OK;
}

/* The first run of group in rd, or -1. */
static int group_index(const struct rundir *rd, const char *group)
{
	for (int i = 0; i < rd->n_runs; i++)
		if (strcmp(rd->runs[i].group, group) == 0)
			return i;
	return -1;
}

int sidebyside_table(FILE *f, const struct rundir *a, const struct rundir *b)
{
	const struct rundir *rd[2] = {a, b};
	double levels[N_LEVELS];
	int have = rundir_levels(rd, 2, levels);
	fputs("| group | run | winner (grid point) | status | final loss | B / A |", f);
	for (int j = 0; j < N_LEVELS && have; j++)
		fprintf(f, " iterations to %.3g |", levels[j]);
	fputs(" seconds |\n|---|---|---|---|---|---|", f);
	for (int j = 0; j < N_LEVELS && have; j++)
		fputs("---|", f);
	fputs("---|\n", f);
	int rc = ERR_OK;
	/* every group of a in its order, then those only b has */
	for (int d = 0; d < 2 && !rc; d++)
		for (int i = 0; i < rd[d]->n_runs && !rc; i++) {
			const char *g = rd[d]->runs[i].group;
			if (group_index(rd[d], g) != i || (d == 1 && group_index(a, g) >= 0))
				continue; /* not its first run, or a has the group */
			int ia = rundir_selected(a, g, 1), ib = rundir_selected(b, g, 1);
			double ratio = ia >= 0 && ib >= 0 && a->runs[ia].final_loss > 0
					       ? b->runs[ib].final_loss / a->runs[ia].final_loss
					       : NAN;
			if (!(rc = print_row(f, a, "A", g, levels, have, NAN)))
				rc = print_row(f, b, "B", g, levels, have, ratio);
		}
	return rc;
}

int sidebyside_dirs(FILE *f, const char *a, const char *b)
{
	struct rundir rd[2];
	int loaded = 0, rc = ERR_OK;
	const char *dirs[2] = {a, b};
	while (loaded < 2 && !rc && !(rc = rundir_load(&rd[loaded], dirs[loaded], 0)))
		rc = rundir_check_curves(&rd[loaded++]); /* loaded: to release */
	if (!rc) {
		fprintf(f, "A: %s (%s)\nB: %s (%s)\n\n", a, rd[0].title, b, rd[1].title);
		rc = sidebyside_table(f, &rd[0], &rd[1]);
	}
	for (int i = 0; i < loaded; i++)
		rundir_release(&rd[i]);
	if (!rc && fflush(f) != 0)
		rc = err_set(ERR_RUNTIME, "cannot write the table");
	return rc;
}
