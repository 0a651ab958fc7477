/* lines: arrays of doubles that start on a 64-byte cache line, so that a
 * row whose length is a multiple of 8 starts a line and the kernels'
 * 8-lane loads and stores never straddle two (a straddling store costs
 * about twice as much: GD's update of a 100 x 128 layer 0.36 -> 0.7 ns per
 * 8 values with both operands 16 bytes off, as malloc and calloc place
 * anything of 128 KB and up). Released with free(). */
#ifndef OVERPARAM_LINES_H
#define OVERPARAM_LINES_H

#include <stddef.h>

/* n doubles (at least one), uninitialized, or NULL. */
double *lines_alloc(size_t n);

/* n doubles (at least one), zero, or NULL. */
double *lines_calloc(size_t n);

#endif
