/* Layer specs of the "net" family: the text grammar (fmnist/net.h), shape
 * checking, building the layer list with its residual blocks' wiring, and
 * the fmnist_net_add_* appenders. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/lexer.h"
#include "base/options.h"
#include "base/status.h"
#include "fmnist/net.h"
#include "nn/layer_conv.h"
#include "nn/layer_tail.h"
#include "nn/net_impl.h"

#define MAX_FILTERS 4096
#define MAX_UNITS 65536
#define MAX_LAYERS 1024

#define bad(t, ...) fmnist__lex_fail("option layers", t, __VA_ARGS__)

/* A whole number in [lo, hi] (digits only) into *out. */
static int get_size(const char *field, size_t lo, size_t hi, size_t *out) {
  uint64_t v;
  if (!fmnist__lex_whole(field, lo, hi, &v)) return 0;
  *out = (size_t)v;
  return 1;
}

static fmnist_status parse_token(const fmnist__token *t, fmnist__layer_spec *s) {
  *s = (fmnist__layer_spec){0};
  if (t->len == 1 && t->text[0] == ')') { /* a block's end: its add */
    s->kind = FMNIST__L_ADD;
    return FMNIST_OK;
  }
  if ((memchr(t->text, '(', t->len) || memchr(t->text, ')', t->len)) &&
      !(t->len == 4 && memcmp(t->text, "res(", 4) == 0))
    return bad(t, "write res( and ) as tokens of their own, between spaces");
  fmnist__fields f;
  if (!fmnist__lex_fields(t, &f)) return bad(t, "too long, or too many ':' fields");
  const fmnist__layer_kind_desc *k = fmnist__layer_kind_find(f.field[0]);
  if (!k) {
    char list[192];
    fmnist__layer_kind_list(list, sizeof list);
    return bad(t, "unknown layer (expected %s)", list);
  }
  if (f.n < k->min_fields || f.n > k->max_fields) return bad(t, "expected %s", k->usage);
  const char *const *field = f.field;
  s->kind = k->kind;
  s->stride = 1;
  s->same = 1;
  switch (s->kind) {
  case FMNIST__L_NOISE:
    if (!fmnist__lex_real(field[1], 0, 100, 0, &s->rate)) return bad(t, "noise std must be 0..100");
    break;
  case FMNIST__L_CONV:
    if (!get_size(field[1], 1, MAX_FILTERS, &s->units)) return bad(t, "filters must be 1..4096");
    if (!get_size(field[2], 1, FMNIST_SIDE, &s->kernel)) return bad(t, "kernel must be 1..28");
    if (f.n > 3 && !get_size(field[3], 1, FMNIST_SIDE, &s->stride))
      return bad(t, "stride must be 1..28");
    if (f.n > 4) {
      if (strcmp(field[4], "same") == 0) s->same = 1;
      else if (strcmp(field[4], "valid") == 0) s->same = 0;
      else return bad(t, "padding must be same or valid");
    }
    break;
  case FMNIST__L_POOL:
    if (!get_size(field[1], 1, FMNIST_SIDE, &s->kernel)) return bad(t, "pool size must be 1..28");
    break;
  case FMNIST__L_BN:
    s->rate = FMNIST__BN_MOMENTUM;
    s->eps = FMNIST__BN_EPS;
    if (f.n > 1 && !fmnist__lex_real(field[1], 0, 1, 1, &s->rate))
      return bad(t, "bn momentum must be in [0, 1)");
    if (f.n > 2 && (!fmnist__lex_real(field[2], 0, 1, 0, &s->eps) || s->eps == 0))
      return bad(t, "bn eps must be in (0, 1]");
    break;
  case FMNIST__L_DROP:
    if (!fmnist__lex_real(field[1], 0, 1, 1, &s->rate))
      return bad(t, "dropout rate must be in [0, 1)");
    break;
  case FMNIST__L_DENSE:
    if (!get_size(field[1], 1, MAX_UNITS, &s->units)) return bad(t, "units must be 1..65536");
    break;
  default:
    break;
  }
  return FMNIST_OK;
}

