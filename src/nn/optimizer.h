/* The optimizers and learning-rate schedules of the net family
 * (nn/optimizer.c), each an entry of a table chosen by name (an optimizer
 * by the "optimizer" option, a schedule by "lr_schedule"), so that
 * another one is another entry, not a branch of the training loop. A fit
 * makes an optimizer for its net and steps it after each batch's
 * gradients. */
#ifndef FMNIST_SRC_NN_OPTIMIZER_H
#define FMNIST_SRC_NN_OPTIMIZER_H

#include <stddef.h>

#include "nn/net_impl.h"

/* The schedules' names, in the order of their table: the "lr_schedule"
 * option's choices (NULL-terminated). */
extern const char *const fmnist__lr_schedules[];
/* The rate of step t (0-based) of total under schedule s (an index in
 * fmnist__lr_schedules) from the base rate lr, the first fraction
 * `warmup` of the steps warming up (the "warmup" option); total 0: lr. */
double fmnist__lr_at(int s, double lr, size_t t, size_t total, double warmup);

/* The optimizers' names, in the order of their table: the "optimizer"
 * option's choices (NULL-terminated). */
extern const char *const fmnist__optimizers[];

/* An entry of the optimizers' table (optimizer.c). */
typedef struct fmnist__optimizer_kind fmnist__optimizer_kind;

typedef struct fmnist__optimizer {
  const fmnist__optimizer_kind *kind;
  const fmnist__net_config *cfg; /* rate, schedule, hyper-parameters, weight decay */
  size_t steps;                  /* of the fit: the schedule's length */
  size_t step;                   /* steps taken */
  size_t threads;                /* its updates are elementwise: split over them */
  size_t n_params;
  float *state;                  /* the kind's state per parameter (Adam: m, then v;
                                    SGD: the momentum buffer) */
} fmnist__optimizer;

/* The optimizer cfg->optimizer names for n_params parameters, a fit of
 * `steps` steps and the hyper-parameters of cfg (kept by pointer), its
 * state zero. FMNIST_E_NOMEM. */
fmnist_status fmnist__optimizer_make(const fmnist__net_config *cfg, size_t n_params,
                                     size_t steps, size_t threads, fmnist__optimizer *o);
void fmnist__optimizer_free(fmnist__optimizer *o);
/* One step on net's parameters from grads (laid out as net->params) at
 * the rate the schedule gives it; the weight decay applies to the conv
 * and dense weights only (Adam: added to their gradient; SGD: decoupled,
 * the weights shrunk by rate times decay). */
void fmnist__optimizer_step(fmnist__optimizer *o, fmnist__net *net, const float *grads);

#endif
