/* sweep: best grid point per group (see sweep.h). */
#include "overparam/sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 if runs i and j compete: the same group and replicate. */
static int same_group(const struct experiment *ex, int i, int j)
{
	return strcmp(ex->runs[i].group, ex->runs[j].group) == 0 &&
	       ex->runs[i].replicate == ex->runs[j].replicate;
}

/* 1 if run a beats run b under sel. */
static int better(const struct select_spec *sel, const struct run_result *a,
		  const struct run_result *b)
{
	if (sel->by == SELECT_TIME_TO_TARGET) {
		int ra = a->reached_at >= 0, rb = b->reached_at >= 0;
		if (ra != rb)
			return ra;
		if (ra && a->reached_at != b->reached_at)
			return a->reached_at < b->reached_at;
	}
	return a->final_loss < b->final_loss;
}

void sweep_select(const struct experiment *ex, const struct run_result *res,
		  int *selected)
{
	int n = ex->n_runs;
	for (int i = 0; i < n; i++)
		selected[i] = 0;
	for (int i = 0; i < n; i++) {
		/* Handle each group once, at its first run. */
		int first = 1;
		for (int j = 0; j < i && first; j++)
			if (same_group(ex, i, j))
				first = 0;
		if (!first)
			continue;
		int best = -1;
		for (int j = i; j < n; j++) {
			if (!same_group(ex, i, j))
				continue;
			if (res[j].status != RUN_OK && res[j].status != RUN_CONVERGED)
				continue;
			if (best < 0 || better(&ex->select, &res[j], &res[best]))
				best = j;
		}
		if (best >= 0)
			selected[best] = 1;
	}
}

void sweep_edge(const struct experiment *ex, const int *selected, int i,
		enum grid_side side[GRID_MAX_AXES])
{
	const struct grid_point *g = &ex->runs[i].grid;
	for (int a = 0; a < GRID_MAX_AXES; a++)
		side[a] = GRID_INSIDE;
	if (!selected[i])
		return;
	for (int a = 0; a < g->n; a++) {
		int below = 0, above = 0;
		for (int j = 0; j < ex->n_runs; j++) {
			const struct grid_point *o = &ex->runs[j].grid;
			if (j == i || !same_group(ex, i, j) || o->n != g->n)
				continue;
			int same = 1; /* the other coordinates equal the winner's */
			for (int b = 0; b < g->n && same; b++)
				same = strcmp(o->key[b], g->key[b]) == 0 &&
				       (b == a || o->value[b] == g->value[b]);
			if (!same)
				continue;
			below |= o->value[a] < g->value[a];
			above |= o->value[a] > g->value[a];
		}
		if (below != above) /* else inside the grid, or a grid of one value */
			side[a] = above ? GRID_SMALLEST : GRID_LARGEST;
	}
}

void sweep_warn_edges(FILE *f, const struct experiment *ex, const int *selected)
{
	for (int i = 0; i < ex->n_runs; i++) {
		enum grid_side side[GRID_MAX_AXES];
		char point[512], edge[512];
		sweep_edge(ex, selected, i, side);
		grid_edge_format(&ex->runs[i].grid, side, edge, sizeof(edge));
		grid_point_format(&ex->runs[i].grid, point, sizeof(point));
		if (*edge)
			fprintf(f, "overparam: warning: '%s': the winner %s is at the edge of its grid (%s): extend the grid\n",
				ex->replicates > 1 ? ex->runs[i].label : ex->runs[i].group,
				point, edge);
	}
}
