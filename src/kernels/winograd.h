/* Winograd F(4x4, 3x3) convolution (Lavin & Gray, "Fast Algorithms for
 * Convolutional Neural Networks", 2016), forward and backward.
 *
 * A 3x3 "same" stride-1 convolution computes each 4x4 block of outputs
 * from a 6x6 input tile with 36 multiplications instead of 144: weights
 * and tiles are transformed (U = G g G^T, V = B^T d B), multiplied
 * elementwise per tile position xi in 0..35 — which, summed over input
 * channels, is 36 cblas_sgemm products U[xi] (F x C) * V[xi] (C x tiles) —
 * and the products transformed back (Y = A^T M A). Training runs the
 * adjoint of each step in reverse: dM = A dY A^T, dU[xi] = dM[xi] V[xi]^T
 * and dV[xi] = U[xi]^T dM[xi] (72 more products), dw = G^T dU G and dx =
 * B dV B^T summed over the overlapping tiles. Results equal im2col's up to
 * float rounding: relative errors of 2e-7 to 3e-6 against the direct
 * loops in double (tests/internal_layers.c, up to 128 channels); the
 * transforms' coefficients (up to 8, and 1/6, 1/24) cost about a decimal
 * digit against F(2x2, 3x3). */
#ifndef FMNIST_SRC_KERNELS_WINOGRAD_H
#define FMNIST_SRC_KERNELS_WINOGRAD_H

#include <stddef.h>

#include "kernels/im2col.h"

/* Whether g is a convolution this path computes: 3x3, stride 1, output
 * the input's size (one zero row/column of padding each side), and at
 * least 8 input channels (the channels are the inner dimension of the 16
 * products: with a handful, sgemm is far from its peak; a first layer on
 * the one-channel image stays with im2col's single product of depth 9). */
int fmnist__winograd_applies(const fmnist__conv_geom *g);

/* Whether conv_algorithm "auto" takes this path for g: where it applies
 * and takes at most 0.4 of im2col's multiplications (36 per 4x4 output
 * tile against 9 per output), so on planes of 4x4 and of 7x7 and more but
 * not 3x3, 5x5 or 6x6, whose tiles lie mostly outside the plane (on the
 * final CNN's 3x3 plane of 128 channels, 0.44 of the multiplications in
 * products at 40-58 % of sgemm's peak, against im2col's 80-89 %). */
int fmnist__winograd_pays(const fmnist__conv_geom *g);

/* Floats of the transformed weights of f filters over c channels. */
size_t fmnist__winograd_weight_floats(size_t c, size_t f);

/* U (36 blocks of f x c, one per 6x6 tile position, a cache line apart
 * beyond their size) = G g G^T of every 3x3 filter g of w (f x c*3*3, as the
 * conv layer stores it): computed once per set of weights (per training
 * step, or once for inference), not per pass; on up to `threads` threads. */
void fmnist__winograd_weights(size_t c, size_t f, const float *w, float *u, size_t threads);

/* Floats of workspace fmnist__winograd_conv and fmnist__winograd_backward
 * need for f filters. */
size_t fmnist__winograd_floats(const fmnist__conv_geom *g, size_t f);

/* y (f x H*W*N, the layout of x: nn/layer.h) = conv(x, w) + b, from u =
 * fmnist__winograd_weights(w); ws holds winograd_floats floats. Splits its
 * work over `threads`; the result does not depend on it. The same pass
 * serves training: nothing is kept for the backward pass, which
 * transforms x again. */
void fmnist__winograd_conv(const fmnist__conv_geom *g, size_t f, const float *u,
                           const float *b, const float *x, float *y, float *ws, size_t threads);

/* From the forward pass's x and u and the gradient dy (f x H*W*N): dw
 * (f x c*3*3, overwritten) and, if dx is not NULL, dx (c x H*W*N); ws
 * holds winograd_floats floats. The bias gradient is the row sums of dy. */
void fmnist__winograd_backward(const fmnist__conv_geom *g, size_t f, const float *u,
                               const float *x, const float *dy, float *dw, float *dx, float *ws,
                               size_t threads);

#endif
