/* The passes over a net's layers (nn/net_pass.h): forward for training
 * and inference, backward for training, following each layer's `from`. */
#include "nn/net_pass.h"

#include <string.h>

#include "base/alloc.h"
#include "base/status.h"

const float *fmnist__net_forward(const fmnist__net *net, const float *in, float *const *out,
                                 void *const *aux, size_t n, const fmnist__pass *p) {
  fmnist__pass q = *p;
  for (size_t i = 0; i < net->n_layers; i++) {
    fmnist__layer *l = &net->layers[i];
    if (l->fused || !l->ops->forward) continue;
    q.other = NULL;
    if (l->spec.kind == FMNIST__L_ADD) q.other = l->add_from ? out[l->add_from - 1] : in;
    l->ops->forward(l, l->from ? out[l->from - 1] : in, out[i + l->fuse], aux[i], n, &q);
  }
  return out[net->n_layers - 1];
}

void fmnist__net_acts_free(fmnist__net_acts *a) {
  fmnist__free(a->in);
  for (size_t i = 0; a->y && i < a->n_layers; i++) fmnist__free(a->y[i]);
  for (size_t i = 0; a->aux && i < a->n_layers; i++) fmnist__free(a->aux[i]);
  fmnist__free(a->y);
  fmnist__free(a->aux);
  for (int k = 0; k < 3; k++) fmnist__free(a->d[k]);
  fmnist__free(a->scratch);
  memset(a, 0, sizeof *a);
}

fmnist_status fmnist__net_acts_make(const fmnist__net *net, size_t cap, fmnist__net_acts *a) {
  const size_t L = net->n_layers;
  size_t act = FMNIST_PIXELS, scratch = 1;
  int blocks = 0;
  memset(a, 0, sizeof *a);
  a->n_layers = L;
  a->first_params = L;
  a->y = fmnist__calloc(L, sizeof *a->y);
  a->aux = fmnist__calloc(L, sizeof *a->aux);
  int ok = a->y && a->aux;
  for (size_t i = 0; i < L && ok; i++) {
    const fmnist__layer *l = &net->layers[i];
    size_t o = fmnist__layer_out_size(l), in = fmnist__layer_in_size(l);
    if (o > act) act = o;
    if (in > act) act = in;
    const int made = l->ops->forward && (i + 1 == L || !net->layers[i + 1].fused);
    a->y[i] = fmnist__calloc(made ? cap * o : 1, sizeof(float));
    size_t ab = l->ops->aux_bytes ? l->ops->aux_bytes(l, cap) : 0;
    a->aux[i] = fmnist__alloc(ab ? ab : 1);
    if (l->ops->scratch_floats && l->ops->scratch_floats(l, cap) > scratch)
      scratch = l->ops->scratch_floats(l, cap);
    if (l->n_w + l->n_b && a->first_params == L) a->first_params = i;
    blocks |= l->spec.kind == FMNIST__L_RES;
    ok = a->y[i] && a->aux[i];
  }
  if (ok) {
    a->in = fmnist__calloc(cap * FMNIST_PIXELS, sizeof(float));
    for (int k = 0; k < 2 + blocks; k++) a->d[k] = fmnist__calloc(cap * act, sizeof(float));
    a->scratch = fmnist__calloc(scratch, sizeof(float));
    ok = a->in && a->d[0] && a->d[1] && (!blocks || a->d[2]) && a->scratch;
  }
  if (ok) return FMNIST_OK;
  fmnist__net_acts_free(a);
  return fmnist__fail(FMNIST_E_NOMEM, "net: out of memory for the training workspace");
}

/* A gradient buffer that is neither a nor b (one of the first two without
 * blocks: they ping-pong; with a block's kept gradient, the third). */
static float *spare(float *const d[3], const float *a, const float *b) {
  int k = 0;
  while (k < 2 && (d[k] == a || d[k] == b)) k++;
  return d[k];
}

void fmnist__net_backward(const fmnist__net *net, fmnist__net_acts *a, size_t n,
                          const fmnist__pass *p) {
  fmnist__pass q = *p;
  float *dy = a->d[0];
  /* Inside a block, going back: the gradient at its add, kept for the
   * branch while the projection (which sits just before the add) runs;
   * then the skip path's share of the gradient at the block's input, kept
   * for res( (an identity skip's share is the add's gradient itself). */
  float *kept = NULL;
  for (size_t i = net->n_layers; i-- > 0;) {
    fmnist__layer *l = &net->layers[i];
    if (l->fused) continue;
    if (l->spec.kind == FMNIST__L_ADD) { /* its gradient is both terms' */
      kept = dy;
      continue;
    }
    float *dx = spare(a->d, dy, kept);
    q.other = l->spec.kind == FMNIST__L_RES ? kept : NULL;
    l->ops->backward(l, l->from ? a->y[l->from - 1] : a->in, a->y[i + l->fuse], dy,
                     a->first_params < l->from ? dx : NULL, a->aux[i], n, &q);
    if (l->skip == 1) { /* the projection done: the branch takes the add's gradient */
      dy = kept;
      kept = dx;
      continue;
    }
    if (l->spec.kind == FMNIST__L_RES) kept = NULL;
    dy = dx;
  }
}
