/* Layer specs of the "net" family: the text grammar (fmnist/net.h), shape
 * checking, building the layer list, and the fmnist_net_add_* appenders. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "fmnist/net.h"
#include "nn/net_impl.h"
#include "base/options.h"
#include "base/status.h"

#define MAX_FIELDS 5
#define MAX_FILTERS 4096
#define MAX_UNITS 65536
#define MAX_LAYERS 1024

/* The token being parsed, for messages. */
typedef struct tok {
  const char *text;
  size_t len, index, pos; /* index: 1-based token number; pos: 0-based char */
} tok;

static fmnist_status bad(const tok *t, const char *why) {
  return fmnist__fail(FMNIST_E_OPTION,
                      "option layers: token %zu \"%.*s\" (at character %zu): %s", t->index,
                      (int)t->len, t->text, t->pos, why);
}

/* Whole number in [lo, hi] from a field (digits only). */
static int get_size(const char *f, size_t lo, size_t hi, size_t *out) {
  if (!*f) return 0;
  for (const char *c = f; *c; c++)
    if (*c < '0' || *c > '9') return 0;
  errno = 0;
  unsigned long long v = strtoull(f, NULL, 10);
  if (errno || v < lo || v > hi) return 0;
  *out = (size_t)v;
  return 1;
}

/* Finite number in [lo, hi) (or [lo, hi] if closed). */
static int get_real(const char *f, double lo, double hi, int closed, double *out) {
  char *end;
  if (!*f) return 0;
  errno = 0;
  double v = strtod(f, &end);
  if (*end || errno || !isfinite(v) || v < lo || v > hi || (!closed && v == hi)) return 0;
  *out = v;
  return 1;
}

