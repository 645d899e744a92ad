/* Flatten: C x H x W x N -> (C*H*W) x N, feature index c*H*W + h*W + w
 * (the order of flattening NCHW). In the nets' layout (nn/layer.h) the two
 * are the same array: both passes are a copy. */
#include <string.h>

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
  memcpy(y, x, fmnist__layer_in_size(l) * n * sizeof *y);
}

const fmnist__layer_ops fmnist__flatten_ops = {flatten_setup, NULL, NULL, NULL, flatten_forward,
                                               fmnist__layer_identity_backward};
