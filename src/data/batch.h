/* The order of the training images in an epoch, shared by every trainer
 * that visits the training set in shuffled passes (fmnist_batcher, the net
 * family, logreg's SGD), so one seed gives them one order. */
#ifndef FMNIST_SRC_DATA_BATCH_H
#define FMNIST_SRC_DATA_BATCH_H

#include <stddef.h>
#include <stdint.h>

/* order[0..n-1] = a permutation of 0..n-1 drawn from (seed, epoch order,
 * epoch): epoch e's order does not depend on which epochs ran before it,
 * so a resumed run sees the same batches. */
void fmnist__epoch_order(uint64_t seed, size_t epoch, size_t *order, size_t n);

#endif
