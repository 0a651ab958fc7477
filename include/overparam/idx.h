/* idx: the IDX files of MNIST (LeCun's format) and the four files of the
 * MNIST data set.
 *
 * An IDX file is a 4-byte magic 0x0000TTNN (TT = 0x08: unsigned bytes, the
 * only type MNIST uses; NN = the number of dimensions), NN big-endian 32-bit
 * sizes, then the bytes in row-major order. Files are raw, or gzip when the
 * name ends in ".gz" (read through the external `gzip -dc`). Errors are
 * ERR_INPUT and name the file and the byte offset where it goes wrong:
 * "data/mnist/t10k-labels-idx1-ubyte:3: 4 dimensions, expected 1 to 3". */
#ifndef OVERPARAM_IDX_H
#define OVERPARAM_IDX_H

#include <stddef.h>

struct idx {
	int ndim;            /* 1..3 */
	int dims[3];         /* dims[0] is the item count */
	unsigned char *data; /* (dims[0], ..., dims[ndim-1]) bytes, owned */
	size_t n;            /* product of the dims */
};

int idx_load(const char *path, struct idx *out);
void idx_release(struct idx *x);

/* One split of MNIST: n images of 28 x 28 pixels (0..255, row-major) and
 * their labels 0..9. */
struct mnist_split {
	int n;
	unsigned char *images; /* (n, 28, 28), owned */
	unsigned char *labels; /* (n), owned */
};

struct mnist {
	struct mnist_split train, test; /* 60,000 and 10,000 in the real set */
};

/* Loads dir/{train,t10k}-{images-idx3,labels-idx1}-ubyte (each raw or
 * .gz): images must be (n, 28, 28), labels (n) in 0..9, as many labels as
 * images. On failure m is released. */
int mnist_load(const char *dir, struct mnist *m);
void mnist_release(struct mnist *m);

#endif
