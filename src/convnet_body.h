/* convnet_body.h: the convnet's passes for one precision, included by
 * convnet.c once per precision with
 *   REAL       float or double
 *   FN(name)   name with the precision's suffix
 *   GEMM       the matching CBLAS routine
 * Shapes follow convnet.h: B batch, P1 = H W, P2 = P1 / 4, F flattened,
 * every matrix row-major. */

/* The kx range [*k0, *k1) of a 5-wide window at column x that lies inside
 * 0..W-1 (SAME padding 2). */
static inline void FN(kx_range)(int x, int W, int *k0, int *k1)
{
	*k0 = x < 2 ? 2 - x : 0;
	*k1 = x + 2 >= W ? W + 2 - x : 5;
}

/* col (B P1, 25 C) from in (B, H, W, C), SAME padding 2, images [b0, b1):
 * per window row ky one contiguous copy of the in-range columns. */
static void FN(im2col)(REAL *col, const REAL *in, int b0, int b1, int H, int W, int C)
{
	size_t row_len = (size_t)25 * C;
	for (int b = b0; b < b1; b++)
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++) {
				REAL *row = col + (((size_t)b * H + y) * W + x) * row_len;
				int k0, k1;
				FN(kx_range)(x, W, &k0, &k1);
				for (int ky = 0; ky < 5; ky++) {
					int iy = y + ky - 2;
					REAL *dst = row + (size_t)ky * 5 * C;
					if (iy < 0 || iy >= H) {
						memset(dst, 0, (size_t)5 * C * sizeof(REAL));
						continue;
					}
					for (size_t i = 0; i < (size_t)k0 * C; i++)
						dst[i] = 0;
					const REAL *src = in + (((size_t)b * H + iy) * W + x + k0 - 2) * C;
					size_t n = (size_t)(k1 - k0) * C;
					for (size_t i = 0; i < n; i++)
						dst[(size_t)k0 * C + i] = src[i];
					for (size_t i = (size_t)k1 * C; i < (size_t)5 * C; i++)
						dst[i] = 0;
				}
			}
}

/* din (B, H, W, C) = the adjoint of im2col applied to dcol (B P1, 25 C),
 * images [b0, b1); each image's sums run in a fixed order. */
static void FN(col2im)(REAL *din, const REAL *dcol, int b0, int b1, int H, int W, int C)
{
	size_t row_len = (size_t)25 * C, image = (size_t)H * W * C;
	memset(din + (size_t)b0 * image, 0, (size_t)(b1 - b0) * image * sizeof(REAL));
	for (int b = b0; b < b1; b++)
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++) {
				const REAL *row = dcol + (((size_t)b * H + y) * W + x) * row_len;
				int k0, k1;
				FN(kx_range)(x, W, &k0, &k1);
				for (int ky = 0; ky < 5; ky++) {
					int iy = y + ky - 2;
					if (iy < 0 || iy >= H)
						continue;
					const REAL *src = row + (size_t)(ky * 5 + k0) * C;
					REAL *dst = din + (((size_t)b * H + iy) * W + x + k0 - 2) * C;
					size_t n = (size_t)(k1 - k0) * C;
					for (size_t i = 0; i < n; i++)
						dst[i] += src[i];
				}
			}
}

/* z (rows, C) += bias, then ReLU in place. */
static void FN(bias_relu)(REAL *z, const REAL *bias, size_t rows, int C)
{
	for (size_t r = 0; r < rows; r++) {
		REAL *zr = z + r * C;
		for (int c = 0; c < C; c++) {
			REAL v = zr[c] + bias[c];
			zr[c] = v > 0 ? v : 0;
		}
	}
}

/* out (B, H/2, W/2, C) = 2x2/2 max pool of in (B, H, W, C), images [b0,
 * b1); arg[o] = the flat index in `in` of the first maximum (scan order dy,
 * then dx). */
