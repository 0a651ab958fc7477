/* refine: extension and refinement rounds of learning-rate grids (see
 * refine.h). */
#include "overparam/refine.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 if run r's grid point varies the learning rate alone. */
static int lr_only(const struct run_spec *r)
{
	return grid_point_lr_only(&r->grid);
}

/* The nearest learning rates below and above run w's among the runs of
 * its group and replicate (0 when there is none). */
static void neighbours(const struct experiment *ex, int w, double *lo, double *hi)
{
	const struct run_spec *rw = &ex->runs[w];
	*lo = *hi = 0;
	for (int j = 0; j < ex->n_runs; j++) {
		const struct run_spec *r = &ex->runs[j];
		if (j == w || !lr_only(r) || r->replicate != rw->replicate ||
		    strcmp(r->group, rw->group) != 0)
			continue;
		double x = r->optim.lr;
		if (x < rw->optim.lr && (*lo == 0 || x > *lo))
			*lo = x;
		if (x > rw->optim.lr && (*hi == 0 || x < *hi))
			*hi = x;
	}
}

/* 1 if w's group and replicate already tried lr (to 6 digits). */
static int has_rate(const struct experiment *ex, int w, double lr)
{
	for (int j = 0; j < ex->n_runs; j++) {
		const struct run_spec *r = &ex->runs[j];
		if (lr_only(r) && r->replicate == ex->runs[w].replicate &&
		    strcmp(r->group, ex->runs[w].group) == 0 && r->optim.lr == lr)
			return 1;
	}
	return 0;
}

/* Appends a copy of run w with learning rate lr (rounded to 6 digits). */
static int add_rate(struct experiment *ex, int w, double lr, int *added)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%.6g", lr);
	lr = strtod(buf, NULL);
	if (!(lr > 0) || has_rate(ex, w, lr))
		return ERR_OK;
	struct run_spec *nr = realloc(ex->runs, (size_t)(ex->n_runs + 1) * sizeof(*nr));
	if (!nr)
		return err_set(ERR_RUNTIME, "out of memory");
	ex->runs = nr;
	const struct run_spec *src = &ex->runs[w];
	struct run_spec *dst = &ex->runs[ex->n_runs];
	*dst = *src;
	char point[64], label[800];
	dst->grid = (struct grid_point){0};
	grid_point_add(&dst->grid, "lr", lr);
	grid_point_format(&dst->grid, point, sizeof(point));
	if (ex->replicates > 1)
		snprintf(label, sizeof(label), "%s [%s] #%d", src->group, point, src->replicate + 1);
	else
		snprintf(label, sizeof(label), "%s [%s]", src->group, point);
	int nh = src->depth > 1 ? src->depth - 1 : 0;
	dst->label = str_dup(label);
	dst->group = str_dup(src->group);
	dst->hidden = malloc((size_t)(nh ? nh : 1) * sizeof(int));
	if (!dst->label || !dst->group || !dst->hidden) {
		free(dst->label);
		free(dst->group);
		free(dst->hidden);
		return err_set(ERR_RUNTIME, "out of memory");
	}
	memcpy(dst->hidden, src->hidden, (size_t)nh * sizeof(int));
	dst->optim.lr = lr;
	ex->n_runs++;
	(*added)++;
	return ERR_OK;
}

int refine_round(struct experiment *ex, const int *selected, int *added)
{
	*added = 0;
	int n = ex->n_runs, rc = ERR_OK;
	if (ex->rounds_extended < ex->select.extend) {
		for (int w = 0; w < n && !rc; w++) {
			if (!selected[w] || !lr_only(&ex->runs[w]))
				continue;
			enum grid_side side[GRID_MAX_AXES];
			double lo, hi, x = ex->runs[w].optim.lr;
			sweep_edge(ex, selected, w, side); /* lr_only: side[0] is the rate's */
			neighbours(ex, w, &lo, &hi);
			if (side[0] == GRID_LARGEST && lo > 0)
				rc = add_rate(ex, w, x * x / lo, added);
			else if (side[0] == GRID_SMALLEST && hi > 0)
				rc = add_rate(ex, w, x * x / hi, added);
		}
		if (*added || rc) {
			ex->rounds_extended++;
			return rc;
		}
	}
	if (ex->rounds_refined >= ex->select.refine)
		return rc;
	for (int w = 0; w < n && !rc; w++) {
		if (!selected[w] || !lr_only(&ex->runs[w]))
			continue;
		double lo, hi, x = ex->runs[w].optim.lr;
		neighbours(ex, w, &lo, &hi);
		if (lo > 0)
			rc = add_rate(ex, w, sqrt(x * lo), added);
		if (!rc && hi > 0)
			rc = add_rate(ex, w, sqrt(x * hi), added);
	}
	ex->rounds_refined++;
	return rc;
}
