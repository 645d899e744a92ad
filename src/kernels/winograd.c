/* Winograd F(2x2, 3x3) convolution, forward and backward (see winograd.h).
 *
 * Tiles: the output is cut into 2x2 blocks, th = ceil(H/2) by tw =
 * ceil(W/2) = tpi per image. The images are taken by the chunks of the
 * nets' layout (kernels/layout.h), one task per chunk: a task's x, y, dx
 * and dy are its chunk's own blocks, every pixel's run of its images one
 * cache line, and every transform works on vectors of WINO_VEC images, a
 * width known at compile time (a last chunk of fewer images computes zero
 * images in the transformed domain, which add nothing, and writes only its
 * own). Within a chunk the tiles are taken in groups (group_tiles), so
 * that a group's transformed data (V, M, dM, dV: 16 x (2C + F) x cols
 * floats, cols = tiles x WINO_VEC) stays in the core's cache from the
 * transform that writes it to the product or transform that reads it:
 * nothing the size of the transformed batch goes through memory, and the
 * backward pass transforms x again instead of keeping V.
 *
 * Column t = tile*WINO_VEC + i of a group's blocks is image i of the
 * chunk at the group's tile `tile`; block xi = 4r + s of a 4x4 tile
 * position lies xs floats after block xi - 1 (its size plus WINO_SKEW: at
 * multiples of 4 KiB the 16 blocks a tile touches would share one L1
 * cache set). Weights U: 16 x F x C.
 *
 * Forward, per group: V = B^T d B, M[xi] = U[xi] V[xi] (16 sgemms),
 * y = A^T M A. Backward, per group: V again, dM = A dY A^T, dV[xi] =
 * U[xi]^T dM[xi] (16 sgemms), dx += B dV B^T (tiles overlap), and the
 * chunk's dU[xi] += dM[xi] V[xi]^T (16 more); then the chunks' dU summed
 * in chunk order (so results do not depend on the thread count), and dw =
 * G^T dU G per filter.
 *
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
 *   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   A^T = [1 1 1 0; 0 1 -1 -1] */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include "kernels/winograd.h"

#include "base/threads.h"
#include "kernels/gemm.h"
#include "kernels/layout.h"

/* Images per chunk and per vector of the transforms. */
#define WINO_VEC FMNIST__CHUNK
/* Channels per block of the weight transforms (local arrays). */
#define WINO_BLOCK 16
/* Floats a group's transformed data aims at: a core's 1 MiB L2 (of the
 * final CNN's layers on 2 threads, 128 Ki to 512 Ki floats timed alike
 * within 5 %; 64 Ki was slower, its products too narrow). */
#define WINO_GROUP_FLOATS (256 * 1024)
/* One cache line (see above). */
#define WINO_SKEW 16

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

static wino_shape shape_of(const fmnist__conv_geom *g, size_t f) {
  wino_shape s;
  s.th = (g->h + 1) / 2;
  s.tw = (g->w + 1) / 2;
  s.tpi = s.th * s.tw;
  s.chunks = fmnist__chunks(g->n);
  s.group = WINO_GROUP_FLOATS / (16 * WINO_VEC * (2 * g->c + f));
  if (s.group < 1) s.group = 1;
  if (s.group > s.tpi) s.group = s.tpi;
  s.cols = s.group * WINO_VEC;
  s.vs = block_stride(g->c, s.cols);
  s.ms = block_stride(f, s.cols);
  /* V, M (or dM), dV, and the chunk's dU */
  s.per_chunk = 16 * (2 * s.vs + s.ms) + 16 * f * g->c;
  return s;
}

size_t fmnist__winograd_weight_floats(size_t c, size_t f) { return 16 * f * c; }

size_t fmnist__winograd_floats(const fmnist__conv_geom *g, size_t f) {
  const wino_shape s = shape_of(g, f);
  return s.chunks * s.per_chunk;
}

typedef struct weights_job {
  size_t c_in, f;
  const float *w;
  float *u;
} weights_job;

/* U[xi][k][c] = (G g G^T)[r][s] for filters [lo, hi), by blocks of
 * WINO_BLOCK channels so that the 16 rows xi are written a cache line at a
 * time (their distance f*c floats is a multiple of 4 KiB for the usual
 * sizes). */
