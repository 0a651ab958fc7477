/* addrspace: a run that would hang is refused instead. Under an address
 * space limit (ulimit -v) OpenBLAS retries a failed allocation of its work
 * buffer forever, at full CPU; so before the first BLAS call the limit is
 * held against what OpenBLAS reserves and what the process already maps. */
#ifndef OVERPARAM_ADDRSPACE_H
#define OVERPARAM_ADDRSPACE_H

/* The work buffer OpenBLAS maps for each thread that calls it (Debian's
 * x86_64 build: 128 MiB, seen in blas_memory_alloc). */
#define ADDRSPACE_BLAS_BUFFER (128.0 * 1048576.0)

/* ERR_RUNTIME, naming the limit and what is needed, when RLIMIT_AS is
 * below the address space mapped now plus one OpenBLAS buffer for each of
 * blas_callers threads plus extra bytes (the run's own estimate);
 * ERR_OK without a limit. */
int addrspace_check(int blas_callers, double extra);

/* 1 after addrspace_check refused: main() then ends with _exit, since
 * OpenBLAS's exit handler would wait for its threads, which wait for
 * memory the limit does not give. */
int addrspace_refused(void);

#endif
