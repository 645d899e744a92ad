/* Inverted dropout: in training each value is kept with probability 1-rate
 * and scaled by 1/(1-rate), so inference is the identity.
 *
 * aux: one keep flag (uint8) per value, in the activations' layout, drawn
 * from a seed taken from the pass's generator per step and sub-streams per
 * block of an image's values (fmnist__draw_values): in parallel, and a
 * member of a data-parallel group draws exactly its images' flags, as one
 * process would. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include <stdint.h>
#include <string.h>

#include "base/rng.h"
#include "base/threads.h"
#include "kernels/layout.h"
#include "nn/draw.h"
#include "nn/layer.h"
#include "nn/pass.h"

/* aux: the keep flags, unless an earlier layer computes this one (a fused
 * tail: that layer keeps them). */
static size_t dropout_aux_bytes(const fmnist__layer *l, size_t n) {
  return l->fused ? 0 : fmnist__layer_in_size(l) * n;
}

/* out = keep ? in * scale : 0 over [lo, hi) (a dropped Inf or NaN gives 0,
 * not NaN); a select, which vectorizes. */
typedef struct apply_job {
  const float *in;
  const uint8_t *keep;
  float *out;
  float scale;
} apply_job;

static void apply_range(void *ctx, size_t lo, size_t hi) {
  const apply_job *j = ctx;
  for (size_t i = lo; i < hi; i++) {
    float v = j->in[i] * j->scale;
    j->out[i] = j->keep[i] ? v : 0.0f;
  }
}

/* Where a pass's flags go, and the threshold: keep iff a 32-bit uniform
 * draw >= thr. */
typedef struct draw_job {
  uint8_t *keep;
  size_t values;
  uint64_t thr;
} draw_job;

/* Flags of chunk q's cnt images, values [v0, v1) of a block: value v is
 * the (v - v0)-th 32-bit half of the block's draws, at v*cnt + i in the
 * chunk. */
FMNIST__VECTOR_CLONES static void draw_flags(void *ctx, fmnist__rng *r, size_t q, size_t cnt,
                                             size_t v0, size_t v1) {
  const draw_job *j = ctx;
  /* The images' generators word by word, side by side, so that one step
   * of all of them is a vector loop (a whole chunk's lanes: the lanes of
   * missing images step too, unread). */
  uint64_t s[4][FMNIST__CHUNK] = {{0}};
  for (size_t i = 0; i < cnt; i++)
    for (size_t w = 0; w < 4; w++) s[w][i] = r[i].s[w];
  for (size_t v = v0; v < v1; v += 2) { /* two 32-bit draws per step */
    uint8_t *k0 = j->keep + fmnist__chunk_at(q, j->values) + v * cnt, *k1 = k0 + cnt;
    uint64_t u[FMNIST__CHUNK];
    for (size_t i = 0; i < FMNIST__CHUNK; i++)
      u[i] = fmnist__rng_step(&s[0][i], &s[1][i], &s[2][i], &s[3][i]);
    for (size_t i = 0; i < cnt; i++) k0[i] = (u[i] & 0xffffffffu) >= j->thr;
    if (v + 1 < v1)
      for (size_t i = 0; i < cnt; i++) k1[i] = (u[i] >> 32) >= j->thr;
  }
}

float fmnist__dropout_scale(const fmnist__layer *l) {
  return l->spec.rate > 0 ? (float)(1.0 / (1.0 - l->spec.rate)) : 1.0f;
}

void fmnist__dropout_draw(const fmnist__layer *l, uint8_t *keep, size_t n,
                          const fmnist__pass *p) {
  const size_t values = fmnist__layer_in_size(l);
  draw_job j = {keep, values, (uint64_t)(l->spec.rate * 4294967296.0)};
  fmnist__draw_values(p, FMNIST__STREAM_DROPOUT, n, values, draw_flags, &j);
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
  fmnist__dropout_draw(l, keep, n, p);
  apply_job j = {x, keep, y, fmnist__dropout_scale(l)};
  fmnist__parallel_range(p->threads, len, FMNIST__PAR_GRAIN, apply_range, &j);
}

static void dropout_backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
                             float *dx, void *aux, size_t n, const fmnist__pass *p) {
  (void)x;
  (void)y;
  if (!dx) return;
  apply_job j = {dy, aux, dx, fmnist__dropout_scale(l)};
  fmnist__parallel_range(p->threads, fmnist__layer_in_size(l) * n, FMNIST__PAR_GRAIN, apply_range,
                         &j);
}

const fmnist__layer_ops fmnist__dropout_ops = {fmnist__layer_same_shape, NULL, dropout_aux_bytes, NULL,
                                               dropout_forward, dropout_backward};
