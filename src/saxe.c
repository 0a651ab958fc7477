/* saxe: the exact curves, the trainer run on them, and the check (see
 * saxe.h for the math). */
#include "overparam/saxe.h"
#include "overparam/dataset.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/loss.h"
#include "overparam/model.h"
#include "overparam/plot.h"
#include "overparam/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the flow ---- */

/* log sigma(x), without overflow either way. */
static double log_sigmoid(double x)
{
	return x > 0 ? -log1p(exp(-x)) : x - log1p(exp(x));
}

/* dtau/dx along u = s sigma(x): 1 / (N s^(2-2/N) sigma(x)^(1-2/N)). */
static double dtau_dx(int N, double s, double x)
{
	return exp(-(1.0 - 2.0 / N) * log_sigmoid(x)) / (N * pow(s, 2.0 - 2.0 / N));
}

/* int_a^b dtau_dx: composite 8-point Gauss-Legendre, panels <= 1/8 wide
 * (the integrand is smooth and changes by at most e^(1/8) over one). */
static double tau_between(int N, double s, double a, double b)
{
	static const double node[4] = {0.1834346424956498, 0.5255324099163290,
				       0.7966664774136267, 0.9602898564975363};
	static const double weight[4] = {0.3626837833783620, 0.3137066458778873,
					  0.2223810344533745, 0.1012285362903763};
	int panels = (int)ceil(fabs(b - a) * 8) + 1;
	double h = (b - a) / panels, sum = 0;
	for (int p = 0; p < panels; p++) {
		double mid = a + (p + 0.5) * h, part = 0;
		for (int i = 0; i < 4; i++)
			part += weight[i] * (dtau_dx(N, s, mid - 0.5 * h * node[i]) +
					     dtau_dx(N, s, mid + 0.5 * h * node[i]));
		sum += 0.5 * h * part;
	}
	return sum;
}

static double logit(double u, double s)
{
	return log(u / (s - u));
}

double saxe_flow_time(int N, double s, double u0, double u)
{
	return tau_between(N, s, logit(u0, s), logit(u, s));
}

/* The x with tau_between(x0, x) = dtau >= 0: Newton on a monotone
 * function, kept inside a bracket. */
static double advance_x(int N, double s, double x0, double dtau)
{
	double lo = x0, hi = x0 + 1;
	while (tau_between(N, s, x0, hi) < dtau)
		hi = x0 + 2 * (hi - x0);
	double x = x0 + dtau / dtau_dx(N, s, x0);
	if (!(x > lo && x < hi))
		x = 0.5 * (lo + hi);
	for (int it = 0; it < 100; it++) {
		double r = tau_between(N, s, x0, x) - dtau;
		if (r > 0)
			hi = x;
		else
			lo = x;
		double next = x - r / dtau_dx(N, s, x);
		if (!(next > lo && next < hi))
			next = 0.5 * (lo + hi);
		if (fabs(next - x) <= 1e-15 * (1 + fabs(x)))
			return next;
		x = next;
	}
	return x;
}

double saxe_flow_u(int N, double s, double u0, double tau)
{
	double x = advance_x(N, s, logit(u0, s), tau);
	return s * exp(log_sigmoid(x));
}

double saxe_closed_u(int N, double s, double u0, double tau)
{
	if (N == 1)
		return s + (u0 - s) * exp(-tau);
	double e = exp(2 * s * tau);
	return s * e / (e - 1 + s / u0);
}

double saxe_rate(int N, double s, double u)
{
	return N * pow(u, 2.0 - 2.0 / N) * (s - u);
}

double saxe_gap(int N, double s, double u0, double u, int e2e)
{
	/* deep: ln F(a)/F(a0) = (1 - 1/N) ln(u/u0) + ln((s-u)/(s-u0));
	 * e2e:  ln f(u)/f(u0) = (2 - 2/N) ln(u/u0) + ln((s-u)/(s-u0)) */
	double power = e2e ? 2.0 - 2.0 / N : 1.0 - 1.0 / N;
	return -0.5 * saxe_rate(N, s, u) * (power * log(u / u0) + log((s - u) / (s - u0)));
}

/* |d(step)/d(state)| of the update's right-hand side at u: F'(a) for the
 * deep network's layer value a = u^(1/N), f'(u) for e2e. */
static double slope(int N, double s, double u, int e2e)
{
	if (e2e)
		return fabs(N * ((2.0 - 2.0 / N) * pow(u, 1.0 - 2.0 / N) * (s - u) -
				 pow(u, 2.0 - 2.0 / N)));
	double a = pow(u, 1.0 / N);
	return fabs((N - 1) * pow(a, N - 2) * (s - u) - N * pow(a, 2 * N - 2));
}

