/* The averaged copy of a net's weights during a fit (the "ema_decay"
 * option; nn/average.c): an exponential moving average of the
 * parameters and of the batch-norm running statistics, updated after
 * every optimizer step, which the fit's validation, and once the fit
 * ends, the model (predict, save) use in place of the last weights.
 *
 * Update t (0-based: the steps taken before it) with decay d:
 *   d_t = min(d, (1 + t) / (10 + t))
 *   a = d_t a + (1 - d_t) w        for every parameter and statistic w
 * from a = the initial weights and statistics. The decay warms up as
 * TensorFlow's ExponentialMovingAverage(num_updates=t) does (0.1 at the
 * first step, 0.5 at the 9th, d from (10 d - 1) / (1 - d) steps on), so
 * the random initial weights fade within the first steps whatever d is.
 * The running statistics are averaged as the parameters are (timm's
 * ModelEmaV2 averages every buffer too): they then describe the
 * activations of an averaged net rather than the last one's. A decay of
 * 0 is no average: the weights themselves, and nothing is kept. */
#ifndef FMNIST_SRC_NN_AVERAGE_H
#define FMNIST_SRC_NN_AVERAGE_H

#include <stddef.h>

#include "nn/net_impl.h"

typedef struct fmnist__average {
  double decay;
  size_t updates;  /* taken */
  size_t threads;  /* the update is elementwise: split over them */
  size_t n;        /* parameters, then statistics */
  float *avg;      /* the average of net->params then net->stats; NULL: none */
} fmnist__average;

/* The average of net's weights at `decay` in [0, 1), from their values
 * now. FMNIST_E_NOMEM. */
fmnist_status fmnist__average_make(double decay, const fmnist__net *net, size_t threads,
                                   fmnist__average *a);
void fmnist__average_free(fmnist__average *a);
/* Takes the net's weights of the step just made into the average. */
void fmnist__average_update(fmnist__average *a, const fmnist__net *net);
/* Exchanges the net's weights and statistics with the average: the net
 * then infers with the average (after fmnist__net_prepare_inference),
 * and a second exchange gives it its own weights back. */
void fmnist__average_swap(fmnist__average *a, fmnist__net *net);

#endif
