/* claims: the verdict of a claim of the paper on a run directory (see
 * claims.h). The rule is fixed before any curve is looked at and is the
 * same for every figure; claims_print_rule prints it from the constants
 * below. On each replicate's selected runs a and b:
 *   L(0)    = the larger of the two initial losses (values, for a column);
 *   L*      = the l_p floor of the data the replicate ran on, where known
 *             and below both curves; else the lowest final value of the
 *             figure's selected runs in that replicate;
 *   levels  = L* + eps (L(0) - L*) for eps in EPS (or the claim's target);
 *   t_a,t_b = first logged iteration at or below a level (none: never);
 *   s       = t_b / t_a at a level both reach; +inf when only a reaches it,
 *             0 when only b does; a level neither reaches is not judged.
 * Speed claims hold at a level when s >= MARGIN (faster), s <= 1/MARGIN
 * (slower), s < MARGIN (not_faster), 1/MARGIN < s < MARGIN (similar):
 * every judged level -> reproduced, some -> partly, none -> not reproduced,
 * no level judged -> inconclusive. Before that, a claim that cannot fail
 * here is labelled so: a run that never moved (its values stay above
 * (1 - MOVED) of its start), or two curves that are the same (relative
 * gap below SAME at every logged iteration). tracks: relative gap below
 * TRACK_TOL at every logged iteration. lower: a's mean over the last tenth
 * of the rows at most 1/MARGIN of b's. escapes: a's first iteration below
 * (1 - MOVED) L(0) lies in [after, before] (reproduced), outside it
 * (partly), or never (not reproduced); stuck: never. Over replicates: one
 * verdict when they agree (those that cannot fail set apart), else
 * inconclusive. */
#include "overparam/claims.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/jsonget.h"
#include "overparam/saxe.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define MARGIN 1.25
/* above_baseline: how far above the minimum nuclear-norm fit a value must
 * be to differ from it (the fit is solved to relative residuals of 1e-7) */
#define BASELINE_APART 1e-3
#define TRACK_TOL 1e-2
#define MOVED 1e-2
#define SAME 1e-9
/* The fractions of the way from L(0) to L*: the four a referee reads
 * first, then decades for problems solved far below them (Section 7's two
 * points fall from 1e3 to 1e-10). A level neither run reaches is not
 * judged, so the deep ones count only where a run gets there. */
static const double EPS[] = {0.5, 0.1, 0.01, 0.001, 1e-4, 1e-6, 1e-8};
enum { N_EPS = sizeof(EPS) / sizeof(EPS[0]) };
/* The fixed iterations at which the report shows both losses. */
static const long AT[] = {1000, 10000, 100000};
enum { N_AT = sizeof(AT) / sizeof(AT[0]) };

static const char *const verdict_words[N_VERDICTS] = {
	"reproduced", "partly", "not reproduced", "inconclusive", "cannot fail here",
	"not checked"};

const char *claims_verdict_word(enum verdict v)
{
	return verdict_words[v];
}

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

static double curve_min(const struct curve *c)
{
	double m = INFINITY;
	for (int i = 0; i < c->n; i++)
		if (c->loss[i] < m)
			m = c->loss[i];
	return m;
}

/* The value at the last logged iteration <= it, or NAN. */
static double curve_at(const struct curve *c, long it)
{
	double v = NAN;
	for (int i = 0; i < c->n && c->iter[i] <= it; i++)
		v = c->loss[i];
	return v;
}

/* Largest relative gap |a - b| / |b| over the iterations both logged (in
 * order); *at gets its iteration, *common how many were compared. */
static double curve_gap(const struct curve *a, const struct curve *b, long *at, int *common)
{
	double gap = 0;
	*at = 0;
	*common = a->n < b->n ? a->n : b->n;
	for (int i = 0; i < *common && a->iter[i] == b->iter[i]; i++) {
		double g = fabs(a->loss[i] - b->loss[i]) / fabs(b->loss[i]);
		if (!(g <= gap)) {
			gap = g;
			*at = a->iter[i];
		}
	}
	return gap;
}

/* One replicate's verdict: the word, a short reason, the speed-up at each
 * level (NAN where not judged). */
struct judged {
	enum verdict v;
	char why[600];
	char label[120]; /* cannot fail or not checked: the reason, briefly */
	double s[N_EPS]; /* speed-up at each level (lower: s[0] the tail ratio) */
	double gap;      /* tracks: the largest relative gap, else NAN */
	long escape;     /* escapes, stuck: a's escape iteration, -1 none, -2 n/a */
};

/* L* of replicate rep for a loss claim: the floor when known and below
 * both curves, else the lowest final loss of the selected runs. */
