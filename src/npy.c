/* npy: .npy v1.0 writer and a strict reader for what the writer makes
 * (see npy.h). Header: magic "\x93NUMPY", version 1 0, little-endian
 * uint16 header length, a Python dict literal padded with spaces and a
 * newline so the data starts at a multiple of 64 bytes. */
#include "overparam/npy.h"
#include "overparam/error.h"
#include "overparam/fileio.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int npy_write(const char *path, int rows, int cols, const double *A)
{
	char dict[128];
	int n = snprintf(dict, sizeof(dict),
			 "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }",
			 rows, cols);
	int total = 10 + n + 1, pad = (64 - total % 64) % 64;
	uint16_t hlen = (uint16_t)(n + pad + 1);
	struct afile af = {0};
	int rc = afile_open(&af, path);
	if (rc)
		return rc;
	unsigned char head[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
				  (unsigned char)(hlen & 0xff), (unsigned char)(hlen >> 8)};
	fwrite(head, 1, 10, af.f);
	fwrite(dict, 1, n, af.f);
	for (int i = 0; i < pad; i++)
		fputc(' ', af.f);
	fputc('\n', af.f);
	/* The machines here are little-endian, as '<f8' says. */
	fwrite(A, sizeof(double), (size_t)rows * cols, af.f);
	return afile_commit(&af);
}

int npy_read(const char *path, int *rows, int *cols, double **out)
{
	size_t len;
	char *buf = file_read_all(path, &len);
	if (!buf)
		return ERR_INPUT;
	int rc = ERR_OK;
	if (len < 10 || memcmp(buf, "\x93NUMPY\x01\x00", 8) != 0) {
		rc = err_set(ERR_INPUT, "%s: not a version 1.0 .npy file", path);
		goto out;
	}
	size_t hlen = (unsigned char)buf[8] | (size_t)(unsigned char)buf[9] << 8;
	if (10 + hlen > len) {
		rc = err_set(ERR_INPUT, "%s: truncated header", path);
		goto out;
	}
	char head[1024];
	snprintf(head, sizeof(head), "%.*s", (int)(hlen < 1023 ? hlen : 1023), buf + 10);
	if (!strstr(head, "'descr': '<f8'") || !strstr(head, "'fortran_order': False")) {
		rc = err_set(ERR_INPUT, "%s: expected little-endian float64 in C order", path);
		goto out;
	}
	char *shape = strstr(head, "'shape': (");
	int r = 0, c = 1;
	if (!shape || (sscanf(shape, "'shape': (%d, %d)", &r, &c) != 2 &&
		       sscanf(shape, "'shape': (%d,)", &r) != 1) || r < 0 || c < 0) {
		rc = err_set(ERR_INPUT, "%s: cannot read the shape", path);
		goto out;
	}
	if (!strstr(shape, ", ") || strstr(shape, ",)"))
		c = 1; /* 1-D: one column per element, returned as (r, 1) */
	size_t want = (size_t)r * c * sizeof(double);
	if (10 + hlen + want != len) {
		rc = err_set(ERR_INPUT, "%s: %zu data bytes, shape (%d, %d) needs %zu", path,
			     len - 10 - hlen, r, c, want);
		goto out;
	}
	*out = malloc(want ? want : 1);
	if (!*out) {
		rc = err_set(ERR_RUNTIME, "out of memory");
		goto out;
	}
	memcpy(*out, buf + 10 + hlen, want);
	*rows = r;
	*cols = c;
out:
	free(buf);
	return rc;
}
