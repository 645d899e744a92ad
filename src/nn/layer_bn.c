/* Batch normalization per channel (over the H*W*N values of a channel),
 * and the relu, max-pool and dropout after it computed in the same passes
 * (fmnist__bn_fuse).
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

/* ---- the layers computed with it ---- */

/* The fused tail: l[1] a relu, then a max-pool (pool: its size, 0: none),
 * then a dropout (drop: that layer, NULL: none); out_* the shape of the
 * last one's output. */
typedef struct bn_tail {
  size_t pool;
  const fmnist__layer *drop;
  size_t out_h, out_w;
} bn_tail;

static bn_tail tail_of(const fmnist__layer *l) {
  bn_tail t = {0, NULL, l->in_h, l->in_w};
  for (size_t k = 2; k <= l->fuse; k++) {
    const fmnist__layer *f = l + k;
    if (f->spec.kind == FMNIST__L_POOL) t.pool = f->spec.kernel;
    if (f->spec.kind == FMNIST__L_DROP) t.drop = f;
    t.out_h = f->out_h;
    t.out_w = f->out_w;
  }
  return t;
}

size_t fmnist__bn_fuse(fmnist__layer *bn, size_t count) {
  size_t k = 1;
  if (bn->spec.kind != FMNIST__L_BN || count < 2 || bn[1].spec.kind != FMNIST__L_RELU) return 0;
  if (k + 1 < count && bn[k + 1].spec.kind == FMNIST__L_POOL) k++;
  if (k + 1 < count && bn[k + 1].spec.kind == FMNIST__L_DROP) k++;
  bn->fuse = k;
  for (size_t i = 1; i <= k; i++) bn[i].fused = 1;
  return k;
}

/* aux: the batch statistics used (mean[C], 1/sqrt(var + eps)[C]), then a
 * fused dropout's keep flags. */
