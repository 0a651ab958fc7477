/* weights: .npy snapshots and checkpoints of runs (see weights.h). */
#include "overparam/weights.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/npy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void layer_name(const struct model *mod, int i, char *buf, size_t n)
{
	if (mod->kind == MODEL_E2E)
		snprintf(buf, n, "We.npy");
	else
		snprintf(buf, n, "W%d.npy", i);
}

char *weights_run_dir(const char *dir, const char *csv)
{
	const char *base = strrchr(csv, '/');
	base = base ? base + 1 : csv;
	size_t n = strlen(base);
	if (str_ends_with(base, ".csv"))
		n -= 4;
	char stem[300];
	snprintf(stem, sizeof(stem), "weights/%.*s", (int)n, base);
	return path_join(dir, stem);
}

int weights_save(const char *dir, const char *tag, const struct model *mod)
{
	char *sub = path_join(dir, tag);
	int rc = sub ? path_mkdirs(sub) : err_set(ERR_RUNTIME, "out of memory");
	if (!rc)
		afile_sweep(sub); /* a run killed while saving here left these */
	for (int i = 1; !rc && i <= model_n_layers(mod); i++) {
		int rows, cols;
		const double *W = model_layer(mod, i, &rows, &cols);
		char name[32];
		layer_name(mod, i, name, sizeof(name));
		char *p = path_join(sub, name);
		rc = p ? npy_write(p, rows, cols, W) : err_set(ERR_RUNTIME, "out of memory");
		free(p);
	}
	free(sub);
	return rc;
}

int weights_load(const char *dir, const char *tag, struct model *mod)
{
	char *sub = path_join(dir, tag);
	int rc = sub ? ERR_OK : err_set(ERR_RUNTIME, "out of memory");
	for (int i = 1; !rc && i <= model_n_layers(mod); i++) {
		int rows, cols, r, c;
		double *W = model_layer(mod, i, &rows, &cols), *got = NULL;
		char name[32];
		layer_name(mod, i, name, sizeof(name));
		char *p = path_join(sub, name);
		rc = p ? npy_read(p, &r, &c, &got) : err_set(ERR_RUNTIME, "out of memory");
		if (!rc && (r != rows || c != cols))
			rc = err_set(ERR_INPUT, "%s: shape (%d, %d), the run needs (%d, %d)", p, r, c,
				     rows, cols);
		if (!rc)
			memcpy(W, got, (size_t)rows * cols * sizeof(double));
		free(got);
		free(p);
	}
	free(sub);
	return rc;
}

static int save_flat(const char *dir, const char *name, const double *x, size_t n)
{
	if (!x)
		return ERR_OK;
	char *p = path_join(dir, name);
	int rc = p ? npy_write(p, 1, (int)n, x) : err_set(ERR_RUNTIME, "out of memory");
	free(p);
	return rc;
}

/* Loads dir/name (1, n) into *x; absent file leaves *x NULL. */
static int load_flat(const char *dir, const char *name, size_t n, double **x)
{
	*x = NULL;
	char *p = path_join(dir, name);
	if (!p)
		return err_set(ERR_RUNTIME, "out of memory");
	int rc = ERR_OK, r, c;
	if (access(p, F_OK) == 0) {
		rc = npy_read(p, &r, &c, x);
		if (!rc && (size_t)r * c != n)
			rc = err_set(ERR_INPUT, "%s: %d values, expected %zu", p, r * c, n);
	}
	free(p);
	return rc;
}

/* Removes dir/name/ and what is in it. */
static void remove_checkpoint_dir(const char *dir, const char *name)
{
	char *sub = path_join(dir, name);
	if (sub)
		tree_remove(sub);
	free(sub);
}

/* 1 if dir/name/state.txt exists: state.txt is written last, so a
 * directory without it is an incomplete write. */
static int checkpoint_complete(const char *dir, const char *name)
{
	char *sub = path_join(dir, name);
	char *p = sub ? path_join(sub, "state.txt") : NULL;
	int yes = p && access(p, F_OK) == 0;
	free(p);
	free(sub);
	return yes;
}

/* The checkpoint is written whole into checkpoint.new/, then swapped in by
 * two renames (checkpoint -> checkpoint.old, checkpoint.new -> checkpoint),
 * so a process killed at any moment leaves one complete checkpoint:
 * checkpoint/, or between the two renames checkpoint.old/. */