static void transform_weights(void *ctx, size_t lo, size_t hi) {
  const weights_job *j = ctx;
  const size_t c_in = j->c_in, f = j->f;
  const float *w = j->w;
  float *u = j->u;
  for (size_t k = lo; k < hi; k++)
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

void fmnist__winograd_weights(size_t c_in, size_t f, const float *w, float *u,
                              size_t threads) {
  weights_job j = {c_in, f, w, u};
  fmnist__parallel_range(threads, f, FMNIST__PAR_GRAIN / (9 * c_in) + 1, transform_weights, &j);
}

/* ---- the transforms of one tile, on a vector of nw images ---- */

/* V = B^T d B: d[4r + s] the input at tile position (r, s), V[xi] at
 * v + xi*xs. */
WINO_INLINE void input_tile(const float *const d[16], float *v, size_t xs, size_t nw) {
  float e[16][WINO_VEC]; /* B^T d, along r: e[4r + s] */
  for (size_t s = 0; s < 4; s++) {
    const float *d0 = d[s], *d1 = d[4 + s], *d2 = d[8 + s], *d3 = d[12 + s];
    for (size_t i = 0; i < nw; i++) {
      e[s][i] = d0[i] - d2[i];
      e[4 + s][i] = d1[i] + d2[i];
      e[8 + s][i] = d2[i] - d1[i];
      e[12 + s][i] = d1[i] - d3[i];
    }
  }
  for (size_t r = 0; r < 4; r++) { /* (B^T d) B, along s */
    const float *e0 = e[4 * r], *e1 = e[4 * r + 1], *e2 = e[4 * r + 2], *e3 = e[4 * r + 3];
    float *o = v + 4 * r * xs;
    for (size_t i = 0; i < nw; i++) {
      o[i] = e0[i] - e2[i];
      o[xs + i] = e1[i] + e2[i];
      o[2 * xs + i] = e2[i] - e1[i];
      o[3 * xs + i] = e1[i] - e3[i];
    }
  }
}

/* y[2a + b] = (A^T M A)[a][b] + bias: M[xi] at m + xi*xs. */
WINO_INLINE void output_tile(const float *m, size_t xs, float bias, float y[4][WINO_VEC],
                             size_t nw) {
  float u[8][WINO_VEC]; /* M A, along s: u[2r + b] */
  for (size_t r = 0; r < 4; r++) {
    const float *m0 = m + 4 * r * xs, *m1 = m0 + xs, *m2 = m1 + xs, *m3 = m2 + xs;
    for (size_t i = 0; i < nw; i++) {
      u[2 * r][i] = m0[i] + m1[i] + m2[i];
      u[2 * r + 1][i] = m1[i] - m2[i] - m3[i];
    }
  }
  for (size_t b = 0; b < 2; b++) /* A^T (M A), along r */
    for (size_t i = 0; i < nw; i++) {
      y[b][i] = u[b][i] + u[2 + b][i] + u[4 + b][i] + bias;
      y[2 + b][i] = u[2 + b][i] - u[4 + b][i] - u[6 + b][i] + bias;
    }
}

/* dM = A dY A^T, the adjoint of output_tile: dy[2a + b] the gradient at
 * output (a, b) of the tile, dM[xi] at dm + xi*xs. */
WINO_INLINE void dy_tile(const float *const dy[4], float *dm, size_t xs, size_t nw) {
  float z[8][WINO_VEC]; /* A dY, along r: z[2r + b] */
  for (size_t b = 0; b < 2; b++) {
    const float *d0 = dy[b], *d1 = dy[2 + b];
    for (size_t i = 0; i < nw; i++) {
      z[b][i] = d0[i];
      z[2 + b][i] = d0[i] + d1[i];
      z[4 + b][i] = d0[i] - d1[i];
      z[6 + b][i] = -d1[i];
    }
  }
  for (size_t r = 0; r < 4; r++) { /* (A dY) A^T, along s */
    float *o = dm + 4 * r * xs;
    const float *z0 = z[2 * r], *z1 = z[2 * r + 1];
    for (size_t i = 0; i < nw; i++) {
      o[i] = z0[i];
      o[xs + i] = z0[i] + z1[i];
      o[2 * xs + i] = z0[i] - z1[i];
      o[3 * xs + i] = -z1[i];
    }
  }
}

/* d[4r + s] += (B dV B^T)[r][s], the adjoint of input_tile: dV[xi] at
 * dv + xi*xs. */
WINO_INLINE void dx_tile(const float *dv, size_t xs, float *const d[16], size_t nw) {
  float q[16][WINO_VEC]; /* dV B^T, along s: q[4r + s] */
  for (size_t r = 0; r < 4; r++) {
    const float *v0 = dv + 4 * r * xs, *v1 = v0 + xs, *v2 = v1 + xs, *v3 = v2 + xs;
    for (size_t i = 0; i < nw; i++) {
      q[4 * r][i] = v0[i];
      q[4 * r + 1][i] = v1[i] - v2[i] + v3[i];
      q[4 * r + 2][i] = v1[i] + v2[i] - v0[i];
      q[4 * r + 3][i] = -v3[i];
    }
  }
  for (size_t s = 0; s < 4; s++) { /* B (dV B^T), along r */
    float *d0 = d[s], *d1 = d[4 + s], *d2 = d[8 + s], *d3 = d[12 + s];
    for (size_t i = 0; i < nw; i++) {
      d0[i] += q[s][i];
      d1[i] += q[4 + s][i] - q[8 + s][i] + q[12 + s][i];
      d2[i] += q[4 + s][i] + q[8 + s][i] - q[s][i];
      d3[i] -= q[12 + s][i];
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

/* A chunk's images [n0, n0 + nw) and its workspace. */
typedef struct wino_chunk {
  size_t n0, nw;
  float *v, *m, *dv, *du;
} wino_chunk;

static wino_chunk chunk_at(const wino_job *j, size_t q) {
  float *ws = j->ws + q * j->s.per_chunk;
  return (wino_chunk){q * WINO_VEC, fmnist__chunk_n(j->g->n, q), ws, ws + 16 * j->s.vs,
                      ws + 16 * (j->s.vs + j->s.ms), ws + 16 * (2 * j->s.vs + j->s.ms)};
}

/* Where the run of the chunk's images at pixel (y, x) of plane c of an
 * array of `planes` planes (the nets' layout: the chunk's block, then
 * C x H x W x nw) starts; *inside says whether the pixel is in the plane
 * (else 0). */
static size_t run_at(const wino_job *j, const wino_chunk *ch, size_t planes, size_t c,
                     ptrdiff_t y, ptrdiff_t x, int *inside) {
  const fmnist__conv_geom *g = j->g;
  *inside = y >= 0 && x >= 0 && y < (ptrdiff_t)g->h && x < (ptrdiff_t)g->w;
  const size_t pixel = (c * g->h + (size_t)y) * g->w + (size_t)x;
  return *inside ? ch->n0 * planes * g->h * g->w + pixel * ch->nw : 0;
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
      float pad[16][WINO_VEC];
      const float *d[16];
      for (size_t k = 0; k < 16; k++)
        d[k] = vec_at(j, ch, j->x, j->g->c, c, (ptrdiff_t)(2 * ty + k / 4) - 1,
                      (ptrdiff_t)(2 * tx + k % 4) - 1, nw, pad[k]);
      input_tile(d, ch->v + c * cols + t * WINO_VEC, xs, WINO_VEC);
    }
}

/* y of the group's tiles from M; the 2x2 blocks of the last tile row or
 * column may stick out of the image. */
WINO_INLINE void group_output(const wino_job *j, const wino_chunk *ch, size_t t0, size_t nt,
                              size_t nw) {
  const size_t cols = nt * WINO_VEC, xs = block_stride(j->f, cols);
  for (size_t k = 0; k < j->f; k++)
    for (size_t t = 0; t < nt; t++) {
      const size_t ty = (t0 + t) / j->s.tw, tx = (t0 + t) % j->s.tw;
      float out[4][WINO_VEC];
      output_tile(ch->m + k * cols + t * WINO_VEC, xs, j->b[k], out, nw);
      for (size_t a = 0; a < 4; a++) {
        int in;
        const size_t at = run_at(j, ch, j->f, k, (ptrdiff_t)(2 * ty + a / 2),
                                 (ptrdiff_t)(2 * tx + a % 2), &in);
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
      float pad[4][WINO_VEC];
      const float *d[4];
      for (size_t a = 0; a < 4; a++)
        d[a] = vec_at(j, ch, j->dy, j->f, k, (ptrdiff_t)(2 * ty + a / 2),
                      (ptrdiff_t)(2 * tx + a % 2), nw, pad[a]);
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
      float *d[16];
      for (size_t k = 0; k < 16; k++) {
        int in;
        const size_t at = run_at(j, ch, j->g->c, c, (ptrdiff_t)(2 * ty + k / 4) - 1,
                                 (ptrdiff_t)(2 * tx + k % 4) - 1, &in);
        d[k] = in ? j->dx + at : sink;
      }
      dx_tile(ch->dv + c * cols + t * WINO_VEC, xs, d, nw);
    }
}

/* The group's 16 products: out[xi] = op(U[xi]) in[xi] (forward: M = U V;
 * backward: dV = U^T dM). */
static void group_products(const wino_job *j, int backward, const float *in, float *out,
                           size_t cols) {
  const size_t c_in = j->g->c, f = j->f, vs = block_stride(c_in, cols), ms = block_stride(f, cols);
  for (size_t xi = 0; xi < 16; xi++) {
    const float *u = j->u + xi * f * c_in;
    if (backward)
      fmnist__sgemm(1, 0, c_in, cols, f, 1.0f, u, c_in, in + xi * ms, cols, 0.0f, out + xi * vs,
                    cols);
    else
      fmnist__sgemm(0, 0, f, cols, c_in, 1.0f, u, c_in, in + xi * vs, cols, 0.0f, out + xi * ms,
                    cols);
  }
}

/* Task q: chunk q's forward pass, group by group. */
static void forward_chunk(void *ctx, size_t q) {
  const wino_job *j = ctx;
  const wino_chunk ch = chunk_at(j, q);
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
static void backward_chunk(void *ctx, size_t q) {
  const wino_job *j = ctx;
  const wino_chunk ch = chunk_at(j, q);
  const fmnist__conv_geom *g = j->g;
  if (j->dx) { /* the chunk's block */
    float *dx = j->dx + ch.n0 * g->c * g->h * g->w;
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
    for (size_t xi = 0; xi < 16; xi++) /* dU[xi] += dM[xi] V[xi]^T */
      fmnist__sgemm(0, 1, f, c_in, cols, 1.0f, ch.m + xi * ms, cols, ch.v + xi * vs, cols,
                    t0 ? 1.0f : 0.0f, ch.du + xi * f * c_in, c_in);
    if (!j->dx) continue;
    group_products(j, 1, ch.m, ch.dv, cols);
    if (ch.nw == WINO_VEC) group_dx(j, &ch, t0, nt, WINO_VEC);
    else group_dx(j, &ch, t0, nt, ch.nw);
  }
}

/* dU[xi] of the batch: the chunks' sums added in chunk order, into the
 * first chunk's. */
static void sum_du(void *ctx, size_t lo, size_t hi) {
  const wino_job *j = ctx;
  float *du = chunk_at(j, 0).du;
  for (size_t q = 1; q < j->s.chunks; q++) {
    const float *part = chunk_at(j, q).du;
    for (size_t i = lo; i < hi; i++) du[i] += part[i];
  }
}

/* dw = G^T dU G of every filter k in [lo, hi) and channel: the adjoint of
 * fmnist__winograd_weights, blocked the same way. */
static void transform_du(void *ctx, size_t lo, size_t hi) {
  const wino_job *j = ctx;
  const size_t c_in = j->g->c, f = j->f;
  const float *du = chunk_at(j, 0).du; /* the batch's, after sum_du */
  for (size_t k = lo; k < hi; k++)
    for (size_t c0 = 0; c0 < c_in; c0 += WINO_BLOCK) {
      const size_t cb = c_in - c0 < WINO_BLOCK ? c_in - c0 : WINO_BLOCK;
      float in[16][WINO_BLOCK];
      for (size_t xi = 0; xi < 16; xi++)
        for (size_t i = 0; i < cb; i++) in[xi][i] = du[(xi * f + k) * c_in + c0 + i];
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

void fmnist__winograd_backward(const fmnist__conv_geom *g, size_t f, const float *u,
                               const float *x, const float *dy, float *dw, float *dx, float *ws,
                               size_t threads) {
  wino_job j = {g, shape_of(g, f), f, u, NULL, x, dy, NULL, dx, dw, ws};
  fmnist__parallel_for(threads, j.s.chunks, backward_chunk, &j);
  fmnist__parallel_range(threads, 16 * f * g->c, FMNIST__PAR_GRAIN, sum_du, &j);
  fmnist__parallel_range(threads, f, 1, transform_du, &j);
}
