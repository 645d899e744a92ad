/* The net family's optimizers (Adam with L2 weight decay, SGD with
 * momentum and decoupled weight decay) and learning-rate schedules
 * (constant, cosine, linear, one-cycle, each with its warm-up): two
 * tables, an entry each. */
#include "nn/optimizer.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "base/threads.h"
#include "kernels/adam.h"
#include "kernels/sgd.h"

#define PI 3.14159265358979323846

/* ---- learning-rate schedules ---- */

/* The warm-up of the schedules that decay from lr (constant, cosine,
 * linear): W = round(warmup * total) steps at lr (t + 1) / W, from lr/W to
 * lr (PyTorch's LinearLR(start_factor=1/W, total_iters=W-1)); then the
 * decay over the T = total - W steps left, its step t - W. */
static double warmed(double lr, size_t t, size_t total, double warmup,
                     double (*decay)(size_t t, size_t steps)) {
  const size_t w = (size_t)(warmup * (double)total + 0.5);
  if (t < w) return lr * (double)(t + 1) / (double)w;
  return lr * decay(t - w, total - w);
}

static double constant_decay(size_t t, size_t steps) {
  (void)t;
  (void)steps;
  return 1.0;
}

/* (1 + cos(pi t / steps)) / 2: from 1 at the first step down towards 0
 * at the last (SGDR's annealing without restarts). */
static double cosine_decay(size_t t, size_t steps) {
  if (steps == 0) return 1.0;
  return 0.5 * (1.0 + cos(PI * (double)t / (double)steps));
}

/* 1 - t / steps: from 1 down to 1/steps at the last step (PyTorch's
 * LinearLR(start_factor=1, end_factor=0, total_iters=steps)). */
static double linear_decay(size_t t, size_t steps) {
  if (steps == 0) return 1.0;
  return 1.0 - (double)t / (double)steps;
}

static double constant_rate(double lr, size_t t, size_t total, double warmup) {
  return warmed(lr, t, total, warmup, constant_decay);
}

static double cosine_rate(double lr, size_t t, size_t total, double warmup) {
  return warmed(lr, t, total, warmup, cosine_decay);
}

static double linear_rate(double lr, size_t t, size_t total, double warmup) {
  return warmed(lr, t, total, warmup, linear_decay);
}

/* PyTorch's cosine annealing from `from` to `to` at fraction pct. */
static double anneal(double from, double to, double pct) {
  return to + (from - to) / 2.0 * (cos(PI * pct) + 1.0);
}

/* PyTorch's OneCycleLR(max_lr=lr, total_steps=total, pct_start=warmup,
 * anneal_strategy="cos", div_factor=25, final_div_factor=1e4,
 * three_phase=False, cycle_momentum=False), its step formulas as they
 * are: up from lr/25 to lr at step warmup*total - 1, then down to
 * lr/25/1e4 at the last step. A rise that ends at step 0 starts at lr
 * (PyTorch divides 0 by 0 there). */
static double onecycle_rate(double lr, size_t t, size_t total, double warmup) {
  const double initial = lr / 25.0, final = initial / 1e4, s = (double)t;
  const double up = warmup * (double)total - 1.0, last = (double)total - 1.0;
  if (s <= up) return up > 0 ? anneal(initial, lr, s / up) : lr;
  return anneal(lr, final, (s - up) / (last - up));
}

/* The table: X(name, rate of step t of total from lr with the warm-up
 * fraction). */
#define LR_SCHEDULES(X)                                                              \
  X("constant", constant_rate) X("cosine", cosine_rate) X("linear", linear_rate) \
      X("onecycle", onecycle_rate)
#define SCHEDULE_NAME(name, rate) name,
#define SCHEDULE_RATE(name, rate) rate,
const char *const fmnist__lr_schedules[] = {LR_SCHEDULES(SCHEDULE_NAME) NULL};
static double (*const rates[])(double lr, size_t t, size_t total,
                               double warmup) = {LR_SCHEDULES(SCHEDULE_RATE)};

double fmnist__lr_at(int s, double lr, size_t t, size_t total, double warmup) {
  if (total == 0) return lr; /* no fit to schedule: the base rate */
  return rates[s](lr, t, total, warmup);
}

/* ---- optimizers ---- */

/* n parameters w from gradients g at rate lr with weight decay `decay`
 * (each kind applies it its way), their state at offset `at` of each
 * slot's array; o->step is 1-based. */
