/* The layer interface of the "net" family: shapes, parameters, forward and
 * backward passes over a whole mini-batch.
 *
 * Activation layout: the batch in chunks of FMNIST__CHUNK images (the last
 * one may hold fewer), one after the other; within a chunk of k images,
 * "C x H x W x k" (CHWN), float32, its images innermost. Every pixel of
 * every channel is then a run of the chunk's images, one cache line, so
 * the per-pixel kernels (Winograd tile transforms, max-pool, im2col) work
 * on whole vectors of images instead of gathering across planes; and a
 * chunk is one contiguous block, so the layers' tasks take whole chunks
 * and no two threads write parts of one line pair (the two 64-byte lines
 * a core's prefetcher moves together: with two threads writing the two
 * halves of each pixel's 32 images, the Winograd passes ran a third
 * slower). A flatten is the identity: chunk by chunk, C x H x W x k is the
 * (C*H*W) x k matrix of features x images that dense layers take, with
 * features ordered c*H*W + h*W + w, as PyTorch/Keras-channels-first
 * flatten NCHW. A conv layer's sgemm W (F x C*k*k) * cols (C*k*k x
 * H_out*W_out*k) yields a chunk's CHWN directly. The images enter
 * pixel-major by chunks (784 x k each). A batch of up to FMNIST__CHUNK
 * images is plain CHWN. Sums over the batch (batch-norm statistics,
 * parameter gradients) add the chunks' parts in chunk order, so results
 * do not depend on the thread count. */
#ifndef FMNIST_SRC_NN_LAYER_H
#define FMNIST_SRC_NN_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "base/rng.h"
#include "kernels/layout.h"
#include "fmnist/base.h"
#include "fmnist/net.h"

typedef enum fmnist__layer_kind {
  FMNIST__L_NOISE = 0,
  FMNIST__L_CONV,
  FMNIST__L_POOL,
  FMNIST__L_BN,
  FMNIST__L_DROP,
  FMNIST__L_RELU, /* the activations in fmnist_activation's order */
  FMNIST__L_TANH,
  FMNIST__L_SIGMOID,
  FMNIST__L_FLATTEN,
  FMNIST__L_DENSE,
  FMNIST__L_KINDS
} fmnist__layer_kind;

/* One parsed token of a layer spec. */
typedef struct fmnist__layer_spec {
  fmnist__layer_kind kind;
  size_t units;  /* dense units, conv filters */
  size_t kernel; /* conv kernel, pool size */
  size_t stride; /* conv stride */
  int same;      /* conv: 1 same padding, 0 valid */
  double rate;   /* dropout rate, noise std; bn: momentum */
  double eps;    /* bn: added to the variance */
} fmnist__layer_spec;

/* Batch-norm defaults ("bn"): running statistics m = 0.99 m + 0.01 batch and
 * eps 1e-3, as Keras; "bn:0.9:1e-5" gives PyTorch's (its momentum 0.1). */
#define FMNIST__BN_MOMENTUM 0.99
#define FMNIST__BN_EPS 1e-3

typedef struct fmnist__layer fmnist__layer;

/* One step of a data-parallel fit as a layer sees it (nn/group.c). The
 * step's global batch of global_n images is split in contiguous shares;
 * this member holds images [first, first + n) of it. */
typedef struct fmnist__group {
  fmnist_allreduce_fn sum;
  void *user;
  size_t rank, ranks;
  size_t global_n, first;
  fmnist_status status; /* the first failure of sum (then no more calls) */
} fmnist__group;

/* Sums buf[len] in place over the group; nothing after a failure. */
void fmnist__group_sum(fmnist__group *g, float *buf, size_t len);
/* Member rank's share [*lo, *hi) of n items split over ranks members in
 * contiguous parts whose sizes differ by at most one. */
void fmnist__group_share(size_t n, size_t rank, size_t ranks, size_t *lo, size_t *hi);

