/* Max-pool PxP, stride P, "valid" (trailing rows/columns that do not fill a
 * window are dropped, as Keras MaxPool2D and PyTorch MaxPool2d).
 *
 * aux: uint32 index, within its input plane, of each output's maximum
 * (C x N x H_out x W_out), so backward routes dy without searching again. */
#include "vectorize.h"  /* first: applies to the whole file */
#include <stdint.h>
#include <string.h>

#include "layer.h"
#include "status.h"

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

static size_t pool_aux_bytes(const fmnist__layer *l, size_t n) {
  return fmnist__layer_out_size(l) * n * sizeof(uint32_t);
}

static void pool_forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                    const fmnist__pass *p) {
  (void)p;
  const size_t k = l->spec.kernel, w = l->in_w, ho = l->out_h, wo = l->out_w;
  const size_t planes = l->in_c * n, in_plane = l->in_h * w, out_plane = ho * wo;
  uint32_t *arg = aux;
  for (size_t pl = 0; pl < planes; pl++) {
    const float *in = x + pl * in_plane;
    float *out = y + pl * out_plane;
    uint32_t *a = arg + pl * out_plane;
    if (k == 2) { /* the common case: selects, so that gcc vectorizes it */
      for (size_t oy = 0; oy < ho; oy++) {
        const float *r0 = in + 2 * oy * w, *r1 = r0 + w;
        float *o = out + oy * wo;
        uint32_t *ai = a + oy * wo, base = (uint32_t)(2 * oy * w), uw = (uint32_t)w;
        for (size_t ox = 0; ox < wo; ox++) {
          float v0 = r0[2 * ox], v1 = r0[2 * ox + 1], v2 = r1[2 * ox], v3 = r1[2 * ox + 1];
          uint32_t at = 0; /* 0..3: first maximum of v0..v3 */
          float m = v0;
          at = v1 > m ? 1u : at;
          m = v1 > m ? v1 : m;
          at = v2 > m ? 2u : at;
          m = v2 > m ? v2 : m;
          at = v3 > m ? 3u : at;
          m = v3 > m ? v3 : m;
          o[ox] = m;
          ai[ox] = base + 2 * (uint32_t)ox + (at & 1u) + (at >> 1) * uw;
        }
      }
      continue;
    }
    for (size_t oy = 0; oy < ho; oy++)
      for (size_t ox = 0; ox < wo; ox++) {
        size_t best = oy * k * w + ox * k;
        float m = in[best];
        for (size_t i = 0; i < k; i++)
          for (size_t j = 0; j < k; j++) {
            size_t idx = (oy * k + i) * w + ox * k + j;
            if (in[idx] > m) { /* strict: the first maximum wins ties */
              m = in[idx];
              best = idx;
            }
          }
        out[oy * wo + ox] = m;
        a[oy * wo + ox] = (uint32_t)best;
      }
  }
}

static void pool_backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
                     float *dx, void *aux, size_t n, const fmnist__pass *p) {
  (void)x;
  (void)y;
  (void)p;
  if (!dx) return;
  const size_t planes = l->in_c * n, in_plane = l->in_h * l->in_w;
  const size_t out_plane = l->out_h * l->out_w;
  const uint32_t *arg = aux;
  memset(dx, 0, planes * in_plane * sizeof *dx);
  for (size_t pl = 0; pl < planes; pl++) {
    float *d = dx + pl * in_plane;
    const float *g = dy + pl * out_plane;
    const uint32_t *a = arg + pl * out_plane;
    for (size_t o = 0; o < out_plane; o++) d[a[o]] += g[o];
  }
}

const fmnist__layer_ops fmnist__pool_ops = {pool_setup, NULL, pool_aux_bytes, NULL, pool_forward, pool_backward};
