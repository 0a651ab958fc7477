/* claims: the verdict of a claim of the paper on a run directory (see
 * claims.h). The arithmetic:
 *   level   = the larger of the two selected runs' final losses, i.e. the
 *             lowest loss both reached (or the claim's target when it has one);
 *   t_a,t_b = first logged iteration at which each run's loss <= level;
 *   speedup = t_b / t_a; a is "faster" when speedup >= SPEEDUP_MARGIN,
 *             "slower" when speedup <= 1/SPEEDUP_MARGIN, "similar"
 *             otherwise; a run that never reaches the level is slower than
 *             one that does, and a run whose loss never fell 1% below its
 *             start ("stalled") is slower than one whose loss did;
 *   tracks  = max over common logged iterations of |L_a - L_b| / L_b < TRACK_TOL;
 *   lower   = a's mean over the last tenth of the rows <= 1/SPEEDUP_MARGIN of b's. */
#include "overparam/claims.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/jsonget.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define SPEEDUP_MARGIN 1.25
#define TRACK_TOL 1e-2

/* Mean of c over its last tenth of rows (at least one). */
static double tail_mean(const struct curve *c)
{
	int k = c->n / 10 > 0 ? c->n / 10 : 1;
	double s = 0;
	for (int i = c->n - k; i < c->n; i++)
		s += c->loss[i];
	return c->n ? s / k : NAN;
}

long curve_first_reach(const struct curve *c, double level)
{
	for (int i = 0; i < c->n; i++)
		if (c->loss[i] <= level)
			return c->iter[i];
	return -1;
}

/* Evaluates one claim on one replicate's selected runs; writes a sentence
 * with the numbers into buf and a's speed-up over b into *speedup (NAN for
 * tracks). Returns 1 if it holds, 0 if not, -1 if it cannot be checked. */
