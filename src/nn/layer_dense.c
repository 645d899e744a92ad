/* Dense (fully connected) layer on features x batch.
 *
 * W: U x D, b: U, x: D x N, y: U x N. Forward y = W x + b; backward
 * dW = dy x^T, db = row sums of dy, dx = W^T dy: one sgemm each. */
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

static void dense_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                    const fmnist__pass *p) {
  if (n == 0) return; /* a group member without images this step; sgemm needs n > 0 */
  (void)aux;
  const size_t u = l->out_c, d = l->in_c;
  fmnist__sgemm_threads(p->threads, 0, 0, u, n, d, 1.0f, l->w, d, x, n, 0.0f, y, n);
  fmnist__add_bias(y, l->b, l->out_c, n, p->threads);
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
  fmnist__sgemm_threads(p->threads, 0, 1, u, d, n, 1.0f, dy, n, x, n, 0.0f, l->dw, d);
  fmnist__sum_rows(dy, l->out_c, n, l->db, p->threads);
  if (dx) fmnist__sgemm_threads(p->threads, 1, 0, d, n, u, 1.0f, l->w, d, dy, n, 0.0f, dx, n);
}

const fmnist__layer_ops fmnist__dense_ops = {dense_setup, dense_init, NULL, NULL, dense_forward, dense_backward};
