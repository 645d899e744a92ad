/* Winograd F(2x2, 3x3) convolution for inference (see winograd.h).
 *
 * Tiles: the output is cut into 2x2 blocks, th = ceil(H/2) by tw =
 * ceil(W/2) per image; tile (ty, tx) of image n is column t = pos*N + n,
 * pos = ty*tw + tx, of T = th*tw*N: the images of a chunk side by side, so
 * that every transform runs on vectors of N values. Weights U: 16 x F x C;
 * row xi = 4r + s of a 4x4 tile position.
 * Workspace: P (C x (2th+2) x (2tw+2) x N: each plane with a zero border,
 * image index innermost), V (16 x C x T), M (16 x F x T). The 16 blocks of
 * V and of M lie WINO_SKEW floats further apart than their size: at
 * multiples of 4 KiB (as 64 x 784 floats are), the 16 rows a tile reads or
 * writes would all fall into the same L1 cache set.
 *
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
 *   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   A^T = [1 1 1 0; 0 1 -1 -1] */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include "kernels/winograd.h"

#include "base/threads.h"
#include "kernels/gemm.h"

/* Images per vector block in the transforms (their local arrays). */
#define WINO_BLOCK 16
/* One cache line (see above). */
#define WINO_SKEW 16

typedef struct wino_job {
  const fmnist__conv_geom *g;
  size_t f, th, tw, tiles;
  size_t vs, ms; /* distance of consecutive blocks xi of V and M */
  const float *u, *b, *x;
  float *y, *p, *v, *m;
} wino_job;

int fmnist__winograd_applies(const fmnist__conv_geom *g) {
  return g->k == 3 && g->s == 1 && g->pad_t == 1 && g->pad_l == 1 && g->h_out == g->h &&
         g->w_out == g->w && g->c >= 8;
}

static size_t padded_plane(const fmnist__conv_geom *g) {
  return (2 * ((g->h + 1) / 2) + 2) * (2 * ((g->w + 1) / 2) + 2) * g->n;
}

static size_t tiles_of(const fmnist__conv_geom *g) {
  return ((g->h + 1) / 2) * ((g->w + 1) / 2) * g->n;
}

size_t fmnist__winograd_floats(const fmnist__conv_geom *g, size_t f) {
  return g->c * padded_plane(g) + 16 * ((g->c + f) * tiles_of(g) + 2 * WINO_SKEW);
}

size_t fmnist__winograd_weight_floats(size_t c, size_t f) { return 16 * f * c; }

/* U[xi][k][c] = (G g G^T)[r][s]. */
void fmnist__winograd_weights(size_t c_in, size_t f, const float *w, float *u) {
  for (size_t k = 0; k < f; k++)
    for (size_t c = 0; c < c_in; c++) {
      const float *g = w + (k * c_in + c) * 9;
      float gg[4][3];
      for (size_t col = 0; col < 3; col++) {
        const float a = g[col], b = g[3 + col], d = g[6 + col];
        gg[0][col] = a;
        gg[1][col] = 0.5f * (a + b + d);
        gg[2][col] = 0.5f * (a - b + d);
        gg[3][col] = d;
      }
      for (size_t r = 0; r < 4; r++) {
        const float a = gg[r][0], b = gg[r][1], d = gg[r][2];
        const float row[4] = {a, 0.5f * (a + b + d), 0.5f * (a - b + d), d};
        for (size_t s = 0; s < 4; s++) u[((r * 4 + s) * f + k) * c_in + c] = row[s];
      }
    }
}

/* For channels [lo, hi): P, then V[xi][c] = (B^T d B)[r][s] of every tile. */
static void transform_input(void *ctx, size_t lo, size_t hi) {
  const wino_job *j = ctx;
  const fmnist__conv_geom *g = j->g;
  const size_t tiles = j->tiles, th = j->th, tw = j->tw, h = g->h, w = g->w;
  const size_t nn = g->n, ph = 2 * th + 2, pw = 2 * tw + 2, xs = j->vs;
  for (size_t c = lo; c < hi; c++) {
    /* P[c][py][px][n] = x[c][n][py - 1][px - 1], 0 outside the image. */
    float *p = j->p + c * ph * pw * nn;
    for (size_t py = 0; py < ph; py++) {
      float *prow = p + py * pw * nn;
      if (py == 0 || py > h) {
        for (size_t i = 0; i < pw * nn; i++) prow[i] = 0;
        continue;
      }
      for (size_t i = 0; i < nn; i++) prow[i] = 0;
      for (size_t i = (w + 1) * nn; i < pw * nn; i++) prow[i] = 0;
      for (size_t n = 0; n < nn; n++) {
        const float *src = j->x + ((c * nn + n) * h + py - 1) * w;
        for (size_t ix = 0; ix < w; ix++) prow[(ix + 1) * nn + n] = src[ix];
      }
    }
    float *v = j->v + c * tiles; /* V[xi][c][t] = v[xi * xs + t] */
    for (size_t ty = 0; ty < th; ty++)
      for (size_t tx = 0; tx < tw; tx++) {
        const float *d = p + (2 * ty * pw + 2 * tx) * nn; /* d[(r*pw + s)*nn + n] */
        float *out = v + (ty * tw + tx) * nn;
        for (size_t n0 = 0; n0 < nn; n0 += WINO_BLOCK) {
          const size_t nb = nn - n0 < WINO_BLOCK ? nn - n0 : WINO_BLOCK;
          float e[16][WINO_BLOCK]; /* B^T d, along r: e[4r + s] */
          for (size_t s = 0; s < 4; s++) {
            const float *d0 = d + s * nn + n0, *d1 = d0 + pw * nn, *d2 = d1 + pw * nn,
                        *d3 = d2 + pw * nn;
            for (size_t i = 0; i < nb; i++) {
              e[s][i] = d0[i] - d2[i];
              e[4 + s][i] = d1[i] + d2[i];
              e[8 + s][i] = d2[i] - d1[i];
              e[12 + s][i] = d1[i] - d3[i];
            }
          }
          for (size_t r = 0; r < 4; r++) { /* (B^T d) B, along s */
            const float *e0 = e[4 * r], *e1 = e[4 * r + 1], *e2 = e[4 * r + 2],
                        *e3 = e[4 * r + 3];
            float *o = out + 4 * r * xs + n0;
            for (size_t i = 0; i < nb; i++) {
              o[i] = e0[i] - e2[i];
              o[xs + i] = e1[i] + e2[i];
              o[2 * xs + i] = e2[i] - e1[i];
              o[3 * xs + i] = e1[i] - e3[i];
            }
          }
        }
      }
  }
}