static void FN(maxpool)(REAL *out, int *arg, const REAL *in, int b0, int b1, int H, int W,
			int C)
{
	int Ho = H / 2, Wo = W / 2;
	for (int b = b0; b < b1; b++)
		for (int oy = 0; oy < Ho; oy++)
			for (int ox = 0; ox < Wo; ox++) {
				size_t o = (((size_t)b * Ho + oy) * Wo + ox) * C;
				size_t i00 = (((size_t)b * H + 2 * oy) * W + 2 * ox) * C;
				size_t cand[4] = {i00, i00 + C, i00 + (size_t)W * C,
						  i00 + (size_t)W * C + C};
				for (int c = 0; c < C; c++) {
					size_t best = cand[0] + c;
					for (int q = 1; q < 4; q++)
						if (in[cand[q] + c] > in[best])
							best = cand[q] + c;
					out[o + c] = in[best];
					arg[o + c] = (int)best;
				}
			}
}

/* Images [b0, b1) of din (B, n_in per image) = 0 except din[arg[o]] =
 * dout[o] for their pooled outputs (n_out per image), then masked by ReLU:
 * din = 0 where the activation a is 0. */
static void FN(unpool_relu)(REAL *din, const REAL *dout, const int *arg, const REAL *a,
			    int b0, int b1, size_t n_out, size_t n_in)
{
	memset(din + b0 * n_in, 0, (size_t)(b1 - b0) * n_in * sizeof(REAL));
	for (size_t o = b0 * n_out; o < b1 * n_out; o++)
		din[arg[o]] += dout[o];
	for (size_t i = b0 * n_in; i < b1 * n_in; i++)
		if (!(a[i] > 0))
			din[i] = 0;
}

/* db[c0..c1) = column sums of dz (rows, C), accumulated in double in row
 * order (acc: C doubles). */
static void FN(col_sums)(REAL *db, const REAL *dz, size_t rows, int C, int c0, int c1,
			 double *acc)
{
	for (int c = c0; c < c1; c++)
		acc[c] = 0;
	for (size_t r = 0; r < rows; r++)
		for (int c = c0; c < c1; c++)
			acc[c] += dz[r * C + c];
	for (int c = c0; c < c1; c++)
		db[c] = (REAL)acc[c];
}

/* Views of the work buffer for a batch of at most Bm. */
struct FN(views) {
	REAL *x, *col1, *a1, *p1, *col2, *a2, *p2, *h1a, *h1, *d1, *h2a, *logits;
	REAL *dlog, *dh2a, *dd1, *dh1a, *dp2, *da2, *dp1, *da1, *G, *M, *P;
};

static size_t FN(carve)(struct FN(views) *v, REAL *base, const struct convnet *net)
{
	const struct convnet_shape *s = &net->spec.shape;
	size_t Bm = (size_t)net->spec.max_batch, P1 = (size_t)s->H * s->W, P2 = P1 / 4;
	size_t D = (size_t)s->D, K = (size_t)s->K, F = (size_t)net->F;
	size_t sizes[] = {Bm * P1 * s->C0, Bm * P1 * 25 * s->C0, Bm * P1 * s->C1,
			  Bm * P2 * s->C1, Bm * P2 * 25 * s->C1, Bm * P2 * s->C2, Bm * F,
			  Bm * D, Bm * D, Bm * D, Bm * K, Bm * K,
			  Bm * K, Bm * K, Bm * D, Bm * D, Bm * F, Bm * P2 * s->C2,
			  Bm * P2 * s->C1, Bm * P1 * s->C1, D * D, D * D, D * K};
	REAL **dst[] = {&v->x, &v->col1, &v->a1, &v->p1, &v->col2, &v->a2, &v->p2,
			&v->h1a, &v->h1, &v->d1, &v->h2a, &v->logits,
			&v->dlog, &v->dh2a, &v->dd1, &v->dh1a, &v->dp2, &v->da2,
			&v->dp1, &v->da1, &v->G, &v->M, &v->P};
	size_t total = 0;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (base)
			*dst[i] = base + total;
		total += sizes[i];
	}
	return total;
}

