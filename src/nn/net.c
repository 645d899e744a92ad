/* The "net" model family: options, mini-batch training with Adam,
 * inference in bounded chunks spread over the threads, save/load of
 * parameters and BN statistics. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/rng.h"
#include "base/status.h"
#include "base/threads.h"
#include "data/batch.h"
#include "kernels/adam.h"
#include "kernels/loss.h"
#include "nn/net_impl.h"
#include "transform/transform_impl.h"

/* Images per inference task: one chunk of the layout (its logits are
 * then plain 10 x n); small enough that a chunk's conv cols stay in the
 * core's cache (conv2: 288 x 16*196 floats, 3.6 MB), which beats wider
 * sgemms (measured, test set on 2 threads: 16 images 10.4k images/s, 64:
 * 8.1k, 256: 6.8k). */
#define INFER_CHUNK FMNIST__CHUNK

static const char *const inits[] = {"he", "glorot", NULL};
static const char *const lr_schedules[] = {"constant", "cosine", NULL};
static const char *const conv_algorithms[] = {"auto", "im2col", NULL};

/* The augment option's check: the spec parses as a transform pipeline
 * (the message names the bad token). */
static fmnist_status check_augment(const char *spec) {
  if (!spec[0]) return FMNIST_OK; /* the default: no augmentation */
  fmnist_transform *t = NULL;
  fmnist_status s = fmnist_transform_create(0, &t);
  if (!s) s = fmnist_transform_add_spec(t, spec);
  fmnist_transform_free(t);
  return s;
}

static const fmnist__option options[] = {
    {"layers", FMNIST__OPT_TEXT, offsetof(fmnist__net_config, layers), "", 0, 0, NULL, NULL,
     fmnist__net_check_spec},
    {"epochs", FMNIST__OPT_SIZE, offsetof(fmnist__net_config, epochs), "20", 1, 1000000, NULL,
     NULL, NULL},
    {"batch", FMNIST__OPT_SIZE, offsetof(fmnist__net_config, batch), "32", 1, 65536, NULL, NULL,
     NULL},
    {"lr", FMNIST__OPT_REAL, offsetof(fmnist__net_config, lr), "0.001", 0, 1e9, NULL, NULL, NULL},
    {"beta1", FMNIST__OPT_REAL, offsetof(fmnist__net_config, beta1), "0.9", 0, 0.999999, NULL,
     NULL, NULL},
    {"beta2", FMNIST__OPT_REAL, offsetof(fmnist__net_config, beta2), "0.999", 0, 0.999999999,
     NULL, NULL, NULL},
    {"eps", FMNIST__OPT_REAL, offsetof(fmnist__net_config, eps), "1e-7", 1e-30, 1, NULL, NULL,
     NULL},
    {"weight_decay", FMNIST__OPT_REAL, offsetof(fmnist__net_config, weight_decay), "0", 0, 1000,
     NULL, NULL, NULL},
    {"init", FMNIST__OPT_CHOICE, offsetof(fmnist__net_config, init), "he", 0, 0, inits, NULL,
     NULL},
    {"lr_schedule", FMNIST__OPT_CHOICE, offsetof(fmnist__net_config, lr_schedule), "constant", 0,
     0, lr_schedules, NULL, NULL},
    {"conv_algorithm", FMNIST__OPT_CHOICE, offsetof(fmnist__net_config, conv_algorithm), "auto",
     0, 0, conv_algorithms, NULL, NULL},
    {"augment", FMNIST__OPT_TEXT, offsetof(fmnist__net_config, augment), "", 0, 0, NULL, NULL,
     check_augment},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL}};

/* ---- inference ---- */

/* Workspace of inference passes on up to cap images: input, two
 * ping-pong activation buffers, one aux and one scratch area shared by the
 * layers (nothing is kept for a backward pass). */
typedef struct infer_ws {
  size_t cap;
  float *in, *buf[2], *scratch;
  void *aux;
} infer_ws;

static void infer_ws_free(infer_ws *ws) {
  fmnist__free(ws->in);
  fmnist__free(ws->buf[0]);
  fmnist__free(ws->buf[1]);
  fmnist__free(ws->scratch);
  fmnist__free(ws->aux);
  *ws = (infer_ws){0}; /* train_ws_free frees it again after a failed make */
}

