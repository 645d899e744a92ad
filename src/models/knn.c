/* k-nearest neighbours, Euclidean distance on standardized pixels.
 *
 * Two exact searches with the same answers: "brute" computes every
 * distance by blocked sgemm; "pruned" (the default) first computes, by an
 * sgemm 6x smaller, a lower bound of every distance from a 128-axis
 * principal projection (pca.h), and computes the distance itself only for
 * the training images whose bound does not exceed the k-th distance among
 * the best-bounded ones. Either way the closest candidates are re-ranked
 * in double and ties go to the smaller index. A vote tie goes to the class
 * whose voters are nearer in sum ("ties" nearest) or to the smallest label
 * (smallest_label: scikit-learn's rule, the mode of the neighbours'
 * labels). */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "base/threads.h"
#include "base/vectorize.h"
#include "kernels/gemm.h"
#include "kernels/pca.h"
#include "kernels/topk.h"
#include "models/model_impl.h"

#define NF FMNIST_PIXELS
#define NC FMNIST_CLASSES

enum { WEIGHTS_UNIFORM = 0, WEIGHTS_DISTANCE = 1 };
enum { SEARCH_PRUNED = 0, SEARCH_BRUTE = 1 };
enum { TIES_NEAREST = 0, TIES_SMALLEST_LABEL = 1 };

typedef struct knn_config {
  size_t k;
  int weights;   /* WEIGHTS_* */
  int algorithm; /* SEARCH_* */
  int ties;      /* TIES_* */
} knn_config;

static const char *const weight_names[] = {"uniform", "distance", NULL};
static const char *const algorithm_names[] = {"pruned", "brute", NULL};
static const char *const tie_names[] = {"nearest", "smallest_label", NULL};

static const fmnist__option knn_options[] = {
    {"k", FMNIST__OPT_SIZE, offsetof(knn_config, k), "5", 1, 100000, NULL, NULL, NULL},
    {"weights", FMNIST__OPT_CHOICE, offsetof(knn_config, weights), "uniform", 0, 0, weight_names,
     NULL, NULL},
    {"algorithm", FMNIST__OPT_CHOICE, offsetof(knn_config, algorithm), "pruned", 0, 0,
     algorithm_names, NULL, NULL},
    {"ties", FMNIST__OPT_CHOICE, offsetof(knn_config, ties), "nearest", 0, 0, tie_names, NULL,
     NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL}};

/* The training set, kept whole. */
typedef struct knn_state {
  size_t n;
  uint8_t *raw;  /* n x 784 raw pixels (what save writes) */
  uint8_t *y;    /* n labels */
  float *x;      /* n x 784 standardized */
  float *norm;   /* n squared norms of x */
  float max_norm; /* largest of norm */
  /* The pruned search's projection: */
  size_t axes;   /* of the basis */
  float *basis;  /* 784 x axes, orthonormal columns */
  float *proj;   /* n x axes: x projected on the basis */
  float *pnorm;  /* n squared norms of proj */
  float *resid;  /* n: norm of what the projection leaves out of x */
  float weight[NF]; /* inv_std^2: distance weights of raw pixels */
} knn_state;

/* Axes of the pruned search's projection: more cost more in the bound
 * sgemm, fewer let more images through to the exact distance. Measured on
 * Fashion-MNIST (10k queries, 50k images): 64 axes leave ~600 images a
 * query and take 3.9 CPU-s, 128 leave ~200 and take 2.9, 192 leave ~90
 * and take 3.0. A training set of n < 128 images spans at most n
 * dimensions, which n axes cover (the bounds are then the distances
 * themselves): more would only add random directions, whose
 * orthonormalization is the basis's main cost (seconds under a
 * sanitizer for 40 images at 128 axes). */
#define AXES 128

/* Blocking of the distance computation: a task takes QUERY_BLOCK queries
 * and walks the training set TRAIN_BLOCK rows at a time, so its distance
 * buffer is QUERY_BLOCK x TRAIN_BLOCK floats (1 MB, read back from L2 by
 * the top-k scan) whatever the sizes. */
#define QUERY_BLOCK 256
#define TRAIN_BLOCK 1024
/* Candidates kept from the float distances before exact re-ranking: the
 * float value ||t||^2 - 2 q.t loses ~1e-4 of a squared distance of ~1e3,
 * so near-ties may come in the wrong order; k + MARGIN candidates re-ranked
 * in double give the exact k nearest unless more than MARGIN training
 * images sit within that rounding of the k-th distance. */