int checkpoint_save(const char *dir, const struct checkpoint *c)
{
	remove_checkpoint_dir(dir, "checkpoint.new");
	char *sub = path_join(dir, "checkpoint.new");
	int rc = sub ? path_mkdirs(sub) : err_set(ERR_RUNTIME, "out of memory");
	if (!rc) rc = save_flat(sub, "params.npy", c->params, c->n_params);
	if (!rc) rc = save_flat(sub, "opt_a.npy", c->opt_a, c->n_params);
	if (!rc) rc = save_flat(sub, "opt_b.npy", c->opt_b, c->n_params);
	if (!rc) rc = save_flat(sub, "twin_params.npy", c->twin_params, c->n_twin);
	if (!rc) rc = save_flat(sub, "twin_a.npy", c->twin_a, c->n_twin);
	if (!rc) rc = save_flat(sub, "twin_b.npy", c->twin_b, c->n_twin);
	if (!rc) {
		/* %a: hexadecimal floats read back exactly by strtod. */
		char text[512];
		snprintf(text, sizeof(text),
			 "t %ld\ninitial_loss %a\nmin_loss %a\nreached_at %ld\nn_params %zu\n"
			 "opt_t %ld\nn_twin %zu\ntwin_t %ld\n",
			 c->t, c->initial_loss, c->min_loss, c->reached_at, c->n_params,
			 c->opt_t, c->n_twin, c->twin_t);
		char *p = path_join(sub, "state.txt");
		rc = p ? afile_write_text(p, text) : err_set(ERR_RUNTIME, "out of memory");
		free(p);
	}
	char *cur = path_join(dir, "checkpoint"), *old = path_join(dir, "checkpoint.old");
	if (!rc && (!cur || !old))
		rc = err_set(ERR_RUNTIME, "out of memory");
	if (!rc) {
		remove_checkpoint_dir(dir, "checkpoint.old");
		if (path_is_dir(cur) && rename(cur, old) != 0)
			rc = err_set(ERR_RUNTIME, "cannot rename '%s': %s", cur, strerror(errno));
		else if (rename(sub, cur) != 0)
			rc = err_set(ERR_RUNTIME, "cannot rename '%s': %s", sub, strerror(errno));
		else
			remove_checkpoint_dir(dir, "checkpoint.old");
	}
	free(cur);
	free(old);
	free(sub);
	return rc;
}

void checkpoint_remove(const char *dir)
{
	remove_checkpoint_dir(dir, "checkpoint");
	remove_checkpoint_dir(dir, "checkpoint.old");
	remove_checkpoint_dir(dir, "checkpoint.new");
}

int checkpoint_exists(const char *dir)
{
	return checkpoint_complete(dir, "checkpoint") || checkpoint_complete(dir, "checkpoint.old");
}

int checkpoint_load(const char *dir, struct checkpoint *c)
{
	memset(c, 0, sizeof(*c));
	char *sub = path_join(dir, checkpoint_complete(dir, "checkpoint") ? "checkpoint"
									    : "checkpoint.old");
	char *p = sub ? path_join(sub, "state.txt") : NULL;
	char *text = p ? file_read_all(p, NULL) : NULL;
	int rc = ERR_OK;
	if (!text) {
		rc = ERR_INPUT;
		goto out;
	}
	char ini[64], mn[64];
	if (sscanf(text,
		   "t %ld\ninitial_loss %63s\nmin_loss %63s\nreached_at %ld\nn_params %zu\n"
		   "opt_t %ld\nn_twin %zu\ntwin_t %ld",
		   &c->t, ini, mn, &c->reached_at, &c->n_params, &c->opt_t, &c->n_twin,
		   &c->twin_t) != 8) {
		rc = err_set(ERR_INPUT, "%s: malformed checkpoint state", p);
		goto out;
	}
	c->initial_loss = strtod(ini, NULL);
	c->min_loss = strtod(mn, NULL);
	if ((rc = load_flat(sub, "params.npy", c->n_params, &c->params)) ||
	    (rc = load_flat(sub, "opt_a.npy", c->n_params, &c->opt_a)) ||
	    (rc = load_flat(sub, "opt_b.npy", c->n_params, &c->opt_b)) ||
	    (rc = load_flat(sub, "twin_params.npy", c->n_twin, &c->twin_params)) ||
	    (rc = load_flat(sub, "twin_a.npy", c->n_twin, &c->twin_a)) ||
	    (rc = load_flat(sub, "twin_b.npy", c->n_twin, &c->twin_b)))
		goto out;
	if (!c->params)
		rc = err_set(ERR_INPUT, "%s: no params.npy", sub);
out:
	free(text);
	free(p);
	free(sub);
	if (rc)
		checkpoint_release(c);
	return rc;
}
