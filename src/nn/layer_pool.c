/* Max-pool PxP, stride P, "valid" (trailing rows/columns that do not fill a
 * window are dropped, as Keras MaxPool2D and PyTorch MaxPool2d).
 *
 * Nothing is kept from forward to backward: backward finds each window's
 * maximum again as its first element equal to the output (the forward
 * pass's x and y are at hand), so forward is a plain branch-free max that
 * vectorizes over the images of a pixel, and backward writes every dx
 * element once (no clearing). */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include <stddef.h>

#include "base/status.h"
#include "base/threads.h"
#include "kernels/layout.h"
#include "nn/layer.h"
#include "nn/pass.h"

static fmnist_status pool_setup(fmnist__layer *l) {
  size_t k = l->spec.kernel;
  if (k > l->in_h || k > l->in_w)
    return fmnist__fail(FMNIST_E_OPTION, "pool %zu is larger than the %zux%zu input", k, l->in_h,
                        l->in_w);
  l->out_c = l->in_c;
  l->out_h = l->in_h / k;
  l->out_w = l->in_w / k;
  return FMNIST_OK;
}

/* a if not less than b: on ties (and NaN in b) the earlier element wins. */
static float first_max(float a, float b) { return b > a ? b : a; }

/* Tasks [lo, hi) of a pass: task t is output row t % rows (a channel's
 * output row oy, all its pixels and images) of chunk t / rows, rows =
 * C * H_out; within a chunk of k images each pixel is a run of k (CHWN). */
typedef struct pool_job {
  const fmnist__layer *l;
  size_t n;
  const float *x, *y, *dy;
  float *out; /* forward: y; backward: dx */
} pool_job;

/* Chunk q of a pass (its k images): the same arrays from the chunk's start. */
static pool_job chunk_of(const pool_job *j, size_t q) {
  const size_t in = fmnist__chunk_at(q, fmnist__layer_in_size(j->l));
  const size_t out = fmnist__chunk_at(q, fmnist__layer_out_size(j->l));
  const int fwd = !j->dy;
  return (pool_job){j->l, fmnist__chunk_n(j->n, q), j->x + in, j->y ? j->y + out : NULL,
                    fwd ? NULL : j->dy + out, j->out + (fwd ? out : in)};
}

/* Input pixel (r, col) of channel c: its run of n images. */
static size_t in_at(const pool_job *j, size_t c, size_t r, size_t col) {
  return ((c * j->l->in_h + r) * j->l->in_w + col) * j->n;
}

static void forward_rows(void *ctx, size_t lo, size_t hi) {
  const pool_job *whole = ctx;
  const fmnist__layer *l = whole->l;
  const size_t k = l->spec.kernel, ho = l->out_h, wo = l->out_w, rows = l->in_c * ho;
  for (size_t t = lo; t < hi; t++) {
    const pool_job chunk = chunk_of(whole, t / rows), *j = &chunk;
    const size_t row = t % rows, c = row / ho, oy = row % ho, n = j->n;
    float *o = j->out + row * wo * n;
    for (size_t ox = 0; ox < wo; ox++, o += n) {
      if (k == 2) { /* the common case */
        const float *a = j->x + in_at(j, c, 2 * oy, 2 * ox), *b = a + n;
        const float *d = j->x + in_at(j, c, 2 * oy + 1, 2 * ox), *e = d + n;
        for (size_t i = 0; i < n; i++)
          o[i] = first_max(first_max(a[i], b[i]), first_max(d[i], e[i]));
        continue;
      }
      const float *first = j->x + in_at(j, c, k * oy, k * ox);
      for (size_t i = 0; i < n; i++) o[i] = first[i];
      for (size_t r = 0; r < k; r++)
        for (size_t s = 0; s < k; s++) {
          const float *v = j->x + in_at(j, c, k * oy + r, k * ox + s);
          for (size_t i = 0; i < n; i++) o[i] = first_max(o[i], v[i]);
        }
    }
  }
}

static size_t row_grain(const fmnist__layer *l, size_t n) { /* a task: one chunk's row */
  return FMNIST__PAR_GRAIN / (l->spec.kernel * l->in_w * fmnist__chunk_n(n, 0) + 1) + 1;
}

