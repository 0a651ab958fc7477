/* saxe: exact learning curves of deep linear networks (Saxe, McClelland &
 * Ganguli, ICLR 2014; the end-to-end singular-value dynamics of Arora,
 * Cohen, Golowich & Hu, ICLR 2019) and the check that overparam's trainer
 * lies on them (`overparam check saxe`).
 *
 * Setting. Inputs whitened, (1/m) X^T X = I; targets y = U S V^T x with
 * S = diag(s_1..s_r), U (k, r), V (d, r) orthonormal. Our l2 loss is
 * L(W) = (1/m) sum_i (1/2) |W x_i - y_i|^2 = (1/2) |W - U S V^T|_F^2 + c,
 * so dL/dW = W - U S V^T: the papers' loss with Sigma_xx = I, no factor 2,
 * and gradient-flow time tau = lr * iterations (Saxe's tau is 1/lr).
 * Decoupled balanced start: W_1 = diag(a) V^T, W_j = diag(a) (1 < j < N),
 * W_N = U diag(a) (widths r); every layer's value of mode q is a_q, and
 * mode q's strength u_q = u_q^T W_e v_q = a_q^N. Gradient descent on the
 * layers keeps the layers equal and the modes apart:
 *   a <- a + lr a^(N-1) (s - a^N)            (deep, any N)
 *   u <- u + lr N u^(2-2/N) (s - u)          (Eq. 10's end-to-end update)
 * both Euler steps of the flow du/dtau = f(u) = N u^(2-2/N) (s - u),
 * N = 2 Saxe's logistic u = s e^(2 s tau) / (e^(2 s tau) - 1 + s/u0), N = 1
 * u = s + (u0 - s) e^-tau. For every N, with u = s sigma(x) (sigma the
 * logistic function) the time to go from u0 to u is a smooth integral,
 *   tau(u) = int_{x0}^{x} dx' / (N s^(2-2/N) sigma(x')^(1-2/N)),
 * computed by composite Gauss-Legendre quadrature and inverted by Newton.
 * Euler's first-order gap (the global error of a step h on a' = F(a) is
 * h g, g' = F'(a) g - F'(a) F(a) / 2, solved by g = -(1/2) F ln(F/F0)):
 *   deep: u_t - u(lr t) = -(lr/2) f(u) ln(F(a)/F(a0)) + O(lr^2),
 *         F(a) = a^(N-1) (s - a^N), a = u^(1/N);
 *   e2e:  u_t - u(lr t) = -(lr/2) f(u) ln(f(u)/f(u0)) + O(lr^2). */
#ifndef OVERPARAM_SAXE_H
#define OVERPARAM_SAXE_H

#include <stdio.h>

/* Flow time tau to go from u0 to u (0 < u0, u < s), depth N >= 1. */
double saxe_flow_time(int N, double s, double u0, double u);

/* The flow's u at time tau from u0 (0 < u0 < s). */
double saxe_flow_u(int N, double s, double u0, double tau);

/* Closed forms: N = 1 and N = 2 (Saxe's), for checking the quadrature. */
double saxe_closed_u(int N, double s, double u0, double tau);

/* f(u) = du/dtau = N u^(2-2/N) (s - u). */
double saxe_rate(int N, double s, double u);

/* The first-order gap per unit lr, (u_t - u(lr t)) / lr to first order,
 * for the deep network (e2e = 0) or Eq. 10's update (e2e = 1). */
double saxe_gap(int N, double s, double u0, double u, int e2e);

/* One mode's trajectory: u at iterations t[0..n). */
struct saxe_curve {
	long *t;
	double *u;
	int n;
};

/* What comparing a trajectory with its flow found. */
struct saxe_fit {
	double dev;       /* max_t |u_t - u(lr t)| */
	double gap;       /* max_t |first-order gap| (lr * saxe_gap) */
	double residual;  /* max_t |u_t - u(lr t) - first-order gap| */
	double bound;     /* 2 * gap + 1e-12 s: what dev may be */
	double stiffness; /* lr * max |dF/da| on the way: first order needs it small */
	long t_half;      /* first iteration with u >= s/2, or -1 */
	double t_half_flow; /* the flow's time to s/2, in iterations */
	double shift;     /* the first-order shift of that time, in iterations */
};

/* Compares a deep (e2e = 0) or Eq. 10 (e2e = 1) run's mode (s, u0) with the
 * flow at lr. */
void saxe_compare(int N, double s, double u0, double lr, int e2e, const struct saxe_curve *c,
		  struct saxe_fit *fit);

/* Trains, with overparam's trainer, a depth-N deep network (e2e = 0) or
 * Eq. 10's end-to-end update (e2e = 1) by GD at lr from the decoupled
 * balanced start u0 on whitened data with modes s[0..r), for the time the
 * slowest mode needs to reach 95% of s, logging every mode's strength into
 * curves[0..r) (release them with saxe_curve_release). */
int saxe_train(int N, int e2e, const double *s, const double *u0, int r, double lr,
	       struct saxe_curve *curves);
void saxe_curve_release(struct saxe_curve *c);

/* `overparam check saxe`: depths 1-4 (and Eq. 10 at N = 2, 3), two modes,
 * two learning rates: each within its lr-scaled bound, the deviation
 * halving with lr (ratio in [1.6, 2.4]), the time to half of each mode's
 * strength within the first-order shift + 2 iterations of the flow's.
 * ERR_RUNTIME when any fails. curves_dir (or NULL): where to write each
 * model's curves at the larger lr (saxe_<model>_N<N>.csv: iteration, tau,
 * and per mode the run's u and the flow's) and saxe.png, drawn by
 * gnuplot from saxe.gp. */
int saxe_check(FILE *out, const char *curves_dir);

#endif
