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
 * output. A graph may hold parts (fmnist__onnx_part): the graph of
 * another model (an ensemble's member) or of the same model on other
 * images (test-time augmentation's views), each in its own scope, whose
 * names the builder writes prefixed "<part>/" (parts nest: "m1/views/"),
 * so that a body names its values as it likes. Errors while writing (out
 * of memory) are the writer's sticky status, checked once at the end. */
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
  /* A part's builder (fmnist__onnx_part): the builder it is a part of and
   * its name; NULL at the top, where names are written as they are. */
  const struct fmnist__onnx *up;
  const char *part;
} fmnist__onnx;

/* What a graph holds for a model: its probabilities from its input
 * "images" through an epilogue (a family's export_onnx, or the graph of
 * a model with its test-time augmentation, fmnist__onnx_model). */
typedef fmnist_status (*fmnist__onnx_body)(const fmnist_model *m, fmnist__onnx *g);

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
/* Ends a graph whose body wrote "probabilities" itself: the label (a
 * part has none: its probabilities are what the graph takes from it). */
void fmnist__onnx_end_proba(fmnist__onnx *g);

/* ---- models and parts ---- */

/* m's graph: its family's body (FMNIST_E_UNSUPPORTED, with a message, for
 * a family without one), inside the views of its test-time augmentation
 * if its "tta" option has any (models/tta_onnx.c). */
fmnist_status fmnist__onnx_model(const fmnist_model *m, fmnist__onnx *g);
/* Part `name` of g (a short name, unique among g's parts): body(m) on
 * g's value `images` (uint8 N x 784) in a scope of its own; the name in g
 * of its probabilities (N x 10) into proba (FMNIST__ONNX_NAME bytes).
 * Returns body's status. */
fmnist_status fmnist__onnx_part(fmnist__onnx *g, const char *name, const char *images,
                                fmnist__onnx_body body, const fmnist_model *m, char *proba);

#endif
