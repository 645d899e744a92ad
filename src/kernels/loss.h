/* Softmax fused with cross-entropy over logits laid out classes x batch. */
#ifndef FMNIST_SRC_KERNELS_LOSS_H
#define FMNIST_SRC_KERNELS_LOSS_H

#include <stddef.h>
#include <stdint.h>

/* logits: k x n (column j = sample j). Returns the summed loss
 * -sum_c q_c log softmax(z_j)[c] over the n samples, the target q the
 * label's one-hot smoothed by `smoothing` e in [0, 1]: (1 - e) onehot +
 * e/k, PyTorch's CrossEntropyLoss(label_smoothing=e) (e = 0: the plain
 * -log softmax(z_j)[label_j]); log-sum-exp with the max subtracted, so no
 * overflow. Adds to *correct the samples whose argmax is the label, and
 * if dlogits is not NULL writes (softmax(z) - q) * grad_scale into it
 * (k x n). */
double fmnist__softmax_xent(const float *logits, const uint8_t *labels, size_t k, size_t n,
                            double smoothing, float grad_scale, float *dlogits,
                            size_t *correct);
/* Probabilities, row per sample: proba[j*k + c] = softmax(z_j)[c]. */
void fmnist__softmax_rows(const float *logits, size_t k, size_t n, float *proba);

#endif
