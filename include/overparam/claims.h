/* claims: the claims of a config (struct claim, plan.h) in one home:
 * parsed from the config's "claims" array (claims_parse, for the linear
 * and the convnet parsers), judged on a run directory's selected runs, and
 * the rule they are judged by, printed from the constants it uses. Known
 * answers for every branch: tests/test_claims.sh. */
#ifndef OVERPARAM_CLAIMS_H
#define OVERPARAM_CLAIMS_H

#include "overparam/rundir.h"

struct json_ctx;
struct cJSON;


#include <stddef.h>
#include <stdio.h>

/* The labels a claim may name: a string field of an array of n structs,
 * the first at *first, each next one stride bytes on
 * (&ex->runs[0].group, sizeof(ex->runs[0]), ex->n_runs). */
struct label_field {
	const char *const *first;
	size_t stride;
	int n;
};

/* Parses the "claims" array arr: each claim's a and b must be among the
 * labels. *out (n_out claims) is allocated even when parsing fails
 * part-way; release it with claims_release. */
int claims_parse(const struct json_ctx *c, const struct cJSON *arr,
		 const struct label_field *labels, struct claim **out, int *n_out);

/* A claim over every replicate of rd: holds when it holds in each. Writes
 * into buf the sentence with the numbers: with one replicate, the levels,
 * iterations and speed-up; with S, "holds in k/S replicates", the range of
 * a's speed-up, whether it comes within 5% of the margin, then replicate
 * 1's numbers. Returns 1 (holds), 0 (does not) or -1 (cannot be checked:
 * no selected run, or no such column). */
int claims_verdict(const struct rundir *rd, const struct claim *cl, char *buf, size_t n);

/* The rule, one paragraph, from the constants claims_verdict uses. */
void claims_print_rule(FILE *f);

/* The first logged iteration of c at or below level, or -1. */
long curve_first_reach(const struct curve *c, double level);

#endif
