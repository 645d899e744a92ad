/* Internals of the logistic regression family shared by its files and its
 * tests. */
#ifndef FMNIST_SRC_MODELS_LOGREG_H
#define FMNIST_SRC_MODELS_LOGREG_H

#include <stddef.h>
#include <stdint.h>

#include "fmnist/dataset.h"

struct fmnist_model;
struct fmnist__onnx;

/* Fitted parameters, laid out for scoring with one sgemm:
 * scores (n x 10) = x (n x 784) * w (784 x 10) + b. */
typedef struct fmnist__logreg_state {
  float w[FMNIST_PIXELS * FMNIST_CLASSES];
  float b[FMNIST_CLASSES];
} fmnist__logreg_state;

/* Objective that SAG and SGD minimize, per sample:
 *   F(W, b) = (1/n) sum_i -log softmax(W x_i + b)[y_i] + alpha/2 ||W||^2
 * with alpha = 1/(C n) (scikit-learn's sum of log-losses + ||W||^2/(2C),
 * divided by n). x: n x 784 standardized rows; W: 10 x 784 (class-major);
 * b: 10. Writes dF/dW (10 x 784) and dF/db (10) and returns F. */
double fmnist__logreg_objective(const float *x, const uint8_t *y, size_t n,
                                const double *w, const double *b,
                                double alpha, double *grad_w, double *grad_b);

/* Copies a fitted model's parameters out as in fmnist__logreg_objective:
 * w (10 x 784, class-major) and b (10). */
void fmnist__logreg_params(const struct fmnist_model *m, double *w, double *b);

/* The family's ONNX graph (logreg_onnx.c, models/onnx.h). */
fmnist_status fmnist__logreg_export_onnx(const struct fmnist_model *m, struct fmnist__onnx *g);

#endif