static int eval_claim(const struct rundir *rd, const struct claim *cl, int rep, char *buf,
		      size_t n, double *speedup_out)
{
	*speedup_out = NAN;
	int ia = rundir_selected(rd, cl->a, rep), ib = rundir_selected(rd, cl->b, rep);
	if (ia < 0 || ib < 0) {
		snprintf(buf, n, "cannot be checked: no selected (non-diverged) run for '%s'",
			 ia < 0 ? cl->a : cl->b);
		return -1;
	}
	struct curve ca, cb;
	if (rundir_curve_column(rd, ia, cl->column, &ca)) {
		snprintf(buf, n, "cannot be checked: %s", err_message());
		return -1;
	}
	if (rundir_curve_column(rd, ib, cl->column, &cb)) {
		snprintf(buf, n, "cannot be checked: %s", err_message());
		curve_release(&ca);
		return -1;
	}
	const struct rundir_run *a = &rd->runs[ia], *b = &rd->runs[ib];
	int holds;
	const char *what = cl->column ? cl->column : "loss";
	if (cl->expect == CLAIM_LOWER) {
		double ma = tail_mean(&ca), mb = tail_mean(&cb);
		holds = mb >= SPEEDUP_MARGIN * ma;
		snprintf(buf, n,
			 "mean %s over the last tenth of the logged rows: '%s' %.4g, '%s' %.4g ('%s' %.2fx lower)",
			 what, a->label, ma, b->label, mb, a->label, mb / ma);
		*speedup_out = mb / ma;
	} else if (cl->expect == CLAIM_TRACKS) {
		double gap = 0;
		long at = 0;
		int common = ca.n < cb.n ? ca.n : cb.n;
		for (int i = 0; i < common && ca.iter[i] == cb.iter[i]; i++) {
			double g = fabs(ca.loss[i] - cb.loss[i]) / fabs(cb.loss[i]);
			if (!(g <= gap)) {
				gap = g;
				at = ca.iter[i];
			}
		}
		holds = gap < TRACK_TOL;
		snprintf(buf, n,
			 "largest relative loss gap between '%s' and '%s' over %d logged iterations: %.2e (at iteration %ld; tolerance %.0e)",
			 a->label, b->label, common, gap, at, TRACK_TOL);
	} else {
		/* Another column than the loss: its own first and last values. */
		double a0 = cl->column && ca.n ? ca.loss[0] : a->initial_loss;
		double b0 = cl->column && cb.n ? cb.loss[0] : b->initial_loss;
		double a1 = cl->column && ca.n ? ca.loss[ca.n - 1] : a->final_loss;
		double b1 = cl->column && cb.n ? cb.loss[cb.n - 1] : b->final_loss;
		double level = cl->target > 0 ? cl->target : fmax(a1, b1) * (1 + 1e-12);
		long ta = curve_first_reach(&ca, level), tb = curve_first_reach(&cb, level);
		double speedup = ta > 0 ? (double)tb / ta : (tb > 0 ? INFINITY : 1.0);
		/* A run that never got 1% below its start is stalled: slower
		 * than any run that did (the common level is then its own). */
		int stall_a = !(a1 < 0.99 * a0);
		int stall_b = !(b1 < 0.99 * b0);
		if (stall_a != stall_b)
			speedup = stall_a ? 0.0 : INFINITY;
		int faster = speedup >= SPEEDUP_MARGIN, slower = speedup <= 1 / SPEEDUP_MARGIN;
		switch (cl->expect) {
		case CLAIM_FASTER: holds = faster; break;
		case CLAIM_SLOWER: holds = slower; break;
		case CLAIM_NOT_FASTER: holds = !faster; break;
		default: holds = !faster && !slower; break;
		}
		if (ta < 0 || tb < 0)
			holds = cl->expect == CLAIM_FASTER ? ta >= 0
				: cl->expect == CLAIM_SIMILAR ? 0 : tb >= 0;
		snprintf(buf, n,
			 "'%s' reaches %s %.4g at iteration %ld, '%s' at iteration %ld: '%s' is %.2fx as fast (final %s %.4g and %.4g)",
			 a->label, what, level, ta, b->label, tb, a->label, speedup,
			 cl->column ? "values" : "losses", a1, b1);
		*speedup_out = speedup;
	}
	curve_release(&ca);
	curve_release(&cb);
	return holds;
}

/* A claim over every replicate: holds when it holds in each. With one
 * replicate, eval_claim's sentence; with S, "holds in k/S replicates",
 * the range of a's speed-up, and whether the range comes within 5% of the
 * 1.25 (or 1/1.25) threshold ("at the margin"), then replicate 1's
 * numbers. Returns 1, 0 or -1 (no replicate could be checked). */
int claims_verdict(const struct rundir *rd, const struct claim *cl, char *buf, size_t n)
{
	double s;
	int S = rd->n_replicates;
	if (S <= 1)
		return eval_claim(rd, cl, 1, buf, n, &s);
	int holds = 0, checked = 0, margin = 0;
	double lo = INFINITY, hi = -INFINITY;
	char first[600] = "", one[600];
	for (int r = 1; r <= S; r++) {
		int v = eval_claim(rd, cl, r, one, sizeof(one), &s);
		if (r == 1)
			snprintf(first, sizeof(first), "%s", one);
		checked += v >= 0;
		holds += v == 1;
		if (!isnan(s)) {
			lo = fmin(lo, s);
			hi = fmax(hi, s);
			for (int k = -1; k <= 1; k += 2) {
				double t = pow(SPEEDUP_MARGIN, k);
				margin |= s > t / 1.05 && s < t * 1.05;
			}
		}
	}
	int len = snprintf(buf, n, "holds in %d/%d replicates", holds, S);
	if (checked < S)
		len += snprintf(buf + len, n - len, " (%d could not be checked)", S - checked);
	if (lo <= hi)
		len += snprintf(buf + len, n - len, ", speed-up %.2fx-%.2fx", lo, hi);
	if (margin)
		len += snprintf(buf + len, n - len, ", at the margin (within 5%% of %.2fx)",
				SPEEDUP_MARGIN);
	snprintf(buf + len, n - len, "; replicate 1: %s", first);
	if (checked == 0)
		return -1;
	return holds == S ? 1 : 0;
}

