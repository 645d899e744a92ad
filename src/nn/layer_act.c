/* Elementwise activations relu, tanh, sigmoid; backward from the output
 * (relu: y > 0, tanh: 1 - y^2, sigmoid: y (1 - y)). A relu followed by a
 * max-pool or a dropout computes them in its own per-channel passes (a
 * fused tail, fmnist__fuse). */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include <math.h>

#include "base/threads.h"
#include "kernels/layout.h"
#include "nn/layer.h"
#include "nn/layer_tail.h"
#include "nn/pass.h"

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

/* ---- a relu with a fused tail: tasks (chunk, channel) ---- */

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

/* Task t's chunk q = t / C and channel c = t % C, its images k, and
 * where its channel starts in the input (*in) and the tail's output
 * (*out). */
static fmnist__tail task_at(const tail_job *j, size_t t, size_t *c, size_t *k, size_t *in,
                            size_t *out) {
  const fmnist__layer *l = j->l;
  const size_t q = t / l->in_c;
  *c = t % l->in_c;
  *k = fmnist__chunk_n(j->n, q);
  *in = fmnist__plane_at(j->n, q, l->in_c, l->in_h * l->in_w, *c);
  *out = fmnist__plane_at(j->n, q, l->in_c, j->t.out_h * j->t.out_w, *c);
  return fmnist__tail_chunk(l, &j->t, q);
}

static void tail_fwd_range(void *ctx, size_t lo, size_t hi) {
  const tail_job *j = ctx;
  for (size_t t = lo; t < hi; t++) {
    size_t c, k, in, out;
    const fmnist__tail tq = task_at(j, t, &c, &k, &in, &out);
    fmnist__tail_forward(j->l, &tq, c, j->x + in, k, 1.0f, 0.0f, j->out + out);
  }
}

/* spare: the gradient at the pool's output, in the tail output's layout. */
static void tail_bwd_range(void *ctx, size_t lo, size_t hi) {
  const tail_job *j = ctx;
  for (size_t t = lo; t < hi; t++) {
    size_t c, k, in, out;
    const fmnist__tail tq = task_at(j, t, &c, &k, &in, &out);
    fmnist__tail_backward(j->l, &tq, c, j->x + in, k, 1.0f, 0.0f, j->dy + out, j->out + in,
                          j->spare + out);
  }
}

static size_t tail_tasks(const tail_job *j) { return fmnist__chunks(j->n) * j->l->in_c; }
static size_t tail_grain(const tail_job *j) { /* a task: one chunk's channel */
  return FMNIST__PAR_GRAIN / (fmnist__chunk_n(j->n, 0) * j->l->in_h * j->l->in_w + 1) + 1;
}

/* aux: a fused dropout's keep flags; scratch: the gradient at a fused
 * pool's output. */
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
    fmnist__parallel_range(p->threads, tail_tasks(&j), tail_grain(&j), tail_fwd_range, &j);
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
    fmnist__parallel_range(p->threads, tail_tasks(&j), tail_grain(&j), tail_bwd_range, &j);
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

const fmnist__layer_ops fmnist__act_ops = {fmnist__layer_same_shape, NULL, act_aux_bytes,
                                           act_scratch_floats, act_forward, act_backward};
