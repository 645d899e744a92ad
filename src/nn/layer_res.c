/* The two layers of a residual block ("res( ... )" in specs): res( opens
 * it and add closes it (the net's passes wire the paths, nn/net_pass.c and
 * nn/net_infer.c). Forward, res( computes nothing (its output is its
 * input, which both paths read) and add sums the branch's output and the
 * skip path's (the pass's `other`). Backward, the gradient at the add
 * reaches both paths as it is, and res( sums the gradients the two paths
 * give the block's input. Both sums are elementwise over the chunked
 * layout (their terms have one shape, so one layout), split over the
 * threads, so results do not depend on them. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include "base/threads.h"
#include "nn/layer.h"
#include "nn/pass.h"

typedef struct sum_job {
  const float *a, *b;
  float *out;
} sum_job;

static void sum_range(void *ctx, size_t lo, size_t hi) {
  const sum_job *j = ctx;
  const float *a = j->a, *b = j->b;
  float *out = j->out;
  for (size_t i = lo; i < hi; i++) out[i] = a[i] + b[i];
}

/* out = a + b over len values. */
static void sum(const float *a, const float *b, float *out, size_t len, size_t threads) {
  sum_job j = {a, b, out};
  fmnist__parallel_range(threads, len, FMNIST__PAR_GRAIN, sum_range, &j);
}

/* y = x (the branch's output) + the skip path's output. */
static void add_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                        const fmnist__pass *p) {
  (void)aux;
  sum(x, p->other, y, fmnist__layer_in_size(l) * n, p->threads);
}

/* dx = dy (the branch's gradient at the block's input) + the skip path's. */
static void res_backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
                         float *dx, void *aux, size_t n, const fmnist__pass *p) {
  (void)x;
  (void)y;
  (void)aux;
  if (dx) sum(dy, p->other, dx, fmnist__layer_in_size(l) * n, p->threads);
}

const fmnist__layer_ops fmnist__res_ops = {fmnist__layer_same_shape, NULL, NULL, NULL, NULL,
                                           res_backward};
const fmnist__layer_ops fmnist__add_ops = {fmnist__layer_same_shape, NULL, NULL, NULL,
                                           add_forward, NULL};
