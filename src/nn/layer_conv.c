/* conv2d layer: im2col, then one sgemm per product, chunk by chunk.
 *
 * W: F x (C*k*k), b: F. cols (kept for backward): per chunk of k images
 * (C*k*k) x (P*k) with P = H_out*W_out. Forward y (F x P*k) = W * cols +
 * b per chunk; backward dW = sum over the chunks of dy * cols^T (in chunk
 * order), db = row sums of dy, dcols = W^T * dy and dx = col2im per
 * chunk.
 * A layer with Winograd weights (l->wino: 3x3 "same" convolutions on
 * planes where it pays, unless the net's conv_algorithm is im2col) takes
 * the Winograd path instead (winograd.h), in training and inference: 3 to
 * 4x fewer multiplications, and nothing kept from forward to backward. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include "base/status.h"
#include "kernels/gemm.h"
#include "kernels/im2col.h"
#include "kernels/layout.h"
#include "kernels/winograd.h"
#include "nn/layer.h"
#include "nn/layer_conv.h"
#include "nn/pass.h"

static fmnist_status conv_setup(fmnist__layer *l) {
  size_t k = l->spec.kernel, s = l->spec.stride;
  if (!l->spec.same && (k > l->in_h || k > l->in_w))
    return fmnist__fail(FMNIST_E_OPTION, "kernel %zu is larger than the %zux%zu input", k,
                        l->in_h, l->in_w);
  if (l->spec.same) { /* Keras/TensorFlow "same": out = ceil(in/s) */
    l->out_h = (l->in_h + s - 1) / s;
    l->out_w = (l->in_w + s - 1) / s;
    size_t ph = (l->out_h - 1) * s + k, pw = (l->out_w - 1) * s + k;
    l->pad_t = ph > l->in_h ? (ph - l->in_h) / 2 : 0;
    l->pad_l = pw > l->in_w ? (pw - l->in_w) / 2 : 0;
  } else {
    l->out_h = (l->in_h - k) / s + 1;
    l->out_w = (l->in_w - k) / s + 1;
  }
  l->out_c = l->spec.units;
  l->n_w = l->out_c * l->in_c * k * k;
  l->n_b = l->out_c;
  return FMNIST_OK;
}

static void conv_init(fmnist__layer *l, fmnist__rng *rng, int glorot) {
  size_t kk = l->spec.kernel * l->spec.kernel;
  fmnist__layer_init_weights(l->w, l->n_w, l->in_c * kk, l->out_c * kk, glorot, rng);
  for (size_t i = 0; i < l->n_b; i++) l->b[i] = 0;
}

static fmnist__conv_geom geom(const fmnist__layer *l, size_t n) {
  return (fmnist__conv_geom){l->in_c,       n,        l->in_h,  l->in_w,
                             l->spec.kernel, l->spec.stride, l->pad_t, l->pad_l,
                             l->out_h,      l->out_w};
}

static size_t conv_cols_floats(const fmnist__layer *l, size_t n) {
  return l->in_c * l->spec.kernel * l->spec.kernel * n * l->out_h * l->out_w;
}
/* aux: the cols, kept from forward to backward (the Winograd path keeps
 * nothing). */
static size_t conv_aux_bytes(const fmnist__layer *l, size_t n) {
  return l->wino ? 0 : conv_cols_floats(l, n) * sizeof(float);
}
/* Scratch: dcols in backward, or the Winograd workspace of either pass. */
static size_t conv_scratch_floats(const fmnist__layer *l, size_t n) {
  const fmnist__conv_geom g = geom(l, n);
  return l->wino ? fmnist__winograd_floats(&g, l->out_c) : conv_cols_floats(l, n);
}

size_t fmnist__conv_winograd_floats(const fmnist__layer *l) {
  const fmnist__conv_geom g = geom(l, 1);
  return fmnist__winograd_applies(&g) ? fmnist__winograd_weight_floats(l->in_c, l->out_c) : 0;
}

int fmnist__conv_winograd_pays(const fmnist__layer *l) {
  const fmnist__conv_geom g = geom(l, 1);
  return fmnist__winograd_pays(&g);
}

void fmnist__conv_winograd_prepare(fmnist__layer *l) {
  if (l->wino) fmnist__winograd_weights(l->in_c, l->out_c, l->w, l->wino, 1);
}

