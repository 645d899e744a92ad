/* Winograd F(2x2, 3x3) convolution, forward and backward (see winograd.h).
 *
 * Tiles: the output is cut into 2x2 blocks, th = ceil(H/2) by tw =
 * ceil(W/2) = tpi per image. The images are taken in chunks of at most
 * WINO_BLOCK (chunk_images: a chunk's transformed tiles stay in the core's
 * cache between the transforms and the products that use them, and every
 * transform runs on vectors of a chunk's images). Tile pos = ty*tw + tx
 * of image n0 + i of the chunk starting at image n0 is column
 * t = n0*tpi + pos*cnt + i of T = tpi*N, cnt the chunk's image count.
 * Weights U: 16 x F x C; row xi = 4r + s of a 4x4 tile position.
 * Workspace: P (per chunk, C x (2th+2) x (2tw+2) x cnt: each plane with a
 * zero border, image index innermost), M (16 x F x T), V (16 x C x T); in
 * training V is kept by the layer, and the backward pass reuses P for dx's
 * sums over the tiles and M for dM, and adds dV (16 x C x T) and dU
 * (16 x F x C). The 16 blocks of V, dV and M lie WINO_SKEW floats further
 * apart than their size: at multiples of 4 KiB (as 64 x 784 floats are),
 * the 16 rows a tile reads or writes would all fall into the same L1
 * cache set.
 *
 * Forward, one task per chunk: V = B^T d B, M[xi] = U[xi] V[xi] (16
 * sgemms), Y = A^T M A. Backward, one task per chunk: dM = A dY A^T,
 * dV[xi] = U[xi]^T dM[xi], dx = B dV B^T summed over the tiles; then one
 * task per xi: dU[xi] = dM[xi] V[xi]^T over all T columns (so that dw does
 * not depend on the chunks), and dw = G^T dU G per filter.
 *
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
 *   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   A^T = [1 1 1 0; 0 1 -1 -1] */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include "kernels/winograd.h"

#include "base/threads.h"
#include "kernels/gemm.h"

/* Most images per chunk (the transforms' local arrays). */
#define WINO_BLOCK 16
/* Columns a chunk aims at: enough for efficient sgemms, few enough that a
 * chunk's V and M (16 x (C + F) x cols floats) stay near the core's L2
 * (on the final CNN 64 to 512 timed alike within this machine's noise). */
#define WINO_COLS 256
/* One cache line (see above). */
#define WINO_SKEW 16

typedef struct wino_job {
  const fmnist__conv_geom *g;
  size_t f, th, tw, tpi, tiles, chunk; /* chunk: images per chunk */
  size_t vs, ms; /* distance of consecutive blocks xi of V (and dV) and M */
  const float *u, *b, *x, *dy;
  float *y, *p, *v, *m, *dv, *du, *dw, *dx;
} wino_job;

/* Chunk q of a job: its first image, image count, first column. */
typedef struct wino_chunk {
  size_t n0, cnt, base;
} wino_chunk;

int fmnist__winograd_applies(const fmnist__conv_geom *g) {
  return g->k == 3 && g->s == 1 && g->pad_t == 1 && g->pad_l == 1 && g->h_out == g->h &&
         g->w_out == g->w && g->c >= 8;
}

static size_t padded_plane(const fmnist__conv_geom *g) {
  return (2 * ((g->h + 1) / 2) + 2) * (2 * ((g->w + 1) / 2) + 2);
}

static size_t tiles_per_image(const fmnist__conv_geom *g) {
  return ((g->h + 1) / 2) * ((g->w + 1) / 2);
}

/* 16 blocks of rows x T floats, WINO_SKEW apart. */
static size_t blocks(const fmnist__conv_geom *g, size_t rows) {
  return 16 * (rows * tiles_per_image(g) * g->n + WINO_SKEW);
}

static size_t planes(const fmnist__conv_geom *g) { return g->c * g->n * padded_plane(g); }

size_t fmnist__winograd_floats(const fmnist__conv_geom *g, size_t f) {
  return planes(g) + blocks(g, g->c) + blocks(g, f);
}

size_t fmnist__winograd_keep_floats(const fmnist__conv_geom *g) { return blocks(g, g->c); }

size_t fmnist__winograd_train_floats(const fmnist__conv_geom *g, size_t f) {
  return planes(g) + blocks(g, f) + blocks(g, g->c) + fmnist__winograd_weight_floats(g->c, f);
}

size_t fmnist__winograd_weight_floats(size_t c, size_t f) { return 16 * f * c; }

