/* ONNX export (fmnist_model_export_onnx): the files are decoded here with
 * a small protobuf reader and checked for structure: the documented IR
 * version, operator sets, inputs and outputs; every node's inputs defined
 * before it (the graph's input, an initializer or an earlier node) and
 * every value defined once; every initializer's data the size its dims
 * say; the operators each family and each layer kind becomes, on odd
 * shapes (every layer kind, odd channel counts, asymmetric "same"
 * padding, a conv on a dense layer's output, residual blocks with an
 * identity skip, a projection of stride 2 and odd channels, blocks of
 * dense layers and on the flat input, a forest of single-leaf trees); the
 * net's parameters in the graph are the model's own (the averaged ones
 * with ema_decay); test-time augmentation's views, worked out from the
 * graph's Pad and Slice nodes, against the documented views made here;
 * an ensemble's members in scopes of their own, nested ensembles. Error
 * paths: unfitted, knn (alone or as an ensemble member), bad path, small
 * buffer. (make onnx-check runs the files in ONNX Runtime.) */
#include <stdio.h>
#include <string.h>

#include <fmnist.h>

#include "testutil.h"

/* ---- a protobuf reader, enough for onnx.proto ---- */

typedef struct pb {
  const uint8_t *p, *end;
} pb;

static uint64_t varint(pb *b) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    ck_assert(b->p < b->end && shift < 64);
    uint8_t byte = *b->p++;
    v |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return v;
  }
}

/* One field of b: its number, and its value (varint or fixed32 in *v, a
 * length-delimited one in *sub). 0 at the end of b. */
static int field(pb *b, uint32_t *num, uint64_t *v, pb *sub) {
  if (b->p == b->end) return 0;
  uint64_t key = varint(b);
  *num = (uint32_t)(key >> 3);
  switch (key & 7) {
  case 0: *v = varint(b); break;
  case 5:
    ck_assert(b->end - b->p >= 4);
    *v = (uint64_t)b->p[0] | (uint64_t)b->p[1] << 8 | (uint64_t)b->p[2] << 16 |
         (uint64_t)b->p[3] << 24;
    b->p += 4;
    break;
  case 2: {
    uint64_t n = varint(b);
    ck_assert(n <= (uint64_t)(b->end - b->p));
    *sub = (pb){b->p, b->p + n};
    b->p += n;
    break;
  }
  default: ck_abort_msg("wire type %d", (int)(key & 7));
  }
  return 1;
}

static void text(const pb *s, char *out, size_t cap) {
  size_t n = (size_t)(s->end - s->p);
  ck_assert_uint_lt(n, cap);
  memcpy(out, s->p, n);
  out[n] = '\0';
}

enum { MAX_NODES = 256, MAX_IO = 6, NAME = 64 };

typedef struct node {
  char op[32], domain[16], in[MAX_IO][NAME], out[2][NAME];
  size_t nin, nout;
  pb attr[24];
  size_t nattr;
} node;

typedef struct init {
  char name[NAME];
  int64_t dims[4];
  size_t ndims;
  int type;
  pb raw;
} init;

typedef struct graph {
  uint8_t *bytes; /* the model; the fields below point into it */
  int64_t ir;
  int64_t opset, ml_opset; /* ai.onnx, ai.onnx.ml (0: not imported) */
  node nodes[MAX_NODES];
  size_t nnodes;
  init inits[MAX_NODES];
  size_t ninits;
  char input[NAME], outputs[2][NAME];
  size_t noutputs;
  int batch_symbolic; /* the input's first dim is "N" */
} graph;

static void read_node(pb b, node *n) {
  uint32_t f;
  uint64_t v;
  pb s;
  while (field(&b, &f, &v, &s)) {
    if (f == 1) text(&s, n->in[n->nin++], NAME);
    else if (f == 2) text(&s, n->out[n->nout++], NAME);
    else if (f == 4) text(&s, n->op, sizeof n->op);
    else if (f == 7) text(&s, n->domain, sizeof n->domain);
    else if (f == 5) n->attr[n->nattr++] = s;
    ck_assert(n->nin <= MAX_IO && n->nout <= 2 && n->nattr < 24);
  }
}

static void read_init(pb b, init *t) {
  uint32_t f;
  uint64_t v;
  pb s;
  while (field(&b, &f, &v, &s)) {
    if (f == 1) t->dims[t->ndims++] = (int64_t)v;
    else if (f == 2) t->type = (int)v;
    else if (f == 8) text(&s, t->name, NAME);
    else if (f == 9) t->raw = s;
  }
}

