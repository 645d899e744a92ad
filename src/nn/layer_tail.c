/* A layer's fused tail: the relu, max-pool and dropout after a batch norm
 * or a relu, computed in that layer's own per-channel passes (see
 * nn/layer_tail.h). Every value is computed as the layers' own
 * passes compute it, so the results are theirs bit for bit. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include "nn/layer_tail.h"

#include "kernels/layout.h"
#include "nn/draw.h"
#include "nn/pass.h"

static float relu(float v) { return v > 0 ? v : 0.0f; }
/* a if not less than b: the earlier element wins ties (max-pool). */
static float first_max(float a, float b) { return b > a ? b : a; }

/* How many of the layers after l (l[1] .. l[count - 1]) a head computes:
 * after a batch norm a relu, then optionally a max-pool, then optionally a
 * dropout; after a relu a max-pool and/or a dropout. */
size_t fmnist__fuse(fmnist__layer *l, size_t count) {
  size_t k = 0;
  if (l->spec.kind == FMNIST__L_BN) {
    if (count < 2 || l[1].spec.kind != FMNIST__L_RELU) return 0;
    k = 1;
  } else if (l->spec.kind != FMNIST__L_RELU) {
    return 0;
  }
  if (k + 1 < count && l[k + 1].spec.kind == FMNIST__L_POOL) k++;
  if (k + 1 < count && l[k + 1].spec.kind == FMNIST__L_DROP) k++;
  l->fuse = k;
  for (size_t i = 1; i <= k; i++) l[i].fused = 1;
  return k;
}

fmnist__tail fmnist__tail_of(const fmnist__layer *l) {
  fmnist__tail t = {0, NULL, l->in_h, l->in_w, NULL, NULL, 1.0f};
  for (size_t k = 1; k <= l->fuse; k++) {
    const fmnist__layer *f = l + k;
    if (f->spec.kind == FMNIST__L_POOL) t.pool = f->spec.kernel;
    if (f->spec.kind == FMNIST__L_DROP) t.drop = f;
    t.out_h = f->out_h;
    t.out_w = f->out_w;
  }
  return t;
}

/* Values of the tail's output for n images: the keep flags (bytes) or
 * the window places (floats). */
static size_t plane_values(const fmnist__layer *l, const fmnist__tail *t, size_t n) {
  return l->in_c * t->out_h * t->out_w * n;
}

/* Bytes of the window places, first (floats, then the flags). */
static size_t arg_bytes(const fmnist__layer *l, const fmnist__tail *t, size_t n) {
  return t->pool ? plane_values(l, t, n) * sizeof(float) : 0;
}

size_t fmnist__tail_keep_bytes(const fmnist__layer *l, size_t n) {
  const fmnist__tail t = fmnist__tail_of(l);
  return arg_bytes(l, &t, n) + (t.drop ? plane_values(l, &t, n) : 0);
}

fmnist__tail fmnist__tail_pass(const fmnist__layer *l, uint8_t *kept, size_t n,
                               const fmnist__pass *p, int draw) {
  fmnist__tail t = fmnist__tail_of(l);
  if (t.pool) t.arg = (float *)(void *)kept;
  if (!t.drop || !p->training || t.drop->spec.rate <= 0) return t;
  t.keep = kept + arg_bytes(l, &t, n);
  t.drop_scale = fmnist__dropout_scale(t.drop);
  if (draw) fmnist__dropout_draw(t.drop, t.keep, n, p);
  return t;
}

fmnist__tail fmnist__tail_chunk(const fmnist__layer *l, const fmnist__tail *t, size_t q) {
  fmnist__tail c = *t;
  const size_t at = fmnist__chunk_at(q, l->in_c * t->out_h * t->out_w);
  if (c.keep) c.keep += at;
  if (c.arg) c.arg += at;
  return c;
}

/* Max-pool window (oy, ox) (size k) of relu(x * scale + shift) for the n
 * images of a channel's H x W x n values x (w its width) into out, and
 * the place of each maximum into arg: the first element equal to it, or
 * FMNIST__TAIL_NONE where it is 0 (relu's gradient is 0 there). All in
 * floats, so that the loops vectorize. */
