/* kernels_body.h: the fixed-order kernels of kernels.h, written once over
 * the v8 lanes of kernels_lanes.h. Each src/kernels_<variant>.c defines
 * KV(name) (the variant's function name), KERN_DOT_ROWS (rows whose dot
 * products the batched pass keeps in registers at once: 2 where there are
 * 32 vector registers, else 1) and KERN_PANEL (v8 registers of output that
 * vecmat_acc holds), includes the lanes and then this file.
 * Blocking only changes which independent chains run side by side, never
 * the order within a chain. */

/* out_r = dot(A_r, x) for the four rows r < 4, four chains side by side
 * (named, so that they stay in registers). */
static void KV(dots4)(double *out, const double *A, int cols, const double *x)
{
	const double *a0 = A, *a1 = A + cols, *a2 = A + 2 * (size_t)cols,
		     *a3 = A + 3 * (size_t)cols;
	v8 s0 = v8_zero(), s1 = v8_zero(), s2 = v8_zero(), s3 = v8_zero();
	int c = 0;
	for (; c + 8 <= cols; c += 8) {
		v8 xv = v8_load(x + c);
		s0 = v8_fma(v8_load(a0 + c), xv, s0);
		s1 = v8_fma(v8_load(a1 + c), xv, s1);
		s2 = v8_fma(v8_load(a2 + c), xv, s2);
		s3 = v8_fma(v8_load(a3 + c), xv, s3);
	}
	if (c < cols) {
		int t = cols - c;
		v8 xv = v8_load_tail(x + c, t);
		s0 = v8_fma(v8_load_tail(a0 + c, t), xv, s0);
		s1 = v8_fma(v8_load_tail(a1 + c, t), xv, s1);
		s2 = v8_fma(v8_load_tail(a2 + c, t), xv, s2);
		s3 = v8_fma(v8_load_tail(a3 + c, t), xv, s3);
	}
	out[0] = v8_reduce(s0);
	out[1] = v8_reduce(s1);
	out[2] = v8_reduce(s2);
	out[3] = v8_reduce(s3);
}

static double KV(dot)(const double *a, const double *b, int n)
{
	v8 s = v8_zero();
	int c = 0;
	for (; c + 8 <= n; c += 8)
		s = v8_fma(v8_load(a + c), v8_load(b + c), s);
	if (c < n)
		s = v8_fma(v8_load_tail(a + c, n - c), v8_load_tail(b + c, n - c), s);
	return v8_reduce(s);
}

static void KV(matvec)(double *out, const double *A, int rows, int cols, const double *x)
{
	int r = 0;
	for (; r + 4 <= rows; r += 4)
		KV(dots4)(out + r, A + (size_t)r * cols, cols, x);
	for (; r < rows; r++)
		out[r] = KV(dot)(A + (size_t)r * cols, x, cols);
}

/* out (cols) += s_0 A_0 + s_1 A_1 + ..., one fma per row in row order for
 * every column. Columns in panels of 8 * KERN_PANEL held in registers
 * across all the rows, so out is read and written once per call. */
static void KV(vecmat_acc)(double *out, const double *s, const double *A, int rows,
			   int cols)
{
	int c = 0;
	for (; c + 8 * KERN_PANEL <= cols; c += 8 * KERN_PANEL) {
		v8 o[KERN_PANEL];
		for (int q = 0; q < KERN_PANEL; q++)
			o[q] = v8_load(out + c + 8 * q);
		for (int r = 0; r < rows; r++) {
			const double *a = A + (size_t)r * cols + c;
			v8 sv = v8_set1(s[r]);
			for (int q = 0; q < KERN_PANEL; q++)
				o[q] = v8_fma(sv, v8_load(a + 8 * q), o[q]);
		}
		for (int q = 0; q < KERN_PANEL; q++)
			v8_store(out + c + 8 * q, o[q]);
	}
	for (; c < cols; c += 8) {
		int t = cols - c < 8 ? cols - c : 8;
		v8 o = v8_load_tail(out + c, t);
		for (int r = 0; r < rows; r++)
			o = v8_fma(v8_set1(s[r]), v8_load_tail(A + (size_t)r * cols + c, t), o);
		v8_store_tail(out + c, o, t);
	}
}

