/* Gaussian input noise: y = x + std * N(0,1) in training (std on the
 * standardized scale, as Keras GaussianNoise after standardization);
 * the identity in inference. Its gradient is the identity. */
#include <string.h>

#include "layer.h"
#include "status.h"

static fmnist_status setup(fmnist__layer *l) {
  l->out_c = l->in_c;
  l->out_h = l->in_h;
  l->out_w = l->in_w;
  return FMNIST_OK;
}

static void forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                    const fmnist__pass *p) {
  (void)aux;
  const size_t len = fmnist__layer_in_size(l) * n;
  if (!p->training || l->spec.rate <= 0) {
    if (y != x) memcpy(y, x, len * sizeof *y);
    return;
  }
  for (size_t i = 0; i < len; i++)
    y[i] = x[i] + (float)(l->spec.rate * fmnist__rng_normal(p->rng));
}

static void backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
                     float *dx, void *aux, size_t n, const fmnist__pass *p) {
  (void)x;
  (void)y;
  (void)aux;
  (void)p;
  if (dx) memcpy(dx, dy, fmnist__layer_in_size(l) * n * sizeof *dx);
}

const fmnist__layer_ops fmnist__noise_ops = {setup, NULL, NULL, NULL, forward, backward};
