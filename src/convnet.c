/* convnet: allocation, initialization and precision dispatch of the MNIST
 * convnet (see convnet.h); the passes themselves are convnet_body.h,
 * compiled once for float and once for double. Naive references of the
 * whole network live in tests/test_convnet.c. */
#include "overparam/convnet.h"
#include "overparam/error.h"
#include "overparam/parallel.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void openblas_set_num_threads(int n);

/* GEMMs are split into this many row blocks (fewer for fewer rows),
 * whatever the thread count. */
#define CONVNET_GEMM_BLOCKS 8

/* The loops between the GEMMs that convnet_body.h splits over the pool. */
enum { OP_IM2COL1, OP_POOL1, OP_POOL2, OP_BACK2, OP_BACK1, OP_SUMS };

#define REAL float
#define FN(name) name##_f32
#define GEMM cblas_sgemm
#include "convnet_body.h"
#undef REAL
#undef FN
#undef GEMM

#define REAL double
#define FN(name) name##_f64
#define GEMM cblas_dgemm
#include "convnet_body.h"
#undef REAL
#undef FN
#undef GEMM

static const char *const tensor_names[CN_N_TENSORS] = {
	"conv1_w", "conv1_b", "conv2_w", "conv2_b", "dense1_a", "dense1_b",
	"bias1", "dense2_a", "dense2_b", "bias2"};

const char *convnet_tensor_name(enum convnet_tensor t)
{
	return tensor_names[t];
}

void convnet_tensor_shape(const struct convnet *net, enum convnet_tensor t, int *rows, int *cols)
{
	const struct convnet_shape *s = &net->spec.shape;
	int r[CN_N_TENSORS] = {25 * s->C0, 1, 25 * s->C1, 1, net->F, s->D, 1, s->D, s->K, 1};
	*rows = net->len[t] ? r[t] : 0;
	*cols = net->len[t] ? (int)(net->len[t] / (size_t)r[t]) : 0;
}

static int is_f32(const struct convnet *net)
{
	return net->spec.precision == CONVNET_F32;
}

int convnet_create(struct convnet *net, const struct convnet_spec *spec)
{
	memset(net, 0, sizeof(*net));
	const struct convnet_shape *s = &spec->shape;
	if (s->H < 4 || s->W < 4 || s->H % 4 || s->W % 4 || s->C0 < 1 || s->C1 < 1 ||
	    s->C2 < 1 || s->D < 1 || s->K < 2 || spec->max_batch < 1 ||
	    !(spec->keep_prob > 0 && spec->keep_prob <= 1) || s->H > 4096 || s->W > 4096 ||
	    s->C1 > 4096 || s->C2 > 4096 || s->D > 65536 || s->K > 65536)
		return err_set(ERR_INPUT, "convnet: bad shape");
	net->spec = *spec;
	net->F = (s->H / 4) * (s->W / 4) * s->C2;
	size_t D = (size_t)s->D, K = (size_t)s->K;
	size_t lens[CN_N_TENSORS] = {
		(size_t)25 * s->C0 * s->C1, (size_t)s->C1, (size_t)25 * s->C1 * s->C2,
		(size_t)s->C2, (size_t)net->F * D, spec->overparam ? D * D : 0, D,
		D * K, spec->overparam ? K * K : 0, K};
	for (int t = 0; t < CN_N_TENSORS; t++) {
		net->off[t] = net->n_params;
		net->len[t] = lens[t];
		net->n_params += lens[t];
	}
	size_t es = is_f32(net) ? sizeof(float) : sizeof(double);
	size_t n_work = is_f32(net) ? carve_f32(&(struct views_f32){0}, NULL, net)
				    : carve_f64(&(struct views_f64){0}, NULL, net);
	size_t Bm = (size_t)spec->max_batch, P1 = (size_t)s->H * s->W;
	size_t widest = (size_t)(s->C1 > s->C2 ? s->C1 : s->C2);
	widest = widest > D ? widest : D;
	widest = widest > K ? widest : K;
	net->params = calloc(net->n_params, es);
	net->grads = calloc(net->n_params, es);
	net->accum = calloc(net->n_params, es);
	net->work = calloc(n_work, es);
	net->arg1 = malloc(Bm * P1 / 4 * s->C1 * sizeof(int));
	net->arg2 = malloc(Bm * (size_t)net->F * sizeof(int));
	net->mask = malloc(Bm * D);
	net->sums = malloc(widest * sizeof(double));
	if (!net->params || !net->grads || !net->accum || !net->work || !net->arg1 ||
	    !net->arg2 || !net->mask || !net->sums) {
		convnet_release(net);
		return err_set(ERR_RUNTIME, "convnet: out of memory (%zu parameters, %zu work)",
			       net->n_params, n_work);
	}
	/* BLAS runs single-threaded; the pool splits every GEMM into fixed
	 * row blocks, so the bytes do not depend on the thread count. */
	openblas_set_num_threads(1);
	int rc = par_create(&net->pool, spec->threads > 0 ? spec->threads : 1);
	if (rc) {
		convnet_release(net);
		return rc;
	}
	struct rng r;
	rng_seed(&r, spec->seed);
	rng_seed(&net->drop_rng, spec->seed + 1);
	if (is_f32(net))
		init_f32(net, &r);
	else
		init_f64(net, &r);
	return ERR_OK;
}