static double floor_of(const struct rundir *rd, const struct claim *cl, int rep,
		       const struct curve *ca, const struct curve *cb, const char **what)
{
	double lo = fmin(curve_min(ca), curve_min(cb));
	double f = cl->column ? NAN : rundir_loss_floor(rd, rep);
	if (isfinite(f) && f <= lo) {
		*what = "the data's l_p floor";
		return f;
	}
	*what = "the lowest final value of the figure";
	double m = lo;
	for (int i = 0; !cl->column && i < rd->n_runs; i++)
		if (rd->runs[i].selected && rd->runs[i].replicate == rep &&
		    rd->runs[i].final_loss < m)
			m = rd->runs[i].final_loss;
	return m;
}

static int speed_holds(enum claim_expect e, double s)
{
	switch (e) {
	case CLAIM_FASTER: return s >= MARGIN;
	case CLAIM_SLOWER: return s <= 1 / MARGIN;
	case CLAIM_NOT_FASTER: return s < MARGIN;
	default: return s > 1 / MARGIN && s < MARGIN;
	}
}

/* faster / slower / similar / not_faster at each level. */
static void judge_speed(const struct rundir *rd, const struct claim *cl, int rep,
			const struct curve *ca, const struct curve *cb, struct judged *j)
{
	const char *fwhat;
	double L0 = fmax(ca->loss[0], cb->loss[0]);
	double Ls = floor_of(rd, cl, rep, ca, cb, &fwhat);
	int n_lv = cl->target > 0 ? 1 : N_EPS, judged = 0, held = 0;
	char at_held[128] = "", at_not[128] = "", nums[400] = "";
	for (int k = 0; k < n_lv; k++) {
		double level = cl->target > 0 ? cl->target : Ls + EPS[k] * (L0 - Ls);
		level *= 1 + 1e-12;
		long ta = curve_first_reach(ca, level), tb = curve_first_reach(cb, level);
		char name[32];
		if (cl->target > 0)
			snprintf(name, sizeof(name), "target %.3g", cl->target);
		else
			snprintf(name, sizeof(name), "eps %g", EPS[k]);
		if (ta < 0 && tb < 0) {
			if (k < 4) /* the deep levels are listed only where reached */
				str_append(nums, sizeof(nums), "%s%s: neither", *nums ? "; " : "", name);
			continue;
		}
		/* Both at their first logged row after the start: the logging
		 * cannot tell which got there first. */
		if (ta == tb && ca->n > 1 && cb->n > 1 && ta == ca->iter[1] && tb == cb->iter[1]) {
			str_append(nums, sizeof(nums), "%s%s: both at the first logged row (%ld), not resolved",
				   *nums ? "; " : "", name, ta);
			continue;
		}
		double s = ta >= 0 && tb >= 0 ? (ta > 0 ? (double)tb / ta : tb > 0 ? INFINITY : 1)
					      : ta >= 0 ? INFINITY : 0;
		j->s[k] = s;
		judged++;
		int h = speed_holds(cl->expect, s);
		held += h;
		str_append(h ? at_held : at_not, 128, "%s%s", *(h ? at_held : at_not) ? ", " : "", name);
		if (ta >= 0 && tb >= 0)
			str_append(nums, sizeof(nums), "%s%s: %ld vs %ld (%.2fx)", *nums ? "; " : "", name, ta,
			    tb, s);
		else
			str_append(nums, sizeof(nums), "%s%s: only '%s' (at %ld)", *nums ? "; " : "", name,
			    ta >= 0 ? cl->a : cl->b, ta >= 0 ? ta : tb);
	}
	if (!judged) {
		j->v = VERDICT_INCONCLUSIVE;
		snprintf(j->why, sizeof(j->why), "neither run reached the first level (L* = %.4g, %s; L(0) = %.4g)",
			 Ls, fwhat, L0);
		return;
	}
	j->v = held == judged ? VERDICT_REPRODUCED : held ? VERDICT_PARTLY : VERDICT_NOT_REPRODUCED;
	snprintf(j->why, sizeof(j->why), "iterations to L* + eps (L(0) - L*), '%s' vs '%s' (L* = %.4g, %s; L(0) = %.4g): %s",
		 cl->a, cl->b, Ls, fwhat, L0, nums);
	if (j->v == VERDICT_PARTLY)
		str_append(j->why, sizeof(j->why), "; holds at %s, not at %s", at_held, at_not);
}

/* A run's first logged iteration below (1 - MOVED) of its start, or -1. */
static long escape_iter(const struct curve *c)
{
	return c->n ? curve_first_reach(c, (1 - MOVED) * c->loss[0] * (1 - 1e-12)) : -1;
}

