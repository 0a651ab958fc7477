/* kernels_body.h: the fixed-order kernels of kernels.h, written once over
 * the v8 lanes of kernels_lanes.h. Each src/kernels_<variant>.c defines
 * KV(name) (the variant's function name), the register blocking of the
 * batched pass (KERN_DOT_ROWS x KERN_DOT_MODELS dot chains side by side,
 * gradient tiles of KERN_TILE_MODELS models x KERN_TILE_PANELS v8 columns:
 * as many as the variant's vector registers hold), KERN_MATVEC_CHAINS (the
 * rows whose dots matvec runs side by side), KERN_PANEL (v8 registers of
 * output that vecmat_acc holds) and KERN_UPDATE_ROWS (the rows outer_sub
 * takes at once), includes the lanes and then this file.
 * Blocking only changes which independent chains run side by side, never
 * the order within a chain. */

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

/* Columns [c, c + 8 P + t) of vecmat_acc: P whole panels and one of t
 * lanes (0 <= t < 8; t = 0 touches no memory), their chains side by side
 * in registers across all the rows. P is a constant after inlining. */
static inline __attribute__((always_inline)) void
KV(vecmat_group)(double *out, const double *s, const double *A, int rows, int cols, int c,
		 const int P, int t)
{
	v8 o[KERN_PANEL + 1];
	for (int q = 0; q < P; q++)
		o[q] = v8_load(out + c + 8 * q);
	o[P] = v8_load_tail(out + c + 8 * P, t);
	for (int r = 0; r < rows; r++) {
		const double *a = A + (size_t)r * cols + c;
		v8 sv = v8_set1(s[r]);
		for (int q = 0; q < P; q++)
			o[q] = v8_fma(sv, v8_load(a + 8 * q), o[q]);
		if (t)
			o[P] = v8_fma(sv, v8_load_tail(a + 8 * P, t), o[P]);
	}
	for (int q = 0; q < P; q++)
		v8_store(out + c + 8 * q, o[q]);
	v8_store_tail(out + c + 8 * P, o[P], t);
}

/* out (cols) += s_0 A_0 + s_1 A_1 + ..., one fma per row in row order for
 * every column. Columns in groups of KERN_PANEL v8 panels held in
 * registers across all the rows (out read and written once per call);
 * what is left after the whole groups in groups of 8, 4, 2, 1 panels, the
 * last with the partial panel, so a narrow tail costs a pass or two, not a
 * latency-bound pass per panel. */
static void KV(vecmat_acc)(double *out, const double *s, const double *A, int rows,
			   int cols)
{
	int c = 0;
	for (; c + 8 * KERN_PANEL <= cols; c += 8 * KERN_PANEL)
		KV(vecmat_group)(out, s, A, rows, cols, c, KERN_PANEL, 0);
	int f = (cols - c) / 8, t = (cols - c) % 8;
	if (KERN_PANEL > 8 && f >= 8) {
		f -= 8;
		KV(vecmat_group)(out, s, A, rows, cols, c, 8, f ? 0 : t);
		if (!f)
			return;
		c += 64;
	}
	if (KERN_PANEL > 4 && f >= 4) {
		f -= 4;
		KV(vecmat_group)(out, s, A, rows, cols, c, 4, f ? 0 : t);
		if (!f)
			return;
		c += 32;
	}
	if (f >= 2) {
		f -= 2;
		KV(vecmat_group)(out, s, A, rows, cols, c, 2, f ? 0 : t);
		if (!f)
			return;
		c += 16;
	}
	if (f >= 1)
		KV(vecmat_group)(out, s, A, rows, cols, c, 1, t);
	else if (t)
		KV(vecmat_group)(out, s, A, rows, cols, c, 0, t);
}

/* yhat[r] lane q = dot(x_r, w_q) for rows r < nr <= R and eight vectors
 * w_q (d): each dot eight chains, then the fixed reduction (v8_reduce8).
 * In passes over M of the w at a time, R x M chains side by side (a row's
 * load serves the pass's w, a w's load serves the rows); R <= 4, M <= 8
 * and both constant after inlining, so the chains stay in registers. */
