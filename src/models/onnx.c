/* ONNX export: the graph builder the families' exporters share (onnx.h)
 * and the ModelProto around their graph (fmnist_model_export_onnx). */
#include "models/onnx.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"
#include "base/protobuf.h"
#include "base/status.h"
#include "models/families.h"
#include "models/tta.h"

/* Field numbers of onnx.proto (ONNX 1.12), by message. */
enum { MODEL_IR_VERSION = 1, MODEL_PRODUCER = 2, MODEL_PRODUCER_VERSION = 3, MODEL_DOC = 6,
       MODEL_GRAPH = 7, MODEL_OPSET = 8, MODEL_METADATA = 14 };
enum { OPSET_DOMAIN = 1, OPSET_VERSION = 2 };
enum { ENTRY_KEY = 1, ENTRY_VALUE = 2 };
enum { GRAPH_NODE = 1, GRAPH_NAME = 2, GRAPH_INITIALIZER = 5, GRAPH_INPUT = 11,
       GRAPH_OUTPUT = 12 };
enum { NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP = 4, NODE_ATTRIBUTE = 5,
       NODE_DOMAIN = 7 };
enum { ATTR_NAME = 1, ATTR_F = 2, ATTR_I = 3, ATTR_S = 4, ATTR_FLOATS = 7, ATTR_INTS = 8,
       ATTR_STRINGS = 9, ATTR_TYPE = 20 };
enum { TENSOR_DIMS = 1, TENSOR_DATA_TYPE = 2, TENSOR_NAME = 8, TENSOR_RAW = 9 };
enum { VALUE_NAME = 1, VALUE_TYPE = 2 };
enum { TYPE_TENSOR = 1, TENSOR_TYPE_ELEM = 1, TENSOR_TYPE_SHAPE = 2, SHAPE_DIM = 1,
       DIM_VALUE = 1, DIM_PARAM = 2 };
/* AttributeProto.AttributeType and TensorProto.DataType. */
enum { ATYPE_FLOAT = 1, ATYPE_INT = 2, ATYPE_STRING = 3, ATYPE_FLOATS = 6, ATYPE_INTS = 7,
       ATYPE_STRINGS = 8 };
enum { DT_FLOAT = 1, DT_UINT8 = 2, DT_INT64 = 7 };

/* The symbolic batch dimension: a dim of -1 in value_info. */
#define BATCH "N"

/* ---- names ---- */

/* Bytes of g's scope: "<part>/" for g and each builder it is a part of. */
static size_t scope_len(const fmnist__onnx *g) {
  return g->up ? scope_len(g->up) + strlen(g->part) + 1 : 0;
}

static void put_scope(const fmnist__onnx *g) {
  if (!g->up) return;
  put_scope(g->up);
  fmnist__put_bytes(g->w, g->part, strlen(g->part));
  fmnist__put_bytes(g->w, "/", 1);
}

/* String field `field`: value `name` of g, in g's scope. */
static void put_name(const fmnist__onnx *g, uint32_t field, const char *name) {
  const size_t n = strlen(name);
  fmnist__pb_bytes_head(g->w, field, scope_len(g) + n);
  put_scope(g);
  fmnist__put_bytes(g->w, name, n);
}

/* ---- initializers ---- */

/* Opens a TensorProto initializer of n elements of `type` (elem bytes
 * each) and its raw_data field; the caller writes the data. */
static size_t tensor_begin(fmnist__onnx *g, const char *name, int type, const int64_t *dims,
                           size_t ndims, size_t elem) {
  size_t n = 1;
  for (size_t i = 0; i < ndims; i++) n *= (size_t)dims[i];
  size_t mark = fmnist__pb_begin(g->w, GRAPH_INITIALIZER);
  for (size_t i = 0; i < ndims; i++) fmnist__pb_int(g->w, TENSOR_DIMS, dims[i]);
  fmnist__pb_int(g->w, TENSOR_DATA_TYPE, type);
  put_name(g, TENSOR_NAME, name);
  fmnist__pb_bytes_head(g->w, TENSOR_RAW, n * elem);
  return mark;
}

void fmnist__onnx_init_f32(fmnist__onnx *g, const char *name, const int64_t *dims, size_t ndims,
                           const float *data) {
  size_t mark = tensor_begin(g, name, DT_FLOAT, dims, ndims, 4), n = 1;
  for (size_t i = 0; i < ndims; i++) n *= (size_t)dims[i];
  fmnist__put_f32s(g->w, data, n);
  fmnist__pb_end(g->w, mark);
}

