/* Winograd F(4x4, 3x3) convolution, forward and backward (see winograd.h).
 *
 * Tiles: the output is cut into 4x4 blocks, th = ceil(H/4) by tw =
 * ceil(W/4) = tpi per image. The images are taken by the chunks of the
 * nets' layout (kernels/layout.h), one task per chunk: a task's x, y, dx
 * and dy are its chunk's own blocks, every pixel's run of its images one
 * cache line, and every transform works on vectors of WINO_VEC images, a
 * width known at compile time (a last chunk of fewer images computes zero
 * images in the transformed domain, which add nothing, and writes only its
 * own). Within a chunk the tiles are taken in groups, so that a group's
 * transformed data (V, M, dM, dV: 36 x (2C + F) x cols floats, cols =
 * tiles x WINO_VEC) stays in the core's cache from the transform that
 * writes it to the product or transform that reads it: nothing the size
 * of the transformed batch goes through memory, and the backward pass
 * transforms x again instead of keeping V.
 *
 * Column t = tile*WINO_VEC + i of a group's blocks is image i of the
 * chunk at the group's tile `tile`; block xi = 6r + s of a 6x6 tile
 * position lies xs floats after block xi - 1 (its size plus WINO_SKEW: at
 * multiples of 4 KiB the 36 blocks a tile touches would share L1 cache
 * sets). Weights U: 36 blocks of F x C, skewed the same way.
 *
 * Forward, per group: V = B^T d B, M[xi] = U[xi] V[xi] (36 sgemms),
 * y = A^T M A. Backward, per group: V again, dM = A dY A^T, dV[xi] =
 * U[xi]^T dM[xi] (36 sgemms), dx += B dV B^T (tiles overlap), and the
 * chunk's dU[xi] += dM[xi] V[xi]^T (36 more); then the chunks' dU summed
 * in chunk order (so results do not depend on the thread count), and dw =
 * G^T dU G per filter.
 *
 * The matrices (interpolation points 0, 1, -1, 2, -2 and infinity):
 *   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0;
 *          0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
 *   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6;
 *          1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
 *   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1] */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include "kernels/winograd.h"

#include "base/threads.h"
#include "kernels/gemm.h"
#include "kernels/layout.h"

/* Images per chunk and per vector of the transforms. */
#define WINO_VEC FMNIST__CHUNK
/* Channels per block of the weight transforms (local arrays). */
#define WINO_BLOCK 16
/* Floats a group's transformed data aims at (2 MiB, twice a core's L2 on
 * the machine measured, but V, M and dV are not all in use at once).
 * Measured on the final CNN, 2 threads: 512 Ki floats took 3 % less a
 * step than 256 Ki (whose products, 16 to 48 columns, were narrow and
 * whose weight gradients were read and written once per group), 1 Mi
 * no less. */
#define WINO_GROUP_FLOATS (512 * 1024)
/* One cache line (see above). */
#define WINO_SKEW 16
/* F(4x4, 3x3): outputs per tile side, input tile side, tile positions. */
#define WINO_M 4
#define WINO_T 6
#define WINO_XI (WINO_T * WINO_T)

/* Always inlined: each tile transform is called with the constant width
 * WINO_VEC (and once per chunk of fewer images with its count), and only
 * an inlined copy turns its loops into straight-line vector code. */
#if defined(__GNUC__)
#define WINO_INLINE static inline __attribute__((always_inline))
#else
#define WINO_INLINE static inline
#endif

static const float zeros[WINO_VEC];

int fmnist__winograd_applies(const fmnist__conv_geom *g) {
  return g->k == 3 && g->s == 1 && g->pad_t == 1 && g->pad_l == 1 && g->h_out == g->h &&
         g->w_out == g->w && g->c >= 8;
}

/* The shape of a pass. */
typedef struct wino_shape {
  size_t th, tw, tpi;  /* tile rows, columns, tiles per image */
  size_t chunks;       /* of WINO_VEC images */
  size_t group, cols;  /* tiles per group, their columns */
  size_t vs, ms;       /* distance of blocks xi of V (and dV) and of M */
  size_t per_chunk;    /* floats of a chunk's workspace */
} wino_shape;

