/* gridpoint: the values a grid point varies, carried as numbers from the
 * plan (config.c expands the lists, refine.c adds rates) to sweep, output,
 * plot and report. The text "lr=0.001,std=0.1" is made from it once, by
 * grid_point_format, for labels and summary.csv's grid_point column; the
 * readers of a run directory parse that column back once, at load
 * (grid_point_parse), and refuse a column that is not of that form. */
#ifndef OVERPARAM_GRIDPOINT_H
#define OVERPARAM_GRIDPOINT_H

#include <stddef.h>

#define GRID_MAX_AXES 32
#define GRID_KEY_MAX 24

/* Axes in the order the config's key tables list them. n == 0: the run is
 * not a grid point. A plain value: copied with =. */
struct grid_point {
	int n;
	char key[GRID_MAX_AXES][GRID_KEY_MAX]; /* "lr", "std", ... */
	double value[GRID_MAX_AXES];
};

/* Where a grid's winner sits on each axis of its grid point. */
enum grid_side { GRID_INSIDE = 0, GRID_SMALLEST, GRID_LARGEST };

/* Appends axis key = value; -1 when g is full or key too long. */
int grid_point_add(struct grid_point *g, const char *key, double value);

/* "k1=v1,k2=v2" with each value as %g; "" for no axes. */
void grid_point_format(const struct grid_point *g, char *buf, size_t size);

/* The inverse of grid_point_format on its own output: 0, or -1 when text
 * is not "" nor "key=number[,key=number...]". */
int grid_point_parse(struct grid_point *g, const char *text);

/* 1 and *value when g has axis key, else 0. */
int grid_point_value(const struct grid_point *g, const char *key, double *value);

/* 1 if g varies the learning rate ("lr") and nothing else. */
int grid_point_lr_only(const struct grid_point *g);

/* "lr=largest;std=smallest": the axes of g not GRID_INSIDE, in order; "". */
void grid_edge_format(const struct grid_point *g, const enum grid_side *side, char *buf,
		      size_t size);

#endif
