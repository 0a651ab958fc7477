/* sha256: SHA-256 (FIPS 180-4) of a file, for recording which data files a
 * run read. None of the project's libraries offers it, so it lives here,
 * checked against the FIPS test vectors in tests/test_dataset.c. */
#ifndef OVERPARAM_SHA256_H
#define OVERPARAM_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;       /* bytes so far */
	unsigned char buf[64];
	size_t used;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
/* Writes 64 lower-case hex digits and a NUL into hex (65 bytes). */
void sha256_final_hex(struct sha256 *s, char hex[65]);

/* Hex digest of a file's bytes; ERR_INPUT naming the file if unreadable. */
int sha256_file(const char *path, char hex[65]);

#endif
