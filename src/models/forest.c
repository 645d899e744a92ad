/* Random forest of CART trees on the raw 8-bit pixels: bootstrap, random
 * candidate pixels per node, exact best threshold from 256-bin class
 * histograms (no sorting), trees built in parallel from (seed, tree). */
#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "base/alloc.h"
#include "base/rng.h"
#include "base/status.h"
#include "base/threads.h"
#include "models/forest.h"
#include "models/model_impl.h"

#define NF FMNIST_PIXELS
#define NC FMNIST_CLASSES

enum { CRIT_GINI = 0, CRIT_ENTROPY = 1 };

typedef struct forest_config {
  size_t n_trees;
  int criterion;            /* CRIT_* */
  size_t max_depth;         /* 0 = none */
  size_t min_samples_split; /* a node with fewer (distinct) samples is a leaf */
  size_t min_samples_leaf;  /* each child keeps at least this many */
  size_t max_features;      /* candidate pixels per node; 0 = sqrt(784) = 28 */
  size_t bootstrap;         /* 1: each tree sees n draws with replacement */
} forest_config;

static const char *const criteria[] = {"gini", "entropy", NULL};

static const fmnist__option forest_options[] = {
    {"n_trees", FMNIST__OPT_SIZE, offsetof(forest_config, n_trees), "100", 1, 100000, NULL, NULL,
     NULL},
    {"criterion", FMNIST__OPT_CHOICE, offsetof(forest_config, criterion), "gini", 0, 0, criteria,
     NULL, NULL},
    {"max_depth", FMNIST__OPT_SIZE, offsetof(forest_config, max_depth), "none", 1, 100000, NULL,
     "none", NULL},
    {"min_samples_split", FMNIST__OPT_SIZE, offsetof(forest_config, min_samples_split), "2", 2,
     1e9, NULL, NULL, NULL},
    {"min_samples_leaf", FMNIST__OPT_SIZE, offsetof(forest_config, min_samples_leaf), "1", 1, 1e9,
     NULL, NULL, NULL},
    {"max_features", FMNIST__OPT_SIZE, offsetof(forest_config, max_features), "sqrt", 1, NF, NULL,
     "sqrt", NULL},
    {"bootstrap", FMNIST__OPT_SIZE, offsetof(forest_config, bootstrap), "1", 0, 1, NULL, NULL,
     NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL}};

static void forest_free(void *state) {
  fmnist__forest_state *st = state;
  if (!st) return;
  for (size_t t = 0; st->trees && t < st->n_trees; t++) {
    fmnist__free(st->trees[t].nodes);
    fmnist__free(st->trees[t].values);
  }
  fmnist__free(st->trees);
  fmnist__free(st);
}

/* ---- building one tree ---- */

/* What every tree task reads. */
typedef struct build_ctx {
  const forest_config *cfg;
  size_t n;             /* training images */
  const uint8_t *x;     /* n x 784 images (row-major, as the dataset) */
  const uint8_t *xt;    /* 784 x n: pixel-major copy, so a large node's
                           samples (kept in row order) read one pixel front
                           to back */
  const uint8_t *y;     /* n labels */
  const double *xlogx;  /* xlogx[k] = k ln k for k = 0..n (entropy) */
  size_t max_features;
  uint64_t seed;
  size_t first;         /* tree index of task 0 of this batch */
  fmnist__tree *trees;
  fmnist_status *status; /* one per tree */
  struct work **pool;    /* one workspace per thread, reused tree after tree */
  atomic_flag *busy;
  size_t n_pool;
} build_ctx;

/* Nodes of at most LOCAL_ROWS samples copy their images into a buffer that
 * fits in L2 (1024 x 784 bytes) and grow their whole subtree from it: deep
 * in a tree a node's rows are scattered over the 39 MB training set and
 * reading one pixel of each would miss the cache every time. */
#define LOCAL_ROWS 1024

/* Workspace of one thread, allocated once per fit and reused tree after
 * tree (it holds nothing between trees). Samples are distinct rows with a
 * bootstrap weight: wy = weight << 4 | label. */
