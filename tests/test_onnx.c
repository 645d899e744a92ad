/* ONNX export (fmnist_model_export_onnx): the files are decoded here with
 * a small protobuf reader and checked for structure: the documented IR
 * version, operator sets, inputs and outputs; every node's inputs defined
 * before it (the graph's input, an initializer or an earlier node); every
 * initializer's data the size its dims say; the operators each family and
 * each layer kind becomes, on odd shapes (every layer kind, odd channel
 * counts, asymmetric "same" padding, a conv on a dense layer's output, a
 * forest of single-leaf trees); the net's parameters in the graph are the
 * model's own. Error paths: unfitted, knn, bad path, small buffer.
 * (make onnx-check runs the files in ONNX Runtime.) */
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

enum { MAX_NODES = 64, MAX_IO = 5, NAME = 64 };

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
  for (size_t i = 0; i < g->nnodes; i++) {
    const node *n = &g->nodes[i];
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
  char got[512];
  ops_of(g, got, sizeof got);
  ck_assert_str_eq(got, ops);
  return g;
}

static void graph_free(graph *g) {
  free(g->bytes);
  free(g);
}

/* Nets of odd shapes and the operators they become. Same padding with
 * stride 2 on 28x28 (3x3: out 14, one padded row, at the bottom). */
static const struct {
  const char *layers, *ops;
  int64_t pads[4]; /* of the first Conv */
} nets[] = {
    {"conv:3:3:2:same bn relu pool:2 dense:10",
     "Cast Sub Mul Reshape Conv BatchNormalization Relu MaxPool Flatten Gemm Softmax ArgMax",
     {0, 0, 1, 1}},
    {"noise:0.2 conv:5:4:1:same tanh drop:0.5 conv:7:3:3:valid sigmoid pool:3 flatten dense:9 "
     "bn relu drop:0.1 dense:10",
     "Cast Sub Mul Reshape Conv Tanh Conv Sigmoid MaxPool Flatten Gemm BatchNormalization Relu "
     "Gemm Softmax ArgMax",
     {1, 1, 2, 2}},
    /* a dense layer first (flat already), a conv on its output, a dense
     * layer on the conv's 1x1 output */
    {"dense:7 sigmoid conv:2:1 relu dense:10",
     "Cast Sub Mul Gemm Sigmoid Reshape Conv Relu Flatten Gemm Softmax ArgMax",
     {0, 0, 0, 0}},
    {"flatten dense:10", "Cast Sub Mul Gemm Softmax ArgMax", {0, 0, 0, 0}},
};

START_TEST(test_net_shapes) {
  char options[512];
  snprintf(options, sizeof options, "epochs=1 batch=16 layers=%s", nets[_i].layers);
  fmnist_model *m = fitted("net", options, 40);
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
                                                    "(logreg, forest or net do)"));
  ck_assert_int_eq(fmnist_model_export_onnx(m, path), FMNIST_E_UNSUPPORTED);
  ck_assert_str_eq(fmnist_status_name(FMNIST_E_UNSUPPORTED), "E_UNSUPPORTED");
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
  tcase_add_test(tc, test_logreg);
  tcase_add_test(tc, test_forest);
  tcase_add_test(tc, test_errors);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(onnx_suite)
