/* Training of the "net" family (its fit): the workspace a fit sizes once,
 * a step (its passes over the layers are nn/net_pass.h's), the batch,
 * epoch and fit loops.
 * What a data-parallel member does differently is its group's
 * (nn/group.h: the loop makes the same calls alone); the update is the
 * optimizer's (nn/optimizer.h), the averaged weights the average's
 * (nn/average.h). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/rng.h"
#include "base/status.h"
#include "base/threads.h"
#include "data/batch.h"
#include "kernels/layout.h"
#include "kernels/loss.h"
#include "nn/average.h"
#include "nn/group.h"
#include "nn/net_impl.h"
#include "nn/net_infer.h"
#include "nn/net_pass.h"
#include "nn/optimizer.h"
#include "nn/pass.h"
#include "transform/transform_impl.h"

/* What a step needs beyond the net, sized once from the layer shapes. */
typedef struct train_ws {
  size_t threads;
  double smoothing; /* the loss's label smoothing */
  fmnist__net_acts acts; /* the passes' memory; its input is the batch's
                            784 x batch standardized pixels */
  float *grads;   /* per parameter, then room for a group's tally */
  size_t *order;  /* shuffled sample indices */
  uint8_t *labels;
  uint8_t *img;   /* the batch's raw images */
} train_ws;

static void train_ws_free(train_ws *t) {
  fmnist__net_acts_free(&t->acts);
  fmnist__free(t->grads);
  fmnist__free(t->order);
  fmnist__free(t->labels);
  fmnist__free(t->img);
  memset(t, 0, sizeof *t);
}

/* The workspace for batches of up to `batch` images of n_train; points
 * the layers' gradients into t->grads. */
static fmnist_status train_ws_make(fmnist__net *net, size_t batch, size_t n_train,
                                   size_t threads, train_ws *t) {
  size_t np = net->n_params ? net->n_params : 1;
  memset(t, 0, sizeof *t);
  t->threads = threads;
  fmnist_status s = fmnist__net_acts_make(net, batch, &t->acts);
  if (s) return s;
  t->grads = fmnist__calloc(np + FMNIST__GROUP_TALLY_FLOATS, sizeof(float));
  t->order = fmnist__calloc(n_train, sizeof(size_t));
  t->labels = fmnist__alloc(batch);
  t->img = fmnist__alloc(batch * FMNIST_PIXELS);
  if (!t->grads || !t->order || !t->labels || !t->img) {
    train_ws_free(t);
    return fmnist__fail(FMNIST_E_NOMEM, "net: out of memory for the training workspace");
  }
  size_t po = 0;
  for (size_t i = 0; i < net->n_layers; i++) {
    fmnist__layer *l = &net->layers[i];
    l->dw = t->grads + po;
    l->db = l->dw + l->n_w;
    po += l->n_w + l->n_b;
  }
  return FMNIST_OK;
}

static void init_params(fmnist__net *net, uint64_t seed, int glorot) {
  for (size_t i = 0; i < net->n_layers; i++) {
    fmnist__layer *l = &net->layers[i];
    fmnist__rng r;
    fmnist__rng_init(&r, seed, FMNIST__STREAM_NET_INIT, i);
    if (l->ops->init) l->ops->init(l, &r, glorot);
  }
}

/* The gradients of a training pass p on its n images in t->acts.in /
 * t->labels, into t->grads, for the mean loss over the step's batch of
 * p->batch images; their summed loss and correct count into *step. */
static void step_gradients(fmnist__net *net, train_ws *t, const fmnist__pass *p, size_t n,
                           fmnist__tally *step) {
  const float *x = fmnist__net_forward(net, t->acts.in, t->acts.y, t->acts.aux, n, p);
  float *dy = t->acts.d[0];
  *step = (fmnist__tally){0, 0};
  for (size_t q = 0; q < fmnist__chunks(n); q++) { /* the logits chunk by chunk */
    const size_t at = fmnist__chunk_at(q, FMNIST_CLASSES);
    step->loss += fmnist__softmax_xent(x + at, t->labels + q * FMNIST__CHUNK, FMNIST_CLASSES,
                                       fmnist__chunk_n(n, q), t->smoothing,
                                       1.0f / (float)p->batch, dy + at, &step->correct);
  }
  fmnist__net_backward(net, &t->acts, n, p);
}

/* ---- a fit ---- */

/* A fit in progress: its model, data and sizes, and what it made. */
typedef struct fit_run {
  fmnist_model *m;
  const fmnist__net_config *cfg;
  const fmnist_dataset *train, *valid;
  size_t n, batch, n_batches, n_valid;
  size_t valid_lo, valid_hi; /* this member's share of the validation set */
  fmnist__group group;
  fmnist__net *net;
  int have_ws;
  train_ws t;
  fmnist__net_eval eval; /* on the validation share */
  fmnist__optimizer opt;
  fmnist__average avg;
  fmnist_transform *augment;
  fmnist__rng rng;
} fit_run;

