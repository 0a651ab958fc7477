/* report: a Markdown report over run directories: per directory its plot,
 * a table of the selected runs with the iterations they need to reach
 * common loss levels, the verdict of each claim in its config (see struct
 * claim in config.h), and grid points that went faster than the winner
 * before they diverged. The report states numbers; it never edits them. */
#ifndef OVERPARAM_REPORT_H
#define OVERPARAM_REPORT_H

/* Writes the report for dirs[0..n) to out_path (atomically), or to stdout
 * when out_path is NULL. Image links are "<dir>/loss.png" as given. Returns
 * ERR_OK, ERR_INPUT for a directory that is not a run directory. *n_hold and
 * *n_claims (may be NULL) get the tally. */
int report_write(char *const *dirs, int n, const char *out_path, int *n_hold,
		 int *n_claims);

#endif