static void judge_escape(const struct claim *cl, const struct curve *ca, struct judged *j)
{
	long e = escape_iter(ca), last = ca->n ? ca->iter[ca->n - 1] : 0;
	if (cl->expect == CLAIM_STUCK) {
		j->v = e < 0 ? VERDICT_REPRODUCED : VERDICT_NOT_REPRODUCED;
		if (e < 0)
			snprintf(j->why, sizeof(j->why), "'%s' never falls below 0.99 L(0) in %ld iterations", cl->a, last);
		else
			snprintf(j->why, sizeof(j->why), "'%s' falls below 0.99 L(0) at iteration %ld", cl->a, e);
		return;
	}
	int in = e >= 0 && e >= cl->after && (cl->before <= 0 || e <= cl->before);
	j->v = e < 0 ? VERDICT_NOT_REPRODUCED : in ? VERDICT_REPRODUCED : VERDICT_PARTLY;
	if (e < 0)
		snprintf(j->why, sizeof(j->why), "'%s' never falls below 0.99 L(0) in %ld iterations (the window: %.0f to %.0f)",
			 cl->a, last, cl->after, cl->before);
	else
		snprintf(j->why, sizeof(j->why), "'%s' falls below 0.99 L(0) at iteration %ld (%s the window %.0f to %.0f)",
			 cl->a, e, in ? "inside" : "outside", cl->after, cl->before);
}

/* exact_curve on run i: each mode column against its flow (saxe.h); j->gap
 * gets the largest deviation over its bound. */
static void judge_exact_curve(const struct rundir *rd, const struct claim *cl, int i,
			      struct judged *j)
{
	const struct rundir_run *r = &rd->runs[i];
	int e2e = !strcmp(r->model, "e2e");
	if (!rd->n_modes || !r->gd || r->depth < 1 || !(r->lr > 0)) {
		snprintf(j->label, sizeof(j->label), "no exact curve here: needs whitened data and GD");
		snprintf(j->why, sizeof(j->why), "'%s': the exact curves are for GD on whitened data (data.modes in metadata.json, optimizer gd)",
			 cl->a);
		return;
	}
	double worst = 0;
	char nums[300] = "";
	for (int q = 0; q < rd->n_modes; q++) {
		char column[16];
		snprintf(column, sizeof(column), "mode%d", q + 1);
		struct curve c;
		if (rundir_curve_column(rd, i, column, &c)) {
			snprintf(j->why, sizeof(j->why), "%s (diagnostics.modes logs the mode columns)", err_message());
			snprintf(j->label, sizeof(j->label), "no mode columns");
			return;
		}
		double s = rd->modes[q], u0 = c.n ? c.loss[0] : NAN;
		if (!(u0 > 0 && u0 < s)) {
			snprintf(j->why, sizeof(j->why), "'%s' mode %d starts at %.4g, not inside (0, s = %g): the flow's closed forms start there",
				 cl->a, q + 1, u0, s);
			snprintf(j->label, sizeof(j->label), "mode %d starts outside (0, s)", q + 1);
			curve_release(&c);
			return;
		}
		struct saxe_curve sc = {c.iter, c.loss, c.n};
		struct saxe_fit fit;
		saxe_compare(r->depth, s, u0, r->lr, e2e, &sc, &fit);
		worst = fmax(worst, fit.dev / fit.bound);
		str_append(nums, sizeof(nums), "%smode %d (s %g): deviation %.2e, bound %.2e", q ? "; " : "", q + 1, s,
			   fit.dev, fit.bound);
		curve_release(&c);
	}
	j->gap = worst;
	j->v = worst <= 1 ? VERDICT_REPRODUCED : VERDICT_NOT_REPRODUCED;
	snprintf(j->why, sizeof(j->why), "'%s' (%s, N = %d, lr %g) against its exact flow: %s", cl->a,
		 e2e ? "Eq. 10" : "deep", r->depth, r->lr, nums);
}

/* under_bound on run i: the loss under its flow_bound column wherever that
 * is defined; j->gap gets the largest loss over bound. */
static void judge_under_bound(const struct rundir *rd, const struct claim *cl, int i, struct judged *j)
{
	struct curve loss, bound;
	if (rundir_curve_column(rd, i, "flow_bound", &bound)) {
		snprintf(j->why, sizeof(j->why), "%s (diagnostics.modes logs flow_bound)", err_message());
		snprintf(j->label, sizeof(j->label), "no flow_bound column");
		return;
	}
	if (rundir_curve_column(rd, i, NULL, &loss)) {
		snprintf(j->why, sizeof(j->why), "%s", err_message());
		curve_release(&bound);
		return;
	}
	double worst = 0;
	long at = -1;
	int n = 0;
	for (int k = 0; k < loss.n && k < bound.n; k++) /* at t = 0 the bound is the loss */
		if (loss.iter[k] > 0 && isfinite(bound.loss[k]) && bound.loss[k] > 0) {
			n++;
			if (loss.loss[k] / bound.loss[k] > worst) {
				worst = loss.loss[k] / bound.loss[k];
				at = loss.iter[k];
			}
		}
	if (!n) {
		snprintf(j->label, sizeof(j->label), "no bound: no deficiency margin (or not GD)");
		snprintf(j->why, sizeof(j->why), "'%s' has no bound to stay under: its start has no positive deficiency margin, or it is not GD",
			 cl->a);
	} else {
		j->gap = worst;
		j->v = worst <= 1 + 1e-12 ? VERDICT_REPRODUCED : VERDICT_NOT_REPRODUCED;
		snprintf(j->why, sizeof(j->why), "'%s': largest loss / bound %.3g (at iteration %ld) over %d logged iterations",
			 cl->a, worst, at, n);
	}
	curve_release(&loss);
	curve_release(&bound);
}

