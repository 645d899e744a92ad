/* Value draws of the training passes: a block of an image's values from
 * its own sub-stream (nn/draw.h), tasks over (chunk, block). */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include "nn/draw.h"

#include "base/threads.h"
#include "kernels/layout.h"
#include "nn/pass.h"

typedef struct values_job {
  fmnist__stream_space space;
  uint64_t seed;
  size_t n, values, blocks, first; /* blocks: of an image's values; first:
                                      the batch place of image 0 */
  fmnist__values_fn fn;
  void *ctx;
} values_job;

/* Tasks [lo, hi) of a draw: task t is block t % blocks of chunk t /
 * blocks; the stream of block b of the image at place i of the step's
 * batch is (seed, space, i << 24 | b). */
static void values_blocks(void *ctx, size_t lo, size_t hi) {
  const values_job *j = ctx;
  for (size_t t = lo; t < hi; t++) {
    const size_t q = t / j->blocks, b = t % j->blocks, cnt = fmnist__chunk_n(j->n, q);
    const size_t v0 = b * FMNIST__VALUE_BLOCK;
    const size_t v1 = j->values - v0 < FMNIST__VALUE_BLOCK ? j->values : v0 + FMNIST__VALUE_BLOCK;
    fmnist__rng r[FMNIST__CHUNK];
    for (size_t i = 0; i < cnt; i++)
      fmnist__rng_init(&r[i], j->seed, j->space,
                       (uint64_t)(j->first + q * FMNIST__CHUNK + i) << 24 | b);
    j->fn(j->ctx, r, q, cnt, v0, v1);
  }
}

void fmnist__draw_values(const fmnist__pass *p, fmnist__stream_space space, size_t n,
                         size_t values, fmnist__values_fn fn, void *ctx) {
  const size_t blocks = (values + FMNIST__VALUE_BLOCK - 1) / FMNIST__VALUE_BLOCK;
  values_job j = {space, fmnist__rng_next(p->rng), n, values, blocks, p->first, fn, ctx};
  fmnist__parallel_range(p->threads, fmnist__chunks(n) * blocks, 1, values_blocks, &j);
}