/* What a pass needs besides the layer: mode, randomness, scratch memory. */
typedef struct fmnist__pass {
  int training;      /* dropout/noise active, BN uses batch statistics */
  fmnist__rng *rng;  /* dropout masks and noise (training only) */
  float *scratch;    /* max over layers of scratch_floats(l, n) */
  size_t threads;    /* for the layers' own loops (0 or 1: the caller alone);
                        every split is elementwise, per chunk or per channel,
                        so results do not depend on it */
  fmnist__group *group; /* training in a data-parallel group; NULL: alone */
} fmnist__pass;

typedef struct fmnist__layer_ops {
  /* From l->spec and the input shape: output shape and parameter counts.
   * Invalid combination (kernel larger than the input, ...): E_OPTION with
   * a message (the caller adds the token). */
  fmnist_status (*setup)(fmnist__layer *l);
  /* Initial parameters (NULL: no parameters). glorot: 0 He, 1 Glorot. */
  void (*init)(fmnist__layer *l, fmnist__rng *rng, int glorot);
  /* Bytes the layer keeps from forward to backward for a batch of n (conv
   * cols, pool argmax, dropout mask, bn batch statistics); NULL: none. */
  size_t (*aux_bytes)(const fmnist__layer *l, size_t n);
  /* Floats of temporary memory during a pass for a batch of n; NULL: none. */
  size_t (*scratch_floats)(const fmnist__layer *l, size_t n);
  /* x: in_c x in_h*in_w x n -> y: out_c x out_h*out_w x n. */
  void (*forward)(fmnist__layer *l, const float *x, float *y, void *aux,
                  size_t n, const fmnist__pass *p);
  /* dy -> parameter gradients (l->dw, l->db, overwritten) and, if dx is
   * not NULL, dx. x and y are those of the forward pass. */
  void (*backward)(fmnist__layer *l, const float *x, const float *y,
                   const float *dy, float *dx, void *aux, size_t n,
                   const fmnist__pass *p);
} fmnist__layer_ops;

struct fmnist__layer {
  fmnist__layer_spec spec;
  const fmnist__layer_ops *ops;
  size_t in_c, in_h, in_w;    /* per-sample input shape */
  size_t out_c, out_h, out_w; /* per-sample output shape */
  size_t n_w, n_b;            /* parameter counts (bn: gamma, beta) */
  size_t n_stats;             /* saved non-trained state (bn running stats) */
  size_t pad_t, pad_l;        /* conv padding before the first row/column */
  float *w, *b, *dw, *db;     /* into the net's parameter/gradient arrays */
  float *stats;               /* into the net's statistics array */
  float *wino;                /* conv: the Winograd weights (winograd.h), into
                                 the net's array; NULL where the path does not
                                 apply or is not wanted (conv_algorithm
                                 im2col): then im2col computes every pass */
  size_t fuse;                /* how many of the layers after it (in the same
                                 array) its passes compute (fmnist__fuse); 0:
                                 none */
  int fused;                  /* computed by an earlier layer's passes: the
                                 net skips it (its output and gradient are
                                 never made) */
};

/* A kind in the one table of layer kinds (layer.c): its name and grammar
 * in specs and its ops. */
typedef struct fmnist__layer_kind_desc {
  fmnist__layer_kind kind;
  const char *name;              /* as in specs: "conv" */
  size_t min_fields, max_fields; /* ':'-separated fields, name included */
  const char *usage;             /* for messages: "conv:FILTERS:K[:S[:same|valid]]" */
  const fmnist__layer_ops *ops;
} fmnist__layer_kind_desc;

/* The kind named name, or NULL. */
const fmnist__layer_kind_desc *fmnist__layer_kind_find(const char *name);
/* "noise, conv, ... or dense" into buf (len bytes), for messages. */
void fmnist__layer_kind_list(char *buf, size_t len);
/* Name of a kind as in specs ("conv", "relu", ...). */
const char *fmnist__layer_name(fmnist__layer_kind kind);
/* Floating-point operations of one image's inference pass through l, a
 * multiply and an add counted as two: conv and dense 2 per weight use
 * (the bias taking the place of the first add), bn 2 per value (scale and
 * shift), an activation 1 per value (tanh and sigmoid counted as one),
 * max-pool P*P - 1 comparisons per output; noise, dropout and flatten are
 * the identity. */
