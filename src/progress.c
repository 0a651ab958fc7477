/* progress: the progress display of a block of runs (see progress.h). */
#include "overparam/progress.h"
#include "overparam/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The terminal's columns (stderr's), else $COLUMNS, else 80. */
static int term_width(void)
{
	struct winsize w;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0)
		return w.ws_col;
	const char *c = getenv("COLUMNS");
	int n = c ? atoi(c) : 0;
	return n > 0 ? n : 80;
}

/* "[5/120]", or "[5-36/120]" for a block of grid points. */
static void block_position(const struct progress *d, char *buf, size_t n)
{
	if (d->n_members > 1)
		snprintf(buf, n, "[%d-%d/%d]", d->first + 1, d->first + d->n_members, d->n_runs);
	else
		snprintf(buf, n, "[%d/%d]", d->first + 1, d->n_runs);
}

void progress_line(char *buf, size_t n, int width, const struct progress *d, long iter,
		   double loss, double rate, double left)
{
	double frac = d->total ? (double)iter / d->total : 1;
	char who[64], bar[24], count[48], tail[64];
	block_position(d, who, sizeof(who));
	int fill = (int)(20 * frac);
	bar[0] = ' ';
	bar[1] = '[';
	for (int i = 0; i < 20; i++)
		bar[2 + i] = i < fill ? '#' : '.';
	bar[22] = ']';
	bar[23] = '\0';
	snprintf(count, sizeof(count), " %ld/%ld %.3gk it/s", iter, d->total, rate / 1000);
	snprintf(tail, sizeof(tail), " %3.0f%% loss %.4g %ld:%02ld left", 100 * frac, loss,
		 (long)left / 60, (long)left % 60);
	/* What fits in width - 1 columns (the last one would wrap on some
	 * terminals), dropped in this order: the counts, the bar, then the
	 * label is cut; the position, percent, loss and time left stay. */
	size_t room = width > 1 ? (size_t)width - 1 : 0;
	const char *grid = d->n_members > 1 ? " (grid)" : "";
	size_t fixed = strlen(who) + 1 + strlen(grid) + strlen(tail);
	int with_count = fixed + strlen(bar) + strlen(count) + 16 <= room; /* 16: a readable label */
	int with_bar = fixed + strlen(bar) + 16 <= room;
	size_t used = fixed + (with_bar ? strlen(bar) : 0) + (with_count ? strlen(count) : 0);
	size_t label_room = room > used ? room - used : 0;
	if (label_room > 28)
		label_room = 28;
	snprintf(buf, n, "%s %.*s%s%s%s%s", who, (int)label_room, d->label ? d->label : "", grid,
		 with_bar ? bar : "", tail, with_count ? count : "");
	if (strlen(buf) > room) /* a terminal too narrow even for the essentials */
		buf[room] = '\0';
}

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
	if (d->mode == 2) {
		double frac = d->total ? (double)iter / d->total : 1;
		char who[64];
		block_position(d, who, sizeof(who));
		fprintf(stderr, "overparam: %s %s: iteration %ld/%ld (%.0f%%), loss %.4g, %.0f it/s, %.0f s left\n",
			who, d->label, iter, d->total, 100 * frac, loss, rate, left);
		return;
	}
	char line[512];
	progress_line(line, sizeof(line), term_width(), d, iter, loss, rate, left);
	fprintf(stderr, "\r\033[K%s", line);
}
