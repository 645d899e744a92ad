/* Multinomial logistic regression (softmax, L2 penalty on the weights, free
 * intercept) on standardized pixels, fitted by SAG or mini-batch SGD. */
#include "models/logreg.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/rng.h"
#include "base/status.h"
#include "base/threads.h"
#include "data/batch.h"
#include "kernels/gemm.h"
#include "models/model_impl.h"

#define NF FMNIST_PIXELS  /* features */
#define NC FMNIST_CLASSES /* classes */

enum { SOLVER_SAG = 0, SOLVER_SGD = 1 };

typedef struct logreg_config {
  double C;        /* inverse penalty: objective = sum log-loss + |W|^2/(2C) */
  int solver;      /* SOLVER_* */
  size_t max_iter; /* epochs */
  double tol;      /* stop when max|W - W_prev| / max|W| <= tol after an epoch */
  double lr;       /* SGD step */
  size_t batch;    /* SGD mini-batch */
} logreg_config;

static const char *const solvers[] = {"sag", "sgd", NULL};

static const fmnist__option logreg_options[] = {
    {"C", FMNIST__OPT_REAL, offsetof(logreg_config, C), "1.0", 1e-12, 1e12, NULL, NULL, NULL},
    {"solver", FMNIST__OPT_CHOICE, offsetof(logreg_config, solver), "sag", 0, 0, solvers, NULL,
     NULL},
    {"max_iter", FMNIST__OPT_SIZE, offsetof(logreg_config, max_iter), "100", 1, 1e9, NULL, NULL,
     NULL},
    {"tol", FMNIST__OPT_REAL, offsetof(logreg_config, tol), "0.0001", 0, 1e9, NULL, NULL, NULL},
    {"lr", FMNIST__OPT_REAL, offsetof(logreg_config, lr), "0.01", 1e-12, 1e6, NULL, NULL, NULL},
    {"batch", FMNIST__OPT_SIZE, offsetof(logreg_config, batch), "32", 1, 1e7, NULL, NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL}};

/* Rows standardized and scored per block in proba (bounds its buffer). */
#define SCORE_BLOCK 1024

/* Softmax of z[10] into p[10]; returns log of the normalizer relative to
 * max(z), so that -log p[y] = lse - (z[y] - max). */
static double softmax(const double *z, double *p, double *zmax) {
  double m = z[0], s = 0;
  for (int c = 1; c < NC; c++)
    if (z[c] > m) m = z[c];
  for (int c = 0; c < NC; c++) s += p[c] = exp(z[c] - m);
  for (int c = 0; c < NC; c++) p[c] /= s;
  *zmax = m;
  return log(s);
}

static int argmax(const double *z) {
  int best = 0;
  for (int c = 1; c < NC; c++)
    if (z[c] > z[best]) best = c;
  return best;
}

double fmnist__logreg_objective(const float *x, const uint8_t *y, size_t n,
                                const double *w, const double *b,
                                double alpha, double *grad_w, double *grad_b) {
  double f = 0;
  memset(grad_w, 0, sizeof(double) * NF * NC);
  memset(grad_b, 0, sizeof(double) * NC);
  for (size_t i = 0; i < n; i++) {
    const float *xi = x + i * NF;
    double z[NC], p[NC], zmax;
    for (int c = 0; c < NC; c++) {
      double s = b[c];
      for (int j = 0; j < NF; j++) s += w[c * NF + j] * xi[j];
      z[c] = s;
    }
    double lse = softmax(z, p, &zmax);
    f += lse - (z[y[i]] - zmax);
    for (int c = 0; c < NC; c++) {
      double g = (p[c] - (c == y[i])) / (double)n;
      grad_b[c] += g;
      for (int j = 0; j < NF; j++) grad_w[c * NF + j] += g * xi[j];
    }
  }
  f /= (double)n;
  for (size_t k = 0; k < (size_t)NF * NC; k++) {
    f += 0.5 * alpha * w[k] * w[k];
    grad_w[k] += alpha * w[k];
  }
  return f;
}

/* ---- shared by both solvers ---- */

typedef struct fit_ctx {
  fmnist_model *m;
  const logreg_config *cfg;
  size_t n;
  const float *x;    /* n x 784 standardized training rows */
  const uint8_t *y;  /* n labels */
  size_t nv;
  const float *xv;   /* nv x 784 standardized validation rows, or NULL */
  const uint8_t *yv;
  float *wf;         /* 784 x 10 scoring copy of the weights */
  float bf[NC];
  float *scores;     /* SCORE_BLOCK x 10 */
} fit_ctx;