/* The loops between the GEMMs, split over the pool: by images (every
 * output element written by one task) or, for bias sums, by channels (each
 * sum in row order), so the bytes do not depend on the thread count. */
struct FN(job) {
	struct convnet *net;
	struct FN(views) *v;
	int B, op, n_tasks;
	REAL *db;      /* OP_SUMS: db (C) = column sums of dz (rows, C) */
	const REAL *dz;
	size_t rows;
	int C;
};

static void FN(task)(void *arg, int task)
{
	struct FN(job) *j = arg;
	struct FN(views) *v = j->v;
	const struct convnet *net = j->net;
	const struct convnet_shape *s = &net->spec.shape;
	const REAL *w = net->params;
	int H = s->H, W = s->W;
	size_t P1 = (size_t)H * W, P2 = P1 / 4;
	int b0 = (int)((long)task * j->B / j->n_tasks);
	int b1 = (int)((long)(task + 1) * j->B / j->n_tasks);
	switch (j->op) {
	case OP_IM2COL1:
		FN(im2col)(v->col1, v->x, b0, b1, H, W, s->C0);
		break;
	case OP_POOL1:
		FN(bias_relu)(v->a1 + b0 * P1 * s->C1, w + net->off[CN_CONV1_B],
			      (size_t)(b1 - b0) * P1, s->C1);
		FN(maxpool)(v->p1, net->arg1, v->a1, b0, b1, H, W, s->C1);
		FN(im2col)(v->col2, v->p1, b0, b1, H / 2, W / 2, s->C1);
		break;
	case OP_POOL2:
		FN(bias_relu)(v->a2 + b0 * P2 * s->C2, w + net->off[CN_CONV2_B],
			      (size_t)(b1 - b0) * P2, s->C2);
		FN(maxpool)(v->p2, net->arg2, v->a2, b0, b1, H / 2, W / 2, s->C2);
		break;
	case OP_BACK2:
		FN(unpool_relu)(v->da2, v->dp2, net->arg2, v->a2, b0, b1, (size_t)net->F,
				P2 * s->C2);
		break;
	case OP_BACK1:
		FN(col2im)(v->dp1, v->col2, b0, b1, H / 2, W / 2, s->C1);
		FN(unpool_relu)(v->da1, v->dp1, net->arg1, v->a1, b0, b1, P2 * s->C1,
				P1 * s->C1);
		break;
	case OP_SUMS:
		FN(col_sums)(j->db, j->dz, j->rows, j->C, (int)((long)task * j->C / j->n_tasks),
			     (int)((long)(task + 1) * j->C / j->n_tasks), net->sums);
		break;
	}
}

static void FN(run)(struct convnet *net, struct FN(views) *v, int B, int op)
{
	struct FN(job) j = {net, v, B, op, par_threads(net->pool), NULL, NULL, 0, 0};
	par_for(net->pool, j.n_tasks, FN(task), &j);
}

static void FN(sums)(struct convnet *net, REAL *db, const REAL *dz, size_t rows, int C)
{
	int n = par_threads(net->pool);
	struct FN(job) j = {net, NULL, 0, OP_SUMS, n < C ? n : C, db, dz, rows, C};
	par_for(net->pool, j.n_tasks, FN(task), &j);
}

/* C (M, N) = alpha op(A) op(B) + beta C, row-major, as min(M, 8) GEMMs
 * on row blocks of C run over the pool, BLAS itself single-threaded: the
 * calls (and so the bytes) are the same for any thread count. */
struct FN(mm_job) {
	int ta, tb, M, N, K, n_blocks;
	REAL alpha, beta;
	const REAL *A, *B;
	REAL *C;
};

