/* A layer's fused tail: the relu, max-pool and dropout after a batch norm
 * or a relu, computed in that layer's own per-channel passes (see
 * fmnist__fuse in nn/layer.h). Every value is computed as the layers' own
 * passes compute it, so the results are theirs bit for bit. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include "nn/layer.h"

/* Images whose window maxima a backward step holds at once. */
#define WINDOW_IMAGES 64

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
  fmnist__tail t = {0, NULL, l->in_h, l->in_w, NULL, 1.0f};
  for (size_t k = 1; k <= l->fuse; k++) {
    const fmnist__layer *f = l + k;
    if (f->spec.kind == FMNIST__L_POOL) t.pool = f->spec.kernel;
    if (f->spec.kind == FMNIST__L_DROP) t.drop = f;
    t.out_h = f->out_h;
    t.out_w = f->out_w;
  }
  return t;
}

size_t fmnist__tail_keep_bytes(const fmnist__layer *l, size_t n) {
  const fmnist__tail t = fmnist__tail_of(l);
  return t.drop ? l->in_c * t.out_h * t.out_w * n : 0;
}

fmnist__tail fmnist__tail_pass(const fmnist__layer *l, uint8_t *flags, size_t n,
                               const fmnist__pass *p, int draw) {
  fmnist__tail t = fmnist__tail_of(l);
  if (!t.drop || !p->training || t.drop->spec.rate <= 0) return t;
  t.keep = flags;
  t.drop_scale = fmnist__dropout_scale(t.drop);
  if (draw) fmnist__dropout_draw(t.drop, flags, n, p);
  return t;
}

fmnist__tail fmnist__tail_chunk(const fmnist__layer *l, const fmnist__tail *t, size_t q) {
  fmnist__tail c = *t;
  if (c.keep) c.keep += fmnist__chunk_at(q, l->in_c * t->out_h * t->out_w);
  return c;
}

/* Max-pool window (oy, ox) (size k) of relu(x * scale + shift) for cnt
 * images into out: x a channel's H x W x n values from its first image
 * wanted, w its width. */
static void window_max(const float *x, size_t w, size_t n, size_t cnt, size_t k, size_t oy,
                       size_t ox, float scale, float shift, float *out) {
  const float *a = x + (k * oy * w + k * ox) * n;
  if (k == 2) {
    const float *b = a + n, *d = a + w * n, *e = d + n;
    for (size_t i = 0; i < cnt; i++)
      out[i] = first_max(first_max(relu(a[i] * scale + shift), relu(b[i] * scale + shift)),
                         first_max(relu(d[i] * scale + shift), relu(e[i] * scale + shift)));
    return;
  }
  for (size_t i = 0; i < cnt; i++) out[i] = relu(a[i] * scale + shift);
  for (size_t r = 0; r < k; r++)
    for (size_t s = 0; s < k; s++) {
      const float *v = a + (r * w + s) * n;
      for (size_t i = 0; i < cnt; i++) out[i] = first_max(out[i], relu(v[i] * scale + shift));
    }
}

/* Dropout's forward on len values (a dropped Inf or NaN gives 0). */
static void apply_keep(float *v, const uint8_t *keep, float scale, size_t len) {
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
      for (size_t ox = 0; ox < t->out_w; ox++)
        window_max(x, l->in_w, n, n, t->pool, oy, ox, scale, shift, y + (oy * t->out_w + ox) * n);
  }
  if (t->keep) apply_keep(y, t->keep + c * plane, t->drop_scale, plane);
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
  const size_t k = t->pool;
  for (size_t i = 0; i < m; i++) g[i] = 0.0f; /* what no window covers */
  for (size_t oy = 0; oy < t->out_h; oy++)
    for (size_t ox = 0; ox < t->out_w; ox++)
      for (size_t i0 = 0; i0 < n; i0 += WINDOW_IMAGES) {
        const size_t cnt = n - i0 < WINDOW_IMAGES ? n - i0 : WINDOW_IMAGES;
        /* The window's maximum again, then its gradient down the window to
         * the first element equal to it, and through the relu. */
        float mx[WINDOW_IMAGES], left[WINDOW_IMAGES];
        window_max(x + i0, w, n, cnt, k, oy, ox, scale, shift, mx);
        for (size_t i = 0; i < cnt; i++) left[i] = gd[(oy * t->out_w + ox) * n + i0 + i];
        for (size_t r = 0; r < k; r++)
          for (size_t s = 0; s < k; s++) {
            const size_t at = ((k * oy + r) * w + k * ox + s) * n + i0;
            for (size_t i = 0; i < cnt; i++) {
              const float v = relu(x[at + i] * scale + shift);
              const int here = v == mx[i];
              g[at + i] = here && v > 0 ? left[i] : 0.0f;
              left[i] = here ? 0.0f : left[i];
            }
          }
      }
}