/* Distance of consecutive blocks xi of rows x cols floats. */
static size_t block_stride(size_t rows, size_t cols) { return rows * cols + WINO_SKEW; }

/* Distance of the weights' blocks U[xi] (and dU[xi]): F x C floats, skewed
 * like V's, since F*C is a multiple of 16 Ki floats for the usual sizes
 * and the 36 rows a weight transform writes would share cache sets (the
 * transforms of U and dw took 10 % of a step before). */
static size_t weight_stride(size_t c, size_t f) { return block_stride(f, c); }

static wino_shape shape_of(const fmnist__conv_geom *g, size_t f) {
  wino_shape s;
  s.th = (g->h + WINO_M - 1) / WINO_M;
  s.tw = (g->w + WINO_M - 1) / WINO_M;
  s.tpi = s.th * s.tw;
  s.chunks = fmnist__chunks(g->n);
  s.group = WINO_GROUP_FLOATS / (WINO_XI * WINO_VEC * (2 * g->c + f));
  if (s.group < 1) s.group = 1;
  if (s.group > s.tpi) s.group = s.tpi;
  s.cols = s.group * WINO_VEC;
  s.vs = block_stride(g->c, s.cols);
  s.ms = block_stride(f, s.cols);
  /* V, M (or dM), dV, and the chunk's dU */
  s.per_chunk = WINO_XI * (2 * s.vs + s.ms + weight_stride(g->c, f));
  return s;
}

int fmnist__winograd_pays(const fmnist__conv_geom *g) {
  /* 36 multiplications per tile against 9 per output: 36 tiles / (9 h w) <= 0.4 */
  return fmnist__winograd_applies(g) && 10 * shape_of(g, 1).tpi <= g->h * g->w;
}

size_t fmnist__winograd_weight_floats(size_t c, size_t f) { return WINO_XI * weight_stride(c, f); }

size_t fmnist__winograd_floats(const fmnist__conv_geom *g, size_t f) {
  const wino_shape s = shape_of(g, f);
  return s.chunks * s.per_chunk;
}

typedef struct weights_job {
  size_t c_in, f;
  const float *w;
  float *u;
} weights_job;

/* The one-dimensional transforms, on scalars (inlined into loops over a
 * vector of images, which they vectorize): G (weights), its adjoint G^T,
 * B^T (input), its adjoint B, A^T (output) and its adjoint A. */
WINO_INLINE void g_1d(float g0, float g1, float g2, float u[WINO_T]) {
  const float a = g0 + g2, b = g0 * (1.0f / 24) + g2 * (1.0f / 6);
  u[0] = g0 * 0.25f;
  u[1] = (a + g1) * (-1.0f / 6);
  u[2] = (a - g1) * (-1.0f / 6);
  u[3] = b + g1 * (1.0f / 12);
  u[4] = b - g1 * (1.0f / 12);
  u[5] = g2;
}
WINO_INLINE void gt_1d(float u0, float u1, float u2, float u3, float u4, float u5, float g[3]) {
  const float p = u1 + u2, d = u3 + u4;
  g[0] = u0 * 0.25f - p * (1.0f / 6) + d * (1.0f / 24);
  g[1] = (u2 - u1) * (1.0f / 6) + (u3 - u4) * (1.0f / 12);
  g[2] = (d - p) * (1.0f / 6) + u5;
}
WINO_INLINE void bt_1d(float d0, float d1, float d2, float d3, float d4, float d5,
                       float e[WINO_T]) {
  const float a = d4 - 4.0f * d2, b = d3 - 4.0f * d1, c = d4 - d2, f = 2.0f * (d3 - d1);
  e[0] = 4.0f * d0 - 5.0f * d2 + d4;
  e[1] = a + b;
  e[2] = a - b;
  e[3] = c + f;
  e[4] = c - f;
  e[5] = 4.0f * d1 - 5.0f * d3 + d5;
}
WINO_INLINE void b_1d(const float e[WINO_T], float d[WINO_T]) {
  const float s12 = e[1] + e[2], d12 = e[2] - e[1], s34 = e[3] + e[4], d34 = e[3] - e[4];
  d[0] = 4.0f * e[0];
  d[1] = 4.0f * d12 - 2.0f * d34 + 4.0f * e[5];
  d[2] = -5.0f * e[0] - 4.0f * s12 - s34;
  d[3] = -d12 + 2.0f * d34 - 5.0f * e[5];
  d[4] = e[0] + s12 + s34;
  d[5] = e[5];
}
WINO_INLINE void at_1d(float m0, float m1, float m2, float m3, float m4, float m5,
                       float y[WINO_M]) {
  const float s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;
  y[0] = m0 + s12 + s34;
  y[1] = d12 + 2.0f * d34;
  y[2] = s12 + 4.0f * s34;
  y[3] = d12 + 8.0f * d34 + m5;
}
WINO_INLINE void a_1d(float y0, float y1, float y2, float y3, float m[WINO_T]) {
  const float s02 = y0 + y2, s13 = y1 + y3;
  m[0] = y0;
  m[1] = s02 + s13;
  m[2] = s02 - s13;
  m[3] = y0 + 4.0f * y2 + 2.0f * (y1 + 4.0f * y3);
  m[4] = y0 + 4.0f * y2 - 2.0f * (y1 + 4.0f * y3);
  m[5] = y3;
}

