/* kernels_impl.h: the table each kernel variant fills (private to the
 * kernels module: src/kernels*.c). */
#ifndef OVERPARAM_KERNELS_IMPL_H
#define OVERPARAM_KERNELS_IMPL_H

#include "overparam/kernels.h"

#include <string.h>

/* Rows per block of the data passes: their dots, then their share of G in
 * one vecmat_acc (the rows stay in L1 between the two). Blocking changes
 * which chains run side by side, never the order within one. */
#define KERN_ROW_BLOCK 16

struct kern_ops {
	double (*dot)(const double *a, const double *b, int n);
	void (*matvec)(double *out, const double *A, int rows, int cols, const double *x);
	void (*vecmat_acc)(double *out, const double *s, const double *A, int rows, int cols);
	double (*lp_chunk)(const struct lp_rule *lp, int rows, int d, const double *X,
			   const double *y, const double *w, double inv_m, double *G);
	void (*lp_chunk_batch)(const struct lp_rule *lp, int rows, int d, const double *X,
			       const double *y, int n, const double *Wb, double inv_m,
			       double *L, double *Gb, double *work);
	double (*fma_probe)(long rounds);
	void (*scale)(double *out, double s, const double *B, size_t n);
	void (*sub_scaled)(double *w, double lr, const double *g, size_t n);
	void (*outer_sub)(double *share, double *W, double lr, const double *s, int rows,
			  const double *B, int cols);
};

extern const struct kern_ops kern_ops_portable;
#if defined(__x86_64__) && defined(OVERPARAM_X86_KERNELS)
extern const struct kern_ops kern_ops_avx2;
extern const struct kern_ops kern_ops_avx512;
#endif

#endif
