/* idx: IDX files and the MNIST set (see idx.h). */
#include "overparam/idx.h"
#include "overparam/error.h"
#include "overparam/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole (decompressed) content of path into *buf, *len. */
static int read_bytes(const char *path, unsigned char **buf, size_t *len)
{
	size_t n = strlen(path);
	if (!str_ends_with(path, ".gz")) {
		*buf = (unsigned char *)file_read_all(path, len);
		return *buf ? ERR_OK : ERR_INPUT;
	}
	FILE *probe = fopen(path, "rb"); /* a clear message when it is missing */
	if (!probe)
		return err_set(ERR_INPUT, "cannot open '%s': %s", path, strerror(errno));
	fclose(probe);
	char *cmd = malloc(4 * n + 48);
	if (!cmd)
		return err_set(ERR_RUNTIME, "out of memory");
	/* single-quoted for the shell, quotes in the name escaped */
	char *q = cmd + sprintf(cmd, "gzip -dc -- '");
	for (const char *p = path; *p; p++)
		q += *p == '\'' ? sprintf(q, "'\\''") : sprintf(q, "%c", *p);
	sprintf(q, "' 2>/dev/null");
	FILE *f = popen(cmd, "r");
	free(cmd);
	if (!f)
		return err_set(ERR_INPUT, "cannot run gzip for '%s': %s", path, strerror(errno));
	char *b = stream_read_all(f, path, len);
	if (pclose(f) != 0 || !b) {
		free(b);
		return err_set(ERR_INPUT, "%s: not a readable gzip file", path);
	}
	*buf = (unsigned char *)b;
	return ERR_OK;
}

static unsigned long be32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
	       (unsigned long)p[2] << 8 | p[3];
}

int idx_load(const char *path, struct idx *out)
{
	memset(out, 0, sizeof(*out));
	unsigned char *b = NULL;
	size_t len = 0;
	int rc = read_bytes(path, &b, &len);
	if (rc)
		return rc;
	if (len < 4)
		rc = err_set(ERR_INPUT, "%s:0: %zu bytes, too short for an IDX header", path, len);
	else if (b[0] != 0 || b[1] != 0)
		rc = err_set(ERR_INPUT, "%s:0: not an IDX file (magic %02x %02x %02x %02x)", path, b[0],
			     b[1], b[2], b[3]);
	else if (b[2] != 0x08)
		rc = err_set(ERR_INPUT, "%s:2: element type 0x%02x, only unsigned bytes (0x08) are read",
			     path, b[2]);
	else if (b[3] < 1 || b[3] > 3)
		rc = err_set(ERR_INPUT, "%s:3: %d dimensions, expected 1 to 3", path, b[3]);
	else if (len < 4 + 4 * (size_t)b[3])
		rc = err_set(ERR_INPUT, "%s:%zu: truncated header (%d dimensions need %d bytes)", path,
			     len, b[3], 4 + 4 * b[3]);
	size_t total = 1, head = rc ? 0 : 4 + 4 * (size_t)b[3];
	for (int d = 0; !rc && d < b[3]; d++) {
		unsigned long v = be32(b + 4 + 4 * d);
		if (v == 0 || v > 100000000UL)
			rc = err_set(ERR_INPUT, "%s:%d: dimension %d is %lu (1..100000000)", path, 4 + 4 * d,
				     d, v);
		else if (total > ((size_t)1 << 40) / v)
			rc = err_set(ERR_INPUT, "%s:%d: the sizes give more than 2^40 bytes", path, 4 + 4 * d);
		else {
			out->dims[d] = (int)v;
			total *= v;
		}
	}
	if (!rc && len - head < total)
		rc = err_set(ERR_INPUT, "%s:%zu: truncated: %zu bytes of data, the header gives %zu", path,
			     len, len - head, total);
	else if (!rc && len - head > total)
		rc = err_set(ERR_INPUT, "%s:%zu: %zu bytes after the data the header gives", path,
			     head + total, len - head - total);
	if (!rc) {
		out->ndim = b[3];
		out->n = total;
		out->data = malloc(total ? total : 1);
		if (!out->data)
			rc = err_set(ERR_RUNTIME, "out of memory");
		else
			memcpy(out->data, b + head, total);
	}
	free(b);
	if (rc)
		idx_release(out);
	return rc;
}

void idx_release(struct idx *x)
{
	free(x->data);
	memset(x, 0, sizeof(*x));
}

/* dir/name, or dir/name.gz when only that exists (malloc'ed). */
static char *find_file(const char *dir, const char *name)
{
	char *p = path_join(dir, name);
	if (!p)
		return NULL;
	FILE *f = fopen(p, "rb");
	if (f) {
		fclose(f);
		return p;
	}
	char gz[512];
	snprintf(gz, sizeof(gz), "%s.gz", name);
	char *q = path_join(dir, gz);
	f = q ? fopen(q, "rb") : NULL;
	if (f) {
		fclose(f);
		free(p);
		return q;
	}
	free(q);
	return p; /* the raw name, for the error message */
}

static int load_split(const char *dir, const char *prefix, struct mnist_split *s)
{
	char name[64];
	snprintf(name, sizeof(name), "%s-images-idx3-ubyte", prefix);
	char *ip = find_file(dir, name);
	snprintf(name, sizeof(name), "%s-labels-idx1-ubyte", prefix);
	char *lp = find_file(dir, name);
	struct idx im = {0}, lb = {0};
	int rc = ip && lp ? ERR_OK : err_set(ERR_RUNTIME, "out of memory");
	if (!rc)
		rc = idx_load(ip, &im);
	if (!rc)
		rc = idx_load(lp, &lb);
	if (!rc && (im.ndim != 3 || im.dims[1] != 28 || im.dims[2] != 28))
		rc = err_set(ERR_INPUT, "%s:3: images must be (n, 28, 28)", ip);
	else if (!rc && lb.ndim != 1)
		rc = err_set(ERR_INPUT, "%s:3: labels must have one dimension, not %d", lp, lb.ndim);
	else if (!rc && lb.dims[0] != im.dims[0])
		rc = err_set(ERR_INPUT, "%s:4: %d labels for %d images in '%s'", lp, lb.dims[0],
			     im.dims[0], ip);
	for (size_t i = 0; !rc && i < lb.n; i++)
		if (lb.data[i] > 9)
			rc = err_set(ERR_INPUT, "%s:%zu: label %d, expected 0..9", lp, 8 + i, lb.data[i]);
	if (!rc) {
		s->n = im.dims[0];
		s->images = im.data;
		s->labels = lb.data;
		im.data = lb.data = NULL;
	}
	idx_release(&im);
	idx_release(&lb);
	free(ip);
	free(lp);
	return rc;
}

int mnist_load(const char *dir, struct mnist *m)
{
	memset(m, 0, sizeof(*m));
	if (!path_is_dir(dir))
		return err_set(ERR_INPUT, "MNIST directory '%s' does not exist (scripts/fetch-data.sh mnist fetches the four IDX files; or set data.dir)",
			       dir);
	int rc = load_split(dir, "train", &m->train);
	if (!rc)
		rc = load_split(dir, "t10k", &m->test);
	if (rc)
		mnist_release(m);
	return rc;
}

void mnist_release(struct mnist *m)
{
	free(m->train.images);
	free(m->train.labels);
	free(m->test.images);
	free(m->test.labels);
	memset(m, 0, sizeof(*m));
}
