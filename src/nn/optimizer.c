/* The net family's optimizers (Adam with L2 weight decay) and
 * learning-rate schedules (constant, cosine): two tables, an entry each. */
#include "nn/optimizer.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "base/threads.h"
#include "kernels/adam.h"

/* ---- learning-rate schedules ---- */

static double constant_rate(double lr, size_t t, size_t total) {
  (void)t;
  (void)total;
  return lr;
}

/* lr (1 + cos(pi t / total)) / 2: from lr at the first step down towards
 * 0 at the last (SGDR's annealing without restarts). */
static double cosine_rate(double lr, size_t t, size_t total) {
  if (total == 0) return lr;
  return lr * 0.5 * (1.0 + cos(3.14159265358979323846 * (double)t / (double)total));
}

/* The table: X(name, rate of step t of total from lr). */
#define LR_SCHEDULES(X) X("constant", constant_rate) X("cosine", cosine_rate)
#define SCHEDULE_NAME(name, rate) name,
#define SCHEDULE_RATE(name, rate) rate,
const char *const fmnist__lr_schedules[] = {LR_SCHEDULES(SCHEDULE_NAME) NULL};
static double (*const rates[])(double lr, size_t t, size_t total) = {LR_SCHEDULES(SCHEDULE_RATE)};

double fmnist__lr_at(int s, double lr, size_t t, size_t total) { return rates[s](lr, t, total); }

/* ---- optimizers ---- */

struct fmnist__optimizer_kind {
  const char *name;
  size_t slots; /* floats of state per parameter */
  /* n parameters w from gradients g at rate lr with L2 decay `decay`, their
   * state at offset `at` of each slot's array; o->step is 1-based. */
  void (*update)(const fmnist__optimizer *o, double lr, float decay, float *w, const float *g,
                 size_t at, size_t n);
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

/* Adam (kernels/adam.h), its moments m and v the two slots; elementwise,
 * so split over threads with unchanged results. */
static void adam_update(const fmnist__optimizer *o, double lr, float decay, float *w,
                        const float *g, size_t at, size_t n) {
  const fmnist__adam a = {lr, o->cfg->beta1, o->cfg->beta2, o->cfg->eps};
  adam_job j = {&a, o->step, decay, w, g, o->state + at, o->state + o->n_params + at};
  fmnist__parallel_range(o->threads, n, FMNIST__PAR_GRAIN, adam_range, &j);
}

static const fmnist__optimizer_kind optimizers[] = {{"adam", 2, adam_update}};

fmnist_status fmnist__optimizer_make(const char *name, const fmnist__net_config *cfg,
                                     size_t n_params, size_t steps, size_t threads,
                                     fmnist__optimizer *o) {
  *o = (fmnist__optimizer){NULL, cfg, steps, 0, threads, n_params, NULL};
  for (size_t i = 0; i < sizeof optimizers / sizeof *optimizers; i++)
    if (strcmp(optimizers[i].name, name) == 0) o->kind = &optimizers[i];
  if (!o->kind) return fmnist__fail(FMNIST_E_OPTION, "net: unknown optimizer \"%s\"", name);
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
  const double lr = fmnist__lr_at(o->cfg->lr_schedule, o->cfg->lr, o->step, o->steps);
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