/* U[xi][k][c] = (G g G^T)[r][s] for filters [lo, hi), by blocks of
 * WINO_BLOCK channels so that the 36 rows xi are written a cache line at
 * a time (and, skewed by weight_stride, in different cache sets). */
FMNIST__VECTOR_CLONES static void transform_weights(void *ctx, size_t lo, size_t hi) {
  const weights_job *j = ctx;
  const size_t c_in = j->c_in, f = j->f, us = weight_stride(c_in, f);
  const float *w = j->w;
  float *u = j->u;
  for (size_t k = lo; k < hi; k++)
    for (size_t c0 = 0; c0 < c_in; c0 += WINO_BLOCK) {
      const size_t cb = c_in - c0 < WINO_BLOCK ? c_in - c0 : WINO_BLOCK;
      float g[9][WINO_BLOCK], gg[WINO_T][3][WINO_BLOCK], out[WINO_XI][WINO_BLOCK];
      for (size_t i = 0; i < WINO_BLOCK; i++) /* the block's filters, channels innermost */
        for (size_t t = 0; t < 9; t++) g[t][i] = i < cb ? w[(k * c_in + c0 + i) * 9 + t] : 0.0f;
      for (size_t col = 0; col < 3; col++) /* G g, along r */
        for (size_t i = 0; i < WINO_BLOCK; i++) {
          float t[WINO_T];
          g_1d(g[col][i], g[3 + col][i], g[6 + col][i], t);
          for (size_t r = 0; r < WINO_T; r++) gg[r][col][i] = t[r];
        }
      for (size_t r = 0; r < WINO_T; r++) /* (G g) G^T, along s */
        for (size_t i = 0; i < WINO_BLOCK; i++) {
          float t[WINO_T];
          g_1d(gg[r][0][i], gg[r][1][i], gg[r][2][i], t);
          for (size_t s2 = 0; s2 < WINO_T; s2++) out[WINO_T * r + s2][i] = t[s2];
        }
      for (size_t xi = 0; xi < WINO_XI; xi++)
        for (size_t i = 0; i < cb; i++) u[xi * us + k * c_in + c0 + i] = out[xi][i];
    }
}

void fmnist__winograd_weights(size_t c_in, size_t f, const float *w, float *u,
                              size_t threads) {
  weights_job j = {c_in, f, w, u};
  fmnist__parallel_range(threads, f, FMNIST__PAR_GRAIN / (9 * c_in) + 1, transform_weights, &j);
}

/* ---- the transforms of one tile, on a vector of nw images ---- */