/* ---- the walk from the 1x28x28 input: shapes, wiring, layers ---- */

#define NO_BLOCK SIZE_MAX

/* A walk over specs: the layers made (into `layers` unless NULL), their
 * totals, the shape so far and where the next layer reads (its `from`),
 * and the open block: its res( token, where its input is and its shape,
 * its last bn, whether it flattens its input. */
typedef struct walker {
  const fmnist__token *toks; /* NULL: messages without the token */
  fmnist__layer *layers;
  size_t count, params, stats;
  size_t c, h, w, at;
  size_t res_tok, res_layer, block_at, bc, bh, bw;
  const fmnist__layer_spec *bn;
  int flattens;
} walker;

/* E_OPTION for spec token i: why, after the token if the walk has them. */
static fmnist_status refuse(const walker *k, size_t i, const char *why) {
  if (k->toks) return bad(&k->toks[i], "%s", why);
  return fmnist__fail(FMNIST_E_OPTION, "option layers: %s", why);
}

/* Appends the layer of spec (from token i) on a c x h x w input read at
 * `from` (add_from and skip as fmnist__layer's); the walk's shape becomes
 * its output, and the next layer reads it. */
static fmnist_status put(walker *k, const fmnist__layer_spec *spec, size_t i, size_t c, size_t h,
                         size_t w, size_t from, size_t add_from, int skip) {
  fmnist__layer l;
  fmnist_status s = fmnist__layer_make(&l, spec, c, h, w);
  if (s) {
    char why[256];
    snprintf(why, sizeof why, "%s", fmnist_last_error());
    return refuse(k, i, why);
  }
  k->params += l.n_w + l.n_b;
  k->stats += l.n_stats;
  if (k->params > FMNIST__NET_MAX_PARAMS) {
    if (k->toks) return bad(&k->toks[i], "the network exceeds 2^26 parameters");
    return fmnist__fail(FMNIST_E_OPTION, "net: more than 2^26 parameters");
  }
  l.from = from;
  l.add_from = add_from;
  l.skip = skip;
  if (k->layers) k->layers[k->count] = l;
  k->count++;
  k->c = l.out_c, k->h = l.out_h, k->w = l.out_w;
  k->at = k->count;
  return FMNIST_OK;
}

/* Spec token i, a layer (a flatten inserted before a dense layer with a
 * spatial input); inside a block, a bn is the projection's model and a
 * flatten of a plane makes the sum impossible. */
static fmnist_status put_layer(walker *k, const fmnist__layer_spec *spec, size_t i) {
  const int open = k->res_tok != NO_BLOCK;
  if (spec->kind == FMNIST__L_DENSE && k->h * k->w > 1) {
    fmnist__layer_spec flat = {FMNIST__L_FLATTEN, 0, 0, 0, 0, 0, 0};
    k->flattens |= open;
    fmnist_status s = put(k, &flat, i, k->c, k->h, k->w, k->at, 0, 0);
    if (s) return s;
  }
  if (spec->kind == FMNIST__L_FLATTEN && k->h * k->w > 1) k->flattens |= open;
  if (spec->kind == FMNIST__L_BN && open) k->bn = spec;
  return put(k, spec, i, k->c, k->h, k->w, k->at, 0, 0);
}

/* res( (token i): the block's layers read its input, as its skip does. */
static fmnist_status open_block(walker *k, const fmnist__layer_spec *spec, size_t i) {
  if (k->res_tok != NO_BLOCK) {
    char why[128];
    snprintf(why, sizeof why, "a block inside the block opened by token %zu: blocks do not nest",
             k->toks ? k->toks[k->res_tok].index : k->res_tok + 1);
    return refuse(k, i, why);
  }
  k->block_at = k->at;
  k->bc = k->c, k->bh = k->h, k->bw = k->w;
  k->bn = NULL;
  k->flattens = 0;
  fmnist_status s = put(k, spec, i, k->c, k->h, k->w, k->at, 0, 0);
  if (s) return s;
  k->res_tok = i;
  k->res_layer = k->count - 1;
  k->at = k->block_at;
  return FMNIST_OK;
}

