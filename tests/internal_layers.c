/* Net layers: gradients against central finite differences, im2col/col2im,
 * conv and its Winograd inference path against a naive direct convolution,
 * loss (with label smoothing), Adam, SGD and the optimizer's table,
 * learning-rate schedules, the averaged weights, modes, fused tails, and
 * residual blocks through the net's own passes. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "base/rng.h"
#include "base/threads.h"
#include "kernels/adam.h"
#include "kernels/im2col.h"
#include "kernels/layout.h"
#include "kernels/loss.h"
#include "kernels/sgd.h"
#include "nn/layer.h"
#include "nn/layer_conv.h"
#include "nn/average.h"
#include "nn/layer_tail.h"
#include "nn/net_impl.h"
#include "nn/net_infer.h"
#include "nn/net_pass.h"
#include "nn/optimizer.h"
#include "nn/pass.h"
#include "testutil.h"

/* A layer with its own parameter, gradient, statistics and aux memory. */
typedef struct tl {
  fmnist__layer l;
  size_t n, in_len, out_len;
  float *params, *grads, *stats, *scratch, *x, *y, *r, *dx;
  void *aux;
  fmnist__rng rng;
} tl;

static float *randv(fmnist__rng *g, size_t n, double scale) {
  float *v = calloc(n ? n : 1, sizeof *v);
  for (size_t i = 0; i < n; i++) v[i] = (float)(scale * (2 * fmnist__rng_uniform(g) - 1));
  return v;
}

/* A conv layer on the Winograd path (winograd 1) gets its own Winograd
 * weights, as the net gives them; its aux and scratch follow. */
static void tl_make_path(tl *t, fmnist__layer_spec spec, size_t c, size_t h, size_t w, size_t n,
                         int winograd) {
  memset(t, 0, sizeof *t);
  ck_assert_int_eq(fmnist__layer_make(&t->l, &spec, c, h, w), FMNIST_OK);
  fmnist__layer *l = &t->l;
  if (winograd) {
    ck_assert_uint_gt(fmnist__conv_winograd_floats(l), 0);
    l->wino = calloc(fmnist__conv_winograd_floats(l), sizeof(float));
  }
  t->n = n;
  t->in_len = fmnist__layer_in_size(l) * n;
  t->out_len = fmnist__layer_out_size(l) * n;
  size_t np = l->n_w + l->n_b;
  t->params = calloc(np + 1, sizeof(float));
  t->grads = calloc(np + 1, sizeof(float));
  t->stats = calloc(l->n_stats + 1, sizeof(float));
  l->w = t->params;
  l->b = t->params + l->n_w;
  l->dw = t->grads;
  l->db = t->grads + l->n_w;
  l->stats = t->stats;
  fmnist__rng_init(&t->rng, 7, FMNIST__STREAM_NET_INIT, 0);
  if (l->ops->init) l->ops->init(l, &t->rng, 0);
  /* Nonzero biases and non-unit gamma so that their gradients matter. */
  for (size_t i = 0; i < l->n_b; i++) l->b[i] = (float)(0.3 * fmnist__rng_uniform(&t->rng));
  if (spec.kind == FMNIST__L_BN)
    for (size_t i = 0; i < l->n_w; i++) l->w[i] = (float)(0.5 + fmnist__rng_uniform(&t->rng));
  t->aux = calloc(l->ops->aux_bytes ? l->ops->aux_bytes(l, n) + 1 : 1, 1);
  t->scratch = calloc(l->ops->scratch_floats ? l->ops->scratch_floats(l, n) + 1 : 1,
                      sizeof(float));
  t->x = randv(&t->rng, t->in_len, 1.0);
  t->y = calloc(t->out_len, sizeof(float));
  t->r = randv(&t->rng, t->out_len, 1.0);
  t->dx = calloc(t->in_len, sizeof(float));
  if (l->wino) fmnist__conv_winograd_prepare(l);
}

static void tl_make(tl *t, fmnist__layer_spec spec, size_t c, size_t h, size_t w, size_t n) {
  tl_make_path(t, spec, c, h, w, n, 0);
}

static void tl_free(tl *t) {
  free(t->l.wino);
  free(t->params);
  free(t->grads);
  free(t->stats);
  free(t->aux);
  free(t->scratch);
  free(t->x);
  free(t->y);
  free(t->r);
  free(t->dx);
}

/* L = sum(y * r), in double; the same random stream every call, so dropout
 * masks and noise are fixed while differentiating. */
static double tl_loss(tl *t, int training) {
  fmnist__rng g;
  fmnist__rng_init(&g, 99, FMNIST__STREAM_NET_TRAIN, 0);
  fmnist__pass p = {training, &g, t->scratch, 1, NULL, 0, t->n, NULL};
  t->l.ops->forward(&t->l, t->x, t->y, t->aux, t->n, &p);
  double s = 0;
  for (size_t i = 0; i < t->out_len; i++) s += (double)t->y[i] * t->r[i];
  return s;
}

static void tl_backward(tl *t, int training) {
  fmnist__rng g;
  fmnist__rng_init(&g, 99, FMNIST__STREAM_NET_TRAIN, 0);
  fmnist__pass p = {training, &g, t->scratch, 1, NULL, 0, t->n, NULL};
  tl_loss(t, training);
  t->l.ops->backward(&t->l, t->x, t->y, t->r, t->dx, t->aux, t->n, &p);
}

/* Relative error ||a - b|| / max(||a||, ||b||) of an analytic gradient a
 * against the central difference of L over v[0..n). Step 1e-2 on values of
 * order 1: the truncation error O(h^2) is ~1e-4 relative, and the float32
 * rounding of L (~1e-7 |L| summed in double) divided by 2h stays ~1e-5, so
 * 1e-3 separates a correct gradient from a wrong one by orders of
 * magnitude. */
static double fd_error(tl *t, float *v, const float *analytic, size_t n, int training) {
  const float h = 3e-3f;
  double num2 = 0, an2 = 0, diff2 = 0;
  for (size_t i = 0; i < n; i++) {
    float keep = v[i];
    v[i] = keep + h;
    double lp = tl_loss(t, training);
    v[i] = keep - h;
    double lm = tl_loss(t, training);
    v[i] = keep;
    double num = (lp - lm) / (2.0 * h);
    num2 += num * num;
    an2 += (double)analytic[i] * analytic[i];
    diff2 += (num - analytic[i]) * (num - analytic[i]);
  }
  double den = sqrt(num2 > an2 ? num2 : an2);
  return den > 0 ? sqrt(diff2) / den : 0;
}

static void check_grads(tl *t, int training) {
  tl_backward(t, training);
  size_t nw = t->l.n_w, nb = t->l.n_b;
  float *dx = malloc(t->in_len * sizeof *dx), *dw = malloc((nw + nb + 1) * sizeof *dw);
  memcpy(dx, t->dx, t->in_len * sizeof *dx);
  memcpy(dw, t->grads, (nw + nb) * sizeof *dw);
  double ex = fd_error(t, t->x, dx, t->in_len, training);
  ck_assert_msg(ex < 1e-3, "%s: dx relative error %g", fmnist__layer_name(t->l.spec.kind), ex);
  if (nw) {
    double ew = fd_error(t, t->l.w, dw, nw, training);
    ck_assert_msg(ew < 1e-3, "%s: dw relative error %g", fmnist__layer_name(t->l.spec.kind), ew);
    double eb = fd_error(t, t->l.b, dw + nw, nb, training);
    ck_assert_msg(eb < 1e-3, "%s: db relative error %g", fmnist__layer_name(t->l.spec.kind), eb);
  }
  free(dx);
  free(dw);
}

/* Keeps every |x| >= 0.1 (relu's kink) and, for pooling, makes values
 * distinct by more than 2h (the max's kink). */
static void spread_inputs(tl *t) {
  for (size_t i = 0; i < t->in_len; i++) {
    float v = t->x[i];
    t->x[i] = v >= 0 ? v + 0.1f : v - 0.1f;
  }
}
static void distinct_inputs(tl *t) {
  size_t n = t->in_len;
  size_t *idx = malloc(n * sizeof *idx);
  for (size_t i = 0; i < n; i++) idx[i] = i;
  fmnist__rng_shuffle(&t->rng, idx, n);
  for (size_t i = 0; i < n; i++) t->x[idx[i]] = -1.0f + 0.05f * (float)i;
  free(idx);
}

static const struct {
  fmnist__layer_spec spec;
  size_t c, h, w, n;
  int training;
} grad_cases[] = {
    {{FMNIST__L_DENSE, 4, 0, 0, 0, 0, 0}, 6, 1, 1, 3, 1},
    {{FMNIST__L_CONV, 3, 3, 1, 1, 0, 0}, 2, 5, 5, 2, 1},  /* same, stride 1 */
    {{FMNIST__L_CONV, 3, 3, 1, 0, 0, 0}, 2, 5, 5, 2, 1},  /* valid, stride 1 */
    {{FMNIST__L_CONV, 3, 3, 2, 1, 0, 0}, 2, 6, 6, 2, 1},  /* same, stride 2 */
    {{FMNIST__L_CONV, 2, 3, 2, 0, 0, 0}, 2, 7, 7, 2, 1},  /* valid, stride 2 */
    {{FMNIST__L_CONV, 2, 2, 1, 1, 0, 0}, 1, 4, 5, 3, 1},  /* even kernel, same */
    {{FMNIST__L_POOL, 0, 2, 0, 0, 0, 0}, 2, 5, 4, 2, 1},  /* odd size: row dropped */
    {{FMNIST__L_POOL, 0, 3, 0, 0, 0, 0}, 1, 6, 6, 2, 1},
    {{FMNIST__L_POOL, 0, 2, 0, 0, 0, 0}, 2, 4, 5, 2, 1},  /* odd width: column dropped */
    {{FMNIST__L_POOL, 0, 3, 0, 0, 0, 0}, 1, 7, 8, 2, 1},  /* both dropped */
    {{FMNIST__L_BN, 0, 0, 0, 0, FMNIST__BN_MOMENTUM, FMNIST__BN_EPS}, 3, 3, 3, 4, 1},
    {{FMNIST__L_BN, 0, 0, 0, 0, FMNIST__BN_MOMENTUM, FMNIST__BN_EPS}, 5, 1, 1, 6, 1},    /* after a dense layer */
    {{FMNIST__L_BN, 0, 0, 0, 0, FMNIST__BN_MOMENTUM, FMNIST__BN_EPS}, 3, 2, 2, 4, 0},    /* inference: affine */
    {{FMNIST__L_RELU, 0, 0, 0, 0, 0, 0}, 2, 3, 3, 2, 1},
    {{FMNIST__L_TANH, 0, 0, 0, 0, 0, 0}, 2, 3, 3, 2, 1},
    {{FMNIST__L_SIGMOID, 0, 0, 0, 0, 0, 0}, 2, 3, 3, 2, 1},
    {{FMNIST__L_DROP, 0, 0, 0, 0, 0.4, 0}, 2, 3, 3, 2, 1},
    {{FMNIST__L_NOISE, 0, 0, 0, 0, 0.3, 0}, 1, 4, 4, 2, 1},
    {{FMNIST__L_FLATTEN, 0, 0, 0, 0, 0, 0}, 3, 2, 3, 2, 1},
};

