/* Elementwise activations relu, tanh, sigmoid; backward from the output
 * (relu: y > 0, tanh: 1 - y^2, sigmoid: y (1 - y)). */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include <math.h>

#include "base/status.h"
#include "base/threads.h"
#include "nn/layer.h"

static fmnist_status act_setup(fmnist__layer *l) {
  l->out_c = l->in_c;
  l->out_h = l->in_h;
  l->out_w = l->in_w;
  return FMNIST_OK;
}

typedef struct relu_job {
  const float *x, *y, *dy;
  float *out;
} relu_job;

static void relu_fwd_range(void *ctx, size_t lo, size_t hi) {
  const relu_job *j = ctx;
  const float *x = j->x;
  float *y = j->out;
  for (size_t i = lo; i < hi; i++) y[i] = x[i] > 0 ? x[i] : 0.0f;
}

static void relu_bwd_range(void *ctx, size_t lo, size_t hi) {
  const relu_job *j = ctx;
  const float *y = j->y, *dy = j->dy;
  float *dx = j->out;
  for (size_t i = lo; i < hi; i++) { /* unconditional load: vectorizes */
    float g = dy[i];
    dx[i] = y[i] > 0 ? g : 0.0f;
  }
}

static void act_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                    const fmnist__pass *p) {
  (void)aux;
  const size_t len = fmnist__layer_in_size(l) * n;
  switch (l->spec.kind) {
  case FMNIST__L_RELU: {
    relu_job j = {x, NULL, NULL, y};
    fmnist__parallel_range(p->threads, len, FMNIST__PAR_GRAIN, relu_fwd_range, &j);
    break;
  }
  case FMNIST__L_TANH:
    for (size_t i = 0; i < len; i++) y[i] = tanhf(x[i]);
    break;
  default: /* sigmoid, written so that exp never overflows */
    for (size_t i = 0; i < len; i++) {
      if (x[i] >= 0) {
        y[i] = 1.0f / (1.0f + expf(-x[i]));
      } else {
        float e = expf(x[i]);
        y[i] = e / (1.0f + e);
      }
    }
    break;
  }
}

static void act_backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
                     float *dx, void *aux, size_t n, const fmnist__pass *p) {
  (void)x;
  (void)aux;
  if (!dx) return;
  const size_t len = fmnist__layer_in_size(l) * n;
  switch (l->spec.kind) {
  case FMNIST__L_RELU: {
    relu_job j = {NULL, y, dy, dx};
    fmnist__parallel_range(p->threads, len, FMNIST__PAR_GRAIN, relu_bwd_range, &j);
    break;
  }
  case FMNIST__L_TANH:
    for (size_t i = 0; i < len; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
    break;
  default:
    for (size_t i = 0; i < len; i++) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
    break;
  }
}

const fmnist__layer_ops fmnist__act_ops = {act_setup, NULL, NULL, NULL, act_forward, act_backward};