static fmnist_status infer_ws_make(const fmnist__net *net, size_t cap, infer_ws *ws) {
  size_t act = 0, aux = 1, scratch = 1;
  for (size_t i = 0; i < net->n_layers; i++) {
    const fmnist__layer *l = &net->layers[i];
    size_t o = fmnist__layer_out_size(l);
    if (o > act) act = o;
    if (l->ops->aux_bytes && l->ops->aux_bytes(l, cap) > aux) aux = l->ops->aux_bytes(l, cap);
    if (l->ops->scratch_floats && l->ops->scratch_floats(l, cap) > scratch)
      scratch = l->ops->scratch_floats(l, cap);
  }
  *ws = (infer_ws){cap, NULL, {NULL, NULL}, NULL, NULL};
  ws->in = fmnist__calloc(cap * FMNIST_PIXELS, sizeof(float));
  ws->buf[0] = fmnist__calloc(cap * act, sizeof(float));
  ws->buf[1] = fmnist__calloc(cap * act, sizeof(float));
  ws->scratch = fmnist__calloc(scratch, sizeof(float));
  ws->aux = fmnist__alloc(aux);
  if (!ws->in || !ws->buf[0] || !ws->buf[1] || !ws->scratch || !ws->aux) {
    infer_ws_free(ws);
    return fmnist__fail(FMNIST_E_NOMEM, "net: out of memory for the inference workspace");
  }
  return FMNIST_OK;
}

/* The net's input from n raw images: pixel-major (784 x k) by chunks. */
static void standardize(const fmnist_model *m, const uint8_t *images, size_t n, float *out) {
  for (size_t q = 0; q < fmnist__chunks(n); q++)
    fmnist__model_standardize_pixel_major(m, images + fmnist__chunk_at(q, FMNIST_PIXELS),
                                          fmnist__chunk_n(n, q),
                                          out + fmnist__chunk_at(q, FMNIST_PIXELS));
}

/* Logits (10 x n) of n <= ws->cap raw images. A layer computed with an
 * earlier one (fused) is skipped: that one's pass made its output. */
static const float *infer_chunk(const fmnist_model *m, const fmnist__net *net, infer_ws *ws,
                                const uint8_t *images, size_t n) {
  standardize(m, images, n, ws->in);
  fmnist__pass p = {0, NULL, ws->scratch, 1, NULL}; /* chunks already run in parallel */
  const float *x = ws->in;
  size_t out = 0;
  for (size_t i = 0; i < net->n_layers; i++) {
    fmnist__layer *l = &net->layers[i];
    if (l->fused) continue;
    float *y = ws->buf[out++ & 1];
    l->ops->forward(l, x, y, ws->aux, n, &p);
    x = y;
  }
  return x;
}

/* Parallel inference: chunks of INFER_CHUNK images are dealt to the tasks
 * round-robin, each task with its own workspace and OpenBLAS at one thread
 * (fmnist__parallel_for), which keeps both cores busy in the elementwise
 * layers too. A chunk's result does not depend on which task ran it, and
 * per-chunk sums are added in chunk order, so the figures are the same for
 * every thread count. */
typedef struct infer_pool {
  size_t count;
  infer_ws *ws;
} infer_pool;

static void infer_pool_free(infer_pool *p) {
  for (size_t i = 0; p->ws && i < p->count; i++) infer_ws_free(&p->ws[i]);
  fmnist__free(p->ws);
  *p = (infer_pool){0, NULL};
}

/* Workspaces for `threads` tasks over n images (fewer if n is small). */
static fmnist_status infer_pool_make(const fmnist__net *net, size_t threads, size_t n,
                                     infer_pool *p) {
  size_t cap = n < INFER_CHUNK ? n : INFER_CHUNK, chunks = (n + cap - 1) / cap;
  *p = (infer_pool){threads < chunks ? threads : chunks, NULL};
  p->ws = fmnist__calloc(p->count, sizeof *p->ws);
  if (!p->ws) return fmnist__fail(FMNIST_E_NOMEM, "net: out of memory for the inference workspace");
  for (size_t i = 0; i < p->count; i++) {
    fmnist_status s = infer_ws_make(net, cap, &p->ws[i]);
    if (s) {
      infer_pool_free(p);
      return s;
    }
  }
  return FMNIST_OK;
}

typedef struct infer_job {
  const fmnist_model *m;
  const fmnist__net *net;
  const infer_pool *pool;
  const uint8_t *images, *labels; /* labels: for loss and accuracy */
  size_t n;
  float *proba;           /* n x 10, when no labels */
  double *chunk_loss;     /* per chunk, with labels */
  size_t *chunk_correct;  /* per chunk, with labels */
} infer_job;

