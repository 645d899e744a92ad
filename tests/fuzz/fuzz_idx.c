/* Fuzz target: the IDX reader (raw and gzip paths). The first byte picks
 * images or labels; the rest is the file. */
#include <string.h>

#include "base/alloc.h"
#include "data/idx.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  fmnist__idx_kind kind = data[0] & 1 ? FMNIST__IDX_LABELS : FMNIST__IDX_IMAGES;
  const char *path = fuzz_file("idx", data + 1, size - 1);
  fmnist__idx *x;
  if (fmnist__idx_open(path, kind, &x) != FMNIST_OK) return 0;
  size_t n = fmnist__idx_count(x) * fmnist__idx_item_size(x);
  /* The header was checked against the real length, so n is bounded by
   * the input (times deflate's ratio for gzip). */
  uint8_t *buf = fmnist__alloc(n);
  if (buf) fmnist__idx_read(x, buf, n);
  fmnist__free(buf);
  fmnist__idx_close(x);
  return 0;
}
