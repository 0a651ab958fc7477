/* Exact dynamics (saxe.h), each against an independent reference:
 *   - the quadrature flow against the closed forms (N = 1: exponential;
 *     N = 2: Saxe's logistic), to 1e-12 of s;
 *   - the flow against its own ODE (central differences) and its time
 *     function against its inverse, for N = 3, 4, 8;
 *   - the trainer's mode strengths against the scalar recursions GD on a
 *     decoupled balanced start reduces to (a <- a + lr a^(N-1)(s - a^N)
 *     for the deep network, u <- u + lr N u^(2-2/N)(s - u) for Eq. 10),
 *     iteration by iteration;
 *   - `check saxe` passes, and planted errors fail it: one layer's gradient
 *     1% off, Eq. 12's exponent 2 - 1/N instead of 2 - 2/N, and the time
 *     mapped as tau = 2 lr t (the papers' factor 2). */
#include "check.h"
#include "overparam/saxe.h"

#include <stdio.h>
#include <stdlib.h>

static void closed_forms(void)
{
	static const double s[3] = {2, 1, 0.5}, u0[3] = {0.01, 1e-4, 0.3};
	double worst[2] = {0, 0};
	for (int N = 1; N <= 2; N++)
		for (int c = 0; c < 3; c++)
			for (double tau = 0.01; tau < 40; tau *= 1.5) {
				double q = saxe_flow_u(N, s[c], u0[c], tau);
				double e = saxe_closed_u(N, s[c], u0[c], tau);
				worst[N - 1] = fmax(worst[N - 1], fabs(q - e) / s[c]);
			}
	printf("quadrature vs closed form: N = 1 %.2e, N = 2 %.2e (of s)\n", worst[0], worst[1]);
	check_true("N = 1: quadrature = exponential to 1e-12 s", worst[0] <= 1e-12);
	check_true("N = 2: quadrature = Saxe's logistic to 1e-12 s", worst[1] <= 1e-12);
}

static void flow_itself(void)
{
	static const int depths[3] = {3, 4, 8};
	double worst_ode = 0, worst_inverse = 0;
	for (int k = 0; k < 3; k++) {
		int N = depths[k];
		for (double tau = 0.5; tau < 30; tau *= 1.7) {
			double h = 1e-5, u = saxe_flow_u(N, 1.5, 0.02, tau);
			double du = (saxe_flow_u(N, 1.5, 0.02, tau + h) - saxe_flow_u(N, 1.5, 0.02, tau - h)) / (2 * h);
			double f = saxe_rate(N, 1.5, u);
			worst_ode = fmax(worst_ode, fabs(du - f) / fmax(fabs(f), 1e-3));
			if (u < 1.5 * (1 - 1e-9))
				worst_inverse = fmax(worst_inverse, fabs(saxe_flow_time(N, 1.5, 0.02, u) - tau) / tau);
		}
	}
	printf("flow: ODE residual %.2e, time(u(tau)) - tau %.2e (relative)\n", worst_ode, worst_inverse);
	check_true("du/dtau = N u^(2-2/N) (s - u) to 1e-6 (central differences)", worst_ode <= 1e-6);
	check_true("tau(u(tau)) = tau to 1e-10", worst_inverse <= 1e-10);
}

/* The scalar recursion of GD on decoupled layers, each layer j's value
 * with its gradient scaled by scale[j] (1: none planted). u = prod a_j. */
static void layers_recursion(int N, double s, double u0, double lr, long T, const double *scale,
			     struct saxe_curve *c)
{
	double a[16];
	for (int j = 0; j < N; j++)
		a[j] = pow(u0, 1.0 / N);
	c->n = (int)T + 1;
	c->t = malloc((size_t)c->n * sizeof(long));
	c->u = malloc((size_t)c->n * sizeof(double));
	for (long t = 0; t <= T; t++) {
		double u = 1;
		for (int j = 0; j < N; j++)
			u *= a[j];
		c->t[t] = t;
		c->u[t] = u;
		double next[16];
		for (int j = 0; j < N; j++) {
			double others = 1;
			for (int i = 0; i < N; i++)
				others *= i == j ? 1 : a[i];
			next[j] = a[j] + lr * scale[j] * others * (s - u);
		}
		for (int j = 0; j < N; j++)
			a[j] = next[j];
	}
}

/* Eq. 10's scalar update with the exponent 2 - p/N (p = 2: the paper's). */
static void e2e_recursion(int N, double p, double s, double u0, double lr, long T, struct saxe_curve *c)
{
	c->n = (int)T + 1;
	c->t = malloc((size_t)c->n * sizeof(long));
	c->u = malloc((size_t)c->n * sizeof(double));
	double u = u0;
	for (long t = 0; t <= T; t++) {
		c->t[t] = t;
		c->u[t] = u;
		u += lr * N * pow(u, 2.0 - p / N) * (s - u);
	}
}

