/* clock: seconds on the monotonic clock, for timing runs and benchmarks
 * (never for deciding what a run computes). */
#ifndef OVERPARAM_CLOCK_H
#define OVERPARAM_CLOCK_H

/* Seconds since an arbitrary fixed point; differences are elapsed time. */
double clock_seconds(void);

/* "2026-12-06T21:40:00.123Z": the wall-clock time this process started
 * (its first call; main makes it first), for run directories' started_utc. */
const char *clock_started_utc(void);

/* Seconds since 1970 on the wall clock (for ages of files, not timing). */
double clock_wall_seconds(void);

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC) of now into buf (at least 25 bytes). */
void clock_utc_now(char *buf, unsigned long size);

#endif
