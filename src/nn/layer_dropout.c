/* Inverted dropout: in training each value is kept with probability 1-rate
 * and scaled by 1/(1-rate), so inference is the identity.
 *
 * aux: one keep flag (uint8) per value, in the activations' layout, drawn
 * from a seed taken from the pass's generator per step and sub-streams per
 * block of an image's values (fmnist__value_streams): in parallel, and a
 * member of a data-parallel group draws exactly its images' flags, as one
 * process would. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include <stdint.h>
#include <string.h>

#include "base/rng.h"
#include "base/status.h"
#include "base/threads.h"
#include "nn/layer.h"

static fmnist_status dropout_setup(fmnist__layer *l) {
  l->out_c = l->in_c;
  l->out_h = l->in_h;
  l->out_w = l->in_w;
  return FMNIST_OK;
}

/* aux: the keep flags, unless a batch-norm layer computes this one (it
 * keeps them). */
static size_t dropout_aux_bytes(const fmnist__layer *l, size_t n) {
  return l->fused ? 0 : fmnist__layer_in_size(l) * n;
}

typedef struct drop_job {
  const float *in;
  uint8_t *keep;
  float *out;
  size_t n, values, first; /* images, values per image, first image's place */
  uint64_t seed;           /* sub-streams (seed, image and block) */
  uint64_t thr;            /* keep iff a 32-bit uniform draw >= thr */
  float scale;
} drop_job;

/* out = keep ? in * scale : 0 (a dropped Inf or NaN gives 0, not NaN);
 * a select, which vectorizes. */
static void apply(const float *in, const uint8_t *keep, float scale, float *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    float v = in[i] * scale;
    out[i] = keep[i] ? v : 0.0f;
  }
}

/* Keep flags of value blocks [lo, hi) of every image: value v of block b
 * is the (v - b*FMNIST__VALUE_BLOCK)-th 32-bit half of the block's draws,
 * at v*n + i for image i (CHWN). */
static void draw_blocks(void *ctx, size_t lo, size_t hi) {
  const drop_job *j = ctx;
  for (size_t b = lo; b < hi; b++)
    for (size_t i0 = 0; i0 < j->n; i0 += FMNIST__VALUE_GROUP) {
      const size_t cnt = j->n - i0 < FMNIST__VALUE_GROUP ? j->n - i0 : FMNIST__VALUE_GROUP;
      fmnist__rng r[FMNIST__VALUE_GROUP];
      size_t v0, v1;
      fmnist__value_streams(r, j->seed, FMNIST__STREAM_DROPOUT, j->first + i0, cnt, b, j->values,
                            &v0, &v1);
      for (size_t v = v0; v < v1; v += 2) { /* two 32-bit draws per call */
        uint8_t *k0 = j->keep + v * j->n + i0, *k1 = k0 + j->n;
        const int pair = v + 1 < v1;
        for (size_t i = 0; i < cnt; i++) {
          const uint64_t u = fmnist__rng_next(&r[i]);
          k0[i] = (u & 0xffffffffu) >= j->thr;
          if (pair) k1[i] = (u >> 32) >= j->thr;
        }
      }
    }
}

static void apply_range(void *ctx, size_t lo, size_t hi) {
  const drop_job *j = ctx;
  apply(j->in + lo, j->keep + lo, j->scale, j->out + lo, hi - lo);
}

float fmnist__dropout_scale(const fmnist__layer *l) {
  return l->spec.rate > 0 ? (float)(1.0 / (1.0 - l->spec.rate)) : 1.0f;
}

void fmnist__dropout_draw(const fmnist__layer *l, uint8_t *keep, size_t n,
                          const fmnist__pass *p) {
  const size_t values = fmnist__layer_in_size(l);
  drop_job j = {NULL,
                keep,
                NULL,
                n,
                values,
                p->group ? p->group->first : 0,
                fmnist__rng_next(p->rng),
                (uint64_t)(l->spec.rate * 4294967296.0),
                0.0f};
  fmnist__parallel_range(p->threads, (values + FMNIST__VALUE_BLOCK - 1) / FMNIST__VALUE_BLOCK,
                         FMNIST__PAR_GRAIN / (FMNIST__VALUE_BLOCK * n + 1) + 1, draw_blocks, &j);
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
  drop_job j = {x, keep, y, 0, 0, 0, 0, 0, fmnist__dropout_scale(l)};
  fmnist__parallel_range(p->threads, len, FMNIST__PAR_GRAIN, apply_range, &j);
}

static void dropout_backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
                             float *dx, void *aux, size_t n, const fmnist__pass *p) {
  (void)x;
  (void)y;
  if (!dx) return;
  drop_job j = {dy, aux, dx, n, fmnist__layer_in_size(l), 0, 0, 0, fmnist__dropout_scale(l)};
  fmnist__parallel_range(p->threads, j.values * n, FMNIST__PAR_GRAIN, apply_range, &j);
}

const fmnist__layer_ops fmnist__dropout_ops = {dropout_setup, NULL, dropout_aux_bytes, NULL,
                                               dropout_forward, dropout_backward};