/* A pass of the im2col path (fmnist__for_chunks): chunk q's cols and
 * dcols start at fmnist__chunk_at(q, C*k*k * P). */
typedef struct conv_job {
  const fmnist__layer *l;
  size_t n;
  const float *x, *dy;
  float *y, *dx, *cols;
} conv_job;

/* Chunk q of a pass: its geometry (g.n its images), the products' sizes
 * (kdim = C*k*k, np = P*k columns) and where its arrays start. */
typedef struct conv_chunk {
  fmnist__conv_geom g;
  size_t f, kdim, np;
  size_t in, out, cols; /* offsets in x (dx), y (dy), cols (dcols) */
} conv_chunk;

static conv_chunk chunk_of(const conv_job *j, size_t q) {
  const fmnist__layer *l = j->l;
  const size_t k = fmnist__chunk_n(j->n, q), p = l->out_h * l->out_w;
  const size_t kdim = l->in_c * l->spec.kernel * l->spec.kernel;
  return (conv_chunk){geom(l, k),
                      l->out_c,
                      kdim,
                      k * p,
                      fmnist__chunk_at(q, fmnist__layer_in_size(l)),
                      fmnist__chunk_at(q, l->out_c * p),
                      fmnist__chunk_at(q, kdim * p)};
}

static void forward_chunk(void *ctx, size_t q, size_t threads) {
  const conv_job *j = ctx;
  const conv_chunk c = chunk_of(j, q);
  float *cols = j->cols + c.cols, *y = j->y + c.out;
  fmnist__im2col(&c.g, j->x + c.in, cols, threads);
  fmnist__sgemm_threads(threads, 0, 0, c.f, c.np, c.kdim, 1.0f, j->l->w, c.kdim, cols, c.np, 0.0f,
                        y, c.np);
  fmnist__add_bias(y, j->l->b, c.f, c.np, threads);
}

static void conv_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                    const fmnist__pass *p) {
  if (n == 0) return; /* a group member without images this step; sgemm needs n > 0 */
  if (l->wino) {
    fmnist__conv_geom g = geom(l, n);
    if (p->training) /* the weights changed since the last step */
      fmnist__winograd_weights(l->in_c, l->out_c, l->w, l->wino, p->threads);
    fmnist__winograd_conv(&g, l->out_c, l->wino, l->b, x, y, p->scratch, p->threads);
    return;
  }
  conv_job j = {l, n, x, NULL, y, NULL, aux};
  fmnist__for_chunks(p->threads, n, forward_chunk, &j);
}

/* Chunk q's dx: dcols = W^T dy, then col2im. */
static void backward_chunk(void *ctx, size_t q, size_t threads) {
  const conv_job *j = ctx;
  const conv_chunk c = chunk_of(j, q);
  float *dcols = j->cols + c.cols;
  fmnist__sgemm_threads(threads, 1, 0, c.kdim, c.np, c.f, 1.0f, j->l->w, c.kdim, j->dy + c.out,
                        c.np, 0.0f, dcols, c.np);
  fmnist__col2im(&c.g, dcols, j->dx + c.in, threads);
}

static void conv_backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
                     float *dx, void *aux, size_t n, const fmnist__pass *p) {
  if (fmnist__layer_no_images(l, n)) return;
  (void)y;
  const size_t f = l->out_c;
  fmnist__sum_rows(dy, f, l->out_h * l->out_w, n, l->db, p->threads);
  if (l->wino) {
    fmnist__conv_geom g = geom(l, n);
    fmnist__winograd_backward(&g, f, l->wino, x, dy, l->dw, dx, p->scratch, p->threads);
    return;
  }
  conv_job j = {l, n, NULL, dy, NULL, dx, aux};
  for (size_t q = 0; q < fmnist__chunks(n); q++) { /* dW, chunk after chunk */
    const conv_chunk c = chunk_of(&j, q);
    fmnist__sgemm_threads(p->threads, 0, 1, f, c.kdim, c.np, 1.0f, dy + c.out, c.np,
                          j.cols + c.cols, c.np, q ? 1.0f : 0.0f, l->dw, c.kdim);
  }
  if (!dx) return;
  j.cols = p->scratch; /* dcols */
  fmnist__for_chunks(p->threads, n, backward_chunk, &j);
}

const fmnist__layer_ops fmnist__conv_ops = {conv_setup,          conv_init,    conv_aux_bytes,
                                            conv_scratch_floats, conv_forward, conv_backward};