static void infer_task(void *ctx, size_t t) {
  const infer_job *j = ctx;
  infer_ws *ws = &j->pool->ws[t];
  for (size_t c = t; c * ws->cap < j->n; c += j->pool->count) {
    size_t i = c * ws->cap, k = j->n - i < ws->cap ? j->n - i : ws->cap;
    const float *logits = infer_chunk(j->m, j->net, ws, j->images + i * FMNIST_PIXELS, k);
    if (j->labels) {
      j->chunk_correct[c] = 0;
      j->chunk_loss[c] = fmnist__softmax_xent(logits, j->labels + i, FMNIST_CLASSES, k, 0, NULL,
                                              &j->chunk_correct[c]);
    } else {
      fmnist__softmax_rows(logits, FMNIST_CLASSES, k, j->proba + i * FMNIST_CLASSES);
    }
  }
}

static void infer_run(const infer_job *j, size_t threads) {
  if (j->pool->count > 1) {
    fmnist__parallel_for(j->pool->count, j->pool->count, infer_task, (void *)(uintptr_t)j);
  } else {
    fmnist__blas_threads(threads);
    infer_task((void *)(uintptr_t)j, 0);
  }
}

static fmnist_status proba(const fmnist_model *m, const uint8_t *images, size_t n, float *out) {
  const fmnist__net *net = m->state;
  infer_pool pool;
  fmnist_status s = infer_pool_make(net, fmnist__model_threads(m), n, &pool);
  if (s) return s;
  infer_job job = {m, net, &pool, images, NULL, n, out, NULL, NULL};
  infer_run(&job, fmnist__model_threads(m));
  infer_pool_free(&pool);
  return FMNIST_OK;
}

/* Summed loss and correct count over n labelled images (validation, or a
 * group member's share of it); chunk_loss and chunk_correct have a slot
 * per INFER_CHUNK images. */
static void evaluate(const fmnist_model *m, const fmnist__net *net, const infer_pool *pool,
                     const uint8_t *images, const uint8_t *labels, size_t n, double *chunk_loss,
                     size_t *chunk_correct, double *loss, size_t *correct) {
  infer_job job = {m, net, pool, images, labels, n, NULL, chunk_loss, chunk_correct};
  infer_run(&job, fmnist__model_threads(m));
  *loss = 0;
  *correct = 0;
  for (size_t c = 0; c * pool->ws[0].cap < n; c++) {
    *loss += chunk_loss[c];
    *correct += chunk_correct[c];
  }
}

/* ---- training ---- */

/* The floats that end every sum of a fit over a group: a summed loss and a
 * correct count (of the step's batch, or of the validation set), and the
 * members' stop flags. A step's tally follows its gradients in one buffer,
 * so a step costs one sum besides batch norm's. */
enum { TALLY_LOSS, TALLY_CORRECT, TALLY_CANCEL, TALLY_FAIL, TALLY_FLOATS };

/* Everything a fit needs beyond the net, sized once from the layer shapes. */
typedef struct train_ws {
  size_t batch, threads;
  float *in;      /* 784 x batch standardized pixels (= 1 x 28 x 28 x N) */
  float **y;      /* per layer: output, out_c x out_h*out_w x N (none where
                     the next layer is fused: the pass writes that one's) */
  void **aux;     /* per layer: kept from forward to backward */
  float *d[2];    /* ping-pong gradients w.r.t. activations */
  float *scratch; /* max over layers of scratch_floats */
  float *grads, *m, *v; /* per parameter (grads: then a group's tally) */
  int *need_dx;   /* layer i needs dx: some earlier layer has parameters */
  size_t *order;  /* shuffled sample indices */
  uint8_t *labels;
  infer_pool infer;      /* validation */
  double *chunk_loss;    /* per validation chunk */
  size_t *chunk_correct; /* per validation chunk */
} train_ws;

static void train_ws_free(train_ws *t, size_t n_layers) {
  fmnist__free(t->in);
  for (size_t i = 0; t->y && i < n_layers; i++) fmnist__free(t->y[i]);
  for (size_t i = 0; t->aux && i < n_layers; i++) fmnist__free(t->aux[i]);
  fmnist__free(t->y);
  fmnist__free(t->aux);
  fmnist__free(t->d[0]);
  fmnist__free(t->d[1]);
  fmnist__free(t->scratch);
  fmnist__free(t->grads);
  fmnist__free(t->m);
  fmnist__free(t->v);
  fmnist__free(t->need_dx);
  fmnist__free(t->order);
  fmnist__free(t->labels);
  infer_pool_free(&t->infer);
  fmnist__free(t->chunk_loss);
  fmnist__free(t->chunk_correct);
}