#define MARGIN 16
/* Bound rows a pruned task holds at once: LB_BYTES of floats (at least one
 * query's row of n bounds). */
#define LB_BYTES ((size_t)32 << 20)

static void knn_free(void *state) {
  knn_state *st = state;
  if (!st) return;
  fmnist__free(st->raw);
  fmnist__free(st->y);
  fmnist__free(st->x);
  fmnist__free(st->norm);
  fmnist__free(st->basis);
  fmnist__free(st->proj);
  fmnist__free(st->pnorm);
  fmnist__free(st->resid);
  fmnist__free(st);
}

/* Allocates the state of n training images (contents unset). */
static fmnist_status alloc_state(size_t n, knn_state **out) {
  knn_state *st = fmnist__calloc(1, sizeof *st);
  if (!st) return fmnist__fail(FMNIST_E_NOMEM, "knn: out of memory");
  st->n = n;
  st->raw = fmnist__calloc(n, NF);
  st->y = fmnist__alloc(n);
  st->x = fmnist__calloc(n, NF * sizeof(float));
  st->norm = fmnist__calloc(n, sizeof(float));
  st->axes = AXES < NF ? AXES : NF;
  if (n < st->axes) st->axes = n;
  st->basis = fmnist__calloc(NF * st->axes, sizeof(float));
  st->proj = fmnist__calloc(n * st->axes, sizeof(float));
  st->pnorm = fmnist__calloc(n, sizeof(float));
  st->resid = fmnist__calloc(n, sizeof(float));
  if (!st->raw || !st->y || !st->x || !st->norm || !st->basis || !st->proj || !st->pnorm ||
      !st->resid) {
    knn_free(st);
    return fmnist__fail(FMNIST_E_NOMEM, "knn: out of memory for %zu training images", n);
  }
  *out = st;
  return FMNIST_OK;
}

/* Standardized copy, norms and projection from raw. */
static fmnist_status finish_state(const fmnist_model *m, knn_state *st) {
  fmnist__model_standardize(m, st->raw, st->n, st->x);
  fmnist__row_sqnorms(st->x, st->n, NF, st->norm);
  for (size_t p = 0; p < NF; p++) st->weight[p] = m->inv_std[p] * m->inv_std[p];
  st->max_norm = 0;
  for (size_t i = 0; i < st->n; i++)
    if (st->norm[i] > st->max_norm) st->max_norm = st->norm[i];
  fmnist__blas_threads(fmnist__model_threads(m));
  fmnist_status s = fmnist__principal_basis(st->x, st->n, NF, st->axes, st->basis);
  if (s) return s;
  fmnist__sgemm(0, 0, st->n, st->axes, NF, 1.0f, st->x, NF, st->basis, st->axes, 0.0f, st->proj,
                st->axes);
  fmnist__row_sqnorms(st->proj, st->n, st->axes, st->pnorm);
  for (size_t i = 0; i < st->n; i++)
    st->resid[i] = sqrtf(fmaxf(st->norm[i] - st->pnorm[i], 0.0f));
  return FMNIST_OK;
}

static fmnist_status check_k(const knn_config *cfg, size_t n, const char *where) {
  if (cfg->k > n)
    return fmnist__fail(FMNIST_E_INVALID, "%s: option k = %zu exceeds the %zu training images",
                        where, cfg->k, n);
  return FMNIST_OK;
}

static fmnist_status knn_fit(fmnist_model *m, const fmnist_dataset *train,
                             const fmnist_dataset *valid) {
  (void)valid;
  size_t n = fmnist_dataset_count(train);
  if (n > UINT32_MAX)
    return fmnist__fail(FMNIST_E_INVALID, "knn: %zu training images, at most %u", n, UINT32_MAX);
  fmnist_status s = check_k(m->config, n, "knn");
  if (s) return s;
  knn_state *st;
  s = alloc_state(n, &st);
  if (s) return s;
  memcpy(st->raw, fmnist_dataset_images(train), n * NF);
  memcpy(st->y, fmnist_dataset_labels(train), n);
  s = finish_state(m, st);
  if (s) {
    knn_free(st);
    return s;
  }
  m->state = st;
  return FMNIST_OK;
}

/* ---- search ---- */

typedef struct search {
  const fmnist_model *m;
  const knn_state *st;
  size_t k, kc;        /* neighbours, candidates */
  int weights, algorithm, ties;
  const uint8_t *images; /* queries, raw */
  size_t n;
  float *proba;        /* n x 10 or NULL */
  uint8_t *labels;     /* n or NULL */
  fmnist_status *status; /* one per task */
} search;

