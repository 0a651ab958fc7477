/* detmath: machine-independent log, cos(2 pi u), n-th roots and integer
 * powers from correctly rounded operations only (see detmath.h). */
#include "overparam/detmath.h"

#include <math.h>

/* ln 2 split so that e * LN2_HI is exact for |e| < 2^11. */
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10

double det_log(double x)
{
	int e;
	double f = frexp(x, &e); /* x = f 2^e, f in [0.5, 1): exact */
	if (f < 0.70710678118654752440) {
		f *= 2.0; /* exact */
		e -= 1;
	}
	/* f in [sqrt(1/2), sqrt(2)): log f = 2 atanh(s), s = (f - 1)/(f + 1),
	 * |s| <= 0.1716, s^2 <= 0.0295; the series to s^23 leaves < 1e-19. */
	double s = (f - 1.0) / (f + 1.0), z = s * s;
	double poly = 1.0 / 23;
	static const double inv_odd[] = {1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15, 1.0 / 13,
					 1.0 / 11, 1.0 / 9,  1.0 / 7,  1.0 / 5,  1.0 / 3};
	for (int i = 0; i < 10; i++)
		poly = fma(poly, z, inv_odd[i]);
	double log_f = fma(2.0 * s * z, poly, 2.0 * s);
	return fma((double)e, LN2_HI, fma((double)e, LN2_LO, log_f));
}

/* (-1)^j / (2j+1)! and (-1)^j / (2j)! for j = 8 down to 1 (constant
 * expressions: the compiler rounds each once, correctly). */
static const double sin_coef[] = {1.0 / 355687428096000.0, -1.0 / 1307674368000.0,
				  1.0 / 6227020800.0,      -1.0 / 39916800.0,
				  1.0 / 362880.0,          -1.0 / 5040.0,
				  1.0 / 120.0,             -1.0 / 6.0};
static const double cos_coef[] = {1.0 / 20922789888000.0, -1.0 / 87178291200.0,
				  1.0 / 479001600.0,      -1.0 / 3628800.0,
				  1.0 / 40320.0,          -1.0 / 720.0,
				  1.0 / 24.0,             -1.0 / 2.0};

/* sin and cos of a in [-pi/4, pi/4] by their Taylor series in Horner form
 * (to a^17 and a^16: the first term left out is below 3e-18). */
static void sincos_small(double a, double *sn, double *cs)
{
	double z = a * a, ps = 0.0, pc = 0.0;
	for (int i = 0; i < 8; i++) {
		ps = fma(ps, z, sin_coef[i]);
		pc = fma(pc, z, cos_coef[i]);
	}
	*sn = fma(a * z, ps, a);
	*cs = fma(z, pc, 1.0);
}

double det_cos2pi(double u)
{
	/* Quadrant q and the rest r in [0, 1/4), both exact (Sterbenz). */
	double q = floor(4.0 * u);
	double r = u - 0.25 * q;
	/* Centre on pi/4: cos(2 pi r) = (cos a - sin a) / sqrt 2, a = 2 pi (r - 1/8). */
	double a = 6.283185307179586 * (r - 0.125);
	double sn, cs;
	sincos_small(a, &sn, &cs);
	const double h = 0.70710678118654752440;
	double c = (cs - sn) * h, s = (cs + sn) * h; /* cos, sin of 2 pi r */
	switch ((int)q & 3) {
	case 0: return c;
	case 1: return -s;
	case 2: return -c;
	default: return s;
	}
}

double det_powi(double x, long e)
{
	double result = 1.0, base = x;
	while (e > 0) {
		if (e & 1)
			result *= base;
		e >>= 1;
		if (e)
			base *= base;
	}
	return result;
}

double det_root(double x, int n)
{
	if (n == 1 || x == 0.0 || !isfinite(x))
		return x;
	if (n == 2)
		return sqrt(x);
	int e;
	frexp(x, &e);
	/* Start above the root: 2^ceil(e / n) >= x^(1/n) since x < 2^e. Newton on
	 * y^n - x is convex for y > 0, so the iterates fall monotonically to the
	 * root; stop at the first that does not fall. */
	int ce = e >= 0 ? (e + n - 1) / n : -((-e) / n);
	double y = ldexp(1.0, ce);
	for (int it = 0; it < 200; it++) {
		double yn1 = det_powi(y, n - 1);
		double next = ((n - 1) * y + x / yn1) / n;
		if (!(next < y))
			break;
		y = next;
	}
	return y;
}