void claims_print_rule(FILE *f)
{
	fprintf(f, "Each claim in the configs is checked on the selected (best, non-diverged) run of each model: "
		"'faster' means reaching the level both reached (the larger of the two final losses, or the claim's target) in at most 1/%g of the iterations; "
		"'tracks' means losses within %g relative at every logged iteration; "
		"'lower' means a mean over the last tenth of the logged rows at most 1/%g of the other's.",
		SPEEDUP_MARGIN, TRACK_TOL, SPEEDUP_MARGIN);
}

static int has_label(const struct label_field *l, const char *s)
{
	const char *at = (const char *)l->first;
	for (int i = 0; i < l->n; i++, at += l->stride)
		if (strcmp(*(const char *const *)at, s) == 0)
			return 1;
	return 0;
}

int claims_parse(const struct json_ctx *c, const cJSON *arr, const struct label_field *labels,
		 struct claim **out, int *n_out)
{
	if (!cJSON_IsArray(arr))
		return json_fail(c, "claims", "must be an array, got %s", json_type_name(arr));
	int n = cJSON_GetArraySize(arr), i = 0;
	*out = calloc(n ? n : 1, sizeof(**out));
	*n_out = 0;
	if (!*out)
		return err_set(ERR_RUNTIME, "out of memory");
	static const char *const keys[] = {"text", "a", "b", "expect", "target", "column", NULL};
	for (const cJSON *it = arr->child; it; it = it->next, i++) {
		char path[64], p[128];
		snprintf(path, sizeof(path), "claims[%d]", i);
		if (!cJSON_IsObject(it))
			return json_fail(c, path, "must be an object, got %s", json_type_name(it));
		const char *text, *a, *b, *expect;
		int rc;
		if ((rc = json_check_keys(c, it, path, keys)) ||
		    (rc = json_get_string(c, it, path, "text", 1, NULL, &text)) ||
		    (rc = json_get_string(c, it, path, "a", 1, NULL, &a)) ||
		    (rc = json_get_string(c, it, path, "b", 1, NULL, &b)) ||
		    (rc = json_get_string(c, it, path, "expect", 1, NULL, &expect)))
			return rc;
		struct claim *cl = &(*out)[*n_out];
		int e = name_map_find(&claim_expect_names, expect);
		char list[128];
		if (e < 0)
			return json_fail(c, json_key_path(p, sizeof(p), path, "expect"), "unknown '%s' (%s)",
					 expect, name_map_list(&claim_expect_names, list, sizeof(list)));
		const char *column;
		if ((rc = json_get_number(c, it, path, "target", 0, 0, 0, JSON_OPEN, 1e300, &cl->target)) ||
		    (rc = json_get_string(c, it, path, "column", 0, NULL, &column)))
			return rc;
		if (column && (!*column || !strcmp(column, "iteration")))
			return json_fail(c, json_key_path(p, sizeof(p), path, "column"),
					 "must name a column of the run CSVs other than 'iteration'");
		if (!has_label(labels, a))
			return json_fail(c, json_key_path(p, sizeof(p), path, "a"), "no run labelled '%s'", a);
		if (!has_label(labels, b))
			return json_fail(c, json_key_path(p, sizeof(p), path, "b"), "no run labelled '%s'", b);
		cl->expect = (enum claim_expect)e;
		cl->text = str_dup(text);
		cl->a = str_dup(a);
		cl->b = str_dup(b);
		cl->column = column ? str_dup(column) : NULL;
		(*n_out)++;
		if (!cl->text || !cl->a || !cl->b || (column && !cl->column))
			return err_set(ERR_RUNTIME, "out of memory");
	}
	return ERR_OK;
}
