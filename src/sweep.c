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
			if (res[j].status != RUN_OK)
				continue;
			if (best < 0 || better(&ex->select, &res[j], &res[best]))
				best = j;
		}
		if (best >= 0)
			selected[best] = 1;
	}
}

/* Splits "k1=v1,k2=v2" into at most max keys and values; returns the count. */
static int grid_axes(const char *point, char keys[][32], double *vals, int max)
{
	int n = 0;
	const char *p = point;
	while (*p && n < max) {
		const char *eq = strchr(p, '=');
		if (!eq)
			break;
		snprintf(keys[n], 32, "%.*s", (int)(eq - p), p);
		char *end;
		vals[n++] = strtod(eq + 1, &end);
		p = *end == ',' ? end + 1 : end;
	}
	return n;
}

void sweep_edge(const struct experiment *ex, const int *selected, int i, char *buf,
		size_t size)
{
	buf[0] = '\0';
	if (!selected[i])
		return;
	char keys[8][32], other[8][32];
	double vals[8], ov[8];
	int n = grid_axes(ex->runs[i].grid_point, keys, vals, 8);
	for (int a = 0; a < n; a++) {
		int below = 0, above = 0;
		for (int j = 0; j < ex->n_runs; j++) {
			if (j == i || !same_group(ex, i, j))
				continue;
			if (grid_axes(ex->runs[j].grid_point, other, ov, 8) != n)
				continue;
			int same = 1; /* the other coordinates equal the winner's */
			for (int b = 0; b < n && same; b++)
				same = strcmp(other[b], keys[b]) == 0 && (b == a || ov[b] == vals[b]);
			if (!same)
				continue;
			below |= ov[a] < vals[a];
			above |= ov[a] > vals[a];
		}
		if (below == above) /* inside the grid, or a grid of one value */
			continue;
		size_t len = strlen(buf);
		snprintf(buf + len, size - len, "%s%s=%s", len ? ";" : "", keys[a],
			 above ? "smallest" : "largest");
	}
}
