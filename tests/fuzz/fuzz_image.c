/* Fuzz target: PGM and PNG decoding. A PNG input gets the CRC of every
 * chunk recomputed first (libpng rejects a critical chunk with a bad CRC),
 * so that mutated headers and sizes reach the checks and the resize of
 * image.c instead of stopping at the checksum. The parity of the size picks
 * invert. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data/image_impl.h"

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Rewrites the CRC of each whole chunk of a PNG in place. */
static void fix_png_crcs(uint8_t *d, size_t n) {
  size_t at = 8; /* after the signature */
  while (n - at >= 12) {
    uint32_t len = be32(d + at);
    if (len > n - at - 12) break;
    uint32_t crc = (uint32_t)crc32(0L, d + at + 4, (uInt)len + 4); /* type + data */
    uint8_t *c = d + at + 8 + len;
    c[0] = (uint8_t)(crc >> 24), c[1] = (uint8_t)(crc >> 16), c[2] = (uint8_t)(crc >> 8),
    c[3] = (uint8_t)crc;
    at += 12 + (size_t)len;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  uint8_t out[784];
  if (size >= 8 && memcmp(data, sig, 8) == 0) {
    uint8_t *copy = malloc(size);
    if (!copy) return 0;
    memcpy(copy, data, size);
    fix_png_crcs(copy, size);
    fmnist__image_decode(copy, size, "fuzz", size & 1, out);
    free(copy);
    return 0;
  }
  fmnist__image_decode(data, size, "fuzz", size & 1, out);
  return 0;
}