/* Mean log-loss and accuracy of the scoring copy (wf, bf) on rows x. */
static void score_set(const fit_ctx *f, const float *x, const uint8_t *y, size_t n,
                      double *loss, double *acc) {
  double l = 0;
  size_t ok = 0;
  for (size_t i0 = 0; i0 < n; i0 += SCORE_BLOCK) {
    size_t k = n - i0 < SCORE_BLOCK ? n - i0 : SCORE_BLOCK;
    fmnist__sgemm(0, 0, k, NC, NF, 1.0f, x + i0 * NF, NF, f->wf, NC, 0.0f, f->scores, NC);
    for (size_t i = 0; i < k; i++) {
      double z[NC], p[NC], zmax;
      for (int c = 0; c < NC; c++) z[c] = (double)f->scores[i * NC + c] + f->bf[c];
      double lse = softmax(z, p, &zmax);
      l += lse - (z[y[i0 + i]] - zmax);
      ok += argmax(z) == y[i0 + i];
    }
  }
  *loss = l / (double)n;
  *acc = (double)ok / (double)n;
}

/* Records one epoch (train figures measured during the epoch, validation
 * figures from the weights at its end) and reports progress. */
static fmnist_status end_epoch(fit_ctx *f, size_t epoch, double loss, double acc,
                               double seconds) {
  fmnist__epoch e = {{loss, acc, NAN, NAN, seconds}};
  fmnist_status s = fmnist__model_check_loss(f->m, loss, epoch);
  if (s) return s;
  if (f->xv) score_set(f, f->xv, f->yv, f->nv, &e.v[FMNIST_HISTORY_VALID_LOSS],
                       &e.v[FMNIST_HISTORY_VALID_ACCURACY]);
  s = fmnist__model_add_epoch(f->m, &e);
  if (!s) s = fmnist__model_progress(f->m, FMNIST_STAGE_EPOCH, epoch + 1, f->cfg->max_iter);
  return s;
}

/* scikit-learn's stopping rule: max|W - W_prev| / max|W| <= tol (weights
 * only, not the intercept). Copies W into prev. */
static int converged(const double *w, double *prev, size_t count, double tol) {
  double change = 0, weight = 0;
  for (size_t k = 0; k < count; k++) {
    double a = fabs(w[k]), d = fabs(w[k] - prev[k]);
    if (a > weight) weight = a;
    if (d > change) change = d;
    prev[k] = w[k];
  }
  return (weight != 0 && change / weight <= tol) || (weight == 0 && change == 0);
}

/* ---- SAG ---- */

/* The one pass over the parameters that each SAG step needs.
 *
 * SAG's step is W -= c_t G_t (W scaled by wscale, G the sum of the stored
 * gradients, c_t ~ step / n). Near the optimum c_t G_t is ~1e-9 of W, below
 * float resolution, so W is not stored. With C_t = c_1 + ... + c_t the
 * weights are W_t = U_t - C_t G_t, where each step changes G and U by
 * rank-1 terms of the same outer product x d^T:
 *   G_t = G_{t-1} + x d^T,   U_t = U_{t-1} + C_{t-1} x d^T
 * (subtract the two lines to get W_t - W_{t-1} = -c_t G_t). Within an
 * epoch C_t grows to ~step, so U's updates are ~1e-4 of U and float keeps
 * them; U and C fold back into W at the end of each epoch. One fused pass:
 *   G[c] += d[c] x;  U[c] += C_{t-1} d[c] x;  zu[c] = U[c].xn;  zg[c] = G[c].xn
 * G, U: 10 x 784 floats. The inner loop runs over 784 features (a multiple
 * of 8) with partial sums in SSE-sized groups of 4, which the compiler
 * vectorizes without
 * reassociating a reduction. */
