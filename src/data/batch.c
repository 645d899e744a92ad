/* Mini-batch iteration: one seeded order per epoch, cut into batches. */
#include "data/batch.h"

#include "base/alloc.h"
#include "base/rng.h"
#include "base/status.h"
#include "data/dataset_impl.h"

struct fmnist_batcher {
  size_t count;      /* images in the dataset */
  size_t batch_size;
  int shuffle;
  uint64_t seed;
  size_t pos;        /* next position in order */
  size_t *order;     /* this epoch's order, count indices */
};

void fmnist__epoch_order(uint64_t seed, size_t epoch, size_t *order, size_t n) {
  for (size_t i = 0; i < n; i++) order[i] = i;
  fmnist__rng r;
  fmnist__rng_init(&r, seed, FMNIST__STREAM_EPOCH_ORDER, epoch);
  fmnist__rng_shuffle(&r, order, n);
}

FMNIST_API fmnist_status fmnist_batcher_start(fmnist_batcher *b,
                                              size_t epoch) {
  FMNIST__CHECK_ARG(b);
  if (b->shuffle) {
    fmnist__epoch_order(b->seed, epoch, b->order, b->count);
  } else {
    for (size_t i = 0; i < b->count; i++) b->order[i] = i;
  }
  b->pos = 0;
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_batcher_create(const fmnist_dataset *ds,
                                               size_t batch_size, int shuffle,
                                               uint64_t seed,
                                               fmnist_batcher **out) {
  FMNIST__CHECK_ARG(ds);
  FMNIST__CHECK_ARG(out);
  if (batch_size == 0)
    return fmnist__fail(FMNIST_E_INVALID, "fmnist_batcher_create: batch_size "
                        "is 0, expected at least 1");
  fmnist_batcher *b = fmnist__alloc(sizeof *b);
  size_t bytes;
  size_t *order = fmnist__mul_ok(ds->count, sizeof *order, &bytes)
                      ? fmnist__alloc(bytes)
                      : NULL;
  if (!b || !order) {
    fmnist__free(b);
    fmnist__free(order);
    return fmnist__fail(FMNIST_E_NOMEM, "fmnist_batcher_create: out of "
                        "memory for %zu indices", ds->count);
  }
  b->count = ds->count;
  b->batch_size = batch_size;
  b->shuffle = shuffle != 0;
  b->seed = seed;
  b->order = order;
  /* Ready for epoch 0 without an explicit start. */
  fmnist_batcher_start(b, 0);
  *out = b;
  return FMNIST_OK;
}

FMNIST_API void fmnist_batcher_free(fmnist_batcher *b) {
  if (!b) return;
  fmnist__free(b->order);
  fmnist__free(b);
}

FMNIST_API size_t fmnist_batcher_next(fmnist_batcher *b,
                                      const size_t **indices) {
  if (!b || !indices || b->pos >= b->count) return 0;
  size_t n = b->count - b->pos;
  if (n > b->batch_size) n = b->batch_size;
  *indices = b->order + b->pos;
  b->pos += n;
  return n;
}

FMNIST_API size_t fmnist_batcher_count(const fmnist_batcher *b) {
  if (!b) return 0;
  return b->count / b->batch_size + (b->count % b->batch_size != 0);
}
