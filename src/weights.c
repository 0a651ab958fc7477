/* weights: .npy snapshots and checkpoints of runs (see weights.h). */
#include "overparam/weights.h"
#include "overparam/error.h"
#include "overparam/fileio.h"
#include "overparam/npy.h"
#include "overparam/sha256.h"

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

/* The state files of a checkpoint, in the order state.txt lists them. */
static const char *const state_files[] = {"params.npy", "opt_a.npy", "opt_b.npy",
					  "twin_params.npy", "twin_a.npy", "twin_b.npy"};
enum { N_STATE_FILES = sizeof(state_files) / sizeof(state_files[0]) };

/* Writes x (1, n) to dir/name and appends "file NAME SHA256" to text; x
 * NULL (state the optimizer does not use) writes nothing. */
static int save_flat(const char *dir, const char *name, const double *x, size_t n,
		     char *text, size_t cap)
{
	if (!x)
		return ERR_OK;
	char *p = path_join(dir, name);
	char hex[65];
	int rc = p ? npy_write(p, 1, (int)n, x) : err_set(ERR_RUNTIME, "out of memory");
	if (!rc)
		rc = sha256_file(p, hex);
	if (!rc) {
		size_t len = strlen(text);
		snprintf(text + len, cap - len, "file %s %s\n", name, hex);
	}
	free(p);
	return rc;
}

/* Loads dir/name (1, n) into *x after checking its SHA-256 against hex. */
static int load_flat(const char *dir, const char *name, const char *hex, size_t n,
		     double **x)
{
	*x = NULL;
	char *p = path_join(dir, name);
	if (!p)
		return err_set(ERR_RUNTIME, "out of memory");
	int rc = ERR_OK, r, c;
	char got[65];
	if (access(p, F_OK) != 0)
		rc = err_set(ERR_INPUT, "%s: missing: the checkpoint's state.txt lists it (the checkpoint is incomplete; --force starts the run over)",
			     p);
	else if (!(rc = sha256_file(p, got)) && strcmp(got, hex) != 0)
		rc = err_set(ERR_INPUT, "%s: changed since the checkpoint was written (SHA-256 %.12s..., state.txt records %.12s...)",
			     p, got, hex);
	if (!rc)
		rc = npy_read(p, &r, &c, x);
	if (!rc && (size_t)r * c != n)
		rc = err_set(ERR_INPUT, "%s: %d values, expected %zu", p, r * c, n);
	free(p);
	return rc;
}

/* SHA-256 of what a resume reads from a run's CSV: its header line and the
 * rows an uninterrupted run logs before iteration t (iteration < t and a
 * multiple of log_every; load_prior_rows in run.c reads the same). These
 * bytes are the same in every later write of the CSV, so a checkpoint
 * records them and a resume refuses rows that were cut, changed or
 * added. */
