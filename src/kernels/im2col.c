/* im2col / col2im: lay conv input patches out as columns for one sgemm. */
#include "base/vectorize.h"  /* first: applies to the whole file */
/* Rows are short (28 floats and less): inline copy loops beat memcpy and
 * memset calls, which gcc would otherwise substitute for them. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#endif
#include "kernels/im2col.h"

#include <stddef.h>
#include <string.h>

#include "base/threads.h"

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

/* One image's plane of cols row (i, j) when the output has the input's
 * width and stride is 1 ("same"): the valid output rows are one flat,
 * contiguous copy of the input shifted by (i - pad_t) rows and
 * (j - pad_l) columns, after which the columns the shift wrapped across
 * row ends are zeroed. Far fewer, longer loops than row by row. */
static void same_plane(const fmnist__conv_geom *g, const float *img, size_t i, size_t j,
                       size_t lo, size_t hi, float *out) {
  const size_t w = g->w, h_out = g->h_out;
  size_t oy0 = g->pad_t > i ? g->pad_t - i : 0;
  size_t oy1 = g->h + g->pad_t > i ? g->h + g->pad_t - i : 0;
  if (oy1 > h_out) oy1 = h_out;
  if (oy0 > oy1) oy0 = oy1;
  for (size_t o = 0; o < oy0 * w; o++) out[o] = 0;
  for (size_t o = oy1 * w; o < h_out * w; o++) out[o] = 0;
  if (oy0 == oy1) return;
  /* out[o] = img[o + shift] for o in [oy0*w, oy1*w), where the source
   * lies inside the plane; outside it are only edge columns. */
  const ptrdiff_t shift =
      ((ptrdiff_t)i - (ptrdiff_t)g->pad_t) * (ptrdiff_t)w + ((ptrdiff_t)j - (ptrdiff_t)g->pad_l);
  ptrdiff_t o0 = (ptrdiff_t)(oy0 * w), o1 = (ptrdiff_t)(oy1 * w);
  const ptrdiff_t n_in = (ptrdiff_t)(g->h * w);
  if (o0 + shift < 0) o0 = -shift;
  if (o1 + shift > n_in) o1 = n_in - shift;
  for (ptrdiff_t o = (ptrdiff_t)(oy0 * w); o < o0; o++) out[o] = 0;
  for (ptrdiff_t o = o1; o < (ptrdiff_t)(oy1 * w); o++) out[o] = 0;
  const float *src = img + (o0 + shift);
  float *dst = out + o0;
  for (ptrdiff_t o = 0; o < o1 - o0; o++) dst[o] = src[o];
  if (lo > 0 || hi < w)
    for (size_t oy = oy0; oy < oy1; oy++) {
      for (size_t ox = 0; ox < lo; ox++) out[oy * w + ox] = 0;
      for (size_t ox = hi; ox < w; ox++) out[oy * w + ox] = 0;
    }
}

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
    const int same = g->s == 1 && g->w_out == g->w;
    for (size_t n = 0; n < g->n; n++) {
      const float *img = x + (c * g->n + n) * hw;
      if (same) {
        same_plane(g, img, i, j, lo, hi, row + n * plane);
        continue;
      }
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