void saxe_compare(int N, double s, double u0, double lr, int e2e, const struct saxe_curve *c,
		  struct saxe_fit *fit)
{
	memset(fit, 0, sizeof(*fit));
	fit->t_half = -1;
	double x = logit(u0, s), tau = 0;
	/* at the fixed point a^N = s the slope is N s^(2-2/N) (both updates) */
	double stiff = slope(N, s, s, e2e);
	for (int i = 0; i < c->n; i++) {
		double tau_i = lr * (double)c->t[i];
		x = advance_x(N, s, x, tau_i - tau); /* t ascending: the flow goes on */
		tau = tau_i;
		double flow = s * exp(log_sigmoid(x)), u = c->u[i];
		double gap = u > 0 && u < s ? lr * saxe_gap(N, s, u0, flow, e2e) : 0;
		fit->dev = fmax(fit->dev, fabs(u - flow));
		fit->gap = fmax(fit->gap, fabs(gap));
		fit->residual = fmax(fit->residual, fabs(u - flow - gap));
		if (u > 0 && u < 2 * s)
			stiff = fmax(stiff, slope(N, s, fmin(u, s), e2e));
		if (fit->t_half < 0 && u >= 0.5 * s)
			fit->t_half = c->t[i];
	}
	fit->bound = 2 * fit->gap + 1e-12 * s;
	fit->stiffness = lr * stiff;
	fit->t_half_flow = saxe_flow_time(N, s, u0, 0.5 * s) / lr;
	fit->shift = -saxe_gap(N, s, u0, 0.5 * s, e2e) / saxe_rate(N, s, 0.5 * s);
}

/* ---- the trainer on whitened data ---- */

#define SAXE_M 12
#define SAXE_D 6
#define SAXE_K 4
#define SAXE_MAX_MODES 4

struct saxe_job {
	int N, e2e, r;
	const struct dataset_modes *modes; /* the data's */
	const double *u0;
	struct saxe_curve *curves;
	int cap;
	long T; /* the run's iterations ("final" is its last) */
};

/* The decoupled balanced start (load_init): model_init_decoupled with each
 * mode's own u0. */
static int decoupled_init(void *user, struct model *mod)
{
	struct saxe_job *j = user;
	return model_init_decoupled(mod, j->modes, j->u0, 0);
}

/* Every mode's strength u_q^T W_e v_q at each iteration (save callback,
 * every iteration; mod->We is the evaluated iteration's W_e). */
static int record_modes(void *user, const char *tag, const struct model *mod)
{
	struct saxe_job *j = user;
	/* "init" (t = 0), "iter_000000007", and "final" (t = T: a diverged run
	 * is refused by saxe_train) */
	long t = !strcmp(tag, "final") ? j->T : !strncmp(tag, "iter_", 5) ? atol(tag + 5) : 0;
	for (int q = 0; q < j->r; q++) {
		struct saxe_curve *c = &j->curves[q];
		if (c->n == j->cap)
			return err_set(ERR_RUNTIME, "saxe: more iterations than planned");
		c->t[c->n] = t;
		c->u[c->n++] = dataset_mode_strength(j->modes, mod->We, SAXE_K, SAXE_D, q);
	}
	return ERR_OK;
}

void saxe_curve_release(struct saxe_curve *c)
{
	free(c->t);
	free(c->u);
	memset(c, 0, sizeof(*c));
}