/* Rows k = 0..5 of a tile's transform, to dst + k*xs: stored from a local
 * array, one row at a time, so that the loop computing them writes only
 * that array (rows a runtime distance xs apart could overlap, for all the
 * compiler knows, and it kept such loops scalar). */
WINO_INLINE void store_rows(float rows[WINO_T][WINO_VEC], float *dst, size_t xs,
                            size_t nw) {
  for (size_t k = 0; k < WINO_T; k++)
    for (size_t i = 0; i < nw; i++) dst[k * xs + i] = rows[k][i];
}

/* V = B^T d B: d[6r + s] the input at tile position (r, s), V[xi] at
 * v + xi*xs. */
WINO_INLINE void input_tile(const float *const d[WINO_XI], float *v, size_t xs, size_t nw) {
  float e[WINO_XI][WINO_VEC]; /* B^T d, along r: e[6r + s] */
  for (size_t s = 0; s < WINO_T; s++) {
    const float *d0 = d[s], *d1 = d[6 + s], *d2 = d[12 + s], *d3 = d[18 + s], *d4 = d[24 + s],
                *d5 = d[30 + s];
    for (size_t i = 0; i < nw; i++) {
      float t[WINO_T];
      bt_1d(d0[i], d1[i], d2[i], d3[i], d4[i], d5[i], t);
      for (size_t r = 0; r < WINO_T; r++) e[WINO_T * r + s][i] = t[r];
    }
  }
  for (size_t r = 0; r < WINO_T; r++) { /* (B^T d) B, along s */
    const float *const *er = (const float *const[WINO_T]){e[6 * r], e[6 * r + 1], e[6 * r + 2],
                                                          e[6 * r + 3], e[6 * r + 4], e[6 * r + 5]};
    float row[WINO_T][WINO_VEC];
    for (size_t i = 0; i < nw; i++) {
      float t[WINO_T];
      bt_1d(er[0][i], er[1][i], er[2][i], er[3][i], er[4][i], er[5][i], t);
      for (size_t s = 0; s < WINO_T; s++) row[s][i] = t[s];
    }
    store_rows(row, v + WINO_T * r * xs, xs, nw);
  }
}

/* y[4a + b] = (A^T M A)[a][b] + bias: M[xi] at m + xi*xs. */
WINO_INLINE void output_tile(const float *m, size_t xs, float bias,
                             float y[WINO_M * WINO_M][WINO_VEC], size_t nw) {
  float u[WINO_T * WINO_M][WINO_VEC]; /* M A, along s: u[4r + b] */
  for (size_t r = 0; r < WINO_T; r++) {
    const float *m0 = m + WINO_T * r * xs;
    for (size_t i = 0; i < nw; i++) {
      float t[WINO_M];
      at_1d(m0[i], m0[xs + i], m0[2 * xs + i], m0[3 * xs + i], m0[4 * xs + i], m0[5 * xs + i], t);
      for (size_t b = 0; b < WINO_M; b++) u[WINO_M * r + b][i] = t[b];
    }
  }
  for (size_t b = 0; b < WINO_M; b++) /* A^T (M A), along r */
    for (size_t i = 0; i < nw; i++) {
      float t[WINO_M];
      at_1d(u[b][i], u[4 + b][i], u[8 + b][i], u[12 + b][i], u[16 + b][i], u[20 + b][i], t);
      for (size_t a = 0; a < WINO_M; a++) y[WINO_M * a + b][i] = t[a] + bias;
    }
}

/* dM = A dY A^T, the adjoint of output_tile: dy[4a + b] the gradient at
 * output (a, b) of the tile, dM[xi] at dm + xi*xs. */
