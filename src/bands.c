/* bands: min, median and max over replicates of each group's winning
 * curve (see bands.h). */
#include "overparam/bands.h"
#include "overparam/error.h"

#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void band_free(struct band *b)
{
	free(b->iter);
	free(b->lo);
	free(b->med);
	free(b->hi);
}

/* The band of one group: its selected curve in each replicate. */
static int band_of(const struct rundir *rd, const char *group, struct band *b)
{
	int S = rd->n_replicates > 1 ? rd->n_replicates : 1, rc = ERR_OK;
	struct curve *c = calloc(S, sizeof(*c));
	double *col = malloc(S * sizeof(double));
	memset(b, 0, sizeof(*b));
	b->group = group;
	if (!c || !col)
		rc = err_set(ERR_RUNTIME, "out of memory");
	for (int r = 1; r <= S && !rc; r++) {
		int i = rundir_selected(rd, group, r);
		if (i >= 0 && !(rc = rundir_curve(rd, i, &c[b->n_reps])))
			b->n_reps++;
	}
	/* the rows every replicate logged at the same iterations */
	int n = b->n_reps ? c[0].n : 0;
	for (int k = 1; k < b->n_reps; k++) {
		int m = 0;
		while (m < n && m < c[k].n && c[k].iter[m] == c[0].iter[m])
			m++;
		n = m;
	}
	b->iter = malloc((n ? n : 1) * sizeof(long));
	b->lo = malloc((n ? n : 1) * sizeof(double));
	b->med = malloc((n ? n : 1) * sizeof(double));
	b->hi = malloc((n ? n : 1) * sizeof(double));
	if (!rc && (!b->iter || !b->lo || !b->med || !b->hi))
		rc = err_set(ERR_RUNTIME, "out of memory");
	for (int row = 0; !rc && row < n; row++) {
		int S2 = b->n_reps;
		for (int k = 0; k < S2; k++)
			col[k] = c[k].loss[row];
		qsort(col, S2, sizeof(double), cmp_double);
		b->iter[row] = c[0].iter[row];
		b->lo[row] = col[0];
		b->hi[row] = col[S2 - 1];
		b->med[row] = S2 % 2 ? col[S2 / 2] : 0.5 * (col[S2 / 2 - 1] + col[S2 / 2]);
	}
	b->n = rc ? 0 : n;
	for (int k = 0; k < b->n_reps; k++)
		curve_release(&c[k]);
	free(c);
	free(col);
	return rc;
}

int bands_compute(const struct rundir *rd, struct band **out, int *n_out)
{
	*out = calloc(rd->n_runs ? rd->n_runs : 1, sizeof(**out));
	*n_out = 0;
	if (!*out)
		return err_set(ERR_RUNTIME, "out of memory");
	int rc = ERR_OK;
	for (int i = 0; i < rd->n_runs && !rc; i++) {
		if (!rundir_group_first(rd, i))
			continue;
		struct band b;
		rc = band_of(rd, rd->runs[i].group, &b);
		if (!rc && b.n_reps)
			(*out)[(*n_out)++] = b;
		else
			band_free(&b); /* nothing to show, or failed */
	}
	if (rc) {
		bands_release(*out, *n_out);
		*out = NULL;
		*n_out = 0;
	}
	return rc;
}

void bands_release(struct band *b, int n)
{
	for (int k = 0; b && k < n; k++)
		band_free(&b[k]);
	free(b);
}