int saxe_train(int N, int e2e, const double *s, const double *u0, int r, double lr,
	       struct saxe_curve *curves)
{
	if (r < 1 || r > SAXE_MAX_MODES || N < 1 || N > 16)
		return err_set(ERR_INPUT, "saxe: 1..%d modes and depth 1..16", SAXE_MAX_MODES);
	struct saxe_job j = {.N = N, .e2e = e2e, .r = r, .u0 = u0, .curves = curves};
	struct dataset ds = {0};
	double tau = 0;
	for (int q = 0; q < r; q++)
		tau = fmax(tau, 1.2 * saxe_flow_time(N, s[q], u0[q], 0.95 * s[q]));
	long T = (long)ceil(tau / lr);
	j.cap = (int)T + 2;
	j.T = T;
	int rc = dataset_whitened(&ds, SAXE_M, SAXE_D, SAXE_K, s, r, 20140101);
	if (!rc)
		j.modes = ds.modes;
	for (int q = 0; q < r && !rc; q++) {
		curves[q].t = malloc((size_t)j.cap * sizeof(long));
		curves[q].u = malloc((size_t)j.cap * sizeof(double));
		curves[q].n = 0;
		if (!curves[q].t || !curves[q].u)
			rc = err_set(ERR_RUNTIME, "out of memory");
	}
	struct loss loss;
	loss_init(&loss, LOSS_LP, 2, LOSS_FORM_DATA);
	if (!rc)
		rc = loss_prepare(&loss, &ds, NULL);
	int hidden[16];
	for (int l = 0; l < 16; l++)
		hidden[l] = r;
	struct run_spec spec = {.label = "saxe", .group = "saxe", .model = e2e ? MODEL_E2E : MODEL_DEEP,
				.depth = N, .hidden = hidden, .init = LINNET_INIT_NORMAL,
				.init_std = 0, .seed = 1, .iterations = T, .log_every = T,
				.diverge_factor = 1e300, .save_every = 1};
	optim_spec_defaults(&spec.optim, OPTIM_GD);
	spec.optim.lr = lr;
	struct train_opts opts = {.save = record_modes, .save_every = 1, .user = &j,
				  .load_init = decoupled_init};
	struct run_result res = {0};
	if (!rc)
		rc = train_run(&spec, &loss, &ds, &opts, &res);
	if (!rc && res.status != RUN_OK)
		rc = err_set(ERR_RUNTIME, "saxe: depth %d lr %g: the run %s", N, lr, run_status_name(res.status));
	run_result_release(&res);
	loss_release(&loss);
	dataset_release(&ds);
	if (rc)
		for (int q = 0; q < r; q++)
			saxe_curve_release(&curves[q]);
	return rc;
}

/* ---- the check ---- */

#define SAXE_LRS 2

/* dir/saxe_<model>_N<N>.csv: every 4th iteration's tau and each mode's
 * run and flow strengths. */
static int write_curves(const char *dir, int N, int e2e, const double *s, const double *u0,
			double lr, const struct saxe_curve *c, int r)
{
	char name[64];
	snprintf(name, sizeof(name), "saxe_%s_N%d.csv", e2e ? "e2e" : "deep", N);
	char *path = path_join(dir, name);
	struct afile af = {0};
	int rc = path ? afile_open(&af, path) : err_set(ERR_RUNTIME, "out of memory");
	free(path);
	if (rc)
		return rc;
	fputs("iteration,tau", af.f);
	for (int q = 0; q < r; q++)
		fprintf(af.f, ",mode%d_run,mode%d_flow", q + 1, q + 1);
	fputc('\n', af.f);
	double x[SAXE_MAX_MODES], tau = 0;
	for (int q = 0; q < r; q++)
		x[q] = logit(u0[q], s[q]);
	for (int i = 0; i < c[0].n; i += 4) {
		double tau_i = lr * (double)c[0].t[i];
		fprintf(af.f, "%ld,%.9g", c[0].t[i], tau_i);
		for (int q = 0; q < r; q++) {
			x[q] = advance_x(N, s[q], x[q], tau_i - tau);
			fprintf(af.f, ",%.9g,%.9g", c[q].u[i], s[q] * exp(log_sigmoid(x[q])));
		}
		tau = tau_i;
		fputc('\n', af.f);
	}
	return afile_commit(&af);
}

/* dir/saxe.gp and saxe.png: a panel per model, runs as points on their
 * flows as lines. */
static int draw_curves(const char *dir)
{
	static const char *const models[6][2] = {{"deep", "1"}, {"deep", "2"}, {"deep", "3"},
						 {"deep", "4"}, {"e2e", "2"},  {"e2e", "3"}};
	char *path = path_join(dir, "saxe.gp");
	struct afile af = {0};
	int rc = path ? afile_open(&af, path) : err_set(ERR_RUNTIME, "out of memory");
	free(path);
	if (rc)
		return rc;
	fputs("# Made by overparam check saxe --curves; rerun with: gnuplot saxe.gp\n"
	      "set terminal pngcairo size 1500,1000 noenhanced font 'Sans,10'\n"
	      "set output 'saxe.png'\nset datafile separator ','\n"
	      "set multiplot layout 2,3 title 'mode strengths u = u_q^T W_e v_q: runs (points) on the exact flow (lines), lr 0.004'\n"
	      "set xlabel 'tau = lr x iteration'\nset ylabel 'u'\nset grid\nset key bottom right\n", af.f);
	for (int m = 0; m < 6; m++)
		fprintf(af.f, "set title '%s, N = %s'\n"
			      "plot 'saxe_%s_N%s.csv' skip 1 using 2:3 every 10 with points pt 7 ps 0.5 lc 1 title 's = 2, run', \\\n"
			      "     '' skip 1 using 2:4 with lines lw 2 lc 1 title 's = 2, flow', \\\n"
			      "     '' skip 1 using 2:5 every 10 with points pt 7 ps 0.5 lc 2 title 's = 1, run', \\\n"
			      "     '' skip 1 using 2:6 with lines lw 2 lc 2 title 's = 1, flow'\n",
			m < 4 ? "deep network" : "Eq. 10", models[m][1], models[m][0], models[m][1]);
	fputs("unset multiplot\n", af.f);
	if ((rc = afile_commit(&af)))
		return rc;
	return plot_gnuplot(dir, "saxe.gp");
}

