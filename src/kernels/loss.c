/* Softmax + cross-entropy, numerically stable (max subtracted), with
 * optional label smoothing. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include "kernels/loss.h"

#include <math.h>

double fmnist__softmax_xent(const float *logits, const uint8_t *labels, size_t k, size_t n,
                            double smoothing, float grad_scale, float *dlogits,
                            size_t *correct) {
  /* The target of a wrong class and of the label: e/k and 1 - e + e/k
   * (exactly 0 and 1 without smoothing, so that the gradient is then
   * softmax - onehot to the bit). */
  const double off = smoothing / (double)k, on = 1.0 - smoothing + off;
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
    /* -sum_c q_c log p_c = lse - sum_c q_c (z_c - mx), q the target; NaN
     * logits make mx NaN and the loss NaN, which the caller detects. */
    double target = (double)(logits[(size_t)labels[j] * n + j] - mx);
    if (smoothing != 0) { /* (a logit of -inf would make 0 * -inf a NaN) */
      double sum = 0;
      for (size_t c = 0; c < k; c++) sum += (double)(logits[c * n + j] - mx);
      target = (1.0 - smoothing) * target + off * sum;
    }
    total += lse - target;
    if (correct && arg == labels[j]) (*correct)++;
    if (dlogits)
      for (size_t c = 0; c < k; c++) {
        double pr = exp((double)(logits[c * n + j] - mx) - lse);
        dlogits[c * n + j] = (float)((pr - (c == labels[j] ? on : off)) * grad_scale);
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