static void FN(mm_task)(void *arg, int task)
{
	const struct FN(mm_job) *j = arg;
	int r0 = (int)((long)task * j->M / j->n_blocks);
	int r1 = (int)((long)(task + 1) * j->M / j->n_blocks);
	if (r1 <= r0)
		return;
	/* Rows r0.. of op(A): A + r0 K when A is (M, K), A + r0 when (K, M). */
	const REAL *A = j->A + (j->ta ? (size_t)r0 : (size_t)r0 * j->K);
	GEMM(CblasRowMajor, j->ta ? CblasTrans : CblasNoTrans, j->tb ? CblasTrans : CblasNoTrans,
	     r1 - r0, j->N, j->K, j->alpha, A, j->ta ? j->M : j->K, j->B, j->tb ? j->K : j->N,
	     j->beta, j->C + (size_t)r0 * j->N, j->N);
}

static void FN(mm)(struct convnet *net, int ta, int tb, int M, int N, int K, double alpha,
		   const REAL *A, const REAL *Bm, double beta, REAL *C)
{
	struct FN(mm_job) j = {ta, tb, M, N, K, M < CONVNET_GEMM_BLOCKS ? M : CONVNET_GEMM_BLOCKS,
			       (REAL)alpha, (REAL)beta, A, Bm, C};
	par_for(net->pool, j.n_blocks, FN(mm_task), &j);
}

/* S (n, n) = X^T X for X (m, n) (trans) or X X^T for X (n, m): row block
 * [r0, r1) of S is one GEMM against columns r0.. only (the upper part,
 * diagonal blocks whole), min(n, 8) blocks over the pool; the lower
 * triangle is then mirrored from the upper. */
struct FN(gram_job) {
	int trans, n, m, n_blocks;
	const REAL *X;
	REAL *S;
};

static void FN(gram_task)(void *arg, int task)
{
	const struct FN(gram_job) *j = arg;
	int n = j->n, m = j->m;
	int r0 = (int)((long)task * n / j->n_blocks), r1 = (int)((long)(task + 1) * n / j->n_blocks);
	if (r1 <= r0)
		return;
	const REAL *X = j->trans ? j->X + r0 : j->X + (size_t)r0 * m;
	GEMM(CblasRowMajor, j->trans ? CblasTrans : CblasNoTrans,
	     j->trans ? CblasNoTrans : CblasTrans, r1 - r0, n - r0, m, 1, X, j->trans ? n : m, X,
	     j->trans ? n : m, 0, j->S + (size_t)r0 * n + r0, n);
}

static void FN(gram)(struct convnet *net, int trans, int n, int m, const REAL *X, REAL *S)
{
	struct FN(gram_job) g = {trans, n, m, n < CONVNET_GEMM_BLOCKS ? n : CONVNET_GEMM_BLOCKS, X, S};
	par_for(net->pool, g.n_blocks, FN(gram_task), &g);
	for (int i = 0; i < n; i++)
		for (int k = 0; k < i; k++)
			S[(size_t)i * n + k] = S[(size_t)k * n + i];
}

static void FN(init)(struct convnet *net, struct rng *r)
{
	REAL *w = net->params;
	for (int t = 0; t < CN_N_TENSORS; t++) {
		REAL *p = w + net->off[t];
		int is_bias = t == CN_CONV1_B || t == CN_CONV2_B || t == CN_BIAS1 || t == CN_BIAS2;
		for (size_t i = 0; i < net->len[t]; i++) {
			if (is_bias) {
				p[i] = t == CN_CONV1_B ? 0 : (REAL)0.1;
				continue;
			}
			double z;
			do
				z = rng_normal(r);
			while (fabs(z) > 2.0);
			p[i] = (REAL)(z * net->spec.init_std);
		}
	}
}

static void FN(load_batch)(struct convnet *net, const unsigned char *pixels, int B)
{
	struct FN(views) v;
	FN(carve)(&v, net->work, net);
	const struct convnet_shape *s = &net->spec.shape;
	size_t n = (size_t)B * s->H * s->W * s->C0;
	for (size_t i = 0; i < n; i++)
		v.x[i] = (REAL)(((double)pixels[i] - 127.5) / 255.0);
}

/* Forward to the logits of the loaded batch. train: apply dropout with
 * net->mask (B, D). */
