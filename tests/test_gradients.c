/* Per-layer gradients of a deep linear network (the chain rule from the
 * end-to-end gradient, linnet_grad) against central finite differences of
 * an independent loss: a naive forward pass through every layer, in loops.
 * Tolerance: central differences with h = 1e-6 have error O(h^2 * f''') +
 * O(eps L / h) (rounding of the two loss values: ~2.2e-10 L); we allow
 * 1e-6 relative + 1e-9 max(1, L) absolute. */
#include "check.h"
#include "overparam/dataset.h"
#include "overparam/linnet.h"
#include "overparam/loss.h"
#include "overparam/model.h"
#include "overparam/optim.h"
#include "overparam/parallel.h"
#include "overparam/rng.h"

/* L = (1/m) sum_i (1/p) sum_r |(W_N ... W_1 x_i - y_i)_r|^p, layer by layer;
 * p = 0 stands for softmax cross-entropy, -sum_r y_r log softmax(z)_r. */
static double naive_loss(const struct linnet *net, const struct dataset *ds, double p)
{
	double total = 0;
	double a[512], b[512];
	for (int i = 0; i < ds->m; i++) {
		for (int c = 0; c < ds->d; c++)
			a[c] = ds->X[i * ds->d + c];
		for (int j = 1; j <= net->N; j++) {
			const double *W = linnet_layer(net, j);
			int rows = net->n[j], cols = net->n[j - 1];
			for (int r = 0; r < rows; r++) {
				double s = 0;
				for (int c = 0; c < cols; c++)
					s += W[r * cols + c] * a[c];
				b[r] = s;
			}
			memcpy(a, b, rows * sizeof(double));
		}
		if (p == 0) {
			double z = 0;
			for (int r = 0; r < ds->k; r++)
				z += exp(a[r]);
			for (int r = 0; r < ds->k; r++)
				total -= ds->Y[i * ds->k + r] * log(exp(a[r]) / z);
			continue;
		}
		for (int r = 0; r < ds->k; r++)
			total += pow(fabs(a[r] - ds->Y[i * ds->k + r]), p) / p;
	}
	return total / ds->m;
}

static void one_case(int N, const int *hidden, int k, double p, unsigned seed)
{
	struct dataset ds;
	dataset_synthetic(&ds, 23, 7, k, 0.3, seed);
	if (p == 0) /* one-hot labels: the class of the largest synthetic label */
		for (int i = 0; i < ds.m; i++) {
			int best = 0;
			for (int r = 1; r < k; r++)
				if (ds.Y[i * k + r] > ds.Y[i * k + best])
					best = r;
			for (int r = 0; r < k; r++)
				ds.Y[i * k + r] = r == best;
		}
	struct linnet net;
	linnet_create(&net, N, ds.d, k, hidden);
	struct rng g;
	rng_seed(&g, seed + 100);
	linnet_init(&net, LINNET_INIT_NORMAL, 0.6, &g);
	double *We = malloc(k * ds.d * sizeof(double));
	double *G = malloc(k * ds.d * sizeof(double));
	double *scratch = malloc(ds.m * k * sizeof(double));
	double *grad = malloc(net.n_params * sizeof(double));
	double *fd = malloc(net.n_params * sizeof(double));
	struct loss loss;
	loss_init(&loss, p == 0 ? LOSS_SOFTMAX_CE : LOSS_LP, p, LOSS_FORM_DATA);
	loss_prepare(&loss, &ds, NULL);
	linnet_end_to_end(&net, We);
	double L = loss_eval(&loss, &ds, We, G, scratch);
	double L_naive = naive_loss(&net, &ds, p);
	char label[128];
	snprintf(label, sizeof(label), "loss N=%d k=%d p=%g vs naive forward (p=0: softmax)", N, k, p);
	check_close(label, &L, &L_naive, 1, 0, 1e-12);
	linnet_grad(&net, G, grad);
	const double h = 1e-6;
	for (size_t i = 0; i < net.n_params; i++) {
		double keep = net.params[i];
		net.params[i] = keep + h;
		double up = naive_loss(&net, &ds, p);
		net.params[i] = keep - h;
		double down = naive_loss(&net, &ds, p);
		net.params[i] = keep;
		fd[i] = (up - down) / (2 * h);
	}
	snprintf(label, sizeof(label), "grad N=%d k=%d p=%g vs central differences", N, k, p);
	check_close(label, grad, fd, (int)net.n_params, 1e-9 * fmax(1.0, fabs(L)), 1e-6);
	free(We);
	free(G);
	free(scratch);
	free(grad);
	free(fd);
	linnet_release(&net);
	loss_release(&loss);
	dataset_release(&ds);
}

/* The l2 Gram form against the data passes (and so against the finite
 * differences above): same loss and gradient to 1e-12 relative. */
