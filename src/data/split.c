/* Subsets, seeded splits, k folds and in-place shuffles of datasets. */
#include <string.h>

#include "base/alloc.h"
#include "base/rng.h"
#include "base/status.h"
#include "data/dataset_impl.h"

/* A random permutation of 0..n-1 from the seed's split permutation. */
static size_t *permutation(size_t n, uint64_t seed, const char *what) {
  size_t bytes;
  size_t *p = fmnist__mul_ok(n, sizeof *p, &bytes) ? fmnist__alloc(bytes)
                                                   : NULL;
  if (!p) {
    fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory for %zu indices", what, n);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) p[i] = i;
  fmnist__rng r;
  fmnist__rng_init(&r, seed, FMNIST__STREAM_SPLIT, FMNIST__SPLIT_PERMUTATION);
  fmnist__rng_shuffle(&r, p, n);
  return p;
}

/* Gathers idx[0..a) into *first and idx[a..n) into *second; both or
 * neither are written. */
static fmnist_status gather_two(const fmnist_dataset *ds, const size_t *idx,
                                size_t a, size_t n, const char *what,
                                fmnist_dataset **first,
                                fmnist_dataset **second) {
  fmnist_dataset *f = NULL, *s = NULL;
  fmnist_status st = fmnist__dataset_gather(ds, idx, a, what, &f);
  if (st == FMNIST_OK) st = fmnist__dataset_gather(ds, idx + a, n - a, what, &s);
  if (st != FMNIST_OK) {
    fmnist_dataset_free(f);
    return st;
  }
  *first = f;
  *second = s;
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_dataset_subset(const fmnist_dataset *ds,
                                               const size_t *idx, size_t n,
                                               fmnist_dataset **out) {
  FMNIST__CHECK_ARG(ds);
  FMNIST__CHECK_ARG(out);
  if (n) FMNIST__CHECK_ARG(idx);
  for (size_t i = 0; i < n; i++)
    if (idx[i] >= ds->count)
      return fmnist__fail(FMNIST_E_INVALID, "fmnist_dataset_subset: index "
                          "%zu at position %zu, expected < %zu", idx[i], i,
                          ds->count);
  return fmnist__dataset_gather(ds, idx, n, "fmnist_dataset_subset", out);
}

/* Per-class share of `first` images by largest remainder: quota[c] =
 * floor(n_c * first / n), then one more for the classes with the largest
 * remainders (lowest class first on ties) until the quotas sum to first.
 * Each quota stays <= n_c because only a class with a remainder gets one. */
static int class_quotas(const size_t counts[FMNIST_CLASSES], size_t n,
                        size_t first, size_t quota[FMNIST_CLASSES]) {
  uint64_t rem[FMNIST_CLASSES];
  size_t given = 0;
  for (int c = 0; c < FMNIST_CLASSES; c++) {
    if (first && counts[c] > UINT64_MAX / first) return 0;
    uint64_t prod = (uint64_t)counts[c] * first;
    quota[c] = (size_t)(prod / n);
    rem[c] = prod % n;
    given += quota[c];
  }
  while (given < first) {
    int best = -1;
    for (int c = 0; c < FMNIST_CLASSES; c++)
      if (rem[c] > 0 && (best < 0 || rem[c] > rem[best])) best = c;
    quota[best]++;
    rem[best] = 0;
    given++;
  }
  return 1;
}

FMNIST_API fmnist_status fmnist_dataset_split(const fmnist_dataset *ds,
                                              size_t first_count,
                                              int stratified, uint64_t seed,
                                              fmnist_dataset **first,
                                              fmnist_dataset **second) {
  static const char what[] = "fmnist_dataset_split";
  FMNIST__CHECK_ARG(ds);
  FMNIST__CHECK_ARG(first);
  FMNIST__CHECK_ARG(second);
  const size_t n = ds->count;
  if (first_count > n)
    return fmnist__fail(FMNIST_E_INVALID, "%s: first_count %zu, expected at "
                        "most the %zu images of the dataset", what,
                        first_count, n);
  size_t *perm = permutation(n, seed, what);
  if (!perm) return FMNIST_E_NOMEM;
  size_t *order = NULL;
  fmnist_status st;
  if (stratified && n > 0) {
    size_t counts[FMNIST_CLASSES] = {0}, quota[FMNIST_CLASSES];
    for (size_t i = 0; i < n; i++) counts[ds->labels[i]]++;
    if (!class_quotas(counts, n, first_count, quota)) {
      st = fmnist__fail(FMNIST_E_INVALID, "%s: %zu images are too many for "
                        "a stratified split", what, n);
      goto done;
    }
    order = fmnist__alloc(n * sizeof *order);
    if (!order) {
      st = fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory for %zu indices",
                        what, n);
      goto done;
    }
    /* Walking the permutation, the first quota[c] images of class c go to
     * the first part: a random subset of the class, and both parts stay in
     * random order. */
    size_t a = 0, b = first_count;
    for (size_t i = 0; i < n; i++) {
      int c = ds->labels[perm[i]];
      if (quota[c] > 0) {
        quota[c]--;
        order[a++] = perm[i];
      } else {
        order[b++] = perm[i];
      }
    }
  }
  st = gather_two(ds, order ? order : perm, first_count, n, what, first,
                  second);
done:
  fmnist__free(order);
  fmnist__free(perm);
  return st;
}

FMNIST_API fmnist_status fmnist_dataset_kfold(const fmnist_dataset *ds,
                                              size_t k, size_t fold,
                                              int stratified, uint64_t seed,
                                              fmnist_dataset **train,
                                              fmnist_dataset **valid) {
  static const char what[] = "fmnist_dataset_kfold";
  FMNIST__CHECK_ARG(ds);
  FMNIST__CHECK_ARG(train);
  FMNIST__CHECK_ARG(valid);
  const size_t n = ds->count;
  if (k < 2 || k > n)
    return fmnist__fail(FMNIST_E_INVALID, "%s: k = %zu, expected 2..%zu (the "
                        "number of images)", what, k, n);
  if (fold >= k)
    return fmnist__fail(FMNIST_E_INVALID, "%s: fold %zu, expected 0..%zu",
                        what, fold, k - 1);
  size_t *perm = permutation(n, seed, what);
  if (!perm) return FMNIST_E_NOMEM;
  size_t *order = fmnist__alloc(n * sizeof *order);
  fmnist_status st;
  if (!order) {
    st = fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory for %zu indices",
                      what, n);
    goto done;
  }
  const size_t *seq = perm;
  if (stratified) {
    /* Group the permutation by class (stable counting sort), random within
     * each class. */
    size_t start[FMNIST_CLASSES + 1] = {0};
    for (size_t i = 0; i < n; i++) start[ds->labels[i] + 1]++;
    for (int c = 0; c < FMNIST_CLASSES; c++) start[c + 1] += start[c];
    for (size_t i = 0; i < n; i++) order[start[ds->labels[perm[i]]]++] = perm[i];
    memcpy(perm, order, n * sizeof *perm);
  }
  /* Deal seq round-robin: position j belongs to fold j mod k. Fold sizes
   * then differ by at most one, and since each class occupies consecutive
   * positions when stratified, so do its per-fold counts. Validation part
   * first in `order`, training part after it. */
  size_t nv = 0;
  for (size_t j = fold; j < n; j += k) order[nv++] = seq[j];
  size_t nt = nv;
  for (size_t j = 0; j < n; j++)
    if (j % k != fold) order[nt++] = seq[j];
  if (stratified) {
    /* Class-grouped order must not reach a model that trains in order. */
    fmnist__rng r;
    fmnist__rng_init(&r, seed, FMNIST__STREAM_SPLIT, FMNIST__SPLIT_PARTS);
    fmnist__rng_shuffle(&r, order, nv);
    fmnist__rng_shuffle(&r, order + nv, n - nv);
  }
  st = gather_two(ds, order, nv, n, what, valid, train);
done:
  fmnist__free(order);
  fmnist__free(perm);
  return st;
}

FMNIST_API fmnist_status fmnist_dataset_shuffle(fmnist_dataset *ds,
                                                uint64_t seed) {
  FMNIST__CHECK_ARG(ds);
  fmnist__rng r;
  fmnist__rng_init(&r, seed, FMNIST__STREAM_SPLIT, FMNIST__SPLIT_PERMUTATION);
  /* Fisher-Yates on whole rows, so no index array is needed. */
  uint8_t tmp[FMNIST_PIXELS];
  for (size_t i = ds->count; i > 1; i--) {
    size_t j = (size_t)fmnist__rng_below(&r, i);
    if (j == i - 1) continue;
    uint8_t *a = ds->images + (i - 1) * FMNIST_PIXELS;
    uint8_t *b = ds->images + j * FMNIST_PIXELS;
    memcpy(tmp, a, FMNIST_PIXELS);
    memcpy(a, b, FMNIST_PIXELS);
    memcpy(b, tmp, FMNIST_PIXELS);
    uint8_t l = ds->labels[i - 1];
    ds->labels[i - 1] = ds->labels[j];
    ds->labels[j] = l;
  }
  return FMNIST_OK;
}