typedef void (*update_fn)(const fmnist__optimizer *o, double lr, float decay, float *w,
                          const float *g, size_t at, size_t n);

struct fmnist__optimizer_kind {
  size_t slots; /* floats of state per parameter */
  update_fn update;
};

typedef struct adam_job {
  const fmnist__adam *opt;
  size_t step;
  float wd, *w;
  const float *g;
  float *m, *v;
} adam_job;

static void adam_range(void *ctx, size_t lo, size_t hi) {
  const adam_job *j = ctx;
  fmnist__adam_step(j->opt, j->step, j->wd, j->w + lo, j->g + lo, j->m + lo, j->v + lo, hi - lo);
}

/* Adam (kernels/adam.h), its moments m and v the two slots, the decay
 * added to the gradient (L2); elementwise, so split over threads with
 * unchanged results. */
static void adam_update(const fmnist__optimizer *o, double lr, float decay, float *w,
                        const float *g, size_t at, size_t n) {
  const fmnist__adam a = {lr, o->cfg->beta1, o->cfg->beta2, o->cfg->eps};
  adam_job j = {&a, o->step, decay, w, g, o->state + at, o->state + o->n_params + at};
  fmnist__parallel_range(o->threads, n, FMNIST__PAR_GRAIN, adam_range, &j);
}

typedef struct sgd_job {
  const fmnist__sgd *opt;
  float wd, *w;
  const float *g;
  float *b;
} sgd_job;

static void sgd_range(void *ctx, size_t lo, size_t hi) {
  const sgd_job *j = ctx;
  fmnist__sgd_step(j->opt, j->wd, j->w + lo, j->g + lo, j->b + lo, hi - lo);
}

/* SGD (kernels/sgd.h), its momentum buffer the slot, the decay
 * decoupled; elementwise and split as Adam. */
static void sgd_update(const fmnist__optimizer *o, double lr, float decay, float *w,
                       const float *g, size_t at, size_t n) {
  const fmnist__sgd a = {lr, o->cfg->momentum, o->cfg->nesterov != 0};
  sgd_job j = {&a, decay, w, g, o->state + at};
  fmnist__parallel_range(o->threads, n, FMNIST__PAR_GRAIN, sgd_range, &j);
}

/* The table: X(name, slots, update). */
#define OPTIMIZERS(X) X("adam", 2, adam_update) X("sgd", 1, sgd_update)
#define OPTIMIZER_NAME(name, slots, update) name,
#define OPTIMIZER_KIND(name, slots, update) {slots, update},
const char *const fmnist__optimizers[] = {OPTIMIZERS(OPTIMIZER_NAME) NULL};
static const fmnist__optimizer_kind kinds[] = {OPTIMIZERS(OPTIMIZER_KIND)};

fmnist_status fmnist__optimizer_make(const fmnist__net_config *cfg, size_t n_params,
                                     size_t steps, size_t threads, fmnist__optimizer *o) {
  *o = (fmnist__optimizer){&kinds[cfg->optimizer], cfg, steps, 0, threads, n_params, NULL};
  const size_t floats = o->kind->slots * (n_params ? n_params : 1);
  o->state = fmnist__calloc(floats, sizeof *o->state);
  if (!o->state) return fmnist__fail(FMNIST_E_NOMEM, "net: out of memory for the optimizer");
  return FMNIST_OK;
}

void fmnist__optimizer_free(fmnist__optimizer *o) {
  fmnist__free(o->state);
  o->state = NULL;
}

void fmnist__optimizer_step(fmnist__optimizer *o, fmnist__net *net, const float *grads) {
  const double lr =
      fmnist__lr_at(o->cfg->lr_schedule, o->cfg->lr, o->step, o->steps, o->cfg->warmup);
  const float wd = (float)o->cfg->weight_decay;
  o->step++;
  if (wd == 0) { /* one update over every parameter: one parallel loop */
    o->kind->update(o, lr, 0.0f, net->params, grads, 0, net->n_params);
    return;
  }
  size_t po = 0;
  for (size_t i = 0; i < net->n_layers; i++) {
    fmnist__layer *l = &net->layers[i];
    const int decay = l->spec.kind == FMNIST__L_CONV || l->spec.kind == FMNIST__L_DENSE;
    if (l->n_w) o->kind->update(o, lr, decay ? wd : 0.0f, l->w, grads + po, po, l->n_w);
    po += l->n_w;
    if (l->n_b) o->kind->update(o, lr, 0.0f, l->b, grads + po, po, l->n_b);
    po += l->n_b;
  }
}
