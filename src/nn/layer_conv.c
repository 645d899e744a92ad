/* conv2d layer: im2col of the whole batch, then one sgemm per product.
 *
 * W: F x (C*k*k), b: F. cols (kept for backward): (C*k*k) x (N*P) with
 * P = H_out*W_out. Forward y (F x N*P) = W * cols + b; backward
 * dW = dy * cols^T, db = row sums of dy, dcols = W^T * dy, dx = col2im.
 * A layer with Winograd weights (l->wino: 3x3 "same" convolutions, unless
 * the net's conv_algorithm is im2col) takes the Winograd path instead
 * (winograd.h), in training and inference: 2.25x fewer multiplications,
 * and nothing kept from forward to backward. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include <string.h>
#include "base/status.h"
#include "kernels/gemm.h"
#include "kernels/im2col.h"
#include "kernels/winograd.h"
#include "nn/layer.h"

static fmnist_status conv_setup(fmnist__layer *l) {
  size_t k = l->spec.kernel, s = l->spec.stride;
  if (!l->spec.same && (k > l->in_h || k > l->in_w))
    return fmnist__fail(FMNIST_E_OPTION, "kernel %zu is larger than the %zux%zu input", k,
                        l->in_h, l->in_w);
  if (l->spec.same) { /* Keras/TensorFlow "same": out = ceil(in/s) */
    l->out_h = (l->in_h + s - 1) / s;
    l->out_w = (l->in_w + s - 1) / s;
    size_t ph = (l->out_h - 1) * s + k, pw = (l->out_w - 1) * s + k;
    l->pad_t = ph > l->in_h ? (ph - l->in_h) / 2 : 0;
    l->pad_l = pw > l->in_w ? (pw - l->in_w) / 2 : 0;
  } else {
    l->out_h = (l->in_h - k) / s + 1;
    l->out_w = (l->in_w - k) / s + 1;
  }
  l->out_c = l->spec.units;
  l->n_w = l->out_c * l->in_c * k * k;
  l->n_b = l->out_c;
  return FMNIST_OK;
}

static void conv_init(fmnist__layer *l, fmnist__rng *rng, int glorot) {
  size_t kk = l->spec.kernel * l->spec.kernel;
  fmnist__layer_init_weights(l->w, l->n_w, l->in_c * kk, l->out_c * kk, glorot, rng);
  for (size_t i = 0; i < l->n_b; i++) l->b[i] = 0;
}

static fmnist__conv_geom geom(const fmnist__layer *l, size_t n) {
  return (fmnist__conv_geom){l->in_c,       n,        l->in_h,  l->in_w,
                             l->spec.kernel, l->spec.stride, l->pad_t, l->pad_l,
                             l->out_h,      l->out_w};
}

static size_t conv_cols_floats(const fmnist__layer *l, size_t n) {
  return l->in_c * l->spec.kernel * l->spec.kernel * n * l->out_h * l->out_w;
}
/* aux: the cols, kept from forward to backward (the Winograd path keeps
 * nothing). */
static size_t conv_aux_bytes(const fmnist__layer *l, size_t n) {
  return l->wino ? 0 : conv_cols_floats(l, n) * sizeof(float);
}
/* Scratch: dcols in backward, or the Winograd workspace of either pass. */
static size_t conv_scratch_floats(const fmnist__layer *l, size_t n) {
  const fmnist__conv_geom g = geom(l, n);
  return l->wino ? fmnist__winograd_floats(&g, l->out_c) : conv_cols_floats(l, n);
}

size_t fmnist__conv_winograd_floats(const fmnist__layer *l) {
  const fmnist__conv_geom g = geom(l, 1);
  return fmnist__winograd_applies(&g) ? fmnist__winograd_weight_floats(l->in_c, l->out_c) : 0;
}

void fmnist__conv_winograd_prepare(fmnist__layer *l) {
  if (l->wino) fmnist__winograd_weights(l->in_c, l->out_c, l->w, l->wino, 1);
}

static void conv_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                    const fmnist__pass *p) {
  if (n == 0) return; /* a group member without images this step; sgemm needs n > 0 */
  fmnist__conv_geom g = geom(l, n);
  if (l->wino) {
    if (p->training) /* the weights changed since the last step */
      fmnist__winograd_weights(l->in_c, l->out_c, l->w, l->wino, p->threads);
    fmnist__winograd_conv(&g, l->out_c, l->wino, l->b, x, y, p->scratch, p->threads);
    return;
  }
  float *cols = aux;
  const size_t f = l->out_c, kdim = l->in_c * g.k * g.k, np = n * g.h_out * g.w_out;
  fmnist__im2col(&g, x, cols, p->threads);
  fmnist__sgemm_threads(p->threads, 0, 0, f, np, kdim, 1.0f, l->w, kdim, cols, np, 0.0f, y, np);
  fmnist__add_bias(y, l->b, l->out_c, np, p->threads);
}

static void conv_backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
                     float *dx, void *aux, size_t n, const fmnist__pass *p) {
  if (n == 0) { /* a group member without images this step: no gradient */
    memset(l->dw, 0, l->n_w * sizeof *l->dw);
    memset(l->db, 0, l->n_b * sizeof *l->db);
    return;
  }
  (void)y;
  fmnist__conv_geom g = geom(l, n);
  fmnist__sum_rows(dy, l->out_c, n * g.h_out * g.w_out, l->db, p->threads);
  if (l->wino) {
    fmnist__winograd_backward(&g, l->out_c, l->wino, x, dy, l->dw, dx, p->scratch, p->threads);
    return;
  }
  const float *cols = aux;
  const size_t f = l->out_c, kdim = l->in_c * g.k * g.k, np = n * g.h_out * g.w_out;
  fmnist__sgemm_threads(p->threads, 0, 1, f, kdim, np, 1.0f, dy, np, cols, np, 0.0f, l->dw,
                        kdim);
  if (!dx) return;
  float *dcols = p->scratch;
  fmnist__sgemm_threads(p->threads, 1, 0, kdim, np, f, 1.0f, l->w, kdim, dy, np, 0.0f, dcols,
                        np);
  fmnist__col2im(&g, dcols, dx, p->threads);
}

const fmnist__layer_ops fmnist__conv_ops = {conv_setup,          conv_init,    conv_aux_bytes,
                                            conv_scratch_floats, conv_forward, conv_backward};