/* above_baseline / below_baseline on run i: its last value of the column
 * against the minimum nuclear-norm fit's (j->gap = their ratio). */
static void judge_baseline(const struct rundir *rd, const struct claim *cl, int i,
			   struct judged *j)
{
	double base = rundir_baseline(rd, cl->column);
	struct curve c;
	if (isnan(base)) {
		snprintf(j->label, sizeof(j->label), "no nuclear-norm baseline");
		snprintf(j->why, sizeof(j->why), "metadata.json has no data.nuclear_baseline.%s (matrix problems only)",
			 cl->column ? cl->column : "?");
		return;
	}
	if (rundir_curve_column(rd, i, cl->column, &c) || c.n == 0) {
		snprintf(j->why, sizeof(j->why), "%s", c.n == 0 ? "no rows" : err_message());
		snprintf(j->label, sizeof(j->label), "no %s column", cl->column);
		err_clear();
		curve_release(&c); /* zeroed on failure */
		return;
	}
	double last = c.loss[c.n - 1];
	j->gap = last / base;
	j->v = cl->expect == CLAIM_ABOVE_BASELINE ? (last > base * (1 + BASELINE_APART)
							     ? VERDICT_REPRODUCED : VERDICT_NOT_REPRODUCED)
						  : (MARGIN * last <= base ? VERDICT_REPRODUCED
									   : VERDICT_NOT_REPRODUCED);
	snprintf(j->why, sizeof(j->why), "'%s' ends (iteration %ld) with %s %.6g, the minimum nuclear-norm fit has %.6g (ratio %.4g)",
		 cl->a, c.iter[c.n - 1], cl->column, last, base, j->gap);
	curve_release(&c);
}

/* grows on run i: its last value of the column against its first
 * (j->gap = last / first). */
static void judge_grows(const struct rundir *rd, const struct claim *cl, int i, struct judged *j)
{
	struct curve c;
	if (rundir_curve_column(rd, i, cl->column, &c) || c.n == 0) {
		snprintf(j->why, sizeof(j->why), "%s", c.n == 0 ? "no rows" : err_message());
		snprintf(j->label, sizeof(j->label), "no %s column", cl->column ? cl->column : "loss");
		err_clear();
		curve_release(&c);
		return;
	}
	double first = c.loss[0], last = c.loss[c.n - 1];
	j->gap = last / first;
	j->v = fabs(last) >= MARGIN * fabs(first) && isfinite(last) ? VERDICT_REPRODUCED
								    : VERDICT_NOT_REPRODUCED;
	snprintf(j->why, sizeof(j->why), "'%s': %s %.4g at iteration %ld, %.4g at iteration %ld (%.4gx)",
		 cl->a, cl->column ? cl->column : "loss", first, c.iter[0], last, c.iter[c.n - 1], j->gap);
	curve_release(&c);
}