START_TEST(layer_gradients) {
  tl t;
  tl_make(&t, grad_cases[_i].spec, grad_cases[_i].c, grad_cases[_i].h, grad_cases[_i].w,
          grad_cases[_i].n);
  fmnist__layer_kind k = grad_cases[_i].spec.kind;
  if (k == FMNIST__L_RELU) spread_inputs(&t);
  if (k == FMNIST__L_POOL) distinct_inputs(&t);
  check_grads(&t, grad_cases[_i].training);
  tl_free(&t);
}
END_TEST

/* ---- naive twins of the conv kernels ---- */

/* Direct convolution in the nets' layout (chunks of C x H x W x k). */
static void naive_conv(const fmnist__layer *l, const float *x, size_t n, float *y) {
  size_t k = l->spec.kernel, s = l->spec.stride;
  for (size_t f = 0; f < l->out_c; f++)
    for (size_t b = 0; b < n; b++)
      for (size_t oy = 0; oy < l->out_h; oy++)
        for (size_t ox = 0; ox < l->out_w; ox++) {
          double acc = l->b[f];
          for (size_t c = 0; c < l->in_c; c++)
            for (size_t i = 0; i < k; i++)
              for (size_t j = 0; j < k; j++) {
                long iy = (long)(oy * s + i) - (long)l->pad_t;
                long ix = (long)(ox * s + j) - (long)l->pad_l;
                if (iy < 0 || ix < 0 || iy >= (long)l->in_h || ix >= (long)l->in_w) continue;
                acc += (double)l->w[(f * l->in_c + c) * k * k + i * k + j] *
                       x[fmnist__value_at(n, fmnist__layer_in_size(l),
                                          (c * l->in_h + (size_t)iy) * l->in_w + (size_t)ix, b)];
              }
          y[fmnist__value_at(n, fmnist__layer_out_size(l), (f * l->out_h + oy) * l->out_w + ox,
                             b)] = (float)acc;
        }
}

/* Its adjoint: dx and dW of L = sum(y * dy), by the same loops. */
static void naive_conv_backward(const fmnist__layer *l, const float *x, const float *dy,
                                size_t n, double *dx, double *dw) {
  size_t k = l->spec.kernel, s = l->spec.stride;
  memset(dx, 0, fmnist__layer_in_size(l) * n * sizeof *dx);
  memset(dw, 0, l->n_w * sizeof *dw);
  for (size_t f = 0; f < l->out_c; f++)
    for (size_t b = 0; b < n; b++)
      for (size_t oy = 0; oy < l->out_h; oy++)
        for (size_t ox = 0; ox < l->out_w; ox++) {
          double g = dy[fmnist__value_at(n, fmnist__layer_out_size(l),
                                         (f * l->out_h + oy) * l->out_w + ox, b)];
          for (size_t c = 0; c < l->in_c; c++)
            for (size_t i = 0; i < k; i++)
              for (size_t j = 0; j < k; j++) {
                long iy = (long)(oy * s + i) - (long)l->pad_t;
                long ix = (long)(ox * s + j) - (long)l->pad_l;
                if (iy < 0 || ix < 0 || iy >= (long)l->in_h || ix >= (long)l->in_w) continue;
                size_t xi = fmnist__value_at(n, fmnist__layer_in_size(l),
                                             (c * l->in_h + (size_t)iy) * l->in_w + (size_t)ix, b);
                size_t wi = (f * l->in_c + c) * k * k + i * k + j;
                dx[xi] += g * l->w[wi];
                dw[wi] += g * x[xi];
              }
        }
}

static double rel_err_d(const float *a, const double *b, size_t n) {
  double d = 0, m = 0;
  for (size_t i = 0; i < n; i++) {
    d += (a[i] - b[i]) * (a[i] - b[i]);
    m += b[i] * b[i];
  }
  return m > 0 ? sqrt(d / m) : sqrt(d);
}

static const struct {
  size_t c, h, w, n, f, k, s;
  int same;
} conv_cases[] = {
    {1, 28, 28, 3, 4, 3, 1, 1}, {3, 7, 7, 2, 5, 3, 1, 1}, {3, 7, 7, 2, 5, 3, 1, 0},
    {2, 8, 8, 2, 3, 3, 2, 1},   {2, 9, 9, 2, 3, 3, 2, 0}, {2, 6, 5, 2, 3, 5, 1, 1},
    {2, 6, 6, 3, 2, 4, 3, 1},   {4, 3, 3, 2, 6, 3, 1, 1},
};

/* conv forward (im2col + sgemm) and backward (sgemm + col2im) against the
 * direct loops in double; float32 sums over C*k*k <= 50 terms agree to
 * ~1e-6 relative, 1e-5 leaves margin without hiding an indexing error
 * (those give errors of order 1). */
START_TEST(conv_matches_naive) {
  fmnist__layer_spec spec = {FMNIST__L_CONV, conv_cases[_i].f, conv_cases[_i].k,
                             conv_cases[_i].s, conv_cases[_i].same, 0, 0};
  tl t;
  tl_make(&t, spec, conv_cases[_i].c, conv_cases[_i].h, conv_cases[_i].w, conv_cases[_i].n);
  fmnist__layer *l = &t.l;
  float *ref = calloc(t.out_len, sizeof *ref);
  double *ref_dx = calloc(t.in_len, sizeof *ref_dx), *ref_dw = calloc(l->n_w, sizeof *ref_dw);
  tl_backward(&t, 1);
  naive_conv(l, t.x, t.n, ref);
  double e = 0, m = 0;
  for (size_t i = 0; i < t.out_len; i++) {
    e += (double)(t.y[i] - ref[i]) * (t.y[i] - ref[i]);
    m += (double)ref[i] * ref[i];
  }
  ck_assert_msg(sqrt(e / m) < 1e-5, "forward error %g", sqrt(e / m));
  naive_conv_backward(l, t.x, t.r, t.n, ref_dx, ref_dw);
  ck_assert_msg(rel_err_d(t.dx, ref_dx, t.in_len) < 1e-5, "dx error %g",
                rel_err_d(t.dx, ref_dx, t.in_len));
  ck_assert_msg(rel_err_d(l->dw, ref_dw, l->n_w) < 1e-5, "dw error %g",
                rel_err_d(l->dw, ref_dw, l->n_w));
  free(ref);
  free(ref_dx);
  free(ref_dw);
  tl_free(&t);
}
END_TEST

/* The Winograd path (3x3 same stride 1, >= 8 channels) against the direct
 * loops, in inference and in training (forward, dx, dW): odd sides (tiles
 * sticking out), 1x1 planes, more images than a transform block (16), odd
 * channel and filter counts. Its transforms add a few roundings of sums of
 * order |w||x|, still far below 1e-5 relative. */
static const struct {
  size_t c, h, w, n, f;
} wino_cases[] = {
    {8, 14, 14, 3, 5}, {16, 7, 7, 2, 8},  {9, 5, 6, 1, 4},    {12, 3, 3, 17, 3},
    {8, 1, 1, 2, 2},   {8, 28, 28, 1, 2}, {10, 4, 7, 20, 3}, {11, 7, 5, 3, 1},
    {8, 9, 13, 33, 7}, /* three chunks of 16 images, the last of one; groups of tiles that
                          end inside a tile row */
    {8, 3, 5, 17, 2},  /* two chunks, small enough for central differences */
    {128, 7, 7, 2, 3}, /* the widest layer of the final CNN: the most rounding */
};

static double rel_err_f(const float *a, const float *b, size_t n) {
  double e = 0, m = 0;
  for (size_t i = 0; i < n; i++) {
    e += (double)(a[i] - b[i]) * (a[i] - b[i]);
    m += (double)b[i] * b[i];
  }
  return m > 0 ? sqrt(e / m) : sqrt(e);
}