/* Images per chunk: a function of the shape alone, so that results do not
 * depend on the thread count; a multiple of 4, the vector width the
 * transforms' loops over the images run at. */
static size_t chunk_images(const fmnist__conv_geom *g) {
  size_t k = (WINO_COLS + tiles_per_image(g) - 1) / tiles_per_image(g);
  k = (k + 3) / 4 * 4;
  return k < WINO_BLOCK ? k : WINO_BLOCK;
}

static wino_job job_of(const fmnist__conv_geom *g, size_t f, float *p, float *v, float *m) {
  const size_t tiles = tiles_per_image(g) * g->n;
  return (wino_job){.g = g,
                    .f = f,
                    .th = (g->h + 1) / 2,
                    .tw = (g->w + 1) / 2,
                    .tpi = tiles_per_image(g),
                    .tiles = tiles,
                    .chunk = chunk_images(g),
                    .vs = g->c * tiles + WINO_SKEW,
                    .ms = f * tiles + WINO_SKEW,
                    .p = p,
                    .v = v,
                    .m = m};
}

static size_t chunks_of(const wino_job *j) { return (j->g->n + j->chunk - 1) / j->chunk; }

static wino_chunk chunk_at(const wino_job *j, size_t q) {
  const size_t n0 = q * j->chunk, left = j->g->n - n0;
  return (wino_chunk){n0, left < j->chunk ? left : j->chunk, n0 * j->tpi};
}