uint64_t fmnist__layer_flops(const fmnist__layer *l);
/* Sets l (spec, ops, input shape) and calls setup. Pointers stay NULL. */
fmnist_status fmnist__layer_make(fmnist__layer *l,
                                 const fmnist__layer_spec *spec, size_t c,
                                 size_t h, size_t w);

static inline size_t fmnist__layer_in_size(const fmnist__layer *l) {
  return l->in_c * l->in_h * l->in_w;
}
static inline size_t fmnist__layer_out_size(const fmnist__layer *l) {
  return l->out_c * l->out_h * l->out_w;
}

extern const fmnist__layer_ops fmnist__noise_ops;
extern const fmnist__layer_ops fmnist__conv_ops;
extern const fmnist__layer_ops fmnist__pool_ops;
extern const fmnist__layer_ops fmnist__bn_ops;
extern const fmnist__layer_ops fmnist__dropout_ops;
extern const fmnist__layer_ops fmnist__act_ops; /* relu, tanh, sigmoid */
extern const fmnist__layer_ops fmnist__flatten_ops;
extern const fmnist__layer_ops fmnist__dense_ops;

/* Floats of a conv layer's Winograd weights (0: the path does not apply
 * to it), whether conv_algorithm "auto" takes the path for it
 * (fmnist__winograd_pays), and the weights' refresh from l->w, needed
 * whenever l->w has changed before an inference pass (a training pass
 * refreshes them itself). */
size_t fmnist__conv_winograd_floats(const fmnist__layer *l);
int fmnist__conv_winograd_pays(const fmnist__layer *l);
void fmnist__conv_winograd_prepare(fmnist__layer *l);

/* ---- fused tails (nn/layer_tail.c) ----
 * A batch norm followed by a relu, or a relu, computes the max-pool and
 * dropout that follow (a conv block's tail) in its own per-channel passes,
 * in one pass over the data instead of one per layer. The results are the
 * layers' own, bit for bit; what is saved is the memory traffic of the
 * intermediate activations, which are never stored. */

/* Marks the layers after l that it computes (l is the first of `count`
 * layers in an array, a net's): sets l->fuse and their `fused`; returns
 * how many. */
size_t fmnist__fuse(fmnist__layer *l, size_t count);

/* The fused layers after a head: a max-pool of size `pool` (0: none), a
 * dropout `drop` (NULL: none), the last one's output shape, and in a pass
 * the dropout's keep flags (NULL: every value kept) and their scale, and
 * in training the place of each pooled value in its window (`arg`: the
 * first maximum, r*pool + s, or FMNIST__TAIL_NONE where the maximum is
 * not above 0, so no gradient passes), kept from forward to backward. */
typedef struct fmnist__tail {
  size_t pool;
  const fmnist__layer *drop;
  size_t out_h, out_w;
  uint8_t *keep;
  float *arg;
  float drop_scale;
} fmnist__tail;
#define FMNIST__TAIL_NONE (-1.0f)
/* The tail's shape (no flags). */
fmnist__tail fmnist__tail_of(const fmnist__layer *l);
/* Bytes a head keeps for its tail from forward to backward for n images:
 * a fused dropout's keep flags and a fused max-pool's window places
 * (0: none). */
size_t fmnist__tail_keep_bytes(const fmnist__layer *l, size_t n);
/* The tail for a pass over n images, its flags and places in `kept`
 * (keep_bytes of the head's memory): keep when the pass drops (training,
 * a rate above 0), drawn here if `draw` (the forward pass, where the
 * dropout layer would draw); arg in every pass (a float-aligned kept). */
fmnist__tail fmnist__tail_pass(const fmnist__layer *l, uint8_t *kept, size_t n,
                               const fmnist__pass *p, int draw);

