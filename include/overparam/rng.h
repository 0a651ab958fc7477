/* rng: a small deterministic random number generator (xoshiro256**, seeded
 * through splitmix64), so that a seed gives the same weights on every
 * platform and libc. Not for cryptography. */
#ifndef OVERPARAM_RNG_H
#define OVERPARAM_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* Seeds the generator; every seed (0 included) gives a valid state. */
void rng_seed(struct rng *r, uint64_t seed);

/* Uniform 64-bit integer. */
uint64_t rng_u64(struct rng *r);

/* Uniform double in [0, 1) with 53 random bits. */
double rng_uniform(struct rng *r);

/* Standard normal draw (Box-Muller; one draw per call, no cached pair, so the
 * sequence depends only on the number of calls). */
double rng_normal(struct rng *r);

#endif