static inline __attribute__((always_inline)) void
KV(dots_block)(v8 *yhat, const double *X, int nr, int d, const double *const *w, const int R,
	       const int M)
{
	v8 all[4][8];
	const double *xr[4];
	for (int r = 0; r < R; r++)
		xr[r] = X + (size_t)(r < nr ? r : 0) * d;
	for (int m0 = 0; m0 < 8; m0 += M) {
		v8 acc[4][8];
		for (int r = 0; r < R; r++)
			for (int q = 0; q < M; q++)
				acc[r][q] = v8_zero();
		int c = 0;
		for (; c + 8 <= d; c += 8) {
			v8 xv[4];
			for (int r = 0; r < R; r++)
				xv[r] = v8_load(xr[r] + c);
			for (int q = 0; q < M; q++) {
				v8 wv = v8_load(w[m0 + q] + c);
				for (int r = 0; r < R; r++)
					acc[r][q] = v8_fma(xv[r], wv, acc[r][q]);
			}
		}
		if (c < d) {
			int t = d - c;
			v8 xv[4];
			for (int r = 0; r < R; r++)
				xv[r] = v8_load_tail(xr[r] + c, t);
			for (int q = 0; q < M; q++) {
				v8 wv = v8_load_tail(w[m0 + q] + c, t);
				for (int r = 0; r < R; r++)
					acc[r][q] = v8_fma(xv[r], wv, acc[r][q]);
			}
		}
		for (int r = 0; r < R; r++)
			for (int q = 0; q < M; q++)
				all[r][m0 + q] = acc[r][q];
	}
	for (int r = 0; r < nr; r++)
		yhat[r] = v8_reduce8(all[r]);
}

/* out_r = dot(A_r, x): eight rows at a time through dots_block (the rows
 * in the place of its models: KERN_MATVEC_CHAINS chains side by side, each
 * row's dot its own), the rows past the last eight one dot each. */
static void KV(matvec)(double *out, const double *A, int rows, int cols, const double *x)
{
	int r = 0;
	for (; r + 8 <= rows; r += 8) {
		const double *rowp[8];
		for (int q = 0; q < 8; q++)
			rowp[q] = A + (size_t)(r + q) * cols;
		v8 y;
		KV(dots_block)(&y, x, 1, cols, rowp, 1, KERN_MATVEC_CHAINS);
		v8_store(out + r, y);
	}
	for (; r < rows; r++)
		out[r] = KV(dot)(A + (size_t)r * cols, x, cols);
}

/* Loss terms of eight (prediction, label) pairs at once: term and g =
 * dr * inv_m lane by lane (returned), by the same operations as
 * lp_rule_term() for p = 2 and 4 (other p go through it lane by lane). */
static inline v8 KV(terms8)(const struct lp_rule *lp, v8 yhat, v8 y, double inv_m, v8 *term)
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
	return v8_mul(dr, v8_set1(inv_m));
}

/* Rows [0, rows) onto a running loss sum and G (not cleared): row blocks of
 * KERN_ROW_BLOCK, the dots of eight rows at once, then the block's share of
 * G in one vecmat_acc. The pass of a loss alone (G NULL), and the last
 * rows % 8 rows of the pipelined pass below. */