static fmnist_status parse_token(const tok *t, fmnist__layer_spec *s) {
  char buf[128], *field[MAX_FIELDS];
  size_t nf = 0;
  if (t->len >= sizeof buf) return bad(t, "token too long");
  memcpy(buf, t->text, t->len);
  buf[t->len] = '\0';
  for (char *p = buf;;) {
    if (nf == MAX_FIELDS) return bad(t, "too many ':' fields");
    field[nf++] = p;
    char *colon = strchr(p, ':');
    if (!colon) break;
    *colon = '\0';
    p = colon + 1;
  }
  const char *name = field[0];
  *s = (fmnist__layer_spec){0};
  s->stride = 1;
  s->same = 1;
  static const struct {
    const char *name;
    fmnist__layer_kind kind;
    size_t min_f, max_f; /* number of fields, name included */
    const char *usage;
  } forms[] = {
      {"noise", FMNIST__L_NOISE, 2, 2, "expected noise:STD"},
      {"conv", FMNIST__L_CONV, 3, 5, "expected conv:FILTERS:K[:S[:same|valid]]"},
      {"pool", FMNIST__L_POOL, 2, 2, "expected pool:P"},
      {"bn", FMNIST__L_BN, 1, 3, "expected bn[:MOMENTUM[:EPS]]"},
      {"drop", FMNIST__L_DROP, 2, 2, "expected drop:RATE"},
      {"relu", FMNIST__L_RELU, 1, 1, "expected relu"},
      {"tanh", FMNIST__L_TANH, 1, 1, "expected tanh"},
      {"sigmoid", FMNIST__L_SIGMOID, 1, 1, "expected sigmoid"},
      {"flatten", FMNIST__L_FLATTEN, 1, 1, "expected flatten"},
      {"dense", FMNIST__L_DENSE, 2, 2, "expected dense:UNITS"},
  };
  size_t k = 0, nforms = sizeof forms / sizeof forms[0];
  while (k < nforms && strcmp(forms[k].name, name) != 0) k++;
  if (k == nforms)
    return bad(t, "unknown layer (expected noise, conv, pool, bn, drop, relu, tanh, sigmoid, "
                  "flatten or dense)");
  if (nf < forms[k].min_f || nf > forms[k].max_f) return bad(t, forms[k].usage);
  s->kind = forms[k].kind;
  switch (s->kind) {
  case FMNIST__L_NOISE:
    if (!get_real(field[1], 0, 100, 1, &s->rate)) return bad(t, "noise std must be 0..100");
    break;
  case FMNIST__L_CONV:
    if (!get_size(field[1], 1, MAX_FILTERS, &s->units)) return bad(t, "filters must be 1..4096");
    if (!get_size(field[2], 1, FMNIST_SIDE, &s->kernel)) return bad(t, "kernel must be 1..28");
    if (nf > 3 && !get_size(field[3], 1, FMNIST_SIDE, &s->stride))
      return bad(t, "stride must be 1..28");
    if (nf > 4) {
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
    if (nf > 1 && !get_real(field[1], 0, 1, 0, &s->rate)) return bad(t, "bn momentum must be in [0, 1)");
    if (nf > 2 && (!get_real(field[2], 0, 1, 1, &s->eps) || s->eps == 0))
      return bad(t, "bn eps must be in (0, 1]");
    break;
  case FMNIST__L_DROP:
    if (!get_real(field[1], 0, 1, 0, &s->rate)) return bad(t, "dropout rate must be in [0, 1)");
    break;
  case FMNIST__L_DENSE:
    if (!get_size(field[1], 1, MAX_UNITS, &s->units)) return bad(t, "units must be 1..65536");
    break;
  default:
    break;
  }
  return FMNIST_OK;
}

/* Walks specs from the 1x28x28 input: checks every layer's shape and the
 * total size; if layers is not NULL also fills it (flatten inserted before
 * a dense layer with a spatial input). toks (may be NULL) name the tokens
 * in messages. */
static fmnist_status walk(const fmnist__layer_spec *specs, size_t n, const tok *toks,
                          fmnist__layer *layers, size_t *n_layers, size_t *n_params,
                          size_t *n_stats) {
  size_t c = 1, h = FMNIST_SIDE, w = FMNIST_SIDE, count = 0, params = 0, stats = 0;
  for (size_t i = 0; i < n; i++) {
    fmnist__layer l;
    fmnist_status s;
    if (specs[i].kind == FMNIST__L_DENSE && h * w > 1) {
      fmnist__layer_spec flat = {FMNIST__L_FLATTEN, 0, 0, 0, 0, 0, 0};
      s = fmnist__layer_make(&l, &flat, c, h, w);
      if (s) return s;
      if (layers) layers[count] = l;
      count++;
      c = l.out_c, h = l.out_h, w = l.out_w;
    }
    s = fmnist__layer_make(&l, &specs[i], c, h, w);
    if (s) {
      if (!toks) return s;
      char why[256];
      snprintf(why, sizeof why, "%s", fmnist_last_error());
      return bad(&toks[i], why);
    }
    params += l.n_w + l.n_b;
    stats += l.n_stats;
    if (params > FMNIST__NET_MAX_PARAMS) {
      if (toks) return bad(&toks[i], "the network exceeds 2^26 parameters");
      return fmnist__fail(FMNIST_E_OPTION, "net: more than 2^26 parameters");
    }
    if (layers) layers[count] = l;
    count++;
    c = l.out_c, h = l.out_h, w = l.out_w;
  }
  *n_layers = count;
  *n_params = params;
  *n_stats = stats;
  return FMNIST_OK;
}

fmnist_status fmnist__net_parse(const char *text, fmnist__layer_spec **specs, size_t *n) {
  size_t count = 0;
  for (const char *p = text; *p;) { /* count tokens */
    while (*p && strchr(" \t\r\n", *p)) p++;
    if (!*p) break;
    count++;
    while (*p && !strchr(" \t\r\n", *p)) p++;
  }
  if (count > MAX_LAYERS)
    return fmnist__fail(FMNIST_E_OPTION, "option layers: %zu layers, at most %d", count,
                        MAX_LAYERS);
  *specs = NULL;
  *n = 0;
  if (count == 0) return FMNIST_OK;
  fmnist__layer_spec *sp = fmnist__calloc(count, sizeof *sp);
  tok *toks = fmnist__calloc(count, sizeof *toks);
  fmnist_status s = FMNIST_OK;
  if (!sp || !toks) s = fmnist__fail(FMNIST_E_NOMEM, "option layers: out of memory");
  size_t i = 0;
  for (const char *p = text; *p && !s;) {
    while (*p && strchr(" \t\r\n", *p)) p++;
    if (!*p) break;
    const char *start = p;
    while (*p && !strchr(" \t\r\n", *p)) p++;
    toks[i] = (tok){start, (size_t)(p - start), i + 1, (size_t)(start - text)};
    s = parse_token(&toks[i], &sp[i]);
    i++;
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
  fmnist__free(specs);
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

fmnist_status fmnist__net_build(const fmnist__layer_spec *specs, size_t n, fmnist__net **out) {
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
    if (l->spec.kind == FMNIST__L_CONV) nw += fmnist__conv_winograd_floats(l);
  }
  if (nw) {
    net->wino = fmnist__calloc(nw, sizeof *net->wino);
    if (!net->wino) {
      fmnist__net_free(net);
      return fmnist__fail(FMNIST_E_NOMEM, "net: out of memory for %zu parameters", np);
    }
    for (size_t i = 0, wo = 0; i < nl; i++) {
      fmnist__layer *l = &net->layers[i];
      size_t k = l->spec.kind == FMNIST__L_CONV ? fmnist__conv_winograd_floats(l) : 0;
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
  static const char *const names[] = {"relu", "tanh", "sigmoid"};
  if ((unsigned)act > FMNIST_ACTIVATION_SIGMOID)
    return fmnist__fail(FMNIST_E_OPTION, "fmnist_net_add_activation: unknown activation %d",
                        (int)act);
  return append(m, names[act]);
}

FMNIST_API fmnist_status fmnist_net_add_spec(fmnist_model *m, const char *spec) {
  FMNIST__CHECK_ARG(spec);
  return append(m, spec);
}
