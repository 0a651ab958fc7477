/* model: deep network or end-to-end matrix behind one step interface. */
#include "overparam/model.h"
#include "overparam/detmath.h"
#include "overparam/error.h"

#include "overparam/kernels.h"
#include "overparam/lines.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The layers from r's init: its std, or its end-to-end scale c (> 0;
 * Arora, Cohen, Hu & Luo's convention, d the input width): normal draws each
 * entry with std c^(1/N) / sqrt(d) (so that E |W_e|_F^2 = c^2 k (prod of the
 * hidden widths / d^(N-1)), c^2 n for square layers); identity sets every
 * layer to c^(1/N) I without noise; balanced draws W_e with std c / sqrt(d)
 * (the same |W_e|_F as normal's for square layers) and balances it. */
static int init_layers(struct linnet *net, const struct run_spec *r, struct rng *g)
{
	double c = r->init_scale;
	if (c <= 0 || r->init == LINNET_INIT_DECOUPLED)
		return linnet_init(net, r->init, r->init_std, g);
	double root = det_root(c, net->N), sd = sqrt((double)net->d);
	if (r->init == LINNET_INIT_BALANCED)
		return linnet_init(net, r->init, c / sd, g);
	if (r->init == LINNET_INIT_NORMAL)
		return linnet_init(net, r->init, root / sd, g);
	int rc = linnet_init(net, LINNET_INIT_IDENTITY, 0.0, g);
	for (size_t i = 0; !rc && i < net->n_params; i++)
		net->params[i] *= root;
	return rc;
}

int model_create(struct model *mod, const struct run_spec *r, int m, int d, int k)
{
	memset(mod, 0, sizeof(*mod));
	mod->kind = r->model;
	mod->N = r->depth;
	mod->d = d;
	mod->k = k;
	int rc = linnet_create(&mod->net, r->depth, d, k, r->hidden);
	if (rc)
		return rc;
	struct rng g;
	rng_seed(&g, r->seed);
	if ((rc = init_layers(&mod->net, r, &g)))
		goto fail;
	mod->We = lines_alloc((size_t)k * d);
	mod->G = lines_alloc((size_t)k * d);
	mod->scratch = lines_alloc((size_t)m * k);
	if (!mod->We || !mod->G || !mod->scratch)
		goto oom;
	linnet_end_to_end(&mod->net, mod->We);
	if (mod->kind == MODEL_DEEP) {
		mod->params = mod->net.params;
		mod->n_params = mod->net.n_params;
	} else {
		mod->params = mod->We;
		mod->n_params = (size_t)k * d;
		if (k > 1 && (rc = e2e_work_create(&mod->ew, k, d)))
			goto fail;
	}
	mod->grad = lines_alloc(mod->n_params);
	if (!mod->grad)
		goto oom;
	return ERR_OK;
oom:
	rc = err_set(ERR_RUNTIME, "out of memory");
fail:
	model_release(mod);
	return rc;
}

int model_init_decoupled(struct model *mod, const struct dataset_modes *md, const double *u0,
			 double u0_all)
{
	if (!md)
		return err_set(ERR_INPUT, "init.scheme \"decoupled\" needs data.source \"whitened\"");
	int r = md->r, L = model_n_layers(mod), rows, cols;
	for (int l = 1; l < L; l++)
		if (mod->net.n[l] < r)
			return err_set(ERR_INPUT, "init.scheme \"decoupled\": hidden layer %d has %d units, fewer than the data's %d modes",
				       l, mod->net.n[l], r);
	for (int l = 1; l <= L; l++) {
		double *W = model_layer(mod, l, &rows, &cols);
		memset(W, 0, (size_t)rows * cols * sizeof(double));
		for (int q = 0; q < r; q++) {
			double u = u0 ? u0[q] : u0_all;
			double a = mod->kind == MODEL_E2E || L == 1 ? u : pow(u, 1.0 / L);
			for (int i = 0; i < rows; i++)
				for (int c = 0; c < cols; c++) {
					double left = l == L ? md->U[(size_t)i * r + q] : i == q;
					double right = l == 1 ? md->V[(size_t)c * r + q] : c == q;
					W[(size_t)i * cols + c] += left * a * right;
				}
		}
	}
	if (mod->kind == MODEL_DEEP)
		linnet_end_to_end(&mod->net, mod->We);
	return ERR_OK;
}

void model_release(struct model *mod)
{
	linnet_release(&mod->net);
	free(mod->We);
	free(mod->G);
	free(mod->scratch);
	free(mod->grad);
	e2e_work_release(&mod->ew);
	memset(mod, 0, sizeof(*mod));
}

void model_end_to_end(struct model *mod)
{
	if (mod->kind == MODEL_DEEP)
		linnet_end_to_end(&mod->net, mod->We);
}

void model_use_pool(struct model *mod, struct par_pool *pool)
{
	if (mod->kind == MODEL_DEEP)
		mod->net.pool = pool;
}

int model_grad_from_G(struct model *mod)
{
	mod->grad_ready = 1;
	if (mod->kind == MODEL_DEEP) {
		linnet_grad(&mod->net, mod->G, mod->grad);
		return ERR_OK;
	}
	return e2e_precondition(mod->We, mod->G, mod->k, mod->d, mod->N, &mod->ew,
				mod->grad);
}

int model_loss_grad(struct model *mod, const struct loss *loss,
		    const struct dataset *ds, double *loss_out)
{
	model_end_to_end(mod);
	*loss_out = loss_eval(loss, ds, mod->We, mod->G, mod->scratch);
	return model_grad_from_G(mod);
}

int model_fuses_step(const struct model *mod, const struct optim *opt)
{
	return mod->kind == MODEL_DEEP && mod->k == 1 && optim_elementwise(opt);
}

int model_grad_for_step(struct model *mod, const struct optim *opt)
{
	if (model_fuses_step(mod, opt)) {
		mod->grad_ready = 0;
		return ERR_OK;
	}
	return model_grad_from_G(mod);
}

int model_eval(struct model *mod, const struct optim *opt, const struct loss *loss,
	       const struct dataset *ds, double *loss_out)
{
	model_end_to_end(mod);
	*loss_out = loss_eval(loss, ds, mod->We, mod->G, mod->scratch);
	return model_grad_for_step(mod, opt);
}

struct step_rows {
	const struct optim *opt;
	double *params;
};

/* Rows of the layers' gradient from off on, s_r B, applied as made. */
static void step_rows(void *user, size_t off, const double *s, int rows, const double *B,
		      int n, double *share)
{
	const struct step_rows *sr = user;
	optim_update_rows(sr->opt, sr->params, off, s, rows, B, n, share);
}

void model_step(struct model *mod, struct optim *opt)
{
	if (!mod->grad_ready && model_fuses_step(mod, opt)) {
		optim_begin_step(opt);
		struct step_rows sr = {opt, mod->params};
		linnet_grad_rows(&mod->net, mod->G, step_rows, &sr);
	} else {
		if (!mod->grad_ready) /* a deep model's, which cannot fail */
			model_grad_from_G(mod);
		optim_step(opt, mod->params, mod->grad);
	}
	mod->grad_ready = 0;
}

int model_n_layers(const struct model *mod)
{
	return mod->kind == MODEL_DEEP ? mod->N : 1;
}

double *model_layer(const struct model *mod, int i, int *rows, int *cols)
{
	if (mod->kind == MODEL_E2E) {
		*rows = mod->k;
		*cols = mod->d;
		return mod->We;
	}
	*rows = mod->net.n[i];
	*cols = mod->net.n[i - 1];
	return linnet_layer(&mod->net, i);
}

double model_we_norm(const struct model *mod)
{
	return sqrt(kern_dot(mod->We, mod->We, mod->k * mod->d));
}

double model_imbalance(struct model *mod)
{
	return mod->kind == MODEL_DEEP ? linnet_imbalance(&mod->net) : NAN;
}
