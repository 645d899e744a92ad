/* cblas_sgemm wrappers: row-major, size_t shapes (see gemm.h). */
#include "kernels/gemm.h"

#include <cblas.h>

#include "base/threads.h"

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

typedef struct gemm_job {
  int trans_a, trans_b, split_n;
  size_t m, n, k, block;
  float alpha, beta;
  const float *a, *b;
  size_t lda, ldb, ldc;
  float *c;
} gemm_job;

static void gemm_part(void *ctx, size_t t) {
  const gemm_job *j = ctx;
  size_t total = j->split_n ? j->n : j->m, lo = t * j->block;
  size_t len = total - lo < j->block ? total - lo : j->block;
  if (j->split_n) /* columns [lo, lo+len) of B and C */
    fmnist__sgemm(j->trans_a, j->trans_b, j->m, len, j->k, j->alpha, j->a, j->lda,
                  j->trans_b ? j->b + lo * j->ldb : j->b + lo, j->ldb, j->beta, j->c + lo, j->ldc);
  else /* rows [lo, lo+len) of A and C */
    fmnist__sgemm(j->trans_a, j->trans_b, len, j->n, j->k, j->alpha,
                  j->trans_a ? j->a + lo : j->a + lo * j->lda, j->lda, j->b, j->ldb, j->beta,
                  j->c + lo * j->ldc, j->ldc);
}

/* Smallest part worth a thread (multiply-adds) and the alignment of the
 * cut (whole micro-kernel panels). */
#define GEMM_PART_MIN 65536
#define GEMM_ALIGN 16

void fmnist__sgemm_threads(size_t threads, int trans_a, int trans_b, size_t m, size_t n,
                           size_t k, float alpha, const float *a, size_t lda, const float *b,
                           size_t ldb, float beta, float *c, size_t ldc) {
  size_t work = m * n * k, parts = threads;
  if (parts > work / GEMM_PART_MIN) parts = work / GEMM_PART_MIN;
  int split_n = n >= m;
  size_t total = split_n ? n : m;
  size_t block = parts > 1 ? (total + parts - 1) / parts : total;
  block = (block + GEMM_ALIGN - 1) / GEMM_ALIGN * GEMM_ALIGN;
  if (block >= total) { /* one part */
    fmnist__sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  gemm_job j = {trans_a, trans_b, split_n, m, n, k, block, alpha, beta, a, b, lda, ldb, ldc, c};
  fmnist__parallel_for(threads, (total + block - 1) / block, gemm_part, &j);
}

void fmnist__row_sqnorms(const float *x, size_t n, size_t d, float *out) {
  for (size_t i = 0; i < n; i++) {
    const float *row = x + i * d;
    double s = 0;
    for (size_t j = 0; j < d; j++) s += (double)row[j] * row[j];
    out[i] = (float)s;
  }
}