/* Exact squared distance in double between two standardized rows. */
static double exact_d2(const float *a, const float *b) {
  double s = 0;
  for (int j = 0; j < NF; j++) {
    double d = (double)a[j] - (double)b[j];
    s += d * d;
  }
  return s;
}

/* Votes of one query from its k nearest (d2 ascending, ties by index) and
 * the label: most votes, then (ties nearest) the smaller summed distance
 * of the voters, then the smaller label. */
static void vote(const search *sr, const double *d2, const uint32_t *idx, float *proba,
                 uint8_t *label) {
  double votes[NC] = {0}, dsum[NC] = {0}, total = 0;
  int zero = 0;
  for (size_t r = 0; r < sr->k; r++) zero |= d2[r] == 0;
  for (size_t r = 0; r < sr->k; r++) {
    double d = sqrt(d2[r]), w = 1;
    /* scikit-learn's 'distance' weights: 1/d, and if some neighbours are
     * at distance 0, those alone with weight 1. */
    if (sr->weights == WEIGHTS_DISTANCE) w = zero ? (d2[r] == 0) : 1.0 / d;
    int c = sr->st->y[idx[r]];
    votes[c] += w;
    dsum[c] += d;
    total += w;
  }
  if (proba)
    for (int c = 0; c < NC; c++) proba[c] = (float)(votes[c] / total);
  if (label) {
    int best = -1;
    for (int c = 0; c < NC; c++) {
      if (votes[c] == 0) continue;
      /* Labels rise with c, so a tie the rule leaves keeps the smaller. */
      if (best < 0 || votes[c] > votes[best] ||
          (votes[c] == votes[best] && sr->ties == TIES_NEAREST && dsum[c] < dsum[best]))
        best = c;
    }
    *label = (uint8_t)best;
  }
}

/* Squared standardized distance from raw pixels: sum of inv_std^2 times
 * the squared pixel difference, in float (no cancellation, unlike the
 * sgemm form). A raw row is a quarter of a standardized one, and reading
 * candidate rows is what bounds the pruned search. Eight partial sums
 * vectorise. */
