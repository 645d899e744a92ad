/* The net family's ONNX graph: the standardized input (N x 784), then
 * each layer as its ONNX operator, then the softmax epilogue.
 *
 *   conv     Conv with the layer's kernel, stride and padding (same:
 *            Keras's, the extra row and column at the bottom and right)
 *   bn       BatchNormalization with the running statistics (inference)
 *   relu, tanh, sigmoid   Relu, Tanh, Sigmoid
 *   pool     MaxPool PxP, stride P (trailing rows and columns dropped)
 *   flatten  Flatten: features c*H*W + h*W + w, the library's order
 *            (nn/layer.h)
 *   dense    Gemm with W (units x inputs) transposed, and the bias
 *   noise, dropout   nothing: the identity in inference
 * Values are N x C x H x W where a layer works on planes and N x C after a
 * flatten or a dense layer; a layer that needs the other form gets a
 * Reshape or Flatten first (a conv on a dense layer's output, a dense
 * layer on a conv's 1x1 output, for which the library inserts no
 * flatten). */
#include <stdio.h>

#include "models/onnx.h"
#include "nn/net_impl.h"

typedef struct walk {
  fmnist__onnx *g;
  char x[FMNIST__ONNX_NAME]; /* the current value */
  int spatial;               /* x is N x C x H x W (else N x C) */
  size_t reshapes;           /* Reshape and Flatten nodes added, for names */
  size_t seen[FMNIST__L_KINDS]; /* layers of each kind so far, for names */
} walk;

/* Makes x N x c x h x w (Reshape; the shape is an initializer). */
static void to_spatial(walk *k, size_t c, size_t h, size_t w) {
  if (k->spatial) return;
  char shape[FMNIST__ONNX_NAME], out[FMNIST__ONNX_NAME];
  k->reshapes++;
  snprintf(shape, sizeof shape, "reshape%zu.shape", k->reshapes);
  snprintf(out, sizeof out, "reshape%zu", k->reshapes);
  const int64_t dims[1] = {4}, to[4] = {-1, (int64_t)c, (int64_t)h, (int64_t)w};
  fmnist__onnx_init_i64(k->g, shape, dims, 1, to);
  const char *in[2] = {k->x, shape};
  fmnist__onnx_node(k->g, "Reshape", in, 2, out);
  snprintf(k->x, sizeof k->x, "%s", out);
  k->spatial = 1;
}

/* Makes x N x C*H*W (Flatten at axis 1: NCHW's order, the library's). */
static void to_flat(walk *k, const char *name) {
  if (!k->spatial) return;
  char out[FMNIST__ONNX_NAME];
  if (name) {
    snprintf(out, sizeof out, "%s", name);
  } else {
    k->reshapes++;
    snprintf(out, sizeof out, "reshape%zu", k->reshapes);
  }
  const char *in = k->x, *o = out;
  size_t mark = fmnist__onnx_node_begin(k->g, "Flatten", NULL, &in, 1, &o, 1);
  fmnist__onnx_attr_int(k->g, "axis", 1);
  fmnist__onnx_node_end(k->g, mark);
  snprintf(k->x, sizeof k->x, "%s", out);
  k->spatial = 0;
}

/* "<node>.<what>" for a parameter of node `node`. */
static const char *param(char *buf, const char *node, const char *what) {
  snprintf(buf, FMNIST__ONNX_NAME, "%.48s.%.8s", node, what); /* both short */
  return buf;
}

static void conv(walk *k, const fmnist__layer *l, const char *name) {
  const int64_t f = (int64_t)l->out_c, c = (int64_t)l->in_c, ks = (int64_t)l->spec.kernel;
  const int64_t s = (int64_t)l->spec.stride;
  /* Total padding as the layer computes its output size ("same": out =
   * ceil(in / s), pad_t and pad_l before, the rest after; "valid": 0). */
  const int64_t ph = ((int64_t)l->out_h - 1) * s + ks - (int64_t)l->in_h;
  const int64_t pw = ((int64_t)l->out_w - 1) * s + ks - (int64_t)l->in_w;
  const int64_t pt = (int64_t)l->pad_t, pl = (int64_t)l->pad_l;
  const int64_t pads[4] = {pt, pl, l->spec.same && ph > pt ? ph - pt : 0,
                           l->spec.same && pw > pl ? pw - pl : 0};
  char w[FMNIST__ONNX_NAME], b[FMNIST__ONNX_NAME];
  const int64_t w_dims[4] = {f, c, ks, ks}, b_dims[1] = {f};
  fmnist__onnx_init_f32(k->g, param(w, name, "weight"), w_dims, 4, l->w);
  fmnist__onnx_init_f32(k->g, param(b, name, "bias"), b_dims, 1, l->b);
  const char *in[3] = {k->x, w, b};
  size_t mark = fmnist__onnx_node_begin(k->g, "Conv", NULL, in, 3, &name, 1);
  const int64_t kernel[2] = {ks, ks}, strides[2] = {s, s};
  fmnist__onnx_attr_ints(k->g, "kernel_shape", kernel, 2);
  fmnist__onnx_attr_ints(k->g, "strides", strides, 2);
  fmnist__onnx_attr_ints(k->g, "pads", pads, 4);
  fmnist__onnx_node_end(k->g, mark);
}

