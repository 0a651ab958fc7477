/* kernels_lanes.h: eight double lanes ("v8") for src/kernels_body.h, in one
 * of three representations chosen by the including file:
 *   LANES_AVX512  one __m512d
 *   LANES_AVX2    two __m256d (lanes 0-3, 4-7)
 *   (neither)     eight doubles in plain C, fma() per lane
 * Every operation is lane-wise and correctly rounded, and the reductions
 * add the same pairs in every representation:
 *   v8_reduce(s) = ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7)),
 *   v8_reduce8(acc)[q] = v8_reduce(acc[q]),
 * so a kernel written once over v8 gives the same bits in all three.
 * (IEEE + and * are commutative, so only the pairing matters.) */
#ifndef OVERPARAM_KERNELS_LANES_H
#define OVERPARAM_KERNELS_LANES_H

#include <math.h>
#include <string.h>

#if defined(LANES_AVX512)
#include <immintrin.h>

typedef __m512d v8;

static inline v8 v8_zero(void) { return _mm512_setzero_pd(); }
static inline v8 v8_set1(double x) { return _mm512_set1_pd(x); }
static inline v8 v8_load(const double *p) { return _mm512_loadu_pd(p); }
static inline void v8_store(double *p, v8 v) { _mm512_storeu_pd(p, v); }
static inline v8 v8_load_tail(const double *p, int n)
{
	return _mm512_maskz_loadu_pd((__mmask8)((1u << n) - 1), p);
}
static inline void v8_store_tail(double *p, v8 v, int n)
{
	_mm512_mask_storeu_pd(p, (__mmask8)((1u << n) - 1), v);
}
static inline v8 v8_fma(v8 a, v8 b, v8 c) { return _mm512_fmadd_pd(a, b, c); }
static inline v8 v8_add(v8 a, v8 b) { return _mm512_add_pd(a, b); }
static inline v8 v8_sub(v8 a, v8 b) { return _mm512_sub_pd(a, b); }
static inline v8 v8_mul(v8 a, v8 b) { return _mm512_mul_pd(a, b); }

static inline double v8_reduce(v8 s)
{
	__m256d h = _mm256_add_pd(_mm512_castpd512_pd256(s), _mm512_extractf64x4_pd(s, 1));
	__m128d q = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
	return _mm_cvtsd_f64(_mm_add_sd(q, _mm_unpackhi_pd(q, q)));
}

/* Halves of 256 bits of two accumulators: [a.lo + a.hi | b.lo + b.hi]. */
static inline v8 halves_256(v8 a, v8 b)
{
	return _mm512_add_pd(_mm512_shuffle_f64x2(a, b, 0x44), _mm512_shuffle_f64x2(a, b, 0xEE));
}

static inline v8 v8_reduce8(const v8 *acc)
{
	/* t: [h0 | h1] etc., h = [s0+s4, s1+s5, s2+s6, s3+s7] */
	v8 t01 = halves_256(acc[0], acc[1]), t23 = halves_256(acc[2], acc[3]);
	v8 t45 = halves_256(acc[4], acc[5]), t67 = halves_256(acc[6], acc[7]);
	/* w: 128-bit blocks [q0, q1, q2, q3], q = [(s0+s4)+(s2+s6), (s1+s5)+(s3+s7)] */
	v8 w03 = _mm512_add_pd(_mm512_shuffle_f64x2(t01, t23, 0x88),
			       _mm512_shuffle_f64x2(t01, t23, 0xDD));
	v8 w47 = _mm512_add_pd(_mm512_shuffle_f64x2(t45, t67, 0x88),
			       _mm512_shuffle_f64x2(t45, t67, 0xDD));
	/* [r0, r4, r1, r5, r2, r6, r3, r7], r = q[0] + q[1]; then lane order */
	v8 r = _mm512_add_pd(_mm512_unpacklo_pd(w03, w47), _mm512_unpackhi_pd(w03, w47));
	return _mm512_permutexvar_pd(_mm512_set_epi64(7, 5, 3, 1, 6, 4, 2, 0), r);
}

#elif defined(LANES_AVX2)
#include <immintrin.h>

typedef struct {
	__m256d lo, hi;
} v8;