void fmnist__onnx_init_i64(fmnist__onnx *g, const char *name, const int64_t *dims, size_t ndims,
                           const int64_t *data) {
  size_t mark = tensor_begin(g, name, DT_INT64, dims, ndims, 8), n = 1;
  for (size_t i = 0; i < ndims; i++) n *= (size_t)dims[i];
  for (size_t i = 0; i < n; i++) fmnist__put_u64(g->w, (uint64_t)data[i]);
  fmnist__pb_end(g->w, mark);
}

/* ---- nodes and attributes ---- */

size_t fmnist__onnx_node_begin(fmnist__onnx *g, const char *op, const char *domain,
                               const char *const *in, size_t nin, const char *const *out,
                               size_t nout) {
  size_t mark = fmnist__pb_begin(g->w, GRAPH_NODE);
  for (size_t i = 0; i < nin; i++) put_name(g, NODE_INPUT, in[i]);
  for (size_t i = 0; i < nout; i++) put_name(g, NODE_OUTPUT, out[i]);
  put_name(g, NODE_NAME, out[0]);
  fmnist__pb_string(g->w, NODE_OP, op);
  if (domain) fmnist__pb_string(g->w, NODE_DOMAIN, domain);
  if (domain && !strcmp(domain, FMNIST__ONNX_ML)) g->ml = 1;
  return mark;
}

void fmnist__onnx_node_end(fmnist__onnx *g, size_t mark) { fmnist__pb_end(g->w, mark); }

void fmnist__onnx_node(fmnist__onnx *g, const char *op, const char *const *in, size_t nin,
                       const char *out) {
  fmnist__onnx_node_end(g, fmnist__onnx_node_begin(g, op, NULL, in, nin, &out, 1));
}

static size_t attr_begin(fmnist__onnx *g, const char *name, int type) {
  size_t mark = fmnist__pb_begin(g->w, NODE_ATTRIBUTE);
  fmnist__pb_string(g->w, ATTR_NAME, name);
  fmnist__pb_int(g->w, ATTR_TYPE, type);
  return mark;
}

void fmnist__onnx_attr_int(fmnist__onnx *g, const char *name, int64_t v) {
  size_t mark = attr_begin(g, name, ATYPE_INT);
  fmnist__pb_int(g->w, ATTR_I, v);
  fmnist__pb_end(g->w, mark);
}

void fmnist__onnx_attr_float(fmnist__onnx *g, const char *name, float v) {
  size_t mark = attr_begin(g, name, ATYPE_FLOAT);
  fmnist__pb_float(g->w, ATTR_F, v);
  fmnist__pb_end(g->w, mark);
}

void fmnist__onnx_attr_string(fmnist__onnx *g, const char *name, const char *s) {
  size_t mark = attr_begin(g, name, ATYPE_STRING);
  fmnist__pb_string(g->w, ATTR_S, s);
  fmnist__pb_end(g->w, mark);
}

void fmnist__onnx_attr_ints(fmnist__onnx *g, const char *name, const int64_t *v, size_t n) {
  fmnist__onnx_list l = fmnist__onnx_list_begin(g, name, FMNIST__ONNX_INTS);
  for (size_t i = 0; i < n; i++) fmnist__onnx_list_int(g, v[i]);
  fmnist__onnx_list_end(g, l);
}

fmnist__onnx_list fmnist__onnx_list_begin(fmnist__onnx *g, const char *name,
                                          fmnist__onnx_list_type type) {
  static const int types[] = {ATYPE_FLOATS, ATYPE_INTS, ATYPE_STRINGS};
  static const uint32_t fields[] = {ATTR_FLOATS, ATTR_INTS, 0};
  fmnist__onnx_list l = {attr_begin(g, name, types[type]), 0};
  /* Numbers go in one packed field; strings are one field each. */
  if (fields[type]) l.packed = fmnist__pb_begin(g->w, fields[type]);
  return l;
}

void fmnist__onnx_list_int(fmnist__onnx *g, int64_t v) { fmnist__pb_packed_int(g->w, v); }
void fmnist__onnx_list_float(fmnist__onnx *g, float v) { fmnist__pb_packed_float(g->w, v); }
void fmnist__onnx_list_string(fmnist__onnx *g, const char *s) {
  fmnist__pb_string(g->w, ATTR_STRINGS, s);
}

void fmnist__onnx_list_end(fmnist__onnx *g, fmnist__onnx_list l) {
  if (l.packed) fmnist__pb_end(g->w, l.packed);
  fmnist__pb_end(g->w, l.attr);
}

/* ---- prologue and epilogue ---- */

void fmnist__onnx_pixels(fmnist__onnx *g, char *out) {
  const char *in = FMNIST__ONNX_INPUT;
  snprintf(out, FMNIST__ONNX_NAME, "pixels");
  const char *o = out;
  size_t mark = fmnist__onnx_node_begin(g, "Cast", NULL, &in, 1, &o, 1);
  fmnist__onnx_attr_int(g, "to", DT_FLOAT);
  fmnist__onnx_node_end(g, mark);
}

