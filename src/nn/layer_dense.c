/* Dense (fully connected) layer on features x images.
 *
 * W: U x D, b: U, x: D x N, y: U x N. Forward y = W x + b; backward
 * dW = dy x^T, db = row sums of dy, dx = W^T dy: one sgemm each over the
 * whole batch. A batch of more than one chunk is copied to plain D x N
 * and U x N matrices and the results back (the forward pass keeps its
 * plain x for the backward pass): the copies are small, and products of
 * one chunk's 16 columns made the dense net's step a third slower. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include "base/status.h"
#include "kernels/gemm.h"
#include "kernels/layout.h"
#include "nn/layer.h"
#include "nn/pass.h"

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

/* Whether a batch of n images is more than one chunk: then the layer
 * works on plain copies. */
static int chunked(size_t n) { return fmnist__chunks(n) > 1; }

/* aux: the plain x (D x n); scratch: a plain y or dy (U x n) and dx
 * (D x n). */
static size_t dense_aux_bytes(const fmnist__layer *l, size_t n) {
  return chunked(n) ? l->in_c * n * sizeof(float) : 0;
}
static size_t dense_scratch_floats(const fmnist__layer *l, size_t n) {
  return chunked(n) ? (l->out_c + l->in_c) * n : 0;
}

static void dense_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                          const fmnist__pass *p) {
  if (n == 0) return; /* a group member without images this step; sgemm needs n > 0 */
  const size_t u = l->out_c, d = l->in_c;
  const float *xp = x;
  float *yp = y;
  if (chunked(n)) {
    fmnist__unchunk(x, d, n, aux);
    xp = aux;
    yp = p->scratch;
  }
  fmnist__sgemm_threads(p->threads, 0, 0, u, n, d, 1.0f, l->w, d, xp, n, 0.0f, yp, n);
  fmnist__add_bias(yp, l->b, u, n, p->threads);
  if (yp != y) fmnist__rechunk(yp, u, n, y);
}

static void dense_backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
                           float *dx, void *aux, size_t n, const fmnist__pass *p) {
  if (fmnist__layer_no_images(l, n)) return;
  (void)y;
  const size_t u = l->out_c, d = l->in_c;
  const float *xp = x, *dyp = dy;
  float *dxp = dx;
  if (chunked(n)) {
    fmnist__unchunk(dy, u, n, p->scratch);
    xp = aux;
    dyp = p->scratch;
    dxp = p->scratch + u * n;
  }
  fmnist__sgemm_threads(p->threads, 0, 1, u, d, n, 1.0f, dyp, n, xp, n, 0.0f, l->dw, d);
  fmnist__sum_rows(dy, u, 1, n, l->db, p->threads);
  if (!dx) return;
  fmnist__sgemm_threads(p->threads, 1, 0, d, n, u, 1.0f, l->w, d, dyp, n, 0.0f, dxp, n);
  if (dxp != dx) fmnist__rechunk(dxp, d, n, dx);
}

const fmnist__layer_ops fmnist__dense_ops = {dense_setup,          dense_init,    dense_aux_bytes,
                                             dense_scratch_floats, dense_forward, dense_backward};
