/* Partial top-k by insertion into a short sorted list (see topk.h). k is
 * small (KNN's k plus a margin) and most values of a long stream fail the
 * first comparison with the current k-th value, so the scan is one compare
 * per value, tested sixteen at a time. */
#include "topk.h"

#include "vectorize.h"

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
  float worst = t->val[t->k - 1];
  for (; j < n; j += 16) {
    size_t len = n - j < 16 ? n - j : 16;
    int hit = len < 16; /* blocks of 16: one vector test rules most out */
    if (!hit)
      for (size_t u = 0; u < 16; u++) hit |= v[j + u] <= worst;
    if (!hit) continue;
    for (size_t u = 0; u < len; u++)
      if (v[j + u] <= worst) {
        fmnist__topk_push1(t, v[j + u], first + (uint32_t)(j + u));
        worst = t->val[t->k - 1];
      }
  }
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