/* The name of a ValueInfoProto; *symbolic: its first dim is "N". */
static void read_value(pb b, char *name, int *symbolic) {
  uint32_t f;
  uint64_t v;
  pb s, tensor, shape, dim, d;
  while (field(&b, &f, &v, &s)) {
    if (f == 1) text(&s, name, NAME);
    if (f != 2 || !symbolic) continue;
    ck_assert(field(&s, &f, &v, &tensor) && f == 1); /* TypeProto.tensor_type */
    while (field(&tensor, &f, &v, &shape)) {
      if (f != 2) continue;
      ck_assert(field(&shape, &f, &v, &dim) && f == 1); /* the first dim */
      ck_assert(field(&dim, &f, &v, &d));
      char param[8];
      if (f == 2) {
        text(&d, param, sizeof param);
        *symbolic = !strcmp(param, "N");
      }
    }
  }
}

static void read_model(uint8_t *data, size_t len, graph *g) {
  memset(g, 0, sizeof *g);
  g->bytes = data;
  pb b = {data, data + len}, s, gb = {NULL, NULL};
  uint32_t f;
  uint64_t v;
  while (field(&b, &f, &v, &s)) {
    if (f == 1) g->ir = (int64_t)v;
    if (f == 7) gb = s;
    if (f == 8) { /* OperatorSetIdProto */
      char domain[16] = "";
      int64_t version = 0;
      pb o;
      while (field(&s, &f, &v, &o)) {
        if (f == 1) text(&o, domain, sizeof domain);
        if (f == 2) version = (int64_t)v;
      }
      if (!domain[0]) g->opset = version;
      else if (!strcmp(domain, "ai.onnx.ml")) g->ml_opset = version;
      else ck_abort_msg("operator set %s", domain);
    }
  }
  ck_assert_ptr_nonnull(gb.p);
  while (field(&gb, &f, &v, &s)) {
    if (f == 1) read_node(s, &g->nodes[g->nnodes++]);
    else if (f == 5) read_init(s, &g->inits[g->ninits++]);
    else if (f == 11) read_value(s, g->input, &g->batch_symbolic);
    else if (f == 12) read_value(s, g->outputs[g->noutputs++], NULL);
    ck_assert(g->nnodes < MAX_NODES && g->ninits < MAX_NODES && g->noutputs <= 2);
  }
}

/* Attribute `name` of n: its ints (packed) into out, their number. */
static size_t attr_ints(const node *n, const char *name, int64_t *out, size_t cap) {
  for (size_t a = 0; a < n->nattr; a++) {
    pb b = n->attr[a], s, p;
    uint32_t f;
    uint64_t v;
    char key[NAME] = "";
    size_t count = 0;
    int found = 0;
    while (field(&b, &f, &v, &s)) {
      if (f == 1) text(&s, key, NAME);
      if (f == 8) {
        found = 1;
        p = s;
        while (p.p < p.end) {
          uint64_t x = varint(&p);
          if (count < cap) out[count] = (int64_t)x;
          count++;
        }
      }
    }
    if (found && !strcmp(key, name)) return count;
  }
  return 0;
}

static const init *find_init(const graph *g, const char *name) {
  for (size_t i = 0; i < g->ninits; i++)
    if (!strcmp(g->inits[i].name, name)) return &g->inits[i];
  return NULL;
}

/* The structure every export has (model.h): IR 8, ai.onnx 17 (and
 * ai.onnx.ml 3 where used), input "images" [N, 784], outputs
 * "probabilities" and "label"; every node input defined before it; every
 * initializer's bytes matching its dims. */
