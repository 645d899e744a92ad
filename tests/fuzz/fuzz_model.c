/* Fuzz target: the model file loader, every family (the family id is in
 * the file), then a prediction with whatever loaded.
 *
 * Input: one selector byte, then a model file. Selector bit 0 set: the
 * payload length field and the CRC-32 are recomputed before loading, so
 * mutations reach the payload parsers (options, standardization, history,
 * each family's parameters) instead of stopping at the checksum; clear: the
 * file is loaded as is (framing, length and CRC checks). */
#include <fmnist.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz_file.h"

enum { HEADER = 24, TRAILER = 4 };

static void put_le(uint8_t *p, uint64_t v, int n) {
  for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const uint8_t *file = data + 1;
  size_t n = size - 1;
  uint8_t *fixed = NULL;
  if ((data[0] & 1) && n >= HEADER + TRAILER) {
    fixed = malloc(n);
    if (!fixed) return 0;
    memcpy(fixed, file, n);
    size_t plen = n - HEADER - TRAILER;
    put_le(fixed + 16, plen, 8);
    put_le(fixed + HEADER + plen, crc32(0L, fixed + HEADER, (uInt)plen), 4);
    file = fixed;
  }
  const char *path = fuzz_file("model", file, n);
  free(fixed);
  fmnist_model *m;
  if (fmnist_model_load(path, &m) != FMNIST_OK) return 0;
  uint8_t img[2 * FMNIST_PIXELS], labels[2];
  float proba[2 * FMNIST_CLASSES];
  memset(img, 0, sizeof img);
  memset(img + FMNIST_PIXELS, 200, FMNIST_PIXELS);
  fmnist_model_predict(m, img, 2, labels);
  fmnist_model_proba(m, img, 2, proba);
  fmnist_model_free(m);
  return 0;
}
