/* bench_convnet: `overparam bench convnet`: milliseconds per training step
 * of the Figure 5 (right) convnet (batch 64, synthetic pixels), original
 * and overparameterized, float32 and float64, on 1 and 2 BLAS threads, with
 * the GFLOP/s reached beside what one plain GEMM of conv 2's shape (the
 * bulk of a step: (64 14 14) x 800 times 800 x 64) reaches in the same run. */
#include "overparam/bench.h"
#include "overparam/clock.h"
#include "overparam/convnet.h"
#include "overparam/error.h"
#include "overparam/kernels.h"
#include "overparam/rng.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

void openblas_set_num_threads(int n);

/* GFLOP/s of C (M, N) = A (M, K) B (K, N), best of a few repetitions. */
static double gemm_rate(int f32, int M, int N, int K)
{
	size_t es = f32 ? sizeof(float) : sizeof(double);
	void *A = calloc((size_t)M * K, es), *Bm = calloc((size_t)K * N, es),
	     *C = calloc((size_t)M * N, es);
	double best = 1e30;
	for (int rep = 0; A && Bm && C && rep < 10; rep++) {
		double t0 = clock_seconds();
		if (f32)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1, A, K, Bm,
				    N, 0, C, N);
		else
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1, A, K, Bm,
				    N, 0, C, N);
		double t = clock_seconds() - t0;
		best = t < best ? t : best;
	}
	free(A);
	free(Bm);
	free(C);
	return 2.0 * M * N * K / best / 1e9;
}

int bench_convnet(FILE *out, long steps)
{
	enum { B = 64 };
	unsigned char *pix = malloc((size_t)B * 784), labels[B];
	if (!pix)
		return err_set(ERR_RUNTIME, "out of memory");
	struct rng r;
	rng_seed(&r, 1);
	for (int i = 0; i < B * 784; i++)
		pix[i] = (unsigned char)(rng_u64(&r) & 255);
	for (int b = 0; b < B; b++)
		labels[b] = (unsigned char)(rng_u64(&r) % 10);
	fprintf(out, "overparam bench convnet: Figure 5 (right)'s network, batch %d, %ld timed steps per case (after 2 warm-up)\n",
		B, steps);
	/* the FMA peak of one core in float64 (the linear bench's probe, best
	 * of 5); float32 lanes are twice as many */
	double peak = 0;
	volatile double sink = 0;
	for (int rep = 0; rep < 5; rep++) {
		double t0 = clock_seconds();
		sink += kern_fma_probe(1000000);
		peak = fmax(peak, 192e6 / (clock_seconds() - t0) / 1e9);
	}
	(void)sink;
	fprintf(out, "FMA peak of one core: %.1f GFLOP/s in float64 (%.1f in float32); gemm/peak: the plain GEMM of conv 2's shape against it times the threads\n",
		peak, 2 * peak);
	fprintf(out, "%-9s %-8s %-8s %10s %10s %12s %10s %10s\n", "precision", "dense", "threads",
		"ms/step", "GFLOP/s", "gemm GFLOP/s", "of gemm", "gemm/peak");
	int rc = ERR_OK;
	for (int threads = 1; threads <= 2 && !rc; threads++) {
		for (int f32 = 1; f32 >= 0 && !rc; f32--) {
			/* The plain GEMM on BLAS's own threads (the net sets 1). */
			openblas_set_num_threads(threads);
			double roof = gemm_rate(f32, B * 196, 64, 800);
			for (int op = 0; op <= 1 && !rc; op++) {
				struct convnet_spec sp = {
					.shape = {28, 28, 1, 32, 64, 512, 10}, .overparam = op,
					.l2_on = CONVNET_L2_PRODUCT, .l2 = 5e-4, .init_std = 0.1,
					.keep_prob = 0.5, .max_batch = B,
					.precision = f32 ? CONVNET_F32 : CONVNET_F64, .seed = 1,
					.threads = threads};
				struct convnet net;
				if ((rc = convnet_create(&net, &sp)))
					break;
				struct convnet_stats st;
				double t0 = 0;
				for (long t = 0; t < steps + 2; t++) {
					if (t == 2)
						t0 = clock_seconds();
					convnet_load_batch(&net, pix, B);
					convnet_grad(&net, labels, B, NULL, &st);
					convnet_step(&net, 1e-4, 0.9);
				}
				double per = (clock_seconds() - t0) / (double)steps;
				double rate = convnet_step_flops(&net, B) / per / 1e9;
				fprintf(out, "%-9s %-8s %-8d %10.1f %10.1f %12.1f %9.0f%% %9.0f%%\n",
					f32 ? "float32" : "float64", op ? "product" : "single", threads,
					per * 1e3, rate, roof, 100 * rate / roof,
					100 * roof / (peak * (f32 ? 2 : 1) * threads));
				convnet_release(&net);
			}
		}
	}
	free(pix);
	return rc;
}
