/* libfmnist: classify Fashion-MNIST images from C.
 *
 * The umbrella header; each part is documented in its own header:
 *   fmnist/base.h       version, status codes, errors, progress callbacks
 *   fmnist/dataset.h    IDX loading, splits, k folds, mini-batches
 *   fmnist/transform.h  seeded image transforms (augmentation, corruption)
 *   fmnist/metrics.h    confusion matrix, precision/recall/F1, log loss
 *   fmnist/model.h      one verb set for every classifier family
 *   fmnist/net.h        layers of neural networks
 *   fmnist/ensemble.h   several fitted models as one (mean of probabilities)
 *   fmnist/experiment.h cross validation, robustness to corrupted images
 *   fmnist/image.h      reading PGM and PNG files as inputs
 */
#ifndef FMNIST_H
#define FMNIST_H

#include "fmnist/base.h"
#include "fmnist/dataset.h"
#include "fmnist/transform.h"
#include "fmnist/metrics.h"
#include "fmnist/model.h"
#include "fmnist/net.h"
#include "fmnist/ensemble.h"
#include "fmnist/experiment.h"
#include "fmnist/image.h"

#endif