static void check_structure(const graph *g, int ml) {
  ck_assert_int_eq(g->ir, 8);
  ck_assert_int_eq(g->opset, 17);
  ck_assert_int_eq(g->ml_opset, ml ? 3 : 0);
  ck_assert_str_eq(g->input, "images");
  ck_assert(g->batch_symbolic);
  ck_assert_uint_eq(g->noutputs, 2);
  ck_assert_str_eq(g->outputs[0], "probabilities");
  ck_assert_str_eq(g->outputs[1], "label");
  for (size_t i = 0; i < g->ninits; i++) {
    const init *t = &g->inits[i];
    int64_t n = 1;
    for (size_t d = 0; d < t->ndims; d++) n *= t->dims[d];
    ck_assert_msg(t->type == 1 || t->type == 7, "%s: type %d", t->name, t->type);
    ck_assert_int_eq(t->raw.end - t->raw.p, n * (t->type == 1 ? 4 : 8));
  }
  for (size_t i = 0; i < g->ninits; i++)
    for (size_t j = 0; j < i; j++) ck_assert_str_ne(g->inits[i].name, g->inits[j].name);
  for (size_t i = 0; i < g->nnodes; i++) {
    const node *n = &g->nodes[i];
    for (size_t o = 0; o < n->nout; o++) { /* defined once: parts never clash */
      ck_assert_msg(!find_init(g, n->out[o]) && strcmp(n->out[o], "images"), "%s", n->out[o]);
      for (size_t j = 0; j < i; j++)
        for (size_t q = 0; q < g->nodes[j].nout; q++)
          ck_assert_str_ne(g->nodes[j].out[q], n->out[o]);
    }
    for (size_t k = 0; k < n->nin; k++) {
      int known = !strcmp(n->in[k], "images") || find_init(g, n->in[k]);
      for (size_t j = 0; j < i && !known; j++)
        known = !strcmp(g->nodes[j].out[0], n->in[k]) ||
                (g->nodes[j].nout > 1 && !strcmp(g->nodes[j].out[1], n->in[k]));
      ck_assert_msg(known, "node %zu (%s): input %s is not defined before it", i, n->op,
                    n->in[k]);
    }
  }
  ck_assert_str_eq(g->nodes[g->nnodes - 1].op, "ArgMax");
  ck_assert_str_eq(g->nodes[g->nnodes - 1].out[0], "label");
}

/* The op types of g's nodes, space-separated. */
static void ops_of(const graph *g, char *out, size_t cap) {
  out[0] = '\0';
  for (size_t i = 0; i < g->nnodes; i++) {
    ck_assert_uint_lt(strlen(out) + strlen(g->nodes[i].op) + 2, cap);
    if (i) strcat(out, " ");
    strcat(out, g->nodes[i].op);
  }
}

/* ---- exports ---- */

