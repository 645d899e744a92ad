/* Partial top-k by insertion into a short sorted list (see topk.h). k is
 * small (KNN's k plus a margin) and most values of a long stream fail the
 * first comparison with the current k-th value, so the scan is one compare
 * per value, sixteen at a time with SSE2. */
#include "kernels/topk.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "base/vectorize.h"

void fmnist__topk_init(fmnist__topk *t, size_t k, float *val, uint32_t *idx) {
  t->k = k;
  t->len = 0;
  t->val = val;
  t->idx = idx;
}

/* (a, ia) ranks before (b, ib). */
static int before(float a, uint32_t ia, float b, uint32_t ib) {
  return a < b || (a == b && ia < ib);
}

void fmnist__topk_push1(fmnist__topk *t, float v, uint32_t index) {
  if (!(v == v)) return; /* NaN */
  size_t p = t->len;
  if (p == t->k) {
    if (!before(v, index, t->val[p - 1], t->idx[p - 1])) return;
    p--; /* the last entry falls out */
  } else {
    t->len++;
  }
  while (p > 0 && before(v, index, t->val[p - 1], t->idx[p - 1])) {
    t->val[p] = t->val[p - 1];
    t->idx[p] = t->idx[p - 1];
    p--;
  }
  t->val[p] = v;
  t->idx[p] = index;
}

void fmnist__topk_push(fmnist__topk *t, const float *v, size_t n,
                       uint32_t first) {
  size_t j = 0;
  /* Fill phase: every value enters until the list is full. */
  for (; j < n && t->len < t->k; j++) fmnist__topk_push1(t, v[j], first + (uint32_t)j);
  /* Steady phase: one comparison with the k-th value decides for almost
   * every value; equality needs the index test (stream order is free). */
  if (j == n) return;
  for (j = fmnist__find_at_most(v, n, j, t->val[t->k - 1]); j < n;
       j = fmnist__find_at_most(v, n, j + 1, t->val[t->k - 1]))
    fmnist__topk_push1(t, v[j], first + (uint32_t)j);
}

size_t fmnist__find_at_most(const float *v, size_t n, size_t from, float limit) {
  size_t j = from;
  /* Blocks of 16 ruled out at once (gcc does not vectorize the any-of
   * test by itself); the block that has one is searched value by value. */
#if defined(__SSE2__)
  const __m128 lim = _mm_set1_ps(limit);
  for (; j + 16 <= n; j += 16) {
    __m128 a = _mm_cmple_ps(_mm_loadu_ps(v + j), lim);
    __m128 b = _mm_cmple_ps(_mm_loadu_ps(v + j + 4), lim);
    __m128 c = _mm_cmple_ps(_mm_loadu_ps(v + j + 8), lim);
    __m128 d = _mm_cmple_ps(_mm_loadu_ps(v + j + 12), lim);
    if (_mm_movemask_ps(_mm_or_ps(_mm_or_ps(a, b), _mm_or_ps(c, d)))) break;
  }
#else
  for (; j + 16 <= n; j += 16) {
    int hit = 0;
    for (size_t u = 0; u < 16; u++) hit |= v[j + u] <= limit;
    if (hit) break;
  }
#endif
  for (; j < n; j++)
    if (v[j] <= limit) return j;
  return n;
}

void fmnist__topk_push_add(fmnist__topk *t, const float *v, const float *add, size_t n,
                           uint32_t first) {
  size_t j = 0;
  for (; j < n && t->len < t->k; j++) fmnist__topk_push1(t, v[j] + add[j], first + (uint32_t)j);
  if (j == n) return;
  float worst = t->val[t->k - 1];
  for (; j < n; j++) {
    float x = v[j] + add[j];
    if (x <= worst) {
      fmnist__topk_push1(t, x, first + (uint32_t)j);
      worst = t->val[t->k - 1];
    }
  }
}
