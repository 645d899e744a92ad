/* SGD update over a flat parameter array: momentum, Nesterov, decoupled
 * weight decay. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include "kernels/sgd.h"

FMNIST__VECTOR_CLONES void fmnist__sgd_step(const fmnist__sgd *s, float weight_decay, float *p,
                                            const float *g, float *b, size_t n) {
  const float lr = (float)s->lr, mu = (float)s->momentum;
  const float keep = (float)(1.0 - s->lr * weight_decay); /* 1 without decay: p unchanged */
  /* u = cg g + cb b: Nesterov's g + mu b, or plain b, without a branch in
   * the loop. */
  const float cg = s->nesterov ? 1.0f : 0.0f, cb = s->nesterov ? mu : 1.0f;
  for (size_t i = 0; i < n; i++) {
    float bi = mu * b[i] + g[i];
    b[i] = bi;
    p[i] = keep * p[i] - lr * (cg * g[i] + cb * bi);
  }
}
