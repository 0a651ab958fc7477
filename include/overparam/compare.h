/* compare: point-by-point comparison of two run directories or two run
 * CSVs, for regression checks of loss curves in CI.
 *
 * Two values e (expected) and a (actual) agree when |a - e| <= atol +
 * rtol |e|; NaN agrees only with NaN and an infinity only with itself.
 * Directories: every run of EXPECTED (by label) must be in ACTUAL and no
 * other; statuses must agree; then each run's CSV is compared. CSVs: the
 * iteration column and the row count must agree (else an input error), then
 * the chosen columns (default: every column of EXPECTED) are compared. */
#ifndef OVERPARAM_COMPARE_H
#define OVERPARAM_COMPARE_H

#include <stdio.h>

struct compare_opts {
	double rtol, atol;
	const char *columns; /* comma-separated names, or NULL for all */
	int summary;         /* --summary: the side-by-side table instead */
};

/* Prints a summary to out. Returns ERR_OK (0) when everything agrees,
 * ERR_RUNTIME (1) when something differs (message says where they part),
 * ERR_INPUT (2) for unreadable, missing or mismatched inputs. */
int compare_paths(const char *expected, const char *actual,
		  const struct compare_opts *o, FILE *out);

#endif