static void sag_pass(const float *restrict x, const float *restrict xn,
                     const float *restrict d, double cprev, float *restrict g,
                     float *restrict u, double *restrict zu, double *restrict zg) {
  for (int c = 0; c < NC; c++) {
    const float dc = d[c], ec = (float)(cprev * d[c]);
    float *gc = g + c * NF, *uc = u + c * NF;
    /* Two sets of 4 partial sums: the additions of one set wait for the
     * previous ones (3-4 cycles), so two sets keep the adder busy. */
    float au[4] = {0, 0, 0, 0}, ag[4] = {0, 0, 0, 0};
    float bu[4] = {0, 0, 0, 0}, bg[4] = {0, 0, 0, 0};
    for (int j = 0; j < NF; j += 8) {
      for (int l = 0; l < 4; l++) {
        float xv = x[j + l], xnv = xn[j + l];
        float gv = gc[j + l] + xv * dc;
        float uv = uc[j + l] + xv * ec;
        gc[j + l] = gv;
        uc[j + l] = uv;
        au[l] += xnv * uv;
        ag[l] += xnv * gv;
      }
      for (int l = 4; l < 8; l++) {
        float xv = x[j + l], xnv = xn[j + l];
        float gv = gc[j + l] + xv * dc;
        float uv = uc[j + l] + xv * ec;
        gc[j + l] = gv;
        uc[j + l] = uv;
        bu[l - 4] += xnv * uv;
        bg[l - 4] += xnv * gv;
      }
    }
    for (int l = 0; l < 4; l++) {
      au[l] += bu[l];
      ag[l] += bg[l];
    }
    zu[c] = ((double)au[0] + au[1]) + ((double)au[2] + au[3]);
    zg[c] = ((double)ag[0] + ag[1]) + ((double)ag[2] + ag[3]);
  }
}

/* W = scale (U - C G) into U (and C = 0): the end of an epoch, or wscale
 * about to underflow. */
static void sag_fold(float *u, const float *g, double cum, double scale) {
  for (size_t k = 0; k < (size_t)NF * NC; k++)
    u[k] = (float)(scale * ((double)u[k] - cum * (double)g[k]));
}

static void prefetch_row(const float *row) {
#if defined(__GNUC__)
  for (size_t o = 0; o < NF; o += 64 / sizeof(float)) __builtin_prefetch(row + o);
#else
  (void)row;
#endif
}

/* G = mem^T x over all samples (unseen ones have zero memory): removes the
 * rounding that the rank-1 updates of G accumulate in float. */
static void sag_resync(const fit_ctx *f, const float *mem, float *g) {
  fmnist__sgemm(1, 0, NC, NF, f->n, 1.0f, mem, NC, f->x, NF, 0.0f, g, NF);
}

/* Stochastic average gradient as scikit-learn's sag solver (dense data):
 * step 1/L with L = (max_i |x_i|^2 + 1)/4 + alpha, one gradient memory
 * (p - onehot) per sample, each epoch n uniform draws with replacement,
 * L2 through a running scale of W, intercept unpenalised. */
