/* Gaussian input noise: y = x + std * N(0,1) in training (std on the
 * standardized scale, as Keras GaussianNoise after standardization);
 * the identity in inference. Its gradient is the identity. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include <math.h>
#include <string.h>

#include "base/status.h"
#include "nn/layer.h"

static fmnist_status noise_setup(fmnist__layer *l) {
  l->out_c = l->in_c;
  l->out_h = l->in_h;
  l->out_w = l->in_w;
  return FMNIST_OK;
}

static void noise_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                    const fmnist__pass *p) {
  (void)aux;
  const size_t len = fmnist__layer_in_size(l) * n;
  if (!p->training || l->spec.rate <= 0) {
    if (y != x) memcpy(y, x, len * sizeof *y);
    return;
  }
  /* Marsaglia's polar method: two normals per accepted pair, no trig. */
  const double sd = l->spec.rate;
  for (size_t i = 0; i < len; i += 2) {
    double u, v, s;
    do {
      u = 2.0 * fmnist__rng_uniform(p->rng) - 1.0;
      v = 2.0 * fmnist__rng_uniform(p->rng) - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double f = sd * sqrt(-2.0 * log(s) / s);
    y[i] = x[i] + (float)(u * f);
    if (i + 1 < len) y[i + 1] = x[i + 1] + (float)(v * f);
  }
}

static void noise_backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
                     float *dx, void *aux, size_t n, const fmnist__pass *p) {
  (void)x;
  (void)y;
  (void)aux;
  (void)p;
  if (dx) memcpy(dx, dy, fmnist__layer_in_size(l) * n * sizeof *dx);
}

const fmnist__layer_ops fmnist__noise_ops = {noise_setup, NULL, NULL, NULL, noise_forward, noise_backward};