/* Frees everything, the net too unless it is kept as the model's. */
static void fit_free(fit_run *r, int keep_net) {
  if (r->have_ws) train_ws_free(&r->t);
  fmnist__net_eval_free(&r->eval);
  fmnist__optimizer_free(&r->opt);
  fmnist__average_free(&r->avg);
  fmnist_transform_free(r->augment);
  if (!keep_net) fmnist__net_free(r->net);
}

/* The net of the "layers" option, its parameters initialised. */
static fmnist_status make_net(const fmnist_model *m, fmnist__net **out) {
  const fmnist__net_config *cfg = m->config;
  fmnist__layer_spec *specs;
  size_t n_specs;
  fmnist_status s = fmnist__net_parse(cfg->layers ? cfg->layers : "", &specs, &n_specs);
  if (s) return s;
  const fmnist__layer_spec *last = n_specs ? &specs[n_specs - 1] : NULL;
  if (!last)
    s = fmnist__fail(FMNIST_E_STATE, "net: no layers (set \"layers\" first)");
  else if (last->kind != FMNIST__L_DENSE || last->units != FMNIST_CLASSES)
    s = fmnist__fail(FMNIST_E_OPTION, "option layers: the last layer must be dense:10");
  if (!s) s = fmnist__net_build(specs, n_specs, (fmnist__conv_algorithm)cfg->conv_algorithm, out);
  fmnist__free(specs);
  if (!s) init_params(*out, m->seed, cfg->init);
  return s;
}

/* Builds the net and sizes everything for batches of up to `share`
 * images (a member's largest share of a batch). */
static fmnist_status fit_make(fit_run *r, size_t share) {
  const size_t threads = fmnist__model_threads(r->m);
  fmnist_status s = make_net(r->m, &r->net);
  if (s) return s;
  s = train_ws_make(r->net, share, r->n, threads, &r->t);
  r->have_ws = !s;
  r->t.smoothing = r->cfg->label_smoothing;
  if (!s) s = fmnist__net_eval_make(r->net, threads, r->valid_hi - r->valid_lo, &r->eval);
  if (!s)
    s = fmnist__optimizer_make(r->cfg, r->net->n_params, r->cfg->epochs * r->n_batches, threads,
                               &r->opt);
  if (!s) s = fmnist__average_make(r->cfg->ema_decay, r->net, threads, &r->avg);
  /* Augmentation: each training image of each epoch is altered from its
   * own stream (image number epoch*n + position in the epoch's order), so
   * a fit depends on the seed alone; validation and test images never are. */
  if (!s && r->cfg->augment && r->cfg->augment[0]) {
    s = fmnist__transform_create_in(r->m->seed, FMNIST__STREAM_NET_AUGMENT, &r->augment);
    if (!s) s = fmnist_transform_add_spec(r->augment, r->cfg->augment);
  }
  return s;
}

/* Sizes, shares, the net and its workspace; then the group's agreement
 * on them (alone: the setup's status). */
static fmnist_status fit_begin(fit_run *r, fmnist_model *m, const fmnist_dataset *train,
                               const fmnist_dataset *valid) {
  const fmnist__net_config *cfg = m->config;
  memset(r, 0, sizeof *r);
  r->m = m;
  r->cfg = cfg;
  r->train = train;
  r->valid = valid;
  r->n = fmnist_dataset_count(train);
  r->batch = cfg->batch < r->n ? cfg->batch : r->n;
  r->n_batches = (r->n + r->batch - 1) / r->batch;
  r->n_valid = fmnist_dataset_count(valid);
  fmnist__group_begin(&r->group, &cfg->group);
  fmnist__group_share(&r->group, r->n_valid, &r->valid_lo, &r->valid_hi);
  fmnist_status s = fit_make(r, fmnist__group_largest_share(&r->group, r->batch));
  const uint64_t shape[FMNIST__GROUP_SHAPE] = {r->n, r->n_valid, r->batch, cfg->epochs,
                                               r->net ? r->net->n_params : 0};
  return fmnist__group_agree(&r->group, shape, s);
}

/* This member's `mine` images of the batch at lo of epoch e (from the
 * batch's place first on) into the workspace, augmented. */
static fmnist_status load_batch(fit_run *r, size_t e, size_t lo, size_t first, size_t mine) {
  train_ws *t = &r->t;
  const uint8_t *images = fmnist_dataset_images(r->train);
  const uint8_t *labels = fmnist_dataset_labels(r->train);
  for (size_t j = 0; j < mine; j++) {
    size_t src = t->order[lo + first + j];
    memcpy(t->img + j * FMNIST_PIXELS, images + src * FMNIST_PIXELS, FMNIST_PIXELS);
    t->labels[j] = labels[src];
  }
  if (!r->augment) return FMNIST_OK;
  const uint64_t image = (uint64_t)e * r->n + lo + first; /* its stream (fit_make) */
  return fmnist__group_defer(
      &r->group, fmnist__transform_apply_batch(r->augment, image, t->img, mine, t->threads));
}

/* Step b of epoch e: this member's share of the batch, its gradients
 * summed over the group, the update; the batch's tally added to *epoch. */