static void trainer_is_the_recursion(void)
{
	static const double s[2] = {2, 1}, u0[2] = {0.01, 0.01}, ones[16] = {1, 1, 1, 1, 1, 1, 1, 1};
	double worst_deep = 0, worst_e2e = 0;
	for (int N = 1; N <= 4; N++)
		for (int e2e = 0; e2e <= (N >= 2); e2e++) {
			struct saxe_curve run[2];
			if (saxe_train(N, e2e, s, u0, 2, 0.004, run)) {
				check_true("saxe_train ran", 0);
				return;
			}
			for (int q = 0; q < 2; q++) {
				struct saxe_curve ref;
				long T = run[q].t[run[q].n - 1];
				if (e2e)
					e2e_recursion(N, 2, s[q], u0[q], 0.004, T, &ref);
				else
					layers_recursion(N, s[q], u0[q], 0.004, T, ones, &ref);
				check_true("the trainer logs every iteration", run[q].n == ref.n);
				for (int i = 0; i < run[q].n && i < ref.n; i++) {
					double e = fabs(run[q].u[i] - ref.u[i]) / s[q];
					if (e2e)
						worst_e2e = fmax(worst_e2e, e);
					else
						worst_deep = fmax(worst_deep, e);
				}
				saxe_curve_release(&ref);
				saxe_curve_release(&run[q]);
			}
		}
	printf("trainer vs scalar recursion: deep %.2e, Eq. 10 %.2e (of s, every iteration)\n",
	       worst_deep, worst_e2e);
	check_true("deep trainer = layer recursion to 1e-12 s", worst_deep <= 1e-12);
	check_true("Eq. 10 trainer = u recursion to 1e-9 s", worst_e2e <= 1e-9);
}

/* Does the pair of fits (lr, lr/2) hold as `check saxe` judges? */
static int holds(const struct saxe_fit *f)
{
	double ratio = f[0].dev / f[1].dev;
	return f[0].dev <= f[0].bound && f[1].dev <= f[1].bound && ratio >= 1.6 && ratio <= 2.4;
}

static void planted(void)
{
	const double s = 1, u0 = 0.01, lrs[2] = {0.004, 0.002};
	double ones[16] = {1, 1, 1, 1}, off[16] = {1.01, 1, 1, 1};
	struct saxe_fit clean[2], layer[2], exponent[2], factor2[2];
	for (int l = 0; l < 2; l++) {
		struct saxe_curve c;
		long T = (long)(1.2 * saxe_flow_time(3, s, u0, 0.95 * s) / lrs[l]);
		layers_recursion(3, s, u0, lrs[l], T, ones, &c);
		saxe_compare(3, s, u0, lrs[l], 0, &c, &clean[l]);
		saxe_compare(3, s, u0, 2 * lrs[l], 0, &c, &factor2[l]); /* tau = 2 lr t */
		saxe_curve_release(&c);
		layers_recursion(3, s, u0, lrs[l], T, off, &c);
		saxe_compare(3, s, u0, lrs[l], 0, &c, &layer[l]);
		saxe_curve_release(&c);
		e2e_recursion(3, 1, s, u0, lrs[l], T, &c);
		saxe_compare(3, s, u0, lrs[l], 1, &c, &exponent[l]);
		saxe_curve_release(&c);
	}
	printf("planted, depth 3, lr %g / %g: dev/bound and deviation ratio\n", lrs[0], lrs[1]);
	const struct saxe_fit *all[4] = {clean, layer, exponent, factor2};
	const char *name[4] = {"none", "layer 1 gradient x 1.01", "Eq. 12 exponent 2 - 1/N", "tau = 2 lr t"};
	for (int k = 0; k < 4; k++)
		printf("  %-26s %.2f, %.2f; ratio %.3f -> %s\n", name[k], all[k][0].dev / all[k][0].bound,
		       all[k][1].dev / all[k][1].bound, all[k][0].dev / all[k][1].dev,
		       holds(all[k]) ? "holds" : "fails");
	check_true("no planted error: the fit holds", holds(clean));
	check_true("layer 1's gradient 1% off: the fit fails", !holds(layer));
	check_true("Eq. 12's exponent 2 - 1/N: the fit fails", !holds(exponent));
	check_true("tau = 2 lr t: the fit fails", !holds(factor2));
}

int main(void)
{
	closed_forms();
	flow_itself();
	trainer_is_the_recursion();
	planted();
	check_true("check saxe passes", saxe_check(stdout, NULL) == 0);
	return check_done("test_saxe");
}
