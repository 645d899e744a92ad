/* Test-time augmentation, the "tta" option of every family
 * (models/tta.c): a model's probabilities averaged over fixed views of
 * each image (the image itself first, then mirrored and moved copies),
 * computed by the family's own proba on each view, so every family
 * gets it from the verbs without a line of its own. */
#ifndef FMNIST_SRC_MODELS_TTA_H
#define FMNIST_SRC_MODELS_TTA_H

#include <stddef.h>
#include <stdint.h>

#include "models/model_impl.h"

/* The levels' names, in the order of their table: the "tta" option's
 * choices (NULL-terminated). */
extern const char *const fmnist__tta_levels[];

/* A view: the image mirrored left-right if flip, then moved by (dx, dy)
 * whole pixels (right and down positive), the uncovered border 0, the
 * background, as the crop augmentation pads. */
typedef struct fmnist__tta_view {
  int flip, dx, dy;
} fmnist__tta_view;

/* The most views a level has (the largest, flip_shift's). */
#define FMNIST__TTA_MAX_VIEWS 6

/* The number of views of m's level (1: none, the image alone). */
size_t fmnist__tta_views(const fmnist_model *m);
/* The views of m's level, fmnist__tta_views(m) of them, the image itself
 * first. */
const fmnist__tta_view *fmnist__tta_view_list(const fmnist_model *m);
/* m's graph with its views (models/tta_onnx.c, models/onnx.h): the
 * family's body on every view at once, then the mean over the views. */
struct fmnist__onnx;
fmnist_status fmnist__tta_export_onnx(const fmnist_model *m, struct fmnist__onnx *g);
/* The probabilities of n images (n x FMNIST_CLASSES into out): the mean
 * over the views of m's level of the family's probabilities of each
 * view, which at level none are the family's probabilities themselves. */
fmnist_status fmnist__tta_proba(const fmnist_model *m, const uint8_t *images, size_t n,
                                float *out);

#endif
