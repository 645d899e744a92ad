/* Seeded random numbers: xoshiro256** seeded through splitmix64.
 *
 * Sub-streams: fmnist__rng_init(&r, seed, stream) gives an independent
 * generator for each (seed, stream) pair, so parallel tasks draw from
 * (seed, task index) and results never depend on which thread ran a task. */
#ifndef FMNIST_SRC_RNG_H
#define FMNIST_SRC_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct fmnist__rng {
  uint64_t s[4];
} fmnist__rng;

void fmnist__rng_init(fmnist__rng *r, uint64_t seed, uint64_t stream);
uint64_t fmnist__rng_next(fmnist__rng *r);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t fmnist__rng_below(fmnist__rng *r, uint64_t n);
/* Uniform double in [0, 1). */
double fmnist__rng_uniform(fmnist__rng *r);
/* Standard normal (Box-Muller, one value per call). */
double fmnist__rng_normal(fmnist__rng *r);
/* Fisher-Yates shuffle of idx[0..n-1]. */
void fmnist__rng_shuffle(fmnist__rng *r, size_t *idx, size_t n);

#endif