/* The tail of chunk q of a pass: its flags from the chunk's start. */
fmnist__tail fmnist__tail_chunk(const fmnist__layer *l, const fmnist__tail *t, size_t q);

/* Channel c of a chunk of the head's output (t: the chunk's tail, n: its
 * images): y (out_h x out_w x n) = the tail of
 * relu(x * scale + shift), x the channel's in_h x in_w x n values. */
void fmnist__tail_forward(const fmnist__layer *l, const fmnist__tail *t, size_t c,
                          const float *x, size_t n, float scale, float shift, float *y);
/* Its adjoint: from dy at the tail's output, g (in_h x in_w x n) = the
 * gradient at x * scale + shift, back through the dropout, the max-pool
 * (to each window's first maximum, kept in t->arg by the forward pass)
 * and the relu; spare holds out_h*out_w*n floats. */
void fmnist__tail_backward(const fmnist__layer *l, const fmnist__tail *t, size_t c,
                           const float *x, size_t n, float scale, float shift, const float *dy,
                           float *g, float *spare);

/* Noise and dropout draw an image's values in blocks of FMNIST__VALUE_BLOCK
 * (its values in the activations' order, 2 per 64-bit draw), each block
 * from its own sub-stream: tasks take a chunk's blocks, so each writes
 * whole runs of a pixel's images (no cache line shared with another
 * task), the result does not depend on the thread count, and a member of a
 * data-parallel group draws just its own images' blocks. The stream's
 * index: the image's place in the step's batch, then the block. */
#define FMNIST__VALUE_BLOCK 256
/* What a layer draws for the cnt images of chunk q (their generators
 * r[0..cnt), advancing together so that a value's draws are written as
 * one run) and their values [v0, v1). */
typedef void (*fmnist__values_fn)(void *ctx, fmnist__rng *r, size_t q, size_t cnt, size_t v0,
                                  size_t v1);
/* Draws a training pass's values of n images of `values` each in `space`
 * (noise or dropout): takes the step's seed from p->rng and calls fn for
 * every chunk and block, spread over p->threads. */
void fmnist__draw_values(const fmnist__pass *p, fmnist__stream_space space, size_t n,
                         size_t values, fmnist__values_fn fn, void *ctx);

/* A dropout layer's keep flags (uint8, its input's layout) for a training
 * pass over n images, drawing the layer's seed from p->rng as its forward
 * pass does; and the scale of the values it keeps. */
void fmnist__dropout_draw(const fmnist__layer *l, uint8_t *keep, size_t n, const fmnist__pass *p);
float fmnist__dropout_scale(const fmnist__layer *l);

/* Helpers shared by the parameterised layers. */
/* He normal (std sqrt(2/fan_in)) or Glorot uniform
 * (+-sqrt(6/(fan_in+fan_out))) into w[n]. */
void fmnist__layer_init_weights(float *w, size_t n, size_t fan_in,
                                size_t fan_out, int glorot, fmnist__rng *rng);
/* y[r][j] += b[r] for rows r < rows of length cols (a chunk's F x P*k);
 * rows split over up to `threads` threads, with unchanged results. */
void fmnist__add_bias(float *y, const float *b, size_t rows, size_t cols, size_t threads);
/* db[r] = the sum of row r of dy over the batch: dy holds n images of rows
 * x per values each (a conv's F x H_out*W_out, a dense layer's U x 1),
 * the chunks' sums added in chunk order; rows split over `threads`. */
void fmnist__sum_rows(const float *dy, size_t rows, size_t per, size_t n, float *db,
                      size_t threads);

/* fn(ctx, q, threads) for every chunk q of a batch of n images: with at
 * least as many chunks as threads, the chunks in parallel (each call on
 * one thread: threads = 1); else one after the other, each call with all
 * of them (for its sgemms). Calls write disjoint outputs; their results
 * must not depend on `threads`. */
typedef void (*fmnist__chunk_fn)(void *ctx, size_t q, size_t threads);
void fmnist__for_chunks(size_t threads, size_t n, fmnist__chunk_fn fn, void *ctx);

#endif