static fmnist_status train_step(fit_run *r, size_t e, size_t b, fmnist__tally *epoch) {
  const size_t lo = b * r->batch, k = r->n - lo < r->batch ? r->n - lo : r->batch;
  size_t first, end;
  fmnist__group_share(&r->group, k, &first, &end);
  fmnist_status s = load_batch(r, e, lo, first, end - first);
  if (s) return s;
  fmnist__net_input(r->m, r->t.img, end - first, r->t.acts.in);
  const fmnist__pass p = {1, &r->rng, r->t.acts.scratch, r->t.threads,
                          fmnist__group_of_layers(&r->group), first, k, NULL};
  fmnist__tally step;
  step_gradients(r->net, &r->t, &p, end - first, &step);
  s = fmnist__group_tally(&r->group, r->t.grads, r->net->n_params, &step);
  if (!s && !isfinite(step.loss))
    s = fmnist__fail(FMNIST_E_NUMERIC,
                     "net: the loss became %s at epoch %zu, batch %zu (learning rate %g too "
                     "high?)",
                     isnan(step.loss) ? "NaN" : "infinite", e + 1, b + 1, r->cfg->lr);
  if (s) return s;
  fmnist__optimizer_step(&r->opt, r->net, r->t.grads);
  fmnist__average_update(&r->avg, r->net);
  epoch->loss += step.loss;
  epoch->correct += step.correct;
  return fmnist__group_defer(&r->group,
                             fmnist__model_progress(r->m, FMNIST_STAGE_BATCH, b + 1, r->n_batches));
}

/* The validation set's tally over the group (this member's share), of
 * the averaged weights if there are (the model's). */
static fmnist_status validate(fit_run *r, fmnist__tally *v) {
  *v = (fmnist__tally){0, 0};
  fmnist__average_swap(&r->avg, r->net);
  fmnist__net_prepare_inference(r->net);
  if (r->valid_hi > r->valid_lo)
    fmnist__net_evaluate(r->m, r->net, &r->eval,
                         fmnist_dataset_images(r->valid) + r->valid_lo * FMNIST_PIXELS,
                         fmnist_dataset_labels(r->valid) + r->valid_lo, r->valid_hi - r->valid_lo,
                         v);
  fmnist__average_swap(&r->avg, r->net); /* the training goes on from its own */
  float buf[FMNIST__GROUP_TALLY_FLOATS];
  return fmnist__group_tally(&r->group, buf, 0, v);
}

/* Epoch e: its steps, then its row of the history (with the validation
 * figures if there is a validation set) and its progress call. */
static fmnist_status train_epoch(fit_run *r, size_t e) {
  const double t0 = fmnist__now(), n = (double)r->n;
  fmnist__tally sum = {0, 0}, v;
  fmnist__epoch_order(r->m->seed, e, r->t.order, r->n);
  fmnist_status s = FMNIST_OK;
  for (size_t b = 0; b < r->n_batches && !s; b++) s = train_step(r, e, b, &sum);
  if (!s) s = fmnist__model_check_loss(r->m, sum.loss / n, e);
  if (s) return s;
  fmnist__epoch row = {{sum.loss / n, (double)sum.correct / n, NAN, NAN, 0}};
  s = validate(r, &v);
  if (s) return s;
  if (r->valid) {
    row.v[FMNIST_HISTORY_VALID_LOSS] = v.loss / (double)r->n_valid;
    row.v[FMNIST_HISTORY_VALID_ACCURACY] = (double)v.correct / (double)r->n_valid;
  }
  row.v[FMNIST_HISTORY_SECONDS] = fmnist__now() - t0;
  s = fmnist__group_defer(&r->group, fmnist__model_add_epoch(r->m, &row));
  if (s) return s;
  const size_t epochs = r->cfg->epochs;
  return fmnist__group_defer(&r->group,
                             fmnist__model_progress(r->m, FMNIST_STAGE_EPOCH, e + 1, epochs));
}

fmnist_status fmnist__net_fit(fmnist_model *m, const fmnist_dataset *train,
                              const fmnist_dataset *valid) {
  fit_run r;
  fmnist_status s = fit_begin(&r, m, train, valid);
  if (s) {
    fit_free(&r, 0);
    return s;
  }
  /* The layers split their sgemms and loops over the library's threads;
   * OpenBLAS stays on one (its idle threads spin and would slow the rest). */
  fmnist__blas_threads(1);
  fmnist__rng_init(&r.rng, m->seed, FMNIST__STREAM_NET_TRAIN, 0);
  for (size_t e = 0; e < r.cfg->epochs && !s; e++) s = train_epoch(&r, e);
  if (!s) s = fmnist__group_finish(&r.group); /* a stop raised after the last sum */
  fmnist__net *net = r.net;
  for (size_t i = 0; i < net->n_layers; i++) net->layers[i].dw = net->layers[i].db = NULL;
  fmnist__average_swap(&r.avg, net); /* the model is the average, if any */
  fmnist__net_prepare_inference(net);
  fit_free(&r, !s);
  if (s) return s;
  m->state = net;
  return FMNIST_OK;
}
