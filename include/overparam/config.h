/* config: a JSON experiment file -> a validated experiment plan.
 *
 * Parses the linear experiments' files (convnet_config.h parses the
 * convnet's, with the same getters, jsonget.h). Every key is checked
 * against what its object allows; every value's type and range is checked; errors name the
 * file and the key path ("configs/x.json: runs[2].optimizer.lr: must be > 0,
 * got -0.1") and return ERR_INPUT before anything runs. The format is
 * documented in README.md ("Config reference").
 *
 * Grid search: in a run (after "defaults" are merged in), a list of numbers
 * in place of a grid-able number (optimizer hyperparameters, init std and
 * seed) expands the run into one run per combination; the expanded runs
 * share the original's label as their group. */
#ifndef OVERPARAM_CONFIG_H
#define OVERPARAM_CONFIG_H

#include "overparam/plan.h"

#include <stddef.h>
#include <stdio.h>

struct json_ctx;
struct cJSON;

/* The key tables of the flat sections (keytable.h): they drive parsing,
 * the metadata writer and `overparam keys` (the README's reference). */
#include "overparam/config_keys.h" /* the key tables, for their readers */

/* The README's config reference rows of those tables (`overparam keys`). */
void config_print_keys(FILE *f);

/* Every key path of those tables as --set takes it, one per line (the run
 * sections under defaults.): for shell completion. */
void config_print_key_paths(FILE *f);

/* Reads and validates path into ex. On failure ex is released and the
 * message names path and the key. */
int config_load(struct experiment *ex, const char *path);

/* Same, from text already in memory; path is used in messages and to
 * resolve relative data paths. */
int config_parse(struct experiment *ex, const char *text, const char *path);

#endif