void convnet_release(struct convnet *net)
{
	if (!net)
		return;
	free(net->params);
	free(net->grads);
	free(net->accum);
	free(net->work);
	free(net->arg1);
	free(net->arg2);
	free(net->mask);
	free(net->sums);
	par_free(net->pool);
	memset(net, 0, sizeof(*net));
}

void convnet_load_batch(struct convnet *net, const unsigned char *pixels, int B)
{
	if (is_f32(net))
		load_batch_f32(net, pixels, B);
	else
		load_batch_f64(net, pixels, B);
}

void convnet_grad(struct convnet *net, const unsigned char *labels, int B,
		  const unsigned char *mask, struct convnet_stats *st)
{
	size_t n = (size_t)B * net->spec.shape.D;
	if (mask) {
		memcpy(net->mask, mask, n);
	} else {
		/* One uniform per unit, in (b, unit) order, whatever the keep
		 * probability, so the stream advances the same per step. */
		for (size_t i = 0; i < n; i++)
			net->mask[i] = rng_uniform(&net->drop_rng) < net->spec.keep_prob;
	}
	if (is_f32(net))
		grad_f32(net, labels, B, st);
	else
		grad_f64(net, labels, B, st);
}

void convnet_step(struct convnet *net, double lr, double momentum)
{
	if (is_f32(net))
		step_f32(net, lr, momentum);
	else
		step_f64(net, lr, momentum);
}

long convnet_errors(struct convnet *net, const unsigned char *pixels,
		    const unsigned char *labels, int n)
{
	return is_f32(net) ? errors_f32(net, pixels, labels, n)
			   : errors_f64(net, pixels, labels, n);
}

void convnet_params_get(const struct convnet *net, double *out)
{
	for (size_t i = 0; i < net->n_params; i++)
		out[i] = is_f32(net) ? ((const float *)net->params)[i]
				     : ((const double *)net->params)[i];
}

void convnet_params_set(struct convnet *net, const double *in)
{
	for (size_t i = 0; i < net->n_params; i++) {
		if (is_f32(net))
			((float *)net->params)[i] = (float)in[i];
		else
			((double *)net->params)[i] = in[i];
	}
}

double convnet_step_flops(const struct convnet *net, int B)
{
	const struct convnet_shape *s = &net->spec.shape;
	double P1 = (double)s->H * s->W, P2 = P1 / 4, D = s->D, K = s->K, F = net->F;
	/* Forward GEMMs; the backward does two of each (data and weight
	 * gradients), less conv1's data gradient. */
	double conv1 = 2 * B * P1 * 25 * s->C0 * s->C1, conv2 = 2 * B * P2 * 25 * s->C1 * s->C2;
	double dense = 2.0 * B * (F * D + D * K);
	if (net->spec.overparam)
		dense += 2.0 * B * (D * D + K * K);
	double f = 2 * conv1 + 3 * conv2 + 3 * dense;
	if (net->spec.overparam && net->spec.l2_on == CONVNET_L2_PRODUCT)
		/* G and M (upper blocks: about 9/16 of full GEMMs), W1a M and
		 * G W1b, layer 2's three. */
		f += 9.0 / 16 * (2 * F * D * D + 2 * D * D * D) + 2 * F * D * D + 2 * D * D * D +
		     6 * D * K * K;
	return f;
}
