/* Partial top-k: the k smallest values of a stream, with their indices.
 *
 * Order is by (value, index): of two equal values the smaller index ranks
 * first, so the result does not depend on how the stream was blocked. NaN
 * values are never kept. The caller provides the storage (no allocation). */
#ifndef FMNIST_SRC_KERNELS_TOPK_H
#define FMNIST_SRC_KERNELS_TOPK_H

#include <stddef.h>
#include <stdint.h>

typedef struct fmnist__topk {
  size_t k;      /* capacity */
  size_t len;    /* entries kept so far, <= k */
  float *val;    /* val[0..len-1] ascending */
  uint32_t *idx; /* index of each kept value */
} fmnist__topk;

/* Empties t; val and idx must hold k entries (k >= 1). */
void fmnist__topk_init(fmnist__topk *t, size_t k, float *val, uint32_t *idx);
/* Offers v[0..n-1] with indices first, first+1, ... */
void fmnist__topk_push(fmnist__topk *t, const float *v, size_t n,
                       uint32_t first);
/* Offers v[j] + add[j] (summed in float) for j < n, indices first, ... */
void fmnist__topk_push_add(fmnist__topk *t, const float *v, const float *add, size_t n,
                           uint32_t first);
/* Offers one value with its index. */
void fmnist__topk_push1(fmnist__topk *t, float v, uint32_t index);
/* The first j in [from, n) with v[j] <= limit (NaN never), or n. */
size_t fmnist__find_at_most(const float *v, size_t n, size_t from, float limit);

#endif