FMNIST__VECTOR_CLONES static void window_max(const float *x, size_t w, size_t n, size_t k, size_t oy, size_t ox,
                       float scale, float shift, float *out, float *arg) {
  const float *a = x + (k * oy * w + k * ox) * n;
  if (k == 2) {
    const float *b = a + n, *d = a + w * n, *e = d + n;
    for (size_t i = 0; i < n; i++) {
      const float v0 = relu(a[i] * scale + shift), v1 = relu(b[i] * scale + shift);
      const float v2 = relu(d[i] * scale + shift), v3 = relu(e[i] * scale + shift);
      const float m = first_max(first_max(v0, v1), first_max(v2, v3));
      const float at = v0 == m ? 0.0f : v1 == m ? 1.0f : v2 == m ? 2.0f : 3.0f;
      out[i] = m;
      arg[i] = m > 0 ? at : FMNIST__TAIL_NONE;
    }
    return;
  }
  for (size_t i = 0; i < n; i++) {
    float m = relu(a[i] * scale + shift);
    float at = 0.0f;
    for (size_t r = 0; r < k; r++)
      for (size_t s = 0; s < k; s++) {
        const float v = relu(a[(r * w + s) * n + i] * scale + shift);
        at = v > m ? (float)(r * k + s) : at;
        m = first_max(m, v);
      }
    out[i] = m;
    arg[i] = m > 0 ? at : FMNIST__TAIL_NONE;
  }
}

/* Dropout's forward on len values (a dropped Inf or NaN gives 0). */
FMNIST__VECTOR_CLONES static void apply_keep(float *v, const uint8_t *keep, float scale, size_t len) {
  for (size_t i = 0; i < len; i++) {
    float s = v[i] * scale;
    v[i] = keep[i] ? s : 0.0f;
  }
}

void fmnist__tail_forward(const fmnist__layer *l, const fmnist__tail *t, size_t c,
                          const float *x, size_t n, float scale, float shift, float *y) {
  const size_t m = n * l->in_h * l->in_w, plane = n * t->out_h * t->out_w;
  if (!t->pool) {
    for (size_t i = 0; i < m; i++) y[i] = relu(x[i] * scale + shift);
  } else {
    for (size_t oy = 0; oy < t->out_h; oy++)
      for (size_t ox = 0; ox < t->out_w; ox++) {
        const size_t o = (oy * t->out_w + ox) * n;
        window_max(x, l->in_w, n, t->pool, oy, ox, scale, shift, y + o, t->arg + c * plane + o);
      }
  }
  if (t->keep) apply_keep(y, t->keep + c * plane, t->drop_scale, plane);
}

/* g = gd where the window's maximum is at place `here`, else 0, for n
 * images (restrict: distinct runs, so it vectorizes without alias
 * checks). */
FMNIST__VECTOR_CLONES static void route(size_t n, const float *restrict arg, const float *restrict gd, float here,
                  float *restrict g) {
  for (size_t i = 0; i < n; i++) { /* unconditional load: vectorizes */
    const float v = gd[i];
    g[i] = arg[i] == here ? v : 0.0f;
  }
}

void fmnist__tail_backward(const fmnist__layer *l, const fmnist__tail *t, size_t c,
                           const float *x, size_t n, float scale, float shift, const float *dy,
                           float *g, float *spare) {
  const size_t w = l->in_w, m = n * l->in_h * w, plane = n * t->out_h * t->out_w;
  float *gd = t->pool ? spare : g; /* the gradient at the pool's output */
  for (size_t i = 0; i < plane; i++) gd[i] = dy[i];
  if (t->keep) apply_keep(gd, t->keep + c * plane, t->drop_scale, plane);
  if (!t->pool) {
    for (size_t i = 0; i < m; i++) g[i] = x[i] * scale + shift > 0 ? g[i] : 0.0f;
    return;
  }
  /* Each window's gradient to its maximum's place (relu's gradient is 1
   * there: the maximum is above 0), 0 elsewhere. */
  const size_t k = t->pool;
  const float *arg = t->arg + c * plane;
  for (size_t i = 0; i < m; i++) g[i] = 0.0f; /* what no window covers */
  for (size_t oy = 0; oy < t->out_h; oy++)
    for (size_t ox = 0; ox < t->out_w; ox++) {
      const size_t o = (oy * t->out_w + ox) * n;
      for (size_t r = 0; r < k; r++)
        for (size_t s = 0; s < k; s++)
          route(n, arg + o, gd + o, (float)(r * k + s), g + ((k * oy + r) * w + k * ox + s) * n);
    }
}