/* Tasks of a pass: every output row of every chunk. */
static size_t pool_tasks(const fmnist__layer *l, size_t n) {
  return fmnist__chunks(n) * l->in_c * l->out_h;
}

static void pool_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                         const fmnist__pass *p) {
  (void)aux;
  pool_job j = {l, n, x, NULL, NULL, y};
  fmnist__parallel_range(p->threads, pool_tasks(l, n), row_grain(l, n), forward_rows, &j);
}

/* dx of a 2x2 window (x0 x1 / x2 x3) for n images from its maximum m and
 * gradient g: the gradient passes down the window until an element equals
 * the maximum, a chain of selects without branches (restrict: the
 * pointers are distinct runs, so it vectorizes without alias checks). */
static void backward_window2(size_t n, const float *restrict x0, const float *restrict x1,
                             const float *restrict x2, const float *restrict m,
                             const float *restrict g, float *restrict d0, float *restrict d1,
                             float *restrict d2, float *restrict d3) {
  for (size_t i = 0; i < n; i++) {
    float g0 = g[i];
    int t0 = x0[i] == m[i], t1 = x1[i] == m[i], t2 = x2[i] == m[i];
    float g1 = t0 ? 0.0f : g0, g2 = t1 ? 0.0f : g1;
    d0[i] = t0 ? g0 : 0.0f;
    d1[i] = t1 ? g1 : 0.0f;
    d2[i] = t2 ? g2 : 0.0f;
    d3[i] = t2 ? 0.0f : g2;
  }
}

/* dx of output row `row`: the input rows it covers, and the pixels of
 * those rows no window covers (zero). */
static void backward_row(const pool_job *j, size_t row) {
  const fmnist__layer *l = j->l;
  const size_t k = l->spec.kernel, ho = l->out_h, wo = l->out_w, w = l->in_w, n = j->n;
  const size_t c = row / ho, oy = row % ho;
  for (size_t ox = 0; ox < wo; ox++) {
    const float *m = j->y + (row * wo + ox) * n, *g = j->dy + (row * wo + ox) * n;
    if (k == 2) {
      const size_t a = in_at(j, c, 2 * oy, 2 * ox), d = in_at(j, c, 2 * oy + 1, 2 * ox);
      backward_window2(n, j->x + a, j->x + a + n, j->x + d, m, g, j->out + a, j->out + a + n,
                       j->out + d, j->out + d + n);
      continue;
    }
    for (size_t i = 0; i < n; i++) {
      int found = 0;
      for (size_t r = 0; r < k; r++)
        for (size_t s = 0; s < k; s++) {
          const size_t at = in_at(j, c, k * oy + r, k * ox + s) + i;
          int here = !found && j->x[at] == m[i];
          j->out[at] = here ? g[i] : 0.0f;
          found |= here;
        }
      /* A NaN maximum equals nothing: the last element gets it, as in
       * the 2x2 case. */
      if (!found) j->out[in_at(j, c, k * oy + k - 1, k * ox + k - 1) + i] = g[i];
    }
  }
  /* Columns no window covers, and after the last output row the input
   * rows no window covers. */
  const size_t last = oy + 1 == ho ? l->in_h : k * oy + k;
  for (size_t r = k * oy; r < last; r++) {
    float *d = j->out + in_at(j, c, r, r < k * ho ? k * wo : 0), *end = j->out + in_at(j, c, r, w);
    while (d < end) *d++ = 0.0f;
  }
}

static void backward_rows(void *ctx, size_t lo, size_t hi) {
  const pool_job *whole = ctx;
  const size_t rows = whole->l->in_c * whole->l->out_h;
  for (size_t t = lo; t < hi; t++) {
    const pool_job chunk = chunk_of(whole, t / rows);
    backward_row(&chunk, t % rows);
  }
}

static void pool_backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
                          float *dx, void *aux, size_t n, const fmnist__pass *p) {
  (void)aux;
  if (!dx) return;
  pool_job j = {l, n, x, y, dy, dx};
  fmnist__parallel_range(p->threads, pool_tasks(l, n), row_grain(l, n), backward_rows, &j);
}

const fmnist__layer_ops fmnist__pool_ops = {pool_setup, NULL, NULL, NULL, pool_forward,
                                            pool_backward};
