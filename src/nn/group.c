/* Data-parallel groups of the net family: fmnist_net_set_data_parallel,
 * and the two strategies of a fit's group (nn/group.h): alone, and a
 * member of a group whose shares, sums, agreement and deferred stops are
 * here. */
#include "nn/group.h"

#include "base/status.h"
#include "nn/net_impl.h"

struct fmnist__group_ops {
  fmnist_status (*agree)(fmnist__group *g, const uint64_t *shape, fmnist_status setup);
  fmnist_status (*defer)(fmnist__group *g, fmnist_status s);
  fmnist_status (*tally)(fmnist__group *g, float *buf, size_t n, fmnist__tally *t);
  int summed; /* the layers' passes sum their statistics over the group */
};

/* The floats that end every sum: a tally, then the members' stop flags. */
enum { TALLY_LOSS, TALLY_CORRECT, TALLY_CANCEL, TALLY_FAIL };

void fmnist__group_sum(fmnist__group *g, float *buf, size_t len) {
  if (g->status) return;
  fmnist_status s = g->cfg.sum(g->cfg.user, buf, len);
  if (s) g->status = s;
}

/* ---- a member of a group of ranks > 1 ---- */

/* Adds buf[len] (ending with the tally floats) over the group, this
 * member's status `own` raised as a flag, and gives every member the same
 * verdict: its own failure or cancel, or E_PEER for another's. */
static fmnist_status sum_flags(fmnist__group *g, float *buf, size_t len, fmnist_status own) {
  float *tally = buf + len - FMNIST__GROUP_TALLY_FLOATS;
  tally[TALLY_CANCEL] = own == FMNIST_E_CANCELLED;
  tally[TALLY_FAIL] = own && own != FMNIST_E_CANCELLED;
  fmnist__group_sum(g, buf, len);
  if (own) return own;
  if (g->status) return g->status;
  if (tally[TALLY_FAIL] > 0 || tally[TALLY_CANCEL] > 0)
    return fmnist__fail(FMNIST_E_PEER, "net: another member of the data-parallel group %s",
                        tally[TALLY_FAIL] > 0 ? "failed" : "was cancelled");
  return FMNIST_OK;
}

#define SHAPE_PIECES 4 /* 16-bit pieces of a field: exact in a float sum */

/* Piece k of shape field f. */
static float shape_piece(const uint64_t *shape, size_t f, size_t k) {
  return (float)((shape[f] >> (16 * k)) & 0xffff);
}

static fmnist_status member_agree(fmnist__group *g, const uint64_t *shape, fmnist_status setup) {
  float buf[FMNIST__GROUP_SHAPE * SHAPE_PIECES + FMNIST__GROUP_TALLY_FLOATS] = {0};
  if (g->cfg.rank == 0)
    for (size_t f = 0; f < FMNIST__GROUP_SHAPE; f++)
      for (size_t k = 0; k < SHAPE_PIECES; k++)
        buf[f * SHAPE_PIECES + k] = shape_piece(shape, f, k);
  fmnist_status s = sum_flags(g, buf, sizeof buf / sizeof *buf, setup);
  if (s) return s;
  int same = 1;
  for (size_t f = 0; f < FMNIST__GROUP_SHAPE; f++)
    for (size_t k = 0; k < SHAPE_PIECES; k++)
      same &= buf[f * SHAPE_PIECES + k] == shape_piece(shape, f, k);
  float tally[FMNIST__GROUP_TALLY_FLOATS] = {0};
  s = sum_flags(g, tally, FMNIST__GROUP_TALLY_FLOATS,
                same ? FMNIST_OK
                     : fmnist__fail(FMNIST_E_INVALID,
                                    "net: member %zu of the data-parallel group has other data "
                                    "sizes, batch, epochs or layers than member 0",
                                    g->cfg.rank));
  if (s == FMNIST_E_PEER) /* another member's mismatch: the same error here */
    s = fmnist__fail(FMNIST_E_INVALID, "net: another member of the data-parallel group has other "
                     "data sizes, batch, epochs or layers than member 0");
  return s;
}

