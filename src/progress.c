/* progress: the progress display of a block of runs (see progress.h). */
#include "overparam/progress.h"
#include "overparam/clock.h"

#include <stdio.h>

void progress_tick(struct progress *d, long iter, double loss)
{
	if (!d || !d->mode)
		return;
	double now = clock_seconds();
	if (d->iter0 < 0) {
		d->iter0 = iter;
		d->start = d->last = now;
		return;
	}
	if (now - d->last < (d->mode == 1 ? 0.2 : 10.0))
		return;
	d->last = now;
	double rate = (iter - d->iter0) / (now - d->start);
	double left = rate > 0 ? (d->total - iter) / rate : 0;
	double frac = d->total ? (double)iter / d->total : 1;
	char who[64];
	if (d->n_members > 1)
		snprintf(who, sizeof(who), "%d-%d/%d", d->first + 1, d->first + d->n_members,
			 d->n_runs);
	else
		snprintf(who, sizeof(who), "%d/%d", d->first + 1, d->n_runs);
	if (d->mode == 2) {
		fprintf(stderr, "overparam: [%s] %s: iteration %ld/%ld (%.0f%%), loss %.4g, %.0f it/s, %.0f s left\n",
			who, d->label, iter, d->total, 100 * frac, loss, rate, left);
		return;
	}
	char bar[21];
	int fill = (int)(20 * frac);
	for (int i = 0; i < 20; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[20] = '\0';
	fprintf(stderr, "\r\033[K[%s] %.28s%s [%s] %3.0f%% %ld/%ld loss %.4g %.3gk it/s %ld:%02ld left",
		who, d->label, d->n_members > 1 ? " (grid)" : "", bar, 100 * frac, iter, d->total,
		loss, rate / 1000, (long)left / 60, (long)left % 60);
}
