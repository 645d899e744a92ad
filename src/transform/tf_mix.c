/* Mixing constructs for robust training: AugMix (Hendrycks et al. 2020)
 * and RandAugment (Cubuk et al. 2020), drawing their ops from the
 * corruption table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/lexer.h"
#include "transform/transform_impl.h"

#define MAX_WIDTH 16
#define MAX_DEPTH 16
#define MAX_OPS 16

/* What the KEY=VALUE fields set: the kinds to draw from (resolved to
 * their words) and the construct's own numbers. */
typedef struct mix_cfg {
  int width, depth_lo, depth_hi; /* AugMix: chains, ops per chain */
  int ops;                       /* RandAugment: ops per image */
  double alpha;                  /* AugMix: Dirichlet and Beta parameter */
  size_t n;                      /* kinds */
  struct {
    fmnist__tf_word word;
    const fmnist__corruption *kind;
  } pick[];
} mix_cfg;

/* Marks (on = 1) or unmarks (on = 0) in use[] the kinds of a list of
 * families and kind names separated by ','. 0 and a message for an
 * unknown name. */
static int mark(const char *op, const char *key, const char *list, int on, unsigned char *use,
                char *msg, size_t len) {
  char item[FMNIST__LEX_MAX_TOKEN + 1];
  for (const char *p = list;;) {
    size_t n = strcspn(p, ",");
    memcpy(item, p, n);
    item[n] = '\0';
    int found = 0;
    for (size_t i = 0; i < fmnist__corruption_kinds; i++)
      if (strcmp(fmnist__corruptions[i].family, item) == 0 ||
          strcmp(fmnist__corruptions[i].name, item) == 0) {
        use[i] = (unsigned char)on;
        found = 1;
      }
    if (!found) {
      char families[128];
      fmnist__lex_join(families, sizeof families, fmnist__corruption_families,
                       fmnist__corruption_family_count, ", ", " or ");
      snprintf(msg, len, "%s: %s= names '%s', neither a family (%s) nor a corruption kind", op, key,
               item, families);
      return 0;
    }
    if (!p[n]) return 1;
    p += n + 1;
  }
}

/* The keys both constructs read, "from" and "except", and the numbers of
 * one of them (augmix: width, depth, alpha; randaugment: n). */
static fmnist_status configure(fmnist__tf_op *op, const char *const *key, size_t n, char *msg,
                               size_t len, int augmix) {
  const char *name = fmnist__tf_table[op->kind]->name;
  unsigned char use[FMNIST__CORRUPTION_MAX] = {0};
  int width = 3, depth_lo = 1, depth_hi = 3, ops = 2, from = 0;
  double alpha = 1.0;
  /* "from" first, whatever the order: "except" removes from its result. */
  for (size_t k = 0; k < n; k++)
    if (strncmp(key[k], "from=", 5) == 0) {
      if (!mark(name, "from", key[k] + 5, 1, use, msg, len)) return FMNIST_E_OPTION;
      from = 1;
    }
  if (!from) memset(use, 1, fmnist__corruption_kinds);
  for (size_t k = 0; k < n; k++) {
    const char *eq = strchr(key[k], '='), *v = eq + 1;
    size_t klen = (size_t)(eq - key[k]);
#define IS(s) (klen == strlen(s) && strncmp(key[k], s, klen) == 0)
    int ok = 1;
    uint64_t x;
    if (IS("from")) continue;
    if (IS("except")) {
      if (!mark(name, "except", v, 0, use, msg, len)) return FMNIST_E_OPTION;
    } else if (augmix && IS("width")) {
      ok = fmnist__lex_whole(v, 1, MAX_WIDTH, &x);
      if (ok) width = (int)x;
    } else if (augmix && IS("depth")) {
      double lo, hi;
      ok = fmnist__tf_parse_value(v, &lo, &hi) && lo >= 1 && hi <= MAX_DEPTH && lo == floor(lo) &&
           hi == floor(hi);
      if (ok) {
        depth_lo = (int)lo;
        depth_hi = (int)hi;
      }
    } else if (augmix && IS("alpha")) {
      ok = fmnist__lex_real(v, 0, 100, 0, &alpha) && alpha > 0;
    } else if (!augmix && IS("n")) {
      ok = fmnist__lex_whole(v, 1, MAX_OPS, &x);
      if (ok) ops = (int)x;
    } else {
      snprintf(msg, len, "%s: unknown key '%.*s' (expected %s)", name, (int)klen, key[k],
               augmix ? "width, depth, alpha, from or except" : "n, from or except");
      return FMNIST_E_OPTION;
    }
#undef IS
    if (!ok) {
      snprintf(msg, len, "%s: bad value in '%s' (width and n 1..%d, depth 1..%d or LO..HI, alpha in "
                         "(0, 100])",
               name, key[k], MAX_WIDTH, MAX_DEPTH);
      return FMNIST_E_OPTION;
    }
  }
  size_t kinds = 0;
  for (size_t i = 0; i < fmnist__corruption_kinds; i++) kinds += use[i];
  if (!kinds) {
    snprintf(msg, len, "%s: from= and except= leave no kind to draw", name);
    return FMNIST_E_OPTION;
  }
  mix_cfg *c = fmnist__alloc(sizeof *c + kinds * sizeof c->pick[0]);
  if (!c) {
    snprintf(msg, len, "%s: out of memory", name);
    return FMNIST_E_NOMEM;
  }
  *c = (mix_cfg){width, depth_lo, depth_hi, ops, alpha, 0};
  for (size_t i = 0; i < fmnist__corruption_kinds; i++)
    if (use[i] && fmnist__tf_lookup(fmnist__corruptions[i].name, &c->pick[c->n].word))
      c->pick[c->n++].kind = &fmnist__corruptions[i];
  op->cfg = c;
  return FMNIST_OK;
}

