/* Seeded random numbers: xoshiro256** seeded through splitmix64.
 *
 * Sub-streams: fmnist__rng_init(&r, seed, space, index) gives an
 * independent generator for each (seed, stream) pair, where the stream
 * number is the use's space in the top bits and the task index below it.
 * Every use of randomness has its own space, so no two uses can draw the
 * same stream whatever seeds and indices they are given (the split of a
 * data set and the model trained on it usually share a seed), and parallel
 * tasks draw from (seed, space, task index), so results never depend on
 * which thread ran a task. */
#ifndef FMNIST_SRC_BASE_RNG_H
#define FMNIST_SRC_BASE_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct fmnist__rng {
  uint64_t s[4];
} fmnist__rng;

/* The spaces, one per use, with what their index counts. Values are part
 * of every published result: append, never renumber. */
typedef enum fmnist__stream_space {
  FMNIST__STREAM_SPLIT = 0,  /* data sets: FMNIST__SPLIT_PERMUTATION, _PARTS */
  FMNIST__STREAM_EPOCH_ORDER, /* index: epoch (batcher, net, logreg SGD) */
  FMNIST__STREAM_TRANSFORM,   /* index: image number in a transform pipeline */
  FMNIST__STREAM_FOREST_TREE, /* index: tree */
  FMNIST__STREAM_LOGREG_SAG,  /* index 0: SAG's sample draws */
  FMNIST__STREAM_NET_INIT,    /* index: layer */
  FMNIST__STREAM_NET_TRAIN,   /* index 0: the training pass (a seed per noise and dropout
                                 layer per step) */
  FMNIST__STREAM_DROPOUT,     /* index: block of an image's mask (fmnist__draw_values) */
  FMNIST__STREAM_PCA_BASIS,   /* index 0: KNN's starting principal basis */
  FMNIST__STREAM_NET_AUGMENT, /* index: image number over a net's fit (epoch*n + position) */
  FMNIST__STREAM_NOISE,       /* index: block of an image's noise (fmnist__draw_values) */
  FMNIST__STREAM_SPACES
} fmnist__stream_space;

/* Indices of the split space: the permutation of a split, k folds or a
 * shuffle, and the reshuffle of a stratified split's parts. */
enum { FMNIST__SPLIT_PERMUTATION = 0, FMNIST__SPLIT_PARTS = 1 };

/* Bits of the index below the space: an index wraps within its own space
 * (after 2^56 tasks), never into another. */
#define FMNIST__STREAM_INDEX_BITS 56

/* The stream number of (space, index). */
uint64_t fmnist__stream(fmnist__stream_space space, uint64_t index);
void fmnist__rng_init(fmnist__rng *r, uint64_t seed, fmnist__stream_space space,
                      uint64_t index);
/* One step of the generator (xoshiro256**) on its four words wherever
 * they are: a generator's s[], or one lane of several generators' words
 * kept side by side, a loop over which vectorizes. */
static inline uint64_t fmnist__rng_step(uint64_t *s0, uint64_t *s1, uint64_t *s2, uint64_t *s3) {
  const uint64_t x = *s1 * 5, result = ((x << 7) | (x >> 57)) * 9;
  const uint64_t t = *s1 << 17;
  *s2 ^= *s0;
  *s3 ^= *s1;
  *s1 ^= *s2;
  *s0 ^= *s3;
  *s2 ^= t;
  *s3 = (*s3 << 45) | (*s3 >> 19);
  return result;
}
/* The next 64 bits (inline: the per-value loops of dropout and noise draw
 * one per value or two). */
static inline uint64_t fmnist__rng_next(fmnist__rng *r) {
  return fmnist__rng_step(&r->s[0], &r->s[1], &r->s[2], &r->s[3]);
}
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t fmnist__rng_below(fmnist__rng *r, uint64_t n);
/* Uniform double in [0, 1). */
static inline double fmnist__rng_uniform(fmnist__rng *r) {
  return (double)(fmnist__rng_next(r) >> 11) * 0x1.0p-53;
}
/* Standard normal (Box-Muller, one value per call). */
double fmnist__rng_normal(fmnist__rng *r);
/* Fisher-Yates shuffle of idx[0..n-1]. */
void fmnist__rng_shuffle(fmnist__rng *r, size_t *idx, size_t n);

#endif
