/* The averaged copy of a net's weights (nn/average.h): its update after
 * each step, elementwise and split over threads, and its exchange with
 * the net's own weights. */
#include "base/vectorize.h"  /* first: applies to the whole file */
#include "nn/average.h"

#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "base/threads.h"

fmnist_status fmnist__average_make(double decay, const fmnist__net *net, size_t threads,
                                   fmnist__average *a) {
  *a = (fmnist__average){decay, 0, threads, net->n_params + net->n_stats, NULL};
  if (decay == 0) return FMNIST_OK;
  a->avg = fmnist__calloc(a->n ? a->n : 1, sizeof *a->avg);
  if (!a->avg) return fmnist__fail(FMNIST_E_NOMEM, "net: out of memory for the averaged weights");
  memcpy(a->avg, net->params, net->n_params * sizeof *a->avg);
  memcpy(a->avg + net->n_params, net->stats, net->n_stats * sizeof *a->avg);
  return FMNIST_OK;
}

void fmnist__average_free(fmnist__average *a) {
  fmnist__free(a->avg);
  a->avg = NULL;
}

typedef struct average_job {
  float keep, take; /* d_t and 1 - d_t */
  float *avg;
  const float *w;
} average_job;

static void average_range(void *ctx, size_t lo, size_t hi) {
  const average_job *j = ctx;
  for (size_t i = lo; i < hi; i++) j->avg[i] = j->keep * j->avg[i] + j->take * j->w[i];
}

void fmnist__average_update(fmnist__average *a, const fmnist__net *net) {
  if (!a->avg) return;
  const double t = (double)a->updates++, warm = (1.0 + t) / (10.0 + t);
  const double d = a->decay < warm ? a->decay : warm;
  average_job j = {(float)d, (float)(1.0 - d), a->avg, net->params};
  fmnist__parallel_range(a->threads, net->n_params, FMNIST__PAR_GRAIN, average_range, &j);
  j.avg += net->n_params;
  j.w = net->stats;
  average_range(&j, 0, net->n_stats); /* a few per channel */
}

/* Exchanges w[n] with v[n]. */
static void swap_floats(float *w, float *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const float keep = w[i];
    w[i] = v[i];
    v[i] = keep;
  }
}

void fmnist__average_swap(fmnist__average *a, fmnist__net *net) {
  if (!a->avg) return;
  swap_floats(net->params, a->avg, net->n_params);
  swap_floats(net->stats, a->avg + net->n_params, net->n_stats);
}
