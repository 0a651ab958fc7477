/* preprocess: affine maps of a dataset's features and labels, applied once
 * after loading, with the statistics kept for the run metadata.
 *
 * Modes:
 *   none         data as loaded
 *   features     each feature centred and divided by its standard deviation
 *   standardize  features as above, and each label column likewise (default)
 *   whiten       PCA whitening of the features (zero mean, identity
 *                covariance; directions with variance below 1e-12 of the
 *                largest are dropped), labels centred and scaled by one
 *                factor so that the cross-covariance (1/m) sum y_i x_i^T has
 *                unit Frobenius norm (Arora, Cohen, Golowich & Hu 2019)
 * Standard deviations are population ones (divide by m); a constant feature
 * is only centred. */
#ifndef OVERPARAM_PREPROCESS_H
#define OVERPARAM_PREPROCESS_H

#include "overparam/dataset.h"
#include "overparam/names.h"

enum preprocess_mode {
	PREPROCESS_NONE,
	PREPROCESS_FEATURES,
	PREPROCESS_STANDARDIZE,
	PREPROCESS_WHITEN,
};

struct preprocess_info {
	enum preprocess_mode mode;
	int d, k;
	double *x_mean, *x_std; /* (d) before the map; NULL for none */
	double *y_mean, *y_std; /* (k) before the map; NULL for none/features */
	double y_scale;         /* whiten: the one label factor applied */
	int n_constant;         /* features with zero variance */
	int n_dropped;          /* whiten: directions dropped for ~0 variance */
};

/* The modes' names, in enum order ("none", "features", ...). */
extern const struct name_map preprocess_mode_names;

/* Parses a mode name; returns 0 on success, -1 if unknown. */
int preprocess_mode_parse(const char *name, enum preprocess_mode *out);
const char *preprocess_mode_name(enum preprocess_mode mode);

/* Applies mode to ds in place and fills info (caller releases it). */
int preprocess_apply(struct dataset *ds, enum preprocess_mode mode,
		     struct preprocess_info *info);

void preprocess_info_release(struct preprocess_info *info);

#endif