static inline v8 v8_zero(void) { return (v8){_mm256_setzero_pd(), _mm256_setzero_pd()}; }
static inline v8 v8_set1(double x) { return (v8){_mm256_set1_pd(x), _mm256_set1_pd(x)}; }
static inline v8 v8_load(const double *p)
{
	return (v8){_mm256_loadu_pd(p), _mm256_loadu_pd(p + 4)};
}
static inline void v8_store(double *p, v8 v)
{
	_mm256_storeu_pd(p, v.lo);
	_mm256_storeu_pd(p + 4, v.hi);
}
static inline v8 v8_load_tail(const double *p, int n)
{
	double t[8] = {0};
	memcpy(t, p, n * sizeof(double));
	return v8_load(t);
}
static inline void v8_store_tail(double *p, v8 v, int n)
{
	double t[8];
	v8_store(t, v);
	memcpy(p, t, n * sizeof(double));
}
static inline v8 v8_fma(v8 a, v8 b, v8 c)
{
	return (v8){_mm256_fmadd_pd(a.lo, b.lo, c.lo), _mm256_fmadd_pd(a.hi, b.hi, c.hi)};
}
static inline v8 v8_add(v8 a, v8 b)
{
	return (v8){_mm256_add_pd(a.lo, b.lo), _mm256_add_pd(a.hi, b.hi)};
}
static inline v8 v8_sub(v8 a, v8 b)
{
	return (v8){_mm256_sub_pd(a.lo, b.lo), _mm256_sub_pd(a.hi, b.hi)};
}
static inline v8 v8_mul(v8 a, v8 b)
{
	return (v8){_mm256_mul_pd(a.lo, b.lo), _mm256_mul_pd(a.hi, b.hi)};
}

static inline double v8_reduce(v8 s)
{
	__m256d h = _mm256_add_pd(s.lo, s.hi);
	__m128d q = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
	return _mm_cvtsd_f64(_mm_add_sd(q, _mm_unpackhi_pd(q, q)));
}

/* [q_a | q_b] for two accumulators' h = lo + hi. */
static inline __m256d pair_q(__m256d ha, __m256d hb)
{
	return _mm256_add_pd(_mm256_permute2f128_pd(ha, hb, 0x20),
			     _mm256_permute2f128_pd(ha, hb, 0x31));
}

static inline v8 v8_reduce8(const v8 *acc)
{
	__m256d h[8];
	for (int q = 0; q < 8; q++)
		h[q] = _mm256_add_pd(acc[q].lo, acc[q].hi);
	__m256d q01 = pair_q(h[0], h[1]), q23 = pair_q(h[2], h[3]);
	__m256d q45 = pair_q(h[4], h[5]), q67 = pair_q(h[6], h[7]);
	/* hadd: [r0, r2, r1, r3]; then lanes (0, 2, 1, 3) */
	__m256d lo = _mm256_permute4x64_pd(_mm256_hadd_pd(q01, q23), 0xD8);
	__m256d hi = _mm256_permute4x64_pd(_mm256_hadd_pd(q45, q67), 0xD8);
	return (v8){lo, hi};
}

#else

typedef struct {
	double l[8];
} v8;

static inline v8 v8_zero(void) { return (v8){{0}}; }
static inline v8 v8_set1(double x) { return (v8){{x, x, x, x, x, x, x, x}}; }
static inline v8 v8_load(const double *p)
{
	v8 v;
	memcpy(v.l, p, sizeof(v.l));
	return v;
}
static inline void v8_store(double *p, v8 v) { memcpy(p, v.l, sizeof(v.l)); }
static inline v8 v8_load_tail(const double *p, int n)
{
	v8 v = v8_zero();
	memcpy(v.l, p, n * sizeof(double));
	return v;
}
static inline void v8_store_tail(double *p, v8 v, int n) { memcpy(p, v.l, n * sizeof(double)); }
static inline v8 v8_fma(v8 a, v8 b, v8 c)
{
	for (int l = 0; l < 8; l++)
		c.l[l] = fma(a.l[l], b.l[l], c.l[l]);
	return c;
}
static inline v8 v8_add(v8 a, v8 b)
{
	for (int l = 0; l < 8; l++)
		a.l[l] += b.l[l];
	return a;
}
static inline v8 v8_sub(v8 a, v8 b)
{
	for (int l = 0; l < 8; l++)
		a.l[l] -= b.l[l];
	return a;
}
static inline v8 v8_mul(v8 a, v8 b)
{
	for (int l = 0; l < 8; l++)
		a.l[l] *= b.l[l];
	return a;
}
static inline double v8_reduce(v8 s)
{
	const double *x = s.l;
	return ((x[0] + x[4]) + (x[2] + x[6])) + ((x[1] + x[5]) + (x[3] + x[7]));
}
static inline v8 v8_reduce8(const v8 *acc)
{
	v8 r;
	for (int q = 0; q < 8; q++)
		r.l[q] = v8_reduce(acc[q]);
	return r;
}

#endif

/* The first t lanes, 0 <= t <= 8: the plain load or store when t is 8, else
 * the tail's (zeros past t; no memory touched for t = 0). */
static inline v8 v8_load_n(const double *p, int t)
{
	return t == 8 ? v8_load(p) : v8_load_tail(p, t);
}
static inline void v8_store_n(double *p, v8 v, int t)
{
	if (t == 8)
		v8_store(p, v);
	else
		v8_store_tail(p, v, t);
}

#endif
