/* What a pass gives a layer besides its input: the mode, randomness,
 * scratch memory, threads, in a data-parallel fit the group the layer's
 * statistics are summed over (nn/group.c), as the layers see it, and a
 * residual block's other term of a sum. */
#ifndef FMNIST_SRC_NN_PASS_H
#define FMNIST_SRC_NN_PASS_H

#include <stddef.h>

#include "base/rng.h"

/* A fit's data-parallel group: to a layer, only the sum over it (its
 * members and their bookkeeping are the training loop's, nn/group.h). */
typedef struct fmnist__group fmnist__group;

/* Sums buf[len] in place over the group; nothing after a failure (the
 * training loop's next sum reports it). */
void fmnist__group_sum(fmnist__group *g, float *buf, size_t len);

typedef struct fmnist__pass {
  int training;      /* dropout/noise active, BN uses batch statistics */
  fmnist__rng *rng;  /* dropout masks and noise (training only) */
  float *scratch;    /* max over layers of scratch_floats(l, n) */
  size_t threads;    /* for the layers' own loops (0 or 1: the caller alone);
                        every split is elementwise, per chunk or per channel,
                        so results do not depend on it */
  fmnist__group *group; /* training in a data-parallel group; NULL: alone */
  size_t first, batch;  /* training: the pass's n images are [first, first
                           + n) of the step's batch of `batch` images (a
                           member's share of it; alone 0 and n) */
  const float *other; /* a residual block's second term (nn/layer_res.c):
                         an add's forward gets the skip path's output, a
                         res('s backward the gradient the skip path gives
                         the block's input; NULL elsewhere */
} fmnist__pass;

#endif
