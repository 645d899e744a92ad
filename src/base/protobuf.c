/* Protocol Buffers wire format, encoding only (protobuf.h). */
#include "base/protobuf.h"

#include <string.h>

enum { WIRE_VARINT = 0, WIRE_LEN = 2, WIRE_32 = 5 };

/* Bytes of v as a varint: 7 bits a byte, low groups first. */
static size_t varint_size(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) n++;
  return n;
}

static void encode_varint(uint8_t *p, uint64_t v) {
  for (; v >= 0x80; v >>= 7) *p++ = (uint8_t)(v | 0x80);
  *p = (uint8_t)v;
}

static void put_varint(fmnist__writer *w, uint64_t v) {
  uint8_t *p = fmnist__put_space(w, varint_size(v));
  if (p) encode_varint(p, v);
}

static void put_key(fmnist__writer *w, uint32_t field, int wire) {
  put_varint(w, (uint64_t)field << 3 | (uint64_t)wire);
}

void fmnist__pb_int(fmnist__writer *w, uint32_t field, int64_t v) {
  put_key(w, field, WIRE_VARINT);
  put_varint(w, (uint64_t)v);
}

void fmnist__pb_packed_int(fmnist__writer *w, int64_t v) { put_varint(w, (uint64_t)v); }

void fmnist__pb_packed_float(fmnist__writer *w, float v) { fmnist__put_f32s(w, &v, 1); }

void fmnist__pb_float(fmnist__writer *w, uint32_t field, float v) {
  put_key(w, field, WIRE_32);
  fmnist__put_f32s(w, &v, 1);
}

void fmnist__pb_bytes_head(fmnist__writer *w, uint32_t field, size_t n) {
  put_key(w, field, WIRE_LEN);
  put_varint(w, n);
}

void fmnist__pb_bytes(fmnist__writer *w, uint32_t field, const void *v, size_t n) {
  fmnist__pb_bytes_head(w, field, n);
  fmnist__put_bytes(w, v, n);
}

void fmnist__pb_string(fmnist__writer *w, uint32_t field, const char *s) {
  fmnist__pb_bytes(w, field, s, strlen(s));
}

size_t fmnist__pb_begin(fmnist__writer *w, uint32_t field) {
  put_key(w, field, WIRE_LEN);
  fmnist__put_space(w, 1); /* the length, if it fits in a byte */
  return w->len;
}

void fmnist__pb_end(fmnist__writer *w, size_t mark) {
  if (w->status) return;
  const size_t n = w->len - mark, k = varint_size(n);
  if (k > 1) {
    if (!fmnist__put_space(w, k - 1)) return;
    memmove(w->data + mark + k - 1, w->data + mark, n);
  }
  encode_varint(w->data + mark - 1, n);
}
