/* Copies between the nets' chunked layout and plain matrices (layout.h). */
#include "base/vectorize.h" /* first: applies to the whole file */
#include "kernels/layout.h"

void fmnist__unchunk(const float *chunked, size_t per, size_t n, float *plain) {
  for (size_t q = 0; q < fmnist__chunks(n); q++) {
    const size_t k = fmnist__chunk_n(n, q);
    const float *src = chunked + fmnist__chunk_at(q, per);
    for (size_t v = 0; v < per; v++)
      for (size_t i = 0; i < k; i++) plain[v * n + q * FMNIST__CHUNK + i] = src[v * k + i];
  }
}

void fmnist__rechunk(const float *plain, size_t per, size_t n, float *chunked) {
  for (size_t q = 0; q < fmnist__chunks(n); q++) {
    const size_t k = fmnist__chunk_n(n, q);
    float *dst = chunked + fmnist__chunk_at(q, per);
    for (size_t v = 0; v < per; v++)
      for (size_t i = 0; i < k; i++) dst[v * k + i] = plain[v * n + q * FMNIST__CHUNK + i];
  }
}
