/* model: the two trainable models behind one interface, so the training
 * loop and the optimizers see only a flat parameter array and its gradient.
 *
 *   deep  a depth-N linear network (linnet); params are all layers, grad is
 *         dL^N/dW_j for every layer (paper Eq. 4 when stepped by GD)
 *   e2e   the single matrix W_e (k, d) stepped along the preconditioned
 *         gradient P_{W_e}(dL1/dW) of Eq. 10/12; it starts from the
 *         end-to-end matrix of the deep network with the same depth, widths,
 *         init and seed, so that the two runs start at the same point. */
#ifndef OVERPARAM_MODEL_H
#define OVERPARAM_MODEL_H

#include "overparam/plan.h"
#include "overparam/dataset.h"
#include "overparam/e2e.h"
#include "overparam/linnet.h"
#include "overparam/loss.h"
#include "overparam/optim.h"

struct model {
	enum model_kind kind;
	int N, d, k;
	struct linnet net;  /* deep: the network; e2e: unused after init */
	double *We;         /* (k, d) end-to-end matrix */
	double *params;     /* deep: net.params; e2e: We */
	size_t n_params;
	double *grad;       /* (n_params) */
	double *G;          /* (k, d) dL1/dW at W_e */
	double *scratch;    /* (m, k) for the loss */
	struct e2e_work ew; /* e2e with k > 1 */
	int grad_ready;     /* grad is the last evaluation's (model_grad_from_G) */
};

/* Builds and initializes the model of run r for data of shape (m, d, k). */
int model_create(struct model *mod, const struct run_spec *r, int m, int d, int k);

/* The decoupled balanced start of whitened data's modes (saxe.h): mode q's
 * strength u0[q] (u0 NULL: every mode u0_all), every layer's value of it
 * u0^(1/N): W_1 = diag(a) V^T, W_j = diag(a), W_N = U diag(a) (the first r
 * units; the rest zero), or W_e = U diag(u0) V^T for e2e models. ERR_INPUT
 * without modes or with a hidden layer narrower than them. */
int model_init_decoupled(struct model *mod, const struct dataset_modes *md, const double *u0,
			 double u0_all);
void model_release(struct model *mod);

/* Lets the model split its parameter work (a deep model's layer gradients)
 * across pool's threads, with the same bits as one thread; NULL: one. */
void model_use_pool(struct model *mod, struct par_pool *pool);

/* Deep models: mod->We = W_N ... W_1 from the current layers (and the
 * partial products for the gradient). E2e models: nothing to do. */
void model_end_to_end(struct model *mod);

/* mod->grad from mod->G = dL1/dW at mod->We (after model_end_to_end):
 * the chain rule (deep) or the Eq. 10/12 preconditioner (e2e). Returns
 * ERR_OK or ERR_RUNTIME (failing SVD). */
int model_grad_from_G(struct model *mod);

/* The three above with the loss in between: evaluates the loss at the
 * current parameters and fills mod->grad (and mod->We, mod->G). */
int model_loss_grad(struct model *mod, const struct loss *loss,
		    const struct dataset *ds, double *loss_out);

/* A training step in two halves, as train and bench take them:
 * model_eval evaluates the loss at the current parameters (mod->We, mod->G)
 * and makes mod->grad, except where model_fuses_step holds: a one-output
 * deep model under an elementwise optimizer, whose layer gradients
 * model_step makes a row at a time fused with opt's update, never stored
 * (the parameters are read once, not three times; the same bits).
 * model_grad_for_step is the second half of model_eval, for a G computed
 * elsewhere (the batched pass). Between model_eval and model_step the
 * parameters are the evaluated ones (records, snapshots). model_step
 * steps from mod->grad when it is the last evaluation's (model_loss_grad,
 * model_grad_from_G). Returns as model_loss_grad. */
int model_fuses_step(const struct model *mod, const struct optim *opt);
int model_eval(struct model *mod, const struct optim *opt, const struct loss *loss,
	       const struct dataset *ds, double *loss_out);
int model_grad_for_step(struct model *mod, const struct optim *opt);
void model_step(struct model *mod, struct optim *opt);

/* The weight matrices as saved and loaded: N layers W_1..W_N for deep
 * models, the single W_e for e2e ones. model_layer returns layer i
 * (1-based) as a view into params with its shape. */
int model_n_layers(const struct model *mod);
double *model_layer(const struct model *mod, int i, int *rows, int *cols);

/* ||W_e||_F of the last evaluation. */
double model_we_norm(const struct model *mod);

/* Eq. 7 imbalance of a deep model; NAN for e2e. */
double model_imbalance(struct model *mod);

#endif