/* Evaluates one claim on one replicate's selected runs. */
static void judge(const struct rundir *rd, const struct claim *cl, int rep, struct judged *j)
{
	memset(j, 0, sizeof(*j));
	for (int k = 0; k < N_EPS; k++)
		j->s[k] = NAN;
	j->gap = NAN;
	j->escape = -2;
	j->v = VERDICT_UNCHECKED;
	int ia = rundir_selected(rd, cl->a, rep), ib = rundir_selected(rd, cl->b, rep);
	if (ia >= 0 && (cl->expect == CLAIM_ABOVE_BASELINE || cl->expect == CLAIM_BELOW_BASELINE)) {
		judge_baseline(rd, cl, ia, j);
		return;
	}
	if (ia >= 0 && cl->expect == CLAIM_GROWS) {
		judge_grows(rd, cl, ia, j);
		return;
	}
	if (ia >= 0 && (cl->expect == CLAIM_EXACT_CURVE || cl->expect == CLAIM_UNDER_BOUND)) {
		if (cl->expect == CLAIM_EXACT_CURVE)
			judge_exact_curve(rd, cl, ia, j);
		else
			judge_under_bound(rd, cl, ia, j);
		return;
	}
	if (ia < 0 || ib < 0) {
		snprintf(j->why, sizeof(j->why), "no selected (non-diverged) run for '%s'",
			 ia < 0 ? cl->a : cl->b);
		snprintf(j->label, sizeof(j->label), "no winner for '%s'", ia < 0 ? cl->a : cl->b);
		return;
	}
	struct curve ca, cb;
	if (rundir_curve_column(rd, ia, cl->column, &ca)) {
		snprintf(j->why, sizeof(j->why), "%s", err_message());
		return;
	}
	if (rundir_curve_column(rd, ib, cl->column, &cb)) {
		snprintf(j->why, sizeof(j->why), "%s", err_message());
		curve_release(&ca);
		return;
	}
	if (!ca.n || !cb.n) {
		snprintf(j->why, sizeof(j->why), "a run has no rows");
	} else if (cl->expect == CLAIM_ESCAPES || cl->expect == CLAIM_STUCK) {
		judge_escape(cl, &ca, j);
		j->escape = escape_iter(&ca);
	} else if (escape_iter(&ca) < 0 || escape_iter(&cb) < 0) {
		const char *who = escape_iter(&ca) < 0 ? cl->a : cl->b;
		j->v = VERDICT_CANNOT_FAIL;
		snprintf(j->why, sizeof(j->why), "'%s' never moved: its %s stays within 1%% of its start (%.4g)",
			 who, cl->column ? cl->column : "loss",
			 escape_iter(&ca) < 0 ? ca.loss[0] : cb.loss[0]);
		snprintf(j->label, sizeof(j->label), "'%s' never moved", who);
	} else {
		long at;
		int common;
		double gap = curve_gap(&ca, &cb, &at, &common);
		if (cl->expect == CLAIM_TRACKS) {
			j->v = gap < TRACK_TOL ? VERDICT_REPRODUCED : VERDICT_NOT_REPRODUCED;
			j->gap = gap;
			snprintf(j->why, sizeof(j->why), "largest relative gap between '%s' and '%s' over %d logged iterations: %.2e (at iteration %ld; tolerance %.0e)",
				 cl->a, cl->b, common, gap, at, TRACK_TOL);
		} else if (gap < SAME && ca.n == cb.n) {
			j->v = VERDICT_CANNOT_FAIL;
			snprintf(j->why, sizeof(j->why), "'%s' and '%s' are the same curve (largest relative gap %.1e over %d logged iterations): identical by construction",
				 cl->a, cl->b, gap, common);
			snprintf(j->label, sizeof(j->label), "the same curve twice");
		} else if (cl->expect == CLAIM_LOWER) {
			double ma = tail_mean(&ca), mb = tail_mean(&cb);
			j->v = mb >= MARGIN * ma ? VERDICT_REPRODUCED : VERDICT_NOT_REPRODUCED;
			j->s[0] = mb / ma;
			snprintf(j->why, sizeof(j->why), "mean %s over the last tenth of the logged rows: '%s' %.4g, '%s' %.4g ('%s' %.2fx lower)",
				 cl->column ? cl->column : "loss", cl->a, ma, cl->b, mb, cl->a, mb / ma);
		} else {
			judge_speed(rd, cl, rep, &ca, &cb, j);
		}
	}
	if (j->v != VERDICT_UNCHECKED && cl->expect != CLAIM_TRACKS) {
		str_append(j->why, sizeof(j->why), "; %s at", cl->column ? cl->column : "loss");
		/* the fixed iterations both curves logged (a run that stopped
		 * early, converged or diverged, has no value past its end) */
		long end_a = ca.iter[ca.n - 1], end_b = cb.iter[cb.n - 1];
		for (int k = 0; k < N_AT; k++)
			if (AT[k] <= end_a && AT[k] <= end_b)
				str_append(j->why, sizeof(j->why), " %ld: %.4g vs %.4g,", AT[k],
					   curve_at(&ca, AT[k]), curve_at(&cb, AT[k]));
		if (end_a == end_b)
			str_append(j->why, sizeof(j->why), " the end (%ld): %.4g vs %.4g", end_a,
				   ca.loss[ca.n - 1], cb.loss[cb.n - 1]);
		else
			str_append(j->why, sizeof(j->why), " the ends (%ld, %ld): %.4g vs %.4g", end_a,
				   end_b, ca.loss[ca.n - 1], cb.loss[cb.n - 1]);
	}
	curve_release(&ca);
	curve_release(&cb);
}

/* A speed-up for the brief: "2.1x", "only a" (inf), "only b" (0). */
static void put_ratio(char *buf, size_t n, double s)
{
	if (isinf(s))
		str_append(buf, n, "only a");
	else if (s == 0)
		str_append(buf, n, "only b");
	else
		str_append(buf, n, "%.2fx", s);
}

