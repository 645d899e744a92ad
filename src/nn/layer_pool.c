/* Max-pool PxP, stride P, "valid" (trailing rows/columns that do not fill a
 * window are dropped, as Keras MaxPool2D and PyTorch MaxPool2d).
 *
 * Nothing is kept from forward to backward: backward finds each window's
 * maximum again as its first element equal to the output (the forward
 * pass's x and y are at hand), so forward is a plain branch-free max that
 * vectorizes, and backward writes every dx element once (no clearing). */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include <stddef.h>

#include "base/status.h"
#include "base/threads.h"
#include "nn/layer.h"

static fmnist_status pool_setup(fmnist__layer *l) {
  size_t k = l->spec.kernel;
  if (k > l->in_h || k > l->in_w)
    return fmnist__fail(FMNIST_E_OPTION, "pool %zu is larger than the %zux%zu input", k, l->in_h,
                        l->in_w);
  l->out_c = l->in_c;
  l->out_h = l->in_h / k;
  l->out_w = l->in_w / k;
  return FMNIST_OK;
}

/* a if not less than b: on ties (and NaN in b) the earlier element wins. */
static float first_max(float a, float b) { return b > a ? b : a; }

/* Planes [lo, hi) of a pass (a plane: one channel of one image). */
typedef struct pool_job {
  const fmnist__layer *l;
  const float *x, *y, *dy;
  float *out; /* forward: y; backward: dx */
} pool_job;

static void forward_planes(void *ctx, size_t lo, size_t hi) {
  const pool_job *j = ctx;
  const fmnist__layer *l = j->l;
  const float *x = j->x;
  float *y = j->out;
  const size_t k = l->spec.kernel, w = l->in_w, ho = l->out_h, wo = l->out_w;
  const size_t in_plane = l->in_h * w, out_plane = ho * wo;
  for (size_t pl = lo; pl < hi; pl++) {
    const float *in = x + pl * in_plane;
    float *out = y + pl * out_plane;
    for (size_t oy = 0; oy < ho; oy++) {
      const float *r0 = in + k * oy * w;
      float *o = out + oy * wo;
      if (k == 2) { /* the common case */
        const float *r1 = r0 + w;
        for (size_t ox = 0; ox < wo; ox++)
          o[ox] = first_max(first_max(r0[2 * ox], r0[2 * ox + 1]),
                            first_max(r1[2 * ox], r1[2 * ox + 1]));
        continue;
      }
      for (size_t ox = 0; ox < wo; ox++) {
        float m = r0[ox * k];
        for (size_t i = 0; i < k; i++)
          for (size_t j = 0; j < k; j++) m = first_max(m, r0[i * w + ox * k + j]);
        o[ox] = m;
      }
    }
  }
}

static void pool_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                         const fmnist__pass *p) {
  (void)aux;
  pool_job j = {l, x, NULL, NULL, y};
  size_t in_plane = l->in_h * l->in_w;
  fmnist__parallel_range(p->threads, l->in_c * n, FMNIST__PAR_GRAIN / in_plane + 1, forward_planes,
                         &j);
}

static void backward_planes(void *ctx, size_t lo, size_t hi) {
  const pool_job *j = ctx;
  const fmnist__layer *l = j->l;
  const float *x = j->x, *y = j->y, *dy = j->dy;
  float *dx = j->out;
  const size_t k = l->spec.kernel, w = l->in_w, h = l->in_h, ho = l->out_h, wo = l->out_w;
  const size_t in_plane = h * w, out_plane = ho * wo;
  for (size_t pl = lo; pl < hi; pl++) {
    const float *in = x + pl * in_plane, *out = y + pl * out_plane, *g = dy + pl * out_plane;
    float *d = dx + pl * in_plane;
    for (size_t oy = 0; oy < ho; oy++) {
      const float *r0 = in + k * oy * w;
      float *d0 = d + k * oy * w;
      if (k == 2) {
        const float *r1 = r0 + w;
        float *d1 = d0 + w;
        for (size_t ox = 0; ox < wo; ox++) {
          /* The gradient passes down the window until an element equals
           * the maximum: a chain of selects, no branches. */
          float m = out[oy * wo + ox], g0 = g[oy * wo + ox];
          int t0 = r0[2 * ox] == m, t1 = r0[2 * ox + 1] == m, t2 = r1[2 * ox] == m;
          float g1 = t0 ? 0.0f : g0, g2 = t1 ? 0.0f : g1;
          d0[2 * ox] = t0 ? g0 : 0.0f;
          d0[2 * ox + 1] = t1 ? g1 : 0.0f;
          d1[2 * ox] = t2 ? g2 : 0.0f;
          d1[2 * ox + 1] = t2 ? 0.0f : g2;
        }
      } else {
        for (size_t ox = 0; ox < wo; ox++) {
          float m = out[oy * wo + ox], gv = g[oy * wo + ox];
          int found = 0;
          for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < k; j++) {
              size_t at = i * w + ox * k + j;
              int here = !found && r0[at] == m;
              d0[at] = here ? gv : 0.0f;
              found |= here;
            }
          /* A NaN maximum equals nothing: the last element gets it, as
           * in the 2x2 case. */
          if (!found) d0[(k - 1) * w + ox * k + k - 1] = gv;
        }
      }
    }
    /* Rows and columns no window covers get no gradient. */
    for (size_t r = 0; r < h; r++)
      for (size_t c = (r < ho * k ? wo * k : 0); c < w; c++) d[r * w + c] = 0.0f;
  }
}

static void pool_backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
                          float *dx, void *aux, size_t n, const fmnist__pass *p) {
  (void)aux;
  if (!dx) return;
  pool_job j = {l, x, y, dy, dx};
  size_t in_plane = l->in_h * l->in_w;
  fmnist__parallel_range(p->threads, l->in_c * n, FMNIST__PAR_GRAIN / in_plane + 1,
                         backward_planes, &j);
}

const fmnist__layer_ops fmnist__pool_ops = {pool_setup, NULL, NULL, NULL, pool_forward,
                                            pool_backward};
