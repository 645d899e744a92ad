/* Inspection of a net: its layers (fmnist_net_layer_count, fmnist_net_layer)
 * from the "layers" option alone, what a summary table or a diagram shows,
 * so a net can be described before it is fitted; its trained parameters
 * (fmnist_net_parameters). */
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "fmnist/net.h"
#include "nn/net_impl.h"

/* The net the "layers" option of m builds (parameters uninitialised). */
static fmnist_status built(const fmnist_model *m, const char *fn, fmnist__net **out) {
  FMNIST__CHECK_ARG(m);
  if (m->family != &fmnist__net_family)
    return fmnist__fail(FMNIST_E_INVALID, "%s: the model is of family %s, not net", fn,
                        m->family->name);
  const fmnist__net_config *cfg = m->config;
  fmnist__layer_spec *specs;
  size_t n;
  fmnist_status s = fmnist__net_parse(cfg->layers ? cfg->layers : "", &specs, &n);
  if (s) return s;
  s = fmnist__net_build(specs, n, FMNIST__CONV_IM2COL, out);
  fmnist__free(specs);
  return s;
}

/* The layers a net shows: all but a block's projection (its `skip`
 * layers), whose parameters and FLOPs its add counts as its own. */
static size_t shown(const fmnist__net *net) {
  size_t n = 0;
  for (size_t i = 0; i < net->n_layers; i++) n += !net->layers[i].skip;
  return n;
}

FMNIST_API fmnist_status fmnist_net_layer_count(const fmnist_model *m, size_t *count) {
  FMNIST__CHECK_ARG(count);
  fmnist__net *net;
  fmnist_status s = built(m, "fmnist_net_layer_count", &net);
  if (s) return s;
  *count = shown(net);
  fmnist__net_free(net);
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_net_layer(const fmnist_model *m, size_t i, const char **kind,
                                          size_t shape[3], size_t *params, uint64_t *flops) {
  fmnist__net *net;
  fmnist_status s = built(m, "fmnist_net_layer", &net);
  if (s) return s;
  if (i >= shown(net)) {
    s = fmnist__fail(FMNIST_E_INVALID, "fmnist_net_layer: layer %zu of %zu", i, shown(net));
    fmnist__net_free(net);
    return s;
  }
  size_t at = 0; /* the i-th shown layer */
  for (size_t k = 0; k <= i; at++) k += !net->layers[at].skip;
  const fmnist__layer *l = &net->layers[at - 1];
  size_t n = l->n_w + l->n_b;
  uint64_t f = fmnist__layer_flops(l);
  for (const fmnist__layer *p = l; p > net->layers && p[-1].skip; p--) { /* an add's projection */
    n += p[-1].n_w + p[-1].n_b;
    f += fmnist__layer_flops(&p[-1]);
  }
  if (kind) *kind = fmnist__layer_name(l->spec.kind);
  if (shape) {
    shape[0] = l->out_c;
    shape[1] = l->out_h;
    shape[2] = l->out_w;
  }
  if (params) *params = n;
  if (flops) *flops = f;
  fmnist__net_free(net);
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_net_parameters(const fmnist_model *m, float *buf, size_t len,
                                               size_t *count) {
  FMNIST__CHECK_ARG(m);
  FMNIST__CHECK_ARG(count);
  if (m->family != &fmnist__net_family)
    return fmnist__fail(FMNIST_E_INVALID, "fmnist_net_parameters: the model is of family %s, "
                        "not net", m->family->name);
  const fmnist__net *net = m->state;
  if (!net) return fmnist__fail(FMNIST_E_STATE, "fmnist_net_parameters: the model is not fitted");
  if (buf && len < net->n_params)
    return fmnist__fail(FMNIST_E_BUFFER, "fmnist_net_parameters: %zu floats given, %zu needed",
                        len, net->n_params);
  if (buf) memcpy(buf, net->params, net->n_params * sizeof *buf);
  *count = net->n_params;
  return FMNIST_OK;
}