/* The brief: the numbers the verdict rests on, ranges over replicates. */
static void write_brief(const struct claim *cl, enum verdict v, const struct judged *first,
			const struct judged *cannot, const double *lo, const double *hi,
			double gap, long esc_lo, long esc_hi, int never, int S, char *brief,
			size_t nb)
{
	brief[0] = '\0';
	if (v == VERDICT_UNCHECKED || v == VERDICT_CANNOT_FAIL) {
		str_append(brief, nb, "%s", v == VERDICT_CANNOT_FAIL ? cannot->label : first->label);
		return;
	}
	if (cl->expect == CLAIM_EXACT_CURVE) {
		str_append(brief, nb, "deviation / bound %.2f", gap);
	} else if (cl->expect == CLAIM_UNDER_BOUND) {
		str_append(brief, nb, "loss / bound %.3g at most", gap);
	} else if (cl->expect == CLAIM_ABOVE_BASELINE || cl->expect == CLAIM_BELOW_BASELINE) {
		str_append(brief, nb, "%s / baseline's %.4g", cl->column, gap);
	} else if (cl->expect == CLAIM_GROWS) {
		str_append(brief, nb, "last / first %.4g", gap);
	} else if (cl->expect == CLAIM_TRACKS) {
		str_append(brief, nb, "largest gap %.1e", gap);
	} else if (cl->expect == CLAIM_ESCAPES || cl->expect == CLAIM_STUCK) {
		if (esc_lo >= 0)
			str_append(brief, nb, esc_lo == esc_hi ? "escape at %ld" : "escape at %ld-%ld", esc_lo,
			    esc_hi);
		if (never)
			str_append(brief, nb, "%sno escape in %d of %d", esc_lo >= 0 ? "; " : "", never, S);
	} else {
		int n_lv = cl->target > 0 || cl->expect == CLAIM_LOWER ? 1 : N_EPS;
		str_append(brief, nb, cl->expect == CLAIM_LOWER ? "tail ratio " :
			       cl->target > 0 ? "speed-up at the target: " : "speed-up by eps: ");
		for (int k = 0, any = 0; k < n_lv; k++) {
			int judged = lo[k] <= hi[k];
			if (k >= 4 && !judged)
				continue; /* the deep levels only where judged */
			if (any++)
				str_append(brief, nb, ", ");
			if (n_lv > 1)
				str_append(brief, nb, "%g ", EPS[k]);
			if (!judged) {
				str_append(brief, nb, "-");
				continue;
			}
			put_ratio(brief, nb, lo[k]);
			if (hi[k] != lo[k]) {
				str_append(brief, nb, " to ");
				put_ratio(brief, nb, hi[k]);
			}
		}
	}
}

/* For a verdict other than reproduced, why, in one line, from the same
 * numbers: which replicates disagree, at which levels a speed claim holds
 * and fails in every replicate, how far a curve strays, where it escapes. */
