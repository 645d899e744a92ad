/* Dense (fully connected) layer on features x images, chunk by chunk.
 *
 * W: U x D, b: U; per chunk of k images x: D x k, y: U x k. Forward
 * y = W x + b and dx = W^T dy per chunk; dW = the sum over the chunks of
 * dy x^T (in chunk order), db = row sums of dy. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include <string.h>
#include "base/status.h"
#include "kernels/gemm.h"
#include "nn/layer.h"

static fmnist_status dense_setup(fmnist__layer *l) {
  if (l->in_h != 1 || l->in_w != 1)
    return fmnist__fail(FMNIST_E_OPTION, "dense needs a flat input");
  l->out_c = l->spec.units;
  l->out_h = l->out_w = 1;
  l->n_w = l->out_c * l->in_c;
  l->n_b = l->out_c;
  return FMNIST_OK;
}

static void dense_init(fmnist__layer *l, fmnist__rng *rng, int glorot) {
  fmnist__layer_init_weights(l->w, l->n_w, l->in_c, l->out_c, glorot, rng);
  for (size_t i = 0; i < l->n_b; i++) l->b[i] = 0;
}

typedef struct dense_job {
  const fmnist__layer *l;
  size_t n;
  const float *in; /* forward: x; backward: dy */
  float *out;      /* forward: y; backward: dx */
} dense_job;

static void forward_chunk(void *ctx, size_t q, size_t threads) {
  const dense_job *j = ctx;
  const size_t u = j->l->out_c, d = j->l->in_c, k = fmnist__chunk_n(j->n, q);
  float *y = j->out + fmnist__chunk_at(q, u);
  fmnist__sgemm_threads(threads, 0, 0, u, k, d, 1.0f, j->l->w, d, j->in + fmnist__chunk_at(q, d),
                        k, 0.0f, y, k);
  fmnist__add_bias(y, j->l->b, u, k, threads);
}

static void dense_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                    const fmnist__pass *p) {
  if (n == 0) return; /* a group member without images this step; sgemm needs n > 0 */
  (void)aux;
  dense_job j = {l, n, x, y};
  fmnist__for_chunks(p->threads, n, forward_chunk, &j);
}

static void backward_chunk(void *ctx, size_t q, size_t threads) {
  const dense_job *j = ctx;
  const size_t u = j->l->out_c, d = j->l->in_c, k = fmnist__chunk_n(j->n, q);
  fmnist__sgemm_threads(threads, 1, 0, d, k, u, 1.0f, j->l->w, d, j->in + fmnist__chunk_at(q, u),
                        k, 0.0f, j->out + fmnist__chunk_at(q, d), k);
}

static void dense_backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
                     float *dx, void *aux, size_t n, const fmnist__pass *p) {
  if (n == 0) { /* a group member without images this step: no gradient */
    memset(l->dw, 0, l->n_w * sizeof *l->dw);
    memset(l->db, 0, l->n_b * sizeof *l->db);
    return;
  }
  (void)y;
  (void)aux;
  const size_t u = l->out_c, d = l->in_c;
  for (size_t q = 0; q < fmnist__chunks(n); q++) {
    const size_t k = fmnist__chunk_n(n, q);
    fmnist__sgemm_threads(p->threads, 0, 1, u, d, k, 1.0f, dy + fmnist__chunk_at(q, u), k,
                          x + fmnist__chunk_at(q, d), k, q ? 1.0f : 0.0f, l->dw, d);
  }
  fmnist__sum_rows(dy, u, 1, n, l->db, p->threads);
  if (!dx) return;
  dense_job j = {l, n, dy, dx};
  fmnist__for_chunks(p->threads, n, backward_chunk, &j);
}

const fmnist__layer_ops fmnist__dense_ops = {dense_setup, dense_init, NULL, NULL, dense_forward, dense_backward};