typedef struct work {
  uint32_t *rows, *wy;      /* nu samples; a node owns [start, end) */
  uint32_t *loc;            /* row of each sample in `local` (local subtrees) */
  uint32_t *tmp_rows, *tmp_wy, *tmp_loc; /* stable partition */
  uint32_t *counts;         /* n bootstrap counts */
  uint8_t *local;           /* LOCAL_ROWS x 784 images of the current local subtree */
  struct frame { size_t start, end, depth, node; int local; } *stack;
  size_t cap_stack;
  uint32_t hist[256][NC];   /* weighted class counts per pixel value */
  uint32_t hist_n[256];     /* distinct samples per value (min_samples_leaf > 1) */
  uint64_t seen[32];        /* bytes: 1 if the value occurs on the node */
  uint16_t feats[NF];       /* pool of pixels for sampling without replacement */
} work;

/* Array p of *cap elements grown (doubling) to hold need; NULL if memory
 * ran out (p is then untouched). Amortized: no allocation per node. */
static void *grow(void *p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return p;
  size_t cap2 = *cap ? *cap * 2 : 256;
  while (cap2 < need) cap2 *= 2;
  size_t bytes;
  if (!fmnist__mul_ok(cap2, elem, &bytes)) return NULL;
  void *q = fmnist__realloc(p, bytes);
  if (q) *cap = cap2;
  return q;
}

static fmnist_status add_node(fmnist__tree *t, size_t *id) {
  fmnist__tree_node *nodes = grow(t->nodes, &t->cap_nodes, t->n_nodes + 1, sizeof *nodes);
  if (!nodes) return FMNIST_E_NOMEM;
  t->nodes = nodes;
  memset(&t->nodes[t->n_nodes], 0, sizeof(fmnist__tree_node));
  *id = t->n_nodes++;
  return FMNIST_OK;
}

static fmnist_status make_leaf(fmnist__tree *t, size_t node, const uint32_t *tot, uint32_t wsum) {
  float *values = grow(t->values, &t->cap_leaves, t->n_leaves + 1, NC * sizeof(float));
  if (!values) return FMNIST_E_NOMEM;
  t->values = values;
  float *v = t->values + t->n_leaves * NC;
  for (int c = 0; c < NC; c++) v[c] = (float)((double)tot[c] / (double)wsum);
  t->nodes[node].leaf = 1;
  t->nodes[node].right = (uint32_t)t->n_leaves++;
  return FMNIST_OK;
}

typedef struct split {
  double proxy; /* larger is better */
  int feature;  /* -1: none found */
  int threshold;
} split;

/* Fills the histogram of pixel f over samples [start, end). Branch-free:
 * most pixels of a node share a few values (0 above all), so a test on the
 * bin would mispredict and a per-bin counter would chain every update;
 * `seen` is a plain store and [lo, hi] lives in registers. `count` (a
 * constant at each call) also counts distinct samples per value. */
static inline void fill(const build_ctx *b, work *wk, size_t start, size_t end, int local,
                        int count, int f, int *lo_out, int *hi_out) {
  uint8_t *seen = (uint8_t *)wk->seen;
  int lo = 255, hi = 0;
  const uint8_t *px = local ? wk->local + f : b->xt + (size_t)f * b->n;
  for (size_t s = start; s < end; s++) {
    uint8_t v = local ? px[(size_t)wk->loc[s] * NF] : px[wk->rows[s]];
    uint32_t wy = wk->wy[s];
    wk->hist[v][wy & 15] += wy >> 4;
    if (count) wk->hist_n[v]++;
    seen[v] = 1;
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  *lo_out = lo;
  *hi_out = hi;
}

/* Occupied values in [lo, hi] in ascending order into order[]; clears seen.
 * A word of 8 seen-bytes holds 0 or 1 per byte: on little-endian GCC/clang
 * its set bits, lowest first, are the occupied values in order. */
static size_t occupied(work *wk, int lo, int hi, uint8_t *order) {
  size_t no = 0;
  for (int wd = lo >> 3; wd <= hi >> 3; wd++) {
    uint64_t w = wk->seen[wd];
    if (!w) continue;
    wk->seen[wd] = 0;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; w; w &= w - 1) order[no++] = (uint8_t)(wd * 8 + (__builtin_ctzll(w) >> 3));
#else
    uint8_t by[8];
    memcpy(by, &w, 8);
    for (int k = 0; k < 8; k++)
      if (by[k]) order[no++] = (uint8_t)(wd * 8 + k);
#endif
  }
  return no;
}