/* The chunk's padded plane of channel c (ph x pw x cnt). */
static float *plane_of(const wino_job *j, const wino_chunk *ch, size_t c) {
  return j->p + (ch->n0 * j->g->c + c * ch->cnt) * padded_plane(j->g);
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

/* Channel c of a chunk: P, then V[xi][c] = (B^T d B)[r][s] of every tile. */
static void input_tiles(const wino_job *j, const wino_chunk *ch, size_t c) {
  const fmnist__conv_geom *g = j->g;
  const size_t th = j->th, tw = j->tw, h = g->h, w = g->w, nb = ch->cnt;
  const size_t ph = 2 * th + 2, pw = 2 * tw + 2, xs = j->vs;
  /* P[py][px][i] = x[c][n0 + i][py - 1][px - 1], 0 outside the image. */
  float *p = plane_of(j, ch, c);
  for (size_t py = 0; py < ph; py++) {
    float *prow = p + py * pw * nb;
    if (py == 0 || py > h) {
      for (size_t i = 0; i < pw * nb; i++) prow[i] = 0;
      continue;
    }
    for (size_t i = 0; i < nb; i++) prow[i] = 0;
    for (size_t i = (w + 1) * nb; i < pw * nb; i++) prow[i] = 0;
    for (size_t i = 0; i < nb; i++) {
      const float *src = j->x + ((c * g->n + ch->n0 + i) * h + py - 1) * w;
      for (size_t ix = 0; ix < w; ix++) prow[(ix + 1) * nb + i] = src[ix];
    }
  }
  float *v = j->v + c * j->tiles + ch->base; /* V[xi][c][pos*nb + i] = v[xi * xs + ...] */
  for (size_t ty = 0; ty < th; ty++)
    for (size_t tx = 0; tx < tw; tx++) {
      const float *d = p + (2 * ty * pw + 2 * tx) * nb; /* d[(r*pw + s)*nb + i] */
      float *out = v + (ty * tw + tx) * nb;
      float e[16][WINO_BLOCK]; /* B^T d, along r: e[4r + s] */
      for (size_t s = 0; s < 4; s++) {
        const float *d0 = d + s * nb, *d1 = d0 + pw * nb, *d2 = d1 + pw * nb, *d3 = d2 + pw * nb;
        for (size_t i = 0; i < nb; i++) {
          e[s][i] = d0[i] - d2[i];
          e[4 + s][i] = d1[i] + d2[i];
          e[8 + s][i] = d2[i] - d1[i];
          e[12 + s][i] = d1[i] - d3[i];
        }
      }
      for (size_t r = 0; r < 4; r++) { /* (B^T d) B, along s */
        const float *e0 = e[4 * r], *e1 = e[4 * r + 1], *e2 = e[4 * r + 2], *e3 = e[4 * r + 3];
        float *o = out + 4 * r * xs;
        for (size_t i = 0; i < nb; i++) {
          o[i] = e0[i] - e2[i];
          o[xs + i] = e1[i] + e2[i];
          o[2 * xs + i] = e2[i] - e1[i];
          o[3 * xs + i] = e1[i] - e3[i];
        }
      }
    }
}

/* Filter k of a chunk: y[k] = A^T M A + b[k] of every tile; the 2x2 blocks
 * of the last tile row or column may stick out of the image. */
static void output_tiles(const wino_job *j, const wino_chunk *ch, size_t k) {
  const fmnist__conv_geom *g = j->g;
  const size_t th = j->th, tw = j->tw, h = g->h, w = g->w, nb = ch->cnt, xs = j->ms;
  const float bias = j->b[k];
  float *yk = j->y + (k * g->n + ch->n0) * h * w;
  for (size_t ty = 0; ty < th; ty++)
    for (size_t tx = 0; tx < tw; tx++) {
      const float *in = j->m + k * j->tiles + ch->base + (ty * tw + tx) * nb;
      const size_t oy = 2 * ty, ox = 2 * tx;
      float u[8][WINO_BLOCK]; /* M A, along s: u[2r + b] */
      for (size_t r = 0; r < 4; r++) {
        const float *m0 = in + 4 * r * xs, *m1 = m0 + xs, *m2 = m1 + xs, *m3 = m2 + xs;
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
          for (size_t i = 0; i < nb; i++) yk[(i * h + oy + a) * w + ox + b] = out[2 * a + b][i];
    }
}

/* Task q: chunk q's V, its 16 products M[xi] = U[xi] V[xi], its outputs. */
static void forward_chunk(void *ctx, size_t q) {
  const wino_job *j = ctx;
  const wino_chunk ch = chunk_at(j, q);
  const size_t c_in = j->g->c, f = j->f, t = j->tiles;
  for (size_t c = 0; c < c_in; c++) input_tiles(j, &ch, c);
  for (size_t xi = 0; xi < 16; xi++)
    fmnist__sgemm(0, 0, f, ch.cnt * j->tpi, c_in, 1.0f, j->u + xi * f * c_in, c_in,
                  j->v + xi * j->vs + ch.base, t, 0.0f, j->m + xi * j->ms + ch.base, t);
  for (size_t k = 0; k < f; k++) output_tiles(j, &ch, k);
}

/* Inference: the training pass with V in the workspace, after P and M. */
void fmnist__winograd_conv(const fmnist__conv_geom *g, size_t f, const float *u,
                           const float *b, const float *x, float *y, float *ws, size_t threads) {
  fmnist__winograd_conv_train(g, f, u, b, x, y, ws + planes(g) + blocks(g, f), ws, threads);
}

void fmnist__winograd_conv_train(const fmnist__conv_geom *g, size_t f, const float *u,
                                 const float *b, const float *x, float *y, float *keep,
                                 float *ws, size_t threads) {
  wino_job j = job_of(g, f, ws, keep, ws + planes(g));
  j.u = u;
  j.b = b;
  j.x = x;
  j.y = y;
  fmnist__parallel_for(threads, chunks_of(&j), forward_chunk, &j);
}

/* ---- backward: the adjoint of each forward step, in reverse order ---- */

/* Filter k of a chunk: dM[xi][k] = (A dY A^T)[r][s] of every tile, the
 * adjoint of output_tiles (outputs outside the image have dY = 0). */
static void dy_tiles(const wino_job *j, const wino_chunk *ch, size_t k) {
  const fmnist__conv_geom *g = j->g;
  const size_t th = j->th, tw = j->tw, h = g->h, w = g->w, nb = ch->cnt, xs = j->ms;
  const float *dyk = j->dy + (k * g->n + ch->n0) * h * w;
  for (size_t ty = 0; ty < th; ty++)
    for (size_t tx = 0; tx < tw; tx++) {
      float *out = j->m + k * j->tiles + ch->base + (ty * tw + tx) * nb;
      const size_t oy = 2 * ty, ox = 2 * tx;
      float d[4][WINO_BLOCK]; /* dY[a][b] at d[2a + b] */
      for (size_t a = 0; a < 2; a++)
        for (size_t b = 0; b < 2; b++) {
          if (oy + a < h && ox + b < w)
            for (size_t i = 0; i < nb; i++) d[2 * a + b][i] = dyk[(i * h + oy + a) * w + ox + b];
          else
            for (size_t i = 0; i < nb; i++) d[2 * a + b][i] = 0.0f;
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
        float *o = out + 4 * r * xs;
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

/* Channel c of a chunk: B dV B^T of every tile summed into the zeroed
 * plane P (tiles overlap by two rows and columns), then its inside into
 * dx: the adjoint of input_tiles. */
static void dx_tiles(const wino_job *j, const wino_chunk *ch, size_t c) {
  const fmnist__conv_geom *g = j->g;
  const size_t th = j->th, tw = j->tw, h = g->h, w = g->w, nb = ch->cnt;
  const size_t ph = 2 * th + 2, pw = 2 * tw + 2, xs = j->vs;
  float *p = plane_of(j, ch, c);
  for (size_t i = 0; i < ph * pw * nb; i++) p[i] = 0;
  const float *v = j->dv + c * j->tiles + ch->base;
  for (size_t ty = 0; ty < th; ty++)
    for (size_t tx = 0; tx < tw; tx++) {
      float *d = p + (2 * ty * pw + 2 * tx) * nb; /* d[(r*pw + s)*nb + i] */
      const float *in = v + (ty * tw + tx) * nb;
      float q[16][WINO_BLOCK]; /* dV B^T, along s: q[4r + s] */
      for (size_t r = 0; r < 4; r++) {
        const float *v0 = in + 4 * r * xs, *v1 = v0 + xs, *v2 = v1 + xs, *v3 = v2 + xs;
        for (size_t i = 0; i < nb; i++) {
          q[4 * r][i] = v0[i];
          q[4 * r + 1][i] = v1[i] - v2[i] + v3[i];
          q[4 * r + 2][i] = v1[i] + v2[i] - v0[i];
          q[4 * r + 3][i] = -v3[i];
        }
      }
      for (size_t s = 0; s < 4; s++) { /* B (dV B^T), along r */
        float *d0 = d + s * nb, *d1 = d0 + pw * nb, *d2 = d1 + pw * nb, *d3 = d2 + pw * nb;
        for (size_t i = 0; i < nb; i++) {
          d0[i] += q[s][i];
          d1[i] += q[4 + s][i] - q[8 + s][i] + q[12 + s][i];
          d2[i] += q[4 + s][i] + q[8 + s][i] - q[s][i];
          d3[i] -= q[12 + s][i];
        }
      }
    }
  for (size_t i = 0; i < nb; i++)
    for (size_t iy = 0; iy < h; iy++) {
      float *dst = j->dx + ((c * g->n + ch->n0 + i) * h + iy) * w;
      const float *src = p + ((iy + 1) * pw + 1) * nb + i;
      for (size_t ix = 0; ix < w; ix++) dst[ix] = src[ix * nb];
    }
}

/* Task q: chunk q's dM and, if dx is wanted, dV[xi] = U[xi]^T dM[xi] and
 * its dx. */
static void backward_chunk(void *ctx, size_t q) {
  const wino_job *j = ctx;
  const wino_chunk ch = chunk_at(j, q);
  const size_t c_in = j->g->c, f = j->f, t = j->tiles;
  for (size_t k = 0; k < f; k++) dy_tiles(j, &ch, k);
  if (!j->dx) return;
  for (size_t xi = 0; xi < 16; xi++)
    fmnist__sgemm(1, 0, c_in, ch.cnt * j->tpi, f, 1.0f, j->u + xi * f * c_in, c_in,
                  j->m + xi * j->ms + ch.base, t, 0.0f, j->dv + xi * j->vs + ch.base, t);
  for (size_t c = 0; c < c_in; c++) dx_tiles(j, &ch, c);
}

/* Task xi: dU[xi] = dM[xi] V[xi]^T over every column. */
static void weight_product(void *ctx, size_t xi) {
  const wino_job *j = ctx;
  const size_t c_in = j->g->c, f = j->f, t = j->tiles;
  fmnist__sgemm(0, 1, f, c_in, t, 1.0f, j->m + xi * j->ms, t, j->v + xi * j->vs, t, 0.0f,
                j->du + xi * f * c_in, c_in);
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

void fmnist__winograd_backward(const fmnist__conv_geom *g, size_t f, const float *u,
                               const float *dy, const float *keep, float *dw, float *dx,
                               float *ws, size_t threads) {
  float *m = ws + planes(g);
  wino_job j = job_of(g, f, ws, (float *)keep, m);
  j.u = u;
  j.dy = dy;
  j.dv = m + blocks(g, f);
  j.du = j.dv + blocks(g, g->c);
  j.dw = dw;
  j.dx = dx;
  fmnist__parallel_for(threads, chunks_of(&j), backward_chunk, &j);
  fmnist__parallel_for(threads, 16, weight_product, &j);
  fmnist__parallel_range(threads, f, 1, transform_du, &j);
}