static fmnist_status configure_augmix(fmnist__tf_op *op, const char *const *key, size_t n,
                                      char *msg, size_t len) {
  return configure(op, key, n, msg, len, 1);
}

static fmnist_status configure_randaugment(fmnist__tf_op *op, const char *const *key, size_t n,
                                           char *msg, size_t len) {
  return configure(op, key, n, msg, len, 0);
}

/* One op drawn from the construct's kinds (one draw), at the given
 * severity, applied to img (the op's own draws). */
static void apply_drawn(const mix_cfg *c, double severity, uint8_t *img, uint8_t *tmp,
                        fmnist__rng *r) {
  size_t k = (size_t)fmnist__rng_below(r, c->n);
  fmnist__tf_op op = fmnist__tf_word_op(&c->pick[k].word,
                                        fmnist__corruption_value(c->pick[k].kind, severity));
  fmnist__tf_run(&op, img, tmp, r);
}

/* A Gamma(shape, 1) variate: Marsaglia and Tsang's squeeze (2000), with
 * Gamma(a) = Gamma(a + 1) U^(1/a) below shape 1. */
static double gamma_draw(fmnist__rng *r, double shape) {
  if (shape < 1) {
    double g = gamma_draw(r, shape + 1);
    return g * pow(1.0 - fmnist__rng_uniform(r), 1.0 / shape);
  }
  double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = fmnist__rng_normal(r);
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    double u = 1.0 - fmnist__rng_uniform(r); /* (0, 1]: log stays finite */
    if (u < 1.0 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
      return d * v;
  }
}

/* AugMix: chain weights w ~ Dirichlet(alpha, ..., alpha) (width values),
 * then m ~ Beta(alpha, alpha); each chain is a copy of the image altered
 * by depth ops (depth drawn in LO..HI unless fixed), each op drawn from
 * the kinds at a severity uniform in 0..SEVERITY; the result is (1 - m)
 * image + m (sum of w_i chain_i), rounded once. Defaults as the paper's:
 * width 3, depth 1..3, alpha 1. */
static void apply_augmix(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  const mix_cfg *c = op->cfg;
  double w[MAX_WIDTH], total = 0;
  for (int i = 0; i < c->width; i++) total += w[i] = gamma_draw(r, c->alpha);
  double x = gamma_draw(r, c->alpha), y = gamma_draw(r, c->alpha);
  double m = x + y > 0 ? x / (x + y) : 0.5;
  double mix[FMNIST_PIXELS] = {0};
  uint8_t chain[FMNIST_PIXELS];
  for (int i = 0; i < c->width; i++) {
    double wi = total > 0 ? w[i] / total : 1.0 / c->width;
    memcpy(chain, img, FMNIST_PIXELS);
    int depth = c->depth_lo;
    if (c->depth_hi > c->depth_lo)
      depth += (int)fmnist__rng_below(r, (uint64_t)(c->depth_hi - c->depth_lo + 1));
    for (int d = 0; d < depth; d++) {
      double severity = op->a * fmnist__rng_uniform(r); /* drawn before the kind */
      apply_drawn(c, severity, chain, tmp, r);
    }
    for (int p = 0; p < FMNIST_PIXELS; p++) mix[p] += wi * chain[p];
  }
  for (int p = 0; p < FMNIST_PIXELS; p++) img[p] = fmnist__tf_pixel((1 - m) * img[p] + m * mix[p]);
}

/* RandAugment: n ops (default 2), each drawn uniformly (with repetition)
 * from the kinds and applied in turn at the severity MAGNITUDE. */
static void apply_randaugment(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                              fmnist__rng *r) {
  const mix_cfg *c = op->cfg;
  for (int i = 0; i < c->ops; i++) apply_drawn(c, op->a, img, tmp, r);
}

const fmnist__tf_ops fmnist__tf_augmix = {
    .name = "augmix",
    .value = "severity",
    .lo = 0,
    .hi = FMNIST_SEVERITIES,
    .configure = configure_augmix,
    .apply = apply_augmix};
const fmnist__tf_ops fmnist__tf_randaugment = {
    .name = "randaugment",
    .value = "magnitude",
    .lo = 0,
    .hi = FMNIST_SEVERITIES,
    .configure = configure_randaugment,
    .apply = apply_randaugment};