/* The stride of a 1x1 convolution that makes an h x w plane oh x ow (the
 * smallest; ceil(h/s) rows, as a "same" and a "valid" 1x1 convolution and
 * PyTorch's give), or 0 if none does. */
static size_t projection_stride(size_t h, size_t w, size_t oh, size_t ow) {
  for (size_t s = 1; s <= h || s <= w; s++)
    if ((h + s - 1) / s == oh && (w + s - 1) / s == ow) return s;
  return 0;
}

/* ')' (token i): the add of the branch's output and the skip: the block's
 * input itself where the shapes agree, else its projection, a 1x1
 * convolution (stride as the plane shrinks) with a bn like the branch's
 * last (ResNet's option B; none if the branch has no bn). */
static fmnist_status close_block(walker *k, const fmnist__layer_spec *spec, size_t i) {
  if (k->res_tok == NO_BLOCK) return refuse(k, i, "')' closes no block (no res( before it)");
  if (k->count == k->res_layer + 1) return refuse(k, i, "an empty block: res( ... ) holds no layer");
  const size_t branch = k->at, c = k->c, h = k->h, w = k->w;
  size_t add_from = k->block_at;
  if (c != k->bc || h != k->bh || w != k->bw) {
    char why[256];
    const size_t s = k->flattens ? 0 : projection_stride(k->bh, k->bw, h, w);
    if (!s) {
      snprintf(why, sizeof why,
               "the block's %zux%zux%zu output cannot be added to its %zux%zux%zu input (%s)", c,
               h, w, k->bc, k->bh, k->bw,
               k->flattens ? "it flattens its input: open the block after the flatten"
                           : "no 1x1 convolution of any stride gives that plane");
      return refuse(k, i, why);
    }
    const fmnist__layer_spec conv = {FMNIST__L_CONV, c, 1, s, 1, 0, 0};
    fmnist_status st = put(k, &conv, i, k->bc, k->bh, k->bw, k->block_at, 0, 1);
    if (!st && k->bn) {
      const fmnist__layer_spec bn = {FMNIST__L_BN, 0, 0, 0, 0, k->bn->rate, k->bn->eps};
      st = put(k, &bn, i, k->c, k->h, k->w, k->at, 0, 2);
    }
    if (st) return st;
    add_from = k->at;
  }
  k->res_tok = NO_BLOCK;
  return put(k, spec, i, c, h, w, branch, add_from, 0);
}

/* Walks specs from the 1x28x28 input: checks every layer's shape, the
 * blocks and the total size; if layers is not NULL also fills it. toks
 * (may be NULL) name the tokens in messages. */
static fmnist_status walk(const fmnist__layer_spec *specs, size_t n, const fmnist__token *toks,
                          fmnist__layer *layers, size_t *n_layers, size_t *n_params,
                          size_t *n_stats) {
  walker k = {toks, layers, 0, 0, 0, 1, FMNIST_SIDE, FMNIST_SIDE, 0,
              NO_BLOCK, 0, 0, 0, 0, 0, NULL, 0};
  for (size_t i = 0; i < n; i++) {
    fmnist_status s;
    if (specs[i].kind == FMNIST__L_RES) s = open_block(&k, &specs[i], i);
    else if (specs[i].kind == FMNIST__L_ADD) s = close_block(&k, &specs[i], i);
    else s = put_layer(&k, &specs[i], i);
    if (s) return s;
  }
  if (k.res_tok != NO_BLOCK)
    return refuse(&k, k.res_tok, "the block is not closed (no ')' after it)");
  *n_layers = k.count;
  *n_params = k.params;
  *n_stats = k.stats;
  return FMNIST_OK;
}

