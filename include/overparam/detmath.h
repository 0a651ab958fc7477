/* detmath: elementary functions whose bits do not depend on the machine.
 *
 * glibc picks its log, cos, exp and pow by CPU (FMA and non-FMA variants,
 * through ifuncs), and the variants differ in the last bit on some inputs;
 * other C libraries differ more. Everything here is built from + - * /,
 * sqrt and fma only: IEEE 754 rounds each of those correctly, so a fixed
 * sequence of them gives the same bits on every conforming machine (x86-64,
 * aarch64) and compiler, as long as the compiler does not contract a * b + c
 * on its own (the build sets -ffp-contract=off).
 *
 * Accuracy is a few ulps, enough for random draws and step sizes; the point
 * is that it is the same everywhere. The training step uses these instead of
 * libm's transcendental functions. */
#ifndef OVERPARAM_DETMATH_H
#define OVERPARAM_DETMATH_H

/* Natural logarithm of x > 0 (finite); within 2 ulps. */
double det_log(double x);

/* cos(2 pi u) for u in [0, 1); within 4e-16 of the true value. */
double det_cos2pi(double u);

/* x^(1/n) for x >= 0, n >= 1: Newton's iteration from above, stopped at
 * the first step that does not fall; within 2 ulps of the true root. */
double det_root(double x, int n);

/* x^e for integer e >= 0 by binary powering (squarings, then the products
 * in bit order, low bit first). */
double det_powi(double x, long e);

#endif
