/* kernels: the arithmetic of a training step in a fixed operation order.
 *
 * BLAS promises no summation order, and OpenBLAS's order changes with the
 * kernel it picks for the CPU (OPENBLAS_CORETYPE), so curves made on one
 * machine differed from another's in the last bit, and adaptive optimizers
 * turn that into 1e-2 within a hundred steps. Every kernel here defines its
 * order exactly, uses only correctly rounded IEEE operations (+ - * / and
 * fma, which C99 rounds once whether the hardware has FMA or not), and so
 * gives the same bits on any CPU, compiler, flags and thread count.
 *
 * The order (the contract every variant keeps):
 *   dot(a, b, n): eight lanes; lane l sums a_j b_j over j = l (mod 8) in
 *     increasing j, each step s_l <- fma(a_j, b_j, s_l) from s_l = +0; then
 *     ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7)).
 *   vecmat_acc(out, s, A, rows, cols): out_c <- fma(s_i, A_ic, out_c) for
 *     i = 0, 1, ... in order (each column its own chain).
 *   matvec(out, A, rows, cols, x): out_i = dot(A_i, x).
 *   lp data pass over a chunk of rows, one model w (d): for rows i in order,
 *     yhat_i = dot(x_i, w), r = yhat_i - y_i, (term, dr) = lp_rule_term(r),
 *     sum <- sum + term (from +0), g_i = dr * inv_m, then
 *     G <- vecmat_acc over the rows with s = g (from G = +0).
 *   The batched pass gives each model exactly the single pass's result.
 *
 * Variants: "portable" (plain C, fma() per lane: the fallback and the only
 * one off x86-64), "avx2" (AVX2 + FMA) and "avx512" (AVX-512F). They are one
 * kernel body compiled three times over one lane abstraction
 * (src/kernels_lanes.h, src/kernels_body.h); kern_ref_* below are the
 * naive loops that state the order, and tests compare every variant with
 * them bit for bit. */
#ifndef OVERPARAM_KERNELS_H
#define OVERPARAM_KERNELS_H

#include <math.h>
#include <stddef.h>

#include "overparam/detmath.h"

/* The l_p loss term |r|^p / p and its derivative |r|^(p-2) r, in one fixed
 * form per kind: p = 2 and p = 4 and any integer p by multiplication (bits
 * independent of libm); other real p through libm's pow (the one place
 * where a CPU's libm variant can change the last bit). */
enum lp_kind { LP_SQUARE, LP_FOURTH, LP_INTEGER, LP_REAL };

struct lp_rule {
	enum lp_kind kind;
	long q; /* p for LP_INTEGER */
	double p;
};

void lp_rule_init(struct lp_rule *lp, double p);

static inline double lp_rule_term(const struct lp_rule *lp, double r, double *dr)
{
	switch (lp->kind) {
	case LP_SQUARE:
		*dr = r;
		return 0.5 * r * r;
	case LP_FOURTH: {
		double r2 = r * r;
		*dr = r2 * r;
		return 0.25 * r2 * r2;
	}
	case LP_INTEGER: {
		double a = det_powi(fabs(r), lp->q - 2);
		*dr = a * r;
		return a * r * r / lp->p;
	}
	default: {
		double a = pow(fabs(r), lp->p - 2.0);
		*dr = a * r;
		return a * r * r / lp->p;
	}
	}
}

/* The kernels below, in the order of the contract above. Shapes are
 * row-major; n, rows, cols, d >= 0. */
double kern_dot(const double *a, const double *b, int n);
/* out (cols) += sum_i s_i A_i, rows i in order; out is not zeroed. */
void kern_vecmat_acc(double *out, const double *s, const double *A, int rows, int cols);
/* out (rows) = A (rows, cols) x (cols). */
void kern_matvec(double *out, const double *A, int rows, int cols, const double *x);

/* One model's pass over a chunk: X (rows, d), y (rows), w (d). Returns the
 * sum of the rows' loss terms; G (d), when not NULL, is overwritten with
 * sum_i g_i x_i, g_i = dl/dyhat_i * inv_m. */
double kern_lp_chunk(const struct lp_rule *lp, int rows, int d, const double *X,
		     const double *y, const double *w, double inv_m, double *G);

/* n models at once over the same chunk: Wb (n, d); L (n) and Gb (n, d) are
 * overwritten with each model's kern_lp_chunk() result, bit for bit. work
 * holds kern_batch_work(n) doubles. */
void kern_lp_chunk_batch(const struct lp_rule *lp, int rows, int d, const double *X,
			 const double *y, int n, const double *Wb, double inv_m,
			 double *L, double *Gb, double *work);
int kern_batch_work(int n);

/* Elementwise, so any width gives the plain loop's bits (no order to fix;
 * here for the vector width the build's flags would not give):
 *   scale: out_i = s B_i (a one-output layer's gradient row);
 *   sub_scaled: w_i <- w_i - lr g_i, the product rounded first (GD). */
void kern_scale(double *out, double s, const double *B, size_t n);
void kern_sub_scaled(double *w, double lr, const double *g, size_t n);
/* GD's step of a one-output layer, W (rows, cols) from its gradient
 * s_r B_c, never stored: W_rc <- W_rc - lr (s_r B_c), the gradient entry
 * rounded first (the bits of scale then sub_scaled). share (rows) or NULL:
 * share_r = dot(W_r, B) from W before the step, kern_matvec's bits, in the
 * same pass over the rows (the next layer's back-propagated vector). */
void kern_outer_sub(double *share, double *W, double lr, const double *s, int rows,
		    const double *B, int cols);

/* The variant in use: "portable", "avx2" or "avx512". */
const char *kern_variant(void);

/* The FMA peak probe of the chosen variant: 12 independent chains of
 * 8-lane fmas, rounds times (192 flops a round); returns a value that
 * keeps the work alive. For the bench only. */
double kern_fma_probe(long rounds);

/* Chooses the variant: "auto" (the widest this CPU runs) or a name above.
 * Returns ERR_INPUT, with a message, for an unknown name or one this CPU
 * or build cannot run. Call before any thread uses the kernels. */
int kern_select(const char *name);

/* kern_select($OVERPARAM_KERNELS), "auto" when unset or empty. */
int kern_select_from_env(void);

/* The naive loops that state the order (tests compare every variant with
 * them bit for bit). */
double kern_ref_dot(const double *a, const double *b, int n);
void kern_ref_vecmat_acc(double *out, const double *s, const double *A, int rows,
			 int cols);
double kern_ref_lp_chunk(const struct lp_rule *lp, int rows, int d, const double *X,
			 const double *y, const double *w, double inv_m, double *G);
void kern_ref_scale(double *out, double s, const double *B, size_t n);
void kern_ref_sub_scaled(double *w, double lr, const double *g, size_t n);
void kern_ref_outer_sub(double *share, double *W, double lr, const double *s, int rows,
			const double *B, int cols);

#endif