static void write_reason(const struct claim *cl, enum verdict v, const int *count, int kinds,
			 const struct judged *first, const struct judged *cannot,
			 const double *lo, const double *hi, double gap, long esc_lo, int never,
			 int S, char *r, size_t n)
{
	r[0] = '\0';
	if (v == VERDICT_REPRODUCED)
		return;
	if (v == VERDICT_UNCHECKED || v == VERDICT_CANNOT_FAIL) {
		str_append(r, n, "%s", v == VERDICT_CANNOT_FAIL ? cannot->label : first->label);
		return;
	}
	if (kinds > 1) {
		str_append(r, n, "the replicates disagree:");
		for (int w = 0, any = 0; w < VERDICT_CANNOT_FAIL; w++)
			if (count[w])
				str_append(r, n, "%s %d %s", any++ ? "," : "", count[w], verdict_words[w]);
		return;
	}
	if (cl->expect == CLAIM_TRACKS) {
		str_append(r, n, "the curves part by %.1e (relative), more than %g", gap, TRACK_TOL);
		return;
	}
	if (cl->expect == CLAIM_EXACT_CURVE) {
		str_append(r, n, "a mode strays %.2fx its bound from its exact curve", gap);
		return;
	}
	if (cl->expect == CLAIM_UNDER_BOUND) {
		str_append(r, n, "the loss rises to %.3gx its gradient-flow bound", gap);
		return;
	}
	if (cl->expect == CLAIM_ABOVE_BASELINE) {
		str_append(r, n, "%s is within %g (relative) of the minimum nuclear-norm fit's (%.4gx)",
			   cl->column, BASELINE_APART, gap);
		return;
	}
	if (cl->expect == CLAIM_GROWS) {
		str_append(r, n, "%s ends at %.4gx its first value, not %.2fx", cl->column ? cl->column : "loss",
			   gap, MARGIN);
		return;
	}
	if (cl->expect == CLAIM_BELOW_BASELINE) {
		str_append(r, n, "%s is not below 1/%.2f of the minimum nuclear-norm fit's (%.4gx)",
			   cl->column, MARGIN, gap);
		return;
	}
	if (cl->expect == CLAIM_ESCAPES || cl->expect == CLAIM_STUCK) {
		if (cl->expect == CLAIM_STUCK)
			str_append(r, n, "it escapes (at %ld)", esc_lo);
		else if (never == S)
			str_append(r, n, "no escape within the horizon");
		else
			str_append(r, n, "the escape (from %ld) is outside the window %g..%g", esc_lo,
				   cl->after, cl->before);
		return;
	}
	if (cl->expect == CLAIM_LOWER) {
		str_append(r, n, "the tail ratio is not below 1/%.2f", MARGIN);
		return;
	}
	char held[160] = "", failed[160] = "";
	int any_level = 0;
	for (int k = 0; k < N_EPS && cl->target <= 0; k++) {
		if (!(lo[k] <= hi[k]))
			continue;
		any_level = 1;
		int h_lo = speed_holds(cl->expect, lo[k]), h_hi = speed_holds(cl->expect, hi[k]);
		if (h_lo && h_hi)
			str_append(held, sizeof(held), "%s%g", *held ? ", " : "", EPS[k]);
		else if (!h_lo && !h_hi)
			str_append(failed, sizeof(failed), "%s%g", *failed ? ", " : "", EPS[k]);
	}
	if (v == VERDICT_INCONCLUSIVE && !any_level)
		str_append(r, n, "neither run reached the first level");
	else if (v == VERDICT_NOT_REPRODUCED)
		str_append(r, n, "fails at every level both runs reached%s%s%s",
			   *failed ? " (eps " : "", failed, *failed ? ")" : "");
	else
		str_append(r, n, "holds at eps %s; fails at eps %s", *held ? held : "(none in every replicate)",
			   *failed ? failed : "(none in every replicate)");
}

enum verdict claims_verdict(const struct rundir *rd, const struct claim *cl,
			    struct claim_outcome *out)
{
	char *buf = out->detail, *brief = out->brief;
	size_t n = sizeof(out->detail), nb = sizeof(out->brief);
	int S = rd->n_replicates > 1 ? rd->n_replicates : 1;
	int count[N_VERDICTS] = {0}, never = 0;
	double lo[N_EPS], hi[N_EPS], gap = 0;
	long esc_lo = -1, esc_hi = -1;
	struct judged j, first, cannot;
	for (int k = 0; k < N_EPS; k++) {
		lo[k] = INFINITY;
		hi[k] = -INFINITY;
	}
	cannot.why[0] = '\0';
	for (int r = 1; r <= S; r++) {
		judge(rd, cl, r, &j);
		if (r == 1)
			first = j;
		if (j.v == VERDICT_CANNOT_FAIL && !cannot.why[0])
			cannot = j;
		count[j.v]++;
		for (int k = 0; k < N_EPS; k++)
			if (!isnan(j.s[k])) {
				lo[k] = fmin(lo[k], j.s[k]);
				hi[k] = fmax(hi[k], j.s[k]);
			}
		if (!isnan(j.gap))
			gap = fmax(gap, j.gap);
		if (j.escape == -1)
			never++;
		else if (j.escape >= 0) {
			esc_lo = esc_lo < 0 || j.escape < esc_lo ? j.escape : esc_lo;
			esc_hi = j.escape > esc_hi ? j.escape : esc_hi;
		}
	}
	/* the replicates that can fail decide; the others are set apart */
	enum verdict v = VERDICT_UNCHECKED;
	int kinds = 0;
	for (int w = 0; w < VERDICT_CANNOT_FAIL; w++)
		if (count[w]) {
			kinds++;
			v = (enum verdict)w;
		}
	if (kinds > 1)
		v = VERDICT_INCONCLUSIVE;
	else if (!kinds && count[VERDICT_CANNOT_FAIL])
		v = VERDICT_CANNOT_FAIL;
	write_brief(cl, v, &first, &cannot, lo, hi, gap, esc_lo, esc_hi, never, S, brief, nb);
	write_reason(cl, v, count, kinds, &first, &cannot, lo, hi, gap, esc_lo, never, S,
		     out->reason, sizeof(out->reason));
	buf[0] = '\0';
	if (S == 1) {
		snprintf(buf, n, "%s", first.why);
		return v;
	}
	str_append(buf, n, "%d replicates:", S);
	for (int w = 0; w < N_VERDICTS; w++)
		if (count[w])
			str_append(buf, n, " %d %s,", count[w], verdict_words[w]);
	buf[strlen(buf) - 1] = '\0';
	for (int k = 0, any = 0; k < N_EPS; k++) {
		if (!(lo[k] <= hi[k]))
			continue;
		char at[32];
		if (cl->target > 0)
			snprintf(at, sizeof(at), "the target");
		else if (cl->expect == CLAIM_LOWER)
			snprintf(at, sizeof(at), "the tail");
		else
			snprintf(at, sizeof(at), "eps %g", EPS[k]);
		str_append(buf, n, "%s %s %.2fx-%.2fx", any++ ? "," : "; speed-up over replicates at", at,
		    lo[k], hi[k]);
	}
	if (count[VERDICT_CANNOT_FAIL] && v != VERDICT_CANNOT_FAIL)
		str_append(buf, n, "; set apart, a replicate that cannot fail: %s", cannot.why);
	str_append(buf, n, "; replicate 1: %s", first.why);
	return v;
}

