/* Winograd F(2x2, 3x3) convolution, forward and backward (see winograd.h).
 *
 * Tiles: the output is cut into 2x2 blocks, th = ceil(H/2) by tw =
 * ceil(W/2) per image; tile (ty, tx) of image n is column t = pos*N + n,
 * pos = ty*tw + tx, of T = th*tw*N: the images of a chunk side by side, so
 * that every transform runs on vectors of N values. Weights U: 16 x F x C;
 * row xi = 4r + s of a 4x4 tile position.
 * Workspace: P (C x (2th+2) x (2tw+2) x N: each plane with a zero border,
 * image index innermost), V (16 x C x T), M (16 x F x T); in training V is
 * kept by the layer, and the backward pass reuses P for dx's sums over
 * the tiles, M for dM, V for dV, after them dU (16 x F x C). The 16 blocks of
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
  const float *u, *b, *x, *dy;
  float *y, *p, *v, *m, *du, *dw, *dx;
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

/* 16 blocks of rows x tiles floats, WINO_SKEW apart. */
static size_t blocks(const fmnist__conv_geom *g, size_t rows) {
  return 16 * (rows * tiles_of(g) + WINO_SKEW);
}

size_t fmnist__winograd_floats(const fmnist__conv_geom *g, size_t f) {
  return g->c * padded_plane(g) + blocks(g, g->c) + blocks(g, f);
}

size_t fmnist__winograd_keep_floats(const fmnist__conv_geom *g) { return blocks(g, g->c); }

size_t fmnist__winograd_train_floats(const fmnist__conv_geom *g, size_t f) {
  return g->c * padded_plane(g) + blocks(g, f) + fmnist__winograd_weight_floats(g->c, f);
}

size_t fmnist__winograd_weight_floats(size_t c, size_t f) { return 16 * f * c; }

static wino_job job_of(const fmnist__conv_geom *g, size_t f, float *p, float *v, float *m) {
  const size_t tiles = tiles_of(g);
  return (wino_job){.g = g,
                    .f = f,
                    .th = (g->h + 1) / 2,
                    .tw = (g->w + 1) / 2,
                    .tiles = tiles,
                    .vs = g->c * tiles + WINO_SKEW,
                    .ms = f * tiles + WINO_SKEW,
                    .p = p,
                    .v = v,
                    .m = m};
}

/* U[xi][k][c] = (G g G^T)[r][s], by blocks of WINO_BLOCK channels so that
 * the 16 rows xi are written a cache line at a time (their distance f*c
 * floats is a multiple of 4 KiB for the usual sizes). */
