/* lines: arrays of doubles on cache lines (see lines.h). */
#include "overparam/lines.h"

#include <stdlib.h>
#include <string.h>

double *lines_alloc(size_t n)
{
	size_t bytes = (n ? n : 1) * sizeof(double);
	if (bytes / sizeof(double) != (n ? n : 1) || bytes > (size_t)-1 - 63)
		return NULL;
	return aligned_alloc(64, (bytes + 63) / 64 * 64);
}

double *lines_calloc(size_t n)
{
	double *p = lines_alloc(n);
	if (p)
		memset(p, 0, (n ? n : 1) * sizeof(double));
	return p;
}