START_TEST(winograd_matches_naive) {
  fmnist__layer_spec spec = {FMNIST__L_CONV, wino_cases[_i].f, 3, 1, 1, 0, 0};
  tl t;
  tl_make_path(&t, spec, wino_cases[_i].c, wino_cases[_i].h, wino_cases[_i].w, wino_cases[_i].n,
               1);
  fmnist__layer *l = &t.l;
  /* 36 blocks of f x c, each at most a cache line of skew apart */
  ck_assert_uint_ge(fmnist__conv_winograd_floats(l), 36 * wino_cases[_i].f * wino_cases[_i].c);
  ck_assert_uint_le(fmnist__conv_winograd_floats(l),
                    36 * (wino_cases[_i].f * wino_cases[_i].c + 16));
  float *ref = calloc(t.out_len, sizeof *ref);
  double *ref_dx = calloc(t.in_len, sizeof *ref_dx), *ref_dw = calloc(l->n_w, sizeof *ref_dw);
  naive_conv(l, t.x, t.n, ref);
  tl_loss(&t, 0);
  ck_assert_msg(rel_err_f(t.y, ref, t.out_len) < 1e-5, "inference error %g",
                rel_err_f(t.y, ref, t.out_len));
  memset(t.y, 0, t.out_len * sizeof *t.y);
  tl_backward(&t, 1);
  ck_assert_msg(rel_err_f(t.y, ref, t.out_len) < 1e-5, "training forward error %g",
                rel_err_f(t.y, ref, t.out_len));
  naive_conv_backward(l, t.x, t.r, t.n, ref_dx, ref_dw);
  ck_assert_msg(rel_err_d(t.dx, ref_dx, t.in_len) < 1e-5, "dx error %g",
                rel_err_d(t.dx, ref_dx, t.in_len));
  ck_assert_msg(rel_err_d(l->dw, ref_dw, l->n_w) < 1e-5, "dw error %g",
                rel_err_d(l->dw, ref_dw, l->n_w));
  /* And against the im2col path (conv_algorithm=im2col) on the same
   * weights and input, in training: output, dx and dW. */
  tl r;
  tl_make_path(&r, spec, wino_cases[_i].c, wino_cases[_i].h, wino_cases[_i].w, wino_cases[_i].n,
               0);
  memcpy(r.params, t.params, (l->n_w + l->n_b) * sizeof(float));
  memcpy(r.x, t.x, t.in_len * sizeof(float));
  memcpy(r.r, t.r, t.out_len * sizeof(float));
  tl_backward(&r, 1);
  ck_assert_msg(rel_err_f(t.y, r.y, t.out_len) < 1e-5, "forward vs im2col %g",
                rel_err_f(t.y, r.y, t.out_len));
  ck_assert_msg(rel_err_f(t.dx, r.dx, t.in_len) < 1e-5, "dx vs im2col %g",
                rel_err_f(t.dx, r.dx, t.in_len));
  ck_assert_msg(rel_err_f(l->dw, r.l.dw, l->n_w) < 1e-5, "dw vs im2col %g",
                rel_err_f(l->dw, r.l.dw, l->n_w));
  tl_free(&r);
  free(ref);
  free(ref_dx);
  free(ref_dw);
  tl_free(&t);
}
END_TEST

/* Its gradients against central differences, as every layer's: dW, db
 * and dx of the Winograd backward pass on tiles that stick out. */
START_TEST(winograd_gradients) {
  static const size_t cases[] = {2, 4, 7, 9};
  const size_t i = cases[_i];
  fmnist__layer_spec spec = {FMNIST__L_CONV, wino_cases[i].f, 3, 1, 1, 0, 0};
  tl t;
  tl_make_path(&t, spec, wino_cases[i].c, wino_cases[i].h, wino_cases[i].w, wino_cases[i].n, 1);
  check_grads(&t, 1);
  tl_free(&t);
}
END_TEST

/* Convolutions the Winograd path leaves to im2col. */
START_TEST(winograd_applies_only_to_3x3_same) {
  const struct {
    size_t c, k, s;
    int same;
  } other[] = {{7, 3, 1, 1}, {8, 3, 2, 1}, {8, 3, 1, 0}, {8, 5, 1, 1}, {1, 3, 1, 1}};
  for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
    fmnist__layer_spec spec = {FMNIST__L_CONV, 4, other[i].k, other[i].s, other[i].same, 0, 0};
    fmnist__layer l;
    ck_assert_int_eq(fmnist__layer_make(&l, &spec, other[i].c, 14, 14), FMNIST_OK);
    ck_assert_uint_eq(fmnist__conv_winograd_floats(&l), 0);
  }
}
END_TEST

/* conv_algorithm auto takes Winograd only where it takes at most 0.4 of
 * im2col's multiplications: not on the 3x3, 5x5 and 6x6 planes the kernel
 * computes too, whose tiles lie mostly outside (a 3-row plane pays when it
 * is long). */
START_TEST(winograd_pays_on_large_planes) {
  const struct {
    size_t h, w;
    int pays;
  } planes[] = {{3, 3, 0}, {5, 5, 0}, {6, 6, 0}, {5, 3, 0}, {3, 28, 1}, {4, 4, 1},
                {7, 7, 1}, {8, 8, 1}, {14, 14, 1}, {28, 28, 1}, {4, 7, 1}};
  for (size_t i = 0; i < sizeof planes / sizeof planes[0]; i++) {
    fmnist__layer_spec spec = {FMNIST__L_CONV, 4, 3, 1, 1, 0, 0};
    fmnist__layer l;
    ck_assert_int_eq(fmnist__layer_make(&l, &spec, 8, planes[i].h, planes[i].w), FMNIST_OK);
    ck_assert_uint_gt(fmnist__conv_winograd_floats(&l), 0);
    ck_assert_msg(fmnist__conv_winograd_pays(&l) == planes[i].pays, "%zux%zu", planes[i].h,
                  planes[i].w);
  }
}
END_TEST

/* im2col against its definition, and col2im as its exact adjoint
 * (<im2col(x), c> = <x, col2im(c)>) for every geometry above. */
START_TEST(im2col_col2im_naive) {
  fmnist__layer_spec spec = {FMNIST__L_CONV, 1, conv_cases[_i].k, conv_cases[_i].s,
                             conv_cases[_i].same, 0, 0};
  fmnist__layer l;
  ck_assert_int_eq(
      fmnist__layer_make(&l, &spec, conv_cases[_i].c, conv_cases[_i].h, conv_cases[_i].w),
      FMNIST_OK);
  size_t n = conv_cases[_i].n, k = l.spec.kernel, s = l.spec.stride;
  fmnist__conv_geom g = {l.in_c, n, l.in_h, l.in_w, k, s, l.pad_t, l.pad_l, l.out_h, l.out_w};
  size_t xlen = l.in_c * n * l.in_h * l.in_w, np = n * l.out_h * l.out_w;
  size_t clen = l.in_c * k * k * np;
  fmnist__rng r;
  fmnist__rng_init(&r, 3, FMNIST__STREAM_SPLIT, 0);
  float *x = randv(&r, xlen, 1), *cols = calloc(clen, sizeof *cols);
  float *c2 = randv(&r, clen, 1), *dx = calloc(xlen, sizeof *dx);
  fmnist__im2col(&g, x, cols, 2);
  for (size_t c = 0; c < l.in_c; c++)
    for (size_t i = 0; i < k; i++)
      for (size_t j = 0; j < k; j++)
        for (size_t b = 0; b < n; b++)
          for (size_t oy = 0; oy < l.out_h; oy++)
            for (size_t ox = 0; ox < l.out_w; ox++) {
              long iy = (long)(oy * s + i) - (long)l.pad_t;
              long ix = (long)(ox * s + j) - (long)l.pad_l;
              float want = 0;
              if (iy >= 0 && ix >= 0 && iy < (long)l.in_h && ix < (long)l.in_w)
                want = x[((c * l.in_h + (size_t)iy) * l.in_w + (size_t)ix) * n + b];
              size_t row = (c * k + i) * k + j, col = (oy * l.out_w + ox) * n + b;
              ck_assert(cols[row * np + col] == want);
            }
  fmnist__col2im(&g, c2, dx, 2);
  double a = 0, b2 = 0;
  for (size_t i = 0; i < clen; i++) a += (double)cols[i] * c2[i];
  for (size_t i = 0; i < xlen; i++) b2 += (double)x[i] * dx[i];
  ck_assert_msg(fabs(a - b2) < 1e-4 * (fabs(a) + 1), "adjoint %g vs %g", a, b2);
  free(x);
  free(cols);
  free(c2);
  free(dx);
}
END_TEST

/* ---- loss ---- */

START_TEST(loss_gradient_and_stability) {
  enum { K = 10, N = 4 };
  float z[K * N], dz[K * N];
  uint8_t labels[N] = {3, 0, 9, 3};
  fmnist__rng r;
  fmnist__rng_init(&r, 5, FMNIST__STREAM_SPLIT, 0);
  for (int i = 0; i < K * N; i++) z[i] = (float)(3 * fmnist__rng_uniform(&r) - 1.5);
  size_t correct = 0;
  double l0 = fmnist__softmax_xent(z, labels, K, N, 0, 1.0f, dz, &correct);
  ck_assert(l0 > 0);
  double num2 = 0, d2 = 0;
  for (int i = 0; i < K * N; i++) { /* h 1e-3 on a double loss of float logits */
    float keep = z[i];
    z[i] = keep + 1e-3f;
    double lp = fmnist__softmax_xent(z, labels, K, N, 0, 1.0f, NULL, NULL);
    z[i] = keep - 1e-3f;
    double lm = fmnist__softmax_xent(z, labels, K, N, 0, 1.0f, NULL, NULL);
    z[i] = keep;
    double num = (lp - lm) / 2e-3;
    num2 += num * num;
    d2 += (num - dz[i]) * (num - dz[i]);
  }
  ck_assert_msg(sqrt(d2 / num2) < 1e-3, "loss gradient error %g", sqrt(d2 / num2));
  /* Huge logits: no overflow, loss ~ 0 for the right class, ~1000 wrong. */
  float big[K * 1] = {0};
  uint8_t lab = 2;
  big[2] = 1000.0f;
  ck_assert(fmnist__softmax_xent(big, &lab, K, 1, 0, 1, NULL, NULL) < 1e-6);
  lab = 1;
  double wrong = fmnist__softmax_xent(big, &lab, K, 1, 0, 1, NULL, NULL);
  ck_assert(isfinite(wrong) && fabs(wrong - 1000) < 1e-3);
  float p[K];
  fmnist__softmax_rows(big, K, 1, p);
  ck_assert(p[2] > 0.999f && isfinite(p[0]));
  big[0] = NAN;
  ck_assert(!isfinite(fmnist__softmax_xent(big, &lab, K, 1, 0, 1, NULL, NULL)));
}
END_TEST

/* Label smoothing: the losses PyTorch's CrossEntropyLoss(label_smoothing=e,
 * reduction="none") gives for three rows of logits (torch 1.13, float64;
 * a row of zeros costs log 10 whatever e), and the gradient softmax - q
 * against central differences. */
