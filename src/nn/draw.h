/* Value draws of the training passes (nn/draw.c): the noise layer's
 * normals and the dropout flags, drawn the same wherever they are computed
 * (a dropout layer, or a fused tail that computes it).
 *
 * Noise and dropout draw an image's values in blocks of FMNIST__VALUE_BLOCK
 * (its values in the activations' order, 2 per 64-bit draw), each block
 * from its own sub-stream: tasks take a chunk's blocks, so each writes
 * whole runs of a pixel's images (no cache line shared with another
 * task), the result does not depend on the thread count, and a member of a
 * data-parallel group draws just its own images' blocks. The stream's
 * index: the image's place in the step's batch, then the block. */
#ifndef FMNIST_SRC_NN_DRAW_H
#define FMNIST_SRC_NN_DRAW_H

#include <stddef.h>
#include <stdint.h>

#include "base/rng.h"
#include "nn/layer.h"

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
 * pass does (nn/layer_dropout.c); and the scale of the values it keeps. */
void fmnist__dropout_draw(const fmnist__layer *l, uint8_t *keep, size_t n, const fmnist__pass *p);
float fmnist__dropout_scale(const fmnist__layer *l);

#endif