/* One model of the check: its two learning rates' fits per mode. */
static int check_model(FILE *out, int N, int e2e, const double *s, const double *u0, int r,
		       const double *lrs, const char *curves_dir, int *failed)
{
	struct saxe_fit fit[SAXE_LRS][SAXE_MAX_MODES];
	for (int l = 0; l < SAXE_LRS; l++) {
		struct saxe_curve c[SAXE_MAX_MODES];
		int rc = saxe_train(N, e2e, s, u0, r, lrs[l], c);
		if (!rc && l == 0 && curves_dir)
			rc = write_curves(curves_dir, N, e2e, s, u0, lrs[l], c, r);
		if (rc) {
			for (int q = 0; q < r; q++)
				saxe_curve_release(&c[q]);
			return rc;
		}
		for (int q = 0; q < r; q++) {
			struct saxe_fit *f = &fit[l][q];
			saxe_compare(N, s[q], u0[q], lrs[l], e2e, &c[q], f);
			saxe_curve_release(&c[q]);
			int ok_dev = f->dev <= f->bound;
			int ok_time = f->t_half >= 0 &&
				      fabs((double)f->t_half - (f->t_half_flow + f->shift)) <= 2;
			fprintf(out, "| %s | %d | %g | %g | %.3e | %.3e | %.3e | %.3e | %.3f | %ld | %.1f %+.1f | %s |\n",
				e2e ? "Eq. 10" : "deep", N, lrs[l], s[q], f->dev, f->gap, f->bound,
				f->residual, f->stiffness, f->t_half, f->t_half_flow, f->shift,
				ok_dev && ok_time ? "yes" : "**NO**");
			*failed += !(ok_dev && ok_time);
		}
	}
	for (int q = 0; q < r; q++) {
		double ratio = fit[0][q].dev / fit[1][q].dev;
		int ok = ratio >= 1.6 && ratio <= 2.4;
		fprintf(out, "| %s | %d | %g / %g | %g | deviation ratio %.3f (first order: %.3f; residual ratio %.2f) | | | | | | | %s |\n",
			e2e ? "Eq. 10" : "deep", N, lrs[0], lrs[1], s[q], ratio,
			fit[0][q].gap / fit[1][q].gap, fit[0][q].residual / fit[1][q].residual,
			ok ? "yes" : "**NO**");
		*failed += !ok;
	}
	return ERR_OK;
}

int saxe_check(FILE *out, const char *curves_dir)
{
	static const double s[2] = {2, 1}, u0[2] = {0.01, 0.01}, lrs[SAXE_LRS] = {0.004, 0.002};
	fprintf(out, "saxe: whitened data (m %d, d %d, k %d), modes s = 2, 1 from u0 = 0.01 (decoupled, balanced);\n"
		     "GD on the layers (deep) or Eq. 10's update, against the flow du/dtau = N u^(2-2/N) (s - u),\n"
		     "tau = lr * iteration (closed form for N = 1, 2; quadrature for N >= 3). A fit holds when\n"
		     "max |u - flow| <= 2 x the first-order gap and the iteration u first reaches s/2 is within\n"
		     "2 of the flow's time plus its first-order shift; the deviation must halve with lr.\n\n",
		SAXE_M, SAXE_D, SAXE_K);
	fputs("| model | N | lr | s | max dev | first-order gap | bound | residual | lr max|F'| | t(s/2) run | flow + shift | holds |\n"
	      "|---|---|---|---|---|---|---|---|---|---|---|---|\n", out);
	int failed = 0, rc = ERR_OK;
	for (int N = 1; N <= 4 && !rc; N++)
		rc = check_model(out, N, 0, s, u0, 2, lrs, curves_dir, &failed);
	for (int N = 2; N <= 3 && !rc; N++)
		rc = check_model(out, N, 1, s, u0, 2, lrs, curves_dir, &failed);
	if (!rc && curves_dir)
		rc = draw_curves(curves_dir);
	if (rc)
		return rc;
	fprintf(out, "\nsaxe: %s\n", failed ? "FAILED" : "every run lies on its exact curve within the bound");
	return failed ? err_set(ERR_RUNTIME, "saxe: %d fit(s) failed", failed) : ERR_OK;
}