/* yhat[r] lane q = dot(x_r, w_q) for rows r < nr <= KERN_DOT_ROWS and eight
 * models w_q (d): 8 * KERN_DOT_ROWS chains side by side. */
static void KV(dots8)(v8 *yhat, const double *X, int nr, int d, const double *const *w)
{
	v8 acc[KERN_DOT_ROWS][8];
	for (int r = 0; r < KERN_DOT_ROWS; r++)
		for (int q = 0; q < 8; q++)
			acc[r][q] = v8_zero();
	int c = 0;
	for (; c + 8 <= d; c += 8) {
		v8 xv[KERN_DOT_ROWS];
		for (int r = 0; r < KERN_DOT_ROWS; r++)
			xv[r] = v8_load(X + (size_t)(r < nr ? r : 0) * d + c);
		for (int q = 0; q < 8; q++) {
			v8 wv = v8_load(w[q] + c);
			for (int r = 0; r < KERN_DOT_ROWS; r++)
				acc[r][q] = v8_fma(xv[r], wv, acc[r][q]);
		}
	}
	if (c < d) {
		int t = d - c;
		v8 xv[KERN_DOT_ROWS];
		for (int r = 0; r < KERN_DOT_ROWS; r++)
			xv[r] = v8_load_tail(X + (size_t)(r < nr ? r : 0) * d + c, t);
		for (int q = 0; q < 8; q++) {
			v8 wv = v8_load_tail(w[q] + c, t);
			for (int r = 0; r < KERN_DOT_ROWS; r++)
				acc[r][q] = v8_fma(xv[r], wv, acc[r][q]);
		}
	}
	for (int r = 0; r < nr; r++)
		yhat[r] = v8_reduce8(acc[r]);
}

/* Loss terms of eight (prediction, label) pairs at once: term and g =
 * dr * inv_m lane by lane, by the same operations as lp_rule_term() for
 * p = 2 and 4 (other p go through it lane by lane). */
static void KV(terms8)(const struct lp_rule *lp, v8 yhat, v8 y, double inv_m, v8 *term,
		       double *g)
{
	v8 r = v8_sub(yhat, y), dr;
	if (lp->kind == LP_SQUARE) {
		dr = r;
		*term = v8_mul(v8_mul(v8_set1(0.5), r), r);
	} else if (lp->kind == LP_FOURTH) {
		v8 r2 = v8_mul(r, r);
		dr = v8_mul(r2, r);
		*term = v8_mul(v8_mul(v8_set1(0.25), r2), r2);
	} else {
		double rs[8], ts[8], ds[8];
		v8_store(rs, r);
		for (int q = 0; q < 8; q++)
			ts[q] = lp_rule_term(lp, rs[q], &ds[q]);
		*term = v8_load(ts);
		dr = v8_load(ds);
	}
	v8_store(g, v8_mul(dr, v8_set1(inv_m)));
}

static double KV(lp_chunk)(const struct lp_rule *lp, int rows, int d, const double *X,
			   const double *y, const double *w, double inv_m, double *G)
{
	double sum = 0.0;
	if (G)
		memset(G, 0, (size_t)d * sizeof(double));
	for (int i0 = 0; i0 < rows; i0 += KERN_ROW_BLOCK) {
		int nr = rows - i0 < KERN_ROW_BLOCK ? rows - i0 : KERN_ROW_BLOCK;
		const double *x = X + (size_t)i0 * d;
		double g[KERN_ROW_BLOCK], t[8];
		/* Eight rows' dots at once: dots8 with the rows in the place of the
		 * models (a dot's lanes do not care which side is which). */
		for (int r0 = 0; r0 < nr; r0 += 8) {
			int rr = nr - r0 < 8 ? nr - r0 : 8;
			const double *rowp[8];
			for (int q = 0; q < 8; q++)
				rowp[q] = x + (size_t)(r0 + (q < rr ? q : 0)) * d;
			v8 yhat, term;
			KV(dots8)(&yhat, w, 1, d, rowp);
			v8 yv = v8_load_tail(y + i0 + r0, rr);
			KV(terms8)(lp, yhat, yv, inv_m, &term, g + r0);
			v8_store(t, term);
			for (int q = 0; q < rr; q++)
				sum += t[q];
		}
		if (G)
			KV(vecmat_acc)(G, g, x, nr, d);
	}
	return sum;
}