void fmnist__winograd_weights(size_t c_in, size_t f, const float *w, float *u) {
  for (size_t k = 0; k < f; k++)
    for (size_t c0 = 0; c0 < c_in; c0 += WINO_BLOCK) {
      const size_t cb = c_in - c0 < WINO_BLOCK ? c_in - c0 : WINO_BLOCK;
      float out[16][WINO_BLOCK];
      for (size_t i = 0; i < cb; i++) {
        const float *g = w + (k * c_in + c0 + i) * 9;
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
          out[4 * r][i] = a;
          out[4 * r + 1][i] = 0.5f * (a + b + d);
          out[4 * r + 2][i] = 0.5f * (a - b + d);
          out[4 * r + 3][i] = d;
        }
      }
      for (size_t xi = 0; xi < 16; xi++)
        for (size_t i = 0; i < cb; i++) u[(xi * f + k) * c_in + c0 + i] = out[xi][i];
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

static void forward(wino_job *j, size_t threads) {
  fmnist__parallel_range(threads, j->g->c, 1, transform_input, j);
  fmnist__parallel_for(threads, 16, multiply, j);
  fmnist__parallel_range(threads, j->f, 1, transform_output, j);
}

void fmnist__winograd_conv(const fmnist__conv_geom *g, size_t f, const float *u,
                           const float *b, const float *x, float *y, float *ws, size_t threads) {
  float *v = ws + g->c * padded_plane(g);
  wino_job j = job_of(g, f, ws, v, v + blocks(g, g->c));
  j.u = u;
  j.b = b;
  j.x = x;
  j.y = y;
  forward(&j, threads);
}

void fmnist__winograd_conv_train(const fmnist__conv_geom *g, size_t f, const float *u,
                                 const float *b, const float *x, float *y, float *keep,
                                 float *ws, size_t threads) {
  wino_job j = job_of(g, f, ws, keep, ws + g->c * padded_plane(g));
  j.u = u;
  j.b = b;
  j.x = x;
  j.y = y;
  forward(&j, threads);
}

/* ---- backward: the adjoint of each forward step, in reverse order ---- */

/* dM[xi][k] = (A dY A^T)[r][s] of every tile, for filters [lo, hi): the
 * adjoint of transform_output (outputs outside the image have dY = 0). */
static void transform_dy(void *ctx, size_t lo, size_t hi) {
  const wino_job *j = ctx;
  const fmnist__conv_geom *g = j->g;
  const size_t tiles = j->tiles, th = j->th, tw = j->tw, h = g->h, w = g->w;
  const size_t nn = g->n, xs = j->ms;
  for (size_t k = lo; k < hi; k++) {
    const float *dyk = j->dy + k * nn * h * w;
    for (size_t ty = 0; ty < th; ty++)
      for (size_t tx = 0; tx < tw; tx++) {
        float *out = j->m + k * tiles + (ty * tw + tx) * nn;
        const size_t oy = 2 * ty, ox = 2 * tx;
        for (size_t n0 = 0; n0 < nn; n0 += WINO_BLOCK) {
          const size_t nb = nn - n0 < WINO_BLOCK ? nn - n0 : WINO_BLOCK;
          float d[4][WINO_BLOCK]; /* dY[a][b] at d[2a + b] */
          for (size_t a = 0; a < 2; a++)
            for (size_t b = 0; b < 2; b++) {
              const int inside = oy + a < h && ox + b < w;
              for (size_t i = 0; i < nb; i++)
                d[2 * a + b][i] = inside ? dyk[((n0 + i) * h + oy + a) * w + ox + b] : 0.0f;
            }
          float z[8][WINO_BLOCK]; /* A dY, along r: z[2r + b] */
          for (size_t b = 0; b < 2; b++)
            for (size_t i = 0; i < nb; i++) {
              z[b][i] = d[b][i];
              z[2 + b][i] = d[b][i] + d[2 + b][i];
              z[4 + b][i] = d[b][i] - d[2 + b][i];
              z[6 + b][i] = -d[2 + b][i];
            }
          for (size_t r = 0; r < 4; r++) { /* (A dY) A^T, along s */
            float *o = out + 4 * r * xs + n0;
            const float *z0 = z[2 * r], *z1 = z[2 * r + 1];
            for (size_t i = 0; i < nb; i++) {
              o[i] = z0[i];
              o[xs + i] = z0[i] + z1[i];
              o[2 * xs + i] = z0[i] - z1[i];
              o[3 * xs + i] = -z1[i];
            }
          }
        }
      }
  }
}

/* Task xi: dU[xi] = dM[xi] V[xi]^T, then dV[xi] = U[xi]^T dM[xi] over V[xi]
 * (the last use of V[xi]); dV only when dx is wanted. */
static void multiply_back(void *ctx, size_t xi) {
  const wino_job *j = ctx;
  const size_t c_in = j->g->c, f = j->f, tiles = j->tiles;
  float *v = j->v + xi * j->vs;
  const float *dm = j->m + xi * j->ms;
  fmnist__sgemm(0, 1, f, c_in, tiles, 1.0f, dm, tiles, v, tiles, 0.0f, j->du + xi * f * c_in,
                c_in);
  if (j->dx)
    fmnist__sgemm(1, 0, c_in, tiles, f, 1.0f, j->u + xi * f * c_in, c_in, dm, tiles, 0.0f, v,
                  tiles);
}

/* dw = G^T dU G of every filter k in [lo, hi) and channel: the adjoint of
 * fmnist__winograd_weights, blocked the same way. */
static void transform_du(void *ctx, size_t lo, size_t hi) {
  const wino_job *j = ctx;
  const size_t c_in = j->g->c, f = j->f;
  for (size_t k = lo; k < hi; k++)
    for (size_t c0 = 0; c0 < c_in; c0 += WINO_BLOCK) {
      const size_t cb = c_in - c0 < WINO_BLOCK ? c_in - c0 : WINO_BLOCK;
      float in[16][WINO_BLOCK];
      for (size_t xi = 0; xi < 16; xi++)
        for (size_t i = 0; i < cb; i++) in[xi][i] = j->du[(xi * f + k) * c_in + c0 + i];
      for (size_t i = 0; i < cb; i++) {
        float t[3][4]; /* G^T dU, along r */
        for (size_t s = 0; s < 4; s++) {
          const float d0 = in[s][i], d1 = in[4 + s][i], d2 = in[8 + s][i], d3 = in[12 + s][i];
          t[0][s] = d0 + 0.5f * (d1 + d2);
          t[1][s] = 0.5f * (d1 - d2);
          t[2][s] = 0.5f * (d1 + d2) + d3;
        }
        float *dg = j->dw + (k * c_in + c0 + i) * 9;
        for (size_t a = 0; a < 3; a++) { /* (G^T dU) G, along s */
          dg[3 * a] = t[a][0] + 0.5f * (t[a][1] + t[a][2]);
          dg[3 * a + 1] = 0.5f * (t[a][1] - t[a][2]);
          dg[3 * a + 2] = 0.5f * (t[a][1] + t[a][2]) + t[a][3];
        }
      }
    }
}

/* For channels [lo, hi): B dV B^T of every tile summed into the zeroed
 * plane P (tiles overlap by two rows and columns), then its inside into
 * dx: the adjoint of transform_input. */
static void transform_dv(void *ctx, size_t lo, size_t hi) {
  const wino_job *j = ctx;
  const fmnist__conv_geom *g = j->g;
  const size_t tiles = j->tiles, th = j->th, tw = j->tw, h = g->h, w = g->w;
  const size_t nn = g->n, ph = 2 * th + 2, pw = 2 * tw + 2, xs = j->vs;
  for (size_t c = lo; c < hi; c++) {
    float *p = j->p + c * ph * pw * nn;
    for (size_t i = 0; i < ph * pw * nn; i++) p[i] = 0;
    const float *v = j->v + c * tiles;
    for (size_t ty = 0; ty < th; ty++)
      for (size_t tx = 0; tx < tw; tx++) {
        float *d = p + (2 * ty * pw + 2 * tx) * nn; /* d[(r*pw + s)*nn + n] */
        const float *in = v + (ty * tw + tx) * nn;
        for (size_t n0 = 0; n0 < nn; n0 += WINO_BLOCK) {
          const size_t nb = nn - n0 < WINO_BLOCK ? nn - n0 : WINO_BLOCK;
          float q[16][WINO_BLOCK]; /* dV B^T, along s: q[4r + s] */
          for (size_t r = 0; r < 4; r++) {
            const float *v0 = in + 4 * r * xs + n0, *v1 = v0 + xs, *v2 = v1 + xs, *v3 = v2 + xs;
            for (size_t i = 0; i < nb; i++) {
              q[4 * r][i] = v0[i];
              q[4 * r + 1][i] = v1[i] - v2[i] + v3[i];
              q[4 * r + 2][i] = v1[i] + v2[i] - v0[i];
              q[4 * r + 3][i] = -v3[i];
            }
          }
          for (size_t s = 0; s < 4; s++) { /* B (dV B^T), along r */
            float *d0 = d + s * nn + n0, *d1 = d0 + pw * nn, *d2 = d1 + pw * nn,
                  *d3 = d2 + pw * nn;
            for (size_t i = 0; i < nb; i++) {
              d0[i] += q[s][i];
              d1[i] += q[4 + s][i] - q[8 + s][i] + q[12 + s][i];
              d2[i] += q[4 + s][i] + q[8 + s][i] - q[s][i];
              d3[i] -= q[12 + s][i];
            }
          }
        }
      }
    for (size_t n = 0; n < nn; n++)
      for (size_t iy = 0; iy < h; iy++) {
        float *dst = j->dx + ((c * nn + n) * h + iy) * w;
        const float *src = p + ((iy + 1) * pw + 1) * nn + n;
        for (size_t ix = 0; ix < w; ix++) dst[ix] = src[ix * nn];
      }
  }
}

void fmnist__winograd_backward(const fmnist__conv_geom *g, size_t f, const float *u,
                               const float *dy, float *keep, float *dw, float *dx, float *ws,
                               size_t threads) {
  float *m = ws + g->c * padded_plane(g);
  wino_job j = job_of(g, f, ws, keep, m);
  j.u = u;
  j.dy = dy;
  j.du = m + blocks(g, f);
  j.dw = dw;
  j.dx = dx;
  fmnist__parallel_range(threads, f, 1, transform_dy, &j);
  fmnist__parallel_for(threads, 16, multiply_back, &j);
  fmnist__parallel_range(threads, f, 1, transform_du, &j);
  if (dx) fmnist__parallel_range(threads, g->c, 1, transform_dv, &j);
}
