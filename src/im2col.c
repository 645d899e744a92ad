/* im2col / col2im: lay conv input patches out as columns for one sgemm. */
#include "vectorize.h"  /* first: applies to the whole file */
#include "im2col.h"

#include <string.h>

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

void fmnist__im2col(const fmnist__conv_geom *g, const float *x, float *cols) {
  const size_t hw = g->h * g->w, plane = g->h_out * g->w_out;
  const size_t ncols = g->n * plane;
  for (size_t c = 0; c < g->c; c++)
    for (size_t i = 0; i < g->k; i++)
      for (size_t j = 0; j < g->k; j++) {
        float *row = cols + ((c * g->k + i) * g->k + j) * ncols;
        size_t lo, hi;
        valid_range(g, j, &lo, &hi);
        for (size_t n = 0; n < g->n; n++) {
          const float *img = x + (c * g->n + n) * hw;
          for (size_t oy = 0; oy < g->h_out; oy++) {
            float *out = row + (n * g->h_out + oy) * g->w_out;
            size_t iy = oy * g->s + i; /* minus pad_t */
            if (iy < g->pad_t || iy - g->pad_t >= g->h || lo == hi) {
              memset(out, 0, g->w_out * sizeof *out);
              continue;
            }
            const float *in = img + (iy - g->pad_t) * g->w;
            for (size_t ox = 0; ox < lo; ox++) out[ox] = 0;
            if (g->s == 1) {
              memcpy(out + lo, in + (lo + j - g->pad_l), (hi - lo) * sizeof *out);
            } else {
              for (size_t ox = lo; ox < hi; ox++) out[ox] = in[ox * g->s + j - g->pad_l];
            }
            for (size_t ox = hi; ox < g->w_out; ox++) out[ox] = 0;
          }
        }
      }
}

void fmnist__col2im(const fmnist__conv_geom *g, const float *dcols, float *dx) {
  const size_t hw = g->h * g->w, plane = g->h_out * g->w_out;
  const size_t ncols = g->n * plane;
  memset(dx, 0, g->c * g->n * hw * sizeof *dx);
  for (size_t c = 0; c < g->c; c++)
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
