/* output: the files of a run directory, each written atomically.
 *
 *   runs/NN-<slug>.csv  iteration,loss,we_norm,imbalance   (one per run)
 *   summary.csv         one row per run: spec, status, losses, selection
 *   metadata.json       the resolved configuration, data provenance,
 *                       preprocessing statistics, library versions, timings
 * Numbers are printed with 17 significant digits, so the same run gives the
 * same bytes and values read back exactly. */
#ifndef OVERPARAM_OUTPUT_H
#define OVERPARAM_OUTPUT_H

#include "overparam/config.h"
#include "overparam/dataset.h"
#include "overparam/preprocess.h"
#include "overparam/train.h"

#define SUMMARY_HEADER                                                          \
	"index,label,group,grid_point,model,depth,widths,optimizer,lr,"          \
	"weight_decay,init,init_std,seed,iterations,status,last_iter,"           \
	"diverged_at,reached_at,initial_loss,final_loss,min_loss,selected,csv"

/* Relative file name "runs/NN-<slug>.csv" for run index i (0-based);
 * malloc'ed. */
char *output_run_filename(int i, const char *label);

int output_run_csv(const char *path, const struct run_result *res);

int output_summary(const char *path, const struct experiment *ex,
		   const struct run_result *res, const int *selected,
		   char *const *csv_names);

/* Everything needed to rerun and to audit the run. status is "complete" or
 * "interrupted". */
int output_metadata(const char *path, const struct experiment *ex,
		    const struct dataset *ds, const struct preprocess_info *pre,
		    const struct run_result *res, const int *selected,
		    char *const *csv_names, const char *status);

/* Splits one CSV line in place (double-quoted fields may hold commas and
 * "" for a quote). Stores at most max fields; returns the field count. */
int csv_split(char *line, char **fields, int max);

#endif
