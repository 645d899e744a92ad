/* Adam optimiser (Kingma & Ba), bias-corrected, with optional L2 decay. */
#ifndef FMNIST_SRC_KERNELS_ADAM_H
#define FMNIST_SRC_KERNELS_ADAM_H

#include <stddef.h>

typedef struct fmnist__adam {
  double lr, beta1, beta2, eps;
} fmnist__adam;

/* One step t (1-based) on n parameters p with gradients g and moments m, v:
 *   g' = g + weight_decay * p      (classic L2, as PyTorch's Adam)
 *   m = b1 m + (1-b1) g',  v = b2 v + (1-b2) g'^2
 *   p -= lr * sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps)
 * (eps outside the correction, as Keras/TensorFlow; the default 1e-7 is
 * Keras's). */
void fmnist__adam_step(const fmnist__adam *a, size_t t, float weight_decay, float *p,
                       const float *g, float *m, float *v, size_t n);

#endif