static void gram_case(int k)
{
	struct dataset ds;
	dataset_synthetic(&ds, 57, 9, k, 0.5, 40 + k);
	double W[27], Gd[27], Gg[27], scratch[57 * 3];
	struct rng g;
	rng_seed(&g, 9);
	for (int i = 0; i < k * 9; i++)
		W[i] = rng_normal(&g);
	struct loss data, gram, bad;
	loss_init(&data, LOSS_LP, 2, LOSS_FORM_DATA);
	loss_init(&gram, LOSS_LP, 2, LOSS_FORM_AUTO);
	loss_init(&bad, LOSS_LP, 4, LOSS_FORM_GRAM);
	check_true("prepare data form", loss_prepare(&data, &ds, NULL) == 0 && !data.gram);
	check_true("prepare gram form", loss_prepare(&gram, &ds, NULL) == 0 && gram.gram);
	double Ld = loss_eval(&data, &ds, W, Gd, scratch);
	double Lg = loss_eval(&gram, &ds, W, Gg, scratch);
	char label[64];
	snprintf(label, sizeof(label), "gram vs data loss, k=%d", k);
	check_close(label, &Lg, &Ld, 1, 0, 1e-12);
	snprintf(label, sizeof(label), "gram vs data gradient, k=%d", k);
	check_close(label, Gg, Gd, k * 9, 1e-13, 1e-12);
	check_true("gram form refuses p = 4", loss_prepare(&bad, &ds, NULL) != 0);
	loss_release(&gram);
	loss_release(&data);
	dataset_release(&ds);
}

/* The chunked data pass on 1, 2 and 3 threads: the same bits (the chunks'
 * sums are reduced in chunk order, whoever computed them). */
static void threads_case(int m, int k, double p)
{
	struct dataset ds;
	dataset_synthetic(&ds, m, 37, k, 0.5, 70 + m);
	double *W = malloc(k * 37 * sizeof(double)), *scratch = malloc(m * k * sizeof(double));
	double *G1 = malloc(k * 37 * sizeof(double)), *Gt = malloc(k * 37 * sizeof(double));
	struct rng g;
	rng_seed(&g, 3);
	for (int i = 0; i < k * 37; i++)
		W[i] = rng_normal(&g);
	struct loss one;
	loss_init(&one, LOSS_LP, p, LOSS_FORM_DATA);
	loss_prepare(&one, &ds, NULL);
	double L1 = loss_eval(&one, &ds, W, G1, scratch);
	for (int threads = 2; threads <= 3; threads++) {
		struct par_pool *pool;
		par_create(&pool, threads);
		struct loss many;
		loss_init(&many, LOSS_LP, p, LOSS_FORM_DATA);
		loss_prepare(&many, &ds, pool);
		for (int rep = 0; rep < 50; rep++) {
			double Lt = loss_eval(&many, &ds, W, Gt, scratch);
			char label[96];
			snprintf(label, sizeof(label), "%d threads = 1 thread, m=%d k=%d (bitwise)",
				 threads, m, k);
			if (!check_true(label, Lt == L1 && memcmp(G1, Gt, k * 37 * sizeof(double)) == 0))
				break;
		}
		loss_release(&many);
		par_free(pool);
	}
	loss_release(&one);
	free(W);
	free(scratch);
	free(G1);
	free(Gt);
	dataset_release(&ds);
}

/* A one-output deep net's end-to-end product and layer gradients with a
 * pool of two (the layer gradients split across its threads: layers of
 * 520 x 128 and 130 x 520 entries, past PAR_SPLIT_DOUBLES) are the bits
 * of one thread. */
static void layer_split_case(void)
{
	static const int hidden[] = {520, 130};
	check_true("the test's layers are split across the pool",
		   520 * 128 >= PAR_SPLIT_DOUBLES && 130 * 520 >= PAR_SPLIT_DOUBLES);
	struct linnet one, many;
	linnet_create(&one, 3, 128, 1, hidden);
	linnet_create(&many, 3, 128, 1, hidden);
	struct rng g;
	rng_seed(&g, 9);
	linnet_init(&one, LINNET_INIT_NORMAL, 0.1, &g);
	memcpy(many.params, one.params, one.n_params * sizeof(double));
	double We[128], G[128];
	for (int i = 0; i < 128; i++)
		G[i] = rng_normal(&g);
	double *g1 = malloc(one.n_params * sizeof(double)), *g2 = malloc(one.n_params * sizeof(double));
	struct par_pool *pool;
	par_create(&pool, 2);
	par_fix_near(pool, 1); /* split on any machine */
	many.pool = pool;
	double We2[128];
	linnet_end_to_end(&one, We);
	linnet_grad(&one, G, g1);
	linnet_end_to_end(&many, We2);
	linnet_grad(&many, G, g2);
	check_true("end-to-end product with a pool of 2 = one thread (bitwise)",
		   memcmp(We, We2, sizeof(We)) == 0);
	check_true("layer gradients split over 2 threads = one thread (bitwise)",
		   memcmp(g1, g2, one.n_params * sizeof(double)) == 0);
	par_free(pool);
	free(g1);
	free(g2);
	linnet_release(&one);
	linnet_release(&many);
}

