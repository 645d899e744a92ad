/* Model files: framing with CRC-32, the one validator, bounded reader. */
#include "base/modelfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "base/alloc.h"
#include "base/status.h"

static const uint8_t MAGIC[8] = {'F', 'M', 'N', 'I', 'S', 'T', 'M', 'D'};

/* Largest model file the loader accepts: far above any real model (a KNN
 * keeping 60k standardized images is 190 MB), low enough that a forged
 * length cannot ask for an absurd buffer. */
#define MAX_FILE ((uint64_t)1 << 32)

static uint64_t get_le(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

/* CRC-32 of n bytes (zlib's crc32 takes uInt lengths: 1 GB at a time). */
static uint32_t crc_of(const uint8_t *p, size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  for (size_t off = 0; off < n;) {
    uInt chunk = (uInt)(n - off > (1u << 30) ? (1u << 30) : n - off);
    crc = crc32(crc, p + off, chunk);
    off += chunk;
  }
  return (uint32_t)crc;
}

void fmnist__modelfile_begin(fmnist__writer *w, uint32_t family) {
  uint8_t *head = fmnist__put_space(w, FMNIST__MODELFILE_HEADER);
  if (!head) return;
  memcpy(head, MAGIC, 8);
  fmnist__put_le(head + 8, FMNIST__MODELFILE_VERSION, 4);
  fmnist__put_le(head + 12, family, 4);
  fmnist__put_le(head + 16, 0, 8);
}

fmnist_status fmnist__modelfile_end(fmnist__writer *w, const char *what) {
  uint8_t *tail = fmnist__put_space(w, 4);
  if (!tail) return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory while serializing", what);
  size_t plen = w->len - FMNIST__MODELFILE_FRAME;
  fmnist__put_le(w->data + 16, plen, 8);
  fmnist__put_le(tail, crc_of(w->data + FMNIST__MODELFILE_HEADER, plen), 4);
  return FMNIST_OK;
}

static fmnist_status truncated(const fmnist__reader *r, size_t want) {
  return fmnist__fail(FMNIST_E_FORMAT, "%s: truncated payload: need %zu more bytes, %zu left",
                      r->path, want, r->left);
}

fmnist_status fmnist__get_bytes(fmnist__reader *r, void *v, size_t n) {
  if (n > r->left) return truncated(r, n);
  if (n) memcpy(v, r->p, n);
  r->p += n;
  r->left -= n;
  return FMNIST_OK;
}
fmnist_status fmnist__get_u32(fmnist__reader *r, uint32_t *v) {
  if (r->left < 4) return truncated(r, 4);
  *v = (uint32_t)get_le(r->p, 4);
  r->p += 4;
  r->left -= 4;
  return FMNIST_OK;
}
fmnist_status fmnist__get_u64(fmnist__reader *r, uint64_t *v) {
  if (r->left < 8) return truncated(r, 8);
  *v = get_le(r->p, 8);
  r->p += 8;
  r->left -= 8;
  return FMNIST_OK;
}
fmnist_status fmnist__get_f64(fmnist__reader *r, double *v) {
  uint64_t bits;
  fmnist_status s = fmnist__get_u64(r, &bits);
  if (!s) memcpy(v, &bits, 8);
  return s;
}
fmnist_status fmnist__get_f32s(fmnist__reader *r, float *v, size_t n) {
  if (n > r->left / 4) return truncated(r, n * 4);
  for (size_t i = 0; i < n; i++) {
    uint32_t bits = (uint32_t)get_le(r->p + 4 * i, 4);
    memcpy(&v[i], &bits, 4);
  }
  r->p += 4 * n;
  r->left -= 4 * n;
  return FMNIST_OK;
}
fmnist_status fmnist__get_u32s(fmnist__reader *r, uint32_t *v, size_t n) {
  if (n > r->left / 4) return truncated(r, n * 4);
  for (size_t i = 0; i < n; i++) v[i] = (uint32_t)get_le(r->p + 4 * i, 4);
  r->p += 4 * n;
  r->left -= 4 * n;
  return FMNIST_OK;
}
fmnist_status fmnist__get_count(fmnist__reader *r, size_t elem_size,
                                size_t max, const char *what, size_t *count) {
  uint64_t n;
  fmnist_status s = fmnist__get_u64(r, &n);
  if (s) return s;
  if (n > max)
    return fmnist__fail(FMNIST_E_FORMAT, "%s: %s count %llu exceeds the limit %zu",
                        r->path, what, (unsigned long long)n, max);
  if (elem_size && n > r->left / elem_size)
    return fmnist__fail(FMNIST_E_FORMAT, "%s: %s count %llu needs more bytes than the %zu left",
                        r->path, what, (unsigned long long)n, r->left);
  *count = (size_t)n;
  return FMNIST_OK;
}
fmnist_status fmnist__get_str(fmnist__reader *r, char *buf, size_t len) {
  uint32_t n;
  fmnist_status s = fmnist__get_u32(r, &n);
  if (s) return s;
  if (n >= len)
    return fmnist__fail(FMNIST_E_FORMAT, "%s: string of %u bytes, at most %zu allowed",
                        r->path, n, len - 1);
  s = fmnist__get_bytes(r, buf, n);
  if (!s) buf[n] = '\0';
  return s;
}

/* The header checks of the validator: head holds the first min(size, 24)
 * bytes of a file of size bytes. */
static fmnist_status check_header(const uint8_t *head, uint64_t size, const char *name) {
  if (size < FMNIST__MODELFILE_FRAME)
    return fmnist__fail(FMNIST_E_FORMAT, "%s: %llu bytes, too short for a model file (at least %u)",
                        name, (unsigned long long)size, FMNIST__MODELFILE_FRAME);
  if (memcmp(head, MAGIC, 8) != 0)
    return fmnist__fail(FMNIST_E_FORMAT, "%s: not a libfmnist model file (bad magic)", name);
  uint32_t version = (uint32_t)get_le(head + 8, 4);
  if (version < 1 || version > FMNIST__MODELFILE_VERSION)
    return fmnist__fail(FMNIST_E_VERSION, "%s: format v%u, this library reads v1..v%u", name,
                        version, FMNIST__MODELFILE_VERSION);
  uint64_t plen = get_le(head + 16, 8);
  if (size > MAX_FILE || plen != size - FMNIST__MODELFILE_FRAME)
    return fmnist__fail(FMNIST_E_FORMAT, "%s: header says %llu payload bytes, %llu present",
                        name, (unsigned long long)plen,
                        (unsigned long long)(size - FMNIST__MODELFILE_FRAME));
  return FMNIST_OK;
}

fmnist_status fmnist__modelfile_parse(const uint8_t *data, size_t len, const char *name,
                                      uint32_t *family, fmnist__reader *r) {
  fmnist_status s = check_header(data, len, name);
  if (s) return s;
  size_t plen = len - FMNIST__MODELFILE_FRAME;
  const uint8_t *payload = data + FMNIST__MODELFILE_HEADER;
  if (crc_of(payload, plen) != (uint32_t)get_le(payload + plen, 4))
    return fmnist__fail(FMNIST_E_CHECKSUM, "%s: CRC-32 mismatch: the model is corrupted", name);
  *family = (uint32_t)get_le(data + 12, 4);
  *r = (fmnist__reader){payload, plen, name};
  return FMNIST_OK;
}

fmnist_status fmnist__modelfile_read(const char *path, uint8_t **data, size_t *len) {
  struct stat st;
  uint8_t *buf = NULL, head[FMNIST__MODELFILE_HEADER];
  fmnist_status s = FMNIST_OK;
  FILE *f = fopen(path, "rb");
  if (!f)
    return fmnist__fail(errno == ENOENT ? FMNIST_E_NOTFOUND : FMNIST_E_IO,
                        "%s: cannot open: %s", path, strerror(errno));
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    s = fmnist__fail(FMNIST_E_IO, "%s: not a regular file", path);
    goto done;
  }
  uint64_t size = (uint64_t)st.st_size;
  size_t got = fread(head, 1, sizeof head, f);
  if (got < sizeof head && (uint64_t)got < size) {
    s = fmnist__fail(FMNIST_E_IO, "%s: read error", path);
    goto done;
  }
  if ((s = check_header(head, size, path))) goto done;
  buf = fmnist__alloc((size_t)size);
  if (!buf) {
    s = fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory for %llu bytes", path,
                     (unsigned long long)size);
    goto done;
  }
  memcpy(buf, head, sizeof head);
  if (fread(buf + sizeof head, 1, (size_t)size - sizeof head, f) != (size_t)size - sizeof head) {
    s = fmnist__fail(FMNIST_E_IO, "%s: read error", path);
    goto done;
  }
  *data = buf;
  *len = (size_t)size;
  buf = NULL;
done:
  fmnist__free(buf);
  fclose(f);
  return s;
}