fmnist_status fmnist__net_parse(const char *text, fmnist__layer_spec **specs, size_t *n) {
  size_t count = fmnist__lex_count(text);
  *specs = NULL;
  *n = 0;
  if (count > MAX_LAYERS)
    return fmnist__fail(FMNIST_E_OPTION, "option layers: %zu layers, at most %d", count,
                        MAX_LAYERS);
  if (count == 0) return FMNIST_OK;
  fmnist__layer_spec *sp = fmnist__calloc(count, sizeof *sp);
  fmnist__token *toks = fmnist__calloc(count, sizeof *toks);
  fmnist_status s = FMNIST_OK;
  if (!sp || !toks) s = fmnist__fail(FMNIST_E_NOMEM, "option layers: out of memory");
  fmnist__token t = {0};
  for (size_t i = 0; !s && fmnist__lex_next(text, &t); i++) {
    toks[i] = t;
    s = parse_token(&toks[i], &sp[i]);
  }
  size_t nl, np, ns;
  if (!s) s = walk(sp, count, toks, NULL, &nl, &np, &ns);
  fmnist__free(toks);
  if (s) {
    fmnist__free(sp);
    return s;
  }
  *specs = sp;
  *n = count;
  return FMNIST_OK;
}

fmnist_status fmnist__net_check_spec(const char *text) {
  fmnist__layer_spec *specs;
  size_t n;
  fmnist_status s = fmnist__net_parse(text, &specs, &n);
  if (!s) fmnist__free(specs);
  return s;
}

void fmnist__net_free(fmnist__net *net) {
  if (!net) return;
  fmnist__free(net->layers);
  fmnist__free(net->params);
  fmnist__free(net->stats);
  fmnist__free(net->wino);
  fmnist__free(net);
}

void fmnist__net_prepare_inference(fmnist__net *net) {
  for (size_t i = 0; i < net->n_layers; i++)
    if (net->layers[i].spec.kind == FMNIST__L_CONV) fmnist__conv_winograd_prepare(&net->layers[i]);
}

/* Floats of layer l's Winograd weights in a net built for `algorithm`. */
static size_t wino_floats(const fmnist__layer *l, fmnist__conv_algorithm algorithm) {
  return l->spec.kind == FMNIST__L_CONV && algorithm == FMNIST__CONV_AUTO &&
                 fmnist__conv_winograd_pays(l)
             ? fmnist__conv_winograd_floats(l)
             : 0;
}

fmnist_status fmnist__net_build(const fmnist__layer_spec *specs, size_t n,
                                fmnist__conv_algorithm algorithm, fmnist__net **out) {
  size_t nl, np, ns;
  fmnist_status s = walk(specs, n, NULL, NULL, &nl, &np, &ns);
  if (s) return s;
  fmnist__net *net = fmnist__calloc(1, sizeof *net);
  if (!net) return fmnist__fail(FMNIST_E_NOMEM, "net: out of memory");
  net->layers = fmnist__calloc(nl ? nl : 1, sizeof *net->layers);
  net->params = fmnist__calloc(np ? np : 1, sizeof *net->params);
  net->stats = fmnist__calloc(ns ? ns : 1, sizeof *net->stats);
  if (!net->layers || !net->params || !net->stats) {
    fmnist__net_free(net);
    return fmnist__fail(FMNIST_E_NOMEM, "net: out of memory for %zu parameters", np);
  }
  walk(specs, n, NULL, net->layers, &nl, &np, &ns);
  for (size_t i = 0; i < nl; i++) i += fmnist__fuse(&net->layers[i], nl - i);
  net->n_layers = nl;
  net->n_params = np;
  net->n_stats = ns;
  size_t po = 0, so = 0, nw = 0;
  for (size_t i = 0; i < nl; i++) {
    fmnist__layer *l = &net->layers[i];
    l->w = net->params + po;
    l->b = l->w + l->n_w;
    po += l->n_w + l->n_b;
    l->stats = net->stats + so;
    so += l->n_stats;
    nw += wino_floats(l, algorithm);
  }
  if (nw) {
    net->wino = fmnist__calloc(nw, sizeof *net->wino);
    if (!net->wino) {
      fmnist__net_free(net);
      return fmnist__fail(FMNIST_E_NOMEM, "net: out of memory for %zu parameters", np);
    }
    for (size_t i = 0, wo = 0; i < nl; i++) {
      fmnist__layer *l = &net->layers[i];
      size_t k = wino_floats(l, algorithm);
      if (k) l->wino = net->wino + wo;
      wo += k;
    }
  }
  *out = net;
  return FMNIST_OK;
}

