/* progress: the progress display of a block of runs (see progress.h). */
#include "overparam/progress.h"
#include "overparam/clock.h"

#include <math.h>
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

/* "62:05", or "1:02:05" past an hour. */
static void format_left(char *buf, size_t n, double left)
{
	long s = left > 0 ? (long)left : 0;
	if (s >= 3600)
		snprintf(buf, n, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, n, "%ld:%02ld", s / 60, s % 60);
}

void progress_begin(struct progress *d)
{
	d->iter0 = -1;
	d->iter = 0;
	for (int m = 0; m < PROGRESS_MAX_MEMBERS; m++)
		d->member_loss[m] = NAN;
}

void progress_line(char *buf, size_t n, int width, const struct progress *d, long iter,
		   double lo, double hi, double rate, double left)
{
	double frac = d->total ? (double)iter / d->total : 1;
	char who[64], bar[24], count[48], tail[96], when[32], loss[48];
	block_position(d, who, sizeof(who));
	int fill = (int)(20 * frac);
	bar[0] = ' ';
	bar[1] = '[';
	for (int i = 0; i < 20; i++)
		bar[2 + i] = i < fill ? '#' : '.';
	bar[22] = ']';
	bar[23] = '\0';
	snprintf(count, sizeof(count), " %ld/%ld %.3gk it/s", iter, d->total, rate / 1000);
	format_left(when, sizeof(when), left);
	if (lo == hi || isnan(hi))
		snprintf(loss, sizeof(loss), "%.4g", lo);
	else
		snprintf(loss, sizeof(loss), "%.4g..%.4g", lo, hi);
	snprintf(tail, sizeof(tail), " %3.0f%% loss %s %s left", 100 * frac, loss, when);
	/* What fits in width - 1 columns (the last one would wrap on some
	 * terminals), dropped in this order: the counts, the bar, then the
	 * label is cut, then " (grid)"; the position, percent, loss and time
	 * left stay. */
	size_t room = width > 1 ? (size_t)width - 1 : 0;
	/* " (grid)" goes last of all: the position "[5-36/120]" says it too */
	const char *grid = d->n_members > 1 && strlen(who) + 8 + strlen(tail) <= room ? " (grid)" : "";
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

void progress_tick(struct progress *d, int member, long iter, double loss)
{
	if (!d || !d->mode)
		return;
	if (member >= 0 && member < PROGRESS_MAX_MEMBERS)
		d->member_loss[member] = loss;
	d->iter = iter > d->iter ? iter : d->iter;
	double now = clock_seconds();
	if (d->iter0 < 0) {
		d->iter0 = iter;
		d->start = d->last = now;
		if (d->all && d->all->start <= 0)
			d->all->start = now;
		return;
	}
	if (now - d->last < (d->mode == 1 ? 0.2 : 10.0))
		return;
	d->last = now;
	double rate = (d->iter - d->iter0) / (now - d->start), left = progress_time_left(d, now);
	double lo = INFINITY, hi = -INFINITY;
	for (int m = 0; m < d->n_members && m < PROGRESS_MAX_MEMBERS; m++)
		if (!isnan(d->member_loss[m])) {
			lo = fmin(lo, d->member_loss[m]);
			hi = fmax(hi, d->member_loss[m]);
		}
	if (lo > hi)
		lo = hi = loss;
	if (d->mode == 2) {
		double frac = d->total ? (double)d->iter / d->total : 1;
		char who[64], when[32];
		block_position(d, who, sizeof(who));
		format_left(when, sizeof(when), left);
		fprintf(stderr, "overparam: %s %s: iteration %ld/%ld (%.0f%%), loss %.4g", who, d->label,
			d->iter, d->total, 100 * frac, lo);
		if (hi != lo)
			fprintf(stderr, "..%.4g", hi);
		fprintf(stderr, ", %.0f it/s, %s left%s\n", rate, when, d->all ? " in all" : "");
		return;
	}
	char line[512];
	progress_line(line, sizeof(line), term_width(), d, d->iter, lo, hi, rate, left);
	fprintf(stderr, "\r\033[K%s", line);
}

double progress_time_left(const struct progress *d, double now)
{
	if (d->all && now > d->all->start) { /* the whole command at its rate so far */
		double done = d->all->done + (double)d->iter;
		double rate = done / (now - d->all->start);
		return rate > 0 && d->all->work > done ? (d->all->work - done) / rate : 0;
	}
	double rate = now > d->start ? (d->iter - d->iter0) / (now - d->start) : 0;
	return rate > 0 && d->total > d->iter ? (d->total - d->iter) / rate : 0;
}

void progress_end(struct progress *d)
{
	if (d && d->all)
		d->all->done += (double)d->total;
}
