/* Approximate principal axes by subspace iteration (see pca.h). */
#include "kernels/pca.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/rng.h"
#include "base/status.h"
#include "kernels/gemm.h"

/* Rows sampled for the second moment matrix: plenty for its leading axes. */
#define SAMPLE_ROWS 4096
/* Iterations of Q <- orth(C Q): the leading axes settle in a few; later
 * ones need not (any orthonormal basis gives valid bounds). */
#define ITERATIONS 8
#define BASIS_SEED 0x9ca5eedULL

/* Columns of q (dim x d, row-major) made orthonormal by modified
 * Gram-Schmidt, twice, in double. A column that lies (numerically) in the
 * span of the previous ones is replaced by a random direction: the basis
 * always has d orthonormal axes, even for rank-deficient data. */
static void orthonormalize(float *q, size_t dim, size_t d, double *col, fmnist__rng *rng) {
  for (size_t c = 0; c < d; c++) {
    double *v = col + c * dim;
    for (size_t i = 0; i < dim; i++) v[i] = q[i * d + c];
    double before = 0;
    for (size_t i = 0; i < dim; i++) before += v[i] * v[i];
    for (;;) {
      for (int pass = 0; pass < 2; pass++)
        for (size_t p = 0; p < c; p++) {
          const double *u = col + p * dim;
          double dot = 0;
          for (size_t i = 0; i < dim; i++) dot += u[i] * v[i];
          for (size_t i = 0; i < dim; i++) v[i] -= dot * u[i];
        }
      double norm = 0;
      for (size_t i = 0; i < dim; i++) norm += v[i] * v[i];
      if (norm > 1e-12 * before && norm > 0) {
        for (size_t i = 0; i < dim; i++) v[i] /= sqrt(norm);
        break;
      }
      /* Degenerate: try a random direction (independent of the previous
       * c < dim axes with probability 1). */
      before = 0;
      for (size_t i = 0; i < dim; i++) {
        v[i] = fmnist__rng_normal(rng);
        before += v[i] * v[i];
      }
    }
  }
  for (size_t c = 0; c < d; c++)
    for (size_t i = 0; i < dim; i++) q[i * d + c] = (float)col[c * dim + i];
}

fmnist_status fmnist__principal_basis(const float *x, size_t n, size_t dim, size_t d,
                                      float *basis) {
  size_t s = n < SAMPLE_ROWS ? n : SAMPLE_ROWS;
  float *sample = fmnist__alloc(s * dim * sizeof(float));
  float *moment = fmnist__alloc(dim * dim * sizeof(float));
  float *z = fmnist__alloc(dim * d * sizeof(float));
  double *col = fmnist__alloc(d * dim * sizeof(double));
  fmnist_status st = FMNIST_OK;
  if (!sample || !moment || !z || !col) {
    st = fmnist__fail(FMNIST_E_NOMEM, "out of memory for a %zu x %zu principal basis", dim, d);
    goto done;
  }
  /* Evenly spaced rows: deterministic, and not biased to the first ones. */
  for (size_t i = 0; i < s; i++) memcpy(sample + i * dim, x + (i * n / s) * dim, dim * sizeof(float));
  fmnist__sgemm(1, 0, dim, dim, s, 1.0f / (float)s, sample, dim, sample, dim, 0.0f, moment, dim);
  fmnist__rng rng;
  fmnist__rng_init(&rng, BASIS_SEED, FMNIST__STREAM_PCA_BASIS, 0);
  for (size_t i = 0; i < dim * d; i++) basis[i] = (float)fmnist__rng_normal(&rng);
  orthonormalize(basis, dim, d, col, &rng);
  for (int it = 0; it < ITERATIONS; it++) {
    fmnist__sgemm(0, 0, dim, d, dim, 1.0f, moment, dim, basis, d, 0.0f, z, d);
    memcpy(basis, z, dim * d * sizeof(float));
    orthonormalize(basis, dim, d, col, &rng);
  }
done:
  fmnist__free(sample);
  fmnist__free(moment);
  fmnist__free(z);
  fmnist__free(col);
  return st;
}