void fmnist__onnx_standardized(fmnist__onnx *g, const fmnist_model *m, char *out) {
  char pixels[FMNIST__ONNX_NAME];
  const int64_t dims[1] = {FMNIST_PIXELS};
  fmnist__onnx_pixels(g, pixels);
  fmnist__onnx_init_f32(g, "mean", dims, 1, m->mean);
  fmnist__onnx_init_f32(g, "inv_std", dims, 1, m->inv_std);
  const char *sub[2] = {pixels, "mean"}, *mul[2] = {"centered", "inv_std"};
  fmnist__onnx_node(g, "Sub", sub, 2, "centered");
  snprintf(out, FMNIST__ONNX_NAME, "standardized");
  fmnist__onnx_node(g, "Mul", mul, 2, out);
}

void fmnist__onnx_end_logits(fmnist__onnx *g, const char *logits) {
  const char *out = FMNIST__ONNX_PROBA;
  size_t mark = fmnist__onnx_node_begin(g, "Softmax", NULL, &logits, 1, &out, 1);
  fmnist__onnx_attr_int(g, "axis", 1);
  fmnist__onnx_node_end(g, mark);
  fmnist__onnx_end_proba(g);
}

void fmnist__onnx_end_proba(fmnist__onnx *g) {
  g->ended = 1;
  if (g->up) return;
  const char *in = FMNIST__ONNX_PROBA, *out = FMNIST__ONNX_LABEL;
  size_t mark = fmnist__onnx_node_begin(g, "ArgMax", NULL, &in, 1, &out, 1);
  fmnist__onnx_attr_int(g, "axis", 1);
  fmnist__onnx_attr_int(g, "keepdims", 0);
  fmnist__onnx_attr_int(g, "select_last_index", 0); /* the first maximum */
  fmnist__onnx_node_end(g, mark);
}

/* ---- models and parts ---- */

fmnist_status fmnist__onnx_model(const fmnist_model *m, fmnist__onnx *g) {
  if (!m->family->export_onnx) {
    char names[64];
    fmnist__family_onnx_names(names, sizeof names);
    return fmnist__fail(FMNIST_E_UNSUPPORTED, "a %s model has no ONNX export (%s do)",
                        m->family->name, names);
  }
  if (fmnist__tta_views(m) > 1) return fmnist__tta_export_onnx(m, g);
  return m->family->export_onnx(m, g);
}

fmnist_status fmnist__onnx_part(fmnist__onnx *g, const char *name, const char *images,
                                fmnist__onnx_body body, const fmnist_model *m, char *proba) {
  /* The part reads its own "images": the value given, under that name. */
  char in[FMNIST__ONNX_NAME];
  snprintf(in, sizeof in, "%s/%s", name, FMNIST__ONNX_INPUT);
  fmnist__onnx_node(g, "Identity", &images, 1, in);
  fmnist__onnx part = {g->w, 0, 0, g, name};
  fmnist_status s = body(m, &part);
  assert(s || part.ended);
  g->ml |= part.ml;
  snprintf(proba, FMNIST__ONNX_NAME, "%s/%s", name, FMNIST__ONNX_PROBA);
  return s;
}

/* ---- the model ---- */

/* A graph input or output: tensor `name` of `type` and ndims dims (-1:
 * the batch dimension, symbolic). */
static void value_info(fmnist__writer *w, uint32_t field, const char *name, int type,
                       const int64_t *dims, size_t ndims) {
  size_t value = fmnist__pb_begin(w, field);
  fmnist__pb_string(w, VALUE_NAME, name);
  size_t tp = fmnist__pb_begin(w, VALUE_TYPE), tensor = fmnist__pb_begin(w, TYPE_TENSOR);
  fmnist__pb_int(w, TENSOR_TYPE_ELEM, type);
  size_t shape = fmnist__pb_begin(w, TENSOR_TYPE_SHAPE);
  for (size_t i = 0; i < ndims; i++) {
    size_t dim = fmnist__pb_begin(w, SHAPE_DIM);
    if (dims[i] < 0) fmnist__pb_string(w, DIM_PARAM, BATCH);
    else fmnist__pb_int(w, DIM_VALUE, dims[i]);
    fmnist__pb_end(w, dim);
  }
  fmnist__pb_end(w, shape);
  fmnist__pb_end(w, tensor);
  fmnist__pb_end(w, tp);
  fmnist__pb_end(w, value);
}

static void opset(fmnist__writer *w, const char *domain, int64_t version) {
  size_t mark = fmnist__pb_begin(w, MODEL_OPSET);
  fmnist__pb_string(w, OPSET_DOMAIN, domain);
  fmnist__pb_int(w, OPSET_VERSION, version);
  fmnist__pb_end(w, mark);
}

