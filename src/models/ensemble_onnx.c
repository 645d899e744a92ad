/* The ensemble family's ONNX graph: each member's graph (its family's
 * body, inside its own test-time augmentation's views if it has any) as
 * a part of its own, "m0", "m1", ..., on the images, each with its own
 * standardization; then their probabilities added in member order and
 * divided by the count, as ensemble.c makes their mean. */
#include <stdio.h>

#include "base/status.h"
#include "fmnist/ensemble.h"
#include "models/onnx.h"

fmnist_status fmnist__ensemble_export_onnx(const fmnist_model *m, fmnist__onnx *g) {
  size_t n = 0;
  fmnist_status s = fmnist_ensemble_size(m, &n);
  char sum[FMNIST__ONNX_NAME] = "", proba[FMNIST__ONNX_NAME], part[FMNIST__ONNX_NAME];
  for (size_t k = 0; k < n && !s; k++) {
    const fmnist_model *member = NULL;
    s = fmnist_ensemble_member(m, k, &member);
    snprintf(part, sizeof part, "m%zu", k);
    if (!s) s = fmnist__onnx_part(g, part, FMNIST__ONNX_INPUT, fmnist__onnx_model, member, proba);
    if (s) return fmnist__fail(s, "ensemble member %zu: %s", k, fmnist_last_error());
    if (k == 0) {
      snprintf(sum, sizeof sum, "%s", proba);
      continue;
    }
    const char *add[2] = {sum, proba};
    char out[FMNIST__ONNX_NAME];
    snprintf(out, sizeof out, "sum%zu", k);
    fmnist__onnx_node(g, "Add", add, 2, out);
    snprintf(sum, sizeof sum, "%s", out);
  }
  if (s) return s;
  const float count = (float)n;
  fmnist__onnx_init_f32(g, "members", NULL, 0, &count);
  const char *div[2] = {sum, "members"};
  fmnist__onnx_node(g, "Div", div, 2, FMNIST__ONNX_PROBA);
  fmnist__onnx_end_proba(g);
  return FMNIST_OK;
}
