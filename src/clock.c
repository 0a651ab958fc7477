/* clock: the one monotonic clock (see clock.h). */
#include "overparam/clock.h"

#include <stdio.h>
#include <time.h>

void clock_utc_now(char *buf, unsigned long size)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char whole[32];
	strftime(whole, sizeof(whole), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03ldZ", whole, ts.tv_nsec / 1000000);
}

double clock_wall_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

const char *clock_started_utc(void)
{
	static char stamp[40];
	if (!stamp[0])
		clock_utc_now(stamp, sizeof(stamp));
	return stamp;
}

double clock_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