/* A fitted model of family with options, on 60 stripes images. */
static fmnist_model *fitted(const char *family, const char *options, size_t n) {
  fmnist_dataset *ds = fmnist_test_stripes(n, 7);
  fmnist_model *m;
  ck_assert_int_eq(fmnist_model_create(family, &m), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set_options(m, options), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  fmnist_dataset_free(ds);
  return m;
}

/* m's ONNX model (the buffer call agrees with the file), decoded and
 * checked: its structure (ml: with ai.onnx.ml) and its operators, ops.
 * Free with graph_free. */
static graph *exported(const fmnist_model *m, int ml, const char *ops) {
  size_t len, again = 0;
  ck_assert_int_eq(fmnist_model_export_onnx_buffer(m, NULL, 0, &len), FMNIST_OK);
  uint8_t *bytes = malloc(len);
  ck_assert_int_eq(fmnist_model_export_onnx_buffer(m, bytes, len, &again), FMNIST_OK);
  ck_assert_uint_eq(again, len);
  const char *path = fmnist_test_write("model.onnx", "", 0);
  ck_assert_int_eq(fmnist_model_export_onnx(m, path), FMNIST_OK);
  FILE *f = fopen(path, "rb");
  uint8_t *file = malloc(len + 1);
  ck_assert_uint_eq(fread(file, 1, len + 1, f), len);
  fclose(f);
  ck_assert(memcmp(file, bytes, len) == 0);
  free(file);
  graph *g = malloc(sizeof *g);
  read_model(bytes, len, g);
  check_structure(g, ml);
  char got[2048];
  ops_of(g, got, sizeof got);
  ck_assert_str_eq(got, ops);
  return g;
}

static void graph_free(graph *g) {
  free(g->bytes);
  free(g);
}

/* Nets of odd shapes (options, then the layers) and the operators they
 * become. Same padding with stride 2 on 28x28 (3x3: out 14, one padded
 * row, at the bottom). */
static const struct {
  const char *options, *ops;
  int64_t pads[4]; /* of the first Conv */
} nets[] = {
    {"layers=conv:3:3:2:same bn relu pool:2 dense:10",
     "Cast Sub Mul Reshape Conv BatchNormalization Relu MaxPool Flatten Gemm Softmax ArgMax",
     {0, 0, 1, 1}},
    {"layers=noise:0.2 conv:5:4:1:same tanh drop:0.5 conv:7:3:3:valid sigmoid pool:3 flatten "
     "dense:9 bn relu drop:0.1 dense:10",
     "Cast Sub Mul Reshape Conv Tanh Conv Sigmoid MaxPool Flatten Gemm BatchNormalization Relu "
     "Gemm Softmax ArgMax",
     {1, 1, 2, 2}},
    /* a dense layer first (flat already), a conv on its output, a dense
     * layer on the conv's 1x1 output */
    {"layers=dense:7 sigmoid conv:2:1 relu dense:10",
     "Cast Sub Mul Gemm Sigmoid Reshape Conv Relu Flatten Gemm Softmax ArgMax",
     {0, 0, 0, 0}},
    {"layers=flatten dense:10", "Cast Sub Mul Gemm Softmax ArgMax", {0, 0, 0, 0}},
    /* residual blocks (they do not nest): an identity skip, res( itself
     * no node */
    {"layers=conv:4:3 bn relu res( conv:4:3 bn relu conv:4:3 bn ) relu pool:2 dense:10",
     "Cast Sub Mul Reshape Conv BatchNormalization Relu Conv BatchNormalization Relu Conv "
     "BatchNormalization Add Relu MaxPool Flatten Gemm Softmax ArgMax",
     {1, 1, 1, 1}},
    /* a projection of stride 2 to odd channels: 1x1 Conv and bn after the
     * branch (test_res_projection looks closer) */
    {"layers=conv:3:3 relu res( conv:5:3:2 bn relu conv:5:3 bn ) relu dense:10",
     "Cast Sub Mul Reshape Conv Relu Conv BatchNormalization Relu Conv BatchNormalization Conv "
     "BatchNormalization Add Relu Flatten Gemm Softmax ArgMax",
     {1, 1, 1, 1}},
    /* a block on the net's flat input whose branch makes planes (the skip
     * reshaped to them), then a block of dense layers: its projection a
     * 1x1 Conv without bn on the features as 12x1x1 */
    {"layers=res( conv:1:3 tanh ) dense:12 res( dense:7 relu ) dense:10",
     "Cast Sub Mul Reshape Conv Tanh Reshape Add Flatten Gemm Gemm Relu Reshape Conv Reshape Add "
     "Flatten Gemm Softmax ArgMax",
     {1, 1, 1, 1}},
    /* averaged weights (the graph's parameters are the model's, the
     * average); a block of a pool alone (projection stride 2, no bn) */
    {"ema_decay=0.9 layers=conv:4:3:2 res( pool:2 ) res( conv:6:3 bn ) dense:10",
     "Cast Sub Mul Reshape Conv MaxPool Conv Add Conv BatchNormalization Conv BatchNormalization "
     "Add Flatten Gemm Softmax ArgMax",
     {0, 0, 1, 1}},
};

/* The net of row i, fitted briefly. */
static fmnist_model *net_of(size_t i) {
  char options[512];
  snprintf(options, sizeof options, "epochs=1 batch=16 %s", nets[i].options);
  return fitted("net", options, 40);
}

START_TEST(test_net_shapes) {
  fmnist_model *m = net_of((size_t)_i);
  graph *g = exported(m, 0, nets[_i].ops);
  for (size_t i = 0; i < g->nnodes; i++) {
    if (strcmp(g->nodes[i].op, "Conv")) continue;
    int64_t pads[4];
    ck_assert_uint_eq(attr_ints(&g->nodes[i], "pads", pads, 4), 4);
    for (int k = 0; k < 4; k++) ck_assert_int_eq(pads[k], nets[_i].pads[k]);
    break;
  }
  /* The graph's weights, biases, and bn scales and shifts, in order, are
   * the model's parameters (fmnist_net_parameters' order). */
  size_t count;
  ck_assert_int_eq(fmnist_net_parameters(m, NULL, 0, &count), FMNIST_OK);
  float *params = malloc(count * sizeof *params);
  ck_assert_int_eq(fmnist_net_parameters(m, params, count, &count), FMNIST_OK);
  size_t at = 0;
  for (size_t i = 0; i < g->ninits; i++) {
    const init *t = &g->inits[i];
    const char *dot = strrchr(t->name, '.');
    if (!dot || t->type != 1 ||
        (strcmp(dot, ".weight") && strcmp(dot, ".bias") && strcmp(dot, ".scale")))
      continue;
    size_t n = (size_t)(t->raw.end - t->raw.p) / 4;
    ck_assert_uint_le(at + n, count);
    ck_assert_msg(memcmp(t->raw.p, params + at, n * 4) == 0, "%s", t->name);
    at += n;
  }
  ck_assert_uint_eq(at, count);
  /* The standardization: the model's mean and 1/std as initializers. */
  ck_assert_ptr_nonnull(find_init(g, "mean"));
  ck_assert_ptr_nonnull(find_init(g, "inv_std"));
  free(params);
  graph_free(g);
  fmnist_model_free(m);
}
END_TEST

static const node *find_node(const graph *g, const char *out) {
  for (size_t i = 0; i < g->nnodes; i++)
    if (!strcmp(g->nodes[i].out[0], out)) return &g->nodes[i];
  ck_abort_msg("no node makes %s", out);
  return NULL;
}

/* The int64 values of initializer `name` into out (cap), their number. */
static size_t init_ints(const graph *g, const char *name, int64_t *out, size_t cap) {
  const init *t = find_init(g, name);
  ck_assert_msg(t && t->type == 7, "%s", name);
  const size_t n = (size_t)(t->raw.end - t->raw.p) / 8;
  ck_assert_uint_le(n, cap);
  memcpy(out, t->raw.p, n * 8); /* little-endian, as this machine */
  return n;
}

/* A block whose branch changes the shape (nets' row 5): its skip is a
 * projection, a 1x1 Conv of stride 2 from the block's input (5 of 3
 * channels), then a bn; the Add sums the branch's last bn and the
 * projection's. */
START_TEST(test_res_projection) {
  fmnist_model *m = net_of(5);
  graph *g = exported(m, 0, nets[5].ops);
  ck_assert_str_eq(find_node(g, "conv2")->in[0], "relu1"); /* the branch reads the input */
  const node *proj = find_node(g, "conv4");
  ck_assert_str_eq(proj->in[0], "relu1");
  int64_t v[4];
  ck_assert_uint_eq(attr_ints(proj, "kernel_shape", v, 4), 2);
  ck_assert(v[0] == 1 && v[1] == 1);
  ck_assert_uint_eq(attr_ints(proj, "strides", v, 4), 2);
  ck_assert(v[0] == 2 && v[1] == 2);
  ck_assert_uint_eq(attr_ints(proj, "pads", v, 4), 4); /* 14 = ceil(28 / 2): none */
  for (int k = 0; k < 4; k++) ck_assert_int_eq(v[k], 0);
  const init *w = find_init(g, "conv4.weight");
  ck_assert_ptr_nonnull(w);
  ck_assert(w->ndims == 4 && w->dims[0] == 5 && w->dims[1] == 3 && w->dims[2] == 1 &&
            w->dims[3] == 1);
  ck_assert_str_eq(find_node(g, "bn3")->in[0], "conv4");
  const node *add = find_node(g, "add1");
  ck_assert_uint_eq(add->nin, 2);
  ck_assert_str_eq(add->in[0], "bn2");
  ck_assert_str_eq(add->in[1], "bn3");
  graph_free(g);
  fmnist_model_free(m);
}
END_TEST

/* ---- test-time augmentation ---- */

/* The views of the level flip_shift, as fmnist/model.h documents them:
 * (mirrored, moved right, moved down). */
static const int tta_views[6][3] = {{0, 0, 0},  {1, 0, 0}, {0, -1, -1},
                                    {1, -1, -1}, {0, 1, 1}, {1, 1, 1}};

/* The documented view v of img: mirrored left-right if v[0], then moved
 * by (v[1], v[2]), the uncovered pixels 0. */
static void want_view(const int v[3], const uint8_t *img, uint8_t *out) {
  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 28; x++) {
      const int sy = y - v[2], sx = x - v[1];
      out[y * 28 + x] = sy < 0 || sy > 27 || sx < 0 || sx > 27
                            ? 0
                            : img[sy * 28 + (v[0] ? 27 - sx : sx)];
    }
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* The first index and count Slice takes along an axis of length dim
 * (onnx.ai Slice: negative starts and ends count from the end, then
 * clamp to [0, dim], or [0, dim - 1] and [-1, dim - 1] going backwards). */
static void slice_axis(int64_t start, int64_t end, int64_t step, int64_t dim, int64_t *first,
                       int64_t *count) {
  if (start < 0) start += dim;
  if (end < 0) end = end < -dim ? -1 : end + dim;
  if (step > 0) {
    start = clamp(start, 0, dim);
    end = clamp(end, 0, dim);
    *count = end > start ? (end - start + step - 1) / step : 0;
  } else {
    start = clamp(start, 0, dim - 1);
    end = clamp(end, -1, dim - 1);
    *count = start > end ? (start - end - step - 1) / -step : 0;
  }
  *first = start;
}

/* A logistic regression with tta flip_shift: the views from the graph's
 * own Pad and Slice parameters, applied to an image here, are the
 * documented views in their order (Concat: the images, then view1...),
 * one body on them (part "views"), and the mean over the six. At flip:
 * no Pad (nothing moves). */
START_TEST(test_tta) {
  fmnist_model *m = fitted("logreg", "max_iter=3 tta=flip_shift", 60);
  graph *g = exported(m, 0, "Reshape Pad Slice Reshape Slice Reshape Slice Reshape Slice Reshape "
                            "Slice Reshape Concat Identity Cast Sub Mul Gemm Softmax Reshape "
                            "ReduceMean ArgMax");
  uint8_t img[784], got[784], want[784];
  for (int p = 0; p < 784; p++) img[p] = (uint8_t)(1 + (p * 37) % 251); /* no 0: the border shows */
  int64_t pads[6], starts[2], ends[2], axes[2], steps[2], shape[3];
  ck_assert_uint_eq(init_ints(g, "padded.pads", pads, 6), 6);
  const int64_t p = pads[1], dim = 28 + 2 * p;
  ck_assert_int_eq(p, 1);
  const node *concat = find_node(g, "views");
  ck_assert_uint_eq(concat->nin, 6);
  ck_assert_str_eq(concat->in[0], "images");
  for (int k = 1; k < 6; k++) {
    char name[NAME];
    snprintf(name, sizeof name, "view%d", k);
    ck_assert_str_eq(concat->in[k], name);
    snprintf(name, sizeof name, "view%d.planes", k);
    const node *slice = find_node(g, name);
    ck_assert_str_eq(slice->in[0], "padded");
    ck_assert_uint_eq(init_ints(g, slice->in[1], starts, 2), 2);
    ck_assert_uint_eq(init_ints(g, slice->in[2], ends, 2), 2);
    ck_assert_uint_eq(init_ints(g, slice->in[3], axes, 2), 2);
    ck_assert_uint_eq(init_ints(g, slice->in[4], steps, 2), 2);
    ck_assert(axes[0] == 1 && axes[1] == 2);
    int64_t row0, rows, col0, cols;
    slice_axis(starts[0], ends[0], steps[0], dim, &row0, &rows);
    slice_axis(starts[1], ends[1], steps[1], dim, &col0, &cols);
    ck_assert(rows == 28 && cols == 28);
    for (int64_t y = 0; y < 28; y++)
      for (int64_t x = 0; x < 28; x++) {
        const int64_t py = row0 + y * steps[0] - p, px = col0 + x * steps[1] - p;
        got[y * 28 + x] = py < 0 || py > 27 || px < 0 || px > 27 ? 0 : img[py * 28 + px];
      }
    want_view(tta_views[k], img, want);
    ck_assert_msg(memcmp(got, want, 784) == 0, "view %d", k);
  }
  ck_assert_str_eq(find_node(g, "views/images")->in[0], "views");
  ck_assert_ptr_nonnull(find_init(g, "views/weight"));
  ck_assert_uint_eq(init_ints(g, "by_view.shape", shape, 3), 3);
  ck_assert(shape[0] == 6 && shape[1] == -1 && shape[2] == 10);
  ck_assert_str_eq(find_node(g, "by_view")->in[0], "views/probabilities");
  ck_assert_str_eq(find_node(g, "probabilities")->op, "ReduceMean");
  graph_free(g);
  ck_assert_int_eq(fmnist_model_set(m, "tta", "flip"), FMNIST_OK);
  g = exported(m, 0, "Reshape Slice Reshape Concat Identity Cast Sub Mul Gemm Softmax Reshape "
                     "ReduceMean ArgMax");
  ck_assert_str_eq(find_node(g, "view1.planes")->in[0], "planes");
  graph_free(g);
  fmnist_model_free(m);
}
END_TEST

/* ---- ensembles ---- */

/* An ensemble of a logistic regression (global standardization) and a
 * forest: each member a part of its own ("m0/", "m1/") with its own
 * standardization, their probabilities added in order and divided by 2.
 * Nested in another ensemble beside a member with tta: scopes nest
 * ("m0/m1/"), and a member's views stay inside its scope. */
START_TEST(test_ensemble) {
  fmnist_model *lr = fitted("logreg", "max_iter=3 standardize=global", 60);
  fmnist_model *rf = fitted("forest", "n_trees=2 max_depth=3", 60);
  const fmnist_model *pair[2] = {lr, rf};
  fmnist_model *e, *outer;
  ck_assert_int_eq(fmnist_ensemble_create(pair, 2, &e), FMNIST_OK);
  graph *g = exported(e, 1, "Identity Cast Sub Mul Gemm Softmax Identity Cast "
                            "TreeEnsembleClassifier Div Add Div ArgMax");
  ck_assert_str_eq(find_node(g, "m0/images")->in[0], "images");
  ck_assert_str_eq(find_node(g, "m1/images")->in[0], "images");
  const init *mean = find_init(g, "m0/mean");
  ck_assert_ptr_nonnull(mean);
  float first, other;
  memcpy(&first, mean->raw.p, 4);
  memcpy(&other, mean->raw.p + 4 * 400, 4);
  ck_assert(first == other); /* the member's global standardization */
  ck_assert_ptr_nonnull(find_init(g, "m1/trees"));
  const node *sum = find_node(g, "sum1");
  ck_assert_str_eq(sum->in[0], "m0/probabilities");
  ck_assert_str_eq(sum->in[1], "m1/probabilities");
  const node *div = find_node(g, "probabilities");
  ck_assert_str_eq(div->in[0], "sum1");
  float count;
  memcpy(&count, find_init(g, div->in[1])->raw.p, 4);
  ck_assert(count == 2.0f);
  graph_free(g);
  ck_assert_int_eq(fmnist_model_set(lr, "tta", "flip"), FMNIST_OK);
  const fmnist_model *nest[2] = {lr, e};
  ck_assert_int_eq(fmnist_ensemble_create(nest, 2, &outer), FMNIST_OK);
  g = exported(outer, 1, "Identity Reshape Slice Reshape Concat Identity Cast Sub Mul Gemm "
                         "Softmax Reshape ReduceMean Identity Identity Cast Sub Mul Gemm Softmax "
                         "Identity Cast TreeEnsembleClassifier Div Add Div Add Div ArgMax");
  ck_assert_str_eq(find_node(g, "m0/view1.planes")->in[0], "m0/planes");
  ck_assert_ptr_nonnull(find_init(g, "m0/views/weight"));
  ck_assert_str_eq(find_node(g, "m1/m0/images")->in[0], "m1/images");
  ck_assert_ptr_nonnull(find_init(g, "m1/m1/trees"));
  ck_assert_str_eq(find_node(g, "m1/probabilities")->in[0], "m1/sum1");
  ck_assert_str_eq(find_node(g, "sum1")->in[1], "m1/probabilities");
  graph_free(g);
  fmnist_model_free(outer);
  fmnist_model_free(e);
  fmnist_model_free(rf);
  fmnist_model_free(lr);
}
END_TEST

START_TEST(test_logreg) {
  fmnist_model *m = fitted("logreg", "max_iter=3", 60);
  graph *g = exported(m, 0, "Cast Sub Mul Gemm Softmax ArgMax");
  const init *w = find_init(g, "weight");
  ck_assert_ptr_nonnull(w);
  ck_assert_uint_eq(w->ndims, 2);
  ck_assert_int_eq(w->dims[0], FMNIST_PIXELS);
  ck_assert_int_eq(w->dims[1], FMNIST_CLASSES);
  graph_free(g);
  fmnist_model_free(m);
}
END_TEST

/* A forest of one image: every tree a single leaf of that image's class;
 * and a forest of real splits: branch nodes "BRANCH_LEQ" with whole
 * thresholds, one class weight per pure leaf. */
START_TEST(test_forest) {
  const char *setups[2] = {"n_trees=3", "n_trees=4 max_depth=5"};
  for (int k = 0; k < 2; k++) {
    fmnist_model *m = fitted("forest", setups[k], k == 0 ? 1 : 60);
    graph *g = exported(m, 1, "Cast TreeEnsembleClassifier Div ArgMax");
    const node *t = &g->nodes[1];
    ck_assert_str_eq(t->domain, "ai.onnx.ml");
    static int64_t trees[4096], ids[4096], truen[4096], classes[4096];
    size_t nodes = attr_ints(t, "nodes_treeids", trees, 4096);
    ck_assert_uint_eq(attr_ints(t, "nodes_nodeids", ids, 4096), nodes);
    ck_assert_uint_eq(attr_ints(t, "nodes_truenodeids", truen, 4096), nodes);
    ck_assert_uint_le(nodes, 4096);
    size_t weights = attr_ints(t, "class_ids", classes, 4096);
    if (k == 0) {
      ck_assert_uint_eq(nodes, 3); /* three trees of one leaf */
      for (int i = 0; i < 3; i++) ck_assert_int_eq(trees[i], i);
      ck_assert_uint_eq(weights, 3);
      for (int i = 0; i < 3; i++) ck_assert_int_eq(classes[i], 0); /* image 0: class 0 */
    } else {
      ck_assert_uint_gt(nodes, 4);
      for (size_t i = 1; i < nodes; i++) /* trees in order, node ids counting */
        ck_assert(trees[i] == trees[i - 1] ? ids[i] == ids[i - 1] + 1 : ids[i] == 0);
    }
    const init *div = find_init(g, "trees");
    ck_assert_ptr_nonnull(div);
    ck_assert_uint_eq(div->ndims, 0); /* a scalar: the number of trees */
    float n;
    memcpy(&n, div->raw.p, 4);
    ck_assert(n == (k == 0 ? 3.0f : 4.0f));
    graph_free(g);
    fmnist_model_free(m);
  }
}
END_TEST

START_TEST(test_errors) {
  fmnist_model *m;
  size_t size = 7;
  ck_assert_int_eq(fmnist_model_create("logreg", &m), FMNIST_OK);
  const char *path = fmnist_test_write("unfitted.onnx", "", 0);
  ck_assert_int_eq(fmnist_model_export_onnx(m, path), FMNIST_E_STATE);
  ck_assert_int_eq(fmnist_model_export_onnx_buffer(m, NULL, 0, &size), FMNIST_E_STATE);
  ck_assert_uint_eq(size, 7);
  fmnist_model_free(m);
  m = fitted("knn", "k=1", 20);
  ck_assert_int_eq(fmnist_model_export_onnx_buffer(m, NULL, 0, &size), FMNIST_E_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "a knn model has no ONNX export "
                                                    "(logreg, forest, net or ensemble do)"));
  ck_assert_int_eq(fmnist_model_export_onnx(m, path), FMNIST_E_UNSUPPORTED);
  ck_assert_str_eq(fmnist_status_name(FMNIST_E_UNSUPPORTED), "E_UNSUPPORTED");
  /* in an ensemble, in an ensemble: the message says where */
  fmnist_model *lr = fitted("logreg", "max_iter=2", 20), *e, *outer;
  const fmnist_model *pair[2] = {lr, m};
  ck_assert_int_eq(fmnist_ensemble_create(pair, 2, &e), FMNIST_OK);
  const fmnist_model *one = e;
  ck_assert_int_eq(fmnist_ensemble_create(&one, 1, &outer), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_export_onnx(outer, path), FMNIST_E_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "unfitted.onnx: ensemble member 0: ensemble "
                                                    "member 1: a knn model has no ONNX export"));
  fmnist_model_free(outer);
  fmnist_model_free(e);
  fmnist_model_free(lr);
  fmnist_model_free(m);
  m = fitted("logreg", "max_iter=2", 20);
  ck_assert_int_eq(fmnist_model_export_onnx(m, "/nonexistent/dir/m.onnx"), FMNIST_E_IO);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "/nonexistent/dir/m.onnx"));
  ck_assert_int_eq(fmnist_model_export_onnx_buffer(m, NULL, 0, &size), FMNIST_OK);
  uint8_t *buf = malloc(size);
  memset(buf, 0xab, size);
  size_t again = 0;
  ck_assert_int_eq(fmnist_model_export_onnx_buffer(m, buf, size - 1, &again), FMNIST_E_BUFFER);
  ck_assert_uint_eq(again, 0);
  for (size_t i = 0; i < size; i++) ck_assert_uint_eq(buf[i], 0xab);
  free(buf);
  ck_assert_int_eq(fmnist_model_export_onnx(NULL, path), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_model_export_onnx(m, NULL), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_model_export_onnx_buffer(m, NULL, 0, NULL), FMNIST_E_INVALID);
  fmnist_model_free(m);
}
END_TEST

static Suite *onnx_suite(void) {
  Suite *s = suite_create("onnx");
  TCase *tc = tcase_create("export");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_net_shapes, 0, sizeof nets / sizeof nets[0]);
  tcase_add_test(tc, test_res_projection);
  tcase_add_test(tc, test_tta);
  tcase_add_test(tc, test_ensemble);
  tcase_add_test(tc, test_logreg);
  tcase_add_test(tc, test_forest);
  tcase_add_test(tc, test_errors);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(onnx_suite)