/* Histograms pixel f over the node and updates best with its best
 * threshold (left: value <= threshold). Returns 0 if the pixel is constant
 * on the node. The proxy (larger is better) is, for gini,
 * sum L_c^2 / WL + sum R_c^2 / WR (minus the weighted child impurities up
 * to a constant), for entropy sum L_c ln L_c - WL ln WL + (same for R).
 * Counts are whole numbers (bootstrap weights), so the sums are exact. */
static int eval_feature(const build_ctx *b, work *wk, size_t start, size_t end, int local,
                        int f, const uint32_t *tot, uint32_t wsum, size_t nn, split *best) {
  const size_t min_leaf = b->cfg->min_samples_leaf;
  const int count = min_leaf > 1;
  int lo, hi;
  if (local) {
    if (count) fill(b, wk, start, end, 1, 1, f, &lo, &hi);
    else fill(b, wk, start, end, 1, 0, f, &lo, &hi);
  } else {
    if (count) fill(b, wk, start, end, 0, 1, f, &lo, &hi);
    else fill(b, wk, start, end, 0, 0, f, &lo, &hi);
  }
  uint8_t order[256];
  size_t no = occupied(wk, lo, hi, order);
  if (no > 1) {
    const int gini = b->cfg->criterion == CRIT_GINI;
    const double *xlogx = b->xlogx;
    uint32_t left[NC] = {0}, right[NC];
    uint64_t lsq = 0, rsq = 0, lw = 0, rw = wsum;
    double lxl = 0, rxl = 0;
    for (int c = 0; c < NC; c++) {
      right[c] = tot[c];
      rsq += (uint64_t)tot[c] * tot[c];
      if (!gini) rxl += xlogx[tot[c]];
    }
    size_t nl = 0;
    for (size_t i = 0; i + 1 < no; i++) {
      const uint32_t *h = wk->hist[order[i]];
      if (gini) { /* no test on d: a zero count adds zeros, and no branch */
        for (int c = 0; c < NC; c++) {
          uint64_t d = h[c];
          lsq += (2 * (uint64_t)left[c] + d) * d;
          rsq -= (2 * (uint64_t)right[c] - d) * d;
          left[c] += (uint32_t)d;
          right[c] -= (uint32_t)d;
          lw += d;
          rw -= d;
        }
      } else {
        for (int c = 0; c < NC; c++) {
          uint32_t d = h[c];
          if (!d) continue;
          lxl += xlogx[left[c] + d] - xlogx[left[c]];
          rxl += xlogx[right[c] - d] - xlogx[right[c]];
          left[c] += d;
          right[c] -= d;
          lw += d;
          rw -= d;
        }
      }
      if (count) {
        nl += wk->hist_n[order[i]];
        if (nl < min_leaf) continue;
        if (nn - nl < min_leaf) break;
      }
      double proxy = gini ? (double)lsq / (double)lw + (double)rsq / (double)rw
                          : (lxl - xlogx[lw]) + (rxl - xlogx[rw]);
      if (best->feature < 0 || proxy > best->proxy) {
        best->proxy = proxy;
        best->feature = f;
        /* Midway to the next value, as scikit-learn's (a + b) / 2: the
         * same partition of the node, and unseen values in between go to
         * the nearer side. */
        best->threshold = (order[i] + order[i + 1]) / 2;
      }
    }
  }
  for (size_t i = 0; i < no; i++) {
    memset(wk->hist[order[i]], 0, sizeof wk->hist[0]);
    if (count) wk->hist_n[order[i]] = 0;
  }
  return no > 1;
}

/* Grows tree t depth first (left child first), as scikit-learn's
 * DepthFirstTreeBuilder. */