static double KV(lp_rows_blocked)(const struct lp_rule *lp, int rows, int d, const double *X,
				  const double *y, const double *w, double inv_m, double *G,
				  double sum)
{
	for (int i0 = 0; i0 < rows; i0 += KERN_ROW_BLOCK) {
		int nr = rows - i0 < KERN_ROW_BLOCK ? rows - i0 : KERN_ROW_BLOCK;
		const double *x = X + (size_t)i0 * d;
		double g[KERN_ROW_BLOCK], t[8];
		/* one dots_block with w in the place of the row and the eight rows
		 * in the place of the models (a dot's lanes do not care which side
		 * is which) */
		for (int r0 = 0; r0 < nr; r0 += 8) {
			int rr = nr - r0 < 8 ? nr - r0 : 8;
			const double *rowp[8];
			for (int q = 0; q < 8; q++)
				rowp[q] = x + (size_t)(r0 + (q < rr ? q : 0)) * d;
			v8 term, yhat;
			KV(dots_block)(&yhat, w, 1, d, rowp, 1, 8);
			v8 yv = v8_load_tail(y + i0 + r0, rr);
			v8_store(g + r0, KV(terms8)(lp, yhat, yv, inv_m, &term));
			v8_store(t, term);
			for (int q = 0; q < rr; q++)
				sum += t[q];
		}
		if (G)
			KV(vecmat_acc)(G, g, x, nr, d);
	}
	return sum;
}

/* One panel of eight columns [c, c + t) of the pipelined single pass:
 * the dots of the next eight rows xn advance by this panel, and G's panel
 * takes the current eight rows xc with their gs in row order (one chain of
 * eight fmas per lane: the reference's order). xn may be NULL. */
static inline __attribute__((always_inline)) void
KV(panel8)(v8 *acc, const double *xn, const double *w, double *G, const v8 *gs,
	   const double *xc, int d, int c, int t)
{
	if (xn) {
		v8 wv = v8_load_n(w + c, t);
		for (int i = 0; i < 8; i++)
			acc[i] = v8_fma(v8_load_n(xn + (size_t)i * d + c, t), wv, acc[i]);
	}
	if (xc) {
		v8 gq = v8_load_n(G + c, t);
		for (int i = 0; i < 8; i++)
			gq = v8_fma(gs[i], v8_load_n(xc + (size_t)i * d + c, t), gq);
		v8_store_n(G + c, gq, t);
	}
}

/* Both halves of the pipeline over all of d: the next rows' dots (xn) and
 * the current rows' share of G (xc), either may be NULL. */
static inline __attribute__((always_inline)) void
KV(pass8)(v8 *acc, const double *xn, const double *w, double *G, const v8 *gs,
	  const double *xc, int d)
{
	int c = 0;
	for (; c + 8 <= d; c += 8)
		KV(panel8)(acc, xn, w, G, gs, xc, d, c, 8);
	if (c < d)
		KV(panel8)(acc, xn, w, G, gs, xc, d, c, d - c);
}

/* The single pass, software-pipelined over groups of eight rows: while G
 * takes group k (eight rows' g x_r, row order), the dots of group k + 1 run
 * in the same loop over the columns, so the reduction and loss terms of a
 * group never wait on the data. Rows past the last full group go through
 * lp_rows_blocked onto the same sum and G. Every number in the reference's
 * order. */
static double KV(lp_chunk)(const struct lp_rule *lp, int rows, int d, const double *X,
			   const double *y, const double *w, double inv_m, double *G)
{
	double sum = 0.0;
	if (G)
		memset(G, 0, (size_t)d * sizeof(double));
	int groups = G ? rows / 8 : 0;
	v8 acc[8], gs[8];
	for (int k = 0; k <= groups; k++) {
		const double *xc = k > 0 ? X + (size_t)(k - 1) * 8 * d : NULL;
		const double *xn = k < groups ? X + (size_t)k * 8 * d : NULL;
		for (int i = 0; i < 8; i++)
			acc[i] = v8_zero();
		KV(pass8)(acc, xn, w, G, gs, xc, d);
		if (!xn)
			break;
		v8 term, gv = KV(terms8)(lp, v8_reduce8(acc), v8_load(y + 8 * k), inv_m, &term);
		double g[8], ts[8];
		v8_store(g, gv);
		v8_store(ts, term);
		for (int i = 0; i < 8; i++) {
			sum += ts[i];
			gs[i] = v8_set1(g[i]);
		}
	}
	int done = 8 * groups;
	return KV(lp_rows_blocked)(lp, rows - done, d, X + (size_t)done * d, y + done, w, inv_m,
				   G, sum);
}

