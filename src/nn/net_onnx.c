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
 *   res(     nothing: its output is its input, which the block's
 *            branch and its skip path read
 *   add      Add of the branch's output and the skip path's: the
 *            block's input, or its projection (a 1x1 Conv, then a
 *            BatchNormalization where the branch has a bn), which are
 *            layers of the net like the others
 * Values are N x C x H x W where a layer works on planes and N x C after a
 * flatten or a dense layer; a layer that needs the other form gets a
 * Reshape or Flatten first (a conv on a dense layer's output, a dense
 * layer on a conv's 1x1 output, for which the library inserts no
 * flatten), and an Add whose terms come in the two forms (a block on the
 * net's flat input whose branch makes planes) reshapes the flat one. */
#include <stdio.h>

#include "base/alloc.h"
#include "base/status.h"
#include "models/onnx.h"
#include "nn/net_impl.h"

/* A value of the graph: its name and its form. */
typedef struct value {
  char name[FMNIST__ONNX_NAME];
  int spatial; /* N x C x H x W (else N x C) */
} value;

typedef struct walk {
  fmnist__onnx *g;
  value x;                      /* the current layer's input, then output */
  size_t reshapes;              /* Reshape and Flatten nodes added, for names */
  size_t seen[FMNIST__L_KINDS]; /* layers of each kind so far, for names */
} walk;

/* Makes v N x c x h x w (Reshape; the shape is an initializer). */
static void to_spatial(walk *k, value *v, size_t c, size_t h, size_t w) {
  if (v->spatial) return;
  char shape[FMNIST__ONNX_NAME], out[FMNIST__ONNX_NAME];
  k->reshapes++;
  snprintf(shape, sizeof shape, "reshape%zu.shape", k->reshapes);
  snprintf(out, sizeof out, "reshape%zu", k->reshapes);
  const int64_t dims[1] = {4}, to[4] = {-1, (int64_t)c, (int64_t)h, (int64_t)w};
  fmnist__onnx_init_i64(k->g, shape, dims, 1, to);
  const char *in[2] = {v->name, shape};
  fmnist__onnx_node(k->g, "Reshape", in, 2, out);
  snprintf(v->name, sizeof v->name, "%s", out);
  v->spatial = 1;
}

/* Makes x N x C*H*W (Flatten at axis 1: NCHW's order, the library's). */
static void to_flat(walk *k, const char *name) {
  if (!k->x.spatial) return;
  char out[FMNIST__ONNX_NAME];
  if (name) {
    snprintf(out, sizeof out, "%s", name);
  } else {
    k->reshapes++;
    snprintf(out, sizeof out, "reshape%zu", k->reshapes);
  }
  const char *in = k->x.name, *o = out;
  size_t mark = fmnist__onnx_node_begin(k->g, "Flatten", NULL, &in, 1, &o, 1);
  fmnist__onnx_attr_int(k->g, "axis", 1);
  fmnist__onnx_node_end(k->g, mark);
  snprintf(k->x.name, sizeof k->x.name, "%s", out);
  k->x.spatial = 0;
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
  const char *in[3] = {k->x.name, w, b};
  size_t mark = fmnist__onnx_node_begin(k->g, "Conv", NULL, in, 3, &name, 1);
  const int64_t kernel[2] = {ks, ks}, strides[2] = {s, s};
  fmnist__onnx_attr_ints(k->g, "kernel_shape", kernel, 2);
  fmnist__onnx_attr_ints(k->g, "strides", strides, 2);
  fmnist__onnx_attr_ints(k->g, "pads", pads, 4);
  fmnist__onnx_node_end(k->g, mark);
}

static void pool(walk *k, const fmnist__layer *l, const char *name) {
  const int64_t p[2] = {(int64_t)l->spec.kernel, (int64_t)l->spec.kernel};
  const char *in = k->x.name;
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
  const char *in[5] = {k->x.name, sc, b, mean, var};
  size_t mark = fmnist__onnx_node_begin(k->g, "BatchNormalization", NULL, in, 5, &name, 1);
  fmnist__onnx_attr_float(k->g, "epsilon", (float)l->spec.eps); /* as the layer adds it */
  fmnist__onnx_node_end(k->g, mark);
}

static void dense(walk *k, const fmnist__layer *l, const char *name) {
  char w[FMNIST__ONNX_NAME], b[FMNIST__ONNX_NAME];
  const int64_t w_dims[2] = {(int64_t)l->out_c, (int64_t)l->in_c}, b_dims[1] = {w_dims[0]};
  fmnist__onnx_init_f32(k->g, param(w, name, "weight"), w_dims, 2, l->w);
  fmnist__onnx_init_f32(k->g, param(b, name, "bias"), b_dims, 1, l->b);
  const char *in[3] = {k->x.name, w, b};
  size_t mark = fmnist__onnx_node_begin(k->g, "Gemm", NULL, in, 3, &name, 1);
  fmnist__onnx_attr_int(k->g, "transB", 1);
  fmnist__onnx_node_end(k->g, mark);
}

/* The sum of a block's two paths, a and b, of one shape (l's input):
 * if one is flat and the other planes, both as planes. */
static void add(walk *k, const fmnist__layer *l, value a, value b, const char *name) {
  if (a.spatial != b.spatial) {
    to_spatial(k, &a, l->in_c, l->in_h, l->in_w);
    to_spatial(k, &b, l->in_c, l->in_h, l->in_w);
  }
  const char *in[2] = {a.name, b.name};
  fmnist__onnx_node(k->g, "Add", in, 2, name);
  k->x.spatial = a.spatial;
}

/* Layer l, reading k->x; its output becomes k->x. vals: the net's input
 * and the outputs of the layers before l (vals[j] is what a `from` of j
 * reads), for an add's second term. */
static void layer(walk *k, const fmnist__layer *l, const value *vals) {
  const fmnist__layer_kind kind = l->spec.kind;
  if (kind == FMNIST__L_NOISE || kind == FMNIST__L_DROP || kind == FMNIST__L_RES) return;
  char name[FMNIST__ONNX_NAME];
  snprintf(name, sizeof name, "%s%zu", fmnist__layer_name(kind), ++k->seen[kind]);
  switch (kind) {
  case FMNIST__L_CONV:
    to_spatial(k, &k->x, l->in_c, l->in_h, l->in_w);
    conv(k, l, name);
    break;
  case FMNIST__L_POOL:
    to_spatial(k, &k->x, l->in_c, l->in_h, l->in_w);
    pool(k, l, name);
    break;
  case FMNIST__L_BN:
    /* per channel: the channels must be axis 1 */
    if (l->in_h * l->in_w > 1) to_spatial(k, &k->x, l->in_c, l->in_h, l->in_w);
    batchnorm(k, l, name);
    break;
  case FMNIST__L_RELU:
  case FMNIST__L_TANH:
  case FMNIST__L_SIGMOID: {
    static const char *const ops[] = {"Relu", "Tanh", "Sigmoid"};
    const char *in = k->x.name;
    fmnist__onnx_node(k->g, ops[kind - FMNIST__L_RELU], &in, 1, name);
    break;
  }
  case FMNIST__L_FLATTEN:
    if (!k->x.spatial) return; /* flat already: the identity */
    to_flat(k, name);
    return;
  case FMNIST__L_DENSE:
    to_flat(k, NULL);
    dense(k, l, name);
    break;
  case FMNIST__L_ADD:
    add(k, l, k->x, vals[l->add_from], name);
    break;
  default: /* noise, dropout and res( returned above */
    return;
  }
  snprintf(k->x.name, sizeof k->x.name, "%s", name);
}

fmnist_status fmnist__net_export_onnx(const fmnist_model *m, fmnist__onnx *g) {
  const fmnist__net *net = m->state;
  value *vals = fmnist__calloc(net->n_layers + 1, sizeof *vals);
  if (!vals) return fmnist__fail(FMNIST_E_NOMEM, "net: out of memory for the ONNX graph");
  walk k = {g, {"", 0}, 0, {0}};
  fmnist__onnx_standardized(g, m, vals[0].name);
  for (size_t i = 0; i < net->n_layers; i++) {
    k.x = vals[net->layers[i].from];
    layer(&k, &net->layers[i], vals);
    vals[i + 1] = k.x;
  }
  k.x = vals[net->n_layers];
  fmnist__free(vals);
  to_flat(&k, NULL);
  fmnist__onnx_end_logits(g, k.x.name);
  return FMNIST_OK;
}