static fmnist_status build_tree(const build_ctx *b, work *wk, fmnist__tree *t, fmnist__rng *rng) {
  const forest_config *cfg = b->cfg;
  const size_t n = b->n;
  size_t nu = 0;
  /* Bootstrap as weights on distinct rows (rows stay in increasing order,
   * so a node reads each pixel column front to back). */
  if (cfg->bootstrap) {
    memset(wk->counts, 0, n * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) wk->counts[fmnist__rng_below(rng, n)]++;
  } else {
    for (size_t i = 0; i < n; i++) wk->counts[i] = 1;
  }
  for (size_t i = 0; i < n; i++)
    if (wk->counts[i]) {
      wk->rows[nu] = (uint32_t)i;
      wk->wy[nu] = wk->counts[i] << 4 | b->y[i];
      nu++;
    }
  for (int f = 0; f < NF; f++) wk->feats[f] = (uint16_t)f;
  size_t root, top = 0;
  fmnist_status s = add_node(t, &root);
  if (s) return s;
  wk->stack[top++] = (struct frame){0, nu, 0, root, 0};
  /* top only grows by one per split, so one check per split suffices. */
  while (top && !s) {
    struct frame fr = wk->stack[--top];
    if (!fr.local && fr.end - fr.start <= LOCAL_ROWS) {
      /* Depth first, this subtree is finished before any frame below it
       * is popped, so the buffer serves it alone. */
      for (size_t i = fr.start; i < fr.end; i++) {
        memcpy(wk->local + (i - fr.start) * NF, b->x + (size_t)wk->rows[i] * NF, NF);
        wk->loc[i] = (uint32_t)(i - fr.start);
      }
      fr.local = 1;
    }
    uint32_t tot[NC] = {0}, wsum = 0;
    for (size_t i = fr.start; i < fr.end; i++) tot[wk->wy[i] & 15] += wk->wy[i] >> 4;
    int classes = 0;
    for (int c = 0; c < NC; c++) {
      wsum += tot[c];
      classes += tot[c] > 0;
    }
    size_t nn = fr.end - fr.start;
    int leaf = (cfg->max_depth && fr.depth >= cfg->max_depth) || nn < cfg->min_samples_split ||
               nn < 2 * cfg->min_samples_leaf || classes <= 1;
    split best = {0, -1, 0};
    if (!leaf) {
      /* Draw pixels without replacement until max_features are visited
       * and one of them varies on the node (constant ones count as
       * visited, as in scikit-learn). */
      size_t pool = NF, visited = 0;
      int varied = 0;
      while (pool > 0 && (visited < b->max_features || !varied)) {
        size_t j = (size_t)fmnist__rng_below(rng, pool);
        int f = wk->feats[j];
        wk->feats[j] = wk->feats[pool - 1];
        wk->feats[pool - 1] = (uint16_t)f;
        pool--;
        visited++;
        varied |= eval_feature(b, wk, fr.start, fr.end, fr.local, f, tot, wsum, nn, &best);
      }
    }
    if (best.feature < 0) {
      s = make_leaf(t, fr.node, tot, wsum);
      continue;
    }
    /* Stable partition: rows <= threshold stay in front, in order. */
    const uint8_t *col = b->xt + (size_t)best.feature * n;
    const uint8_t *px = wk->local + best.feature;
    size_t l = fr.start, r = 0;
    for (size_t i = fr.start; i < fr.end; i++) {
      uint32_t row = wk->rows[i], wy = wk->wy[i], lc = wk->loc[i];
      uint8_t v = fr.local ? px[(size_t)lc * NF] : col[row];
      if (v <= best.threshold) {
        wk->rows[l] = row;
        wk->wy[l] = wy;
        wk->loc[l++] = lc;
      } else {
        wk->tmp_rows[r] = row;
        wk->tmp_wy[r] = wy;
        wk->tmp_loc[r++] = lc;
      }
    }
    memcpy(wk->rows + l, wk->tmp_rows, r * sizeof(uint32_t));
    memcpy(wk->wy + l, wk->tmp_wy, r * sizeof(uint32_t));
    memcpy(wk->loc + l, wk->tmp_loc, r * sizeof(uint32_t));
    size_t lid, rid;
    s = add_node(t, &lid);
    if (!s) s = add_node(t, &rid);
    if (!s) {
      struct frame *stack = grow(wk->stack, &wk->cap_stack, top + 2, sizeof *wk->stack);
      if (stack) wk->stack = stack;
      else s = FMNIST_E_NOMEM;
    }
    if (s) break;
    fmnist__tree_node *nd = &t->nodes[fr.node];
    nd->feature = (uint16_t)best.feature;
    nd->threshold = (uint8_t)best.threshold;
    nd->left = (uint32_t)lid;
    nd->right = (uint32_t)rid;
    /* Right pushed first so the left subtree is built first. */
    wk->stack[top++] = (struct frame){l, fr.end, fr.depth + 1, rid, fr.local};
    wk->stack[top++] = (struct frame){fr.start, l, fr.depth + 1, lid, fr.local};
  }
  return s;
}