static fmnist_status train_ws_make(fmnist__net *net, size_t batch, size_t n_train,
                                   size_t n_valid, size_t threads, train_ws *t) {
  size_t L = net->n_layers, act = FMNIST_PIXELS, scratch = 1;
  memset(t, 0, sizeof *t);
  t->batch = batch;
  t->y = fmnist__calloc(L, sizeof *t->y);
  t->aux = fmnist__calloc(L, sizeof *t->aux);
  t->need_dx = fmnist__calloc(L, sizeof *t->need_dx);
  int ok = t->y && t->aux && t->need_dx;
  int params_before = 0;
  for (size_t i = 0; i < L && ok; i++) {
    fmnist__layer *l = &net->layers[i];
    size_t o = fmnist__layer_out_size(l), in = fmnist__layer_in_size(l);
    if (o > act) act = o;
    if (in > act) act = in;
    const int made = i + 1 == L || !net->layers[i + 1].fused;
    t->y[i] = fmnist__calloc(made ? batch * o : 1, sizeof(float));
    size_t ab = l->ops->aux_bytes ? l->ops->aux_bytes(l, batch) : 0;
    t->aux[i] = fmnist__alloc(ab ? ab : 1);
    if (l->ops->scratch_floats && l->ops->scratch_floats(l, batch) > scratch)
      scratch = l->ops->scratch_floats(l, batch);
    t->need_dx[i] = params_before;
    if (l->n_w + l->n_b) params_before = 1;
    ok = t->y[i] && t->aux[i];
  }
  if (ok) {
    size_t np = net->n_params ? net->n_params : 1;
    t->in = fmnist__calloc(batch * FMNIST_PIXELS, sizeof(float));
    t->d[0] = fmnist__calloc(batch * act, sizeof(float));
    t->d[1] = fmnist__calloc(batch * act, sizeof(float));
    t->scratch = fmnist__calloc(scratch, sizeof(float));
    t->grads = fmnist__calloc(np + TALLY_FLOATS, sizeof(float));
    t->m = fmnist__calloc(np, sizeof(float));
    t->v = fmnist__calloc(np, sizeof(float));
    t->order = fmnist__calloc(n_train, sizeof(size_t));
    t->labels = fmnist__alloc(batch);
    ok = t->in && t->d[0] && t->d[1] && t->scratch && t->grads && t->m && t->v && t->order &&
         t->labels;
  }
  if (!ok) {
    train_ws_free(t, L);
    return fmnist__fail(FMNIST_E_NOMEM, "net: out of memory for the training workspace");
  }
  if (n_valid) {
    size_t chunks = (n_valid + INFER_CHUNK - 1) / INFER_CHUNK;
    fmnist_status s = infer_pool_make(net, threads, n_valid, &t->infer);
    t->chunk_loss = fmnist__calloc(chunks, sizeof *t->chunk_loss);
    t->chunk_correct = fmnist__calloc(chunks, sizeof *t->chunk_correct);
    if (!s && (!t->chunk_loss || !t->chunk_correct))
      s = fmnist__fail(FMNIST_E_NOMEM, "net: out of memory for the training workspace");
    if (s) {
      train_ws_free(t, L);
      return s;
    }
  }
  size_t po = 0;
  for (size_t i = 0; i < L; i++) {
    fmnist__layer *l = &net->layers[i];
    l->dw = t->grads + po;
    l->db = l->dw + l->n_w;
    po += l->n_w + l->n_b;
  }
  return FMNIST_OK;
}

static void init_params(fmnist__net *net, uint64_t seed, int glorot) {
  for (size_t i = 0; i < net->n_layers; i++) {
    fmnist__layer *l = &net->layers[i];
    fmnist__rng r;
    fmnist__rng_init(&r, seed, FMNIST__STREAM_NET_INIT, i);
    if (l->ops->init) l->ops->init(l, &r, glorot);
  }
}

typedef struct adam_job {
  const fmnist__adam *opt;
  size_t step;
  float wd, *w;
  const float *g;
  float *m, *v;
} adam_job;

static void adam_range(void *ctx, size_t lo, size_t hi) {
  const adam_job *j = ctx;
  fmnist__adam_step(j->opt, j->step, j->wd, j->w + lo, j->g + lo, j->m + lo, j->v + lo, hi - lo);
}

/* Adam on n parameters at offset po of the moment arrays; elementwise, so
 * split over threads with unchanged results. */
static void adam(train_ws *t, const fmnist__adam *opt, size_t step, float wd, float *w,
                 const float *g, size_t po, size_t n) {
  adam_job j = {opt, step, wd, w, g, t->m + po, t->v + po};
  fmnist__parallel_range(t->threads, n, FMNIST__PAR_GRAIN, adam_range, &j);
}

