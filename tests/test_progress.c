/* The progress line (progress.h) fits the terminal: at every width from 10
 * to 200 columns it is at most width - 1 characters (so it never wraps and
 * leaves no stale line on redraw), and it keeps, in this order of need,
 * the block's position, the loss and the time left, and 16 characters of
 * the label before the bar; the bar and the counts come back when there is
 * room. */
#include "check.h"
#include "overparam/progress.h"

static void widths(const char *label, int n_members)
{
	struct progress d = {.mode = 1, .first = 4, .n_members = n_members, .n_runs = 120,
			     .label = label, .total = 1000000};
	char line[512], what[96];
	for (int w = 10; w <= 200; w++) {
		progress_line(line, sizeof(line), w, &d, 637000, 0.0123456, 61234.5, 3725);
		snprintf(what, sizeof(what), "%s x%d: width %d: %zu characters", label, n_members, w,
			 strlen(line));
		check_true(what, strlen(line) <= (size_t)w - 1);
		if (w >= 50) {
			snprintf(what, sizeof(what), "width %d keeps the loss and time left", w);
			check_contains(what, line, "loss 0.01235 62:05 left");
		}
	}
	progress_line(line, sizeof(line), 80, &d, 637000, 0.0123456, 61234.5, 3725);
	check_contains("80 columns: the position", line, n_members > 1 ? "[5-" : "[5/120]");
	char first16[17];
	snprintf(first16, sizeof(first16), "%s", label);
	check_contains("80 columns: 16 characters of the label at least", line, first16);
	progress_line(line, sizeof(line), 120, &d, 637000, 0.0123456, 61234.5, 3725);
	check_contains("120 columns: the bar", line, "[############........]");
	progress_line(line, sizeof(line), 200, &d, 637000, 0.0123456, 61234.5, 3725);
	check_contains("200 columns: the counts", line, "637000/1000000 61.2k it/s");
}

int main(void)
{
	widths("depth 3, width 100", 1);
	widths("a label much longer than any terminal would show in full, on purpose", 32);
	return check_done("test_progress");
}
