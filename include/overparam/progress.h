/* progress: what a block of runs shows on stderr while it trains: on a
 * terminal a bar redrawn at most 5 times a second (the runner erases it
 * when the block ends), off one a line every 10 s at most, nothing under
 * --quiet. It only draws: what a run computes never depends on it. */
#ifndef OVERPARAM_PROGRESS_H
#define OVERPARAM_PROGRESS_H

#include <stddef.h>

struct progress {
	int mode;            /* 0 none, 1 terminal bar, 2 plain lines */
	int first, n_members, n_runs; /* the block's first run (0-based), its
					 size, the plan's runs */
	const char *label;   /* the block's group (borrowed) */
	long total;          /* iterations of the block's longest run */
	double start, last;  /* when the first tick came, when last drawn */
	long iter0;          /* iteration at the first tick, -1 before it */
};

/* The terminal line into buf: at most width - 1 columns, never wrapped
 * (the counts, then the bar, then the label give way; the block's
 * position, percent, loss and time left stay). */
void progress_line(char *buf, size_t n, int width, const struct progress *d, long iter,
		   double loss, double rate, double left);

/* A run of the block reached iteration iter with this loss: redraws when
 * it is time (the first tick only starts the clock). d NULL: nothing. */
void progress_tick(struct progress *d, long iter, double loss);

#endif