/* The gradients of one step on the n images in t->in / t->labels of a
 * global batch of `global_n` (n = global_n alone), into t->grads, for the
 * mean loss over the global batch; returns the summed loss of the n images
 * and adds their correct count. */
static double step_gradients(fmnist__net *net, train_ws *t, size_t n, size_t global_n,
                             fmnist__rng *rng, fmnist__group *group, size_t *correct) {
  fmnist__pass p = {1, rng, t->scratch, t->threads, group};
  size_t L = net->n_layers;
  const float *x = t->in;
  /* A layer that computes the fused ones after it writes the last one's
   * output and takes its gradient; the fused ones are skipped. */
  for (size_t i = 0; i < L; i++) {
    fmnist__layer *l = &net->layers[i];
    if (l->fused) continue;
    l->ops->forward(l, x, t->y[i + l->fuse], t->aux[i], n, &p);
    x = t->y[i + l->fuse];
  }
  float *dy = t->d[0], *dx = t->d[1];
  double loss = 0;
  for (size_t q = 0; q < fmnist__chunks(n); q++) { /* the logits chunk by chunk */
    const size_t at = fmnist__chunk_at(q, FMNIST_CLASSES);
    loss += fmnist__softmax_xent(x + at, t->labels + q * FMNIST__CHUNK, FMNIST_CLASSES,
                                 fmnist__chunk_n(n, q), 1.0f / (float)global_n, dy + at, correct);
  }
  for (size_t i = L; i-- > 0;) {
    fmnist__layer *l = &net->layers[i];
    if (l->fused) continue;
    const float *xi = i ? t->y[i - 1] : t->in;
    l->ops->backward(l, xi, t->y[i + l->fuse], dy, t->need_dx[i] ? dx : NULL, t->aux[i], n, &p);
    float *tmp = dy;
    dy = dx;
    dx = tmp;
  }
  return loss;
}

/* Adam on every parameter with the gradients in t->grads. */
static void step_update(fmnist__net *net, train_ws *t, const fmnist__adam *opt, float wd,
                        size_t step) {
  if (wd == 0) { /* one update over every parameter: one parallel loop */
    adam(t, opt, step, 0.0f, net->params, t->grads, 0, net->n_params);
    return;
  }
  size_t po = 0;
  for (size_t i = 0; i < net->n_layers; i++) {
    fmnist__layer *l = &net->layers[i];
    int decay = l->spec.kind == FMNIST__L_CONV || l->spec.kind == FMNIST__L_DENSE;
    if (l->n_w) adam(t, opt, step, decay ? wd : 0.0f, l->w, l->dw, po, l->n_w);
    po += l->n_w;
    if (l->n_b) adam(t, opt, step, 0.0f, l->b, l->db, po, l->n_b);
    po += l->n_b;
  }
}

/* ---- data-parallel groups (fmnist_net_set_data_parallel) ---- */

/* Adds the tally ending buf[len] over the group, this member's status
 * `own` raised as a flag, and gives every member the same verdict: its own
 * failure or cancel, or E_PEER for another's. */
static fmnist_status group_tally(fmnist__group *g, float *buf, size_t len, fmnist_status own) {
  float *tally = buf + len - TALLY_FLOATS;
  tally[TALLY_CANCEL] = own == FMNIST_E_CANCELLED;
  tally[TALLY_FAIL] = own && own != FMNIST_E_CANCELLED;
  fmnist__group_sum(g, buf, len);
  if (own) return own;
  if (g->status) return g->status;
  if (tally[TALLY_FAIL] > 0 || tally[TALLY_CANCEL] > 0)
    return fmnist__fail(FMNIST_E_PEER, "net: another member of the data-parallel group %s",
                        tally[TALLY_FAIL] > 0 ? "failed" : "was cancelled");
  return FMNIST_OK;
}

/* What the members must agree on for their steps to pair up. */
enum { SHAPE_TRAIN, SHAPE_VALID, SHAPE_BATCH, SHAPE_EPOCHS, SHAPE_PARAMS, SHAPE_FIELDS };
#define SHAPE_PIECES 4 /* 16-bit pieces of a field: exact in a float sum */

/* The first sums of a fit: member 0's shape, then every member's verdict
 * on it with the setup's status. */