/* ---- fmnist_net_add_*: append one token to the "layers" option ---- */

static fmnist_status append(fmnist_model *m, const char *token) {
  FMNIST__CHECK_ARG(m);
  if (m->family != &fmnist__net_family)
    return fmnist__fail(FMNIST_E_INVALID, "fmnist_net_add: the model is of family %s, not net",
                        m->family->name);
  const fmnist__net_config *cfg = m->config;
  const char *old = cfg->layers ? cfg->layers : "";
  size_t lo = strlen(old), lt = strlen(token);
  char *text = fmnist__alloc(lo + lt + 2);
  if (!text) return fmnist__fail(FMNIST_E_NOMEM, "fmnist_net_add: out of memory");
  memcpy(text, old, lo);
  size_t at = lo;
  if (lo) text[at++] = ' ';
  memcpy(text + at, token, lt + 1);
  fmnist_status s = fmnist_model_set(m, "layers", text);
  fmnist__free(text);
  return s;
}

FMNIST_API fmnist_status fmnist_net_add_dense(fmnist_model *m, size_t units) {
  char t[64];
  snprintf(t, sizeof t, "dense:%zu", units);
  return append(m, t);
}

FMNIST_API fmnist_status fmnist_net_add_conv(fmnist_model *m, size_t filters, size_t kernel,
                                             size_t stride, int same_padding) {
  char t[96];
  snprintf(t, sizeof t, "conv:%zu:%zu:%zu:%s", filters, kernel, stride,
           same_padding ? "same" : "valid");
  return append(m, t);
}

FMNIST_API fmnist_status fmnist_net_add_maxpool(fmnist_model *m, size_t size) {
  char t[64];
  snprintf(t, sizeof t, "pool:%zu", size);
  return append(m, t);
}

FMNIST_API fmnist_status fmnist_net_add_batchnorm(fmnist_model *m) { return append(m, "bn"); }

FMNIST_API fmnist_status fmnist_net_add_dropout(fmnist_model *m, double rate) {
  char t[64] = "drop:";
  fmnist__format_real(t + 5, sizeof t - 5, rate);
  return append(m, t);
}

FMNIST_API fmnist_status fmnist_net_add_noise(fmnist_model *m, double std) {
  char t[64] = "noise:";
  fmnist__format_real(t + 6, sizeof t - 6, std);
  return append(m, t);
}

FMNIST_API fmnist_status fmnist_net_add_activation(fmnist_model *m, fmnist_activation act) {
  /* The activations' kinds follow one another as the enum's values do. */
  if ((unsigned)act > FMNIST_ACTIVATION_SIGMOID)
    return fmnist__fail(FMNIST_E_OPTION, "fmnist_net_add_activation: unknown activation %d",
                        (int)act);
  return append(m, fmnist__layer_name((fmnist__layer_kind)(FMNIST__L_RELU + act)));
}

FMNIST_API fmnist_status fmnist_net_add_spec(fmnist_model *m, const char *spec) {
  FMNIST__CHECK_ARG(spec);
  return append(m, spec);
}
