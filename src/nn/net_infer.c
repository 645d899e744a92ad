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
#include "nn/net_pass.h"
#include "nn/pass.h"

/* Images per inference task: one chunk of the layout (its logits are
 * then plain 10 x n); small enough that a chunk's conv cols stay in the
 * core's cache (conv2: 288 x 16*196 floats, 3.6 MB), which beats wider
 * sgemms (measured, test set on 2 threads: 16 images 10.4k images/s, 64:
 * 8.1k, 256: 6.8k). */
#define INFER_CHUNK FMNIST__CHUNK

/* An inference pass keeps no layer's output longer than a later layer
 * reads it: the outputs take turns in a few buffers ("slots"), each
 * layer's in the first slot whose value no later layer reads. Two slots
 * without blocks (they ping-pong); a net with residual blocks needs a
 * third, for the block's input until its add (and the branch's output
 * while the projection runs): never more. */
#define SLOTS 3

/* Workspace of inference passes on up to cap images: input, the slots,
 * each layer's output and aux as the forward pass takes them (into the
 * slots, and one aux area shared by the layers: nothing is kept for a
 * backward pass), one scratch area. */
typedef struct fmnist__infer_ws {
  size_t cap;
  float *in, *buf[SLOTS], *scratch;
  float **out;
  void *aux, **auxes;
} infer_ws;

static void infer_ws_free(infer_ws *ws) {
  fmnist__free(ws->in);
  for (int k = 0; k < SLOTS; k++) fmnist__free(ws->buf[k]);
  fmnist__free(ws->scratch);
  fmnist__free(ws->out);
  fmnist__free(ws->aux);
  fmnist__free(ws->auxes);
  *ws = (infer_ws){0}; /* a pool frees it again after a failed make */
}

/* The slot of each layer's output (the pool's plan, pool->slot) and the
 * number of slots into pool->slots. */
static fmnist_status plan_slots(const fmnist__net *net, fmnist__infer_pool *pool) {
  const size_t L = net->n_layers;
  size_t *last = fmnist__calloc(L, sizeof *last); /* the last layer that reads each output */
  pool->slot = fmnist__calloc(L, sizeof *pool->slot);
  if (!last || !pool->slot) {
    fmnist__free(last);
    return fmnist__fail(FMNIST_E_NOMEM, "net: out of memory for the inference workspace");
  }
  for (size_t j = 0; j < L; j++) {
    const fmnist__layer *l = &net->layers[j];
    if (l->fused || !l->ops->forward) continue;
    if (l->from) last[l->from - 1] = j;
    if (l->spec.kind == FMNIST__L_ADD && l->add_from) last[l->add_from - 1] = j;
  }
  last[L - 1] = L; /* the logits, read after the pass */
  size_t until[SLOTS] = {0}; /* the last reader of each slot's value */
  int used[SLOTS] = {0};
  pool->slots = 0;
  for (size_t i = 0; i < L; i++) {
    const fmnist__layer *l = &net->layers[i];
    if (l->fused || !l->ops->forward) continue;
    size_t k = 0;
    while (k + 1 < SLOTS && used[k] && until[k] >= i) k++;
    pool->slot[i + l->fuse] = k;
    used[k] = 1;
    until[k] = last[i + l->fuse];
    if (k + 1 > pool->slots) pool->slots = k + 1;
  }
  fmnist__free(last);
  return FMNIST_OK;
}

static fmnist_status infer_ws_make(const fmnist__net *net, const fmnist__infer_pool *pool,
                                   size_t cap, infer_ws *ws) {
  const size_t L = net->n_layers;
  size_t act = 0, aux = 1, scratch = 1;
  for (size_t i = 0; i < L; i++) {
    const fmnist__layer *l = &net->layers[i];
    size_t o = fmnist__layer_out_size(l);
    if (o > act) act = o;
    if (l->ops->aux_bytes && l->ops->aux_bytes(l, cap) > aux) aux = l->ops->aux_bytes(l, cap);
    if (l->ops->scratch_floats && l->ops->scratch_floats(l, cap) > scratch)
      scratch = l->ops->scratch_floats(l, cap);
  }
  *ws = (infer_ws){0};
  ws->cap = cap;
  ws->in = fmnist__calloc(cap * FMNIST_PIXELS, sizeof(float));
  int ok = ws->in != NULL;
  for (size_t k = 0; k < pool->slots; k++) {
    ws->buf[k] = fmnist__calloc(cap * act, sizeof(float));
    ok &= ws->buf[k] != NULL;
  }
  ws->scratch = fmnist__calloc(scratch, sizeof(float));
  ws->out = fmnist__calloc(L, sizeof *ws->out);
  ws->aux = fmnist__alloc(aux);
  ws->auxes = fmnist__calloc(L, sizeof *ws->auxes);
  if (!ok || !ws->scratch || !ws->out || !ws->aux || !ws->auxes) {
    infer_ws_free(ws);
    return fmnist__fail(FMNIST_E_NOMEM, "net: out of memory for the inference workspace");
  }
  for (size_t i = 0; i < L; i++) {
    ws->out[i] = ws->buf[pool->slot[i]];
    ws->auxes[i] = ws->aux;
  }
  return FMNIST_OK;
}

void fmnist__net_input(const fmnist_model *m, const uint8_t *images, size_t n, float *out) {
  for (size_t q = 0; q < fmnist__chunks(n); q++)
    fmnist__model_standardize_pixel_major(m, images + fmnist__chunk_at(q, FMNIST_PIXELS),
                                          fmnist__chunk_n(n, q),
                                          out + fmnist__chunk_at(q, FMNIST_PIXELS));
}

/* Logits (10 x n) of n <= ws->cap raw images. */
static const float *infer_chunk(const fmnist_model *m, const fmnist__net *net, infer_ws *ws,
                                const uint8_t *images, size_t n) {
  fmnist__net_input(m, images, n, ws->in);
  /* chunks already run in parallel: one thread each */
  const fmnist__pass p = {0, NULL, ws->scratch, 1, NULL, 0, n, NULL};
  return fmnist__net_forward(net, ws->in, ws->out, ws->auxes, n, &p);
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
  fmnist__free(p->slot);
  *p = (fmnist__infer_pool){0};
}

/* Workspaces for `threads` tasks over n images (fewer if n is small). */
static fmnist_status infer_pool_make(const fmnist__net *net, size_t threads, size_t n,
                                     fmnist__infer_pool *p) {
  size_t cap = n < INFER_CHUNK ? n : INFER_CHUNK, chunks = (n + cap - 1) / cap;
  *p = (fmnist__infer_pool){0};
  p->count = threads < chunks ? threads : chunks;
  fmnist_status s = plan_slots(net, p);
  if (s) {
    infer_pool_free(p);
    return s;
  }
  p->ws = fmnist__calloc(p->count, sizeof *p->ws);
  if (!p->ws) {
    infer_pool_free(p);
    return fmnist__fail(FMNIST_E_NOMEM, "net: out of memory for the inference workspace");
  }
  for (size_t i = 0; i < p->count; i++) {
    s = infer_ws_make(net, p, cap, &p->ws[i]);
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
  *e = (fmnist__net_eval){{0}, NULL, NULL};
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
  *e = (fmnist__net_eval){{0}, NULL, NULL};
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
