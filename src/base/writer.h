/* A growable byte buffer written little-endian: model files (modelfile.h)
 * and ONNX protobuf messages (protobuf.h) are built in one before they go
 * to a file or a caller's buffer. */
#ifndef FMNIST_SRC_BASE_WRITER_H
#define FMNIST_SRC_BASE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "fmnist/base.h"

/* Errors are sticky: after a failed allocation every later put is a no-op
 * and status is FMNIST_E_NOMEM. Start from {0}; free with
 * fmnist__writer_free. */
typedef struct fmnist__writer {
  uint8_t *data;
  size_t len, cap;
  fmnist_status status;
} fmnist__writer;

/* Appends n bytes and returns where they start (to be filled by the
 * caller), or NULL after a failure. */
uint8_t *fmnist__put_space(fmnist__writer *w, size_t n);
void fmnist__put_u32(fmnist__writer *w, uint32_t v);
void fmnist__put_u64(fmnist__writer *w, uint64_t v);
void fmnist__put_f64(fmnist__writer *w, double v);
void fmnist__put_f32s(fmnist__writer *w, const float *v, size_t n);
void fmnist__put_u32s(fmnist__writer *w, const uint32_t *v, size_t n);
void fmnist__put_u64s(fmnist__writer *w, const uint64_t *v, size_t n);
void fmnist__put_bytes(fmnist__writer *w, const void *v, size_t n);
/* u32 length, then the bytes of s. */
void fmnist__put_str(fmnist__writer *w, const char *s);
/* Writes v as n little-endian bytes at p (for fields filled in later). */
void fmnist__put_le(uint8_t *p, uint64_t v, int n);
void fmnist__writer_free(fmnist__writer *w);
/* Hands w's bytes to a caller by the library's buffer convention: *size
 * gets their number and, if buf is not NULL, they are copied into it (len
 * bytes; fewer than needed: FMNIST_E_BUFFER, message naming fn, nothing
 * written). */
fmnist_status fmnist__writer_to_buffer(const fmnist__writer *w, void *buf, size_t len,
                                       size_t *size, const char *fn);

#endif