static size_t bn_aux_bytes(const fmnist__layer *l, size_t n) {
  const bn_tail t = tail_of(l);
  return 2 * l->in_c * sizeof(float) + (t.drop ? l->in_c * t.out_h * t.out_w * n : 0);
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

/* The fused layers' element operations, as their own passes do them. */
static float relu(float v) { return v > 0 ? v : 0.0f; }
/* a if not less than b: the earlier element wins ties (max-pool). */
static float first_max(float a, float b) { return b > a ? b : a; }

/* Max-pool window (oy, ox) (size k) of relu(x * scale + shift) for cnt
 * images into out: x a channel's H x W x n values from its first image
 * wanted, w its width. */
static void window_max(const float *x, size_t w, size_t n, size_t cnt, size_t k, size_t oy,
                       size_t ox, float scale, float shift, float *out) {
  const float *a = x + (k * oy * w + k * ox) * n;
  if (k == 2) {
    const float *b = a + n, *d = a + w * n, *e = d + n;
    for (size_t i = 0; i < cnt; i++)
      out[i] = first_max(first_max(relu(a[i] * scale + shift), relu(b[i] * scale + shift)),
                         first_max(relu(d[i] * scale + shift), relu(e[i] * scale + shift)));
    return;
  }
  for (size_t i = 0; i < cnt; i++) out[i] = relu(a[i] * scale + shift);
  for (size_t r = 0; r < k; r++)
    for (size_t s = 0; s < k; s++) {
      const float *v = a + (r * w + s) * n;
      for (size_t i = 0; i < cnt; i++) out[i] = first_max(out[i], relu(v[i] * scale + shift));
    }
}

/* Dropout's forward on len values (a dropped Inf or NaN gives 0). */
static void apply_keep(float *v, const uint8_t *keep, float scale, size_t len) {
  for (size_t i = 0; i < len; i++) {
    float s = v[i] * scale;
    v[i] = keep[i] ? s : 0.0f;
  }
}

/* Channels [lo, hi) of a pass: every channel's sums are computed whole by
 * one task, in the same order whatever the thread count. In a
 * data-parallel group (p->group) the sums of the members' shares are added
 * over the group between the phases below, so each member normalizes with
 * the global batch's statistics (synchronised batch norm). */
typedef struct bn_job {
  fmnist__layer *l;
  const float *x, *dy;
  float *out; /* forward: y; backward: dx (may be NULL) */
  void *aux;
  size_t n;
  const fmnist__pass *p;
  float *sums;      /* in a group: 2C per-channel sums, added over the group */
  bn_tail tail;     /* the fused layers */
  uint8_t *keep;    /* a fused dropout's keep flags (training), else NULL */
  float drop_scale; /* and the scale of its kept values */
  float *g;         /* backward of a fused tail: a slot per channel for the
                       gradient at the batch norm's output (slot_floats) */
} bn_job;

/* Values of a channel in the batch the statistics are over: the global
 * batch in a group. */
static size_t batch_values(const bn_job *j) {
  const fmnist__group *g = j->p->group;
  return (g ? g->global_n : j->n) * j->l->in_h * j->l->in_w;
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
  const size_t n = j->n, m = n * l->in_h * l->in_w;
  const float *xc = j->x + c * m;
  float scale, shift;
  affine(j, c, &scale, &shift);
  if (!l->fuse) {
    float *yc = j->out + c * m;
    for (size_t i = 0; i < m; i++) yc[i] = xc[i] * scale + shift;
    return;
  }
  const bn_tail *t = &j->tail;
  const size_t plane = n * t->out_h * t->out_w;
  float *yc = j->out + c * plane;
  if (!t->pool) {
    for (size_t i = 0; i < m; i++) yc[i] = relu(xc[i] * scale + shift);
  } else {
    for (size_t oy = 0; oy < t->out_h; oy++)
      for (size_t ox = 0; ox < t->out_w; ox++)
        window_max(xc, l->in_w, n, n, t->pool, oy, ox, scale, shift,
                   yc + (oy * t->out_w + ox) * n);
  }
  if (j->keep) apply_keep(yc, j->keep + c * plane, j->drop_scale, plane);
}

static void bn_fwd_range(void *ctx, size_t lo, size_t hi) {
  const bn_job *j = ctx;
  fmnist__layer *l = j->l;
  const size_t C = l->in_c, m = j->n * l->in_h * l->in_w;
  float *bmean = j->aux, *binv = bmean + C;
  const float *rmean = l->stats, *rvar = l->stats + C;
  for (size_t c = lo; c < hi; c++) {
    const float *xc = j->x + c * m;
    if (j->p->training) {
      float mean = (float)(sum(xc, m, 0) / (double)m);
      set_batch_stats(j, c, mean, sum_sq(xc, m, mean), m);
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
  const size_t m = j->n * j->l->in_h * j->l->in_w;
  for (size_t c = lo; c < hi; c++) j->sums[c] = (float)sum(j->x + c * m, m, 0);
}
static void bn_fwd_sq_range(void *ctx, size_t lo, size_t hi) {
  const bn_job *j = ctx;
  const size_t C = j->l->in_c, m = j->n * j->l->in_h * j->l->in_w;
  for (size_t c = lo; c < hi; c++)
    j->sums[C + c] = (float)sum_sq(j->x + c * m, m, j->sums[c] / (float)batch_values(j));
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

static bn_job job_of(fmnist__layer *l, const float *x, const float *dy, float *out, void *aux,
                     size_t n, const fmnist__pass *p) {
  bn_job j = {l, x, dy, out, aux, n, p, p->scratch, tail_of(l), NULL, 1.0f, NULL};
  if (j.tail.drop && p->training && j.tail.drop->spec.rate > 0) {
    j.keep = (uint8_t *)aux + 2 * l->in_c * sizeof(float);
    j.drop_scale = (float)(1.0 / (1.0 - j.tail.drop->spec.rate));
  }
  return j;
}

static void bn_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                       const fmnist__pass *p) {
  bn_job j = job_of(l, x, NULL, y, aux, n, p);
  if (j.keep) /* drawn here, where the dropout layer would draw them */
    fmnist__dropout_draw(j.tail.drop, j.keep, n, p);
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

/* Images whose window maxima a backward step holds at once. */
#define WINDOW_IMAGES 64

/* Floats of a channel's slot for tail_grad: the gradient at the batch
 * norm's output, and room for the one at the tail's. */
static size_t slot_floats(const fmnist__layer *l, size_t n) {
  const bn_tail t = tail_of(l);
  return n * (l->in_h * l->in_w + (t.pool ? t.out_h * t.out_w : 0));
}

/* Channel c's gradient at the batch norm's output, from the gradient dy
 * at the fused tail's output: back through the dropout, the max-pool (to
 * each window's first maximum, found again from x) and the relu, as their
 * own backward passes compute it; into g (slot_floats). */
static void tail_grad(const bn_job *j, size_t c, float *g) {
  const fmnist__layer *l = j->l;
  const bn_tail *t = &j->tail;
  const size_t n = j->n, w = l->in_w, m = n * l->in_h * w, plane = n * t->out_h * t->out_w;
  const float *xc = j->x + c * m, *dyc = j->dy + c * plane;
  float scale, shift;
  affine(j, c, &scale, &shift);
  float *gd = t->pool ? g + m : g; /* the gradient at the pool's output */
  for (size_t i = 0; i < plane; i++) gd[i] = dyc[i];
  if (j->keep) apply_keep(gd, j->keep + c * plane, j->drop_scale, plane);
  if (!t->pool) {
    for (size_t i = 0; i < m; i++) g[i] = xc[i] * scale + shift > 0 ? g[i] : 0.0f;
    return;
  }
  const size_t k = t->pool;
  for (size_t i = 0; i < m; i++) g[i] = 0.0f; /* what no window covers */
  for (size_t oy = 0; oy < t->out_h; oy++)
    for (size_t ox = 0; ox < t->out_w; ox++)
      for (size_t i0 = 0; i0 < n; i0 += WINDOW_IMAGES) {
        const size_t cnt = n - i0 < WINDOW_IMAGES ? n - i0 : WINDOW_IMAGES;
        /* The window's maximum again, then its gradient down the window to
         * the first element equal to it, and through the relu. */
        float mx[WINDOW_IMAGES], left[WINDOW_IMAGES];
        window_max(xc + i0, w, n, cnt, k, oy, ox, scale, shift, mx);
        for (size_t i = 0; i < cnt; i++) left[i] = gd[(oy * t->out_w + ox) * n + i0 + i];
        for (size_t r = 0; r < k; r++)
          for (size_t s = 0; s < k; s++) {
            const size_t at = ((k * oy + r) * w + k * ox + s) * n + i0;
            for (size_t i = 0; i < cnt; i++) {
              const float v = relu(xc[at + i] * scale + shift);
              const int here = v == mx[i];
              g[at + i] = here && v > 0 ? left[i] : 0.0f;
              left[i] = here ? 0.0f : left[i];
            }
          }
      }
}

/* Channel c's sum(dy) into db[c] and *sb, sum(dy * xhat) into dw[c] and
 * *sg, dyc its gradient at the output (H x W x n). */
static void grad_sums(const bn_job *j, size_t c, const float *dyc, double *sb_out,
                      double *sg_out) {
  fmnist__layer *l = j->l;
  const size_t C = l->in_c, m = j->n * l->in_h * l->in_w;
  const float *xc = j->x + c * m;
  const float *bmean = j->aux, *binv = bmean + C;
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
  *sb_out = sb;
  *sg_out = sg;
}

/* dx = gamma*inv/M * (M*dy - sb - xhat*sg) of channel c, with the sums sb
 * and sg over the M values of the batch. */
static void input_grad(const bn_job *j, size_t c, const float *dyc, double sb, double sg) {
  fmnist__layer *l = j->l;
  const size_t C = l->in_c, m = j->n * l->in_h * l->in_w;
  const float *xc = j->x + c * m;
  const float *bmean = j->aux, *binv = bmean + C;
  const float mean = bmean[c], inv = binv[c];
  float *dxc = j->out + c * m;
  /* With running statistics (inference) mean and inv are constants. */
  const float k1 = l->w[c] * inv;
  const double M = (double)batch_values(j);
  const float mb = j->p->training ? (float)(sb / M) : 0.0f;
  const float mg = j->p->training ? (float)(sg / M) : 0.0f;
  for (size_t i = 0; i < m; i++) {
    float xh = (xc[i] - mean) * inv;
    dxc[i] = k1 * (dyc[i] - mb - xh * mg);
  }
}

/* Channel c's gradient at the output: dy itself, or that of a fused
 * tail, made in slot g. */
static const float *output_grad(const bn_job *j, size_t c, float *g) {
  if (!j->l->fuse) return j->dy + c * j->n * j->l->in_h * j->l->in_w;
  tail_grad(j, c, g);
  return g;
}

/* Alone: a range's channels one by one, through one slot (it stays in
 * the core's cache). */
static void bn_bwd_range(void *ctx, size_t lo, size_t hi) {
  const bn_job *j = ctx;
  for (size_t c = lo; c < hi; c++) {
    const float *dyc = output_grad(j, c, j->g + lo * slot_floats(j->l, j->n));
    double sb, sg;
    grad_sums(j, c, dyc, &sb, &sg);
    if (j->out) input_grad(j, c, dyc, sb, sg);
  }
}

/* In a group: the share's sums stay in db and dw (the step's one sum of
 * the gradients adds them), their copies are added over the group here
 * for dx; a fused tail's gradients wait in their channels' slots. */
static void bn_bwd_sum_range(void *ctx, size_t lo, size_t hi) {
  const bn_job *j = ctx;
  const size_t C = j->l->in_c;
  for (size_t c = lo; c < hi; c++) {
    double sb, sg;
    grad_sums(j, c, output_grad(j, c, j->g + c * slot_floats(j->l, j->n)), &sb, &sg);
    j->sums[c] = (float)sb;
    j->sums[C + c] = (float)sg;
  }
}
static void bn_bwd_dx_range(void *ctx, size_t lo, size_t hi) {
  const bn_job *j = ctx;
  const size_t C = j->l->in_c, m = j->n * j->l->in_h * j->l->in_w;
  for (size_t c = lo; c < hi; c++) {
    const float *dyc = j->l->fuse ? j->g + c * slot_floats(j->l, j->n) : j->dy + c * m;
    input_grad(j, c, dyc, j->sums[c], j->sums[C + c]);
  }
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
 * tail, a slot per channel for its gradients (tail_grad). */
static size_t bn_scratch_floats(const fmnist__layer *l, size_t n) {
  return 2 * l->in_c + (l->fuse ? l->in_c * slot_floats(l, n) : 0);
}

const fmnist__layer_ops fmnist__bn_ops = {bn_setup, bn_init, bn_aux_bytes, bn_scratch_floats,
                                          bn_forward, bn_backward};