WINO_INLINE void dy_tile(const float *const dy[WINO_M * WINO_M], float *dm, size_t xs,
                         size_t nw) {
  float z[WINO_T * WINO_M][WINO_VEC]; /* A dY, along r: z[4r + b] */
  for (size_t b = 0; b < WINO_M; b++) {
    const float *d0 = dy[b], *d1 = dy[4 + b], *d2 = dy[8 + b], *d3 = dy[12 + b];
    for (size_t i = 0; i < nw; i++) {
      float t[WINO_T];
      a_1d(d0[i], d1[i], d2[i], d3[i], t);
      for (size_t r = 0; r < WINO_T; r++) z[WINO_M * r + b][i] = t[r];
    }
  }
  for (size_t r = 0; r < WINO_T; r++) { /* (A dY) A^T, along s */
    const float *z0 = z[4 * r], *z1 = z[4 * r + 1], *z2 = z[4 * r + 2], *z3 = z[4 * r + 3];
    float row[WINO_T][WINO_VEC];
    for (size_t i = 0; i < nw; i++) {
      float t[WINO_T];
      a_1d(z0[i], z1[i], z2[i], z3[i], t);
      for (size_t s = 0; s < WINO_T; s++) row[s][i] = t[s];
    }
    store_rows(row, dm + WINO_T * r * xs, xs, nw);
  }
}

/* d[6r + s] += (B dV B^T)[r][s], the adjoint of input_tile: dV[xi] at
 * dv + xi*xs. */
WINO_INLINE void dx_tile(const float *dv, size_t xs, float *const d[WINO_XI], size_t nw) {
  float q[WINO_XI][WINO_VEC]; /* dV B^T, along s: q[6r + s] */
  for (size_t r = 0; r < WINO_T; r++) {
    const float *v0 = dv + WINO_T * r * xs;
    for (size_t i = 0; i < nw; i++) {
      float e[WINO_T], t[WINO_T];
      for (size_t s = 0; s < WINO_T; s++) e[s] = v0[s * xs + i];
      b_1d(e, t);
      for (size_t s = 0; s < WINO_T; s++) q[WINO_T * r + s][i] = t[s];
    }
  }
  for (size_t s = 0; s < WINO_T; s++) { /* B (dV B^T), along r */
    float col[WINO_T][WINO_VEC]; /* computed apart from the adds: see store_rows */
    for (size_t i = 0; i < nw; i++) {
      float e[WINO_T], t[WINO_T];
      for (size_t r = 0; r < WINO_T; r++) e[r] = q[WINO_T * r + s][i];
      b_1d(e, t);
      for (size_t r = 0; r < WINO_T; r++) col[r][i] = t[r];
    }
    for (size_t r = 0; r < WINO_T; r++) {
      float *dst = d[WINO_T * r + s];
      for (size_t i = 0; i < nw; i++) dst[i] += col[r][i];
    }
  }
}

/* ---- a pass: one task per chunk, its tiles by groups ---- */

typedef struct wino_job {
  const fmnist__conv_geom *g;
  wino_shape s;
  size_t f;
  const float *u, *b, *x, *dy;
  float *y, *dx, *dw, *ws;
} wino_job;

/* Chunk q of the batch: its nw images and its workspace. */
typedef struct wino_chunk {
  size_t q, nw;
  float *v, *m, *dv, *du;
} wino_chunk;

static wino_chunk chunk_of(const wino_job *j, size_t q) {
  float *ws = j->ws + q * j->s.per_chunk;
  return (wino_chunk){q, fmnist__chunk_n(j->g->n, q), ws, ws + WINO_XI * j->s.vs,
                      ws + WINO_XI * (j->s.vs + j->s.ms), ws + WINO_XI * (2 * j->s.vs + j->s.ms)};
}

/* Where the run of the chunk's images at pixel (y, x) of plane c of an
 * array of `planes` planes (the nets' layout: the chunk's block, then
 * C x H x W x nw) starts; *inside says whether the pixel is in the plane
 * (else 0). */
static size_t run_at(const wino_job *j, const wino_chunk *ch, size_t planes, size_t c,
                     ptrdiff_t y, ptrdiff_t x, int *inside) {
  const fmnist__conv_geom *g = j->g;
  *inside = y >= 0 && x >= 0 && y < (ptrdiff_t)g->h && x < (ptrdiff_t)g->w;
  if (!*inside) return 0;
  return fmnist__plane_at(g->n, ch->q, planes, g->h * g->w, c) +
         ((size_t)y * g->w + (size_t)x) * ch->nw;
}