static void pool(walk *k, const fmnist__layer *l, const char *name) {
  const int64_t p[2] = {(int64_t)l->spec.kernel, (int64_t)l->spec.kernel};
  const char *in = k->x;
  size_t mark = fmnist__onnx_node_begin(k->g, "MaxPool", NULL, &in, 1, &name, 1);
  fmnist__onnx_attr_ints(k->g, "kernel_shape", p, 2);
  fmnist__onnx_attr_ints(k->g, "strides", p, 2);
  fmnist__onnx_node_end(k->g, mark);
}

/* gamma = w, beta = b, running mean and variance = stats[0..C), [C..2C). */
static void batchnorm(walk *k, const fmnist__layer *l, const char *name) {
  const int64_t dims[1] = {(int64_t)l->in_c};
  char sc[FMNIST__ONNX_NAME], b[FMNIST__ONNX_NAME], mean[FMNIST__ONNX_NAME],
      var[FMNIST__ONNX_NAME];
  fmnist__onnx_init_f32(k->g, param(sc, name, "scale"), dims, 1, l->w);
  fmnist__onnx_init_f32(k->g, param(b, name, "bias"), dims, 1, l->b);
  fmnist__onnx_init_f32(k->g, param(mean, name, "mean"), dims, 1, l->stats);
  fmnist__onnx_init_f32(k->g, param(var, name, "var"), dims, 1, l->stats + l->in_c);
  const char *in[5] = {k->x, sc, b, mean, var};
  size_t mark = fmnist__onnx_node_begin(k->g, "BatchNormalization", NULL, in, 5, &name, 1);
  fmnist__onnx_attr_float(k->g, "epsilon", (float)l->spec.eps); /* as the layer adds it */
  fmnist__onnx_node_end(k->g, mark);
}

static void dense(walk *k, const fmnist__layer *l, const char *name) {
  char w[FMNIST__ONNX_NAME], b[FMNIST__ONNX_NAME];
  const int64_t w_dims[2] = {(int64_t)l->out_c, (int64_t)l->in_c}, b_dims[1] = {w_dims[0]};
  fmnist__onnx_init_f32(k->g, param(w, name, "weight"), w_dims, 2, l->w);
  fmnist__onnx_init_f32(k->g, param(b, name, "bias"), b_dims, 1, l->b);
  const char *in[3] = {k->x, w, b};
  size_t mark = fmnist__onnx_node_begin(k->g, "Gemm", NULL, in, 3, &name, 1);
  fmnist__onnx_attr_int(k->g, "transB", 1);
  fmnist__onnx_node_end(k->g, mark);
}

/* Layer l from k->x; its output becomes k->x. */
static void layer(walk *k, const fmnist__layer *l) {
  const fmnist__layer_kind kind = l->spec.kind;
  if (kind == FMNIST__L_NOISE || kind == FMNIST__L_DROP) return;
  char name[FMNIST__ONNX_NAME];
  snprintf(name, sizeof name, "%s%zu", fmnist__layer_name(kind), ++k->seen[kind]);
  switch (kind) {
  case FMNIST__L_CONV:
    to_spatial(k, l->in_c, l->in_h, l->in_w);
    conv(k, l, name);
    break;
  case FMNIST__L_POOL:
    to_spatial(k, l->in_c, l->in_h, l->in_w);
    pool(k, l, name);
    break;
  case FMNIST__L_BN:
    /* per channel: the channels must be axis 1 */
    if (l->in_h * l->in_w > 1) to_spatial(k, l->in_c, l->in_h, l->in_w);
    batchnorm(k, l, name);
    break;
  case FMNIST__L_RELU:
  case FMNIST__L_TANH:
  case FMNIST__L_SIGMOID: {
    static const char *const ops[] = {"Relu", "Tanh", "Sigmoid"};
    const char *in = k->x;
    fmnist__onnx_node(k->g, ops[kind - FMNIST__L_RELU], &in, 1, name);
    break;
  }
  case FMNIST__L_FLATTEN:
    if (!k->spatial) return; /* flat already: the identity */
    to_flat(k, name);
    return;
  case FMNIST__L_DENSE:
    to_flat(k, NULL);
    dense(k, l, name);
    break;
  default: /* noise and dropout returned above */
    return;
  }
  snprintf(k->x, sizeof k->x, "%s", name);
}

fmnist_status fmnist__net_export_onnx(const fmnist_model *m, fmnist__onnx *g) {
  const fmnist__net *net = m->state;
  walk k = {g, "", 0, 0, {0}};
  fmnist__onnx_standardized(g, m, k.x);
  for (size_t i = 0; i < net->n_layers; i++) layer(&k, &net->layers[i]);
  to_flat(&k, NULL);
  fmnist__onnx_end_logits(g, k.x);
  return FMNIST_OK;
}
