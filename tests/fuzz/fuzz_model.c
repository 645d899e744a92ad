/* Fuzz target: the model loader, every family (the family id is in the
 * model), then a prediction and an ONNX export of whatever loaded.
 *
 * Input: one selector byte, then a model file. Selector bit 0 set: the
 * payload length field and the CRC-32 are recomputed before loading, so
 * mutations reach the payload parsers (options, standardization, history,
 * each family's parameters) instead of stopping at the checksum; clear: the
 * bytes are loaded as they are (framing, length and CRC checks). Bit 1
 * clear: the bytes go straight to fmnist_model_load_buffer, in a buffer of
 * exactly their size (so a read past them is caught); set: through a file
 * and fmnist_model_load (its header check before the read). */
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
  size_t n = size - 1;
  uint8_t *file = malloc(n ? n : 1);
  if (!file) return 0;
  memcpy(file, data + 1, n);
  if ((data[0] & 1) && n >= HEADER + TRAILER) {
    size_t plen = n - HEADER - TRAILER;
    put_le(file + 16, plen, 8);
    put_le(file + HEADER + plen, crc32(0L, file + HEADER, (uInt)plen), 4);
  }
  fmnist_model *m;
  fmnist_status s = data[0] & 2 ? fmnist_model_load(fuzz_file("model", file, n), &m)
                                : fmnist_model_load_buffer(file, n, &m);
  free(file);
  if (s != FMNIST_OK) return 0;
  uint8_t img[2 * FMNIST_PIXELS], labels[2];
  float proba[2 * FMNIST_CLASSES];
  size_t onnx;
  memset(img, 0, sizeof img);
  memset(img + FMNIST_PIXELS, 200, FMNIST_PIXELS);
  fmnist_model_predict(m, img, 2, labels);
  fmnist_model_proba(m, img, 2, proba);
  fmnist_model_export_onnx_buffer(m, NULL, 0, &onnx);
  fmnist_model_free(m);
  return 0;
}