/* model_step's fused path (each layer row's gradient made and applied in
 * pieces, never stored) against the stored gradient and optim_step: the
 * parameters and the optimizer state bit for bit after three steps, for
 * every elementwise optimizer, with and without weight decay, on one and
 * two threads; widths 128-100-100-1, 128-520-520-1 (layers split across
 * the threads) and 700-9-1 (rows longer than a piece). */
static void fused_step_case(int d, int depth, int width, int threads)
{
	int hidden[2] = {width, width};
	struct run_spec r = {.model = MODEL_DEEP, .depth = depth, .hidden = hidden,
			     .init = LINNET_INIT_NORMAL, .init_std = 0.1, .seed = 5};
	struct par_pool *pool = NULL;
	if (threads > 1) {
		par_create(&pool, threads);
		par_fix_near(pool, 1); /* the layers of 128 x 520 and up split on any machine */
	}
	for (int kind = OPTIM_GD; kind <= OPTIM_GROUP_RMSPROP; kind++)
		for (int decay = 0; decay <= 1; decay++) {
			optim_spec_defaults(&r.optim, (enum optim_kind)kind);
			r.optim.lr = 1e-2;
			r.optim.weight_decay = decay ? 1e-3 : 0;
			struct model ref, fused;
			struct optim oref, ofused;
			model_create(&ref, &r, 1, d, 1);
			model_create(&fused, &r, 1, d, 1);
			optim_create(&oref, &r.optim, ref.n_params);
			optim_create(&ofused, &r.optim, fused.n_params);
			model_use_pool(&ref, pool);
			model_use_pool(&fused, pool);
			oref.pool = ofused.pool = pool;
			struct rng g;
			rng_seed(&g, 77);
			for (int t = 0; t < 3; t++) {
				model_end_to_end(&ref);
				model_end_to_end(&fused);
				for (int i = 0; i < d; i++)
					ref.G[i] = fused.G[i] = rng_normal(&g);
				model_grad_from_G(&ref);
				model_step(&ref, &oref);
				model_grad_for_step(&fused, &ofused);
				model_step(&fused, &ofused);
			}
			char label[160];
			snprintf(label, sizeof(label), "%s%s, d %d depth %d width %d, %d thread(s): fused step %s",
				 optim_kind_name(kind), decay ? " + decay" : "", d, depth, width, threads,
				 kind == OPTIM_GROUP_RMSPROP ? "not taken" : "taken");
			check_true(label, model_fuses_step(&fused, &ofused) == (kind != OPTIM_GROUP_RMSPROP));
			snprintf(label, sizeof(label), "%s%s, d %d depth %d width %d, %d thread(s): parameters and state = stored gradient + optim_step (bitwise)",
				 optim_kind_name(kind), decay ? " + decay" : "", d, depth, width, threads);
			size_t bytes = ref.n_params * sizeof(double);
			int slots = optim_state_slots(kind);
			check_true(label, memcmp(ref.params, fused.params, bytes) == 0 &&
						  (slots < 1 || memcmp(oref.a, ofused.a, bytes) == 0) &&
						  (slots < 2 || memcmp(oref.b, ofused.b, bytes) == 0) &&
						  oref.t == ofused.t);
			optim_release(&oref);
			optim_release(&ofused);
			model_release(&ref);
			model_release(&fused);
		}
	par_free(pool);
}

int main(void)
{
	for (int threads = 1; threads <= 2; threads++) {
		fused_step_case(128, 3, 100, threads);
		fused_step_case(128, 3, 520, threads);
		fused_step_case(700, 2, 9, threads);
	}
	layer_split_case();
	threads_case(1000, 1, 4);
	threads_case(129, 3, 2);
	threads_case(5, 1, 3);
	gram_case(1);
	gram_case(3);
	static const int w1[] = {1, 1, 1}, w5[] = {5, 3, 4}, w9[] = {9, 9, 9};
	for (int N = 1; N <= 3; N++) {
		one_case(N, w9, 2, 0, 51 + N);
		one_case(N, w5, 6, 0, 61 + N);
	}
	for (int pi = 0; pi < 3; pi++) {
		double p = pi == 0 ? 2 : pi == 1 ? 4 : 3.5;
		for (int N = 1; N <= 4; N++) {
			one_case(N, w1, 1, p, 1 + N);
			one_case(N, w5, 1, p, 11 + N);
			one_case(N, w9, 2, p, 21 + N);
			one_case(N, w5, 3, p, 31 + N);
		}
	}
	return check_done("test_gradients");
}