static void work_free(work *wk) {
  if (!wk) return;
  fmnist__free(wk->rows);
  fmnist__free(wk->wy);
  fmnist__free(wk->loc);
  fmnist__free(wk->tmp_rows);
  fmnist__free(wk->tmp_wy);
  fmnist__free(wk->tmp_loc);
  fmnist__free(wk->local);
  fmnist__free(wk->counts);
  fmnist__free(wk->stack);
  fmnist__free(wk);
}

static work *work_alloc(size_t n) {
  work *wk = fmnist__calloc(1, sizeof *wk);
  if (!wk) return NULL;
  wk->rows = fmnist__calloc(n, sizeof(uint32_t));
  wk->wy = fmnist__calloc(n, sizeof(uint32_t));
  wk->loc = fmnist__calloc(n, sizeof(uint32_t));
  wk->tmp_rows = fmnist__calloc(n, sizeof(uint32_t));
  wk->tmp_wy = fmnist__calloc(n, sizeof(uint32_t));
  wk->tmp_loc = fmnist__calloc(n, sizeof(uint32_t));
  wk->local = fmnist__calloc(LOCAL_ROWS, NF);
  wk->counts = fmnist__calloc(n, sizeof(uint32_t));
  wk->cap_stack = 64;
  wk->stack = fmnist__calloc(wk->cap_stack, sizeof *wk->stack);
  if (!wk->rows || !wk->wy || !wk->loc || !wk->tmp_rows || !wk->tmp_wy || !wk->tmp_loc ||
      !wk->local || !wk->counts || !wk->stack) {
    work_free(wk);
    return NULL;
  }
  return wk;
}

/* Builds tree first + task with rng stream (seed, tree index) in whichever
 * workspace is free (at most n_pool tasks run at once; a workspace holds no
 * state between trees, so which one a tree gets does not matter). */
static void build_task(void *ctx, size_t task) {
  build_ctx *b = ctx;
  size_t index = b->first + task, w = 0;
  for (;; w = (w + 1) % b->n_pool)
    if (!atomic_flag_test_and_set(&b->busy[w])) break;
  fmnist__rng rng;
  fmnist__rng_init(&rng, b->seed, FMNIST__STREAM_FOREST_TREE, index);
  b->status[index] = build_tree(b, b->pool[w], &b->trees[index], &rng);
  atomic_flag_clear(&b->busy[w]);
}