static void FN(forward)(struct convnet *net, struct FN(views) *v, int B, int train)
{
	const struct convnet_shape *s = &net->spec.shape;
	const REAL *w = net->params;
	int H = s->H, W = s->W, D = s->D, K = s->K, F = net->F;
	int P1 = H * W, P2 = P1 / 4;
	FN(run)(net, v, B, OP_IM2COL1);
	FN(mm)(net, 0, 0, B * P1, s->C1, 25 * s->C0, 1, v->col1, w + net->off[CN_CONV1_W], 0, v->a1);
	FN(run)(net, v, B, OP_POOL1); /* bias, ReLU, pool, im2col for conv 2 */
	FN(mm)(net, 0, 0, B * P2, s->C2, 25 * s->C1, 1, v->col2, w + net->off[CN_CONV2_W], 0, v->a2);
	FN(run)(net, v, B, OP_POOL2);
	if (net->spec.overparam) {
		FN(mm)(net, 0, 0, B, D, F, 1, v->p2, w + net->off[CN_DENSE1_A], 0, v->h1a);
		FN(mm)(net, 0, 0, B, D, D, 1, v->h1a, w + net->off[CN_DENSE1_B], 0, v->h1);
	} else {
		FN(mm)(net, 0, 0, B, D, F, 1, v->p2, w + net->off[CN_DENSE1_A], 0, v->h1);
	}
	FN(bias_relu)(v->h1, w + net->off[CN_BIAS1], (size_t)B, D);
	if (train) {
		REAL scale = (REAL)(1.0 / net->spec.keep_prob);
		for (size_t i = 0; i < (size_t)B * D; i++)
			v->d1[i] = net->mask[i] ? v->h1[i] * scale : 0;
	} else {
		memcpy(v->d1, v->h1, (size_t)B * D * sizeof(REAL));
	}
	if (net->spec.overparam) {
		FN(mm)(net, 0, 0, B, K, D, 1, v->d1, w + net->off[CN_DENSE2_A], 0, v->h2a);
		FN(mm)(net, 0, 0, B, K, K, 1, v->h2a, w + net->off[CN_DENSE2_B], 0, v->logits);
	} else {
		FN(mm)(net, 0, 0, B, K, D, 1, v->d1, w + net->off[CN_DENSE2_A], 0, v->logits);
	}
	const REAL *b2 = w + net->off[CN_BIAS2];
	for (int b = 0; b < B; b++)
		for (int k = 0; k < K; k++)
			v->logits[(size_t)b * K + k] += b2[k];
}

/* Index of the first largest of x (n). */
static int FN(argmax)(const REAL *x, int n)
{
	int best = 0;
	for (int i = 1; i < n; i++)
		if (x[i] > x[best])
			best = i;
	return best;
}

/* 0.5 ||x||^2 of n entries, in double; with g: g += l2 x. */
static double FN(half_sq)(const REAL *x, size_t n, REAL *g, double l2)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		s += (double)x[i] * x[i];
		if (g)
			g[i] += (REAL)(l2 * x[i]);
	}
	return 0.5 * s;
}

/* The penalty (without the l2 factor) of the dense layers; adds l2 times
 * its gradient to net->grads. */