/* One tile of the batched gradient: models [m0, m0 + TM) x columns
 * [c, c + 8 TP) of G (rows of d), TM = KERN_TILE_MODELS, TP =
 * KERN_TILE_PANELS, onto which the block's nr rows of x add g[r][model]
 * x_r in row order; a row's panels are loaded once for the tile's models.
 * FULL (a constant): all TM models and 8 TP columns exist, so every load
 * and store is a whole vector; else the missing models are neither loaded
 * nor stored and columns past d are masked (v8_load_n). */
static inline __attribute__((always_inline)) void
KV(batch_g_tile)(double *Gb, int m0, int mm, const double *g, const double *x, int nr, int d,
		 int c, const int FULL)
{
	enum { TM = KERN_TILE_MODELS, TP = KERN_TILE_PANELS };
	int t[TP];
	for (int p = 0; p < TP; p++) {
		int left = d - c - 8 * p;
		t[p] = FULL ? 8 : left >= 8 ? 8 : left > 0 ? left : 0;
	}
	v8 acc[TM][TP];
	for (int mi = 0; mi < TM; mi++)
		for (int p = 0; p < TP; p++) {
			double *o = Gb + (size_t)(m0 + mi) * d + c + 8 * p;
			acc[mi][p] = mi < mm ? v8_load_n(o, t[p]) : v8_zero();
		}
	for (int r = 0; r < nr; r++) {
		const double *xr = x + (size_t)r * d + c;
		v8 xv[TP];
		for (int p = 0; p < TP; p++)
			xv[p] = v8_load_n(xr + 8 * p, t[p]);
		for (int mi = 0; mi < TM; mi++) {
			v8 gs = v8_set1(g[(size_t)r * 8 + m0 + mi]);
			for (int p = 0; p < TP; p++)
				acc[mi][p] = v8_fma(gs, xv[p], acc[mi][p]);
		}
	}
	for (int mi = 0; mi < TM; mi++)
		for (int p = 0; p < TP; p++) {
			double *o = Gb + (size_t)(m0 + mi) * d + c + 8 * p;
			if (mi < mm)
				v8_store_n(o, acc[mi][p], t[p]);
		}
}

/* The block's share of G for its nm <= 8 models (Gb: model j0's row), in
 * tiles; each entry's fmas in row order. */
static void KV(batch_g_acc)(double *Gb, int nm, const double *g, const double *x, int nr, int d)
{
	enum { TM = KERN_TILE_MODELS, TC = 8 * KERN_TILE_PANELS };
	for (int m0 = 0; m0 < nm; m0 += TM) {
		int mm = nm - m0 < TM ? nm - m0 : TM, c = 0;
		if (mm == TM)
			for (; c + TC <= d; c += TC)
				KV(batch_g_tile)(Gb, m0, TM, g, x, nr, d, c, 1);
		for (; c < d; c += TC)
			KV(batch_g_tile)(Gb, m0, mm, g, x, nr, d, c, 0);
	}
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
				KV(dots_block)(yhat, x + (size_t)r0 * d, rr, d, w, KERN_DOT_ROWS,
					       KERN_DOT_MODELS);
				for (int r = 0; r < rr; r++) {
					v8 term;
					v8_store(g + (size_t)(r0 + r) * 8,
						 KV(terms8)(lp, yhat[r], v8_set1(y[i0 + r0 + r]), inv_m,
							    &term));
					Lv = v8_add(Lv, term);
				}
			}
			KV(batch_g_acc)(Gb + (size_t)j0 * d, nm, g, x, nr, d);
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

/* out_i = s B_i: a one-output layer's gradient row (elementwise, so every
 * width gives the bits of the plain loop). */
static void KV(scale)(double *out, double s, const double *B, size_t n)
{
	v8 sv = v8_set1(s);
	size_t c = 0;
	for (; c + 8 <= n; c += 8)
		v8_store(out + c, v8_mul(sv, v8_load(B + c)));
	if (c < n)
		v8_store_tail(out + c, v8_mul(sv, v8_load_tail(B + c, (int)(n - c))), (int)(n - c));
}