static fmnist_status forest_fit(fmnist_model *m, const fmnist_dataset *train,
                                const fmnist_dataset *valid) {
  (void)valid;
  const forest_config *cfg = m->config;
  const size_t n = fmnist_dataset_count(train), T = cfg->n_trees;
  if (n >= ((size_t)1 << 28))
    return fmnist__fail(FMNIST_E_INVALID, "forest: %zu training images, at most 2^28 - 1", n);
  const uint8_t *img = fmnist_dataset_images(train);
  uint8_t *xt = fmnist__calloc(n, NF);
  double *xlogx = fmnist__calloc(n + 1, sizeof(double));
  fmnist_status *status = fmnist__calloc(T, sizeof *status);
  size_t n_pool = fmnist__model_threads(m) < T ? fmnist__model_threads(m) : T;
  work **pool = fmnist__calloc(n_pool, sizeof *pool);
  atomic_flag *busy = fmnist__calloc(n_pool, sizeof *busy);
  fmnist__forest_state *st = fmnist__calloc(1, sizeof *st);
  fmnist_status s = FMNIST_OK;
  if (st) st->trees = fmnist__calloc(T, sizeof(fmnist__tree));
  if (!xt || !xlogx || !status || !pool || !busy || !st || !st->trees) {
    s = fmnist__fail(FMNIST_E_NOMEM, "forest: out of memory");
    goto done;
  }
  st->n_trees = T;
  /* Pixel-major copy, in 64-row tiles to keep both sides in cache. */
  for (size_t i0 = 0; i0 < n; i0 += 64)
    for (size_t f = 0; f < NF; f++)
      for (size_t i = i0; i < n && i < i0 + 64; i++) xt[f * n + i] = img[i * NF + f];
  for (size_t k = 1; k <= n; k++) xlogx[k] = (double)k * log((double)k);
  const size_t threads = n_pool;
  build_ctx b = {cfg,     n,      img,    xt, fmnist_dataset_labels(train), xlogx,
                 cfg->max_features ? cfg->max_features : 28, m->seed, 0, st->trees, status,
                 pool,    busy,   threads};
  for (size_t w = 0; w < threads && !s; w++) {
    atomic_flag_clear(&busy[w]);
    if (!(pool[w] = work_alloc(n))) s = fmnist__fail(FMNIST_E_NOMEM, "forest: out of memory");
  }
  /* Batches of trees between progress reports (from this thread only). */
  size_t batch = threads * 4;
  for (size_t t0 = 0; t0 < T && !s; t0 += batch) {
    size_t k = T - t0 < batch ? T - t0 : batch;
    b.first = t0;
    fmnist__parallel_for(threads, k, build_task, &b);
    for (size_t t = t0; t < t0 + k && !s; t++)
      if (status[t]) s = fmnist__fail(status[t], "forest: out of memory building tree %zu", t);
    if (!s) s = fmnist__model_progress(m, FMNIST_STAGE_TREE, t0 + k, T);
  }
  if (!s) {
    m->state = st;
    st = NULL;
  }
done:
  for (size_t w = 0; pool && w < n_pool; w++) work_free(pool[w]);
  fmnist__free(pool);
  fmnist__free(busy);
  forest_free(st);
  fmnist__free(xt);
  fmnist__free(xlogx);
  fmnist__free(status);
  return s;
}

/* ---- prediction ---- */

#define PREDICT_BLOCK 256

typedef struct predict_ctx {
  const fmnist__forest_state *st;
  const uint8_t *images;
  size_t n;
  float *out;
} predict_ctx;

/* Images [task*PREDICT_BLOCK, ...): trees outer, images inner, so one
 * tree's nodes stay in cache; sums in double, in tree order. */
static void predict_task(void *ctx, size_t task) {
  const predict_ctx *p = ctx;
  size_t i0 = task * PREDICT_BLOCK;
  size_t k = p->n - i0 < PREDICT_BLOCK ? p->n - i0 : PREDICT_BLOCK;
  double acc[PREDICT_BLOCK][NC];
  memset(acc, 0, sizeof acc);
  for (size_t t = 0; t < p->st->n_trees; t++) {
    const fmnist__tree *tr = &p->st->trees[t];
    for (size_t i = 0; i < k; i++) {
      const uint8_t *x = p->images + (i0 + i) * NF;
      const fmnist__tree_node *nd = tr->nodes;
      while (!nd->leaf) nd = tr->nodes + (x[nd->feature] <= nd->threshold ? nd->left : nd->right);
      const float *v = tr->values + (size_t)nd->right * NC;
      for (int c = 0; c < NC; c++) acc[i][c] += v[c];
    }
  }
  for (size_t i = 0; i < k; i++)
    for (int c = 0; c < NC; c++)
      p->out[(i0 + i) * NC + c] = (float)(acc[i][c] / (double)p->st->n_trees);
}

static fmnist_status forest_proba(const fmnist_model *m, const uint8_t *images, size_t n,
                                  float *out) {
  predict_ctx p = {m->state, images, n, out};
  fmnist__parallel_for(fmnist__model_threads(m), (n + PREDICT_BLOCK - 1) / PREDICT_BLOCK,
                       predict_task, &p);
  return fmnist__model_progress(m, FMNIST_STAGE_PREDICT, n, n);
}

/* ---- save and load ----
 * Parameters: u64 trees; per tree: u64 nodes, per node u32 left, u32 right,
 * u32 feature | threshold << 16 | leaf << 24; u64 leaves, leaves x 10 f32. */
