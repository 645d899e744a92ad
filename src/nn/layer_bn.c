/* Batch normalization per channel (over the H*W*N values of a channel,
 * a run of H*W*k in each chunk of k images),
 * and the relu, max-pool and dropout after it computed in the same passes
 * (a fused tail, fmnist__fuse).
 *
 * Training: batch mean and biased variance normalize; the running
 * statistics follow m = 0.99 m + 0.01 batch (Keras's momentum 0.99; the
 * running variance takes the unbiased batch variance, as Keras and
 * PyTorch). Inference: running statistics. gamma = w[C], beta = b[C];
 * stats = running mean[C], running variance[C]; aux = the mean[C] and
 * 1/sqrt(var + eps)[C] used, kept for backward. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include <math.h>

#include "base/threads.h"
#include "kernels/layout.h"
#include "nn/layer.h"
#include "nn/layer_tail.h"
#include "nn/pass.h"

static fmnist_status bn_setup(fmnist__layer *l) {
  l->out_c = l->in_c;
  l->out_h = l->in_h;
  l->out_w = l->in_w;
  l->n_w = l->n_b = l->in_c;
  l->n_stats = 2 * l->in_c;
  return FMNIST_OK;
}

static void bn_init(fmnist__layer *l, fmnist__rng *rng, int glorot) {
  (void)rng;
  (void)glorot;
  for (size_t c = 0; c < l->in_c; c++) {
    l->w[c] = 1;
    l->b[c] = 0;
    l->stats[c] = 0;
    l->stats[l->in_c + c] = 1;
  }
}

/* aux: the batch statistics used (mean[C], 1/sqrt(var + eps)[C]), then a
 * fused dropout's keep flags. */
static size_t bn_aux_bytes(const fmnist__layer *l, size_t n) {
  return 2 * l->in_c * sizeof(float) + fmnist__tail_keep_bytes(l, n);
}

/* Sum of v[0..len) in double, eight fixed lanes (vectorisable, order fixed). */
FMNIST__VECTOR_CLONES static double sum(const float *v, size_t len, float shift) {
  double acc[8] = {0};
  size_t i = 0;
  for (; i + 8 <= len; i += 8)
    for (int k = 0; k < 8; k++) acc[k] += (double)(v[i + k] - shift);
  double s = 0;
  for (; i < len; i++) s += (double)(v[i] - shift);
  for (int k = 0; k < 8; k++) s += acc[k];
  return s;
}
FMNIST__VECTOR_CLONES static double sum_sq(const float *v, size_t len, float mean) {
  double acc[8] = {0};
  size_t i = 0;
  for (; i + 8 <= len; i += 8)
    for (int k = 0; k < 8; k++) {
      double d = (double)(v[i + k] - mean);
      acc[k] += d * d;
    }
  double s = 0;
  for (; i < len; i++) s += (double)(v[i] - mean) * (double)(v[i] - mean);
  for (int k = 0; k < 8; k++) s += acc[k];
  return s;
}

/* Channels [lo, hi) of a pass: every channel's sums are computed whole by
 * one task, chunk after chunk, in the same order whatever the thread
 * count. In a data-parallel group (p->group) the sums of the members'
 * shares are added over the group between the phases below, so each
 * member normalizes with the global batch's statistics (synchronised
 * batch norm). */
typedef struct bn_job {
  fmnist__layer *l;
  const float *x, *dy;
  float *out; /* forward: y; backward: dx (may be NULL) */
  void *aux;
  size_t n;
  const fmnist__pass *p;
  float *sums;       /* in a group: 2C per-channel sums, added over the group */
  fmnist__tail tail; /* the fused layers, in this pass */
  float *g;          /* backward of a fused tail: a slot per channel for the
                        gradient at the batch norm's output (slot_floats) */
} bn_job;

/* Where channel c of chunk q starts in x (and dx, and an unfused output),
 * and in a fused tail's output; its values in the chunk. */
static size_t in_at(const bn_job *j, size_t q, size_t c) {
  return fmnist__plane_at(j->n, q, j->l->in_c, j->l->in_h * j->l->in_w, c);
}
static size_t out_at(const bn_job *j, size_t q, size_t c) {
  return fmnist__plane_at(j->n, q, j->l->in_c, j->tail.out_h * j->tail.out_w, c);
}
static size_t values_of(const bn_job *j, size_t q) {
  return fmnist__chunk_n(j->n, q) * j->l->in_h * j->l->in_w;
}

