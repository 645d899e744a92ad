/* Fused tails (nn/layer_tail.c): a batch norm followed by a relu, or a
 * relu, computes the max-pool and dropout that follow (a conv block's
 * tail) in its own per-channel passes, in one pass over the data instead
 * of one per layer. The results are the layers' own, bit for bit; what is
 * saved is the memory traffic of the intermediate activations, which are
 * never stored. */
#ifndef FMNIST_SRC_NN_LAYER_TAIL_H
#define FMNIST_SRC_NN_LAYER_TAIL_H

#include <stddef.h>
#include <stdint.h>

#include "nn/layer.h"

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

#endif