START_TEST(loss_label_smoothing) {
  enum { K = 10, N = 3 };
  static const float rows[N][K] = {{2, 1, 0, -1, 0.5f, 0, 0, 0, 0, 3},
                                   {0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                                   {-3, 4, 1.5f, 0.25f, -0.5f, 2, 0, -1, 1, 0.5f}};
  static const uint8_t labels[N] = {9, 3, 0};
  static const struct {
    double e, loss[N];
  } known[] = {{0.0, {0.6165634482642873, 2.302585092994046, 7.306010778690909}},
               {0.1, {0.8615634482642873, 2.302585092994046, 6.958510778690909}},
               {0.3, {1.3515634482642873, 2.302585092994046, 6.263510778690908}},
               {1.0, {3.0665634482642874, 2.3025850929940463, 3.8310107786909087}}};
  float z[K * N], dz[K * N];
  for (int j = 0; j < N; j++)
    for (int c = 0; c < K; c++) z[c * N + j] = rows[j][c]; /* classes x batch */
  for (size_t k = 0; k < sizeof known / sizeof *known; k++)
    for (int j = 0; j < N; j++) {
      float zj[K];
      for (int c = 0; c < K; c++) zj[c] = rows[j][c];
      const double got = fmnist__softmax_xent(zj, &labels[j], K, 1, known[k].e, 1, NULL, NULL);
      /* float logits, double sums: PyTorch's float64 to 1e-12 */
      ck_assert_msg(fabs(got - known[k].loss[j]) < 1e-12 * known[k].loss[j],
                    "e %g row %d: %.17g, PyTorch %.17g", known[k].e, j, got, known[k].loss[j]);
    }
  const double e = 0.1;
  size_t correct = 0;
  fmnist__softmax_xent(z, labels, K, N, e, 1.0f, dz, &correct);
  ck_assert_uint_eq(correct, 1); /* row 0's argmax is its label; row 1 ties to 0 */
  double num2 = 0, d2 = 0;
  for (int i = 0; i < K * N; i++) { /* h 1e-3, as the plain loss's check */
    float keep = z[i];
    z[i] = keep + 1e-3f;
    double lp = fmnist__softmax_xent(z, labels, K, N, e, 1.0f, NULL, NULL);
    z[i] = keep - 1e-3f;
    double lm = fmnist__softmax_xent(z, labels, K, N, e, 1.0f, NULL, NULL);
    z[i] = keep;
    double num = (lp - lm) / 2e-3;
    num2 += num * num;
    d2 += (num - dz[i]) * (num - dz[i]);
  }
  ck_assert_msg(sqrt(d2 / num2) < 1e-3, "smoothed loss gradient error %g", sqrt(d2 / num2));
  /* Each row's gradient sums to 0 (softmax and the target both sum to 1),
   * and the zero row's is 1/10 - q: -0.81 at the label, 0.09 elsewhere. */
  for (int j = 0; j < N; j++) {
    double sum = 0;
    for (int c = 0; c < K; c++) sum += dz[c * N + j];
    ck_assert(fabs(sum) < 1e-6);
  }
  ck_assert(fabsf(dz[3 * N + 1] - -0.81f) < 1e-6f && fabsf(dz[0 * N + 1] - 0.09f) < 1e-6f);
}
END_TEST

/* One Adam step from zero moments moves each parameter by lr * sign(g)
 * (up to eps): m_hat = g, v_hat = g^2. */
START_TEST(adam_first_step) {
  fmnist__adam a = {0.01, 0.9, 0.999, 1e-7};
  float p[3] = {1, -2, 0.5f}, g[3] = {0.3f, -4, 1e-3f}, m[3] = {0}, v[3] = {0};
  fmnist__adam_step(&a, 1, 0, p, g, m, v, 3);
  ck_assert(fabsf(p[0] - 0.99f) < 1e-5f);
  ck_assert(fabsf(p[1] - -1.99f) < 1e-5f);
  ck_assert(fabsf(p[2] - 0.49f) < 1e-4f);
  /* Weight decay acts as a gradient wd * p. */
  float q[1] = {2}, h[1] = {0}, mq[1] = {0}, vq[1] = {0};
  fmnist__adam_step(&a, 1, 0.5f, q, h, mq, vq, 1);
  ck_assert(fabsf(q[0] - 1.99f) < 1e-5f);
}
END_TEST

/* Three SGD steps against the formulas in double: b = mu b + g; u = g +
 * mu b (Nesterov) or b; p = p (1 - lr wd) - lr u. Plain and Nesterov,
 * with and without decay; float against double to 1e-6. */
START_TEST(sgd_steps) {
  static const float g[3][2] = {{0.5f, -2}, {0.25f, 1}, {-1, 0.125f}};
  for (int nesterov = 0; nesterov <= 1; nesterov++)
    for (int decay = 0; decay <= 1; decay++) {
      const fmnist__sgd s = {0.1, 0.9, nesterov};
      const float wd = decay ? 0.5f : 0.0f;
      float p[2] = {1, -3}, b[2] = {0, 0};
      double pw[2] = {1, -3}, bw[2] = {0, 0};
      for (int t = 0; t < 3; t++) {
        fmnist__sgd_step(&s, wd, p, g[t], b, 2);
        for (int i = 0; i < 2; i++) {
          bw[i] = 0.9 * bw[i] + g[t][i];
          const double u = nesterov ? g[t][i] + 0.9 * bw[i] : bw[i];
          pw[i] = pw[i] * (1 - 0.1 * wd) - 0.1 * u;
          ck_assert_msg(fabs(p[i] - pw[i]) < 1e-6 && fabs(b[i] - bw[i]) < 1e-6,
                        "nesterov %d decay %d step %d: %g vs %g", nesterov, decay, t, p[i], pw[i]);
        }
      }
    }
  /* Known values by hand, Nesterov, lr 0.1, mu 0.9, wd 0.5, p 1, g 0.5 then
   * 0.25: step 1 b = 0.5, u = 0.95, p = 0.95 - 0.095 = 0.855; step 2 b =
   * 0.7, u = 0.88, p = 0.855 * 0.95 - 0.088 = 0.72425. */
  const fmnist__sgd s = {0.1, 0.9, 1};
  float p[1] = {1}, b[1] = {0}, g1[1] = {0.5f}, g2[1] = {0.25f};
  fmnist__sgd_step(&s, 0.5f, p, g1, b, 1);
  ck_assert(fabsf(p[0] - 0.855f) < 1e-6f);
  fmnist__sgd_step(&s, 0.5f, p, g2, b, 1);
  ck_assert(fabsf(p[0] - 0.72425f) < 1e-6f);
}
END_TEST

/* The index of a schedule in the table (the "lr_schedule" option's value). */
static int schedule(const char *name) {
  for (int i = 0; fmnist__lr_schedules[i]; i++)
    if (strcmp(fmnist__lr_schedules[i], name) == 0) return i;
  ck_abort_msg("no schedule %s", name);
  return -1;
}

/* Cosine schedule: lr at the first step, lr/2 half way, lr (1 + cos(pi
 * 99/100)) / 2 = 2.47e-4 lr at the last of 100; constant never changes. */
START_TEST(lr_schedules) {
  const int cosine = schedule("cosine"), constant = schedule("constant");
  ck_assert(fmnist__lr_at(cosine, 0.001, 0, 100, 0) == 0.001);
  ck_assert(fabs(fmnist__lr_at(cosine, 0.001, 50, 100, 0) - 0.0005) < 1e-15);
  ck_assert(fabs(fmnist__lr_at(cosine, 0.001, 99, 100, 0) - 2.4671981e-7) < 1e-13);
  ck_assert(fmnist__lr_at(cosine, 0.001, 25, 100, 0) > fmnist__lr_at(cosine, 0.001, 26, 100, 0));
  ck_assert(fmnist__lr_at(cosine, 0.001, 3, 0, 0) == 0.001); /* no steps: the base rate */
  for (size_t t = 0; t < 100; t += 33)
    ck_assert(fmnist__lr_at(constant, 0.001, t, 100, 0) == 0.001);
}
END_TEST

/* Linear decay and the warm-up, by hand: linear is lr (1 - t/T), lr/T at
 * the last step; a warm-up of 0.1 of 100 steps is W = 10 steps at lr
 * (t+1)/10, lr at t = 9, then the schedule over the 90 steps left (cosine
 * lr/2 at 45 of them, t = 55; linear lr/2 there too); a warm-up of the
 * whole fit ramps to lr at the last step. round(0.25 * 10) = 3 steps. */
START_TEST(lr_linear_and_warmup) {
  const int linear = schedule("linear"), cosine = schedule("cosine");
  const int constant = schedule("constant");
  const double lr = 0.1, tol = 1e-15;
  ck_assert(fmnist__lr_at(linear, lr, 0, 100, 0) == lr);
  ck_assert(fabs(fmnist__lr_at(linear, lr, 50, 100, 0) - 0.05) < tol);
  ck_assert(fabs(fmnist__lr_at(linear, lr, 99, 100, 0) - 0.001) < tol);
  for (int s = 0; s < 3; s++) {
    const int k = s == 0 ? constant : s == 1 ? cosine : linear;
    ck_assert(fabs(fmnist__lr_at(k, lr, 0, 100, 0.1) - 0.01) < tol);
    ck_assert(fabs(fmnist__lr_at(k, lr, 4, 100, 0.1) - 0.05) < tol);
    ck_assert(fabs(fmnist__lr_at(k, lr, 9, 100, 0.1) - lr) < tol);
    ck_assert(fabs(fmnist__lr_at(k, lr, 10, 100, 0.1) - lr) < tol); /* the schedule's start */
    ck_assert(fabs(fmnist__lr_at(k, lr, 99, 100, 1) - lr) < tol);
    ck_assert(fabs(fmnist__lr_at(k, lr, 0, 100, 1) - lr / 100) < tol);
  }
  ck_assert(fabs(fmnist__lr_at(cosine, lr, 55, 100, 0.1) - 0.05) < tol);
  ck_assert(fabs(fmnist__lr_at(linear, lr, 55, 100, 0.1) - 0.05) < tol);
  ck_assert(fabs(fmnist__lr_at(linear, lr, 99, 100, 0.1) - lr / 90) < tol);
  ck_assert(fabs(fmnist__lr_at(constant, lr, 2, 10, 0.25) - lr) < tol);
  ck_assert(fabs(fmnist__lr_at(constant, lr, 1, 10, 0.25) - lr * 2 / 3) < tol);
}
END_TEST

/* One-cycle: the rates torch.optim.lr_scheduler.OneCycleLR(max_lr=0.1,
 * total_steps, pct_start, cycle_momentum=False) sets before each step
 * (torch 1.13, the same double formulas: equal to 1e-15 relative). */
START_TEST(lr_onecycle_is_pytorchs) {
  const int onecycle = schedule("onecycle");
  static const struct {
    size_t t;
    double lr;
  } long_fit[] = {{0, 0.0040000000000000036}, {1, 0.004281378056590748},
                  {14, 0.04940133238789996},  {28, 0.09971862194340926},
                  {29, 0.1},                  {30, 0.09994965352845243},
                  {50, 0.0793893450575732},   {98, 5.07464715475788e-05},
                  {99, 4e-07}};
  for (size_t i = 0; i < sizeof long_fit / sizeof *long_fit; i++) {
    const double got = fmnist__lr_at(onecycle, 0.1, long_fit[i].t, 100, 0.3);
    ck_assert_msg(fabs(got - long_fit[i].lr) <= 1e-15 * long_fit[i].lr, "step %zu: %.17g vs %.17g",
                  long_fit[i].t, got, long_fit[i].lr);
  }
  /* 10 steps, pct_start 0.25: the peak falls between steps (at 1.5) */
  static const double short_fit[10] = {0.0040000000000000036, 0.076, 0.09890738440717015,
                                       0.0904508879153485, 0.0750001, 0.05522660225769002,
                                       0.03454941208465151, 0.01654380350817838,
                                       0.0043231098269614805, 4e-07};
  for (size_t t = 0; t < 10; t++) {
    const double got = fmnist__lr_at(onecycle, 0.1, t, 10, 0.25);
    ck_assert_msg(fabs(got - short_fit[t]) <= 1e-15 * short_fit[t], "step %zu: %.17g vs %.17g", t,
                  got, short_fit[t]);
  }
  /* No rise (warmup 0): from about lr down, PyTorch's pct_start=0; a rise
   * ending at step 0 (warmup 1/T) starts at the peak. */
  ck_assert(fmnist__lr_at(onecycle, 0.1, 0, 100, 0) < 0.1);
  ck_assert(fmnist__lr_at(onecycle, 0.1, 0, 100, 0) > 0.0999);
  ck_assert(fmnist__lr_at(onecycle, 0.1, 0, 100, 0.01) == 0.1);
  ck_assert(fabs(fmnist__lr_at(onecycle, 0.1, 99, 100, 0) - 4e-7) < 1e-20);
}
END_TEST

/* The optimizers "adam" and "sgd" make the same update as their kernels
 * on each layer's parameters, at the schedule's rate of each step (here
 * one-cycle with a warm-up), with the weight decay on the conv and dense
 * weights only (not on biases or batch-norm's gamma). */
START_TEST(optimizer_steps_like_kernels) {
  const int sgd = _i;
  fmnist__layer_spec specs[3] = {{FMNIST__L_CONV, 2, 3, 1, 1, 0, 0},
                                 {FMNIST__L_BN, 0, 0, 0, 0, FMNIST__BN_MOMENTUM, FMNIST__BN_EPS},
                                 {FMNIST__L_DENSE, 10, 0, 0, 0, 0, 0}};
  fmnist__net *net;
  ck_assert_int_eq(fmnist__net_build(specs, 3, FMNIST__CONV_IM2COL, &net), FMNIST_OK);
  const size_t np = net->n_params;
  fmnist__net_config cfg = {0};
  cfg.lr = 0.01, cfg.beta1 = 0.9, cfg.beta2 = 0.999, cfg.eps = 1e-7, cfg.weight_decay = 0.25;
  cfg.momentum = 0.8, cfg.nesterov = 1, cfg.optimizer = sgd, cfg.warmup = 0.5;
  ck_assert_str_eq(fmnist__optimizers[cfg.optimizer], sgd ? "sgd" : "adam");
  cfg.lr_schedule = schedule("onecycle");
  fmnist__optimizer o;
  ck_assert_int_eq(fmnist__optimizer_make(&cfg, np, 4, 2, &o), FMNIST_OK);
  float *want = calloc(np, sizeof *want), *g = calloc(np, sizeof *g);
  float *m = calloc(np, sizeof *m), *v = calloc(np, sizeof *v);
  fmnist__rng r;
  fmnist__rng_init(&r, 3, FMNIST__STREAM_NET_INIT, 0);
  for (size_t i = 0; i < np; i++) want[i] = net->params[i] = (float)fmnist__rng_uniform(&r);
  for (size_t step = 1; step <= 2; step++) {
    for (size_t i = 0; i < np; i++) g[i] = (float)(fmnist__rng_uniform(&r) - 0.5);
    fmnist__optimizer_step(&o, net, g);
    const double lr = fmnist__lr_at(cfg.lr_schedule, cfg.lr, step - 1, 4, 0.5);
    ck_assert(lr > 0 && lr <= cfg.lr);
    fmnist__adam a = {lr, 0.9, 0.999, 1e-7};
    fmnist__sgd b = {lr, 0.8, 1};
    size_t po = 0;
    for (size_t i = 0; i < net->n_layers; i++) {
      const fmnist__layer *l = &net->layers[i];
      const float wd = l->spec.kind == FMNIST__L_BN ? 0.0f : 0.25f;
      for (int part = 0; part < 2; part++) { /* weights, then biases (never decayed) */
        const size_t k = part ? l->n_b : l->n_w;
        if (sgd)
          fmnist__sgd_step(&b, part ? 0 : wd, want + po, g + po, m + po, k);
        else
          fmnist__adam_step(&a, step, part ? 0 : wd, want + po, g + po, m + po, v + po, k);
        po += k;
      }
    }
  }
  for (size_t i = 0; i < np; i++) ck_assert_float_eq(net->params[i], want[i]);
  fmnist__optimizer_free(&o);
  fmnist__net_free(net);
  free(want);
  free(g);
  free(m);
  free(v);
}
END_TEST

/* ---- the averaged weights ---- */

/* The average of a net's parameters and batch-norm statistics over three
 * updates against the formula in double: d_t = min(0.15, (1+t)/(10+t)),
 * that is 0.1 (warm-up) then 0.15 (the decay); a swap gives the net the
 * average and the average the net's weights, a second swap undoes it; a
 * decay of 0 keeps nothing and changes nothing. */
START_TEST(averaged_weights) {
  fmnist__layer_spec specs[3] = {{FMNIST__L_CONV, 2, 3, 1, 1, 0, 0},
                                 {FMNIST__L_BN, 0, 0, 0, 0, FMNIST__BN_MOMENTUM, FMNIST__BN_EPS},
                                 {FMNIST__L_DENSE, 10, 0, 0, 0, 0, 0}};
  fmnist__net *net;
  ck_assert_int_eq(fmnist__net_build(specs, 3, FMNIST__CONV_IM2COL, &net), FMNIST_OK);
  const size_t np = net->n_params, ns = net->n_stats, n = np + ns;
  ck_assert_uint_eq(ns, 4); /* mean and variance of 2 channels */
  fmnist__rng r;
  fmnist__rng_init(&r, 9, FMNIST__STREAM_NET_INIT, 0);
  double *want = calloc(n, sizeof *want);
  float *w = calloc(n, sizeof *w);
  for (size_t i = 0; i < n; i++) {
    float *x = i < np ? &net->params[i] : &net->stats[i - np];
    *x = (float)fmnist__rng_uniform(&r);
    want[i] = *x;
  }
  fmnist__average a;
  ck_assert_int_eq(fmnist__average_make(0.15, net, 2, &a), FMNIST_OK);
  for (size_t t = 0; t < 3; t++) {
    const double d = t == 0 ? 0.1 : 0.15;
    for (size_t i = 0; i < n; i++) {
      float *x = i < np ? &net->params[i] : &net->stats[i - np];
      *x = (float)(2 * fmnist__rng_uniform(&r) - 1);
      want[i] = d * want[i] + (1 - d) * *x;
      w[i] = *x;
    }
    fmnist__average_update(&a, net);
  }
  fmnist__average_swap(&a, net);
  for (size_t i = 0; i < n; i++) {
    const float x = i < np ? net->params[i] : net->stats[i - np];
    ck_assert_msg(fabs(x - want[i]) < 1e-6, "value %zu: %g, by hand %g", i, x, want[i]);
    ck_assert(a.avg[i] == w[i]); /* the net's own weights, kept */
  }
  fmnist__average_swap(&a, net);
  for (size_t i = 0; i < n; i++) ck_assert(w[i] == (i < np ? net->params[i] : net->stats[i - np]));
  fmnist__average_free(&a);
  ck_assert_int_eq(fmnist__average_make(0, net, 2, &a), FMNIST_OK);
  ck_assert_ptr_null(a.avg);
  fmnist__average_update(&a, net);
  fmnist__average_swap(&a, net);
  for (size_t i = 0; i < n; i++) ck_assert(w[i] == (i < np ? net->params[i] : net->stats[i - np]));
  fmnist__average_free(&a);
  fmnist__net_free(net);
  free(want);
  free(w);
}
END_TEST

/* ---- training vs inference ---- */

START_TEST(dropout_noise_identity_in_inference) {
  fmnist__layer_spec specs[2] = {{FMNIST__L_DROP, 0, 0, 0, 0, 0.5, 0},
                                 {FMNIST__L_NOISE, 0, 0, 0, 0, 0.5, 0}};
  for (int s = 0; s < 2; s++) {
    tl t;
    tl_make(&t, specs[s], 2, 4, 4, 3);
    tl_loss(&t, 0);
    ck_assert(memcmp(t.x, t.y, t.in_len * sizeof(float)) == 0);
    tl_loss(&t, 1);
    size_t same = 0;
    for (size_t i = 0; i < t.in_len; i++) same += t.x[i] == t.y[i];
    ck_assert_uint_lt(same, t.in_len / 4); /* training changes most values */
    if (s == 0) {                          /* kept values are scaled by 2 */
      size_t zeros = 0;
      for (size_t i = 0; i < t.in_len; i++) {
        if (t.y[i] == 0) zeros++;
        else ck_assert(t.y[i] == 2 * t.x[i]);
      }
      ck_assert(zeros > t.in_len / 4 && zeros < 3 * t.in_len / 4);
    }
    tl_free(&t);
  }
}
END_TEST

/* Max-pool ties: the first maximum of a window in reading order takes the
 * whole gradient (as PyTorch's and Keras's CPU kernels), for 2x2 and 3x3. */
START_TEST(pool_ties_go_to_the_first) {
  for (size_t k = 2; k <= 3; k++) {
    tl t;
    tl_make(&t, (fmnist__layer_spec){FMNIST__L_POOL, 0, k, 0, 0, 0, 0}, 1, k, k, 1);
    /* Window k x k: values 1, 5, 5, 2, ... (max 5 at positions 1 and 2). */
    for (size_t i = 0; i < k * k; i++) t.x[i] = (float)(i + 1);
    t.x[1] = t.x[2] = 5.0f + (float)(k * k);
    fmnist__pass p = {0};
    p.training = 1;
    t.l.ops->forward(&t.l, t.x, t.y, t.aux, 1, &p);
    ck_assert(t.y[0] == t.x[1]);
    float dy = 3.0f;
    t.l.ops->backward(&t.l, t.x, t.y, &dy, t.dx, t.aux, 1, &p);
    for (size_t i = 0; i < k * k; i++) ck_assert(t.dx[i] == (i == 1 ? 3.0f : 0.0f));
    tl_free(&t);
  }
}
END_TEST

/* Training normalizes with the batch statistics (mean 0, variance ~1 per
 * channel before gamma/beta) and moves the running statistics by 1%;
 * inference uses the running statistics only. */
START_TEST(batchnorm_train_vs_inference) {
  fmnist__layer_spec spec = {FMNIST__L_BN, 0, 0, 0, 0, FMNIST__BN_MOMENTUM, FMNIST__BN_EPS};
  tl t;
  tl_make(&t, spec, 2, 3, 3, 8);
  fmnist__layer *l = &t.l;
  size_t m = 8 * 9;
  for (size_t i = 0; i < t.in_len; i++) t.x[i] = 5 + 2 * t.x[i];
  for (size_t c = 0; c < 2; c++) {
    l->w[c] = 1;
    l->b[c] = 0;
  }
  tl_loss(&t, 1);
  for (size_t c = 0; c < 2; c++) {
    double mean = 0, var = 0, xm = 0;
    for (size_t i = 0; i < m; i++) mean += t.y[c * m + i], xm += t.x[c * m + i];
    mean /= (double)m;
    xm /= (double)m;
    for (size_t i = 0; i < m; i++) var += (t.y[c * m + i] - mean) * (t.y[c * m + i] - mean);
    var /= (double)m;
    ck_assert(fabs(mean) < 1e-5);
    ck_assert(fabs(var - 1) < 0.01); /* var/(var+eps), eps 1e-3, var ~1.3 */
    ck_assert(fabs(l->stats[c] - 0.01 * xm) < 1e-4);
  }
  /* Inference with running mean 0, var 1: y = x / sqrt(1 + eps). */
  for (size_t c = 0; c < 2; c++) {
    l->stats[c] = 0;
    l->stats[2 + c] = 1;
  }
  tl_loss(&t, 0);
  for (size_t i = 0; i < t.in_len; i++)
    ck_assert(fabsf(t.y[i] - t.x[i] / sqrtf(1 + FMNIST__BN_EPS)) < 1e-5f * fabsf(t.x[i]) + 1e-6f);
  ck_assert(l->stats[0] == 0 && l->stats[2] == 1); /* inference leaves them */
  tl_free(&t);
}
END_TEST


/* ---- fused tails: a batch norm or a relu with the layers after it ---- */

/* A chain of layers in one array, as a net holds them, with buffers. */
typedef struct chain {
  fmnist__layer l[4];
  size_t count, n;
  float *params, *grads, *stats, *scratch, *act[5], *grad[5];
  void *aux[4];
} chain;

static void chain_make(chain *ch, const fmnist__layer_spec *specs, size_t count, size_t c,
                       size_t h, size_t w, size_t n) {
  memset(ch, 0, sizeof *ch);
  ch->count = count;
  ch->n = n;
  for (size_t i = 0; i < count; i++) {
    ck_assert_int_eq(fmnist__layer_make(&ch->l[i], &specs[i], c, h, w), FMNIST_OK);
    c = ch->l[i].out_c;
    h = ch->l[i].out_h;
    w = ch->l[i].out_w;
  }
  fmnist__layer *head = &ch->l[0];
  ch->params = calloc(2 * head->in_c, sizeof(float));
  ch->grads = calloc(2 * head->in_c, sizeof(float));
  ch->stats = calloc(2 * head->in_c, sizeof(float));
  fmnist__rng r;
  fmnist__rng_init(&r, 11, FMNIST__STREAM_NET_INIT, 0);
  if (head->spec.kind == FMNIST__L_BN) {
    head->w = ch->params;
    head->b = ch->params + head->in_c;
    head->dw = ch->grads;
    head->db = ch->grads + head->in_c;
    head->stats = ch->stats;
    head->ops->init(head, &r, 0);
    for (size_t i = 0; i < head->in_c; i++) {
      head->w[i] = (float)(0.5 + fmnist__rng_uniform(&r));
      head->b[i] = (float)(fmnist__rng_uniform(&r) - 0.3);
    }
  }
  ch->act[0] = randv(&r, fmnist__layer_in_size(head) * n, 2.0);
}

/* Forward and backward through the chain, the layers one by one or (fused)
 * the head's passes for all; gradient r at the output. */
static void chain_run(chain *ch, int fused, int training, const float *r) {
  const size_t count = ch->count, n = ch->n;
  if (fused) ck_assert_uint_eq(fmnist__fuse(ch->l, count), count - 1);
  size_t scratch = 1;
  for (size_t i = 0; i < count; i++) {
    const fmnist__layer *l = &ch->l[i];
    size_t ab = l->ops->aux_bytes ? l->ops->aux_bytes(l, n) : 0;
    ch->aux[i] = calloc(ab + 1, 1);
    size_t sf = l->ops->scratch_floats ? l->ops->scratch_floats(l, n) : 0;
    if (sf > scratch) scratch = sf;
    ch->act[i + 1] = calloc(fmnist__layer_out_size(l) * n + 1, sizeof(float));
    ch->grad[i] = calloc(fmnist__layer_in_size(l) * n + 1, sizeof(float));
  }
  ch->scratch = calloc(scratch, sizeof(float));
  fmnist__rng g;
  fmnist__rng_init(&g, 5, FMNIST__STREAM_NET_TRAIN, 0);
  fmnist__pass p = {training, &g, ch->scratch, 2, NULL, 0, n, NULL};
  size_t last = count - 1;
  const size_t out_len = fmnist__layer_out_size(&ch->l[last]) * n;
  ch->grad[count] = calloc(out_len + 1, sizeof(float));
  memcpy(ch->grad[count], r, out_len * sizeof(float));
  for (size_t i = 0; i < count; i++) {
    if (ch->l[i].fused) continue;
    ch->l[i].ops->forward(&ch->l[i], ch->act[i], ch->act[i + 1 + ch->l[i].fuse], ch->aux[i], n,
                          &p);
  }
  if (!training) return;
  for (size_t i = count; i-- > 0;) {
    if (ch->l[i].fused) continue;
    const size_t e = i + ch->l[i].fuse;
    ch->l[i].ops->backward(&ch->l[i], ch->act[i], ch->act[e + 1], ch->grad[e + 1], ch->grad[i],
                           ch->aux[i], n, &p);
  }
}

static void chain_free(chain *ch) {
  free(ch->params);
  free(ch->grads);
  free(ch->stats);
  free(ch->scratch);
  for (size_t i = 0; i <= ch->count; i++) {
    free(ch->act[i]);
    free(ch->grad[i]);
  }
  for (size_t i = 0; i < ch->count; i++) free(ch->aux[i]);
}

/* The fused passes give the layers' own results bit for bit: output, dx,
 * dgamma, dbeta and the running statistics, in training and inference,
 * for bn relu [pool] [drop] and relu pool|drop [drop] on odd sizes (rows
 * and columns no window covers) and batches that are not a whole vector. */
START_TEST(fused_tail_equals_layers) {
  static const struct {
    int bn;
    size_t pool; /* 0: none */
    int drop;
    size_t c, h, w, n;
  } cases[] = {{1, 2, 1, 3, 5, 6, 5}, {1, 2, 0, 2, 4, 4, 3},  {1, 3, 1, 2, 7, 8, 2},
               {1, 0, 1, 3, 3, 3, 4}, {1, 0, 0, 2, 2, 3, 3},  {1, 2, 1, 4, 14, 14, 33},
               {0, 2, 1, 3, 5, 6, 5}, {0, 2, 0, 2, 7, 7, 17}, {0, 0, 1, 5, 1, 1, 6}};
  const size_t k = (size_t)_i;
  fmnist__layer_spec specs[4];
  size_t count = 0;
  if (cases[k].bn) specs[count++] = (fmnist__layer_spec){FMNIST__L_BN, 0, 0, 0, 0, 0.9, 1e-5};
  specs[count++] = (fmnist__layer_spec){FMNIST__L_RELU, 0, 0, 0, 0, 0, 0};
  if (cases[k].pool) specs[count++] = (fmnist__layer_spec){FMNIST__L_POOL, 0, cases[k].pool, 0, 0, 0, 0};
  if (cases[k].drop) specs[count++] = (fmnist__layer_spec){FMNIST__L_DROP, 0, 0, 0, 0, 0.3, 0};
  for (int training = 0; training <= 1; training++) {
    chain a, b;
    chain_make(&a, specs, count, cases[k].c, cases[k].h, cases[k].w, cases[k].n);
    chain_make(&b, specs, count, cases[k].c, cases[k].h, cases[k].w, cases[k].n);
    const size_t out_len = fmnist__layer_out_size(&a.l[count - 1]) * cases[k].n;
    const size_t in_len = fmnist__layer_in_size(&a.l[0]) * cases[k].n;
    fmnist__rng r;
    fmnist__rng_init(&r, 17, FMNIST__STREAM_SPLIT, 0);
    float *dy = randv(&r, out_len, 1.0);
    chain_run(&a, 0, training, dy);
    chain_run(&b, 1, training, dy);
    ck_assert(memcmp(a.act[count], b.act[count], out_len * sizeof(float)) == 0);
    if (training) {
      ck_assert(memcmp(a.grad[0], b.grad[0], in_len * sizeof(float)) == 0);
      ck_assert(memcmp(a.grads, b.grads, 2 * cases[k].c * sizeof(float)) == 0);
      ck_assert(memcmp(a.stats, b.stats, 2 * cases[k].c * sizeof(float)) == 0);
      double g2 = 0;
      for (size_t i = 0; i < in_len; i++) g2 += (double)a.grad[0][i] * a.grad[0][i];
      ck_assert(g2 > 0); /* the gradient reached the input */
    }
    free(dy);
    chain_free(&a);
    chain_free(&b);
  }
}
END_TEST

/* ---- residual blocks: a net's passes over its layers ---- */

/* A net of a spec, its parameters drawn, its training memory for n
 * random images, and r: the loss is L = sum(logits * r). */
typedef struct tnet {
  fmnist__net *net;
  fmnist__net_acts a;
  float *grads, *r;
  size_t n, threads;
} tnet;

static void tnet_make(tnet *t, const char *spec, fmnist__conv_algorithm algorithm, size_t n) {
  memset(t, 0, sizeof *t);
  fmnist__layer_spec *specs;
  size_t count;
  ck_assert_msg(fmnist__net_parse(spec, &specs, &count) == FMNIST_OK, "%s", fmnist_last_error());
  ck_assert_int_eq(fmnist__net_build(specs, count, algorithm, &t->net), FMNIST_OK);
  fmnist__free(specs);
  fmnist__net *net = t->net;
  t->n = n;
  t->threads = 1;
  fmnist__rng r;
  fmnist__rng_init(&r, 21, FMNIST__STREAM_NET_INIT, 0);
  for (size_t i = 0; i < net->n_params; i++)
    net->params[i] = (float)(0.6 * fmnist__rng_uniform(&r) - 0.3);
  for (size_t i = 0; i < net->n_layers; i++) { /* bn: gamma 0.5..1.5, running 0 and 1 */
    fmnist__layer *l = &net->layers[i];
    if (l->spec.kind != FMNIST__L_BN) continue;
    for (size_t c = 0; c < l->in_c; c++) {
      l->w[c] = (float)(0.5 + fmnist__rng_uniform(&r));
      l->stats[c] = 0;
      l->stats[l->in_c + c] = 1;
    }
  }
  fmnist__net_prepare_inference(net);
  ck_assert_int_eq(fmnist__net_acts_make(net, n, &t->a), FMNIST_OK);
  t->grads = calloc(net->n_params + 1, sizeof(float));
  for (size_t i = 0, po = 0; i < net->n_layers; i++) {
    fmnist__layer *l = &net->layers[i];
    l->dw = t->grads + po;
    l->db = l->dw + l->n_w;
    po += l->n_w + l->n_b;
  }
  for (size_t i = 0; i < FMNIST_PIXELS * n; i++)
    t->a.in[i] = (float)(2 * fmnist__rng_uniform(&r) - 1);
  t->r = randv(&r, FMNIST_CLASSES * n, 1.0);
}

static void tnet_free(tnet *t) {
  fmnist__net_acts_free(&t->a);
  fmnist__net_free(t->net);
  free(t->grads);
  free(t->r);
}

/* L of a pass (training: batch statistics; the same draws every call). */
static double tnet_loss(tnet *t, int training) {
  fmnist__rng g;
  fmnist__rng_init(&g, 99, FMNIST__STREAM_NET_TRAIN, 0);
  const fmnist__pass p = {training, &g, t->a.scratch, t->threads, NULL, 0, t->n, NULL};
  const float *z = fmnist__net_forward(t->net, t->a.in, t->a.y, t->a.aux, t->n, &p);
  double s = 0;
  for (size_t i = 0; i < FMNIST_CLASSES * t->n; i++) s += (double)z[i] * t->r[i];
  return s;
}

/* A training pass's gradients of L into t->grads. */
static void tnet_backward(tnet *t) {
  fmnist__rng g;
  fmnist__rng_init(&g, 99, FMNIST__STREAM_NET_TRAIN, 0);
  tnet_loss(t, 1);
  memcpy(t->a.d[0], t->r, FMNIST_CLASSES * t->n * sizeof(float));
  const fmnist__pass p = {1, &g, t->a.scratch, t->threads, NULL, 0, t->n, NULL};
  fmnist__net_backward(t->net, &t->a, t->n, &p);
}

/* Residual nets whose every parameter is checked against central
 * differences: identity skips, projections (channels and plane change,
 * with and without a bn; on flat inputs), a block with no parameter before
 * it (its input's gradient not needed), Winograd convs inside a block (8
 * channels on 7x7), dropout in a branch, two chunks of images. tanh and
 * sigmoid rather than relu, so that the loss is smooth where the steps of
 * h reach (pool:4 on the input has no parameter before it: its windows
 * never change). */
static const struct {
  const char *spec;
  fmnist__conv_algorithm algorithm;
  size_t n;
} residual_cases[] = {
    {"pool:4 conv:3:3 res( conv:3:3 bn tanh conv:3:3 bn ) tanh dense:10", FMNIST__CONV_IM2COL, 3},
    {"pool:4 conv:3:3 res( conv:4:3:2 bn tanh conv:4:3 bn ) tanh dense:10", FMNIST__CONV_IM2COL, 3},
    {"pool:4 conv:2:3 tanh res( conv:3:3:2 tanh drop:0.3 ) dense:10", FMNIST__CONV_IM2COL, 3},
    {"pool:4 res( conv:2:3 bn tanh ) conv:2:3 res( conv:2:3 sigmoid ) dense:10",
     FMNIST__CONV_IM2COL, 17},
    {"pool:4 conv:8:3 res( conv:8:3 bn tanh conv:8:3 bn ) tanh dense:10", FMNIST__CONV_AUTO, 2},
    {"pool:4 dense:6 tanh res( dense:6 tanh dense:5 bn ) tanh dense:10", FMNIST__CONV_IM2COL, 4},
};

/* Relative error of the gradients against central differences over all
 * parameters, as fd_error for one layer but with step 3e-3: through a
 * batch norm of few values the O(h^2) truncation error is 1.4e-3 at 1e-2
 * and 1.3e-4 at 3e-3 (the same nets without their skips give the same),
 * and the float rounding of L over 2h stays below that (7e-4 at 2e-3 on
 * the dense net). Measured: at most 4.3e-4; a skip's gradient dropped at
 * res( gives 0.39 to 0.59, so 1e-3 tells them apart. */
START_TEST(residual_gradients) {
  tnet t;
  tnet_make(&t, residual_cases[_i].spec, residual_cases[_i].algorithm, residual_cases[_i].n);
  const size_t np = t.net->n_params;
  tnet_backward(&t);
  float *analytic = malloc(np * sizeof *analytic);
  memcpy(analytic, t.grads, np * sizeof *analytic);
  const float h = 3e-3f;
  double num2 = 0, an2 = 0, diff2 = 0;
  for (size_t i = 0; i < np; i++) {
    float *v = &t.net->params[i], keep = *v;
    *v = keep + h;
    double lp = tnet_loss(&t, 1);
    *v = keep - h;
    double lm = tnet_loss(&t, 1);
    *v = keep;
    double num = (lp - lm) / (2.0 * h);
    num2 += num * num;
    an2 += (double)analytic[i] * analytic[i];
    diff2 += (num - analytic[i]) * (num - analytic[i]);
  }
  const double err = sqrt(diff2) / sqrt(num2 > an2 ? num2 : an2);
  ck_assert_msg(err < 1e-3, "%s: relative error %g", residual_cases[_i].spec, err);
  ck_assert(an2 > 0);
  free(analytic);
  tnet_free(&t);
}
END_TEST

/* The wiring of a block in the array: res(, the branch, the projection
 * (1x1 conv of stride 2, bn like the branch's last), add; where each reads
 * and what the projection's layers are. */
START_TEST(residual_wiring) {
  tnet t;
  tnet_make(&t, "conv:4:3 res( conv:8:3:2 bn:0.9:1e-5 relu conv:8:3 bn:0.8:1e-4 ) dense:10",
            FMNIST__CONV_IM2COL, 1);
  const fmnist__layer *l = t.net->layers;
  const fmnist__layer_kind kinds[] = {FMNIST__L_CONV, FMNIST__L_RES,  FMNIST__L_CONV,
                                      FMNIST__L_BN,   FMNIST__L_RELU, FMNIST__L_CONV,
                                      FMNIST__L_BN,   FMNIST__L_CONV, FMNIST__L_BN,
                                      FMNIST__L_ADD,  FMNIST__L_FLATTEN, FMNIST__L_DENSE};
  const size_t from[] = {0, 1, 1, 3, 4, 5, 6, 1, 8, 7, 10, 11};
  ck_assert_uint_eq(t.net->n_layers, 12);
  for (size_t i = 0; i < 12; i++) {
    ck_assert_int_eq(l[i].spec.kind, kinds[i]);
    ck_assert_uint_eq(l[i].from, from[i]);
    ck_assert_int_eq(l[i].skip, i == 7 ? 1 : i == 8 ? 2 : 0);
  }
  ck_assert_uint_eq(l[9].add_from, 9); /* the projection's bn */
  ck_assert_uint_eq(l[7].spec.kernel, 1);
  ck_assert_uint_eq(l[7].spec.stride, 2);
  ck_assert_uint_eq(l[7].in_c * l[7].out_c, 4 * 8);
  ck_assert_uint_eq(l[7].out_h, 14);
  ck_assert(l[8].spec.rate == 0.8 && l[8].spec.eps == 1e-4);
  ck_assert(l[3].fuse == 1 && l[4].fused); /* a tail inside the branch */
  ck_assert(!l[6].fuse && !l[8].fuse);     /* none across its edges */
  ck_assert_uint_eq(t.net->n_params, 40 + 296 + 16 + 584 + 16 + 40 + 16 + 8 * 196 * 10 + 10);
  tnet_free(&t);
  /* An identity block: the add reads the block's input, here the net's. */
  tnet_make(&t, "res( relu ) dense:10", FMNIST__CONV_IM2COL, 1);
  ck_assert_uint_eq(t.net->n_layers, 5);
  ck_assert_uint_eq(t.net->layers[2].add_from, 0);
  ck_assert_uint_eq(t.net->layers[2].from, 2);
  tnet_free(&t);
}
END_TEST

/* Known values of the forward pass, by hand: y = x + relu(x) through an
 * identity block; and a block that max-pools 28x28 to 2x2, added to its
 * projection w * x + b sampled every 14 pixels (a 1x1 conv of stride 14,
 * no bn since the branch has none). */
START_TEST(residual_known_values) {
  tnet t;
  tnet_make(&t, "res( relu )", FMNIST__CONV_IM2COL, 2);
  const fmnist__pass p = {0, NULL, t.a.scratch, 1, NULL, 0, 2, NULL};
  const float *y = fmnist__net_forward(t.net, t.a.in, t.a.y, t.a.aux, 2, &p);
  for (size_t i = 0; i < FMNIST_PIXELS * 2; i++) {
    const float x = t.a.in[i];
    ck_assert(y[i] == (x > 0 ? 2 * x : x));
  }
  tnet_free(&t);

  tnet_make(&t, "res( pool:14 )", FMNIST__CONV_IM2COL, 1);
  ck_assert_uint_eq(t.net->n_params, 2);
  t.net->params[0] = 2.0f;  /* the projection's weight */
  t.net->params[1] = 0.5f;  /* and bias */
  for (size_t r = 0; r < 28; r++)
    for (size_t c = 0; c < 28; c++) t.a.in[r * 28 + c] = (float)(r * 28 + c) / 100.0f;
  y = fmnist__net_forward(t.net, t.a.in, t.a.y, t.a.aux, 1, &p);
  /* quadrant maxima 3.77, 3.91, 7.69, 7.83 plus 2 * (0, 0.14, 3.92, 4.06) + 0.5 */
  const float want[4] = {3.77f + 0.5f, 3.91f + 2 * 0.14f + 0.5f, 7.69f + 2 * 3.92f + 0.5f,
                         7.83f + 2 * 4.06f + 0.5f};
  for (int i = 0; i < 4; i++)
    ck_assert_msg(fabsf(y[i] - want[i]) < 1e-5f, "%d: %g, want %g", i, y[i], want[i]);
  tnet_free(&t);
}
END_TEST

/* Winograd inside blocks against im2col on the same weights and images:
 * logits and every parameter gradient of a training pass, to the 1e-5 the
 * path is held to. */
START_TEST(residual_winograd_matches_im2col) {
  const char *spec = "pool:2 conv:8:3 res( conv:8:3 bn relu conv:8:3 bn ) relu "
                     "res( conv:16:3 bn relu conv:16:3 bn ) relu pool:2 dense:10";
  tnet w, c;
  tnet_make(&w, spec, FMNIST__CONV_AUTO, 19);
  tnet_make(&c, spec, FMNIST__CONV_IM2COL, 19);
  size_t wino = 0;
  for (size_t i = 0; i < w.net->n_layers; i++) wino += w.net->layers[i].wino != NULL;
  ck_assert_uint_eq(wino, 4); /* the four 3x3 convs in the blocks */
  tnet_backward(&w);
  tnet_backward(&c);
  const size_t len = FMNIST_CLASSES * 19, last = w.net->n_layers - 1;
  ck_assert_msg(rel_err_f(w.a.y[last], c.a.y[last], len) < 1e-5, "logits %g",
                rel_err_f(w.a.y[last], c.a.y[last], len));
  ck_assert_msg(rel_err_f(w.grads, c.grads, w.net->n_params) < 1e-5, "gradients %g",
                rel_err_f(w.grads, c.grads, w.net->n_params));
  tnet_free(&w);
  tnet_free(&c);
}
END_TEST

/* A block's sums, add's forward and res('s backward, are the sums of
 * their terms, value by value, with the same bits on 1 and 2 threads
 * (three chunks of 32 x 14 x 14 values: more than a thread's share). */
START_TEST(residual_sums) {
  enum { N = 37, C = 32, HW = 14 };
  const size_t len = (size_t)C * HW * HW * N;
  fmnist__layer add, res;
  const fmnist__layer_spec add_spec = {FMNIST__L_ADD, 0, 0, 0, 0, 0, 0};
  const fmnist__layer_spec res_spec = {FMNIST__L_RES, 0, 0, 0, 0, 0, 0};
  ck_assert_int_eq(fmnist__layer_make(&add, &add_spec, C, HW, HW), FMNIST_OK);
  ck_assert_int_eq(fmnist__layer_make(&res, &res_spec, C, HW, HW), FMNIST_OK);
  ck_assert_uint_eq(fmnist__layer_flops(&add), C * HW * HW);
  ck_assert_uint_eq(fmnist__layer_flops(&res), 0);
  fmnist__rng r;
  fmnist__rng_init(&r, 8, FMNIST__STREAM_SPLIT, 0);
  float *x = randv(&r, len, 1.0), *other = randv(&r, len, 1.0);
  float *y[2] = {calloc(len, sizeof(float)), calloc(len, sizeof(float))};
  float *dx[2] = {calloc(len, sizeof(float)), calloc(len, sizeof(float))};
  for (size_t t = 0; t < 2; t++) {
    const fmnist__pass p = {1, NULL, NULL, t + 1, NULL, 0, N, other};
    add.ops->forward(&add, x, y[t], NULL, N, &p);
    res.ops->backward(&res, NULL, NULL, x, dx[t], NULL, N, &p);
  }
  for (size_t i = 0; i < len; i++) ck_assert(y[0][i] == x[i] + other[i]);
  ck_assert(memcmp(y[0], y[1], len * sizeof(float)) == 0);
  ck_assert(memcmp(dx[0], y[0], len * sizeof(float)) == 0);
  ck_assert(memcmp(dx[1], y[0], len * sizeof(float)) == 0);
  free(x);
  free(other);
  for (int t = 0; t < 2; t++) {
    free(y[t]);
    free(dx[t]);
  }
}
END_TEST

/* Inference (its buffers taking turns, nn/net_infer.c) gives the forward
 * pass's probabilities bit for bit on a net with identity and projection
 * blocks, fused tails, a flatten and a flat block, over several chunks of
 * images (the forward pass run on inference's tasks of 16 images, so that
 * every product has the same shape). */
START_TEST(residual_inference_equals_forward) {
  const char *spec = "conv:8:3 bn relu res( conv:8:3 bn relu conv:8:3 bn ) relu pool:2 "
                     "res( conv:16:3:2 bn relu conv:16:3 bn ) relu dense:12 res( dense:12 relu ) "
                     "dense:10";
  enum { N = 40 };
  fmnist_model *m;
  ck_assert_int_eq(fmnist_model_create("net", &m), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set_options(m, "threads=2"), FMNIST_OK);
  ck_assert_msg(fmnist_model_set(m, "layers", spec) == FMNIST_OK, "%s", fmnist_last_error());
  for (size_t i = 0; i < FMNIST_PIXELS; i++) m->mean[i] = 100, m->inv_std[i] = 0.02f;
  static uint8_t images[N * FMNIST_PIXELS];
  for (size_t i = 0; i < sizeof images; i++) images[i] = (uint8_t)((i * 2654435761u) >> 24);
  tnet t;
  tnet_make(&t, spec, FMNIST__CONV_AUTO, FMNIST__CHUNK);
  fmnist__blas_threads(1); /* as in inference's tasks */
  static float want[N * FMNIST_CLASSES], got[N * FMNIST_CLASSES];
  for (size_t at = 0; at < N; at += FMNIST__CHUNK) {
    const size_t k = N - at < FMNIST__CHUNK ? N - at : FMNIST__CHUNK;
    const fmnist__pass p = {0, NULL, t.a.scratch, 1, NULL, 0, k, NULL};
    fmnist__net_input(m, images + at * FMNIST_PIXELS, k, t.a.in);
    const float *z = fmnist__net_forward(t.net, t.a.in, t.a.y, t.a.aux, k, &p);
    fmnist__softmax_rows(z, FMNIST_CLASSES, k, want + at * FMNIST_CLASSES);
  }
  m->state = t.net;
  ck_assert_int_eq(fmnist_model_proba(m, images, N, got), FMNIST_OK);
  m->state = NULL;
  ck_assert(memcmp(want, got, sizeof want) == 0);
  fmnist_model_free(m);
  tnet_free(&t);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("layers");
  TCase *tc = tcase_create("core");
  tcase_add_loop_test(tc, layer_gradients, 0, sizeof grad_cases / sizeof grad_cases[0]);
  tcase_add_loop_test(tc, conv_matches_naive, 0, sizeof conv_cases / sizeof conv_cases[0]);
  tcase_add_loop_test(tc, im2col_col2im_naive, 0, sizeof conv_cases / sizeof conv_cases[0]);
  tcase_add_loop_test(tc, winograd_matches_naive, 0, sizeof wino_cases / sizeof wino_cases[0]);
  tcase_add_loop_test(tc, winograd_gradients, 0, 4);
  tcase_add_test(tc, winograd_applies_only_to_3x3_same);
  tcase_add_test(tc, winograd_pays_on_large_planes);
  tcase_add_test(tc, loss_gradient_and_stability);
  tcase_add_test(tc, adam_first_step);
  tcase_add_test(tc, loss_label_smoothing);
  tcase_add_test(tc, sgd_steps);
  tcase_add_test(tc, lr_schedules);
  tcase_add_test(tc, lr_linear_and_warmup);
  tcase_add_test(tc, lr_onecycle_is_pytorchs);
  tcase_add_loop_test(tc, optimizer_steps_like_kernels, 0, 2);
  tcase_add_test(tc, averaged_weights);
  tcase_add_test(tc, dropout_noise_identity_in_inference);
  tcase_add_test(tc, batchnorm_train_vs_inference);
  tcase_add_test(tc, pool_ties_go_to_the_first);
  tcase_add_loop_test(tc, fused_tail_equals_layers, 0, 9);
  tcase_add_loop_test(tc, residual_gradients, 0, sizeof residual_cases / sizeof residual_cases[0]);
  tcase_add_test(tc, residual_wiring);
  tcase_add_test(tc, residual_known_values);
  tcase_add_test(tc, residual_winograd_matches_im2col);
  tcase_add_test(tc, residual_sums);
  tcase_add_test(tc, residual_inference_equals_forward);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(suite)
