/* Gaussian input noise: y = x + std * N(0,1) in training (std on the
 * standardized scale, as Keras GaussianNoise after standardization);
 * the identity in inference. Its gradient is the identity.
 *
 * The noise comes from a seed taken from the pass's generator per step and
 * sub-streams per block of an image's values (fmnist__draw_values): in
 * parallel, and a member of a data-parallel group draws exactly its
 * images' noise, as one process would. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include <math.h>
#include <string.h>

#include "base/rng.h"
#include "kernels/layout.h"
#include "nn/draw.h"
#include "nn/layer.h"
#include "nn/pass.h"

typedef struct noise_job {
  const float *x;
  float *y;
  size_t values;
  double sd;
} noise_job;

/* Two standard normals into z[0], z[1] by Marsaglia's polar method (no
 * trig). */
static void polar(fmnist__rng *r, double z[2]) {
  double a, b, s;
  do {
    a = 2.0 * fmnist__rng_uniform(r) - 1.0;
    b = 2.0 * fmnist__rng_uniform(r) - 1.0;
    s = a * a + b * b;
  } while (s >= 1.0 || s == 0.0);
  const double f = sqrt(-2.0 * log(s) / s);
  z[0] = a * f;
  z[1] = b * f;
}

/* Chunk q's cnt images, values [v0, v1) of a block: values v0 + 2k and
 * v0 + 2k + 1 are the k-th pair of the block's stream; value v of the
 * chunk's image i is at v*cnt + i in the chunk. */
static void noise_values(void *ctx, fmnist__rng *r, size_t q, size_t cnt, size_t v0,
                         size_t v1) {
  const noise_job *j = ctx;
  for (size_t v = v0; v < v1; v += 2) {
    const size_t at = fmnist__chunk_at(q, j->values) + v * cnt;
    const int pair = v + 1 < v1;
    for (size_t i = 0; i < cnt; i++) {
      double z[2];
      polar(&r[i], z);
      j->y[at + i] = j->x[at + i] + (float)(j->sd * z[0]);
      if (pair) j->y[at + cnt + i] = j->x[at + cnt + i] + (float)(j->sd * z[1]);
    }
  }
}

static void noise_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                          const fmnist__pass *p) {
  (void)aux;
  const size_t values = fmnist__layer_in_size(l);
  if (!p->training || l->spec.rate <= 0) {
    if (y != x) memcpy(y, x, values * n * sizeof *y);
    return;
  }
  noise_job j = {x, y, values, l->spec.rate};
  fmnist__draw_values(p, FMNIST__STREAM_NOISE, n, values, noise_values, &j);
}

/* Its gradient is the identity. */
const fmnist__layer_ops fmnist__noise_ops = {fmnist__layer_same_shape, NULL, NULL, NULL,
                                             noise_forward, fmnist__layer_identity_backward};
