/* clock: seconds on the monotonic clock, for timing runs and benchmarks
 * (never for deciding what a run computes). */
#ifndef OVERPARAM_CLOCK_H
#define OVERPARAM_CLOCK_H

/* Seconds since an arbitrary fixed point; differences are elapsed time. */
double clock_seconds(void);

#endif
