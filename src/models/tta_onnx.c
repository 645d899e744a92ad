/* Test-time augmentation in an ONNX graph (models/tta.h): the views of
 * the input images made with standard operators on the raw bytes, the
 * family's body once on all of them, and the mean over the views.
 *
 *   images [N, 784]  Reshape [N, 28, 28], Pad with zeros by the largest
 *                    shift P of the level: [N, 28+2P, 28+2P]
 *   view k           a Slice of rows and columns of the padded images
 *                    (columns backwards for a mirrored view), Reshape
 *                    [N, 784]; the view that moves nothing is the images
 *   views            Concat of the views along the batch: [V*N, 784],
 *                    view after view
 *   body             the family's graph on them, a part "views":
 *                    [V*N, 10]
 *   probabilities    Reshape [V, N, 10], ReduceMean over the views
 * The views are tta.c's byte for byte: a pixel a shift uncovers is the
 * padding's 0, as there. One body on every view rather than one per
 * view keeps the model's weights in the file once. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "models/onnx.h"
#include "models/tta.h"

#define SIDE FMNIST_SIDE

/* A 1-D int64 initializer of n values. */
static void ints(fmnist__onnx *g, const char *name, const int64_t *v, size_t n) {
  const int64_t dims[1] = {(int64_t)n};
  fmnist__onnx_init_i64(g, name, dims, 1, v);
}

/* View k, v, of the images padded by p pixels on every side (value x),
 * flat, named into out. */
static void view(fmnist__onnx *g, const fmnist__tta_view *v, size_t k, const char *x,
                 int64_t p, char *out) {
  char starts[FMNIST__ONNX_NAME], ends[FMNIST__ONNX_NAME], steps[FMNIST__ONNX_NAME],
      cut[FMNIST__ONNX_NAME];
  snprintf(starts, sizeof starts, "view%zu.starts", k);
  snprintf(ends, sizeof ends, "view%zu.ends", k);
  snprintf(steps, sizeof steps, "view%zu.steps", k);
  snprintf(cut, sizeof cut, "view%zu.planes", k);
  snprintf(out, FMNIST__ONNX_NAME, "view%zu", k);
  /* Row y of the view is the image's row y - dy, row p + y - dy of x. */
  const int64_t top = p - v->dy;
  /* Column c is the image's column c - dx (p + c - dx of x); mirrored,
   * its column 27 - (c - dx): x's columns from p + 27 + dx backwards, to
   * p + dx, so the end (exclusive) is p + dx - 1, or before column 0 when
   * that is -1 (which Slice would count from the far side). */
  const int64_t left = v->flip ? p + SIDE - 1 + v->dx : p - v->dx;
  const int64_t right = !v->flip ? left + SIDE : p + v->dx > 0 ? p + v->dx - 1 : INT64_MIN;
  const int64_t s[2] = {top, left}, e[2] = {top + SIDE, right}, st[2] = {1, v->flip ? -1 : 1};
  ints(g, starts, s, 2);
  ints(g, ends, e, 2);
  ints(g, steps, st, 2);
  const char *slice[5] = {x, starts, ends, "view.axes", steps}, *flat[2] = {cut, "view.shape"};
  fmnist__onnx_node(g, "Slice", slice, 5, cut);
  fmnist__onnx_node(g, "Reshape", flat, 2, out);
}

fmnist_status fmnist__tta_export_onnx(const fmnist_model *m, fmnist__onnx *g) {
  const fmnist__tta_view *views = fmnist__tta_view_list(m);
  const size_t nv = fmnist__tta_views(m);
  int64_t p = 0;
  for (size_t k = 0; k < nv; k++) {
    if (abs(views[k].dx) > p) p = abs(views[k].dx);
    if (abs(views[k].dy) > p) p = abs(views[k].dy);
  }
  const int64_t planes[3] = {-1, SIDE, SIDE}, pads[6] = {0, p, p, 0, p, p}, axes[2] = {1, 2};
  const int64_t flat[2] = {-1, FMNIST_PIXELS}, by_view[3] = {(int64_t)nv, -1, FMNIST_CLASSES};
  ints(g, "planes.shape", planes, 3);
  const char *reshape[2] = {FMNIST__ONNX_INPUT, "planes.shape"}, *x = "planes";
  fmnist__onnx_node(g, "Reshape", reshape, 2, x);
  if (p) {
    ints(g, "padded.pads", pads, 6);
    const char *pad[2] = {x, "padded.pads"};
    fmnist__onnx_node(g, "Pad", pad, 2, "padded"); /* mode constant, value 0 */
    x = "padded";
  }
  ints(g, "view.axes", axes, 2);
  ints(g, "view.shape", flat, 2);
  char names[FMNIST__TTA_MAX_VIEWS][FMNIST__ONNX_NAME];
  const char *in[FMNIST__TTA_MAX_VIEWS];
  for (size_t k = 0; k < nv; k++) {
    const fmnist__tta_view *v = &views[k];
    if (v->flip || v->dx || v->dy) view(g, v, k, x, p, names[k]);
    else snprintf(names[k], sizeof names[k], "%s", FMNIST__ONNX_INPUT);
    in[k] = names[k];
  }
  const char *all = "views";
  size_t mark = fmnist__onnx_node_begin(g, "Concat", NULL, in, nv, &all, 1);
  fmnist__onnx_attr_int(g, "axis", 0);
  fmnist__onnx_node_end(g, mark);
  char proba[FMNIST__ONNX_NAME];
  fmnist_status s = fmnist__onnx_part(g, all, all, m->family->export_onnx, m, proba);
  if (s) return s;
  ints(g, "by_view.shape", by_view, 3);
  const char *split[2] = {proba, "by_view.shape"}, *mean = "by_view", *out = FMNIST__ONNX_PROBA;
  fmnist__onnx_node(g, "Reshape", split, 2, mean);
  mark = fmnist__onnx_node_begin(g, "ReduceMean", NULL, &mean, 1, &out, 1);
  const int64_t over_views[1] = {0};
  fmnist__onnx_attr_ints(g, "axes", over_views, 1);
  fmnist__onnx_attr_int(g, "keepdims", 0);
  fmnist__onnx_node_end(g, mark);
  fmnist__onnx_end_proba(g);
  return FMNIST_OK;
}
