/* The model file format, shared by every family, and its bounded reader.
 *
 * Layout (all integers little-endian, floats IEEE-754 binary32/64 LE):
 *
 *   offset  size  field
 *   0       8     magic "FMNISTMD"
 *   8       4     u32 format version (FMNIST__MODELFILE_VERSION)
 *   12      4     u32 family id (1 logreg, 2 knn, 3 forest, 4 net)
 *   16      8     u64 payload length P
 *   24      P     payload
 *   24+P    4     u32 CRC-32 (zlib) of the payload
 *
 * Payload, written by model.c then by the family:
 *   u32 option count, then per option: str key, str value   (str = u32 len + bytes)
 *   784 f32 mean, 784 f32 inverse std                       (standardization)
 *   u32 epoch count, then per epoch 5 f64                   (history)
 *   family parameters (see each family's save function)
 *
 * The whole file is read into memory after its length is checked against the
 * header, and the CRC is verified before any field of the payload is
 * trusted; every count read later is checked against the bytes that remain
 * before anything is allocated from it.
 */
#ifndef FMNIST_SRC_BASE_MODELFILE_H
#define FMNIST_SRC_BASE_MODELFILE_H

#include <stddef.h>
#include <stdint.h>

#include "fmnist/base.h"

#define FMNIST__MODELFILE_VERSION 1u
#define FMNIST__MODELFILE_HEADER 24u

/* Growable little-endian byte buffer. Errors are sticky: after a failed
 * allocation every later put is a no-op and w->status is FMNIST_E_NOMEM. */
typedef struct fmnist__writer {
  uint8_t *data;
  size_t len, cap;
  fmnist_status status;
} fmnist__writer;

void fmnist__put_u32(fmnist__writer *w, uint32_t v);
void fmnist__put_u64(fmnist__writer *w, uint64_t v);
void fmnist__put_f64(fmnist__writer *w, double v);
void fmnist__put_f32s(fmnist__writer *w, const float *v, size_t n);
void fmnist__put_u32s(fmnist__writer *w, const uint32_t *v, size_t n);
void fmnist__put_bytes(fmnist__writer *w, const void *v, size_t n);
void fmnist__put_str(fmnist__writer *w, const char *s);
void fmnist__writer_free(fmnist__writer *w);

/* Writes header + w's payload + CRC to path (atomically: temp file, rename). */
fmnist_status fmnist__modelfile_write(const char *path, uint32_t family,
                                      const fmnist__writer *w);

/* Bounded reader over a payload in memory. Every get checks the bytes that
 * remain and fails with FMNIST_E_FORMAT ("<path>: truncated ...") otherwise. */
typedef struct fmnist__reader {
  const uint8_t *p;
  size_t left;
  const char *path; /* for messages */
} fmnist__reader;

fmnist_status fmnist__get_u32(fmnist__reader *r, uint32_t *v);
fmnist_status fmnist__get_u64(fmnist__reader *r, uint64_t *v);
fmnist_status fmnist__get_f64(fmnist__reader *r, double *v);
fmnist_status fmnist__get_f32s(fmnist__reader *r, float *v, size_t n);
fmnist_status fmnist__get_u32s(fmnist__reader *r, uint32_t *v, size_t n);
fmnist_status fmnist__get_bytes(fmnist__reader *r, void *v, size_t n);
/* Reads a u64 count and checks that count * elem_size bytes remain and
 * count <= max, so a caller may then allocate count elements. */
fmnist_status fmnist__get_count(fmnist__reader *r, size_t elem_size,
                                size_t max, const char *what, size_t *count);
/* Reads a str into buf (size len, NUL-terminated); longer: E_FORMAT. */
fmnist_status fmnist__get_str(fmnist__reader *r, char *buf, size_t len);

/* Reads and verifies path (magic, version, length, CRC); on success *data is
 * the whole file (free with fmnist__free) and *r reads its payload. */
fmnist_status fmnist__modelfile_read(const char *path, uint32_t *family,
                                     uint8_t **data, fmnist__reader *r);

#endif