/* The vector of the chunk's images at pixel (y, x) of plane c of src (of
 * `planes` planes): the run itself, zeros outside the plane, or for a
 * chunk of fewer images (nw) its run copied into pad and padded with
 * zeros. */
static const float *vec_at(const wino_job *j, const wino_chunk *ch, const float *src,
                           size_t planes, size_t c, ptrdiff_t y, ptrdiff_t x, size_t nw,
                           float *pad) {
  int in;
  const size_t at = run_at(j, ch, planes, c, y, x, &in);
  if (!in) return zeros;
  if (nw == WINO_VEC) return src + at;
  for (size_t i = 0; i < WINO_VEC; i++) pad[i] = i < nw ? src[at + i] : 0.0f;
  return pad;
}

/* V of the group's tiles [t0, t0 + nt) for every channel, images padded
 * with zeros to the vector. */
WINO_INLINE void group_input(const wino_job *j, const wino_chunk *ch, size_t t0, size_t nt,
                             size_t nw) {
  const size_t cols = nt * WINO_VEC, xs = block_stride(j->g->c, cols);
  for (size_t c = 0; c < j->g->c; c++)
    for (size_t t = 0; t < nt; t++) {
      const size_t ty = (t0 + t) / j->s.tw, tx = (t0 + t) % j->s.tw;
      float pad[WINO_XI][WINO_VEC];
      const float *d[WINO_XI];
      for (size_t k = 0; k < WINO_XI; k++)
        d[k] = vec_at(j, ch, j->x, j->g->c, c, (ptrdiff_t)(WINO_M * ty + k / WINO_T) - 1,
                      (ptrdiff_t)(WINO_M * tx + k % WINO_T) - 1, nw, pad[k]);
      input_tile(d, ch->v + c * cols + t * WINO_VEC, xs, WINO_VEC);
    }
}

/* y of the group's tiles from M; the 4x4 blocks of the last tile row or
 * column may stick out of the image. */
WINO_INLINE void group_output(const wino_job *j, const wino_chunk *ch, size_t t0, size_t nt,
                              size_t nw) {
  const size_t cols = nt * WINO_VEC, xs = block_stride(j->f, cols);
  for (size_t k = 0; k < j->f; k++)
    for (size_t t = 0; t < nt; t++) {
      const size_t ty = (t0 + t) / j->s.tw, tx = (t0 + t) % j->s.tw;
      float out[WINO_M * WINO_M][WINO_VEC];
      output_tile(ch->m + k * cols + t * WINO_VEC, xs, j->b[k], out, nw);
      for (size_t a = 0; a < WINO_M * WINO_M; a++) {
        int in;
        const size_t at = run_at(j, ch, j->f, k, (ptrdiff_t)(WINO_M * ty + a / WINO_M),
                                 (ptrdiff_t)(WINO_M * tx + a % WINO_M), &in);
        if (!in) continue;
        float *dst = j->y + at;
        for (size_t i = 0; i < nw; i++) dst[i] = out[a][i];
      }
    }
}

/* dM of the group's tiles from dy (zero outside the image and for the
 * padding images). */
WINO_INLINE void group_dy(const wino_job *j, const wino_chunk *ch, size_t t0, size_t nt,
                          size_t nw) {
  const size_t cols = nt * WINO_VEC, xs = block_stride(j->f, cols);
  for (size_t k = 0; k < j->f; k++)
    for (size_t t = 0; t < nt; t++) {
      const size_t ty = (t0 + t) / j->s.tw, tx = (t0 + t) % j->s.tw;
      float pad[WINO_M * WINO_M][WINO_VEC];
      const float *d[WINO_M * WINO_M];
      for (size_t a = 0; a < WINO_M * WINO_M; a++)
        d[a] = vec_at(j, ch, j->dy, j->f, k, (ptrdiff_t)(WINO_M * ty + a / WINO_M),
                      (ptrdiff_t)(WINO_M * tx + a % WINO_M), nw, pad[a]);
      dy_tile(d, ch->m + k * cols + t * WINO_VEC, xs, WINO_VEC);
    }
}

