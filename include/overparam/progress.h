/* progress: what a block of runs shows on stderr while it trains: on a
 * terminal a bar redrawn at most 5 times a second (the runner erases it
 * when the block ends), off one a line every 10 s at most, nothing under
 * --quiet. The time left is the whole command's: the work still to do
 * (every block's longest run's iterations, grid rounds as they are added)
 * at the rate the command has gone so far. A block of grid points shows
 * the best and worst of its members' latest losses. It only draws: what a
 * run computes never depends on it. */
#ifndef OVERPARAM_PROGRESS_H
#define OVERPARAM_PROGRESS_H

#include <stddef.h>

#define PROGRESS_MAX_MEMBERS 32

/* The command's work in block-iterations (a block counts its longest run's
 * iterations once: its members step together), shared by its blocks. */
struct progress_total {
	double work;  /* all blocks to train, as known so far */
	double done;  /* of the blocks that have ended */
	double start; /* clock at the first tick of the first block; 0 before */
};

struct progress {
	int mode;            /* 0 none, 1 terminal bar, 2 plain lines */
	int first, n_members, n_runs; /* the block's first run (0-based), its
					 size, the plan's runs */
	const char *label;   /* the block's group (borrowed) */
	long total;          /* iterations of the block's longest run */
	double start, last;  /* when the first tick came, when last drawn */
	long iter0;          /* iteration at the first tick, -1 before it */
	long iter;           /* the furthest iteration a member reached */
	struct progress_total *all; /* the command's, or NULL: the block's own time left */
	double member_loss[PROGRESS_MAX_MEMBERS]; /* latest of each; NAN before */
};

/* Starts d for a block (members' losses unknown). */
void progress_begin(struct progress *d);

/* The terminal line into buf: at most width - 1 columns, never wrapped
 * (the counts, then the bar, then the label give way; the block's
 * position, percent, loss (lo..hi for a grid block) and time left stay). */
void progress_line(char *buf, size_t n, int width, const struct progress *d, long iter,
		   double lo, double hi, double rate, double left);

/* Member (0-based slot in the block) reached iteration iter with this
 * loss: redraws when it is time (the first tick only starts the clock).
 * d NULL: nothing. */
void progress_tick(struct progress *d, int member, long iter, double loss);

/* Seconds left at clock now: with d->all, the command's work still to do
 * (all->work - all->done - d->iter) at the rate all->done + d->iter took
 * since all->start; without, the block's at its own rate. */
double progress_time_left(const struct progress *d, double now);

/* The block ended: its work counts as done in d->all. */
void progress_end(struct progress *d);

#endif