/* Channel c's sum of x - shift, and of its squares about mean. */
static double channel_sum(const bn_job *j, size_t c, float shift) {
  double s = 0;
  for (size_t q = 0; q < fmnist__chunks(j->n); q++)
    s += sum(j->x + in_at(j, q, c), values_of(j, q), shift);
  return s;
}
static double channel_sum_sq(const bn_job *j, size_t c, float mean) {
  double s = 0;
  for (size_t q = 0; q < fmnist__chunks(j->n); q++)
    s += sum_sq(j->x + in_at(j, q, c), values_of(j, q), mean);
  return s;
}

/* Values of a channel in the batch the statistics are over: the global
 * batch in a group. */
static size_t batch_values(const bn_job *j) {
  return (j->p->group ? j->p->batch : j->n) * j->l->in_h * j->l->in_w;
}

/* Batch mean and variance of channel c into aux, running statistics
 * updated, from the sum of squared deviations ss over M values. */
static void set_batch_stats(const bn_job *j, size_t c, float mean, double ss, size_t M) {
  fmnist__layer *l = j->l;
  const size_t C = l->in_c;
  float *bmean = j->aux, *binv = bmean + C;
  float *rmean = l->stats, *rvar = l->stats + C;
  const float mom = (float)l->spec.rate;
  double var = M ? ss / (double)M : 0;
  bmean[c] = mean;
  binv[c] = (float)(1.0 / sqrt(var + l->spec.eps));
  double unbiased = M > 1 ? ss / (double)(M - 1) : var;
  rmean[c] = mom * rmean[c] + (1 - mom) * mean;
  rvar[c] = mom * rvar[c] + (1 - mom) * (float)unbiased;
}

/* The scale and shift of channel c: y = x * scale + shift. */
static void affine(const bn_job *j, size_t c, float *scale, float *shift) {
  const float *bmean = j->aux, *binv = bmean + j->l->in_c;
  *scale = binv[c] * j->l->w[c];
  *shift = j->l->b[c] - bmean[c] * *scale;
}

/* y = x * scale + shift with channel c's statistics in aux, and the fused
 * layers after it: each value as their own passes compute it. */
static void normalize(const bn_job *j, size_t c) {
  fmnist__layer *l = j->l;
  float scale, shift;
  affine(j, c, &scale, &shift);
  for (size_t q = 0; q < fmnist__chunks(j->n); q++) {
    const float *xc = j->x + in_at(j, q, c);
    if (!l->fuse) {
      float *yc = j->out + in_at(j, q, c);
      for (size_t i = 0; i < values_of(j, q); i++) yc[i] = xc[i] * scale + shift;
      continue;
    }
    const fmnist__tail tq = fmnist__tail_chunk(l, &j->tail, q);
    fmnist__tail_forward(l, &tq, c, xc, fmnist__chunk_n(j->n, q), scale, shift,
                         j->out + out_at(j, q, c));
  }
}

static void bn_fwd_range(void *ctx, size_t lo, size_t hi) {
  const bn_job *j = ctx;
  fmnist__layer *l = j->l;
  const size_t C = l->in_c, m = j->n * l->in_h * l->in_w;
  float *bmean = j->aux, *binv = bmean + C;
  const float *rmean = l->stats, *rvar = l->stats + C;
  for (size_t c = lo; c < hi; c++) {
    if (j->p->training) {
      float mean = (float)(channel_sum(j, c, 0) / (double)m);
      set_batch_stats(j, c, mean, channel_sum_sq(j, c, mean), m);
    } else {
      bmean[c] = rmean[c];
      binv[c] = 1.0f / sqrtf(rvar[c] + (float)l->spec.eps);
    }
    normalize(j, c);
  }
}

/* The group's phases: the share's sums, its squared deviations from the
 * global mean, then the statistics and the normalization. */
static void bn_fwd_sum_range(void *ctx, size_t lo, size_t hi) {
  const bn_job *j = ctx;
  for (size_t c = lo; c < hi; c++) j->sums[c] = (float)channel_sum(j, c, 0);
}
static void bn_fwd_sq_range(void *ctx, size_t lo, size_t hi) {
  const bn_job *j = ctx;
  const size_t C = j->l->in_c;
  for (size_t c = lo; c < hi; c++)
    j->sums[C + c] = (float)channel_sum_sq(j, c, j->sums[c] / (float)batch_values(j));
}
static void bn_fwd_norm_range(void *ctx, size_t lo, size_t hi) {
  const bn_job *j = ctx;
  const size_t C = j->l->in_c, M = batch_values(j);
  for (size_t c = lo; c < hi; c++) {
    set_batch_stats(j, c, j->sums[c] / (float)M, j->sums[C + c], M);
    normalize(j, c);
  }
}

