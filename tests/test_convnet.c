/* The convnet (convnet.h) against a naive reference written here: direct
 * convolution loops (no im2col, padding by bounds checks), pooling by
 * comparisons, dense layers through the explicitly formed product W_a W_b,
 * and the penalty on that formed product. On tiny shapes (8 x 8 images, two
 * input channels, so most pixels are at a SAME border) in float64:
 *   - the loss equals the reference's (1e-12 relative);
 *   - every gradient entry equals the central finite difference of the
 *     reference loss (h = 1e-5; atol 1e-7 + rtol 1e-5), with a fixed
 *     dropout mask, for plain and overparameterized dense layers and each
 *     placement of the penalty;
 *   - pooling ties: with conv1's weights zero every pool window is a tie,
 *     and the conv1 bias gradient must still equal the finite difference
 *     (all of a window's gradient to one element, none lost or doubled);
 *   - float32 gives the float64 loss and gradient to 1e-4 relative, and
 *     the same bytes on 1, 2 and 3 threads;
 *   - the momentum step is a <- mu a + g, w <- w - lr a, to the last bit. */
#include "check.h"
#include "overparam/convnet.h"
#include "overparam/rng.h"

#include <math.h>

#define B 3

static const struct convnet_shape tiny = {.H = 8, .W = 8, .C0 = 2, .C1 = 3, .C2 = 4,
					  .D = 5, .K = 3};

/* ---- naive reference: parameters as double, views by tensor ---- */

static const double *T(const struct convnet *net, const double *p, int t)
{
	return p + net->off[t];
}

/* out (H, W, Co) = SAME 5x5 conv of in (H, W, Ci) with w ((5,5,Ci), Co) + b, ReLU. */
static void ref_conv(double *out, const double *in, int H, int W, int Ci, int Co,
		     const double *w, const double *b)
{
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			for (int o = 0; o < Co; o++) {
				double s = b[o];
				for (int ky = 0; ky < 5; ky++)
					for (int kx = 0; kx < 5; kx++)
						for (int c = 0; c < Ci; c++) {
							int iy = y + ky - 2, ix = x + kx - 2;
							if (iy >= 0 && iy < H && ix >= 0 && ix < W)
								s += in[(iy * W + ix) * Ci + c] *
								     w[((ky * 5 + kx) * Ci + c) * Co + o];
						}
				out[(y * W + x) * Co + o] = s > 0 ? s : 0;
			}
}

static void ref_pool(double *out, const double *in, int H, int W, int C)
{
	for (int y = 0; y < H / 2; y++)
		for (int x = 0; x < W / 2; x++)
			for (int c = 0; c < C; c++) {
				double m = -INFINITY;
				for (int dy = 0; dy < 2; dy++)
					for (int dx = 0; dx < 2; dx++)
						m = fmax(m, in[((2 * y + dy) * W + 2 * x + dx) * C + c]);
				out[(y * (W / 2) + x) * C + c] = m;
			}
}

/* E (r, c) = A (r, m) Bm (m, c), or A when Bm is NULL (c = m). */
static void ref_product(double *E, const double *A, const double *Bm, int r, int m, int c)
{
	for (int i = 0; i < r; i++)
		for (int j = 0; j < c; j++) {
			double s = 0;
			if (!Bm) {
				E[i * c + j] = A[i * c + j];
				continue;
			}
			for (int q = 0; q < m; q++)
				s += A[i * m + q] * Bm[q * c + j];
			E[i * c + j] = s;
		}
}

static double ref_sq(const double *x, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += x[i] * x[i];
	return 0.5 * s;
}

/* The batch loss at parameters p for images x (B, H, W, C0) in [-0.5,
 * 0.5], labels y, dropout mask (B, D). */
