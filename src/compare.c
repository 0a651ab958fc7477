/* compare: curve regression checks (see compare.h). */
#include "overparam/compare.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/rundir.h"
#include "overparam/table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct tally {
	long rows, values;
	int parted;                 /* a first disagreement was found */
	char first[512];            /* where */
	double worst_abs;           /* largest |a - e| over agreeing and not */
	char worst_at[256];
};

/* |a - e| with NaN/Inf rules; sets *agree. */
static double deviation(double e, double a, const struct compare_opts *o, int *agree)
{
	if (isnan(e) || isnan(a)) {
		*agree = isnan(e) && isnan(a);
		return *agree ? 0.0 : INFINITY;
	}
	if (isinf(e) || isinf(a)) {
		*agree = e == a;
		return *agree ? 0.0 : INFINITY;
	}
	double dev = fabs(a - e);
	*agree = dev <= o->atol + o->rtol * fabs(e);
	return dev;
}

/* Column list: the --columns names, or every column of e. Returns count or -1. */
static int pick_columns(const struct table *e, const struct table *a,
			const struct compare_opts *o, const char *what, int *ce, int *ca)
{
	int n = 0;
	if (o->columns) {
		char *list = strdup(o->columns), *save = NULL;
		for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			ce[n] = table_column(e, tok);
			ca[n] = table_column(a, tok);
			if (ce[n] < 0 || ca[n] < 0) {
				err_set(ERR_INPUT, "%s: no column '%s' in the %s file", what, tok,
					ce[n] < 0 ? "expected" : "actual");
				free(list);
				return -1;
			}
			if (++n >= 4096)
				break;
		}
		free(list);
		return n;
	}
	for (int i = 0; i < e->n_cols && n < 4096; i++) {
		ce[n] = i;
		ca[n] = table_column(a, e->names[i]);
		if (ca[n] < 0) {
			err_set(ERR_INPUT, "%s: no column '%s' in the actual file", what, e->names[i]);
			return -1;
		}
		n++;
	}
	return n;
}

static int compare_csv(const char *exp_path, const char *act_path, const char *what,
		       const struct compare_opts *o, struct tally *t)
{
	struct table e, a;
	int rc = table_load(&e, exp_path);
	if (rc)
		return rc;
	if ((rc = table_load(&a, act_path))) {
		table_release(&e);
		return rc;
	}
	int *ce = malloc(4096 * sizeof(int)), *ca = malloc(4096 * sizeof(int));
	int ie = table_column(&e, "iteration"), ia = table_column(&a, "iteration");
	int n = -1;
	if (!ce || !ca)
		rc = err_set(ERR_RUNTIME, "out of memory");
	else if (ie < 0 || ia < 0)
		rc = err_set(ERR_INPUT, "%s: no 'iteration' column", what);
	else if (e.n_rows != a.n_rows)
		rc = err_set(ERR_INPUT, "%s: shapes differ: %d rows expected, %d actual", what,
			     e.n_rows, a.n_rows);
	else if ((n = pick_columns(&e, &a, o, what, ce, ca)) < 0)
		rc = ERR_INPUT;
	for (int r = 0; !rc && r < e.n_rows; r++) {
		double it = e.v[(size_t)r * e.n_cols + ie];
		if (it != a.v[(size_t)r * a.n_cols + ia]) {
			rc = err_set(ERR_INPUT, "%s: row %d: iteration %.0f expected, %.0f actual",
				     what, r + 1, it, a.v[(size_t)r * a.n_cols + ia]);
			break;
		}
		t->rows++;
		for (int c = 0; c < n; c++) {
			double ev = e.v[(size_t)r * e.n_cols + ce[c]];
			double av = a.v[(size_t)r * a.n_cols + ca[c]];
			int agree;
			double dev = deviation(ev, av, o, &agree);
			t->values++;
			if (dev > t->worst_abs || (t->worst_at[0] == '\0' && dev >= 0)) {
				t->worst_abs = dev;
				snprintf(t->worst_at, sizeof(t->worst_at), "%s, iteration %.0f, column '%s'",
					 what, it, e.names[ce[c]]);
			}
			if (!agree && !t->parted) {
				t->parted = 1;
				snprintf(t->first, sizeof(t->first),
					 "%s, iteration %.0f, column '%s': expected %.17g, got %.17g (|diff| %.3g > %.3g)",
					 what, it, e.names[ce[c]], ev, av, dev,
					 o->atol + o->rtol * fabs(ev));
			}
		}
	}
	free(ce);
	free(ca);
	table_release(&e);
	table_release(&a);
	return rc;
}

/* The summary rows of one run in both directories: whether it won its
 * grid, and its losses and iterations (within the tolerance). Records the
 * first place they part in t. */
