/* bench: microseconds per training step on data of the Ethanol problem's
 * shape (m = 2565, d = 128, synthetic values), for depth 1/3, width 1/100,
 * l2 (Gram form and data pass) and l4, on 1 and 2 threads, alone and as
 * one of 32 grid points stepped together (per-model cost), each with its
 * ratio to one streaming read of X (cblas_ddot of X with itself: the memory
 * floor of a data pass) measured in the same run. */
#ifndef OVERPARAM_BENCH_H
#define OVERPARAM_BENCH_H

#include <stdio.h>

/* steps: timed steps per case, spread over the repetitions (after 10%
 * warm-up in each). The read of X, the FMA peak (kern_fma_probe) and every
 * row are timed in each of 5 repetitions, so a loaded moment slows all of
 * them alike; each figure is its fastest repetition, printed with its
 * spread, and each data-pass row with its share of the read bandwidth and
 * of the FMA peak. plot_path (or NULL): the roofline as a PNG (and its
 * gnuplot script, plot_path.gp). */
int bench_run(FILE *out, long steps, const char *plot_path);

/* `overparam bench convnet`: the convnet step (see bench_convnet.c). */
int bench_convnet(FILE *out, long steps);

#endif