/* w_i <- w_i - lr g_i, the product rounded before the difference (GD's
 * update; elementwise). */
static void KV(sub_scaled)(double *w, double lr, const double *g, size_t n)
{
	v8 lv = v8_set1(lr);
	size_t c = 0;
	for (; c + 8 <= n; c += 8)
		v8_store(w + c, v8_sub(v8_load(w + c), v8_mul(lv, v8_load(g + c))));
	if (c < n) {
		int t = (int)(n - c);
		v8_store_tail(w + c, v8_sub(v8_load_tail(w + c, t), v8_mul(lv, v8_load_tail(g + c, t))),
			      t);
	}
}

/* Columns [c, c + t) of R rows of outer_sub (R and DOTS constants after
 * inlining): each row's panel loaded once, its dot with B advanced (if
 * DOTS) before the row changes. */
static inline __attribute__((always_inline)) void
KV(update_panel)(v8 *acc, double *W, v8 lv, const v8 *sv, const int R, const int DOTS,
		 const double *B, int cols, int c, int t)
{
	v8 b = v8_load_n(B + c, t);
	for (int i = 0; i < R; i++) {
		double *w = W + (size_t)i * cols + c;
		v8 x = v8_load_n(w, t);
		if (DOTS)
			acc[i] = v8_fma(b, x, acc[i]);
		v8_store_n(w, v8_sub(x, v8_mul(lv, v8_mul(sv[i], b))), t);
	}
}

/* R rows of outer_sub in one pass over them: share_i = dot(W_i, B) by the
 * old W_i (kern_matvec's lanes and reduction) if DOTS, then the update. */
static inline __attribute__((always_inline)) void
KV(update_rows)(double *share, double *W, v8 lv, const double *s, const int R, const int DOTS,
		const double *B, int cols)
{
	v8 acc[8], sv[8];
	for (int i = 0; i < R; i++) {
		acc[i] = v8_zero();
		sv[i] = v8_set1(s[i]);
	}
	int c = 0;
	for (; c + 8 <= cols; c += 8)
		KV(update_panel)(acc, W, lv, sv, R, DOTS, B, cols, c, 8);
	if (c < cols)
		KV(update_panel)(acc, W, lv, sv, R, DOTS, B, cols, c, cols - c);
	if (DOTS)
		for (int i = 0; i < R; i++)
			share[i] = v8_reduce(acc[i]);
}

/* W_rc <- W_rc - lr (s_r B_c): GD's step of a one-output layer from its
 * gradient rows s_r B, which are never stored (each entry rounded as the
 * stored gradient's, then as sub_scaled's); share (rows) or NULL: the rows'
 * dots with B as kern_matvec gives them, from W before the step. The rows
 * are read once for both (KERN_UPDATE_ROWS at a time). */
static void KV(outer_sub)(double *share, double *W, double lr, const double *s, int rows,
			  const double *B, int cols)
{
	enum { R = KERN_UPDATE_ROWS };
	v8 lv = v8_set1(lr);
	int r = 0;
	for (; r + R <= rows; r += R) {
		double *w = W + (size_t)r * cols;
		if (share)
			KV(update_rows)(share + r, w, lv, s + r, R, 1, B, cols);
		else
			KV(update_rows)(NULL, w, lv, s + r, R, 0, B, cols);
	}
	for (; r < rows; r++) {
		double *w = W + (size_t)r * cols;
		if (share)
			KV(update_rows)(share + r, w, lv, s + r, 1, 1, B, cols);
		else
			KV(update_rows)(NULL, w, lv, s + r, 1, 0, B, cols);
	}
}

const struct kern_ops KV(kern_ops) = {
	.dot = KV(dot),
	.matvec = KV(matvec),
	.vecmat_acc = KV(vecmat_acc),
	.lp_chunk = KV(lp_chunk),
	.lp_chunk_batch = KV(lp_chunk_batch),
	.fma_probe = KV(fma_probe),
	.scale = KV(scale),
	.sub_scaled = KV(sub_scaled),
	.outer_sub = KV(outer_sub),
};