static void metadata(fmnist__writer *w, const char *key, const char *value) {
  size_t mark = fmnist__pb_begin(w, MODEL_METADATA);
  fmnist__pb_string(w, ENTRY_KEY, key);
  fmnist__pb_string(w, ENTRY_VALUE, value);
  fmnist__pb_end(w, mark);
}

/* The family and every option as metadata_props, so that a tool can tell
 * what the file was exported from (value: FMNIST__OPTION_MAX_TEXT
 * bytes). */
static fmnist_status put_options(const fmnist_model *m, fmnist__writer *w, char *value) {
  metadata(w, "family", m->family->name);
  const char *key;
  for (size_t i = 0; (key = fmnist_model_option_name(m, i)); i++) {
    fmnist_status s = fmnist_model_get(m, key, value, FMNIST__OPTION_MAX_TEXT);
    if (s) return s;
    metadata(w, key, value);
  }
  return FMNIST_OK;
}

/* The ONNX model of m in w; `what` names the destination in messages. */
static fmnist_status serialize(const fmnist_model *m, fmnist__writer *w, const char *what) {
  if (!m->state) return fmnist__fail(FMNIST_E_STATE, "%s: the model is not fitted", what);
  char *value = fmnist__alloc(FMNIST__OPTION_MAX_TEXT);
  if (!value) return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory", what);
  char doc[256], name[64];
  snprintf(doc, sizeof doc,
           "libfmnist %s model. Input \"%s\": uint8 [N, %d], N raw images of %dx%d pixels, "
           "row-major. Outputs \"%s\": float [N, %d]; \"%s\": int64 [N].",
           m->family->name, FMNIST__ONNX_INPUT, FMNIST_PIXELS, FMNIST_SIDE, FMNIST_SIDE,
           FMNIST__ONNX_PROBA, FMNIST_CLASSES, FMNIST__ONNX_LABEL);
  snprintf(name, sizeof name, "libfmnist_%s", m->family->name);
  fmnist__pb_int(w, MODEL_IR_VERSION, FMNIST__ONNX_IR_VERSION);
  fmnist__pb_string(w, MODEL_PRODUCER, "libfmnist");
  fmnist__pb_string(w, MODEL_PRODUCER_VERSION, fmnist_version());
  fmnist__pb_string(w, MODEL_DOC, doc);
  size_t graph = fmnist__pb_begin(w, MODEL_GRAPH);
  fmnist__pb_string(w, GRAPH_NAME, name);
  const int64_t in_dims[2] = {-1, FMNIST_PIXELS}, proba_dims[2] = {-1, FMNIST_CLASSES};
  value_info(w, GRAPH_INPUT, FMNIST__ONNX_INPUT, DT_UINT8, in_dims, 2);
  fmnist__onnx g = {w, 0, 0, NULL, NULL};
  fmnist_status s = fmnist__onnx_model(m, &g);
  if (s) s = fmnist__fail(s, "%s: %s", what, fmnist_last_error());
  value_info(w, GRAPH_OUTPUT, FMNIST__ONNX_PROBA, DT_FLOAT, proba_dims, 2);
  value_info(w, GRAPH_OUTPUT, FMNIST__ONNX_LABEL, DT_INT64, in_dims, 1);
  assert(s || g.ended); /* every export_onnx ends with an epilogue */
  fmnist__pb_end(w, graph);
  opset(w, "", FMNIST__ONNX_OPSET);
  if (g.ml) opset(w, FMNIST__ONNX_ML, FMNIST__ONNX_ML_OPSET);
  if (!s) s = put_options(m, w, value);
  fmnist__free(value);
  if (!s && w->status) s = fmnist__fail(w->status, "%s: out of memory while exporting", what);
  return s;
}

FMNIST_API fmnist_status fmnist_model_export_onnx(const fmnist_model *m, const char *path) {
  FMNIST__CHECK_ARG(m);
  FMNIST__CHECK_ARG(path);
  fmnist__writer w = {0};
  fmnist_status s = serialize(m, &w, path);
  if (!s) s = fmnist__file_write(path, w.data, w.len);
  fmnist__writer_free(&w);
  return s;
}

FMNIST_API fmnist_status fmnist_model_export_onnx_buffer(const fmnist_model *m, void *buf,
                                                         size_t len, size_t *size) {
  FMNIST__CHECK_ARG(m);
  FMNIST__CHECK_ARG(size);
  fmnist__writer w = {0};
  fmnist_status s = serialize(m, &w, "fmnist_model_export_onnx_buffer");
  if (!s) s = fmnist__writer_to_buffer(&w, buf, len, size, "fmnist_model_export_onnx_buffer");
  fmnist__writer_free(&w);
  return s;
}