static fmnist_status group_agree(fmnist__group *g, const uint64_t shape[SHAPE_FIELDS],
                                 fmnist_status setup) {
  float buf[SHAPE_FIELDS * SHAPE_PIECES + TALLY_FLOATS] = {0};
  if (g->rank == 0)
    for (size_t f = 0; f < SHAPE_FIELDS; f++)
      for (size_t k = 0; k < SHAPE_PIECES; k++)
        buf[f * SHAPE_PIECES + k] = (float)((shape[f] >> (16 * k)) & 0xffff);
  fmnist_status s = group_tally(g, buf, sizeof buf / sizeof *buf, setup);
  if (s) return s;
  int same = 1;
  for (size_t f = 0; f < SHAPE_FIELDS; f++)
    for (size_t k = 0; k < SHAPE_PIECES; k++)
      same &= buf[f * SHAPE_PIECES + k] == (float)((shape[f] >> (16 * k)) & 0xffff);
  float tally[TALLY_FLOATS] = {0};
  s = group_tally(g, tally, TALLY_FLOATS,
                  same ? FMNIST_OK
                       : fmnist__fail(FMNIST_E_INVALID,
                                      "net: member %zu of the data-parallel group has other data "
                                      "sizes, batch, epochs or layers than member 0",
                                      g->rank));
  if (s == FMNIST_E_PEER) /* another member's mismatch: the same error here */
    s = fmnist__fail(FMNIST_E_INVALID, "net: another member of the data-parallel group has other "
                     "data sizes, batch, epochs or layers than member 0");
  return s;
}

/* A failure or a cancel of this member during a fit over a group waits in
 * *pending for the next sum, which stops every member at the same step;
 * alone it stops the fit at once. */
static fmnist_status defer(const fmnist__group *g, fmnist_status s, fmnist_status *pending) {
  if (!g || !s) return s;
  if (!*pending) *pending = s;
  return FMNIST_OK;
}

/* ---- fit ---- */

/* A fit's state besides the model: the net, its workspace, the batch's
 * raw images, the augmentation pipeline. */
typedef struct trainer {
  fmnist__net *net;
  train_ws t;
  int have_ws;
  uint8_t *img;
  fmnist_transform *augment;
} trainer;

/* Frees everything, the net too unless it is kept as the model's. */
static void trainer_free(trainer *tr, int keep_net) {
  if (tr->have_ws) train_ws_free(&tr->t, tr->net->n_layers);
  fmnist__free(tr->img);
  fmnist_transform_free(tr->augment);
  if (!keep_net) fmnist__net_free(tr->net);
}

/* Builds the net and sizes everything for batches of up to `batch` images
 * (a member's largest share in a group). */
static fmnist_status trainer_make(const fmnist_model *m, size_t batch, size_t n_train,
                                  size_t n_valid, trainer *tr) {
  const fmnist__net_config *cfg = m->config;
  fmnist__layer_spec *specs;
  size_t n_specs;
  memset(tr, 0, sizeof *tr);
  fmnist_status s = fmnist__net_parse(cfg->layers ? cfg->layers : "", &specs, &n_specs);
  if (s) return s;
  const fmnist__layer_spec *last = n_specs ? &specs[n_specs - 1] : NULL;
  if (!last)
    s = fmnist__fail(FMNIST_E_STATE, "net: no layers (set \"layers\" first)");
  else if (last->kind != FMNIST__L_DENSE || last->units != FMNIST_CLASSES)
    s = fmnist__fail(FMNIST_E_OPTION, "option layers: the last layer must be dense:10");
  if (!s) s = fmnist__net_build(specs, n_specs, (fmnist__conv_algorithm)cfg->conv_algorithm,
                                &tr->net);
  fmnist__free(specs);
  if (s) return s;
  init_params(tr->net, m->seed, cfg->init);
  s = train_ws_make(tr->net, batch, n_train, n_valid, fmnist__model_threads(m), &tr->t);
  tr->have_ws = !s;
  tr->t.threads = fmnist__model_threads(m);
  if (!s) tr->img = fmnist__alloc(batch * FMNIST_PIXELS);
  if (!s && !tr->img) s = fmnist__fail(FMNIST_E_NOMEM, "net: out of memory");
  /* Augmentation: each training image of each epoch is altered from its
   * own stream (image number epoch*n + position in the epoch's order), so
   * a fit depends on the seed alone; validation and test images never are. */
  if (!s && cfg->augment && cfg->augment[0]) {
    s = fmnist__transform_create_in(m->seed, FMNIST__STREAM_NET_AUGMENT, &tr->augment);
    if (!s) s = fmnist_transform_add_spec(tr->augment, cfg->augment);
  }
  return s;
}

