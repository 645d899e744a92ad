/* What a layer of the "net" family is and does: its kinds and spec, its
 * shapes and parameters, its forward and backward passes over a whole
 * mini-batch (ops), the one table of kinds, and the helpers the layers
 * share. What a pass gives a layer is in nn/pass.h, fused tails in
 * nn/layer_tail.h, value draws in nn/draw.h, the conv layer's Winograd
 * weights in nn/layer_conv.h.
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
 * images is plain CHWN (kernels/layout.h finds chunks and values). Sums
 * over the batch (batch-norm statistics, parameter gradients) add the
 * chunks' parts in chunk order, so results do not depend on the thread
 * count. */
#ifndef FMNIST_SRC_NN_LAYER_H
#define FMNIST_SRC_NN_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "base/rng.h"
#include "fmnist/base.h"

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
  FMNIST__L_RES, /* a residual block's opening: its input goes on to both paths */
  FMNIST__L_ADD, /* a block's closing: the sum of its two paths */
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
/* What a pass gives the layers (nn/pass.h). */
typedef struct fmnist__pass fmnist__pass;

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
  /* x: in_c x in_h*in_w x n -> y: out_c x out_h*out_w x n. NULL for a
   * block's res(: its output is its input, which the layers after it read
   * (l->from). */
  void (*forward)(fmnist__layer *l, const float *x, float *y, void *aux,
                  size_t n, const fmnist__pass *p);
  /* dy -> parameter gradients (l->dw, l->db, overwritten) and, if dx is
   * not NULL, dx. x and y are those of the forward pass. NULL for a
   * block's add: the gradient at its output is the gradient at both its
   * terms, which the net's backward pass hands on as it is. */
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
  /* Where a layer of a net reads (fmnist__net_build): its input is the
   * output of layer from - 1 of the net's array, or the net's input if
   * from is 0. That is the layer before it (from = its own index), but a
   * block's first layer and its projection read the block's input. An
   * add's second term comes from add_from, the same way: the block's
   * input, or the projection's output. */
  size_t from, add_from;
  int skip;                   /* on a block's skip path (its projection),
                                 its place there: 1 the 1x1 conv, 2 its bn;
                                 0: elsewhere */
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

/* The kind named name, or NULL (an add is no token: ')' closes a block). */
const fmnist__layer_kind_desc *fmnist__layer_kind_find(const char *name);
/* "noise, conv, ..., dense or res( ... )" into buf (len bytes), for
 * messages. */
void fmnist__layer_kind_list(char *buf, size_t len);
/* Name of a kind as in specs ("conv", "relu", ...). */
const char *fmnist__layer_name(fmnist__layer_kind kind);
/* Floating-point operations of one image's inference pass through l, a
 * multiply and an add counted as two: conv and dense 2 per weight use
 * (the bias taking the place of the first add), bn 2 per value (scale and
 * shift), an activation 1 per value (tanh and sigmoid counted as one),
 * max-pool P*P - 1 comparisons per output, an add 1 per value; noise,
 * dropout, flatten and res( are the identity. */
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
extern const fmnist__layer_ops fmnist__res_ops;
extern const fmnist__layer_ops fmnist__add_ops;

/* ---- helpers shared by the layers ---- */

/* A setup whose output has the input's shape (noise, dropout, the
 * activations). */
fmnist_status fmnist__layer_same_shape(fmnist__layer *l);
/* A backward pass whose gradient is the identity (flatten, noise): dx = dy. */
void fmnist__layer_identity_backward(fmnist__layer *l, const float *x, const float *y,
                                     const float *dy, float *dx, void *aux, size_t n,
                                     const fmnist__pass *p);
/* A member of a data-parallel group may hold no image of a step (n = 0:
 * fewer images than members): then a parameterised layer's backward pass
 * only zeroes its gradients, which the step's sum over the group adds.
 * Returns whether n is 0 (and the gradients were zeroed). */
int fmnist__layer_no_images(fmnist__layer *l, size_t n);

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