static fmnist_status fit_sag(fit_ctx *f, double *w, double *b) {
  const size_t n = f->n;
  const double alpha = 1.0 / (f->cfg->C * (double)n);
  float *mem = fmnist__calloc(n, NC * sizeof(float));
  uint8_t *seen = fmnist__calloc(n, 1);
  float *g = fmnist__calloc(NF * NC, sizeof(float));
  float *u = fmnist__calloc(NF * NC, sizeof(float));
  double *prev = fmnist__calloc(NF * NC, sizeof(double));
  fmnist_status s = FMNIST_OK;
  if (!mem || !seen || !g || !u || !prev) {
    s = fmnist__fail(FMNIST_E_NOMEM, "logreg: out of memory for the SAG memory");
    goto done;
  }
  double max_sq = 0;
  for (size_t i = 0; i < n; i++) {
    double q = 0;
    for (int j = 0; j < NF; j++) q += (double)f->x[i * NF + j] * f->x[i * NF + j];
    if (q > max_sq) max_sq = q;
  }
  const double step = 1.0 / (0.25 * (max_sq + 1.0) + alpha);
  const double decay = 1.0 - step * alpha;
  double gb[NC] = {0}, wscale = 1.0, cum = 0;
  size_t num_seen = 0;
  fmnist__rng rng;
  fmnist__rng_init(&rng, f->m->seed, FMNIST__STREAM_LOGREG_SAG, 0);
  /* Draws run two ahead: the current sample, the next (scored during the
   * current pass) and the one after (prefetched). */
  size_t cur = (size_t)fmnist__rng_below(&rng, n);
  size_t next = (size_t)fmnist__rng_below(&rng, n);
  double zs[NC]; /* W . x_cur before scaling (W = U - cum G) */
  for (int c = 0; c < NC; c++) zs[c] = 0;
  for (size_t epoch = 0; epoch < f->cfg->max_iter && !s; epoch++) {
    double t0 = fmnist__now(), loss = 0;
    size_t ok = 0;
    for (size_t t = 0; t < n; t++) {
      size_t after = (size_t)fmnist__rng_below(&rng, n);
      prefetch_row(f->x + after * NF);
      const uint8_t yi = f->y[cur];
      if (!seen[cur]) {
        seen[cur] = 1;
        num_seen++;
      }
      double z[NC], p[NC], zmax, zu[NC], zg[NC];
      for (int c = 0; c < NC; c++) z[c] = wscale * zs[c] + b[c];
      double lse = softmax(z, p, &zmax);
      loss += lse - (z[yi] - zmax);
      ok += argmax(z) == yi;
      wscale *= decay;
      float d[NC];
      float *mi = mem + cur * NC;
      for (int c = 0; c < NC; c++) {
        float gc = (float)(p[c] - (c == yi));
        d[c] = gc - mi[c];
        mi[c] = gc;
        gb[c] += d[c];
        b[c] -= step * gb[c] / (double)num_seen;
      }
      const double cprev = cum;
      cum += step / (wscale * (double)num_seen);
      sag_pass(f->x + cur * NF, f->x + next * NF, d, cprev, g, u, zu, zg);
      for (int c = 0; c < NC; c++) zs[c] = zu[c] - cum * zg[c];
      if (wscale < 1e-9) { /* fold the scale into U before it underflows */
        sag_fold(u, g, cum, wscale);
        for (int c = 0; c < NC; c++) zs[c] *= wscale;
        wscale = 1.0;
        cum = 0;
      }
      cur = next;
      next = after;
    }
    sag_fold(u, g, cum, wscale);
    for (int c = 0; c < NC; c++) zs[c] *= wscale;
    wscale = 1.0;
    cum = 0;
    if (epoch % 8 == 7) sag_resync(f, mem, g); /* W = U: G is free to change */
    for (size_t k = 0; k < (size_t)NF * NC; k++) w[k] = u[k];
    int done = converged(w, prev, (size_t)NF * NC, f->cfg->tol);
    for (int c = 0; c < NC; c++)
      for (int j = 0; j < NF; j++) f->wf[j * NC + c] = u[c * NF + j];
    for (int c = 0; c < NC; c++) f->bf[c] = (float)b[c];
    s = end_epoch(f, epoch, loss / (double)n, (double)ok / (double)n, fmnist__now() - t0);
    if (done) break;
  }
done:
  fmnist__free(mem);
  fmnist__free(seen);
  fmnist__free(g);
  fmnist__free(u);
  fmnist__free(prev);
  return s;
}

/* ---- mini-batch SGD ---- */

/* Plain SGD on the per-sample objective F (see logreg.h): each epoch the
 * shared epoch order (batch.h), steps of lr on the mean gradient of `batch` rows. */
