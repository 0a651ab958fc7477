/* convnet: the MNIST convnet of the TensorFlow tutorial the paper runs for
 * Figure 5 (right), with its dense layers optionally overparameterized as
 * products of two matrices, in float32 (the tutorial's) or float64.
 *
 *   x (B, H, W, C0), NHWC
 *   conv 5x5 C0->C1, stride 1, SAME (zero padding 2) + bias, ReLU
 *   maxpool 2x2 stride 2                          -> (B, H/2, W/2, C1)
 *   conv 5x5 C1->C2, SAME + bias, ReLU; maxpool   -> (B, H/4, W/4, C2)
 *   flatten in (h, w, c) order                    -> (B, F), F = H/4 W/4 C2
 *   dense F->D (+ D->D when overparameterized) + bias, ReLU
 *   dropout keep q (training only, kept units scaled 1/q)
 *   dense D->K (+ K->K when overparameterized) + bias -> logits (B, K)
 *   loss = mean softmax cross-entropy + l2 * penalty
 *
 * The overparameterized dense layer computes (x W_a) W_b, never forming
 * the product for the data path. The penalty is the sum of squares / 2 of
 * the dense weights and both dense biases, with the weights taken as
 *   CONVNET_L2_PRODUCT  the end-to-end matrices W_a W_b (for layer 1 from
 *                       Grams: ||W_a W_b||^2 = <W_a^T W_a, W_b W_b^T>)
 *   CONVNET_L2_FACTORS  each factor
 *   CONVNET_L2_NONE     no penalty.
 * Convolutions are im2col + GEMM: column (ky, kx, c) of an output pixel's
 * row holds input pixel (y + ky - 2, x + kx - 2) channel c, or 0 outside;
 * conv weights are ((5 5 Cin), Cout) row-major. Max pooling passes the
 * gradient to the first maximum of its window in scan order (dy, then dx).
 *
 * Parameters live in one array carved into tensors (enum convnet_tensor,
 * in that order); gradients and the momentum buffer share the layout, so
 * the optimizer step is one flat loop. Reductions (loss, bias gradients)
 * accumulate in double in a fixed order. Threads: every GEMM is cut into
 * the same row blocks whatever the thread count, each a single-threaded
 * BLAS call (convnet_create sets OpenBLAS to one thread), and the loops
 * between them split by images or channels, so a machine gives the same
 * bytes for any thread count. Another BLAS kernel (CPU, OPENBLAS_CORETYPE)
 * changes the last bits. */
#ifndef OVERPARAM_CONVNET_H
#define OVERPARAM_CONVNET_H

#include <stddef.h>
#include <stdint.h>

#include "overparam/rng.h"

struct par_pool;

enum convnet_precision { CONVNET_F32, CONVNET_F64 };
enum convnet_l2 { CONVNET_L2_PRODUCT, CONVNET_L2_FACTORS, CONVNET_L2_NONE };

struct convnet_shape {
	int H, W, C0;   /* input image; H and W multiples of 4 */
	int C1, C2;     /* conv channels (tutorial: 32, 64) */
	int D;          /* hidden dense width (512) */
	int K;          /* classes (10) */
};

struct convnet_spec {
	struct convnet_shape shape;
	int overparam;               /* dense layers as products of two */
	enum convnet_l2 l2_on;
	double l2;                   /* penalty weight (5e-4) */
	double init_std;             /* truncated normal std of every weight (0.1) */
	double keep_prob;            /* dropout keep probability (0.5); 1: none */
	int max_batch;               /* largest batch a call may pass */
	enum convnet_precision precision;
	uint64_t seed;               /* init; dropout draws from seed + 1 */
	int threads;                 /* pool threads (0: 1) */
};

enum convnet_tensor {
	CN_CONV1_W, CN_CONV1_B, CN_CONV2_W, CN_CONV2_B,
	CN_DENSE1_A, CN_DENSE1_B, CN_BIAS1,
	CN_DENSE2_A, CN_DENSE2_B, CN_BIAS2,
	CN_N_TENSORS
};

struct convnet {
	struct convnet_spec spec;
	int F;                        /* flattened features, H/4 W/4 C2 */
	size_t off[CN_N_TENSORS];     /* element offsets into params */
	size_t len[CN_N_TENSORS];     /* 0 for DENSE*_B when not overparameterized */
	size_t n_params;
	void *params, *grads, *accum; /* (n_params) of float or double */
	void *work;                   /* activations for max_batch */
	int *arg1, *arg2;             /* pooling argmax, flat input index */
	unsigned char *mask;          /* dropout mask (max_batch, D) */
	double *sums;                 /* column-sum accumulator (widest layer) */
	struct par_pool *pool;
	struct rng drop_rng;
};

/* What a forward/backward pass measured on its batch, before any update. */
struct convnet_stats {
	double loss;  /* ce + l2 term: the batch loss the paper plots */
	double ce;    /* mean softmax cross-entropy */
	double l2;    /* l2 * penalty */
	double error; /* fraction of the batch misclassified (argmax, first max) */
};

/* Allocates the network and initializes its weights: every weight entry
 * (each factor, when overparameterized) truncated normal (|z| <= 2 redrawn)
 * times init_std; biases conv1 0, the others 0.1, as in the tutorial.
 * Returns ERR_INPUT for a bad shape, ERR_RUNTIME without memory. */
int convnet_create(struct convnet *net, const struct convnet_spec *spec);
void convnet_release(struct convnet *net);

/* Name of tensor t ("conv1_w", ...) for weight files. */
const char *convnet_tensor_name(enum convnet_tensor t);

/* Tensor t as a row-major matrix: conv weights ((5 5 Cin), Cout), dense
 * (in, out), biases (1, n); (0, 0) for an absent factor. */
void convnet_tensor_shape(const struct convnet *net, enum convnet_tensor t, int *rows, int *cols);

/* One batch of images: pixels p (0..255, (B, H, W, C0) bytes) become
 * (p - 127.5) / 255 in the network's precision. */
void convnet_load_batch(struct convnet *net, const unsigned char *pixels, int B);

/* Loss and gradient (into net->grads, overwritten) of the batch loaded by
 * convnet_load_batch, labels (B) in 0..K-1. mask (B, D) of 0/1 fixes the
 * dropout units kept; NULL draws it from the network's dropout stream. */
void convnet_grad(struct convnet *net, const unsigned char *labels, int B,
		  const unsigned char *mask, struct convnet_stats *st);

/* Momentum step: a <- momentum a + g; w <- w - lr a. */
void convnet_step(struct convnet *net, double lr, double momentum);

/* Misclassified count of n images (no dropout), in batches of max_batch. */
long convnet_errors(struct convnet *net, const unsigned char *pixels,
		    const unsigned char *labels, int n);

/* Copies parameters to / from double (n_params). */
void convnet_params_get(const struct convnet *net, double *out);
void convnet_params_set(struct convnet *net, const double *in);

/* Floating-point operations of one training step on a batch of B
 * (forward, backward and penalty; multiply-add = 2). */
double convnet_step_flops(const struct convnet *net, int B);

#endif