/* dx += B dV B^T of the group's tiles (positions outside the image go to
 * a sink). */
WINO_INLINE void group_dx(const wino_job *j, const wino_chunk *ch, size_t t0, size_t nt,
                          size_t nw) {
  const size_t cols = nt * WINO_VEC, xs = block_stride(j->g->c, cols);
  float sink[WINO_VEC];
  for (size_t c = 0; c < j->g->c; c++)
    for (size_t t = 0; t < nt; t++) {
      const size_t ty = (t0 + t) / j->s.tw, tx = (t0 + t) % j->s.tw;
      float *d[WINO_XI];
      for (size_t k = 0; k < WINO_XI; k++) {
        int in;
        const size_t at = run_at(j, ch, j->g->c, c, (ptrdiff_t)(WINO_M * ty + k / WINO_T) - 1,
                                 (ptrdiff_t)(WINO_M * tx + k % WINO_T) - 1, &in);
        d[k] = in ? j->dx + at : sink;
      }
      dx_tile(ch->dv + c * cols + t * WINO_VEC, xs, d, nw);
    }
}

/* The group's 36 products: out[xi] = op(U[xi]) in[xi] (forward: M = U V;
 * backward: dV = U^T dM). */
static void group_products(const wino_job *j, int backward, const float *in, float *out,
                           size_t cols) {
  const size_t c_in = j->g->c, f = j->f, vs = block_stride(c_in, cols), ms = block_stride(f, cols);
  for (size_t xi = 0; xi < WINO_XI; xi++) {
    const float *u = j->u + xi * weight_stride(c_in, f);
    if (backward)
      fmnist__sgemm(1, 0, c_in, cols, f, 1.0f, u, c_in, in + xi * ms, cols, 0.0f, out + xi * vs,
                    cols);
    else
      fmnist__sgemm(0, 0, f, cols, c_in, 1.0f, u, c_in, in + xi * vs, cols, 0.0f, out + xi * ms,
                    cols);
  }
}

/* Task q: chunk q's forward pass, group by group. */
FMNIST__VECTOR_CLONES static void forward_chunk(void *ctx, size_t q) {
  const wino_job *j = ctx;
  const wino_chunk ch = chunk_of(j, q);
  for (size_t t0 = 0; t0 < j->s.tpi; t0 += j->s.group) {
    const size_t nt = j->s.tpi - t0 < j->s.group ? j->s.tpi - t0 : j->s.group;
    if (ch.nw == WINO_VEC) group_input(j, &ch, t0, nt, WINO_VEC);
    else group_input(j, &ch, t0, nt, ch.nw);
    group_products(j, 0, ch.v, ch.m, nt * WINO_VEC);
    if (ch.nw == WINO_VEC) group_output(j, &ch, t0, nt, WINO_VEC);
    else group_output(j, &ch, t0, nt, ch.nw);
  }
}

void fmnist__winograd_conv(const fmnist__conv_geom *g, size_t f, const float *u,
                           const float *b, const float *x, float *y, float *ws, size_t threads) {
  wino_job j = {g, shape_of(g, f), f, u, b, x, NULL, y, NULL, NULL, ws};
  fmnist__parallel_for(threads, j.s.chunks, forward_chunk, &j);
}

/* ---- backward: the adjoint of each forward step, in reverse order ---- */