static void forest_save(const fmnist_model *m, fmnist__writer *w) {
  const fmnist__forest_state *st = m->state;
  fmnist__put_u64(w, st->n_trees);
  for (size_t t = 0; t < st->n_trees; t++) {
    const fmnist__tree *tr = &st->trees[t];
    fmnist__put_u64(w, tr->n_nodes);
    for (size_t i = 0; i < tr->n_nodes; i++) {
      const fmnist__tree_node *nd = &tr->nodes[i];
      fmnist__put_u32(w, nd->left);
      fmnist__put_u32(w, nd->right);
      fmnist__put_u32(w, (uint32_t)nd->feature | (uint32_t)nd->threshold << 16 |
                             (uint32_t)nd->leaf << 24);
    }
    fmnist__put_u64(w, tr->n_leaves);
    fmnist__put_f32s(w, tr->values, tr->n_leaves * NC);
  }
}

static fmnist_status load_tree(fmnist__reader *r, fmnist__tree *tr) {
  size_t nn, nl;
  fmnist_status s = fmnist__get_count(r, 12, UINT32_MAX, "forest nodes", &nn);
  if (!s && nn == 0) s = fmnist__fail(FMNIST_E_FORMAT, "%s: forest tree without nodes", r->path);
  if (s) return s;
  tr->nodes = fmnist__calloc(nn, sizeof(fmnist__tree_node));
  if (!tr->nodes) return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory", r->path);
  tr->n_nodes = tr->cap_nodes = nn;
  for (size_t i = 0; i < nn && !s; i++) {
    uint32_t v[3];
    s = fmnist__get_u32s(r, v, 3);
    if (s) break;
    fmnist__tree_node *nd = &tr->nodes[i];
    nd->left = v[0];
    nd->right = v[1];
    nd->feature = (uint16_t)(v[2] & 0xffff);
    nd->threshold = (uint8_t)(v[2] >> 16);
    nd->leaf = (uint8_t)(v[2] >> 24);
    if (nd->leaf > 1 || (!nd->leaf && (nd->feature >= NF || nd->left <= i || nd->right <= i ||
                                       nd->left >= nn || nd->right >= nn)))
      s = fmnist__fail(FMNIST_E_FORMAT, "%s: forest node %zu is malformed", r->path, i);
  }
  if (!s) s = fmnist__get_count(r, NC * sizeof(float), UINT32_MAX, "forest leaves", &nl);
  if (s) return s;
  tr->values = fmnist__calloc(nl ? nl : 1, NC * sizeof(float));
  if (!tr->values) return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory", r->path);
  tr->n_leaves = tr->cap_leaves = nl;
  s = fmnist__get_f32s(r, tr->values, nl * NC);
  for (size_t i = 0; i < nl * NC && !s; i++)
    if (!(tr->values[i] >= 0 && tr->values[i] <= 1))
      s = fmnist__fail(FMNIST_E_FORMAT, "%s: forest leaf value %zu is not in 0..1", r->path, i);
  for (size_t i = 0; i < nn && !s; i++)
    if (tr->nodes[i].leaf && tr->nodes[i].right >= nl)
      s = fmnist__fail(FMNIST_E_FORMAT, "%s: forest leaf %zu points past the %zu values", r->path,
                       i, nl);
  return s;
}

static fmnist_status forest_load(fmnist_model *m, fmnist__reader *r) {
  size_t T;
  fmnist_status s = fmnist__get_count(r, 16, 100000, "forest trees", &T);
  if (!s && T == 0) s = fmnist__fail(FMNIST_E_FORMAT, "%s: forest without trees", r->path);
  if (s) return s;
  fmnist__forest_state *st = fmnist__calloc(1, sizeof *st);
  if (st) st->trees = fmnist__calloc(T, sizeof(fmnist__tree));
  if (!st || !st->trees) {
    forest_free(st);
    return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory", r->path);
  }
  st->n_trees = T;
  for (size_t t = 0; t < T && !s; t++) s = load_tree(r, &st->trees[t]);
  if (s) {
    forest_free(st);
    return s;
  }
  m->state = st;
  return FMNIST_OK;
}

const fmnist__family fmnist__forest_family = {
    "forest",     3,           sizeof(forest_config), forest_options, forest_fit,
    forest_proba, NULL,        forest_save,           forest_load,    forest_free,
    fmnist__forest_export_onnx};