/* M[xi] = U[xi] * V[xi]: task xi. */
static void multiply(void *ctx, size_t xi) {
  const wino_job *j = ctx;
  const size_t c_in = j->g->c, f = j->f, tiles = j->tiles;
  fmnist__sgemm(0, 0, f, tiles, c_in, 1.0f, j->u + xi * f * c_in, c_in, j->v + xi * j->vs,
                tiles, 0.0f, j->m + xi * j->ms, tiles);
}

/* y[k] = A^T M A + b[k] of every tile, for filters [lo, hi); the 2x2
 * blocks of the last tile row or column may stick out of the image. */
static void transform_output(void *ctx, size_t lo, size_t hi) {
  const wino_job *j = ctx;
  const fmnist__conv_geom *g = j->g;
  const size_t tiles = j->tiles, th = j->th, tw = j->tw, h = g->h, w = g->w;
  const size_t nn = g->n, xs = j->ms;
  for (size_t k = lo; k < hi; k++) {
    const float bias = j->b[k];
    float *yk = j->y + k * nn * h * w;
    for (size_t ty = 0; ty < th; ty++)
      for (size_t tx = 0; tx < tw; tx++) {
        const float *in = j->m + k * tiles + (ty * tw + tx) * nn;
        const size_t oy = 2 * ty, ox = 2 * tx;
        for (size_t n0 = 0; n0 < nn; n0 += WINO_BLOCK) {
          const size_t nb = nn - n0 < WINO_BLOCK ? nn - n0 : WINO_BLOCK;
          float u[8][WINO_BLOCK]; /* M A, along s: u[2r + b] */
          for (size_t r = 0; r < 4; r++) {
            const float *m0 = in + 4 * r * xs + n0, *m1 = m0 + xs, *m2 = m1 + xs, *m3 = m2 + xs;
            for (size_t i = 0; i < nb; i++) {
              u[2 * r][i] = m0[i] + m1[i] + m2[i];
              u[2 * r + 1][i] = m1[i] - m2[i] - m3[i];
            }
          }
          float out[4][WINO_BLOCK]; /* A^T (M A), along r: out[2a + b] */
          for (size_t b = 0; b < 2; b++)
            for (size_t i = 0; i < nb; i++) {
              out[b][i] = u[b][i] + u[2 + b][i] + u[4 + b][i] + bias;
              out[2 + b][i] = u[2 + b][i] - u[4 + b][i] - u[6 + b][i] + bias;
            }
          for (size_t a = 0; a < 2 && oy + a < h; a++)
            for (size_t b = 0; b < 2 && ox + b < w; b++)
              for (size_t i = 0; i < nb; i++)
                yk[((n0 + i) * h + oy + a) * w + ox + b] = out[2 * a + b][i];
        }
      }
  }
}

void fmnist__winograd_conv(const fmnist__conv_geom *g, size_t f, const float *u,
                           const float *b, const float *x, float *y, float *ws, size_t threads) {
  const size_t tiles = tiles_of(g);
  wino_job j = {g,    f, (g->h + 1) / 2, (g->w + 1) / 2, tiles, g->c * tiles + WINO_SKEW,
                f * tiles + WINO_SKEW, u, b, x, y, ws, NULL, NULL};
  j.v = j.p + g->c * padded_plane(g);
  j.m = j.v + 16 * j.vs;
  fmnist__parallel_range(threads, g->c, 1, transform_input, &j);
  fmnist__parallel_for(threads, 16, multiply, &j);
  fmnist__parallel_range(threads, f, 1, transform_output, &j);
}