static void summary_differs(const struct rundir_run *e, const struct rundir_run *a,
			   const char *what, const struct compare_opts *o, struct tally *t)
{
	if (t->parted)
		return;
	if (e->selected != a->selected) {
		t->parted = 1;
		snprintf(t->first, sizeof(t->first), "%s: summary.csv: %s its grid's winner in the expected directory, %s in the actual",
			 what, e->selected ? "is" : "is not", a->selected ? "is" : "is not");
		return;
	}
	const struct { const char *name; double e, a; } v[] = {
		{"initial_loss", e->initial_loss, a->initial_loss},
		{"final_loss", e->final_loss, a->final_loss},
		{"min_loss", e->min_loss, a->min_loss},
		{"last_iter", (double)e->last_iter, (double)a->last_iter},
		{"diverged_at", (double)e->diverged_at, (double)a->diverged_at}};
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		int agree;
		double dev = deviation(v[k].e, v[k].a, o, &agree);
		if (!agree) {
			t->parted = 1;
			snprintf(t->first, sizeof(t->first),
				 "%s: summary.csv column '%s': expected %.17g, got %.17g (|diff| %.3g)",
				 what, v[k].name, v[k].e, v[k].a, dev);
			return;
		}
	}
	return;
}

static int compare_dirs(const char *exp, const char *act, const struct compare_opts *o,
			struct tally *t, int *n_runs)
{
	struct rundir e, a;
	int rc = rundir_load(&e, exp, 0);
	if (rc)
		return rc;
	if ((rc = rundir_load(&a, act, 0))) {
		rundir_release(&e);
		return rc;
	}
	/* each directory is what it was written as (SHA256SUMS, summary rows
	 * against CSVs): a damaged one is refused (exit 2), not compared */
	if (!(rc = rundir_check_curves(&e)))
		rc = rundir_check_curves(&a);
	for (int i = 0; !rc && i < a.n_runs; i++) {
		int found = 0;
		for (int j = 0; j < e.n_runs && !found; j++)
			found = strcmp(a.runs[i].label, e.runs[j].label) == 0;
		if (!found)
			rc = err_set(ERR_INPUT, "run '%s' of '%s' is not in '%s'", a.runs[i].label,
				     act, exp);
	}
	for (int i = 0; !rc && i < e.n_runs; i++) {
		int j = 0;
		while (j < a.n_runs && strcmp(a.runs[j].label, e.runs[i].label) != 0)
			j++;
		if (j == a.n_runs) {
			rc = err_set(ERR_INPUT, "run '%s' of '%s' is missing from '%s'",
				     e.runs[i].label, exp, act);
			break;
		}
		char what[600];
		snprintf(what, sizeof(what), "run '%s'", e.runs[i].label);
		if (strcmp(e.runs[i].status, a.runs[j].status) != 0 && !t->parted) {
			t->parted = 1;
			snprintf(t->first, sizeof(t->first), "%s: status '%s' expected, '%s' actual",
				 what, e.runs[i].status, a.runs[j].status);
			continue;
		}
		/* the curves are compared too: the largest deviation covers them */
		summary_differs(&e.runs[i], &a.runs[j], what, o, t);
		char *pe = path_join(exp, e.runs[i].csv), *pa = path_join(act, a.runs[j].csv);
		rc = pe && pa ? compare_csv(pe, pa, what, o, t) : err_set(ERR_RUNTIME, "out of memory");
		free(pe);
		free(pa);
		(*n_runs)++;
	}
	rundir_release(&e);
	rundir_release(&a);
	return rc;
}

int compare_paths(const char *expected, const char *actual,
		  const struct compare_opts *o, FILE *out)
{
	struct tally t;
	memset(&t, 0, sizeof(t));
	int de = path_is_dir(expected), da = path_is_dir(actual), n_runs = 0, rc;
	if (de != da)
		return err_set(ERR_INPUT, "'%s' and '%s': one is a directory, the other is not",
			       expected, actual);
	if (de) {
		rc = compare_dirs(expected, actual, o, &t, &n_runs);
	} else {
		rc = compare_csv(expected, actual, "csv", o, &t);
		n_runs = 1;
	}
	if (rc)
		return rc;
	fprintf(out, "compare: %d run(s), %ld rows, %ld values; rtol %g, atol %g\n", n_runs,
		t.rows, t.values, o->rtol, o->atol);
	if (t.worst_at[0])
		fprintf(out, "compare: largest deviation %.3g at %s\n", t.worst_abs, t.worst_at);
	if (t.parted) {
		fprintf(out, "compare: DIFFERENT: they part at %s\n", t.first);
		return err_set(ERR_RUNTIME, "curves differ beyond tolerance (first at %s)", t.first);
	}
	fprintf(out, "compare: within tolerance\n");
	return ERR_OK;
}