static fmnist_status member_defer(fmnist__group *g, fmnist_status s) {
  if (s && !g->pending) g->pending = s;
  return FMNIST_OK;
}

static fmnist_status member_tally(fmnist__group *g, float *buf, size_t n, fmnist__tally *t) {
  float *tally = buf + n;
  tally[TALLY_LOSS] = (float)t->loss;
  tally[TALLY_CORRECT] = (float)t->correct;
  fmnist_status s = sum_flags(g, buf, n + FMNIST__GROUP_TALLY_FLOATS, g->pending);
  t->loss = tally[TALLY_LOSS];
  t->correct = (size_t)tally[TALLY_CORRECT];
  return s;
}

static const fmnist__group_ops member = {member_agree, member_defer, member_tally, 1};

/* ---- alone: a group of one ---- */

static fmnist_status alone_agree(fmnist__group *g, const uint64_t *shape, fmnist_status setup) {
  (void)g;
  (void)shape;
  return setup;
}

static fmnist_status alone_defer(fmnist__group *g, fmnist_status s) {
  (void)g;
  return s;
}

static fmnist_status alone_tally(fmnist__group *g, float *buf, size_t n, fmnist__tally *t) {
  (void)g;
  (void)buf;
  (void)n;
  (void)t;
  return FMNIST_OK;
}

static const fmnist__group_ops alone = {alone_agree, alone_defer, alone_tally, 0};

/* ---- the training loop's calls ---- */

void fmnist__group_begin(fmnist__group *g, const fmnist__group_config *cfg) {
  const int many = cfg->ranks > 1;
  *g = (fmnist__group){many ? &member : &alone, {0, 1, NULL, NULL}, FMNIST_OK, FMNIST_OK};
  if (many) g->cfg = *cfg;
}

void fmnist__group_share(const fmnist__group *g, size_t n, size_t *lo, size_t *hi) {
  const size_t rank = g->cfg.rank, ranks = g->cfg.ranks;
  *lo = n / ranks * rank + (rank < n % ranks ? rank : n % ranks);
  *hi = *lo + n / ranks + (rank < n % ranks);
}

size_t fmnist__group_largest_share(const fmnist__group *g, size_t n) {
  return n / g->cfg.ranks + (n % g->cfg.ranks > 0);
}

fmnist__group *fmnist__group_of_layers(fmnist__group *g) { return g->ops->summed ? g : NULL; }

fmnist_status fmnist__group_agree(fmnist__group *g, const uint64_t shape[FMNIST__GROUP_SHAPE],
                                  fmnist_status setup) {
  return g->ops->agree(g, shape, setup);
}

fmnist_status fmnist__group_defer(fmnist__group *g, fmnist_status s) {
  return g->ops->defer(g, s);
}

fmnist_status fmnist__group_tally(fmnist__group *g, float *buf, size_t n, fmnist__tally *t) {
  return g->ops->tally(g, buf, n, t);
}

fmnist_status fmnist__group_finish(fmnist__group *g) {
  float buf[FMNIST__GROUP_TALLY_FLOATS];
  fmnist__tally none = {0, 0};
  return g->ops->tally(g, buf, 0, &none);
}

/* ---- the setting ---- */

FMNIST_API fmnist_status fmnist_net_set_data_parallel(fmnist_model *m, size_t rank, size_t ranks,
                                                      fmnist_allreduce_fn sum, void *user) {
  FMNIST__CHECK_ARG(m);
  if (m->family != &fmnist__net_family)
    return fmnist__fail(FMNIST_E_INVALID, "fmnist_net_set_data_parallel: the model is of family "
                        "%s, not net", m->family->name);
  if (ranks == 0 || rank >= ranks || (ranks > 1 && !sum))
    return fmnist__fail(FMNIST_E_INVALID, "fmnist_net_set_data_parallel: member %zu of %zu%s",
                        rank, ranks, ranks > 1 && !sum ? " without a sum function" : "");
  fmnist__net_config *cfg = m->config;
  cfg->group = (fmnist__group_config){rank, ranks, ranks > 1 ? sum : NULL, ranks > 1 ? user : NULL};
  return FMNIST_OK;
}
