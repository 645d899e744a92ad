/* An orthonormal basis of the directions in which a set of rows varies
 * most (approximate principal axes, by subspace iteration on the second
 * moment matrix of a sample of the rows).
 *
 * KNN uses it for distance lower bounds: for any orthonormal P,
 * |x - y|^2 >= |P'x - P'y|^2 + (r(x) - r(y))^2 with r(v) = |v - PP'v|, so
 * the bounds are valid whatever the basis; its quality only decides how
 * many training images the bounds rule out. */
#ifndef FMNIST_SRC_KERNELS_PCA_H
#define FMNIST_SRC_KERNELS_PCA_H

#include <stddef.h>

#include "fmnist/base.h"

/* basis (dim x d, row-major: column c is axis c) from the n rows of x
 * (n x dim); d <= dim, n >= 1. Deterministic for given inputs. */
fmnist_status fmnist__principal_basis(const float *x, size_t n, size_t dim, size_t d,
                                      float *basis);

#endif
