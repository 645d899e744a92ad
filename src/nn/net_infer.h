/* Inference of a net (nn/net_infer.c): its input from raw images, and its
 * evaluation on labelled images, which a fit runs on its validation set
 * after every epoch (the family's proba is in net_impl.h). */
#ifndef FMNIST_SRC_NN_NET_INFER_H
#define FMNIST_SRC_NN_NET_INFER_H

#include <stddef.h>
#include <stdint.h>

#include "nn/net_impl.h"

/* The workspaces of the inference tasks, one each, and the slot each
 * layer's output takes in them (net_infer.c). */
typedef struct fmnist__infer_pool {
  size_t count;
  struct fmnist__infer_ws *ws;
  size_t slots, *slot;
} fmnist__infer_pool;

/* Evaluation of a net on up to n labelled images: the tasks' workspaces
 * and a slot per chunk of images for its loss and correct count. */
typedef struct fmnist__net_eval {
  fmnist__infer_pool pool;
  double *chunk_loss;
  size_t *chunk_correct;
} fmnist__net_eval;

/* The net's input from n raw images: standardized, pixel-major by chunks
 * (784 x k per chunk of k images). */
void fmnist__net_input(const fmnist_model *m, const uint8_t *images, size_t n, float *out);

/* For up to n images over `threads` tasks (n = 0: nothing). */
fmnist_status fmnist__net_eval_make(const fmnist__net *net, size_t threads, size_t n,
                                    fmnist__net_eval *e);
void fmnist__net_eval_free(fmnist__net_eval *e);
/* The summed loss and correct count of n labelled images into *t: the
 * same for every thread count. */
void fmnist__net_evaluate(const fmnist_model *m, const fmnist__net *net, const fmnist__net_eval *e,
                          const uint8_t *images, const uint8_t *labels, size_t n,
                          fmnist__tally *t);

#endif