static int csv_rows_digest(const char *csv, long t, long log_every, char hex[65])
{
	size_t len;
	char *text = file_read_all(csv, &len);
	if (!text)
		return ERR_INPUT;
	struct sha256 h;
	sha256_init(&h);
	char *line = text, *end = text + len;
	for (int first = 1; line < end; first = 0) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		char *next = nl ? nl + 1 : end;
		char *stop;
		long it = first ? 0 : strtol(line, &stop, 10);
		if (first || (stop != line && it < t && it % log_every == 0))
			sha256_update(&h, line, (size_t)(next - line));
		line = next;
	}
	sha256_final_hex(&h, hex);
	free(text);
	return ERR_OK;
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
int checkpoint_save(const char *dir, const struct checkpoint *c, const char *csv,
		    long log_every)
{
	remove_checkpoint_dir(dir, "checkpoint.new");
	char *sub = path_join(dir, "checkpoint.new");
	int rc = sub ? path_mkdirs(sub) : err_set(ERR_RUNTIME, "out of memory");
	/* %a: hexadecimal floats read back exactly by strtod. */
	char text[2048];
	snprintf(text, sizeof(text),
		 "t %ld\ninitial_loss %a\nmin_loss %a\nreached_at %ld\nn_params %zu\n"
		 "opt_t %ld\nn_twin %zu\ntwin_t %ld\nopt_s %a\ntwin_s %a\n",
		 c->t, c->initial_loss, c->min_loss, c->reached_at, c->n_params,
		 c->opt_t, c->n_twin, c->twin_t, c->opt_s, c->twin_s);
	const double *x[N_STATE_FILES] = {c->params, c->opt_a, c->opt_b,
					  c->twin_params, c->twin_a, c->twin_b};
	for (int f = 0; !rc && f < N_STATE_FILES; f++)
		rc = save_flat(sub, state_files[f], x[f], f < 3 ? c->n_params : c->n_twin, text,
			       sizeof(text));
	char hex[65];
	if (!rc && csv && !(rc = csv_rows_digest(csv, c->t, log_every, hex))) {
		size_t len = strlen(text);
		snprintf(text + len, sizeof(text) - len, "rows %ld %s\n", log_every, hex);
	}
	if (!rc) {
		/* the last line vouches for the lines above it */
		struct sha256 h;
		sha256_init(&h);
		sha256_update(&h, text, strlen(text));
		sha256_final_hex(&h, hex);
		size_t len = strlen(text);
		snprintf(text + len, sizeof(text) - len, "sha256 %s\n", hex);
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

/* The hex digest after "KEY NAME " on a line of state.txt, or NULL. */
static const char *state_digest(const char *text, const char *key, const char *name)
{
	char want[64];
	snprintf(want, sizeof(want), "\n%s %s ", key, name);
	const char *at = strstr(text, want);
	return at ? at + strlen(want) : NULL;
}

int checkpoint_load(const char *dir, struct checkpoint *c, const char *csv)
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
	/* The last line is the SHA-256 of the lines before it. */
	char *last = strstr(text, "sha256 ");
	char hex[65];
	struct sha256 h;
	sha256_init(&h);
	if (last)
		sha256_update(&h, text, (size_t)(last - text));
	sha256_final_hex(&h, hex);
	if (!last || (last != text && last[-1] != '\n') || strncmp(last + 7, hex, 64) != 0 ||
	    strcmp(last + 71, "\n") != 0) {
		rc = err_set(ERR_INPUT, "%s: %s (--force starts the run over)", p,
			     last ? "changed since it was written: its lines do not match its sha256 line"
				  : "no sha256 line: written by an older overparam, or damaged");
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
	/* the optimizers' scalar state (group_rmsprop), absent before it existed */
	const char *os = strstr(text, "\nopt_s "), *ts = strstr(text, "\ntwin_s ");
	c->opt_s = os ? strtod(os + 7, NULL) : 0;
	c->twin_s = ts ? strtod(ts + 8, NULL) : 0;
	double **x[N_STATE_FILES] = {&c->params, &c->opt_a, &c->opt_b,
				     &c->twin_params, &c->twin_a, &c->twin_b};
	for (int f = 0; !rc && f < N_STATE_FILES; f++) {
		const char *d = state_digest(text, "file", state_files[f]);
		char want[65];
		if (!d)
			continue; /* state the optimizer does not use */
		snprintf(want, sizeof(want), "%.64s", d);
		rc = load_flat(sub, state_files[f], want, f < 3 ? c->n_params : c->n_twin, x[f]);
	}
	if (rc)
		goto out;
	if (!c->params) {
		rc = err_set(ERR_INPUT, "%s: no params.npy", sub);
		goto out;
	}
	const char *rows = strstr(text, "\nrows ");
	if (csv && rows) {
		long log_every = strtol(rows + 6, (char **)&rows, 10);
		char got[65];
		if (log_every <= 0 || *rows != ' ')
			rc = err_set(ERR_INPUT, "%s: malformed rows line", p);
		else if (!(rc = csv_rows_digest(csv, c->t, log_every, got)) &&
			 strncmp(got, rows + 1, 64) != 0)
			rc = err_set(ERR_INPUT, "%s: its rows before iteration %ld are not the ones the checkpoint %s was written with (cut, changed or added): cannot resume this run (--force starts it over)",
				     csv, c->t, sub);
	} else if (csv)
		rc = err_set(ERR_INPUT, "%s: no rows line: written by an older overparam", p);
out:
	free(text);
	free(p);
	free(sub);
	if (rc)
		checkpoint_release(c);
	return rc;
}
