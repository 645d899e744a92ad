/* The model file format, shared by every family, and its bounded reader.
 *
 * Layout (all integers little-endian, floats IEEE-754 binary32/64 LE):
 *
 *   offset  size  field
 *   0       8     magic "FMNISTMD"
 *   8       4     u32 format version (FMNIST__MODELFILE_VERSION)
 *   12      4     u32 family id (1 logreg, 2 knn, 3 forest, 4 net, 5 ensemble)
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
 * A model file is built whole in memory (begin, the payload, end), then
 * written to a file or copied to a caller's buffer. A file is read whole
 * into memory; its bytes, like a caller's buffer, then go through the one
 * validator (fmnist__modelfile_parse), which verifies the CRC before any
 * field of the payload is trusted; every count read later is checked against the
 * bytes that remain before anything is allocated from it.
 */
#ifndef FMNIST_SRC_BASE_MODELFILE_H
#define FMNIST_SRC_BASE_MODELFILE_H

#include <stddef.h>
#include <stdint.h>

#include "base/writer.h"
#include "fmnist/base.h"

#define FMNIST__MODELFILE_VERSION 1u
#define FMNIST__MODELFILE_HEADER 24u
/* Header and CRC: the size of a model file with an empty payload. */
#define FMNIST__MODELFILE_FRAME (FMNIST__MODELFILE_HEADER + 4u)

/* Starts a model file in w (empty): the header, its payload length filled
 * in by fmnist__modelfile_end. The payload follows through the put
 * functions of writer.h. */
void fmnist__modelfile_begin(fmnist__writer *w, uint32_t family);
/* Ends the file begun in w: the payload length into the header, the CRC-32
 * of the payload after it. FMNIST_E_NOMEM (message naming `what`) if a put
 * failed, else FMNIST_OK. w->data[0..w->len) is then the whole file, to be
 * written to a file (base/file.h) or copied to a caller's buffer. */
fmnist_status fmnist__modelfile_end(fmnist__writer *w, const char *what);

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

/* The one validator of model files: checks a whole file of len bytes in
 * memory (magic, version, payload length against len, CRC-32 of the
 * payload); on success *family is its family id and *r reads its payload
 * in place (r->path = name, for messages: a file's path or "model
 * buffer"). Errors: E_FORMAT, E_VERSION, E_CHECKSUM, with a message. */
fmnist_status fmnist__modelfile_parse(const uint8_t *data, size_t len, const char *name,
                                      uint32_t *family, fmnist__reader *r);

/* Reads the model file at path whole into *data (free with fmnist__free),
 * *len bytes. Its header goes through the validator's header checks
 * against the file's length before the rest is read, so that a foreign or
 * forged file is refused before memory is reserved for it; the caller
 * then hands the bytes to fmnist__modelfile_parse. Errors: E_NOTFOUND, E_IO,
 * E_FORMAT, E_VERSION, E_NOMEM. */
fmnist_status fmnist__modelfile_read(const char *path, uint8_t **data, size_t *len);

#endif