static double ref_loss(const struct convnet *net, const double *p, const double *x,
		       const unsigned char *y, const unsigned char *mask)
{
	const struct convnet_shape *s = &net->spec.shape;
	int H = s->H, W = s->W, D = s->D, K = s->K, F = net->F, op = net->spec.overparam;
	double a1[8 * 8 * 8], p1[4 * 4 * 8], a2[4 * 4 * 8], p2[64];
	double E1[64 * 16], E2[16 * 16], h[16], logits[16];
	ref_product(E1, T(net, p, CN_DENSE1_A), op ? T(net, p, CN_DENSE1_B) : NULL, F, D, D);
	ref_product(E2, T(net, p, CN_DENSE2_A), op ? T(net, p, CN_DENSE2_B) : NULL, D, K, K);
	double ce = 0;
	for (int b = 0; b < B; b++) {
		ref_conv(a1, x + b * H * W * s->C0, H, W, s->C0, s->C1, T(net, p, CN_CONV1_W),
			 T(net, p, CN_CONV1_B));
		ref_pool(p1, a1, H, W, s->C1);
		ref_conv(a2, p1, H / 2, W / 2, s->C1, s->C2, T(net, p, CN_CONV2_W),
			 T(net, p, CN_CONV2_B));
		ref_pool(p2, a2, H / 2, W / 2, s->C2);
		for (int j = 0; j < D; j++) {
			double v = T(net, p, CN_BIAS1)[j];
			for (int f = 0; f < F; f++)
				v += p2[f] * E1[f * D + j];
			v = v > 0 ? v : 0;
			h[j] = mask[b * D + j] ? v / net->spec.keep_prob : 0;
		}
		double m = -INFINITY, z = 0;
		for (int k = 0; k < K; k++) {
			logits[k] = T(net, p, CN_BIAS2)[k];
			for (int j = 0; j < D; j++)
				logits[k] += h[j] * E2[j * K + k];
			m = fmax(m, logits[k]);
		}
		for (int k = 0; k < K; k++)
			z += exp(logits[k] - m);
		ce += -(logits[y[b]] - m - log(z));
	}
	double pen = ref_sq(T(net, p, CN_BIAS1), D) + ref_sq(T(net, p, CN_BIAS2), K);
	if (net->spec.l2_on == CONVNET_L2_PRODUCT) {
		pen += ref_sq(E1, F * D) + ref_sq(E2, D * K);
	} else if (net->spec.l2_on == CONVNET_L2_FACTORS) {
		for (int t = CN_DENSE1_A; t <= CN_DENSE2_B; t++)
			if (t != CN_BIAS1)
				pen += ref_sq(T(net, p, t), (int)net->len[t]);
	} else {
		pen = 0;
	}
	return ce / B + net->spec.l2 * pen;
}

/* ---- fixtures ---- */

static void make_batch(struct rng *r, unsigned char *pix, double *x, unsigned char *y,
		       unsigned char *mask, int n_pix, int D, int K)
{
	for (int i = 0; i < n_pix; i++) {
		pix[i] = (unsigned char)(rng_u64(r) & 255);
		x[i] = (pix[i] - 127.5) / 255.0;
	}
	for (int b = 0; b < B; b++)
		y[b] = (unsigned char)(rng_u64(r) % (uint64_t)K);
	for (int i = 0; i < B * D; i++)
		mask[i] = (rng_u64(r) & 3) != 0; /* keep about 3 in 4 */
}

static struct convnet_spec spec_of(int overparam, enum convnet_l2 on, enum convnet_precision pr)
{
	struct convnet_spec sp = {.shape = tiny, .overparam = overparam, .l2_on = on,
				  .l2 = 0.05, .init_std = 0.3, .keep_prob = 0.75,
				  .max_batch = B, .precision = pr, .seed = 7, .threads = 2};
	return sp;
}

static void test_gradient(const char *name, int overparam, enum convnet_l2 on, int tie)
{
	struct convnet net;
	struct convnet_spec sp = spec_of(overparam, on, CONVNET_F64);
	if (!check_true("convnet_create", convnet_create(&net, &sp) == 0))
		return;
	int n_pix = B * tiny.H * tiny.W * tiny.C0;
	unsigned char pix[B * 8 * 8 * 2], y[B], mask[B * 5];
	double x[B * 8 * 8 * 2];
	struct rng r;
	rng_seed(&r, 11);
	make_batch(&r, pix, x, y, mask, n_pix, tiny.D, tiny.K);
	size_t n = net.n_params;
	double *p = malloc(n * sizeof(double)), *g = malloc(n * sizeof(double));
	double *fd = malloc(n * sizeof(double));
	convnet_params_get(&net, p);
	if (tie) { /* conv1 output = ReLU(bias) everywhere: every window ties */
		for (size_t i = 0; i < net.len[CN_CONV1_W]; i++)
			p[net.off[CN_CONV1_W] + i] = 0;
		for (size_t i = 0; i < net.len[CN_CONV1_B]; i++) /* away from ReLU's kink */
			p[net.off[CN_CONV1_B] + i] = 0.2 + 0.1 * (double)i;
		convnet_params_set(&net, p);
	}
	convnet_load_batch(&net, pix, B);
	struct convnet_stats st;
	convnet_grad(&net, y, B, mask, &st);
	memcpy(g, net.grads, n * sizeof(double));
	char label[160];
	double want = ref_loss(&net, p, x, y, mask);
	snprintf(label, sizeof(label), "%s: loss vs the naive reference", name);
	check_close(label, &st.loss, &want, 1, 0, 1e-12);
	const double h = 1e-5;
	for (size_t i = 0; i < n; i++) {
		double keep = p[i];
		p[i] = keep + h;
		double up = ref_loss(&net, p, x, y, mask);
		p[i] = keep - h;
		double down = ref_loss(&net, p, x, y, mask);
		p[i] = keep;
		fd[i] = (up - down) / (2 * h);
	}
	for (int t = 0; t < CN_N_TENSORS; t++) {
		if (!net.len[t] || (tie && t != CN_CONV1_B))
			continue;
		snprintf(label, sizeof(label), "%s: d loss / d %s vs central differences", name,
			 convnet_tensor_name(t));
		check_close(label, g + net.off[t], fd + net.off[t], (int)net.len[t], 1e-7, 1e-5);
	}
	if (tie) {
		double gb = 0;
		for (size_t i = 0; i < net.len[CN_CONV1_B]; i++)
			gb += fabs(g[net.off[CN_CONV1_B] + i]);
		check_true("ties: the conv1 bias gradient is not zero", gb > 1e-6);
	}
	free(p);
	free(g);
	free(fd);
	convnet_release(&net);
}

