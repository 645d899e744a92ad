/* Thin row-major wrappers of cblas_sgemm and row reductions used by the
 * models (KNN distances, logistic regression scores), so that no model file
 * includes cblas.h and every call states its shapes the same way. */
#ifndef FMNIST_SRC_KERNELS_GEMM_H
#define FMNIST_SRC_KERNELS_GEMM_H

#include <stddef.h>

/* C (m x n) = alpha * op(A) * op(B) + beta * C, all row-major.
 * op(A) is m x k: A is m x k (lda >= k) or, with trans_a, k x m (lda >= m).
 * op(B) is k x n: B is k x n (ldb >= n) or, with trans_b, n x k (ldb >= k).
 * Runs on as many threads as OpenBLAS is currently set to. */
void fmnist__sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k,
                   float alpha, const float *a, size_t lda, const float *b,
                   size_t ldb, float beta, float *c, size_t ldc);

/* fmnist__sgemm split over `threads` of the library's pool, each part on
 * one OpenBLAS thread: the larger of m and n is cut into blocks, so every
 * element of C is still computed by one sgemm over the whole k (equal to
 * the unsplit product up to rounding). The library's threads spin only
 * ~50 us between loops before parking, unlike OpenBLAS's, which keep
 * spinning long after each sgemm and slowed the elementwise work that
 * follows it. */
void fmnist__sgemm_threads(size_t threads, int trans_a, int trans_b, size_t m, size_t n,
                           size_t k, float alpha, const float *a, size_t lda, const float *b,
                           size_t ldb, float beta, float *c, size_t ldc);

/* out[i] = sum_j x[i*d + j]^2 for i < n (accumulated in double, rounded
 * once, so the norm does not depend on how a caller blocks its rows). */
void fmnist__row_sqnorms(const float *x, size_t n, size_t d, float *out);

#endif
