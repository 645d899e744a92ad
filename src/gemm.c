/* cblas_sgemm wrappers: row-major, size_t shapes (see gemm.h). */
#include "gemm.h"

#include <cblas.h>

void fmnist__sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k,
                   float alpha, const float *a, size_t lda, const float *b,
                   size_t ldb, float beta, float *c, size_t ldc) {
  if (m == 0 || n == 0) return;
  /* OpenBLAS takes int shapes; callers block their work so that every
   * dimension stays far below INT_MAX. */
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, (blasint)m, (blasint)n,
              (blasint)k, alpha, a, (blasint)lda, b, (blasint)ldb, beta, c,
              (blasint)ldc);
}

void fmnist__row_sqnorms(const float *x, size_t n, size_t d, float *out) {
  for (size_t i = 0; i < n; i++) {
    const float *row = x + i * d;
    double s = 0;
    for (size_t j = 0; j < d; j++) s += (double)row[j] * row[j];
    out[i] = (float)s;
  }
}
