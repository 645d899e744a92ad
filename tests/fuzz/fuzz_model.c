/* Fuzz target: the model file loader, every family (the family id is in
 * the file), then a prediction with whatever loaded. */
#include <fmnist.h>
#include <string.h>

#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_file("model", data, size);
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
