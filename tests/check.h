/* check.h: the tests' tiny harness. Each test executable counts failures
 * and exits non-zero if any check failed; every failure prints what was
 * compared, the worst element, and the tolerance. */
#ifndef OVERPARAM_TEST_CHECK_H
#define OVERPARAM_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_count;

/* Passes when |got - want| <= atol + rtol * |want| for every element. */
static inline int check_close(const char *label, const double *got,
			      const double *want, int n, double atol, double rtol)
{
	int worst = -1;
	double worst_excess = 0, worst_err = 0;
	for (int i = 0; i < n; i++) {
		double err = fabs(got[i] - want[i]);
		double tol = atol + rtol * fabs(want[i]);
		if (!(err <= tol) && (worst < 0 || err - tol > worst_excess)) {
			worst = i;
			worst_excess = err - tol;
			worst_err = err;
		}
	}
	check_count++;
	if (worst >= 0) {
		check_failures++;
		fprintf(stderr,
			"FAIL %s: element %d of %d: got %.17g, want %.17g (|err| %.3g > atol %.3g + rtol %.3g)\n",
			label, worst, n, got[worst], want[worst], worst_err, atol, rtol);
		return 0;
	}
	return 1;
}

static inline int check_true(const char *label, int cond)
{
	check_count++;
	if (!cond) {
		check_failures++;
		fprintf(stderr, "FAIL %s\n", label);
	}
	return cond;
}

static inline int check_contains(const char *label, const char *text,
				 const char *needle)
{
	check_count++;
	if (!text || !strstr(text, needle)) {
		check_failures++;
		fprintf(stderr, "FAIL %s: '%s' does not contain '%s'\n", label,
			text ? text : "(null)", needle);
		return 0;
	}
	return 1;
}

/* Ends main(): prints the tally, returns the exit status. */
static inline int check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
	return check_failures ? 1 : 0;
}

#endif
