/* linnet: a depth-N linear network x -> W_N ... W_1 x (paper Eq. 2).
 *
 * Widths n_0 = d, n_1 .. n_{N-1} hidden, n_N = k; layer j (1..N) is
 * W_j (n_j, n_{j-1}) row-major. All weights live in one allocation, layer 1
 * first, so an optimizer steps them as one flat array; gradients use the
 * same layout.
 *
 * Gradients come from the end-to-end gradient G = dL1/dW at W_e (k, d) by
 * the exact chain rule (DESIGN.md):
 *   dL^N/dW_j = A_j^T B_j,  A_j = W_N ... W_{j+1} (k, n_j),
 *                           B_j = G W_1^T ... W_{j-1}^T (k, n_{j-1}),
 * so a step costs one data pass (for G) plus O(k sum_j n_j n_{j-1}) work,
 * whatever the widths. */
#ifndef OVERPARAM_LINNET_H
#define OVERPARAM_LINNET_H

#include <stddef.h>

#include "overparam/names.h"
#include "overparam/rng.h"

struct par_pool;

struct linnet {
	int N, d, k;
	int *n;          /* (N + 1) widths, n[0] = d, n[N] = k */
	double *params;  /* all weights, layer 1 first */
	size_t n_params;
	size_t *offset;  /* (N + 1): layer j starts at params + offset[j-1] */
	double *A;       /* workspace: A_j for j = 0..N, A_0 = W_e */
	size_t *a_off;   /* (N + 1) offsets of A_j in A */
	double *B;       /* workspace: one B_j at a time, k * max n */
	double *B2;
	double *sq;      /* workspace for the imbalance, max n_j^2 (untouched,
			    so not resident, unless the imbalance is computed) */
	struct par_pool *pool; /* splits linnet_grad's large layers; NULL: one thread. Not owned */
	size_t split_entries; /* a layer of this many entries or more is split
				 when par_near(pool) (PAR_SPLIT_DOUBLES;
				 the bench lowers it) */
};

enum linnet_init {
	LINNET_INIT_NORMAL,   /* every entry N(0, std^2) */
	LINNET_INIT_IDENTITY, /* rectangular identity + N(0, std^2) noise */
	LINNET_INIT_BALANCED, /* Eq. 7 holds exactly; W_e ~ N(0, std^2) entries */
	LINNET_INIT_DECOUPLED, /* zeros here; the model then aligns every layer
				  with whitened data's modes (model_init_decoupled) */
};

/* The schemes' names, in enum order ("normal", "identity", "balanced",
 * "decoupled"). */
extern const struct name_map linnet_init_names;

/* Allocates a network of depth N >= 1 with hidden widths hidden[0..N-2]
 * (ignored for N = 1). Weights are zero until an init. */
int linnet_create(struct linnet *net, int N, int d, int k, const int *hidden);

/* Frees everything; accepts a zeroed net. */
void linnet_release(struct linnet *net);

/* Layer j (1..N) as a view into params. */
double *linnet_layer(const struct linnet *net, int j);

/* Initializes all layers. Draws come from g in layer order, row-major.
 * BALANCED draws M (k, d) with N(0, std^2) entries, takes its SVD
 * M = U S V^T (truncated to the smallest hidden width) and sets
 * W_1 = Q_1 S^(1/N) V^T, W_j = Q_j S^(1/N) Q_{j-1}^T, W_N = U S^(1/N) Q_{N-1}^T
 * with Q_j the leading columns of I_{n_j}, so that
 * W_{j+1}^T W_{j+1} = W_j W_j^T. For k = 1 the SVD is written out
 * (s = ||M||, U = 1, V = M^T / s: no LAPACK, so the same bits everywhere)
 * and N = 1 keeps M itself. */
int linnet_init(struct linnet *net, enum linnet_init scheme, double std,
		struct rng *g);

/* Computes W_e = W_N ... W_1 (k, d) into We, and keeps the partial products
 * A_j for linnet_grad(). */
void linnet_end_to_end(struct linnet *net, double *We);

/* grad (layout of params) = dL^N/dW_j for every layer, from G = dL1/dW at
 * the W_e of the last linnet_end_to_end() call (same params). */
void linnet_grad(struct linnet *net, const double *G, double *grad);

/* One output (k = 1): linnet_grad's gradient a few rows at a time, for an
 * update fused with it (no gradient array). Row a of layer j's gradient is
 * s_a B with s = A_j and B = B_j (n_{j-1} values); visit(user, off, s, rows,
 * B, n, share) gets rows consecutive rows of it, off the index of the first
 * in params and s their scalars. share (rows) is the rows' part of B_{j+1}
 * (NULL for the last layer): visit writes share_r = dot(W_r, B) with
 * kern_matvec's bits from the rows as they were, and may then change them
 * in place (kern_outer_sub does both in one pass). Layers go 1..N; a large
 * layer's rows split across net->pool, so visit must be safe for disjoint
 * rows on different threads. The same bits as linnet_grad. */
typedef void (*linnet_row_visit)(void *user, size_t off, const double *s, int rows,
				 const double *B, int n, double *share);
/* A layer of net->split_entries entries or more (PAR_SPLIT_DOUBLES by
 * default) has its rows split across net->pool, and then only while the
 * pool's threads are near (par_near): the end-to-end product reads every
 * row on the calling thread next, so a split hands half the layer between
 * the cores each step. Measured (depth 3, a step with its data pass on two
 * threads), split against kept on one thread: with the cores near, width
 * 100 18.6-21.0 us against 18.0-19.6 (`overparam bench`'s last line), 200
 * 28-48 against 27-39, 400 42-48 against 45-57, 800 98-106 against
 * 124-133; with them far, width 100 35-39 against 20-22, 200 71-74 against
 * 29-30, 400 155-178 against 47-57, 800 494-549 against 130-135. */
void linnet_grad_rows(struct linnet *net, const double *G, linnet_row_visit visit, void *user);

/* max_j ||W_{j+1}^T W_{j+1} - W_j W_j^T||_F over j = 1..N-1 (Eq. 7); 0 for
 * N = 1. */
double linnet_imbalance(struct linnet *net);

#endif
