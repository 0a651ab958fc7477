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

/* The verdict words, in the order of the report's counts. */
enum verdict { VERDICT_REPRODUCED, VERDICT_PARTLY, VERDICT_NOT_REPRODUCED,
	       VERDICT_INCONCLUSIVE, VERDICT_CANNOT_FAIL, VERDICT_UNCHECKED, N_VERDICTS };
const char *claims_verdict_word(enum verdict v);

/* What claims_verdict says of a claim, as text. */
struct claim_outcome {
	char detail[4096]; /* with S replicates, how many gave each verdict and
			      the range of the speed-up at each level, then
			      replicate 1's numbers */
	char brief[512];   /* the numbers the verdict rests on, one line: the
			      speed-up at each level (ranges over replicates),
			      the gap, the escape iteration, or why it cannot fail */
	char reason[400];  /* for a verdict other than reproduced, why, in one
			      line from the same rule (the levels where it holds
			      and fails, the replicates that disagree, ...); "" */
};

/* A claim over every replicate of rd, by the rule claims_print_rule
 * states (claims.c's opening comment has the arithmetic), into out.
 * VERDICT_UNCHECKED when no replicate could be checked (no selected run,
 * no such column). */
enum verdict claims_verdict(const struct rundir *rd, const struct claim *cl,
			    struct claim_outcome *out);

/* The rule, one paragraph, from the constants claims_verdict uses. */
void claims_print_rule(FILE *f);

/* The first logged iteration of c at or below level, or -1. */
long curve_first_reach(const struct curve *c, double level);

#endif
