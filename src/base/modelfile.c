/* Model files: little-endian writer, bounded reader, framing with CRC-32. */
#include "base/modelfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/alloc.h"
#include "base/status.h"

static const uint8_t MAGIC[8] = {'F', 'M', 'N', 'I', 'S', 'T', 'M', 'D'};

/* Largest model file the loader accepts: far above any real model (a KNN
 * keeping 60k standardized images is 190 MB), low enough that a forged
 * length cannot ask for an absurd buffer. */
#define MAX_FILE ((uint64_t)1 << 32)

static void put_le(uint8_t *p, uint64_t v, int n) {
  for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint64_t get_le(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static uint8_t *reserve(fmnist__writer *w, size_t n) {
  if (w->status) return NULL;
  if (n > SIZE_MAX - w->len) {
    w->status = FMNIST_E_NOMEM;
    return NULL;
  }
  if (w->len + n > w->cap) {
    size_t cap = w->cap ? w->cap : 4096;
    while (cap < w->len + n) cap = cap > SIZE_MAX / 2 ? w->len + n : cap * 2;
    uint8_t *d = fmnist__realloc(w->data, cap);
    if (!d) {
      w->status = FMNIST_E_NOMEM;
      return NULL;
    }
    w->data = d;
    w->cap = cap;
  }
  uint8_t *p = w->data + w->len;
  w->len += n;
  return p;
}

void fmnist__put_u32(fmnist__writer *w, uint32_t v) {
  uint8_t *p = reserve(w, 4);
  if (p) put_le(p, v, 4);
}
void fmnist__put_u64(fmnist__writer *w, uint64_t v) {
  uint8_t *p = reserve(w, 8);
  if (p) put_le(p, v, 8);
}
void fmnist__put_f64(fmnist__writer *w, double v) {
  uint64_t bits;
  memcpy(&bits, &v, 8);
  fmnist__put_u64(w, bits);
}
/* Room for n 32-bit words; NULL when there is none (then w->status
 * says why: a byte count that overflows is out of memory too). */
static uint8_t *reserve_words(fmnist__writer *w, size_t n) {
  size_t bytes;
  if (!fmnist__mul_ok(n, 4, &bytes)) {
    w->status = FMNIST_E_NOMEM;
    return NULL;
  }
  return reserve(w, bytes);
}
void fmnist__put_f32s(fmnist__writer *w, const float *v, size_t n) {
  uint8_t *p = reserve_words(w, n);
  for (size_t i = 0; p && i < n; i++) {
    uint32_t bits;
    memcpy(&bits, &v[i], 4);
    put_le(p + 4 * i, bits, 4);
  }
}
void fmnist__put_u32s(fmnist__writer *w, const uint32_t *v, size_t n) {
  uint8_t *p = reserve_words(w, n);
  for (size_t i = 0; p && i < n; i++) put_le(p + 4 * i, v[i], 4);
}
void fmnist__put_bytes(fmnist__writer *w, const void *v, size_t n) {
  uint8_t *p = reserve(w, n);
  if (p && n) memcpy(p, v, n);
}
void fmnist__put_str(fmnist__writer *w, const char *s) {
  size_t n = strlen(s);
  fmnist__put_u32(w, (uint32_t)n);
  fmnist__put_bytes(w, s, n);
}
void fmnist__writer_free(fmnist__writer *w) {
  fmnist__free(w->data);
  w->data = NULL;
  w->len = w->cap = 0;
}

fmnist_status fmnist__modelfile_write(const char *path, uint32_t family,
                                      const fmnist__writer *w) {
  if (w->status) return fmnist__fail(w->status, "%s: out of memory while serializing", path);
  uint8_t head[FMNIST__MODELFILE_HEADER], tail[4];
  memcpy(head, MAGIC, 8);
  put_le(head + 8, FMNIST__MODELFILE_VERSION, 4);
  put_le(head + 12, family, 4);
  put_le(head + 16, w->len, 8);
  uLong crc = crc32(0L, Z_NULL, 0);
  for (size_t off = 0; off < w->len;) { /* crc32 takes uInt lengths */
    uInt chunk = (uInt)(w->len - off > (1u << 30) ? (1u << 30) : w->len - off);
    crc = crc32(crc, w->data + off, chunk);
    off += chunk;
  }
  put_le(tail, crc, 4);

  /* A unique temporary name beside the target, renamed over it at the end,
   * so a reader never sees half a file and two writers never share one. */
  size_t plen = strlen(path);
  char *tmp = fmnist__alloc(plen + 8);
  if (!tmp) return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory", path);
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, ".XXXXXX", 8);
  int fd = mkstemp(tmp); /* mode 0600: widened to the usual 0644 below */
  FILE *f = fd < 0 || fchmod(fd, 0644) != 0 ? NULL : fdopen(fd, "wb");
  if (!f) {
    fmnist_status s = fmnist__fail(FMNIST_E_IO, "%s: cannot create: %s", tmp, strerror(errno));
    if (fd >= 0) {
      close(fd);
      remove(tmp);
    }
    fmnist__free(tmp);
    return s;
  }
  int ok = fwrite(head, 1, sizeof head, f) == sizeof head &&
           (w->len == 0 || fwrite(w->data, 1, w->len, f) == w->len) &&
           fwrite(tail, 1, 4, f) == 4;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, path) != 0) {
    fmnist_status s = fmnist__fail(FMNIST_E_IO, "%s: cannot write: %s", path, strerror(errno));
    remove(tmp);
    fmnist__free(tmp);
    return s;
  }
  fmnist__free(tmp);
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

