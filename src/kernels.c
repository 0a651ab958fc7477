/* kernels: choice of the variant (kernels.h) and the naive reference loops
 * that state the fixed order. */
#include "kernels_impl.h"
#include "overparam/error.h"

#include <stdlib.h>

void lp_rule_init(struct lp_rule *lp, double p)
{
	lp->p = p;
	lp->q = 0;
	if (p == 2.0)
		lp->kind = LP_SQUARE;
	else if (p == 4.0)
		lp->kind = LP_FOURTH;
	else if (p == floor(p) && p >= 3.0 && p <= 1024.0) {
		lp->kind = LP_INTEGER;
		lp->q = (long)p;
	} else {
		lp->kind = LP_REAL;
	}
}

static const struct {
	const char *name;
	const struct kern_ops *ops;
} variants[] = {
	{"portable", &kern_ops_portable},
#if defined(__x86_64__) && defined(OVERPARAM_X86_KERNELS)
	{"avx2", &kern_ops_avx2},
	{"avx512", &kern_ops_avx512},
#endif
};
#define N_VARIANTS ((int)(sizeof(variants) / sizeof(variants[0])))

static int active = -1; /* index into variants, -1: not chosen yet */

static int cpu_runs(const char *name)
{
#if defined(__x86_64__) && defined(OVERPARAM_X86_KERNELS)
	__builtin_cpu_init();
	if (strcmp(name, "avx512") == 0)
		return __builtin_cpu_supports("avx512f");
	if (strcmp(name, "avx2") == 0)
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
	return strcmp(name, "portable") == 0;
}

int kern_select(const char *name)
{
	if (!name || !*name || strcmp(name, "auto") == 0) {
		/* The widest variant the CPU runs: the table lists them narrow first. */
		for (int i = N_VARIANTS - 1; i >= 0; i--)
			if (cpu_runs(variants[i].name)) {
				active = i;
				return ERR_OK;
			}
		active = 0;
		return ERR_OK;
	}
	for (int i = 0; i < N_VARIANTS; i++)
		if (strcmp(name, variants[i].name) == 0) {
			if (!cpu_runs(name))
				return err_set(ERR_INPUT,
					       "OVERPARAM_KERNELS: this CPU cannot run the '%s' kernels",
					       name);
			active = i;
			return ERR_OK;
		}
	char list[64] = "auto";
	for (int i = 0; i < N_VARIANTS; i++) {
		strcat(list, ", ");
		strcat(list, variants[i].name);
	}
	return err_set(ERR_INPUT, "OVERPARAM_KERNELS: unknown kernel set '%s' (this build has %s)",
		       name, list);
}

int kern_select_from_env(void)
{
	return kern_select(getenv("OVERPARAM_KERNELS"));
}

static const struct kern_ops *ops(void)
{
	if (active < 0)
		kern_select("auto");
	return variants[active].ops;
}

const char *kern_variant(void)
{
	ops();
	return variants[active].name;
}

double kern_dot(const double *a, const double *b, int n)
{
	return ops()->dot(a, b, n);
}

void kern_vecmat_acc(double *out, const double *s, const double *A, int rows, int cols)
{
	ops()->vecmat_acc(out, s, A, rows, cols);
}

void kern_matvec(double *out, const double *A, int rows, int cols, const double *x)
{
	ops()->matvec(out, A, rows, cols, x);
}

double kern_lp_chunk(const struct lp_rule *lp, int rows, int d, const double *X,
		     const double *y, const double *w, double inv_m, double *G)
{
	return ops()->lp_chunk(lp, rows, d, X, y, w, inv_m, G);
}

void kern_lp_chunk_batch(const struct lp_rule *lp, int rows, int d, const double *X,
			 const double *y, int n, const double *Wb, double inv_m,
			 double *L, double *Gb, double *work)
{
	ops()->lp_chunk_batch(lp, rows, d, X, y, n, Wb, inv_m, L, Gb, work);
}

double kern_fma_probe(long rounds)
{
	return ops()->fma_probe(rounds);
}

void kern_scale(double *out, double s, const double *B, size_t n)
{
	ops()->scale(out, s, B, n);
}

void kern_sub_scaled(double *w, double lr, const double *g, size_t n)
{
	ops()->sub_scaled(w, lr, g, n);
}

void kern_outer_sub(double *share, double *W, double lr, const double *s, int rows,
		    const double *B, int cols)
{
	ops()->outer_sub(share, W, lr, s, rows, B, cols);
}

int kern_batch_work(int n)
{
	(void)n;
	return KERN_ROW_BLOCK * 8;
}

/* ---- the naive loops that state the order ---- */

double kern_ref_dot(const double *a, const double *b, int n)
{
	double s[8] = {0};
	for (int j = 0; j < n; j++)
		s[j % 8] = fma(a[j], b[j], s[j % 8]);
	return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
}

void kern_ref_vecmat_acc(double *out, const double *s, const double *A, int rows,
			 int cols)
{
	for (int i = 0; i < rows; i++)
		for (int c = 0; c < cols; c++)
			out[c] = fma(s[i], A[(size_t)i * cols + c], out[c]);
}

void kern_ref_scale(double *out, double s, const double *B, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = s * B[i];
}

void kern_ref_sub_scaled(double *w, double lr, const double *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		w[i] -= lr * g[i];
}

void kern_ref_outer_sub(double *share, double *W, double lr, const double *s, int rows,
			const double *B, int cols)
{
	for (int r = 0; r < rows; r++) {
		if (share)
			share[r] = kern_ref_dot(W + (size_t)r * cols, B, cols);
		for (int c = 0; c < cols; c++) {
			double g = s[r] * B[c];
			W[(size_t)r * cols + c] -= lr * g;
		}
	}
}

double kern_ref_lp_chunk(const struct lp_rule *lp, int rows, int d, const double *X,
			 const double *y, const double *w, double inv_m, double *G)
{
	double sum = 0.0;
	if (G)
		memset(G, 0, (size_t)d * sizeof(double));
	for (int i = 0; i < rows; i++) {
		const double *x = X + (size_t)i * d;
		double dr;
		sum += lp_rule_term(lp, kern_ref_dot(x, w, d) - y[i], &dr);
		double g = dr * inv_m;
		if (G)
			kern_ref_vecmat_acc(G, &g, x, 1, d);
	}
	return sum;
}