void claims_print_rule(FILE *f)
{
	fprintf(f, "Each claim is judged on the selected (best, non-diverged) run of each model, by one rule per kind, fixed before the runs and the same for every figure. "
		"Levels: L* + eps (L(0) - L*) for eps =");
	for (int k = 0; k < N_EPS; k++)
		fprintf(f, " %g%s", EPS[k], k + 1 < N_EPS ? "," : "");
	fprintf(f, ", with L(0) the larger initial loss of the two runs and L* the l_p floor of the data (else the lowest final loss of the figure); a claim with a target uses that level alone. "
		"The speed-up at a level is the ratio of the iterations the two runs need to reach it. "
		"'faster' holds at a level when the speed-up is at least %g, 'slower' when it is at most 1/%g, 'not_faster' when it is below %g, 'similar' when it is between: "
		"at every level either run reached -> **reproduced**, at some -> **partly**, at none -> **not reproduced**, no level reached -> **inconclusive**. "
		"'tracks': relative gap below %g at every logged iteration; 'lower': mean over the last tenth of the rows at most 1/%g of the other's; "
		"'escapes': the first iteration below 0.99 L(0) inside the stated window (outside it: partly); 'stuck': none. "
		"'exact_curve' (whitened data, GD): every mode's strength within twice Euler's first-order gap of its exact flow at every logged iteration; 'under_bound': the loss at most its gradient-flow bound L(0) exp(-2 c^(2-2/N) lr t) wherever the start has a deficiency margin c > 0. "
		"'above_baseline' (matrix problems): a's last value of the column more than %g (relative) above the minimum nuclear-norm fit's (solved to 1e-7); 'below_baseline': at most 1/%g of it; 'grows': a's last value of the column at least %g times its first. "
		"A claim that cannot fail in its setting is labelled **cannot fail here**, never counted as reproduced: a run that never moved (within %g%% of its start), or two curves that are the same (relative gap below %g). "
		"Over replicates: their common verdict, else **inconclusive**; replicates that cannot fail are set apart.",
		MARGIN, MARGIN, MARGIN, TRACK_TOL, MARGIN, BASELINE_APART, MARGIN, MARGIN, 100 * MOVED, SAME);
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
	static const char *const keys[] = {"text", "a", "b", "expect", "target", "column",
					   "after", "before", "extra", NULL};
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
		    (rc = json_get_number(c, it, path, "after", 0, 0, 0, JSON_CLOSED, 1e15, &cl->after)) ||
		    (rc = json_get_number(c, it, path, "before", 0, 0, 0, JSON_CLOSED, 1e15, &cl->before)) ||
		    (rc = json_get_bool(c, it, path, "extra", 0, &cl->extra)) ||
		    (rc = json_get_string(c, it, path, "column", 0, NULL, &column)))
			return rc;
		if ((cl->after > 0 || cl->before > 0) && e != CLAIM_ESCAPES)
			return json_fail(c, json_key_path(p, sizeof(p), path, "after"),
					 "'after' and 'before' are for \"expect\": \"escapes\"");
		if (cl->before > 0 && cl->after >= cl->before)
			return json_fail(c, json_key_path(p, sizeof(p), path, "before"),
					 "must be > after (%g), got %g", cl->after, cl->before);
		if (column && (!*column || !strcmp(column, "iteration")))
			return json_fail(c, json_key_path(p, sizeof(p), path, "column"),
					 "must name a column of the run CSVs other than 'iteration'");
		if ((e == CLAIM_ABOVE_BASELINE || e == CLAIM_BELOW_BASELINE) &&
		    (!column || (strcmp(column, "nuclear") && strcmp(column, "test_error") &&
				 strcmp(column, "eff_rank"))))
			return json_fail(c, json_key_path(p, sizeof(p), path, "column"),
					 "\"%s\" needs \"column\": \"nuclear\", \"test_error\" or \"eff_rank\" (the baseline's)",
					 expect);
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