static float raw_d2(const uint8_t *a, const uint8_t *b, const float *weight) {
  float acc[8] = {0};
  for (int j = 0; j < NF; j += 8)
    for (int u = 0; u < 8; u++) {
      float d = (float)((int)a[j + u] - (int)b[j + u]);
      acc[u] += weight[j + u] * (d * d);
    }
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* Rows ahead whose loads are started before a row's distance: candidate
 * rows are scattered through the training set, and waiting for each one's
 * first cache lines would otherwise take most of the time. */
#define PREFETCH_ROWS 4

static void prefetch_row(const uint8_t *row) {
#if defined(__GNUC__)
  for (int b = 0; b < NF; b += 64) __builtin_prefetch(row + b);
#else
  (void)row;
#endif
}

/* out[c] = raw_d2 of the query and training image idx[c], c < count. */
static void raw_d2_list(const knn_state *st, const uint8_t *q, const uint32_t *idx, size_t count,
                        float *out) {
  for (size_t c = 0; c < count && c < PREFETCH_ROWS; c++)
    prefetch_row(st->raw + (size_t)idx[c] * NF);
  for (size_t c = 0; c < count; c++) {
    if (c + PREFETCH_ROWS < count) prefetch_row(st->raw + (size_t)idx[c + PREFETCH_ROWS] * NF);
    out[c] = raw_d2(q, st->raw + (size_t)idx[c] * NF, st->weight);
  }
}

/* Buffers of one task. */
typedef struct work {
  float *q;           /* nq x 784 standardized queries */
  float *cval;        /* nq x kc candidate values */
  uint32_t *cidx;     /* nq x kc candidate indices */
  fmnist__topk *top;  /* nq candidate lists */
  double *d2;         /* kc exact distances */
  uint32_t *order;    /* kc indices by exact distance */
  float *dist;        /* brute: nq x TRAIN_BLOCK distances */
  float *pq;          /* pruned: nq x axes projections */
  float *qnorm, *pqnorm; /* pruned: nq squared norms of q and of pq */
  float *bound;       /* pruned: lb_rows x n distance bounds */
  float *bval;        /* pruned: kc best bounds */
  uint32_t *bidx;     /* pruned: their indices */
  uint32_t *cand;     /* pruned: n candidate indices */
  float *cdist;       /* pruned: n candidate distances */
  size_t lb_rows;
} work;

static void work_free(work *w) {
  fmnist__free(w->q);
  fmnist__free(w->cval);
  fmnist__free(w->cidx);
  fmnist__free(w->top);
  fmnist__free(w->d2);
  fmnist__free(w->order);
  fmnist__free(w->dist);
  fmnist__free(w->pq);
  fmnist__free(w->qnorm);
  fmnist__free(w->pqnorm);
  fmnist__free(w->bound);
  fmnist__free(w->bval);
  fmnist__free(w->bidx);
  fmnist__free(w->cand);
  fmnist__free(w->cdist);
}

static int work_alloc(const search *sr, size_t nq, work *w) {
  const knn_state *st = sr->st;
  size_t kc = sr->kc;
  *w = (work){0};
  w->q = fmnist__alloc(nq * NF * sizeof(float));
  w->cval = fmnist__alloc(nq * kc * sizeof(float));
  w->cidx = fmnist__alloc(nq * kc * sizeof(uint32_t));
  w->top = fmnist__alloc(nq * sizeof *w->top);
  w->d2 = fmnist__alloc(kc * sizeof(double));
  w->order = fmnist__alloc(kc * sizeof(uint32_t));
  int ok = w->q && w->cval && w->cidx && w->top && w->d2 && w->order;
  if (sr->algorithm == SEARCH_BRUTE) {
    size_t tb = st->n < TRAIN_BLOCK ? st->n : TRAIN_BLOCK;
    w->dist = fmnist__alloc(nq * tb * sizeof(float));
    ok = ok && w->dist;
  } else {
    size_t rows = LB_BYTES / (st->n * sizeof(float));
    w->lb_rows = rows < 1 ? 1 : rows > nq ? nq : rows;
    w->pq = fmnist__alloc(nq * st->axes * sizeof(float));
    w->qnorm = fmnist__alloc(nq * sizeof(float));
    w->pqnorm = fmnist__alloc(nq * sizeof(float));
    w->bound = fmnist__alloc(w->lb_rows * st->n * sizeof(float));
    w->bval = fmnist__alloc(kc * sizeof(float));
    w->bidx = fmnist__alloc(kc * sizeof(uint32_t));
    w->cand = fmnist__alloc(st->n * sizeof(uint32_t));
    w->cdist = fmnist__alloc(st->n * sizeof(float));
    ok = ok && w->pq && w->qnorm && w->pqnorm && w->bound && w->bval && w->bidx && w->cand && w->cdist;
  }
  return ok;
}

/* Brute force: every distance by sgemm, streamed through the top-k. */
static void brute_block(const search *sr, size_t nq, work *w) {
  const knn_state *st = sr->st;
  size_t tb = st->n < TRAIN_BLOCK ? st->n : TRAIN_BLOCK;
  for (size_t t0 = 0; t0 < st->n; t0 += tb) {
    size_t nt = st->n - t0 < tb ? st->n - t0 : tb;
    /* dist (nq x nt) = -2 q t^T; the top-k adds |t|^2: the squared
     * distance less |q|^2, which is the same for every candidate of a
     * query. */
    fmnist__sgemm(0, 1, nq, nt, NF, -2.0f, w->q, NF, st->x + t0 * NF, NF, 0.0f, w->dist, nt);
    for (size_t i = 0; i < nq; i++)
      fmnist__topk_push_add(&w->top[i], w->dist + i * nt, st->norm + t0, nt, (uint32_t)t0);
  }
}

/* Pruned search of one query: row holds -2 P'q . P't for every training
 * image t on entry. Candidates go to *top by their float distance. */
static void prune_query(const search *sr, const uint8_t *q, float qn, float pqn, float *row,
                        work *w, fmnist__topk *top) {
  const knn_state *st = sr->st;
  size_t n = st->n;
  /* Complete the lower bounds |P'q - P't|^2 + (r(q) - r(t))^2. */
  float rq = sqrtf(fmaxf(qn - pqn, 0.0f));
  for (size_t j = 0; j < n; j++) {
    float dr = rq - st->resid[j];
    row[j] += pqn + st->pnorm[j] + dr * dr;
  }
  /* The k-th distance among the kc best-bounded images bounds the k-th
   * nearest distance from above. */
  fmnist__topk best;
  fmnist__topk_init(&best, sr->kc, w->bval, w->bidx);
  fmnist__topk_push(&best, row, n, 0);
  raw_d2_list(st, q, best.idx, best.len, w->cdist);
  for (size_t r = 0; r < best.len; r++) {
    double d = w->cdist[r];
    size_t p = r;
    for (; p > 0 && w->d2[p - 1] > d; p--) w->d2[p] = w->d2[p - 1];
    w->d2[p] = d;
  }
  /* Every image within that distance has its bound within it too; the
   * slack covers the float rounding of the bounds and distances (~1e-6
   * of the norms). */
  double tau = w->d2[sr->k - 1];
  float limit = (float)(tau * (1 + 1e-3) + 1e-4 * ((double)qn + st->max_norm));
  /* And at least the k images that gave tau pass, whatever the rounding. */
  for (size_t r = 0; r < best.len; r++)
    if (w->cdist[r] <= tau && best.val[r] > limit) limit = best.val[r];
  size_t count = 0;
  for (size_t j = fmnist__find_at_most(row, n, 0, limit); j < n;
       j = fmnist__find_at_most(row, n, j + 1, limit))
    w->cand[count++] = (uint32_t)j;
  raw_d2_list(st, q, w->cand, count, w->cdist);
  for (size_t c = 0; c < count; c++) fmnist__topk_push1(top, w->cdist[c], w->cand[c]);
}

static void pruned_block(const search *sr, size_t q0, size_t nq, work *w) {
  const knn_state *st = sr->st;
  size_t a = st->axes, n = st->n;
  fmnist__sgemm(0, 0, nq, a, NF, 1.0f, w->q, NF, st->basis, a, 0.0f, w->pq, a);
  fmnist__row_sqnorms(w->q, nq, NF, w->qnorm);
  /* As the training side's pnorm: the same rounding on both sides. */
  fmnist__row_sqnorms(w->pq, nq, a, w->pqnorm);
  for (size_t i0 = 0; i0 < nq; i0 += w->lb_rows) {
    size_t r = nq - i0 < w->lb_rows ? nq - i0 : w->lb_rows;
    fmnist__sgemm(0, 1, r, n, a, -2.0f, w->pq + i0 * a, a, st->proj, a, 0.0f, w->bound, n);
    for (size_t i = 0; i < r; i++) {
      size_t g = i0 + i;
      prune_query(sr, sr->images + (q0 + g) * NF, w->qnorm[g], w->pqnorm[g],
                  w->bound + i * n, w, &w->top[g]);
    }
  }
}

/* One task: queries [t*QUERY_BLOCK, ...) against the whole training set. */
static void search_block(void *ctx, size_t task) {
  search *sr = ctx;
  const knn_state *st = sr->st;
  size_t q0 = task * QUERY_BLOCK;
  size_t nq = sr->n - q0 < QUERY_BLOCK ? sr->n - q0 : QUERY_BLOCK, kc = sr->kc;
  work w;
  if (!work_alloc(sr, nq, &w)) {
    sr->status[task] = FMNIST_E_NOMEM;
    work_free(&w);
    return;
  }
  fmnist__model_standardize(sr->m, sr->images + q0 * NF, nq, w.q);
  for (size_t i = 0; i < nq; i++)
    fmnist__topk_init(&w.top[i], kc, w.cval + i * kc, w.cidx + i * kc);
  if (sr->algorithm == SEARCH_BRUTE)
    brute_block(sr, nq, &w);
  else
    pruned_block(sr, q0, nq, &w);
  for (size_t i = 0; i < nq; i++) {
    /* Exact re-ranking of the candidates by (d2, index). */
    const fmnist__topk *top = &w.top[i];
    if (top->len < sr->k) { /* only non-finite distances could leave fewer */
      sr->status[task] = FMNIST_E_NUMERIC;
      break;
    }
    double *d2 = w.d2;
    uint32_t *order = w.order;
    for (size_t r = 0; r < top->len; r++) {
      uint32_t id = top->idx[r];
      double d = exact_d2(w.q + i * NF, st->x + (size_t)id * NF);
      size_t p = r;
      while (p > 0 && (d2[p - 1] > d || (d2[p - 1] == d && order[p - 1] > id))) {
        d2[p] = d2[p - 1];
        order[p] = order[p - 1];
        p--;
      }
      d2[p] = d;
      order[p] = id;
    }
    size_t g = q0 + i;
    vote(sr, d2, order, sr->proba ? sr->proba + g * NC : NULL, sr->labels ? sr->labels + g : NULL);
  }
  work_free(&w);
}

/* Queries per progress report and per status array. */
#define CHUNK (QUERY_BLOCK * 16)

static fmnist_status run(const fmnist_model *m, const uint8_t *images, size_t n, float *proba,
                         uint8_t *labels) {
  const knn_config *cfg = m->config;
  const knn_state *st = m->state;
  fmnist_status s = check_k(cfg, st->n, "knn");
  if (s) return s;
  fmnist_status status[CHUNK / QUERY_BLOCK];
  size_t threads = fmnist__model_threads(m);
  search sr = {m, st, cfg->k, cfg->k + MARGIN < st->n ? cfg->k + MARGIN : st->n, cfg->weights,
               cfg->algorithm, cfg->ties, NULL, 0, NULL, NULL, status};
  for (size_t i0 = 0; i0 < n && !s; i0 += CHUNK) {
    sr.n = n - i0 < CHUNK ? n - i0 : CHUNK;
    sr.images = images + i0 * NF;
    sr.proba = proba ? proba + i0 * NC : NULL;
    sr.labels = labels ? labels + i0 : NULL;
    size_t tasks = (sr.n + QUERY_BLOCK - 1) / QUERY_BLOCK;
    for (size_t t = 0; t < tasks; t++) status[t] = FMNIST_OK;
    /* Several query blocks: one per thread, sgemm single-threaded (the
     * top-k scan runs in parallel too). One block: sgemm on every thread. */
    if (tasks >= 2 && threads >= 2) {
      fmnist__parallel_for(threads, tasks, search_block, &sr);
    } else {
      fmnist__blas_threads(threads);
      for (size_t t = 0; t < tasks; t++) search_block(&sr, t);
    }
    for (size_t t = 0; t < tasks && !s; t++)
      if (status[t])
        s = fmnist__fail(status[t], status[t] == FMNIST_E_NOMEM
                                        ? "knn: out of memory for distance blocks"
                                        : "knn: fewer than k finite distances to a query");
    if (!s) s = fmnist__model_progress(m, FMNIST_STAGE_PREDICT, i0 + sr.n, n);
  }
  return s;
}

static fmnist_status knn_proba(const fmnist_model *m, const uint8_t *images, size_t n,
                               float *out) {
  return run(m, images, n, out, NULL);
}

static fmnist_status knn_predict(const fmnist_model *m, const uint8_t *images, size_t n,
                                 uint8_t *labels, float *proba) {
  return run(m, images, n, proba, labels);
}

/* Parameters: u64 n, n x 784 raw pixels, n labels. The standardized copy
 * is rebuilt on load (same mean/std, same code: the same floats). */
static void knn_save(const fmnist_model *m, fmnist__writer *w) {
  const knn_state *st = m->state;
  fmnist__put_u64(w, st->n);
  fmnist__put_bytes(w, st->raw, st->n * NF);
  fmnist__put_bytes(w, st->y, st->n);
}

static fmnist_status knn_load(fmnist_model *m, fmnist__reader *r) {
  size_t n;
  fmnist_status s = fmnist__get_count(r, NF + 1, UINT32_MAX, "knn training images", &n);
  if (s) return s;
  if (n == 0) return fmnist__fail(FMNIST_E_FORMAT, "%s: knn model without training images", r->path);
  const knn_config *cfg = m->config;
  if (cfg->k > n)
    return fmnist__fail(FMNIST_E_FORMAT, "%s: knn option k = %zu exceeds the %zu training images",
                        r->path, cfg->k, n);
  knn_state *st = NULL; /* alloc_state leaves it unset on failure */
  s = alloc_state(n, &st);
  if (!s) s = fmnist__get_bytes(r, st->raw, n * NF);
  if (!s) s = fmnist__get_bytes(r, st->y, n);
  for (size_t i = 0; i < n && !s; i++)
    if (st->y[i] >= NC)
      s = fmnist__fail(FMNIST_E_FORMAT, "%s: knn label %u at index %zu, expected 0..9", r->path,
                       st->y[i], i);
  if (!s) s = finish_state(m, st);
  if (s) {
    knn_free(st);
    return s;
  }
  m->state = st;
  return FMNIST_OK;
}

/* No ONNX export: the model is its training set (50 000 x 784 floats),
 * and its vote ties have no standard operator. */
const fmnist__family fmnist__knn_family = {"knn",     2,           sizeof(knn_config),
                                           knn_options, knn_fit,   knn_proba,
                                           knn_predict, knn_save,  knn_load,
                                           knn_free,    NULL};
