/* The fmnist_dataset struct, shared by dataset.c, split.c and batch.c. */
#ifndef FMNIST_SRC_DATA_DATASET_IMPL_H
#define FMNIST_SRC_DATA_DATASET_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "fmnist/dataset.h"

struct fmnist_dataset {
  size_t count;
  uint8_t *images; /* count x 784, row-major 28x28 per image */
  uint8_t *labels; /* count, each 0..9 */
};

/* A dataset of count images whose buffers are allocated but not filled.
 * Returns FMNIST_E_NOMEM (message names `what`) or FMNIST_E_INVALID if
 * count * 784 overflows. */
fmnist_status fmnist__dataset_new(size_t count, const char *what,
                                  fmnist_dataset **out);

/* New dataset of images idx[0..n-1] of ds, indices already checked. */
fmnist_status fmnist__dataset_gather(const fmnist_dataset *ds,
                                     const size_t *idx, size_t n,
                                     const char *what, fmnist_dataset **out);

#endif