fmnist_status fmnist__modelfile_read(const char *path, uint32_t *family,
                                     uint8_t **data, fmnist__reader *r) {
  struct stat st;
  uint8_t *buf = NULL;
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
  if (size < FMNIST__MODELFILE_HEADER + 4) {
    s = fmnist__fail(FMNIST_E_FORMAT, "%s: %llu bytes, too short for a model file (at least %u)",
                     path, (unsigned long long)size, FMNIST__MODELFILE_HEADER + 4);
    goto done;
  }
  uint8_t head[FMNIST__MODELFILE_HEADER];
  if (fread(head, 1, sizeof head, f) != sizeof head) {
    s = fmnist__fail(FMNIST_E_IO, "%s: read error", path);
    goto done;
  }
  if (memcmp(head, MAGIC, 8) != 0) {
    s = fmnist__fail(FMNIST_E_FORMAT, "%s: not a libfmnist model file (bad magic)", path);
    goto done;
  }
  uint32_t version = (uint32_t)get_le(head + 8, 4);
  if (version < 1 || version > FMNIST__MODELFILE_VERSION) {
    s = fmnist__fail(FMNIST_E_VERSION, "%s: format v%u, this library reads v1..v%u", path,
                     version, FMNIST__MODELFILE_VERSION);
    goto done;
  }
  uint64_t plen = get_le(head + 16, 8);
  if (size > MAX_FILE || plen != size - FMNIST__MODELFILE_HEADER - 4) {
    s = fmnist__fail(FMNIST_E_FORMAT, "%s: header says %llu payload bytes, file holds %llu",
                     path, (unsigned long long)plen,
                     (unsigned long long)(size - FMNIST__MODELFILE_HEADER - 4));
    goto done;
  }
  buf = fmnist__alloc((size_t)plen + 4);
  if (!buf) {
    s = fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory for %llu bytes", path,
                     (unsigned long long)plen);
    goto done;
  }
  if (fread(buf, 1, (size_t)plen + 4, f) != (size_t)plen + 4) {
    s = fmnist__fail(FMNIST_E_IO, "%s: read error", path);
    goto done;
  }
  uLong crc = crc32(0L, Z_NULL, 0);
  for (size_t off = 0; off < plen;) {
    uInt chunk = (uInt)(plen - off > (1u << 30) ? (1u << 30) : plen - off);
    crc = crc32(crc, buf + off, chunk);
    off += chunk;
  }
  if ((uint32_t)crc != (uint32_t)get_le(buf + plen, 4)) {
    s = fmnist__fail(FMNIST_E_CHECKSUM, "%s: CRC-32 mismatch: the file is corrupted", path);
    goto done;
  }
  *family = (uint32_t)get_le(head + 12, 4);
  *data = buf;
  r->p = buf;
  r->left = (size_t)plen;
  r->path = path;
  buf = NULL;
done:
  fmnist__free(buf);
  fclose(f);
  return s;
}
