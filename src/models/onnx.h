/* The ONNX graph builder that every family's export shares: initializers,
 * nodes and attributes (onnx.proto's GraphProto, NodeProto,
 * AttributeProto, TensorProto), the prologue that turns the input images
 * into the model's own input, and the epilogue that ends every graph.
 *
 * An exported graph (onnx.c wraps it in a ModelProto):
 *   input  "images"         uint8 [N, 784]: raw images, row-major (N symbolic)
 *   ...    the family's body (its export_onnx, models/model_impl.h)
 *   output "probabilities"  float [N, 10]
 *   output "label"          int64 [N]: ArgMax of the probabilities, the
 *                           first of equal maxima, as fmnist_model_predict
 * Value names are unique in a graph; a node is named for its (first)
 * output. Errors while writing (out of memory) are the writer's sticky
 * status, checked once at the end. */
#ifndef FMNIST_SRC_MODELS_ONNX_H
#define FMNIST_SRC_MODELS_ONNX_H

#include <stddef.h>
#include <stdint.h>

#include "base/writer.h"
#include "models/model_impl.h"

/* The IR version and operator sets written (ONNX 1.12's: IR 8, ai.onnx
 * 17, ai.onnx.ml 3), so that Debian 12's python3-onnx 1.12 and current
 * ONNX Runtime both read the files. */
#define FMNIST__ONNX_IR_VERSION 8
#define FMNIST__ONNX_OPSET 17
#define FMNIST__ONNX_ML_OPSET 3
#define FMNIST__ONNX_ML "ai.onnx.ml"

#define FMNIST__ONNX_INPUT "images"
#define FMNIST__ONNX_PROBA "probabilities"
#define FMNIST__ONNX_LABEL "label"
/* Room for a value name (names are made with snprintf into this much). */
#define FMNIST__ONNX_NAME 64

typedef struct fmnist__onnx {
  fmnist__writer *w; /* inside the GraphProto being written */
  int ml;            /* an ai.onnx.ml operator was used: import its set */
  int ended;         /* an epilogue was written */
} fmnist__onnx;

/* ---- initializers (constant tensors) ---- */

/* Float tensor `name` of ndims dims, data in row-major order. */
void fmnist__onnx_init_f32(fmnist__onnx *g, const char *name, const int64_t *dims, size_t ndims,
                           const float *data);
/* Int64 tensor `name` (shapes for Reshape). */
void fmnist__onnx_init_i64(fmnist__onnx *g, const char *name, const int64_t *dims, size_t ndims,
                           const int64_t *data);

/* ---- nodes ---- */

/* Opens node op_type `op` of operator set `domain` (NULL: the default
 * ai.onnx) with nin inputs and nout outputs (value names); attributes
 * follow, then fmnist__onnx_node_end(g, mark). */
size_t fmnist__onnx_node_begin(fmnist__onnx *g, const char *op, const char *domain,
                               const char *const *in, size_t nin, const char *const *out,
                               size_t nout);
void fmnist__onnx_node_end(fmnist__onnx *g, size_t mark);
/* A node of the default set without attributes: nin inputs, one output. */
void fmnist__onnx_node(fmnist__onnx *g, const char *op, const char *const *in, size_t nin,
                       const char *out);

/* Attributes of the open node. */
void fmnist__onnx_attr_int(fmnist__onnx *g, const char *name, int64_t v);
void fmnist__onnx_attr_float(fmnist__onnx *g, const char *name, float v);
void fmnist__onnx_attr_string(fmnist__onnx *g, const char *name, const char *s);
void fmnist__onnx_attr_ints(fmnist__onnx *g, const char *name, const int64_t *v, size_t n);

/* A list attribute written element by element (a forest's node table
 * goes straight from its trees): begin, then the elements of its type,
 * then end. */
typedef enum { FMNIST__ONNX_FLOATS, FMNIST__ONNX_INTS, FMNIST__ONNX_STRINGS } fmnist__onnx_list_type;
typedef struct fmnist__onnx_list {
  size_t attr, packed; /* marks: the attribute, its packed list (0: strings) */
} fmnist__onnx_list;
fmnist__onnx_list fmnist__onnx_list_begin(fmnist__onnx *g, const char *name,
                                          fmnist__onnx_list_type type);
void fmnist__onnx_list_int(fmnist__onnx *g, int64_t v);
void fmnist__onnx_list_float(fmnist__onnx *g, float v);
void fmnist__onnx_list_string(fmnist__onnx *g, const char *s);
void fmnist__onnx_list_end(fmnist__onnx *g, fmnist__onnx_list l);

/* ---- prologue and epilogue ---- */

/* The input images as floats, N x 784 (Cast): names it in out
 * (FMNIST__ONNX_NAME bytes). The forest's input: raw pixel values. */
void fmnist__onnx_pixels(fmnist__onnx *g, char *out);
/* The model's standardized input, N x 784: (pixels - mean) * inv_std per
 * pixel with m's own mean and inverse std (Sub, then Mul: the arithmetic
 * of fmnist__model_standardize); names it in out. */
void fmnist__onnx_standardized(fmnist__onnx *g, const fmnist_model *m, char *out);

/* Ends a graph whose body computed logits (N x 10): Softmax over the
 * classes into "probabilities", then the label. */
void fmnist__onnx_end_logits(fmnist__onnx *g, const char *logits);
/* Ends a graph whose body wrote "probabilities" itself: the label. */
void fmnist__onnx_end_proba(fmnist__onnx *g);

#endif