static double FN(penalty)(struct convnet *net, struct FN(views) *v)
{
	enum convnet_l2 on = net->spec.l2_on;
	if (on == CONVNET_L2_NONE)
		return 0;
	const REAL *w = net->params;
	REAL *g = net->grads;
	double l2 = net->spec.l2, pen = 0;
	int D = net->spec.shape.D, K = net->spec.shape.K, F = net->F;
	pen += FN(half_sq)(w + net->off[CN_BIAS1], net->len[CN_BIAS1], g + net->off[CN_BIAS1], l2);
	pen += FN(half_sq)(w + net->off[CN_BIAS2], net->len[CN_BIAS2], g + net->off[CN_BIAS2], l2);
	if (!net->spec.overparam || on == CONVNET_L2_FACTORS) {
		static const enum convnet_tensor ws[] = {CN_DENSE1_A, CN_DENSE1_B, CN_DENSE2_A,
							 CN_DENSE2_B};
		for (int i = 0; i < 4; i++)
			pen += FN(half_sq)(w + net->off[ws[i]], net->len[ws[i]], g + net->off[ws[i]], l2);
		return pen;
	}
	/* Layer 1: G = W1a^T W1a and M = W1b W1b^T (symmetric),
	 * ||W1a W1b||^2 = <G, M>; d/dW1a = W1a M, d/dW1b = G W1b. */
	const REAL *A = w + net->off[CN_DENSE1_A], *Bw = w + net->off[CN_DENSE1_B];
	FN(gram)(net, 1, D, F, A, v->G);
	FN(gram)(net, 0, D, D, Bw, v->M);
	double s = 0;
	for (int i = 0; i < D; i++) {
		s += (double)v->G[(size_t)i * D + i] * v->M[(size_t)i * D + i];
		for (int j = i + 1; j < D; j++)
			s += 2.0 * v->G[(size_t)i * D + j] * v->M[(size_t)i * D + j];
	}
	pen += 0.5 * s;
	FN(mm)(net, 0, 0, F, D, D, l2, A, v->M, 1, g + net->off[CN_DENSE1_A]);
	FN(mm)(net, 0, 0, D, D, D, l2, v->G, Bw, 1, g + net->off[CN_DENSE1_B]);
	/* Layer 2: P = W2a W2b (D, K), small enough to form. */
	const REAL *A2 = w + net->off[CN_DENSE2_A], *B2 = w + net->off[CN_DENSE2_B];
	FN(mm)(net, 0, 0, D, K, K, 1, A2, B2, 0, v->P);
	pen += FN(half_sq)(v->P, (size_t)D * K, NULL, 0);
	FN(mm)(net, 0, 1, D, K, K, l2, v->P, B2, 1, g + net->off[CN_DENSE2_A]);
	FN(mm)(net, 1, 0, K, K, D, l2, A2, v->P, 1, g + net->off[CN_DENSE2_B]);
	return pen;
}

/* Backward of a dense layer y = (x W_a) W_b + bias (x W_a + bias when not
 * overparameterized): x (B, n), W_a (n, m), W_b (m, m), xa = x W_a from
 * the forward, dy (B, m). Writes the gradients of W_a, W_b and bias into
 * net->grads and dx (B, n); tmp (B, m) holds dy W_b^T. */
static void FN(dense_back)(struct convnet *net, int B, int n, int m, const REAL *x,
			   const REAL *xa, const REAL *dy, enum convnet_tensor ta,
			   enum convnet_tensor tb, enum convnet_tensor tbias, REAL *tmp, REAL *dx)
{
	const REAL *w = net->params;
	REAL *g = net->grads;
	FN(sums)(net, g + net->off[tbias], dy, (size_t)B, m);
	const REAL *dxa = dy;
	if (net->spec.overparam) {
		FN(mm)(net, 1, 0, m, m, B, 1, xa, dy, 0, g + net->off[tb]);
		FN(mm)(net, 0, 1, B, m, m, 1, dy, w + net->off[tb], 0, tmp);
		dxa = tmp;
	}
	FN(mm)(net, 1, 0, n, m, B, 1, x, dxa, 0, g + net->off[ta]);
	FN(mm)(net, 0, 1, B, n, m, 1, dxa, w + net->off[ta], 0, dx);
}

static void FN(grad)(struct convnet *net, const unsigned char *labels, int B,
		     struct convnet_stats *st)
{
	struct FN(views) v;
	FN(carve)(&v, net->work, net);
	const struct convnet_shape *s = &net->spec.shape;
	const REAL *w = net->params;
	REAL *g = net->grads;
	int H = s->H, W = s->W, D = s->D, K = s->K, F = net->F;
	int P1 = H * W, P2 = P1 / 4;
	FN(forward)(net, &v, B, 1);

