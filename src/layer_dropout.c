/* Inverted dropout: in training each value is kept with probability 1-rate
 * and scaled by 1/(1-rate), so inference is the identity.
 * aux: one uint8 keep-flag per value (C x N x H x W). */
#include "vectorize.h"  /* first: applies to the whole file */
#include <stdint.h>
#include <string.h>

#include "layer.h"
#include "status.h"

static fmnist_status dropout_setup(fmnist__layer *l) {
  l->out_c = l->in_c;
  l->out_h = l->in_h;
  l->out_w = l->in_w;
  return FMNIST_OK;
}

static size_t dropout_aux_bytes(const fmnist__layer *l, size_t n) {
  return fmnist__layer_in_size(l) * n;
}

static void dropout_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                    const fmnist__pass *p) {
  const size_t len = fmnist__layer_in_size(l) * n;
  uint8_t *keep = aux;
  if (!p->training || l->spec.rate <= 0) {
    if (y != x) memcpy(y, x, len * sizeof *y);
    if (p->training) memset(keep, 1, len); /* rate 0 */
    return;
  }
  /* keep iff a 32-bit uniform draw >= rate * 2^32: two draws per call. */
  const uint64_t thr = (uint64_t)(l->spec.rate * 4294967296.0);
  size_t i = 0;
  for (; i + 2 <= len; i += 2) {
    uint64_t r = fmnist__rng_next(p->rng);
    keep[i] = (r & 0xffffffffu) >= thr;
    keep[i + 1] = (r >> 32) >= thr;
  }
  if (i < len) keep[i] = (fmnist__rng_next(p->rng) & 0xffffffffu) >= thr;
  const float scale = (float)(1.0 / (1.0 - l->spec.rate));
  for (i = 0; i < len; i++) { /* unconditional load: vectorizes */
    float v = x[i] * scale;
    y[i] = keep[i] ? v : 0.0f;
  }
}

static void dropout_backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
                     float *dx, void *aux, size_t n, const fmnist__pass *p) {
  (void)x;
  (void)y;
  (void)p;
  if (!dx) return;
  const size_t len = fmnist__layer_in_size(l) * n;
  const uint8_t *keep = aux;
  const float scale = l->spec.rate > 0 ? (float)(1.0 / (1.0 - l->spec.rate)) : 1.0f;
  for (size_t i = 0; i < len; i++) {
    float v = dy[i] * scale;
    dx[i] = keep[i] ? v : 0.0f;
  }
}

const fmnist__layer_ops fmnist__dropout_ops = {dropout_setup, NULL, dropout_aux_bytes, NULL, dropout_forward, dropout_backward};
