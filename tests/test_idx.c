/* IDX files and MNIST: fixtures written here (a 3-dimensional and a
 * 1-dimensional file, raw and gzip, and malformed ones: bad magic, wrong
 * type, truncated header and data, trailing bytes, a zero dimension, a
 * label count that differs, a label out of range), each read back or
 * refused with the file and byte offset named. With --mnist DIR, the real
 * set: 60,000 and 10,000 images of 28 x 28, and the label counts per digit
 * published with it (../shared/data/mnist/README.md). */
#include "check.h"
#include "overparam/error.h"
#include "overparam/idx.h"

#include <unistd.h>

static char dir[256];

/* Writes bytes to dir/name; returns the path (static buffer). */
static const char *put(const char *name, const unsigned char *b, size_t n)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	fwrite(b, 1, n, f);
	fclose(f);
	return path;
}

/* An IDX header (magic type 0x08) for the given dims, then payload. */
static size_t make_idx(unsigned char *out, int ndim, const int *dims, const unsigned char *data,
		       size_t n)
{
	size_t k = 0;
	out[k++] = 0;
	out[k++] = 0;
	out[k++] = 0x08;
	out[k++] = (unsigned char)ndim;
	for (int d = 0; d < ndim; d++) {
		out[k++] = (unsigned char)(dims[d] >> 24);
		out[k++] = (unsigned char)(dims[d] >> 16);
		out[k++] = (unsigned char)(dims[d] >> 8);
		out[k++] = (unsigned char)dims[d];
	}
	memcpy(out + k, data, n);
	return k + n;
}

static void refused(const char *label, const char *path, const char *want)
{
	struct idx x;
	int rc = idx_load(path, &x);
	check_true(label, rc == ERR_INPUT);
	check_contains(label, err_message(), want);
	err_clear();
}

static void fixtures(void)
{
	unsigned char data[2 * 3 * 4], buf[256];
	for (int i = 0; i < 24; i++)
		data[i] = (unsigned char)(10 * i + 1);
	int dims3[3] = {2, 3, 4};
	size_t n = make_idx(buf, 3, dims3, data, 24);
	const char *p = put("a-idx3", buf, n);
	struct idx x;
	check_true("valid 3-d file loads", idx_load(p, &x) == ERR_OK);
	check_true("3-d shape", x.ndim == 3 && x.dims[0] == 2 && x.dims[1] == 3 && x.dims[2] == 4 &&
					 x.n == 24);
	check_true("3-d bytes", x.data && memcmp(x.data, data, 24) == 0);
	idx_release(&x);

	/* gzip: through `gzip -dc`, the same bytes. */
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "gzip -c '%s/a-idx3' > '%s/a-idx3.gz'", dir, dir);
	if (system(cmd) == 0) {
		snprintf(cmd, sizeof(cmd), "%s/a-idx3.gz", dir);
		check_true("gzip file loads", idx_load(cmd, &x) == ERR_OK);
		check_true("gzip bytes", x.n == 24 && memcmp(x.data, data, 24) == 0);
		idx_release(&x);
		const unsigned char junk[] = "not gzip at all";
		refused("corrupt gzip", put("bad.gz", junk, sizeof(junk)), "bad.gz: not a readable gzip file");
	}

	unsigned char bad[256];
	memcpy(bad, buf, n);
	bad[0] = 0x1f;
	refused("bad magic", put("magic", bad, n), "magic:0: not an IDX file (magic 1f 00 08 03)");
	memcpy(bad, buf, n);
	bad[2] = 0x0d;
	refused("float type", put("type", bad, n), "type:2: element type 0x0d, only unsigned bytes");
	memcpy(bad, buf, n);
	bad[3] = 4;
	refused("4 dimensions", put("dims4", bad, n), "dims4:3: 4 dimensions, expected 1 to 3");
	refused("short header", put("short", buf, 9), "short:9: truncated header (3 dimensions need 16 bytes)");
	refused("3 bytes", put("tiny", buf, 3), "tiny:0: 3 bytes, too short for an IDX header");
	refused("truncated data", put("trunc", buf, n - 5),
		"trunc:35: truncated: 19 bytes of data, the header gives 24");
	memcpy(bad, buf, n);
	bad[n] = 7;
	refused("trailing bytes", put("trail", bad, n + 1), "trail:40: 1 bytes after the data");
	int zero[3] = {2, 0, 4};
	n = make_idx(bad, 3, zero, data, 0);
	refused("zero dimension", put("zero", bad, n), "zero:8: dimension 1 is 0");
	refused("missing file", "/nonexistent/x-idx1", "cannot open '/nonexistent/x-idx1'");

	/* An MNIST-shaped set: 3 training images, 2 test images. */
	unsigned char img[3 * 28 * 28], lab[3] = {7, 0, 9};
	for (int i = 0; i < 3 * 28 * 28; i++)
		img[i] = (unsigned char)(i * 7);
	static unsigned char big[8000];
	int di[3] = {3, 28, 28}, dl[1] = {3}, ti[3] = {2, 28, 28}, tl[1] = {2};
	put("train-images-idx3-ubyte", big, make_idx(big, 3, di, img, sizeof(img)));
	put("train-labels-idx1-ubyte", big, make_idx(big, 1, dl, lab, 3));
	put("t10k-images-idx3-ubyte", big, make_idx(big, 3, ti, img, 2 * 28 * 28));
	put("t10k-labels-idx1-ubyte", big, make_idx(big, 1, tl, lab, 2));
	struct mnist m;
	check_true("MNIST-shaped set loads", mnist_load(dir, &m) == ERR_OK);
	check_true("MNIST-shaped counts", m.train.n == 3 && m.test.n == 2);
	check_true("MNIST-shaped labels", m.train.labels[0] == 7 && m.train.labels[2] == 9 &&
						  m.test.labels[1] == 0);
	check_true("MNIST-shaped pixels", m.train.images[100] == (unsigned char)700 &&
						  m.test.images[1567] == (unsigned char)(1567 * 7));
	mnist_release(&m);
	unsigned char lab_bad[2] = {3, 12};
	put("t10k-labels-idx1-ubyte", big, make_idx(big, 1, tl, lab_bad, 2));
	check_true("label 12 refused", mnist_load(dir, &m) == ERR_INPUT);
	check_contains("label 12 message", err_message(), "t10k-labels-idx1-ubyte:9: label 12, expected 0..9");
	int tl3[1] = {3};
	put("t10k-labels-idx1-ubyte", big, make_idx(big, 1, tl3, lab, 3));
	check_true("count mismatch refused", mnist_load(dir, &m) == ERR_INPUT);
	check_contains("count mismatch message", err_message(), "3 labels for 2 images");
	int wrong[3] = {2, 28, 27};
	put("t10k-labels-idx1-ubyte", big, make_idx(big, 1, tl, lab, 2));
	put("t10k-images-idx3-ubyte", big, make_idx(big, 3, wrong, img, 2 * 28 * 27));
	check_true("27 columns refused", mnist_load(dir, &m) == ERR_INPUT);
	check_contains("27 columns message", err_message(), "images must be (n, 28, 28)");
	err_clear();
}

