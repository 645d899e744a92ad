/* Inverted dropout: in training each value is kept with probability 1-rate
 * and scaled by 1/(1-rate), so inference is the identity.
 *
 * aux: one keep flag (uint8) per value (C x N x H x W). The masks are
 * drawn in fixed blocks of values, each from its own sub-stream of one
 * draw of the pass's generator: blocks can be filled in parallel, the mask
 * does not depend on the thread count, and a member of a data-parallel
 * group can draw its images' part of the global batch's mask. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include <stdint.h>
#include <string.h>

#include "base/rng.h"
#include "base/status.h"
#include "base/threads.h"
#include "nn/layer.h"

/* Values per random sub-stream. */
#define DROP_BLOCK 4096

static fmnist_status dropout_setup(fmnist__layer *l) {
  l->out_c = l->in_c;
  l->out_h = l->in_h;
  l->out_w = l->in_w;
  return FMNIST_OK;
}

static size_t dropout_aux_bytes(const fmnist__layer *l, size_t n) {
  return fmnist__layer_in_size(l) * n;
}

typedef struct drop_job {
  const float *in;
  uint8_t *keep;
  float *out;
  size_t len;
  uint64_t seed;     /* forward: sub-streams (seed, block) */
  uint64_t thr;      /* keep iff a 32-bit uniform draw >= thr */
  float scale;
  const fmnist__group *group; /* in a group: this member's share */
  size_t hw, run;             /* in a group: H*W, and n*H*W values per channel */
} drop_job;

/* out = keep ? in * scale : 0 (a dropped Inf or NaN gives 0, not NaN);
 * a select, which vectorizes. */
static void apply(const float *in, const uint8_t *keep, float scale, float *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    float v = in[i] * scale;
    out[i] = keep[i] ? v : 0.0f;
  }
}

/* Keep flags of the values [g, g + len) of the batch's mask: value i of
 * block b is the i-th 32-bit half of the draws of sub-stream (seed, b). */
static void draw_keep(const drop_job *j, size_t g, size_t len, uint8_t *keep) {
  while (len) {
    size_t b = g / DROP_BLOCK, i = g % DROP_BLOCK;
    size_t n = DROP_BLOCK - i < len ? DROP_BLOCK - i : len;
    fmnist__rng r;
    fmnist__rng_init(&r, j->seed, FMNIST__STREAM_DROPOUT, b);
    for (size_t k = 0; k < i / 2; k++) fmnist__rng_next(&r); /* a share's first block */
    uint64_t u = i % 2 ? fmnist__rng_next(&r) : 0;
    for (size_t k = 0; k < n; k++) {
      size_t pos = i + k;
      if (pos % 2 == 0) u = fmnist__rng_next(&r); /* two 32-bit draws per call */
      keep[k] = (pos % 2 ? u >> 32 : u & 0xffffffffu) >= j->thr;
    }
    g += n;
    keep += n;
    len -= n;
  }
}

/* Alone: the values of the batch are the mask's, one block per task. */
static void forward_blocks(void *ctx, size_t b0, size_t b1) {
  const drop_job *j = ctx;
  for (size_t b = b0; b < b1; b++) {
    size_t lo = b * DROP_BLOCK, n = j->len - lo < DROP_BLOCK ? j->len - lo : DROP_BLOCK;
    draw_keep(j, lo, n, j->keep + lo);
    apply(j->in + lo, j->keep + lo, j->scale, j->out + lo, n);
  }
}

/* In a data-parallel group: channel c of this member's images is one run
 * of the global batch's mask (layout C x N x H x W), so every image gets
 * the flags it would get in one process. */
static void forward_channels(void *ctx, size_t c0, size_t c1) {
  const drop_job *j = ctx;
  const fmnist__group *g = j->group;
  for (size_t c = c0; c < c1; c++) {
    size_t lo = c * j->run;
    draw_keep(j, (c * g->global_n + g->first) * j->hw, j->run, j->keep + lo);
    apply(j->in + lo, j->keep + lo, j->scale, j->out + lo, j->run);
  }
}

static void apply_range(void *ctx, size_t lo, size_t hi) {
  const drop_job *j = ctx;
  apply(j->in + lo, j->keep + lo, j->scale, j->out + lo, hi - lo);
}

static void dropout_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                            const fmnist__pass *p) {
  const size_t len = fmnist__layer_in_size(l) * n;
  uint8_t *keep = aux;
  if (!p->training || l->spec.rate <= 0) {
    if (y != x) memcpy(y, x, len * sizeof *y);
    if (p->training) memset(keep, 1, len); /* rate 0: every value kept */
    return;
  }
  const size_t hw = l->in_h * l->in_w;
  drop_job j = {x,    keep, y, len, fmnist__rng_next(p->rng),
                (uint64_t)(l->spec.rate * 4294967296.0),
                (float)(1.0 / (1.0 - l->spec.rate)), p->group, hw, n * hw};
  if (p->group) {
    fmnist__parallel_range(p->threads, l->in_c, 1, forward_channels, &j);
    return;
  }
  size_t blocks = (len + DROP_BLOCK - 1) / DROP_BLOCK;
  fmnist__parallel_range(p->threads, blocks, FMNIST__PAR_GRAIN / DROP_BLOCK, forward_blocks, &j);
}

static void dropout_backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
                             float *dx, void *aux, size_t n, const fmnist__pass *p) {
  (void)x;
  (void)y;
  if (!dx) return;
  drop_job j = {dy, aux, dx, fmnist__layer_in_size(l) * n, 0, 0,
                l->spec.rate > 0 ? (float)(1.0 / (1.0 - l->spec.rate)) : 1.0f, NULL, 0, 0};
  fmnist__parallel_range(p->threads, j.len, FMNIST__PAR_GRAIN, apply_range, &j);
}

const fmnist__layer_ops fmnist__dropout_ops = {dropout_setup, NULL, dropout_aux_bytes, NULL,
                                               dropout_forward, dropout_backward};
