/* Layer kinds: names, dispatch to each kind's ops, shared helpers. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include "nn/layer.h"

#include <math.h>
#include <string.h>

#include "base/lexer.h"
#include "base/status.h"
#include "base/threads.h"
#include "kernels/layout.h"

#define KIND(k, name, min_f, max_f, usage, ops) [k] = {k, name, min_f, max_f, usage, ops}
static const fmnist__layer_kind_desc kinds[FMNIST__L_KINDS] = {
    KIND(FMNIST__L_NOISE, "noise", 2, 2, "noise:STD", &fmnist__noise_ops),
    KIND(FMNIST__L_CONV, "conv", 3, 5, "conv:FILTERS:K[:S[:same|valid]]", &fmnist__conv_ops),
    KIND(FMNIST__L_POOL, "pool", 2, 2, "pool:P", &fmnist__pool_ops),
    KIND(FMNIST__L_BN, "bn", 1, 3, "bn[:MOMENTUM[:EPS]]", &fmnist__bn_ops),
    KIND(FMNIST__L_DROP, "drop", 2, 2, "drop:RATE", &fmnist__dropout_ops),
    KIND(FMNIST__L_RELU, "relu", 1, 1, "relu", &fmnist__act_ops),
    KIND(FMNIST__L_TANH, "tanh", 1, 1, "tanh", &fmnist__act_ops),
    KIND(FMNIST__L_SIGMOID, "sigmoid", 1, 1, "sigmoid", &fmnist__act_ops),
    KIND(FMNIST__L_FLATTEN, "flatten", 1, 1, "flatten", &fmnist__flatten_ops),
    KIND(FMNIST__L_DENSE, "dense", 2, 2, "dense:UNITS", &fmnist__dense_ops),
    KIND(FMNIST__L_RES, "res(", 1, 1, "res( ... )", &fmnist__res_ops),
    /* no token of its own (0 fields): ')' closes a block with it */
    KIND(FMNIST__L_ADD, "add", 0, 0, ")", &fmnist__add_ops),
};

const fmnist__layer_kind_desc *fmnist__layer_kind_find(const char *name) {
  for (size_t k = 0; k < FMNIST__L_KINDS; k++)
    if (kinds[k].min_fields && strcmp(kinds[k].name, name) == 0) return &kinds[k];
  return NULL;
}

void fmnist__layer_kind_list(char *buf, size_t len) {
  const char *names[FMNIST__L_KINDS];
  size_t n = 0;
  for (size_t k = 0; k < FMNIST__L_KINDS; k++)
    if (kinds[k].min_fields) /* a block as it is written */
      names[n++] = kinds[k].kind == FMNIST__L_RES ? kinds[k].usage : kinds[k].name;
  fmnist__lex_join(buf, len, names, n, ", ", " or ");
}

const char *fmnist__layer_name(fmnist__layer_kind kind) {
  return (unsigned)kind < FMNIST__L_KINDS ? kinds[kind].name : "?";
}

uint64_t fmnist__layer_flops(const fmnist__layer *l) {
  const uint64_t out = fmnist__layer_out_size(l), k = l->spec.kernel;
  switch (l->spec.kind) {
  case FMNIST__L_CONV: return 2 * out * l->in_c * k * k;
  case FMNIST__L_DENSE: return 2 * out * l->in_c;
  case FMNIST__L_BN: return 2 * out;
  case FMNIST__L_POOL: return out * (k * k - 1);
  case FMNIST__L_RELU:
  case FMNIST__L_TANH:
  case FMNIST__L_SIGMOID:
  case FMNIST__L_ADD: return out;
  default: return 0; /* noise, dropout, flatten, res(: the identity in inference */
  }
}

fmnist_status fmnist__layer_make(fmnist__layer *l,
                                 const fmnist__layer_spec *spec, size_t c,
                                 size_t h, size_t w) {
  if ((unsigned)spec->kind >= FMNIST__L_KINDS)
    return fmnist__fail(FMNIST_E_OPTION, "unknown layer kind %d", (int)spec->kind);
  *l = (fmnist__layer){0};
  l->spec = *spec;
  l->ops = kinds[spec->kind].ops;
  l->in_c = c;
  l->in_h = h;
  l->in_w = w;
  return l->ops->setup(l);
}