static size_t channel_grain(size_t m) {
  m += !m; /* a member of a group may hold no image of a step */
  return m < FMNIST__PAR_GRAIN ? FMNIST__PAR_GRAIN / m : 1;
}

/* aux holds the statistics, then a fused dropout's flags; dy NULL: the
 * forward pass. */
static bn_job job_of(fmnist__layer *l, const float *x, const float *dy, float *out, void *aux,
                     size_t n, const fmnist__pass *p) {
  uint8_t *flags = (uint8_t *)aux + 2 * l->in_c * sizeof(float);
  return (bn_job){l, x, dy, out, aux, n, p, p->scratch, fmnist__tail_pass(l, flags, n, p, !dy),
                  NULL};
}

static void bn_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                       const fmnist__pass *p) {
  bn_job j = job_of(l, x, NULL, y, aux, n, p);
  size_t grain = channel_grain(n * l->in_h * l->in_w);
  if (!p->training || !p->group) {
    fmnist__parallel_range(p->threads, l->in_c, grain, bn_fwd_range, &j);
    return;
  }
  fmnist__parallel_range(p->threads, l->in_c, grain, bn_fwd_sum_range, &j);
  fmnist__group_sum(p->group, j.sums, l->in_c);
  fmnist__parallel_range(p->threads, l->in_c, grain, bn_fwd_sq_range, &j);
  fmnist__group_sum(p->group, j.sums + l->in_c, l->in_c);
  fmnist__parallel_range(p->threads, l->in_c, grain, bn_fwd_norm_range, &j);
}

/* ---- backward ---- */

/* Floats of a channel's slot for a fused tail's backward: the gradient at
 * the batch norm's output (chunk q's at fmnist__chunk_at(q, H*W)), then
 * room for a chunk's gradient at the pool's output. */
static size_t slot_floats(const fmnist__layer *l, size_t n) {
  const fmnist__tail t = fmnist__tail_of(l);
  return n * l->in_h * l->in_w + (t.pool ? FMNIST__CHUNK * t.out_h * t.out_w : 0);
}

/* Chunk q's gradient at the output of channel c: dy itself, or in slot g
 * (made by channel_grad). */
static const float *chunk_grad(const bn_job *j, size_t q, size_t c, const float *g) {
  return j->l->fuse ? g + fmnist__chunk_at(q, j->l->in_h * j->l->in_w) : j->dy + in_at(j, q, c);
}

/* A fused tail's gradient at the output of channel c, into slot g. */
static void channel_grad(const bn_job *j, size_t c, float *g) {
  const fmnist__layer *l = j->l;
  if (!l->fuse) return;
  float scale, shift;
  affine(j, c, &scale, &shift);
  float *spare = g + j->n * l->in_h * l->in_w;
  for (size_t q = 0; q < fmnist__chunks(j->n); q++) {
    const fmnist__tail tq = fmnist__tail_chunk(l, &j->tail, q);
    fmnist__tail_backward(l, &tq, c, j->x + in_at(j, q, c), fmnist__chunk_n(j->n, q), scale,
                          shift, j->dy + out_at(j, q, c),
                          g + fmnist__chunk_at(q, l->in_h * l->in_w), spare);
  }
}

/* Channel c's sum(dy) into db[c] and *sb, sum(dy * xhat) into dw[c] and
 * *sg, from its gradient at the output (chunk_grad with slot g). */
FMNIST__VECTOR_CLONES static void grad_sums(const bn_job *j, size_t c, const float *g, double *sb_out,
                      double *sg_out) {
  fmnist__layer *l = j->l;
  const float *bmean = j->aux, *binv = bmean + l->in_c;
  const float mean = bmean[c], inv = binv[c];
  double acc_b[8] = {0}, acc_g[8] = {0}, sb = 0, sg = 0;
  for (size_t q = 0; q < fmnist__chunks(j->n); q++) {
    const float *xc = j->x + in_at(j, q, c), *dyc = chunk_grad(j, q, c, g);
    const size_t m = values_of(j, q);
    size_t i = 0;
    for (; i + 8 <= m; i += 8)
      for (int k = 0; k < 8; k++) {
        float xh = (xc[i + k] - mean) * inv;
        acc_b[k] += dyc[i + k];
        acc_g[k] += (double)(dyc[i + k] * xh);
      }
    for (; i < m; i++) {
      float xh = (xc[i] - mean) * inv;
      sb += dyc[i];
      sg += (double)(dyc[i] * xh);
    }
  }
  for (int k = 0; k < 8; k++) {
    sb += acc_b[k];
    sg += acc_g[k];
  }
  l->db[c] = (float)sb;
  l->dw[c] = (float)sg;
  *sb_out = sb;
  *sg_out = sg;
}

