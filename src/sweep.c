/* sweep: best grid point per group (see sweep.h). */
#include "overparam/sweep.h"

#include <string.h>

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
			if (strcmp(ex->runs[j].group, ex->runs[i].group) == 0)
				first = 0;
		if (!first)
			continue;
		int best = -1;
		for (int j = i; j < n; j++) {
			if (strcmp(ex->runs[j].group, ex->runs[i].group) != 0)
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
