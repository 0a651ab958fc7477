/* The progress line (progress.h) fits the terminal: at every width from 10
 * to 200 columns it is at most width - 1 characters (so it never wraps and
 * leaves no stale line on redraw), and it keeps, in this order of need,
 * the block's position, the loss (best..worst of a grid block) and the
 * time left, and 16 characters of the label before the bar; the bar and
 * the counts come back when there is room. The time left is checked
 * against its arithmetic. */
#include "check.h"
#include "overparam/progress.h"

static void widths(const char *label, int n_members, double hi)
{
	struct progress d = {.mode = 1, .first = 4, .n_members = n_members, .n_runs = 120,
			     .label = label, .total = 1000000};
	char line[512], what[96];
	for (int w = 10; w <= 200; w++) {
		progress_line(line, sizeof(line), w, &d, 637000, 0.0123456, hi, 61234.5, 3725);
		snprintf(what, sizeof(what), "%s x%d: width %d: %zu characters", label, n_members, w,
			 strlen(line));
		check_true(what, strlen(line) <= (size_t)w - 1);
		if (w >= 50) {
			snprintf(what, sizeof(what), "width %d keeps the loss and time left", w);
			check_contains(what, line, hi == 0.0123456 ? "loss 0.01235 1:02:05 left"
								 : "loss 0.01235..0.456 1:02:05 left");
		}
	}
	progress_line(line, sizeof(line), 80, &d, 637000, 0.0123456, hi, 61234.5, 3725);
	check_contains("80 columns: the position", line, n_members > 1 ? "[5-" : "[5/120]");
	char first16[17];
	snprintf(first16, sizeof(first16), "%s", label);
	check_contains("80 columns: 16 characters of the label at least", line, first16);
	progress_line(line, sizeof(line), 120, &d, 637000, 0.0123456, hi, 61234.5, 3725);
	check_contains("120 columns: the bar", line, "[############........]");
	progress_line(line, sizeof(line), 200, &d, 637000, 0.0123456, hi, 61234.5, 3725);
	check_contains("200 columns: the counts", line, "637000/1000000 61.2k it/s");
}

/* The time left is the command's: work still to do at the rate so far;
 * without the command's totals, the block's at its own rate. */
static void time_left(void)
{
	struct progress_total all = {.work = 1000, .done = 200, .start = 10};
	struct progress d = {.mode = 1, .n_members = 1, .total = 400, .iter0 = 0, .iter = 300,
			     .start = 20, .all = &all};
	/* 200 + 300 done in 50 s: 10 per second, 500 to go */
	double want = 50;
	check_close("whole command: (1000 - 500) / (500 / 50 s)", (double[]){progress_time_left(&d, 60)},
		    &want, 1, 0, 1e-12);
	d.all = NULL; /* the block alone: 300 in 40 s, 100 to go */
	want = 100.0 / (300.0 / 40);
	check_close("block alone: 100 / (300 / 40 s)", (double[]){progress_time_left(&d, 60)}, &want, 1,
		    0, 1e-12);
	char line[512];
	d.all = &all;
	progress_line(line, sizeof(line), 200, &d, 300, 0.5, 0.5, 10, 3725 + 3600);
	check_contains("past an hour: h:mm:ss", line, "2:02:05 left");
}

int main(void)
{
	widths("depth 3, width 100", 1, 0.0123456);
	widths("a label much longer than any terminal would show in full, on purpose", 32, 0.456);
	time_left();
	return check_done("test_progress");
}