static fmnist_status fit_sgd(fit_ctx *f, double *w, double *b) {
  const size_t n = f->n, bs = f->cfg->batch < n ? f->cfg->batch : n;
  const double alpha = 1.0 / (f->cfg->C * (double)n);
  const float lr = (float)f->cfg->lr;
  size_t *perm = fmnist__calloc(n, sizeof *perm);
  float *xb = fmnist__calloc(bs, NF * sizeof(float));
  float *db = fmnist__calloc(bs, NC * sizeof(float));
  float *gw = fmnist__calloc(NF * NC, sizeof(float));
  double *prev = fmnist__calloc(NF * NC, sizeof(double));
  double *wd = fmnist__calloc(NF * NC, sizeof(double));
  fmnist_status s = FMNIST_OK;
  if (!perm || !xb || !db || !gw || !prev || !wd) {
    s = fmnist__fail(FMNIST_E_NOMEM, "logreg: out of memory for SGD buffers");
    goto done;
  }
  float *wf = f->wf; /* 784 x 10, updated in place */
  for (size_t epoch = 0; epoch < f->cfg->max_iter && !s; epoch++) {
    double t0 = fmnist__now(), loss = 0;
    size_t ok = 0;
    fmnist__epoch_order(f->m->seed, epoch, perm, n);
    for (size_t i0 = 0; i0 < n; i0 += bs) {
      size_t k = n - i0 < bs ? n - i0 : bs;
      for (size_t i = 0; i < k; i++) memcpy(xb + i * NF, f->x + perm[i0 + i] * NF, NF * sizeof(float));
      fmnist__sgemm(0, 0, k, NC, NF, 1.0f, xb, NF, wf, NC, 0.0f, db, NC);
      float gbatch[NC] = {0};
      for (size_t i = 0; i < k; i++) {
        double z[NC], p[NC], zmax;
        uint8_t yi = f->y[perm[i0 + i]];
        for (int c = 0; c < NC; c++) z[c] = (double)db[i * NC + c] + f->bf[c];
        double lse = softmax(z, p, &zmax);
        loss += lse - (z[yi] - zmax);
        ok += argmax(z) == yi;
        for (int c = 0; c < NC; c++) {
          db[i * NC + c] = (float)((p[c] - (c == yi)) / (double)k);
          gbatch[c] += db[i * NC + c];
        }
      }
      /* gw (784 x 10) = xb^T db + alpha W */
      memcpy(gw, wf, sizeof(float) * NF * NC);
      fmnist__sgemm(1, 0, NF, NC, k, 1.0f, xb, NF, db, NC, (float)alpha, gw, NC);
      for (size_t q = 0; q < (size_t)NF * NC; q++) wf[q] -= lr * gw[q];
      for (int c = 0; c < NC; c++) f->bf[c] -= lr * gbatch[c];
    }
    for (int c = 0; c < NC; c++)
      for (int j = 0; j < NF; j++) wd[c * NF + j] = wf[j * NC + c];
    int done = converged(wd, prev, (size_t)NF * NC, f->cfg->tol);
    s = end_epoch(f, epoch, loss / (double)n, (double)ok / (double)n, fmnist__now() - t0);
    if (done) break;
  }
  if (!s) {
    memcpy(w, wd, sizeof(double) * NF * NC);
    for (int c = 0; c < NC; c++) b[c] = f->bf[c];
  }
done:
  fmnist__free(perm);
  fmnist__free(xb);
  fmnist__free(db);
  fmnist__free(gw);
  fmnist__free(prev);
  fmnist__free(wd);
  return s;
}

static fmnist_status logreg_fit(fmnist_model *m, const fmnist_dataset *train,
                                const fmnist_dataset *valid) {
  const logreg_config *cfg = m->config;
  fit_ctx f = {0};
  f.m = m;
  f.cfg = cfg;
  f.n = fmnist_dataset_count(train);
  f.y = fmnist_dataset_labels(train);
  f.nv = valid ? fmnist_dataset_count(valid) : 0;
  f.yv = valid ? fmnist_dataset_labels(valid) : NULL;
  fmnist__blas_threads(fmnist__model_threads(m));
  float *x = fmnist__calloc(f.n, NF * sizeof(float));
  float *xv = f.nv ? fmnist__calloc(f.nv, NF * sizeof(float)) : NULL;
  double *w = fmnist__calloc(NF * NC, sizeof(double));
  f.wf = fmnist__calloc(NF * NC, sizeof(float));
  f.scores = fmnist__calloc(SCORE_BLOCK, NC * sizeof(float));
  fmnist__logreg_state *st = fmnist__alloc(sizeof *st);
  double b[NC] = {0};
  fmnist_status s = FMNIST_OK;
  if (!x || (f.nv && !xv) || !w || !f.wf || !f.scores || !st) {
    s = fmnist__fail(FMNIST_E_NOMEM, "logreg: out of memory for %zu standardized images", f.n);
    goto done;
  }
  fmnist__model_standardize(m, fmnist_dataset_images(train), f.n, x);
  if (f.nv) fmnist__model_standardize(m, fmnist_dataset_images(valid), f.nv, xv);
  f.x = x;
  f.xv = xv;
  s = cfg->solver == SOLVER_SAG ? fit_sag(&f, w, b) : fit_sgd(&f, w, b);
  for (size_t k = 0; k < (size_t)NF * NC && !s; k++)
    if (!isfinite(w[k]))
      s = fmnist__fail(FMNIST_E_NUMERIC, "logreg: the weights diverged (NaN or infinity)");
  for (int c = 0; c < NC && !s; c++)
    if (!isfinite(b[c]))
      s = fmnist__fail(FMNIST_E_NUMERIC, "logreg: the intercept diverged (NaN or infinity)");
  if (!s) {
    for (int c = 0; c < NC; c++) {
      for (int j = 0; j < NF; j++) st->w[j * NC + c] = (float)w[c * NF + j];
      st->b[c] = (float)b[c];
    }
    m->state = st;
    st = NULL;
  }
done:
  fmnist__free(x);
  fmnist__free(xv);
  fmnist__free(w);
  fmnist__free(f.wf);
  fmnist__free(f.scores);
  fmnist__free(st);
  return s;
}