static fmnist_status fit(fmnist_model *m, const fmnist_dataset *train,
                         const fmnist_dataset *valid) {
  const fmnist__net_config *cfg = m->config;
  const fmnist__group_config *gc = &m->group;
  fmnist__group group = {gc->sum, gc->user, gc->rank, gc->ranks, 0, 0, FMNIST_OK};
  fmnist__group *g = gc->ranks > 1 ? &group : NULL;
  const size_t n = fmnist_dataset_count(train), batch = cfg->batch < n ? cfg->batch : n;
  const size_t n_batches = (n + batch - 1) / batch, n_valid = fmnist_dataset_count(valid);
  size_t valid_lo = 0, valid_hi = n_valid, share_lo = 0, share = batch;
  if (g) {
    fmnist__group_share(n_valid, g->rank, g->ranks, &valid_lo, &valid_hi);
    fmnist__group_share(batch, 0, g->ranks, &share_lo, &share); /* member 0 has the largest */
  }
  const uint8_t *images = fmnist_dataset_images(train), *labels = fmnist_dataset_labels(train);
  trainer tr;
  fmnist_status s = trainer_make(m, share, n, valid_hi - valid_lo, &tr), pending = FMNIST_OK;
  if (g) {
    uint64_t shape[SHAPE_FIELDS] = {n, n_valid, batch, cfg->epochs, tr.net ? tr.net->n_params : 0};
    s = group_agree(g, shape, s);
  }
  if (s) {
    trainer_free(&tr, 0);
    return s;
  }
  fmnist__net *net = tr.net;
  train_ws *t = &tr.t;
  /* The layers split their sgemms and loops over the library's threads;
   * OpenBLAS stays on one (its idle threads spin and would slow the rest). */
  fmnist__blas_threads(1);
  fmnist__adam opt = {cfg->lr, cfg->beta1, cfg->beta2, cfg->eps};
  fmnist__rng rng;
  fmnist__rng_init(&rng, m->seed, FMNIST__STREAM_NET_TRAIN, 0);
  size_t step = 0;
  for (size_t e = 0; e < cfg->epochs && !s; e++) {
    double t0 = fmnist__now(), loss = 0;
    size_t correct = 0;
    fmnist__epoch_order(m->seed, e, t->order, n);
    for (size_t b = 0; b < n_batches && !s; b++) {
      size_t lo = b * batch, k = n - lo < batch ? n - lo : batch, first = 0, end = k;
      if (g) {
        fmnist__group_share(k, g->rank, g->ranks, &first, &end);
        g->global_n = k;
        g->first = first;
      }
      const size_t mine = end - first;
      for (size_t j = 0; j < mine; j++) {
        size_t src = t->order[lo + first + j];
        memcpy(tr.img + j * FMNIST_PIXELS, images + src * FMNIST_PIXELS, FMNIST_PIXELS);
        t->labels[j] = labels[src];
      }
      if (tr.augment)
        s = defer(g, fmnist__transform_apply_batch(tr.augment, (uint64_t)e * n + lo + first,
                                                   tr.img, mine, t->threads),
                  &pending);
      if (s) break;
      standardize(m, tr.img, mine, t->in);
      opt.lr = fmnist__lr_at((fmnist__lr_schedule)cfg->lr_schedule, cfg->lr, step,
                             cfg->epochs * n_batches);
      size_t step_correct = 0;
      double step_loss = step_gradients(net, t, mine, k, &rng, g, &step_correct);
      if (g) {
        float *tally = t->grads + net->n_params;
        tally[TALLY_LOSS] = (float)step_loss;
        tally[TALLY_CORRECT] = (float)step_correct;
        s = group_tally(g, t->grads, net->n_params + TALLY_FLOATS, pending);
        step_loss = tally[TALLY_LOSS];
        step_correct = (size_t)tally[TALLY_CORRECT];
      }
      if (!s && !isfinite(step_loss))
        s = fmnist__fail(FMNIST_E_NUMERIC,
                         "net: the loss became %s at epoch %zu, batch %zu (learning rate %g too "
                         "high?)",
                         isnan(step_loss) ? "NaN" : "infinite", e + 1, b + 1, cfg->lr);
      if (s) break;
      step_update(net, t, &opt, (float)cfg->weight_decay, ++step);
      loss += step_loss;
      correct += step_correct;
      s = defer(g, fmnist__model_progress(m, FMNIST_STAGE_BATCH, b + 1, n_batches), &pending);
    }
    if (!s) s = fmnist__model_check_loss(m, loss / (double)n, e);
    if (s) break;
    fmnist__epoch row = {{loss / (double)n, (double)correct / (double)n, NAN, NAN, 0}};
    fmnist__net_prepare_inference(net);
    double valid_loss = 0;
    size_t valid_correct = 0;
    if (valid_hi > valid_lo)
      evaluate(m, net, &t->infer, fmnist_dataset_images(valid) + valid_lo * FMNIST_PIXELS,
               fmnist_dataset_labels(valid) + valid_lo, valid_hi - valid_lo, t->chunk_loss,
               t->chunk_correct, &valid_loss, &valid_correct);
    if (g) {
      float tally[TALLY_FLOATS] = {(float)valid_loss, (float)valid_correct, 0, 0};
      s = group_tally(g, tally, TALLY_FLOATS, pending);
      valid_loss = tally[TALLY_LOSS];
      valid_correct = (size_t)tally[TALLY_CORRECT];
      if (s) break;
    }
    if (valid) {
      row.v[FMNIST_HISTORY_VALID_LOSS] = valid_loss / (double)n_valid;
      row.v[FMNIST_HISTORY_VALID_ACCURACY] = (double)valid_correct / (double)n_valid;
    }
    row.v[FMNIST_HISTORY_SECONDS] = fmnist__now() - t0;
    s = defer(g, fmnist__model_add_epoch(m, &row), &pending);
    if (!s) s = defer(g, fmnist__model_progress(m, FMNIST_STAGE_EPOCH, e + 1, cfg->epochs),
                      &pending);
  }
  if (g && !s) { /* a stop raised after the last sum */
    float tally[TALLY_FLOATS] = {0};
    s = group_tally(g, tally, TALLY_FLOATS, pending);
  }
  for (size_t i = 0; i < net->n_layers; i++) net->layers[i].dw = net->layers[i].db = NULL;
  trainer_free(&tr, !s);
  if (s) return s;
  m->state = net;
  return FMNIST_OK;
}

