/* Growable little-endian byte buffer (writer.h). */
#include "base/writer.h"

#include <string.h>

#include "base/alloc.h"
#include "base/status.h"

void fmnist__put_le(uint8_t *p, uint64_t v, int n) {
  for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

uint8_t *fmnist__put_space(fmnist__writer *w, size_t n) {
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
  uint8_t *p = fmnist__put_space(w, 4);
  if (p) fmnist__put_le(p, v, 4);
}
void fmnist__put_u64(fmnist__writer *w, uint64_t v) {
  uint8_t *p = fmnist__put_space(w, 8);
  if (p) fmnist__put_le(p, v, 8);
}
void fmnist__put_f64(fmnist__writer *w, double v) {
  uint64_t bits;
  memcpy(&bits, &v, 8);
  fmnist__put_u64(w, bits);
}

/* Room for n elements of size bytes each, or NULL (overflow: E_NOMEM). */
static uint8_t *put_array(fmnist__writer *w, size_t n, size_t size) {
  size_t bytes;
  if (!fmnist__mul_ok(n, size, &bytes)) {
    w->status = FMNIST_E_NOMEM;
    return NULL;
  }
  return fmnist__put_space(w, bytes);
}

void fmnist__put_f32s(fmnist__writer *w, const float *v, size_t n) {
  uint8_t *p = put_array(w, n, 4);
  if (!p) return;
  for (size_t i = 0; i < n; i++) {
    uint32_t bits;
    memcpy(&bits, &v[i], 4);
    fmnist__put_le(p + 4 * i, bits, 4);
  }
}
void fmnist__put_u32s(fmnist__writer *w, const uint32_t *v, size_t n) {
  uint8_t *p = put_array(w, n, 4);
  if (p)
    for (size_t i = 0; i < n; i++) fmnist__put_le(p + 4 * i, v[i], 4);
}
void fmnist__put_u64s(fmnist__writer *w, const uint64_t *v, size_t n) {
  uint8_t *p = put_array(w, n, 8);
  if (p)
    for (size_t i = 0; i < n; i++) fmnist__put_le(p + 8 * i, v[i], 8);
}
void fmnist__put_bytes(fmnist__writer *w, const void *v, size_t n) {
  uint8_t *p = fmnist__put_space(w, n);
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

fmnist_status fmnist__writer_to_buffer(const fmnist__writer *w, void *buf, size_t len,
                                       size_t *size, const char *fn) {
  if (buf && len < w->len)
    return fmnist__fail(FMNIST_E_BUFFER, "%s: %zu bytes given, %zu needed", fn, len, w->len);
  if (buf && w->len) memcpy(buf, w->data, w->len);
  *size = w->len;
  return FMNIST_OK;
}
