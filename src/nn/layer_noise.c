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
  /* Marsaglia's polar method: two normals per accepted pair, no trig. In
   * a data-parallel group the draws are sequential over the global batch
   * (layout C x N x H x W): every member draws them all and keeps those of
   * its images, so each image gets the noise it gets in one process. */
  const double sd = l->spec.rate;
  const fmnist__group *g = p->group;
  const size_t hw = l->in_h * l->in_w, total = g ? l->in_c * g->global_n * hw : len;
  for (size_t i = 0; i < total; i += 2) {
    double u, v, s;
    do {
      u = 2.0 * fmnist__rng_uniform(p->rng) - 1.0;
      v = 2.0 * fmnist__rng_uniform(p->rng) - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double f = sd * sqrt(-2.0 * log(s) / s), z[2] = {u * f, v * f};
    for (size_t k = 0; k < 2 && i + k < total; k++) {
      size_t at = i + k;
      if (g) { /* global (c, image, pixel) -> this member's index, if its image */
        size_t c = at / (g->global_n * hw), image = at / hw % g->global_n;
        if (image < g->first || image >= g->first + n) continue;
        at = (c * n + image - g->first) * hw + at % hw;
      }
      y[at] = x[at] + (float)z[k];
    }
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