static fmnist_status logreg_proba(const fmnist_model *m, const uint8_t *images, size_t n,
                                  float *out) {
  const fmnist__logreg_state *st = m->state;
  size_t block = n < SCORE_BLOCK ? n : SCORE_BLOCK;
  float *x = fmnist__calloc(block, NF * sizeof(float));
  if (!x) return fmnist__fail(FMNIST_E_NOMEM, "logreg: out of memory");
  fmnist__blas_threads(fmnist__model_threads(m));
  for (size_t i0 = 0; i0 < n; i0 += block) {
    size_t k = n - i0 < block ? n - i0 : block;
    fmnist__model_standardize(m, images + i0 * NF, k, x);
    float *z = out + i0 * NC;
    fmnist__sgemm(0, 0, k, NC, NF, 1.0f, x, NF, st->w, NC, 0.0f, z, NC);
    for (size_t i = 0; i < k; i++) {
      double zd[NC], p[NC], zmax;
      for (int c = 0; c < NC; c++) zd[c] = (double)z[i * NC + c] + st->b[c];
      softmax(zd, p, &zmax);
      for (int c = 0; c < NC; c++) z[i * NC + c] = (float)p[c];
    }
  }
  fmnist__free(x);
  return FMNIST_OK;
}

/* Parameters: u32 features (784), u32 classes (10), f32 w[784 x 10]
 * (row-major, scores = x w + b), f32 b[10]. */
static void logreg_save(const fmnist_model *m, fmnist__writer *w) {
  const fmnist__logreg_state *st = m->state;
  fmnist__put_u32(w, NF);
  fmnist__put_u32(w, NC);
  fmnist__put_f32s(w, st->w, (size_t)NF * NC);
  fmnist__put_f32s(w, st->b, NC);
}

static fmnist_status logreg_load(fmnist_model *m, fmnist__reader *r) {
  uint32_t nf, nc;
  fmnist_status s = fmnist__get_u32(r, &nf);
  if (!s) s = fmnist__get_u32(r, &nc);
  if (!s && (nf != NF || nc != NC))
    return fmnist__fail(FMNIST_E_FORMAT, "%s: logreg of %u features x %u classes, expected %d x %d",
                        r->path, nf, nc, NF, NC);
  if (s) return s;
  fmnist__logreg_state *st = fmnist__alloc(sizeof *st);
  if (!st) return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory", r->path);
  s = fmnist__get_f32s(r, st->w, (size_t)NF * NC);
  if (!s) s = fmnist__get_f32s(r, st->b, NC);
  for (size_t k = 0; k < (size_t)NF * NC && !s; k++)
    if (!isfinite(st->w[k])) s = fmnist__fail(FMNIST_E_FORMAT, "%s: weight %zu is not finite", r->path, k);
  for (int c = 0; c < NC && !s; c++)
    if (!isfinite(st->b[c])) s = fmnist__fail(FMNIST_E_FORMAT, "%s: intercept %d is not finite", r->path, c);
  if (s) {
    fmnist__free(st);
    return s;
  }
  m->state = st;
  return FMNIST_OK;
}

static void logreg_free(void *state) { fmnist__free(state); }

void fmnist__logreg_params(const fmnist_model *m, double *w, double *b) {
  const fmnist__logreg_state *st = m->state;
  for (int c = 0; c < NC; c++) {
    for (int j = 0; j < NF; j++) w[c * NF + j] = st->w[j * NC + c];
    b[c] = st->b[c];
  }
}

const fmnist__family fmnist__logreg_family = {
    "logreg",    1,           sizeof(logreg_config),     logreg_options, logreg_fit,
    logreg_proba, NULL,       logreg_save,               logreg_load,    logreg_free,
    fmnist__logreg_export_onnx};
