/* The logreg family's ONNX graph: the standardized input, one Gemm with
 * the weights (784 x 10, as the family scores with sgemm) and the
 * intercepts, then the softmax epilogue. */
#include "models/logreg.h"
#include "models/onnx.h"

fmnist_status fmnist__logreg_export_onnx(const fmnist_model *m, fmnist__onnx *g) {
  const fmnist__logreg_state *st = m->state;
  char x[FMNIST__ONNX_NAME];
  fmnist__onnx_standardized(g, m, x);
  const int64_t w_dims[2] = {FMNIST_PIXELS, FMNIST_CLASSES}, b_dims[1] = {FMNIST_CLASSES};
  fmnist__onnx_init_f32(g, "weight", w_dims, 2, st->w);
  fmnist__onnx_init_f32(g, "bias", b_dims, 1, st->b);
  const char *in[3] = {x, "weight", "bias"};
  fmnist__onnx_node(g, "Gemm", in, 3, "logits");
  fmnist__onnx_end_logits(g, "logits");
  return FMNIST_OK;
}
