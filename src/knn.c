/* k-nearest neighbours, Euclidean distance on standardized pixels:
 * distances by blocked sgemm, partial top-k, exact re-ranking. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "alloc.h"
#include "gemm.h"
#include "model.h"
#include "status.h"
#include "threads.h"
#include "topk.h"

#define NF FMNIST_PIXELS
#define NC FMNIST_CLASSES

enum { WEIGHTS_UNIFORM = 0, WEIGHTS_DISTANCE = 1 };

typedef struct knn_config {
  size_t k;
  int weights; /* WEIGHTS_* */
} knn_config;

static const char *const weight_names[] = {"uniform", "distance", NULL};

static const fmnist__option knn_options[] = {
    {"k", FMNIST__OPT_SIZE, offsetof(knn_config, k), "5", 1, 100000, NULL, NULL, NULL},
    {"weights", FMNIST__OPT_CHOICE, offsetof(knn_config, weights), "uniform", 0, 0, weight_names,
     NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL}};

/* The training set, kept whole. */
typedef struct knn_state {
  size_t n;
  uint8_t *raw;  /* n x 784 raw pixels (what save writes) */
  uint8_t *y;    /* n labels */
  float *x;      /* n x 784 standardized */
  float *norm;   /* n squared norms of x */
} knn_state;

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

static void knn_free(void *state) {
  knn_state *st = state;
  if (!st) return;
  fmnist__free(st->raw);
  fmnist__free(st->y);
  fmnist__free(st->x);
  fmnist__free(st->norm);
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
  if (!st->raw || !st->y || !st->x || !st->norm) {
    knn_free(st);
    return fmnist__fail(FMNIST_E_NOMEM, "knn: out of memory for %zu training images", n);
  }
  *out = st;
  return FMNIST_OK;
}

/* Standardized copy and squared norms from raw. */
static void finish_state(const fmnist_model *m, knn_state *st) {
  fmnist__model_standardize(m, st->raw, st->n, st->x);
  fmnist__row_sqnorms(st->x, st->n, NF, st->norm);
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
  finish_state(m, st);
  m->state = st;
  return FMNIST_OK;
}

/* ---- search ---- */

typedef struct search {
  const fmnist_model *m;
  const knn_state *st;
  size_t k, kc;        /* neighbours, candidates */
  int weights;
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
 * the label: most votes, then the smaller summed distance of the voters,
 * then the smaller label. */
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
      if (best < 0 || votes[c] > votes[best] || (votes[c] == votes[best] && dsum[c] < dsum[best]))
        best = c;
    }
    *label = (uint8_t)best;
  }
}

/* One task: queries [t*QUERY_BLOCK, ...) against the whole training set. */
static void search_block(void *ctx, size_t task) {
  search *sr = ctx;
  const knn_state *st = sr->st;
  size_t q0 = task * QUERY_BLOCK;
  size_t nq = sr->n - q0 < QUERY_BLOCK ? sr->n - q0 : QUERY_BLOCK;
  size_t tb = st->n < TRAIN_BLOCK ? st->n : TRAIN_BLOCK, kc = sr->kc;
  float *q = fmnist__calloc(nq, NF * sizeof(float));
  float *dist = fmnist__calloc(nq, tb * sizeof(float));
  float *cval = fmnist__calloc(nq, kc * sizeof(float));
  uint32_t *cidx = fmnist__calloc(nq, kc * sizeof(uint32_t));
  double *d2 = fmnist__calloc(kc, sizeof(double));
  uint32_t *order = fmnist__calloc(kc, sizeof(uint32_t));
  fmnist__topk *top = fmnist__calloc(nq, sizeof *top);
  if (!q || !dist || !cval || !cidx || !d2 || !order || !top) {
    sr->status[task] = FMNIST_E_NOMEM;
    goto done;
  }
  fmnist__model_standardize(sr->m, sr->images + q0 * NF, nq, q);
  for (size_t i = 0; i < nq; i++) fmnist__topk_init(&top[i], kc, cval + i * kc, cidx + i * kc);
  for (size_t t0 = 0; t0 < st->n; t0 += tb) {
    size_t nt = st->n - t0 < tb ? st->n - t0 : tb;
    /* dist (nq x nt) = -2 q t^T; the top-k adds |t|^2: the squared
     * distance less |q|^2, which is the same for every candidate of a
     * query. */
    fmnist__sgemm(0, 1, nq, nt, NF, -2.0f, q, NF, st->x + t0 * NF, NF, 0.0f, dist, nt);
    for (size_t i = 0; i < nq; i++)
      fmnist__topk_push_add(&top[i], dist + i * nt, st->norm + t0, nt, (uint32_t)t0);
  }
  for (size_t i = 0; i < nq; i++) {
    /* Exact re-ranking of the candidates by (d2, index). */
    size_t len = top[i].len;
    for (size_t r = 0; r < len; r++) {
      uint32_t id = top[i].idx[r];
      double d = exact_d2(q + i * NF, st->x + (size_t)id * NF);
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
done:
  fmnist__free(q);
  fmnist__free(dist);
  fmnist__free(cval);
  fmnist__free(cidx);
  fmnist__free(d2);
  fmnist__free(order);
  fmnist__free(top);
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
               NULL, 0, NULL, NULL, status};
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
      if (status[t]) s = fmnist__fail(status[t], "knn: out of memory for distance blocks");
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
  if (s) {
    knn_free(st);
    return s;
  }
  finish_state(m, st);
  m->state = st;
  return FMNIST_OK;
}

const fmnist__family fmnist__knn_family = {"knn",     2,           sizeof(knn_config),
                                           knn_options, knn_fit,   knn_proba,
                                           knn_predict, knn_save,  knn_load,
                                           knn_free};
