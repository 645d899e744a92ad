/* Softmax fused with cross-entropy over logits laid out classes x batch. */
#ifndef FMNIST_SRC_KERNELS_LOSS_H
#define FMNIST_SRC_KERNELS_LOSS_H

#include <stddef.h>
#include <stdint.h>

/* logits: k x n (column j = sample j). Returns the summed loss
 * -log softmax(z_j)[label_j] over the n samples (log-sum-exp with the max
 * subtracted, so no overflow), adds to *correct the samples whose argmax
 * is the label, and if dlogits is not NULL writes
 * (softmax(z) - onehot) * grad_scale into it (k x n). */
double fmnist__softmax_xent(const float *logits, const uint8_t *labels, size_t k, size_t n,
                            float grad_scale, float *dlogits, size_t *correct);
/* Probabilities, row per sample: proba[j*k + c] = softmax(z_j)[c]. */
void fmnist__softmax_rows(const float *logits, size_t k, size_t n, float *proba);

#endif
