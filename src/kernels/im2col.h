/* im2col / col2im over N images in C x H x W x N (a chunk of the nets'
 * layout: kernels/layout.h).
 *
 * x: C x H x W x N. cols: (C*k*k) x (H_out*W_out*N); row (c*k + i)*k + j
 * holds, for every output position (oy, ox, n), the input pixel
 * x[c][oy*s - pad_t + i][ox*s - pad_l + j][n], or 0 outside the image: a
 * run of N images per output pixel, copied or zeroed whole. */
#ifndef FMNIST_SRC_KERNELS_IM2COL_H
#define FMNIST_SRC_KERNELS_IM2COL_H

#include <stddef.h>

typedef struct fmnist__conv_geom {
  size_t c, n, h, w;     /* input */
  size_t k, s;           /* kernel, stride */
  size_t pad_t, pad_l;   /* zero rows/columns before the image */
  size_t h_out, w_out;
} fmnist__conv_geom;

/* Both split their work over `threads` (rows of cols, channels of dx);
 * results do not depend on it. */
void fmnist__im2col(const fmnist__conv_geom *g, const float *x, float *cols, size_t threads);
/* dx = col2im(dcols): every cols entry added back to the pixel it came
 * from (dx is overwritten, not accumulated into). */
void fmnist__col2im(const fmnist__conv_geom *g, const float *dcols, float *dx, size_t threads);

#endif
