/* SGD with momentum (plain or Nesterov) and decoupled weight decay. */
#ifndef FMNIST_SRC_KERNELS_SGD_H
#define FMNIST_SRC_KERNELS_SGD_H

#include <stddef.h>

typedef struct fmnist__sgd {
  double lr, momentum;
  int nesterov; /* 1: Nesterov momentum, 0: plain (heavy ball) */
} fmnist__sgd;

/* One step on n parameters p with gradients g and momentum buffer b
 * (zero before the first step), as PyTorch's SGD(momentum, nesterov,
 * dampening=0), with the weight decay decoupled from the gradient as
 * SGDW and PyTorch's AdamW do:
 *   b = momentum b + g
 *   u = g + momentum b   (Nesterov)   or   u = b   (plain)
 *   p = p (1 - lr weight_decay) - lr u
 * The decay shrinks the weights by the scheduled rate times
 * weight_decay whatever the gradient; it is not added to the gradient,
 * so the momentum never carries it. */
void fmnist__sgd_step(const fmnist__sgd *s, float weight_decay, float *p, const float *g,
                      float *b, size_t n);

#endif
