/* The passes over a net's layers (nn/net_pass.c), with the wiring of its
 * residual blocks (nn/net_impl.h): the forward pass, which training and
 * inference share, and training's backward pass with the memory kept
 * between the two. The loss and a step around them are the training
 * loop's (nn/net_train.c); inference's buffers are nn/net_infer.c's. */
#ifndef FMNIST_SRC_NN_NET_PASS_H
#define FMNIST_SRC_NN_NET_PASS_H

#include <stddef.h>

#include "nn/net_impl.h"
#include "nn/pass.h"

/* The forward pass p of net over n images: layer i reads out[from - 1]
 * (in if from is 0; an add also out[add_from - 1]), keeps aux[i] and
 * writes out[i + fuse] (the last layer of its fused tail); a fused layer
 * and a block's res( compute nothing. Returns the logits, the last
 * layer's output (10 x n by chunks). */
const float *fmnist__net_forward(const fmnist__net *net, const float *in, float *const *out,
                                 void *const *aux, size_t n, const fmnist__pass *p);

/* What a training pass keeps from forward to backward, for batches of up
 * to `cap` images: every layer's output and aux, and the gradients with
 * respect to the activations. */
typedef struct fmnist__net_acts {
  size_t n_layers;
  float *in;      /* the net's input, 784 x cap by chunks: the caller's */
  float **y;      /* per layer: its output, out_c x out_h*out_w x cap
                     (none where the next layer is fused: its head writes
                     that one's; none for res(: its output is its input) */
  void **aux;     /* per layer: what it keeps from forward to backward */
  float *d[3];    /* gradients with respect to activations, each the
                     largest activation: d[0] gets the logits' gradient
                     before the backward pass; d[2] only in a net with
                     blocks, for the gradient the skip path keeps */
  float *scratch; /* the passes' p->scratch: the most any layer needs */
  size_t first_params; /* the first layer with parameters (n_layers: none):
                          a layer needs its dx if it reads the output of
                          that layer or a later one */
} fmnist__net_acts;

/* For net's layers and batches of up to cap images; FMNIST_E_NOMEM (and
 * nothing kept) if memory runs out. */
fmnist_status fmnist__net_acts_make(const fmnist__net *net, size_t cap, fmnist__net_acts *a);
void fmnist__net_acts_free(fmnist__net_acts *a);
/* The backward pass after the forward pass p of the n images (out = a->y,
 * aux = a->aux), from the gradient at the logits in a->d[0]: every
 * layer's parameter gradients (l->dw, l->db, overwritten). The gradient
 * at a block's add goes on to both its paths, and its res( adds the two
 * gradients they give the block's input. */
void fmnist__net_backward(const fmnist__net *net, fmnist__net_acts *a, size_t n,
                          const fmnist__pass *p);

#endif
