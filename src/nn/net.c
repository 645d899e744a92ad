/* The "net" model family: its table, its options, and save/load of
 * parameters and BN statistics. Training is in net_train.c, inference in
 * net_infer.c (nn/net_impl.h lists the rooms). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "base/alloc.h"
#include "base/status.h"
#include "nn/net_impl.h"
#include "nn/optimizer.h"
#include "fmnist/transform.h"

static const char *const inits[] = {"he", "glorot", NULL};
static const char *const conv_algorithms[] = {"auto", "im2col", NULL};
/* The augment option's check: the spec parses as a transform pipeline
 * (the message names the bad token). */
static fmnist_status check_augment(const char *spec) {
  if (!spec[0]) return FMNIST_OK; /* the default: no augmentation */
  fmnist_transform *t = NULL;
  fmnist_status s = fmnist_transform_create(0, &t);
  if (!s) s = fmnist_transform_add_spec(t, spec);
  fmnist_transform_free(t);
  return s;
}

static const fmnist__option options[] = {
    {"layers", FMNIST__OPT_TEXT, offsetof(fmnist__net_config, layers), "", 0, 0, NULL, NULL,
     fmnist__net_check_spec},
    {"epochs", FMNIST__OPT_SIZE, offsetof(fmnist__net_config, epochs), "20", 1, 1000000, NULL,
     NULL, NULL},
    {"batch", FMNIST__OPT_SIZE, offsetof(fmnist__net_config, batch), "32", 1, 65536, NULL, NULL,
     NULL},
    {"optimizer", FMNIST__OPT_CHOICE, offsetof(fmnist__net_config, optimizer), "adam", 0, 0,
     fmnist__optimizers, NULL, NULL},
    {"lr", FMNIST__OPT_REAL, offsetof(fmnist__net_config, lr), "0.001", 0, 1e9, NULL, NULL, NULL},
    {"beta1", FMNIST__OPT_REAL, offsetof(fmnist__net_config, beta1), "0.9", 0, 0.999999, NULL,
     NULL, NULL},
    {"beta2", FMNIST__OPT_REAL, offsetof(fmnist__net_config, beta2), "0.999", 0, 0.999999999,
     NULL, NULL, NULL},
    {"eps", FMNIST__OPT_REAL, offsetof(fmnist__net_config, eps), "1e-7", 1e-30, 1, NULL, NULL,
     NULL},
    {"momentum", FMNIST__OPT_REAL, offsetof(fmnist__net_config, momentum), "0.9", 0, 0.999999,
     NULL, NULL, NULL},
    {"nesterov", FMNIST__OPT_SIZE, offsetof(fmnist__net_config, nesterov), "1", 0, 1, NULL, NULL,
     NULL},
    {"weight_decay", FMNIST__OPT_REAL, offsetof(fmnist__net_config, weight_decay), "0", 0, 1000,
     NULL, NULL, NULL},
    {"init", FMNIST__OPT_CHOICE, offsetof(fmnist__net_config, init), "he", 0, 0, inits, NULL,
     NULL},
    {"lr_schedule", FMNIST__OPT_CHOICE, offsetof(fmnist__net_config, lr_schedule), "constant", 0,
     0, fmnist__lr_schedules, NULL, NULL},
    {"warmup", FMNIST__OPT_REAL, offsetof(fmnist__net_config, warmup), "0", 0, 1, NULL, NULL,
     NULL},
    {"label_smoothing", FMNIST__OPT_REAL, offsetof(fmnist__net_config, label_smoothing), "0", 0,
     1, NULL, NULL, NULL},
    {"ema_decay", FMNIST__OPT_REAL, offsetof(fmnist__net_config, ema_decay), "0", 0, 0.999999999,
     NULL, NULL, NULL},
    {"conv_algorithm", FMNIST__OPT_CHOICE, offsetof(fmnist__net_config, conv_algorithm), "auto",
     0, 0, conv_algorithms, NULL, NULL},
    {"augment", FMNIST__OPT_TEXT, offsetof(fmnist__net_config, augment), "", 0, 0, NULL, NULL,
     check_augment},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL}};

/* ---- save / load ---- */

/* Parameters: u64 count + f32s (w then b per layer, in layer order);
 * BN running statistics: u64 count + f32s (mean[C] then var[C] per BN). */
static void save(const fmnist_model *m, fmnist__writer *w) {
  const fmnist__net *net = m->state;
  fmnist__put_u64(w, net->n_params);
  fmnist__put_f32s(w, net->params, net->n_params);
  fmnist__put_u64(w, net->n_stats);
  fmnist__put_f32s(w, net->stats, net->n_stats);
}

static fmnist_status load(fmnist_model *m, fmnist__reader *r) {
  const fmnist__net_config *cfg = m->config;
  fmnist__layer_spec *specs;
  size_t n_specs, count;
  fmnist_status s = fmnist__net_parse(cfg->layers ? cfg->layers : "", &specs, &n_specs);
  if (s == FMNIST_E_NOMEM) return s;
  if (s) return fmnist__fail(FMNIST_E_FORMAT, "%s: bad layer spec: %s", r->path,
                             fmnist_last_error());
  if (n_specs == 0) return fmnist__fail(FMNIST_E_FORMAT, "%s: a net without layers", r->path);
  fmnist__net *net;
  s = fmnist__net_build(specs, n_specs, (fmnist__conv_algorithm)cfg->conv_algorithm, &net);
  fmnist__free(specs);
  if (s) return s;
  s = fmnist__get_count(r, 4, FMNIST__NET_MAX_PARAMS, "parameter", &count);
  if (!s && count != net->n_params)
    s = fmnist__fail(FMNIST_E_FORMAT, "%s: %zu parameters, the layers need %zu", r->path, count,
                     net->n_params);
  if (!s) s = fmnist__get_f32s(r, net->params, count);
  if (!s) s = fmnist__get_count(r, 4, FMNIST__NET_MAX_PARAMS, "statistic", &count);
  if (!s && count != net->n_stats)
    s = fmnist__fail(FMNIST_E_FORMAT, "%s: %zu BN statistics, the layers need %zu", r->path,
                     count, net->n_stats);
  if (!s) s = fmnist__get_f32s(r, net->stats, count);
  for (size_t i = 0; i < net->n_params && !s; i++)
    if (!isfinite(net->params[i]))
      s = fmnist__fail(FMNIST_E_FORMAT, "%s: parameter %zu is not finite", r->path, i);
  for (size_t i = 0; i < net->n_stats && !s; i++)
    if (!isfinite(net->stats[i]))
      s = fmnist__fail(FMNIST_E_FORMAT, "%s: BN statistic %zu is not finite", r->path, i);
  if (s) {
    fmnist__net_free(net);
    return s;
  }
  fmnist__net_prepare_inference(net);
  m->state = net;
  return FMNIST_OK;
}

static void free_state(void *state) { fmnist__net_free(state); }

const fmnist__family fmnist__net_family = {"net", 4, sizeof(fmnist__net_config), options,
                                           fmnist__net_fit, fmnist__net_proba, NULL, save, load,
                                           free_state, fmnist__net_export_onnx};