static void KV(lp_chunk_batch)(const struct lp_rule *lp, int rows, int d, const double *X,
			       const double *y, int n, const double *Wb, double inv_m,
			       double *L, double *Gb, double *work)
{
	double *g = work; /* (KERN_ROW_BLOCK, 8): the block's dl/dyhat * inv_m */
	memset(Gb, 0, (size_t)n * d * sizeof(double));
	/* Models in blocks of eight (their W and G stay in L1), rows in order
	 * within each block: every model's chains are those of lp_chunk. */
	for (int j0 = 0; j0 < n; j0 += 8) {
		int nm = n - j0 < 8 ? n - j0 : 8;
		const double *w[8];
		for (int q = 0; q < 8; q++)
			w[q] = Wb + (size_t)(j0 + (q < nm ? q : 0)) * d;
		v8 Lv = v8_zero();
		for (int i0 = 0; i0 < rows; i0 += KERN_ROW_BLOCK) {
			int nr = rows - i0 < KERN_ROW_BLOCK ? rows - i0 : KERN_ROW_BLOCK;
			const double *x = X + (size_t)i0 * d;
			for (int r0 = 0; r0 < nr; r0 += KERN_DOT_ROWS) {
				int rr = nr - r0 < KERN_DOT_ROWS ? nr - r0 : KERN_DOT_ROWS;
				v8 yhat[KERN_DOT_ROWS];
				KV(dots8)(yhat, x + (size_t)r0 * d, rr, d, w);
				for (int r = 0; r < rr; r++) {
					v8 term;
					KV(terms8)(lp, yhat[r], v8_set1(y[i0 + r0 + r]), inv_m,
						   &term, g + (size_t)(r0 + r) * 8);
					Lv = v8_add(Lv, term);
				}
			}
			for (int q = 0; q < nm; q++) {
				double s[KERN_ROW_BLOCK];
				for (int r = 0; r < nr; r++)
					s[r] = g[(size_t)r * 8 + q];
				KV(vecmat_acc)(Gb + (size_t)(j0 + q) * d, s, x, nr, d);
			}
		}
		v8_store_tail(L + j0, Lv, nm);
	}
}

/* The bench's FMA peak: 12 independent chains of 8-lane fmas (enough to
 * cover the fma latency on 2 units: 4 cycles x 2 = 8 in flight at least),
 * rounds times: 192 flops a round. The sum keeps the work alive. */
static double KV(fma_probe)(long rounds)
{
	v8 acc[12], a = v8_set1(1.0 + 1e-12), b = v8_set1(1e-9);
	for (int i = 0; i < 12; i++)
		acc[i] = v8_set1((double)i);
	for (long t = 0; t < rounds; t++)
		for (int i = 0; i < 12; i++)
			acc[i] = v8_fma(acc[i], a, b);
	double s = 0;
	for (int i = 0; i < 12; i++)
		s += v8_reduce(acc[i]);
	return s;
}

const struct kern_ops KV(kern_ops) = {
	.dot = KV(dot),
	.matvec = KV(matvec),
	.vecmat_acc = KV(vecmat_acc),
	.lp_chunk = KV(lp_chunk),
	.lp_chunk_batch = KV(lp_chunk_batch),
	.fma_probe = KV(fma_probe),
};