/* ---- save / load ---- */

/* Parameters: u64 count + f32s (w then b per layer, in layer order);
 * BN running statistics: u64 count + f32s (mean[C] then var[C] per BN). */
static void save(const fmnist_model *m, fmnist__writer *w) {
  const fmnist__net *net = m->state;
  fmnist__put_u64(w, net->n_params);
  fmnist__put_f32s(w, net->params, net->n_params);
  fmnist__put_u64(w, net->n_stats);
  fmnist__put_f32s(w, net->stats, net->n_stats);
}

static fmnist_status load(fmnist_model *m, fmnist__reader *r) {
  const fmnist__net_config *cfg = m->config;
  fmnist__layer_spec *specs;
  size_t n_specs, count;
  fmnist_status s = fmnist__net_parse(cfg->layers ? cfg->layers : "", &specs, &n_specs);
  if (s == FMNIST_E_NOMEM) return s;
  if (s) return fmnist__fail(FMNIST_E_FORMAT, "%s: bad layer spec: %s", r->path,
                             fmnist_last_error());
  if (n_specs == 0) return fmnist__fail(FMNIST_E_FORMAT, "%s: a net without layers", r->path);
  fmnist__net *net;
  s = fmnist__net_build(specs, n_specs, (fmnist__conv_algorithm)cfg->conv_algorithm, &net);
  fmnist__free(specs);
  if (s) return s;
  s = fmnist__get_count(r, 4, FMNIST__NET_MAX_PARAMS, "parameter", &count);
  if (!s && count != net->n_params)
    s = fmnist__fail(FMNIST_E_FORMAT, "%s: %zu parameters, the layers need %zu", r->path, count,
                     net->n_params);
  if (!s) s = fmnist__get_f32s(r, net->params, count);
  if (!s) s = fmnist__get_count(r, 4, FMNIST__NET_MAX_PARAMS, "statistic", &count);
  if (!s && count != net->n_stats)
    s = fmnist__fail(FMNIST_E_FORMAT, "%s: %zu BN statistics, the layers need %zu", r->path,
                     count, net->n_stats);
  if (!s) s = fmnist__get_f32s(r, net->stats, count);
  for (size_t i = 0; i < net->n_params && !s; i++)
    if (!isfinite(net->params[i]))
      s = fmnist__fail(FMNIST_E_FORMAT, "%s: parameter %zu is not finite", r->path, i);
  for (size_t i = 0; i < net->n_stats && !s; i++)
    if (!isfinite(net->stats[i]))
      s = fmnist__fail(FMNIST_E_FORMAT, "%s: BN statistic %zu is not finite", r->path, i);
  if (s) {
    fmnist__net_free(net);
    return s;
  }
  fmnist__net_prepare_inference(net);
  m->state = net;
  return FMNIST_OK;
}

static void free_state(void *state) { fmnist__net_free(state); }

const fmnist__family fmnist__net_family = {
    "net", 4,    sizeof(fmnist__net_config), options,   fit, proba, NULL, save, load, free_state,
    fmnist__net_export_onnx};
