/* rundata: the data a linear plan names, loaded: by source, reported on
 * stderr, and for replicate_over "batches" the subset of each replicate
 * (the data without one batch file). */
#ifndef OVERPARAM_RUNDATA_H
#define OVERPARAM_RUNDATA_H

#include "overparam/dataset.h"
#include "overparam/plan.h"

/* Loads what spec names into ds (the caller preprocesses). */
int rundata_load(const struct data_spec *spec, struct dataset *ds);

/* The data read, on stderr: missing batch files as a warning that quiet
 * does not hide; rows, features, outputs and preprocessing unless quiet. */
void rundata_report(const struct experiment *ex, const struct dataset *ds, int quiet);

/* Replicate r's data over batches: ex->data without its r-th present
 * batch file (*left_out); ERR_INPUT when fewer files than replicates are
 * present. out shares ex->data's pointers. */
int rundata_subset(const struct experiment *ex, int r, struct data_spec *out, int *left_out);

/* For --resume and --continue: the data files just loaded into ds are the
 * ones outdir/metadata.json recorded when the directory was started: the
 * same files (batch files that appeared or disappeared count), each with
 * the SHA-256 recorded then. ERR_INPUT naming the first file that differs:
 * rows trained on other data cannot be continued on these. */
int rundata_check_unchanged(const struct dataset *ds, const char *outdir);

#endif
