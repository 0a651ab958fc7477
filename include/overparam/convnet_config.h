/* convnet_config: a convnet experiment file (top-level "model": "convnet")
 * -> a validated plan. Same rules as config.h: unknown keys, wrong types
 * and out-of-range values are errors naming the file and the key.
 *
 *   {"model": "convnet", "name", "description", "seed",
 *    "data": {"source": "mnist", "dir", "validation", "train", "test"},
 *    "defaults": {run keys}, "runs": [{"label", run keys}, ...],
 *    "plot": {"title", "format"}, "claims": [...]}
 *
 * Run keys are flat; one table (convnet_config.c) drives their parsing,
 * defaults, bounds, the resolved values written to metadata.json and the
 * README's reference. Defaults are the TensorFlow tutorial's. */
#ifndef OVERPARAM_CONVNET_CONFIG_H
#define OVERPARAM_CONVNET_CONFIG_H

#include "overparam/plan.h"
#include "overparam/convnet.h"

#include <stdio.h>

struct cJSON;

struct convnet_run_spec {
	char *label;
	struct convnet_spec net;  /* shape, overparam, l2, init, dropout, precision, seed */
	int batch;                /* 64 */
	double epochs;            /* 10; steps = floor(epochs * n_train / batch) */
	long steps;               /* > 0 overrides epochs */
	double lr, momentum, decay; /* lr * decay^floor(step * batch / n_train) */
	long eval_every;          /* validation error every eval_every steps (and the last) */
};

struct convnet_experiment {
	char *config_path, *name, *description;
	char *config_dir;         /* where its relative paths resolve (config_base_dir) */
	unsigned long long seed;
	char *data_path;          /* MNIST directory (resolved against the config's) */
	int n_validation;         /* the first n_validation training images */
	int n_train;              /* the next n_train (0: all the rest) */
	int n_test;               /* the first n_test of t10k (0: all) */
	struct convnet_run_spec *runs;
	int n_runs;
	struct claim *claims;
	int n_claims;
	char *plot_title;
	const char *plot_format;  /* static */
};

/* 1 if the JSON text's top level has "model": "convnet". */
int convnet_config_is(const char *text);

/* Parses and validates text (read from path) into ex. On failure ex is
 * released and the message names path and the key. */
int convnet_config_parse(struct convnet_experiment *ex, const char *text, const char *path);

/* Steps of run r on n_train training images (--iterations overrides with
 * iterations > 0). */
long convnet_run_steps(const struct convnet_run_spec *r, int n_train, long iterations);

/* The resolved run keys of r as a JSON object (for metadata.json). */
struct cJSON *convnet_run_spec_json(const struct convnet_run_spec *r);

/* The README's rows of the run keys (`overparam keys`). */
void convnet_config_print_keys(FILE *f);

/* The run keys as --set paths under defaults., one per line. */
void convnet_config_print_key_paths(FILE *f);

void convnet_experiment_release(struct convnet_experiment *ex);

#endif
