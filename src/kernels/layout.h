/* The chunks of images of the nets' activation layout (nn/layer.h): the
 * layers and the kernels that work on it (Winograd, im2col per chunk)
 * find a chunk, its images and a value through these. */
#ifndef FMNIST_SRC_KERNELS_LAYOUT_H
#define FMNIST_SRC_KERNELS_LAYOUT_H

#include <stddef.h>

/* Images per chunk of the layout: a cache line of floats. */
#define FMNIST__CHUNK 16

/* Chunks of a batch of n images. */
static inline size_t fmnist__chunks(size_t n) { return (n + FMNIST__CHUNK - 1) / FMNIST__CHUNK; }
/* Images in chunk q of a batch of n. */
static inline size_t fmnist__chunk_n(size_t n, size_t q) {
  const size_t left = n - q * FMNIST__CHUNK;
  return left < FMNIST__CHUNK ? left : FMNIST__CHUNK;
}
/* Where chunk q starts in an array of `per` values per image. */
static inline size_t fmnist__chunk_at(size_t q, size_t per) { return q * FMNIST__CHUNK * per; }
/* Where plane c of chunk q starts in an array of n images of `planes`
 * planes of hw values each (a chunk of k images: planes x hw x k). */
static inline size_t fmnist__plane_at(size_t n, size_t q, size_t planes, size_t hw, size_t c) {
  return fmnist__chunk_at(q, planes * hw) + c * fmnist__chunk_n(n, q) * hw;
}
/* Where value v (of `per`, in C x H x W order) of image i of n is. */
static inline size_t fmnist__value_at(size_t n, size_t per, size_t v, size_t i) {
  const size_t q = i / FMNIST__CHUNK;
  return fmnist__chunk_at(q, per) + v * fmnist__chunk_n(n, q) + i % FMNIST__CHUNK;
}

/* A chunked array of n images of `per` values (a chunk: per x k) as a
 * plain per x n matrix (value v of image i at v*n + i), and back. */
void fmnist__unchunk(const float *chunked, size_t per, size_t n, float *plain);
void fmnist__rechunk(const float *plain, size_t per, size_t n, float *chunked);

#endif
