/* Adam update over a flat parameter array. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include "kernels/adam.h"

#include <math.h>

FMNIST__VECTOR_CLONES void fmnist__adam_step(const fmnist__adam *a, size_t t, float weight_decay,
                                             float *p, const float *g, float *m, float *v,
                                             size_t n) {
  const double c1 = 1.0 - pow(a->beta1, (double)t), c2 = 1.0 - pow(a->beta2, (double)t);
  const float step = (float)(a->lr * sqrt(c2) / c1);
  const float b1 = (float)a->beta1, b2 = (float)a->beta2, eps = (float)a->eps;
  const float ob1 = 1.0f - b1, ob2 = 1.0f - b2;
  for (size_t i = 0; i < n; i++) {
    float gi = g[i] + weight_decay * p[i];
    float mi = b1 * m[i] + ob1 * gi;
    float vi = b2 * v[i] + ob2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= step * mi / (sqrtf(vi) + eps);
  }
}
