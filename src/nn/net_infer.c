/* Inference of the "net" family: the net's input, forward passes in
 * bounded chunks spread over the threads, probabilities (the family's
 * proba) and evaluation on labelled images. */
#include "nn/net_infer.h"

#include <stdint.h>

#include "base/alloc.h"
#include "base/status.h"
#include "base/threads.h"
#include "kernels/layout.h"
#include "kernels/loss.h"
#include "nn/pass.h"

/* Images per inference task: one chunk of the layout (its logits are
 * then plain 10 x n); small enough that a chunk's conv cols stay in the
 * core's cache (conv2: 288 x 16*196 floats, 3.6 MB), which beats wider
 * sgemms (measured, test set on 2 threads: 16 images 10.4k images/s, 64:
 * 8.1k, 256: 6.8k). */
#define INFER_CHUNK FMNIST__CHUNK

/* Workspace of inference passes on up to cap images: input, two
 * ping-pong activation buffers, one aux and one scratch area shared by the
 * layers (nothing is kept for a backward pass). */
typedef struct fmnist__infer_ws {
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
  *ws = (infer_ws){0}; /* a pool frees it again after a failed make */
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

void fmnist__net_input(const fmnist_model *m, const uint8_t *images, size_t n, float *out) {
  for (size_t q = 0; q < fmnist__chunks(n); q++)
    fmnist__model_standardize_pixel_major(m, images + fmnist__chunk_at(q, FMNIST_PIXELS),
                                          fmnist__chunk_n(n, q),
                                          out + fmnist__chunk_at(q, FMNIST_PIXELS));
}

/* Logits (10 x n) of n <= ws->cap raw images. A layer computed with an
 * earlier one (fused) is skipped: that one's pass made its output. */
static const float *infer_chunk(const fmnist_model *m, const fmnist__net *net, infer_ws *ws,
                                const uint8_t *images, size_t n) {
  fmnist__net_input(m, images, n, ws->in);
  /* chunks already run in parallel: one thread each */
  fmnist__pass p = {0, NULL, ws->scratch, 1, NULL, 0, n};
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
static void infer_pool_free(fmnist__infer_pool *p) {
  for (size_t i = 0; p->ws && i < p->count; i++) infer_ws_free(&p->ws[i]);
  fmnist__free(p->ws);
  *p = (fmnist__infer_pool){0, NULL};
}

/* Workspaces for `threads` tasks over n images (fewer if n is small). */
static fmnist_status infer_pool_make(const fmnist__net *net, size_t threads, size_t n,
                                     fmnist__infer_pool *p) {
  size_t cap = n < INFER_CHUNK ? n : INFER_CHUNK, chunks = (n + cap - 1) / cap;
  *p = (fmnist__infer_pool){threads < chunks ? threads : chunks, NULL};
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
  const fmnist__infer_pool *pool;
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
      /* the plain cross-entropy (log loss), whatever the training's smoothing */
      j->chunk_loss[c] = fmnist__softmax_xent(logits, j->labels + i, FMNIST_CLASSES, k, 0, 0,
                                              NULL, &j->chunk_correct[c]);
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

fmnist_status fmnist__net_proba(const fmnist_model *m, const uint8_t *images, size_t n,
                                float *out) {
  const fmnist__net *net = m->state;
  fmnist__infer_pool pool;
  fmnist_status s = infer_pool_make(net, fmnist__model_threads(m), n, &pool);
  if (s) return s;
  infer_job job = {m, net, &pool, images, NULL, n, out, NULL, NULL};
  infer_run(&job, fmnist__model_threads(m));
  infer_pool_free(&pool);
  return FMNIST_OK;
}

/* ---- evaluation ---- */

fmnist_status fmnist__net_eval_make(const fmnist__net *net, size_t threads, size_t n,
                                    fmnist__net_eval *e) {
  *e = (fmnist__net_eval){{0, NULL}, NULL, NULL};
  if (!n) return FMNIST_OK;
  size_t chunks = (n + INFER_CHUNK - 1) / INFER_CHUNK;
  fmnist_status s = infer_pool_make(net, threads, n, &e->pool);
  e->chunk_loss = fmnist__calloc(chunks, sizeof *e->chunk_loss);
  e->chunk_correct = fmnist__calloc(chunks, sizeof *e->chunk_correct);
  if (!s && (!e->chunk_loss || !e->chunk_correct))
    s = fmnist__fail(FMNIST_E_NOMEM, "net: out of memory for the evaluation workspace");
  if (s) fmnist__net_eval_free(e);
  return s;
}

void fmnist__net_eval_free(fmnist__net_eval *e) {
  infer_pool_free(&e->pool);
  fmnist__free(e->chunk_loss);
  fmnist__free(e->chunk_correct);
  *e = (fmnist__net_eval){{0, NULL}, NULL, NULL};
}

void fmnist__net_evaluate(const fmnist_model *m, const fmnist__net *net, const fmnist__net_eval *e,
                          const uint8_t *images, const uint8_t *labels, size_t n,
                          fmnist__tally *t) {
  infer_job job = {m, net, &e->pool, images, labels, n, NULL, e->chunk_loss, e->chunk_correct};
  infer_run(&job, fmnist__model_threads(m));
  *t = (fmnist__tally){0, 0};
  for (size_t c = 0; c * e->pool.ws[0].cap < n; c++) {
    t->loss += e->chunk_loss[c];
    t->correct += e->chunk_correct[c];
  }
}
