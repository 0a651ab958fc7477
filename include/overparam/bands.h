/* bands: a model's curve over replicates, for plots that show the spread
 * rather than one replicate: at each logged iteration the smallest, the
 * median and the largest value of the group's selected (winning) runs, one
 * per replicate. */
#ifndef OVERPARAM_BANDS_H
#define OVERPARAM_BANDS_H

#include "overparam/rundir.h"

struct band {
	const char *group; /* borrowed from the rundir */
	int n_reps;        /* replicates with a selected run */
	int n;             /* rows: the logged iterations every one of them has */
	long *iter;        /* [n] */
	double *lo, *med, *hi; /* [n]; med: the middle value (even count: the
				  mean of the two middle ones) */
};

/* One band per group of rd that has a selected run in at least one
 * replicate, in the order of the groups' first rows; *out (malloc'ed,
 * *n_out bands) is released with bands_release. Rows are cut to the
 * iterations all those runs logged (the common prefix). bands_release
 * frees the bands and the array. */
int bands_compute(const struct rundir *rd, struct band **out, int *n_out);
void bands_release(struct band *b, int n);

#endif