	/* Softmax cross-entropy, mean over the batch; dlog = (softmax - onehot) / B. */
	double ce = 0;
	long wrong = 0;
	for (int b = 0; b < B; b++) {
		const REAL *l = v.logits + (size_t)b * K;
		REAL *d = v.dlog + (size_t)b * K;
		int y = labels[b], top = FN(argmax)(l, K);
		double m = l[top], sum = 0;
		for (int k = 0; k < K; k++)
			sum += exp((double)l[k] - m);
		ce += log(sum) - ((double)l[y] - m);
		for (int k = 0; k < K; k++)
			d[k] = (REAL)((exp((double)l[k] - m) / sum - (k == y)) / B);
		wrong += top != y;
	}
	memset(g, 0, net->n_params * sizeof(REAL));

	/* Dense 2, then dropout and ReLU of dense 1, then dense 1. */
	FN(dense_back)(net, B, D, K, v.d1, v.h2a, v.dlog, CN_DENSE2_A, CN_DENSE2_B, CN_BIAS2,
		       v.dh2a, v.dd1);
	REAL scale = (REAL)(1.0 / net->spec.keep_prob);
	for (size_t i = 0; i < (size_t)B * D; i++)
		v.dd1[i] = net->mask[i] && v.h1[i] > 0 ? v.dd1[i] * scale : 0;
	FN(dense_back)(net, B, F, D, v.p2, v.h1a, v.dd1, CN_DENSE1_A, CN_DENSE1_B, CN_BIAS1,
		       v.dh1a, v.dp2);
	/* Pool 2, ReLU, conv 2 (dW before dcol overwrites col2). */
	FN(run)(net, &v, B, OP_BACK2);
	FN(sums)(net, g + net->off[CN_CONV2_B], v.da2, (size_t)B * P2, s->C2);
	FN(mm)(net, 1, 0, 25 * s->C1, s->C2, B * P2, 1, v.col2, v.da2, 0, g + net->off[CN_CONV2_W]);
	FN(mm)(net, 0, 1, B * P2, 25 * s->C1, s->C2, 1, v.da2, w + net->off[CN_CONV2_W], 0, v.col2);
	/* col2im, pool 1, ReLU, conv 1. */
	FN(run)(net, &v, B, OP_BACK1);
	FN(sums)(net, g + net->off[CN_CONV1_B], v.da1, (size_t)B * P1, s->C1);
	FN(mm)(net, 1, 0, 25 * s->C0, s->C1, B * P1, 1, v.col1, v.da1, 0, g + net->off[CN_CONV1_W]);

	double pen = FN(penalty)(net, &v);
	st->ce = ce / B;
	st->l2 = net->spec.l2 * pen;
	st->loss = st->ce + st->l2;
	st->error = (double)wrong / B;
}

static void FN(step)(struct convnet *net, double lr, double momentum)
{
	REAL *w = net->params, *g = net->grads, *a = net->accum;
	REAL mu = (REAL)momentum, eta = (REAL)lr;
	for (size_t i = 0; i < net->n_params; i++) {
		a[i] = mu * a[i] + g[i];
		w[i] -= eta * a[i];
	}
}

static long FN(errors)(struct convnet *net, const unsigned char *pixels,
		       const unsigned char *labels, int n)
{
	struct FN(views) v;
	FN(carve)(&v, net->work, net);
	const struct convnet_shape *s = &net->spec.shape;
	size_t image = (size_t)s->H * s->W * s->C0;
	long wrong = 0;
	for (int i = 0; i < n; i += net->spec.max_batch) {
		int B = n - i < net->spec.max_batch ? n - i : net->spec.max_batch;
		FN(load_batch)(net, pixels + (size_t)i * image, B);
		FN(forward)(net, &v, B, 0);
		for (int b = 0; b < B; b++)
			wrong += FN(argmax)(v.logits + (size_t)b * s->K, s->K) != labels[i + b];
	}
	return wrong;
}
