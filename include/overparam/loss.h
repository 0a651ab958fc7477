/* loss: training losses of a linear predictor x -> W x over a dataset.
 *
 * l_p (p >= 2): l(yhat, y) = (1/p) sum_r |yhat_r - y_r|^p, so p = 2 is half
 * the squared error, and L(W) = (1/m) sum_i l(W x_i, y_i) (the paper's
 * Section 3 form, an average over examples).
 * softmax cross-entropy (k >= 2, y one-hot or any distribution):
 * l(z, y) = logsumexp(z) - <y, z> when sum_r y_r = 1, dl/dz = softmax(z) - y
 * (the paper's Section 4 example).
 * mse, for a matrix problem's observations (dataset.matrix): the authors'
 * L(W) = (1/m) sum_i (pred_i - y_i)^2, pred_i = W[entry_i] (completion, a
 * loop over the observed entries in ascending order: G is zero elsewhere) or
 * <A_i, W> (sensing: the one-output l2 data pass over the rows vec(A_i),
 * doubled, which is exact); both fixed-order, so the same bits on any
 * CPU and thread count. */
#ifndef OVERPARAM_LOSS_H
#define OVERPARAM_LOSS_H

#include "overparam/dataset.h"
#include "overparam/kernels.h"
#include "overparam/names.h"

enum loss_kind {
	LOSS_LP,
	LOSS_SOFTMAX_CE,
	LOSS_MSE, /* matrix problems (matrix.h) only */
};

/* How l2 is evaluated: by passes over the data, or through the Gram form
 *   L = 1/2 tr(W A W^T) - tr(W B^T) + c/2,  G = W A - B,
 *   A = X^T X / m (d, d), B = Y^T X / m (k, d), c = sum_i ||y_i||^2 / m,
 * which costs O(k d^2) a step after a one-time O(m d^2) set-up. "auto"
 * takes the Gram form for p = 2 and the data passes otherwise. The two agree
 * up to rounding (the Gram form loses about log10(c / L) digits of L), so
 * "auto" also takes a data pass for the value L at any step where
 * L < 1e-6 c (an almost exact fit; G stays the Gram form's, which has no
 * such cancellation), and "gram" never does. */
enum loss_form { LOSS_FORM_AUTO, LOSS_FORM_DATA, LOSS_FORM_GRAM };

/* The names, in enum order: "lp", "softmax_ce", "mse"; "auto", "data", "gram". */
extern const struct name_map loss_kind_names, loss_form_names;

/* The data pass goes over fixed chunks of LOSS_CHUNK_ROWS rows: each chunk
 * computes its rows' predictions, loss terms and dL/dyhat, then its share
 * of G while the rows are still in cache (one pass over X), into its own
 * slot; the slots are summed in chunk order. Chunks run on the loss's
 * thread pool, and the result is the same for any number of threads. For
 * one output (k = 1) with l_p, and for the Gram form, the arithmetic is the
 * fixed-order kernels' (kernels.h): the same bits on any CPU, OpenBLAS
 * kernel, compiler, and batched or not; k > 1 and softmax use BLAS. */
#define LOSS_CHUNK_ROWS 128

struct par_pool;

/* What a config says of the loss; loss_init makes a struct loss of it. */
struct loss_spec {
	enum loss_kind kind;
	double p;            /* LOSS_LP exponent, >= 2 */
	enum loss_form form;
};

/* A prepared loss: the spec's values plus what loss_prepare() computed for
 * one dataset (Gram matrices, chunk slots, the thread pool). */
struct loss {
	enum loss_kind kind;
	double p;            /* LOSS_LP exponent, >= 2 */
	struct lp_rule lp;   /* how |r|^p / p is evaluated: set by loss_prepare */
	enum loss_form form; /* as configured */
	/* Filled by loss_prepare() when the Gram form is used, else NULL. */
	double *gram;        /* A (d, d) */
	double *xty;         /* B (k, d) */
	double yty;          /* c */
	/* Data pass: per-chunk partial sums (loss_prepare), thread pool. */
	int n_chunks;
	double *part_G;      /* (n_chunks, max(k, batch), d) */
	double *part_L;      /* (n_chunks, max(1, batch)) */
	double *batch_work;  /* (n_chunks, kern_batch_work(batch)) */
	struct par_pool *pool; /* NULL: one thread; not owned */
};

/* Zeroes loss and sets what the config decides. */
void loss_init(struct loss *loss, enum loss_kind kind, double p, enum loss_form form);

/* Resolves the form for ds, allocates the chunk slots and, for the Gram
 * form, computes A, B, c. pool may be NULL. Returns ERR_INPUT if the Gram
 * form is asked for with p != 2. */
int loss_prepare(struct loss *loss, const struct dataset *ds, struct par_pool *pool);

/* Makes room for loss_eval_batch() over up to n models. */
int loss_reserve_batch(struct loss *loss, const struct dataset *ds, int n);

/* n models of one output at once: Lb[j] and Gb row j (1, d) for the model
 * Wb row j, Wb and Gb (n, d) row-major; scratch holds m * n doubles. The
 * data pass reads each chunk once for the whole block of models (the Gram
 * form: one product with A per model), so a model costs less than alone. Needs
 * k = 1 and loss_reserve_batch(n). Each model's Lb and G are loss_eval's
 * for it alone, bit for bit. */
void loss_eval_batch(const struct loss *loss, const struct dataset *ds, int n,
		     const double *Wb, double *Lb, double *Gb, double *scratch);

/* "data" or "gram": the form loss_prepare() chose. */
const char *loss_form_used(const struct loss *loss);

/* Frees what loss_prepare() allocated. */
void loss_release(struct loss *loss);

/* Returns L(W) and, when G is not NULL, G = dL/dW (k, d) row-major.
 * W is (k, d) row-major; scratch must hold m * k doubles. The data form
 * reads X once. The result is deterministic (fixed order). */
double loss_eval(const struct loss *loss, const struct dataset *ds,
		 const double *W, double *G, double *scratch);

#endif
