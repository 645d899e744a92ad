/* xoshiro256** (Blackman and Vigna), seeded by splitmix64. */
#include "base/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t fmnist__stream(fmnist__stream_space space, uint64_t index) {
  const uint64_t mask = ((uint64_t)1 << FMNIST__STREAM_INDEX_BITS) - 1;
  return (uint64_t)space << FMNIST__STREAM_INDEX_BITS | (index & mask);
}

void fmnist__rng_init(fmnist__rng *r, uint64_t seed, fmnist__stream_space space,
                      uint64_t index) {
  /* Mix the stream in through a second splitmix64 pass so that nearby
   * (seed, stream) pairs give unrelated states. */
  const uint64_t stream = fmnist__stream(space, index);
  uint64_t x = seed;
  uint64_t y = splitmix64(&x) ^ (stream * 0xd1342543de82ef95ULL);
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&y);
}

uint64_t fmnist__rng_below(fmnist__rng *r, uint64_t n) {
  /* Rejection keeps the result exactly uniform. */
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = fmnist__rng_next(r);
  while (x >= limit);
  return x % n;
}

double fmnist__rng_normal(fmnist__rng *r) {
  double u1 = 1.0 - fmnist__rng_uniform(r); /* (0, 1]: log stays finite */
  double u2 = fmnist__rng_uniform(r);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void fmnist__rng_shuffle(fmnist__rng *r, size_t *idx, size_t n) {
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)fmnist__rng_below(r, i);
    size_t t = idx[i - 1];
    idx[i - 1] = idx[j];
    idx[j] = t;
  }
}