fmnist_status fmnist__layer_same_shape(fmnist__layer *l) {
  l->out_c = l->in_c;
  l->out_h = l->in_h;
  l->out_w = l->in_w;
  return FMNIST_OK;
}

void fmnist__layer_identity_backward(fmnist__layer *l, const float *x, const float *y,
                                     const float *dy, float *dx, void *aux, size_t n,
                                     const fmnist__pass *p) {
  (void)x;
  (void)y;
  (void)aux;
  (void)p;
  if (dx) memcpy(dx, dy, fmnist__layer_in_size(l) * n * sizeof *dx);
}

int fmnist__layer_no_images(fmnist__layer *l, size_t n) {
  if (n) return 0;
  memset(l->dw, 0, l->n_w * sizeof *l->dw);
  memset(l->db, 0, l->n_b * sizeof *l->db);
  return 1;
}

void fmnist__layer_init_weights(float *w, size_t n, size_t fan_in,
                                size_t fan_out, int glorot, fmnist__rng *rng) {
  if (glorot) {
    double limit = sqrt(6.0 / (double)(fan_in + fan_out));
    for (size_t i = 0; i < n; i++)
      w[i] = (float)((2.0 * fmnist__rng_uniform(rng) - 1.0) * limit);
  } else {
    double sd = sqrt(2.0 / (double)fan_in);
    for (size_t i = 0; i < n; i++) w[i] = (float)(fmnist__rng_normal(rng) * sd);
  }
}

/* Rows [lo, hi) of y += b. */
typedef struct bias_job {
  size_t cols;
  float *y;
  const float *b;
} bias_job;

static void add_bias_rows(void *ctx, size_t lo, size_t hi) {
  const bias_job *j = ctx;
  for (size_t r = lo; r < hi; r++) {
    float *row = j->y + r * j->cols;
    const float br = j->b[r];
    for (size_t c = 0; c < j->cols; c++) row[c] += br;
  }
}

void fmnist__add_bias(float *y, const float *b, size_t rows, size_t cols, size_t threads) {
  bias_job j = {cols, y, b};
  fmnist__parallel_range(threads, rows, FMNIST__PAR_GRAIN / (cols + 1) + 1, add_bias_rows, &j);
}

/* Rows [lo, hi) of db: each chunk's part of a row with eight partial
 * sums (vectorisable without reassociation flags), the parts added in
 * chunk order: a fixed order per row, so the result does not depend on
 * threads. */
typedef struct rows_job {
  const float *dy;
  size_t rows, per, n;
  float *db;
} rows_job;

static void sum_rows(void *ctx, size_t lo, size_t hi) {
  const rows_job *j = ctx;
  for (size_t r = lo; r < hi; r++) {
    float s = 0;
    for (size_t q = 0; q < fmnist__chunks(j->n); q++) {
      const size_t cols = j->per * fmnist__chunk_n(j->n, q);
      const float *row = j->dy + fmnist__chunk_at(q, j->rows * j->per) + r * cols;
      float acc[8] = {0};
      size_t i = 0;
      for (; i + 8 <= cols; i += 8)
        for (int k = 0; k < 8; k++) acc[k] += row[i + k];
      float part = 0;
      for (; i < cols; i++) part += row[i];
      for (int k = 0; k < 8; k++) part += acc[k];
      s += part;
    }
    j->db[r] = s;
  }
}

void fmnist__sum_rows(const float *dy, size_t rows, size_t per, size_t n, float *db,
                      size_t threads) {
  rows_job j = {dy, rows, per, n, db};
  fmnist__parallel_range(threads, rows, FMNIST__PAR_GRAIN / (per * n + 1) + 1, sum_rows, &j);
}

typedef struct chunks_job {
  fmnist__chunk_fn fn;
  void *ctx;
} chunks_job;

static void chunk_task(void *ctx, size_t q) {
  const chunks_job *j = ctx;
  j->fn(j->ctx, q, 1);
}

void fmnist__for_chunks(size_t threads, size_t n, fmnist__chunk_fn fn, void *ctx) {
  const size_t chunks = fmnist__chunks(n);
  if (threads > 1 && chunks >= threads) {
    chunks_job j = {fn, ctx};
    fmnist__parallel_for(threads, chunks, chunk_task, &j);
    return;
  }
  for (size_t q = 0; q < chunks; q++) fn(ctx, q, threads);
}
