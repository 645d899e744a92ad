/* Softmax + cross-entropy, numerically stable (max subtracted). */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include "kernels/loss.h"

#include <math.h>

double fmnist__softmax_xent(const float *logits, const uint8_t *labels, size_t k, size_t n,
                            float grad_scale, float *dlogits, size_t *correct) {
  double total = 0;
  for (size_t j = 0; j < n; j++) {
    float mx = logits[j];
    size_t arg = 0;
    for (size_t c = 1; c < k; c++)
      if (logits[c * n + j] > mx) {
        mx = logits[c * n + j];
        arg = c;
      }
    double se = 0;
    for (size_t c = 0; c < k; c++) se += exp((double)(logits[c * n + j] - mx));
    double lse = log(se);
    /* NaN logits make mx NaN and the loss NaN, which the caller detects. */
    total += lse - (double)(logits[(size_t)labels[j] * n + j] - mx);
    if (correct && arg == labels[j]) (*correct)++;
    if (dlogits)
      for (size_t c = 0; c < k; c++) {
        double pr = exp((double)(logits[c * n + j] - mx) - lse);
        dlogits[c * n + j] = (float)((pr - (c == labels[j])) * grad_scale);
      }
  }
  return total;
}

void fmnist__softmax_rows(const float *logits, size_t k, size_t n, float *proba) {
  for (size_t j = 0; j < n; j++) {
    float mx = logits[j];
    for (size_t c = 1; c < k; c++)
      if (logits[c * n + j] > mx) mx = logits[c * n + j];
    double se = 0;
    for (size_t c = 0; c < k; c++) se += exp((double)(logits[c * n + j] - mx));
    for (size_t c = 0; c < k; c++)
      proba[j * k + c] = (float)(exp((double)(logits[c * n + j] - mx)) / se);
  }
}
