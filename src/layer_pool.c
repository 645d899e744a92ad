/* Max-pool PxP, stride P, "valid" (trailing rows/columns that do not fill a
 * window are dropped, as Keras MaxPool2D and PyTorch MaxPool2d).
 *
 * aux: uint32 index, within its input plane, of each output's maximum
 * (C x N x H_out x W_out), so backward routes dy without searching again. */
#include <stdint.h>
#include <string.h>

#include "layer.h"
#include "status.h"

static fmnist_status setup(fmnist__layer *l) {
  size_t k = l->spec.kernel;
  if (k > l->in_h || k > l->in_w)
    return fmnist__fail(FMNIST_E_OPTION, "pool %zu is larger than the %zux%zu input", k, l->in_h,
                        l->in_w);
  l->out_c = l->in_c;
  l->out_h = l->in_h / k;
  l->out_w = l->in_w / k;
  return FMNIST_OK;
}

static size_t aux_bytes(const fmnist__layer *l, size_t n) {
  return fmnist__layer_out_size(l) * n * sizeof(uint32_t);
}

static void forward(fmnist__layer *l, const float *x, float *y, void *aux, size_t n,
                    const fmnist__pass *p) {
  (void)p;
  const size_t k = l->spec.kernel, w = l->in_w, ho = l->out_h, wo = l->out_w;
  const size_t planes = l->in_c * n, in_plane = l->in_h * w, out_plane = ho * wo;
  uint32_t *arg = aux;
  for (size_t pl = 0; pl < planes; pl++) {
    const float *in = x + pl * in_plane;
    float *out = y + pl * out_plane;
    uint32_t *a = arg + pl * out_plane;
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

static void backward(fmnist__layer *l, const float *x, const float *y, const float *dy,
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

const fmnist__layer_ops fmnist__pool_ops = {setup, NULL, aux_bytes, NULL, forward, backward};
