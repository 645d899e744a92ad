/* im2col / col2im: lay conv input patches out as columns for one sgemm. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include "kernels/im2col.h"

#include <stddef.h>
#include <string.h>

#include "base/threads.h"

/* The input coordinate of output coordinate o at kernel offset i, or -1
 * outside [0, len). */
static ptrdiff_t source(size_t o, size_t s, size_t i, size_t pad, size_t len) {
  const ptrdiff_t at = (ptrdiff_t)(o * s + i) - (ptrdiff_t)pad;
  return at >= 0 && at < (ptrdiff_t)len ? at : -1;
}

/* A pass over rows [lo, hi) of cols (im2col) or channels [lo, hi) of dx
 * (col2im): disjoint outputs, each computed whole by one task. */
typedef struct cols_job {
  const fmnist__conv_geom *g;
  const float *src;
  float *dst;
} cols_job;

static void im2col_rows(void *ctx, size_t r0, size_t r1) {
  const cols_job *job = ctx;
  const fmnist__conv_geom *g = job->g;
  const size_t n = g->n, k = g->k;
  for (size_t r = r0; r < r1; r++) {
    const size_t c = r / (k * k), i = r / k % k, j = r % k;
    float *out = job->dst + r * g->h_out * g->w_out * n;
    for (size_t oy = 0; oy < g->h_out; oy++) {
      const ptrdiff_t iy = source(oy, g->s, i, g->pad_t, g->h);
      for (size_t ox = 0; ox < g->w_out; ox++, out += n) {
        const ptrdiff_t ix = iy < 0 ? -1 : source(ox, g->s, j, g->pad_l, g->w);
        if (ix < 0) {
          for (size_t b = 0; b < n; b++) out[b] = 0;
          continue;
        }
        const float *in = job->src + ((c * g->h + (size_t)iy) * g->w + (size_t)ix) * n;
        for (size_t b = 0; b < n; b++) out[b] = in[b];
      }
    }
  }
}

void fmnist__im2col(const fmnist__conv_geom *g, const float *x, float *cols, size_t threads) {
  cols_job job = {g, x, cols};
  size_t ncols = g->n * g->h_out * g->w_out;
  fmnist__parallel_range(threads, g->c * g->k * g->k, FMNIST__PAR_GRAIN / ncols + 1, im2col_rows,
                         &job);
}

static void col2im_channels(void *ctx, size_t c0, size_t c1) {
  const cols_job *job = ctx;
  const fmnist__conv_geom *g = job->g;
  const size_t n = g->n, k = g->k, plane = g->h * g->w * n;
  memset(job->dst + c0 * plane, 0, (c1 - c0) * plane * sizeof *job->dst);
  for (size_t c = c0; c < c1; c++)
    for (size_t i = 0; i < k; i++)
      for (size_t j = 0; j < k; j++) {
        const float *in = job->src + ((c * k + i) * k + j) * g->h_out * g->w_out * n;
        for (size_t oy = 0; oy < g->h_out; oy++) {
          const ptrdiff_t iy = source(oy, g->s, i, g->pad_t, g->h);
          for (size_t ox = 0; ox < g->w_out; ox++, in += n) {
            const ptrdiff_t ix = iy < 0 ? -1 : source(ox, g->s, j, g->pad_l, g->w);
            if (ix < 0) continue;
            float *out = job->dst + ((c * g->h + (size_t)iy) * g->w + (size_t)ix) * n;
            for (size_t b = 0; b < n; b++) out[b] += in[b];
          }
        }
      }
}

void fmnist__col2im(const fmnist__conv_geom *g, const float *dcols, float *dx, size_t threads) {
  cols_job job = {g, dcols, dx};
  size_t per_channel = g->k * g->k * g->n * g->h_out * g->w_out;
  fmnist__parallel_range(threads, g->c, FMNIST__PAR_GRAIN / per_channel + 1, col2im_channels,
                         &job);
}
