/* Flatten: C x N x (H*W) -> (C*H*W) x N, feature index c*H*W + h*W + w
 * (the order of flattening NCHW). With H = W = 1 it is a plain copy. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include <string.h>

#include "base/status.h"
#include "nn/layer.h"

static fmnist_status flatten_setup(fmnist__layer *l) {
  l->out_c = l->in_c * l->in_h * l->in_w;
  l->out_h = l->out_w = 1;
  return FMNIST_OK;
}

static void flatten_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                    const fmnist__pass *p) {
  (void)aux;
  (void)p;
  const size_t C = l->in_c, hw = l->in_h * l->in_w;
  for (size_t c = 0; c < C; c++)
    for (size_t s = 0; s < n; s++) {
      const float *in = x + (c * n + s) * hw;
      for (size_t q = 0; q < hw; q++) y[(c * hw + q) * n + s] = in[q];
    }
}

static void flatten_backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
                     float *dx, void *aux, size_t n, const fmnist__pass *p) {
  (void)x;
  (void)y;
  (void)aux;
  (void)p;
  if (!dx) return;
  const size_t C = l->in_c, hw = l->in_h * l->in_w;
  for (size_t c = 0; c < C; c++)
    for (size_t s = 0; s < n; s++) {
      float *out = dx + (c * n + s) * hw;
      for (size_t q = 0; q < hw; q++) out[q] = dy[(c * hw + q) * n + s];
    }
}

const fmnist__layer_ops fmnist__flatten_ops = {flatten_setup, NULL, NULL, NULL, flatten_forward, flatten_backward};
