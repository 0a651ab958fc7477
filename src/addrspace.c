/* addrspace: the address-space limit against what a run needs (see
 * addrspace.h). */
#include "overparam/addrspace.h"
#include "overparam/error.h"

#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

/* Bytes this process maps now (the first field of /proc/self/statm), or 0
 * where that is not known. */
static double mapped_now(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0;
	if (f) {
		if (fscanf(f, "%ld", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	return (double)pages * (double)sysconf(_SC_PAGE_SIZE);
}

static int refused;

int addrspace_refused(void)
{
	return refused;
}

int addrspace_check(int blas_callers, double extra)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return ERR_OK;
	double limit = (double)rl.rlim_cur;
	double need = mapped_now() + blas_callers * ADDRSPACE_BLAS_BUFFER + extra;
	if (need <= limit)
		return ERR_OK;
	refused = 1;
	return err_set(ERR_RUNTIME,
		       "the address-space limit (ulimit -v) is %.0f MiB; this run needs about %.0f MiB (%.0f mapped, %d x %.0f MiB OpenBLAS buffers, %.0f for the run): raise the limit or use fewer --threads",
		       limit / 1048576, need / 1048576, mapped_now() / 1048576, blas_callers,
		       ADDRSPACE_BLAS_BUFFER / 1048576, extra / 1048576);
}
