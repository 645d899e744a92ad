/* Fuzz target: PGM and PNG decoding. */
#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t out[784];
  fmnist__image_decode(data, size, "fuzz", size & 1, out);
  return 0;
}
