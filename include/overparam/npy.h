/* npy: NumPy's .npy format (version 1.0) for 2-D float64 arrays, so saved
 * weights load with numpy.load(). Little-endian '<f8', C order. */
#ifndef OVERPARAM_NPY_H
#define OVERPARAM_NPY_H

/* Writes A (rows, cols) row-major to path atomically. */
int npy_write(const char *path, int rows, int cols, const double *A);

/* Reads a 2-D (or 1-D, as one row) '<f8' C-order array; *out is malloc'ed.
 * Errors (ERR_INPUT) name the file and what is wrong. */
int npy_read(const char *path, int *rows, int *cols, double **out);

#endif