/* Task q: chunk q's dx (zeroed, then summed over the tiles) and its dU. */
FMNIST__VECTOR_CLONES static void backward_chunk(void *ctx, size_t q) {
  const wino_job *j = ctx;
  const wino_chunk ch = chunk_of(j, q);
  const fmnist__conv_geom *g = j->g;
  if (j->dx) { /* the chunk's block */
    float *dx = j->dx + fmnist__chunk_at(q, g->c * g->h * g->w);
    for (size_t i = 0; i < ch.nw * g->c * g->h * g->w; i++) dx[i] = 0.0f;
  }
  for (size_t t0 = 0; t0 < j->s.tpi; t0 += j->s.group) {
    const size_t nt = j->s.tpi - t0 < j->s.group ? j->s.tpi - t0 : j->s.group;
    const size_t cols = nt * WINO_VEC;
    if (ch.nw == WINO_VEC) {
      group_input(j, &ch, t0, nt, WINO_VEC);
      group_dy(j, &ch, t0, nt, WINO_VEC);
    } else {
      group_input(j, &ch, t0, nt, ch.nw);
      group_dy(j, &ch, t0, nt, ch.nw);
    }
    const size_t c_in = g->c, f = j->f, vs = block_stride(c_in, cols), ms = block_stride(f, cols);
    for (size_t xi = 0; xi < WINO_XI; xi++) /* dU[xi] += dM[xi] V[xi]^T */
      fmnist__sgemm(0, 1, f, c_in, cols, 1.0f, ch.m + xi * ms, cols, ch.v + xi * vs, cols,
                    t0 ? 1.0f : 0.0f, ch.du + xi * weight_stride(c_in, f), c_in);
    if (!j->dx) continue;
    group_products(j, 1, ch.m, ch.dv, cols);
    if (ch.nw == WINO_VEC) group_dx(j, &ch, t0, nt, WINO_VEC);
    else group_dx(j, &ch, t0, nt, ch.nw);
  }
}

/* dw = G^T dU G of every filter k in [lo, hi) and channel, dU the
 * batch's: the chunks' dU added in chunk order (so results do not depend
 * on the thread count). The adjoint of fmnist__winograd_weights, blocked
 * the same way. */
FMNIST__VECTOR_CLONES static void transform_du(void *ctx, size_t lo, size_t hi) {
  const wino_job *j = ctx;
  const size_t c_in = j->g->c, f = j->f, us = weight_stride(c_in, f);
  for (size_t k = lo; k < hi; k++)
    for (size_t c0 = 0; c0 < c_in; c0 += WINO_BLOCK) {
      const size_t cb = c_in - c0 < WINO_BLOCK ? c_in - c0 : WINO_BLOCK;
      float in[WINO_XI][WINO_BLOCK] = {{0}};
      for (size_t q = 0; q < j->s.chunks; q++) {
        const float *du = chunk_of(j, q).du;
        for (size_t xi = 0; xi < WINO_XI; xi++)
          for (size_t i = 0; i < cb; i++) in[xi][i] += du[xi * us + k * c_in + c0 + i];
      }
      float t[3][WINO_T][WINO_BLOCK], dg[9][WINO_BLOCK];
      for (size_t s = 0; s < WINO_T; s++) /* G^T dU, along r */
        for (size_t i = 0; i < WINO_BLOCK; i++) {
          float g[3];
          gt_1d(in[s][i], in[6 + s][i], in[12 + s][i], in[18 + s][i], in[24 + s][i],
                in[30 + s][i], g);
          for (size_t a = 0; a < 3; a++) t[a][s][i] = g[a];
        }
      for (size_t a = 0; a < 3; a++) /* (G^T dU) G, along s */
        for (size_t i = 0; i < WINO_BLOCK; i++) {
          float g[3];
          gt_1d(t[a][0][i], t[a][1][i], t[a][2][i], t[a][3][i], t[a][4][i], t[a][5][i], g);
          for (size_t b = 0; b < 3; b++) dg[3 * a + b][i] = g[b];
        }
      for (size_t i = 0; i < cb; i++)
        for (size_t e = 0; e < 9; e++) j->dw[(k * c_in + c0 + i) * 9 + e] = dg[e][i];
    }
}

void fmnist__winograd_backward(const fmnist__conv_geom *g, size_t f, const float *u,
                               const float *x, const float *dy, float *dw, float *dx, float *ws,
                               size_t threads) {
  wino_job j = {g, shape_of(g, f), f, u, NULL, x, dy, NULL, dx, dw, ws};
  fmnist__parallel_for(threads, j.s.chunks, backward_chunk, &j);
  fmnist__parallel_range(threads, f, 1, transform_du, &j);
}