/* The real set: sizes and the published label counts. */
static void real_mnist(const char *path)
{
	static const int train_counts[10] = {5923, 6742, 5958, 6131, 5842,
					     5421, 5918, 6265, 5851, 5949};
	static const int test_counts[10] = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
	struct mnist m;
	if (!check_true("MNIST loads", mnist_load(path, &m) == ERR_OK)) {
		fprintf(stderr, "%s\n", err_message());
		return;
	}
	check_true("60,000 training images", m.train.n == 60000);
	check_true("10,000 test images", m.test.n == 10000);
	int ct[10] = {0}, cs[10] = {0}, top = 0;
	for (int i = 0; i < m.train.n; i++)
		ct[m.train.labels[i]]++;
	for (int i = 0; i < m.test.n; i++)
		cs[m.test.labels[i]]++;
	for (size_t i = 0; i < (size_t)m.train.n * 784; i++)
		top = m.train.images[i] > top ? m.train.images[i] : top;
	for (int d = 0; d < 10; d++) {
		char label[64];
		snprintf(label, sizeof(label), "training count of digit %d", d);
		check_true(label, ct[d] == train_counts[d]);
		snprintf(label, sizeof(label), "test count of digit %d", d);
		check_true(label, cs[d] == test_counts[d]);
	}
	check_true("pixels reach 255", top == 255);
	mnist_release(&m);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--mnist")) {
		if (access(argv[2], F_OK) != 0) {
			printf("test_idx: skipped: no MNIST in '%s' (scripts/fetch-data.sh mnist)\n", argv[2]);
			return 77;
		}
		real_mnist(argv[2]);
		return check_done("test_idx --mnist");
	}
	snprintf(dir, sizeof(dir), "/tmp/test_idx.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	fixtures();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_idx: could not remove '%s'\n", dir);
	return check_done("test_idx");
}
