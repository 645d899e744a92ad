/* Batch normalization per channel (over N*H*W values of a channel).
 *
 * Training: batch mean and biased variance normalize; the running
 * statistics follow m = 0.99 m + 0.01 batch (Keras's momentum 0.99; the
 * running variance takes the unbiased batch variance, as Keras and
 * PyTorch). Inference: running statistics. gamma = w[C], beta = b[C];
 * stats = running mean[C], running variance[C]; aux = the mean[C] and
 * 1/sqrt(var + eps)[C] used, kept for backward. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include <math.h>

#include "base/status.h"
#include "base/threads.h"
#include "nn/layer.h"

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

static size_t bn_aux_bytes(const fmnist__layer *l, size_t n) {
  (void)n;
  return 2 * l->in_c * sizeof(float);
}

/* Sum of v[0..len) in double, eight fixed lanes (vectorisable, order fixed). */
static double sum(const float *v, size_t len, float shift) {
  double acc[8] = {0};
  size_t i = 0;
  for (; i + 8 <= len; i += 8)
    for (int k = 0; k < 8; k++) acc[k] += (double)(v[i + k] - shift);
  double s = 0;
  for (; i < len; i++) s += (double)(v[i] - shift);
  for (int k = 0; k < 8; k++) s += acc[k];
  return s;
}
static double sum_sq(const float *v, size_t len, float mean) {
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
 * one task, in the same order whatever the thread count. */
typedef struct bn_job {
  fmnist__layer *l;
  const float *x, *dy;
  float *out; /* forward: y; backward: dx (may be NULL) */
  void *aux;
  size_t n;
  const fmnist__pass *p;
} bn_job;

static void bn_fwd_range(void *ctx, size_t lo, size_t hi) {
  const bn_job *j = ctx;
  fmnist__layer *l = j->l;
  const float *x = j->x;
  float *y = j->out;
  const fmnist__pass *p = j->p;
  const size_t C = l->in_c, m = j->n * l->in_h * l->in_w;
  float *bmean = j->aux, *binv = bmean + C;
  float *rmean = l->stats, *rvar = l->stats + C;
  const float mom = (float)l->spec.rate, eps = (float)l->spec.eps;
  for (size_t c = lo; c < hi; c++) {
    const float *xc = x + c * m;
    float *yc = y + c * m;
    float mean, inv;
    if (p->training) {
      mean = (float)(sum(xc, m, 0) / (double)m);
      double ss = sum_sq(xc, m, mean);
      double var = ss / (double)m;
      inv = (float)(1.0 / sqrt(var + l->spec.eps));
      bmean[c] = mean;
      binv[c] = inv;
      double unbiased = m > 1 ? ss / (double)(m - 1) : var;
      rmean[c] = mom * rmean[c] + (1 - mom) * mean;
      rvar[c] = mom * rvar[c] + (1 - mom) * (float)unbiased;
    } else {
      mean = rmean[c];
      inv = 1.0f / sqrtf(rvar[c] + eps);
      bmean[c] = mean;
      binv[c] = inv;
    }
    const float scale = inv * l->w[c], shift = l->b[c] - mean * scale;
    for (size_t i = 0; i < m; i++) yc[i] = xc[i] * scale + shift;
  }
}

static size_t channel_grain(size_t m) {
  return m < FMNIST__PAR_GRAIN ? FMNIST__PAR_GRAIN / m : 1;
}

static void bn_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                       const fmnist__pass *p) {
  bn_job j = {l, x, NULL, y, aux, n, p};
  fmnist__parallel_range(p->threads, l->in_c, channel_grain(n * l->in_h * l->in_w), bn_fwd_range,
                         &j);
}

/* dx = gamma*inv/M * (M*dy - sum(dy) - xhat*sum(dy*xhat)), xhat from x. */
static void bn_bwd_range(void *ctx, size_t lo, size_t hi) {
  const bn_job *j = ctx;
  fmnist__layer *l = j->l;
  const float *x = j->x, *dy = j->dy;
  float *dx = j->out;
  const fmnist__pass *p = j->p;
  const size_t C = l->in_c, m = j->n * l->in_h * l->in_w;
  const float *bmean = j->aux, *binv = bmean + C;
  for (size_t c = lo; c < hi; c++) {
    const float *xc = x + c * m, *dyc = dy + c * m;
    const float mean = bmean[c], inv = binv[c];
    double acc_b[8] = {0}, acc_g[8] = {0};
    size_t i = 0;
    for (; i + 8 <= m; i += 8)
      for (int k = 0; k < 8; k++) {
        float xh = (xc[i + k] - mean) * inv;
        acc_b[k] += dyc[i + k];
        acc_g[k] += (double)(dyc[i + k] * xh);
      }
    double sb = 0, sg = 0;
    for (; i < m; i++) {
      float xh = (xc[i] - mean) * inv;
      sb += dyc[i];
      sg += (double)(dyc[i] * xh);
    }
    for (int k = 0; k < 8; k++) {
      sb += acc_b[k];
      sg += acc_g[k];
    }
    l->db[c] = (float)sb;
    l->dw[c] = (float)sg;
    if (!dx) continue;
    float *dxc = dx + c * m;
    /* With running statistics (inference) mean and inv are constants. */
    const float k1 = l->w[c] * inv;
    const float mb = p->training ? (float)(sb / (double)m) : 0.0f;
    const float mg = p->training ? (float)(sg / (double)m) : 0.0f;
    for (i = 0; i < m; i++) {
      float xh = (xc[i] - mean) * inv;
      dxc[i] = k1 * (dyc[i] - mb - xh * mg);
    }
  }
}

static void bn_backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
                        float *dx, void *aux, size_t n, const fmnist__pass *p) {
  (void)y;
  bn_job j = {l, x, dy, dx, aux, n, p};
  fmnist__parallel_range(p->threads, l->in_c, channel_grain(n * l->in_h * l->in_w), bn_bwd_range,
                         &j);
}

const fmnist__layer_ops fmnist__bn_ops = {bn_setup, bn_init, bn_aux_bytes, NULL, bn_forward, bn_backward};