/* dx = gamma*inv/M * (M*dy - sb - xhat*sg) of channel c, with the sums sb
 * and sg over the M values of the batch. */
FMNIST__VECTOR_CLONES static void input_grad(const bn_job *j, size_t c, const float *g, double sb, double sg) {
  fmnist__layer *l = j->l;
  const float *bmean = j->aux, *binv = bmean + l->in_c;
  const float mean = bmean[c], inv = binv[c];
  /* With running statistics (inference) mean and inv are constants. */
  const float k1 = l->w[c] * inv;
  const double M = (double)batch_values(j);
  const float mb = j->p->training ? (float)(sb / M) : 0.0f;
  const float mg = j->p->training ? (float)(sg / M) : 0.0f;
  for (size_t q = 0; q < fmnist__chunks(j->n); q++) {
    const float *xc = j->x + in_at(j, q, c), *dyc = chunk_grad(j, q, c, g);
    float *dxc = j->out + in_at(j, q, c);
    for (size_t i = 0; i < values_of(j, q); i++) {
      float xh = (xc[i] - mean) * inv;
      dxc[i] = k1 * (dyc[i] - mb - xh * mg);
    }
  }
}

/* Alone: a range's channels one by one, through one slot (it stays in
 * the core's cache). */
static void bn_bwd_range(void *ctx, size_t lo, size_t hi) {
  const bn_job *j = ctx;
  float *g = j->g + lo * slot_floats(j->l, j->n);
  for (size_t c = lo; c < hi; c++) {
    channel_grad(j, c, g);
    double sb, sg;
    grad_sums(j, c, g, &sb, &sg);
    if (j->out) input_grad(j, c, g, sb, sg);
  }
}

/* In a group: the share's sums stay in db and dw (the step's one sum of
 * the gradients adds them), their copies are added over the group here
 * for dx; a fused tail's gradients wait in their channels' slots. */
static void bn_bwd_sum_range(void *ctx, size_t lo, size_t hi) {
  const bn_job *j = ctx;
  const size_t C = j->l->in_c;
  for (size_t c = lo; c < hi; c++) {
    float *g = j->g + c * slot_floats(j->l, j->n);
    channel_grad(j, c, g);
    double sb, sg;
    grad_sums(j, c, g, &sb, &sg);
    j->sums[c] = (float)sb;
    j->sums[C + c] = (float)sg;
  }
}
static void bn_bwd_dx_range(void *ctx, size_t lo, size_t hi) {
  const bn_job *j = ctx;
  const size_t C = j->l->in_c;
  for (size_t c = lo; c < hi; c++)
    input_grad(j, c, j->g + c * slot_floats(j->l, j->n), j->sums[c], j->sums[C + c]);
}

static void bn_backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
                        float *dx, void *aux, size_t n, const fmnist__pass *p) {
  (void)y;
  bn_job j = job_of(l, x, dy, dx, aux, n, p);
  j.g = p->scratch + 2 * l->in_c;
  size_t grain = channel_grain(n * l->in_h * l->in_w);
  if (!p->group) {
    fmnist__parallel_range(p->threads, l->in_c, grain, bn_bwd_range, &j);
    return;
  }
  fmnist__parallel_range(p->threads, l->in_c, grain, bn_bwd_sum_range, &j);
  fmnist__group_sum(p->group, j.sums, 2 * l->in_c);
  if (dx) fmnist__parallel_range(p->threads, l->in_c, grain, bn_bwd_dx_range, &j);
}

/* Scratch: in a group the 2C per-channel sums added over it; with a fused
 * tail, a slot per channel for its gradients (slot_floats). */
static size_t bn_scratch_floats(const fmnist__layer *l, size_t n) {
  return 2 * l->in_c + (l->fuse ? l->in_c * slot_floats(l, n) : 0);
}

const fmnist__layer_ops fmnist__bn_ops = {bn_setup, bn_init, bn_aux_bytes, bn_scratch_floats,
                                          bn_forward, bn_backward};
