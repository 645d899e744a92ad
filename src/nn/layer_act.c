/* Elementwise activations relu, tanh, sigmoid; backward from the output
 * (relu: y > 0, tanh: 1 - y^2, sigmoid: y (1 - y)). A relu followed by a
 * max-pool or a dropout computes them in its own per-channel passes (a
 * fused tail, fmnist__fuse). */
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

/* ---- a relu with a fused tail: channels [lo, hi) ---- */

typedef struct tail_job {
  const fmnist__layer *l;
  fmnist__tail t; /* in this pass */
  size_t n;
  const float *x, *dy;
  float *out, *spare;
} tail_job;

/* aux holds a fused dropout's flags; dy NULL: the forward pass. */
static tail_job tail_job_of(const fmnist__layer *l, const float *x, const float *dy, float *out,
                            void *aux, size_t n, const fmnist__pass *p) {
  return (tail_job){l, fmnist__tail_pass(l, aux, n, p, !dy), n, x, dy, out, p->scratch};
}

/* Values of a channel of the input and of the tail's output. */
static size_t in_plane(const tail_job *j) { return j->n * j->l->in_h * j->l->in_w; }
static size_t out_plane(const tail_job *j) { return j->n * j->t.out_h * j->t.out_w; }

static void tail_fwd_range(void *ctx, size_t lo, size_t hi) {
  const tail_job *j = ctx;
  const size_t m = in_plane(j), q = out_plane(j);
  for (size_t c = lo; c < hi; c++)
    fmnist__tail_forward(j->l, &j->t, c, j->x + c * m, j->n, 1.0f, 0.0f, j->out + c * q);
}

static void tail_bwd_range(void *ctx, size_t lo, size_t hi) {
  const tail_job *j = ctx;
  const size_t m = in_plane(j), q = out_plane(j);
  for (size_t c = lo; c < hi; c++)
    fmnist__tail_backward(j->l, &j->t, c, j->x + c * m, j->n, 1.0f, 0.0f, j->dy + c * q,
                          j->out + c * m, j->spare + lo * q);
}

static size_t tail_grain(const tail_job *j) { return FMNIST__PAR_GRAIN / (in_plane(j) + 1) + 1; }

/* aux: a fused dropout's keep flags; scratch: the gradient at a fused
 * pool's output, a channel's worth per range. */
static size_t act_aux_bytes(const fmnist__layer *l, size_t n) {
  return fmnist__tail_keep_bytes(l, n);
}
static size_t act_scratch_floats(const fmnist__layer *l, size_t n) {
  const fmnist__tail t = fmnist__tail_of(l);
  return l->fuse ? l->in_c * t.out_h * t.out_w * n : 0;
}

static void act_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                    const fmnist__pass *p) {
  if (l->fuse) {
    tail_job j = tail_job_of(l, x, NULL, y, aux, n, p);
    fmnist__parallel_range(p->threads, l->in_c, tail_grain(&j), tail_fwd_range, &j);
    return;
  }
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
  if (!dx) return;
  if (l->fuse) {
    tail_job j = tail_job_of(l, x, dy, dx, aux, n, p);
    fmnist__parallel_range(p->threads, l->in_c, tail_grain(&j), tail_bwd_range, &j);
    return;
  }
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

const fmnist__layer_ops fmnist__act_ops = {act_setup,          NULL,        act_aux_bytes,
                                           act_scratch_floats, act_forward, act_backward};
