/* convnet_files: the files of a convnet run directory (see convnet_run.c):
 * runs/NN-label.csv, summary.csv (the linear runs' columns, output.h),
 * metadata.json, weights/NN-label/{init,final}/<tensor>.npy and the
 * checkpoint of an interrupted run, written and read back. Every file is
 * written atomically (fileio.h). */
#ifndef OVERPARAM_CONVNET_FILES_H
#define OVERPARAM_CONVNET_FILES_H

#include <stddef.h>

#include "overparam/convnet.h"
#include "overparam/convnet_config.h"

/* One step's row: the batch loss and its parts before the step, the
 * validation error after it (NAN when not evaluated). */
struct convnet_row {
	long step;
	double epoch, lr, loss, ce, l2, error, validation_error;
};

/* A run's rows (owned) and results. */
struct convnet_result {
	struct convnet_row *rows;
	long n_rows;
	const char *status;   /* "ok", "diverged", "interrupted" (static) */
	long diverged_at;
	double test_error, seconds;
	size_t n_params;
};

/* The last row's loss and the smallest (NAN without rows). */
double convnet_final_loss(const struct convnet_result *res);
double convnet_min_loss(const struct convnet_result *res);

/* wdir/tag/<tensor>.npy for every tensor of net, as float64. */
int convnet_save_weights(const char *wdir, const char *tag, const struct convnet *net);

/* wdir/checkpoint/: params.npy and accum.npy (1, n_params) as float64
 * (exact for float32 values too) and state.txt (the next step t, the
 * dropout generator, the seconds spent); load restores them into net. */
int convnet_save_checkpoint(const char *wdir, const struct convnet *net, long t, double seconds);
int convnet_load_checkpoint(const char *wdir, struct convnet *net, long *t, double *seconds);

/* The run CSV, and its first n rows read back into rows. */
int convnet_write_run_csv(const char *path, const struct convnet_result *res);
int convnet_load_rows(const char *csv_path, long n, struct convnet_row *rows);

/* summary.csv and metadata.json of the runs of ex (res, csv names and
 * steps indexed like ex->runs); status "complete" or "interrupted". */
int convnet_write_summary(const char *path, const struct convnet_experiment *ex,
			  const struct convnet_result *res, char *const *csv, const long *steps);
/* What metadata.json records beyond the config and the results. */
struct convnet_facts {
	int n_train, n_test, threads;
	long iterations_override; /* --iterations, or 0 (outdir.c checks it on --resume) */
	const char *status;       /* "complete" or "interrupted" */
};
int convnet_write_metadata(const char *path, const struct convnet_experiment *ex,
			   const struct convnet_result *res, char *const *csv, const long *steps,
			   const struct convnet_facts *facts);

/* For --resume: the MNIST files in data_path are the ones meta (the
 * directory's metadata.json) recorded, by SHA-256. ERR_INPUT naming the
 * file that changed. */
struct cJSON;
int convnet_check_data(const struct cJSON *meta, const char *data_path, const char *outdir);

#endif