/* float32 against float64 from the same parameters. */
static void test_float32(void)
{
	struct convnet n32, n64;
	struct convnet_spec s32 = spec_of(1, CONVNET_L2_PRODUCT, CONVNET_F32);
	struct convnet_spec s64 = spec_of(1, CONVNET_L2_PRODUCT, CONVNET_F64);
	if (convnet_create(&n32, &s32) || convnet_create(&n64, &s64)) {
		check_true("convnet_create", 0);
		return;
	}
	unsigned char pix[B * 8 * 8 * 2], y[B], mask[B * 5];
	double x[B * 8 * 8 * 2];
	struct rng r;
	rng_seed(&r, 12);
	make_batch(&r, pix, x, y, mask, B * 8 * 8 * 2, tiny.D, tiny.K);
	double *p = malloc(n64.n_params * sizeof(double));
	double *g32 = malloc(n64.n_params * sizeof(double));
	convnet_params_get(&n32, p); /* float32's values, exact in double */
	convnet_params_set(&n64, p);
	struct convnet_stats a, b;
	convnet_load_batch(&n32, pix, B);
	convnet_load_batch(&n64, pix, B);
	convnet_grad(&n32, y, B, mask, &a);
	convnet_grad(&n64, y, B, mask, &b);
	for (size_t i = 0; i < n64.n_params; i++)
		g32[i] = ((float *)n32.grads)[i];
	check_close("float32 loss vs float64", &a.loss, &b.loss, 1, 0, 1e-5);
	/* The same bytes for any thread count (tasks split images and channels). */
	for (int threads = 1; threads <= 3; threads += 2) {
		struct convnet nt;
		struct convnet_spec st = s32;
		st.threads = threads;
		struct convnet_stats c;
		if (convnet_create(&nt, &st)) {
			check_true("convnet_create", 0);
			continue;
		}
		convnet_load_batch(&nt, pix, B);
		convnet_grad(&nt, y, B, mask, &c);
		char label[64];
		snprintf(label, sizeof(label), "float32 with %d threads: same bytes", threads);
		check_true(label, c.loss == a.loss &&
				  memcmp(nt.grads, n32.grads, n32.n_params * sizeof(float)) == 0);
		convnet_release(&nt);
	}
	check_close("float32 gradient vs float64", g32, n64.grads, (int)n64.n_params, 1e-5, 1e-4);
	/* Momentum: two steps by hand in double. */
	double *w = malloc(n64.n_params * sizeof(double)), *acc = calloc(n64.n_params, sizeof(double));
	double *got = malloc(n64.n_params * sizeof(double));
	memcpy(w, p, n64.n_params * sizeof(double));
	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < n64.n_params; i++) {
			acc[i] = 0.9 * acc[i] + ((double *)n64.grads)[i];
			w[i] -= 0.01 * acc[i];
		}
		convnet_step(&n64, 0.01, 0.9);
	}
	convnet_params_get(&n64, got);
	check_close("momentum step", got, w, (int)n64.n_params, 0, 0);
	free(p);
	free(g32);
	free(w);
	free(acc);
	free(got);
	convnet_release(&n32);
	convnet_release(&n64);
}

/* Initialization: truncated at 2 std, biases as the tutorial's. */
static void test_init(void)
{
	struct convnet net;
	struct convnet_spec sp = spec_of(1, CONVNET_L2_PRODUCT, CONVNET_F64);
	sp.init_std = 0.1;
	if (convnet_create(&net, &sp)) {
		check_true("convnet_create", 0);
		return;
	}
	const double *p = net.params;
	double worst = 0, b1 = 0;
	for (size_t i = 0; i < net.len[CN_DENSE1_A]; i++)
		worst = fmax(worst, fabs(p[net.off[CN_DENSE1_A] + i]));
	check_true("init: weights within 2 std", worst <= 0.2 && worst > 0.1);
	for (size_t i = 0; i < net.len[CN_CONV1_B]; i++)
		b1 += fabs(p[net.off[CN_CONV1_B] + i]);
	check_true("init: conv1 bias 0", b1 == 0);
	check_true("init: other biases 0.1", p[net.off[CN_CONV2_B]] == 0.1 && p[net.off[CN_BIAS2]] == 0.1);
	convnet_release(&net);
}

int main(void)
{
	test_gradient("plain, l2 on weights", 0, CONVNET_L2_FACTORS, 0);
	test_gradient("overparameterized, l2 on the product", 1, CONVNET_L2_PRODUCT, 0);
	test_gradient("overparameterized, l2 on the factors", 1, CONVNET_L2_FACTORS, 0);
	test_gradient("overparameterized, no l2", 1, CONVNET_L2_NONE, 0);
	test_gradient("pooling ties", 1, CONVNET_L2_PRODUCT, 1);
	test_float32();
	test_init();
	printf("test_convnet: %d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
