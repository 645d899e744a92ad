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

/* The number of views of m's level (1: none, the image alone). */
size_t fmnist__tta_views(const fmnist_model *m);
/* The probabilities of n images (n x FMNIST_CLASSES into out): the mean
 * over the views of m's level of the family's probabilities of each
 * view, which at level none are the family's probabilities themselves. */
fmnist_status fmnist__tta_proba(const fmnist_model *m, const uint8_t *images, size_t n,
                                float *out);

#endif
