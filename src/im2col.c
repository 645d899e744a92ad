/* im2col / col2im: lay conv input patches out as columns for one sgemm. */
#include "vectorize.h"  /* first: applies to the whole file */
/* Rows are short (28 floats and less): inline copy loops beat memcpy and
 * memset calls, which gcc would otherwise substitute for them. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#endif
#include "im2col.h"

#include <string.h>

#include "layer.h"
#include "threads.h"

/* Output columns ox whose input column ox*s - pad_l + j lies in [0, w):
 * [*lo, *hi). */
static void valid_range(const fmnist__conv_geom *g, size_t j, size_t *lo,
                        size_t *hi) {
  /* ix = ox*s + j - pad_l >= 0  <=>  ox >= ceil((pad_l - j) / s) */
  size_t a = g->pad_l > j ? (g->pad_l - j + g->s - 1) / g->s : 0;
  /* ix < w  <=>  ox*s < w + pad_l - j */
  size_t lim = g->w + g->pad_l;
  size_t b = lim > j ? (lim - j + g->s - 1) / g->s : 0;
  if (b > g->w_out) b = g->w_out;
  if (a > b) a = b;
  *lo = a;
  *hi = b;
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
  const float *x = job->src;
  float *cols = job->dst;
  const size_t hw = g->h * g->w, plane = g->h_out * g->w_out;
  const size_t ncols = g->n * plane;
  for (size_t r = r0; r < r1; r++) {
    const size_t c = r / (g->k * g->k), i = r / g->k % g->k, j = r % g->k;
    float *row = cols + ((c * g->k + i) * g->k + j) * ncols;
    size_t lo, hi;
    valid_range(g, j, &lo, &hi);
    for (size_t n = 0; n < g->n; n++) {
      const float *img = x + (c * g->n + n) * hw;
      for (size_t oy = 0; oy < g->h_out; oy++) {
        float *out = row + (n * g->h_out + oy) * g->w_out;
        size_t iy = oy * g->s + i; /* minus pad_t */
        if (iy < g->pad_t || iy - g->pad_t >= g->h || lo == hi) {
          for (size_t ox = 0; ox < g->w_out; ox++) out[ox] = 0;
          continue;
        }
        const float *in = img + (iy - g->pad_t) * g->w;
        for (size_t ox = 0; ox < lo; ox++) out[ox] = 0;
        if (g->s == 1) {
          const float *src = in + (lo + j - g->pad_l); /* lo + j >= pad_l */
          float *dst = out + lo;
          for (size_t ox = 0; ox < hi - lo; ox++) dst[ox] = src[ox];
        } else {
          for (size_t ox = lo; ox < hi; ox++) out[ox] = in[ox * g->s + j - g->pad_l];
        }
        for (size_t ox = hi; ox < g->w_out; ox++) out[ox] = 0;
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
  const float *dcols = job->src;
  float *dx = job->dst;
  const size_t hw = g->h * g->w, plane = g->h_out * g->w_out;
  const size_t ncols = g->n * plane;
  memset(dx + c0 * g->n * hw, 0, (c1 - c0) * g->n * hw * sizeof *dx);
  for (size_t c = c0; c < c1; c++)
    for (size_t i = 0; i < g->k; i++)
      for (size_t j = 0; j < g->k; j++) {
        const float *row = dcols + ((c * g->k + i) * g->k + j) * ncols;
        size_t lo, hi;
        valid_range(g, j, &lo, &hi);
        if (lo == hi) continue;
        for (size_t n = 0; n < g->n; n++) {
          float *img = dx + (c * g->n + n) * hw;
          for (size_t oy = 0; oy < g->h_out; oy++) {
            size_t iy = oy * g->s + i;
            if (iy < g->pad_t || iy - g->pad_t >= g->h) continue;
            const float *src = row + (n * g->h_out + oy) * g->w_out;
            float *out = img + (iy - g->pad_t) * g->w;
            /* ox >= lo guarantees ox*s + j >= pad_l */
            if (g->s == 1) {
              for (size_t ox = lo; ox < hi; ox++) out[ox + j - g->pad_l] += src[ox];
            } else {
              for (size_t ox = lo; ox < hi; ox++) out[ox * g->s + j - g->pad_l] += src[ox];
            }
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
